/*
 * test_codec_senml_json.c - SenML JSON (110): known answers from the LwM2M
 * TS and Leshan's encoder, round trips both ways, SenML semantics (base
 * name, base time, base value, unknown fields), type conversion through
 * the object definitions, and malformed input of every kind.
 */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#include "codec/senml.h"

#define FMT CS_FORMAT_SENML_JSON

/* ---- A test object with the types the standard objects 0/1/3 lack ----- */

static const cs_resource_def test_resources[] = {
    { 0, "Float", CS_TYPE_FLOAT, CS_OP_RW, false, false, false, 0, 0 },
    { 1, "Link", CS_TYPE_CORELNK, CS_OP_RW, false, false, false, 0, 0 },
    { 2, "Unsigned", CS_TYPE_UNSIGNED, CS_OP_RW, false, false, false, 0, 0 },
    { 3, "Opaque", CS_TYPE_OPAQUE, CS_OP_RW, false, false, false, 0, 0 },
    { 4, "Objlnk", CS_TYPE_OBJLNK, CS_OP_RW, false, false, false, 0, 0 },
    { 5, "Boolean", CS_TYPE_BOOLEAN, CS_OP_RW, false, false, false, 0, 0 },
    { 6, "Time", CS_TYPE_TIME, CS_OP_RW, false, false, false, 0, 0 },
    { 7, "String", CS_TYPE_STRING, CS_OP_RW, false, false, false, 0, 0 },
    { 8, "Integers", CS_TYPE_INTEGER, CS_OP_RW, true, false, false, 0, 0 },
};

static const cs_object_def test_object = {
    33000, "Test", "1.0", true, false, test_resources,
    sizeof test_resources / sizeof test_resources[0]
};

static cs_registry *test_registry(void)
{
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    assert_int_equal(cs_registry_add(reg, &test_object), CS_OK);
    return reg;
}

/* ---- Helpers ----------------------------------------------------------- */

static void add(cs_records *rs, const char *path, cs_value v)
{
    cs_path p = test_path(path);
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

static void add_timed(cs_records *rs, const char *path, cs_value v, double t)
{
    cs_path p = test_path(path);
    assert_int_equal(cs_records_add_timed(rs, &p, &v, t), CS_OK);
}

static cs_value str(const char *s)
{
    return cs_value_string(s, strlen(s));
}

static cs_err decode_with(const cs_registry *reg, const char *target,
                          const char *json, cs_records *out)
{
    cs_path t = test_path(target);
    return cs_decode(FMT, &t, (const uint8_t *)json, strlen(json), reg, out);
}

/* Decode with the standard registry; must succeed. */
static void decode_ok(const char *target, const char *json, cs_records *out)
{
    cs_err err = decode_with(cs_registry_standard(), target, json, out);
    if (err != CS_OK)
        fail_msg("decode of %s failed: %s", json, cs_strerror(err));
}

static void fails(const char *target, const char *json, cs_err err)
{
    assert_decode_fails(FMT, target, (const uint8_t *)json, strlen(json),
                        err);
}

/* Encode and compare with the expected text exactly. */
static void assert_encodes_to(const char *target, const cs_records *rs,
                              const cs_registry *reg, const char *want)
{
    cs_buf out;
    cs_buf_init(&out, 1 << 16);
    cs_path t = test_path(target);
    cs_err err = cs_encode(FMT, &t, rs, reg, &out);
    if (err != CS_OK)
        fail_msg("encode failed: %s", cs_strerror(err));
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0)
        fail_msg("encoded\n  %.*s\nexpected\n  %s", (int)out.len,
                 (const char *)out.data, want);
    cs_buf_free(&out);
}

static cs_err encode_err(const char *target, const cs_records *rs)
{
    cs_buf out;
    cs_buf_init(&out, 1 << 16);
    cs_path t = test_path(target);
    cs_err err = cs_encode(FMT, &t, rs, NULL, &out);
    cs_buf_free(&out);
    return err;
}

/* decode(text) == records, and encode(records) == text. */
static void assert_round_trip(const cs_registry *reg, const char *target,
                              const cs_records *rs, const char *text)
{
    cs_records got;
    cs_records_init(&got);
    assert_encodes_to(target, rs, reg, text);
    cs_err err = decode_with(reg, target, text, &got);
    if (err != CS_OK)
        fail_msg("decode of %s failed: %s", text, cs_strerror(err));
    assert_records_equal(&got, rs);
    for (size_t i = 0; i < rs->count; i++) {
        assert_int_equal(got.items[i].has_time, rs->items[i].has_time);
        if (rs->items[i].has_time)
            assert_true(got.items[i].time == rs->items[i].time);
    }
    cs_records_free(&got);
}

/* The Device instance of Leshan's senml_json_encode_device_object_instance
 * test (without Power Source Current, with Current Time as a Time). */
static void device_records(cs_records *rs)
{
    add(rs, "/3/0/0", str("Open Mobile Alliance"));
    add(rs, "/3/0/1", str("Lightweight M2M Client"));
    add(rs, "/3/0/2", str("345000123"));
    add(rs, "/3/0/3", str("1.0"));
    add(rs, "/3/0/6/0", cs_value_integer(1));
    add(rs, "/3/0/6/1", cs_value_integer(5));
    add(rs, "/3/0/7/0", cs_value_integer(3800));
    add(rs, "/3/0/7/1", cs_value_integer(5000));
    add(rs, "/3/0/9", cs_value_integer(100));
    add(rs, "/3/0/10", cs_value_integer(15));
    add(rs, "/3/0/11/0", cs_value_integer(0));
    add(rs, "/3/0/13", cs_value_time(1367491215));
    add(rs, "/3/0/14", str("+02:00"));
    add(rs, "/3/0/16", str("U"));
}

/* Checked with python3: json.loads() of this text gives the 14 records
 * with the names and values above, bn applying to all. */
