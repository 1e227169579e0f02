/*
 * test_records.c - record lists (storage, bounds, sorting), the checks every
 * decoded payload goes through (cs_records_validate), the bounded output
 * buffer, and the error codes with their CoAP responses.
 */
#include <stdlib.h>

#include "test_support.h"

/* ---- Helpers ----------------------------------------------------------- */

static void add(cs_records *rs, const char *path, cs_value v)
{
    cs_path p = test_path(path);
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

static void add_string(cs_records *rs, const char *path, const char *s)
{
    add(rs, path, cs_value_string(s, strlen(s)));
}

/* Validate a fresh list of records against `target` with the standard
 * registry, and return the result. */
static cs_err validate(cs_records *rs, const char *target)
{
    cs_path t = test_path(target);
    return cs_records_validate(rs, &t, cs_registry_standard());
}

/* ---- Adding and storing ------------------------------------------------ */

static void add_copies_bytes_into_the_list(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    assert_int_equal(rs.count, 0);
    char transient[16];
    strcpy(transient, "Acme");
    add(&rs, "/3/0/0", cs_value_string(transient, 4));
    uint8_t bytes[3] = { 0, 0xff, 7 };
    add(&rs, "/0/0/3", cs_value_opaque(bytes, 3));
    add(&rs, "/3/0/9", cs_value_integer(80));
    add(&rs, "/3/0/16", cs_value_corelnk("</3>", 4));
    /* Overwrite the caller's buffers: the list keeps its own copies. */
    memset(transient, 'x', sizeof transient);
    memset(bytes, 0x55, sizeof bytes);
    assert_int_equal(rs.count, 4);
    assert_int_equal(rs.items[0].value.type, CS_TYPE_STRING);
    assert_int_equal(rs.items[0].value.v.bytes.len, 4);
    assert_memory_equal(rs.items[0].value.v.bytes.data, "Acme", 4);
    assert_ptr_not_equal(rs.items[0].value.v.bytes.data, transient);
    assert_memory_equal(rs.items[1].value.v.bytes.data, "\x00\xff\x07", 3);
    assert_true(rs.items[2].value.v.i == 80);
    assert_memory_equal(rs.items[3].value.v.bytes.data, "</3>", 4);
    assert_false(rs.items[0].has_time);
    assert_int_equal(rs.arena_bytes, 4 + 3 + 4);
    /* Paths are kept as given, in the order given. */
    cs_path p = test_path("/0/0/3");
    assert_int_equal(cs_path_compare(&rs.items[1].path, &p), 0);
    cs_records_free(&rs);
    assert_int_equal(rs.count, 0);
    assert_null(rs.items);
}

static void add_timed_and_empty_values(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    cs_path p = test_path("/3/0/13");
    cs_value v = cs_value_time(1700000000);
    assert_int_equal(cs_records_add_timed(&rs, &p, &v, 1700000001.5), CS_OK);
    assert_true(rs.items[0].has_time);
    assert_true(rs.items[0].time == 1700000001.5);
    /* An empty string, even with a NULL pointer, is stored as empty with a
     * usable pointer. */
    add(&rs, "/3/0/0", cs_value_string(NULL, 0));
    assert_int_equal(rs.items[1].value.v.bytes.len, 0);
    assert_non_null(rs.items[1].value.v.bytes.data);
    assert_int_equal(rs.arena_bytes, 0);
    cs_value empty = cs_value_string("", 0);
    assert_true(cs_value_equal(&rs.items[1].value, &empty));
    /* A container record. */
    add(&rs, "/3/0/11", cs_value_none());
    assert_int_equal(rs.items[2].value.type, CS_TYPE_NONE);
    cs_records_free(&rs);
}

static void store_copies_and_counts(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    const uint8_t *a, *b;
    char big[3000];
    memset(big, 'q', sizeof big);
    assert_int_equal(cs_records_store(&rs, "hello", 5, &a), CS_OK);
    assert_int_equal(cs_records_store(&rs, big, sizeof big, &b), CS_OK);
    assert_memory_equal(a, "hello", 5);
    assert_memory_equal(b, big, sizeof big);
    assert_int_equal(rs.arena_bytes, 5 + sizeof big);
    /* Many small copies stay intact as chunks fill up. */
    const uint8_t *ptrs[500];
    for (unsigned i = 0; i < 500; i++) {
        char s[8];
        snprintf(s, sizeof s, "%05u", i);
        assert_int_equal(cs_records_store(&rs, s, 5, &ptrs[i]), CS_OK);
    }
    for (unsigned i = 0; i < 500; i++) {
        char s[8];
        snprintf(s, sizeof s, "%05u", i);
        assert_memory_equal(ptrs[i], s, 5);
    }
    assert_memory_equal(a, "hello", 5);
    cs_records_free(&rs);
}

/* ---- Bounds -------------------------------------------------------------- */

static void max_records_bound_leaves_list_intact(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    rs.max_records = 3;
    add(&rs, "/3/0/1", cs_value_string("a", 1));
    add(&rs, "/3/0/2", cs_value_string("b", 1));
    add(&rs, "/3/0/3", cs_value_string("c", 1));
    cs_path p = test_path("/3/0/4");
    cs_value v = cs_value_string("d", 1);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_E_TOO_LARGE);
    assert_int_equal(cs_records_add_timed(&rs, &p, &v, 1.0), CS_E_TOO_LARGE);
    assert_int_equal(rs.count, 3);
    assert_int_equal(rs.arena_bytes, 3);
    assert_memory_equal(rs.items[2].value.v.bytes.data, "c", 1);
    /* Clearing keeps the bound. */
    cs_records_clear(&rs);
    assert_int_equal(rs.count, 0);
    assert_int_equal(rs.max_records, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_E_TOO_LARGE);
    cs_records_free(&rs);
}

