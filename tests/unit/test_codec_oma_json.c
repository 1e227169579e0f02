/*
 * test_codec_oma_json.c - LwM2M 1.0 JSON (11543): the TS examples, name
 * resolution against bn and the request target, every value key and data
 * type, base and entry times, canonical encoding (exact bytes), round trips
 * both ways, and malformed input of every kind (syntax, truncation at every
 * offset, trailing bytes, nesting, duplicates, wrong JSON types, unknown
 * keys, bad paths, bad values, bounds).
 */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#define JSON CS_FORMAT_OMA_JSON

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
    TEST_RES(11, CS_TYPE_STRING, true),
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

static void decode_ok(const char *target, const char *json,
                      const cs_registry *reg, cs_records *rs)
{
    cs_path t = test_path(target);
    cs_records_init(rs);
    cs_err err = cs_decode(JSON, &t, (const uint8_t *)json, strlen(json), reg,
                           rs);
    if (err != CS_OK)
        fail_msg("decode %s for %s: %d (%s)", json, target, err,
                 cs_strerror(err));
}

static void decode_fails_len(const char *target, const char *json, size_t len,
                             const cs_registry *reg, cs_err want)
{
    cs_path t = test_path(target);
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_decode(JSON, &t, (const uint8_t *)json, len, reg, &rs);
    if (err != want)
        fail_msg("decode %.*s for %s: expected %d (%s), got %d (%s)",
                 (int)len, json, target, want, cs_strerror(want), err,
                 cs_strerror(err));
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);
}

static void decode_fails(const char *target, const char *json,
                         const cs_registry *reg, cs_err want)
{
    decode_fails_len(target, json, strlen(json), reg, want);
}

static void encode_expect(const char *target, const cs_records *rs,
                          const cs_registry *reg, const char *want)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    cs_err err = cs_encode(JSON, &t, rs, reg, &out);
    if (err != CS_OK)
        fail_msg("encode for %s: %d (%s)", target, err, cs_strerror(err));
    if (out.len != strlen(want) || (out.len > 0 && memcmp(out.data, want, out.len) != 0))
        fail_msg("encode for %s:\n got  %.*s\n want %s", target, (int)out.len,
                 out.data ? (const char *)out.data : "", want);
    cs_buf_free(&out);
}

static void encode_fails(const char *target, const cs_records *rs,
                         cs_err want)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    assert_int_equal(cs_buf_append(&out, "keep", 4), CS_OK);
    cs_err err = cs_encode(JSON, &t, rs, test_reg, &out);
    if (err != want)
        fail_msg("encode for %s: expected %d (%s), got %d (%s)", target, want,
                 cs_strerror(want), err, cs_strerror(err));
    assert_int_equal(out.len, 4);
    cs_buf_free(&out);
}

/* encode(decode(json)) == json for a canonical payload. */
static void round_trip(const char *target, const char *json,
                       const cs_registry *reg)
{
    cs_records rs;
    decode_ok(target, json, reg, &rs);
    encode_expect(target, &rs, reg, json);
    cs_records_free(&rs);
}

/* decode(encode(rs)) == rs. */
static void records_round_trip(const char *target, const cs_records *rs,
                               const cs_registry *reg)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    assert_int_equal(cs_encode(JSON, &t, rs, reg, &out), CS_OK);
    cs_records back;
    cs_records_init(&back);
    cs_err err = cs_decode(JSON, &t, out.data, out.len, reg, &back);
    if (err != CS_OK)
        fail_msg("re-decode of %.*s: %s", (int)out.len,
                 (const char *)out.data, cs_strerror(err));
    assert_records_equal(rs, &back);
    for (size_t i = 0; i < rs->count; i++) {
        assert_int_equal(rs->items[i].has_time, back.items[i].has_time);
        if (rs->items[i].has_time)
            assert_true(rs->items[i].time == back.items[i].time);
    }
    cs_records_free(&back);
    cs_buf_free(&out);
}

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

static const cs_record *find(const cs_records *rs, const char *path)
{
    cs_path p = test_path(path);
    for (size_t i = 0; i < rs->count; i++)
        if (cs_path_compare(&rs->items[i].path, &p) == 0)
            return &rs->items[i];
    fail_msg("no record %s", path);
    return NULL;
}

static void check_value(const cs_records *rs, const char *path, cs_value v)
{
    const cs_record *r = find(rs, path);
    if (!cs_value_equal(&r->value, &v))
        fail_msg("%s: value differs (type %s, want %s)", path,
                 cs_type_name(r->value.type), cs_type_name(v.type));
}

#define S(lit) cs_value_string(lit, sizeof(lit) - 1)

/* ---- The TS examples --------------------------------------------------- */

