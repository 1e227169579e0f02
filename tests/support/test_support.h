/*
 * test_support.h - what every cmocka unit test includes: cmocka itself and
 * small helpers for hex input and record comparison.
 */
#ifndef CELLSTRAP_TEST_SUPPORT_H
#define CELLSTRAP_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cellstrap/codec.h"
#include "cellstrap/model.h"

/* Parse hex digits (spaces ignored) into out; returns the byte count.
 * Fails the test on odd digits or overflow. */
static inline size_t test_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int d = 0;
        if (*p == ' ' || *p == '\n')
            continue;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            fail_msg("bad hex digit '%c'", *p);
        if (hi < 0) {
            hi = d;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | d);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

/* Parse a path literal; fails the test when it is not one. */
static inline cs_path test_path(const char *text)
{
    cs_path p;
    assert_int_equal(cs_path_parse(text, strlen(text), &p), CS_OK);
    return p;
}

/* Fail with both paths printed unless a and b hold the same records in the
 * same order. */
static inline void assert_records_equal(const cs_records *a,
                                        const cs_records *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        char pa[CS_PATH_TEXT_MAX], pb[CS_PATH_TEXT_MAX];
        cs_path_format(&a->items[i].path, pa, sizeof pa);
        cs_path_format(&b->items[i].path, pb, sizeof pb);
        if (cs_path_compare(&a->items[i].path, &b->items[i].path) != 0)
            fail_msg("record %zu: path %s != %s", i, pa, pb);
        if (!cs_value_equal(&a->items[i].value, &b->items[i].value))
            fail_msg("record %zu (%s): values differ (%s vs %s)", i, pa,
                     cs_type_name(a->items[i].value.type),
                     cs_type_name(b->items[i].value.type));
    }
}

/* Decode and expect `err`; the list must be left empty on error. */
static inline void assert_decode_fails(uint16_t format, const char *target,
                                       const uint8_t *data, size_t len,
                                       cs_err err)
{
    cs_records rs;
    cs_records_init(&rs);
    cs_path t = test_path(target);
    cs_err got = cs_decode(format, &t, data, len, cs_registry_standard(), &rs);
    if (got != err)
        fail_msg("decode: expected %d (%s), got %d (%s)", err,
                 cs_strerror(err), got, cs_strerror(got));
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);
}

/* A resource definition for a test object: read-write, optional. */
#define TEST_RES(id_, type_, multiple_)                                      \
    { .id = (id_), .name = "r" #id_, .type = (type_),                        \
      .operations = CS_OP_RW, .multiple = (multiple_), .mandatory = false,   \
      .has_range = false, .min = 0, .max = 0 }

/* A registry holding just `obj` (free with cs_registry_free). */
static inline cs_registry *test_registry_of(const cs_object_def *obj)
{
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    assert_int_equal(cs_registry_add(reg, obj), CS_OK);
    return reg;
}

#endif
