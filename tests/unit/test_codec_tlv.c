/*
 * test_codec_tlv.c - OMA TLV (11542): known answers from the LwM2M TS and
 * the ETS, every value type at its width boundaries, every target level,
 * canonical encoding, round trips, and malformed input of every kind
 * (including every truncation of valid payloads and every single-byte
 * corruption of one).
 */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#define TLV CS_FORMAT_TLV

/* ---- Known payloads ---------------------------------------------------- */

/* The LwM2M TS example: Read /3/0 of the Device object (121 bytes). */
static const char DEVICE_HEX[] =
    "c8 00 14 4f 70 65 6e 20 4d 6f 62 69 6c 65 20 41 6c 6c 69 61 6e 63 65"
    "c8 01 16 4c 69 67 68 74 77 65 69 67 68 74 20 4d 32 4d 20 43 6c 69 65 6e 74"
    "c8 02 09 33 34 35 30 30 30 31 32 33"
    "c3 03 31 2e 30"
    "86 06 41 00 01 41 01 05"
    "88 07 08 42 00 0e d8 42 01 13 88"
    "87 08 41 00 7d 42 01 03 84"
    "c1 09 64"
    "c1 0a 0f"
    "83 0b 41 00 00"
    "c4 0d 51 82 42 8f"
    "c6 0e 2b 30 32 3a 30 30"
    "c1 10 55";
/* Offsets where one top-level element of DEVICE_HEX ends. */
static const size_t device_boundaries[] = { 0,  23, 48,  60,  65,  73, 84,
                                            93, 96, 99, 104, 110, 118, 121 };

/* REFERENCE.md 1.8 (self-computed): Bootstrap-Write PUT /0, instance 1. */
static const char BOOTSTRAP_HEX[] =
    "08 01 44 c8 00 1e 63 6f 61 70 73 3a 2f 2f 6c 77 6d 32 6d 2e 65 78 61 6d"
    "70 6c 65 2e 63 6f 6d 3a 35 36 38 34 c1 01 00 c1 02 00 c5 03 64 65 76 2d"
    "31 c8 05 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f c1 0a 01";

/* ETS int-215: Write /1/0. */
static const char ETS_SERVER_HEX[] =
    "c1 02 65 c2 03 03 f2 c2 05 07 d0 c1 06 01 c1 07 55";

/* ---- A test object with one resource of every type ---------------------- */

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
    TEST_RES(12, CS_TYPE_FLOAT, true),
    TEST_RES(300, CS_TYPE_UNSIGNED, false),
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

static const cs_registry *std_reg(void)
{
    return cs_registry_standard();
}

/* Decode hex for target; fails the test unless CS_OK. */
static void decode_hex(const char *target, const char *hex,
                       const cs_registry *reg, cs_records *rs)
{
    static uint8_t buf[4096];
    size_t n = test_hex(hex, buf, sizeof buf);
    cs_path t = test_path(target);
    cs_records_init(rs);
    cs_err err = cs_decode(TLV, &t, buf, n, reg, rs);
    if (err != CS_OK)
        fail_msg("decode %s: %d (%s)", hex, err, cs_strerror(err));
}

/* Decode hex for target and expect `err`, with the list left empty. */
static void decode_fails(const char *target, const char *hex,
                         const cs_registry *reg, cs_err want)
{
    static uint8_t buf[4096];
    size_t n = test_hex(hex, buf, sizeof buf);
    cs_path t = test_path(target);
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_decode(TLV, &t, buf, n, reg, &rs);
    if (err != want)
        fail_msg("decode %s for %s: expected %d (%s), got %d (%s)", hex,
                 target, want, cs_strerror(want), err, cs_strerror(err));
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);
}

/* Encode and compare with the hex bytes, exactly. */
static void encode_expect(const char *target, const cs_records *rs,
                          const cs_registry *reg, const char *hex)
{
    static uint8_t want[4096];
    size_t n = test_hex(hex, want, sizeof want);
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1u << 20);
    cs_err err = cs_encode(TLV, &t, rs, reg, &out);
    if (err != CS_OK)
        fail_msg("encode for %s: %d (%s)", target, err, cs_strerror(err));
    assert_int_equal(out.len, n);
    if (n > 0)
        assert_memory_equal(out.data, want, n);
    cs_buf_free(&out);
}

static void encode_fails(const char *target, const cs_records *rs,
                         const cs_registry *reg, cs_err want)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 1u << 20);
    cs_err err = cs_encode(TLV, &t, rs, reg, &out);
    if (err != want)
        fail_msg("encode for %s: expected %d (%s), got %d (%s)", target, want,
                 cs_strerror(want), err, cs_strerror(err));
    assert_int_equal(out.len, 0);
    cs_buf_free(&out);
}

