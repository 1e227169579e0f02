/*
 * test_codec_senml_cbor.c - SenML CBOR (112): known answers (hand-checked
 * against RFC 8949 and the byte strings in Leshan's and Anjay Lite's
 * tests), round trips both ways, the CBOR encodings peers use (indefinite
 * lengths, half floats, decimal fractions, tag 1 times), type conversion
 * through the object definitions, and malformed input of every kind.
 */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#include "codec/senml.h"

#define FMT CS_FORMAT_SENML_CBOR

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

/* Hex may contain spaces and "quoted ASCII", which stands for its bytes. */
static size_t hex(const char *text, uint8_t *out, size_t cap)
{
    char digits[8192];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                assert_true(n + 3 < sizeof digits);
                snprintf(digits + n, 3, "%02x", (unsigned)(uint8_t)*p);
                n += 2;
            }
            assert_int_equal(*p, '"');
            continue;
        }
        assert_true(n + 1 < sizeof digits);
        digits[n++] = *p;
    }
    digits[n] = '\0';
    return test_hex(digits, out, cap);
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

static cs_value str(const char *s)
{
    return cs_value_string(s, strlen(s));
}

static cs_err decode_with(const cs_registry *reg, const char *target,
                          const char *payload_hex, cs_records *out)
{
    uint8_t buf[4096];
    size_t len = hex(payload_hex, buf, sizeof buf);
    cs_path t = test_path(target);
    return cs_decode(FMT, &t, buf, len, reg, out);
}

static void decode_ok(const cs_registry *reg, const char *target,
                      const char *payload_hex, cs_records *out)
{
    cs_err err = decode_with(reg, target, payload_hex, out);
    if (err != CS_OK)
        fail_msg("decode of %s failed: %s", payload_hex, cs_strerror(err));
}

static void fails(const char *target, const char *payload_hex, cs_err err)
{
    uint8_t buf[4096];
    size_t len = hex(payload_hex, buf, sizeof buf);
    assert_decode_fails(FMT, target, buf, len, err);
}

static void assert_encodes_to(const char *target, const cs_records *rs,
                              const cs_registry *reg, const char *want_hex)
{
    uint8_t want[4096];
    size_t want_len = hex(want_hex, want, sizeof want);
    cs_buf out;
    cs_buf_init(&out, 1 << 16);
    cs_path t = test_path(target);
    cs_err err = cs_encode(FMT, &t, rs, reg, &out);
    if (err != CS_OK)
        fail_msg("encode failed: %s", cs_strerror(err));
    if (out.len != want_len || memcmp(out.data, want, want_len) != 0) {
        char got[8192];
        for (size_t i = 0; i < out.len && 2 * i + 2 < sizeof got; i++)
            snprintf(got + 2 * i, 3, "%02x", out.data[i]);
        fail_msg("encoded\n  %s\nexpected\n  %s", got, want_hex);
    }
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

/* decode(bytes) == records, and encode(records) == bytes. */
static void assert_round_trip(const cs_registry *reg, const char *target,
                              const cs_records *rs, const char *payload_hex)
{
    cs_records got;
    cs_records_init(&got);
    assert_encodes_to(target, rs, reg, payload_hex);
    decode_ok(reg, target, payload_hex, &got);
    assert_records_equal(&got, rs);
    for (size_t i = 0; i < rs->count; i++) {
        assert_int_equal(got.items[i].has_time, rs->items[i].has_time);
        if (rs->items[i].has_time)
            assert_true(got.items[i].time == rs->items[i].time);
    }
    cs_records_free(&got);
}

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

/* The Device instance read, byte by byte (RFC 8949 §3): array(14) = 8e;
 * map(3) = a3, map(2) = a2; label bn (-2) = 21, n (0) = 00, v (2) = 02,
 * vs (3) = 03; text(n) = 60+n (74 for 20 bytes, 76 for 22); 3800 =
 * 19 0ed8, 5000 = 19 1388, 100 = 18 64, 1367491215 = 1a 5182428f. */
static const char device_cbor[] =
    "8e"
    "a3 21 65\"/3/0/\" 00 61\"0\" 03 74\"Open Mobile Alliance\""
    "a2 00 61\"1\" 03 76\"Lightweight M2M Client\""
    "a2 00 61\"2\" 03 69\"345000123\""
    "a2 00 61\"3\" 03 63\"1.0\""
    "a2 00 63\"6/0\" 02 01"
    "a2 00 63\"6/1\" 02 05"
    "a2 00 63\"7/0\" 02 19 0ed8"
    "a2 00 63\"7/1\" 02 19 1388"
    "a2 00 61\"9\" 02 18 64"
    "a2 00 62\"10\" 02 0f"
    "a2 00 64\"11/0\" 02 00"
    "a2 00 62\"13\" 02 1a 5182428f"
    "a2 00 62\"14\" 03 66\"+02:00\""
    "a2 00 62\"16\" 03 61\"U\"";

/* ---- Known answers ----------------------------------------------------- */

/* The TS's Send example in SenML CBOR: 43.61092 and 3.87723 need doubles
 * (fb + IEEE 754 bits), -49 is 38 30. */
static void test_send_example(void **state)
{
    (void)state;
    const char *payload = "83"
                          "a2 00 66\"/6/0/0\" 02 fb 4045ce32a0663c75"
                          "a2 00 66\"/6/0/1\" 02 fb 400f049129888f86"
                          "a2 00 66\"/4/0/2\" 02 38 30";
    cs_records got, want;
    cs_records_init(&got);
    cs_records_init(&want);
    decode_ok(NULL, "/", payload, &got);
    add(&want, "/4/0/2", cs_value_integer(-49));
    add(&want, "/6/0/0", cs_value_float(43.61092));
    add(&want, "/6/0/1", cs_value_float(3.87723));
    assert_records_equal(&got, &want);
    assert_encodes_to("/", &want, NULL,
                      "83"
                      "a2 00 66\"/4/0/2\" 02 38 30"
                      "a2 00 66\"/6/0/0\" 02 fb 4045ce32a0663c75"
                      "a2 00 66\"/6/0/1\" 02 fb 400f049129888f86");
    cs_records_free(&got);
    cs_records_free(&want);
}

static void test_device_instance_read(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    device_records(&rs);
    assert_round_trip(cs_registry_standard(), "/3/0", &rs, device_cbor);
    cs_records_free(&rs);
}

/* Every prefix of a valid pack is a truncated pack. */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = hex(device_cbor, buf, sizeof buf);
    for (size_t n = 0; n < len; n++)
        assert_decode_fails(FMT, "/3/0", buf, n, CS_E_TRUNCATED);
    /* The same with indefinite lengths everywhere. */
    len = hex("9f bf 00 66\"/3/0/0\" 03 7f 62\"ab\" 61\"c\" ff ff"
              "bf 00 66\"/0/0/3\" 08 5f 41 01 42 0203 ff ff ff", buf,
              sizeof buf);
    cs_records got;
    cs_records_init(&got);
    cs_path root = cs_path_root();
    assert_int_equal(cs_decode(FMT, &root, buf, len, cs_registry_standard(),
                               &got), CS_OK);
    assert_int_equal(got.count, 2);
    cs_records_free(&got);
    for (size_t n = 0; n < len; n++)
        assert_decode_fails(FMT, "/", buf, n, CS_E_TRUNCATED);
}

