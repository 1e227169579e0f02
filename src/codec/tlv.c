/*
 * tlv.c - OMA TLV, content format 11542 (application/vnd.oma.lwm2m+tlv):
 * a strict decoder and a canonical encoder.
 *
 * One element on the wire is Type(1) Identifier(1|2) Length(0..3) Value.
 * The type byte holds, from the top: the kind of element (2 bits: object
 * instance 00, resource instance 01, multiple resource 10, resource 11), the
 * identifier width (1 bit: 8 or 16 bits), the width of the length field
 * (2 bits: none, 8, 16 or 24 bits) and, when there is no length field, the
 * value length itself (3 bits).  Nesting is fixed: an object instance holds
 * resources and multiple resources, a multiple resource holds resource
 * instances; nothing else nests.  TLV carries no object ID and no data type:
 * the object comes from the request's path, and every value is read with
 * the type its resource is defined with (opaque when it has no definition).
 *
 * What the payload's top-level elements are depends on the target:
 *   /o        object instance TLVs;
 *   /o/i      resource and multiple-resource TLVs, or one object instance
 *             TLV naming i (a redundant wrapper some peers send);
 *   /o/i/r    one resource or multiple-resource TLV naming r, or bare
 *             resource instance TLVs, or either inside one object instance
 *             TLV naming i;
 *   /o/i/r/ri one resource instance TLV naming ri; also a resource TLV
 *             naming ri (the "value named by the last path ID" form) or a
 *             multiple-resource TLV naming r.
 * The root cannot be expressed (no object IDs in TLV): CS_E_PATH on decode,
 * CS_E_NOT_ACCEPTABLE on encode.
 *
 * The decoder needs no recursion (the nesting is at most three deep) and
 * never reads outside its input.  A length that runs past the end of the
 * payload is CS_E_TRUNCATED; one that runs past the end of its parent, or
 * children that do not fill their parent exactly, is CS_E_BAD_LENGTH,
 * because there the parent's own length is what is wrong.
 *
 * The encoder writes the shortest form: 8-bit IDs where they fit, the
 * length in the type byte or the narrowest length field, integers in the
 * fewest of 1, 2, 4 or 8 bytes, floats in 4 bytes when a float holds them
 * exactly.  Container lengths are computed before the container is written,
 * so nothing is moved after the fact.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"

/* The element kinds: the top two bits of the type byte. */
enum tlv_kind {
    TLV_OBJECT_INSTANCE = 0,
    TLV_RESOURCE_INSTANCE = 1,
    TLV_MULTIPLE_RESOURCE = 2,
    TLV_RESOURCE = 3
};

#define TLV_TYPE_ID16 0x20u           /* identifier is 16 bits wide */
#define TLV_LENGTH_MAX 0xFFFFFFu      /* the 24-bit length field */

/* One parsed element; `value` points into the payload. */
struct tlv {
    enum tlv_kind kind;
    uint16_t id;
    const uint8_t *value;
    size_t len;
};

/* ------------------------------------------------------------------------
 * Reading elements
 * ---------------------------------------------------------------------- */

/*
 * A cursor over a run of sibling elements: the whole payload, or the value
 * of one container element.  `short_err` is what an element that does not
 * fit in the run is: the payload ended early (CS_E_TRUNCATED), or the
 * container's length disagrees with what it holds (CS_E_BAD_LENGTH).
 */
struct tlv_seq {
    const uint8_t *p;
    size_t left;
    cs_err short_err;
};

static struct tlv_seq seq_of_payload(const uint8_t *data, size_t len)
{
    struct tlv_seq s = { data, len, CS_E_TRUNCATED };
    return s;
}

static struct tlv_seq seq_of_children(const struct tlv *parent)
{
    struct tlv_seq s = { parent->value, parent->len, CS_E_BAD_LENGTH };
    return s;
}

static bool seq_more(const struct tlv_seq *s)
{
    return s->left > 0;
}