static void default_record_bound(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    cs_value v = cs_value_integer(1);
    for (unsigned i = 0; i < CS_RECORDS_DEFAULT_MAX; i++) {
        cs_path p = cs_path_resource(3, (uint16_t)(i / 1000),
                                     (uint16_t)(i % 1000));
        assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    }
    cs_path p = cs_path_resource(60000, 0, 0);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_E_TOO_LARGE);
    assert_int_equal(rs.count, CS_RECORDS_DEFAULT_MAX);
    cs_records_free(&rs);
}

static void max_bytes_bound_leaves_list_intact(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    rs.max_bytes = 10;
    add(&rs, "/3/0/0", cs_value_string("123456", 6));
    cs_path p = test_path("/3/0/1");
    cs_value v = cs_value_string("abcde", 5);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_E_TOO_LARGE);
    assert_int_equal(rs.count, 1);
    assert_int_equal(rs.arena_bytes, 6);
    const uint8_t *out;
    assert_int_equal(cs_records_store(&rs, "abcde", 5, &out), CS_E_TOO_LARGE);
    assert_int_equal(rs.arena_bytes, 6);
    /* Exactly up to the bound is fine; numbers take no storage. */
    v = cs_value_opaque("wxyz", 4);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    assert_int_equal(rs.arena_bytes, 10);
    p = test_path("/3/0/9");
    v = cs_value_integer(5);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    /* Empty values need no storage even at the bound. */
    p = test_path("/3/0/2");
    v = cs_value_string("", 0);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    p = test_path("/3/0/3");
    v = cs_value_string("z", 1);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_E_TOO_LARGE);
    assert_int_equal(rs.count, 4);
    assert_memory_equal(rs.items[0].value.v.bytes.data, "123456", 6);
    assert_memory_equal(rs.items[1].value.v.bytes.data, "wxyz", 4);
    /* A single value larger than the whole bound. */
    assert_int_equal(cs_records_store(&rs, "x", SIZE_MAX, &out),
                     CS_E_TOO_LARGE);
    cs_records_clear(&rs);
    assert_int_equal(rs.arena_bytes, 0);
    assert_int_equal(rs.max_bytes, 10);
    p = test_path("/3/0/0");
    v = cs_value_string("0123456789", 10);
    assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    cs_records_free(&rs);
}

/* ---- Sorting ------------------------------------------------------------- */

static void assert_sorted(const cs_records *rs)
{
    for (size_t i = 1; i < rs->count; i++)
        assert_true(cs_path_compare(&rs->items[i - 1].path,
                                    &rs->items[i].path) <= 0);
}

static void sort_orders_by_path(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/11/1", cs_value_integer(2));
    add(&rs, "/1/0/1", cs_value_integer(60));
    add(&rs, "/3/0/2", cs_value_string("s", 1));
    add(&rs, "/3/0/11/0", cs_value_integer(1));
    add(&rs, "/3/0/11", cs_value_none());
    add(&rs, "/1/0", cs_value_none());
    cs_records_sort(&rs);
    static const char *const want[] = {
        "/1/0", "/1/0/1", "/3/0/2", "/3/0/11", "/3/0/11/0", "/3/0/11/1",
    };
    assert_int_equal(rs.count, 6);
    for (size_t i = 0; i < 6; i++) {
        cs_path p = test_path(want[i]);
        assert_int_equal(cs_path_compare(&rs.items[i].path, &p), 0);
    }
    /* Values move with their paths. */
    assert_true(rs.items[4].value.v.i == 1);
    assert_memory_equal(rs.items[2].value.v.bytes.data, "s", 1);
    cs_records_sort(&rs);               /* sorting twice changes nothing */
    assert_true(rs.items[4].value.v.i == 1);
    cs_records_free(&rs);

    cs_records_init(&rs);
    cs_records_sort(&rs);               /* empty list */
    assert_int_equal(rs.count, 0);
    cs_records_free(&rs);
}