/* Names for each target shape; the opaque case is Leshan's expected
 * senml_cbor_encode_opaque_resource output, 81a221662f302f302f330843abcdef. */
static void test_names_per_target(void **state)
{
    (void)state;
    static const uint8_t abcdef[] = { 0xAB, 0xCD, 0xEF };
    cs_records rs;
    cs_records_init(&rs);

    add(&rs, "/0/0/3", cs_value_opaque(abcdef, 3));
    assert_round_trip(cs_registry_standard(), "/0/0/3", &rs,
                      "81a221662f302f302f330843abcdef");
    cs_records_clear(&rs);

    add(&rs, "/3/0/7/0", cs_value_integer(3800));
    add(&rs, "/3/0/7/1", cs_value_integer(5000));
    assert_round_trip(cs_registry_standard(), "/3/0/7", &rs,
                      "82 a3 21 67\"/3/0/7/\" 00 61\"0\" 02 19 0ed8"
                      "a2 00 61\"1\" 02 19 1388");
    cs_records_clear(&rs);

    add(&rs, "/3/0/7/1", cs_value_integer(5000));
    assert_round_trip(cs_registry_standard(), "/3/0/7/1", &rs,
                      "81 a2 21 68\"/3/0/7/1\" 02 19 1388");
    cs_records_clear(&rs);

    add(&rs, "/1/0/1", cs_value_integer(86400));
    add(&rs, "/1/1/1", cs_value_integer(300));
    assert_round_trip(cs_registry_standard(), "/1", &rs,
                      "82 a3 21 63\"/1/\" 00 63\"0/1\" 02 1a 00015180"
                      "a2 00 63\"1/1\" 02 19 012c");
    assert_round_trip(cs_registry_standard(), "/", &rs,
                      "82 a2 00 66\"/1/0/1\" 02 1a 00015180"
                      "a2 00 66\"/1/1/1\" 02 19 012c");
    cs_records_free(&rs);
}

