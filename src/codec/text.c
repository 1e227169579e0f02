/*
 * text.c - text/plain (content format 0): one resource value as text.
 *
 * The payload is the whole value, with no framing, so the type comes from
 * the object definition (LwM2M Core Appendix C "Text Format" column):
 * strings as UTF-8, numbers in decimal, booleans as "0" or "1", object
 * links as "oid:iid", opaque values in standard base64 (RFC 4648 §4).
 * A resource the registry does not know is taken as a String.
 *
 * Only a resource or resource instance can be carried.  Decoding a text
 * payload for an object or instance fails with CS_E_NESTING (4.00, as
 * Leshan answers: a single value cannot stand where a container is
 * expected); encoding one fails with CS_E_NOT_ACCEPTABLE (4.06).  An
 * Execute resource has no value, so text for it is CS_E_TYPE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "crypto/crypto.h"

/* Decoded opaque values up to this size are built on the stack. */
#define TEXT_STACK_BYTES 256

/* A 16-bit ID of an object link: 1 to 5 decimal digits, 0..65535. */
static cs_err parse_link_id(const char *s, size_t len, uint16_t *out)
{
    uint64_t v;
    if (len == 0 || len > 5)
        return CS_E_SYNTAX;
    cs_err err = cs_codec_parse_uint64(s, len, &v);
    if (err != CS_OK)
        return err;
    if (v > 65535)
        return CS_E_RANGE;
    *out = (uint16_t)v;
    return CS_OK;
}

/* "oid:iid", each 0..65535 (65535:65535 is the null link). */
static cs_err parse_objlnk(const char *s, size_t len, cs_value *out)
{
    const char *colon = memchr(s, ':', len);
    if (colon == NULL)
        return CS_E_SYNTAX;
    size_t left = (size_t)(colon - s);
    uint16_t oid, iid;
    cs_err err = parse_link_id(s, left, &oid);
    if (err == CS_OK)
        err = parse_link_id(colon + 1, len - left - 1, &iid);
    if (err != CS_OK)
        return err;
    *out = cs_value_objlnk(oid, iid);
    return CS_OK;
}

/* Base64 text to an opaque record. */
static cs_err add_opaque_record(const cs_path *path, const char *s, size_t len,
                                cs_records *out)
{
    uint8_t stack[TEXT_STACK_BYTES];
    size_t cap = len / 4 * 3 + 3;
    uint8_t *bytes = cap <= sizeof stack ? stack : malloc(cap);
    if (bytes == NULL)
        return CS_E_NOMEM;
    size_t n = 0;
    cs_err err = cs_base64_decode(s, len, CS_BASE64_STANDARD, bytes, cap, &n);
    if (err == CS_OK) {
        cs_value v = cs_value_opaque(bytes, n);
        err = cs_records_add(out, path, &v);
    }
    if (bytes != stack)
        free(bytes);
    return err;
}

/* Parse `len` chars as a value of `type`. */
static cs_err parse_typed(cs_type type, const char *s, size_t len,
                          cs_value *v)
{
    cs_err err = CS_OK;
    switch (type) {
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        if (!cs_codec_utf8_valid((const uint8_t *)s, len))
            return CS_E_ENCODING;
        *v = type == CS_TYPE_STRING ? cs_value_string(s, len)
                                    : cs_value_corelnk(s, len);
        return CS_OK;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME: {
        int64_t i = 0;
        err = cs_codec_parse_int64(s, len, &i);
        *v = type == CS_TYPE_INTEGER ? cs_value_integer(i) : cs_value_time(i);
        return err;
    }
    case CS_TYPE_UNSIGNED: {
        uint64_t u = 0;
        err = cs_codec_parse_uint64(s, len, &u);
        *v = cs_value_unsigned(u);
        return err;
    }
    case CS_TYPE_FLOAT: {
        double f = 0;
        err = cs_codec_parse_double(s, len, &f);
        *v = cs_value_float(f);
        return err;
    }
    case CS_TYPE_BOOLEAN:
        if (len != 1 || (s[0] != '0' && s[0] != '1'))
            return CS_E_SYNTAX;
        *v = cs_value_boolean(s[0] == '1');
        return CS_OK;
    case CS_TYPE_OBJLNK:
        return parse_objlnk(s, len, v);
    case CS_TYPE_NONE:
    case CS_TYPE_OPAQUE:   /* handled by the caller */
        break;
    }
    return CS_E_TYPE;
}

cs_err cs_text_decode(const cs_path *target, const uint8_t *data, size_t len,
                      const cs_registry *reg, cs_records *out)
{
    if (target->len < CS_LEVEL_RESOURCE)
        return CS_E_NESTING;
    const cs_resource_def *def = cs_codec_resource(reg, target);
    cs_type type = def ? def->type : CS_TYPE_STRING;
    const char *s = (const char *)data;
    if (type == CS_TYPE_OPAQUE)
        return add_opaque_record(target, s, len, out);
    cs_value v;
    cs_err err = parse_typed(type, s, len, &v);
    if (err != CS_OK)
        return err;
    return cs_records_add(out, target, &v);
}

/* Append `len` bytes of base64 for `data`, a few dozen bytes at a time. */
static cs_err append_base64(const uint8_t *data, size_t len, cs_buf *out)
{
    char chunk[4 * 64 + 1];
    while (len > 0) {
        size_t take = len > 3 * 64 ? 3 * 64 : len;   /* a multiple of 3 */
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

cs_err cs_text_encode(const cs_path *target, const cs_records *in,
                      const cs_registry *reg, cs_buf *out)
{
    (void)reg;
    const cs_record *rec;
    cs_err err = cs_codec_single_record(target, in, &rec);
    if (err != CS_OK)
        return err;
    const cs_value *v = &rec->value;
    char num[CS_CODEC_NUMBER_MAX];
    int n = -1;
    switch (v->type) {
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        /* text/plain is UTF-8; other bytes cannot be expressed. */
        if (!cs_codec_utf8_valid(v->v.bytes.data, v->v.bytes.len))
            return CS_E_NOT_ACCEPTABLE;
        return cs_buf_append(out, v->v.bytes.data, v->v.bytes.len);
    case CS_TYPE_OPAQUE:
        return append_base64(v->v.bytes.data, v->v.bytes.len, out);
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        n = cs_codec_format_int64(v->v.i, num, sizeof num);
        break;
    case CS_TYPE_UNSIGNED:
        n = cs_codec_format_uint64(v->v.u, num, sizeof num);
        break;
    case CS_TYPE_FLOAT:
        n = cs_codec_format_double(v->v.f, num, sizeof num);
        if (n < 0)
            return CS_E_NOT_ACCEPTABLE;   /* NaN and infinities */
        break;
    case CS_TYPE_BOOLEAN:
        return cs_buf_append_byte(out, v->v.b ? '1' : '0');
    case CS_TYPE_OBJLNK:
        n = snprintf(num, sizeof num, "%u:%u", (unsigned)v->v.lnk.oid,
                     (unsigned)v->v.lnk.iid);
        break;
    case CS_TYPE_NONE:
        return CS_E_NOT_ACCEPTABLE;
    }
    if (n < 0)
        return CS_E_INTERNAL;
    return cs_buf_append(out, num, (size_t)n);
}
