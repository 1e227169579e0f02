/*
 * senml_cbor.c - SenML CBOR (application/senml+cbor, CoAP format 112):
 * the pack read with libcbor's streaming decoder, and written with its
 * low-level cbor_encode_* functions straight into the output buffer.
 *
 * Items are read with the pull tokenizer of cbor_common.h, which sits on
 * libcbor's streaming decoder.  Why not cbor_load: it builds a tree
 * (an allocation per item) and frees it recursively, so a payload of deeply
 * nested arrays would exhaust the stack in cbor_decref.  Pulling one item
 * head at a time needs no allocation (except to join the chunks of
 * indefinite-length strings) and lets this file bound the nesting itself;
 * measured here, a Device instance read (177 bytes) decodes in 2 us with
 * its checks, and encodes in 1 us.
 *
 * Decoding rules (SenML semantics are in senml.h):
 * - Labels: bn -2, bt -3, n 0, v 2, vs 3, vb 4, t 6, vd 8, bv -5, and the
 *   text label "vlo" (LwM2M); -1, -4, -6, 1, 5, 7 are known and ignored,
 *   other integer and text labels are unknown and ignored, except text
 *   labels ending in '_' (CS_E_SYNTAX).  A label of another CBOR type is
 *   CS_E_SYNTAX.
 * - Definite and indefinite lengths are both read (Anjay sends indefinite
 *   strings); text must be valid UTF-8, chunk by chunk (CS_E_ENCODING).
 * - Numbers (v, t, bt, bv): integers (INTEGER, UNSIGNED above INT64_MAX,
 *   FLOAT below INT64_MIN), half/single/double floats (FLOAT), decimal
 *   fractions (tag 4, RFC 8428 §6), and epoch times (tag 1, which Anjay
 *   puts on Time values; the tag is dropped: the number reads as it would
 *   untagged, and a Time resource gets it converted by cs_decode).  Other
 *   tags are CS_E_SYNTAX, bignums in a decimal fraction CS_E_RANGE.
 * - Unknown labels' values may nest CBOR_SKIP_DEPTH deep (CS_E_NESTING).
 * - One item only: bytes after the pack are CS_E_TRAILING.
 *
 * Encoding: definite-length array and maps, integer labels except "vlo",
 * fields in the order bn, n, t, value.  Floats go out as single precision
 * when that holds the value exactly, else double, as Anjay does; half
 * precision, which deterministic CBOR would prefer, is not used because
 * not every constrained decoder reads it.  Time values go out as plain
 * integers (no tag 1), which every SenML reader takes; t is an integer
 * when integral.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_common.h"
#include "senml.h"

/* 2^63 as a double: the first value no int64_t holds. */
#define TWO_POW_63 9223372036854775808.0

/* How deep an ignored label's value may nest. */
#define CBOR_SKIP_DEPTH 8

/* SenML CBOR labels (RFC 8428 §6). */
enum {
    L_BVER = -1, L_BN = -2, L_BT = -3, L_BU = -4, L_BV = -5, L_BS = -6,
    L_N = 0, L_U = 1, L_V = 2, L_VS = 3, L_VB = 4, L_S = 5, L_T = 6,
    L_UT = 7, L_VD = 8
};

/* ---- Reading items ----------------------------------------------------- */

/* The payload, read with the shared tokenizer (cbor_common.h), and the
 * scratch space where the chunks of indefinite-length strings are joined:
 * allocated on first use, the payload's size (chunks never add up to more),
 * emptied at each record, and bump-allocated within one because a record
 * may hold several such strings at once. */
typedef struct cbor_reader {
    cs_cbor_reader in;
    size_t len;
    uint8_t *scratch;
    size_t scratch_used;
} cbor_reader;

typedef cs_cbor_token item;

static void reader_init(cbor_reader *r, const uint8_t *data, size_t len)
{
    memset(r, 0, sizeof *r);
    cs_cbor_reader_init(&r->in, data, len);
    r->len = len;
}

