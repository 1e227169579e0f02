/*
 * lwm2m_cbor.c - the LwM2M CBOR content format (11544,
 * application/vnd.oma.lwm2m+cbor, LwM2M 1.2): nested CBOR maps keyed by the
 * IDs of the path, from the object down to the resource instance, with the
 * values (mapped as in the CBOR format 60, see cbor_common.h) at the leaves:
 *
 *     {3: {0: {0: "ACME", 11: {0: 0}}}}
 *
 * Paths are absolute: the outermost map is keyed by object IDs whatever the
 * request's target.  A key may also be an array of IDs standing for several
 * levels at once ({[3, 0, 0]: "ACME"}), and keys of different lengths may
 * share a map.  Maps and key arrays may be definite or indefinite length
 * (Anjay Lite writes indefinite maps).
 *
 * Decoding rules beyond CBOR well-formedness:
 *  - keys are unsigned integers 0..65534 or non-empty arrays of them
 *    (CS_E_PATH otherwise); a path longer than four IDs is CS_E_NESTING;
 *  - a value (not a map) needs a path of at least three IDs, a map at most
 *    three (CS_E_NESTING), and the top item must be a map;
 *  - an empty map at instance or resource level is that container with
 *    nothing in it: a NONE record (an instance without resources, a multiple
 *    resource without instances); at object level or as the whole payload
 *    it yields nothing; null as a value yields a NONE record too;
 *  - the same key twice in one map is CS_E_DUPLICATE; leaves that resolve
 *    to the same path are left for cs_records_validate to refuse;
 *  - anything after the top map is CS_E_TRAILING.
 *
 * The decoder is a loop over a fixed stack of at most four open maps (the
 * nesting the format allows: root, object, instance, multiple resource),
 * fed by the allocation-free tokenizer of cbor_common.c.
 *
 * The encoder writes one canonical form: definite-length maps, one level
 * per map, keys in ascending order, no array keys (every LwM2M CBOR reader
 * must take plain nested maps; folding single-child chains into array keys
 * would save a byte per level at the cost of a second shape to test).
 */
#include <stdlib.h>
#include <string.h>

#include "cbor_common.h"

/* root, object, instance, multiple resource */
#define MAX_OPEN_MAPS 4

struct map_frame {
    cs_path path;          /* the path this map's keys extend */
    uint64_t left;         /* pairs still to come in a definite map */
    bool indefinite;
    bool empty;            /* no pair seen yet */
    uint32_t serial;       /* tells maps apart for the duplicate-key check */
};

/* A key whose value is a map: `path` resolved from map `parent`. */
struct opened_map {
    uint32_t parent;
    cs_path path;
};

struct decoder {
    cs_cbor_reader r;
    const cs_registry *reg;
    cs_records *out;
    cs_cbor_scratch scratch;
    struct map_frame stack[MAX_OPEN_MAPS];
    unsigned depth;
    uint32_t next_serial;
    struct opened_map *opened;
    size_t opened_count;
    size_t opened_cap;
    struct opened_map opened_inline[16];
};

/* ---- Decoding ---------------------------------------------------------- */

static cs_err append_id(cs_path *path, uint64_t id)
{
    if (id > CS_ID_MAX)
        return CS_E_PATH;
    if (path->len >= 4)
        return CS_E_NESTING;
    path->ids[path->len++] = (uint16_t)id;
    return CS_OK;
}

/* One ID inside an array key. */
static cs_err read_key_element(struct decoder *d, cs_path *path)
{
    cs_cbor_token t;
    cs_err err = cs_cbor_next(&d->r, &t);
    if (err != CS_OK)
        return err;
    if (t.kind == CS_CBOR_BREAK)
        return CS_E_SYNTAX;
    if (t.kind != CS_CBOR_UINT)
        return CS_E_PATH;
    return append_id(path, t.u);
}

/* The key starting with `t`, appended to `path`. */
static cs_err read_key(struct decoder *d, const cs_cbor_token *t,
                       cs_path *path)
{
    if (t->kind == CS_CBOR_UINT)
        return append_id(path, t->u);
    if (t->kind == CS_CBOR_ARRAY) {
        if (t->u == 0)
            return CS_E_PATH;
        if (t->u > (uint64_t)(4 - path->len))
            return CS_E_NESTING;
        for (uint64_t k = 0; k < t->u; k++) {
            cs_err err = read_key_element(d, path);
            if (err != CS_OK)
                return err;
        }
        return CS_OK;
    }
    if (t->kind == CS_CBOR_ARRAY_INDEF) {
        uint8_t start = path->len;
        for (;;) {
            cs_cbor_token e;
            cs_err err = cs_cbor_next(&d->r, &e);
            if (err != CS_OK)
                return err;
            if (e.kind == CS_CBOR_BREAK)
                break;
            if (e.kind != CS_CBOR_UINT)
                return CS_E_PATH;
            err = append_id(path, e.u);
            if (err != CS_OK)
                return err;
        }
        return path->len == start ? CS_E_PATH : CS_OK;
    }
    return CS_E_PATH;
}

