/*
 * test_codec_lwm2m_cbor.c - the LwM2M CBOR format (11544): the Anjay Lite
 * vectors (indefinite maps, array keys, mixed key lengths), a Device
 * instance known answer checked by hand against RFC 8949, round trips in
 * both directions, and malformed input of each kind: wrong key types, too
 * deep, maps and values out of place, types and ranges against the object
 * definitions, duplicates, trailing bytes, truncation at every offset,
 * missing breaks and huge declared lengths.
 */
#include <stdlib.h>

#include "test_support.h"

#define LWCBOR CS_FORMAT_LWM2M_CBOR

/* ---- Helpers ----------------------------------------------------------- */

static cs_err decode_hex(const char *target, const char *hex,
                         const cs_registry *reg, cs_records *rs)
{
    uint8_t buf[512];
    size_t n = test_hex(hex, buf, sizeof buf);
    cs_path t = test_path(target);
    return cs_decode(LWCBOR, &t, buf, n, reg, rs);
}

static void expect_decode_error(const char *target, const char *hex,
                                cs_err err)
{
    uint8_t buf[512];
    size_t n = test_hex(hex, buf, sizeof buf);
    assert_decode_fails(LWCBOR, target, buf, n, err);
}

static void add(cs_records *rs, const char *path, cs_value v)
{
    cs_path p = test_path(path);
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

/* Decode `hex` and expect exactly the records of `want` (sorted). */
static void expect_records(const char *target, const char *hex,
                           const cs_registry *reg, const cs_records *want)
{
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = decode_hex(target, hex, reg, &rs);
    if (err != CS_OK)
        fail_msg("decode %s: %s", hex, cs_strerror(err));
    assert_records_equal(&rs, want);
    cs_records_free(&rs);
}

static void expect_bytes(const cs_buf *out, const char *hex)
{
    uint8_t want[512];
    size_t n = test_hex(hex, want, sizeof want);
    if (out->len != n || memcmp(out->data, want, n) != 0) {
        char got[3 * 128 + 1] = "";
        for (size_t i = 0; i < out->len && i < 128; i++)
            snprintf(got + 3 * i, 4, "%02x ", out->data[i]);
        fail_msg("got %s\nexpected %s", got, hex);
    }
}

static void expect_encoded(const char *target, const cs_records *rs,
                           const char *hex)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 4096);
    cs_err err = cs_encode(LWCBOR, &t, rs, cs_registry_standard(), &out);
    if (err != CS_OK)
        fail_msg("encode: %s", cs_strerror(err));
    expect_bytes(&out, hex);
    cs_buf_free(&out);
}

/* ---- Anjay Lite vectors ------------------------------------------------ */

/* {3:{3:{3:25}}} with indefinite maps, as Anjay Lite writes it. */
static void test_anjay_lite_indefinite_vector(void **state)
{
    (void)state;
    const char *hex = "bf 03 bf 03 bf 03 18 19 ff ff ff";
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/3/3", cs_value_integer(25));
    /* without definitions the number stays an Integer */
    expect_records("/3/3/3", hex, NULL, &want);
    expect_records("/", hex, NULL, &want);
    expect_records("/3", hex, NULL, &want);
    /* /3/x/3 is Firmware Version, a String: 25 does not fit it */
    expect_decode_error("/3/3/3", hex, CS_E_TYPE);
    /* our encoder writes the same record with definite maps */
    expect_encoded("/3/3/3", &want, "a1 03 a1 03 a1 03 18 19");
    expect_encoded("/", &want, "a1 03 a1 03 a1 03 18 19");
    cs_records_free(&want);
}

/* The same single resource in every shape Anjay Lite's tests feed its
 * decoder: array keys, definite and indefinite, nested or not. */