/* Every value type; floats as single precision when exact, else double. */
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
    add(&rs, "/33000/5/0", cs_value_float(100000.0));
    assert_round_trip(reg, "/33000", &rs,
        "92"
        "a3 21 67\"/33000/\" 00 63\"0/0\" 02 fa 41b40000"
        "a2 00 63\"0/1\" 03 66\"</3/0>\""
        "a2 00 63\"0/2\" 02 1b ffffffffffffffff"
        "a2 00 63\"0/3\" 08 45 abcdeffbff"
        "a2 00 63\"0/4\" 63\"vlo\" 63\"3:0\""
        "a2 00 63\"0/5\" 04 f5"
        "a2 00 63\"0/6\" 02 20"
        "a2 00 63\"0/7\" 03 60"
        "a2 00 65\"0/8/0\" 02 3b 7fffffffffffffff"
        "a2 00 65\"0/8/1\" 02 1b 7fffffffffffffff"
        "a2 00 63\"1/0\" 02 fa 40400000"
        "a2 00 63\"1/3\" 08 40"
        "a2 00 63\"1/4\" 63\"vlo\" 6b\"65535:65535\""
        "a2 00 63\"1/5\" 04 f4"
        "a2 00 63\"2/0\" 02 fa 80000000"
        "a2 00 63\"3/0\" 02 fb 7e37e43c8800759c"
        "a2 00 63\"4/0\" 02 fb 3fb999999999999a"
        "a2 00 63\"5/0\" 02 fa 47c35000");
    cs_records_free(&rs);
    cs_registry_free(reg);
}

/* Numbers are written as the resource's type when that loses nothing:
 * 5 for a Float resource as fa 40a00000, 7.0 for an Unsigned one as 07. */
static void test_encode_as_defined(void **state)
{
    (void)state;
    cs_registry *reg = test_registry();
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/33000/0/0", cs_value_integer(5));
    add(&rs, "/33000/0/2", cs_value_float(7.0));
    add(&rs, "/33000/0/6", cs_value_float(2.5));     /* Time: kept */
    assert_encodes_to("/33000/0", &rs, reg,
                      "83 a3 21 69\"/33000/0/\" 00 61\"0\" 02 fa 40a00000"
                      "a2 00 61\"2\" 02 07 a2 00 61\"6\" 02 fa 40200000");
    assert_encodes_to("/33000/0", &rs, NULL,
                      "83 a3 21 69\"/33000/0/\" 00 61\"0\" 02 05"
                      "a2 00 61\"2\" 02 fa 40e00000 a2 00 61\"6\" 02 fa 40200000");
    cs_records_free(&rs);
    cs_registry_free(reg);
}

/* Times: t as an integer when integral, else as a float. */
static void test_times(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add_timed(&rs, "/3/0/9", cs_value_integer(50), 1700000000);
    add(&rs, "/3/0/10", cs_value_integer(10));
    add_timed(&rs, "/3/0/13", cs_value_time(1), -2.25);
    add_timed(&rs, "/3/0/20", cs_value_integer(2), 1700000000.5);
    assert_round_trip(cs_registry_standard(), "/3/0", &rs,
                      "84"
                      "a4 21 65\"/3/0/\" 00 61\"9\" 06 1a 6553f100 02 18 32"
                      "a2 00 62\"10\" 02 0a"
                      "a3 00 62\"13\" 06 fa c0100000 02 01"
                      "a3 00 62\"20\" 06 fb 41d954fc40200000 02 02");
    cs_records_clear(&rs);

    /* bt + t, bt sticky, relative times kept as given. */
    cs_records got;
    cs_records_init(&got);
    decode_ok(cs_registry_standard(), "/3/0",
              "84"
              "a2 00 66\"/3/0/9\" 02 01"
              "a4 22 fb 41d954fc40200000 00 67\"/3/0/10\" 02 02 06 f9 b800"
              "a2 00 67\"/3/0/20\" 02 03"
              "a4 22 00 00 67\"/3/0/21\" 02 04 06 38 3b", &got);
    assert_int_equal(got.count, 4);
    assert_false(got.items[0].has_time);
    assert_true(got.items[1].time == 1700000000.0);   /* bt + -0.5 */
    assert_true(got.items[2].time == 1700000000.5);   /* bt alone */
    assert_true(got.items[3].time == -60);
    assert_true(cs_senml_is_relative(got.items[3].time));
    cs_records_free(&got);
    cs_records_free(&rs);
}

/* Samples of one resource at distinct times are not duplicates; they keep
 * their order. */
static void test_history(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add_timed(&rs, "/3/0/9", cs_value_integer(80), 110);
    add_timed(&rs, "/3/0/9", cs_value_integer(79), 100);
    assert_round_trip(cs_registry_standard(), "/3/0/9", &rs,
                      "82 a3 21 66\"/3/0/9\" 06 18 6e 02 18 50"
                      "a2 06 18 64 02 18 4f");
    cs_records_free(&rs);
    fails("/3/0", "82 a3 21 66\"/3/0/9\" 22 05 02 18 50 a1 02 18 4f",
          CS_E_DUPLICATE);
}

/* ---- What peers send --------------------------------------------------- */

/* Leshan's senml_cbor_encode_timestamped_nodes output: bt as a decimal
 * fraction (tag 4) with exponent 0. */
