/*
 * test_path.c - LwM2M paths: parsing from text and Uri-Path segments,
 * formatting, ordering.
 */
#include "test_support.h"

static void parses_every_level(void **state)
{
    (void)state;
    static const struct { const char *text; uint8_t len; uint16_t ids[4]; } ok[] = {
        { "/", 0, { 0 } },
        { "/3", 1, { 3 } },
        { "/3/0", 2, { 3, 0 } },
        { "/3/0/1", 3, { 3, 0, 1 } },
        { "/3/0/11/0", 4, { 3, 0, 11, 0 } },
        { "/65534/65534/65534/65534", 4, { 65534, 65534, 65534, 65534 } },
        { "/3/0/", 2, { 3, 0 } },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cs_path p;
        assert_int_equal(cs_path_parse(ok[i].text, strlen(ok[i].text), &p), CS_OK);
        assert_int_equal(p.len, ok[i].len);
        for (unsigned j = 0; j < p.len; j++)
            assert_int_equal(p.ids[j], ok[i].ids[j]);
    }
}

static void rejects_malformed_paths(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "3", "3/0", "//", "/3//0", "/3/0//", "/a", "/3/x/1", "/-1",
        "/+3", "/65535", "/99999", "/100000", "/03", "/3/0/1/2/3",
        "/3 /0", "/3/0/1/", "/ 3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_path p;
        cs_err err = cs_path_parse(bad[i], strlen(bad[i]), &p);
        if (strcmp(bad[i], "/3/0/1/") == 0) {
            assert_int_equal(err, CS_OK);   /* trailing slash is accepted */
            continue;
        }
        if (err != CS_E_PATH)
            fail_msg("\"%s\" accepted", bad[i]);
    }
    cs_path p;
    assert_int_equal(cs_path_parse(NULL, 0, &p), CS_E_PATH);
}

static void does_not_read_past_length(void **state)
{
    (void)state;
    cs_path p;
    /* Only "/3/0" is inside the given length. */
    assert_int_equal(cs_path_parse("/3/0/1", 4, &p), CS_OK);
    assert_int_equal(p.len, 2);
}

static void parses_uri_path_segments(void **state)
{
    (void)state;
    const char *segs[] = { "5", "0", "1" };
    size_t lens[] = { 1, 1, 1 };
    cs_path p;
    assert_int_equal(cs_path_from_segments(segs, lens, 3, &p), CS_OK);
    assert_int_equal(p.len, 3);
    assert_int_equal(p.ids[0], 5);
    assert_int_equal(cs_path_from_segments(segs, lens, 0, &p), CS_OK);
    assert_int_equal(p.len, 0);

    const char *bad[] = { "5", "", "1" };
    assert_int_equal(cs_path_from_segments(bad, lens, 3, &p), CS_E_PATH);
    size_t zero_lens[] = { 1, 0, 1 };
    assert_int_equal(cs_path_from_segments(bad, zero_lens, 3, &p), CS_E_PATH);
    const char *big[] = { "65535" };
    size_t big_len[] = { 5 };
    assert_int_equal(cs_path_from_segments(big, big_len, 1, &p), CS_E_PATH);
    const char *five[] = { "1", "2", "3", "4", "5" };
    size_t five_lens[] = { 1, 1, 1, 1, 1 };
    assert_int_equal(cs_path_from_segments(five, five_lens, 5, &p), CS_E_PATH);
}

static void formats_and_round_trips(void **state)
{
    (void)state;
    const char *texts[] = { "/", "/0", "/3/0", "/1/2/3", "/65534/1/2/3" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char buf[CS_PATH_TEXT_MAX];
        cs_path p = test_path(texts[i]);
        assert_int_equal(cs_path_format(&p, buf, sizeof buf), (int)strlen(texts[i]));
        assert_string_equal(buf, texts[i]);
    }
    char small[4];
    cs_path p = test_path("/3/0/1");
    assert_int_equal(cs_path_format(&p, small, sizeof small), -1);
}

static void orders_parents_first(void **state)
{
    (void)state;
    cs_path a = test_path("/3/0"), b = test_path("/3/0/1"), c = test_path("/3/1");
    cs_path d = test_path("/10");
    assert_true(cs_path_compare(&a, &b) < 0);
    assert_true(cs_path_compare(&b, &c) < 0);
    assert_true(cs_path_compare(&c, &d) < 0);
    assert_int_equal(cs_path_compare(&b, &b), 0);
    assert_true(cs_path_has_prefix(&b, &a));
    assert_false(cs_path_has_prefix(&a, &b));
    assert_false(cs_path_has_prefix(&c, &a));
    cs_path root = cs_path_root();
    assert_true(cs_path_has_prefix(&d, &root));
}

static void validity(void **state)
{
    (void)state;
    cs_path p = cs_path_resource(3, 0, 65535);
    assert_false(cs_path_is_valid(&p));
    p = cs_path_resource_instance(3, 0, 11, 65534);
    assert_true(cs_path_is_valid(&p));
    p.len = 5;
    assert_false(cs_path_is_valid(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_level),
        cmocka_unit_test(rejects_malformed_paths),
        cmocka_unit_test(does_not_read_past_length),
        cmocka_unit_test(parses_uri_path_segments),
        cmocka_unit_test(formats_and_round_trips),
        cmocka_unit_test(orders_parents_first),
        cmocka_unit_test(validity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
