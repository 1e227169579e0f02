/*
 * cellular_connectivity.c - Cellular Connectivity object (ID 10, version 1.1).
 * PLACEHOLDER: resource table to be completed.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "placeholder", STRING, OP_R, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_cellular_connectivity, 10, "Cellular Connectivity", "1.1", SINGLE, OPTIONAL, resources);