static const char device_json[] =
    "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},"
    "{\"n\":\"1\",\"vs\":\"Lightweight M2M Client\"},"
    "{\"n\":\"2\",\"vs\":\"345000123\"},"
    "{\"n\":\"3\",\"vs\":\"1.0\"},"
    "{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},"
    "{\"n\":\"7/0\",\"v\":3800},{\"n\":\"7/1\",\"v\":5000},"
    "{\"n\":\"9\",\"v\":100},{\"n\":\"10\",\"v\":15},"
    "{\"n\":\"11/0\",\"v\":0},{\"n\":\"13\",\"v\":1367491215},"
    "{\"n\":\"14\",\"vs\":\"+02:00\"},{\"n\":\"16\",\"vs\":\"U\"}]";

/* ---- Known answers ----------------------------------------------------- */

/* The Send example of the LwM2M 1.1 TS, decoded for the root.  Objects 4
 * and 6 are left to the format's natural types (no registry). */
static void test_send_example(void **state)
{
    (void)state;
    const char *json = "[{\"n\":\"/6/0/0\",\"v\":43.61092},"
                       "{\"n\":\"/6/0/1\",\"v\":3.87723},"
                       "{\"n\":\"/4/0/2\",\"v\":-49}]";
    cs_records got, want;
    cs_records_init(&got);
    cs_records_init(&want);
    assert_int_equal(decode_with(NULL, "/", json, &got), CS_OK);
    add(&want, "/4/0/2", cs_value_integer(-49));         /* sorted */
    add(&want, "/6/0/0", cs_value_float(43.61092));
    add(&want, "/6/0/1", cs_value_float(3.87723));
    assert_records_equal(&got, &want);
    assert_false(got.items[0].has_time);
    /* Encoding for the root gives full names without bn, as in the TS. */
    assert_encodes_to("/", &want, NULL,
                      "[{\"n\":\"/4/0/2\",\"v\":-49},"
                      "{\"n\":\"/6/0/0\",\"v\":43.61092},"
                      "{\"n\":\"/6/0/1\",\"v\":3.87723}]");
    cs_records_free(&got);
    cs_records_free(&want);
}

/* Leshan's expected output for a Device instance read, byte for byte. */
static void test_device_instance_read(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    device_records(&rs);
    assert_round_trip(cs_registry_standard(), "/3/0", &rs, device_json);
    cs_records_free(&rs);
}

/* Every prefix of a valid pack is a truncated pack. */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    for (size_t len = 0; len < sizeof device_json - 1; len++)
        assert_decode_fails(FMT, "/3/0", (const uint8_t *)device_json, len,
                            CS_E_TRUNCATED);
}

/* Names for each target shape, as Leshan writes them. */
static void test_names_per_target(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);

    add(&rs, "/3/0/0", str("Open Mobile Alliance"));
    assert_round_trip(cs_registry_standard(), "/3/0/0", &rs,
                      "[{\"bn\":\"/3/0/0\",\"vs\":\"Open Mobile Alliance\"}]");
    cs_records_clear(&rs);

    add(&rs, "/3/0/7/0", cs_value_integer(3800));
    add(&rs, "/3/0/7/1", cs_value_integer(5000));
    assert_round_trip(cs_registry_standard(), "/3/0/7", &rs,
                      "[{\"bn\":\"/3/0/7/\",\"n\":\"0\",\"v\":3800},"
                      "{\"n\":\"1\",\"v\":5000}]");
    cs_records_clear(&rs);

    add(&rs, "/3/0/7/1", cs_value_integer(5000));
    assert_round_trip(cs_registry_standard(), "/3/0/7/1", &rs,
                      "[{\"bn\":\"/3/0/7/1\",\"v\":5000}]");
    cs_records_clear(&rs);

    add(&rs, "/1/0/1", cs_value_integer(86400));
    add(&rs, "/1/1/1", cs_value_integer(300));
    assert_round_trip(cs_registry_standard(), "/1", &rs,
                      "[{\"bn\":\"/1/\",\"n\":\"0/1\",\"v\":86400},"
                      "{\"n\":\"1/1\",\"v\":300}]");
    assert_round_trip(cs_registry_standard(), "/", &rs,
                      "[{\"n\":\"/1/0/1\",\"v\":86400},"
                      "{\"n\":\"/1/1/1\",\"v\":300}]");
    cs_records_free(&rs);
}

