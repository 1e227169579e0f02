/*
 * cellular_connectivity.c - Cellular Connectivity object (ID 10,
 * version 1.1).
 *
 * From the OMA registry file 10.xml (OMA-SUP-XML_10-V1_1-20201019-A).
 * There is no resource 6: "Serving PLMN Rate control" moved to object 11
 * in 1.1.  The eDRX resources hold octet 3 of TS 24.008 §10.5.5.32; the
 * registry gives them the range 0..255, which for an Opaque value we read
 * as a length bound (the value is one octet, so it never binds).
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "SMSC address", STRING, OP_RW, SINGLE, OPTIONAL),
    RES_RANGE(1, "Disable radio period", INTEGER, OP_RW, SINGLE, OPTIONAL, 0, 65535),
    RES(2, "Module activation code", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(3, "Vendor specific extensions", OBJLNK, OP_R, SINGLE, OPTIONAL),
    RES(4, "PSM Timer", INTEGER, OP_RW, SINGLE, OPTIONAL),
    RES(5, "Active Timer", INTEGER, OP_RW, SINGLE, OPTIONAL),
    RES_RANGE(7, "eDRX parameters for Iu mode", OPAQUE, OP_RW, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(8, "eDRX parameters for WB-S1 mode", OPAQUE, OP_RW, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(9, "eDRX parameters for NB-S1 mode", OPAQUE, OP_RW, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(10, "eDRX parameters for A/Gb mode", OPAQUE, OP_RW, SINGLE, OPTIONAL, 0, 255),
    RES(11, "Activated Profile Names", OBJLNK, OP_R, MULTIPLE, MANDATORY),
    RES_RANGE(12, "Supported Power Saving Modes", UNSIGNED, OP_R, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(13, "Active Power Saving Modes", UNSIGNED, OP_RW, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(14, "Release Assistance Indication Usage", UNSIGNED, OP_RW, SINGLE, OPTIONAL, 0, 255),
};

OBJECT_DEF(cs_object_cellular_connectivity, 10, "LWM2M Cellular Connectivity",
           "1.1", SINGLE, OPTIONAL, resources);
