/*
 * subscription.c - what a vanilla device derives from its subscription:
 * identity checks (IMSI, IMEI), the home network of an IMSI, the Endpoint
 * Client Name and the bootstrap server's host name, both from patterns.
 */
#include <stdio.h>
#include <string.h>

#include "cellstrap/cellular.h"

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (s[n] < '0' || s[n] > '9' || n >= max)
            return false;
    return n >= min;
}

bool cs_imsi_valid(const char *s)
{
    return s != NULL && all_digits(s, 6, 15);
}

/* The Luhn check digit of 14 decimal digits; every second one doubled. */
static char luhn_digit(const char *s)
{
    unsigned sum = 0;
    for (int i = 0; i < 14; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

bool cs_imei_valid(const char *s)
{
    return s != NULL && all_digits(s, 15, 15) && s[14] == luhn_digit(s);
}

bool cs_imei_from_imeisv(const char *imeisv, char imei[16])
{
    if (imeisv == NULL || !all_digits(imeisv, 16, 16))
        return false;
    memcpy(imei, imeisv, 14);
    imei[14] = luhn_digit(imeisv);
    imei[15] = '\0';
    return true;
}

/* MCCs whose networks use three-digit MNCs: North America and the
 * Caribbean (NANP), plus India's newer ranges, Honduras, Argentina,
 * Colombia.  The SIM's EF_AD, when the modem reports it, is authoritative. */
static bool mcc_uses_three_digit_mnc(const char *mcc)
{
    static const char *const mccs[] = {
        "302", "310", "311", "312", "313", "314", "315", "316", "334", "338",
        "342", "344", "346", "348", "354", "356", "358", "360", "365", "366",
        "376", "405", "708", "722", "732",
    };
    for (size_t i = 0; i < sizeof mccs / sizeof mccs[0]; i++)
        if (strcmp(mcc, mccs[i]) == 0)
            return true;
    return false;
}

cs_err cs_imsi_home_network(const char *imsi, uint8_t mnc_length,
                            char mcc[4], char mnc[4])
{
    if (!cs_imsi_valid(imsi))
        return CS_E_SYNTAX;
    if (mnc_length != 0 && mnc_length != 2 && mnc_length != 3)
        return CS_E_RANGE;
    memcpy(mcc, imsi, 3);
    mcc[3] = '\0';
    if (mnc_length == 0)
        mnc_length = mcc_uses_three_digit_mnc(mcc) ? 3 : 2;
    memcpy(mnc, imsi + 3, mnc_length);
    mnc[mnc_length] = '\0';
    return CS_OK;
}

/* One placeholder's value, or NULL when the name is unknown. */
typedef const char *(*lookup_fn)(const void *ctx, const char *name,
                                 size_t name_len);

/* Expand `pattern`: text as it is, {name} from `lookup` ("" = unknown). */
static cs_err expand(const char *pattern, lookup_fn lookup, const void *ctx,
                     char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = pattern; *p != '\0';) {
        const char *piece = p;
        size_t len = 1;
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (end == NULL)
                return CS_E_SYNTAX;
            piece = lookup(ctx, p + 1, (size_t)(end - p - 1));
            if (piece == NULL)
                return CS_E_SYNTAX;
            if (*piece == '\0')
                return CS_E_NOT_FOUND;
            len = strlen(piece);
            p = end + 1;
        } else {
            p++;
        }
        if (n + len >= cap)
            return CS_E_TOO_LARGE;
        memcpy(out + n, piece, len);
        n += len;
    }
    if (cap == 0)
        return CS_E_TOO_LARGE;
    out[n] = '\0';
    return CS_OK;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

static const char *subscription_value(const void *ctx, const char *name,
                                      size_t len)
{
    const cs_subscription *sub = ctx;
    if (name_is(name, len, "imsi"))
        return sub->imsi;
    if (name_is(name, len, "imei"))
        return sub->imei;
    if (name_is(name, len, "imeisv"))
        return sub->imeisv;
    if (name_is(name, len, "iccid"))
        return sub->iccid;
    if (name_is(name, len, "msisdn"))
        return sub->msisdn;
    return NULL;
}

cs_err cs_endpoint_name_from_subscription(const char *pattern,
                                          const cs_subscription *sub,
                                          char *out, size_t cap)
{
    return expand(pattern != NULL ? pattern : CS_ENDPOINT_PATTERN_DEFAULT,
                  subscription_value, sub, out, cap);
}

struct home_network {
    char mcc[4];
    char mnc3[4];
};

static const char *home_network_value(const void *ctx, const char *name,
                                      size_t len)
{
    const struct home_network *h = ctx;
    if (name_is(name, len, "mcc"))
        return h->mcc;
    if (name_is(name, len, "mnc"))
        return h->mnc3;
    return NULL;
}

cs_err cs_bootstrap_host_from_imsi(const char *pattern, const char *imsi,
                                   uint8_t mnc_length, char *out, size_t cap)
{
    struct home_network h;
    char mnc[4];
    cs_err err = cs_imsi_home_network(imsi, mnc_length, h.mcc, mnc);
    if (err != CS_OK)
        return err;
    /* Two-digit MNCs are written with a leading zero. */
    size_t pad = strlen(mnc) == 2 ? 1 : 0;
    h.mnc3[0] = '0';
    memcpy(h.mnc3 + pad, mnc, 4 - pad);
    return expand(pattern != NULL ? pattern : CS_BS_HOST_PATTERN_DEFAULT,
                  home_network_value, &h, out, cap);
}