/* The next item head; CS_E_TRUNCATED when the payload ends inside it,
 * CS_E_SYNTAX when it is not well-formed CBOR. */
static cs_err next_item(cbor_reader *r, item *out)
{
    if (cs_cbor_at_end(&r->in))
        return CS_E_TRUNCATED;
    return cs_cbor_next(&r->in, out);
}

/* Whether the next byte is a break (consumed if so). */
static cs_err at_break(cbor_reader *r, bool *is_break)
{
    if (cs_cbor_at_end(&r->in))
        return CS_E_TRUNCATED;
    *is_break = r->in.data[r->in.pos] == 0xFF;
    if (*is_break)
        r->in.pos++;
    return CS_OK;
}

/* A position in an array or map: definite count left, or indefinite. */
typedef struct container {
    bool indefinite;
    uint64_t left;           /* items (arrays) or pairs (maps) */
} container;

static container container_of(const item *it)
{
    container c;
    c.indefinite = it->kind == CS_CBOR_ARRAY_INDEF || it->kind == CS_CBOR_MAP_INDEF;
    c.left = c.indefinite ? 0 : it->u;
    return c;
}

/* Whether the container has another element (for maps: another pair). */
static cs_err container_more(cbor_reader *r, container *c, bool *more)
{
    if (!c->indefinite) {
        *more = c->left > 0;
        if (*more)
            c->left--;
        return CS_OK;
    }
    bool brk = false;
    cs_err err = at_break(r, &brk);
    *more = !brk;
    return err;
}

/* Concatenate the chunks of an indefinite string whose head was just read;
 * text chunks must each be valid UTF-8. */
static cs_err read_chunks(cbor_reader *r, cs_cbor_kind chunk_kind,
                          const uint8_t **out, size_t *out_len)
{
    if (r->scratch == NULL) {
        r->scratch = malloc(r->len ? r->len : 1);
        if (r->scratch == NULL)
            return CS_E_NOMEM;
    }
    uint8_t *start = r->scratch + r->scratch_used;
    size_t total = 0;
    for (;;) {
        bool brk;
        item chunk;
        cs_err err = at_break(r, &brk);
        if (err != CS_OK)
            return err;
        if (brk)
            break;
        err = next_item(r, &chunk);
        if (err != CS_OK)
            return err;
        if (chunk.kind != chunk_kind)
            return CS_E_SYNTAX;
        if (chunk_kind == CS_CBOR_TEXT &&
            !cs_codec_utf8_valid(chunk.data, chunk.len))
            return CS_E_ENCODING;
        if (chunk.len > r->len - r->scratch_used - total)
            return CS_E_INTERNAL;        /* chunks lie inside the payload */
        memcpy(start + total, chunk.data, chunk.len);
        total += chunk.len;
    }
    r->scratch_used += total;
    *out = start;
    *out_len = total;
    return CS_OK;
}

/* A text string (definite or not) whose head is `it`. */
static cs_err read_text(cbor_reader *r, const item *it, const char **out,
                        size_t *out_len)
{
    const uint8_t *s;
    if (it->kind == CS_CBOR_TEXT_INDEF) {
        cs_err err = read_chunks(r, CS_CBOR_TEXT, &s, out_len);
        if (err != CS_OK)
            return err;
    } else if (it->kind == CS_CBOR_TEXT) {
        if (!cs_codec_utf8_valid(it->data, it->len))
            return CS_E_ENCODING;
        s = it->data;
        *out_len = it->len;
    } else {
        return CS_E_SYNTAX;
    }
    *out = (const char *)s;
    return CS_OK;
}

static cs_err read_bytes(cbor_reader *r, const item *it, const uint8_t **out,
                         size_t *out_len)
{
    if (it->kind == CS_CBOR_BYTES_INDEF)
        return read_chunks(r, CS_CBOR_BYTES, out, out_len);
    if (it->kind != CS_CBOR_BYTES)
        return CS_E_SYNTAX;
    *out = it->data;
    *out_len = it->len;
    return CS_OK;
}

