/*
 * base64.c - base64 (standard and URL-safe) on top of mbedTLS's codec,
 * with the strictness mbedTLS does not give: no whitespace, canonical
 * padding, and the URL alphabet.  Also the byte-string helpers secrets need
 * (constant-time compare, zeroing).
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

#include "crypto.h"

size_t cs_base64_encoded_size(size_t len, enum cs_base64_variant variant)
{
    (void)variant;
    return (len + 2) / 3 * 4 + 1;
}

cs_err cs_base64_encode(const uint8_t *in, size_t len,
                        enum cs_base64_variant variant, char *out, size_t cap,
                        size_t *out_len)
{
    size_t n = 0;
    if (cap < cs_base64_encoded_size(len, variant))
        return CS_E_INVALID_ARG;
    if (mbedtls_base64_encode((unsigned char *)out, cap, &n, in, len) != 0)
        return CS_E_INVALID_ARG;
    if (variant == CS_BASE64_URL) {
        while (n > 0 && out[n - 1] == '=')
            n--;
        for (size_t i = 0; i < n; i++) {
            if (out[i] == '+')
                out[i] = '-';
            else if (out[i] == '/')
                out[i] = '_';
        }
    }
    out[n] = '\0';     /* mbedTLS writes nothing at all for empty input */
    *out_len = n;
    return CS_OK;
}

static bool in_alphabet(char c, enum cs_base64_variant variant)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9'))
        return true;
    if (variant == CS_BASE64_URL)
        return c == '-' || c == '_';
    return c == '+' || c == '/';
}

static unsigned sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (unsigned)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (unsigned)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0' + 52);
    return c == '+' || c == '-' ? 62 : 63;
}

/* RFC 4648 §3.5: the bits after the last full byte must be zero, so that
 * each byte string has exactly one encoding. */
static bool padding_bits_are_zero(const char *in, size_t body)
{
    if (body % 4 == 2)
        return (sextet(in[body - 1]) & 0x0f) == 0;
    if (body % 4 == 3)
        return (sextet(in[body - 1]) & 0x03) == 0;
    return true;
}

cs_err cs_base64_decode(const char *in, size_t len,
                        enum cs_base64_variant variant, uint8_t *out,
                        size_t cap, size_t *out_len)
{
    size_t body = len;
    if (variant == CS_BASE64_STANDARD) {
        if (len % 4 != 0)
            return CS_E_ENCODING;
        while (body > 0 && len - body < 2 && in[body - 1] == '=')
            body--;
    } else if (len % 4 == 1) {
        return CS_E_ENCODING;
    }
    for (size_t i = 0; i < body; i++)
        if (!in_alphabet(in[i], variant))
            return CS_E_ENCODING;

    if (!padding_bits_are_zero(in, body))
        return CS_E_ENCODING;
    if (body == 0) {
        *out_len = 0;
        return CS_OK;
    }
    /* mbedTLS wants the standard alphabet with padding. */
    size_t padded = (body + 3) / 4 * 4;
    char stack[256];
    char *std = padded <= sizeof stack ? stack : malloc(padded);
    if (std == NULL)
        return CS_E_NOMEM;
    for (size_t i = 0; i < body; i++)
        std[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    for (size_t i = body; i < padded; i++)
        std[i] = '=';
    size_t n = 0;
    int rc = mbedtls_base64_decode(out, cap, &n, (const unsigned char *)std,
                                   padded);
    if (std != stack)
        free(std);
    if (rc != 0)
        return rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL ? CS_E_INVALID_ARG
                                                         : CS_E_ENCODING;
    *out_len = n;
    return CS_OK;
}

bool cs_ct_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

void cs_secure_zero(void *buf, size_t len)
{
    mbedtls_platform_zeroize(buf, len);
}