/* Every value type, and floats that must stay floats. */
static void test_value_types(void **state)
{
    (void)state;
    static const uint8_t opaque[] = { 0xAB, 0xCD, 0xEF, 0xFB, 0xFF };
    cs_registry *reg = test_registry();
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/33000/0/0", cs_value_float(22.5));
    add(&rs, "/33000/0/1", cs_value_corelnk("</3/0>", 6));
    add(&rs, "/33000/0/2", cs_value_unsigned(UINT64_MAX));
    add(&rs, "/33000/0/3", cs_value_opaque(opaque, sizeof opaque));
    add(&rs, "/33000/0/4", cs_value_objlnk(3, 0));
    add(&rs, "/33000/0/5", cs_value_boolean(true));
    add(&rs, "/33000/0/6", cs_value_time(-1));
    add(&rs, "/33000/0/7", cs_value_string("", 0));
    add(&rs, "/33000/0/8/0", cs_value_integer(INT64_MIN));
    add(&rs, "/33000/0/8/1", cs_value_integer(INT64_MAX));
    add(&rs, "/33000/1/0", cs_value_float(3.0));
    add(&rs, "/33000/1/3", cs_value_opaque(NULL, 0));
    add(&rs, "/33000/1/4", cs_value_objlnk(65535, 65535));
    add(&rs, "/33000/1/5", cs_value_boolean(false));
    add(&rs, "/33000/2/0", cs_value_float(-0.0));
    add(&rs, "/33000/3/0", cs_value_float(1e300));
    add(&rs, "/33000/4/0", cs_value_float(0.1));
    assert_round_trip(reg, "/33000", &rs,
        "[{\"bn\":\"/33000/\",\"n\":\"0/0\",\"v\":22.5},"
        "{\"n\":\"0/1\",\"vs\":\"</3/0>\"},"
        "{\"n\":\"0/2\",\"v\":18446744073709551615},"
        "{\"n\":\"0/3\",\"vd\":\"q83v-_8\"},"
        "{\"n\":\"0/4\",\"vlo\":\"3:0\"},"
        "{\"n\":\"0/5\",\"vb\":true},"
        "{\"n\":\"0/6\",\"v\":-1},"
        "{\"n\":\"0/7\",\"vs\":\"\"},"
        "{\"n\":\"0/8/0\",\"v\":-9223372036854775808},"
        "{\"n\":\"0/8/1\",\"v\":9223372036854775807},"
        "{\"n\":\"1/0\",\"v\":3.0},"
        "{\"n\":\"1/3\",\"vd\":\"\"},"
        "{\"n\":\"1/4\",\"vlo\":\"65535:65535\"},"
        "{\"n\":\"1/5\",\"vb\":false},"
        "{\"n\":\"2/0\",\"v\":-0.0},"
        "{\"n\":\"3/0\",\"v\":1e+300},"
        "{\"n\":\"4/0\",\"v\":0.1}]");
    /* Without a registry the same text gives the format's own types:
     * floats stay floats because they are written with a fraction. */
    cs_records got;
    cs_records_init(&got);
    assert_int_equal(decode_with(NULL, "/33000", "[{\"n\":\"/33000/1/0\","
                                 "\"v\":3.0},{\"n\":\"/33000/1/1\",\"v\":3}]",
                                 &got), CS_OK);
    assert_int_equal(got.items[0].value.type, CS_TYPE_FLOAT);
    assert_int_equal(got.items[1].value.type, CS_TYPE_INTEGER);
    cs_records_free(&got);
    cs_records_free(&rs);
    cs_registry_free(reg);
}

/* Numbers are written as the resource's type when that loses nothing, so
 * a strict peer reads a Float resource from a float. */
static void test_encode_as_defined(void **state)
{
    (void)state;
    cs_registry *reg = test_registry();
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/33000/0/0", cs_value_integer(5));
    add(&rs, "/33000/0/2", cs_value_float(7.0));
    add(&rs, "/33000/0/6", cs_value_float(2.5));     /* Time: kept */
    add(&rs, "/33000/0/7", cs_value_corelnk("<1>", 3));
    assert_encodes_to("/33000/0", &rs, reg,
                      "[{\"bn\":\"/33000/0/\",\"n\":\"0\",\"v\":5.0},"
                      "{\"n\":\"2\",\"v\":7},{\"n\":\"6\",\"v\":2.5},"
                      "{\"n\":\"7\",\"vs\":\"<1>\"}]");
    assert_encodes_to("/33000/0", &rs, NULL,
                      "[{\"bn\":\"/33000/0/\",\"n\":\"0\",\"v\":5},"
                      "{\"n\":\"2\",\"v\":7.0},{\"n\":\"6\",\"v\":2.5},"
                      "{\"n\":\"7\",\"vs\":\"<1>\"}]");
    cs_records_free(&rs);
    cs_registry_free(reg);
}

/* Strings: escapes written and read, UTF-8 kept as is. */
static void test_string_escapes(void **state)
{
    (void)state;
    const char text[] = "a\"b\\c/\n\t\x01\x1f\x7f\xc3\xa9\xf0\x9f\x98\x80";
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/14", cs_value_string(text, sizeof text - 1));
    assert_round_trip(cs_registry_standard(), "/3/0/14", &rs,
                      "[{\"bn\":\"/3/0/14\",\"vs\":\"a\\\"b\\\\c/\\n\\t"
                      "\\u0001\\u001f\x7f\xc3\xa9\xf0\x9f\x98\x80\"}]");
    /* The same string through every escape form JSON has. */
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0/14", "[{\"bn\":\"/3/0/14\",\"vs\":\"\\u0061\\\"b\\\\c"
              "\\/\\n\\t\\u0001\\u001F\\u007f\\u00e9\\ud83d\\ude00\"}]",
              &got);
    assert_records_equal(&got, &rs);
    cs_records_clear(&got);
    /* Escaped keys and names are the same keys and names. */
    decode_ok("/3/0/14", "[{\"\\u0062n\":\"\\/3\\/0\\/14\",\"v\\u0073\":"
              "\"a\\\"b\\\\c/\\n\\t\\u0001\\u001f\x7f\xc3\xa9\xf0\x9f\x98\x80"
              "\"}]", &got);
    assert_records_equal(&got, &rs);
    cs_records_free(&got);
    cs_records_free(&rs);
}

/* ---- SenML semantics --------------------------------------------------- */

/* bn applies until the next bn; n alone may carry the full path. */
static void test_base_name(void **state)
{
    (void)state;
    cs_records got, want;
    cs_records_init(&got);
    cs_records_init(&want);
    decode_ok("/", "[{\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":90},"
                   "{\"n\":\"10\",\"v\":10},"
                   "{\"bn\":\"/1/0/1\",\"v\":60},"
                   "{\"bn\":\"/1/\",\"n\":\"1/1\",\"v\":61},"
                   "{\"bn\":\"\",\"n\":\"/3/0/0\",\"vs\":\"m\"}]", &got);
    add(&want, "/1/0/1", cs_value_integer(60));
    add(&want, "/1/1/1", cs_value_integer(61));
    add(&want, "/3/0/0", str("m"));
    add(&want, "/3/0/9", cs_value_integer(90));
    add(&want, "/3/0/10", cs_value_integer(10));
    assert_records_equal(&got, &want);
    cs_records_clear(&got);
    /* Anjay's style: bn without a trailing slash, n with a leading one. */
    decode_ok("/3/0", "[{\"bn\":\"/3/0\",\"n\":\"/9\",\"v\":90},"
                      "{\"n\":\"/10\",\"v\":10}]", &got);
    assert_int_equal(got.count, 2);
    assert_records_equal(&got, &(cs_records){ .items = want.items + 3,
                                              .count = 2 });
    cs_records_free(&got);
    cs_records_free(&want);
}

