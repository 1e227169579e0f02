/*
 * test_codec_link.c - CoRE link format (40): the Bootstrap-Discover
 * examples of REFERENCE.md §1.2.7 (1.1 TS, 1.1 ETS, 1.0 TS), the Register
 * payload forms of §1.3.2 (ct single, quoted list, comma list, alternate
 * path), the typed LwM2M attributes, the writers (Register, Discover),
 * canonical round trips, and malformed documents of every kind.
 */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#include "cellstrap/linkformat.h"

/* ---- Helpers ----------------------------------------------------------- */

static void parse_ok(const char *text, cs_link_doc *doc)
{
    cs_link_doc_init(doc);
    cs_err err = cs_link_parse(text, strlen(text), NULL, doc);
    if (err != CS_OK)
        fail_msg("parse \"%s\": %d (%s)", text, err, cs_strerror(err));
}

static void parse_fails_len(const char *text, size_t len,
                            const cs_link_limits *limits, cs_err want)
{
    cs_link_doc doc;
    cs_link_doc_init(&doc);
    cs_err err = cs_link_parse(text, len, limits, &doc);
    if (err != want)
        fail_msg("parse \"%.*s\": expected %d (%s), got %d (%s)", (int)len,
                 text, want, cs_strerror(want), err, cs_strerror(err));
    assert_int_equal(doc.count, 0);
    assert_null(doc.links);
    cs_link_doc_free(&doc);
}

static void parse_fails(const char *text, cs_err want)
{
    parse_fails_len(text, strlen(text), NULL, want);
}

/* format(doc) == want. */
static void format_expect(const cs_link_doc *doc, const char *want)
{
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    assert_int_equal(cs_link_format(doc, &out), CS_OK);
    if (out.len != strlen(want) || (out.len > 0 && memcmp(out.data, want, out.len) != 0))
        fail_msg("format:\n got  %.*s\n want %s", (int)out.len,
                 out.data ? (const char *)out.data : "", want);
    cs_buf_free(&out);
}

/* format(parse(x)) == x. */
static void round_trip(const char *text)
{
    cs_link_doc doc;
    parse_ok(text, &doc);
    format_expect(&doc, text);
    cs_link_doc_free(&doc);
}

static void expect_buf(const cs_buf *out, const char *want)
{
    if (out->len != strlen(want) || (out->len > 0 && memcmp(out->data, want, out->len) != 0))
        fail_msg("\n got  %.*s\n want %s", (int)out->len,
                 out->data ? (const char *)out->data : "", want);
}

static void expect_target(const cs_link *l, const char *target)
{
    assert_true(l->has_target);
    assert_int_equal(l->target_len, strlen(target));
    assert_string_equal(l->target, target);   /* NUL-terminated */
}

static void expect_path(const cs_link *l, const char *path)
{
    cs_path want = test_path(path);
    assert_true(l->has_path);
    assert_int_equal(cs_path_compare(&l->path, &want), 0);
}

static void expect_attr(const cs_link *l, const char *name, const char *value,
                        bool quoted)
{
    const cs_link_attr *a = cs_link_find_attr(l, name);
    if (a == NULL)
        fail_msg("no attribute %s", name);
    assert_string_equal(a->name, name);
    assert_int_equal(a->name_len, strlen(name));
    if (value == NULL) {
        assert_null(a->value);
        return;
    }
    assert_non_null(a->value);
    assert_int_equal(a->value_len, strlen(value));
    assert_string_equal(a->value, value);
    assert_int_equal(a->quoted, quoted);
}

static cs_link_attrs attrs_of(const cs_link *l)
{
    cs_link_attrs a;
    cs_err err = cs_link_get_attrs(l, &a);
    if (err != CS_OK)
        fail_msg("get_attrs: %s", cs_strerror(err));
    return a;
}

/* get_attrs of the only link of `text` fails with `want`. */
static void attrs_fail(const char *text, cs_err want)
{
    cs_link_doc doc;
    parse_ok(text, &doc);
    assert_int_equal(doc.count, 1);
    cs_link_attrs a;
    cs_err err = cs_link_get_attrs(&doc.links[0], &a);
    if (err != want)
        fail_msg("%s: expected %s, got %s", text, cs_strerror(want),
                 cs_strerror(err));
    cs_link_doc_free(&doc);
}

/* ---- REFERENCE.md §1.2.7: Bootstrap-Discover --------------------------- */