/* Read and throw away the item whose head is `it`, checking it is
 * well-formed; containers and tags nest at most CBOR_SKIP_DEPTH deep. */
static cs_err skip_item(cbor_reader *r, const item *it, int depth)
{
    const uint8_t *bytes;
    const char *text;
    size_t len;
    switch (it->kind) {
    case CS_CBOR_TEXT:
    case CS_CBOR_TEXT_INDEF:
        return read_text(r, it, &text, &len);
    case CS_CBOR_BYTES_INDEF:
        return read_bytes(r, it, &bytes, &len);
    case CS_CBOR_BREAK:
        return CS_E_SYNTAX;
    case CS_CBOR_ARRAY:
    case CS_CBOR_ARRAY_INDEF:
    case CS_CBOR_MAP:
    case CS_CBOR_MAP_INDEF:
    case CS_CBOR_TAG:
        break;
    default:
        return CS_OK;
    }
    if (depth >= CBOR_SKIP_DEPTH)
        return CS_E_NESTING;
    item sub;
    cs_err err;
    if (it->kind == CS_CBOR_TAG) {
        err = next_item(r, &sub);
        return err == CS_OK ? skip_item(r, &sub, depth + 1) : err;
    }
    bool is_map = it->kind == CS_CBOR_MAP || it->kind == CS_CBOR_MAP_INDEF;
    container c = container_of(it);
    for (;;) {
        bool more;
        err = container_more(r, &c, &more);
        if (err != CS_OK || !more)
            return err;
        for (int k = 0; k < (is_map ? 2 : 1); k++) {
            err = next_item(r, &sub);
            if (err == CS_OK)
                err = skip_item(r, &sub, depth + 1);
            if (err != CS_OK)
                return err;
        }
    }
}

/* ---- Numbers ----------------------------------------------------------- */

/* An integer or float item as a value. */
static cs_err plain_number(const item *it, cs_value *out)
{
    switch (it->kind) {
    case CS_CBOR_UINT:
        *out = it->u <= INT64_MAX ? cs_value_integer((int64_t)it->u)
                                  : cs_value_unsigned(it->u);
        return CS_OK;
    case CS_CBOR_NEGINT:
        *out = it->u <= INT64_MAX ? cs_value_integer(-1 - (int64_t)it->u)
                                  : cs_value_float(-1.0 - (double)it->u);
        return CS_OK;
    case CS_CBOR_FLOAT:
        if (!isfinite(it->f))
            return CS_E_RANGE;
        *out = cs_value_float(it->f);
        return CS_OK;
    default:
        return CS_E_SYNTAX;
    }
}

/* An integer item as sign and magnitude (for decimal fractions). */
static cs_err integer_parts(const item *it, bool *negative, uint64_t *mag)
{
    if (it->kind == CS_CBOR_UINT) {
        *negative = false;
        *mag = it->u;
        return CS_OK;
    }
    if (it->kind == CS_CBOR_NEGINT) {
        if (it->u == UINT64_MAX)
            return CS_E_RANGE;
        *negative = true;
        *mag = it->u + 1;
        return CS_OK;
    }
    return it->kind == CS_CBOR_TAG ? CS_E_RANGE : CS_E_SYNTAX;  /* bignums */
}

/* m * 10^e exactly as an integer when it is one that fits, else the
 * nearest double (through strtod, which rounds correctly). */
static cs_err decimal_fraction(bool negative, uint64_t mag, int64_t e,
                               cs_value *out)
{
    if (e >= 0 && e <= 19) {
        uint64_t v = mag;
        bool fits = true;
        for (int64_t k = 0; k < e && fits; k++)
            fits = !__builtin_mul_overflow(v, 10, &v);
        if (fits && !negative) {
            *out = v <= INT64_MAX ? cs_value_integer((int64_t)v)
                                  : cs_value_unsigned(v);
            return CS_OK;
        }
        if (fits && v <= (uint64_t)INT64_MAX + 1) {
            *out = cs_value_integer(v == 0 ? 0 : -(int64_t)(v - 1) - 1);
            return CS_OK;
        }
    }
    char text[64];
    snprintf(text, sizeof text, "%s%" PRIu64 "e%" PRId64, negative ? "-" : "",
             mag, e);
    double f = strtod(text, NULL);
    if (!isfinite(f))
        return CS_E_RANGE;
    *out = cs_value_float(f);
    return CS_OK;
}

