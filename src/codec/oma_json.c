/*
 * oma_json.c - application/vnd.oma.lwm2m+json (content format 11543), the
 * LwM2M 1.0 JSON format (Core TS 1.0 §6.4.4).  1.1+ servers must still
 * read it from old clients.
 *
 *   {"bn":"/3/0/","bt":25462634,
 *    "e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/0","v":1,"t":-5}]}
 *
 * Root keys: "bn" base name, "bt" base time, "e" the entry array (required).
 * Entry keys: "n" name, "t" time, and exactly one value: "v" number,
 * "bv" boolean, "ov" object link "oid:iid", "sv" string (also Opaque, in
 * standard base64, and Corelnk).  Any other key is refused (CS_E_SYNTAX):
 * the TS lists every attribute, and Wakaama refuses unknown keys as well.
 *
 * Names.  The TS says bn is prepended to n; when bn is absent n may be the
 * full path.  Peers differ in the details, so names are joined segment by
 * segment as Leshan and Wakaama do: bn is a path with or without a trailing
 * slash ("/", "/3/0", "/3/0/"), n is relative ("0", "6/0") or empty.
 * Without bn, an n starting with '/' is absolute and a relative n is taken
 * under the request target (old Leshan sends no bn at all).  Each resolved
 * name must be a resource or resource instance, else CS_E_PATH.
 *
 * Time.  A record's time is bt + t (SenML: a missing one counts as 0) and is
 * kept as sent: by SenML rules a value <= 0 is relative to now, which the
 * caller resolves.  Numbers that jansson cannot hold (integers beyond
 * int64, reals beyond double) are CS_E_RANGE.
 *
 * The decoder parses with jansson after a linear pre-scan that refuses
 * nesting deeper than the format's three levels (object, array, entry) and
 * more separators than max_records entries can need, so neither jansson's
 * recursion nor its allocations depend on hostile input beyond that.
 *
 * The encoder writes compact JSON by hand, for exact control of numbers:
 * bn is the target cut to at most object-instance level, with a trailing
 * slash ("/3/0/" for a request on /3/0/1, as Wakaama does), and every entry
 * has a relative n.  Keys are written in the order n, value, t.  Floats
 * always carry a '.' or an exponent so they read back as floats.  Empty
 * containers (NONE records) cannot be expressed and are left out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec_internal.h"
#include "crypto/crypto.h"

/* Largest payload handed to jansson. */
#define OMA_JSON_MAX_INPUT (1u << 20)
/* The format nests object > array > entry object, nothing deeper. */
#define OMA_JSON_MAX_DEPTH 3
/* Decoded opaque values up to this size are built on the stack. */
#define OMA_JSON_STACK_BYTES 256

/* ---- Shared helpers ---------------------------------------------------- */

/* ---- Decoding ---------------------------------------------------------- */

/*
 * One pass over the raw text before jansson sees it: nesting depth and the
 * number of ',' outside strings.  A legal payload has at most 3 commas per
 * entry (two inside it, one after it) and 2 at the root.
 */
static cs_err prescan(const uint8_t *s, size_t len, size_t max_records)
{
    bool in_string = false, escaped = false;
    unsigned depth = 0;
    size_t commas = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '{':
        case '[':
            if (++depth > OMA_JSON_MAX_DEPTH)
                return CS_E_NESTING;
            break;
        case '}':
        case ']':
            if (depth > 0)
                depth--;
            break;
        case ',':
            commas++;
            break;
        default:
            break;
        }
    }
    if (commas > 3 * max_records + 3)
        return CS_E_TOO_LARGE;
    return CS_OK;
}

static cs_err jansson_error(const json_error_t *jerr)
{
    switch (json_error_code(jerr)) {
    case json_error_out_of_memory:
        return CS_E_NOMEM;
    case json_error_stack_overflow:
        return CS_E_NESTING;
    case json_error_invalid_utf8:
        return CS_E_ENCODING;
    case json_error_premature_end_of_input:
        return CS_E_TRUNCATED;
    case json_error_end_of_input_expected:
        return CS_E_TRAILING;
    case json_error_duplicate_key:
        return CS_E_DUPLICATE;
    case json_error_numeric_overflow:
        return CS_E_RANGE;
    default:
        return CS_E_SYNTAX;
    }
}

