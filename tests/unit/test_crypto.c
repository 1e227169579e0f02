/*
 * test_crypto.c - the mbedTLS wrapper: known answers for SHA-256 (FIPS
 * 180-2), MD5 (RFC 1321), HMAC-SHA-256 (RFC 4231), AES-128 (FIPS-197
 * Appendix C.1); the random generators; constant-time compare.
 */
#include "test_support.h"
#include "crypto/crypto.h"

static void assert_bytes_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[64];
    size_t n = test_hex(hex, want, sizeof want);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
}

static void sha256_known_answers(void **state)
{
    (void)state;
    uint8_t out[CS_SHA256_LEN];
    cs_sha256("abc", 3, out);
    assert_bytes_hex(out, sizeof out,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cs_sha256("", 0, out);
    assert_bytes_hex(out, sizeof out,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void md5_known_answers(void **state)
{
    (void)state;
    uint8_t out[CS_MD5_LEN];
    cs_md5("", 0, out);
    assert_bytes_hex(out, sizeof out, "d41d8cd98f00b204e9800998ecf8427e");
    cs_md5("abc", 3, out);
    assert_bytes_hex(out, sizeof out, "900150983cd24fb0d6963f7d28e17f72");
}

static void hmac_sha256_rfc4231(void **state)
{
    (void)state;
    uint8_t key[20], out[CS_SHA256_LEN];
    memset(key, 0x0b, sizeof key);
    cs_hmac_sha256(key, sizeof key, "Hi There", 8, out);
    assert_bytes_hex(out, sizeof out,
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    cs_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
    assert_bytes_hex(out, sizeof out,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void aes128_fips197(void **state)
{
    (void)state;
    uint8_t key[16], in[16], out[16];
    test_hex("000102030405060708090a0b0c0d0e0f", key, sizeof key);
    test_hex("00112233445566778899aabbccddeeff", in, sizeof in);
    cs_aes128_encrypt_block(key, in, out);
    assert_bytes_hex(out, sizeof out, "69c4e0d86a7b0430d8cdb78070b4c55a");
}

static void deterministic_rng_repeats(void **state)
{
    (void)state;
    uint8_t a[2000], b[2000], c[2000];
    cs_rng *r1 = cs_rng_new_deterministic(42);
    cs_rng *r2 = cs_rng_new_deterministic(42);
    cs_rng *r3 = cs_rng_new_deterministic(43);
    assert_non_null(r1);
    assert_non_null(r2);
    assert_non_null(r3);
    assert_int_equal(cs_rng_bytes(r1, a, sizeof a), CS_OK);
    assert_int_equal(cs_rng_bytes(r2, b, sizeof b), CS_OK);
    assert_int_equal(cs_rng_bytes(r3, c, sizeof c), CS_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    cs_rng_free(r1);
    cs_rng_free(r2);
    cs_rng_free(r3);
}

static void system_rng_differs(void **state)
{
    (void)state;
    uint8_t a[32], b[32], zero[32] = { 0 };
    cs_rng *r = cs_rng_new(NULL);
    assert_non_null(r);
    assert_int_equal(cs_rng_bytes(r, a, sizeof a), CS_OK);
    assert_int_equal(cs_rng_bytes(r, b, sizeof b), CS_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, zero, sizeof a);
    cs_rng_free(r);
}

static void ct_equal_and_zero(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    memset(a, 7, sizeof a);
    memcpy(b, a, sizeof b);
    assert_true(cs_ct_equal(a, b, sizeof a));
    b[15] ^= 1;
    assert_false(cs_ct_equal(a, b, sizeof a));
    assert_true(cs_ct_equal(a, b, 0));
    cs_secure_zero(a, sizeof a);
    for (size_t i = 0; i < sizeof a; i++)
        assert_int_equal(a[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_known_answers),
        cmocka_unit_test(md5_known_answers),
        cmocka_unit_test(hmac_sha256_rfc4231),
        cmocka_unit_test(aes128_fips197),
        cmocka_unit_test(deterministic_rng_repeats),
        cmocka_unit_test(system_rng_differs),
        cmocka_unit_test(ct_equal_and_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
