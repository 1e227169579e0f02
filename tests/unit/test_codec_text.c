/*
 * test_codec_text.c - text/plain (0) and application/octet-stream (42):
 * the Appendix C text forms of every data type (known answers from the
 * TS), canonical encoding, round trips both ways, the targets each format
 * accepts, and malformed input of every kind (bad numbers, ranges, UTF-8,
 * base64, object links, Execute resources, definitions of another type).
 */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#define TEXT CS_FORMAT_TEXT
#define OPAQUE CS_FORMAT_OPAQUE

/* ---- A test object with one resource of every type --------------------- */

#define TEST_OID 1000

static const cs_resource_def test_resources[] = {
    TEST_RES(0, CS_TYPE_INTEGER, false),
    TEST_RES(1, CS_TYPE_UNSIGNED, false),
    TEST_RES(2, CS_TYPE_FLOAT, false),
    TEST_RES(3, CS_TYPE_BOOLEAN, false),
    TEST_RES(4, CS_TYPE_STRING, false),
    TEST_RES(5, CS_TYPE_OPAQUE, false),
    TEST_RES(6, CS_TYPE_TIME, false),
    TEST_RES(7, CS_TYPE_OBJLNK, false),
    TEST_RES(8, CS_TYPE_CORELNK, false),
    { .id = 9, .name = "exec", .type = CS_TYPE_NONE,
      .operations = CS_OP_EXECUTE, .multiple = false },
    TEST_RES(10, CS_TYPE_INTEGER, true),
    TEST_RES(11, CS_TYPE_OPAQUE, true),
};

static const cs_object_def test_object = {
    .id = TEST_OID, .name = "Test", .version = "1.0", .multiple = true,
    .mandatory = false, .resources = test_resources,
    .resource_count = sizeof test_resources / sizeof test_resources[0]
};

static cs_registry *test_reg;

static int setup_registry(void **state)
{
    (void)state;
    test_reg = test_registry_of(&test_object);
    return 0;
}

static int teardown_registry(void **state)
{
    (void)state;
    cs_registry_free(test_reg);
    return 0;
}

/* ---- Helpers ----------------------------------------------------------- */

/* Decode `len` bytes; fail the test unless CS_OK and exactly one record
 * naming the target comes out.  Returns its value (valid while rs lives). */
static cs_value decode_one(uint16_t format, const char *target,
                           const void *data, size_t len,
                           const cs_registry *reg, cs_records *rs)
{
    cs_path t = test_path(target);
    cs_records_init(rs);
    cs_err err = cs_decode(format, &t, data, len, reg, rs);
    if (err != CS_OK)
        fail_msg("decode of %zu bytes for %s: %d (%s)", len, target, err,
                 cs_strerror(err));
    assert_int_equal(rs->count, 1);
    assert_int_equal(cs_path_compare(&rs->items[0].path, &t), 0);
    assert_false(rs->items[0].has_time);
    return rs->items[0].value;
}

static cs_value decode_text(const char *target, const char *text,
                            const cs_registry *reg, cs_records *rs)
{
    return decode_one(TEXT, target, text, strlen(text), reg, rs);
}

static void expect_fail(uint16_t format, const char *target, const void *data,
                        size_t len, const cs_registry *reg, cs_err want)
{
    cs_path t = test_path(target);
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_decode(format, &t, data, len, reg, &rs);
    if (err != want)
        fail_msg("decode for %s: expected %d (%s), got %d (%s)", target, want,
                 cs_strerror(want), err, cs_strerror(err));
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);
}

static void text_fails(const char *target, const char *text,
                       const cs_registry *reg, cs_err want)
{
    expect_fail(TEXT, target, text, strlen(text), reg, want);
}

