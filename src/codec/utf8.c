/*
 * utf8.c - the one UTF-8 check every text-carrying codec uses (RFC 3629:
 * no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF).
 */
#include "codec_internal.h"

bool cs_codec_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xBF;   /* bounds of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;              /* no overlong forms */
            else if (c == 0xED)
                hi = 0x9F;              /* no UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;              /* nothing above U+10FFFF */
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}
