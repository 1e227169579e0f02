/*
 * gba.c - GBA and AKMA key derivations over the generic 3GPP KDF (TS
 * 33.220 Annex B), the identities they use (IMPI, BSF host, B-TID, A-KID)
 * and the DTLS-PSK identity strings that carry B-TID or A-KID.
 *
 * Every derived key passes through a local buffer that is wiped; the KDF's
 * input S is wiped too, since for K_AF and Ks_NAF it is not secret but for
 * the 5G AKA case it contains SQN xor AK, which we do not want lying about.
 */
#include <stdio.h>
#include <string.h>

#include "cellstrap/cellular.h"
#include "cellstrap/gba.h"
#include "crypto/crypto.h"

const uint8_t cs_ua_id_lwm2m_dtls_psk[CS_UA_ID_LEN] = CS_UA_ID_TLS_PSK_AES_128_CCM_8;

/* ---- KDF -------------------------------------------------------------- */

cs_err cs_kdf_input(uint8_t fc, const cs_kdf_param *params, size_t count,
                    uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n = 0;
    *out_len = 0;
    if (count > CS_KDF_MAX_PARAMS || (count > 0 && params == NULL))
        return CS_E_INVALID_ARG;
    if (cap < 1)
        return CS_E_TOO_LARGE;
    out[n++] = fc;
    for (size_t i = 0; i < count; i++) {
        size_t len = params[i].len;
        if (len > 0xffff)
            return CS_E_RANGE;
        if (len > 0 && params[i].data == NULL)
            return CS_E_INVALID_ARG;
        if (cap - n < len + 2)
            return CS_E_TOO_LARGE;
        if (len > 0)
            memcpy(out + n, params[i].data, len);
        n += len;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)(len & 0xff);
    }
    *out_len = n;
    return CS_OK;
}

cs_err cs_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
              const cs_kdf_param *params, size_t count,
              uint8_t out[CS_KDF_OUT_LEN])
{
    uint8_t s[CS_KDF_MAX_INPUT];
    size_t len;
    cs_err err = cs_kdf_input(fc, params, count, s, sizeof s, &len);
    if (err == CS_OK)
        cs_hmac_sha256(key, key_len, s, len, out);
    cs_secure_zero(s, sizeof s);
    return err;
}

/* ---- Identities ------------------------------------------------------- */

/* Printable ASCII without space: what NAIs, B-TIDs and realms are made of. */
static bool printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

/* snprintf with the module's error convention. */
static cs_err finish_format(int n, char *out, size_t cap)
{
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return CS_E_TOO_LARGE;
    }
    return CS_OK;
}

/* "<prefix>mnc<MNC3>.mcc<MCC><suffix>" for the IMSI's home network. */
static cs_err home_network_name(const char *prefix, const char *imsi,
                                uint8_t mnc_length, const char *suffix,
                                char *out, size_t cap)
{
    char mcc[4], mnc[4];
    if (cap > 0)
        out[0] = '\0';
    cs_err err = cs_imsi_home_network(imsi, mnc_length, mcc, mnc);
    if (err != CS_OK)
        return err;
    const char *pad = strlen(mnc) == 2 ? "0" : "";
    return finish_format(snprintf(out, cap, "%smnc%s%s.mcc%s%s", prefix, pad,
                                  mnc, mcc, suffix), out, cap);
}

cs_err cs_gba_impi_from_imsi(const char *imsi, uint8_t mnc_length, char *out,
                             size_t cap)
{
    char domain[64];
    cs_err err = home_network_name("ims.", imsi, mnc_length, ".3gppnetwork.org",
                                   domain, sizeof domain);
    if (err != CS_OK) {
        if (cap > 0)
            out[0] = '\0';
        return err;
    }
    return finish_format(snprintf(out, cap, "%s@%s", imsi, domain), out, cap);
}