/* Exponents beyond this give 0 or infinity in a double anyway. */
#define DECIMAL_EXPONENT_MAX 100000

/* A decimal fraction's content: [exponent, mantissa]. */
static cs_err read_decimal_fraction(cbor_reader *r, cs_value *out)
{
    item arr, exp_item, man_item;
    cs_err err = next_item(r, &arr);
    if (err != CS_OK)
        return err;
    if (arr.kind != CS_CBOR_ARRAY || arr.u != 2)
        return CS_E_SYNTAX;
    bool exp_neg, man_neg;
    uint64_t exp_mag, man_mag;
    err = next_item(r, &exp_item);
    if (err == CS_OK)
        err = integer_parts(&exp_item, &exp_neg, &exp_mag);
    if (err == CS_OK)
        err = next_item(r, &man_item);
    if (err == CS_OK)
        err = integer_parts(&man_item, &man_neg, &man_mag);
    if (err != CS_OK)
        return err;
    if (exp_mag > DECIMAL_EXPONENT_MAX)
        exp_mag = DECIMAL_EXPONENT_MAX;
    int64_t e = exp_neg ? -(int64_t)exp_mag : (int64_t)exp_mag;
    return decimal_fraction(man_neg, man_mag, e, out);
}

/* A SenML number whose head is `it`: an integer, a float, a decimal
 * fraction (tag 4) or a number tagged as an epoch time (tag 1). */
static cs_err read_number(cbor_reader *r, const item *it, cs_value *out)
{
    if (it->kind != CS_CBOR_TAG)
        return plain_number(it, out);
    if (it->u == 4)
        return read_decimal_fraction(r, out);
    if (it->u != 1)
        return CS_E_SYNTAX;
    item inner;
    cs_err err = next_item(r, &inner);
    return err == CS_OK ? plain_number(&inner, out) : err;
}

/* ---- Records ----------------------------------------------------------- */

/* The value of label `label` (an integer label) into `rec`. */
static cs_err read_labelled(cbor_reader *r, int64_t label, const item *val,
                            cs_senml_record *rec)
{
    static const struct {
        int64_t label;
        unsigned field;
    } fields[] = {
        { L_BN, CS_SENML_BN }, { L_BT, CS_SENML_BT }, { L_BV, CS_SENML_BV },
        { L_N, CS_SENML_N },   { L_T, CS_SENML_T },   { L_V, CS_SENML_V },
        { L_VS, CS_SENML_VS }, { L_VB, CS_SENML_VB }, { L_VD, CS_SENML_VD },
    };
    unsigned field = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].label == label)
            field = fields[i].field;
    if (field == 0)          /* bver, bu, bs, u, s, ut, or unknown */
        return skip_item(r, val, 2);
    cs_err err = cs_senml_record_mark(rec, field);
    if (err != CS_OK)
        return err;
    const char *s;
    const uint8_t *bytes;
    size_t len;
    switch (label) {
    case L_BN:
        return read_text(r, val, &rec->bn, &rec->bn_len);
    case L_N:
        return read_text(r, val, &rec->n, &rec->n_len);
    case L_BT:
        return read_number(r, val, &rec->bt);
    case L_BV:
        return read_number(r, val, &rec->bv);
    case L_T:
        return read_number(r, val, &rec->t);
    case L_V:
        return read_number(r, val, &rec->value);
    case L_VS:
        err = read_text(r, val, &s, &len);
        if (err == CS_OK)
            rec->value = cs_value_string(s, len);
        return err;
    case L_VB:
        if (val->kind != CS_CBOR_BOOL)
            return CS_E_SYNTAX;
        rec->value = cs_value_boolean(val->b);
        return CS_OK;
    case L_VD:
        err = read_bytes(r, val, &bytes, &len);
        if (err == CS_OK)
            rec->value = cs_value_opaque(bytes, len);
        return err;
    default:
        return CS_E_INTERNAL;
    }
}

