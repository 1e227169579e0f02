/*
 * apn_connection_profile.c - APN Connection Profile object (ID 11, version 1.1).
 * PLACEHOLDER: resource table to be completed.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "placeholder", STRING, OP_R, SINGLE, OPTIONAL),
};

OBJECT_DEF(cs_object_apn_connection_profile, 11, "APN Connection Profile", "1.1", MULTIPLE, OPTIONAL, resources);
