/*
 * test_codec_cross.c - the same object instance written independently in
 * TLV, SenML JSON, SenML CBOR, LwM2M CBOR and OMA JSON decodes to the same
 * values; and records encoded in any record format decode back unchanged.
 *
 * The payloads below were written by hand (TLV from the TS rules, the CBOR
 * ones from RFC 8949's encoding rules), not produced by our encoders.
 */
#include "test_support.h"

/* /3/0: 0 Manufacturer, 1 Model, 6 Available Power Sources {1, 5},
 * 9 Battery Level 100, 13 Current Time 1367491215, 16 Binding "U". */
static void expected_device(cs_records *rs)
{
    struct { cs_path p; cs_value v; } e[] = {
        { cs_path_resource(3, 0, 0), cs_value_string("Open Mobile Alliance", 20) },
        { cs_path_resource(3, 0, 1), cs_value_string("Lightweight M2M Client", 22) },
        { cs_path_resource_instance(3, 0, 6, 0), cs_value_integer(1) },
        { cs_path_resource_instance(3, 0, 6, 1), cs_value_integer(5) },
        { cs_path_resource(3, 0, 9), cs_value_integer(100) },
        { cs_path_resource(3, 0, 13), cs_value_time(1367491215) },
        { cs_path_resource(3, 0, 16), cs_value_string("U", 1) },
    };
    cs_records_init(rs);
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        assert_int_equal(cs_records_add(rs, &e[i].p, &e[i].v), CS_OK);
}

static const char device_tlv[] =
    "c8 00 14 4f70656e204d6f62696c6520416c6c69616e6365"
    "c8 01 16 4c69676874776569676874204d324d20436c69656e74"
    "88 06 06 41 00 01 41 01 05"
    "c1 09 64"
    "c4 0d 51 82 42 8f"
    "c1 10 55";

static const char device_senml_json[] =
    "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},"
    "{\"n\":\"1\",\"vs\":\"Lightweight M2M Client\"},"
    "{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},{\"n\":\"9\",\"v\":100},"
    "{\"n\":\"13\",\"v\":1367491215},{\"n\":\"16\",\"vs\":\"U\"}]";

static const char device_senml_cbor[] =
    "87a321652f332f302f00613003744f70656e204d6f62696c6520416c6c69616e6365"
    "a200613103764c69676874776569676874204d324d20436c69656e74"
    "a20063362f300201a20063362f310205a2006139021864"
    "a200623133021a5182428fa200623136036155";

static const char device_lwm2m_cbor[] =
    "a103a100a600744f70656e204d6f62696c6520416c6c69616e6365"
    "01764c69676874776569676874204d324d20436c69656e74"
    "06a2000101050918640d1a5182428f106155";

static const char device_oma_json[] =
    "{\"bn\":\"/3/0/\",\"e\":["
    "{\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},"
    "{\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},"
    "{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},{\"n\":\"9\",\"v\":100},"
    "{\"n\":\"13\",\"v\":1367491215},{\"n\":\"16\",\"sv\":\"U\"}]}";

static void decode_and_compare(uint16_t format, const uint8_t *data,
                               size_t len)
{
    cs_records expected, got;
    expected_device(&expected);
    cs_records_init(&got);
    cs_path target = cs_path_instance(3, 0);
    cs_err err = cs_decode(format, &target, data, len, cs_registry_standard(),
                           &got);
    if (err != CS_OK)
        fail_msg("format %u: %s", format, cs_strerror(err));
    cs_records_sort(&got);
    assert_records_equal(&expected, &got);
    cs_records_free(&expected);
    cs_records_free(&got);
}

static void decode_hex_and_compare(uint16_t format, const char *hex)
{
    uint8_t buf[512];
    size_t n = test_hex(hex, buf, sizeof buf);
    decode_and_compare(format, buf, n);
}

static void tlv_gives_the_device(void **state)
{
    (void)state;
    decode_hex_and_compare(CS_FORMAT_TLV, device_tlv);
}

static void senml_json_gives_the_device(void **state)
{
    (void)state;
    decode_and_compare(CS_FORMAT_SENML_JSON, (const uint8_t *)device_senml_json,
                       strlen(device_senml_json));
}

static void senml_cbor_gives_the_device(void **state)
{
    (void)state;
    decode_hex_and_compare(CS_FORMAT_SENML_CBOR, device_senml_cbor);
}

static void lwm2m_cbor_gives_the_device(void **state)
{
    (void)state;
    decode_hex_and_compare(CS_FORMAT_LWM2M_CBOR, device_lwm2m_cbor);
}

static void oma_json_gives_the_device(void **state)
{
    (void)state;
    decode_and_compare(CS_FORMAT_OMA_JSON, (const uint8_t *)device_oma_json,
                       strlen(device_oma_json));
}

/* Records with every data type, under object 1 and 0 (known definitions)
 * and an object no registry defines. */