/* Equal paths keep their order, in short lists and in long ones; the
 * timestamps tell the records apart. */
static void sort_is_stable(void **state)
{
    (void)state;
    static const size_t sizes[] = { 10, 64, 65, 300, 2000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        cs_records rs;
        cs_records_init(&rs);
        uint32_t seed = 7;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            cs_path p = cs_path_resource(3, 0, (uint16_t)((seed >> 16) % 7));
            cs_value v = cs_value_integer((int64_t)i);
            assert_int_equal(cs_records_add_timed(&rs, &p, &v, (double)i),
                             CS_OK);
        }
        cs_records_sort(&rs);
        assert_int_equal(rs.count, n);
        assert_sorted(&rs);
        for (size_t i = 1; i < n; i++)
            if (cs_path_compare(&rs.items[i - 1].path, &rs.items[i].path) == 0 &&
                rs.items[i - 1].time > rs.items[i].time)
                fail_msg("n=%zu: equal paths reordered at %zu", n, i);
        cs_records_free(&rs);
    }
}

static void sort_many_records_reversed(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    for (unsigned i = 3000; i-- > 0;) {
        cs_path p = cs_path_resource_instance(3, 0, 11, (uint16_t)i);
        cs_value v = cs_value_integer(i);
        assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
    }
    cs_records_sort(&rs);
    for (unsigned i = 0; i < 3000; i++) {
        assert_int_equal(rs.items[i].path.ids[3], i);
        assert_true(rs.items[i].value.v.i == (int64_t)i);
    }
    cs_records_free(&rs);
}

/* ---- Validation ---------------------------------------------------------- */

static void validate_accepts_a_good_payload_and_sorts_it(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/11/1", cs_value_integer(5));
    add_string(&rs, "/3/0/0", "Acme");
    add(&rs, "/3/0/11/0", cs_value_integer(0));
    add(&rs, "/3/0/9", cs_value_integer(100));
    add(&rs, "/3/0/13", cs_value_time(1700000000));
    add(&rs, "/3/0/4", cs_value_none());       /* Execute: no value */
    add(&rs, "/3/0/6", cs_value_none());       /* empty multiple resource */
    assert_int_equal(validate(&rs, "/3/0"), CS_OK);
    assert_sorted(&rs);
    assert_int_equal(rs.items[0].path.ids[2], 0);
    assert_int_equal(rs.items[5].path.ids[3], 1);   /* /3/0/11/1 */
    assert_int_equal(rs.items[6].path.ids[2], 13);
    /* The same list under every enclosing target. */
    assert_int_equal(validate(&rs, "/3"), CS_OK);
    assert_int_equal(validate(&rs, "/"), CS_OK);
    cs_records_free(&rs);

    /* An empty list is a valid (empty) payload. */
    cs_records_init(&rs);
    assert_int_equal(validate(&rs, "/3/0"), CS_OK);
    /* A record naming the target itself. */
    add(&rs, "/3/0/9", cs_value_integer(1));
    assert_int_equal(validate(&rs, "/3/0/9"), CS_OK);
    cs_records_free(&rs);

    /* An empty instance is a container at instance level. */
    cs_records_init(&rs);
    add(&rs, "/1/0", cs_value_none());
    add(&rs, "/1/1", cs_value_none());
    assert_int_equal(validate(&rs, "/1"), CS_OK);
    cs_records_free(&rs);
}