cs_err cs_gba_bsf_host_from_imsi(const char *imsi, uint8_t mnc_length,
                                 char *out, size_t cap)
{
    return home_network_name("bsf.", imsi, mnc_length, ".pub.3gppnetwork.org",
                             out, cap);
}

cs_err cs_gba_btid(const uint8_t rand[16], const char *bsf_domain, char *out,
                   size_t cap)
{
    char b64[32];
    size_t b64_len;
    if (cap > 0)
        out[0] = '\0';
    size_t dlen = strlen(bsf_domain);
    if (dlen == 0 || !printable(bsf_domain, dlen))
        return CS_E_INVALID_ARG;
    if (cs_base64_encode(rand, 16, CS_BASE64_STANDARD, b64, sizeof b64,
                         &b64_len) != CS_OK)
        return CS_E_INTERNAL;
    if (b64_len + 1 + dlen > CS_GBA_BTID_MAX)
        return CS_E_TOO_LARGE;
    return finish_format(snprintf(out, cap, "%s@%s", b64, bsf_domain), out, cap);
}

/* ---- GBA keys --------------------------------------------------------- */

void cs_gba_ks(const uint8_t ck[16], const uint8_t ik[16],
               uint8_t ks[CS_GBA_KS_LEN])
{
    memcpy(ks, ck, 16);
    memcpy(ks + 16, ik, 16);
}

cs_err cs_gba_naf_id(const char *naf_fqdn, const uint8_t ua_id[CS_UA_ID_LEN],
                     uint8_t *out, size_t cap, size_t *out_len)
{
    size_t len = strlen(naf_fqdn);
    *out_len = 0;
    if (len == 0 || len > 255)
        return CS_E_INVALID_ARG;
    if (cap < len + CS_UA_ID_LEN)
        return CS_E_TOO_LARGE;
    memcpy(out, naf_fqdn, len);
    memcpy(out + len, ua_id, CS_UA_ID_LEN);
    *out_len = len + CS_UA_ID_LEN;
    return CS_OK;
}

cs_err cs_gba_ks_naf(const uint8_t ks[CS_GBA_KS_LEN], const uint8_t rand[16],
                     const char *impi, const char *naf_fqdn,
                     const uint8_t ua_id[CS_UA_ID_LEN],
                     uint8_t ks_naf[CS_GBA_KEY_LEN])
{
    static const char gba_me[] = "gba-me";
    uint8_t naf_id[CS_GBA_NAF_ID_MAX];
    size_t naf_id_len;
    if (impi == NULL || impi[0] == '\0')
        return CS_E_INVALID_ARG;
    cs_err err = cs_gba_naf_id(naf_fqdn, ua_id, naf_id, sizeof naf_id, &naf_id_len);
    if (err != CS_OK)
        return err;
    const cs_kdf_param p[4] = {
        { gba_me, sizeof gba_me - 1 },
        { rand, 16 },
        { impi, strlen(impi) },
        { naf_id, naf_id_len },
    };
    return cs_kdf(ks, CS_GBA_KS_LEN, 0x01, p, 4, ks_naf);
}

/* ---- AKMA ------------------------------------------------------------- */

/* KDF(K_AUSF, fc, label, SUPI): K_AKMA and A-TID differ only in these. */
static cs_err akma_from_ausf(const uint8_t k_ausf[CS_AKMA_KEY_LEN], uint8_t fc,
                             const char *label, const char *supi,
                             uint8_t out[CS_AKMA_KEY_LEN])
{
    if (supi == NULL || supi[0] == '\0')
        return CS_E_INVALID_ARG;
    const cs_kdf_param p[2] = {
        { label, strlen(label) },
        { supi, strlen(supi) },
    };
    return cs_kdf(k_ausf, CS_AKMA_KEY_LEN, fc, p, 2, out);
}