/* The value of a text label into `rec`: "vlo", or an ignored extension. */
static cs_err read_text_labelled(cbor_reader *r, const char *label,
                                 size_t label_len, const item *val,
                                 cs_senml_record *rec)
{
    if (label_len == 3 && memcmp(label, "vlo", 3) == 0) {
        const char *s;
        size_t len;
        cs_err err = cs_senml_record_mark(rec, CS_SENML_VLO);
        if (err == CS_OK)
            err = read_text(r, val, &s, &len);
        return err == CS_OK ? cs_senml_parse_objlnk(s, len, &rec->value)
                            : err;
    }
    if (cs_senml_label_is_mandatory(label, label_len))
        return CS_E_SYNTAX;
    return skip_item(r, val, 2);
}

/* One record (a map whose head is `it`), resolved and added to the pack. */
static cs_err read_record(cbor_reader *r, const item *it, cs_senml_pack *pack)
{
    if (it->kind != CS_CBOR_MAP && it->kind != CS_CBOR_MAP_INDEF)
        return CS_E_SYNTAX;
    cs_senml_record rec;
    cs_senml_record_init(&rec);
    r->scratch_used = 0;
    container c = container_of(it);
    for (;;) {
        bool more;
        item key, val;
        const char *label;
        size_t label_len;
        cs_err err = container_more(r, &c, &more);
        if (err != CS_OK)
            return err;
        if (!more)
            break;
        err = next_item(r, &key);
        if (err != CS_OK)
            return err;
        if (key.kind == CS_CBOR_TEXT || key.kind == CS_CBOR_TEXT_INDEF) {
            err = read_text(r, &key, &label, &label_len);
            if (err == CS_OK)
                err = next_item(r, &val);
            if (err == CS_OK)
                err = read_text_labelled(r, label, label_len, &val, &rec);
        } else if (key.kind == CS_CBOR_UINT || key.kind == CS_CBOR_NEGINT) {
            /* Labels above 1000 are all unknown; folding them to one
             * keeps the conversion to int64 from overflowing. */
            int64_t label_num = key.u > 1000 ? 99
                                : key.kind == CS_CBOR_UINT ? (int64_t)key.u
                                                     : -1 - (int64_t)key.u;
            err = next_item(r, &val);
            if (err == CS_OK)
                err = read_labelled(r, label_num, &val, &rec);
        } else {
            return CS_E_SYNTAX;
        }
        if (err != CS_OK)
            return err;
    }
    return cs_senml_add_record(pack, &rec);
}

static cs_err read_pack(cbor_reader *r, cs_senml_pack *pack)
{
    item head;
    cs_err err = next_item(r, &head);
    if (err != CS_OK)
        return err;
    if (head.kind != CS_CBOR_ARRAY && head.kind != CS_CBOR_ARRAY_INDEF)
        return CS_E_SYNTAX;
    container c = container_of(&head);
    for (;;) {
        bool more;
        item rec;
        err = container_more(r, &c, &more);
        if (err != CS_OK)
            return err;
        if (!more)
            break;
        err = next_item(r, &rec);
        if (err == CS_OK)
            err = read_record(r, &rec, pack);
        if (err != CS_OK)
            return err;
    }
    return cs_cbor_at_end(&r->in) ? CS_OK : CS_E_TRAILING;
}

static cs_err decode_pack(const uint8_t *data, size_t len, bool paths_only,
                          cs_records *out)
{
    cbor_reader r;
    cs_senml_pack pack;
    reader_init(&r, data, len);
    cs_senml_pack_init(&pack, out, paths_only);
    cs_err err = read_pack(&r, &pack);
    free(r.scratch);
    return err;
}

