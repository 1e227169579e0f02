/*
 * zn.c - the NAF's side of Zn over HTTP (the bootstrap server asking the
 * BSF for Ks_NAF of a B-TID): POST <url> with HTTP Basic credentials and
 * {"btid", "naf_fqdn", "ua_id"}; the answer's key, IMPI and expiry.  The
 * fields map to Zn's Diameter BIR/BIA (docs/gba.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/http.h"
#include "cellstrap/log.h"
#include "crypto/crypto.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool unhex(const char *h, uint8_t *out, size_t n)
{
    if (h == NULL || strlen(h) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return true;
}

cs_err cs_zn_fetch(const char *url, const char *naf_name, const char *naf_secret,
                   const char *naf_fqdn, const char *btid, uint8_t key[32],
                   char impi[128], int64_t *expires)
{
    char cred[300], auth[450];
    size_t b64_len;
    int n = snprintf(cred, sizeof cred, "%s:%s", naf_name, naf_secret);
    if (n < 0 || (size_t)n >= sizeof cred)
        return CS_E_INVALID_ARG;
    memcpy(auth, "Authorization: Basic ", 21);
    cs_err err = cs_base64_encode((const uint8_t *)cred, (size_t)n, CS_BASE64_STANDARD,
                                  auth + 21, sizeof auth - 21, &b64_len);
    cs_secure_zero(cred, sizeof cred);
    if (err != CS_OK)
        return err;
    json_t *req = json_pack("{s:s, s:s, s:s}", "btid", btid, "naf_fqdn", naf_fqdn,
                            "ua_id", "010001c0a8");
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL)
        return CS_E_NOMEM;
    const char *headers[] = { auth, "Content-Type: application/json", NULL };
    cs_http_response r;
    err = cs_http_request("POST", url, headers, body, strlen(body), 3000, &r);
    free(body);
    cs_secure_zero(auth, sizeof auth);
    if (err != CS_OK) {
        cs_log(CS_LOG_WARN, "Zn %s: %s", url, cs_strerror(err));
        return err;
    }
    if (r.status == 404) {
        cs_log(CS_LOG_INFO, "Zn: B-TID %s refused: %s", btid, (char *)r.body);
        cs_http_response_free(&r);
        return CS_E_NOT_FOUND;
    }
    if (r.status != 200) {
        cs_log(CS_LOG_WARN, "Zn: HTTP %ld: %s", r.status, (char *)r.body);
        cs_http_response_free(&r);
        return r.status == 401 || r.status == 403 ? CS_E_NOT_ALLOWED : CS_E_INTERNAL;
    }
    json_error_t jerr;
    json_t *ans = json_loadb((const char *)r.body, r.body_len, JSON_REJECT_DUPLICATES,
                             &jerr);
    cs_secure_zero(r.body, r.body_len);
    cs_http_response_free(&r);
    const char *i = json_string_value(json_object_get(ans, "impi"));
    json_t *exp = json_object_get(ans, "key_expiry");
    err = CS_OK;
    if (i == NULL || strlen(i) >= 128 || !json_is_integer(exp) ||
        !unhex(json_string_value(json_object_get(ans, "ks_naf")), key, 32))
        err = CS_E_SYNTAX;
    else {
        strcpy(impi, i);
        *expires = json_integer_value(exp);
    }
    const char *k = json_string_value(json_object_get(ans, "ks_naf"));
    if (k != NULL)
        cs_secure_zero((void *)(uintptr_t)k, strlen(k));
    json_decref(ans);
    if (err != CS_OK)
        cs_log(CS_LOG_WARN, "Zn: malformed answer");
    return err;
}
