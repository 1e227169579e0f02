/*
 * access_control.c - LwM2M Access Control object (ID 2, version 1.1).
 * PLACEHOLDER: resource table to be completed.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "placeholder", STRING, OP_R, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_access_control, 2, "LwM2M Access Control", "1.1", MULTIPLE, OPTIONAL, resources);