static void test_anjay_lite_key_shapes(void **state)
{
    (void)state;
    static const char *const shapes[] = {
        "a1 83 0d 18 1a 01 18 2a",               /* {[13,26,1]: 42} */
        "bf 9f 0d 18 1a 01 ff 18 2a ff",         /* same, indefinite */
        "a1 0d a1 18 1a a1 01 18 2a",            /* {13:{26:{1:42}}} */
        "bf 0d bf 18 1a bf 01 18 2a ff ff ff",
        "a1 81 0d a1 81 18 1a a1 81 01 18 2a",   /* {[13]:{[26]:{[1]:42}}} */
        "a1 82 0d 18 1a a1 01 18 2a",            /* {[13,26]:{1:42}} */
    };
    cs_records want;
    cs_records_init(&want);
    add(&want, "/13/26/1", cs_value_integer(42));
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        expect_records("/13/26/1", shapes[i], cs_registry_standard(), &want);
        expect_records("/", shapes[i], cs_registry_standard(), &want);
    }
    cs_records_free(&want);
}

static void test_anjay_lite_mixed_key_lengths(void **state)
{
    (void)state;
    static const char *const shapes[] = {
        /* {[13, 26]: {1: 42, 2: 21}} */
        "a1 82 0d 18 1a a2 01 18 2a 02 15",
        /* {[13, 26, 1]: 42, [13, 26, 2]: 21} */
        "a2 83 0d 18 1a 01 18 2a 83 0d 18 1a 02 15",
        /* {[13, 26]: {1: 42}, [13, 26, 2]: 21} */
        "a2 82 0d 18 1a a1 01 18 2a 83 0d 18 1a 02 15",
        /* {[13, 26, 1]: 42, [13, 26]: {[2]: 21}} */
        "a2 83 0d 18 1a 01 18 2a 82 0d 18 1a a1 81 02 15",
    };
    cs_records want;
    cs_records_init(&want);
    add(&want, "/13/26/1", cs_value_integer(42));
    add(&want, "/13/26/2", cs_value_integer(21));
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        expect_records("/13/26", shapes[i], NULL, &want);
    cs_records_free(&want);
}

static void test_anjay_lite_composite_and_types(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/13/26/1", cs_value_integer(1));
    add(&want, "/14/27/2", cs_value_integer(2));
    /* {13: {26: {1: 1}}, 14: {27: {2: 2}}} */
    expect_records("/", "a2 0d a1 18 1a a1 01 01 0e a1 18 1b a1 02 02", NULL,
                   &want);
    expect_records("/",
                   "bf 9f 0d ff bf 9f 18 1a ff bf 9f 01 ff 01 ff ff 9f 0e ff "
                   "bf 9f 18 1b ff bf 9f 02 ff 02 ff ff ff",
                   NULL, &want);
    cs_records_clear(&want);

    /* {[13, 26]: {1: 1, 2: -1, 3: 2.5, 4: "test", 5: h'11223344'}} */
    add(&want, "/13/26/1", cs_value_integer(1));
    add(&want, "/13/26/2", cs_value_integer(-1));
    add(&want, "/13/26/3", cs_value_float(2.5));
    add(&want, "/13/26/4", cs_value_string("test", 4));
    add(&want, "/13/26/5", cs_value_opaque("\x11\x22\x33\x44", 4));
    expect_records("/13/26",
                   "a1 82 0d 18 1a a5 01 01 02 20 03 f9 41 00 04 64 74 65 73 "
                   "74 05 44 11 22 33 44",
                   NULL, &want);
    cs_records_clear(&want);

    /* indefinite strings: {[13]: {[26]: {[1]: (_ h'0011', h'2233')}}} */
    add(&want, "/13/26/1", cs_value_opaque("\x00\x11\x22\x33", 4));
    add(&want, "/14/27/2", cs_value_string("0123", 4));
    expect_records("/",
                   "bf 9f 0d ff bf 9f 18 1a ff bf 9f 01 ff 5f 42 00 11 42 22 "
                   "33 ff ff ff 9f 0e ff bf 9f 18 1b ff bf 9f 02 ff 7f 62 30 "
                   "31 62 32 33 ff ff ff ff",
                   NULL, &want);
    cs_records_free(&want);
}

/* null for a resource instance: an entry with no value (Anjay Lite reads
 * it as such); without a definition it survives as a NONE record. */