/* Encode one record (path = target) and compare with `want` exactly. */
static void encode_expect(uint16_t format, const char *target,
                          const cs_value *v, const cs_registry *reg,
                          const void *want, size_t want_len)
{
    cs_path t = test_path(target);
    cs_records rs;
    cs_records_init(&rs);
    assert_int_equal(cs_records_add(&rs, &t, v), CS_OK);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    cs_err err = cs_encode(format, &t, &rs, reg, &out);
    if (err != CS_OK)
        fail_msg("encode for %s: %d (%s)", target, err, cs_strerror(err));
    if (out.len != want_len || (want_len > 0 && memcmp(out.data, want, want_len) != 0))
        fail_msg("encode for %s: got \"%.*s\" (%zu bytes)", target,
                 (int)out.len, out.data ? (const char *)out.data : "",
                 out.len);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

static void encode_text_expect(const char *target, cs_value v,
                               const char *want)
{
    encode_expect(TEXT, target, &v, test_reg, want, strlen(want));
}

/* Encode a record list and expect `want`; the buffer must keep its old
 * content. */
static void encode_fails(uint16_t format, const char *target,
                         const cs_records *rs, const cs_registry *reg,
                         cs_err want)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    assert_int_equal(cs_buf_append(&out, "keep", 4), CS_OK);
    cs_err err = cs_encode(format, &t, rs, reg, &out);
    if (err != want)
        fail_msg("encode for %s: expected %d (%s), got %d (%s)", target, want,
                 cs_strerror(want), err, cs_strerror(err));
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "keep", 4);
    cs_buf_free(&out);
}

static void encode_one_fails(uint16_t format, const char *target,
                             const char *record_path, cs_value v,
                             const cs_registry *reg, cs_err want)
{
    cs_records rs;
    cs_records_init(&rs);
    cs_path p = test_path(record_path);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    encode_fails(format, target, &rs, reg, want);
    cs_records_free(&rs);
}