static void test_bs_discover_core_1_1(void **state)
{
    (void)state;
    /* C 1.1.1 §6.1.7.3, GET /0. */
    static const char text[] =
        "</>;lwm2m=1.1,</0/0>;ssid=101;uri=\"coaps://server_1.example.com\","
        "</0/1/>,</0/2>;ssid=102;uri=\"coaps://server_2.example.com\"";
    cs_link_doc doc;
    parse_ok(text, &doc);
    assert_int_equal(doc.count, 4);

    expect_target(&doc.links[0], "/");
    expect_path(&doc.links[0], "/");
    expect_attr(&doc.links[0], "lwm2m", "1.1", false);
    cs_link_attrs a = attrs_of(&doc.links[0]);
    assert_int_equal(a.present, CS_LINK_HAS_LWM2M);
    assert_string_equal(a.lwm2m, "1.1");

    expect_target(&doc.links[1], "/0/0");
    expect_path(&doc.links[1], "/0/0");
    assert_int_equal(doc.links[1].attr_count, 2);
    assert_string_equal(doc.links[1].attrs[0].name, "ssid");
    assert_string_equal(doc.links[1].attrs[1].name, "uri");
    a = attrs_of(&doc.links[1]);
    assert_int_equal(a.present, CS_LINK_HAS_SSID | CS_LINK_HAS_URI);
    assert_int_equal(a.ssid, 101);
    assert_string_equal(a.uri, "coaps://server_1.example.com");

    /* A trailing slash is still the instance path. */
    expect_target(&doc.links[2], "/0/1/");
    expect_path(&doc.links[2], "/0/1");
    assert_int_equal(doc.links[2].attr_count, 0);
    assert_null(doc.links[2].attrs);

    a = attrs_of(&doc.links[3]);
    assert_int_equal(a.ssid, 102);
    assert_string_equal(a.uri, "coaps://server_2.example.com");

    format_expect(&doc, text);
    cs_link_doc_free(&doc);
}

static void test_bs_discover_ets_and_1_0(void **state)
{
    (void)state;
    /* ETS int-0 (GET /) and C 1.0 §5.2.7.3: a bare lwm2m= element first. */
    static const char ets[] =
        "lwm2m=\"1.1\",</0/0>;ssid=1,</0/1>,</1/0>;ssid=1,</3/0>";
    static const char v10[] =
        "lwm2m=\"1.0\",</0/0>;ssid=101,</0/1>,</1/0>;ssid=101,</3/0>,</5>,"
        "</4>";
    cs_link_doc doc;
    parse_ok(ets, &doc);
    assert_int_equal(doc.count, 5);
    assert_false(doc.links[0].has_target);
    assert_false(doc.links[0].has_path);
    assert_int_equal(doc.links[0].target_len, 0);
    assert_string_equal(doc.links[0].target, "");
    expect_attr(&doc.links[0], "lwm2m", "1.1", true);
    cs_link_attrs a = attrs_of(&doc.links[0]);
    assert_string_equal(a.lwm2m, "1.1");
    cs_path p;
    assert_int_equal(cs_link_path_under(&doc.links[0], NULL, &p), CS_E_PATH);
    expect_path(&doc.links[3], "/1/0");
    assert_int_equal(attrs_of(&doc.links[3]).ssid, 1);
    format_expect(&doc, ets);
    cs_link_doc_free(&doc);

    parse_ok(v10, &doc);
    assert_int_equal(doc.count, 7);
    expect_path(&doc.links[5], "/5");
    expect_path(&doc.links[6], "/4");
    format_expect(&doc, v10);
    cs_link_doc_free(&doc);

    /* Quoted and bare versions read the same. */
    parse_ok("</>;lwm2m=\"1.1\"", &doc);
    assert_string_equal(attrs_of(&doc.links[0]).lwm2m, "1.1");
    cs_link_doc_free(&doc);
}

/* ---- REFERENCE.md §1.3.2: Register payloads ---------------------------- */

static void test_register_ct_forms(void **state)
{
    (void)state;
    cs_link_doc doc;
    cs_link_attrs a;

    /* One format. */
    parse_ok("</>;ct=11543,</1/0>,</3/0>", &doc);
    a = attrs_of(&doc.links[0]);
    assert_int_equal(a.present, CS_LINK_HAS_CT);
    assert_int_equal(a.ct_count, 1);
    assert_int_equal(a.ct[0], 11543);
    cs_link_doc_free(&doc);

    /* RFC 7252 quoted list. */
    parse_ok("</>;ct=\"110 112 60\",</1/0>", &doc);
    a = attrs_of(&doc.links[0]);
    assert_int_equal(a.ct_count, 3);
    assert_int_equal(a.ct[0], 110);
    assert_int_equal(a.ct[1], 112);
    assert_int_equal(a.ct[2], 60);
    format_expect(&doc, "</>;ct=\"110 112 60\",</1/0>");
    cs_link_doc_free(&doc);

    /* The comma list some clients send: read as the quoted list. */
    parse_ok("</>;ct=110,112,11543,</1/0>,</3/0>", &doc);
    assert_int_equal(doc.count, 3);
    expect_attr(&doc.links[0], "ct", "110 112 11543", true);
    a = attrs_of(&doc.links[0]);
    assert_int_equal(a.ct_count, 3);
    assert_int_equal(a.ct[2], 11543);
    expect_path(&doc.links[1], "/1/0");
    format_expect(&doc, "</>;ct=\"110 112 11543\",</1/0>,</3/0>");
    cs_link_doc_free(&doc);
    parse_ok("</>;ct=110,112;rt=\"oma.lwm2m\",</1/0>", &doc);
    assert_int_equal(doc.count, 2);
    assert_int_equal(attrs_of(&doc.links[0]).ct_count, 2);
    cs_link_doc_free(&doc);
    parse_ok("</>;ct=110,112", &doc);
    assert_int_equal(doc.count, 1);
    cs_link_doc_free(&doc);

    /* TS 1.0 register example, with its space after the first comma. */
    parse_ok("</>;ct=11543, </1/0>,</1/1>,</2/0>,</2/1>,</2/2>,</2/3>,</2/4>,"
             "</3/0>,</4/0>,</5>",
             &doc);
    assert_int_equal(doc.count, 11);
    expect_path(&doc.links[10], "/5");
    format_expect(&doc, "</>;ct=11543,</1/0>,</1/1>,</2/0>,</2/1>,</2/2>,"
                        "</2/3>,</2/4>,</3/0>,</4/0>,</5>");
    cs_link_doc_free(&doc);

    /* Wakaama: rt and ct on the root, ver on objects. */
    parse_ok("</>;rt=\"oma.lwm2m\";ct=110,</1>;ver=1.1,</1/0>,</3/0>", &doc);
    a = attrs_of(&doc.links[0]);
    assert_int_equal(a.present, CS_LINK_HAS_RT | CS_LINK_HAS_CT);
    assert_string_equal(a.rt, "oma.lwm2m");
    assert_ptr_equal(cs_link_lwm2m_root(&doc), &doc.links[0]);
    assert_string_equal(attrs_of(&doc.links[1]).ver, "1.1");
    expect_path(&doc.links[1], "/1");
    cs_link_doc_free(&doc);
}