cs_err cs_akma_k_akma(const uint8_t k_ausf[CS_AKMA_KEY_LEN], const char *supi,
                      uint8_t k_akma[CS_AKMA_KEY_LEN])
{
    return akma_from_ausf(k_ausf, 0x80, "AKMA", supi, k_akma);
}

cs_err cs_akma_a_tid(const uint8_t k_ausf[CS_AKMA_KEY_LEN], const char *supi,
                     uint8_t a_tid[CS_AKMA_ATID_LEN])
{
    return akma_from_ausf(k_ausf, 0x81, "A-TID", supi, a_tid);
}

cs_err cs_akma_k_af(const uint8_t k_akma[CS_AKMA_KEY_LEN], const char *af_fqdn,
                    const uint8_t ua_id[CS_UA_ID_LEN],
                    uint8_t k_af[CS_AKMA_KEY_LEN])
{
    uint8_t af_id[CS_GBA_NAF_ID_MAX];
    size_t af_id_len;
    cs_err err = cs_gba_naf_id(af_fqdn, ua_id, af_id, sizeof af_id, &af_id_len);
    if (err != CS_OK)
        return err;
    const cs_kdf_param p[1] = { { af_id, af_id_len } };
    return cs_kdf(k_akma, CS_AKMA_KEY_LEN, 0x82, p, 1, k_af);
}

cs_err cs_akma_k_ausf_5g_aka(const uint8_t ck[16], const uint8_t ik[16],
                             const char *snn, const uint8_t sqn_xor_ak[6],
                             uint8_t k_ausf[CS_AKMA_KEY_LEN])
{
    uint8_t key[32];
    if (snn == NULL || snn[0] == '\0')
        return CS_E_INVALID_ARG;
    cs_gba_ks(ck, ik, key);
    const cs_kdf_param p[2] = {
        { snn, strlen(snn) },
        { sqn_xor_ak, 6 },
    };
    cs_err err = cs_kdf(key, sizeof key, 0x6A, p, 2, k_ausf);
    cs_secure_zero(key, sizeof key);
    return err;
}

cs_err cs_akma_serving_network_name(const char *imsi, uint8_t mnc_length,
                                    char *out, size_t cap)
{
    return home_network_name("5G:", imsi, mnc_length, ".3gppnetwork.org",
                             out, cap);
}

cs_err cs_akma_realm_from_imsi(const char *imsi, uint8_t mnc_length,
                               char *out, size_t cap)
{
    return home_network_name("5gc.", imsi, mnc_length, ".3gppnetwork.org",
                             out, cap);
}