/* Read the next element of `s`; every length is checked before use. */
static cs_err seq_next(struct tlv_seq *s, struct tlv *out)
{
    const uint8_t *p = s->p;
    size_t left = s->left;
    if (left < 2)
        return s->short_err;
    uint8_t type = p[0];
    size_t id_width = (type & TLV_TYPE_ID16) ? 2 : 1;
    size_t len_width = (type >> 3) & 3u;
    size_t header = 1 + id_width + len_width;
    if (left < header)
        return s->short_err;

    uint32_t id = p[1];
    if (id_width == 2)
        id = id << 8 | p[2];
    if (id > CS_ID_MAX)
        return CS_E_PATH;

    /* With a length field, the low three bits carry nothing (ignored, as
     * the specification says). */
    size_t len = type & 7u;
    if (len_width > 0) {
        len = 0;
        for (size_t i = 0; i < len_width; i++)
            len = len << 8 | p[1 + id_width + i];
    }
    if (len > left - header)
        return s->short_err;

    out->kind = (enum tlv_kind)(type >> 6);
    out->id = (uint16_t)id;
    out->value = p + header;
    out->len = len;
    s->p = p + header + len;
    s->left = left - header - len;
    return CS_OK;
}

/* ------------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------- */

static uint64_t read_be(const uint8_t *p, size_t n)
{
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = u << 8 | p[i];
    return u;
}

static bool is_integer_width(size_t n)
{
    return n == 1 || n == 2 || n == 4 || n == 8;
}

/* A big-endian two's complement integer of n (1, 2, 4 or 8) bytes. */
static int64_t read_signed(const uint8_t *p, size_t n)
{
    uint64_t u = read_be(p, n);
    if (n < 8 && (u >> (8 * n - 1)) != 0)
        u |= UINT64_MAX << (8 * n);           /* sign-extend */
    /* Written this way the conversion is defined for negative values. */
    return (u >> 63) ? -(int64_t)(~u) - 1 : (int64_t)u;
}