/* TS 1.0 §6.4.4: Read /3/0, as printed (spacing and line breaks). */
static const char TS_DEVICE[] =
    "{\"bn\":\"/3/0/\",\n\"e\":[\n"
    "{\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},\n"
    "{\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},\n"
    "{\"n\":\"2\",\"sv\":\"345000123\"},\n"
    "{\"n\":\"3\",\"sv\":\"1.0\"},\n"
    "{\"n\":\"6/0\",\"v\":1},\n{\"n\":\"6/1\",\"v\":5},\n"
    "{\"n\":\"7/0\",\"v\":3800},\n{\"n\":\"7/1\",\"v\":5000},\n"
    "{\"n\":\"8/0\",\"v\":125},\n{\"n\":\"8/1\",\"v\":900},\n"
    "{\"n\":\"9\",\"v\":100},\n{\"n\":\"10\",\"v\":15},\n"
    "{\"n\":\"11/0\",\"v\":0},\n{\"n\":\"13\",\"v\":1367491215},\n"
    "{\"n\":\"14\",\"sv\":\"+02:00\"},\n{\"n\":\"16\",\"sv\":\"U\"}]\n}\n";

/* The same payload as this codec writes it. */
static const char CANONICAL_DEVICE[] =
    "{\"bn\":\"/3/0/\",\"e\":["
    "{\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},"
    "{\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},"
    "{\"n\":\"2\",\"sv\":\"345000123\"},"
    "{\"n\":\"3\",\"sv\":\"1.0\"},"
    "{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},"
    "{\"n\":\"7/0\",\"v\":3800},{\"n\":\"7/1\",\"v\":5000},"
    "{\"n\":\"8/0\",\"v\":125},{\"n\":\"8/1\",\"v\":900},"
    "{\"n\":\"9\",\"v\":100},{\"n\":\"10\",\"v\":15},"
    "{\"n\":\"11/0\",\"v\":0},{\"n\":\"13\",\"v\":1367491215},"
    "{\"n\":\"14\",\"sv\":\"+02:00\"},{\"n\":\"16\",\"sv\":\"U\"}]}";

static void test_ts_device_example(void **state)
{
    (void)state;
    const cs_registry *std = cs_registry_standard();
    cs_records rs;
    decode_ok("/3/0", TS_DEVICE, std, &rs);
    assert_int_equal(rs.count, 16);
    check_value(&rs, "/3/0/0", S("Open Mobile Alliance"));
    check_value(&rs, "/3/0/1", S("Lightweight M2M Client"));
    check_value(&rs, "/3/0/3", S("1.0"));
    check_value(&rs, "/3/0/6/1", cs_value_integer(5));
    check_value(&rs, "/3/0/7/0", cs_value_integer(3800));
    check_value(&rs, "/3/0/11/0", cs_value_integer(0));
    check_value(&rs, "/3/0/13", cs_value_time(1367491215));
    check_value(&rs, "/3/0/16", S("U"));
    for (size_t i = 0; i < rs.count; i++)
        assert_false(rs.items[i].has_time);
    encode_expect("/3/0", &rs, std, CANONICAL_DEVICE);
    cs_records_free(&rs);

    /* The same read on the object, and on the root. */
    decode_ok("/3", TS_DEVICE, std, &rs);
    assert_int_equal(rs.count, 16);
    cs_records_free(&rs);
    decode_ok("/", TS_DEVICE, std, &rs);
    assert_int_equal(rs.count, 16);
    cs_records_free(&rs);

    round_trip("/3/0", CANONICAL_DEVICE, std);
}

static void test_ts_single_resource_example(void **state)
{
    (void)state;
    /* TS: Read /3/0/0 with bn naming the resource and no n. */
    cs_records rs;
    decode_ok("/3/0/0",
              "{\"bn\":\"/3/0/0\",\"e\":[{\"sv\":\"Open Mobile Alliance\"}]}",
              cs_registry_standard(), &rs);
    assert_int_equal(rs.count, 1);
    check_value(&rs, "/3/0/0", S("Open Mobile Alliance"));
    /* Written back with bn at instance level (as Wakaama does). */
    encode_expect("/3/0/0", &rs, cs_registry_standard(),
                  "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"0\","
                  "\"sv\":\"Open Mobile Alliance\"}]}");
    cs_records_free(&rs);
}

