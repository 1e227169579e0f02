/*
 * test_base64.c - base64 in both variants (RFC 4648 §4 standard with
 * padding, §5 URL-safe without), strict decoding, and the constant-time
 * comparison.
 */
#include "test_support.h"
#include "cellstrap/hex.h"

#include "crypto/crypto.h"

/* The test vectors of RFC 4648 §10. */
static const struct {
    const char *plain;
    const char *standard;
    const char *url;
} rfc4648[] = {
    { "", "", "" },
    { "f", "Zg==", "Zg" },
    { "fo", "Zm8=", "Zm8" },
    { "foo", "Zm9v", "Zm9v" },
    { "foob", "Zm9vYg==", "Zm9vYg" },
    { "fooba", "Zm9vYmE=", "Zm9vYmE" },
    { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};
#define VECTORS (sizeof rfc4648 / sizeof rfc4648[0])

static void encode_ok(const void *in, size_t len, enum cs_base64_variant var,
                      const char *want)
{
    char out[256];
    size_t n = 12345;
    memset(out, 'x', sizeof out);     /* the NUL must come from the encoder */
    assert_true(cs_base64_encoded_size(len, var) <= sizeof out);
    assert_int_equal(cs_base64_encode(in, len, var, out, sizeof out, &n),
                     CS_OK);
    assert_int_equal(n, strlen(want));
    if (out[n] != '\0')
        fail_msg("encoding of %zu bytes is not NUL-terminated", len);
    assert_memory_equal(out, want, n);
}

static cs_err decode(const char *in, enum cs_base64_variant var,
                     uint8_t *out, size_t *n)
{
    size_t len = strlen(in);
    return cs_base64_decode(in, len, var, out, len * 3 / 4 + 3, n);
}

static void decode_ok(const char *in, enum cs_base64_variant var,
                      const void *want, size_t want_len)
{
    uint8_t out[256];
    size_t n = 12345;
    cs_err err = decode(in, var, out, &n);
    if (err != CS_OK)
        fail_msg("\"%s\" refused: %s", in, cs_strerror(err));
    assert_int_equal(n, want_len);
    if (want_len > 0)
        assert_memory_equal(out, want, want_len);
}

static void decode_fails(const char *in, size_t len,
                         enum cs_base64_variant var)
{
    uint8_t out[256];
    size_t n = 0;
    cs_err err = cs_base64_decode(in, len, var, out, sizeof out, &n);
    if (err != CS_E_ENCODING)
        fail_msg("%s \"%.*s\": got %s, expected CS_E_ENCODING",
                 var == CS_BASE64_URL ? "url" : "standard", (int)len, in,
                 cs_strerror(err));
}

static void bad(const char *in, enum cs_base64_variant var)
{
    decode_fails(in, strlen(in), var);
}

/* The first vector: no bytes, no characters, but still a C string. */
static void empty_input(void **state)
{
    (void)state;
    decode_ok("", CS_BASE64_STANDARD, "", 0);
    decode_ok("", CS_BASE64_URL, "", 0);
    encode_ok("", 0, CS_BASE64_URL, "");
    encode_ok("", 0, CS_BASE64_STANDARD, "");
}

static void rfc4648_vectors_standard(void **state)
{
    (void)state;
    for (size_t i = 1; i < VECTORS; i++) {
        size_t len = strlen(rfc4648[i].plain);
        encode_ok(rfc4648[i].plain, len, CS_BASE64_STANDARD,
                  rfc4648[i].standard);
        decode_ok(rfc4648[i].standard, CS_BASE64_STANDARD, rfc4648[i].plain,
                  len);
    }
}

static void rfc4648_vectors_url(void **state)
{
    (void)state;
    for (size_t i = 1; i < VECTORS; i++) {
        size_t len = strlen(rfc4648[i].plain);
        encode_ok(rfc4648[i].plain, len, CS_BASE64_URL, rfc4648[i].url);
        decode_ok(rfc4648[i].url, CS_BASE64_URL, rfc4648[i].plain, len);
    }
}

static void the_two_alphabets(void **state)
{
    (void)state;
    /* 0xfb 0xff 0xbf -> sextets 62 63 62 63. */
    static const uint8_t hi[] = { 0xfb, 0xff, 0xbf };
    encode_ok(hi, 3, CS_BASE64_STANDARD, "+/+/");
    encode_ok(hi, 3, CS_BASE64_URL, "-_-_");
    decode_ok("+/+/", CS_BASE64_STANDARD, hi, 3);
    decode_ok("-_-_", CS_BASE64_URL, hi, 3);
    /* 0xfb 0xf0 -> "+/A=" / "-_A". */
    static const uint8_t two[] = { 0xfb, 0xf0 };
    encode_ok(two, 2, CS_BASE64_STANDARD, "+/A=");
    encode_ok(two, 2, CS_BASE64_URL, "-_A");
    decode_ok("+/A=", CS_BASE64_STANDARD, two, 2);
    decode_ok("-_A", CS_BASE64_URL, two, 2);
    /* Every sextet value once: 0..63 in order. */
    static const char all64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t bytes[48];
    size_t n = 0;
    assert_int_equal(decode(all64, CS_BASE64_STANDARD, bytes, &n), CS_OK);
    assert_int_equal(n, 48);
    encode_ok(bytes, 48, CS_BASE64_STANDARD, all64);
    char url64[65];
    memcpy(url64, all64, sizeof url64);
    url64[62] = '-';
    url64[63] = '_';
    encode_ok(bytes, 48, CS_BASE64_URL, url64);
    decode_ok(url64, CS_BASE64_URL, bytes, 48);
}

static void encoded_size_and_small_buffers(void **state)
{
    (void)state;
    assert_int_equal(cs_base64_encoded_size(0, CS_BASE64_STANDARD), 1);
    assert_int_equal(cs_base64_encoded_size(1, CS_BASE64_STANDARD), 5);
    assert_int_equal(cs_base64_encoded_size(3, CS_BASE64_STANDARD), 5);
    assert_int_equal(cs_base64_encoded_size(4, CS_BASE64_STANDARD), 9);
    assert_true(cs_base64_encoded_size(4, CS_BASE64_URL) >= 7);
    char out[16];
    size_t n = 0;
    /* "foob" needs 8 characters and a NUL. */
    assert_int_equal(cs_base64_encode((const uint8_t *)"foob", 4,
                                      CS_BASE64_STANDARD, out, 8, &n),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_base64_encode((const uint8_t *)"foob", 4,
                                      CS_BASE64_STANDARD, out, 9, &n),
                     CS_OK);
    assert_int_equal(n, 8);
    assert_int_equal(cs_base64_encode((const uint8_t *)"", 0,
                                      CS_BASE64_STANDARD, out, 0, &n),
                     CS_E_INVALID_ARG);
    /* Decoding into a buffer too small for the result. */
    uint8_t small[2];
    cs_err err = cs_base64_decode("Zm9v", 4, CS_BASE64_STANDARD, small,
                                  sizeof small, &n);
    assert_int_not_equal(err, CS_OK);
}

static void round_trips_every_length_and_byte(void **state)
{
    (void)state;
    uint8_t in[200];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 167 + 13);
    for (size_t len = 0; len <= sizeof in; len++) {
        for (int var = CS_BASE64_STANDARD; var <= CS_BASE64_URL; var++) {
            char text[300];
            uint8_t back[200];
            size_t tn = 0, bn = 0;
            assert_int_equal(cs_base64_encode(in, len,
                                              (enum cs_base64_variant)var,
                                              text, sizeof text, &tn),
                             CS_OK);
            if (var == CS_BASE64_STANDARD)
                assert_int_equal(tn, (len + 2) / 3 * 4);
            else
                assert_int_equal(tn, (len * 4 + 2) / 3);
            assert_int_equal(cs_base64_decode(text, tn,
                                              (enum cs_base64_variant)var,
                                              back, tn * 3 / 4 + 3, &bn),
                             CS_OK);
            assert_int_equal(bn, len);
            if (len > 0)
                assert_memory_equal(back, in, len);
        }
    }
}