static void test_null_value(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/13/26/1/2", cs_value_none());
    add(&want, "/13/26/1/3", cs_value_integer(5));
    /* {[13, 26, 1]: {2: null, 3: 5}} */
    expect_records("/13/26/1", "a1 83 0d 18 1a 01 a2 02 f6 03 05", NULL,
                   &want);
    cs_records_free(&want);
    /* a defined single resource needs a value */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 09 f6", CS_E_TYPE);
    /* a defined resource instance too */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 0b a1 00 f6", CS_E_TYPE);
}

/* ---- Device instance known answer -------------------------------------- */

/*
 * /3/0 with Manufacturer "ACME", Battery Level 95, Error Code [0], Current
 * Time 1600000000 and Supported Binding "U".  Checked by hand, RFC 8949:
 *   a1                 map(1)            {
 *     03               unsigned(3)         3:
 *     a1               map(1)              {
 *       00             unsigned(0)           0:
 *       a5             map(5)                {
 *         00           0                       0: "ACME"
 *         64 41434d45  text(4) "ACME"
 *         09           9                       9: 95
 *         18 5f        unsigned(95), 1-byte argument (95 >= 24)
 *         0b           11                      11: {0: 0}
 *         a1 00 00     map(1) {0: 0}
 *         0d           13                      13: 1(1600000000)
 *         c1           tag(1) epoch-based date/time
 *         1a 5f5e1000  unsigned(1600000000), 4-byte argument
 *         10           16                      16: "U"
 *         61 55        text(1) "U"
 */
#define DEVICE_HEX                                                           \
    "a1 03 a1 00 a5 00 64 41 43 4d 45 09 18 5f 0b a1 00 00 0d c1 1a 5f 5e "  \
    "10 00 10 61 55"

static void device_records(cs_records *rs)
{
    add(rs, "/3/0/0", cs_value_string("ACME", 4));
    add(rs, "/3/0/9", cs_value_integer(95));
    add(rs, "/3/0/11/0", cs_value_integer(0));
    add(rs, "/3/0/13", cs_value_time(1600000000));
    add(rs, "/3/0/16", cs_value_string("U", 1));
}

static void test_device_instance_known_answer(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    device_records(&rs);
    expect_encoded("/3/0", &rs, DEVICE_HEX);
    expect_encoded("/3", &rs, DEVICE_HEX);
    expect_encoded("/", &rs, DEVICE_HEX);
    expect_records("/3/0", DEVICE_HEX, cs_registry_standard(), &rs);
    cs_records_free(&rs);
}

/* Input order does not matter to the encoder. */
static void test_encode_unsorted_input(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/16", cs_value_string("U", 1));
    add(&rs, "/3/0/11/0", cs_value_integer(0));
    add(&rs, "/3/0/0", cs_value_string("ACME", 4));
    add(&rs, "/3/0/13", cs_value_time(1600000000));
    add(&rs, "/3/0/9", cs_value_integer(95));
    expect_encoded("/3/0", &rs, DEVICE_HEX);
    cs_records_free(&rs);
}

/* Untagged time, converted by the definition; tag 0 text (Zephyr). */
static void test_decode_time_forms(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/0/13", cs_value_time(1600000000));
    expect_records("/3/0", "a1 03 a1 00 a1 0d 1a 5f 5e 10 00",
                   cs_registry_standard(), &want);
    expect_records("/3/0",
                   "a1 03 a1 00 a1 0d c0 74 32 30 32 30 2d 30 39 2d 31 33 54 "
                   "31 32 3a 32 36 3a 34 30 5a",
                   cs_registry_standard(), &want);
    cs_records_free(&want);
}

/* ---- Containers -------------------------------------------------------- */

