/*
 * hex.h - hexadecimal text for octets: keys in configuration files and
 * command lines, opaque values in the admin protocol, keys on Zn.
 */
#ifndef CELLSTRAP_HEX_H
#define CELLSTRAP_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lower-case hex of in[0..len) into out, which holds 2 * len + 1. */
void cs_hex_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decode the `len` characters at `in` (either case) into out; *out_len
 * gets len / 2.  CS_E_ENCODING for an odd length or a character that is
 * not a hex digit, CS_E_TOO_LARGE when len / 2 exceeds `cap`.  On error
 * out may be partly written.
 */
cs_err cs_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