static void test_ts_object_link_example(void **state)
{
    (void)state;
    /* TS: Read /65/0 with bn "/" reporting the linked instances, with the
     * null link written in decimal (the TS prints "FFFF:FFFF", which is
     * not the "two 16-bit ASCII integers" of Appendix C). */
    static const char json[] =
        "{ \"bn\":\"/\",\n\"e\":[\n"
        "{\"n\":\"65/0/0/0\",\"ov\":\"66:0\"},\n"
        "{\"n\":\"65/0/0/1\",\"ov\":\"66:1\"},\n"
        "{\"n\":\"65/0/1\",\"sv\":\"8613800755500\"},\n"
        "{\"n\":\"65/0/2\",\"v\":1},\n"
        "{\"n\":\"66/0/0\",\"sv\":\"myService1\"},\n"
        "{\"n\":\"66/0/1\",\"sv\":\"Internet.15.234\"},\n"
        "{\"n\":\"66/0/2\",\"ov\":\"67:0\"},\n"
        "{\"n\":\"66/1/0\",\"sv\":\"myService2\"},\n"
        "{\"n\":\"66/1/1\",\"sv\":\"Internet.15.235\"},\n"
        "{\"n\":\"66/1/2\",\"ov\":\"65535:65535\"},\n"
        "{\"n\":\"67/0/0\",\"sv\":\"85.76.76.84\"},\n"
        "{\"n\":\"67/0/1\",\"sv\":\"85.76.255.255\"}]\n}";
    cs_records rs;
    decode_ok("/", json, cs_registry_standard(), &rs);
    assert_int_equal(rs.count, 12);
    check_value(&rs, "/65/0/0/1", cs_value_objlnk(66, 1));
    check_value(&rs, "/65/0/2", cs_value_integer(1));
    check_value(&rs, "/66/1/2", cs_value_objlnk(65535, 65535));
    check_value(&rs, "/67/0/1", S("85.76.255.255"));
    encode_expect("/", &rs, NULL,
                  "{\"bn\":\"/\",\"e\":["
                  "{\"n\":\"65/0/0/0\",\"ov\":\"66:0\"},"
                  "{\"n\":\"65/0/0/1\",\"ov\":\"66:1\"},"
                  "{\"n\":\"65/0/1\",\"sv\":\"8613800755500\"},"
                  "{\"n\":\"65/0/2\",\"v\":1},"
                  "{\"n\":\"66/0/0\",\"sv\":\"myService1\"},"
                  "{\"n\":\"66/0/1\",\"sv\":\"Internet.15.234\"},"
                  "{\"n\":\"66/0/2\",\"ov\":\"67:0\"},"
                  "{\"n\":\"66/1/0\",\"sv\":\"myService2\"},"
                  "{\"n\":\"66/1/1\",\"sv\":\"Internet.15.235\"},"
                  "{\"n\":\"66/1/2\",\"ov\":\"65535:65535\"},"
                  "{\"n\":\"67/0/0\",\"sv\":\"85.76.76.84\"},"
                  "{\"n\":\"67/0/1\",\"sv\":\"85.76.255.255\"}]}");
    cs_records_free(&rs);
    /* Other objects than the request's are outside a /65/0 target. */
    decode_fails("/65/0", json, cs_registry_standard(), CS_E_PATH);
    /* Hexadecimal links are refused. */
    decode_fails("/", "{\"bn\":\"/\",\"e\":[{\"n\":\"66/1/2\","
                      "\"ov\":\"FFFF:FFFF\"}]}",
                 NULL, CS_E_SYNTAX);
}

static void test_times(void **state)
{
    (void)state;
    /* TS notification example shape: t relative to bt (different
     * resources here, one value each). */
    cs_records rs;
    decode_ok("/72",
              "{\"bn\":\"/72/\",\"e\":["
              "{\"n\":\"1/2\",\"v\":22.4,\"t\":-5},"
              "{\"n\":\"1/3\",\"v\":22.9,\"t\":-30},"
              "{\"n\":\"1/4\",\"v\":24.1}],\"bt\":25462634}",
              NULL, &rs);
    assert_int_equal(rs.count, 3);
    const cs_record *r = find(&rs, "/72/1/2");
    assert_true(r->has_time);
    assert_true(r->time == 25462629.0);
    assert_true(r->value.type == CS_TYPE_FLOAT && r->value.v.f == 22.4);
    r = find(&rs, "/72/1/3");
    assert_true(r->time == 25462604.0);
    r = find(&rs, "/72/1/4");
    assert_true(r->has_time);
    assert_true(r->time == 25462634.0);
    cs_records_free(&rs);

    /* t alone; a relative (negative) time is kept as sent; real times. */
    decode_ok("/72/1",
              "{\"e\":[{\"n\":\"2\",\"v\":1,\"t\":-5},{\"n\":\"3\",\"v\":1},"
              "{\"n\":\"4\",\"v\":1,\"t\":1.5}]}",
              NULL, &rs);
    assert_true(find(&rs, "/72/1/2")->has_time);
    assert_true(find(&rs, "/72/1/2")->time == -5.0);
    assert_false(find(&rs, "/72/1/3")->has_time);
    assert_true(find(&rs, "/72/1/4")->time == 1.5);
    cs_records_free(&rs);

    /* Encoding writes t per entry. */
    cs_records_init(&rs);
    add_timed(&rs, "/1000/0/0", cs_value_integer(1), 1700000000);
    add_timed(&rs, "/1000/0/2", cs_value_float(2.5), 0.25);
    add(&rs, "/1000/0/3", cs_value_boolean(true));
    encode_expect("/1000/0", &rs, test_reg,
                  "{\"bn\":\"/1000/0/\",\"e\":[{\"n\":\"0\",\"v\":1,"
                  "\"t\":1700000000},{\"n\":\"2\",\"v\":2.5,\"t\":0.25},"
                  "{\"n\":\"3\",\"bv\":true}]}");
    records_round_trip("/1000/0", &rs, test_reg);
    cs_records_free(&rs);
}