/* bt + t; bt alone; relative times kept as given. */
static void test_times(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1},"
                      "{\"bt\":1700000000.5,\"n\":\"/3/0/10\",\"v\":2,"
                      "\"t\":-0.5},"
                      "{\"n\":\"/3/0/20\",\"v\":3},"
                      "{\"bt\":0,\"n\":\"/3/0/21\",\"v\":4,\"t\":-60}]",
              &got);
    assert_int_equal(got.count, 4);
    assert_false(got.items[0].has_time);              /* /3/0/9 */
    assert_true(got.items[1].has_time);               /* /3/0/10 */
    assert_true(got.items[1].time == 1700000000.0);
    assert_true(got.items[2].has_time);               /* /3/0/20: bt only */
    assert_true(got.items[2].time == 1700000000.5);
    assert_true(got.items[3].has_time);               /* /3/0/21 */
    assert_true(got.items[3].time == -60);
    assert_true(cs_senml_is_relative(got.items[3].time));
    assert_false(cs_senml_is_relative(got.items[1].time));

    /* Encoding writes t as given, and it reads back the same. */
    cs_records rs;
    cs_records_init(&rs);
    add_timed(&rs, "/3/0/9", cs_value_integer(50), 1700000000);
    add(&rs, "/3/0/10", cs_value_integer(10));
    add_timed(&rs, "/3/0/13", cs_value_time(1), -2.25);
    assert_round_trip(cs_registry_standard(), "/3/0", &rs,
                      "[{\"bn\":\"/3/0/\",\"n\":\"9\",\"t\":1700000000,"
                      "\"v\":50},{\"n\":\"10\",\"v\":10},"
                      "{\"n\":\"13\",\"t\":-2.25,\"v\":1}]");
    cs_records_free(&rs);
    cs_records_free(&got);
}

/* Samples of one resource at distinct times (a notification or Send with
 * history) are not duplicates; they keep their order. */
static void test_history(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add_timed(&rs, "/3/0/9", cs_value_integer(80), 1700000100);
    add_timed(&rs, "/3/0/9", cs_value_integer(79), 1700000000);
    add_timed(&rs, "/3/0/9", cs_value_integer(78), 1700000200);
    assert_round_trip(cs_registry_standard(), "/3/0/9", &rs,
                      "[{\"bn\":\"/3/0/9\",\"t\":1700000100,\"v\":80},"
                      "{\"t\":1700000000,\"v\":79},"
                      "{\"t\":1700000200,\"v\":78}]");
    cs_records_free(&rs);
    /* Leshan writes bn and bt in every record. */
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0", "[{\"bn\":\"/3/0/9\",\"bt\":1700000100,\"v\":80},"
                      "{\"bn\":\"/3/0/9\",\"bt\":1700000000,\"v\":79}]",
              &got);
    assert_int_equal(got.count, 2);
    assert_true(got.items[0].time == 1700000100);
    cs_records_free(&got);
    /* The same time twice, or one sample without a time, is a duplicate. */
    fails("/3/0", "[{\"bn\":\"/3/0/9\",\"bt\":5,\"v\":80},"
                  "{\"v\":79}]", CS_E_DUPLICATE);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":80},"
                  "{\"n\":\"/3/0/9\",\"t\":5,\"v\":79}]", CS_E_DUPLICATE);
}

/* bv is added to v, exactly for integers. */
static void test_base_value(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0", "[{\"bv\":100,\"n\":\"/3/0/7/0\",\"v\":-1},"
                      "{\"n\":\"/3/0/7/1\",\"v\":5},"
                      "{\"n\":\"/3/0/0\",\"vs\":\"x\"},"
                      "{\"bv\":0.5,\"n\":\"/3/0/7/2\",\"v\":1.5}]", &got);
    assert_int_equal(got.count, 4);
    assert_int_equal(got.items[1].value.v.i, 99);     /* /3/0/7/0 */
    assert_int_equal(got.items[2].value.v.i, 105);
    assert_int_equal(got.items[3].value.type, CS_TYPE_INTEGER); /* 2.0 */
    assert_int_equal(got.items[3].value.v.i, 2);
    cs_records_free(&got);
}

/* Unknown fields are ignored, whatever they hold; "_" ones are not. */
static void test_unknown_fields(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0/9", "[{\"bver\":10,\"n\":\"/3/0/9\",\"u\":\"%EL\","
                        "\"v\":50,\"s\":1,\"ut\":60,\"bu\":\"x\",\"bs\":0,"
                        "\"foo\":{\"a\":[1,2.5e3,true,false,null,\"x\"],"
                        "\"b\":{}},\"bar\":[]}]", &got);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.items[0].value.v.i, 50);
    cs_records_free(&got);
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"foo_\":1}]", CS_E_SYNTAX);
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"foo\\u005f\":1}]",
          CS_E_SYNTAX);
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"_\":1}]", CS_E_SYNTAX);
    /* Ignored values nest at most 8 deep. */
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"x\":[[[[[[[[[[[[1]]]]]]]]"
                    "]]]]}]", CS_E_NESTING);
    /* ... and must still be valid JSON. */
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"x\":[1,]}]", CS_E_SYNTAX);
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"x\":nul}]", CS_E_SYNTAX);
    fails("/3/0/9", "[{\"n\":\"/3/0/9\",\"v\":50,\"x\":{1:2}}]", CS_E_SYNTAX);
}