static void test_register_alternate_path(void **state)
{
    (void)state;
    cs_link_doc doc;
    /* Transport TS example, space after a comma included. */
    parse_ok("</lwm2m>;rt=\"oma.lwm2m\";ct=110, </lwm2m/1/0>,</lwm2m/5>", &doc);
    assert_int_equal(doc.count, 3);
    const cs_link *root = cs_link_lwm2m_root(&doc);
    assert_ptr_equal(root, &doc.links[0]);
    assert_false(root->has_path);
    cs_path p;
    assert_int_equal(cs_link_path_under(root, root->target, &p), CS_OK);
    assert_int_equal(p.len, 0);
    assert_int_equal(cs_link_path_under(&doc.links[1], root->target, &p),
                     CS_OK);
    cs_path want = test_path("/1/0");
    assert_int_equal(cs_path_compare(&p, &want), 0);
    assert_int_equal(cs_link_path_under(&doc.links[2], "/lwm2m", &p), CS_OK);
    assert_int_equal(p.len, 1);
    assert_int_equal(p.ids[0], 5);
    /* Not under the root, or the root as a mere prefix of a word. */
    assert_int_equal(cs_link_path_under(&doc.links[1], "/lw", &p), CS_E_PATH);
    assert_int_equal(cs_link_path_under(&doc.links[1], "/other", &p),
                     CS_E_PATH);
    assert_int_equal(cs_link_path_under(&doc.links[1], NULL, &p), CS_E_PATH);
    cs_link_doc_free(&doc);

    /* rt lists are space-separated; another type is no LwM2M root. */
    parse_ok("</a>;rt=\"core.rd oma.lwm2m\",</b>;rt=\"oma.lwm2mx\"", &doc);
    assert_ptr_equal(cs_link_lwm2m_root(&doc), &doc.links[0]);
    cs_link_doc_free(&doc);
    parse_ok("</b>;rt=\"oma.lwm2mx\",</c>;rt", &doc);
    assert_null(cs_link_lwm2m_root(&doc));
    cs_link_doc_free(&doc);

    /* Plain paths with no alternate root. */
    parse_ok("</3/0>,</3/0/1>,</3/0/11/2>,<coap://h/3/0>", &doc);
    assert_int_equal(cs_link_path_under(&doc.links[0], "/", &p), CS_OK);
    assert_int_equal(p.len, 2);
    assert_int_equal(cs_link_path_under(&doc.links[0], "", &p), CS_OK);
    expect_path(&doc.links[2], "/3/0/11/2");
    assert_false(doc.links[3].has_path);
    assert_int_equal(cs_link_path_under(&doc.links[3], NULL, &p), CS_E_PATH);
    cs_link_doc_free(&doc);
}

/* ---- Typed attributes -------------------------------------------------- */

