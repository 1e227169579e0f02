/*
 * test_value.c - LwM2M values: constructors, type names, equality, and
 * conversion between types (only where nothing is lost).
 */
#include <float.h>
#include <limits.h>
#include <math.h>

#include "test_support.h"

/* 2^53: the last integer from which every smaller one is a double. */
#define TWO_POW_53 9007199254740992LL

static void constructors_set_type_and_payload(void **state)
{
    (void)state;
    static const char text[] = "hello";
    static const uint8_t bytes[] = { 0, 1, 2, 0xff };
    cs_value v;

    v = cs_value_none();
    assert_int_equal(v.type, CS_TYPE_NONE);
    v = cs_value_string(text, 5);
    assert_int_equal(v.type, CS_TYPE_STRING);
    assert_ptr_equal(v.v.bytes.data, text);
    assert_int_equal(v.v.bytes.len, 5);
    v = cs_value_opaque(bytes, sizeof bytes);
    assert_int_equal(v.type, CS_TYPE_OPAQUE);
    assert_ptr_equal(v.v.bytes.data, bytes);
    assert_int_equal(v.v.bytes.len, 4);
    v = cs_value_corelnk("</3>", 4);
    assert_int_equal(v.type, CS_TYPE_CORELNK);
    assert_int_equal(v.v.bytes.len, 4);
    assert_memory_equal(v.v.bytes.data, "</3>", 4);
    v = cs_value_integer(INT64_MIN);
    assert_int_equal(v.type, CS_TYPE_INTEGER);
    assert_true(v.v.i == INT64_MIN);
    v = cs_value_unsigned(UINT64_MAX);
    assert_int_equal(v.type, CS_TYPE_UNSIGNED);
    assert_true(v.v.u == UINT64_MAX);
    v = cs_value_float(-2.5);
    assert_int_equal(v.type, CS_TYPE_FLOAT);
    assert_true(v.v.f == -2.5);
    v = cs_value_boolean(true);
    assert_int_equal(v.type, CS_TYPE_BOOLEAN);
    assert_true(v.v.b);
    v = cs_value_boolean(false);
    assert_false(v.v.b);
    v = cs_value_time(-86400);
    assert_int_equal(v.type, CS_TYPE_TIME);
    assert_true(v.v.i == -86400);
    v = cs_value_objlnk(65535, 65535);
    assert_int_equal(v.type, CS_TYPE_OBJLNK);
    assert_int_equal(v.v.lnk.oid, 65535);
    assert_int_equal(v.v.lnk.iid, 65535);
    v = cs_value_objlnk(11, 2);
    assert_int_equal(v.v.lnk.oid, 11);
    assert_int_equal(v.v.lnk.iid, 2);
}

static void type_names_are_the_registry_names(void **state)
{
    (void)state;
    assert_string_equal(cs_type_name(CS_TYPE_NONE), "none");
    assert_string_equal(cs_type_name(CS_TYPE_STRING), "String");
    assert_string_equal(cs_type_name(CS_TYPE_INTEGER), "Integer");
    assert_string_equal(cs_type_name(CS_TYPE_UNSIGNED), "Unsigned Integer");
    assert_string_equal(cs_type_name(CS_TYPE_FLOAT), "Float");
    assert_string_equal(cs_type_name(CS_TYPE_BOOLEAN), "Boolean");
    assert_string_equal(cs_type_name(CS_TYPE_OPAQUE), "Opaque");
    assert_string_equal(cs_type_name(CS_TYPE_TIME), "Time");
    assert_string_equal(cs_type_name(CS_TYPE_OBJLNK), "Objlnk");
    assert_string_equal(cs_type_name(CS_TYPE_CORELNK), "Corelnk");
    assert_string_equal(cs_type_name((cs_type)99), "unknown");
}

static bool eq(cs_value a, cs_value b)
{
    bool r = cs_value_equal(&a, &b);
    assert_int_equal(r, cs_value_equal(&b, &a));   /* symmetric */
    return r;
}

