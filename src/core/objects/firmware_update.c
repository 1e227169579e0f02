/*
 * firmware_update.c - Firmware Update object (ID 5, version 1.1).
 * PLACEHOLDER: resource table to be completed.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "placeholder", STRING, OP_R, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_firmware_update, 5, "Firmware Update", "1.1", SINGLE, OPTIONAL, resources);
