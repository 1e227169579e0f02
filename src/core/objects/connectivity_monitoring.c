/*
 * connectivity_monitoring.c - Connectivity Monitoring object (ID 4, version 1.3).
 * PLACEHOLDER: resource table to be completed.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "placeholder", STRING, OP_R, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_connectivity_monitoring, 4, "Connectivity Monitoring", "1.3", SINGLE, OPTIONAL, resources);