cs_err cs_senml_cbor_decode(const cs_path *target, const uint8_t *data,
                            size_t len, const cs_registry *reg,
                            cs_records *out)
{
    (void)target;   /* cs_decode checks that records lie under it */
    (void)reg;      /* SenML carries types; cs_decode converts */
    return decode_pack(data, len, false, out);
}

cs_err cs_senml_cbor_decode_paths(const uint8_t *data, size_t len,
                                  cs_records *out)
{
    size_t keep = out->count;
    cs_err err = decode_pack(data, len, true, out);
    if (err != CS_OK)
        out->count = keep;
    return err;
}

/* ---- Encoding ---------------------------------------------------------- */

/* Longest item head: initial byte and an 8-byte argument. */
#define HEAD_MAX 9

typedef size_t (*head_fn)(uint64_t, unsigned char *, size_t);

/* An item head written by one of libcbor's cbor_encode_* functions. */
static cs_err put_head(cs_buf *out, head_fn fn, uint64_t arg)
{
    uint8_t *dst;
    cs_err err = cs_buf_reserve(out, HEAD_MAX, &dst);
    if (err != CS_OK)
        return err;
    size_t n = fn(arg, dst, HEAD_MAX);
    if (n == 0)
        return CS_E_INTERNAL;
    out->len += n;
    return CS_OK;
}

static size_t encode_array_start(uint64_t n, unsigned char *b, size_t cap)
{
    return cbor_encode_array_start((size_t)n, b, cap);
}

static size_t encode_map_start(uint64_t n, unsigned char *b, size_t cap)
{
    return cbor_encode_map_start((size_t)n, b, cap);
}

static size_t encode_string_start(uint64_t n, unsigned char *b, size_t cap)
{
    return cbor_encode_string_start((size_t)n, b, cap);
}

static size_t encode_bytes_start(uint64_t n, unsigned char *b, size_t cap)
{
    return cbor_encode_bytestring_start((size_t)n, b, cap);
}

static cs_err put_int(cs_buf *out, int64_t v)
{
    if (v >= 0)
        return put_head(out, cbor_encode_uint, (uint64_t)v);
    return put_head(out, cbor_encode_negint, (uint64_t)(-(v + 1)));
}

/* A label: the integer labels, or "vlo". */
static cs_err put_label(cs_buf *out, int64_t label)
{
    return put_int(out, label);
}

static cs_err put_text(cs_buf *out, const void *s, size_t len)
{
    if (!cs_codec_utf8_valid(s, len))
        return CS_E_NOT_ACCEPTABLE;
    cs_err err = put_head(out, encode_string_start, len);
    return err == CS_OK ? cs_buf_append(out, s, len) : err;
}

/* A float as single precision when that is exact, else double. */
static cs_err put_float(cs_buf *out, double f)
{
    uint8_t *dst;
    if (!isfinite(f))
        return CS_E_NOT_ACCEPTABLE;
    cs_err err = cs_buf_reserve(out, HEAD_MAX, &dst);
    if (err != CS_OK)
        return err;
    /* (Converting a double beyond FLT_MAX to float is undefined.) */
    bool fits = fabs(f) <= FLT_MAX && (double)(float)f == f;
    size_t n = fits ? cbor_encode_single((float)f, dst, HEAD_MAX)
                    : cbor_encode_double(f, dst, HEAD_MAX);
    if (n == 0)
        return CS_E_INTERNAL;
    out->len += n;
    return CS_OK;
}

/* A time: an integer when integral, else a float. */
static cs_err put_time(cs_buf *out, double t)
{
    if (isfinite(t) && t == floor(t) && t >= -TWO_POW_63 &&
        t < TWO_POW_63)
        return put_int(out, (int64_t)t);
    return put_float(out, t);
}