static void test_empty_containers(void **state)
{
    (void)state;
    cs_records want;
    cs_records_init(&want);
    /* the empty root map: nothing */
    expect_records("/", "a0", NULL, &want);
    expect_records("/3/0", "bf ff", cs_registry_standard(), &want);
    /* an empty object map: nothing either */
    expect_records("/1", "a1 01 a0", cs_registry_standard(), &want);
    /* an empty instance */
    add(&want, "/1/0", cs_value_none());
    expect_records("/1", "a1 01 a1 00 a0", cs_registry_standard(), &want);
    expect_records("/1", "a1 82 01 00 bf ff", cs_registry_standard(), &want);
    expect_encoded("/1", &want, "a1 01 a1 00 a0");
    cs_records_clear(&want);
    /* a multiple resource without instances */
    add(&want, "/3/0/11", cs_value_none());
    expect_records("/3/0", "a1 03 a1 00 a1 0b a0", cs_registry_standard(),
                   &want);
    expect_encoded("/3/0", &want, "a1 03 a1 00 a1 0b a0");
    cs_records_clear(&want);
    /* no records at all: the empty map */
    expect_encoded("/3/0", &want, "a0");
    cs_records_free(&want);
}

static void test_multiple_instances_and_objects(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/0/1/0", cs_value_string("coaps://s", 9));
    add(&rs, "/0/1/1", cs_value_boolean(false));
    add(&rs, "/0/1/10", cs_value_integer(1));
    add(&rs, "/1/0/0", cs_value_integer(1));
    add(&rs, "/1/0/1", cs_value_integer(86400));
    add(&rs, "/1/1/0", cs_value_integer(2));
    /*
     * {0: {1: {0: "coaps://s", 1: false, 10: 1}},
     *  1: {0: {0: 1, 1: 86400}, 1: {0: 2}}}
     */
    const char *hex = "a2 00 a1 01 a3 00 69 63 6f 61 70 73 3a 2f 2f 73 01 f4 "
                      "0a 01 01 a2 00 a2 00 01 01 1a 00 01 51 80 01 a1 00 02";
    expect_encoded("/", &rs, hex);
    expect_records("/", hex, cs_registry_standard(), &rs);
    cs_records_free(&rs);
}

/* ---- Round trips ------------------------------------------------------- */

