/*
 * senml.c - SenML (RFC 8428) semantics shared by the SenML JSON and SenML
 * CBOR codecs: resolving a parsed record against the pack's base fields
 * into an LwM2M record, and naming records when encoding.  The decisions
 * are listed in senml.h.
 */
#include <math.h>
#include <string.h>

#include "senml.h"

void cs_senml_pack_init(cs_senml_pack *pack, cs_records *out, bool paths_only)
{
    memset(pack, 0, sizeof *pack);
    pack->paths_only = paths_only;
    pack->out = out;
}

void cs_senml_record_init(cs_senml_record *rec)
{
    memset(rec, 0, sizeof *rec);
}

cs_err cs_senml_record_mark(cs_senml_record *rec, unsigned field)
{
    if (rec->fields & field)
        return CS_E_DUPLICATE;
    if ((field & CS_SENML_VALUE_FIELDS) &&
        (rec->fields & CS_SENML_VALUE_FIELDS))
        return CS_E_SYNTAX;
    rec->fields |= field;
    return CS_OK;
}

bool cs_senml_label_is_mandatory(const char *label, size_t len)
{
    return len > 0 && label[len - 1] == '_';
}

bool cs_senml_is_relative(double time)
{
    return time < 268435456.0;
}

/* ---- Numbers ----------------------------------------------------------- */

/* 2^63 as a double: the first value no int64_t holds. */
#define TWO_POW_63 9223372036854775808.0

static double number_as_double(const cs_value *v)
{
    switch (v->type) {
    case CS_TYPE_UNSIGNED:
        return (double)v->v.u;
    case CS_TYPE_FLOAT:
        return v->v.f;
    default:
        return (double)v->v.i;
    }
}

static bool is_signed_integer(const cs_value *v)
{
    return v->type == CS_TYPE_INTEGER || v->type == CS_TYPE_TIME;
}

/* value = base + value, exactly for two signed integers that do not
 * overflow, else as doubles. */
static cs_err add_base_value(const cs_value *base, cs_value *value)
{
    if (is_signed_integer(base) && is_signed_integer(value)) {
        int64_t sum;
        if (!__builtin_add_overflow(base->v.i, value->v.i, &sum)) {
            value->v.i = sum;
            return CS_OK;
        }
    }
    double f = number_as_double(base) + number_as_double(value);
    if (!isfinite(f))
        return CS_E_RANGE;
    *value = cs_value_float(f);
    return CS_OK;
}

/* ---- Resolving a record ------------------------------------------------ */

static cs_err apply_base_fields(cs_senml_pack *pack,
                                const cs_senml_record *rec)
{
    if (rec->fields & CS_SENML_BN) {
        if (rec->bn_len > sizeof pack->bn)
            return CS_E_PATH;
        if (rec->bn_len > 0)
            memcpy(pack->bn, rec->bn, rec->bn_len);
        pack->bn_len = rec->bn_len;
    }
    if (rec->fields & CS_SENML_BT) {
        pack->bt = number_as_double(&rec->bt);
        pack->has_bt = true;
    }
    if (rec->fields & CS_SENML_BV) {
        pack->bv = rec->bv;
        pack->has_bv = true;
    }
    return CS_OK;
}

/* bn + n, parsed as a path. */
static cs_err resolve_name(const cs_senml_pack *pack,
                           const cs_senml_record *rec, cs_path *path)
{
    char name[2 * CS_SENML_NAME_MAX];
    size_t n_len = (rec->fields & CS_SENML_N) ? rec->n_len : 0;
    if (n_len > CS_SENML_NAME_MAX)
        return CS_E_PATH;
    memcpy(name, pack->bn, pack->bn_len);
    if (n_len > 0)
        memcpy(name + pack->bn_len, rec->n, n_len);
    return cs_path_parse(name, pack->bn_len + n_len, path);
}

cs_err cs_senml_add_record(cs_senml_pack *pack, const cs_senml_record *rec)
{
    cs_err err = apply_base_fields(pack, rec);
    if (err != CS_OK)
        return err;
    cs_path path;
    err = resolve_name(pack, rec, &path);
    if (err != CS_OK)
        return err;

    bool has_value = (rec->fields & CS_SENML_VALUE_FIELDS) != 0;
    if (pack->paths_only) {
        cs_value none = cs_value_none();
        return has_value ? CS_E_SYNTAX
                         : cs_records_add(pack->out, &path, &none);
    }
    if (!has_value)
        return CS_E_SYNTAX;

    cs_value value = rec->value;
    if ((rec->fields & CS_SENML_V) && pack->has_bv) {
        err = add_base_value(&pack->bv, &value);
        if (err != CS_OK)
            return err;
    }
    if (!pack->has_bt && !(rec->fields & CS_SENML_T))
        return cs_records_add(pack->out, &path, &value);
    double time = pack->has_bt ? pack->bt : 0;
    if (rec->fields & CS_SENML_T)
        time += number_as_double(&rec->t);
    if (!isfinite(time))
        return CS_E_RANGE;
    return cs_records_add_timed(pack->out, &path, &value, time);
}