static cs_err note_opened(struct decoder *d, uint32_t parent,
                          const cs_path *path)
{
    if (d->opened_count == d->opened_cap) {
        /* bounded by the input: each map-valued key takes two bytes */
        size_t cap = d->opened_cap * 2;
        struct opened_map *grown;
        if (d->opened == d->opened_inline) {
            grown = malloc(cap * sizeof *grown);
            if (grown != NULL)
                memcpy(grown, d->opened, d->opened_count * sizeof *grown);
        } else {
            grown = realloc(d->opened, cap * sizeof *grown);
        }
        if (grown == NULL)
            return CS_E_NOMEM;
        d->opened = grown;
        d->opened_cap = cap;
    }
    d->opened[d->opened_count].parent = parent;
    d->opened[d->opened_count].path = *path;
    d->opened_count++;
    return CS_OK;
}

static cs_err push_map(struct decoder *d, const cs_path *path,
                       const cs_cbor_token *t)
{
    if (d->depth == MAX_OPEN_MAPS)
        return CS_E_NESTING;
    struct map_frame *f = &d->stack[d->depth++];
    f->path = *path;
    f->indefinite = t->kind == CS_CBOR_MAP_INDEF;
    f->left = f->indefinite ? 0 : t->u;
    f->empty = true;
    f->serial = d->next_serial++;
    return CS_OK;
}

/* The map on top of the stack has ended. */
static cs_err pop_map(struct decoder *d)
{
    struct map_frame *f = &d->stack[--d->depth];
    if (!f->empty || f->path.len < CS_LEVEL_INSTANCE)
        return CS_OK;
    cs_value none = cs_value_none();
    return cs_records_add(d->out, &f->path, &none);
}

/* The value `t` of `key`: a nested map, or a leaf. */
static cs_err read_entry_value(struct decoder *d, const cs_path *key,
                               const cs_cbor_token *t)
{
    if (t->kind == CS_CBOR_BREAK)
        return CS_E_SYNTAX;
    if (t->kind == CS_CBOR_MAP || t->kind == CS_CBOR_MAP_INDEF) {
        if (key->len >= CS_LEVEL_RESOURCE_INSTANCE)
            return CS_E_NESTING;
        cs_err err = note_opened(d, d->stack[d->depth - 1].serial, key);
        return err == CS_OK ? push_map(d, key, t) : err;
    }
    if (key->len < CS_LEVEL_RESOURCE)
        return CS_E_NESTING;
    /* Only text needs the definition here (to read an Objlnk); validation
     * types everything else, so most leaves skip the registry lookup. */
    cs_type defined = CS_TYPE_NONE;
    if (t->kind == CS_CBOR_TEXT || t->kind == CS_CBOR_TEXT_INDEF) {
        const cs_resource_def *def = cs_codec_resource(d->reg, key);
        defined = def ? def->type : CS_TYPE_NONE;
    }
    cs_value value;
    cs_err err = cs_cbor_read_value(&d->r, t, defined, &d->scratch, &value);
    return err == CS_OK ? cs_records_add(d->out, key, &value) : err;
}

/* The next pair of the map on top of the stack, or its end. */
static cs_err read_entry(struct decoder *d)
{
    struct map_frame *f = &d->stack[d->depth - 1];
    if (!f->indefinite && f->left == 0)
        return pop_map(d);
    cs_cbor_token t;
    cs_err err = cs_cbor_next(&d->r, &t);
    if (err != CS_OK)
        return err;
    if (t.kind == CS_CBOR_BREAK)
        return f->indefinite ? pop_map(d) : CS_E_SYNTAX;
    if (!f->indefinite)
        f->left--;
    f->empty = false;
    cs_path key = f->path;
    err = read_key(d, &t, &key);
    if (err == CS_OK)
        err = cs_cbor_next(&d->r, &t);
    if (err == CS_OK)
        err = read_entry_value(d, &key, &t);
    return err;
}

static int compare_opened(const void *a, const void *b)
{
    const struct opened_map *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return cs_path_compare(&x->path, &y->path);
}

/* A key given twice in one map, when its value is a map each time (keys of
 * leaves resolve to one path twice, which validation refuses). */
static cs_err check_duplicate_keys(struct decoder *d)
{
    if (d->opened_count < 2)
        return CS_OK;
    qsort(d->opened, d->opened_count, sizeof *d->opened, compare_opened);
    for (size_t i = 1; i < d->opened_count; i++)
        if (compare_opened(&d->opened[i - 1], &d->opened[i]) == 0)
            return CS_E_DUPLICATE;
    return CS_OK;
}

static cs_err decode_payload(struct decoder *d)
{
    cs_cbor_token t;
    cs_err err = cs_cbor_next(&d->r, &t);
    if (err != CS_OK)
        return err;
    if (t.kind == CS_CBOR_BREAK)
        return CS_E_SYNTAX;
    if (t.kind != CS_CBOR_MAP && t.kind != CS_CBOR_MAP_INDEF)
        return CS_E_NESTING;
    cs_path root = cs_path_root();
    err = push_map(d, &root, &t);
    while (err == CS_OK && d->depth > 0)
        err = read_entry(d);
    if (err == CS_OK && !cs_cbor_at_end(&d->r))
        err = CS_E_TRAILING;
    if (err == CS_OK)
        err = check_duplicate_keys(d);
    return err;
}