static bool key_is(const char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

/* "oid:iid" with each part 1..5 decimal digits in 0..65535. */
static cs_err parse_objlnk(const char *s, size_t len, cs_value *out)
{
    const char *colon = memchr(s, ':', len);
    if (colon == NULL)
        return CS_E_SYNTAX;
    size_t parts[2] = { (size_t)(colon - s), len - (size_t)(colon - s) - 1 };
    const char *starts[2] = { s, colon + 1 };
    uint16_t ids[2];
    for (int k = 0; k < 2; k++) {
        uint64_t v;
        if (parts[k] == 0 || parts[k] > 5)
            return CS_E_SYNTAX;
        cs_err err = cs_codec_parse_uint64(starts[k], parts[k], &v);
        if (err != CS_OK)
            return err;
        if (v > 65535)
            return CS_E_RANGE;
        ids[k] = (uint16_t)v;
    }
    *out = cs_value_objlnk(ids[0], ids[1]);
    return CS_OK;
}

/*
 * Append the IDs of the relative name `n` ("6/0") to `path`.  Empty parts,
 * leading zeros, a leading or trailing slash and more than four IDs in
 * all are CS_E_PATH.
 */
static cs_err append_relative(cs_path *path, const char *n, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && n[end] != '/')
            end++;
        uint64_t id;
        if (path->len == 4 || end == pos || end - pos > 5 ||
            (n[pos] == '0' && end - pos > 1) ||
            cs_codec_parse_uint64(n + pos, end - pos, &id) != CS_OK ||
            id > CS_ID_MAX)
            return CS_E_PATH;
        path->ids[path->len++] = (uint16_t)id;
        if (end < len && end + 1 == len)
            return CS_E_PATH;          /* trailing slash */
        pos = end + 1;
    }
    return CS_OK;
}

/* The path an entry names, from the base (bn or target) and its n. */
static cs_err resolve_name(const cs_path *base, bool has_bn, const json_t *n,
                           cs_path *out)
{
    *out = *base;
    if (n == NULL)
        return CS_OK;
    const char *s = json_string_value(n);
    size_t len = json_string_length(n);
    if (len > 0 && s[0] == '/') {
        if (has_bn)
            return CS_E_PATH;
        return cs_path_parse(s, len, out);
    }
    return append_relative(out, s, len);
}

/* Base64 text of an "sv" to an opaque record. */
static cs_err add_opaque(cs_records *out, const cs_path *path, const char *s,
                         size_t len, bool has_time, double time)
{
    uint8_t stack[OMA_JSON_STACK_BYTES];
    size_t cap = len / 4 * 3 + 3;
    uint8_t *bytes = cap <= sizeof stack ? stack : malloc(cap);
    if (bytes == NULL)
        return CS_E_NOMEM;
    size_t n = 0;
    cs_err err = cs_base64_decode(s, len, CS_BASE64_STANDARD, bytes, cap, &n);
    if (err == CS_OK) {
        cs_value v = cs_value_opaque(bytes, n);
        err = has_time ? cs_records_add_timed(out, path, &v, time)
                       : cs_records_add(out, path, &v);
    }
    if (bytes != stack)
        free(bytes);
    return err;
}

/* What one entry of "e" holds, before it becomes a record. */
struct entry {
    const json_t *n;
    const json_t *t;
    const json_t *value;
    const char *value_key;   /* "v", "bv", "ov" or "sv" */
};

/* Sort the members of an entry object; refuse unknown keys, values of the
 * wrong JSON type, and anything but exactly one value. */
