/*
 * records.c - record lists: the decoded form of every LwM2M payload, with
 * the storage for their strings, and the checks every decoded payload must
 * pass (paths under the target, no duplicates, types and ranges from the
 * object definitions).
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/codec.h"

/* Owned copies of string and opaque values live in a chain of chunks. */
struct cs_arena_chunk {
    struct cs_arena_chunk *next;
    size_t used;
    size_t size;
    uint8_t data[];
};

#define ARENA_CHUNK_MIN 1024

void cs_records_init(cs_records *rs)
{
    memset(rs, 0, sizeof *rs);
}

static void free_arena(cs_records *rs)
{
    struct cs_arena_chunk *c = rs->arena;
    while (c != NULL) {
        struct cs_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    rs->arena = NULL;
    rs->arena_bytes = 0;
}

void cs_records_clear(cs_records *rs)
{
    free(rs->items);
    rs->items = NULL;
    rs->count = 0;
    rs->cap = 0;
    free_arena(rs);
}

void cs_records_free(cs_records *rs)
{
    cs_records_clear(rs);
}

static size_t max_records(const cs_records *rs)
{
    return rs->max_records ? rs->max_records : CS_RECORDS_DEFAULT_MAX;
}

static size_t max_bytes(const cs_records *rs)
{
    return rs->max_bytes ? rs->max_bytes : CS_RECORDS_DEFAULT_MAX_BYTES;
}

cs_err cs_records_store(cs_records *rs, const void *data, size_t len,
                        const uint8_t **out)
{
    static const uint8_t empty[1];
    if (len == 0) {
        *out = empty;
        return CS_OK;
    }
    if (len > max_bytes(rs) || rs->arena_bytes > max_bytes(rs) - len)
        return CS_E_TOO_LARGE;
    struct cs_arena_chunk *c = rs->arena;
    if (c == NULL || c->size - c->used < len) {
        size_t size = len > ARENA_CHUNK_MIN ? len : ARENA_CHUNK_MIN;
        c = malloc(sizeof *c + size);
        if (c == NULL)
            return CS_E_NOMEM;
        c->next = rs->arena;
        c->used = 0;
        c->size = size;
        rs->arena = c;
    }
    uint8_t *dst = c->data + c->used;
    memcpy(dst, data, len);
    c->used += len;
    rs->arena_bytes += len;
    *out = dst;
    return CS_OK;
}

static bool has_bytes(cs_type t)
{
    return t == CS_TYPE_STRING || t == CS_TYPE_OPAQUE || t == CS_TYPE_CORELNK;
}

static cs_err add_record(cs_records *rs, const cs_path *path,
                         const cs_value *value, bool has_time, double time)
{
    if (rs->count >= max_records(rs))
        return CS_E_TOO_LARGE;
    if (rs->count == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        if (cap > max_records(rs))
            cap = max_records(rs);
        cs_record *grown = realloc(rs->items, cap * sizeof *grown);
        if (grown == NULL)
            return CS_E_NOMEM;
        rs->items = grown;
        rs->cap = cap;
    }
    cs_record rec;
    rec.path = *path;
    rec.value = *value;
    rec.has_time = has_time;
    rec.time = has_time ? time : 0;
    if (has_bytes(value->type)) {
        cs_err err = cs_records_store(rs, value->v.bytes.data,
                                      value->v.bytes.len,
                                      &rec.value.v.bytes.data);
        if (err != CS_OK)
            return err;
    }
    rs->items[rs->count++] = rec;
    return CS_OK;
}

cs_err cs_records_add(cs_records *rs, const cs_path *path,
                      const cs_value *value)
{
    return add_record(rs, path, value, false, 0);
}

cs_err cs_records_add_timed(cs_records *rs, const cs_path *path,
                            const cs_value *value, double time)
{
    return add_record(rs, path, value, true, time);
}

static int compare_records(const void *a, const void *b)
{
    const cs_record *ra = a, *rb = b;
    return cs_path_compare(&ra->path, &rb->path);
}

static void insertion_sort(cs_record *items, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        cs_record rec = items[i];
        size_t j = i;
        while (j > 0 && compare_records(&items[j - 1], &rec) > 0) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = rec;
    }
}

/* Merge the sorted runs a[0..na) and b[0..nb) into out; on equal paths the
 * record from `a` (the earlier one) goes first, which keeps the sort stable. */
static void merge_runs(const cs_record *a, size_t na, const cs_record *b,
                       size_t nb, cs_record *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb)
        out[k++] = compare_records(&b[j], &a[i]) < 0 ? b[j++] : a[i++];
    while (i < na)
        out[k++] = a[i++];
    while (j < nb)
        out[k++] = b[j++];
}