/* encode(decode(x)) == x for payloads already in canonical form. */
static void test_round_trip_canonical(void **state)
{
    (void)state;
    static const struct {
        const char *target, *hex;
    } cases[] = {
        { "/3/0", DEVICE_HEX },
        { "/", "a0" },
        { "/1", "a1 01 a1 00 a0" },
        { "/3/0/11", "a1 03 a1 00 a1 0b a2 00 01 01 18 20" },
        { "/1/0", "a1 01 a1 00 a4 00 18 65 06 f5 0a 64 31 31 3a 30 0b 18 ff" },
        { "/65000", "a1 19 fd e8 a1 00 a3 00 f9 3e 00 01 fb 3f b9 99 99 99 99 "
                    "99 9a 02 c1 20" },
        { "/0/0", "a1 00 a1 00 a2 03 43 01 02 03 10 a1 00 19 c0 a8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_records rs;
        cs_records_init(&rs);
        cs_err err = decode_hex(cases[i].target, cases[i].hex,
                                cs_registry_standard(), &rs);
        if (err != CS_OK)
            fail_msg("case %zu: %s", i, cs_strerror(err));
        expect_encoded(cases[i].target, &rs, cases[i].hex);
        cs_records_free(&rs);
    }
}

/* decode(encode(records)) == records, every type, several objects, and
 * more records than the encoder sorts without the heap. */
static void test_round_trip_records(void **state)
{
    (void)state;
    cs_records rs, back;
    cs_records_init(&rs);
    cs_records_init(&back);
    add(&rs, "/0/0/0", cs_value_string("coaps://lwm2m.example.com:5684", 30));
    add(&rs, "/0/0/1", cs_value_boolean(false));
    add(&rs, "/0/0/2", cs_value_integer(0));
    add(&rs, "/0/0/3", cs_value_opaque("dev-1", 5));
    add(&rs, "/0/0/5", cs_value_opaque("\0\1\2\3\4\5\6\7", 8));
    add(&rs, "/0/0/13", cs_value_unsigned(1));
    add(&rs, "/0/0/16/0", cs_value_unsigned(49320));
    add(&rs, "/0/0/16/1", cs_value_unsigned(174));
    add(&rs, "/0/0/17", cs_value_objlnk(21, 0));
    add(&rs, "/1/0/0", cs_value_integer(1));
    add(&rs, "/1/0/12", cs_value_time(-86400));
    add(&rs, "/1/0/24", cs_value_none());
    add(&rs, "/3/0/11/0", cs_value_integer(0));
    add(&rs, "/3/0/11/65534", cs_value_integer(32));
    add(&rs, "/65000/0/0", cs_value_float(-1e-300));
    add(&rs, "/65000/0/1", cs_value_unsigned(UINT64_MAX));
    add(&rs, "/65000/0/2", cs_value_integer(INT64_MIN));
    add(&rs, "/65000/0/3/7", cs_value_float(0.5));
    add(&rs, "/65000/0/3/8", cs_value_none());
    add(&rs, "/65000/1", cs_value_none());
    char names[40][8];
    for (int i = 0; i < 40; i++) {
        char path[32];
        snprintf(path, sizeof path, "/65001/%d/%d", i % 7, i);
        snprintf(names[i], sizeof names[i], "n%d", i);
        add(&rs, path, cs_value_string(names[i], strlen(names[i])));
    }
    cs_buf out;
    cs_buf_init(&out, 8192);
    cs_path root = cs_path_root();
    assert_int_equal(cs_encode(LWCBOR, &root, &rs, cs_registry_standard(),
                               &out), CS_OK);
    assert_int_equal(cs_decode(LWCBOR, &root, out.data, out.len,
                               cs_registry_standard(), &back), CS_OK);
    cs_records_sort(&rs);
    assert_records_equal(&back, &rs);
    cs_buf_free(&out);
    cs_records_free(&rs);
    cs_records_free(&back);
}

/* ---- Malformed input --------------------------------------------------- */

static void test_wrong_key_types(void **state)
{
    (void)state;
    expect_decode_error("/", "a1 61 33 a0", CS_E_PATH);          /* "3" */
    expect_decode_error("/", "a1 20 a0", CS_E_PATH);             /* -1 */
    expect_decode_error("/", "a1 19 ff ff a0", CS_E_PATH);       /* 65535 */
    expect_decode_error("/", "a1 1a 00 01 00 00 a0", CS_E_PATH); /* 65536 */
    expect_decode_error("/", "a1 f9 42 00 a0", CS_E_PATH);       /* 3.0 */
    expect_decode_error("/", "a1 f5 a0", CS_E_PATH);             /* true */
    expect_decode_error("/", "a1 f6 a0", CS_E_PATH);             /* null */
    expect_decode_error("/", "a1 41 03 a0", CS_E_PATH);          /* h'03' */
    expect_decode_error("/", "a1 c1 03 a0", CS_E_PATH);          /* tagged */
    expect_decode_error("/", "a1 a1 03 03 a0", CS_E_PATH);       /* map */
    /* arrays of IDs: not empty, only unsigned IDs, not nested */
    expect_decode_error("/", "a1 80 05", CS_E_PATH);
    expect_decode_error("/", "a1 9f ff 05", CS_E_PATH);
    expect_decode_error("/", "a1 82 03 61 30 05", CS_E_PATH);
    expect_decode_error("/", "a1 82 03 20 05", CS_E_PATH);
    expect_decode_error("/", "a1 83 03 00 19 ff ff 05", CS_E_PATH);
    expect_decode_error("/", "a1 82 03 81 00 05", CS_E_PATH);
    expect_decode_error("/", "bf 9f 03 61 30 ff 05 ff", CS_E_PATH);
    /* deeper in the tree too */
    expect_decode_error("/", "a1 03 a1 00 a1 61 30 05", CS_E_PATH);
}

static void test_too_deep(void **state)
{
    (void)state;
    /* five IDs in one key, or across keys */
    expect_decode_error("/", "a1 85 03 00 0b 00 01 05", CS_E_NESTING);
    expect_decode_error("/", "a1 9f 03 00 0b 00 01 ff 05", CS_E_NESTING);
    expect_decode_error("/", "a1 83 03 00 0b a1 82 00 01 05", CS_E_NESTING);
    /* a map where the path is already complete */
    expect_decode_error("/", "a1 03 a1 00 a1 0b a1 00 a1 01 05",
                        CS_E_NESTING);
    expect_decode_error("/", "a1 84 03 00 0b 00 a0", CS_E_NESTING);
}

static void test_map_and_leaf_out_of_place(void **state)
{
    (void)state;
    /* a value where a container must be: object or instance level */
    expect_decode_error("/", "a1 03 05", CS_E_NESTING);
    expect_decode_error("/", "a1 03 a1 00 05", CS_E_NESTING);
    expect_decode_error("/", "a1 82 03 00 64 41 43 4d 45", CS_E_NESTING);
    /* the payload itself must be a map */
    expect_decode_error("/3/0/0", "64 41 43 4d 45", CS_E_NESTING);
    expect_decode_error("/", "81 03", CS_E_NESTING);
    /* a single resource written as multiple, and the reverse */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 09 a1 00 05", CS_E_NESTING);
    expect_decode_error("/3/0", "a1 03 a1 00 a1 0b 05", CS_E_NESTING);
    /* a container that also has content */
    expect_decode_error("/3", "a2 82 03 00 a0 83 03 00 00 61 41",
                        CS_E_NESTING);
    /* arrays and undefined are not values */
    expect_decode_error("/", "a1 83 03 00 00 82 01 02", CS_E_TYPE);
    expect_decode_error("/", "a1 83 03 00 00 f7", CS_E_TYPE);
}

static void test_types_and_ranges_against_definitions(void **state)
{
    (void)state;
    /* Battery Level: Integer 0..100 */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 09 61 35", CS_E_TYPE);
    expect_decode_error("/3/0", "a1 03 a1 00 a1 09 f9 3e 00", CS_E_TYPE);
    expect_decode_error("/3/0", "a1 03 a1 00 a1 09 18 65", CS_E_RANGE);
    expect_decode_error("/3/0", "a1 03 a1 00 a1 09 20", CS_E_RANGE);
    /* Manufacturer: String */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 00 41 41", CS_E_TYPE);
    expect_decode_error("/3/0", "a1 03 a1 00 a1 00 05", CS_E_TYPE);
    /* Error Code instances: Integer 0..32 */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 0b a1 00 18 21", CS_E_RANGE);
    /* Short Server ID 1..65534, Notification Storing: Boolean */
    expect_decode_error("/1/0", "a1 01 a1 00 a1 00 00", CS_E_RANGE);
    expect_decode_error("/1/0", "a1 01 a1 00 a1 06 01", CS_E_TYPE);
    /* APN Link: Objlnk text */
    expect_decode_error("/1/0", "a1 01 a1 00 a1 0a 62 31 31", CS_E_SYNTAX);
    expect_decode_error("/1/0", "a1 01 a1 00 a1 0a 05", CS_E_TYPE);
    /* Secret Key: Opaque */
    expect_decode_error("/0/0", "a1 00 a1 00 a1 05 61 41", CS_E_TYPE);
    /* no LwM2M integer holds these */
    expect_decode_error("/", "a1 83 19 fd e8 00 00 3b 80 00 00 00 00 00 00 00",
                        CS_E_RANGE);
    /* text must be UTF-8 */
    expect_decode_error("/3/0", "a1 03 a1 00 a1 00 62 c3 28", CS_E_ENCODING);
}

static void test_duplicates(void **state)
{
    (void)state;
    /* the same leaf twice in one map */
    expect_decode_error("/3/0", "a1 03 a1 00 a2 00 61 61 00 61 62",
                        CS_E_DUPLICATE);
    /* the same leaf through two key shapes */
    expect_decode_error("/3", "a2 83 03 00 00 61 61 03 a1 00 a1 00 61 62",
                        CS_E_DUPLICATE);
    /* the same map key twice, its leaves different */
    expect_decode_error("/", "a2 03 a1 00 a1 00 61 61 03 a1 00 a1 01 61 62",
                        CS_E_DUPLICATE);
    expect_decode_error("/", "bf 03 a1 00 a1 00 61 61 81 03 a1 00 a1 01 61 "
                             "62 ff",
                        CS_E_DUPLICATE);
    expect_decode_error("/", "a1 03 a2 00 a1 00 61 61 00 a1 01 61 62",
                        CS_E_DUPLICATE);
    /* one empty instance twice */
    expect_decode_error("/", "a1 01 a2 00 a0 00 a0", CS_E_DUPLICATE);
    /* the same container through different maps is not a repeated key */
    cs_records want;
    cs_records_init(&want);
    add(&want, "/3/0/0", cs_value_string("a", 1));
    add(&want, "/3/0/1", cs_value_string("b", 1));
    expect_records("/", "a2 03 a1 00 a1 00 61 61 82 03 00 a1 01 61 62",
                   cs_registry_standard(), &want);
    cs_records_free(&want);
}

static void test_outside_target(void **state)
{
    (void)state;
    expect_decode_error("/3/0", "a1 01 a1 00 a1 01 05", CS_E_PATH);
    expect_decode_error("/3/0/0", "a1 03 a1 00 a1 01 61 41", CS_E_PATH);
    expect_decode_error("/3/1", DEVICE_HEX, CS_E_PATH);
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    expect_decode_error("/", "a0 00", CS_E_TRAILING);
    expect_decode_error("/", "bf ff ff", CS_E_TRAILING);
    expect_decode_error("/3/0", DEVICE_HEX " a0", CS_E_TRAILING);
}

static void test_truncated_at_every_offset(void **state)
{
    (void)state;
    static const char *const payloads[] = {
        DEVICE_HEX,
        "bf 03 bf 03 bf 03 18 19 ff ff ff",
        ("bf 9f 0d ff bf 9f 18 1a ff bf 9f 01 ff 5f 42 00 11 42 22 33 ff "
         "ff ff ff"),
        "a1 83 19 fd e8 00 00 fb 3f b9 99 99 99 99 99 9a",
    };
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        uint8_t buf[128];
        size_t n = test_hex(payloads[i], buf, sizeof buf);
        for (size_t cut = 0; cut < n; cut++)
            assert_decode_fails(LWCBOR, "/", buf, cut, CS_E_TRUNCATED);
    }
}