static cs_err read_entry(json_t *obj, struct entry *e)
{
    static const char *const value_keys[] = { "v", "bv", "ov", "sv" };
    memset(e, 0, sizeof *e);
    if (!json_is_object(obj))
        return CS_E_SYNTAX;
    size_t values = 0;
    for (void *it = json_object_iter(obj); it != NULL;
         it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        const json_t *val = json_object_iter_value(it);
        if (key_is(key, klen, "n")) {
            if (!json_is_string(val))
                return CS_E_TYPE;
            e->n = val;
            continue;
        }
        if (key_is(key, klen, "t")) {
            if (!json_is_number(val))
                return CS_E_TYPE;
            e->t = val;
            continue;
        }
        size_t k;
        for (k = 0; k < 4; k++)
            if (key_is(key, klen, value_keys[k]))
                break;
        if (k == 4)
            return CS_E_SYNTAX;
        bool right_type = k == 0   ? json_is_number(val)
                          : k == 1 ? json_is_boolean(val)
                                   : json_is_string(val);
        if (!right_type)
            return CS_E_TYPE;
        e->value = val;
        e->value_key = value_keys[k];
        values++;
    }
    return values == 1 ? CS_OK : CS_E_SYNTAX;
}

/* Turn an entry into a record, typed by its value key and, for strings,
 * by the resource definition (Opaque is base64, Corelnk is text). */
static cs_err add_entry(const struct entry *e, const cs_path *path,
                        const cs_registry *reg, bool has_time, double time,
                        cs_records *out)
{
    const json_t *val = e->value;
    cs_value v;
    cs_err err = CS_OK;
    switch (e->value_key[0]) {
    case 'v':
        v = json_is_integer(val)
                ? cs_value_integer((int64_t)json_integer_value(val))
                : cs_value_float(json_real_value(val));
        break;
    case 'b':
        v = cs_value_boolean(json_is_true(val));
        break;
    case 'o':
        err = parse_objlnk(json_string_value(val), json_string_length(val), &v);
        break;
    default: {
        const char *s = json_string_value(val);
        size_t len = json_string_length(val);
        const cs_resource_def *def = cs_codec_resource(reg, path);
        if (def != NULL && def->type == CS_TYPE_OPAQUE)
            return add_opaque(out, path, s, len, has_time, time);
        v = def != NULL && def->type == CS_TYPE_CORELNK
                ? cs_value_corelnk(s, len)
                : cs_value_string(s, len);
        break;
    }
    }
    if (err != CS_OK)
        return err;
    return has_time ? cs_records_add_timed(out, path, &v, time)
                    : cs_records_add(out, path, &v);
}