/* ---- Names ------------------------------------------------------------- */

static void expect_path(const char *target, const char *json,
                        const char *path)
{
    cs_records rs;
    decode_ok(target, json, NULL, &rs);
    assert_int_equal(rs.count, 1);
    cs_path want = test_path(path);
    if (cs_path_compare(&rs.items[0].path, &want) != 0) {
        char got[CS_PATH_TEXT_MAX];
        cs_path_format(&rs.items[0].path, got, sizeof got);
        fail_msg("%s for %s: got %s, want %s", json, target, got, path);
    }
    cs_records_free(&rs);
}

static void test_name_resolution(void **state)
{
    (void)state;
    /* bn with and without trailing slash; n relative or absent. */
    expect_path("/3", "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"1\",\"v\":1}]}",
                "/3/0/1");
    expect_path("/3", "{\"bn\":\"/3/0\",\"e\":[{\"n\":\"1\",\"v\":1}]}",
                "/3/0/1");
    expect_path("/3", "{\"bn\":\"/3/1\",\"e\":[{\"n\":\"0\",\"v\":1}]}",
                "/3/1/0");                      /* joined, not "/3/10" */
    expect_path("/", "{\"bn\":\"/\",\"e\":[{\"n\":\"3/0/11/2\",\"v\":1}]}",
                "/3/0/11/2");
    expect_path("/3/0/11", "{\"bn\":\"/3/0/11\",\"e\":[{\"n\":\"2\","
                           "\"v\":1}]}",
                "/3/0/11/2");
    expect_path("/3/0/1", "{\"bn\":\"/3/0/1/\",\"e\":[{\"v\":1}]}", "/3/0/1");
    expect_path("/3/0/1", "{\"bn\":\"/3/0/1\",\"e\":[{\"n\":\"\",\"v\":1}]}",
                "/3/0/1");
    /* No bn: absolute names, or names relative to the target (old
     * Leshan), or the target itself. */
    expect_path("/3", "{\"e\":[{\"n\":\"/3/0/1\",\"v\":1}]}", "/3/0/1");
    expect_path("/3/0", "{\"e\":[{\"n\":\"1\",\"v\":1}]}", "/3/0/1");
    expect_path("/3/0", "{\"e\":[{\"n\":\"11/0\",\"v\":1}]}", "/3/0/11/0");
    expect_path("/3/0/1", "{\"e\":[{\"v\":1}]}", "/3/0/1");
    expect_path("/3/0", "{\"bn\":\"\",\"e\":[{\"n\":\"/3/0/1\",\"v\":1}]}",
                "/3/0/1");
    expect_path("/3/0", "{\"bn\":\"\",\"e\":[{\"n\":\"2\",\"v\":1}]}",
                "/3/0/2");
}

static void test_bad_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"/1\",\"v\":1}]}",   /* bn + abs */
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"1/\",\"v\":1}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"01\",\"v\":1}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"1//2\",\"v\":1}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"a\",\"v\":1}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"-1\",\"v\":1}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"65535\",\"v\":1}]}",
        "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"1/2/3\",\"v\":1}]}", /* depth 5 */
        "{\"bn\":\"/3/\",\"e\":[{\"n\":\"0\",\"v\":1}]}",      /* instance */
        "{\"bn\":\"/3/0/\",\"e\":[{\"v\":1}]}",                /* instance */
        "{\"bn\":\"3/0/\",\"e\":[{\"n\":\"1\",\"v\":1}]}",     /* bn relative */
        "{\"bn\":\"/3/x/\",\"e\":[{\"n\":\"1\",\"v\":1}]}",
        "{\"bn\":\"/3/0//\",\"e\":[{\"n\":\"1\",\"v\":1}]}",
        "{\"e\":[{\"n\":\"/3/0/1/\\u0000\",\"v\":1}]}",
        "{\"e\":[{\"n\":\"/4/0/1\",\"v\":1}]}",                /* outside */
        "{\"bn\":\"/3/1/\",\"e\":[{\"n\":\"1\",\"v\":1}]}",    /* outside */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        decode_fails("/3/0", bad[i], NULL, CS_E_PATH);
    decode_fails("/", "{\"e\":[{\"v\":1}]}", NULL, CS_E_PATH);
}

/* ---- Value keys and types ---------------------------------------------- */

