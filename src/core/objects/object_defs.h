/*
 * object_defs.h - shorthand for writing object definition tables, one
 * table per object, one line per resource.
 */
#ifndef CELLSTRAP_OBJECT_DEFS_H
#define CELLSTRAP_OBJECT_DEFS_H

#include "cellstrap/model.h"

#define SINGLE false
#define MULTIPLE true
#define MANDATORY true
#define OPTIONAL false
#define OP_NONE CS_OP_NONE
#define OP_R CS_OP_READ
#define OP_W CS_OP_WRITE
#define OP_RW CS_OP_RW
#define OP_E CS_OP_EXECUTE

/* A resource: id, name, type (STRING, INTEGER ...), operations, multiple?, mandatory? */
#define RES(id_, name_, type_, ops_, multiple_, mandatory_)                  \
    { .id = (id_), .name = (name_), .type = CS_TYPE_##type_,                \
      .operations = (ops_), .multiple = (multiple_),                         \
      .mandatory = (mandatory_), .has_range = false, .min = 0, .max = 0 }

/* A resource with a value range (numbers) or length range (strings, opaque). */
#define RES_RANGE(id_, name_, type_, ops_, multiple_, mandatory_, min_, max_) \
    { .id = (id_), .name = (name_), .type = CS_TYPE_##type_,                \
      .operations = (ops_), .multiple = (multiple_),                         \
      .mandatory = (mandatory_), .has_range = true, .min = (min_),           \
      .max = (max_) }

/* An Execute resource (no value). */
#define RES_EXEC(id_, name_, mandatory_)                                     \
    RES(id_, name_, NONE, OP_E, SINGLE, mandatory_)

#define OBJECT_DEF(var_, id_, name_, version_, multiple_, mandatory_, table_) \
    const cs_object_def var_ = {                                             \
        .id = (id_), .name = (name_), .version = (version_),                 \
        .multiple = (multiple_), .mandatory = (mandatory_),                  \
        .resources = (table_),                                               \
        .resource_count = sizeof(table_) / sizeof((table_)[0]) }

extern const cs_object_def cs_object_security;
extern const cs_object_def cs_object_server;
extern const cs_object_def cs_object_access_control;
extern const cs_object_def cs_object_device;
extern const cs_object_def cs_object_connectivity_monitoring;
extern const cs_object_def cs_object_firmware_update;
extern const cs_object_def cs_object_cellular_connectivity;
extern const cs_object_def cs_object_apn_connection_profile;

#endif