static void equality_of_scalars(void **state)
{
    (void)state;
    assert_true(eq(cs_value_none(), cs_value_none()));
    assert_true(eq(cs_value_integer(-7), cs_value_integer(-7)));
    assert_false(eq(cs_value_integer(-7), cs_value_integer(7)));
    assert_true(eq(cs_value_unsigned(UINT64_MAX), cs_value_unsigned(UINT64_MAX)));
    assert_false(eq(cs_value_unsigned(1), cs_value_unsigned(2)));
    assert_true(eq(cs_value_time(5), cs_value_time(5)));
    assert_true(eq(cs_value_boolean(true), cs_value_boolean(true)));
    assert_false(eq(cs_value_boolean(true), cs_value_boolean(false)));
    assert_true(eq(cs_value_objlnk(3, 0), cs_value_objlnk(3, 0)));
    assert_false(eq(cs_value_objlnk(3, 0), cs_value_objlnk(3, 1)));
    assert_false(eq(cs_value_objlnk(3, 0), cs_value_objlnk(4, 0)));
    /* Same number, different types: not equal. */
    assert_false(eq(cs_value_integer(5), cs_value_time(5)));
    assert_false(eq(cs_value_integer(5), cs_value_unsigned(5)));
    assert_false(eq(cs_value_integer(5), cs_value_float(5.0)));
    assert_false(eq(cs_value_integer(0), cs_value_none()));
    assert_false(eq(cs_value_integer(1), cs_value_boolean(true)));
}

static void equality_of_floats_is_bitwise(void **state)
{
    (void)state;
    assert_true(eq(cs_value_float(1.5), cs_value_float(1.5)));
    assert_false(eq(cs_value_float(1.5), cs_value_float(1.25)));
    /* -0.0 == 0.0 in C, but the encodings differ, so the values differ. */
    assert_false(eq(cs_value_float(-0.0), cs_value_float(0.0)));
    assert_true(eq(cs_value_float(-0.0), cs_value_float(-0.0)));
    /* NaN equals NaN here (it does not in C), whatever its sign. */
    assert_true(eq(cs_value_float(NAN), cs_value_float(NAN)));
    assert_true(eq(cs_value_float(NAN), cs_value_float(-NAN)));
    assert_false(eq(cs_value_float(NAN), cs_value_float(INFINITY)));
    assert_true(eq(cs_value_float(INFINITY), cs_value_float(INFINITY)));
    assert_false(eq(cs_value_float(INFINITY), cs_value_float(-INFINITY)));
    assert_true(eq(cs_value_float(DBL_MIN / 2), cs_value_float(DBL_MIN / 2)));
}

static void equality_of_bytes_compares_content(void **state)
{
    (void)state;
    char a[] = "abc", b[] = "abc", c[] = "abd";
    assert_true(eq(cs_value_string(a, 3), cs_value_string(b, 3)));
    assert_false(eq(cs_value_string(a, 3), cs_value_string(c, 3)));
    assert_false(eq(cs_value_string(a, 3), cs_value_string(a, 2)));
    assert_true(eq(cs_value_string(a, 2), cs_value_string(c, 2)));
    /* Empty values are equal whatever their pointers, NULL included. */
    assert_true(eq(cs_value_string(NULL, 0), cs_value_string(a, 0)));
    assert_true(eq(cs_value_opaque(NULL, 0), cs_value_opaque(NULL, 0)));
    /* Bytes with NULs inside are compared in full. */
    static const uint8_t x[] = { 0, 0, 1 }, y[] = { 0, 0, 2 };
    assert_false(eq(cs_value_opaque(x, 3), cs_value_opaque(y, 3)));
    assert_true(eq(cs_value_opaque(x, 2), cs_value_opaque(y, 2)));
    /* Same bytes, different types. */
    assert_false(eq(cs_value_string(a, 3), cs_value_opaque(a, 3)));
    assert_false(eq(cs_value_string(a, 3), cs_value_corelnk(a, 3)));
    assert_true(eq(cs_value_corelnk(a, 3), cs_value_corelnk(b, 3)));
}

/* ---- Conversion -------------------------------------------------------- */

/* Convert a copy; on success compare with `want`, on failure check that the
 * value was left as it was. */
static void expect_convert(cs_value from, cs_type to, cs_err err,
                           cs_value want, int line)
{
    cs_value v = from;
    cs_err got = cs_value_convert(&v, to);
    if (got != err)
        fail_msg("line %d: %s -> %s: got %s, expected %s", line,
                 cs_type_name(from.type), cs_type_name(to), cs_strerror(got),
                 cs_strerror(err));
    if (err == CS_OK) {
        if (!cs_value_equal(&v, &want))
            fail_msg("line %d: %s -> %s: wrong value", line,
                     cs_type_name(from.type), cs_type_name(to));
    } else if (!cs_value_equal(&v, &from)) {
        fail_msg("line %d: value changed by a failed conversion", line);
    }
}

