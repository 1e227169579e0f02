/*
 * zn.c - the key requests of the bootstrap server acting as GBA NAF and
 * AKMA AF: Zn to the BSF (Ks_NAF for a B-TID) and the AAnF request (K_AF
 * for an A-KID), each a POST with HTTP Basic credentials and JSON; the
 * answer's key, subscriber name and expiry.  Zn's fields map to the
 * Diameter BIR/BIA of TS 29.109 (docs/gba.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/hex.h"
#include "cellstrap/http.h"
#include "cellstrap/log.h"
#include "crypto/crypto.h"

/* Exactly 2n hex digits into out[0..n). */
static bool unhex(const char *h, uint8_t *out, size_t n)
{
    return h != NULL && strlen(h) == 2 * n &&
           cs_hex_decode(h, 2 * n, out, n, NULL) == CS_OK;
}

/*
 * POST `req` to `url` with HTTP Basic credentials and read from the JSON
 * answer a 32-octet hex key (`key_field`), a name (`id_field`) and
 * "key_expiry".  404 is CS_E_NOT_FOUND, 401/403 CS_E_NOT_ALLOWED.
 */
static cs_err fetch_key(const char *url, const char *user, const char *secret,
                        json_t *req, const char *key_field, const char *id_field,
                        uint8_t key[32], char id[128], int64_t *expires)
{
    char cred[300], auth[450];
    size_t b64_len;
    int n = snprintf(cred, sizeof cred, "%s:%s", user, secret);
    if (n < 0 || (size_t)n >= sizeof cred) {
        json_decref(req);
        return CS_E_INVALID_ARG;
    }
    memcpy(auth, "Authorization: Basic ", 21);
    cs_err err = cs_base64_encode((const uint8_t *)cred, (size_t)n,
                                  CS_BASE64_STANDARD, auth + 21, sizeof auth - 21,
                                  &b64_len);
    cs_secure_zero(cred, sizeof cred);
    char *body = req != NULL && err == CS_OK ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL)
        return err != CS_OK ? err : CS_E_NOMEM;
    const char *headers[] = { auth, "Content-Type: application/json", NULL };
    cs_http_response r;
    err = cs_http_request("POST", url, headers, body, strlen(body), 3000, &r);
    free(body);
    cs_secure_zero(auth, sizeof auth);
    if (err != CS_OK) {
        cs_log(CS_LOG_WARN, "key request to %s: %s", url, cs_strerror(err));
        return err;
    }
    if (r.status != 200) {
        cs_log(r.status == 404 ? CS_LOG_INFO : CS_LOG_WARN, "%s: HTTP %ld: %s", url,
               r.status, (char *)r.body);
        long status = r.status;
        cs_http_response_free(&r);
        return status == 404 ? CS_E_NOT_FOUND
               : status == 401 || status == 403 ? CS_E_NOT_ALLOWED : CS_E_INTERNAL;
    }
    json_error_t jerr;
    json_t *ans = json_loadb((const char *)r.body, r.body_len, JSON_REJECT_DUPLICATES,
                             &jerr);
    cs_secure_zero(r.body, r.body_len);
    cs_http_response_free(&r);
    const char *i = json_string_value(json_object_get(ans, id_field));
    json_t *exp = json_object_get(ans, "key_expiry");
    const char *k = json_string_value(json_object_get(ans, key_field));
    err = CS_OK;
    if (i == NULL || strlen(i) >= 128 || !json_is_integer(exp) || !unhex(k, key, 32)) {
        err = CS_E_SYNTAX;
        cs_log(CS_LOG_WARN, "%s: malformed answer", url);
    } else {
        strcpy(id, i);
        *expires = json_integer_value(exp);
    }
    if (k != NULL)
        cs_secure_zero((void *)(uintptr_t)k, strlen(k));
    json_decref(ans);
    return err;
}

cs_err cs_zn_fetch(const char *url, const char *naf_name, const char *naf_secret,
                   const char *naf_fqdn, const char *btid, uint8_t key[32],
                   char impi[128], int64_t *expires)
{
    return fetch_key(url, naf_name, naf_secret,
                     json_pack("{s:s, s:s, s:s}", "btid", btid, "naf_fqdn", naf_fqdn,
                               "ua_id", "010001c0a8"),
                     "ks_naf", "impi", key, impi, expires);
}

cs_err cs_aanf_fetch(const char *url, const char *af_name, const char *af_secret,
                     const char *af_fqdn, const char *a_kid, uint8_t key[32],
                     char supi[128], int64_t *expires)
{
    return fetch_key(url, af_name, af_secret,
                     json_pack("{s:s, s:s, s:s}", "a_kid", a_kid, "af_fqdn", af_fqdn,
                               "ua_id", "010001c0a8"),
                     "k_af", "supi", key, supi, expires);
}