/* ---- Types through the object definitions ------------------------------ */

static void test_conversions(void **state)
{
    (void)state;
    cs_registry *reg = test_registry();
    cs_records got;
    cs_records_init(&got);
    assert_int_equal(decode_with(reg, "/33000/0",
                                 "[{\"bn\":\"/33000/0/\",\"n\":\"0\",\"v\":5},"
                                 "{\"n\":\"1\",\"vs\":\"</1>\"},"
                                 "{\"n\":\"2\",\"v\":7.0},"
                                 "{\"n\":\"6\",\"v\":1700000000},"
                                 "{\"n\":\"8/0\",\"v\":-2.0}]", &got),
                     CS_OK);
    assert_int_equal(got.items[0].value.type, CS_TYPE_FLOAT);
    assert_true(got.items[0].value.v.f == 5.0);
    assert_int_equal(got.items[1].value.type, CS_TYPE_CORELNK);
    assert_int_equal(got.items[2].value.type, CS_TYPE_UNSIGNED);
    assert_int_equal(got.items[2].value.v.u, 7);
    assert_int_equal(got.items[3].value.type, CS_TYPE_TIME);
    assert_int_equal(got.items[4].value.type, CS_TYPE_INTEGER);
    assert_int_equal(got.items[4].value.v.i, -2);
    cs_records_clear(&got);

    static const struct {
        const char *json;
        cs_err err;
    } bad[] = {
        { "[{\"n\":\"/33000/0/2\",\"v\":-1}]", CS_E_RANGE },
        { "[{\"n\":\"/33000/0/2\",\"v\":1.5}]", CS_E_TYPE },
        { "[{\"n\":\"/33000/0/8/0\",\"v\":1e19}]", CS_E_RANGE },
        { "[{\"n\":\"/33000/0/0\",\"v\":9007199254740993}]", CS_E_RANGE },
        { "[{\"n\":\"/33000/0/5\",\"v\":1}]", CS_E_TYPE },
        { "[{\"n\":\"/33000/0/4\",\"vs\":\"3:0\"}]", CS_E_TYPE },
        { "[{\"n\":\"/33000/0/7\",\"vlo\":\"3:0\"}]", CS_E_TYPE },
        { "[{\"n\":\"/33000/0/3\",\"vs\":\"AAAA\"}]", CS_E_TYPE },
        { "[{\"n\":\"/33000/0/7\",\"vd\":\"AAAA\"}]", CS_E_TYPE },
        { "[{\"n\":\"/33000/0/8\",\"v\":1}]", CS_E_NESTING },
        { "[{\"n\":\"/33000/0/0/1\",\"v\":1}]", CS_E_NESTING },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_err err = decode_with(reg, "/33000", bad[i].json, &got);
        if (err != bad[i].err)
            fail_msg("%s: expected %s, got %s", bad[i].json,
                     cs_strerror(bad[i].err), cs_strerror(err));
        assert_int_equal(got.count, 0);
    }
    cs_records_free(&got);
    cs_registry_free(reg);

    /* The standard Device object: Battery Level is an Integer 0..100. */
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"vs\":\"100\"}]", CS_E_TYPE);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":101}]", CS_E_RANGE);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":-1}]", CS_E_RANGE);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"vb\":true}]", CS_E_TYPE);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"v\":1}]", CS_E_TYPE);
}

/* Unknown objects get the format's natural types. */
static void test_unknown_resource(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok("/", "[{\"bn\":\"/3/0/\",\"n\":\"99\",\"v\":1},"
                   "{\"bn\":\"/65000/1/\",\"n\":\"0\",\"v\":1.5},"
                   "{\"n\":\"1\",\"v\":18446744073709551615},"
                   "{\"n\":\"2\",\"v\":18446744073709551616},"
                   "{\"n\":\"3\",\"v\":-9223372036854775809},"
                   "{\"n\":\"4\",\"vs\":\"s\"},{\"n\":\"5\",\"vb\":false},"
                   "{\"n\":\"6\",\"vd\":\"AQ\"},{\"n\":\"7\",\"vlo\":\"1:2\"}]",
              &got);
    assert_int_equal(got.count, 9);
    assert_int_equal(got.items[0].value.type, CS_TYPE_INTEGER);
    assert_int_equal(got.items[1].value.type, CS_TYPE_FLOAT);
    assert_int_equal(got.items[2].value.type, CS_TYPE_UNSIGNED);
    assert_int_equal(got.items[2].value.v.u, UINT64_MAX);
    assert_int_equal(got.items[3].value.type, CS_TYPE_FLOAT);
    assert_true(got.items[3].value.v.f == 18446744073709551616.0);
    assert_int_equal(got.items[4].value.type, CS_TYPE_FLOAT);
    assert_int_equal(got.items[5].value.type, CS_TYPE_STRING);
    assert_int_equal(got.items[6].value.type, CS_TYPE_BOOLEAN);
    assert_int_equal(got.items[7].value.type, CS_TYPE_OPAQUE);
    assert_int_equal(got.items[7].value.v.bytes.len, 1);
    assert_int_equal(got.items[7].value.v.bytes.data[0], 1);
    assert_int_equal(got.items[8].value.type, CS_TYPE_OBJLNK);
    assert_int_equal(got.items[8].value.v.lnk.oid, 1);
    assert_int_equal(got.items[8].value.v.lnk.iid, 2);
    cs_records_free(&got);
}

/* vd: base64url unpadded per RFC 8428; the standard alphabet and padding
 * of older clients are read too; anything else is refused. */
