/*
 * registry.c - object definitions looked up by ID, and the checks of a
 * value against its resource definition.
 */
#include <stdlib.h>

#include "cellstrap/model.h"
#include "registry_internal.h"

const cs_resource_def *cs_object_resource(const cs_object_def *obj,
                                          uint16_t rid)
{
    size_t lo = 0, hi = obj->resource_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint16_t id = obj->resources[mid].id;
        if (id == rid)
            return &obj->resources[mid];
        if (id < rid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool in_range(const cs_resource_def *def, const cs_value *value)
{
    if (!def->has_range)
        return true;
    switch (value->type) {
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        return value->v.i >= def->min && value->v.i <= def->max;
    case CS_TYPE_UNSIGNED:
        return def->max >= 0 && value->v.u <= (uint64_t)def->max &&
               (def->min <= 0 || value->v.u >= (uint64_t)def->min);
    case CS_TYPE_STRING:
    case CS_TYPE_OPAQUE:
    case CS_TYPE_CORELNK:
        return (int64_t)value->v.bytes.len >= def->min &&
               (int64_t)value->v.bytes.len <= def->max;
    default:
        return true;
    }
}

cs_err cs_resource_check_value(const cs_resource_def *def,
                               const cs_value *value)
{
    if (value->type != def->type)
        return CS_E_TYPE;
    return in_range(def, value) ? CS_OK : CS_E_RANGE;
}

const cs_object_def *cs_registry_object(const cs_registry *reg, uint16_t oid)
{
    size_t lo = 0, hi = reg->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint16_t id = reg->objects[mid]->id;
        if (id == oid)
            return reg->objects[mid];
        if (id < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const cs_resource_def *cs_registry_resource(const cs_registry *reg,
                                            const cs_path *path)
{
    if (path->len < CS_LEVEL_RESOURCE)
        return NULL;
    const cs_object_def *obj = cs_registry_object(reg, path->ids[0]);
    return obj ? cs_object_resource(obj, path->ids[2]) : NULL;
}

cs_registry *cs_registry_new(void)
{
    return calloc(1, sizeof(cs_registry));
}

void cs_registry_free(cs_registry *reg)
{
    if (reg == NULL || reg->is_static)
        return;
    free(reg->owned);
    free(reg);
}

static bool resource_table_sorted(const cs_object_def *obj)
{
    for (size_t i = 1; i < obj->resource_count; i++)
        if (obj->resources[i - 1].id >= obj->resources[i].id)
            return false;
    return true;
}

cs_err cs_registry_add(cs_registry *reg, const cs_object_def *obj)
{
    if (reg == NULL || obj == NULL || reg->is_static || obj->id > CS_ID_MAX)
        return CS_E_INVALID_ARG;
    if (!resource_table_sorted(obj))
        return CS_E_INVALID_ARG;
    if (cs_registry_object(reg, obj->id) != NULL)
        return CS_E_DUPLICATE;
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 16;
        const cs_object_def **grown =
            realloc(reg->owned, cap * sizeof *grown);
        if (grown == NULL)
            return CS_E_NOMEM;
        reg->owned = grown;
        reg->objects = grown;
        reg->cap = cap;
    }
    size_t at = reg->count;
    while (at > 0 && reg->owned[at - 1]->id > obj->id) {
        reg->owned[at] = reg->owned[at - 1];
        at--;
    }
    reg->owned[at] = obj;
    reg->count++;
    return CS_OK;
}

const cs_registry *cs_registry_standard(void)
{
    return &cs_standard_registry;
}