static void test_breaks_and_lengths(void **state)
{
    (void)state;
    /* indefinite maps, arrays and strings that never end */
    expect_decode_error("/", "bf 03 bf 00 bf 00 05", CS_E_TRUNCATED);
    expect_decode_error("/", "bf 9f 03 00 00", CS_E_TRUNCATED);
    expect_decode_error("/", "a1 83 03 00 00 7f 61 41", CS_E_TRUNCATED);
    /* breaks where none may stand */
    expect_decode_error("/", "ff", CS_E_SYNTAX);
    expect_decode_error("/", "a1 03 a1 ff 00", CS_E_SYNTAX);
    expect_decode_error("/", "bf 03 ff", CS_E_SYNTAX);
    expect_decode_error("/", "a1 83 03 00 ff 05", CS_E_SYNTAX);
    expect_decode_error("/", "a1 83 03 00 00 7f 41 41 ff", CS_E_SYNTAX);
    /* declared lengths far beyond the input, refused without allocating */
    expect_decode_error("/", "bb ff ff ff ff ff ff ff ff 00", CS_E_TRUNCATED);
    expect_decode_error("/", "ba ff ff ff ff 00 00", CS_E_TRUNCATED);
    expect_decode_error("/", "a1 9b ff ff ff ff ff ff ff ff 03",
                        CS_E_TRUNCATED);
    expect_decode_error("/", "a1 83 03 00 00 7b ff ff ff ff ff ff ff ff 41",
                        CS_E_TRUNCATED);
    expect_decode_error("/", "a1 83 03 00 00 5a 7f ff ff ff 41",
                        CS_E_TRUNCATED);
    /* a key array that claims more IDs than a path has */
    expect_decode_error("/", "a1 98 05 03 00 0b 00 01 05", CS_E_NESTING);
    /* reserved encodings */
    expect_decode_error("/", "a1 1c 05", CS_E_SYNTAX);
    expect_decode_error("/", "be", CS_E_SYNTAX);
    /* nothing at all */
    assert_decode_fails(LWCBOR, "/", NULL, 0, CS_E_TRUNCATED);
}