static void test_data_values(void **state)
{
    (void)state;
    static const uint8_t want[] = { 0xFB, 0xFF, 0xBF };
    static const char *const same[] = { "-_-_", "+/+/" };
    for (size_t i = 0; i < 2; i++) {
        char json[128];
        cs_records got;
        cs_records_init(&got);
        snprintf(json, sizeof json,
                 "[{\"n\":\"/0/0/3\",\"vd\":\"%s\"}]", same[i]);
        decode_ok("/0/0/3", json, &got);
        assert_int_equal(got.items[0].value.v.bytes.len, 3);
        assert_memory_equal(got.items[0].value.v.bytes.data, want, 3);
        cs_records_free(&got);
    }
    cs_records got;
    cs_records_init(&got);
    decode_ok("/0/0/3", "[{\"n\":\"/0/0/3\",\"vd\":\"AQI=\"}]", &got);
    assert_int_equal(got.items[0].value.v.bytes.len, 2);
    cs_records_clear(&got);
    decode_ok("/0/0/3", "[{\"n\":\"/0/0/3\",\"vd\":\"AQ==\"}]", &got);
    assert_int_equal(got.items[0].value.v.bytes.len, 1);
    cs_records_clear(&got);
    decode_ok("/0/0/3", "[{\"n\":\"/0/0/3\",\"vd\":\"q83v\"}]", &got);
    assert_memory_equal(got.items[0].value.v.bytes.data, "\xab\xcd\xef", 3);
    cs_records_free(&got);

    static const char *const bad[] = {
        "-_+/", "A", "AQ=", "AQ===", "A===", "AQ=A", "=AQ", "AQ I", "AQ\\n",
        "\\u00e9A", "!!!!",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[128];
        snprintf(json, sizeof json, "[{\"n\":\"/0/0/3\",\"vd\":\"%s\"}]",
                 bad[i]);
        fails("/0/0/3", json, CS_E_ENCODING);
    }
    fails("/0/0/3", "[{\"n\":\"/0/0/3\",\"vd\":1}]", CS_E_SYNTAX);
}

/* ---- Malformed input --------------------------------------------------- */

static void test_structure(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0", " \t\r\n[ ] \n", &got);
    assert_int_equal(got.count, 0);
    decode_ok("/3/0", " [ { \"n\" : \"/3/0/9\" , \"v\" : 1 } ]\n", &got);
    assert_int_equal(got.count, 1);
    cs_records_free(&got);

    fails("/3/0", "", CS_E_TRUNCATED);
    fails("/3/0", "  ", CS_E_TRUNCATED);
    fails("/3/0", "{}", CS_E_SYNTAX);
    fails("/3/0", "{\"n\":\"/3/0/9\",\"v\":1}", CS_E_SYNTAX);
    fails("/3/0", "\"x\"", CS_E_SYNTAX);
    fails("/3/0", "1", CS_E_SYNTAX);
    fails("/3/0", "null", CS_E_SYNTAX);
    fails("/3/0", "[1]", CS_E_SYNTAX);
    fails("/3/0", "[[]]", CS_E_SYNTAX);
    fails("/3/0", "[\"x\"]", CS_E_SYNTAX);
    fails("/3/0", "[null]", CS_E_SYNTAX);
    fails("/3/0", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1},]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1,}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\" \"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\" 1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1}{\"n\":\"/3/0/10\",\"v\":1}]",
          CS_E_SYNTAX);
    fails("/3/0", "[{'n':\"/3/0/9\",\"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{n:\"/3/0/9\",\"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "\xef\xbb\xbf[]", CS_E_SYNTAX);            /* BOM */
    fails("/3/0", "[]/* */", CS_E_TRAILING);
    fails("/3/0", "[] []", CS_E_TRAILING);
    fails("/3/0", "[]x", CS_E_TRAILING);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1}]]", CS_E_TRAILING);
    assert_decode_fails(FMT, "/3/0", (const uint8_t *)"[]\0", 3,
                        CS_E_TRAILING);
}

static void test_records_malformed(void **state)
{
    (void)state;
    /* Exactly one value per record. */
    fails("/3/0", "[{\"n\":\"/3/0/9\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1,\"vs\":\"1\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"vb\":true,\"vd\":\"AA\"}]",
          CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"vlo\":\"1:1\",\"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{}]", CS_E_PATH);
    /* Fields of the wrong JSON type. */
    fails("/3/0", "[{\"n\":9,\"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"bn\":null,\"n\":\"/3/0/9\",\"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":\"1\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":true}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"vb\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"vb\":\"true\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"t\":\"1\",\"v\":1}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"bt\":[],\"n\":\"/3/0/9\",\"v\":1}]", CS_E_SYNTAX);
    /* A field twice. */
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1,\"v\":2}]", CS_E_DUPLICATE);
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"n\":\"/3/0/9\",\"v\":1}]",
          CS_E_DUPLICATE);
    fails("/3/0", "[{\"bn\":\"/3/0/\",\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":1}]",
          CS_E_DUPLICATE);
    /* The same path twice. */
    fails("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1},{\"n\":\"/3/0/9\",\"v\":2}]",
          CS_E_DUPLICATE);
    fails("/3/0", "[{\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":1},"
                  "{\"bn\":\"/3/0/9\",\"v\":2}]", CS_E_DUPLICATE);
    /* Object links. */
    static const char *const bad_links[] = {
        "1", "1:", ":1", "1:1:1", "65536:0", "01:0", "-1:0", "1: 0", "a:b",
        "1:1 ", "",
    };
    for (size_t i = 0; i < sizeof bad_links / sizeof bad_links[0]; i++) {
        char json[128];
        snprintf(json, sizeof json, "[{\"n\":\"/3/0/22/0\",\"vlo\":\"%s\"}]",
                 bad_links[i]);
        fails("/3/0", json, CS_E_SYNTAX);
    }
}