static double read_float(const uint8_t *p, size_t n)
{
    if (n == 4) {
        uint32_t bits = (uint32_t)read_be(p, 4);
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    uint64_t bits = read_be(p, 8);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/*
 * The value of a resource or resource instance element, read as the type
 * of its definition `def` (opaque without one).  A length the type cannot
 * have is CS_E_BAD_LENGTH.
 */
static cs_err decode_value(const cs_resource_def *def, const struct tlv *t,
                           cs_value *out)
{
    const uint8_t *p = t->value;
    size_t n = t->len;
    switch (def ? def->type : CS_TYPE_OPAQUE) {
    case CS_TYPE_NONE:
        if (n != 0)
            return CS_E_BAD_LENGTH;
        *out = cs_value_none();
        return CS_OK;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        if (!is_integer_width(n))
            return CS_E_BAD_LENGTH;
        *out = def->type == CS_TYPE_TIME ? cs_value_time(read_signed(p, n))
                                         : cs_value_integer(read_signed(p, n));
        return CS_OK;
    case CS_TYPE_UNSIGNED:
        if (!is_integer_width(n))
            return CS_E_BAD_LENGTH;
        *out = cs_value_unsigned(read_be(p, n));
        return CS_OK;
    case CS_TYPE_FLOAT:
        if (n != 4 && n != 8)
            return CS_E_BAD_LENGTH;
        *out = cs_value_float(read_float(p, n));
        return CS_OK;
    case CS_TYPE_BOOLEAN:
        if (n != 1)
            return CS_E_BAD_LENGTH;
        if (p[0] > 1)
            return CS_E_RANGE;
        *out = cs_value_boolean(p[0] == 1);
        return CS_OK;
    case CS_TYPE_OBJLNK:
        if (n != 4)
            return CS_E_BAD_LENGTH;
        *out = cs_value_objlnk((uint16_t)read_be(p, 2),
                               (uint16_t)read_be(p + 2, 2));
        return CS_OK;
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        if (!cs_codec_utf8_valid(p, n))
            return CS_E_ENCODING;
        *out = def->type == CS_TYPE_STRING
                   ? cs_value_string((const char *)p, n)
                   : cs_value_corelnk((const char *)p, n);
        return CS_OK;
    case CS_TYPE_OPAQUE:
        *out = cs_value_opaque(p, n);
        return CS_OK;
    }
    return CS_E_INTERNAL;
}

/* ------------------------------------------------------------------------
 * Decoding
 * ---------------------------------------------------------------------- */

/*
 * Every record of one payload lies under the target's object, so its
 * definition is looked up once (NULL: no registry, or an unknown object)
 * and each resource is then one search of its table.
 */
struct decoder {
    const cs_object_def *obj;
    cs_records *out;
};

static const cs_object_def *target_object(const cs_registry *reg,
                                          const cs_path *target)
{
    return reg != NULL && target->len >= CS_LEVEL_OBJECT
               ? cs_registry_object(reg, target->ids[0])
               : NULL;
}

/* The definition of resource `rid` of the payload's object, or NULL. */
static const cs_resource_def *resource_def(const cs_object_def *obj,
                                           uint16_t rid)
{
    return obj != NULL ? cs_object_resource(obj, rid) : NULL;
}

static cs_err add_value(struct decoder *d, const cs_path *path,
                        const cs_resource_def *def, const struct tlv *t)
{
    cs_value v;
    cs_err err = decode_value(def, t, &v);
    if (err != CS_OK)
        return err;
    return cs_records_add(d->out, path, &v);
}

/* An empty container: an object instance or multiple resource with no
 * children (see codec.h). */
static cs_err add_empty(struct decoder *d, const cs_path *path)
{
    cs_value none = cs_value_none();
    return cs_records_add(d->out, path, &none);
}

/*
 * Duplicate containers.  Two leaf elements with one path give two equal
 * records, which cs_records_validate refuses; but two object instance or
 * multiple-resource elements with one ID give records that differ, and
 * would silently merge.  Siblings normally arrive in increasing ID order,
 * and then none can repeat; only an ID at or below the highest seen so far
 * makes us look back through the records this parent has produced.
 */
struct siblings {
    int32_t highest;   /* highest ID seen, -1 for none */
    size_t first;      /* index of the parent's first record */
    unsigned depth;    /* which path ID the siblings' IDs are */
};

static struct siblings siblings_start(const struct decoder *d, unsigned depth)
{
    struct siblings s = { -1, d->out->count, depth };
    return s;
}

static cs_err siblings_add(struct siblings *s, const struct decoder *d,
                           uint16_t id)
{
    if ((int32_t)id > s->highest) {
        s->highest = id;
        return CS_OK;
    }
    for (size_t i = s->first; i < d->out->count; i++) {
        const cs_path *p = &d->out->items[i].path;
        if (p->len > s->depth && p->ids[s->depth] == id)
            return CS_E_DUPLICATE;
    }
    return CS_OK;
}

/* The resource instance elements in `seq`, for resource `res`. */
static cs_err decode_instances(struct decoder *d, const cs_path *res,
                               const cs_resource_def *def,
                               struct tlv_seq *seq)
{
    while (seq_more(seq)) {
        struct tlv t;
        cs_err err = seq_next(seq, &t);
        if (err != CS_OK)
            return err;
        if (t.kind != TLV_RESOURCE_INSTANCE)
            return CS_E_NESTING;
        cs_path p = cs_path_resource_instance(res->ids[0], res->ids[1],
                                              res->ids[2], t.id);
        err = add_value(d, &p, def, &t);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

/* One resource or multiple-resource element of instance `inst`. */
static cs_err decode_resource(struct decoder *d, const cs_path *inst,
                              const struct tlv *t)
{
    cs_path p = cs_path_resource(inst->ids[0], inst->ids[1], t->id);
    const cs_resource_def *def = resource_def(d->obj, t->id);
    if (t->kind == TLV_RESOURCE) {
        if (def != NULL && def->multiple)
            return CS_E_NESTING;
        return add_value(d, &p, def, t);
    }
    if (t->kind != TLV_MULTIPLE_RESOURCE)
        return CS_E_NESTING;
    if (def != NULL && !def->multiple)
        return CS_E_NESTING;
    if (t->len == 0)
        return add_empty(d, &p);
    struct tlv_seq seq = seq_of_children(t);
    return decode_instances(d, &p, def, &seq);
}

/* The resources of instance `inst`: the value of an object instance
 * element, or the payload sent for the instance. */
static cs_err decode_resources(struct decoder *d, const cs_path *inst,
                               struct tlv_seq *seq)
{
    struct siblings sib = siblings_start(d, CS_LEVEL_RESOURCE - 1);
    while (seq_more(seq)) {
        struct tlv t;
        cs_err err = seq_next(seq, &t);
        if (err != CS_OK)
            return err;
        if (t.kind != TLV_RESOURCE && t.kind != TLV_MULTIPLE_RESOURCE)
            return CS_E_NESTING;
        err = siblings_add(&sib, d, t.id);
        if (err == CS_OK)
            err = decode_resource(d, inst, &t);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

static cs_err decode_object_instance(struct decoder *d, uint16_t oid,
                                     const struct tlv *t)
{
    cs_path inst = cs_path_instance(oid, t->id);
    if (t->len == 0)
        return add_empty(d, &inst);
    struct tlv_seq seq = seq_of_children(t);
    return decode_resources(d, &inst, &seq);
}

/*
 * When the payload's first element is an object instance element, a
 * wrapper that the target made redundant: it must be the only element and
 * name the target's instance.  Sets *wrapper (kind TLV_OBJECT_INSTANCE) or
 * leaves wrapper->kind as something else when there is no wrapper.
 */
static cs_err find_wrapper(const cs_path *target, const struct tlv_seq *seq,
                           struct tlv *wrapper)
{
    struct tlv_seq rest = *seq;
    wrapper->kind = TLV_RESOURCE;
    if (!seq_more(&rest))
        return CS_OK;
    struct tlv first;
    cs_err err = seq_next(&rest, &first);
    if (err != CS_OK)
        return err;
    if (first.kind != TLV_OBJECT_INSTANCE)
        return CS_OK;
    if (seq_more(&rest))
        return CS_E_NESTING;
    if (first.id != target->ids[1])
        return CS_E_PATH;
    *wrapper = first;
    return CS_OK;
}

/* Target /o: object instance elements only. */
static cs_err decode_object_target(struct decoder *d, const cs_path *target,
                                   struct tlv_seq *seq)
{
    struct siblings sib = siblings_start(d, CS_LEVEL_INSTANCE - 1);
    while (seq_more(seq)) {
        struct tlv t;
        cs_err err = seq_next(seq, &t);
        if (err != CS_OK)
            return err;
        if (t.kind != TLV_OBJECT_INSTANCE)
            return CS_E_NESTING;
        err = siblings_add(&sib, d, t.id);
        if (err == CS_OK)
            err = decode_object_instance(d, target->ids[0], &t);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

/* Target /o/i: its resources, perhaps in a wrapper.  The target implies
 * the instance, so an empty one gives no record, as an empty payload does
 * (and as the encoder sends an empty instance for this target). */
static cs_err decode_instance_target(struct decoder *d, const cs_path *target,
                                     struct tlv_seq *seq)
{
    struct tlv wrapper;
    cs_err err = find_wrapper(target, seq, &wrapper);
    if (err != CS_OK)
        return err;
    if (wrapper.kind == TLV_OBJECT_INSTANCE) {
        struct tlv_seq inner = seq_of_children(&wrapper);
        return decode_resources(d, target, &inner);
    }
    return decode_resources(d, target, seq);
}

/* An empty payload for a resource: a multiple resource with no instances
 * (also for an unknown resource, as Leshan reads it); a single resource
 * misses its value. */
static cs_err decode_empty_resource(struct decoder *d, const cs_path *target)
{
    const cs_resource_def *def = resource_def(d->obj, target->ids[2]);
    if (def != NULL && !def->multiple && def->type != CS_TYPE_NONE)
        return CS_E_TRUNCATED;
    return add_empty(d, target);
}

/* Target /o/i/r, wrapper removed: one element for the whole resource, or
 * bare resource instance elements, never both. */
static cs_err decode_resource_payload(struct decoder *d, const cs_path *target,
                                      struct tlv_seq *seq)
{
    const cs_resource_def *def = resource_def(d->obj, target->ids[2]);
    bool whole = false, bare = false;
    while (seq_more(seq)) {
        struct tlv t;
        cs_err err = seq_next(seq, &t);
        if (err != CS_OK)
            return err;
        switch (t.kind) {
        case TLV_RESOURCE:
        case TLV_MULTIPLE_RESOURCE:
            if (t.id != target->ids[2])
                return CS_E_PATH;
            if (whole)
                return CS_E_DUPLICATE;
            if (bare)
                return CS_E_NESTING;
            whole = true;
            err = decode_resource(d, target, &t);
            break;
        case TLV_RESOURCE_INSTANCE: {
            if (whole || (def != NULL && !def->multiple))
                return CS_E_NESTING;
            bare = true;
            cs_path p = cs_path_resource_instance(
                target->ids[0], target->ids[1], target->ids[2], t.id);
            err = add_value(d, &p, def, &t);
            break;
        }
        case TLV_OBJECT_INSTANCE:
            return CS_E_NESTING;
        }
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

/* Target /o/i/r. */
static cs_err decode_resource_target(struct decoder *d, const cs_path *target,
                                     struct tlv_seq *seq)
{
    struct tlv wrapper;
    cs_err err = find_wrapper(target, seq, &wrapper);
    if (err != CS_OK)
        return err;
    struct tlv_seq inner = *seq;
    if (wrapper.kind == TLV_OBJECT_INSTANCE)
        inner = seq_of_children(&wrapper);
    if (!seq_more(&inner))
        return decode_empty_resource(d, target);
    return decode_resource_payload(d, target, &inner);
}

/* Target /o/i/r/ri: the instance's element (see the top of the file). */
static cs_err decode_resource_instance_target(struct decoder *d,
                                              const cs_path *target,
                                              struct tlv_seq *seq)
{
    if (!seq_more(seq))
        return CS_E_TRUNCATED;
    cs_path res = cs_path_resource(target->ids[0], target->ids[1],
                                   target->ids[2]);
    const cs_resource_def *def = resource_def(d->obj, target->ids[2]);
    while (seq_more(seq)) {
        struct tlv t;
        cs_err err = seq_next(seq, &t);
        if (err != CS_OK)
            return err;
        switch (t.kind) {
        case TLV_RESOURCE_INSTANCE:
        case TLV_RESOURCE:
            if (t.id != target->ids[3])
                return CS_E_PATH;
            err = add_value(d, target, def, &t);
            break;
        case TLV_MULTIPLE_RESOURCE:
            if (t.id != target->ids[2])
                return CS_E_PATH;
            err = decode_resource(d, &res, &t);
            break;
        case TLV_OBJECT_INSTANCE:
            return CS_E_NESTING;
        }
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

cs_err cs_tlv_decode(const cs_path *target, const uint8_t *data, size_t len,
                     const cs_registry *reg, cs_records *out)
{
    struct decoder d = { target_object(reg, target), out };
    struct tlv_seq seq = seq_of_payload(data, len);
    switch (target->len) {
    case CS_LEVEL_OBJECT:
        return decode_object_target(&d, target, &seq);
    case CS_LEVEL_INSTANCE:
        return decode_instance_target(&d, target, &seq);
    case CS_LEVEL_RESOURCE:
        return decode_resource_target(&d, target, &seq);
    case CS_LEVEL_RESOURCE_INSTANCE:
        return decode_resource_instance_target(&d, target, &seq);
    default:
        return CS_E_PATH;   /* the root: TLV cannot name objects */
    }
}

/* ------------------------------------------------------------------------
 * Encoding
 * ---------------------------------------------------------------------- */

/*
 * The records in path order.  Most callers pass them sorted already, and
 * then `items` is used as it is; otherwise `sorted` points at them in
 * order (on the stack for short lists).
 */
struct encoder {
    const cs_object_def *obj;     /* as in struct decoder */
    cs_buf *out;
    const cs_record *items;
    const cs_record *const *sorted;
    size_t n;
};

#define ENCODER_STACK_SORT 64

static const cs_record *rec_at(const struct encoder *e, size_t i)
{
    return e->sorted ? e->sorted[i] : &e->items[i];
}

/* A value as TLV bytes: numbers in `scratch`, strings where they are. */
struct tlv_value {
    uint8_t scratch[8];
    const uint8_t *bytes;
    size_t len;
};

static void put_be(struct tlv_value *tv, uint64_t u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tv->scratch[i] = (uint8_t)(u >> (8 * (n - 1 - i)));
    tv->bytes = tv->scratch;
    tv->len = n;
}

static void put_signed(struct tlv_value *tv, int64_t v)
{
    size_t n = 8;
    if (v >= INT8_MIN && v <= INT8_MAX)
        n = 1;
    else if (v >= INT16_MIN && v <= INT16_MAX)
        n = 2;
    else if (v >= INT32_MIN && v <= INT32_MAX)
        n = 4;
    put_be(tv, (uint64_t)v, n);
}

static void put_unsigned(struct tlv_value *tv, uint64_t v)
{
    size_t n = v <= UINT8_MAX ? 1 : v <= UINT16_MAX ? 2 : v <= UINT32_MAX ? 4 : 8;
    put_be(tv, v, n);
}

/* 4 bytes when a float holds the value exactly (checked against FLT_MAX
 * first: converting a larger double to float is undefined), else 8. */
static void put_float(struct tlv_value *tv, double f)
{
    if (isinf(f) || (fabs(f) <= FLT_MAX && (double)(float)f == f)) {
        float g = (float)f;
        uint32_t bits;
        memcpy(&bits, &g, sizeof bits);
        put_be(tv, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &f, sizeof bits);
        put_be(tv, bits, 8);
    }
}

/*
 * The bytes of `rec`'s value.  With a definition the value is first
 * converted to the defined type, losslessly or not at all: the receiver
 * reads TLV bytes by its own definition, so an integer sent for a Float
 * resource would be misread.
 */
static cs_err encode_value(const cs_record *rec, const cs_resource_def *def,
                           struct tlv_value *tv)
{
    cs_value v = rec->value;
    if (def != NULL) {
        cs_err err = cs_value_convert(&v, def->type);
        if (err != CS_OK)
            return err;
    }
    switch (v.type) {
    case CS_TYPE_NONE:
        if (rec->path.len == CS_LEVEL_RESOURCE_INSTANCE)
            return CS_E_TYPE;
        tv->bytes = tv->scratch;
        tv->len = 0;
        return CS_OK;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        put_signed(tv, v.v.i);
        return CS_OK;
    case CS_TYPE_UNSIGNED:
        put_unsigned(tv, v.v.u);
        return CS_OK;
    case CS_TYPE_FLOAT:
        put_float(tv, v.v.f);
        return CS_OK;
    case CS_TYPE_BOOLEAN:
        put_be(tv, v.v.b ? 1 : 0, 1);
        return CS_OK;
    case CS_TYPE_OBJLNK:
        put_be(tv, (uint32_t)v.v.lnk.oid << 16 | v.v.lnk.iid, 4);
        return CS_OK;
    case CS_TYPE_STRING:
    case CS_TYPE_OPAQUE:
    case CS_TYPE_CORELNK:
        if (v.v.bytes.len > TLV_LENGTH_MAX)
            return CS_E_TOO_LARGE;
        tv->bytes = v.v.bytes.data;
        tv->len = v.v.bytes.len;
        return CS_OK;
    }
    return CS_E_INTERNAL;
}

static size_t header_size(uint16_t id, size_t len)
{
    size_t len_width = len <= 7 ? 0 : len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : 3;
    return 1 + (id > 0xFF ? 2 : 1) + len_width;
}

static cs_err write_header(cs_buf *out, enum tlv_kind kind, uint16_t id,
                           size_t len)
{
    uint8_t h[6];
    size_t n = 1;
    uint8_t type = (uint8_t)(kind << 6);
    if (id > 0xFF) {
        type |= TLV_TYPE_ID16;
        h[n++] = (uint8_t)(id >> 8);
    }
    h[n++] = (uint8_t)id;
    if (len <= 7) {
        type |= (uint8_t)len;
    } else {
        size_t width = len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : 3;
        type |= (uint8_t)(width << 3);
        for (size_t i = width; i > 0; i--)
            h[n++] = (uint8_t)(len >> (8 * (i - 1)));
    }
    h[0] = type;
    return cs_buf_append(out, h, n);
}

static cs_err write_element(cs_buf *out, enum tlv_kind kind, uint16_t id,
                            const struct tlv_value *tv)
{
    cs_err err = write_header(out, kind, id, tv->len);
    if (err == CS_OK)
        err = cs_buf_append(out, tv->bytes, tv->len);
    return err;
}

/* Add an element's size to a container's length, which must fit 24 bits;
 * checking at every step keeps the sum from overflowing. */
static cs_err add_size(size_t *total, size_t more)
{
    if (more > TLV_LENGTH_MAX || *total > TLV_LENGTH_MAX - more)
        return CS_E_TOO_LARGE;
    *total += more;
    return CS_OK;
}

/* End of the run of records from `k` (below `end`) sharing path ID `depth`. */
static size_t group_end(const struct encoder *e, size_t k, size_t end,
                        unsigned depth)
{
    uint16_t id = rec_at(e, k)->path.ids[depth];
    size_t m = k + 1;
    while (m < end && rec_at(e, m)->path.ids[depth] == id)
        m++;
    return m;
}

/*
 * How resource records [k, m) go out: as a multiple-resource element when
 * the definition says so, or (unknown resource) when there are instance
 * records or the one record is an empty container.
 */
static cs_err resource_shape(const struct encoder *e, size_t k,
                             const cs_resource_def **def, bool *multiple)
{
    const cs_record *first = rec_at(e, k);
    bool instances = first->path.len == CS_LEVEL_RESOURCE_INSTANCE;
    *def = resource_def(e->obj, first->path.ids[2]);
    if (*def == NULL) {
        *multiple = instances || first->value.type == CS_TYPE_NONE;
        return CS_OK;
    }
    *multiple = (*def)->multiple;
    if (instances && !*multiple)
        return CS_E_NESTING;
    if (!instances && *multiple && first->value.type != CS_TYPE_NONE)
        return CS_E_NESTING;
    return CS_OK;
}

/* Length of the value of a multiple-resource element for records [k, m)
 * (a lone level-3 record is the empty container: length 0). */
static cs_err instances_length(const struct encoder *e, size_t k, size_t m,
                               const cs_resource_def *def, size_t *len)
{
    *len = 0;
    for (size_t i = k; i < m; i++) {
        const cs_record *r = rec_at(e, i);
        if (r->path.len != CS_LEVEL_RESOURCE_INSTANCE)
            continue;
        struct tlv_value tv;
        cs_err err = encode_value(r, def, &tv);
        if (err == CS_OK)
            err = add_size(len, header_size(r->path.ids[3], tv.len) + tv.len);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

/* Size of the element for resource records [k, m). */
static cs_err resource_size(const struct encoder *e, size_t k, size_t m,
                            size_t *size)
{
    const cs_resource_def *def;
    bool multiple;
    cs_err err = resource_shape(e, k, &def, &multiple);
    if (err != CS_OK)
        return err;
    uint16_t rid = rec_at(e, k)->path.ids[2];
    size_t len;
    if (multiple) {
        err = instances_length(e, k, m, def, &len);
    } else {
        struct tlv_value tv;
        err = encode_value(rec_at(e, k), def, &tv);
        len = tv.len;
    }
    if (err == CS_OK)
        *size = header_size(rid, len) + len;
    return err;
}

/* Write the element for resource records [k, m). */
static cs_err resource_write(const struct encoder *e, size_t k, size_t m)
{
    const cs_resource_def *def;
    bool multiple;
    cs_err err = resource_shape(e, k, &def, &multiple);
    if (err != CS_OK)
        return err;
    uint16_t rid = rec_at(e, k)->path.ids[2];
    struct tlv_value tv;
    if (!multiple) {
        err = encode_value(rec_at(e, k), def, &tv);
        return err == CS_OK ? write_element(e->out, TLV_RESOURCE, rid, &tv)
                            : err;
    }
    size_t len;
    err = instances_length(e, k, m, def, &len);
    if (err == CS_OK)
        err = write_header(e->out, TLV_MULTIPLE_RESOURCE, rid, len);
    for (size_t i = k; i < m && err == CS_OK; i++) {
        const cs_record *r = rec_at(e, i);
        if (r->path.len != CS_LEVEL_RESOURCE_INSTANCE)
            continue;
        err = encode_value(r, def, &tv);
        if (err == CS_OK)
            err = write_element(e->out, TLV_RESOURCE_INSTANCE, r->path.ids[3],
                                &tv);
    }
    return err;
}

/* Length of the value of an object instance element for records [k, m)
 * of one instance (a lone level-2 record is the empty instance). */
static cs_err resources_length(const struct encoder *e, size_t k, size_t m,
                               size_t *len)
{
    *len = 0;
    if (rec_at(e, k)->path.len == CS_LEVEL_INSTANCE)
        return CS_OK;
    while (k < m) {
        size_t g = group_end(e, k, m, 2), size;
        cs_err err = resource_size(e, k, g, &size);
        if (err == CS_OK)
            err = add_size(len, size);
        if (err != CS_OK)
            return err;
        k = g;
    }
    return CS_OK;
}

static cs_err resources_write(const struct encoder *e, size_t k, size_t m)
{
    if (k < m && rec_at(e, k)->path.len == CS_LEVEL_INSTANCE)
        return CS_OK;
    while (k < m) {
        size_t g = group_end(e, k, m, 2);
        cs_err err = resource_write(e, k, g);
        if (err != CS_OK)
            return err;
        k = g;
    }
    return CS_OK;
}

/* Target /o: one object instance element per instance. */
static cs_err encode_object_target(const struct encoder *e)
{
    size_t k = 0;
    while (k < e->n) {
        size_t m = group_end(e, k, e->n, 1), len;
        cs_err err = resources_length(e, k, m, &len);
        if (err == CS_OK)
            err = write_header(e->out, TLV_OBJECT_INSTANCE,
                               rec_at(e, k)->path.ids[1], len);
        if (err == CS_OK)
            err = resources_write(e, k, m);
        if (err != CS_OK)
            return err;
        k = m;
    }
    return CS_OK;
}

/* Target /o/i/r/ri: one resource instance element. */
static cs_err encode_resource_instance_target(const struct encoder *e)
{
    if (e->n == 0)
        return CS_OK;
    const cs_resource_def *def;
    bool multiple;
    cs_err err = resource_shape(e, 0, &def, &multiple);
    if (err != CS_OK)
        return err;
    const cs_record *r = rec_at(e, 0);
    struct tlv_value tv;
    err = encode_value(r, def, &tv);
    if (err == CS_OK)
        err = write_element(e->out, TLV_RESOURCE_INSTANCE, r->path.ids[3],
                            &tv);
    return err;
}

/*
 * Every record under the target, at instance level or below, with a valid
 * path; no path twice; a container record (instance level, or an empty
 * multiple resource) with nothing under it.  The records are in order, so
 * neighbours are all that need comparing.
 */
static cs_err check_records(const struct encoder *e, const cs_path *target)
{
    for (size_t i = 0; i < e->n; i++) {
        const cs_record *r = rec_at(e, i);
        if (!cs_path_is_valid(&r->path) || r->path.len < CS_LEVEL_INSTANCE ||
            !cs_path_has_prefix(&r->path, target))
            return CS_E_PATH;
        if (r->path.len == CS_LEVEL_INSTANCE && r->value.type != CS_TYPE_NONE)
            return CS_E_NESTING;
        if (i == 0)
            continue;
        const cs_path *prev = &rec_at(e, i - 1)->path;
        if (cs_path_compare(prev, &r->path) == 0)
            return CS_E_DUPLICATE;
        if (cs_path_has_prefix(&r->path, prev))
            return CS_E_NESTING;
    }
    return CS_OK;
}

static bool records_sorted(const cs_records *in)
{
    for (size_t i = 1; i < in->count; i++)
        if (cs_path_compare(&in->items[i - 1].path, &in->items[i].path) > 0)
            return false;
    return true;
}

static int compare_record_ptrs(const void *a, const void *b)
{
    const cs_record *const *ra = a;
    const cs_record *const *rb = b;
    return cs_path_compare(&(*ra)->path, &(*rb)->path);
}

static cs_err encode_sorted(const struct encoder *e, const cs_path *target)
{
    cs_err err = check_records(e, target);
    if (err != CS_OK)
        return err;
    switch (target->len) {
    case CS_LEVEL_OBJECT:
        return encode_object_target(e);
    case CS_LEVEL_INSTANCE:
        return resources_write(e, 0, e->n);
    case CS_LEVEL_RESOURCE:
        return e->n ? resource_write(e, 0, e->n) : CS_OK;
    case CS_LEVEL_RESOURCE_INSTANCE:
        return encode_resource_instance_target(e);
    default:
        return CS_E_NOT_ACCEPTABLE;
    }
}

cs_err cs_tlv_encode(const cs_path *target, const cs_records *in,
                     const cs_registry *reg, cs_buf *out)
{
    if (target->len == CS_LEVEL_ROOT)
        return CS_E_NOT_ACCEPTABLE;   /* TLV cannot name objects */
    struct encoder e = { target_object(reg, target), out, in->items, NULL,
                         in->count };
    if (records_sorted(in))
        return encode_sorted(&e, target);

    const cs_record *local[ENCODER_STACK_SORT];
    const cs_record **order = local;
    if (in->count > ENCODER_STACK_SORT) {
        order = malloc(in->count * sizeof *order);
        if (order == NULL)
            return CS_E_NOMEM;
    }
    for (size_t i = 0; i < in->count; i++)
        order[i] = &in->items[i];
    qsort(order, in->count, sizeof *order, compare_record_ptrs);
    e.sorted = order;
    cs_err err = encode_sorted(&e, target);
    if (order != local)
        free(order);
    return err;
}