static void test_leshan_timestamped(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok(NULL, "/",
              "83a321662f302f302f3022c482001a1dcd6504036c53616d706c655374"
              "72696e67a321662f302f302f3122c482001a1dcd650504f4a321662f30"
              "2f302f3222c482001a1dcd6506021901c8", &got);
    assert_int_equal(got.count, 3);
    assert_int_equal(got.items[0].value.type, CS_TYPE_STRING);
    assert_memory_equal(got.items[0].value.v.bytes.data, "SampleString", 12);
    assert_true(got.items[0].time == 500000004);
    assert_int_equal(got.items[1].value.type, CS_TYPE_BOOLEAN);
    assert_false(got.items[1].value.v.b);
    assert_true(got.items[1].time == 500000005);
    assert_int_equal(got.items[2].value.v.i, 456);
    assert_true(got.items[2].time == 500000006);
    cs_records_free(&got);
}

/* Anjay Lite's encoder output: bn "/3/3" with n "/3", bt as a single
 * float, Time values under tag 1, indefinite strings, "vlo". */
static void test_anjay_lite(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok(NULL, "/3/3", "81A321642F332F3300622F33021819", &got);
    assert_int_equal(got.items[0].value.v.i, 25);
    assert_int_equal(cs_path_compare(&got.items[0].path,
                                     &(cs_path){ { 3, 3, 3, 0 }, 3 }), 0);
    cs_records_clear(&got);
    decode_ok(NULL, "/", "81A300662F332F332F3322FA47C35000021819", &got);
    assert_true(got.items[0].has_time);
    assert_true(got.items[0].time == 100000.0);
    cs_records_clear(&got);
    decode_ok(NULL, "/", "81A2006C2F37372F37372F37372F373702C11A000F4240",
              &got);
    assert_int_equal(got.items[0].value.type, CS_TYPE_INTEGER);
    assert_int_equal(got.items[0].value.v.i, 1000000);
    cs_records_clear(&got);
    /* Under tag 1 the number converts to a Time resource's type. */
    decode_ok(cs_registry_standard(), "/3/0", "81 a2 00 67\"/3/0/13\" 02 c1 "
              "1a 000f4240", &got);
    assert_int_equal(got.items[0].value.type, CS_TYPE_TIME);
    cs_records_clear(&got);
    decode_ok(NULL, "/", "81A200662F372F372F37037F6A44444444444444444444FF",
              &got);
    assert_int_equal(got.items[0].value.v.bytes.len, 10);
    assert_memory_equal(got.items[0].value.v.bytes.data, "DDDDDDDDDD", 10);
    cs_records_clear(&got);
    decode_ok(NULL, "/", "81A200662F372F372F37085F4A44444444444444444444FF",
              &got);
    assert_int_equal(got.items[0].value.type, CS_TYPE_OPAQUE);
    assert_int_equal(got.items[0].value.v.bytes.len, 10);
    cs_records_clear(&got);
    decode_ok(NULL, "/", "81 a2 00 67\"/1/1/26\" 63\"vlo\" 65\"17:19\"", &got);
    assert_int_equal(got.items[0].value.type, CS_TYPE_OBJLNK);
    assert_int_equal(got.items[0].value.v.lnk.oid, 17);
    assert_int_equal(got.items[0].value.v.lnk.iid, 19);
    cs_records_free(&got);
}

