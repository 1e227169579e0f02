/*
 * firmware_update.c - Firmware Update object (ID 5, version 1.1).
 *
 * From the OMA registry file 5.xml (object version 1.1).  Resource 4
 * ("Update Supported Objects" in 1.0) was removed in 1.1, so the table has
 * no ID 4.  Package is write-only: a client never reads the image back.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "Package", OPAQUE, OP_W, SINGLE, MANDATORY),
    RES_RANGE(1, "Package URI", STRING, OP_RW, SINGLE, MANDATORY, 0, 255),
    RES_EXEC(2, "Update", MANDATORY),
    RES_RANGE(3, "State", INTEGER, OP_R, SINGLE, MANDATORY, 0, 3),
    RES_RANGE(5, "Update Result", INTEGER, OP_R, SINGLE, MANDATORY, 0, 11),
    RES_RANGE(6, "PkgName", STRING, OP_R, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(7, "PkgVersion", STRING, OP_R, SINGLE, OPTIONAL, 0, 255),
    RES_RANGE(8, "Firmware Update Protocol Support", INTEGER, OP_R, MULTIPLE, OPTIONAL, 0, 5),
    RES_RANGE(9, "Firmware Update Delivery Method", INTEGER, OP_R, SINGLE, MANDATORY, 0, 2),
    RES_EXEC(10, "Cancel", OPTIONAL),
    RES_RANGE(11, "Severity", INTEGER, OP_RW, SINGLE, OPTIONAL, 0, 2),
    RES(12, "Last State Change Time", TIME, OP_R, SINGLE, OPTIONAL),
    RES(13, "Maximum Defer Period", UNSIGNED, OP_RW, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_firmware_update, 5, "Firmware Update", "1.1", SINGLE,
           OPTIONAL, resources);