static void test_typed_attributes(void **state)
{
    (void)state;
    cs_link_doc doc;
    parse_ok("</3/0/7>;dim=2;pmin=10;pmax=\"60\";gt=50.5;lt=-1;st=1e-3;"
             "epmin=1;epmax=4294967295;con=1;hqmax=5;edge=0;obs;foo=bar",
             &doc);
    cs_link_attrs a = attrs_of(&doc.links[0]);
    assert_int_equal(a.present,
                     CS_LINK_HAS_DIM | CS_LINK_HAS_PMIN | CS_LINK_HAS_PMAX |
                         CS_LINK_HAS_GT | CS_LINK_HAS_LT | CS_LINK_HAS_ST |
                         CS_LINK_HAS_EPMIN | CS_LINK_HAS_EPMAX |
                         CS_LINK_HAS_CON | CS_LINK_HAS_HQMAX |
                         CS_LINK_HAS_EDGE);
    assert_int_equal(a.dim, 2);
    assert_int_equal(a.pmin, 10);
    assert_int_equal(a.pmax, 60);
    assert_true(a.gt == 50.5);
    assert_true(a.lt == -1.0);
    assert_true(a.st == 1e-3);
    assert_int_equal(a.epmin, 1);
    assert_true(a.epmax == UINT32_MAX);
    assert_true(a.con);
    assert_int_equal(a.hqmax, 5);
    assert_false(a.edge);
    expect_attr(&doc.links[0], "obs", NULL, false);
    expect_attr(&doc.links[0], "foo", "bar", false);
    assert_null(cs_link_find_attr(&doc.links[0], "fo"));
    assert_null(cs_link_find_attr(&doc.links[0], "PMIN"));
    cs_link_doc_free(&doc);

    /* Limits of the ranges. */
    parse_ok("</0/0>;ssid=65534;dim=255;ct=65535", &doc);
    a = attrs_of(&doc.links[0]);
    assert_int_equal(a.ssid, 65534);
    assert_int_equal(a.dim, 255);
    assert_int_equal(a.ct[0], 65535);
    cs_link_doc_free(&doc);
}

static void test_typed_attributes_refused(void **state)
{
    (void)state;
    attrs_fail("</0/0>;ssid=0", CS_E_RANGE);
    attrs_fail("</0/0>;ssid=65535", CS_E_RANGE);
    attrs_fail("</0/0>;ssid=abc", CS_E_SYNTAX);
    attrs_fail("</0/0>;ssid", CS_E_SYNTAX);
    attrs_fail("</0/0>;ssid=\"\"", CS_E_SYNTAX);
    attrs_fail("</0/0>;ssid=0101", CS_E_SYNTAX);
    attrs_fail("</0/0>;ssid=+1", CS_E_SYNTAX);
    attrs_fail("</3/0/6>;dim=256", CS_E_RANGE);
    attrs_fail("</3/0/6>;pmin=-1", CS_E_SYNTAX);
    attrs_fail("</3/0/6>;pmax=4294967296", CS_E_RANGE);
    attrs_fail("</3/0/6>;pmax=99999999999999999999999", CS_E_RANGE);
    attrs_fail("</3/0/6>;con=2", CS_E_RANGE);
    attrs_fail("</3/0/6>;edge=true", CS_E_SYNTAX);
    attrs_fail("</3/0/6>;gt=abc", CS_E_SYNTAX);
    attrs_fail("</3/0/6>;gt=.5", CS_E_SYNTAX);
    attrs_fail("</3/0/6>;lt=1e999", CS_E_RANGE);
    attrs_fail("</3/0/6>;st=nan", CS_E_SYNTAX);
    attrs_fail("</3>;ver=1", CS_E_SYNTAX);
    attrs_fail("</3>;ver=1.", CS_E_SYNTAX);
    attrs_fail("</3>;ver=.1", CS_E_SYNTAX);
    attrs_fail("</3>;ver=a.b", CS_E_SYNTAX);
    attrs_fail("</>;lwm2m=1.1.1", CS_E_SYNTAX);
    attrs_fail("</>;ct=\"\"", CS_E_SYNTAX);
    attrs_fail("</>;ct=\"110  112\"", CS_E_SYNTAX);
    attrs_fail("</>;ct=\" 110\"", CS_E_SYNTAX);
    attrs_fail("</>;ct=\"110 \"", CS_E_SYNTAX);
    attrs_fail("</>;ct=070", CS_E_SYNTAX);
    attrs_fail("</>;ct=65536", CS_E_RANGE);
    attrs_fail("</>;ct=abc", CS_E_SYNTAX);
    attrs_fail("</>;ct=\"0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\"",
               CS_E_TOO_LARGE);
    attrs_fail("</>;rt", CS_E_SYNTAX);
    attrs_fail("</>;uri=\"\"", CS_E_SYNTAX);
}

/* ---- Writers ----------------------------------------------------------- */