#define OK_(from, to, want) expect_convert((from), (to), CS_OK, (want), __LINE__)
#define FAIL_(from, to, err) \
    expect_convert((from), (to), (err), cs_value_none(), __LINE__)

static void convert_same_type_is_a_no_op(void **state)
{
    (void)state;
    const cs_value all[] = {
        cs_value_none(), cs_value_string("s", 1), cs_value_integer(-1),
        cs_value_unsigned(UINT64_MAX), cs_value_float(NAN),
        cs_value_boolean(true), cs_value_opaque("\0", 1), cs_value_time(-1),
        cs_value_objlnk(1, 2), cs_value_corelnk("</1>", 4),
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        OK_(all[i], all[i].type, all[i]);
}

static void convert_between_integer_unsigned_and_time(void **state)
{
    (void)state;
    OK_(cs_value_integer(5), CS_TYPE_UNSIGNED, cs_value_unsigned(5));
    OK_(cs_value_integer(0), CS_TYPE_UNSIGNED, cs_value_unsigned(0));
    OK_(cs_value_integer(INT64_MAX), CS_TYPE_UNSIGNED,
        cs_value_unsigned((uint64_t)INT64_MAX));
    FAIL_(cs_value_integer(-1), CS_TYPE_UNSIGNED, CS_E_RANGE);
    FAIL_(cs_value_integer(INT64_MIN), CS_TYPE_UNSIGNED, CS_E_RANGE);

    OK_(cs_value_unsigned(7), CS_TYPE_INTEGER, cs_value_integer(7));
    OK_(cs_value_unsigned((uint64_t)INT64_MAX), CS_TYPE_INTEGER,
        cs_value_integer(INT64_MAX));
    FAIL_(cs_value_unsigned((uint64_t)INT64_MAX + 1), CS_TYPE_INTEGER,
          CS_E_RANGE);
    FAIL_(cs_value_unsigned(UINT64_MAX), CS_TYPE_INTEGER, CS_E_RANGE);

    OK_(cs_value_integer(-5), CS_TYPE_TIME, cs_value_time(-5));
    OK_(cs_value_integer(INT64_MIN), CS_TYPE_TIME, cs_value_time(INT64_MIN));
    OK_(cs_value_time(1700000000), CS_TYPE_INTEGER, cs_value_integer(1700000000));
    OK_(cs_value_time(5), CS_TYPE_UNSIGNED, cs_value_unsigned(5));
    FAIL_(cs_value_time(-5), CS_TYPE_UNSIGNED, CS_E_RANGE);
    OK_(cs_value_unsigned(1700000000), CS_TYPE_TIME, cs_value_time(1700000000));
    FAIL_(cs_value_unsigned(UINT64_MAX), CS_TYPE_TIME, CS_E_RANGE);
}

static void convert_float_to_integers_only_when_whole(void **state)
{
    (void)state;
    OK_(cs_value_float(3.0), CS_TYPE_INTEGER, cs_value_integer(3));
    OK_(cs_value_float(3.0), CS_TYPE_UNSIGNED, cs_value_unsigned(3));
    OK_(cs_value_float(3.0), CS_TYPE_TIME, cs_value_time(3));
    OK_(cs_value_float(-3.0), CS_TYPE_INTEGER, cs_value_integer(-3));
    OK_(cs_value_float(-0.0), CS_TYPE_INTEGER, cs_value_integer(0));
    OK_(cs_value_float(-0.0), CS_TYPE_UNSIGNED, cs_value_unsigned(0));
    FAIL_(cs_value_float(-3.0), CS_TYPE_UNSIGNED, CS_E_RANGE);
    /* A fraction is a different kind of number, not an out-of-range one. */
    FAIL_(cs_value_float(3.5), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_float(3.5), CS_TYPE_UNSIGNED, CS_E_TYPE);
    FAIL_(cs_value_float(3.5), CS_TYPE_TIME, CS_E_TYPE);
    FAIL_(cs_value_float(-0.5), CS_TYPE_UNSIGNED, CS_E_TYPE);
    FAIL_(cs_value_float(DBL_MIN), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_float(NAN), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_float(NAN), CS_TYPE_UNSIGNED, CS_E_TYPE);
    /* Whole but too large. */
    FAIL_(cs_value_float(1e30), CS_TYPE_INTEGER, CS_E_RANGE);
    FAIL_(cs_value_float(1e30), CS_TYPE_UNSIGNED, CS_E_RANGE);
    FAIL_(cs_value_float(-1e30), CS_TYPE_INTEGER, CS_E_RANGE);
    FAIL_(cs_value_float(-1e30), CS_TYPE_TIME, CS_E_RANGE);
    FAIL_(cs_value_float(INFINITY), CS_TYPE_INTEGER, CS_E_RANGE);
    FAIL_(cs_value_float(-INFINITY), CS_TYPE_INTEGER, CS_E_RANGE);
    FAIL_(cs_value_float(INFINITY), CS_TYPE_UNSIGNED, CS_E_RANGE);
    /* The edges of int64 and uint64. */
    OK_(cs_value_float(-9223372036854775808.0), CS_TYPE_INTEGER,
        cs_value_integer(INT64_MIN));
    FAIL_(cs_value_float(9223372036854775808.0), CS_TYPE_INTEGER, CS_E_RANGE);
    OK_(cs_value_float(9223372036854775808.0), CS_TYPE_UNSIGNED,
        cs_value_unsigned(9223372036854775808ULL));
    OK_(cs_value_float(9223372036854774784.0), CS_TYPE_INTEGER,
        cs_value_integer(9223372036854774784LL));
    OK_(cs_value_float(18446744073709549568.0), CS_TYPE_UNSIGNED,
        cs_value_unsigned(18446744073709549568ULL));
    FAIL_(cs_value_float(18446744073709551616.0), CS_TYPE_UNSIGNED, CS_E_RANGE);
}

static void convert_integers_to_float_only_when_exact(void **state)
{
    (void)state;
    OK_(cs_value_integer(5), CS_TYPE_FLOAT, cs_value_float(5.0));
    OK_(cs_value_integer(-5), CS_TYPE_FLOAT, cs_value_float(-5.0));
    OK_(cs_value_integer(0), CS_TYPE_FLOAT, cs_value_float(0.0));
    OK_(cs_value_integer(TWO_POW_53), CS_TYPE_FLOAT,
        cs_value_float(9007199254740992.0));
    FAIL_(cs_value_integer(TWO_POW_53 + 1), CS_TYPE_FLOAT, CS_E_RANGE);
    FAIL_(cs_value_integer(-TWO_POW_53 - 1), CS_TYPE_FLOAT, CS_E_RANGE);
    OK_(cs_value_integer(TWO_POW_53 + 2), CS_TYPE_FLOAT,
        cs_value_float(9007199254740994.0));
    /* INT64_MAX rounds to 2^63, which is not an int64. */
    FAIL_(cs_value_integer(INT64_MAX), CS_TYPE_FLOAT, CS_E_RANGE);
    OK_(cs_value_integer(INT64_MIN), CS_TYPE_FLOAT,
        cs_value_float(-9223372036854775808.0));
    OK_(cs_value_time(1700000000), CS_TYPE_FLOAT, cs_value_float(1700000000.0));
    FAIL_(cs_value_time(TWO_POW_53 + 1), CS_TYPE_FLOAT, CS_E_RANGE);
    OK_(cs_value_unsigned(1ULL << 63), CS_TYPE_FLOAT,
        cs_value_float(9223372036854775808.0));
    OK_(cs_value_unsigned(18446744073709549568ULL), CS_TYPE_FLOAT,
        cs_value_float(18446744073709549568.0));
    FAIL_(cs_value_unsigned(UINT64_MAX), CS_TYPE_FLOAT, CS_E_RANGE);
    FAIL_(cs_value_unsigned((uint64_t)TWO_POW_53 + 1), CS_TYPE_FLOAT,
          CS_E_RANGE);
}

static void convert_string_and_corelnk(void **state)
{
    (void)state;
    static const char link[] = "</3/0>";
    cs_value v = cs_value_string(link, 6);
    assert_int_equal(cs_value_convert(&v, CS_TYPE_CORELNK), CS_OK);
    assert_int_equal(v.type, CS_TYPE_CORELNK);
    assert_ptr_equal(v.v.bytes.data, link);    /* same bytes, not copied */
    assert_int_equal(v.v.bytes.len, 6);
    assert_int_equal(cs_value_convert(&v, CS_TYPE_STRING), CS_OK);
    assert_int_equal(v.type, CS_TYPE_STRING);
    assert_ptr_equal(v.v.bytes.data, link);
    OK_(cs_value_string("", 0), CS_TYPE_CORELNK, cs_value_corelnk("", 0));
}

static void convert_refuses_other_kinds(void **state)
{
    (void)state;
    FAIL_(cs_value_boolean(true), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_boolean(false), CS_TYPE_UNSIGNED, CS_E_TYPE);
    FAIL_(cs_value_boolean(true), CS_TYPE_FLOAT, CS_E_TYPE);
    FAIL_(cs_value_integer(1), CS_TYPE_BOOLEAN, CS_E_TYPE);
    FAIL_(cs_value_float(1.0), CS_TYPE_BOOLEAN, CS_E_TYPE);
    FAIL_(cs_value_string("5", 1), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_integer(5), CS_TYPE_STRING, CS_E_TYPE);
    FAIL_(cs_value_string("ab", 2), CS_TYPE_OPAQUE, CS_E_TYPE);
    FAIL_(cs_value_opaque("ab", 2), CS_TYPE_STRING, CS_E_TYPE);
    FAIL_(cs_value_opaque("ab", 2), CS_TYPE_CORELNK, CS_E_TYPE);
    FAIL_(cs_value_corelnk("</1>", 4), CS_TYPE_OPAQUE, CS_E_TYPE);
    FAIL_(cs_value_objlnk(3, 0), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_objlnk(3, 0), CS_TYPE_STRING, CS_E_TYPE);
    FAIL_(cs_value_integer(3), CS_TYPE_OBJLNK, CS_E_TYPE);
    FAIL_(cs_value_none(), CS_TYPE_INTEGER, CS_E_TYPE);
    FAIL_(cs_value_none(), CS_TYPE_STRING, CS_E_TYPE);
    FAIL_(cs_value_integer(0), CS_TYPE_NONE, CS_E_TYPE);
    FAIL_(cs_value_string("", 0), CS_TYPE_NONE, CS_E_TYPE);
    FAIL_(cs_value_integer(1), (cs_type)99, CS_E_TYPE);
}

/* Every (from, to) pair: the result is one of OK, RANGE, TYPE, and
 * numeric pairs never give TYPE for whole in-range numbers. */
static void convert_every_pair_is_defined(void **state)
{
    (void)state;
    static const cs_type types[] = {
        CS_TYPE_NONE, CS_TYPE_STRING, CS_TYPE_INTEGER, CS_TYPE_UNSIGNED,
        CS_TYPE_FLOAT, CS_TYPE_BOOLEAN, CS_TYPE_OPAQUE, CS_TYPE_TIME,
        CS_TYPE_OBJLNK, CS_TYPE_CORELNK,
    };
    const cs_value samples[] = {
        cs_value_none(), cs_value_string("x", 1), cs_value_integer(42),
        cs_value_unsigned(42), cs_value_float(42.0), cs_value_boolean(true),
        cs_value_opaque("x", 1), cs_value_time(42), cs_value_objlnk(1, 1),
        cs_value_corelnk("x", 1),
    };
    size_t n = sizeof types / sizeof types[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            cs_value v = samples[i];
            cs_err err = cs_value_convert(&v, types[j]);
            bool numeric_i = i == 2 || i == 3 || i == 4 || i == 7;
            bool numeric_j = j == 2 || j == 3 || j == 4 || j == 7;
            bool text_pair = (i == 1 || i == 9) && (j == 1 || j == 9);
            bool ok = i == j || (numeric_i && numeric_j) || text_pair;
            if (ok) {
                assert_int_equal(err, CS_OK);
                assert_int_equal(v.type, types[j]);
                /* And back again, to the same value. */
                assert_int_equal(cs_value_convert(&v, types[i]), CS_OK);
                assert_true(cs_value_equal(&v, &samples[i]));
            } else {
                assert_int_equal(err, CS_E_TYPE);
                assert_true(cs_value_equal(&v, &samples[i]));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constructors_set_type_and_payload),
        cmocka_unit_test(type_names_are_the_registry_names),
        cmocka_unit_test(equality_of_scalars),
        cmocka_unit_test(equality_of_floats_is_bitwise),
        cmocka_unit_test(equality_of_bytes_compares_content),
        cmocka_unit_test(convert_same_type_is_a_no_op),
        cmocka_unit_test(convert_between_integer_unsigned_and_time),
        cmocka_unit_test(convert_float_to_integers_only_when_whole),
        cmocka_unit_test(convert_integers_to_float_only_when_exact),
        cmocka_unit_test(convert_string_and_corelnk),
        cmocka_unit_test(convert_refuses_other_kinds),
        cmocka_unit_test(convert_every_pair_is_defined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