static void test_names_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[{\"n\":\"3/0/9\",\"v\":1}]",             /* not absolute */
        "[{\"n\":\"/3/0/9/\",\"v\":1}]",           /* trailing slash ok but */
        "[{\"n\":\"/3//9\",\"v\":1}]",
        "[{\"n\":\"/3/0/09\",\"v\":1}]",
        "[{\"n\":\"/3/0/65535\",\"v\":1}]",
        "[{\"n\":\"/3/0/x\",\"v\":1}]",
        "[{\"n\":\"/3/0/11/0/1\",\"v\":1}]",       /* five levels */
        "[{\"bn\":\"/3/0/11/0/\",\"n\":\"1\",\"v\":1}]",
        "[{\"bn\":\"/3/0/11\",\"n\":\"/0/1\",\"v\":1}]",
        "[{\"bn\":\"/3/0/\",\"n\":\"/9\",\"v\":1}]",   /* "/3/0//9" */
        "[{\"bn\":\"/3/0\",\"n\":\"9\",\"v\":1}]",     /* "/3/09" */
        ("[{\"bn\":\"/3/0/00000000000000000000000000000000000000\","
         "\"n\":\"9\",\"v\":1}]"),
        "[{\"n\":\"/3/0/000000000000000000000000000000000000009\",\"v\":1}]",
        "[{\"n\":\"/3/0/9\\u0000\",\"v\":1}]",
        "[{\"n\":\"/4/0/2\",\"v\":1}]",            /* outside the target */
        "[{\"n\":\"/3\",\"v\":1}]",                /* above instances */
        "[{\"n\":\"/\",\"v\":1}]",
        "[{\"v\":1}]",
        "[{\"bn\":\"/3/0/9\",\"v\":1},{\"v\":2}]",   /* names /3/0/9 twice */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_records got;
        cs_records_init(&got);
        cs_err err = decode_with(cs_registry_standard(), "/3/0", bad[i], &got);
        if (i == 1) {                 /* "/3/0/9/" names /3/0/9 */
            assert_int_equal(err, CS_OK);
        } else if (err != CS_E_PATH && !(i == 18 && err == CS_E_DUPLICATE)) {
            fail_msg("%s: expected a path error, got %s", bad[i],
                     cs_strerror(err));
        }
        cs_records_free(&got);
    }
    fails("/3/0", "[{\"n\":\"/3/0\",\"v\":1}]", CS_E_NESTING);
}

static void test_lexical(void **state)
{
    (void)state;
    /* Strings: UTF-8, escapes, control characters. */
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\xff\"}]", CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\xc3\"}]", CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\xc0\xaf\"}]", CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\xed\xa0\x80\"}]",
          CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\xf4\x90\x80\x80\"}]",
          CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\ud800\"}]", CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\udc00\"}]", CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\ud800\\u0041\"}]",
          CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\ud800x\"}]", CS_E_ENCODING);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\x41\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\u00g1\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"\\u00\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"a\tb\"}]", CS_E_SYNTAX);
    fails("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"a\nb\"}]", CS_E_SYNTAX);
    /* A NUL inside a string is a character like any other. */
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0", "[{\"n\":\"/3/0/0\",\"vs\":\"a\\u0000b\"}]", &got);
    assert_int_equal(got.items[0].value.v.bytes.len, 3);
    assert_memory_equal(got.items[0].value.v.bytes.data, "a\0b", 3);
    cs_records_clear(&got);

    /* Numbers: RFC 8259 grammar only. */
    static const char *const bad_numbers[] = {
        "01", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1", "0x10",
        "NaN", "Infinity", "-Infinity", "1_000", "1 2",
    };
    for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++) {
        char json[128];
        snprintf(json, sizeof json, "[{\"n\":\"/3/0/10\",\"v\":%s}]",
                 bad_numbers[i]);
        fails("/3/0", json, CS_E_SYNTAX);
    }
    fails("/3/0", "[{\"n\":\"/3/0/10\",\"v\":1e400}]", CS_E_RANGE);
    fails("/3/0", "[{\"n\":\"/3/0/10\",\"v\":-1e400}]", CS_E_RANGE);
    fails("/3/0", "[{\"n\":\"/3/0/10\",\"t\":1e400,\"v\":1}]", CS_E_RANGE);
    fails("/3/0", "[{\"n\":\"/3/0/10\",\"v\":1000000000000000000000000000000"
                  "0000000000000000000000000000000000}]", CS_E_RANGE);
    decode_ok("/3/0", "[{\"n\":\"/3/0/10\",\"v\":1E2},"
                      "{\"n\":\"/3/0/21\",\"v\":-0},"
                      "{\"n\":\"/3/0/20\",\"v\":1e-400}]", &got);
    assert_int_equal(got.items[0].value.v.i, 100);          /* 1E2 */
    assert_int_equal(got.items[1].value.v.i, 0);            /* 1e-400 */
    assert_int_equal(got.items[2].value.v.i, 0);            /* -0 */
    cs_records_free(&got);
    fails("/3/0", "[{\"n\":\"/3/0/10\",\"v\":25e-1}]", CS_E_TYPE);
    /* Literals. */
    fails("/3/0", "[{\"n\":\"/1/0/6\",\"vb\":True}]", CS_E_SYNTAX);
    fails("/1/0", "[{\"n\":\"/1/0/6\",\"vb\":tru}]", CS_E_SYNTAX);
    fails("/1/0", "[{\"n\":\"/1/0/6\",\"vb\":truee}]", CS_E_SYNTAX);
    fails("/1/0", "[{\"n\":\"/1/0/6\",\"vb\":tru", CS_E_TRUNCATED);
}

/* ---- Encoding ---------------------------------------------------------- */

