/*
 * number.c - strict text <-> number conversions shared by the text-based
 * formats (plain text, link format, JSON).  Strict means: the whole input
 * is the number, no whitespace, no hex, no inf or nan, no locale.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"

cs_err cs_codec_parse_uint64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20)
        return len == 0 ? CS_E_SYNTAX : CS_E_RANGE;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CS_E_SYNTAX;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return CS_E_RANGE;
        v = v * 10 + d;
    }
    *out = v;
    return CS_OK;
}

cs_err cs_codec_parse_int64(const char *s, size_t len, int64_t *out)
{
    bool negative = len > 0 && s[0] == '-';
    uint64_t mag;
    if (negative) {
        s++;
        len--;
    }
    cs_err err = cs_codec_parse_uint64(s, len, &mag);
    if (err != CS_OK)
        return err;
    if (negative) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return CS_E_RANGE;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return CS_E_RANGE;
        *out = (int64_t)mag;
    }
    return CS_OK;
}

/* JSON number grammar (RFC 8259 §6): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i >= len || s[i] < '0' || s[i] > '9')
        return false;
    if (s[i] == '0')
        i++;
    else
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return false;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return false;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == len;
}

cs_err cs_codec_parse_double(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || !is_json_number(s, len))
        return len >= sizeof buf ? CS_E_RANGE : CS_E_SYNTAX;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + len)
        return CS_E_SYNTAX;
    if (errno == ERANGE && isinf(v))
        return CS_E_RANGE;
    *out = v;
    return CS_OK;
}

int cs_codec_format_double(double v, char *buf, size_t cap)
{
    if (!isfinite(v) || cap < CS_CODEC_NUMBER_MAX)
        return -1;
    /* The shortest of %.15g .. %.17g that reads back as the same double. */
    for (int precision = 15; precision <= 17; precision++) {
        int n = snprintf(buf, cap, "%.*g", precision, v);
        if (n < 0 || (size_t)n >= cap)
            return -1;
        if (strtod(buf, NULL) == v)
            return n;
    }
    return -1;
}

int cs_codec_format_int64(int64_t v, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%lld", (long long)v);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int cs_codec_format_uint64(uint64_t v, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%llu", (unsigned long long)v);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
