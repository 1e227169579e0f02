/*
 * apn_connection_profile.c - APN Connection Profile object (ID 11,
 * version 1.1).
 *
 * From the OMA registry file 11.xml (OMA-SUP-XML_11-V1_1-20201019-A).
 * Resource names keep the registry's note markers ("(1)", "(2)", "(3)")
 * so that they match the XML exactly.  Authentication Type (0 PAP, 1 CHAP,
 * 2 PAP or CHAP, 3 None) and PDN Type (0 Non-IP .. 3 IPv4v6) are
 * enumerations that the registry gives no RangeEnumeration for, so they
 * carry no range here either.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "Profile name", STRING, OP_RW, SINGLE, MANDATORY),
    RES(1, "APN", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(2, "Auto select APN by device", BOOLEAN, OP_RW, SINGLE, OPTIONAL),
    RES(3, "Enable status", BOOLEAN, OP_RW, SINGLE, OPTIONAL),
    RES(4, "Authentication Type", INTEGER, OP_RW, SINGLE, MANDATORY),
    RES(5, "User Name", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(6, "Secret", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(7, "Reconnect Schedule", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(8, "Validity (MCC, MNC)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES(9, "Connection establishment time (1)", TIME, OP_R, MULTIPLE, OPTIONAL),
    RES(10, "Connection establishment result (1)", INTEGER, OP_R, MULTIPLE, OPTIONAL),
    RES_RANGE(11, "Connection establishment reject cause (1)", INTEGER, OP_R, MULTIPLE, OPTIONAL, 0, 111),
    RES(12, "Connection end time (1)", TIME, OP_R, MULTIPLE, OPTIONAL),
    RES(13, "TotalBytesSent", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(14, "TotalBytesReceived", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(15, "IP address (2)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES(16, "Prefix length(2)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES(17, "Subnet mask (2)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES(18, "Gateway (2)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES(19, "Primary DNS address (2)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES(20, "Secondary DNS address (2)", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES_RANGE(21, "QCI (3)", INTEGER, OP_R, SINGLE, OPTIONAL, 1, 9),
    RES(22, "Vendor specific extensions", OBJLNK, OP_R, SINGLE, OPTIONAL),
    RES(23, "TotalPacketsSent", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(24, "PDN Type", INTEGER, OP_RW, SINGLE, OPTIONAL),
    RES(25, "APN Rate Control", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(26, "Serving PLMN Rate control", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
    RES_RANGE(27, "Uplink Time Unit", UNSIGNED, OP_RW, SINGLE, OPTIONAL, 0, 4),
    RES(28, "APN Rate Control for Exception Data", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES_RANGE(29, "APN Exception Data Uplink Time Unit", UNSIGNED, OP_RW, SINGLE, OPTIONAL, 0, 4),
    RES(30, "Supported RAT Types", UNSIGNED, OP_RW, MULTIPLE, OPTIONAL),
    RES(31, "RDS Application ID", STRING, OP_RW, MULTIPLE, OPTIONAL),
    RES_RANGE(32, "RDS Destination Port", INTEGER, OP_RW, MULTIPLE, OPTIONAL, 0, 15),
    RES_RANGE(33, "RDS Source Port", INTEGER, OP_RW, MULTIPLE, OPTIONAL, 0, 15),
};

OBJECT_DEF(cs_object_apn_connection_profile, 11, "LWM2M APN Connection Profile",
           "1.1", MULTIPLE, OPTIONAL, resources);
