/*
 * ub.c - the device's side of GBA's Ub (TS 24.109 Annex A; our profile in
 * docs/gba.md): HTTP Digest AKA against the BSF with the AKA itself run by
 * the USIM behind the modem, then the key arithmetic of gba.h on what the
 * BSF and the card returned.
 *
 * The exchange is at most three GETs: the initial request (401 with a
 * challenge), possibly a resynchronisation request carrying AUTS (401
 * with a fresh challenge), and the answer (200 with BootstrappingInfo).
 * RES, CK, IK, Ks and the Digest values derived from RES stay out of the
 * log and are wiped after use.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cellstrap/digest.h"
#include "cellstrap/http.h"
#include "cellstrap/io.h"
#include "cellstrap/log.h"
#include "cellstrap/ub.h"
#include "crypto/crypto.h"

#define UB_USER_AGENT "User-Agent: cellstrap 3gpp-gba"
#define UB_CONTENT_TYPE "application/vnd.3gpp.bsf+xml"
#define UB_ALGORITHM "AKAv1-MD5"
#define UB_NC "00000001"          /* every nonce is answered once */
#define UB_URI_MAX 256

/* One Ub run: what every request needs, and the current challenge. */
typedef struct ub_run {
    const char *url;
    const char *impi;
    char host[UB_URI_MAX];                   /* the realm of the first request */
    char uri[UB_URI_MAX];                    /* the request-uri Digest covers */
    char realm[CS_DIGEST_MAX_VALUE + 1];
    char nonce[CS_DIGEST_MAX_VALUE + 1];
    char opaque[CS_DIGEST_MAX_VALUE + 1];
    bool has_opaque;
    uint8_t rand[CS_AKA_RAND_LEN];
    uint8_t autn[CS_AKA_AUTN_LEN];
    uint64_t deadline;                       /* cs_clock_ms */
    cs_rng *rng;                             /* for cnonce */
    char authorization[CS_DIGEST_MAX_HEADER + 1];
} ub_run;