#define SORT_RUN 32

/* Bottom-up merge sort: insertion-sorted runs, then merges of doubling
 * width, alternating between items and tmp. */
static void merge_sort(cs_record *items, cs_record *tmp, size_t count)
{
    for (size_t lo = 0; lo < count; lo += SORT_RUN)
        insertion_sort(items + lo,
                       count - lo < SORT_RUN ? count - lo : SORT_RUN);
    cs_record *src = items, *dst = tmp;
    for (size_t width = SORT_RUN; width < count; width *= 2) {
        for (size_t lo = 0; lo < count; lo += 2 * width) {
            size_t mid = count - lo < width ? count : lo + width;
            size_t hi = count - mid < width ? count : mid + width;
            merge_runs(src + lo, mid - lo, src + mid, hi - mid, dst + lo);
        }
        cs_record *t = src;
        src = dst;
        dst = t;
    }
    if (src != items)
        memcpy(items, src, count * sizeof *items);
}

static bool records_sorted(const cs_record *items, size_t count)
{
    for (size_t i = 1; i < count; i++)
        if (compare_records(&items[i - 1], &items[i]) > 0)
            return false;
    return true;
}

/* Decoders usually produce records in order already: one pass finds that.
 * Short lists get an insertion sort, long ones a merge sort (qsort is not
 * stable everywhere).  Without memory for the merge, insertion sort still
 * sorts, only slower. */
void cs_records_sort(cs_records *rs)
{
    if (records_sorted(rs->items, rs->count))
        return;
    if (rs->count > 64) {
        cs_record *tmp = malloc(rs->count * sizeof *tmp);
        if (tmp != NULL) {
            merge_sort(rs->items, tmp, rs->count);
            free(tmp);
            return;
        }
    }
    insertion_sort(rs->items, rs->count);
}

/* A record against its resource definition; converts the value to the
 * defined type where that loses nothing. */
static cs_err check_against_definition(cs_record *rec,
                                       const cs_resource_def *def)
{
    bool container = rec->value.type == CS_TYPE_NONE;
    if (rec->path.len == CS_LEVEL_RESOURCE_INSTANCE && !def->multiple)
        return CS_E_NESTING;
    if (rec->path.len == CS_LEVEL_RESOURCE && def->multiple)
        return container ? CS_OK : CS_E_NESTING;
    if (container && def->type != CS_TYPE_NONE)
        return CS_E_TYPE;
    if (rec->value.type != def->type) {
        cs_err err = cs_value_convert(&rec->value, def->type);
        if (err != CS_OK)
            return err;
    }
    return cs_resource_check_value(def, &rec->value);
}

/*
 * Record i has the same path as record i-1.  That is allowed only for
 * timestamped samples of one resource (a notification or Send with
 * history, RFC 8428 §4.5): every record of the run has a time, and no two
 * the same.  Runs are short; a hostile one is bounded by max_records.
 */
static bool is_new_sample(const cs_records *rs, size_t i)
{
    const cs_record *rec = &rs->items[i];
    if (!rec->has_time)
        return false;
    for (size_t j = i; j-- > 0;) {
        const cs_record *earlier = &rs->items[j];
        if (cs_path_compare(&earlier->path, &rec->path) != 0)
            break;
        if (!earlier->has_time || earlier->time == rec->time)
            return false;
    }
    return true;
}

cs_err cs_records_validate(cs_records *rs, const cs_path *target,
                           const cs_registry *reg)
{
    cs_records_sort(rs);
    for (size_t i = 0; i < rs->count; i++) {
        cs_record *rec = &rs->items[i];
        if (!cs_path_is_valid(&rec->path) || rec->path.len < CS_LEVEL_INSTANCE ||
            !cs_path_has_prefix(&rec->path, target))
            return CS_E_PATH;
        if (rec->path.len == CS_LEVEL_INSTANCE &&
            rec->value.type != CS_TYPE_NONE)
            return CS_E_NESTING;
        if (i > 0) {
            const cs_path *prev = &rs->items[i - 1].path;
            if (cs_path_compare(prev, &rec->path) == 0) {
                if (!is_new_sample(rs, i))
                    return CS_E_DUPLICATE;
            } else if (cs_path_has_prefix(&rec->path, prev)) {
                return CS_E_NESTING;
            }
        }
        if (reg == NULL || rec->path.len < CS_LEVEL_RESOURCE)
            continue;
        const cs_resource_def *def = cs_registry_resource(reg, &rec->path);
        if (def == NULL)
            continue;
        cs_err err = check_against_definition(rec, def);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}