static void test_format_register(void **state)
{
    (void)state;
    static const uint16_t formats[] = { 60, 110 };
    static const uint16_t one_format[] = { 110 };
    static const uint16_t inst0[] = { 0 };
    static const uint16_t inst3[] = { 3, 1 };
    const cs_link_object objects[] = {
        { .oid = 1, .version = "1.1", .instances = inst0, .instance_count = 1 },
        { .oid = 3, .instances = inst0, .instance_count = 1 },
        { .oid = 4, .instances = inst3, .instance_count = 2 },
        { .oid = 5 },
        { .oid = 6, .version = "2.0" },
    };
    cs_link_register reg = { .formats = formats, .format_count = 2,
                             .objects = objects, .object_count = 5 };
    cs_buf out;
    cs_buf_init(&out, 4096);
    assert_int_equal(cs_link_format_register(&reg, &out), CS_OK);
    expect_buf(&out, "</>;ct=\"60 110\",</1>;ver=1.1,</1/0>,</3/0>,</4/3>,"
                     "</4/1>,</5>,</6>;ver=2.0");

    /* It parses back to the same objects. */
    cs_link_doc doc;
    cs_link_doc_init(&doc);
    assert_int_equal(cs_link_parse((const char *)out.data, out.len, NULL, &doc),
                     CS_OK);
    assert_int_equal(doc.count, 8);
    assert_int_equal(attrs_of(&doc.links[0]).ct[1], 110);
    expect_path(&doc.links[5], "/4/1");
    cs_link_doc_free(&doc);

    /* One format; alternate path; no root link at all. */
    cs_buf_reset(&out);
    reg.formats = one_format;
    reg.format_count = 1;
    reg.object_count = 2;
    assert_int_equal(cs_link_format_register(&reg, &out), CS_OK);
    expect_buf(&out, "</>;ct=110,</1>;ver=1.1,</1/0>,</3/0>");
    cs_buf_reset(&out);
    reg.alt_path = "/lwm2m";
    assert_int_equal(cs_link_format_register(&reg, &out), CS_OK);
    expect_buf(&out, "</lwm2m>;rt=\"oma.lwm2m\";ct=110,</lwm2m/1>;ver=1.1,"
                     "</lwm2m/1/0>,</lwm2m/3/0>");
    cs_buf_reset(&out);
    reg.format_count = 0;
    assert_int_equal(cs_link_format_register(&reg, &out), CS_OK);
    expect_buf(&out, "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1>;ver=1.1,"
                     "</lwm2m/1/0>,</lwm2m/3/0>");
    cs_buf_reset(&out);
    reg.alt_path = NULL;
    assert_int_equal(cs_link_format_register(&reg, &out), CS_OK);
    expect_buf(&out, "</1>;ver=1.1,</1/0>,</3/0>");

    /* Refused, leaving the buffer as it was. */
    static const cs_link_object security[] = { { .oid = 0 } };
    static const cs_link_object oscore[] = { { .oid = 21,
                                               .instances = inst0,
                                               .instance_count = 1 } };
    static const cs_link_object bad_version[] = { { .oid = 3,
                                                    .version = "1" } };
    static const cs_link_object bad_instance[] = { { .oid = 3,
                                                     .instances = inst3 + 0,
                                                     .instance_count = 1 },
                                                   { .oid = 9,
                                                     .instances = NULL,
                                                     .instance_count = 1 } };
    const cs_link_register refused[] = {
        { .objects = security, .object_count = 1 },
        { .objects = oscore, .object_count = 1 },
        { .objects = bad_version, .object_count = 1 },
        { .objects = bad_instance, .object_count = 2 },
        { .alt_path = "lwm2m", .objects = objects, .object_count = 1 },
        { .alt_path = "/lwm2m/", .objects = objects, .object_count = 1 },
        { .alt_path = "/a b", .objects = objects, .object_count = 1 },
        { .formats = formats, .format_count = CS_LINK_MAX_CT + 1 },
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        cs_buf_reset(&out);
        assert_int_equal(cs_buf_append(&out, "keep", 4), CS_OK);
        if (cs_link_format_register(&refused[i], &out) != CS_E_INVALID_ARG)
            fail_msg("refused[%zu] accepted", i);
        assert_int_equal(out.len, 4);
    }
    /* A buffer too small. */
    cs_buf small;
    cs_buf_init(&small, 10);
    reg.object_count = 5;
    assert_int_equal(cs_link_format_register(&reg, &small), CS_E_TOO_LARGE);
    assert_int_equal(small.len, 0);
    cs_buf_free(&small);
    cs_buf_free(&out);
}

