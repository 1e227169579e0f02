/*
 * value.c - LwM2M values: constructors, lossless conversion between
 * numeric types, equality.
 */
#include <math.h>
#include <string.h>

#include "cellstrap/model.h"

const char *cs_type_name(cs_type type)
{
    switch (type) {
    case CS_TYPE_NONE: return "none";
    case CS_TYPE_STRING: return "String";
    case CS_TYPE_INTEGER: return "Integer";
    case CS_TYPE_UNSIGNED: return "Unsigned Integer";
    case CS_TYPE_FLOAT: return "Float";
    case CS_TYPE_BOOLEAN: return "Boolean";
    case CS_TYPE_OPAQUE: return "Opaque";
    case CS_TYPE_TIME: return "Time";
    case CS_TYPE_OBJLNK: return "Objlnk";
    case CS_TYPE_CORELNK: return "Corelnk";
    }
    return "unknown";
}

cs_value cs_value_none(void)
{
    cs_value v;
    memset(&v, 0, sizeof v);
    v.type = CS_TYPE_NONE;
    return v;
}

static cs_value bytes_value(cs_type type, const void *data, size_t len)
{
    cs_value v = cs_value_none();
    v.type = type;
    v.v.bytes.data = data;
    v.v.bytes.len = len;
    return v;
}

cs_value cs_value_string(const char *s, size_t len)
{
    return bytes_value(CS_TYPE_STRING, s, len);
}

cs_value cs_value_opaque(const void *data, size_t len)
{
    return bytes_value(CS_TYPE_OPAQUE, data, len);
}

cs_value cs_value_corelnk(const char *s, size_t len)
{
    return bytes_value(CS_TYPE_CORELNK, s, len);
}

cs_value cs_value_integer(int64_t i)
{
    cs_value v = cs_value_none();
    v.type = CS_TYPE_INTEGER;
    v.v.i = i;
    return v;
}

cs_value cs_value_unsigned(uint64_t u)
{
    cs_value v = cs_value_none();
    v.type = CS_TYPE_UNSIGNED;
    v.v.u = u;
    return v;
}

cs_value cs_value_float(double f)
{
    cs_value v = cs_value_none();
    v.type = CS_TYPE_FLOAT;
    v.v.f = f;
    return v;
}

cs_value cs_value_boolean(bool b)
{
    cs_value v = cs_value_none();
    v.type = CS_TYPE_BOOLEAN;
    v.v.b = b;
    return v;
}

cs_value cs_value_time(int64_t t)
{
    cs_value v = cs_value_none();
    v.type = CS_TYPE_TIME;
    v.v.i = t;
    return v;
}

cs_value cs_value_objlnk(uint16_t oid, uint16_t iid)
{
    cs_value v = cs_value_none();
    v.type = CS_TYPE_OBJLNK;
    v.v.lnk.oid = oid;
    v.v.lnk.iid = iid;
    return v;
}

static bool is_signed_kind(cs_type t)
{
    return t == CS_TYPE_INTEGER || t == CS_TYPE_TIME;
}

static bool is_numeric(cs_type t)
{
    return is_signed_kind(t) || t == CS_TYPE_UNSIGNED || t == CS_TYPE_FLOAT;
}

/* 2^63 as a double: the first value no int64_t holds. */
#define TWO_POW_63 9223372036854775808.0

static cs_err float_to_integer(double f, cs_value *value, cs_type to)
{
    if (isnan(f) || f != floor(f))
        return CS_E_TYPE;
    if (to == CS_TYPE_UNSIGNED) {
        if (f < 0 || f >= 2 * TWO_POW_63)
            return CS_E_RANGE;
        value->v.u = (uint64_t)f;
    } else {
        if (f < -TWO_POW_63 || f >= TWO_POW_63)
            return CS_E_RANGE;
        value->v.i = (int64_t)f;
    }
    value->type = to;
    return CS_OK;
}

/* An integer converts to a double only when the double holds it exactly. */
static cs_err integer_to_float(cs_value *value)
{
    double f;
    if (value->type == CS_TYPE_UNSIGNED) {
        f = (double)value->v.u;
        if (f >= 2 * TWO_POW_63 || (uint64_t)f != value->v.u)
            return CS_E_RANGE;
    } else {
        f = (double)value->v.i;
        if (f >= TWO_POW_63 || (int64_t)f != value->v.i)
            return CS_E_RANGE;
    }
    value->type = CS_TYPE_FLOAT;
    value->v.f = f;
    return CS_OK;
}

cs_err cs_value_convert(cs_value *value, cs_type to)
{
    cs_type from = value->type;
    if (from == to)
        return CS_OK;
    if ((from == CS_TYPE_STRING && to == CS_TYPE_CORELNK) ||
        (from == CS_TYPE_CORELNK && to == CS_TYPE_STRING)) {
        value->type = to;
        return CS_OK;
    }
    if (!is_numeric(from) || !is_numeric(to))
        return CS_E_TYPE;
    if (from == CS_TYPE_FLOAT)
        return float_to_integer(value->v.f, value, to);
    if (to == CS_TYPE_FLOAT)
        return integer_to_float(value);
    if (is_signed_kind(from) && is_signed_kind(to)) {
        value->type = to;
        return CS_OK;
    }
    if (from == CS_TYPE_UNSIGNED) {            /* to INTEGER or TIME */
        if (value->v.u > (uint64_t)INT64_MAX)
            return CS_E_RANGE;
        value->v.i = (int64_t)value->v.u;
    } else {                                   /* signed to UNSIGNED */
        if (value->v.i < 0)
            return CS_E_RANGE;
        value->v.u = (uint64_t)value->v.i;
    }
    value->type = to;
    return CS_OK;
}

bool cs_value_equal(const cs_value *a, const cs_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case CS_TYPE_NONE:
        return true;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        return a->v.i == b->v.i;
    case CS_TYPE_UNSIGNED:
        return a->v.u == b->v.u;
    case CS_TYPE_FLOAT:
        if (isnan(a->v.f) && isnan(b->v.f))
            return true;
        return memcmp(&a->v.f, &b->v.f, sizeof a->v.f) == 0;
    case CS_TYPE_BOOLEAN:
        return a->v.b == b->v.b;
    case CS_TYPE_OBJLNK:
        return a->v.lnk.oid == b->v.lnk.oid && a->v.lnk.iid == b->v.lnk.iid;
    case CS_TYPE_STRING:
    case CS_TYPE_OPAQUE:
    case CS_TYPE_CORELNK:
        return a->v.bytes.len == b->v.bytes.len &&
               (a->v.bytes.len == 0 ||
                memcmp(a->v.bytes.data, b->v.bytes.data, a->v.bytes.len) == 0);
    }
    return false;
}