/* Numbers in every CBOR form RFC 8428 §6 allows. */
static void test_number_forms(void **state)
{
    (void)state;
    static const struct {
        const char *value_hex;
        cs_type type;
        double f;
        int64_t i;
    } forms[] = {
        { "f9 3e00", CS_TYPE_FLOAT, 1.5, 0 },               /* half */
        { "f9 7bff", CS_TYPE_FLOAT, 65504.0, 0 },
        { "f9 0001", CS_TYPE_FLOAT, 5.960464477539063e-08, 0 },
        { "fa 47c35000", CS_TYPE_FLOAT, 100000.0, 0 },      /* single */
        { "fb 3ff8000000000000", CS_TYPE_FLOAT, 1.5, 0 },   /* double */
        { "18 64", CS_TYPE_INTEGER, 0, 100 },
        { "19 0064", CS_TYPE_INTEGER, 0, 100 },     /* not the shortest */
        { "1b 0000000000000064", CS_TYPE_INTEGER, 0, 100 },
        { "3b 7fffffffffffffff", CS_TYPE_INTEGER, 0, INT64_MIN },
        { "3b 8000000000000000", CS_TYPE_FLOAT, -9223372036854775809.0, 0 },
        { "c4 82 21 19 6ab3", CS_TYPE_FLOAT, 273.15, 0 },   /* 27315e-2 */
        { "c4 82 02 05", CS_TYPE_INTEGER, 0, 500 },         /* 5e2 */
        { "c4 82 00 38 63", CS_TYPE_INTEGER, 0, -100 },     /* -100e0 */
        { "c4 82 01 3b 7fffffffffffffff", CS_TYPE_FLOAT,
          -9.2233720368547758e19, 0 },
        { "c4 82 14 01", CS_TYPE_FLOAT, 1e20, 0 },          /* 1e20 */
        { "c4 82 3a 7fffffff 01", CS_TYPE_FLOAT, 0, 0 },    /* 1e-2^31 */
        { "c4 82 20 00", CS_TYPE_FLOAT, 0, 0 },             /* 0e-1 */
        { "c1 1a 000f4240", CS_TYPE_INTEGER, 0, 1000000 },
        { "c1 fb 41d954fc40200000", CS_TYPE_FLOAT, 1700000000.5, 0 },
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char payload[256];
        cs_records got;
        cs_records_init(&got);
        snprintf(payload, sizeof payload, "81 a2 00 6a\"/65000/0/0\" 02 %s",
                 forms[i].value_hex);
        decode_ok(NULL, "/", payload, &got);
        const cs_value *v = &got.items[0].value;
        if (v->type != forms[i].type)
            fail_msg("%s: type %s", forms[i].value_hex, cs_type_name(v->type));
        if (v->type == CS_TYPE_FLOAT && v->v.f != forms[i].f)
            fail_msg("%s: %.17g", forms[i].value_hex, v->v.f);
        if (v->type == CS_TYPE_INTEGER && v->v.i != forms[i].i)
            fail_msg("%s: %lld", forms[i].value_hex, (long long)v->v.i);
        cs_records_free(&got);
    }
    /* Numbers that are no numbers, or no finite ones. */
    static const struct {
        const char *value_hex;
        cs_err err;
    } bad[] = {
        { "f9 7c00", CS_E_RANGE },          /* half infinity */
        { "f9 7e00", CS_E_RANGE },          /* half NaN */
        { "fa 7f800000", CS_E_RANGE },
        { "fb fff0000000000000", CS_E_RANGE },
        { "c4 82 19 ffff 01", CS_E_RANGE },  /* 1e65535 */
        { "c4 82 00 c2 41 01", CS_E_RANGE }, /* bignum mantissa */
        { "c4 82 c2 41 01 01", CS_E_RANGE },
        { "c4 82 00 f9 3e00", CS_E_SYNTAX }, /* float mantissa */
        { "c4 83 00 01 02", CS_E_SYNTAX },
        { "c4 9f 00 01 ff", CS_E_SYNTAX },
        { "c4 01", CS_E_SYNTAX },
        { "c1 c1 01", CS_E_SYNTAX },
        { "c1 61\"1\"", CS_E_SYNTAX },
        { "c0 74\"2013-03-21T20:04:51Z\"", CS_E_SYNTAX },
        { "c2 41 01", CS_E_SYNTAX },
        { "61\"1\"", CS_E_SYNTAX },
        { "f5", CS_E_SYNTAX },
        { "f6", CS_E_SYNTAX },
        { "f7", CS_E_SYNTAX },
        { "80", CS_E_SYNTAX },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char payload[256];
        snprintf(payload, sizeof payload, "81 a2 00 6a\"/65000/0/0\" 02 %s",
                 bad[i].value_hex);
        fails("/", payload, bad[i].err);
    }
}

/* ---- SenML semantics --------------------------------------------------- */

static void test_base_fields(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok(cs_registry_standard(), "/",
              "85"
              "a3 21 65\"/3/0/\" 00 61\"9\" 02 18 5a"
              "a2 00 62\"10\" 02 0a"
              "a2 21 66\"/1/0/1\" 02 18 3c"
              "a4 21 60 24 18 64 00 68\"/3/0/7/0\" 02 20" /* bv 100 + -1 */
              "a2 00 68\"/3/0/7/1\" 02 05", &got);
    assert_int_equal(got.count, 5);
    assert_int_equal(got.items[0].value.v.i, 60);            /* /1/0/1 */
    assert_int_equal(got.items[1].value.v.i, 99);            /* /3/0/7/0 */
    assert_int_equal(got.items[2].value.v.i, 105);
    assert_int_equal(got.items[3].value.v.i, 90);            /* /3/0/9 */
    assert_int_equal(got.items[4].value.v.i, 10);
    cs_records_free(&got);
}

/* Known-but-unused labels and unknown ones are skipped; "_" text labels
 * must be understood. */
