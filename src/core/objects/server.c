/*
 * server.c - LwM2M Server object (ID 1, version 1.2).
 *
 * From the OMA registry file 1.xml (OMA-SUP-XML_1-V1_2-20201019-A).
 * Lifetime is Integer as in that approved file; a later registry edit of
 * the same file shows it as Unsigned Integer.  Either way a value that fits
 * the other type converts losslessly when decoded.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES_RANGE(0, "Short Server ID", INTEGER, OP_R, SINGLE, MANDATORY, 1, 65534),
    RES(1, "Lifetime", INTEGER, OP_RW, SINGLE, MANDATORY),
    RES(2, "Default Minimum Period", INTEGER, OP_RW, SINGLE, OPTIONAL),
    RES(3, "Default Maximum Period", INTEGER, OP_RW, SINGLE, OPTIONAL),
    RES_EXEC(4, "Disable", OPTIONAL),
    RES(5, "Disable Timeout", INTEGER, OP_RW, SINGLE, OPTIONAL),
    RES(6, "Notification Storing When Disabled or Offline", BOOLEAN, OP_RW, SINGLE, MANDATORY),
    RES(7, "Binding", STRING, OP_RW, SINGLE, MANDATORY),
    RES_EXEC(8, "Registration Update Trigger", MANDATORY),
    RES_EXEC(9, "Bootstrap-Request Trigger", OPTIONAL),
    RES(10, "APN Link", OBJLNK, OP_RW, SINGLE, OPTIONAL),
    RES_RANGE(11, "TLS-DTLS Alert Code", UNSIGNED, OP_R, SINGLE, OPTIONAL, 0, 255),
    RES(12, "Last Bootstrapped", TIME, OP_R, SINGLE, OPTIONAL),
    RES(13, "Registration Priority Order", UNSIGNED, OP_R, SINGLE, OPTIONAL),
    RES(14, "Initial Registration Delay Timer", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
    RES(15, "Registration Failure Block", BOOLEAN, OP_R, SINGLE, OPTIONAL),
    RES(16, "Bootstrap on Registration Failure", BOOLEAN, OP_R, SINGLE, OPTIONAL),
    RES(17, "Communication Retry Count", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
    RES(18, "Communication Retry Timer", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
    RES(19, "Communication Sequence Delay Timer", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
    RES(20, "Communication Sequence Retry Count", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
    RES(21, "Trigger", BOOLEAN, OP_RW, SINGLE, OPTIONAL),
    RES(22, "Preferred Transport", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(23, "Mute Send", BOOLEAN, OP_RW, SINGLE, OPTIONAL),
    RES(24, "Alternate APN Links", OBJLNK, OP_RW, MULTIPLE, OPTIONAL),
    RES(25, "Supported Server Versions", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES_RANGE(26, "Default Notification Mode", INTEGER, OP_RW, SINGLE, OPTIONAL, 0, 1),
    RES_RANGE(27, "Profile ID Hash Algorithm", UNSIGNED, OP_RW, SINGLE, OPTIONAL, 0, 255),
};

OBJECT_DEF(cs_object_server, 1, "LwM2M Server", "1.2", MULTIPLE, MANDATORY,
           resources);
