/*
 * test_codec_cbor_value.c - the CBOR single-value format (60): known
 * answers in both directions for every LwM2M type, round trips, and
 * malformed input of each kind (truncation at every offset, trailing bytes,
 * wrong types and ranges against the object definitions, bad strings, huge
 * declared lengths).
 */
#include <float.h>
#include <math.h>

#include "test_support.h"

#define CBOR CS_FORMAT_CBOR

/* Decode `hex` for `target` with the standard registry and expect one
 * record naming the target with exactly `expected`. */
static void expect_decoded(const char *target, const char *hex,
                           cs_value expected)
{
    uint8_t buf[256];
    size_t n = test_hex(hex, buf, sizeof buf);
    cs_path t = test_path(target);
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_decode(CBOR, &t, buf, n, cs_registry_standard(), &rs);
    if (err != CS_OK)
        fail_msg("decode %s for %s: %s", hex, target, cs_strerror(err));
    assert_int_equal(rs.count, 1);
    assert_int_equal(cs_path_compare(&rs.items[0].path, &t), 0);
    if (!cs_value_equal(&rs.items[0].value, &expected))
        fail_msg("decode %s for %s: got a %s, expected a %s (or other "
                 "content)", hex, target, cs_type_name(rs.items[0].value.type),
                 cs_type_name(expected.type));
    cs_records_free(&rs);
}

/* Encode one record (target, value) and expect exactly `hex`. */
static void expect_encoded(const char *target, cs_value value,
                           const char *hex)
{
    uint8_t want[256];
    size_t n = test_hex(hex, want, sizeof want);
    cs_path t = test_path(target);
    cs_records rs;
    cs_records_init(&rs);
    assert_int_equal(cs_records_add(&rs, &t, &value), CS_OK);
    cs_buf out;
    cs_buf_init(&out, 1024);
    cs_err err = cs_encode(CBOR, &t, &rs, cs_registry_standard(), &out);
    if (err != CS_OK)
        fail_msg("encode for %s: %s", target, cs_strerror(err));
    if (out.len != n || memcmp(out.data, want, n) != 0) {
        char got[3 * 64 + 1] = "";
        for (size_t i = 0; i < out.len && i < 64; i++)
            snprintf(got + 3 * i, 4, "%02x ", out.data[i]);
        fail_msg("encode for %s: got %s, expected %s", target, got, hex);
    }
    cs_buf_free(&out);
    cs_records_free(&rs);
}

static void expect_decode_error(const char *target, const char *hex,
                                cs_err err)
{
    uint8_t buf[256];
    size_t n = test_hex(hex, buf, sizeof buf);
    assert_decode_fails(CBOR, target, buf, n, err);
}

/* ---- Decoding known answers ------------------------------------------- */

static void test_decode_integers(void **state)
{
    (void)state;
    expect_decoded("/3/0/9", "18 64", cs_value_integer(100));    /* 0..100 */
    expect_decoded("/3/0/9", "00", cs_value_integer(0));
    expect_decoded("/3/0/10", "1a 00 01 86 a0", cs_value_integer(100000));
    expect_decoded("/3/0/10", "20", cs_value_integer(-1));
    expect_decoded("/3/0/10", "38 63", cs_value_integer(-100));
    /* non-shortest heads are well-formed CBOR and accepted */
    expect_decoded("/3/0/9", "19 00 05", cs_value_integer(5));
    /* Unsigned resource (TLS-DTLS Alert Code, 0..255) */
    expect_decoded("/1/0/11", "18 ff", cs_value_unsigned(255));
    /* an unknown resource keeps the type the CBOR carries */
    expect_decoded("/65000/0/0", "05", cs_value_integer(5));
    expect_decoded("/65000/0/0", "1b ff ff ff ff ff ff ff ff",
                   cs_value_unsigned(UINT64_MAX));
    expect_decoded("/65000/0/0", "1b 7f ff ff ff ff ff ff ff",
                   cs_value_integer(INT64_MAX));
    expect_decoded("/65000/0/0", "3b 7f ff ff ff ff ff ff ff",
                   cs_value_integer(INT64_MIN));
}

