/*
 * security.c - LwM2M Security object (ID 0, version 1.2).
 * Its resources have no DM operations: only the bootstrap server reaches them.
 *
 * From the OMA registry file 0.xml (object version 1.2).  One range is an
 * approximation: SMS Binding Secret Key(s) is 16, 32 or 48 bytes in the
 * registry ("16,32,48"), kept here as the length range 16..48.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES_RANGE(0, "LwM2M Server URI", STRING, OP_NONE, SINGLE, MANDATORY, 0, 255),
    RES(1, "Bootstrap-Server", BOOLEAN, OP_NONE, SINGLE, MANDATORY),
    RES_RANGE(2, "Security Mode", INTEGER, OP_NONE, SINGLE, MANDATORY, 0, 4),
    RES(3, "Public Key or Identity", OPAQUE, OP_NONE, SINGLE, MANDATORY),
    RES(4, "Server Public Key", OPAQUE, OP_NONE, SINGLE, MANDATORY),
    RES(5, "Secret Key", OPAQUE, OP_NONE, SINGLE, MANDATORY),
    RES_RANGE(6, "SMS Security Mode", INTEGER, OP_NONE, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(7, "SMS Binding Key Parameters", OPAQUE, OP_NONE, SINGLE, OPTIONAL, 6, 6),
    RES_RANGE(8, "SMS Binding Secret Key(s)", OPAQUE, OP_NONE, SINGLE, OPTIONAL, 16, 48),
    RES(9, "LwM2M Server SMS Number", STRING, OP_NONE, SINGLE, OPTIONAL),
    RES_RANGE(10, "Short Server ID", INTEGER, OP_NONE, SINGLE, OPTIONAL, 1, 65534),
    RES(11, "Client Hold Off Time", INTEGER, OP_NONE, SINGLE, OPTIONAL),
    RES(12, "Bootstrap-Server Account Timeout", INTEGER, OP_NONE, SINGLE, OPTIONAL),
    RES_RANGE(13, "Matching Type", UNSIGNED, OP_NONE, SINGLE, OPTIONAL, 0, 3),
    RES(14, "SNI", STRING, OP_NONE, SINGLE, OPTIONAL),
    RES_RANGE(15, "Certificate Usage", UNSIGNED, OP_NONE, SINGLE, OPTIONAL, 0, 3),
    RES(16, "DTLS/TLS Ciphersuite", UNSIGNED, OP_NONE, MULTIPLE, OPTIONAL),
    RES(17, "OSCORE Security Mode", OBJLNK, OP_NONE, SINGLE, OPTIONAL),
    RES_RANGE(18, "Groups To Use by Client", UNSIGNED, OP_NONE, MULTIPLE, OPTIONAL, 0, 65535),
    RES_RANGE(19, "Signature Algorithms Supported by Server", UNSIGNED, OP_NONE, MULTIPLE, OPTIONAL, 0, 65535),
    RES_RANGE(20, "Signature Algorithms To Use by Client", UNSIGNED, OP_NONE, MULTIPLE, OPTIONAL, 0, 65535),
    RES_RANGE(21, "Signature Algorithm Certs Supported by Server", UNSIGNED, OP_NONE, MULTIPLE, OPTIONAL, 0, 65535),
    RES_RANGE(22, "TLS 1.3 Features To Use by Client", UNSIGNED, OP_NONE, SINGLE, OPTIONAL, 0, 65535),
    RES_RANGE(23, "TLS Extensions Supported by Server", UNSIGNED, OP_NONE, SINGLE, OPTIONAL, 0, 65535),
    RES_RANGE(24, "TLS Extensions To Use by Client", UNSIGNED, OP_NONE, SINGLE, OPTIONAL, 0, 65535),
    RES_RANGE(25, "Secondary LwM2M Server URI", STRING, OP_NONE, MULTIPLE, OPTIONAL, 0, 255),
    RES(26, "MQTT Server", OBJLNK, OP_NONE, SINGLE, OPTIONAL),
    RES(27, "LwM2M COSE Security", OBJLNK, OP_NONE, MULTIPLE, OPTIONAL),
    RES_RANGE(28, "RDS Destination Port", INTEGER, OP_NONE, SINGLE, OPTIONAL, 0, 15),
    RES_RANGE(29, "RDS Source Port", INTEGER, OP_NONE, SINGLE, OPTIONAL, 0, 15),
    RES(30, "RDS Application ID", STRING, OP_NONE, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_security, 0, "LwM2M Security", "1.2", MULTIPLE, MANDATORY,
           resources);
