/*
 * hex.c - hexadecimal text for octets, both ways, strict on input.
 */
#include "cellstrap/hex.h"

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void cs_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

cs_err cs_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    if (len % 2 != 0)
        return CS_E_ENCODING;
    if (len / 2 > cap)
        return CS_E_TOO_LARGE;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = digit_value(in[2 * i]), lo = digit_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CS_E_ENCODING;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (out_len != NULL)
        *out_len = len / 2;
    return CS_OK;
}