static void validate_refuses_paths_outside_target(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/0", cs_value_string("a", 1));
    add(&rs, "/3/1/0", cs_value_string("b", 1));
    assert_int_equal(validate(&rs, "/3/0"), CS_E_PATH);
    cs_records_free(&rs);

    cs_records_init(&rs);
    add(&rs, "/3/0/0", cs_value_string("a", 1));
    assert_int_equal(validate(&rs, "/3/0/1"), CS_E_PATH);
    assert_int_equal(validate(&rs, "/1"), CS_E_PATH);
    assert_int_equal(validate(&rs, "/3/0/0/0"), CS_E_PATH);
    cs_records_free(&rs);

    /* Records above instance level are never a payload. */
    cs_records_init(&rs);
    add(&rs, "/3", cs_value_none());
    assert_int_equal(validate(&rs, "/"), CS_E_PATH);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/", cs_value_none());
    assert_int_equal(validate(&rs, "/"), CS_E_PATH);
    cs_records_free(&rs);

    /* IDs that are not valid (65535) or an impossible length. */
    cs_records_init(&rs);
    cs_path bad = cs_path_resource(3, CS_ID_INVALID, 0);
    cs_value v = cs_value_string("a", 1);
    assert_int_equal(cs_records_add(&rs, &bad, &v), CS_OK);
    assert_int_equal(validate(&rs, "/"), CS_E_PATH);
    cs_records_free(&rs);
    cs_records_init(&rs);
    bad = cs_path_resource(3, 0, 0);
    bad.len = 5;
    assert_int_equal(cs_records_add(&rs, &bad, &v), CS_OK);
    assert_int_equal(validate(&rs, "/"), CS_E_PATH);
    cs_records_free(&rs);
}

static void validate_refuses_duplicates(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/1", cs_value_string("a", 1));
    add(&rs, "/3/0/0", cs_value_string("b", 1));
    add(&rs, "/3/0/1", cs_value_string("a", 1));
    assert_int_equal(validate(&rs, "/3/0"), CS_E_DUPLICATE);
    cs_records_free(&rs);

    cs_records_init(&rs);
    add(&rs, "/3/0/11/0", cs_value_integer(1));
    add(&rs, "/3/0/11/0", cs_value_integer(2));
    assert_int_equal(validate(&rs, "/3/0/11"), CS_E_DUPLICATE);
    cs_records_free(&rs);

    /* Also without a registry, and for unknown resources. */
    cs_records_init(&rs);
    add(&rs, "/9999/0/5", cs_value_integer(1));
    add(&rs, "/9999/0/5", cs_value_integer(1));
    cs_path t = cs_path_root();
    assert_int_equal(cs_records_validate(&rs, &t, NULL), CS_E_DUPLICATE);
    cs_records_free(&rs);

    cs_records_init(&rs);
    add(&rs, "/1/0", cs_value_none());
    add(&rs, "/1/0", cs_value_none());
    assert_int_equal(validate(&rs, "/1"), CS_E_DUPLICATE);
    cs_records_free(&rs);
}

