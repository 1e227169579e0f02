/*
 * standard.c - the registry of standard objects that every cellstrap
 * program knows.  Adding a standard object: write its table in a file of
 * its own beside this one and list it here, in ID order.
 */
#include "object_defs.h"
#include "../registry_internal.h"

const cs_object_def *const cs_standard_objects[] = {
    &cs_object_security,
    &cs_object_server,
    &cs_object_access_control,
    &cs_object_device,
    &cs_object_connectivity_monitoring,
    &cs_object_firmware_update,
    &cs_object_cellular_connectivity,
    &cs_object_apn_connection_profile,
};

const size_t cs_standard_object_count =
    sizeof(cs_standard_objects) / sizeof(cs_standard_objects[0]);

const cs_registry cs_standard_registry = {
    .objects = cs_standard_objects,
    .count = sizeof(cs_standard_objects) / sizeof(cs_standard_objects[0]),
    .owned = NULL,
    .cap = 0,
    .is_static = true,
};