static void test_decode_floats(void **state)
{
    (void)state;
    expect_decoded("/65000/0/0", "f9 3e 00", cs_value_float(1.5));
    expect_decoded("/65000/0/0", "f9 7b ff", cs_value_float(65504.0));
    expect_decoded("/65000/0/0", "f9 00 01", cs_value_float(ldexp(1, -24)));
    expect_decoded("/65000/0/0", "f9 80 00", cs_value_float(-0.0));
    expect_decoded("/65000/0/0", "f9 7c 00", cs_value_float(INFINITY));
    expect_decoded("/65000/0/0", "f9 7e 00", cs_value_float(NAN));
    expect_decoded("/65000/0/0", "fa 47 c3 50 00", cs_value_float(100000.0));
    expect_decoded("/65000/0/0", "fb 3f b9 99 99 99 99 99 9a",
                   cs_value_float(0.1));
    /* a whole float for an Integer resource converts losslessly */
    expect_decoded("/3/0/9", "f9 55 40", cs_value_integer(84));
}

static void test_decode_other_types(void **state)
{
    (void)state;
    expect_decoded("/1/0/6", "f5", cs_value_boolean(true));
    expect_decoded("/1/0/6", "f4", cs_value_boolean(false));
    expect_decoded("/3/0/0", "64 41 43 4d 45", cs_value_string("ACME", 4));
    expect_decoded("/3/0/0", "60", cs_value_string("", 0));
    expect_decoded("/3/0/0", "62 c3 a9", cs_value_string("\xc3\xa9", 2));
    expect_decoded("/0/0/3", "43 01 02 03", cs_value_opaque("\1\2\3", 3));
    expect_decoded("/0/0/3", "40", cs_value_opaque("", 0));
    /* Objlnk as "oid:iid" text */
    expect_decoded("/1/0/10", "64 31 31 3a 30", cs_value_objlnk(11, 0));
    expect_decoded("/1/0/10", "6b 36 35 35 33 35 3a 36 35 35 33 35",
                   cs_value_objlnk(65535, 65535));
    /* Zephyr sends the C terminator along */
    expect_decoded("/1/0/10", "65 31 31 3a 30 00", cs_value_objlnk(11, 0));
    /* the same text for a String resource stays text */
    expect_decoded("/3/0/0", "64 31 31 3a 30", cs_value_string("11:0", 4));
}

static void test_decode_time(void **state)
{
    (void)state;
    /* tag 1: epoch seconds (Leshan, Anjay) */
    expect_decoded("/3/0/13", "c1 1a 5f 5e 10 00", cs_value_time(1600000000));
    expect_decoded("/3/0/13", "c1 20", cs_value_time(-1));
    expect_decoded("/3/0/13", "c1 fa 4e be bc 20", cs_value_time(1600000000));
    /* untagged integer, converted by the definition */
    expect_decoded("/3/0/13", "1a 5f 5e 10 00", cs_value_time(1600000000));
    /* tag 0: RFC 3339 text (Zephyr writes "-00:00") */
    expect_decoded("/3/0/13",
                   "c0 74 32 30 32 30 2d 30 39 2d 31 33 54 31 32 3a 32 36 3a "
                   "34 30 5a", /* "2020-09-13T12:26:40Z" */
                   cs_value_time(1600000000));
    expect_decoded("/3/0/13",
                   "c0 78 19 32 30 32 30 2d 30 39 2d 31 33 54 31 32 3a 32 36 "
                   "3a 34 30 2d 30 30 3a 30 30", /* "...40-00:00" */
                   cs_value_time(1600000000));
    expect_decoded("/3/0/13",
                   "c0 78 19 32 30 32 30 2d 30 39 2d 31 33 54 31 32 3a 32 36 "
                   "3a 34 30 2b 30 32 3a 30 30", /* "...40+02:00" */
                   cs_value_time(1600000000 - 7200));
    expect_decoded("/3/0/13",
                   "c0 77 31 39 36 39 2d 31 32 2d 33 31 54 32 33 3a 35 39 "
                   "3a 35 39 2e 30 30 5a", /* "1969-12-31T23:59:59.00Z" */
                   cs_value_time(-1));
    expect_decoded("/3/0/13",
                   "c0 74 32 30 32 34 2d 30 32 2d 32 39 54 30 30 3a 30 30 3a "
                   "30 30 5a", /* "2024-02-29T00:00:00Z" */
                   cs_value_time(1709164800));
    /* a tagged time for an unknown resource stays a Time */
    expect_decoded("/65000/0/0", "c1 05", cs_value_time(5));
}