static bool rid_valid(const char *rid, size_t len)
{
    if (len < 1 || len > CS_AKMA_RID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (rid[i] < '0' || rid[i] > '9')
            return false;
    return true;
}

#define ATID_B64_LEN 43     /* 32 octets in base64url without padding */

cs_err cs_akma_akid(const char *rid, const uint8_t a_tid[CS_AKMA_ATID_LEN],
                    const char *realm, char *out, size_t cap)
{
    char b64[ATID_B64_LEN + 2];
    size_t b64_len;
    if (cap > 0)
        out[0] = '\0';
    size_t rlen = strlen(realm);
    if (!rid_valid(rid, strlen(rid)) || rlen == 0 || !printable(realm, rlen) ||
        strchr(realm, '@') != NULL)
        return CS_E_INVALID_ARG;
    if (cs_base64_encode(a_tid, CS_AKMA_ATID_LEN, CS_BASE64_URL, b64, sizeof b64,
                         &b64_len) != CS_OK)
        return CS_E_INTERNAL;
    if (strlen(rid) + 1 + b64_len + 1 + rlen > CS_AKMA_AKID_MAX)
        return CS_E_TOO_LARGE;
    return finish_format(snprintf(out, cap, "%s.%s@%s", rid, b64, realm), out, cap);
}

cs_err cs_akma_akid_parse(const char *akid, char rid[CS_AKMA_RID_MAX + 1],
                          uint8_t a_tid[CS_AKMA_ATID_LEN], char *realm,
                          size_t realm_cap)
{
    uint8_t decoded[ATID_B64_LEN * 3 / 4 + 3];
    size_t decoded_len;
    size_t len = strlen(akid);
    rid[0] = '\0';
    if (realm != NULL && realm_cap > 0)
        realm[0] = '\0';
    const char *dot = strchr(akid, '.');
    const char *at = strchr(akid, '@');
    if (len > CS_AKMA_AKID_MAX || !printable(akid, len) || dot == NULL ||
        at == NULL || dot > at || strchr(at + 1, '@') != NULL || at[1] == '\0')
        return CS_E_SYNTAX;
    size_t rid_len = (size_t)(dot - akid);
    const char *b64 = dot + 1;
    if (!rid_valid(akid, rid_len) || (size_t)(at - b64) != ATID_B64_LEN)
        return CS_E_SYNTAX;
    if (cs_base64_decode(b64, ATID_B64_LEN, CS_BASE64_URL, decoded, sizeof decoded,
                         &decoded_len) != CS_OK || decoded_len != CS_AKMA_ATID_LEN)
        return CS_E_SYNTAX;
    if (realm != NULL && strlen(at + 1) >= realm_cap)
        return CS_E_TOO_LARGE;
    memcpy(rid, akid, rid_len);
    rid[rid_len] = '\0';
    memcpy(a_tid, decoded, CS_AKMA_ATID_LEN);
    if (realm != NULL)
        memcpy(realm, at + 1, strlen(at + 1) + 1);
    return CS_OK;
}

/* ---- DTLS-PSK identities ---------------------------------------------- */

static const char gba_prefix[] = CS_GBA_PSK_HINT ".";
static const char akma_prefix[] = CS_AKMA_PSK_HINT ".";

/* A key id fits a PSK identity: printable, 1..CS_GBA_BTID_MAX. */
static bool key_id_valid(const char *s, size_t len)
{
    return len >= 1 && len <= CS_GBA_BTID_MAX && printable(s, len);
}

cs_err cs_psk_identity_format(cs_psk_identity_kind kind, const char *key_id,
                              char *out, size_t cap)
{
    const char *prefix = kind == CS_PSK_IDENTITY_GBA ? gba_prefix
                         : kind == CS_PSK_IDENTITY_AKMA ? akma_prefix : NULL;
    if (cap > 0)
        out[0] = '\0';
    if (prefix == NULL || key_id == NULL || !key_id_valid(key_id, strlen(key_id)))
        return CS_E_INVALID_ARG;
    return finish_format(snprintf(out, cap, "%s%s", prefix, key_id), out, cap);
}

static bool has_prefix(const uint8_t *s, size_t len, const char *prefix)
{
    size_t plen = strlen(prefix);
    return len >= plen && memcmp(s, prefix, plen) == 0;
}

cs_err cs_psk_identity_parse(const uint8_t *identity, size_t len,
                             cs_psk_identity_kind *kind, char *key_id,
                             size_t cap)
{
    size_t plen;
    if (cap > 0)
        key_id[0] = '\0';
    if (has_prefix(identity, len, gba_prefix)) {
        *kind = CS_PSK_IDENTITY_GBA;
        plen = sizeof gba_prefix - 1;
    } else if (has_prefix(identity, len, akma_prefix)) {
        *kind = CS_PSK_IDENTITY_AKMA;
        plen = sizeof akma_prefix - 1;
    } else {
        return CS_E_NOT_FOUND;
    }
    const char *id = (const char *)identity + plen;
    size_t id_len = len - plen;
    if (!key_id_valid(id, id_len))
        return CS_E_SYNTAX;
    if (id_len >= cap)
        return CS_E_TOO_LARGE;
    memcpy(key_id, id, id_len);
    key_id[id_len] = '\0';
    return CS_OK;
}