static void test_unknown_labels(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok(cs_registry_standard(), "/3/0/9",
              "81 a9 20 0a 23 61\"x\" 25 00 00 66\"/3/0/9\" 01 63\"%EL\" "
              "05 01 07 18 3c 02 18 32"
              "18 63 a1 01 82 f6 9f 40 5f ff ff", &got);
    assert_int_equal(got.items[0].value.v.i, 50);
    cs_records_clear(&got);
    /* Text labels other than "vlo" are extensions: "n" as text is not 0. */
    decode_ok(cs_registry_standard(), "/3/0/9",
              "81 a4 61\"n\" 61\"x\" 63\"foo\" f7 00 66\"/3/0/9\" 02 01",
              &got);
    assert_int_equal(got.count, 1);
    cs_records_free(&got);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 64\"foo_\" 01", CS_E_SYNTAX);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 7f 62\"fo\" 62\"o_\" ff 01",
          CS_E_SYNTAX);
    /* The "vs" key of JSON is not a CBOR label (Leshan issue 1654). */
    fails("/3/0/9", "81 a2 62\"-2\" 66\"/3/0/9\" 61\"3\" 61\"x\"", CS_E_PATH);
    /* Labels must be integers or text. */
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 41 00 01", CS_E_SYNTAX);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 f9 0000 01", CS_E_SYNTAX);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 80 01", CS_E_SYNTAX);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 f4 01", CS_E_SYNTAX);
    /* Skipped values nest at most 8 deep, and must be well-formed. */
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 18 63 "
                    "81 81 81 81 81 81 81 81 81 81 81 81 01", CS_E_NESTING);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 18 63 "
                    "c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 c1 01", CS_E_NESTING);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 18 63 ff", CS_E_SYNTAX);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 18 63 62 c3 28",
          CS_E_ENCODING);
    fails("/3/0/9", "81 a3 00 66\"/3/0/9\" 02 01 18 63 5f 61 00 ff",
          CS_E_SYNTAX);
}

/* ---- Types through the object definitions ------------------------------ */

static void test_conversions(void **state)
{
    (void)state;
    cs_registry *reg = test_registry();
    cs_records got;
    cs_records_init(&got);
    decode_ok(reg, "/33000/0",
              "85 a3 21 69\"/33000/0/\" 00 61\"0\" 02 05"
              "a2 00 61\"1\" 03 64\"</1>\""
              "a2 00 61\"2\" 02 f9 4700"                 /* 7.0 */
              "a2 00 61\"6\" 02 1a 6553f100"
              "a2 00 63\"8/0\" 02 fa c0000000", &got);  /* -2.0 */
    assert_int_equal(got.items[0].value.type, CS_TYPE_FLOAT);
    assert_int_equal(got.items[1].value.type, CS_TYPE_CORELNK);
    assert_int_equal(got.items[2].value.type, CS_TYPE_UNSIGNED);
    assert_int_equal(got.items[2].value.v.u, 7);
    assert_int_equal(got.items[3].value.type, CS_TYPE_TIME);
    assert_int_equal(got.items[4].value.v.i, -2);
    cs_records_free(&got);
    cs_registry_free(reg);

    /* Battery Level: Integer 0..100. */
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 03 63\"100\"", CS_E_TYPE);
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 02 18 65", CS_E_RANGE);
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 02 20", CS_E_RANGE);
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 02 f9 3e00", CS_E_TYPE);
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 04 f5", CS_E_TYPE);
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 08 41 64", CS_E_TYPE);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 02 01", CS_E_TYPE);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 63\"vlo\" 63\"1:1\"", CS_E_TYPE);
    fails("/3/0", "81 a2 00 66\"/3/0/7\" 02 01", CS_E_NESTING);
}

/* ---- Malformed input --------------------------------------------------- */

static void test_structure(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok(NULL, "/", "80", &got);
    decode_ok(NULL, "/", "9f ff", &got);
    assert_int_equal(got.count, 0);
    cs_records_free(&got);

    fails("/3/0", "", CS_E_TRUNCATED);
    fails("/3/0", "a0", CS_E_SYNTAX);                   /* a map */
    fails("/3/0", "a2 00 66\"/3/0/9\" 02 01", CS_E_SYNTAX);
    fails("/3/0", "01", CS_E_SYNTAX);
    fails("/3/0", "f6", CS_E_SYNTAX);
    fails("/3/0", "c4 80", CS_E_SYNTAX);                /* tagged array */
    fails("/3/0", "81 01", CS_E_SYNTAX);                /* record not map */
    fails("/3/0", "81 80", CS_E_SYNTAX);
    fails("/3/0", "81 61\"x\"", CS_E_SYNTAX);
    fails("/3/0", "81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 a0",
          CS_E_SYNTAX);
    fails("/3/0", "9f 9f 9f 9f 9f 9f 9f 9f 9f 9f 9f 9f", CS_E_SYNTAX);
    fails("/3/0", "81 ff", CS_E_SYNTAX);                /* break, definite */
    fails("/3/0", "ff", CS_E_SYNTAX);
    fails("/3/0", "1c", CS_E_SYNTAX);                   /* reserved info */
    fails("/3/0", "81 bc", CS_E_SYNTAX);
    fails("/3/0", "81 a1 00 fc", CS_E_SYNTAX);
    fails("/3/0", "81 a1 00 f8 20", CS_E_SYNTAX);       /* simple(32) */
    fails("/3/0", "81 a1 00 e0", CS_E_SYNTAX);          /* simple(0) */
    fails("/3/0", "81 a1 00 1f", CS_E_SYNTAX);          /* indefinite uint */
    /* Lengths beyond the payload. */
    fails("/3/0", "82 a2 00 66\"/3/0/9\" 02 01", CS_E_TRUNCATED);
    fails("/3/0", "9b ffffffffffffffff a2 00 66\"/3/0/9\" 02 01",
          CS_E_TRUNCATED);
    fails("/3/0", "81 a3 00 66\"/3/0/9\" 02 01", CS_E_TRUNCATED);
    fails("/3/0", "81 a2 00 7b ffffffffffffffff 02 01", CS_E_TRUNCATED);
    fails("/3/0", "81 a2 00 7a ffffffff 02 01", CS_E_TRUNCATED);
    fails("/3/0", "81 a2 00 66\"/3/0/\" 02 01", CS_E_TRUNCATED);
    /* Trailing bytes. */
    fails("/3/0", "81 a2 00 66\"/3/0/9\" 02 01 00", CS_E_TRAILING);
    fails("/3/0", "80 80", CS_E_TRAILING);
    fails("/3/0", "80 ff", CS_E_TRAILING);
    fails("/3/0", "9f ff 00", CS_E_TRAILING);
}