static void test_decode_indefinite_strings(void **state)
{
    (void)state;
    expect_decoded("/3/0/0", "7f 62 41 43 62 4d 45 ff",
                   cs_value_string("ACME", 4));
    expect_decoded("/3/0/0", "7f ff", cs_value_string("", 0));
    expect_decoded("/3/0/0", "7f 60 64 41 43 4d 45 60 ff",
                   cs_value_string("ACME", 4));
    expect_decoded("/0/0/3", "5f 41 01 42 02 03 ff",
                   cs_value_opaque("\1\2\3", 3));
    expect_decoded("/1/0/10", "7f 62 31 31 62 3a 30 ff",
                   cs_value_objlnk(11, 0));
}

/* ---- Encoding known answers ------------------------------------------- */

static void test_encode_numbers(void **state)
{
    (void)state;
    expect_encoded("/3/0/9", cs_value_integer(100), "18 64");
    expect_encoded("/3/0/10", cs_value_integer(-1), "20");
    expect_encoded("/3/0/10", cs_value_integer(23), "17");
    expect_encoded("/3/0/10", cs_value_integer(24), "18 18");
    expect_encoded("/3/0/10", cs_value_integer(-25), "38 18");
    expect_encoded("/3/0/10", cs_value_integer(65536), "1a 00 01 00 00");
    expect_encoded("/65000/0/0", cs_value_integer(INT64_MIN),
                   "3b 7f ff ff ff ff ff ff ff");
    expect_encoded("/65000/0/0", cs_value_unsigned(UINT64_MAX),
                   "1b ff ff ff ff ff ff ff ff");
    expect_encoded("/1/0/11", cs_value_unsigned(255), "18 ff");
}

static void test_encode_floats_shortest_exact(void **state)
{
    (void)state;
    const char *t = "/65000/0/0";
    expect_encoded(t, cs_value_float(1.5), "f9 3e 00");
    expect_encoded(t, cs_value_float(0.0), "f9 00 00");
    expect_encoded(t, cs_value_float(-0.0), "f9 80 00");
    expect_encoded(t, cs_value_float(65504.0), "f9 7b ff");
    expect_encoded(t, cs_value_float(65505.0), "fa 47 7f e1 00");
    expect_encoded(t, cs_value_float(100000.0), "fa 47 c3 50 00");
    expect_encoded(t, cs_value_float(0.1), "fb 3f b9 99 99 99 99 99 9a");
    expect_encoded(t, cs_value_float(1e300), "fb 7e 37 e4 3c 88 00 75 9c");
    /* half subnormals: libcbor's own half encoder gets 3 * 2^-24 wrong */
    expect_encoded(t, cs_value_float(ldexp(1, -24)), "f9 00 01");
    expect_encoded(t, cs_value_float(ldexp(3, -24)), "f9 00 03");
    /* 1e-5 has a nearby half (00a8) but no exact one */
    expect_encoded(t, cs_value_float(1e-5), "fb 3e e4 f8 b5 88 e3 68 f1");
    expect_encoded(t, cs_value_float((double)FLT_MAX),
                   "fa 7f 7f ff ff");
    expect_encoded(t, cs_value_float(INFINITY), "f9 7c 00");
    expect_encoded(t, cs_value_float(-INFINITY), "f9 fc 00");
    expect_encoded(t, cs_value_float(NAN), "f9 7e 00");
}