static void add(cs_records *rs, const char *path, cs_value v)
{
    cs_path p = test_path(path);
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

static void add_str(cs_records *rs, const char *path, const char *s)
{
    add(rs, path, cs_value_string(s, strlen(s)));
}

/* The records of the TS Device example, under instance path `inst`. */
static void device_records(cs_records *rs)
{
    cs_records_init(rs);
    add_str(rs, "/3/0/0", "Open Mobile Alliance");
    add_str(rs, "/3/0/1", "Lightweight M2M Client");
    add_str(rs, "/3/0/2", "345000123");
    add_str(rs, "/3/0/3", "1.0");
    add(rs, "/3/0/6/0", cs_value_integer(1));
    add(rs, "/3/0/6/1", cs_value_integer(5));
    add(rs, "/3/0/7/0", cs_value_integer(3800));
    add(rs, "/3/0/7/1", cs_value_integer(5000));
    add(rs, "/3/0/8/0", cs_value_integer(125));
    add(rs, "/3/0/8/1", cs_value_integer(900));
    add(rs, "/3/0/9", cs_value_integer(100));
    add(rs, "/3/0/10", cs_value_integer(15));
    add(rs, "/3/0/11/0", cs_value_integer(0));
    add(rs, "/3/0/13", cs_value_time(1367491215));
    add_str(rs, "/3/0/14", "+02:00");
    add_str(rs, "/3/0/16", "U");
}

/* Decode hex and compare with `want`, then encode the result and expect
 * the same hex again (for canonical inputs). */
static void round_trip(const char *target, const char *hex,
                       const cs_registry *reg, const cs_records *want)
{
    cs_records got;
    decode_hex(target, hex, reg, &got);
    if (want != NULL)
        assert_records_equal(&got, want);
    encode_expect(target, &got, reg, hex);
    cs_records_free(&got);
}

/* ---- Known answers ----------------------------------------------------- */

static void test_device_example(void **state)
{
    (void)state;
    cs_records want;
    device_records(&want);
    round_trip("/3/0", DEVICE_HEX, std_reg(), &want);
    cs_records_free(&want);
}

/* The same payload inside an object instance element, for Read /3. */
static void test_device_example_object(void **state)
{
    (void)state;
    char hex[1024];
    snprintf(hex, sizeof hex, "08 00 79 %s", DEVICE_HEX);
    cs_records want;
    device_records(&want);
    round_trip("/3", hex, std_reg(), &want);
    /* The wrapper is also accepted for the instance, naming it. */
    cs_records got;
    decode_hex("/3/0", hex, std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    decode_fails("/3/1", hex, std_reg(), CS_E_PATH);
    cs_records_free(&want);
}

/* Encoding is independent of the order records are given in. */
static void test_device_example_unsorted(void **state)
{
    (void)state;
    cs_records rs;
    device_records(&rs);
    srand(7);
    for (size_t i = rs.count - 1; i > 0; i--) {
        size_t j = (size_t)rand() % (i + 1);
        cs_record tmp = rs.items[i];
        rs.items[i] = rs.items[j];
        rs.items[j] = tmp;
    }
    /* Reversed, to be sure the list is not sorted by chance. */
    cs_record first = rs.items[0];
    rs.items[0] = rs.items[rs.count - 1];
    rs.items[rs.count - 1] = first;
    encode_expect("/3/0", &rs, std_reg(), DEVICE_HEX);
    cs_records_free(&rs);
}

static void test_manufacturer_example(void **state)
{
    (void)state;
    static const char hex[] =
        "c8 00 14 4f 70 65 6e 20 4d 6f 62 69 6c 65 20 41 6c 6c 69 61 6e 63 65";
    cs_records want;
    cs_records_init(&want);
    add_str(&want, "/3/0/0", "Open Mobile Alliance");
    round_trip("/3/0/0", hex, std_reg(), &want);
    round_trip("/3/0", hex, std_reg(), &want);
    cs_records_free(&want);
}

static void test_ets_server_write(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/1/0/2", cs_value_integer(101));
    add(&want, "/1/0/3", cs_value_integer(1010));
    add(&want, "/1/0/5", cs_value_integer(2000));
    add(&want, "/1/0/6", cs_value_boolean(true));
    add_str(&want, "/1/0/7", "U");
    round_trip("/1/0", ETS_SERVER_HEX, std_reg(), &want);
    cs_records_free(&want);
}

static void test_bootstrap_write_security(void **state)
{
    (void)state;
    static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7,
                                     8, 9, 10, 11, 12, 13, 14, 15 };
    cs_records want;
    cs_records_init(&want);
    add_str(&want, "/0/1/0", "coaps://lwm2m.example.com:5684");
    add(&want, "/0/1/1", cs_value_boolean(false));
    add(&want, "/0/1/2", cs_value_integer(0));
    add(&want, "/0/1/3", cs_value_opaque("dev-1", 5));
    add(&want, "/0/1/5", cs_value_opaque(key, sizeof key));
    add(&want, "/0/1/10", cs_value_integer(1));
    round_trip("/0", BOOTSTRAP_HEX, std_reg(), &want);

    /* Each value has its defined type, checked one by one. */
    cs_records got;
    decode_hex("/0", BOOTSTRAP_HEX, std_reg(), &got);
    assert_int_equal(got.count, 6);
    assert_int_equal(got.items[0].value.type, CS_TYPE_STRING);
    assert_int_equal(got.items[0].value.v.bytes.len, 30);
    assert_memory_equal(got.items[0].value.v.bytes.data,
                        "coaps://lwm2m.example.com:5684", 30);
    assert_int_equal(got.items[1].value.type, CS_TYPE_BOOLEAN);
    assert_false(got.items[1].value.v.b);
    assert_int_equal(got.items[2].value.type, CS_TYPE_INTEGER);
    assert_int_equal(got.items[2].value.v.i, 0);
    assert_int_equal(got.items[3].value.type, CS_TYPE_OPAQUE);
    assert_int_equal(got.items[4].value.type, CS_TYPE_OPAQUE);
    assert_memory_equal(got.items[4].value.v.bytes.data, key, 16);
    assert_int_equal(got.items[5].value.type, CS_TYPE_INTEGER);
    assert_int_equal(got.items[5].value.v.i, 1);
    cs_records_free(&got);

    /* Written to /0/1 instead, the wrapper names the instance. */
    decode_hex("/0/1", BOOTSTRAP_HEX, std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    cs_records_free(&want);
}

/* ---- Every target level ------------------------------------------------ */

static void test_resource_target(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/0/6/0", cs_value_integer(1));
    add(&want, "/3/0/6/1", cs_value_integer(5));
    round_trip("/3/0/6", "86 06 41 00 01 41 01 05", std_reg(), &want);

    cs_records got;
    /* Bare resource instances. */
    decode_hex("/3/0/6", "41 00 01 41 01 05", std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    /* Inside an object instance element naming the instance. */
    decode_hex("/3/0/6", "08 00 08 86 06 41 00 01 41 01 05", std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    decode_fails("/3/0/6", "08 01 08 86 06 41 00 01 41 01 05", std_reg(),
                 CS_E_PATH);
    cs_records_free(&want);

    /* A single resource. */
    cs_records_init(&want);
    add(&want, "/3/0/9", cs_value_integer(100));
    round_trip("/3/0/9", "c1 09 64", std_reg(), &want);
    cs_records_free(&want);
}

static void test_resource_instance_target(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/0/11/0", cs_value_integer(7));
    round_trip("/3/0/11/0", "41 00 07", std_reg(), &want);

    cs_records got;
    /* A resource element named by the last path ID. */
    decode_hex("/3/0/11/0", "c1 00 07", std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    /* The whole multiple resource, holding just this instance. */
    decode_hex("/3/0/11/0", "83 0b 41 00 07", std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    cs_records_free(&want);

    decode_fails("/3/0/11/0", "41 01 07", std_reg(), CS_E_PATH);
    decode_fails("/3/0/11/0", "c1 01 07", std_reg(), CS_E_PATH);
    decode_fails("/3/0/11/0", "83 0c 41 00 07", std_reg(), CS_E_PATH);
    decode_fails("/3/0/11/0", "83 0b 41 01 07", std_reg(), CS_E_PATH);
    decode_fails("/3/0/11/0", "", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0/11/0", "41 00 07 41 00 07", std_reg(), CS_E_DUPLICATE);
    decode_fails("/3/0/11/0", "03 00 41 00 07", std_reg(), CS_E_NESTING);
    /* A single resource has no instances. */
    decode_fails("/3/0/9/0", "41 00 07", std_reg(), CS_E_NESTING);
}

static void test_object_target(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/1000/0", cs_value_none());
    add(&want, "/1000/1/0", cs_value_integer(-1));
    add(&want, "/1000/1/10", cs_value_none());
    add(&want, "/1000/300/4", cs_value_string("x", 1));
    round_trip("/1000", "00 00 05 01 c1 00 ff 80 0a 23 01 2c c1 04 78",
               test_reg, &want);
    cs_records_free(&want);
}

static void test_empty_payloads(void **state)
{
    (void)state;
    cs_records got;
    decode_hex("/3", "", std_reg(), &got);
    assert_int_equal(got.count, 0);
    cs_records_free(&got);
    decode_hex("/3/0", "", std_reg(), &got);
    assert_int_equal(got.count, 0);
    cs_records_free(&got);

    /* For a multiple resource: no instances. */
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/0/6", cs_value_none());
    decode_hex("/3/0/6", "", std_reg(), &got);
    assert_records_equal(&got, &want);
    cs_records_free(&got);
    round_trip("/3/0/6", "80 06", std_reg(), &want);
    round_trip("/3/0", "80 06", std_reg(), &want);
    cs_records_free(&want);
    /* Unknown resources read the same way, as Leshan does. */
    decode_hex("/3/0/99", "", std_reg(), &got);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.items[0].value.type, CS_TYPE_NONE);
    cs_records_free(&got);
    /* A single resource misses its value. */
    decode_fails("/3/0/9", "", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0/9", "08 00 00", std_reg(), CS_E_TRUNCATED);

    /* An empty instance: a record for the object, but for the instance
     * itself nothing (the target implies it), both ways. */
    cs_records_init(&want);
    add(&want, "/3/0", cs_value_none());
    round_trip("/3", "00 00", std_reg(), &want);
    encode_expect("/3/0", &want, std_reg(), "");
    decode_hex("/3/0", "00 00", std_reg(), &got);
    assert_int_equal(got.count, 0);
    cs_records_free(&got);
    decode_hex("/3/0", "08 00 00", std_reg(), &got);
    assert_int_equal(got.count, 0);
    cs_records_free(&got);
    cs_records_free(&want);
}

static void test_root_target(void **state)
{
    (void)state;
    decode_fails("/", "c1 09 64", std_reg(), CS_E_PATH);
    decode_fails("/", "", std_reg(), CS_E_PATH);
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_integer(100));
    encode_fails("/", &rs, std_reg(), CS_E_NOT_ACCEPTABLE);
    cs_records_free(&rs);
}

/* ---- Values ------------------------------------------------------------ */

/* One value of the test object, decoded and re-encoded. */
static void value_case(const char *path, const char *hex, cs_value want)
{
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, path, want);
    round_trip(path, hex, test_reg, &rs);
    cs_records_free(&rs);
}

static void test_integers(void **state)
{
    (void)state;
    value_case("/1000/0/0", "c1 00 00", cs_value_integer(0));
    value_case("/1000/0/0", "c1 00 7f", cs_value_integer(127));
    value_case("/1000/0/0", "c2 00 00 80", cs_value_integer(128));
    value_case("/1000/0/0", "c1 00 80", cs_value_integer(-128));
    value_case("/1000/0/0", "c2 00 ff 7f", cs_value_integer(-129));
    value_case("/1000/0/0", "c2 00 7f ff", cs_value_integer(32767));
    value_case("/1000/0/0", "c4 00 00 00 80 00", cs_value_integer(32768));
    value_case("/1000/0/0", "c2 00 80 00", cs_value_integer(-32768));
    value_case("/1000/0/0", "c4 00 ff ff 7f ff", cs_value_integer(-32769));
    value_case("/1000/0/0", "c4 00 7f ff ff ff",
               cs_value_integer(INT32_MAX));
    value_case("/1000/0/0", "c4 00 80 00 00 00",
               cs_value_integer(INT32_MIN));
    value_case("/1000/0/0", "c8 00 08 00 00 00 00 80 00 00 00",
               cs_value_integer((int64_t)INT32_MAX + 1));
    value_case("/1000/0/0", "c8 00 08 ff ff ff ff 7f ff ff ff",
               cs_value_integer((int64_t)INT32_MIN - 1));
    value_case("/1000/0/0", "c8 00 08 7f ff ff ff ff ff ff ff",
               cs_value_integer(INT64_MAX));
    value_case("/1000/0/0", "c8 00 08 80 00 00 00 00 00 00 00",
               cs_value_integer(INT64_MIN));
    value_case("/1000/0/6", "c4 06 51 82 42 8f", cs_value_time(1367491215));
    value_case("/1000/0/6", "c1 06 ff", cs_value_time(-1));

    /* Wider than needed is still read. */
    cs_records got;
    decode_hex("/1000/0/0", "c8 00 08 ff ff ff ff ff ff ff ff", test_reg,
               &got);
    assert_int_equal(got.items[0].value.v.i, -1);
    cs_records_free(&got);
    decode_hex("/1000/0/0", "c4 00 00 00 00 05", test_reg, &got);
    assert_int_equal(got.items[0].value.v.i, 5);
    cs_records_free(&got);

    decode_fails("/1000/0/0", "c0 00", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/0", "c3 00 00 00 01", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/0", "c5 00 00 00 00 00 01", test_reg,
                 CS_E_BAD_LENGTH);
    decode_fails("/1000/0/0", "c8 00 09 00 00 00 00 00 00 00 00 01", test_reg,
                 CS_E_BAD_LENGTH);
    decode_fails("/1000/0/6", "c3 06 00 00 01", test_reg, CS_E_BAD_LENGTH);
}

static void test_unsigned(void **state)
{
    (void)state;
    value_case("/1000/0/1", "c1 01 ff", cs_value_unsigned(255));
    value_case("/1000/0/1", "c2 01 01 00", cs_value_unsigned(256));
    value_case("/1000/0/1", "c2 01 ff ff", cs_value_unsigned(65535));
    value_case("/1000/0/1", "c4 01 00 01 00 00", cs_value_unsigned(65536));
    value_case("/1000/0/1", "c4 01 ff ff ff ff",
               cs_value_unsigned(UINT32_MAX));
    value_case("/1000/0/1", "c8 01 08 00 00 00 01 00 00 00 00",
               cs_value_unsigned((uint64_t)UINT32_MAX + 1));
    value_case("/1000/0/1", "c8 01 08 ff ff ff ff ff ff ff ff",
               cs_value_unsigned(UINT64_MAX));
    value_case("/1000/0/1", "c8 01 08 80 00 00 00 00 00 00 00",
               cs_value_unsigned((uint64_t)INT64_MAX + 1));
    /* A 16-bit resource ID. */
    value_case("/1000/0/300", "e1 01 2c 05", cs_value_unsigned(5));
    decode_fails("/1000/0/1", "c3 01 00 00 01", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/1", "c0 01", test_reg, CS_E_BAD_LENGTH);
}

static void test_floats(void **state)
{
    (void)state;
    value_case("/1000/0/2", "c4 02 3f c0 00 00", cs_value_float(1.5));
    value_case("/1000/0/2", "c4 02 00 00 00 00", cs_value_float(0.0));
    value_case("/1000/0/2", "c4 02 80 00 00 00", cs_value_float(-0.0));
    value_case("/1000/0/2", "c4 02 7f 80 00 00", cs_value_float(INFINITY));
    value_case("/1000/0/2", "c4 02 ff 80 00 00", cs_value_float(-INFINITY));
    value_case("/1000/0/2", "c8 02 08 3f b9 99 99 99 99 99 9a",
               cs_value_float(0.1));
    /* Beyond the float range, and below its precision. */
    value_case("/1000/0/2", "c8 02 08 7e 37 e4 3c 88 00 75 9c",
               cs_value_float(1e300));
    value_case("/1000/0/2", "c8 02 08 36 96 d6 01 ad 37 6a b9",
               cs_value_float(1e-45));

    cs_records got;
    decode_hex("/1000/0/2", "c8 02 08 3f f8 00 00 00 00 00 00", test_reg,
               &got);
    assert_true(got.items[0].value.v.f == 1.5);
    cs_records_free(&got);

    decode_fails("/1000/0/2", "c2 02 3f c0", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/2", "c1 02 01", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/2", "c0 02", test_reg, CS_E_BAD_LENGTH);
}

static void test_booleans_objlnks(void **state)
{
    (void)state;
    value_case("/1000/0/3", "c1 03 01", cs_value_boolean(true));
    value_case("/1000/0/3", "c1 03 00", cs_value_boolean(false));
    decode_fails("/1000/0/3", "c1 03 02", test_reg, CS_E_RANGE);
    decode_fails("/1000/0/3", "c1 03 ff", test_reg, CS_E_RANGE);
    decode_fails("/1000/0/3", "c2 03 00 01", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/3", "c0 03", test_reg, CS_E_BAD_LENGTH);

    value_case("/1000/0/7", "c4 07 00 03 00 00", cs_value_objlnk(3, 0));
    value_case("/1000/0/7", "c4 07 01 2c ff ff", cs_value_objlnk(300, 65535));
    decode_fails("/1000/0/7", "c3 07 00 03 00", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/1000/0/7", "c5 07 00 03 00 00 00", test_reg,
                 CS_E_BAD_LENGTH);
}

static void test_strings(void **state)
{
    (void)state;
    value_case("/1000/0/4", "c0 04", cs_value_string("", 0));
    value_case("/1000/0/4", "c2 04 c3 a9", cs_value_string("\xc3\xa9", 2));
    value_case("/1000/0/4", "c4 04 f0 9f 98 80",
               cs_value_string("\xf0\x9f\x98\x80", 4));
    value_case("/1000/0/8", "c4 08 3c 2f 33 3e", cs_value_corelnk("</3>", 4));
    value_case("/1000/0/5", "c3 05 00 ff 80", cs_value_opaque("\x00\xff\x80", 3));

    decode_fails("/1000/0/4", "c2 04 c3 28", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c2 04 c0 80", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c3 04 e0 80 80", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c3 04 ed a0 80", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c4 04 f4 90 80 80", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c2 04 41 e2", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c1 04 ff", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/4", "c1 04 80", test_reg, CS_E_ENCODING);
    decode_fails("/1000/0/8", "c1 08 fe", test_reg, CS_E_ENCODING);
    /* The same bytes are fine as opaque. */
    value_case("/1000/0/5", "c2 05 c3 28", cs_value_opaque("\xc3\x28", 2));
}

static void test_long_values(void **state)
{
    (void)state;
    /* 300 bytes: 16-bit length; 70000 bytes: 24-bit length. */
    static const size_t sizes[] = { 8, 255, 256, 65535, 65536, 70000 };
    static const char *const headers[] = {
        "c8 05 08", "c8 05 ff", "d0 05 01 00", "d0 05 ff ff",
        "d8 05 01 00 00", "d8 05 01 11 70"
    };
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        uint8_t *data = malloc(sizes[c]);
        assert_non_null(data);
        for (size_t i = 0; i < sizes[c]; i++)
            data[i] = (uint8_t)i;
        cs_records rs;
        cs_records_init(&rs);
        add(&rs, "/1000/0/5", cs_value_opaque(data, sizes[c]));
        cs_path t = test_path("/1000/0");
        cs_buf out;
        cs_buf_init(&out, 1u << 20);
        assert_int_equal(cs_encode(TLV, &t, &rs, test_reg, &out), CS_OK);
        uint8_t hdr[8];
        size_t hn = test_hex(headers[c], hdr, sizeof hdr);
        assert_int_equal(out.len, hn + sizes[c]);
        assert_memory_equal(out.data, hdr, hn);
        assert_memory_equal(out.data + hn, data, sizes[c]);

        cs_records back;
        cs_records_init(&back);
        assert_int_equal(cs_decode(TLV, &t, out.data, out.len, test_reg,
                                   &back),
                         CS_OK);
        assert_records_equal(&back, &rs);
        cs_records_free(&back);
        cs_buf_free(&out);
        cs_records_free(&rs);
        free(data);
    }
}

static void test_execute_resource(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/1000/0/9", cs_value_none());
    round_trip("/1000/0", "c0 09", test_reg, &want);
    round_trip("/1000/0/9", "c0 09", test_reg, &want);
    cs_records_free(&want);
    decode_fails("/1000/0", "c1 09 01", test_reg, CS_E_BAD_LENGTH);
    decode_fails("/3/0", "c1 04 01", std_reg(), CS_E_BAD_LENGTH);
}

static void test_unknown_resources(void **state)
{
    (void)state;
    /* Not in the registry: opaque, whatever the bytes. */
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/0/99", cs_value_opaque("\xc3\x28", 2));
    add(&want, "/3/0/100/1", cs_value_opaque("A", 1));
    round_trip("/3/0", "c2 63 c3 28 83 64 41 01 41", std_reg(), &want);
    cs_records_free(&want);

    /* No registry at all: every value opaque, nothing checked. */
    cs_records got;
    decode_hex("/3/0", DEVICE_HEX, NULL, &got);
    assert_int_equal(got.count, 16);
    for (size_t i = 0; i < got.count; i++)
        assert_int_equal(got.items[i].value.type, CS_TYPE_OPAQUE);
    assert_int_equal(got.items[10].value.v.bytes.len, 1);
    assert_int_equal(got.items[10].value.v.bytes.data[0], 0x64);
    /* Opaque values go back out as they came, multiple resources too. */
    encode_expect("/3/0", &got, NULL, DEVICE_HEX);
    cs_records_free(&got);
    decode_hex("/1000/0", "c1 03 07", NULL, &got);
    assert_int_equal(got.items[0].value.type, CS_TYPE_OPAQUE);
    cs_records_free(&got);
}

/* ---- Non-canonical input, canonical output ----------------------------- */

static void test_non_canonical_forms(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "e1 00 09 64",                     /* 16-bit identifier */
        "c8 09 01 64",                     /* 8-bit length field */
        "d0 09 00 01 64",                  /* 16-bit length field */
        "d8 09 00 00 01 64",               /* 24-bit length field */
        "cb 09 01 64",                     /* low bits ignored with a field */
        "c2 09 00 64",                     /* wider integer */
        "c8 09 08 00 00 00 00 00 00 00 64",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        cs_records got;
        decode_hex("/3/0", forms[i], std_reg(), &got);
        assert_int_equal(got.count, 1);
        assert_int_equal(got.items[0].value.v.i, 100);
        encode_expect("/3/0", &got, std_reg(), "c1 09 64");
        cs_records_free(&got);
    }
    /* Out of order is allowed; output is in path order. */
    cs_records got;
    decode_hex("/3/0", "c1 0a 0f 83 06 41 00 01 c1 09 64", std_reg(), &got);
    assert_int_equal(got.count, 3);
    encode_expect("/3/0", &got, std_reg(), "83 06 41 00 01 c1 09 64 c1 0a 0f");
    cs_records_free(&got);
}

/* ---- Malformed input --------------------------------------------------- */

static void test_truncated_headers_and_values(void **state)
{
    (void)state;
    decode_fails("/3/0", "c8", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "c8 00", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "e1 00", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "d0 09 00", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "d8 09 00 00", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "c3 00 41 42", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "c8 00 05 41 42", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "d8 00 ff ff ff 41", std_reg(), CS_E_TRUNCATED);
    /* A complete element, then a partial one. */
    decode_fails("/3/0", "c1 09 64 c1", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3/0", "c1 09 64 c1 0a", std_reg(), CS_E_TRUNCATED);
    decode_fails("/3", "00 00 00", std_reg(), CS_E_TRUNCATED);
}

static void test_bad_container_lengths(void **state)
{
    (void)state;
    /* A child running past its parent. */
    decode_fails("/3", "03 00 c3 00 41", std_reg(), CS_E_BAD_LENGTH);
    decode_fails("/3/0", "85 06 41 00 01 41 01 05", std_reg(),
                 CS_E_BAD_LENGTH);
    decode_fails("/3/0", "08 00 04 c8 00 05 41", std_reg(), CS_E_BAD_LENGTH);
    /* Children not filling their parent. */
    decode_fails("/3", "04 00 c1 09 64 00", std_reg(), CS_E_BAD_LENGTH);
    decode_fails("/3/0", "84 06 41 00 01 41", std_reg(), CS_E_BAD_LENGTH);
    decode_fails("/3/0/6", "03 00 80 06 00", std_reg(), CS_E_BAD_LENGTH);
    /* A parent whose header lies about a child's header. */
    decode_fails("/3", "01 00 c1", std_reg(), CS_E_BAD_LENGTH);
}

static void test_wrong_nesting(void **state)
{
    (void)state;
    /* Resource instance at the top of an instance or object payload. */
    decode_fails("/3/0", "41 00 01", std_reg(), CS_E_NESTING);
    decode_fails("/3", "41 00 01", std_reg(), CS_E_NESTING);
    /* Resources at the top of an object payload. */
    decode_fails("/3", "c1 09 64", std_reg(), CS_E_NESTING);
    decode_fails("/3", "83 06 41 00 01", std_reg(), CS_E_NESTING);
    /* Object instance inside an object instance or a multiple resource. */
    decode_fails("/3", "03 00 00 01 00", std_reg(), CS_E_NESTING);
    decode_fails("/3/0", "82 06 00 01", std_reg(), CS_E_NESTING);
    /* Resource or multiple resource inside a multiple resource. */
    decode_fails("/3/0", "83 06 c1 00 01", std_reg(), CS_E_NESTING);
    decode_fails("/3/0", "82 06 80 00", std_reg(), CS_E_NESTING);
    /* Resource instance inside an object instance. */
    decode_fails("/3", "03 00 41 00 01", std_reg(), CS_E_NESTING);
    /* The wrapper with company, or after resources. */
    decode_fails("/3/0", "03 00 c1 09 64 c1 0a 0f", std_reg(), CS_E_NESTING);
    decode_fails("/3/0", "c1 0a 0f 03 00 c1 09 64", std_reg(), CS_E_NESTING);
    decode_fails("/3/0/6", "08 00 03 41 00 01 41 01 05", std_reg(),
                 CS_E_NESTING);
    decode_fails("/3/0/6", "00 00 00 00", std_reg(), CS_E_NESTING);
    /* A whole resource mixed with bare instances. */
    decode_fails("/3/0/6", "86 06 41 00 01 41 01 05 41 02 03", std_reg(),
                 CS_E_NESTING);
    decode_fails("/3/0/6", "41 02 03 86 06 41 00 01 41 01 05", std_reg(),
                 CS_E_NESTING);
    /* Single resource sent as multiple, and the other way round. */
    decode_fails("/3/0", "83 09 41 00 64", std_reg(), CS_E_NESTING);
    decode_fails("/3/0", "80 09", std_reg(), CS_E_NESTING);
    decode_fails("/3/0/9", "83 09 41 00 64", std_reg(), CS_E_NESTING);
    decode_fails("/3/0/9", "41 00 64", std_reg(), CS_E_NESTING);
    decode_fails("/3/0", "c1 06 01", std_reg(), CS_E_NESTING);
    decode_fails("/3/0/6", "c1 06 01", std_reg(), CS_E_NESTING);
}

static void test_duplicates(void **state)
{
    (void)state;
    decode_fails("/3/0", "c1 09 64 c1 09 64", std_reg(), CS_E_DUPLICATE);
    decode_fails("/3/0", "c1 09 64 c1 0a 0f c1 09 63", std_reg(),
                 CS_E_DUPLICATE);
    /* Multiple resources with one ID, next to each other or not. */
    decode_fails("/3/0", "83 06 41 00 01 83 06 41 01 05", std_reg(),
                 CS_E_DUPLICATE);
    decode_fails("/3/0", "83 06 41 00 01 c1 09 64 83 06 41 01 05", std_reg(),
                 CS_E_DUPLICATE);
    decode_fails("/3/0", "80 06 80 06", std_reg(), CS_E_DUPLICATE);
    decode_fails("/3/0", "c1 09 64 80 06 c1 0a 0f 83 06 41 01 05", std_reg(),
                 CS_E_DUPLICATE);
    /* Resource instances with one ID. */
    decode_fails("/3/0", "86 06 41 00 01 41 00 05", std_reg(), CS_E_DUPLICATE);
    decode_fails("/3/0/6", "41 00 01 41 00 05", std_reg(), CS_E_DUPLICATE);
    decode_fails("/3/0/6", "83 06 41 00 01 83 06 41 01 05", std_reg(),
                 CS_E_DUPLICATE);
    /* Object instances with one ID. */
    decode_fails("/3", "03 00 c1 09 64 03 00 c1 0a 0f", std_reg(),
                 CS_E_DUPLICATE);
    decode_fails("/3", "00 00 00 00", std_reg(), CS_E_DUPLICATE);
    decode_fails("/1000", "00 00 00 01 00 00", test_reg, CS_E_DUPLICATE);
    /* Out of order without repeats is fine. */
    cs_records got;
    decode_hex("/1000", "00 02 00 01 00 00", test_reg, &got);
    assert_int_equal(got.count, 3);
    cs_records_free(&got);
}

static void test_bad_ids(void **state)
{
    (void)state;
    decode_fails("/3/0", "e1 ff ff 01", std_reg(), CS_E_PATH);
    decode_fails("/3/0", "a0 ff ff", std_reg(), CS_E_PATH);
    decode_fails("/3/0/6", "61 ff ff 01", std_reg(), CS_E_PATH);
    decode_fails("/3", "20 ff ff", std_reg(), CS_E_PATH);
    /* 65534 is the largest ID. */
    cs_records got;
    decode_hex("/3", "20 ff fe", std_reg(), &got);
    assert_int_equal(got.items[0].path.ids[1], 65534);
    cs_records_free(&got);
    /* IDs that do not match the target. */
    decode_fails("/3/0/9", "c1 0a 0f", std_reg(), CS_E_PATH);
    decode_fails("/3/0/6", "86 07 41 00 01 41 01 05", std_reg(), CS_E_PATH);
    decode_fails("/3/0", "03 01 c1 09 64", std_reg(), CS_E_PATH);
}

static void test_values_against_definitions(void **state)
{
    (void)state;
    decode_fails("/3/0", "c1 09 65", std_reg(), CS_E_RANGE);     /* 101 % */
    decode_fails("/3/0", "83 0b 41 00 21", std_reg(), CS_E_RANGE);
    decode_fails("/1/0", "c1 06 02", std_reg(), CS_E_RANGE);     /* bool */
    decode_fails("/0/0", "c1 0a 00", std_reg(), CS_E_RANGE);     /* SSID 0 */
    decode_fails("/1/0", "c3 01 00 00 01", std_reg(), CS_E_BAD_LENGTH);
}

/* Every strict prefix of a payload wrapped in one element is truncated. */
static void every_prefix_truncated(const char *target, const char *hex)
{
    uint8_t buf[1024];
    size_t n = test_hex(hex, buf, sizeof buf);
    cs_path t = test_path(target);
    for (size_t cut = 1; cut < n; cut++) {
        cs_records rs;
        cs_records_init(&rs);
        cs_err err = cs_decode(TLV, &t, buf, cut, cs_registry_standard(), &rs);
        if (err != CS_E_TRUNCATED)
            fail_msg("%s cut at %zu: got %d (%s)", target, cut, err,
                     cs_strerror(err));
        assert_int_equal(rs.count, 0);
        cs_records_free(&rs);
    }
}

static void test_every_truncation(void **state)
{
    (void)state;
    char hex[1024];
    snprintf(hex, sizeof hex, "08 00 79 %s", DEVICE_HEX);
    every_prefix_truncated("/3", hex);
    every_prefix_truncated("/3/0", hex);
    every_prefix_truncated("/0", BOOTSTRAP_HEX);
    every_prefix_truncated("/3/0/6", "86 06 41 00 01 41 01 05");

    /* Unwrapped: a cut between elements is a shorter valid payload. */
    uint8_t buf[1024];
    size_t n = test_hex(DEVICE_HEX, buf, sizeof buf);
    assert_int_equal(n, 121);
    cs_path t = test_path("/3/0");
    size_t b = 0;
    for (size_t cut = 0; cut < n; cut++) {
        bool boundary = cut == device_boundaries[b];
        if (boundary)
            b++;
        cs_records rs;
        cs_records_init(&rs);
        cs_err err = cs_decode(TLV, &t, buf, cut, cs_registry_standard(), &rs);
        assert_int_equal(err, boundary ? CS_OK : CS_E_TRUNCATED);
        cs_records_free(&rs);
    }
}

/* Every byte of valid payloads replaced by every value: decoding must end
 * with a result, never read outside the input (checked under ASan), and
 * whatever it accepts must encode. */
static void corrupt_all(const char *target, const char *hex)
{
    uint8_t orig[1024], buf[1024];
    size_t n = test_hex(hex, orig, sizeof orig);
    cs_path t = test_path(target);
    size_t accepted = 0;
    for (size_t pos = 0; pos < n; pos++) {
        for (unsigned v = 0; v < 256; v++) {
            if (v == orig[pos])
                continue;
            memcpy(buf, orig, n);
            buf[pos] = (uint8_t)v;
            /* An exact-size heap copy, so ASan sees any overread. */
            uint8_t *data = malloc(n);
            assert_non_null(data);
            memcpy(data, buf, n);
            cs_records rs;
            cs_records_init(&rs);
            cs_err err = cs_decode(TLV, &t, data, n, cs_registry_standard(),
                                   &rs);
            if (err == CS_OK) {
                accepted++;
                cs_buf out;
                cs_buf_init(&out, 1u << 16);
                assert_int_equal(cs_encode(TLV, &t, &rs,
                                           cs_registry_standard(), &out),
                                 CS_OK);
                cs_buf_free(&out);
            } else {
                assert_int_equal(rs.count, 0);
            }
            cs_records_free(&rs);
            free(data);
        }
    }
    /* Some changes (string bytes, values) are still valid payloads. */
    assert_true(accepted > 0);
}

static void test_every_corruption(void **state)
{
    (void)state;
    char hex[1024];
    snprintf(hex, sizeof hex, "08 00 79 %s", DEVICE_HEX);
    corrupt_all("/3", hex);
    corrupt_all("/3/0", DEVICE_HEX);
    corrupt_all("/0", BOOTSTRAP_HEX);
    corrupt_all("/3/0/11/0", "83 0b 41 00 00");
}

/* ---- Encoder ----------------------------------------------------------- */

static void test_encode_errors(void **state)
{
    (void)state;
    cs_records rs;

    cs_records_init(&rs);
    add(&rs, "/3/1/9", cs_value_integer(1));
    encode_fails("/3/0", &rs, std_reg(), CS_E_PATH);
    cs_records_free(&rs);

    cs_records_init(&rs);
    add(&rs, "/3", cs_value_none());
    encode_fails("/3", &rs, std_reg(), CS_E_PATH);
    cs_records_free(&rs);

    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_integer(1));
    add(&rs, "/3/0/9", cs_value_integer(2));
    encode_fails("/3/0", &rs, std_reg(), CS_E_DUPLICATE);
    cs_records_free(&rs);

    /* Duplicates found after sorting. */
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_integer(1));
    add(&rs, "/3/0/0", cs_value_string("a", 1));
    add(&rs, "/3/0/9", cs_value_integer(2));
    encode_fails("/3/0", &rs, std_reg(), CS_E_DUPLICATE);
    cs_records_free(&rs);

    /* An empty container with something under it. */
    cs_records_init(&rs);
    add(&rs, "/3/0", cs_value_none());
    add(&rs, "/3/0/9", cs_value_integer(1));
    encode_fails("/3", &rs, std_reg(), CS_E_NESTING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3/0/6", cs_value_none());
    add(&rs, "/3/0/6/0", cs_value_integer(1));
    encode_fails("/3/0", &rs, std_reg(), CS_E_NESTING);
    cs_records_free(&rs);

    /* A value at instance level. */
    cs_records_init(&rs);
    add(&rs, "/3/0", cs_value_integer(1));
    encode_fails("/3", &rs, std_reg(), CS_E_NESTING);
    cs_records_free(&rs);

    /* Instances of a single resource; a single value for a multiple one. */
    cs_records_init(&rs);
    add(&rs, "/3/0/9/0", cs_value_integer(1));
    encode_fails("/3/0", &rs, std_reg(), CS_E_NESTING);
    encode_fails("/3/0/9/0", &rs, std_reg(), CS_E_NESTING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3/0/6", cs_value_integer(1));
    encode_fails("/3/0", &rs, std_reg(), CS_E_NESTING);
    cs_records_free(&rs);

    /* No value where one is needed. */
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_none());
    encode_fails("/3/0", &rs, std_reg(), CS_E_TYPE);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3/0/6/0", cs_value_none());
    encode_fails("/3/0", &rs, std_reg(), CS_E_TYPE);
    encode_fails("/3/0", &rs, NULL, CS_E_TYPE);
    cs_records_free(&rs);

    /* Values that do not convert to the defined type. */
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_string("100", 3));
    encode_fails("/3/0", &rs, std_reg(), CS_E_TYPE);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/1000/0/0", cs_value_unsigned(UINT64_MAX));
    encode_fails("/1000/0", &rs, test_reg, CS_E_RANGE);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/1000/0/9", cs_value_integer(1));
    encode_fails("/1000/0", &rs, test_reg, CS_E_TYPE);
    cs_records_free(&rs);

    /* An invalid path. */
    cs_records_init(&rs);
    cs_path bad = test_path("/3/0/9");
    bad.ids[2] = CS_ID_INVALID;
    cs_value v = cs_value_integer(1);
    assert_int_equal(cs_records_add(&rs, &bad, &v), CS_OK);
    encode_fails("/3/0", &rs, std_reg(), CS_E_PATH);
    cs_records_free(&rs);
}

static void test_encode_conversions(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    /* Converted to the defined type first: the receiver reads bytes by its
     * definition. */
    add(&rs, "/1000/0/0", cs_value_float(-2.0));
    add(&rs, "/1000/0/1", cs_value_integer(200));
    add(&rs, "/1000/0/2", cs_value_integer(3));
    add(&rs, "/1000/0/4", cs_value_corelnk("a", 1));
    add(&rs, "/1000/0/6", cs_value_unsigned(5));
    encode_expect("/1000/0", &rs, test_reg,
                  "c1 00 fe c1 01 c8 c4 02 40 40 00 00 c1 04 61 c1 06 05");
    cs_records_free(&rs);

    /* Without a definition, the value's own type decides. */
    cs_records_init(&rs);
    add(&rs, "/1000/0/0", cs_value_unsigned(200));
    add(&rs, "/1000/0/1", cs_value_integer(200));
    add(&rs, "/1000/0/2", cs_value_float(1.5));
    add(&rs, "/1000/0/3", cs_value_boolean(true));
    add(&rs, "/1000/0/7", cs_value_objlnk(1, 2));
    add(&rs, "/1000/0/10/3", cs_value_integer(-1));
    add(&rs, "/1000/0/11", cs_value_none());
    encode_expect("/1000/0", &rs, NULL,
                  "c1 00 c8 c2 01 00 c8 c4 02 3f c0 00 00 c1 03 01"
                  " c4 07 00 01 00 02 83 0a 41 03 ff 80 0b");
    cs_records_free(&rs);
}

static void test_encode_multiple_resources(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/1000/0/10/0", cs_value_integer(1));
    add(&want, "/1000/0/10/300", cs_value_integer(-2));
    add(&want, "/1000/0/11", cs_value_none());
    add(&want, "/1000/0/12/7", cs_value_float(0.5));
    round_trip("/1000/0",
               "87 0a 41 00 01 61 01 2c fe 80 0b 86 0c 44 07 3f 00 00 00",
               test_reg, &want);
    cs_records_free(&want);

    /* For a resource target: the whole multiple resource. */
    cs_records_init(&want);
    add(&want, "/1000/0/10/0", cs_value_integer(1));
    add(&want, "/1000/0/10/1", cs_value_integer(2));
    round_trip("/1000/0/10", "86 0a 41 00 01 41 01 02", test_reg, &want);
    cs_records_free(&want);

    /* A multiple resource whose value needs an 8-bit length field. */
    cs_records_init(&want);
    for (unsigned i = 0; i < 3; i++) {
        char p[32];
        snprintf(p, sizeof p, "/1000/0/11/%u", i);
        add_str(&want, p, "abc");
    }
    round_trip("/1000/0/11", "88 0b 0f 43 00 61 62 63 43 01 61 62 63 43 02 61 62 63",
               test_reg, &want);
    cs_records_free(&want);
}

/* More records than the encoder sorts on the stack, given in reverse. */
static void test_encode_many_unsorted(void **state)
{
    (void)state;
    cs_records rs, sorted;
    cs_records_init(&rs);
    cs_records_init(&sorted);
    for (unsigned i = 0; i < 200; i++) {
        char p[32];
        snprintf(p, sizeof p, "/1000/%u/10/%u", (199 - i) / 50,
                 (199 - i) % 50 * 7);
        add(&rs, p, cs_value_integer((int64_t)(199 - i) * 1000));
    }
    for (unsigned i = 0; i < 200; i++)
        assert_int_equal(cs_records_add(&sorted, &rs.items[199 - i].path,
                                        &rs.items[199 - i].value),
                         CS_OK);
    cs_path t = test_path("/1000");
    cs_buf a, b;
    cs_buf_init(&a, 1u << 20);
    cs_buf_init(&b, 1u << 20);
    assert_int_equal(cs_encode(TLV, &t, &rs, test_reg, &a), CS_OK);
    assert_int_equal(cs_encode(TLV, &t, &sorted, test_reg, &b), CS_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);

    cs_records back;
    cs_records_init(&back);
    assert_int_equal(cs_decode(TLV, &t, a.data, a.len, test_reg, &back),
                     CS_OK);
    assert_records_equal(&back, &sorted);
    cs_records_free(&back);
    cs_buf_free(&a);
    cs_buf_free(&b);
    cs_records_free(&rs);
    cs_records_free(&sorted);
}

static void test_encode_buffer_bound(void **state)
{
    (void)state;
    cs_records rs;
    device_records(&rs);
    cs_path t = test_path("/3/0");
    cs_buf out;
    cs_buf_init(&out, 120);
    assert_int_equal(cs_encode(TLV, &t, &rs, std_reg(), &out), CS_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    cs_buf_free(&out);
    cs_buf_init(&out, 121);
    assert_int_equal(cs_encode(TLV, &t, &rs, std_reg(), &out), CS_OK);
    assert_int_equal(out.len, 121);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* decode(encode(records)) == records, for a mix of everything. */
static void test_records_round_trip(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/1000/0/0", cs_value_integer(-300));
    add(&rs, "/1000/0/1", cs_value_unsigned(70000));
    add(&rs, "/1000/0/2", cs_value_float(-1e-300));
    add(&rs, "/1000/0/3", cs_value_boolean(false));
    add_str(&rs, "/1000/0/4", "h\xc3\xa9llo");
    add(&rs, "/1000/0/5", cs_value_opaque("", 0));
    add(&rs, "/1000/0/6", cs_value_time(-86400));
    add(&rs, "/1000/0/7", cs_value_objlnk(65535, 65535));
    add(&rs, "/1000/0/8", cs_value_corelnk("</1>,</3/0>", 11));
    add(&rs, "/1000/0/9", cs_value_none());
    add(&rs, "/1000/0/10/0", cs_value_integer(INT64_MIN));
    add(&rs, "/1000/0/10/65534", cs_value_integer(INT64_MAX));
    add(&rs, "/1000/0/11", cs_value_none());
    add(&rs, "/1000/0/300", cs_value_unsigned(1));
    add(&rs, "/1000/1", cs_value_none());
    add(&rs, "/1000/256/4", cs_value_string("", 0));
    add(&rs, "/1000/65534/12/1", cs_value_float(NAN));

    cs_path t = test_path("/1000");
    cs_buf out;
    cs_buf_init(&out, 1u << 20);
    assert_int_equal(cs_encode(TLV, &t, &rs, test_reg, &out), CS_OK);
    cs_records back;
    cs_records_init(&back);
    assert_int_equal(cs_decode(TLV, &t, out.data, out.len, test_reg, &back),
                     CS_OK);
    assert_records_equal(&back, &rs);

    /* And the bytes come back the same. */
    cs_buf again;
    cs_buf_init(&again, 1u << 20);
    assert_int_equal(cs_encode(TLV, &t, &back, test_reg, &again), CS_OK);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.data, out.data, out.len);
    cs_buf_free(&again);
    cs_records_free(&back);
    cs_buf_free(&out);
    cs_records_free(&rs);
}

/* A decode error leaves what the list already held. */
static void test_error_keeps_list(void **state)
{
    (void)state;
    cs_records rs;
    decode_hex("/3/0", "c1 09 64", std_reg(), &rs);
    uint8_t bad[] = { 0xc1, 0x09, 0x65 };
    cs_path t = test_path("/3/0");
    assert_int_equal(cs_decode(TLV, &t, bad, sizeof bad, std_reg(), &rs),
                     CS_E_RANGE);
    assert_int_equal(rs.count, 1);
    assert_int_equal(rs.items[0].value.v.i, 100);
    cs_records_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_example),
        cmocka_unit_test(test_device_example_object),
        cmocka_unit_test(test_device_example_unsorted),
        cmocka_unit_test(test_manufacturer_example),
        cmocka_unit_test(test_ets_server_write),
        cmocka_unit_test(test_bootstrap_write_security),
        cmocka_unit_test(test_resource_target),
        cmocka_unit_test(test_resource_instance_target),
        cmocka_unit_test(test_object_target),
        cmocka_unit_test(test_empty_payloads),
        cmocka_unit_test(test_root_target),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_booleans_objlnks),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_execute_resource),
        cmocka_unit_test(test_unknown_resources),
        cmocka_unit_test(test_non_canonical_forms),
        cmocka_unit_test(test_truncated_headers_and_values),
        cmocka_unit_test(test_bad_container_lengths),
        cmocka_unit_test(test_wrong_nesting),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_values_against_definitions),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_every_corruption),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_conversions),
        cmocka_unit_test(test_encode_multiple_resources),
        cmocka_unit_test(test_encode_many_unsorted),
        cmocka_unit_test(test_encode_buffer_bound),
        cmocka_unit_test(test_records_round_trip),
        cmocka_unit_test(test_error_keeps_list),
    };
    return cmocka_run_group_tests(tests, setup_registry, teardown_registry);
}