cs_err cs_lwm2m_cbor_decode(const cs_path *target, const uint8_t *data,
                            size_t len, const cs_registry *reg,
                            cs_records *out)
{
    (void)target;   /* paths are absolute; validation checks them */
    struct decoder d;
    memset(&d, 0, sizeof d);
    cs_cbor_reader_init(&d.r, data, len);
    d.reg = reg;
    d.out = out;
    d.opened = d.opened_inline;
    d.opened_cap = sizeof d.opened_inline / sizeof d.opened_inline[0];
    cs_err err = decode_payload(&d);
    cs_cbor_scratch_free(&d.scratch);
    if (d.opened != d.opened_inline)
        free(d.opened);
    return err;
}

/* ---- Encoding ---------------------------------------------------------- */

static int compare_record_ptrs(const void *a, const void *b)
{
    const cs_record *const *x = a, *const *y = b;
    return cs_path_compare(&(*x)->path, &(*y)->path);
}

/* Records that nested maps can express for `target`: sorted, each at
 * instance level or below and under the target, an instance-level record
 * only as an empty instance, no path twice, no record under another. */
static cs_err check_sorted_records(const cs_path *target,
                                   const cs_record *const *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cs_path *p = &recs[i]->path;
        if (!cs_path_is_valid(p) || p->len < CS_LEVEL_INSTANCE ||
            !cs_path_has_prefix(p, target))
            return CS_E_PATH;
        if (p->len == CS_LEVEL_INSTANCE &&
            recs[i]->value.type != CS_TYPE_NONE)
            return CS_E_NESTING;
        if (i > 0) {
            const cs_path *prev = &recs[i - 1]->path;
            if (cs_path_compare(prev, p) == 0)
                return CS_E_DUPLICATE;
            if (cs_path_has_prefix(p, prev))
                return CS_E_NESTING;
        }
    }
    return CS_OK;
}

static cs_err emit_map(cs_buf *out, const cs_record *const *recs, size_t n,
                       unsigned level, const cs_registry *reg);

static cs_err emit_leaf(cs_buf *out, const cs_record *rec,
                        const cs_registry *reg)
{
    if (rec->value.type == CS_TYPE_NONE)
        return rec->path.len == CS_LEVEL_RESOURCE_INSTANCE
                   ? cs_cbor_put_null(out)
                   : cs_cbor_put_map(out, 0);   /* empty container */
    cs_value v =
        cs_cbor_as_defined(&rec->value, cs_codec_resource(reg, &rec->path));
    return cs_cbor_put_value(out, &v);
}

/*
 * A map holding the sorted group `recs`, which share their first `level`
 * IDs, keyed by their ID at `level`.  Recursion follows the path, so it is
 * at most four calls deep.
 */
static cs_err emit_map(cs_buf *out, const cs_record *const *recs, size_t n,
                       unsigned level, const cs_registry *reg)
{
    /* Paths have at most four IDs; a deeper level cannot occur (and the
     * check lets the compiler see the array bound through the recursion). */
    if (level >= sizeof recs[0]->path.ids / sizeof recs[0]->path.ids[0])
        return CS_E_INTERNAL;
    size_t keys = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 ||
            recs[i]->path.ids[level] != recs[i - 1]->path.ids[level])
            keys++;
    cs_err err = cs_cbor_put_map(out, keys);
    for (size_t i = 0, j; err == CS_OK && i < n; i = j) {
        uint16_t id = recs[i]->path.ids[level];
        for (j = i + 1; j < n && recs[j]->path.ids[level] == id; j++)
            ;
        err = cs_cbor_put_uint(out, id);
        if (err != CS_OK)
            break;
        /* checked: a record ending here stands alone in its group */
        if (recs[i]->path.len == level + 1)
            err = emit_leaf(out, recs[i], reg);
        else
            err = emit_map(out, recs + i, j - i, level + 1, reg);
    }
    return err;
}

cs_err cs_lwm2m_cbor_encode(const cs_path *target, const cs_records *in,
                            const cs_registry *reg, cs_buf *out)
{
    const cs_record *inline_recs[32];
    const cs_record **recs = inline_recs;
    size_t n = in->count;
    if (n > sizeof inline_recs / sizeof inline_recs[0]) {
        recs = malloc(n * sizeof *recs);
        if (recs == NULL)
            return CS_E_NOMEM;
    }
    bool sorted = true;
    for (size_t i = 0; i < n; i++) {
        recs[i] = &in->items[i];
        if (i > 0 && cs_path_compare(&recs[i - 1]->path, &recs[i]->path) > 0)
            sorted = false;
    }
    if (!sorted)
        qsort(recs, n, sizeof *recs, compare_record_ptrs);
    cs_err err = check_sorted_records(target, recs, n);
    if (err == CS_OK)
        err = emit_map(out, recs, n, 0, reg);
    if (recs != inline_recs)
        free(recs);
    return err;
}