/* Every half-precision value decodes and encodes back to its own three
 * bytes (NaNs to the canonical one): the shortest form is always found. */
static void test_every_half_round_trips(void **state)
{
    (void)state;
    cs_path t = test_path("/65000/0/0");
    for (uint32_t h = 0; h <= 0xFFFF; h++) {
        uint8_t in[3] = { 0xF9, (uint8_t)(h >> 8), (uint8_t)h };
        cs_records rs;
        cs_records_init(&rs);
        assert_int_equal(cs_decode(CBOR, &t, in, 3, NULL, &rs), CS_OK);
        cs_buf out;
        cs_buf_init(&out, 16);
        assert_int_equal(cs_encode(CBOR, &t, &rs, NULL, &out), CS_OK);
        bool nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
        uint8_t want[3] = { 0xF9, nan ? 0x7E : in[1], nan ? 0x00 : in[2] };
        if (out.len != 3 || memcmp(out.data, want, 3) != 0)
            fail_msg("half %04x did not come back as itself", (unsigned)h);
        cs_buf_free(&out);
        cs_records_free(&rs);
    }
}

static void test_encode_other_types(void **state)
{
    (void)state;
    expect_encoded("/1/0/6", cs_value_boolean(true), "f5");
    expect_encoded("/1/0/6", cs_value_boolean(false), "f4");
    expect_encoded("/3/0/0", cs_value_string("ACME", 4), "64 41 43 4d 45");
    expect_encoded("/3/0/0", cs_value_string("", 0), "60");
    expect_encoded("/0/0/3", cs_value_opaque("\1\2\3", 3), "43 01 02 03");
    expect_encoded("/3/0/13", cs_value_time(1600000000),
                   "c1 1a 5f 5e 10 00");
    expect_encoded("/3/0/13", cs_value_time(-1), "c1 20");
    expect_encoded("/1/0/10", cs_value_objlnk(11, 0), "64 31 31 3a 30");
    expect_encoded("/1/0/10", cs_value_objlnk(65535, 65535),
                   "6b 36 35 35 33 35 3a 36 35 35 33 35");
    expect_encoded("/65000/0/0", cs_value_corelnk("</3>", 4),
                   "64 3c 2f 33 3e");
    /* a 24-byte string needs a one-byte length */
    expect_encoded("/3/0/0", cs_value_string("abcdefghijklmnopqrstuvwx", 24),
                   "78 18 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 "
                   "72 73 74 75 76 77 78");
}

/* With a registry the value goes out as the defined type when that loses
 * nothing, so a peer typing by CBOR major type reads it right. */
static void test_encode_converts_to_defined_type(void **state)
{
    (void)state;
    expect_encoded("/3/0/13", cs_value_integer(1600000000),
                   "c1 1a 5f 5e 10 00");
    expect_encoded("/3/0/9", cs_value_float(50.0), "18 32");
    /* not convertible: written as it is */
    expect_encoded("/3/0/9", cs_value_float(50.5), "f9 52 50");
}