static void validate_refuses_wrong_nesting(void **state)
{
    (void)state;
    cs_records rs;

    /* A container and something inside it. */
    cs_records_init(&rs);
    add(&rs, "/3/0/11/0", cs_value_integer(0));
    add(&rs, "/3/0/11", cs_value_none());
    assert_int_equal(validate(&rs, "/3/0"), CS_E_NESTING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3/0/0", cs_value_string("a", 1));
    add(&rs, "/3/0", cs_value_none());
    assert_int_equal(validate(&rs, "/3"), CS_E_NESTING);
    cs_records_free(&rs);
    /* Even for unknown objects and without a registry. */
    cs_records_init(&rs);
    add(&rs, "/9999/0", cs_value_none());
    add(&rs, "/9999/0/3/1", cs_value_integer(1));
    cs_path root = cs_path_root();
    assert_int_equal(cs_records_validate(&rs, &root, NULL), CS_E_NESTING);
    cs_records_free(&rs);

    /* A value at instance level. */
    cs_records_init(&rs);
    add(&rs, "/3/0", cs_value_integer(1));
    assert_int_equal(validate(&rs, "/3"), CS_E_NESTING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/9999/0", cs_value_string("x", 1));
    assert_int_equal(cs_records_validate(&rs, &root, NULL), CS_E_NESTING);
    cs_records_free(&rs);

    /* A resource instance under a single resource. */
    cs_records_init(&rs);
    add(&rs, "/3/0/0/0", cs_value_string("Acme", 4));
    assert_int_equal(validate(&rs, "/3/0"), CS_E_NESTING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/1/0/1/0", cs_value_integer(60));
    assert_int_equal(validate(&rs, "/1/0/1"), CS_E_NESTING);
    cs_records_free(&rs);

    /* A single value written on a multiple resource. */
    cs_records_init(&rs);
    add(&rs, "/3/0/11", cs_value_integer(0));
    assert_int_equal(validate(&rs, "/3/0"), CS_E_NESTING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/10/0/11", cs_value_objlnk(11, 0));
    assert_int_equal(validate(&rs, "/10/0/11"), CS_E_NESTING);
    cs_records_free(&rs);
}

/* A registry with a Float resource, which no standard object has. */
static const cs_resource_def sensor_resources[] = {
    { .id = 0, .name = "Value", .type = CS_TYPE_FLOAT,
      .operations = CS_OP_READ },
    { .id = 1, .name = "Stamp", .type = CS_TYPE_TIME,
      .operations = CS_OP_READ },
    { .id = 2, .name = "Samples", .type = CS_TYPE_FLOAT,
      .operations = CS_OP_READ, .multiple = true },
    { .id = 3, .name = "Label", .type = CS_TYPE_STRING,
      .operations = CS_OP_RW, .has_range = true, .min = 1, .max = 4 },
    { .id = 4, .name = "Count", .type = CS_TYPE_UNSIGNED,
      .operations = CS_OP_READ, .has_range = true, .min = 0, .max = 100 },
};
static const cs_object_def sensor = {
    .id = 3300, .name = "Sensor", .version = "1.0", .multiple = true,
    .resources = sensor_resources,
    .resource_count = sizeof sensor_resources / sizeof sensor_resources[0],
};

static void validate_converts_to_the_defined_type(void **state)
{
    (void)state;
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    assert_int_equal(cs_registry_add(reg, &sensor), CS_OK);
    cs_path target = test_path("/3300/0");

    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3300/0/0", cs_value_integer(21));
    add(&rs, "/3300/0/1", cs_value_integer(1700000000));
    add(&rs, "/3300/0/2/0", cs_value_unsigned(3));
    add(&rs, "/3300/0/2/1", cs_value_float(-1.5));
    add(&rs, "/3300/0/4", cs_value_float(7.0));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_OK);
    cs_value want = cs_value_float(21.0);
    assert_true(cs_value_equal(&rs.items[0].value, &want));
    want = cs_value_time(1700000000);
    assert_true(cs_value_equal(&rs.items[1].value, &want));
    want = cs_value_float(3.0);
    assert_true(cs_value_equal(&rs.items[2].value, &want));
    want = cs_value_float(-1.5);
    assert_true(cs_value_equal(&rs.items[3].value, &want));
    want = cs_value_unsigned(7);
    assert_true(cs_value_equal(&rs.items[4].value, &want));
    cs_records_free(&rs);

    /* Lossy conversions are refused with the converter's reason. */
    cs_records_init(&rs);
    add(&rs, "/3300/0/0", cs_value_integer((1LL << 53) + 1));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_E_RANGE);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3300/0/1", cs_value_float(1.5));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_E_TYPE);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3300/0/4", cs_value_integer(-1));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_E_RANGE);
    cs_records_free(&rs);
    /* Converted, then checked against the range. */
    cs_records_init(&rs);
    add(&rs, "/3300/0/4", cs_value_integer(101));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_E_RANGE);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3300/0/3", cs_value_corelnk("abcd", 4));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_OK);
    assert_int_equal(rs.items[0].value.type, CS_TYPE_STRING);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add(&rs, "/3300/0/3", cs_value_string("", 0));
    assert_int_equal(cs_records_validate(&rs, &target, reg), CS_E_RANGE);
    cs_records_free(&rs);
    cs_registry_free(reg);

    /* In the standard objects: Integer to Time, Unsigned to Integer. */
    cs_records_init(&rs);
    add(&rs, "/3/0/13", cs_value_integer(1700000000));
    add(&rs, "/3/0/9", cs_value_unsigned(50));
    add(&rs, "/3/0/20", cs_value_float(2.0));
    assert_int_equal(validate(&rs, "/3/0"), CS_OK);
    assert_int_equal(rs.items[0].value.type, CS_TYPE_INTEGER);   /* /3/0/9 */
    assert_true(rs.items[0].value.v.i == 50);
    assert_int_equal(rs.items[1].value.type, CS_TYPE_TIME);      /* /3/0/13 */
    assert_int_equal(rs.items[2].value.type, CS_TYPE_INTEGER);   /* /3/0/20 */
    cs_records_free(&rs);
}