/* encode(decode(text)) == text. */
static void text_round_trip(const char *target, const char *text,
                            const cs_registry *reg)
{
    cs_records rs;
    decode_text(target, text, reg, &rs);
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    assert_int_equal(cs_encode(TEXT, &t, &rs, reg, &out), CS_OK);
    if (out.len != strlen(text) || (out.len > 0 && memcmp(out.data, text, out.len) != 0))
        fail_msg("round trip of \"%s\" for %s gave \"%.*s\"", text, target,
                 (int)out.len, out.data ? (const char *)out.data : "");
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* decode(encode(v)) == v, for `format`. */
static void value_round_trip(uint16_t format, const char *target, cs_value v,
                             const cs_registry *reg)
{
    cs_path t = test_path(target);
    cs_records in, back;
    cs_records_init(&in);
    cs_records_init(&back);
    assert_int_equal(cs_records_add(&in, &t, &v), CS_OK);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    assert_int_equal(cs_encode(format, &t, &in, reg, &out), CS_OK);
    cs_err err = cs_decode(format, &t, out.data, out.len, reg, &back);
    if (err != CS_OK)
        fail_msg("re-decode for %s of \"%.*s\": %s", target, (int)out.len,
                 out.data ? (const char *)out.data : "", cs_strerror(err));
    assert_records_equal(&in, &back);
    cs_buf_free(&out);
    cs_records_free(&in);
    cs_records_free(&back);
}

#define T(res) "/1000/0/" #res

/* ---- text/plain: decoding known answers -------------------------------- */

static void test_text_decode_string(void **state)
{
    (void)state;
    cs_records rs;
    /* TS 6.4.1: Read /3/0/0 returns the manufacturer as plain text. */
    cs_value v = decode_text("/3/0/0", "Open Mobile Alliance",
                             cs_registry_standard(), &rs);
    cs_value want = cs_value_string("Open Mobile Alliance", 20);
    assert_true(cs_value_equal(&v, &want));
    cs_records_free(&rs);

    /* UTF-8 at every sequence length, including the extremes. */
    static const char utf8[] = "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"
                               "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf \xc3\xa9";
    v = decode_text(T(4), utf8, test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_STRING);
    assert_int_equal(v.v.bytes.len, sizeof utf8 - 1);
    assert_memory_equal(v.v.bytes.data, utf8, sizeof utf8 - 1);
    cs_records_free(&rs);

    /* The empty string, and a NUL inside (valid UTF-8). */
    v = decode_text(T(4), "", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_STRING);
    assert_int_equal(v.v.bytes.len, 0);
    cs_records_free(&rs);
    v = decode_one(TEXT, T(4), "a\0b", 3, test_reg, &rs);
    assert_int_equal(v.v.bytes.len, 3);
    cs_records_free(&rs);
}

static void test_text_decode_numbers(void **state)
{
    (void)state;
    cs_records rs;
    cs_value v;

    /* Appendix C: -750 is "-750". */
    v = decode_text(T(0), "-750", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_INTEGER);
    assert_true(v.v.i == -750);
    cs_records_free(&rs);
    v = decode_text(T(0), "-9223372036854775808", test_reg, &rs);
    assert_true(v.v.i == INT64_MIN);
    cs_records_free(&rs);
    v = decode_text(T(0), "9223372036854775807", test_reg, &rs);
    assert_true(v.v.i == INT64_MAX);
    cs_records_free(&rs);
    /* Leading zeros are decimal, not octal. */
    v = decode_text(T(0), "010", test_reg, &rs);
    assert_true(v.v.i == 10);
    cs_records_free(&rs);

    v = decode_text(T(1), "18446744073709551615", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_UNSIGNED);
    assert_true(v.v.u == UINT64_MAX);
    cs_records_free(&rs);

    /* Appendix C: 6.667e-11 as "0.00000000006667". */
    v = decode_text(T(2), "0.00000000006667", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_FLOAT);
    assert_true(v.v.f == 6.667e-11);
    cs_records_free(&rs);
    /* Integer-looking text and exponents are floats too. */
    v = decode_text(T(2), "42", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_FLOAT);
    assert_true(v.v.f == 42.0);
    cs_records_free(&rs);
    v = decode_text(T(2), "-1.5E3", test_reg, &rs);
    assert_true(v.v.f == -1500.0);
    cs_records_free(&rs);

    /* Appendix C: Time 1476186613 as "1476186613". */
    v = decode_text("/3/0/13", "1476186613", cs_registry_standard(), &rs);
    assert_int_equal(v.type, CS_TYPE_TIME);
    assert_true(v.v.i == 1476186613);
    cs_records_free(&rs);
    v = decode_text(T(6), "-1", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_TIME);
    assert_true(v.v.i == -1);
    cs_records_free(&rs);

    /* An Integer resource of the standard registry, within its range. */
    v = decode_text("/3/0/9", "100", cs_registry_standard(), &rs);
    assert_int_equal(v.type, CS_TYPE_INTEGER);
    assert_true(v.v.i == 100);
    cs_records_free(&rs);
    /* A resource instance of a multiple resource. */
    v = decode_text("/3/0/11/3", "32", cs_registry_standard(), &rs);
    assert_true(v.v.i == 32);
    cs_records_free(&rs);
}

static void test_text_decode_other_types(void **state)
{
    (void)state;
    cs_records rs;
    cs_value v;

    v = decode_text(T(3), "1", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_BOOLEAN);
    assert_true(v.v.b);
    cs_records_free(&rs);
    v = decode_text(T(3), "0", test_reg, &rs);
    assert_false(v.v.b);
    cs_records_free(&rs);

    /* Appendix C: 01 02 03 04 05 is "AQIDBAU=". */
    v = decode_text(T(5), "AQIDBAU=", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    assert_int_equal(v.v.bytes.len, 5);
    assert_memory_equal(v.v.bytes.data, "\x01\x02\x03\x04\x05", 5);
    cs_records_free(&rs);
    v = decode_text(T(5), "", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    assert_int_equal(v.v.bytes.len, 0);
    cs_records_free(&rs);
    v = decode_text("/0/0/5", "AAECAwQFBgcICQoLDA0ODw==",
                    cs_registry_standard(), &rs);
    assert_int_equal(v.v.bytes.len, 16);
    assert_memory_equal(v.v.bytes.data,
                        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
                        "\x0c\x0d\x0e\x0f", 16);
    cs_records_free(&rs);

    v = decode_text(T(7), "66:0", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_OBJLNK);
    assert_int_equal(v.v.lnk.oid, 66);
    assert_int_equal(v.v.lnk.iid, 0);
    cs_records_free(&rs);
    v = decode_text(T(7), "65535:65535", test_reg, &rs);   /* null link */
    assert_int_equal(v.v.lnk.oid, 65535);
    assert_int_equal(v.v.lnk.iid, 65535);
    cs_records_free(&rs);

    v = decode_text(T(8), "</1/0>;ssid=1", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_CORELNK);
    assert_int_equal(v.v.bytes.len, 13);
    cs_records_free(&rs);
}

static void test_text_decode_unknown_is_string(void **state)
{
    (void)state;
    cs_records rs;
    /* A resource the registry lacks, an object it lacks, no registry. */
    cs_value v = decode_text(T(77), "12", test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_STRING);
    assert_memory_equal(v.v.bytes.data, "12", 2);
    cs_records_free(&rs);
    v = decode_text("/65000/0/0", "x", cs_registry_standard(), &rs);
    assert_int_equal(v.type, CS_TYPE_STRING);
    cs_records_free(&rs);
    v = decode_text("/3/0/9", "100", NULL, &rs);
    assert_int_equal(v.type, CS_TYPE_STRING);
    cs_records_free(&rs);
    /* Unknown still means valid UTF-8. */
    text_fails(T(77), "\xff", test_reg, CS_E_ENCODING);
}

/* ---- text/plain: malformed input --------------------------------------- */

static void test_text_bad_numbers(void **state)
{
    (void)state;
    static const char *const not_integers[] = {
        "", "-", "+5", " 5", "5 ", "5\n", "1.5", "1e3", "0x10", "abc", "--1",
        "5-", "\xd9\xa1" /* Arabic-Indic one */
    };
    for (size_t i = 0; i < sizeof not_integers / sizeof *not_integers; i++) {
        text_fails(T(0), not_integers[i], test_reg, CS_E_SYNTAX);
        text_fails(T(6), not_integers[i], test_reg, CS_E_SYNTAX);
    }
    text_fails(T(0), "9223372036854775808", test_reg, CS_E_RANGE);
    text_fails(T(0), "-9223372036854775809", test_reg, CS_E_RANGE);
    text_fails(T(0), "123456789012345678901234", test_reg, CS_E_RANGE);

    text_fails(T(1), "-1", test_reg, CS_E_SYNTAX);
    text_fails(T(1), "-0", test_reg, CS_E_SYNTAX);
    text_fails(T(1), "18446744073709551616", test_reg, CS_E_RANGE);

    static const char *const not_floats[] = {
        "", "inf", "-inf", "nan", "NaN", ".5", "1.", "+1", "0x1p3", "1e",
        "1e+", " 1", "1 ", "1,5", "01"
    };
    for (size_t i = 0; i < sizeof not_floats / sizeof *not_floats; i++)
        text_fails(T(2), not_floats[i], test_reg, CS_E_SYNTAX);
    text_fails(T(2), "1e400", test_reg, CS_E_RANGE);

    static const char *const not_booleans[] = { "", "2", "00", "01", "true",
                                                "false", " 1", "1 ", "-0" };
    for (size_t i = 0; i < sizeof not_booleans / sizeof *not_booleans; i++)
        text_fails(T(3), not_booleans[i], test_reg, CS_E_SYNTAX);

    /* Out of the resource's range: the definition is checked after. */
    text_fails("/3/0/9", "101", cs_registry_standard(), CS_E_RANGE);
    text_fails("/3/0/9", "-1", cs_registry_standard(), CS_E_RANGE);
    text_fails("/1/0/0", "0", cs_registry_standard(), CS_E_RANGE);
}

static void test_text_bad_objlnk(void **state)
{
    (void)state;
    static const char *const syntax[] = { "", "1", "1:", ":1", ":", "1:2:3",
                                          "a:b", "1:-1", "-1:1", " 1:1",
                                          "1:1 ", "+1:1", "1:0x1", "123456:1" };
    for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
        text_fails(T(7), syntax[i], test_reg, CS_E_SYNTAX);
    text_fails(T(7), "65536:0", test_reg, CS_E_RANGE);
    text_fails(T(7), "0:99999", test_reg, CS_E_RANGE);
}

static void test_text_bad_utf8_and_base64(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\x80",             /* continuation first */
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong */
        "\xe0\x9f\xbf",     /* overlong 3-byte */
        "\xed\xa0\x80",     /* surrogate */
        "\xf0\x8f\xbf\xbf", /* overlong 4-byte */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xf5\x80\x80\x80",
        "\xe2\x82",         /* truncated */
        "ab\xc3",           /* truncated at the end */
        "\xc3\x28",         /* bad continuation */
        "\xff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        text_fails("/3/0/0", bad[i], cs_registry_standard(), CS_E_ENCODING);
        text_fails(T(8), bad[i], test_reg, CS_E_ENCODING);
    }

    static const char *const bad_base64[] = {
        "A", "AQI", "AQIDBAU", "AQID BAU=", "AQIDBA==U", "AQ=DBAU=",
        "AQIDBAU-", "AQIDBA_=", "====", "AQIDBAU=\n", "*QID"
    };
    for (size_t i = 0; i < sizeof bad_base64 / sizeof *bad_base64; i++)
        text_fails(T(5), bad_base64[i], test_reg, CS_E_ENCODING);
}

static void test_text_bad_targets(void **state)
{
    (void)state;
    const cs_registry *std = cs_registry_standard();
    /* A single value cannot stand for an object or instance. */
    text_fails("/", "1", std, CS_E_NESTING);
    text_fails("/3", "1", std, CS_E_NESTING);
    text_fails("/3/0", "1", std, CS_E_NESTING);
    /* A multiple resource needs its instances; a single one has none. */
    text_fails("/3/0/11", "0", std, CS_E_NESTING);
    text_fails("/3/0/0/0", "x", std, CS_E_NESTING);
    /* Execute resources have no value. */
    text_fails("/3/0/4", "", std, CS_E_TYPE);
    text_fails("/3/0/4", "1", std, CS_E_TYPE);
    text_fails(T(9), "x", test_reg, CS_E_TYPE);
}

/* ---- text/plain: encoding ---------------------------------------------- */

static void test_text_encode_known(void **state)
{
    (void)state;
    encode_text_expect("/3/0/0", cs_value_string("Open Mobile Alliance", 20),
                       "Open Mobile Alliance");
    encode_text_expect(T(4), cs_value_string("", 0), "");
    encode_text_expect(T(0), cs_value_integer(-750), "-750");
    encode_text_expect(T(0), cs_value_integer(INT64_MIN),
                       "-9223372036854775808");
    encode_text_expect(T(1), cs_value_unsigned(UINT64_MAX),
                       "18446744073709551615");
    encode_text_expect(T(2), cs_value_float(6.667e-11), "6.667e-11");
    encode_text_expect(T(2), cs_value_float(0.1), "0.1");
    encode_text_expect(T(2), cs_value_float(1.0), "1");
    encode_text_expect(T(2), cs_value_float(-2.5), "-2.5");
    encode_text_expect(T(2), cs_value_float(1e300), "1e+300");
    encode_text_expect(T(2), cs_value_float(0.30000000000000004),
                       "0.30000000000000004");
    encode_text_expect(T(3), cs_value_boolean(true), "1");
    encode_text_expect(T(3), cs_value_boolean(false), "0");
    encode_text_expect(T(5), cs_value_opaque("\x01\x02\x03\x04\x05", 5),
                       "AQIDBAU=");
    encode_text_expect(T(5), cs_value_opaque("", 0), "");
    encode_text_expect(T(6), cs_value_time(1476186613), "1476186613");
    encode_text_expect(T(7), cs_value_objlnk(66, 0), "66:0");
    encode_text_expect(T(7), cs_value_objlnk(65535, 65535), "65535:65535");
    encode_text_expect(T(8), cs_value_corelnk("</1/0>", 6), "</1/0>");
    /* A resource instance target. */
    encode_text_expect("/3/0/11/0", cs_value_integer(0), "0");
    /* Without a registry the value's own type decides. */
    cs_value v = cs_value_integer(7);
    encode_expect(TEXT, "/3/0/9", &v, NULL, "7", 1);
}

static void test_text_encode_long_opaque(void **state)
{
    (void)state;
    /* Longer than one internal base64 chunk, and not a multiple of 3. */
    uint8_t bytes[1000];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(i * 7 + 3);
    value_round_trip(TEXT, T(5), cs_value_opaque(bytes, sizeof bytes),
                     test_reg);
    value_round_trip(TEXT, T(5), cs_value_opaque(bytes, 193), test_reg);
    value_round_trip(TEXT, T(5), cs_value_opaque(bytes, 192), test_reg);
}

static void test_text_encode_refused(void **state)
{
    (void)state;
    const cs_registry *std = cs_registry_standard();
    /* Not a single record naming a resource target. */
    encode_one_fails(TEXT, "/3/0", "/3/0/0", cs_value_string("a", 1), std,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(TEXT, "/3/0/1", "/3/0/0", cs_value_string("a", 1), std,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(TEXT, "/3/0/11", "/3/0/11", cs_value_none(), std,
                     CS_E_NOT_ACCEPTABLE);
    cs_records rs;
    cs_records_init(&rs);
    cs_path a = test_path("/3/0/0");
    cs_value v = cs_value_string("a", 1);
    assert_int_equal(cs_records_add(&rs, &a, &v), CS_OK);
    assert_int_equal(cs_records_add(&rs, &a, &v), CS_OK);
    encode_fails(TEXT, "/3/0/0", &rs, std, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    encode_fails(TEXT, "/3/0/0", &rs, std, CS_E_NOT_ACCEPTABLE);
    cs_records_free(&rs);

    /* Values text cannot express. */
    encode_one_fails(TEXT, T(2), T(2), cs_value_float(NAN), test_reg,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(TEXT, T(2), T(2), cs_value_float(INFINITY), test_reg,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(TEXT, T(2), T(2), cs_value_float(-INFINITY), test_reg,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(TEXT, T(4), T(4), cs_value_string("\xc0\x80", 2),
                     test_reg, CS_E_NOT_ACCEPTABLE);
}

static void test_text_round_trips(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        const char *text;
    } canonical[] = {
        { T(0), "0" }, { T(0), "-1" }, { T(0), "9223372036854775807" },
        { T(1), "0" }, { T(1), "18446744073709551615" },
        { T(2), "0" }, { T(2), "-0" }, { T(2), "3.14" }, { T(2), "1e-300" },
        { T(2), "1.7976931348623157e+308" },
        { T(2), "123456789" },
        { T(3), "0" }, { T(3), "1" },
        { T(4), "hello, world" }, { T(4), "\xe2\x82\xac 5" },
        { T(5), "AA==" }, { T(5), "AAE=" }, { T(5), "AAEC" },
        { T(5), "/+8=" },
        { T(6), "-5" }, { T(7), "0:0" }, { T(7), "3:65534" },
        { T(8), "</3/0>,</1/0>" }, { T(77), "anything" },
    };
    for (size_t i = 0; i < sizeof canonical / sizeof *canonical; i++)
        text_round_trip(canonical[i].target, canonical[i].text, test_reg);

    value_round_trip(TEXT, T(0), cs_value_integer(INT64_MIN), test_reg);
    value_round_trip(TEXT, T(1), cs_value_unsigned(UINT64_MAX), test_reg);
    value_round_trip(TEXT, T(2), cs_value_float(0.1), test_reg);
    value_round_trip(TEXT, T(2), cs_value_float(-0.0), test_reg);
    value_round_trip(TEXT, T(2), cs_value_float(2.2250738585072014e-308),
                     test_reg);
    value_round_trip(TEXT, T(2), cs_value_float(1.0 / 3.0), test_reg);
    value_round_trip(TEXT, T(3), cs_value_boolean(true), test_reg);
    value_round_trip(TEXT, T(4), cs_value_string("x\0y", 3), test_reg);
    value_round_trip(TEXT, T(6), cs_value_time(-62135596800), test_reg);
    value_round_trip(TEXT, T(7), cs_value_objlnk(65535, 65535), test_reg);
    value_round_trip(TEXT, T(8), cs_value_corelnk("</>", 3), test_reg);
    value_round_trip(TEXT, T(10) "/7", cs_value_integer(-3), test_reg);
    value_round_trip(TEXT, T(11) "/0", cs_value_opaque("\xff\x00", 2),
                     test_reg);
}

/* ---- application/octet-stream ------------------------------------------ */

static void test_opaque_decode(void **state)
{
    (void)state;
    cs_records rs;
    uint8_t all[256];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)i;

    /* Security "Secret Key": the bytes as they are. */
    cs_value v = decode_one(OPAQUE, "/0/0/5", all, sizeof all,
                            cs_registry_standard(), &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    assert_int_equal(v.v.bytes.len, 256);
    assert_memory_equal(v.v.bytes.data, all, 256);
    cs_records_free(&rs);

    v = decode_one(OPAQUE, T(5), "", 0, test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    assert_int_equal(v.v.bytes.len, 0);
    cs_records_free(&rs);

    v = decode_one(OPAQUE, T(11) "/4", "\x00", 1, test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    cs_records_free(&rs);

    /* Unknown resources and objects take the bytes as opaque. */
    v = decode_one(OPAQUE, T(77), "ab", 2, test_reg, &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    cs_records_free(&rs);
    v = decode_one(OPAQUE, "/65000/1/2/3", "\xff", 1, cs_registry_standard(),
                   &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    cs_records_free(&rs);
    v = decode_one(OPAQUE, "/3/0/0", "x", 1, NULL, &rs);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    cs_records_free(&rs);
}

static void test_opaque_decode_refused(void **state)
{
    (void)state;
    const cs_registry *std = cs_registry_standard();
    /* Resources of another type. */
    expect_fail(OPAQUE, "/3/0/0", "x", 1, std, CS_E_TYPE);
    expect_fail(OPAQUE, "/3/0/9", "\x01", 1, std, CS_E_TYPE);
    expect_fail(OPAQUE, T(4), "x", 1, test_reg, CS_E_TYPE);
    expect_fail(OPAQUE, "/3/0/4", "", 0, std, CS_E_TYPE);
    /* Targets that are not a resource. */
    expect_fail(OPAQUE, "/", "x", 1, std, CS_E_NESTING);
    expect_fail(OPAQUE, "/0", "x", 1, std, CS_E_NESTING);
    expect_fail(OPAQUE, "/0/0", "x", 1, std, CS_E_NESTING);
    /* Single resource written with an instance, multiple without. */
    expect_fail(OPAQUE, "/0/0/5/0", "x", 1, std, CS_E_NESTING);
    expect_fail(OPAQUE, T(11), "x", 1, test_reg, CS_E_NESTING);
    /* Length range of the definition (SMS Binding Key Parameters: 6). */
    expect_fail(OPAQUE, "/0/0/7", "12345", 5, std, CS_E_RANGE);
}

static void test_opaque_encode(void **state)
{
    (void)state;
    uint8_t all[256];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)(255 - i);
    cs_value v = cs_value_opaque(all, sizeof all);
    encode_expect(OPAQUE, "/0/0/5", &v, cs_registry_standard(), all,
                  sizeof all);
    v = cs_value_opaque("", 0);
    encode_expect(OPAQUE, T(5), &v, test_reg, "", 0);
    v = cs_value_opaque("\x01", 1);
    encode_expect(OPAQUE, "/65000/0/0", &v, cs_registry_standard(), "\x01", 1);
    encode_expect(OPAQUE, "/3/0/0", &v, NULL, "\x01", 1);

    value_round_trip(OPAQUE, "/0/0/3", cs_value_opaque(all, 256),
                     cs_registry_standard());
    value_round_trip(OPAQUE, T(77), cs_value_opaque("", 0), test_reg);

    /* encode(decode(x)) == x for arbitrary bytes. */
    cs_records rs;
    decode_one(OPAQUE, "/0/1/4", all, sizeof all, cs_registry_standard(),
               &rs);
    cs_path t = test_path("/0/1/4");
    cs_buf out;
    cs_buf_init(&out, 1024);
    assert_int_equal(cs_encode(OPAQUE, &t, &rs, cs_registry_standard(), &out),
                     CS_OK);
    assert_int_equal(out.len, sizeof all);
    assert_memory_equal(out.data, all, sizeof all);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

static void test_opaque_encode_refused(void **state)
{
    (void)state;
    const cs_registry *std = cs_registry_standard();
    /* Only Opaque values, and not for a resource of another type. */
    encode_one_fails(OPAQUE, "/3/0/0", "/3/0/0", cs_value_string("x", 1), std,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(OPAQUE, "/3/0/0", "/3/0/0", cs_value_opaque("x", 1), std,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(OPAQUE, T(0), T(0), cs_value_integer(1), test_reg,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(OPAQUE, T(77), T(77), cs_value_integer(1), test_reg,
                     CS_E_NOT_ACCEPTABLE);
    /* Shapes a single value cannot have. */
    encode_one_fails(OPAQUE, "/0/0", "/0/0/5", cs_value_opaque("x", 1), std,
                     CS_E_NOT_ACCEPTABLE);
    encode_one_fails(OPAQUE, "/0/0/4", "/0/0/5", cs_value_opaque("x", 1), std,
                     CS_E_NOT_ACCEPTABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_decode_string),
        cmocka_unit_test(test_text_decode_numbers),
        cmocka_unit_test(test_text_decode_other_types),
        cmocka_unit_test(test_text_decode_unknown_is_string),
        cmocka_unit_test(test_text_bad_numbers),
        cmocka_unit_test(test_text_bad_objlnk),
        cmocka_unit_test(test_text_bad_utf8_and_base64),
        cmocka_unit_test(test_text_bad_targets),
        cmocka_unit_test(test_text_encode_known),
        cmocka_unit_test(test_text_encode_long_opaque),
        cmocka_unit_test(test_text_encode_refused),
        cmocka_unit_test(test_text_round_trips),
        cmocka_unit_test(test_opaque_decode),
        cmocka_unit_test(test_opaque_decode_refused),
        cmocka_unit_test(test_opaque_encode),
        cmocka_unit_test(test_opaque_encode_refused),
    };
    return cmocka_run_group_tests(tests, setup_registry, teardown_registry);
}
