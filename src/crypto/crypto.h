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

#endif