static void test_encode_refuses(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    cs_buf out;
    cs_buf_init(&out, 64);
    cs_path res = test_path("/3/0/0");
    cs_path inst = test_path("/3/0");
    cs_value v = cs_value_string("ACME", 4);
    assert_int_equal(cs_records_add(&rs, &res, &v), CS_OK);

    /* the target must be the record's resource */
    assert_int_equal(cs_encode(CBOR, &inst, &rs, NULL, &out),
                     CS_E_NOT_ACCEPTABLE);
    cs_path other = test_path("/3/0/1");
    assert_int_equal(cs_encode(CBOR, &other, &rs, NULL, &out),
                     CS_E_NOT_ACCEPTABLE);
    /* one record only */
    cs_path res1 = test_path("/3/0/1");
    assert_int_equal(cs_records_add(&rs, &res1, &v), CS_OK);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out),
                     CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    /* CBOR text must be UTF-8 */
    v = cs_value_string("\xff\xfe", 2);
    assert_int_equal(cs_records_add(&rs, &res, &v), CS_OK);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out),
                     CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    /* no value at all */
    v = cs_value_none();
    assert_int_equal(cs_records_add(&rs, &res, &v), CS_OK);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out),
                     CS_E_NOT_ACCEPTABLE);
    /* a full buffer, and nothing left behind on error */
    cs_records_clear(&rs);
    v = cs_value_string("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
                        "abcdefghijklmnopqrstuvwxyz",
                        78);
    assert_int_equal(cs_records_add(&rs, &res, &v), CS_OK);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out), CS_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    cs_buf_free(&out);
    /* exactly enough room is enough */
    cs_records_clear(&rs);
    v = cs_value_float(0.1);
    assert_int_equal(cs_records_add(&rs, &res, &v), CS_OK);
    cs_buf_init(&out, 8);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out), CS_E_TOO_LARGE);
    cs_buf_free(&out);
    cs_buf_init(&out, 9);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out), CS_OK);
    assert_int_equal(out.len, 9);
    cs_buf_free(&out);
    cs_records_clear(&rs);
    v = cs_value_string("ACME", 4);
    assert_int_equal(cs_records_add(&rs, &res, &v), CS_OK);
    cs_buf_init(&out, 5);
    assert_int_equal(cs_encode(CBOR, &res, &rs, NULL, &out), CS_OK);
    assert_int_equal(out.len, 5);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* ---- Round trips ------------------------------------------------------- */