static void test_values_typed(void **state)
{
    (void)state;
    cs_records rs;
    decode_ok("/1000/0",
              "{\"bn\":\"/1000/0/\",\"e\":["
              "{\"n\":\"0\",\"v\":-9223372036854775808},"
              "{\"n\":\"1\",\"v\":9223372036854775807},"
              "{\"n\":\"2\",\"v\":3},"
              "{\"n\":\"3\",\"bv\":false},"
              "{\"n\":\"4\",\"sv\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"
              "\\ud834\\udd1e\\u0000\"},"
              "{\"n\":\"5\",\"sv\":\"AQIDBAU=\"},"
              "{\"n\":\"6\",\"v\":1.5e9},"
              "{\"n\":\"7\",\"ov\":\"3:0\"},"
              "{\"n\":\"8\",\"sv\":\"</1/0>\"},"
              "{\"n\":\"10/0\",\"v\":-1},"
              "{\"n\":\"11/7\",\"sv\":\"\"}]}",
              test_reg, &rs);
    assert_int_equal(rs.count, 11);
    check_value(&rs, "/1000/0/0", cs_value_integer(INT64_MIN));
    check_value(&rs, "/1000/0/1", cs_value_unsigned(INT64_MAX));
    check_value(&rs, "/1000/0/2", cs_value_float(3.0));
    check_value(&rs, "/1000/0/3", cs_value_boolean(false));
    check_value(&rs, "/1000/0/4",
                 S("q\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9d\x84\x9e\0"));
    check_value(&rs, "/1000/0/5", cs_value_opaque("\1\2\3\4\5", 5));
    check_value(&rs, "/1000/0/6", cs_value_time(1500000000));
    check_value(&rs, "/1000/0/7", cs_value_objlnk(3, 0));
    check_value(&rs, "/1000/0/8", cs_value_corelnk("</1/0>", 6));
    check_value(&rs, "/1000/0/10/0", cs_value_integer(-1));
    check_value(&rs, "/1000/0/11/7", S(""));
    cs_records_free(&rs);

    /* Without a definition: what the JSON carries; sv is a string. */
    decode_ok("/65000/0",
              "{\"bn\":\"/65000/0/\",\"e\":[{\"n\":\"0\",\"v\":3},"
              "{\"n\":\"1\",\"v\":3.0},{\"n\":\"2\",\"v\":-0.5e-3},"
              "{\"n\":\"3\",\"sv\":\"AQIDBAU=\"},{\"n\":\"4\",\"bv\":true}]}",
              cs_registry_standard(), &rs);
    check_value(&rs, "/65000/0/0", cs_value_integer(3));
    check_value(&rs, "/65000/0/1", cs_value_float(3.0));
    check_value(&rs, "/65000/0/2", cs_value_float(-0.0005));
    check_value(&rs, "/65000/0/3", S("AQIDBAU="));
    check_value(&rs, "/65000/0/4", cs_value_boolean(true));
    cs_records_free(&rs);
}

static void test_values_refused(void **state)
{
    (void)state;
    const char *t = "/1000/0";
#define E(body) "{\"bn\":\"/1000/0/\",\"e\":[" body "]}"
    /* Wrong JSON type for the key. */
    decode_fails(t, E("{\"n\":\"0\",\"v\":\"1\"}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"0\",\"v\":true}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"0\",\"v\":null}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"3\",\"bv\":1}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"4\",\"sv\":4}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"7\",\"ov\":3}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":0,\"v\":1}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"0\",\"v\":1,\"t\":\"5\"}"), test_reg,
                 CS_E_TYPE);
    /* A value that does not fit the definition. */
    decode_fails(t, E("{\"n\":\"0\",\"v\":1.5}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"0\",\"sv\":\"1\"}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"4\",\"v\":1}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"3\",\"v\":1}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"7\",\"sv\":\"3:0\"}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"9\",\"v\":1}"), test_reg, CS_E_TYPE);
    decode_fails(t, E("{\"n\":\"1\",\"v\":-1}"), test_reg, CS_E_RANGE);
    decode_fails("/3/0", "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"9\",\"v\":101}]}",
                 cs_registry_standard(), CS_E_RANGE);
    /* Numbers beyond what the parser holds. */
    decode_fails(t, E("{\"n\":\"1\",\"v\":18446744073709551615}"), test_reg,
                 CS_E_RANGE);
    decode_fails(t, E("{\"n\":\"2\",\"v\":1e400}"), test_reg, CS_E_RANGE);
    decode_fails(t, E("{\"n\":\"2\",\"v\":1,\"t\":1e999}"), test_reg,
                 CS_E_RANGE);
    /* Object links and base64. */
    decode_fails(t, E("{\"n\":\"7\",\"ov\":\"3\"}"), test_reg, CS_E_SYNTAX);
    decode_fails(t, E("{\"n\":\"7\",\"ov\":\"3:\"}"), test_reg, CS_E_SYNTAX);
    decode_fails(t, E("{\"n\":\"7\",\"ov\":\"3:0:1\"}"), test_reg,
                 CS_E_SYNTAX);
    decode_fails(t, E("{\"n\":\"7\",\"ov\":\"65536:0\"}"), test_reg,
                 CS_E_RANGE);
    decode_fails(t, E("{\"n\":\"5\",\"sv\":\"AQIDBAU\"}"), test_reg,
                 CS_E_ENCODING);
    decode_fails(t, E("{\"n\":\"5\",\"sv\":\"AQID\\nBAU=\"}"), test_reg,
                 CS_E_ENCODING);
    /* Multiple resources need instances; single ones have none. */
    decode_fails(t, E("{\"n\":\"10\",\"v\":1}"), test_reg, CS_E_NESTING);
    decode_fails(t, E("{\"n\":\"0/0\",\"v\":1}"), test_reg, CS_E_NESTING);
#undef E
}

