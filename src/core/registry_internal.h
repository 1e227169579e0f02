/*
 * registry_internal.h - the layout of cs_registry, shared by registry.c and
 * the static table of standard objects.
 */
#ifndef CELLSTRAP_REGISTRY_INTERNAL_H
#define CELLSTRAP_REGISTRY_INTERNAL_H

#include "cellstrap/model.h"

struct cs_registry {
    const cs_object_def *const *objects;  /* sorted by id */
    size_t count;
    const cs_object_def **owned;          /* == objects when not static */
    size_t cap;
    bool is_static;                       /* the shared standard registry */
};

extern const cs_registry cs_standard_registry;

#endif