static bool copy_span(char *out, size_t cap, const char *s, size_t len)
{
    if (len == 0 || len >= cap)
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/*
 * Host and request-uri of "http(s)://host[:port][/path]": the host names
 * the realm of the first request, the path is what Digest's uri covers
 * ("/" when the URL has none).  Credentials and fragments are refused.
 */
static bool split_url(ub_run *r)
{
    const char *rest;
    if (strncmp(r->url, "http://", 7) == 0)
        rest = r->url + 7;
    else if (strncmp(r->url, "https://", 8) == 0)
        rest = r->url + 8;
    else
        return false;
    size_t auth_len = strcspn(rest, "/?#");
    const char *path = rest + auth_len;
    if (memchr(rest, '@', auth_len) != NULL || strchr(path, '#') != NULL)
        return false;
    size_t host_len;
    if (rest[0] == '[') {
        const char *close = memchr(rest, ']', auth_len);
        if (close == NULL)
            return false;
        rest++;
        host_len = (size_t)(close - rest);
    } else {
        host_len = strcspn(rest, ":/?#");
    }
    if (!copy_span(r->host, sizeof r->host, rest, host_len))
        return false;
    if (*path == '\0')
        path = "/";
    if (*path == '?')
        return false;                      /* a query needs a path */
    return copy_span(r->uri, sizeof r->uri, path, strlen(path));
}

static bool impi_valid(const char *impi)
{
    size_t len = impi ? strlen(impi) : 0;
    if (len == 0 || len > CS_GBA_IMPI_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (impi[i] < 0x21 || impi[i] > 0x7e || impi[i] == '"' || impi[i] == '\\')
            return false;
    return true;
}

/* One GET with r->authorization, within what is left of the deadline. */
static cs_err ub_send(const ub_run *r, cs_http_response *resp)
{
    char line[sizeof r->authorization + 32];
    uint64_t now = cs_clock_ms();
    if (now >= r->deadline)
        return CS_E_TIMEOUT;
    snprintf(line, sizeof line, "Authorization: %s", r->authorization);
    const char *headers[] = { line, UB_USER_AGENT, NULL };
    cs_err err = cs_http_request("GET", r->url, headers, NULL, 0,
                                 (unsigned)(r->deadline - now), resp);
    cs_secure_zero(line, sizeof line);
    if (err != CS_OK)
        cs_log(CS_LOG_WARN, "ub: request to %s failed: %s", r->url, cs_strerror(err));
    return err;
}

/* Authorization of the first request: who we are, nothing to prove yet. */
static cs_err ub_initial_authorization(ub_run *r)
{
    cs_digest_params p;
    cs_digest_init(&p);
    cs_err err = cs_digest_add(&p, "username", r->impi, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "realm", r->host, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "nonce", "", true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "uri", r->uri, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "response", "", true);
    if (err == CS_OK)
        err = cs_digest_write(&p, r->authorization, sizeof r->authorization, NULL);
    return err == CS_OK ? CS_OK : CS_E_INVALID_ARG;
}

/* Anything but the status we wait for: the BSF does not let us in. */
static cs_err ub_refused(const ub_run *r, long status, const char *stage)
{
    cs_log(CS_LOG_WARN, "ub: the BSF at %s answered %ld to the %s", r->url,
           status, stage);
    return CS_E_SESSION;
}

/* The 401's AKAv1-MD5 challenge into r: realm, nonce (RAND, AUTN), opaque. */
static cs_err ub_take_challenge(ub_run *r, const cs_http_response *resp)
{
    char value[CS_DIGEST_MAX_HEADER + 1];
    cs_digest_params p;
    if (cs_http_response_header(resp, "WWW-Authenticate", value, sizeof value) == NULL ||
        cs_digest_parse(value, strlen(value), &p) != CS_OK) {
        cs_log(CS_LOG_WARN, "ub: the BSF's 401 carries no Digest challenge we can read");
        return CS_E_SYNTAX;
    }
    const char *algorithm = cs_digest_get(&p, "algorithm");
    const char *realm = cs_digest_get(&p, "realm");
    const char *nonce = cs_digest_get(&p, "nonce");
    const char *qop = cs_digest_get(&p, "qop");
    const char *opaque = cs_digest_get(&p, "opaque");
    if (algorithm == NULL || strcasecmp(algorithm, UB_ALGORITHM) != 0 ||
        realm == NULL || realm[0] == '\0' || nonce == NULL || qop == NULL ||
        !cs_digest_qop_offered(qop, CS_DIGEST_QOP_AUTH_INT) ||
        cs_digest_aka_nonce_decode(nonce, r->rand, r->autn, NULL, 0, NULL) != CS_OK) {
        cs_log(CS_LOG_WARN, "ub: the BSF's challenge is not AKAv1-MD5 with qop auth-int "
               "and a RAND || AUTN nonce");
        return CS_E_SYNTAX;
    }
    /* The parser bounds every value to CS_DIGEST_MAX_VALUE: these fit. */
    snprintf(r->realm, sizeof r->realm, "%s", realm);
    snprintf(r->nonce, sizeof r->nonce, "%s", nonce);
    r->has_opaque = opaque != NULL;
    snprintf(r->opaque, sizeof r->opaque, "%s", opaque ? opaque : "");
    return CS_OK;
}

/* Wait for a 401 challenge in `resp` (freed here). */
static cs_err ub_expect_challenge(ub_run *r, cs_http_response *resp,
                                  const char *stage)
{
    cs_err err = resp->status == 401 ? ub_take_challenge(r, resp)
                                     : ub_refused(r, resp->status, stage);
    cs_http_response_free(resp);
    if (err == CS_OK)
        cs_log(CS_LOG_INFO, "ub: challenge from realm %s", r->realm);
    return err;
}

static void hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/*
 * Authorization answering the current challenge, qop auth-int over an
 * empty body: with the raw RES as the password, or - for a
 * resynchronisation, `auts` not NULL - with an empty password and AUTS.
 */
static cs_err ub_answer_authorization(ub_run *r, const uint8_t *res, size_t res_len,
                                      const uint8_t *auts)
{
    uint8_t raw[8];
    char cnonce[2 * sizeof raw + 1], ha1[CS_DIGEST_HEX_LEN + 1];
    char ha2[CS_DIGEST_HEX_LEN + 1], response[CS_DIGEST_HEX_LEN + 1];
    char auts_b64[CS_AKA_AUTS_B64_MAX];
    cs_digest_params p;
    cs_err err = cs_rng_bytes(r->rng, raw, sizeof raw);
    hex_encode(raw, sizeof raw, cnonce);
    if (err == CS_OK)
        err = cs_digest_ha1(r->impi, r->realm, res, res_len, ha1);
    if (err == CS_OK)
        err = cs_digest_ha2("GET", r->uri, CS_DIGEST_QOP_AUTH_INT, NULL, 0, ha2);
    if (err == CS_OK)
        err = cs_digest_response(ha1, r->nonce, UB_NC, cnonce,
                                 CS_DIGEST_QOP_AUTH_INT, ha2, response);
    cs_digest_init(&p);
    if (err == CS_OK)
        err = cs_digest_add(&p, "username", r->impi, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "realm", r->realm, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "nonce", r->nonce, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "uri", r->uri, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "qop", cs_digest_qop_name(CS_DIGEST_QOP_AUTH_INT), false);
    if (err == CS_OK)
        err = cs_digest_add(&p, "nc", UB_NC, false);
    if (err == CS_OK)
        err = cs_digest_add(&p, "cnonce", cnonce, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "response", response, true);
    if (err == CS_OK && r->has_opaque)
        err = cs_digest_add(&p, "opaque", r->opaque, true);
    if (err == CS_OK)
        err = cs_digest_add(&p, "algorithm", UB_ALGORITHM, false);
    if (err == CS_OK && auts != NULL) {
        cs_digest_auts_encode(auts, auts_b64);
        err = cs_digest_add(&p, "auts", auts_b64, true);
    }
    if (err == CS_OK)
        err = cs_digest_write(&p, r->authorization, sizeof r->authorization, NULL);
    cs_secure_zero(ha1, sizeof ha1);
    cs_secure_zero(response, sizeof response);
    cs_secure_zero(&p, sizeof p);
    if (err != CS_OK)
        cs_log(CS_LOG_WARN, "ub: cannot form the answer: %s", cs_strerror(err));
    /* The challenge's own values (realm, nonce, opaque) may not fit. */
    return err == CS_OK ? CS_OK : CS_E_SYNTAX;
}

static bool content_type_is_bsf_xml(const cs_http_response *resp)
{
    char value[128];
    size_t n = strlen(UB_CONTENT_TYPE);
    if (cs_http_response_header(resp, "Content-Type", value, sizeof value) == NULL)
        return false;
    return strncasecmp(value, UB_CONTENT_TYPE, n) == 0 &&
           (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

/* The 200 in `resp` (freed here): B-TID and lifetime; Ks from the card's
 * CK and IK. */
static cs_err ub_take_result(ub_run *r, cs_http_response *resp,
                             const cs_aka_result *aka, cs_gba_session *out)
{
    cs_err err = CS_OK;
    if (resp->status != 200) {
        err = ub_refused(r, resp->status, "answer to its challenge");
    } else if (!content_type_is_bsf_xml(resp)) {
        cs_log(CS_LOG_WARN, "ub: the BSF's 200 is not " UB_CONTENT_TYPE);
        err = CS_E_SYNTAX;
    } else if (cs_gba_parse_bootstrapping_info((const char *)resp->body,
                                               resp->body_len, out->btid,
                                               sizeof out->btid,
                                               &out->expires) != CS_OK) {
        cs_log(CS_LOG_WARN, "ub: the BSF's BootstrappingInfo is malformed");
        err = CS_E_SYNTAX;
    }
    cs_http_response_free(resp);
    if (err != CS_OK)
        return err;
    snprintf(out->impi, sizeof out->impi, "%s", r->impi);
    memcpy(out->rand, r->rand, sizeof out->rand);
    cs_gba_ks(aka->ck, aka->ik, out->ks);
    cs_log(CS_LOG_INFO, "ub: bootstrapped %s: B-TID %s, key valid until %lld",
           out->impi, out->btid, (long long)out->expires);
    return CS_OK;
}

/* The card's verdict on the current challenge, as this run goes on. */
static cs_err ub_card_refused(const ub_run *r, cs_aka_status status, int resyncs)
{
    if (status == CS_AKA_MAC_FAILURE)
        cs_log(CS_LOG_WARN, "ub: the USIM refused the challenge from %s: it is "
               "not from the home network (MAC failure)", r->url);
    else if (resyncs > 0)
        cs_log(CS_LOG_WARN, "ub: the BSF at %s sent a stale challenge again "
               "after resynchronisation", r->url);
    return CS_E_SESSION;
}

static cs_err ub_exchange(ub_run *r, cs_modem *modem, cs_gba_session *out)
{
    cs_http_response resp;
    cs_err err = ub_initial_authorization(r);
    if (err == CS_OK)
        err = ub_send(r, &resp);
    if (err == CS_OK)
        err = ub_expect_challenge(r, &resp, "initial request");
    for (int resyncs = 0; err == CS_OK;) {
        cs_aka_result aka;
        err = cs_modem_authenticate(modem, r->rand, r->autn, &aka);
        if (err != CS_OK) {
            cs_log(CS_LOG_WARN, "ub: the USIM's AUTHENTICATE failed: %s",
                   cs_strerror(err));
        } else if (aka.status == CS_AKA_SUCCESS) {
            err = ub_answer_authorization(r, aka.res, sizeof aka.res, NULL);
            if (err == CS_OK)
                err = ub_send(r, &resp);
            if (err == CS_OK)
                err = ub_take_result(r, &resp, &aka, out);
            cs_aka_result_wipe(&aka);
            return err;
        } else if (aka.status == CS_AKA_MAC_FAILURE || resyncs > 0) {
            err = ub_card_refused(r, aka.status, resyncs);
        } else {
            cs_log(CS_LOG_INFO, "ub: the USIM's sequence number is ahead of the "
                   "BSF's; resynchronising");
            resyncs++;
            err = ub_answer_authorization(r, NULL, 0, aka.auts);
            if (err == CS_OK)
                err = ub_send(r, &resp);
            if (err == CS_OK)
                err = ub_expect_challenge(r, &resp, "resynchronisation");
        }
        cs_aka_result_wipe(&aka);
    }
    return err;
}

cs_err cs_gba_bootstrap(const char *bsf_url, const char *impi, cs_modem *modem,
                        unsigned timeout_ms, cs_gba_session *out)
{
    if (out == NULL)
        return CS_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (bsf_url == NULL || modem == NULL || !impi_valid(impi))
        return CS_E_INVALID_ARG;
    ub_run r;
    memset(&r, 0, sizeof r);
    r.url = bsf_url;
    r.impi = impi;
    if (!split_url(&r))
        return CS_E_INVALID_ARG;
    r.rng = cs_rng_new("cellstrap ub cnonce");
    if (r.rng == NULL)
        return CS_E_INTERNAL;
    r.deadline = cs_clock_ms() + timeout_ms;
    cs_log(CS_LOG_INFO, "ub: bootstrapping %s with the BSF at %s", impi, bsf_url);
    cs_err err = ub_exchange(&r, modem, out);
    cs_rng_free(r.rng);
    cs_secure_zero(&r, sizeof r);
    if (err != CS_OK)
        cs_gba_session_wipe(out);
    return err;
}

cs_err cs_gba_naf_key(const cs_gba_session *s, const char *naf_fqdn,
                      uint8_t key[CS_GBA_KEY_LEN], char *identity,
                      size_t identity_cap)
{
    if (key == NULL)
        return CS_E_INVALID_ARG;
    cs_err err = CS_OK;
    if (s == NULL || naf_fqdn == NULL || (identity == NULL && identity_cap > 0))
        err = CS_E_INVALID_ARG;
    if (err == CS_OK)
        err = cs_gba_ks_naf(s->ks, s->rand, s->impi, naf_fqdn,
                            cs_ua_id_lwm2m_dtls_psk, key);
    if (err == CS_OK && identity != NULL)
        err = cs_psk_identity_format(CS_PSK_IDENTITY_GBA, s->btid, identity,
                                     identity_cap);
    if (err != CS_OK)
        cs_secure_zero(key, CS_GBA_KEY_LEN);
    return err;
}

void cs_gba_session_wipe(cs_gba_session *s)
{
    if (s != NULL)
        cs_secure_zero(s, sizeof *s);
}
