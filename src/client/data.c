/*
 * data.c - the client's object data: one sorted record list holding every
 * resource value, with a marker record (/o/i, no value) per instance so
 * that empty instances exist too.  Updates rebuild the list so that a
 * failed change leaves the data as it was.
 */
#include <stdint.h>
#include <stdlib.h>

#include "client_internal.h"
#include "crypto/crypto.h"

void cs_db_wipe(cs_records *rs)
{
    for (size_t i = 0; i < rs->count; i++) {
        cs_value *v = &rs->items[i].value;
        if (v->type == CS_TYPE_OPAQUE && v->v.bytes.len > 0)
            cs_secure_zero((void *)(uintptr_t)v->v.bytes.data, v->v.bytes.len);
    }
}

void cs_db_free(cs_records *rs)
{
    cs_db_wipe(rs);
    cs_records_free(rs);
}

static bool is_marker(const cs_record *r)
{
    return r->path.len == CS_LEVEL_INSTANCE && r->value.type == CS_TYPE_NONE;
}

bool cs_db_has_instance(const cs_records *db, uint16_t oid, uint16_t iid)
{
    for (size_t i = 0; i < db->count; i++) {
        const cs_path *p = &db->items[i].path;
        if (p->len >= 2 && p->ids[0] == oid && p->ids[1] == iid)
            return true;
    }
    return false;
}

const cs_value *cs_db_find(const cs_records *db, const cs_path *path)
{
    for (size_t i = 0; i < db->count; i++)
        if (cs_path_compare(&db->items[i].path, path) == 0 &&
            !is_marker(&db->items[i]))
            return &db->items[i].value;
    return NULL;
}

bool cs_db_has_under(const cs_records *db, const cs_path *path)
{
    for (size_t i = 0; i < db->count; i++)
        if (cs_path_has_prefix(&db->items[i].path, path))
            return true;
    return false;
}

static bool removed(const cs_path *p, const cs_path *remove, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cs_path_has_prefix(p, &remove[i]))
            return true;
    return false;
}

/* Add the marker of the instance `p` lies in, unless the list has it. */
static cs_err add_marker(cs_records *rs, const cs_path *p)
{
    if (p->len < 2)
        return CS_OK;
    cs_path inst = cs_path_instance(p->ids[0], p->ids[1]);
    cs_value none = cs_value_none();
    return cs_records_add(rs, &inst, &none);
}

cs_err cs_db_update(cs_records *db, const cs_path *remove, size_t nremove,
                    const cs_records *add)
{
    cs_records tmp, out;
    cs_records_init(&tmp);
    cs_records_init(&out);
    cs_err err = CS_OK;
    for (size_t i = 0; i < db->count && err == CS_OK; i++)
        if (!removed(&db->items[i].path, remove, nremove))
            err = cs_records_add(&tmp, &db->items[i].path,
                                 &db->items[i].value);
    for (size_t i = 0; add && i < add->count && err == CS_OK; i++) {
        const cs_record *r = &add->items[i];
        if (r->path.len < 2)
            continue;            /* an empty object: nothing to store */
        err = add_marker(&tmp, &r->path);
        if (err == CS_OK && !is_marker(r))
            err = cs_records_add(&tmp, &r->path, &r->value);
    }
    if (err == CS_OK)
        cs_records_sort(&tmp);
    /* Keep the last of equal paths (the sort is stable: the newest). */
    for (size_t i = 0; i < tmp.count && err == CS_OK; i++) {
        if (i + 1 < tmp.count &&
            cs_path_compare(&tmp.items[i].path, &tmp.items[i + 1].path) == 0)
            continue;
        err = cs_records_add(&out, &tmp.items[i].path, &tmp.items[i].value);
    }
    cs_db_free(&tmp);
    if (err != CS_OK) {
        cs_db_free(&out);
        return err;
    }
    cs_db_free(db);
    *db = out;
    return CS_OK;
}

cs_err cs_db_collect(const cs_records *db, const cs_path *path,
                     cs_records *out)
{
    for (size_t i = 0; i < db->count; i++) {
        const cs_record *r = &db->items[i];
        if (is_marker(r) || !cs_path_has_prefix(&r->path, path))
            continue;
        cs_err err = cs_records_add(out, &r->path, &r->value);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

cs_err cs_db_copy(const cs_records *db, cs_records *out)
{
    cs_db_wipe(out);
    cs_records_clear(out);
    for (size_t i = 0; i < db->count; i++) {
        cs_err err = cs_records_add(out, &db->items[i].path,
                                    &db->items[i].value);
        if (err != CS_OK) {
            cs_records_clear(out);
            return err;
        }
    }
    return CS_OK;
}

size_t cs_db_instances(const cs_records *db, uint16_t oid, uint16_t *ids,
                       size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < db->count && n < cap; i++) {
        const cs_record *r = &db->items[i];
        if (is_marker(r) && r->path.ids[0] == oid)
            ids[n++] = r->path.ids[1];
    }
    return n;
}