/* ---- Structure --------------------------------------------------------- */

static void test_structure_refused(void **state)
{
    (void)state;
    const cs_registry *std = cs_registry_standard();
    /* Not an object, no "e", wrong types at the root. */
    decode_fails("/3/0", "", std, CS_E_TRUNCATED);
    decode_fails("/3/0", "   ", std, CS_E_TRUNCATED);
    decode_fails("/3/0", "[]", std, CS_E_SYNTAX);
    decode_fails("/3/0", "5", std, CS_E_SYNTAX);
    decode_fails("/3/0", "\"e\"", std, CS_E_SYNTAX);
    decode_fails("/3/0", "null", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"bn\":\"/3/0/\"}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":{}}", std, CS_E_TYPE);
    decode_fails("/3/0", "{\"e\":\"x\"}", std, CS_E_TYPE);
    decode_fails("/3/0", "{\"bn\":3,\"e\":[]}", std, CS_E_TYPE);
    decode_fails("/3/0", "{\"bn\":{},\"e\":[]}", std, CS_E_TYPE);
    decode_fails("/3/0", "{\"bt\":\"1\",\"e\":[]}", std, CS_E_TYPE);
    /* Unknown keys, at the root and in entries (SenML 1.1 names too). */
    decode_fails("/3/0", "{\"ver\":1,\"e\":[]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"E\":[]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"vs\":\"x\"}]}", std,
                 CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":\"x\",\"u\":\"m\"}]}",
                 std, CS_E_SYNTAX);
    /* Entries that are not objects, without a value, with two values. */
    decode_fails("/3/0", "{\"e\":[1]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[\"x\"]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{}]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\"}]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"t\":1}]}", std,
                 CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":\"x\","
                         "\"v\":1}]}",
                 std, CS_E_SYNTAX);
    /* Trailing bytes after the object. */
    decode_fails("/3/0", "{\"e\":[]}x", std, CS_E_TRAILING);
    decode_fails("/3/0", "{\"e\":[]}{}", std, CS_E_TRAILING);
    decode_fails("/3/0", "{\"e\":[]},", std, CS_E_TRAILING);
    decode_fails_len("/3/0", "{\"e\":[]}\0", 9, std, CS_E_TRAILING);
    /* Duplicates: keys inside an object, paths across entries. */
    decode_fails("/3/0", "{\"e\":[],\"e\":[]}", std, CS_E_DUPLICATE);
    decode_fails("/3/0", "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"0\",\"n\":\"1\","
                         "\"sv\":\"x\"}]}",
                 std, CS_E_DUPLICATE);
    decode_fails("/3/0", "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"0\",\"sv\":\"x\"},"
                         "{\"n\":\"0\",\"sv\":\"y\"}]}",
                 std, CS_E_DUPLICATE);
    decode_fails("/3/0", "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"0\",\"sv\":\"x\"},"
                         "{\"bn\":\"/3/0/\",\"n\":\"1\",\"sv\":\"y\"}]}",
                 std, CS_E_SYNTAX);
    /* Deeper than object > array > entry. */
    decode_fails("/3/0", "{\"e\":[[{}]]}", std, CS_E_NESTING);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":[\"x\"]}]}", std,
                 CS_E_NESTING);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"v\":{\"a\":1}}]}", std,
                 CS_E_NESTING);
    /* Brackets inside strings do not count. */
    cs_records rs;
    decode_ok("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":\"[[[{{{\\\"]]\"}]}",
              std, &rs);
    check_value(&rs, "/3/0/0", S("[[[{{{\"]]"));
    cs_records_free(&rs);
    /* Syntax, encoding, NUL in a key. */
    decode_fails("/3/0", "{\"e\":[],}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{'e':[]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":\"\\x\"}]}", std,
                 CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":\"\xff\"}]}", std,
                 CS_E_ENCODING);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"sv\":\"\xed\xa0\x80\"}]}",
                 std, CS_E_ENCODING);
    decode_fails("/3/0", "{\"e\\u0000\":[]}", std, CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"v\":01}]}", std,
                 CS_E_SYNTAX);
    decode_fails("/3/0", "{\"e\":[{\"n\":\"/3/0/0\",\"v\":NaN}]}", std,
                 CS_E_SYNTAX);

    /* An empty entry array is an empty payload. */
    decode_ok("/3/0", "{\"bn\":\"/3/0/\",\"e\":[]}", std, &rs);
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);
}