/* Everything under the root object once jansson has parsed it. */
static cs_err decode_root(json_t *root, const cs_path *target,
                          const cs_registry *reg, cs_records *out)
{
    if (!json_is_object(root))
        return CS_E_SYNTAX;
    const json_t *bn = NULL, *bt = NULL;
    json_t *entries = NULL;
    for (void *it = json_object_iter(root); it != NULL;
         it = json_object_iter_next(root, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        json_t *val = json_object_iter_value(it);
        if (key_is(key, klen, "bn")) {
            if (!json_is_string(val))
                return CS_E_TYPE;
            bn = val;
        } else if (key_is(key, klen, "bt")) {
            if (!json_is_number(val))
                return CS_E_TYPE;
            bt = val;
        } else if (key_is(key, klen, "e")) {
            if (!json_is_array(val))
                return CS_E_TYPE;
            entries = val;
        } else {
            return CS_E_SYNTAX;
        }
    }
    if (entries == NULL)
        return CS_E_SYNTAX;

    cs_path base = *target;
    bool has_bn = bn != NULL && json_string_length(bn) > 0;
    if (has_bn) {
        cs_err err = cs_path_parse(json_string_value(bn),
                                   json_string_length(bn), &base);
        if (err != CS_OK)
            return err;
    }
    double base_time = bt ? json_number_value(bt) : 0;

    size_t count = json_array_size(entries);
    for (size_t i = 0; i < count; i++) {
        struct entry e;
        cs_path path;
        cs_err err = read_entry(json_array_get(entries, i), &e);
        if (err == CS_OK)
            err = resolve_name(&base, has_bn, e.n, &path);
        if (err == CS_OK && path.len < CS_LEVEL_RESOURCE)
            err = CS_E_PATH;
        if (err == CS_OK) {
            bool has_time = bt != NULL || e.t != NULL;
            double time = base_time + (e.t ? json_number_value(e.t) : 0);
            err = add_entry(&e, &path, reg, has_time, time, out);
        }
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

cs_err cs_oma_json_decode(const cs_path *target, const uint8_t *data,
                          size_t len, const cs_registry *reg, cs_records *out)
{
    if (len > OMA_JSON_MAX_INPUT)
        return CS_E_TOO_LARGE;
    size_t max_records = out->max_records ? out->max_records
                                          : CS_RECORDS_DEFAULT_MAX;
    cs_err err = prescan(data, len, max_records);
    if (err != CS_OK)
        return err;
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, len,
                              JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (root == NULL)
        return jansson_error(&jerr);
    err = decode_root(root, target, reg, out);
    json_decref(root);
    return err;
}

/* ---- Encoding ---------------------------------------------------------- */

#define APPEND_LITERAL(out, s) cs_buf_append((out), (s), sizeof(s) - 1)

/* A JSON string body: '"', '\' and control characters escaped. */
static cs_err append_escaped(cs_buf *out, const uint8_t *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;   /* start of the bytes not yet written */
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        cs_err err = cs_buf_append(out, s + run, i - run);
        if (err != CS_OK)
            return err;
        char esc[6] = { '\\', (char)c, 0, 0, 0, 0 };
        size_t n = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        err = cs_buf_append(out, esc, n);
        if (err != CS_OK)
            return err;
        run = i + 1;
    }
    return cs_buf_append(out, s + run, len - run);
}

static cs_err append_base64(cs_buf *out, const uint8_t *data, size_t len)
{
    char chunk[4 * 64 + 1];
    while (len > 0) {
        size_t take = len > 3 * 64 ? 3 * 64 : len;
        size_t n;
        cs_err err = cs_base64_encode(data, take, CS_BASE64_STANDARD, chunk,
                                      sizeof chunk, &n);
        if (err == CS_OK)
            err = cs_buf_append(out, chunk, n);
        if (err != CS_OK)
            return err;
        data += take;
        len -= take;
    }
    return CS_OK;
}

/* A double as a JSON number that jansson reads back as a real. */
static cs_err append_real(cs_buf *out, double f)
{
    char num[CS_CODEC_NUMBER_MAX + 2];
    int n = cs_codec_format_double(f, num, sizeof num);
    if (n < 0)
        return CS_E_NOT_ACCEPTABLE;
    if (strpbrk(num, ".eE") == NULL) {
        memcpy(num + n, ".0", 2);
        n += 2;
    }
    return cs_buf_append(out, num, (size_t)n);
}

/* An unsigned value: as an integer while jansson's json_int_t holds it,
 * beyond that as a real when the double is exact, else not expressible. */
static cs_err append_unsigned(cs_buf *out, uint64_t u)
{
    char num[CS_CODEC_NUMBER_MAX];
    if (u <= (uint64_t)INT64_MAX) {
        int n = cs_codec_format_uint64(u, num, sizeof num);
        return n < 0 ? CS_E_INTERNAL : cs_buf_append(out, num, (size_t)n);
    }
    double f = (double)u;
    if (f >= 18446744073709551616.0 || (uint64_t)f != u)
        return CS_E_NOT_ACCEPTABLE;
    return append_real(out, f);
}

/* The value part of an entry: ,"v":1 / ,"bv":true / ,"ov":"3:0" / ,"sv":"" */
static cs_err append_value(cs_buf *out, const cs_value *v)
{
    char num[CS_CODEC_NUMBER_MAX];
    int n;
    cs_err err;
    switch (v->type) {
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        if (!cs_codec_utf8_valid(v->v.bytes.data, v->v.bytes.len))
            return CS_E_NOT_ACCEPTABLE;
        err = APPEND_LITERAL(out, ",\"sv\":\"");
        if (err == CS_OK)
            err = append_escaped(out, v->v.bytes.data, v->v.bytes.len);
        return err == CS_OK ? cs_buf_append_byte(out, '"') : err;
    case CS_TYPE_OPAQUE:
        err = APPEND_LITERAL(out, ",\"sv\":\"");
        if (err == CS_OK)
            err = append_base64(out, v->v.bytes.data, v->v.bytes.len);
        return err == CS_OK ? cs_buf_append_byte(out, '"') : err;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        n = cs_codec_format_int64(v->v.i, num, sizeof num);
        err = APPEND_LITERAL(out, ",\"v\":");
        return err == CS_OK ? cs_buf_append(out, num, (size_t)n) : err;
    case CS_TYPE_UNSIGNED:
        err = APPEND_LITERAL(out, ",\"v\":");
        return err == CS_OK ? append_unsigned(out, v->v.u) : err;
    case CS_TYPE_FLOAT:
        if (!isfinite(v->v.f))
            return CS_E_NOT_ACCEPTABLE;
        err = APPEND_LITERAL(out, ",\"v\":");
        return err == CS_OK ? append_real(out, v->v.f) : err;
    case CS_TYPE_BOOLEAN:
        return v->v.b ? APPEND_LITERAL(out, ",\"bv\":true")
                      : APPEND_LITERAL(out, ",\"bv\":false");
    case CS_TYPE_OBJLNK:
        n = snprintf(num, sizeof num, ",\"ov\":\"%u:%u\"",
                     (unsigned)v->v.lnk.oid, (unsigned)v->v.lnk.iid);
        return cs_buf_append(out, num, (size_t)n);
    case CS_TYPE_NONE:
        break;
    }
    return CS_E_INTERNAL;
}

/* {"n":"6/0" for the IDs of `path` after the first `from`. */
static cs_err append_name(cs_buf *out, const cs_path *path, size_t from)
{
    char name[CS_PATH_TEXT_MAX + 8];
    size_t n = 0;
    memcpy(name, "{\"n\":\"", 6);
    n = 6;
    for (size_t i = from; i < path->len; i++) {
        int w = snprintf(name + n, sizeof name - n, i > from ? "/%u" : "%u",
                         (unsigned)path->ids[i]);
        if (w < 0 || (size_t)w >= sizeof name - n)
            return CS_E_INTERNAL;
        n += (size_t)w;
    }
    name[n++] = '"';
    return cs_buf_append(out, name, n);
}

static cs_err append_entry(cs_buf *out, const cs_record *rec, size_t from,
                           bool first)
{
    cs_err err = first ? CS_OK : cs_buf_append_byte(out, ',');
    if (err == CS_OK)
        err = append_name(out, &rec->path, from);
    if (err == CS_OK)
        err = append_value(out, &rec->value);
    if (err == CS_OK && rec->has_time) {
        if (!isfinite(rec->time))
            return CS_E_NOT_ACCEPTABLE;
        char num[CS_CODEC_NUMBER_MAX];
        int n = cs_codec_format_double(rec->time, num, sizeof num);
        err = APPEND_LITERAL(out, ",\"t\":");
        if (err == CS_OK)
            err = cs_buf_append(out, num, (size_t)n);
    }
    return err == CS_OK ? cs_buf_append_byte(out, '}') : err;
}

cs_err cs_oma_json_encode(const cs_path *target, const cs_records *in,
                          const cs_registry *reg, cs_buf *out)
{
    (void)reg;
    cs_path base = *target;
    if (base.len > CS_LEVEL_INSTANCE)
        base.len = CS_LEVEL_INSTANCE;
    char bn[CS_PATH_TEXT_MAX + 1];
    int bn_len = cs_path_format(&base, bn, sizeof bn);
    if (bn_len < 0)
        return CS_E_INTERNAL;
    if (base.len > 0)
        bn[bn_len++] = '/';

    cs_err err = APPEND_LITERAL(out, "{\"bn\":\"");
    if (err == CS_OK)
        err = cs_buf_append(out, bn, (size_t)bn_len);
    if (err == CS_OK)
        err = APPEND_LITERAL(out, "\",\"e\":[");
    bool first = true;
    for (size_t i = 0; err == CS_OK && i < in->count; i++) {
        const cs_record *rec = &in->items[i];
        if (!cs_path_has_prefix(&rec->path, target))
            return CS_E_INVALID_ARG;
        if (rec->value.type == CS_TYPE_NONE)
            continue;           /* an empty container: nothing to write */
        if (rec->path.len < CS_LEVEL_RESOURCE)
            return CS_E_INVALID_ARG;
        err = append_entry(out, rec, base.len, first);
        first = false;
    }
    return err == CS_OK ? APPEND_LITERAL(out, "]}") : err;
}