static void test_format_discover(void **state)
{
    (void)state;
    /* REFERENCE.md §1.2.7, C 1.1.1 example (without its trailing slash). */
    cs_link_entry e[4];
    for (size_t i = 0; i < 4; i++)
        cs_link_attrs_init(&e[i].attrs);
    e[0].path = cs_path_root();
    e[0].attrs.present = CS_LINK_HAS_LWM2M;
    e[0].attrs.lwm2m = "1.1";
    e[1].path = cs_path_instance(0, 0);
    e[1].attrs.present = CS_LINK_HAS_SSID | CS_LINK_HAS_URI;
    e[1].attrs.ssid = 101;
    e[1].attrs.uri = "coaps://server_1.example.com";
    e[2].path = cs_path_instance(0, 1);
    e[3].path = cs_path_instance(0, 2);
    e[3].attrs.present = CS_LINK_HAS_URI | CS_LINK_HAS_SSID;
    e[3].attrs.ssid = 102;
    e[3].attrs.uri = "coaps://server_2.example.com";
    cs_buf out;
    cs_buf_init(&out, 4096);
    assert_int_equal(cs_link_format_entries(NULL, e, 4, &out), CS_OK);
    expect_buf(&out,
               "</>;lwm2m=1.1,</0/0>;ssid=101;uri=\"coaps://server_1.example"
               ".com\",</0/1>,</0/2>;ssid=102;uri=\"coaps://server_2.example"
               ".com\"");

    /* Every attribute, in the canonical order; read back identically. */
    cs_link_entry full;
    cs_link_attrs_init(&full.attrs);
    full.path = cs_path_resource(3, 0, 7);
    full.attrs.present = 0x1FFFF;
    full.attrs.ct[0] = 0;
    full.attrs.ct_count = 1;
    full.attrs.rt = "x\"y\\z";
    full.attrs.lwm2m = "1.2";
    full.attrs.ver = "10.20";
    full.attrs.ssid = 1;
    full.attrs.uri = "coap://[::1]:5683";
    full.attrs.dim = 255;
    full.attrs.pmin = 0;
    full.attrs.pmax = 4294967295u;
    full.attrs.gt = 50.5;
    full.attrs.lt = -0.25;
    full.attrs.st = 1e300;
    full.attrs.epmin = 1;
    full.attrs.epmax = 2;
    full.attrs.con = true;
    full.attrs.hqmax = 3;
    full.attrs.edge = false;
    static const char want[] =
        "</3/0/7>;rt=\"x\\\"y\\\\z\";ct=0;lwm2m=1.2;ver=10.20;ssid=1;"
        "uri=\"coap://[::1]:5683\";dim=255;pmin=0;pmax=4294967295;gt=50.5;"
        "lt=-0.25;st=1e+300;epmin=1;epmax=2;con=1;hqmax=3;edge=0";
    cs_buf_reset(&out);
    assert_int_equal(cs_link_format_entries(NULL, &full, 1, &out), CS_OK);
    expect_buf(&out, want);
    cs_link_doc doc;
    parse_ok(want, &doc);
    cs_link_attrs back = attrs_of(&doc.links[0]);
    assert_int_equal(back.present, 0x1FFFF);
    assert_string_equal(back.rt, "x\"y\\z");
    assert_string_equal(back.uri, full.attrs.uri);
    assert_string_equal(back.ver, "10.20");
    assert_true(back.pmax == full.attrs.pmax && back.st == 1e300);
    assert_true(back.lt == -0.25 && back.con && !back.edge);
    round_trip(want);
    cs_link_doc_free(&doc);

    /* With an alternate path; one link at a time. */
    cs_buf_reset(&out);
    cs_path root = cs_path_root(), inst = cs_path_instance(3, 0);
    assert_int_equal(cs_link_append(&out, true, "/lwm2m", &root, NULL), CS_OK);
    assert_int_equal(cs_link_append(&out, false, "/lwm2m", &inst, NULL),
                     CS_OK);
    assert_int_equal(cs_link_append(&out, false, "", &inst, NULL), CS_OK);
    expect_buf(&out, "</lwm2m>,</lwm2m/3/0>,</3/0>");

    /* Refused attributes leave the buffer as it was. */
    cs_link_attrs bad[9];
    for (size_t i = 0; i < 9; i++)
        cs_link_attrs_init(&bad[i]);
    bad[0].present = CS_LINK_HAS_SSID;                  /* ssid 0 */
    bad[1].present = CS_LINK_HAS_SSID;
    bad[1].ssid = 65535;
    bad[2].present = CS_LINK_HAS_VER;
    bad[2].ver = "1.x";
    bad[3].present = CS_LINK_HAS_LWM2M;                 /* NULL */
    bad[4].present = CS_LINK_HAS_URI;
    bad[4].uri = "a\nb";
    bad[5].present = CS_LINK_HAS_RT;
    bad[5].rt = "\xc0\x80";
    bad[6].present = CS_LINK_HAS_GT;
    bad[6].gt = NAN;
    bad[7].present = CS_LINK_HAS_CT;                    /* no formats */
    bad[8].present = CS_LINK_HAS_CT;
    bad[8].ct_count = CS_LINK_MAX_CT + 1;
    for (size_t i = 0; i < 9; i++) {
        cs_buf_reset(&out);
        if (cs_link_append(&out, true, NULL, &inst, &bad[i]) !=
            CS_E_INVALID_ARG)
            fail_msg("bad[%zu] accepted", i);
        assert_int_equal(out.len, 0);
    }
    cs_path invalid = cs_path_instance(65535, 0);
    assert_int_equal(cs_link_append(&out, true, NULL, &invalid, NULL),
                     CS_E_INVALID_ARG);
    cs_buf_free(&out);
}

/* ---- Grammar: accepted forms and canonical round trips ----------------- */