static void test_records_malformed(void **state)
{
    (void)state;
    /* Exactly one value per record. */
    fails("/3/0", "81 a1 00 66\"/3/0/9\"", CS_E_SYNTAX);
    fails("/3/0", "81 a3 00 66\"/3/0/9\" 02 01 03 61\"1\"", CS_E_SYNTAX);
    fails("/3/0", "81 a3 00 66\"/3/0/9\" 04 f5 08 40", CS_E_SYNTAX);
    fails("/3/0", "81 a3 00 66\"/3/0/9\" 63\"vlo\" 63\"1:1\" 02 01",
          CS_E_SYNTAX);
    fails("/3/0", "81 a0", CS_E_PATH);
    /* Fields of the wrong CBOR type. */
    fails("/3/0", "81 a2 00 09 02 01", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 46\"/3/0/9\" 02 01", CS_E_SYNTAX);   /* bytes */
    fails("/3/0", "81 a3 21 f6 00 66\"/3/0/9\" 02 01", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 41 78", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 08 61 78", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 04 01", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 04 f6", CS_E_SYNTAX);
    fails("/3/0", "81 a3 06 61\"1\" 00 66\"/3/0/9\" 02 01", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 63\"vlo\" 43\"1:1\"", CS_E_SYNTAX);
    /* Indefinite strings: chunks of the same kind only. */
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 7f 41 78 ff", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 7f 7f ff ff", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 7f 01 ff", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 66\"/0/0/3\" 08 5f 61 78 ff", CS_E_SYNTAX);
    /* Text must be UTF-8, each chunk on its own. */
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 61 ff", CS_E_ENCODING);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 62 c0 af", CS_E_ENCODING);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 63 ed a0 80", CS_E_ENCODING);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 7f 61 c3 61 a9 ff", CS_E_ENCODING);
    fails("/3/0", "81 a2 00 66\"/3/0/0\" 03 61 c3", CS_E_ENCODING);
    fails("/3/0", "81 a2 00 66 2f 33 2f 30 2f c0 02 01", CS_E_ENCODING);
    /* A label twice. */
    fails("/3/0", "81 a3 00 66\"/3/0/9\" 02 01 02 02", CS_E_DUPLICATE);
    fails("/3/0", "81 a3 00 66\"/3/0/9\" 00 66\"/3/0/9\" 02 01",
          CS_E_DUPLICATE);
    fails("/3/0", "81 a4 21 65\"/3/0/\" 21 65\"/3/0/\" 00 61\"9\" 02 01",
          CS_E_DUPLICATE);
    fails("/3/0", "81 a4 00 66\"/3/0/9\" 02 01 06 01 06 02", CS_E_DUPLICATE);
    fails("/3/0", "81 a3 00 67\"/3/0/22\" 63\"vlo\" 63\"1:1\" 63\"vlo\" "
                  "63\"1:1\"", CS_E_DUPLICATE);
    /* The same path twice. */
    fails("/3/0", "82 a2 00 66\"/3/0/9\" 02 01 a2 00 66\"/3/0/9\" 02 02",
          CS_E_DUPLICATE);
    /* Names that are no paths, or not under the target. */
    fails("/3/0", "81 a2 00 6b\"/3/0/11/0/1\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a3 21 6a\"/3/0/11/0/\" 00 61\"1\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a3 21 65\"/3/0/\" 00 62\"/9\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a2 00 65\"3/0/9\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a2 00 66\"/3/0/x\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a2 00 66\"/4/0/9\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a2 00 62\"/3\" 02 01", CS_E_PATH);
    fails("/3/0", "81 a2 00 64\"/3/0\" 02 01", CS_E_NESTING);
    fails("/3/0", "81 a2 00 78 28"
                  "\"/3/0/00000000000000000000000000000000009\" 02 01",
          CS_E_PATH);
    /* Object links. */
    fails("/3/0", "81 a2 00 69\"/3/0/22/0\" 63\"vlo\" 63\"1:x\"", CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 69\"/3/0/22/0\" 63\"vlo\" 67\"65536:0\"",
          CS_E_SYNTAX);
    fails("/3/0", "81 a2 00 69\"/3/0/22/0\" 63\"vlo\" 60", CS_E_SYNTAX);
}