static void test_truncation_everywhere(void **state)
{
    (void)state;
    /* Every proper prefix of a valid payload is refused: TRUNCATED where
     * the parser sees the end inside a value, SYNTAX inside a token. */
    size_t len = strlen(CANONICAL_DEVICE);
    for (size_t cut = 0; cut < len; cut++) {
        cs_path t = test_path("/3/0");
        cs_records rs;
        cs_records_init(&rs);
        cs_err err = cs_decode(JSON, &t, (const uint8_t *)CANONICAL_DEVICE,
                               cut, cs_registry_standard(), &rs);
        if (err != CS_E_TRUNCATED && err != CS_E_SYNTAX)
            fail_msg("prefix of %zu bytes: %s", cut, cs_strerror(err));
        assert_int_equal(rs.count, 0);
        cs_records_free(&rs);
    }
    /* The end inside a string or between tokens is TRUNCATED. */
    decode_fails_len("/3/0", CANONICAL_DEVICE, 30, cs_registry_standard(),
                     CS_E_TRUNCATED);
    decode_fails_len("/3/0", CANONICAL_DEVICE, len - 1,
                     cs_registry_standard(), CS_E_TRUNCATED);
}

static void test_bounds(void **state)
{
    (void)state;
    /* More entries than the record list may hold. */
    cs_path t = test_path("/65000/0");
    cs_records rs;
    cs_records_init(&rs);
    rs.max_records = 2;
    static const char three[] =
        "{\"bn\":\"/65000/0/\",\"e\":[{\"n\":\"0\",\"v\":1},"
        "{\"n\":\"1\",\"v\":1},{\"n\":\"2\",\"v\":1}]}";
    assert_int_equal(cs_decode(JSON, &t, (const uint8_t *)three,
                               strlen(three), NULL, &rs),
                     CS_E_TOO_LARGE);
    assert_int_equal(rs.count, 0);

    /* Separators far beyond what max_records entries need are refused
     * before parsing. */
    static char many[4096];
    size_t n = (size_t)snprintf(many, sizeof many, "{\"e\":[");
    while (n < sizeof many - 8) {
        memcpy(many + n, "1,", 2);
        n += 2;
    }
    memcpy(many + n, "1]}", 3);
    n += 3;
    assert_int_equal(cs_decode(JSON, &t, (const uint8_t *)many, n, NULL, &rs),
                     CS_E_TOO_LARGE);
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);

    /* Deep nesting is refused without recursing. */
    size_t deep_len = 200000;
    char *deep = malloc(deep_len);
    assert_non_null(deep);
    memset(deep, '[', deep_len);
    decode_fails_len("/3/0", deep, deep_len, NULL, CS_E_NESTING);
    /* Larger than the format's input bound. */
    size_t big_len = (1u << 20) + 1;
    char *big = malloc(big_len);
    assert_non_null(big);
    memset(big, ' ', big_len);
    decode_fails_len("/3/0", big, big_len, NULL, CS_E_TOO_LARGE);
    free(big);
    free(deep);
}

/* ---- Encoding ---------------------------------------------------------- */

static void test_encode_all_types(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/1000/0/0", cs_value_integer(-42));
    add(&rs, "/1000/0/1", cs_value_unsigned(9223372036854775808u));
    add(&rs, "/1000/0/2", cs_value_float(1.0));
    add(&rs, "/1000/0/3", cs_value_boolean(true));
    add(&rs, "/1000/0/4", S("a\"b\\c/\n\t\x01\x1f\x7f\xc3\xa9"));
    add(&rs, "/1000/0/5", cs_value_opaque("\1\2\3\4\5", 5));
    add(&rs, "/1000/0/6", cs_value_time(1476186613));
    add(&rs, "/1000/0/7", cs_value_objlnk(65535, 65535));
    add(&rs, "/1000/0/8", cs_value_corelnk("</3/0>", 6));
    add(&rs, "/1000/0/10/0", cs_value_integer(7));
    add(&rs, "/1000/0/11/3", S(""));
    encode_expect("/1000/0", &rs, test_reg,
                  "{\"bn\":\"/1000/0/\",\"e\":["
                  "{\"n\":\"0\",\"v\":-42},"
                  "{\"n\":\"1\",\"v\":9.223372036854776e+18},"
                  "{\"n\":\"2\",\"v\":1.0},"
                  "{\"n\":\"3\",\"bv\":true},"
                  "{\"n\":\"4\",\"sv\":\"a\\\"b\\\\c/\\n\\t\\u0001\\u001f"
                  "\x7f\xc3\xa9\"},"
                  "{\"n\":\"5\",\"sv\":\"AQIDBAU=\"},"
                  "{\"n\":\"6\",\"v\":1476186613},"
                  "{\"n\":\"7\",\"ov\":\"65535:65535\"},"
                  "{\"n\":\"8\",\"sv\":\"</3/0>\"},"
                  "{\"n\":\"10/0\",\"v\":7},"
                  "{\"n\":\"11/3\",\"sv\":\"\"}]}");
    records_round_trip("/1000/0", &rs, test_reg);
    records_round_trip("/1000", &rs, test_reg);
    records_round_trip("/", &rs, test_reg);
    cs_records_free(&rs);
}