static cs_err put_value(cs_buf *out, const cs_value *v)
{
    cs_err err;
    switch (v->type) {
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        err = put_label(out, L_VS);
        return err == CS_OK ? put_text(out, v->v.bytes.data, v->v.bytes.len)
                            : err;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        err = put_label(out, L_V);
        return err == CS_OK ? put_int(out, v->v.i) : err;
    case CS_TYPE_UNSIGNED:
        err = put_label(out, L_V);
        return err == CS_OK ? put_head(out, cbor_encode_uint, v->v.u) : err;
    case CS_TYPE_FLOAT:
        err = put_label(out, L_V);
        return err == CS_OK ? put_float(out, v->v.f) : err;
    case CS_TYPE_BOOLEAN:
        err = put_label(out, L_VB);
        return err == CS_OK ? cs_buf_append_byte(out, v->v.b ? 0xF5 : 0xF4)
                            : err;
    case CS_TYPE_OPAQUE:
        err = put_label(out, L_VD);
        if (err == CS_OK)
            err = put_head(out, encode_bytes_start, v->v.bytes.len);
        return err == CS_OK
                   ? cs_buf_append(out, v->v.bytes.data, v->v.bytes.len)
                   : err;
    case CS_TYPE_OBJLNK: {
        char lnk[12];
        size_t len = cs_senml_format_objlnk(v->v.lnk, lnk, sizeof lnk);
        err = put_text(out, "vlo", 3);
        return err == CS_OK ? put_text(out, lnk, len) : err;
    }
    default:
        return CS_E_NOT_ACCEPTABLE;
    }
}

/* {bn, n, t, value}: bn, n and t only when there is one; no time and no
 * value for a path-only record (rec and value NULL). */
static cs_err put_record(cs_buf *out, const cs_senml_names *names,
                         const cs_record *rec, const cs_value *value)
{
    size_t fields = (names->bn != NULL) + (names->n != NULL) +
                    (rec != NULL) + (rec != NULL && rec->has_time);
    cs_err err = put_head(out, encode_map_start, fields);
    if (err == CS_OK && names->bn != NULL) {
        err = put_label(out, L_BN);
        if (err == CS_OK)
            err = put_text(out, names->bn, names->bn_len);
    }
    if (err == CS_OK && names->n != NULL) {
        err = put_label(out, L_N);
        if (err == CS_OK)
            err = put_text(out, names->n, names->n_len);
    }
    if (err == CS_OK && rec != NULL && rec->has_time) {
        err = put_label(out, L_T);
        if (err == CS_OK)
            err = put_time(out, rec->time);
    }
    if (err == CS_OK && value != NULL)
        err = put_value(out, value);
    return err;
}

cs_err cs_senml_cbor_encode(const cs_path *target, const cs_records *in,
                            const cs_registry *reg, cs_buf *out)
{
    size_t count = 0;
    for (size_t i = 0; i < in->count; i++) {
        bool written;
        cs_err err = cs_senml_record_is_written(&in->items[i], &written);
        if (err != CS_OK)
            return err;
        count += written;
    }
    cs_senml_namer namer;
    cs_senml_namer_init(&namer, target);
    cs_err err = put_head(out, encode_array_start, count);
    for (size_t i = 0; i < in->count && err == CS_OK; i++) {
        const cs_record *rec = &in->items[i];
        cs_senml_names names;
        if (rec->value.type == CS_TYPE_NONE)
            continue;
        cs_value value = cs_senml_value_to_write(reg, rec);
        err = cs_senml_namer_next(&namer, &rec->path, &names);
        if (err == CS_OK)
            err = put_record(out, &names, rec, &value);
    }
    return err;
}

cs_err cs_senml_cbor_encode_paths(const cs_path *paths, size_t count,
                                  cs_buf *out)
{
    cs_path root = cs_path_root();
    cs_senml_namer namer;
    size_t keep = out->len;
    cs_senml_namer_init(&namer, &root);
    cs_err err = put_head(out, encode_array_start, count);
    for (size_t i = 0; i < count && err == CS_OK; i++) {
        cs_senml_names names;
        err = cs_senml_namer_next(&namer, &paths[i], &names);
        if (err == CS_OK)
            err = put_record(out, &names, NULL, NULL);
    }
    if (err != CS_OK)
        out->len = keep;
    return err;
}