static void validate_refuses_wrong_types_and_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        cs_value value;
        cs_err err;
    } cases[] = {
        { "/3/0/9", { .type = CS_TYPE_STRING, .v.bytes = { (const uint8_t *)"50", 2 } }, CS_E_TYPE },
        { "/3/0/9", { .type = CS_TYPE_BOOLEAN, .v.b = true }, CS_E_TYPE },
        { "/3/0/9", { .type = CS_TYPE_FLOAT, .v.f = 50.5 }, CS_E_TYPE },
        { "/3/0/0", { .type = CS_TYPE_INTEGER, .v.i = 1 }, CS_E_TYPE },
        { "/3/0/0", { .type = CS_TYPE_OPAQUE, .v.bytes = { (const uint8_t *)"a", 1 } }, CS_E_TYPE },
        { "/0/0/1", { .type = CS_TYPE_INTEGER, .v.i = 1 }, CS_E_TYPE },
        { "/0/0/3", { .type = CS_TYPE_STRING, .v.bytes = { (const uint8_t *)"id", 2 } }, CS_E_TYPE },
        { "/1/0/10", { .type = CS_TYPE_INTEGER, .v.i = 11 }, CS_E_TYPE },
        /* A container where a single value belongs. */
        { "/3/0/0", { .type = CS_TYPE_NONE }, CS_E_TYPE },
        /* A value on an Execute resource. */
        { "/3/0/4", { .type = CS_TYPE_STRING, .v.bytes = { (const uint8_t *)"", 0 } }, CS_E_TYPE },
        { "/3/0/9", { .type = CS_TYPE_INTEGER, .v.i = 101 }, CS_E_RANGE },
        { "/3/0/9", { .type = CS_TYPE_INTEGER, .v.i = -1 }, CS_E_RANGE },
        { "/3/0/9", { .type = CS_TYPE_UNSIGNED, .v.u = UINT64_MAX }, CS_E_RANGE },
        { "/3/0/9", { .type = CS_TYPE_FLOAT, .v.f = 1e30 }, CS_E_RANGE },
        { "/1/0/0", { .type = CS_TYPE_INTEGER, .v.i = 0 }, CS_E_RANGE },
        { "/0/0/2", { .type = CS_TYPE_INTEGER, .v.i = 5 }, CS_E_RANGE },
        { "/1/0/11", { .type = CS_TYPE_INTEGER, .v.i = 256 }, CS_E_RANGE },
        { "/1/0/11", { .type = CS_TYPE_INTEGER, .v.i = -1 }, CS_E_RANGE },
        { "/0/0/7", { .type = CS_TYPE_OPAQUE, .v.bytes = { (const uint8_t *)"12345", 5 } }, CS_E_RANGE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_records rs;
        cs_records_init(&rs);
        add(&rs, cases[i].path, cases[i].value);
        cs_err err = validate(&rs, "/");
        if (err != cases[i].err)
            fail_msg("case %zu (%s): got %s, expected %s", i, cases[i].path,
                     cs_strerror(err), cs_strerror(cases[i].err));
        cs_records_free(&rs);
    }
    /* A string one byte too long for /0/x/0. */
    char uri[256];
    memset(uri, 'u', sizeof uri);
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/0/0/0", cs_value_string(uri, 256));
    assert_int_equal(validate(&rs, "/0/0"), CS_E_RANGE);
    cs_records_clear(&rs);
    add(&rs, "/0/0/0", cs_value_string(uri, 255));
    assert_int_equal(validate(&rs, "/0/0"), CS_OK);
    cs_records_free(&rs);
    /* The first bad record decides, after sorting. */
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_integer(101));
    add(&rs, "/3/0/1", cs_value_integer(1));
    assert_int_equal(validate(&rs, "/3/0"), CS_E_TYPE);
    cs_records_free(&rs);
}

static void validate_keeps_unknown_resources_as_they_are(void **state)
{
    (void)state;
    cs_records rs;
    cs_records_init(&rs);
    add(&rs, "/3/0/999", cs_value_opaque("\x01\x02", 2));
    add(&rs, "/3/0/998/4", cs_value_integer(-3));
    add(&rs, "/9999/0/0", cs_value_boolean(true));
    add(&rs, "/9999/0/1/0", cs_value_float(1.5));
    assert_int_equal(validate(&rs, "/"), CS_OK);
    assert_int_equal(rs.items[0].value.type, CS_TYPE_INTEGER);
    assert_int_equal(rs.items[1].value.type, CS_TYPE_OPAQUE);
    assert_int_equal(rs.items[2].value.type, CS_TYPE_BOOLEAN);
    assert_int_equal(rs.items[3].value.type, CS_TYPE_FLOAT);
    cs_records_free(&rs);

    /* Without a registry nothing is typed or range-checked. */
    cs_records_init(&rs);
    add(&rs, "/3/0/9", cs_value_string("not a number", 12));
    add(&rs, "/3/0/11", cs_value_integer(1000));
    add(&rs, "/3/0/0/0", cs_value_integer(1));
    cs_path t = test_path("/3/0");
    assert_int_equal(cs_records_validate(&rs, &t, NULL), CS_OK);
    assert_int_equal(rs.items[1].value.type, CS_TYPE_STRING);   /* /3/0/9 */
    cs_records_free(&rs);
}

/* ---- cs_buf ------------------------------------------------------------ */