/* ---- Object links ------------------------------------------------------ */

/* A decimal 0..65535, no sign, no leading zero. */
static bool parse_u16(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

cs_err cs_senml_parse_objlnk(const char *s, size_t len, cs_value *out)
{
    const char *colon = memchr(s, ':', len);
    uint16_t oid, iid;
    if (colon == NULL)
        return CS_E_SYNTAX;
    size_t left = (size_t)(colon - s);
    if (!parse_u16(s, left, &oid) ||
        !parse_u16(colon + 1, len - left - 1, &iid))
        return CS_E_SYNTAX;
    *out = cs_value_objlnk(oid, iid);
    return CS_OK;
}

/* Digits of v, most significant first; returns the count. */
static size_t format_u16(unsigned v, char *buf)
{
    char tmp[5];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

size_t cs_senml_format_objlnk(cs_objlnk lnk, char *buf, size_t cap)
{
    if (cap < 12)
        return 0;
    size_t n = format_u16(lnk.oid, buf);
    buf[n++] = ':';
    n += format_u16(lnk.iid, buf + n);
    buf[n] = '\0';
    return n;
}

/* ---- Encoding: names --------------------------------------------------- */

enum { BN_NONE = 0, BN_UNDER_TARGET = 1, BN_TARGET = 2 };

/* The text form of a valid path (cs_path_format without snprintf, which
 * dominated encoding time); buf has CS_PATH_TEXT_MAX bytes. */
static size_t format_path(const cs_path *path, char *buf)
{
    size_t n = 0;
    if (path->len == 0)
        buf[n++] = '/';
    for (unsigned i = 0; i < path->len; i++) {
        buf[n++] = '/';
        n += format_u16(path->ids[i], buf + n);
    }
    return n;
}

void cs_senml_namer_init(cs_senml_namer *namer, const cs_path *target)
{
    namer->target = target;
    namer->target_len = cs_path_is_valid(target)
                            ? format_path(target, namer->target_text)
                            : 0;
    namer->bn_state = BN_NONE;
}

cs_err cs_senml_namer_next(cs_senml_namer *namer, const cs_path *path,
                           cs_senml_names *names)
{
    char text[CS_PATH_TEXT_MAX];
    if (!cs_path_is_valid(path) || !cs_path_is_valid(namer->target) ||
        !cs_path_has_prefix(path, namer->target))
        return CS_E_PATH;
    size_t len = format_path(path, text);
    names->bn = NULL;
    names->n = NULL;
    names->bn_len = names->n_len = 0;

    if (namer->target->len == 0) {         /* root: full names, no bn */
        memcpy(names->n_buf, text, len);
        names->n = names->n_buf;
        names->n_len = len;
        return CS_OK;
    }
    int want = path->len == namer->target->len ? BN_TARGET : BN_UNDER_TARGET;
    if (namer->bn_state != want) {
        memcpy(names->bn_buf, namer->target_text, namer->target_len);
        names->bn_len = namer->target_len;
        if (want == BN_UNDER_TARGET)
            names->bn_buf[names->bn_len++] = '/';
        names->bn = names->bn_buf;
        namer->bn_state = want;
    }
    if (want == BN_UNDER_TARGET) {
        size_t skip = namer->target_len + 1;
        names->n_len = len - skip;
        memcpy(names->n_buf, text + skip, names->n_len);
        names->n = names->n_buf;
    }
    return CS_OK;
}

cs_err cs_senml_record_is_written(const cs_record *rec, bool *written)
{
    if (rec->value.type == CS_TYPE_NONE) {
        *written = false;
        return CS_OK;
    }
    if (rec->path.len < CS_LEVEL_RESOURCE)
        return CS_E_NOT_ACCEPTABLE;
    *written = true;
    return CS_OK;
}

cs_value cs_senml_value_to_write(const cs_registry *reg, const cs_record *rec)
{
    const cs_resource_def *def = cs_codec_resource(reg, &rec->path);
    cs_value v = rec->value;
    if (def == NULL || def->type == CS_TYPE_NONE || v.type == def->type)
        return v;
    return cs_value_convert(&v, def->type) == CS_OK ? v : rec->value;
}