static void test_encode_edges(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);

    /* Empty containers have no SenML form: an empty pack. */
    cs_path p = test_path("/3/0/11");
    cs_value none = cs_value_none();
    assert_int_equal(cs_records_add(&rs, &p, &none), CS_OK);
    assert_encodes_to("/3/0/11", &rs, NULL, "[]");
    add(&rs, "/3/0/9", cs_value_integer(1));
    assert_encodes_to("/3/0", &rs, NULL,
                      "[{\"bn\":\"/3/0/\",\"n\":\"9\",\"v\":1}]");
    cs_records_clear(&rs);
    assert_encodes_to("/", &rs, NULL, "[]");

    /* A target resource that is not the first record switches bn. */
    add(&rs, "/3/0/7/0", cs_value_integer(1));
    add(&rs, "/3/0/7", cs_value_integer(2));
    add(&rs, "/3/0/7/1", cs_value_integer(3));
    assert_encodes_to("/3/0/7", &rs, NULL,
                      "[{\"bn\":\"/3/0/7/\",\"n\":\"0\",\"v\":1},"
                      "{\"bn\":\"/3/0/7\",\"v\":2},"
                      "{\"bn\":\"/3/0/7/\",\"n\":\"1\",\"v\":3}]");
    cs_records_clear(&rs);

    /* What cannot be written. */
    add(&rs, "/3/0/9", cs_value_float(NAN));
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/3/0/9", cs_value_float(INFINITY));
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add_timed(&rs, "/3/0/9", cs_value_integer(1), NAN);
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/3/0/0", cs_value_string("\xff", 1));
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/3/0", cs_value_integer(1));
    assert_int_equal(encode_err("/3", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/4/0/0", cs_value_integer(1));
    assert_int_equal(encode_err("/3", &rs), CS_E_PATH);
    cs_records_clear(&rs);

    /* The output bound holds, and a failed encode leaves the buffer. */
    add(&rs, "/3/0/0", str("Open Mobile Alliance"));
    cs_buf out;
    cs_buf_init(&out, 20);
    assert_int_equal(cs_buf_append(&out, "xy", 2), CS_OK);
    cs_path t = test_path("/3/0");
    assert_int_equal(cs_encode(FMT, &t, &rs, NULL, &out), CS_E_TOO_LARGE);
    assert_int_equal(out.len, 2);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* Encoding appends to what the buffer holds. */
static void test_encode_appends(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_integer(7));
    cs_buf out;
    cs_buf_init(&out, 100);
    assert_int_equal(cs_buf_append(&out, "X", 1), CS_OK);
    cs_path t = test_path("/3/0/9");
    assert_int_equal(cs_encode(FMT, &t, &rs, NULL, &out), CS_OK);
    const char want[] = "X[{\"bn\":\"/3/0/9\",\"v\":7}]";
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, out.len);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* A decode that fails leaves what the list held. */
static void test_decode_failure_keeps_list(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1}]", &got);
    assert_int_equal(decode_with(cs_registry_standard(), "/3/0",
                                 "[{\"n\":\"/3/0/10\",\"v\":1},"
                                 "{\"n\":\"/3/0/9\",\"v\":101}]", &got),
                     CS_E_RANGE);
    assert_int_equal(got.count, 1);
    cs_records_free(&got);
}

/* The record bound is enforced. */
static void test_record_bound(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    got.max_records = 2;
    assert_int_equal(decode_with(cs_registry_standard(), "/3/0",
                                 "[{\"bn\":\"/3/0/7/\",\"n\":\"0\",\"v\":1},"
                                 "{\"n\":\"1\",\"v\":2},{\"n\":\"2\",\"v\":3}]",
                                 &got), CS_E_TOO_LARGE);
    assert_int_equal(got.count, 0);
    cs_records_free(&got);
}

/* ---- Path lists (composite requests) ------------------------------------ */

static void test_paths(void **state)
{
    (void)state;
    const char json[] = "[{\"n\":\"/3/0/0\"},{\"n\":\"/1\"},{\"n\":\"/\"},"
                        "{\"bn\":\"/5/0/\",\"n\":\"1\"}]";
    cs_records got;
    cs_records_init(&got);
    assert_int_equal(cs_senml_json_decode_paths((const uint8_t *)json,
                                                sizeof json - 1, &got),
                     CS_OK);
    assert_int_equal(got.count, 4);
    cs_path want[4] = { test_path("/3/0/0"), test_path("/1"), test_path("/"),
                        test_path("/5/0/1") };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cs_path_compare(&got.items[i].path, &want[i]), 0);
        assert_int_equal(got.items[i].value.type, CS_TYPE_NONE);
    }
    cs_buf out;
    cs_buf_init(&out, 200);
    assert_int_equal(cs_senml_json_encode_paths(want, 4, &out), CS_OK);
    const char text[] = "[{\"n\":\"/3/0/0\"},{\"n\":\"/1\"},{\"n\":\"/\"},"
                        "{\"n\":\"/5/0/1\"}]";
    assert_int_equal(out.len, sizeof text - 1);
    assert_memory_equal(out.data, text, out.len);
    cs_buf_free(&out);

    /* A value in a path list is refused; the list is left as it was. */
    const char bad[] = "[{\"n\":\"/3/0/0\"},{\"n\":\"/3/0/1\",\"v\":1}]";
    assert_int_equal(cs_senml_json_decode_paths((const uint8_t *)bad,
                                                sizeof bad - 1, &got),
                     CS_E_SYNTAX);
    assert_int_equal(got.count, 4);
    const char bad_path[] = "[{\"n\":\"/3/0/0/0/0\"}]";
    assert_int_equal(cs_senml_json_decode_paths((const uint8_t *)bad_path,
                                                sizeof bad_path - 1, &got),
                     CS_E_PATH);
    cs_records_free(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_example),
        cmocka_unit_test(test_device_instance_read),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_names_per_target),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_encode_as_defined),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_base_name),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_base_value),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_unknown_resource),
        cmocka_unit_test(test_data_values),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_records_malformed),
        cmocka_unit_test(test_names_malformed),
        cmocka_unit_test(test_lexical),
        cmocka_unit_test(test_encode_edges),
        cmocka_unit_test(test_encode_appends),
        cmocka_unit_test(test_decode_failure_keeps_list),
        cmocka_unit_test(test_record_bound),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