static void mixed_records(cs_records *rs)
{
    static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    struct { cs_path p; cs_value v; } e[] = {
        { cs_path_resource(0, 1, 0), cs_value_string("coaps://lwm2m.example.com:5684", 30) },
        { cs_path_resource(0, 1, 1), cs_value_boolean(false) },
        { cs_path_resource(0, 1, 2), cs_value_integer(0) },
        { cs_path_resource(0, 1, 3), cs_value_opaque("dev-1", 5) },
        { cs_path_resource(0, 1, 5), cs_value_opaque(key, sizeof key) },
        { cs_path_resource(0, 1, 10), cs_value_integer(1) },
        { cs_path_resource_instance(0, 1, 16, 0), cs_value_unsigned(49320) },
        { cs_path_resource(1, 0, 0), cs_value_integer(1) },
        { cs_path_resource(1, 0, 1), cs_value_integer(86400) },
        { cs_path_resource(1, 0, 6), cs_value_boolean(true) },
        { cs_path_resource(1, 0, 7), cs_value_string("U", 1) },
        { cs_path_resource(1, 0, 10), cs_value_objlnk(11, 0) },
        { cs_path_resource(1, 0, 12), cs_value_time(-5) },
        { cs_path_resource(1, 0, 17), cs_value_unsigned(UINT64_MAX / 3) },
        { cs_path_resource(1, 0, 22), cs_value_string("U\xc3\xa9\"\\\n", 7) },
    };
    cs_records_init(rs);
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        assert_int_equal(cs_records_add(rs, &e[i].p, &e[i].v), CS_OK);
}

static void round_trip_in(uint16_t format, const cs_path *target,
                          cs_records *rs)
{
    cs_buf buf;
    cs_buf_init(&buf, 1 << 16);
    cs_err err = cs_encode(format, target, rs, cs_registry_standard(), &buf);
    if (err != CS_OK)
        fail_msg("encode as %u: %s", format, cs_strerror(err));
    cs_records back;
    cs_records_init(&back);
    err = cs_decode(format, target, buf.data, buf.len, cs_registry_standard(),
                    &back);
    if (err != CS_OK)
        fail_msg("decode of %u: %s", format, cs_strerror(err));
    assert_records_equal(rs, &back);
    cs_records_free(&back);
    cs_buf_free(&buf);
}

static void every_record_format_round_trips(void **state)
{
    (void)state;
    static const uint16_t formats[] = {
        CS_FORMAT_SENML_JSON, CS_FORMAT_SENML_CBOR, CS_FORMAT_LWM2M_CBOR,
        CS_FORMAT_OMA_JSON,
    };
    cs_records rs;
    mixed_records(&rs);
    cs_path root = cs_path_root();
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        round_trip_in(formats[i], &root, &rs);
    cs_records_free(&rs);

    /* TLV cannot carry object IDs: one object at a time. */
    cs_records device;
    expected_device(&device);
    cs_path obj = cs_path_object(3), inst = cs_path_instance(3, 0);
    round_trip_in(CS_FORMAT_TLV, &obj, &device);
    round_trip_in(CS_FORMAT_TLV, &inst, &device);
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        round_trip_in(formats[i], &inst, &device);
    cs_records_free(&device);
}

static void single_value_formats_agree(void **state)
{
    (void)state;
    /* /3/0/13 Current Time as text, CBOR and TLV. */
    uint8_t cbor[8], tlv[8];
    size_t cbor_len = test_hex("1a 51 82 42 8f", cbor, sizeof cbor);
    size_t tlv_len = test_hex("c4 0d 51 82 42 8f", tlv, sizeof tlv);
    const char *text = "1367491215";
    struct { uint16_t f; const uint8_t *d; size_t n; } inputs[] = {
        { CS_FORMAT_TEXT, (const uint8_t *)text, strlen(text) },
        { CS_FORMAT_CBOR, cbor, cbor_len },
        { CS_FORMAT_TLV, tlv, tlv_len },
    };
    cs_path target = cs_path_resource(3, 0, 13);
    cs_value want = cs_value_time(1367491215);
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        cs_records rs;
        cs_records_init(&rs);
        cs_err err = cs_decode(inputs[i].f, &target, inputs[i].d, inputs[i].n,
                               cs_registry_standard(), &rs);
        if (err != CS_OK)
            fail_msg("format %u: %s", inputs[i].f, cs_strerror(err));
        assert_int_equal(rs.count, 1);
        assert_true(cs_value_equal(&rs.items[0].value, &want));
        cs_records_free(&rs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tlv_gives_the_device),
        cmocka_unit_test(senml_json_gives_the_device),
        cmocka_unit_test(senml_cbor_gives_the_device),
        cmocka_unit_test(lwm2m_cbor_gives_the_device),
        cmocka_unit_test(oma_json_gives_the_device),
        cmocka_unit_test(every_record_format_round_trips),
        cmocka_unit_test(single_value_formats_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