/* ---- Encoding ---------------------------------------------------------- */

static void test_encode_edges(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);

    /* Empty containers have no SenML form and are not counted. */
    cs_path p = test_path("/3/0/11");
    cs_value none = cs_value_none();
    assert_int_equal(cs_records_add(&rs, &p, &none), CS_OK);
    assert_encodes_to("/3/0/11", &rs, NULL, "80");
    add(&rs, "/3/0/9", cs_value_integer(1));
    assert_encodes_to("/3/0", &rs, NULL,
                      "81 a3 21 65\"/3/0/\" 00 61\"9\" 02 01");
    cs_records_clear(&rs);

    add(&rs, "/3/0/9", cs_value_float(NAN));
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add_timed(&rs, "/3/0/9", cs_value_integer(1), INFINITY);
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/3/0/0", cs_value_string("\xc3", 1));
    assert_int_equal(encode_err("/3/0", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/3/0", cs_value_integer(1));
    assert_int_equal(encode_err("/3", &rs), CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    add(&rs, "/4/0/0", cs_value_integer(1));
    assert_int_equal(encode_err("/3", &rs), CS_E_PATH);
    cs_records_clear(&rs);

    add(&rs, "/3/0/0", str("Open Mobile Alliance"));
    cs_buf out;
    cs_buf_init(&out, 20);
    cs_path t = test_path("/3/0");
    assert_int_equal(cs_encode(FMT, &t, &rs, NULL, &out), CS_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* Time values in a timed pack keep their type through the registry. */
static void test_decode_failure_keeps_list(void **state)
{
    (void)state;
    cs_records got;
    cs_records_init(&got);
    decode_ok(cs_registry_standard(), "/3/0", "81 a2 00 66\"/3/0/9\" 02 01",
              &got);
    assert_int_equal(decode_with(cs_registry_standard(), "/3/0",
                                 "82 a2 00 67\"/3/0/10\" 02 01"
                                 "a2 00 66\"/3/0/9\" 02 18 65", &got),
                     CS_E_RANGE);
    assert_int_equal(got.count, 1);
    cs_records_free(&got);
}

/* ---- Path lists (composite requests) ------------------------------------ */

static void test_paths(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = hex("84 a1 00 66\"/3/0/0\" a1 00 62\"/1\" a1 00 61\"/\""
                     "a2 21 65\"/5/0/\" 00 61\"1\"", buf, sizeof buf);
    cs_records got;
    cs_records_init(&got);
    assert_int_equal(cs_senml_cbor_decode_paths(buf, len, &got), CS_OK);
    assert_int_equal(got.count, 4);
    cs_path want[4] = { test_path("/3/0/0"), test_path("/1"), test_path("/"),
                        test_path("/5/0/1") };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cs_path_compare(&got.items[i].path, &want[i]), 0);
        assert_int_equal(got.items[i].value.type, CS_TYPE_NONE);
    }
    cs_buf out;
    cs_buf_init(&out, 200);
    assert_int_equal(cs_senml_cbor_encode_paths(want, 4, &out), CS_OK);
    uint8_t expect[256];
    size_t expect_len = hex("84 a1 00 66\"/3/0/0\" a1 00 62\"/1\" "
                            "a1 00 61\"/\" a1 00 66\"/5/0/1\"", expect,
                            sizeof expect);
    assert_int_equal(out.len, expect_len);
    assert_memory_equal(out.data, expect, expect_len);
    cs_buf_free(&out);

    len = hex("82 a1 00 66\"/3/0/0\" a2 00 66\"/3/0/1\" 02 01", buf,
              sizeof buf);
    assert_int_equal(cs_senml_cbor_decode_paths(buf, len, &got), CS_E_SYNTAX);
    assert_int_equal(got.count, 4);
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
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_leshan_timestamped),
        cmocka_unit_test(test_anjay_lite),
        cmocka_unit_test(test_number_forms),
        cmocka_unit_test(test_base_fields),
        cmocka_unit_test(test_unknown_labels),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_records_malformed),
        cmocka_unit_test(test_encode_edges),
        cmocka_unit_test(test_decode_failure_keeps_list),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