static void decode_refuses_whitespace(void **state)
{
    (void)state;
    static const char *const ws[] = {
        "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v Zm9v", "Zm9\tv", "Zm9v\r\n",
        "Zm9vYg==\n", "Zm9vYg= =",
    };
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        bad(ws[i], CS_BASE64_STANDARD);
        bad(ws[i], CS_BASE64_URL);
    }
}

static void decode_refuses_bad_padding(void **state)
{
    (void)state;
    /* Standard: padding is required, exactly as much as needed, at the end. */
    static const char *const std[] = {
        "Zg", "Zm8", "Zg=", "Zg===", "Z===", "====", "=Zg=", "Zm=v",
        "Zm9v====", "Zm9v=", "Zm9vYg=", "Zg==Zg==", "Z", "Zm9vY", "Zm8==",
        "Zg=A",
    };
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
        bad(std[i], CS_BASE64_STANDARD);
    /* URL: no padding at all. */
    static const char *const url[] = {
        "Zg==", "Zm8=", "Zm9vYg==", "=", "Zg=",
    };
    for (size_t i = 0; i < sizeof url / sizeof url[0]; i++)
        bad(url[i], CS_BASE64_URL);
    /* Non-zero bits after the last byte: each byte string has one encoding. */
    bad("Zh==", CS_BASE64_STANDARD);
    bad("Zm9=", CS_BASE64_STANDARD);
    bad("Zh", CS_BASE64_URL);
    bad("Zm9", CS_BASE64_URL);
}