static void test_encode_targets(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/11/0", cs_value_integer(0));
    encode_expect("/3/0/11/0", &rs, NULL,
                  "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"11/0\",\"v\":0}]}");
    encode_expect("/3/0/11", &rs, NULL,
                  "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"11/0\",\"v\":0}]}");
    encode_expect("/3", &rs, NULL,
                  "{\"bn\":\"/3/\",\"e\":[{\"n\":\"0/11/0\",\"v\":0}]}");
    encode_expect("/", &rs, NULL,
                  "{\"bn\":\"/\",\"e\":[{\"n\":\"3/0/11/0\",\"v\":0}]}");
    records_round_trip("/3/0/11/0", &rs, cs_registry_standard());
    records_round_trip("/3/0/11", &rs, cs_registry_standard());

    /* Empty containers cannot be written and are left out. */
    add(&rs, "/3/0/6", cs_value_none());
    add(&rs, "/3/1", cs_value_none());
    encode_expect("/3", &rs, NULL,
                  "{\"bn\":\"/3/\",\"e\":[{\"n\":\"0/11/0\",\"v\":0}]}");
    cs_records_clear(&rs);
    encode_expect("/1", &rs, NULL, "{\"bn\":\"/1/\",\"e\":[]}");
    cs_records_free(&rs);
}

static void test_encode_numbers(void **state)
{
    (void)state;
    static const struct {
        double f;
        const char *json;
    } floats[] = {
        { 0.0, "0.0" }, { -0.0, "-0.0" }, { 0.1, "0.1" }, { 100.0, "100.0" },
        { -2.5, "-2.5" }, { 1e300, "1e+300" }, { 1e-7, "1e-07" },
        { 123456789012345678.0, "1.2345678901234568e+17" },
        { 4294967296.0, "4294967296.0" },
    };
    for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
        cs_records rs;
        cs_records_init(&rs);
        add(&rs, "/65000/0/0", cs_value_float(floats[i].f));
        char want[128];
        snprintf(want, sizeof want,
                 "{\"bn\":\"/65000/0/\",\"e\":[{\"n\":\"0\",\"v\":%s}]}",
                 floats[i].json);
        encode_expect("/65000/0", &rs, NULL, want);
        /* Without a definition the float stays a float. */
        records_round_trip("/65000/0", &rs, cs_registry_standard());
        cs_records_free(&rs);
    }
}

static void test_encode_refused(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/1000/0/2", cs_value_float(NAN));
    encode_fails("/1000/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/1000/0/2", cs_value_float(-INFINITY));
    encode_fails("/1000/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add_timed(&rs, "/1000/0/2", cs_value_float(1), INFINITY);
    encode_fails("/1000/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    /* Unsigned values a double cannot hold exactly. */
    add(&rs, "/1000/0/1", cs_value_unsigned(9223372036854775809u));
    encode_fails("/1000/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/1000/0/1", cs_value_unsigned(UINT64_MAX));
    encode_fails("/1000/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    /* Strings JSON cannot carry. */
    add(&rs, "/1000/0/4", S("\xc0\x80"));
    encode_fails("/1000/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    /* Records outside the target, values above resource level. */
    add(&rs, "/1000/1/4", S("x"));
    encode_fails("/1000/0", &rs, CS_E_INVALID_ARG);
    cs_records_clear(&rs);
    add(&rs, "/1000/0", S("x"));
    encode_fails("/1000", &rs, CS_E_INVALID_ARG);
    cs_records_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts_device_example),
        cmocka_unit_test(test_ts_single_resource_example),
        cmocka_unit_test(test_ts_object_link_example),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_name_resolution),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_values_typed),
        cmocka_unit_test(test_values_refused),
        cmocka_unit_test(test_structure_refused),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_encode_all_types),
        cmocka_unit_test(test_encode_targets),
        cmocka_unit_test(test_encode_numbers),
        cmocka_unit_test(test_encode_refused),
    };
    return cmocka_run_group_tests(tests, setup_registry, teardown_registry);
}