static void buf_appends_within_bound(void **state)
{
    (void)state;
    cs_buf b;
    cs_buf_init(&b, 8);
    assert_int_equal(b.len, 0);
    assert_int_equal(cs_buf_append(&b, "abcde", 5), CS_OK);
    assert_int_equal(cs_buf_append(&b, "1234", 4), CS_E_TOO_LARGE);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "abcde", 5);
    assert_int_equal(cs_buf_append(&b, "", 0), CS_OK);
    assert_int_equal(cs_buf_append(&b, "fgh", 3), CS_OK);
    assert_int_equal(b.len, 8);
    assert_int_equal(cs_buf_append_byte(&b, 'i'), CS_E_TOO_LARGE);
    uint8_t *dst = NULL;
    assert_int_equal(cs_buf_reserve(&b, 1, &dst), CS_E_TOO_LARGE);
    assert_int_equal(cs_buf_append(&b, "x", SIZE_MAX), CS_E_TOO_LARGE);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "abcdefgh", 8);
    assert_true(b.cap <= b.max);

    /* Reset keeps the storage, forgets the content. */
    uint8_t *data = b.data;
    cs_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data);
    assert_int_equal(cs_buf_append_byte(&b, 'z'), CS_OK);
    assert_int_equal(b.data[0], 'z');

    /* Reserve hands out room without counting it. */
    assert_int_equal(cs_buf_reserve(&b, 7, &dst), CS_OK);
    assert_ptr_equal(dst, b.data + 1);
    assert_int_equal(b.len, 1);
    memcpy(dst, "1234567", 7);
    b.len += 7;
    assert_memory_equal(b.data, "z1234567", 8);
    assert_int_equal(cs_buf_reserve(&b, 1, &dst), CS_E_TOO_LARGE);

    /* After free the buffer is empty and usable with the same bound. */
    cs_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(cs_buf_append(&b, "12345678", 8), CS_OK);
    assert_int_equal(cs_buf_append_byte(&b, '9'), CS_E_TOO_LARGE);
    cs_buf_free(&b);

    /* Asking for no room in a buffer that has none yet. */
    cs_buf_init(&b, 8);
    assert_int_equal(cs_buf_reserve(&b, 0, &dst), CS_OK);
    assert_int_equal(b.len, 0);
    cs_buf_free(&b);

    /* A zero bound takes nothing. */
    cs_buf_init(&b, 0);
    assert_int_equal(cs_buf_append_byte(&b, 0), CS_E_TOO_LARGE);
    assert_int_equal(cs_buf_append(&b, "", 0), CS_OK);
    assert_int_equal(b.len, 0);
    cs_buf_free(&b);
}

static void buf_grows_to_its_bound(void **state)
{
    (void)state;
    enum { MAX = 100003 };
    cs_buf b;
    cs_buf_init(&b, MAX);
    for (size_t i = 0; i < MAX; i++)
        assert_int_equal(cs_buf_append_byte(&b, (uint8_t)(i * 31)), CS_OK);
    assert_int_equal(cs_buf_append_byte(&b, 0), CS_E_TOO_LARGE);
    assert_int_equal(b.len, MAX);
    assert_true(b.cap == MAX);
    for (size_t i = 0; i < MAX; i++)
        if (b.data[i] != (uint8_t)(i * 31))
            fail_msg("byte %zu changed", i);
    cs_buf_free(&b);

    /* One large append of exactly the bound. */
    uint8_t *big = malloc(MAX);
    assert_non_null(big);
    memset(big, 0xa5, MAX);
    cs_buf_init(&b, MAX);
    assert_int_equal(cs_buf_append(&b, big, MAX + 1u - 1u), CS_OK);
    assert_int_equal(cs_buf_append(&b, big, 1), CS_E_TOO_LARGE);
    assert_memory_equal(b.data, big, MAX);
    cs_buf_free(&b);
    free(big);
}

/* ---- Errors ------------------------------------------------------------ */