/* encode(decode(x)) == x for canonical payloads. */
static void test_round_trip_canonical(void **state)
{
    (void)state;
    static const struct {
        const char *target, *hex;
    } cases[] = {
        { "/3/0/9", "18 64" },
        { "/3/0/10", "3a 00 01 86 9f" },
        { "/1/0/11", "18 ff" },
        { "/1/0/6", "f5" },
        { "/3/0/0", "64 41 43 4d 45" },
        { "/0/0/3", "43 01 02 03" },
        { "/3/0/13", "c1 1a 5f 5e 10 00" },
        { "/1/0/10", "64 31 31 3a 30" },
        { "/3/0/11/0", "18 20" },
        { "/65000/0/0", "f9 3e 00" },
        { "/65000/0/0", "fa 47 c3 50 00" },
        { "/65000/0/0", "fb 3f b9 99 99 99 99 99 9a" },
        { "/65000/0/0", "1b ff ff ff ff ff ff ff ff" },
        { "/65000/0/0", "c1 05" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[64];
        size_t n = test_hex(cases[i].hex, in, sizeof in);
        cs_path t = test_path(cases[i].target);
        cs_records rs;
        cs_records_init(&rs);
        assert_int_equal(
            cs_decode(CBOR, &t, in, n, cs_registry_standard(), &rs), CS_OK);
        cs_buf out;
        cs_buf_init(&out, 64);
        assert_int_equal(cs_encode(CBOR, &t, &rs, cs_registry_standard(),
                                   &out), CS_OK);
        if (out.len != n || memcmp(out.data, in, n) != 0)
            fail_msg("case %zu (%s) did not round-trip", i, cases[i].hex);
        cs_buf_free(&out);
        cs_records_free(&rs);
    }
}

/* decode(encode(v)) == v for a value of every type. */
static void test_round_trip_values(void **state)
{
    (void)state;
    const struct {
        const char *target;
        cs_value v;
    } cases[] = {
        { "/3/0/10", cs_value_integer(INT64_MIN) },
        { "/3/0/10", cs_value_integer(INT64_MAX) },
        { "/1/0/13", cs_value_unsigned(UINT64_MAX) },
        { "/65000/0/0", cs_value_float(3.141592653589793) },
        { "/65000/0/0", cs_value_float(-2.5) },
        { "/65000/0/0", cs_value_float(ldexp(1, -1074)) },
        { "/65000/0/0", cs_value_float(ldexp(1023, -24)) },
        { "/1/0/23", cs_value_boolean(true) },
        { "/3/0/15", cs_value_string("Europe/Paris", 12) },
        { "/0/0/5", cs_value_opaque("\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17",
                                    16) },
        { "/3/0/13", cs_value_time(INT64_MIN) },
        { "/1/0/12", cs_value_time(0) },
        { "/0/0/17", cs_value_objlnk(21, 3) },
        { "/1/0/24/2", cs_value_objlnk(11, 65534) },
        { "/65000/0/0/7", cs_value_corelnk("</1/0>", 6) },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_path t = test_path(cases[i].target);
        cs_records rs, back;
        cs_records_init(&rs);
        cs_records_init(&back);
        assert_int_equal(cs_records_add(&rs, &t, &cases[i].v), CS_OK);
        cs_buf out;
        cs_buf_init(&out, 64);
        assert_int_equal(cs_encode(CBOR, &t, &rs, cs_registry_standard(),
                                   &out), CS_OK);
        assert_int_equal(cs_decode(CBOR, &t, out.data, out.len,
                                   cs_registry_standard(), &back), CS_OK);
        /* Corelnk of an unknown resource comes back as plain text */
        if (cases[i].v.type == CS_TYPE_CORELNK)
            back.items[0].value.type = CS_TYPE_CORELNK;
        if (back.count != 1 ||
            !cs_value_equal(&back.items[0].value, &cases[i].v))
            fail_msg("case %zu (%s) did not round-trip", i, cases[i].target);
        cs_buf_free(&out);
        cs_records_free(&rs);
        cs_records_free(&back);
    }
}

/* ---- Malformed input --------------------------------------------------- */

static void test_truncated_at_every_offset(void **state)
{
    (void)state;
    static const struct {
        const char *target, *hex;
    } cases[] = {
        { "/3/0/10", "1b 00 00 00 00 00 00 00 05" },
        { "/3/0/0", "64 41 43 4d 45" },
        { "/3/0/0", "78 18 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 "
                    "71 72 73 74 75 76 77 78" },
        { "/3/0/0", "7f 62 41 43 62 4d 45 ff" },
        { "/0/0/3", "5f 41 01 42 02 03 ff" },
        { "/3/0/13", "c1 1a 5f 5e 10 00" },
        { "/65000/0/0", "fb 3f b9 99 99 99 99 99 9a" },
        { "/65000/0/0", "f9 3e 00" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[64];
        size_t n = test_hex(cases[i].hex, in, sizeof in);
        for (size_t cut = 0; cut < n; cut++)
            assert_decode_fails(CBOR, cases[i].target, in, cut,
                                CS_E_TRUNCATED);
    }
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    expect_decode_error("/3/0/9", "05 00", CS_E_TRAILING);
    expect_decode_error("/3/0/0", "61 41 ff", CS_E_TRAILING);
    expect_decode_error("/3/0/0", "7f 61 41 ff ff", CS_E_TRAILING);
    expect_decode_error("/3/0/13", "c1 05 05", CS_E_TRAILING);
}

static void test_type_mismatch(void **state)
{
    (void)state;
    expect_decode_error("/3/0/9", "61 35", CS_E_TYPE);        /* text */
    expect_decode_error("/3/0/9", "f5", CS_E_TYPE);           /* bool */
    expect_decode_error("/3/0/9", "f9 3e 00", CS_E_TYPE);     /* 1.5 */
    expect_decode_error("/1/0/6", "01", CS_E_TYPE);
    expect_decode_error("/0/0/3", "63 01 02 03", CS_E_TYPE);  /* text */
    expect_decode_error("/3/0/0", "44 41 43 4d 45", CS_E_TYPE);
    expect_decode_error("/1/0/10", "42 00 0b", CS_E_TYPE);
    expect_decode_error("/3/0/13", "64 41 43 4d 45", CS_E_TYPE);
    /* items that are no LwM2M value at all */
    expect_decode_error("/3/0/9", "f6", CS_E_TYPE);           /* null */
    expect_decode_error("/3/0/9", "f7", CS_E_TYPE);           /* undefined */
    expect_decode_error("/3/0/9", "81 05", CS_E_TYPE);
    expect_decode_error("/3/0/9", "a1 00 05", CS_E_TYPE);
    expect_decode_error("/3/0/9", "c4 82 20 18 2d", CS_E_TYPE); /* 4.5 */
    expect_decode_error("/3/0/9", "c2 41 01", CS_E_TYPE);     /* bignum */
    expect_decode_error("/3/0/13", "c1 61 35", CS_E_TYPE);
    expect_decode_error("/3/0/13", "c0 05", CS_E_TYPE);
    expect_decode_error("/3/0/13", "c1 c1 05", CS_E_TYPE);
    expect_decode_error("/65000/0/0", "f6", CS_E_TYPE);
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_decode_error("/3/0/9", "18 65", CS_E_RANGE);       /* 101 */
    expect_decode_error("/3/0/9", "20", CS_E_RANGE);          /* -1 */
    expect_decode_error("/1/0/11", "19 01 00", CS_E_RANGE);   /* 256 */
    expect_decode_error("/1/0/11", "20", CS_E_RANGE);
    expect_decode_error("/1/0/0", "00", CS_E_RANGE);          /* SSID 0 */
    expect_decode_error("/3/0/10", "1b 80 00 00 00 00 00 00 00", CS_E_RANGE);
    /* below INT64_MIN: no LwM2M integer holds it */
    expect_decode_error("/65000/0/0", "3b 80 00 00 00 00 00 00 00",
                        CS_E_RANGE);
    expect_decode_error("/3/0/13", "c1 f9 3e 00", CS_E_RANGE); /* 1.5 s */
    expect_decode_error("/3/0/13", "c1 f9 7e 00", CS_E_RANGE); /* NaN */
    expect_decode_error("/3/0/13", "c1 1b 80 00 00 00 00 00 00 00",
                        CS_E_RANGE);
    expect_decode_error("/3/0/13", "c1 fb 43 e0 00 00 00 00 00 00",
                        CS_E_RANGE); /* 2^63 */
    expect_decode_error("/1/0/10", "67 37 30 30 30 30 3a 30", CS_E_RANGE);
    expect_decode_error("/1/0/10", "68 31 3a 31 30 30 30 30 30", CS_E_RANGE);
    /* a fraction of a second cannot be a Time */
    expect_decode_error("/3/0/13",
                        "c0 76 32 30 32 30 2d 30 39 2d 31 33 54 31 32 3a 32 "
                        "36 3a 34 30 2e 35 5a", /* ...40.5Z */
                        CS_E_RANGE);
    /* a string longer than the resource allows (Server URI: 255) */
    uint8_t big[300];
    big[0] = 0x79;
    big[1] = 0x01;
    big[2] = 0x00;
    memset(big + 3, 'a', 256);
    assert_decode_fails(CBOR, "/0/0/0", big, 259, CS_E_RANGE);
}

static void test_bad_text(void **state)
{
    (void)state;
    expect_decode_error("/3/0/0", "62 c3 28", CS_E_ENCODING);
    expect_decode_error("/3/0/0", "62 c0 80", CS_E_ENCODING);  /* overlong */
    expect_decode_error("/3/0/0", "63 ed a0 80", CS_E_ENCODING); /* D800 */
    expect_decode_error("/3/0/0", "64 f4 90 80 80", CS_E_ENCODING);
    expect_decode_error("/3/0/0", "61 ff", CS_E_ENCODING);
    expect_decode_error("/3/0/0", "62 e2 82", CS_E_ENCODING); /* cut short */
    /* a code point split across chunks is invalid: each chunk is text */
    expect_decode_error("/3/0/0", "7f 61 c3 61 a9 ff", CS_E_ENCODING);
    /* Objlnk text that is not "oid:iid" */
    expect_decode_error("/1/0/10", "62 31 31", CS_E_SYNTAX);
    expect_decode_error("/1/0/10", "63 61 3a 62", CS_E_SYNTAX);
    expect_decode_error("/1/0/10", "65 31 3a 32 3a 33", CS_E_SYNTAX);
    expect_decode_error("/1/0/10", "63 31 3a 20", CS_E_SYNTAX);
    expect_decode_error("/1/0/10", "62 3a 31", CS_E_SYNTAX);
    expect_decode_error("/1/0/10", "60", CS_E_SYNTAX);
    /* date-time text that is not RFC 3339 */
    expect_decode_error("/3/0/13",
                        "c0 74 32 30 32 30 2d 30 32 2d 33 30 54 30 30 3a 30 "
                        "30 3a 30 30 5a", /* February 30th */
                        CS_E_SYNTAX);
    expect_decode_error("/3/0/13",
                        "c0 73 32 30 32 30 2d 30 39 2d 31 33 54 31 32 3a 32 "
                        "36 3a 34 30", /* no zone */
                        CS_E_SYNTAX);
    expect_decode_error("/3/0/13", "c0 6a 32 30 32 30 2d 30 39 2d 31 33",
                        CS_E_SYNTAX); /* date only */
}

static void test_bad_structure(void **state)
{
    (void)state;
    expect_decode_error("/3/0/0", "ff", CS_E_SYNTAX);          /* break */
    expect_decode_error("/3/0/0", "1c", CS_E_SYNTAX);          /* reserved */
    expect_decode_error("/3/0/0", "f8 20", CS_E_SYNTAX);       /* simple(32) */
    /* chunks of an indefinite string: definite, same major type */
    expect_decode_error("/3/0/0", "7f 41 41 ff", CS_E_SYNTAX);
    expect_decode_error("/3/0/0", "7f 7f ff ff", CS_E_SYNTAX);
    expect_decode_error("/0/0/3", "5f 01 ff", CS_E_SYNTAX);
    expect_decode_error("/3/0/13", "c1 ff", CS_E_SYNTAX);
    /* indefinite string without its break */
    expect_decode_error("/3/0/0", "7f 61 41", CS_E_TRUNCATED);
    /* declared lengths far beyond the input: refused without allocating */
    expect_decode_error("/3/0/0", "7b ff ff ff ff ff ff ff ff 41",
                        CS_E_TRUNCATED);
    expect_decode_error("/0/0/3", "5a ff ff ff ff 00", CS_E_TRUNCATED);
    expect_decode_error("/3/0/0", "7f 7a 7f ff ff ff 41 ff", CS_E_TRUNCATED);
    expect_decode_error("/3/0/9", "9b ff ff ff ff ff ff ff ff 00",
                        CS_E_TRUNCATED);
    /* 2^32 + 5: must not wrap to 5 where size_t is 32 bits */
    expect_decode_error("/3/0/0", "7b 00 00 00 01 00 00 00 05 41 41 41 41 41",
                        CS_E_TRUNCATED);
    /* nothing at all */
    assert_decode_fails(CBOR, "/3/0/0", NULL, 0, CS_E_TRUNCATED);
}

static void test_target_must_be_resource(void **state)
{
    (void)state;
    expect_decode_error("/3/0", "05", CS_E_PATH);
    expect_decode_error("/3", "05", CS_E_PATH);
    expect_decode_error("/", "05", CS_E_PATH);
    /* a multiple resource takes no single value */
    expect_decode_error("/3/0/11", "05", CS_E_NESTING);
    /* but one of its instances does */
    expect_decoded("/3/0/11/0", "05", cs_value_integer(5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_integers),
        cmocka_unit_test(test_decode_floats),
        cmocka_unit_test(test_decode_other_types),
        cmocka_unit_test(test_decode_time),
        cmocka_unit_test(test_decode_indefinite_strings),
        cmocka_unit_test(test_encode_numbers),
        cmocka_unit_test(test_encode_floats_shortest_exact),
        cmocka_unit_test(test_every_half_round_trips),
        cmocka_unit_test(test_encode_other_types),
        cmocka_unit_test(test_encode_converts_to_defined_type),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_round_trip_canonical),
        cmocka_unit_test(test_round_trip_values),
        cmocka_unit_test(test_truncated_at_every_offset),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_target_must_be_resource),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