static void decode_refuses_the_other_alphabet(void **state)
{
    (void)state;
    bad("-_-_", CS_BASE64_STANDARD);
    bad("Zm9-", CS_BASE64_STANDARD);
    bad("Zm9_", CS_BASE64_STANDARD);
    bad("+/+/", CS_BASE64_URL);
    bad("Zm9+", CS_BASE64_URL);
    bad("Zm9/", CS_BASE64_URL);
    /* Characters in neither alphabet. */
    static const char *const junk[] = {
        "Zm9.", "Zm9!", "Zm9*", "Zm9~", "Zm9\x80", "Zm9\xff", "Zm9:",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        bad(junk[i], CS_BASE64_STANDARD);
        bad(junk[i], CS_BASE64_URL);
    }
    /* A NUL inside the given length. */
    decode_fails("Zm\0v", 4, CS_BASE64_STANDARD);
    decode_fails("Zm\0v", 4, CS_BASE64_URL);
}

static void decode_refuses_impossible_lengths(void **state)
{
    (void)state;
    /* One character more than a multiple of four carries 6 bits: no byte. */
    bad("Z", CS_BASE64_URL);
    bad("Zm9vY", CS_BASE64_URL);
    bad("Zm9vYmFyZ", CS_BASE64_URL);
    bad("Z", CS_BASE64_STANDARD);
    bad("Zm9vY", CS_BASE64_STANDARD);
    /* Only the given length is read. */
    decode_ok("Zm9vYmFy", CS_BASE64_URL, "foobar", 6);
    uint8_t out[16];
    size_t n = 0;
    assert_int_equal(cs_base64_decode("Zm9vYmFy", 4, CS_BASE64_STANDARD, out,
                                      sizeof out, &n), CS_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "foo", 3);
    assert_int_equal(cs_base64_decode("Zm9vYmFy", 0, CS_BASE64_URL, out,
                                      sizeof out, &n), CS_OK);
    assert_int_equal(n, 0);
}

static void long_input_round_trip(void **state)
{
    (void)state;
    /* Longer than the decoder's stack scratch space. */
    enum { LEN = 3000 };
    static uint8_t in[LEN], back[LEN + 3];
    static char text[LEN * 2];
    for (size_t i = 0; i < LEN; i++)
        in[i] = (uint8_t)(i ^ (i >> 8));
    size_t tn = 0, bn = 0;
    assert_int_equal(cs_base64_encode(in, LEN, CS_BASE64_URL, text,
                                      sizeof text, &tn), CS_OK);
    assert_int_equal(cs_base64_decode(text, tn, CS_BASE64_URL, back,
                                      sizeof back, &bn), CS_OK);
    assert_int_equal(bn, LEN);
    assert_memory_equal(back, in, LEN);
    text[tn / 2] = '+';
    assert_int_equal(cs_base64_decode(text, tn, CS_BASE64_URL, back,
                                      sizeof back, &bn), CS_E_ENCODING);
}

static void constant_time_compare(void **state)
{
    (void)state;
    uint8_t a[64], b[64];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = b[i] = (uint8_t)i;
    assert_true(cs_ct_equal(a, b, sizeof a));
    assert_true(cs_ct_equal(a, a, sizeof a));
    assert_true(cs_ct_equal(a, b, 0));
    assert_true(cs_ct_equal(NULL, NULL, 0));
    /* Any single bit anywhere makes a difference. */
    for (size_t i = 0; i < sizeof a; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            assert_false(cs_ct_equal(a, b, sizeof a));
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* Only `len` bytes count. */
    b[63] = 0xee;
    assert_false(cs_ct_equal(a, b, 64));
    assert_true(cs_ct_equal(a, b, 63));
}

/* Hex text (cellstrap/hex.h): both cases in, lower case out, strict. */
static void hex_both_ways(void **state)
{
    (void)state;
    static const uint8_t bytes[] = { 0x00, 0x01, 0xab, 0xff };
    char text[9];
    cs_hex_encode(bytes, sizeof bytes, text);
    assert_string_equal(text, "0001abff");
    uint8_t out[4];
    size_t n = 0;
    assert_int_equal(cs_hex_decode("0001ABff", 8, out, sizeof out, &n), CS_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, bytes, 4);
    assert_int_equal(cs_hex_decode("", 0, out, sizeof out, &n), CS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(cs_hex_decode("abc", 3, out, sizeof out, &n), CS_E_ENCODING);
    assert_int_equal(cs_hex_decode("0g", 2, out, sizeof out, &n), CS_E_ENCODING);
    assert_int_equal(cs_hex_decode(" 0", 2, out, sizeof out, &n), CS_E_ENCODING);
    assert_int_equal(cs_hex_decode("0001020304", 10, out, sizeof out, &n), CS_E_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_input),
        cmocka_unit_test(rfc4648_vectors_standard),
        cmocka_unit_test(rfc4648_vectors_url),
        cmocka_unit_test(the_two_alphabets),
        cmocka_unit_test(encoded_size_and_small_buffers),
        cmocka_unit_test(round_trips_every_length_and_byte),
        cmocka_unit_test(decode_refuses_whitespace),
        cmocka_unit_test(decode_refuses_bad_padding),
        cmocka_unit_test(decode_refuses_the_other_alphabet),
        cmocka_unit_test(decode_refuses_impossible_lengths),
        cmocka_unit_test(long_input_round_trip),
        cmocka_unit_test(constant_time_compare),
        cmocka_unit_test(hex_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