static void every_error_has_text_and_coap_code(void **state)
{
    (void)state;
    static const struct {
        cs_err err;
        unsigned coap;
    } codes[] = {
        { CS_OK, 0 },
        { CS_E_TRUNCATED, 0x80 },
        { CS_E_BAD_LENGTH, 0x80 },
        { CS_E_NESTING, 0x80 },
        { CS_E_DUPLICATE, 0x80 },
        { CS_E_TYPE, 0x80 },
        { CS_E_RANGE, 0x80 },
        { CS_E_TRAILING, 0x80 },
        { CS_E_SYNTAX, 0x80 },
        { CS_E_PATH, 0x80 },
        { CS_E_ENCODING, 0x80 },
        { CS_E_BAD_OPTION, 0x82 },
        { CS_E_NOT_FOUND, 0x84 },
        { CS_E_NOT_ALLOWED, 0x85 },
        { CS_E_NOT_ACCEPTABLE, 0x86 },
        { CS_E_TOO_LARGE, 0x8D },
        { CS_E_UNSUPPORTED_FORMAT, 0x8F },
        { CS_E_NOMEM, 0xA0 },
        { CS_E_INTERNAL, 0xA0 },
        { CS_E_INVALID_ARG, 0xA0 },
        { CS_E_TIMEOUT, 0xA3 },
        { CS_E_RESET, 0xA3 },
        { CS_E_BUSY, 0xA3 },
    };
    size_t n = sizeof codes / sizeof codes[0];
    const char *unknown = cs_strerror((cs_err)-999);
    assert_non_null(unknown);
    for (size_t i = 0; i < n; i++) {
        const char *text = cs_strerror(codes[i].err);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        if (strcmp(text, unknown) == 0)
            fail_msg("code %d has no text of its own", codes[i].err);
        if (cs_err_coap_code(codes[i].err) != codes[i].coap)
            fail_msg("code %d (%s): CoAP 0x%02X, expected 0x%02X",
                     codes[i].err, text, cs_err_coap_code(codes[i].err),
                     codes[i].coap);
        /* Every code says something different. */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(text, cs_strerror(codes[j].err));
    }
    /* CoAP class and detail: 4.00 is 0x80, 4.13 is 0x8D, 5.00 is 0xA0. */
    assert_int_equal(cs_err_coap_code(CS_E_TOO_LARGE) >> 5, 4);
    assert_int_equal(cs_err_coap_code(CS_E_TOO_LARGE) & 0x1f, 13);
    assert_int_equal(cs_err_coap_code(CS_E_UNSUPPORTED_FORMAT) & 0x1f, 15);
    /* Codes that are not cs_err values: an internal error. */
    assert_int_equal(cs_err_coap_code((cs_err)-11), 0xA0);
    assert_int_equal(cs_err_coap_code((cs_err)-999), 0xA0);
    assert_int_equal(cs_err_coap_code((cs_err)5), 0xA0);
    assert_string_equal(cs_strerror((cs_err)5), unknown);
}


/* The same resource at several times (a notification or Send with
 * history) is not a duplicate; the same time twice, or an untimed copy, is. */
static void timestamped_samples_are_not_duplicates(void **state)
{
    (void)state;
    cs_path p = cs_path_resource(3, 0, 9), other = cs_path_resource(3, 0, 10);
    cs_value v = cs_value_integer(50);
    cs_path root = cs_path_root();
    struct { double t[3]; bool timed[3]; cs_err want; } cases[] = {
        { { -5, -30, -50 }, { true, true, true }, CS_OK },
        { { -5, -30, -5 }, { true, true, true }, CS_E_DUPLICATE },
        { { -5, 0, -50 }, { true, false, true }, CS_E_DUPLICATE },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cs_records rs;
        cs_records_init(&rs);
        for (int k = 0; k < 3; k++) {
            if (cases[c].timed[k])
                assert_int_equal(cs_records_add_timed(&rs, &p, &v, cases[c].t[k]), CS_OK);
            else
                assert_int_equal(cs_records_add(&rs, &p, &v), CS_OK);
            if (k == 1)
                assert_int_equal(cs_records_add_timed(&rs, &other, &v, 1), CS_OK);
        }
        assert_int_equal(cs_records_validate(&rs, &root, cs_registry_standard()),
                         cases[c].want);
        cs_records_free(&rs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_copies_bytes_into_the_list),
        cmocka_unit_test(add_timed_and_empty_values),
        cmocka_unit_test(store_copies_and_counts),
        cmocka_unit_test(max_records_bound_leaves_list_intact),
        cmocka_unit_test(default_record_bound),
        cmocka_unit_test(max_bytes_bound_leaves_list_intact),
        cmocka_unit_test(sort_orders_by_path),
        cmocka_unit_test(sort_is_stable),
        cmocka_unit_test(sort_many_records_reversed),
        cmocka_unit_test(validate_accepts_a_good_payload_and_sorts_it),
        cmocka_unit_test(validate_refuses_paths_outside_target),
        cmocka_unit_test(validate_refuses_duplicates),
        cmocka_unit_test(validate_refuses_wrong_nesting),
        cmocka_unit_test(validate_converts_to_the_defined_type),
        cmocka_unit_test(validate_refuses_wrong_types_and_ranges),
        cmocka_unit_test(validate_keeps_unknown_resources_as_they_are),
        cmocka_unit_test(buf_appends_within_bound),
        cmocka_unit_test(buf_grows_to_its_bound),
        cmocka_unit_test(every_error_has_text_and_coap_code),
        cmocka_unit_test(timestamped_samples_are_not_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