/* ---- Encoder refusals ------------------------------------------------- */

static void expect_encode_error(const char *target, const cs_records *rs,
                                cs_err err)
{
    cs_path t = test_path(target);
    cs_buf out;
    cs_buf_init(&out, 4096);
    assert_int_equal(cs_encode(LWCBOR, &t, rs, NULL, &out), err);
    assert_int_equal(out.len, 0);
    cs_buf_free(&out);
}

static void test_encode_refuses(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/0", cs_value_string("a", 1));
    expect_encode_error("/1", &rs, CS_E_PATH);
    expect_encode_error("/3/0/1", &rs, CS_E_PATH);
    add(&rs, "/3/0/0", cs_value_string("b", 1));
    expect_encode_error("/3/0", &rs, CS_E_DUPLICATE);
    cs_records_clear(&rs);
    add(&rs, "/3/0/11", cs_value_none());
    add(&rs, "/3/0/11/0", cs_value_integer(1));
    expect_encode_error("/3/0", &rs, CS_E_NESTING);
    cs_records_clear(&rs);
    add(&rs, "/3/0", cs_value_integer(1));
    expect_encode_error("/3", &rs, CS_E_NESTING);
    cs_records_clear(&rs);
    add(&rs, "/3", cs_value_none());
    expect_encode_error("/", &rs, CS_E_PATH);
    cs_records_clear(&rs);
    add(&rs, "/3/0/0", cs_value_string("\xc3", 1));
    expect_encode_error("/3/0", &rs, CS_E_NOT_ACCEPTABLE);
    cs_records_clear(&rs);
    /* a full buffer */
    add(&rs, "/3/0/0", cs_value_string("ACME", 4));
    cs_path t = test_path("/3/0");
    cs_buf out;
    cs_buf_init(&out, 8);
    assert_int_equal(cs_encode(LWCBOR, &t, &rs, NULL, &out), CS_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    cs_buf_free(&out);
    /* exactly enough room is enough: 11 bytes */
    cs_buf_init(&out, 10);
    assert_int_equal(cs_encode(LWCBOR, &t, &rs, NULL, &out), CS_E_TOO_LARGE);
    cs_buf_free(&out);
    cs_buf_init(&out, 11);
    assert_int_equal(cs_encode(LWCBOR, &t, &rs, NULL, &out), CS_OK);
    expect_bytes(&out, "a1 03 a1 00 a1 00 64 41 43 4d 45");
    cs_buf_free(&out);
    cs_records_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anjay_lite_indefinite_vector),
        cmocka_unit_test(test_anjay_lite_key_shapes),
        cmocka_unit_test(test_anjay_lite_mixed_key_lengths),
        cmocka_unit_test(test_anjay_lite_composite_and_types),
        cmocka_unit_test(test_null_value),
        cmocka_unit_test(test_device_instance_known_answer),
        cmocka_unit_test(test_encode_unsorted_input),
        cmocka_unit_test(test_decode_time_forms),
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_multiple_instances_and_objects),
        cmocka_unit_test(test_round_trip_canonical),
        cmocka_unit_test(test_round_trip_records),
        cmocka_unit_test(test_wrong_key_types),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_map_and_leaf_out_of_place),
        cmocka_unit_test(test_types_and_ranges_against_definitions),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_outside_target),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_truncated_at_every_offset),
        cmocka_unit_test(test_breaks_and_lengths),
        cmocka_unit_test(test_encode_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