static void test_round_trips(void **state)
{
    (void)state;
    static const char *const canonical[] = {
        "",
        "</>",
        "</1/0>",
        "</3/0>;obs",
        "</1/0>;a;b=c;d=\"e f\"",
        "</>;rt=\"a\\\"b\\\\c\"",
        "</x>;title=\"caf\xc3\xa9 \xe2\x82\xac\"",
        "</x>;title*=UTF-8'en'%e2%82%ac",
        "</x>;if=\"\"",
        "<1/0>,<coap://h:5683/a/b?x=1&y=2#frag>,<//h/p>",
        "</a%2Fb>;anchor=\"/x\"",
        "</s>;ptoken=!#$%&'()*+-./:<=>?@[]^_`{|}~Az09",
        "</p>;!#$&+-.^_`|~az09=1",
        ("</sensors/temp>;rt=\"temperature-c\";if=\"sensor\";sz=1234,"
         "</sensors/light>;rt=\"light-lux\";if=\"sensor\""),
        "</0/1/>,</0/1/2/3/>",
        "</x>;tab=\"a\tb\"",
    };
    for (size_t i = 0; i < sizeof canonical / sizeof *canonical; i++)
        round_trip(canonical[i]);

    /* Unneeded escapes are resolved and not written back. */
    cs_link_doc doc;
    parse_ok("</x>;t=\"\\a\\\"\\\\\"", &doc);
    expect_attr(&doc.links[0], "t", "a\"\\", true);
    format_expect(&doc, "</x>;t=\"a\\\"\\\\\"");
    cs_link_doc_free(&doc);

    /* Every token is NUL-terminated in the document's own copy. */
    char text[] = "</1/0>;a=b;c=\"d\",</2>";
    parse_ok(text, &doc);
    memset(text, 'x', sizeof text - 1);          /* the input may go away */
    expect_target(&doc.links[0], "/1/0");
    expect_attr(&doc.links[0], "a", "b", false);
    expect_attr(&doc.links[0], "c", "d", true);
    expect_target(&doc.links[1], "/2");
    /* Parsing again replaces the document. */
    assert_int_equal(cs_link_parse("</9>", 4, NULL, &doc), CS_OK);
    assert_int_equal(doc.count, 1);
    expect_target(&doc.links[0], "/9");
    cs_link_doc_free(&doc);
    cs_link_doc_free(&doc);               /* freeing twice is harmless */

    /* A buffer too small leaves it untouched. */
    parse_ok("</1/0>,</2/0>", &doc);
    cs_buf out;
    cs_buf_init(&out, 8);
    assert_int_equal(cs_buf_append(&out, "ab", 2), CS_OK);
    assert_int_equal(cs_link_format(&doc, &out), CS_E_TOO_LARGE);
    assert_int_equal(out.len, 2);
    cs_buf_free(&out);
    cs_link_doc_free(&doc);
}

/* ---- Grammar: refused documents ---------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    /* The end inside a target, an escape or a quoted string. */
    parse_fails("<", CS_E_TRUNCATED);
    parse_fails("</1/0", CS_E_TRUNCATED);
    parse_fails("</1/0>,</2", CS_E_TRUNCATED);
    parse_fails("</%4", CS_E_TRUNCATED);
    parse_fails("</1>;rt=\"abc", CS_E_TRUNCATED);
    parse_fails("</1>;rt=\"", CS_E_TRUNCATED);
    parse_fails("</1>;rt=\"a\\", CS_E_TRUNCATED);
    parse_fails("</1>;rt=\"a\\\"", CS_E_TRUNCATED);

    static const char *const syntax[] = {
        /* empty links */
        ",", ",,", "</1>,", "</1>,,</2>", ",</1>", "</1>, ", "</1>,  ",
        /* targets */
        "<>", "</1 0>", "</1\"0>", "</1<0>", "</%zz>", "</%4g>", "</a\\b>",
        "</a^b>", "</a{b}>", "</\x80>", "</\x01>", "1/0", "/1/0", "</1/0>>",
        "<</1>",
        /* separators and white space */
        " </1>", "</1> ", "</1>x", "</1>\n", "</1>;", "</1>;;a", "</1> ;a",
        "</1>; a", "</1>,\t</2>", "</1>,\n</2>", "</1>\r\n,</2>",
        /* parameter names */
        "</1>;=1", "</1>;a b", "</1>;(x)=1", "</1>;*=1", "</1>;a*",
        "</1>;a**=1", "</1>;*a=1", "</1>;a\"=1", "</1>;\xc3\xa9=1",
        "</1>;a/b=1", "</1>;a:b=1", "</1>;a%=1",
        /* values */
        "</1>;a=", "</1>;a=b c", "</1>;a=\"x\"y", "</1>;a=\"x\"\"y\"",
        "</1>;a=b\"c\"", "</1>;a=b\\c", "</1>;a=,",
        "</1>;a=\"\x01\"", "</1>;a=\"\x7f\"", "</1>;a=\"x\ny\"",
        "</1>;a=\"\\\x01\"", "</1>;a=\"\\\xc3\xa9\"",
        /* bare elements: only first, only lwm2m */
        "ct=1,</1>", "</1>,lwm2m=1.1", "lwm2m", "lwm2m=1.1;", "lwm2m=1.1x\"",
        "a=1;lwm2m=1.1,</1>",
        /* the ct comma leniency is for ct and digits only */
        "</>;ct=110,abc", "</>;ct=110,112x", "</>;rt=110,112",
        "</>;ct=a1,112", "</>;ct=\"110\",112", "</>;ct=110,,112",
    };
    for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++)
        parse_fails(syntax[i], CS_E_SYNTAX);

    /* Invalid UTF-8 inside a quoted string. */
    parse_fails("</1>;t=\"\xff\"", CS_E_ENCODING);
    parse_fails("</1>;t=\"\xc3\"", CS_E_ENCODING);
    parse_fails("</1>;t=\"\xed\xa0\x80\"", CS_E_ENCODING);
    /* The same parameter twice in one link (in another link is fine). */
    parse_fails("</1>;a=1;a=2", CS_E_DUPLICATE);
    parse_fails("</1>;a;a", CS_E_DUPLICATE);
    parse_fails("</1>;ct=1;rt=\"x\";ct=\"2 3\"", CS_E_DUPLICATE);
    parse_fails("lwm2m=1.1;lwm2m=1.0,</1>", CS_E_DUPLICATE);
    cs_link_doc doc;
    parse_ok("</1>;a=1,</2>;a=1;A=2", &doc);
    cs_link_doc_free(&doc);
    /* NUL bytes are not characters of the grammar. */
    parse_fails_len("</1>\0", 5, NULL, CS_E_SYNTAX);
    parse_fails_len("</\0>", 4, NULL, CS_E_SYNTAX);
    parse_fails_len("</1>;a=\"\0\"", 10, NULL, CS_E_SYNTAX);
}

