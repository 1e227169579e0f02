/*
 * crypto.h - the project's one door to mbedTLS primitives.  No other module
 * includes mbedTLS headers; what they need is wrapped here.
 */
#ifndef CELLSTRAP_CRYPTO_H
#define CELLSTRAP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

enum cs_base64_variant {
    CS_BASE64_STANDARD,   /* RFC 4648 §4, with '=' padding */
    CS_BASE64_URL         /* RFC 4648 §5, no padding (SenML "vd") */
};

/* Bytes needed to encode `len` bytes, including a terminating NUL. */
size_t cs_base64_encoded_size(size_t len, enum cs_base64_variant variant);

/*
 * Encode `len` bytes of `in` into `out` (NUL-terminated).  `cap` must be at
 * least cs_base64_encoded_size(); *out_len gets the length without NUL.
 * Returns CS_OK or CS_E_INVALID_ARG.
 */
cs_err cs_base64_encode(const uint8_t *in, size_t len,
                        enum cs_base64_variant variant, char *out, size_t cap,
                        size_t *out_len);

/*
 * Decode `len` characters of `in`: only the variant's alphabet, no
 * whitespace; STANDARD requires correct padding, URL accepts none.  `out`
 * must hold len * 3 / 4 + 3 bytes.  Returns CS_OK or CS_E_ENCODING.
 */
cs_err cs_base64_decode(const char *in, size_t len,
                        enum cs_base64_variant variant, uint8_t *out,
                        size_t cap, size_t *out_len);

/* Compare two byte strings in time that depends only on `len`. */
bool cs_ct_equal(const void *a, const void *b, size_t len);

/* Overwrite a secret so the compiler cannot drop the write. */
void cs_secure_zero(void *buf, size_t len);

/* ---- Hashes and MACs (hash.c) ---- */

#define CS_SHA256_LEN 32
#define CS_MD5_LEN 16

void cs_sha256(const void *data, size_t len, uint8_t out[CS_SHA256_LEN]);
/* MD5 exists here only because protocols require it: RADIUS authenticators
 * (RFC 2865/2866) and HTTP Digest AKA (RFC 3310). */
void cs_md5(const void *data, size_t len, uint8_t out[CS_MD5_LEN]);
/* HMAC-SHA-256 (RFC 2104), as 3GPP key derivation (TS 33.220 Annex B) uses. */
void cs_hmac_sha256(const void *key, size_t key_len, const void *data,
                    size_t len, uint8_t out[CS_SHA256_LEN]);

/* ---- Block cipher (hash.c) ---- */

/* One AES-128 block encryption, as Milenage (TS 35.206) uses. */
void cs_aes128_encrypt_block(const uint8_t key[16], const uint8_t in[16],
                             uint8_t out[16]);

/* ---- Random numbers (random.c) ---- */

/*
 * A CTR-DRBG (NIST SP 800-90A, AES-256) generator.  Not thread-safe: one
 * per thread or per engine.  Owned by the caller: free with cs_rng_free.
 */
typedef struct cs_rng cs_rng;

/* A generator seeded from the system's entropy source, with an optional
 * personalization string; NULL when out of memory or entropy. */
cs_rng *cs_rng_new(const char *personalization);

/* A generator whose output depends only on `seed`: for tests and
 * simulations that must repeat exactly.  Never for keys. */
cs_rng *cs_rng_new_deterministic(uint64_t seed);

/* Fill `out` with `len` random bytes.  CS_OK or CS_E_INTERNAL. */
cs_err cs_rng_bytes(cs_rng *rng, void *out, size_t len);

void cs_rng_free(cs_rng *rng);

#endif