static void test_every_prefix(void **state)
{
    (void)state;
    /* Cutting a document anywhere gives either a shorter valid document
     * (at a link or parameter boundary) or a clean error. */
    static const char text[] =
        "lwm2m=\"1.1\",</0/0>;ssid=101;uri=\"coaps://s.example.com\","
        "</>;ct=110,112,</3/0/7>;pmin=10;gt=-1.5,</a%20b>;t=\"\\\"q\\\"\"";
    size_t len = strlen(text);
    size_t ok = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        cs_link_doc doc;
        cs_link_doc_init(&doc);
        cs_err err = cs_link_parse(text, cut, NULL, &doc);
        if (err == CS_OK) {
            ok++;
            /* A parsed prefix formats and parses to the same links. */
            cs_buf out;
            cs_buf_init(&out, 4096);
            assert_int_equal(cs_link_format(&doc, &out), CS_OK);
            cs_link_doc again;
            cs_link_doc_init(&again);
            assert_int_equal(cs_link_parse((const char *)out.data, out.len,
                                           NULL, &again),
                             CS_OK);
            assert_int_equal(again.count, doc.count);
            cs_link_doc_free(&again);
            cs_buf_free(&out);
        } else if (err != CS_E_TRUNCATED && err != CS_E_SYNTAX) {
            fail_msg("prefix %zu: %s", cut, cs_strerror(err));
        }
        cs_link_doc_free(&doc);
    }
    assert_true(ok > 5);
}

static void test_bounds(void **state)
{
    (void)state;
    cs_link_limits lim = { .max_len = 10 };
    parse_fails_len("</1>,</2>,</3>", 14, &lim, CS_E_TOO_LARGE);
    cs_link_doc doc;
    cs_link_doc_init(&doc);
    assert_int_equal(cs_link_parse("</1>,</2>", 9, &lim, &doc), CS_OK);
    cs_link_doc_free(&doc);

    lim = (cs_link_limits){ .max_links = 2 };
    parse_fails_len("</1>,</2>,</3>", 14, &lim, CS_E_TOO_LARGE);
    assert_int_equal(cs_link_parse("</1>,</2>", 9, &lim, &doc), CS_OK);
    cs_link_doc_free(&doc);

    lim = (cs_link_limits){ .max_attrs = 2 };
    parse_fails_len("</1>;a;b;c", 10, &lim, CS_E_TOO_LARGE);
    assert_int_equal(cs_link_parse("</1>;a;b,</2>;a;b", 17, &lim, &doc),
                     CS_OK);
    cs_link_doc_free(&doc);

    /* The defaults: a document just over the length bound, and one with
     * more links than allowed. */
    size_t big = CS_LINK_DEFAULT_MAX_LEN + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, 'a', big);
    parse_fails_len(text, big, NULL, CS_E_TOO_LARGE);
    size_t n = 0;
    for (size_t i = 0; i <= CS_LINK_DEFAULT_MAX_LINKS; i++) {
        memcpy(text + n, "</1>,", 5);
        n += 5;
    }
    parse_fails_len(text, n - 1, NULL, CS_E_TOO_LARGE);
    assert_int_equal(cs_link_parse(text, n - 6, NULL, &doc), CS_OK);
    assert_int_equal(doc.count, CS_LINK_DEFAULT_MAX_LINKS);
    cs_link_doc_free(&doc);
    free(text);

    /* Bad arguments. */
    assert_int_equal(cs_link_parse(NULL, 1, NULL, &doc), CS_E_INVALID_ARG);
    assert_int_equal(cs_link_parse(NULL, 0, NULL, &doc), CS_OK);
    assert_int_equal(doc.count, 0);
    cs_link_doc_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bs_discover_core_1_1),
        cmocka_unit_test(test_bs_discover_ets_and_1_0),
        cmocka_unit_test(test_register_ct_forms),
        cmocka_unit_test(test_register_alternate_path),
        cmocka_unit_test(test_typed_attributes),
        cmocka_unit_test(test_typed_attributes_refused),
        cmocka_unit_test(test_format_register),
        cmocka_unit_test(test_format_discover),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
