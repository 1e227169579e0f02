/*
 * bsf.c - the emulated network's GBA bootstrapping server function: Ub
 * (HTTP Digest AKA, RFC 3310, as docs/gba.md describes it) with the HSS's
 * part done here from the subscriber records (vectors from K, OPc and the
 * SQN, resynchronisation from AUTS), bootstrapping sessions (B-TID, Ks,
 * expiry), and Zn: a NAF's request for Ks_NAF, answered only to a NAF that
 * authenticates and only for its own FQDN.  HTTP-free: requests come in
 * as method, URI, header value and body; replies go out as a struct.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/hex.h"
#include "cellstrap/digest.h"
#include "cellstrap/gba.h"
#include "cellstrap/usim.h"
#include "crypto/crypto.h"
#include "netsim/netsim_internal.h"

#define MAX_CHALLENGES 1024
#define MAX_SESSIONS 4096
#define MAX_NAFS 16
#define CHALLENGE_LIFETIME_S 60

/* A 401 sent and not yet answered. */
struct challenge {
    char imsi[16];
    char nonce[CS_AKA_NONCE_MAX];
    char opaque[33];
    cs_aka_vector av;
    int64_t expires;
};

/* A bootstrapping session: what Zn needs to derive Ks_NAF. */
struct session {
    char btid[CS_GBA_BTID_MAX + 1];
    char impi[128];
    uint8_t rand[16];
    uint8_t ks[CS_GBA_KS_LEN];
    int64_t created, expires;
};

struct naf {
    char name[64];
    char secret[128];
    char fqdn[256];
};

struct bsf {
    char domain[128];
    uint32_t lifetime_s;
    cs_rng *rng;
    struct challenge challenges[MAX_CHALLENGES];
    size_t challenge_next;              /* ring: the oldest is replaced */
    struct session *sessions;           /* ring of MAX_SESSIONS */
    size_t session_next;
    struct naf nafs[MAX_NAFS];
    size_t naf_count;
    bool aanf;                          /* AKMA on */
    uint32_t akma_lifetime_s;
};

static struct bsf *bsf_of(cs_netsim *ns)
{
    if (ns->bsf != NULL)
        return ns->bsf;
    struct bsf *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->sessions = calloc(MAX_SESSIONS, sizeof *b->sessions);
    b->rng = cs_rng_new("cellstrap-netsim-bsf");
    if (b->sessions == NULL || b->rng == NULL) {
        free(b->sessions);
        cs_rng_free(b->rng);
        free(b);
        return NULL;
    }
    b->lifetime_s = 3600;
    /* The default domain from the gateway's MCC-MNC (2-digit MNC). */
    const char *mm = ns->sgsn_mcc_mnc[0] ? ns->sgsn_mcc_mnc : "00101";
    if (strlen(mm) == 5)
        snprintf(b->domain, sizeof b->domain,
                 "bsf.mnc0%.2s.mcc%.3s.pub.3gppnetwork.org", mm + 3, mm);
    else
        snprintf(b->domain, sizeof b->domain,
                 "bsf.mnc%.3s.mcc%.3s.pub.3gppnetwork.org", mm + 3, mm);
    ns->bsf = b;
    return b;
}

void netsim_bsf_free(cs_netsim *ns)
{
    struct bsf *b = ns->bsf;
    if (b == NULL)
        return;
    cs_rng_free(b->rng);
    cs_secure_zero(b->sessions, MAX_SESSIONS * sizeof *b->sessions);
    free(b->sessions);
    cs_secure_zero(b, sizeof *b);
    free(b);
    ns->bsf = NULL;
}

cs_err cs_netsim_bsf_config(cs_netsim *ns, const char *domain,
                            uint32_t lifetime_s)
{
    struct bsf *b = bsf_of(ns);
    if (b == NULL)
        return CS_E_NOMEM;
    if (domain != NULL) {
        if (domain[0] == '\0' || strlen(domain) >= sizeof b->domain)
            return CS_E_INVALID_ARG;
        strcpy(b->domain, domain);
    }
    if (lifetime_s > 0)
        b->lifetime_s = lifetime_s;
    return CS_OK;
}

cs_err cs_netsim_add_naf(cs_netsim *ns, const char *name, const char *secret,
                         const char *fqdn)
{
    struct bsf *b = bsf_of(ns);
    if (b == NULL)
        return CS_E_NOMEM;
    if (b->naf_count == MAX_NAFS)
        return CS_E_TOO_LARGE;
    struct naf *n = &b->nafs[b->naf_count];
    if (name == NULL || secret == NULL || fqdn == NULL || name[0] == '\0' ||
        secret[0] == '\0' || fqdn[0] == '\0' || strlen(name) >= sizeof n->name ||
        strlen(secret) >= sizeof n->secret || strlen(fqdn) >= sizeof n->fqdn)
        return CS_E_INVALID_ARG;
    strcpy(n->name, name);
    strcpy(n->secret, secret);
    strcpy(n->fqdn, fqdn);
    b->naf_count++;
    return CS_OK;
}

/* ---- Replies --------------------------------------------------------------- */

static void reply_text(cs_bsf_reply *out, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_text(cs_bsf_reply *out, unsigned status, const char *fmt, ...)
{
    out->status = status;
    out->content_type = "text/plain";
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out->body, sizeof out->body, fmt, ap);
    va_end(ap);
    out->body_len = n < 0 ? 0 : (size_t)n < sizeof out->body ? (size_t)n
                                                             : sizeof out->body - 1;
}

/* ---- Ub ---------------------------------------------------------------------- */

/* The subscriber an IMPI names: "<IMSI>@ims.mnc..." exactly as derived. */
static struct entry *subscriber_of_impi(cs_netsim *ns, const char *impi)
{
    const char *at = strchr(impi, '@');
    if (at == NULL || at == impi || (size_t)(at - impi) > 15)
        return NULL;
    char imsi[16];
    memcpy(imsi, impi, (size_t)(at - impi));
    imsi[at - impi] = '\0';
    struct entry *e = netsim_find_entry(ns, imsi);
    char want[128];
    if (e == NULL || cs_gba_impi_from_imsi(e->sub.imsi, e->sub.mnc_length, want,
                                           sizeof want) != CS_OK ||
        strcmp(want, impi) != 0)
        return NULL;
    return e;
}

/* A new challenge for the subscriber: the HSS's next vector. */
static void challenge(struct bsf *b, struct entry *e, int64_t now,
                      cs_bsf_reply *out)
{
    struct challenge *c = &b->challenges[b->challenge_next];
    b->challenge_next = (b->challenge_next + 1) % MAX_CHALLENGES;
    cs_secure_zero(c, sizeof *c);
    uint8_t rand[16], sqn[6], amf[2], op_bytes[16];
    if (cs_rng_bytes(b->rng, rand, sizeof rand) != CS_OK ||
        cs_rng_bytes(b->rng, op_bytes, sizeof op_bytes) != CS_OK) {
        reply_text(out, 500, "no random bytes\n");
        return;
    }
    e->sub.sqn = cs_aka_sqn_next(e->sub.sqn, 0);
    cs_aka_sqn_from_u64(e->sub.sqn, sqn);
    amf[0] = (uint8_t)(e->sub.amf >> 8);
    amf[1] = (uint8_t)e->sub.amf;
    cs_aka_vector_make(e->sub.k, e->sub.opc, rand, sqn, amf, &c->av);
    snprintf(c->imsi, sizeof c->imsi, "%s", e->sub.imsi);
    cs_hex_encode(op_bytes, sizeof op_bytes, c->opaque);
    c->expires = now + CHALLENGE_LIFETIME_S;
    if (cs_digest_aka_nonce_encode(c->av.rand, c->av.autn, NULL, 0, c->nonce,
                                   sizeof c->nonce) != CS_OK) {
        reply_text(out, 500, "nonce\n");
        return;
    }
    cs_digest_params p;
    cs_digest_init(&p);
    cs_digest_add(&p, "realm", b->domain, true);
    cs_digest_add(&p, "nonce", c->nonce, true);
    cs_digest_add(&p, "algorithm", "AKAv1-MD5", false);
    cs_digest_add(&p, "qop", "auth-int", true);
    cs_digest_add(&p, "opaque", c->opaque, true);
    if (cs_digest_write(&p, out->www_authenticate, sizeof out->www_authenticate,
                        NULL) != CS_OK) {
        reply_text(out, 500, "challenge\n");
        return;
    }
    reply_text(out, 401, "authenticate with your USIM\n");
}

static struct challenge *find_challenge(struct bsf *b, const char *imsi,
                                        const char *nonce, int64_t now)
{
    for (size_t i = 0; i < MAX_CHALLENGES; i++) {
        struct challenge *c = &b->challenges[i];
        if (c->imsi[0] != '\0' && c->expires > now && strcmp(c->imsi, imsi) == 0 &&
            strcmp(c->nonce, nonce) == 0)
            return c;
    }
    return NULL;
}

/* The response the credentials must carry, for password `pw`. */
static bool response_ok(const cs_digest_params *p, const char *method,
                        const uint8_t *body, size_t body_len, const uint8_t *pw,
                        size_t pw_len)
{
    const char *user = cs_digest_get(p, "username"), *realm = cs_digest_get(p, "realm");
    const char *nonce = cs_digest_get(p, "nonce"), *uri = cs_digest_get(p, "uri");
    const char *nc = cs_digest_get(p, "nc"), *cnonce = cs_digest_get(p, "cnonce");
    const char *qop_text = cs_digest_get(p, "qop"), *resp = cs_digest_get(p, "response");
    cs_digest_qop qop;
    if (realm == NULL || uri == NULL || nc == NULL || cnonce == NULL ||
        qop_text == NULL || resp == NULL ||
        cs_digest_qop_parse(qop_text, &qop) != CS_OK)
        return false;
    char ha1[CS_DIGEST_HEX_LEN + 1], ha2[CS_DIGEST_HEX_LEN + 1],
        want[CS_DIGEST_HEX_LEN + 1];
    bool ok = cs_digest_ha1(user, realm, pw, pw_len, ha1) == CS_OK &&
              cs_digest_ha2(method, uri, qop, body, body_len, ha2) == CS_OK &&
              cs_digest_response(ha1, nonce, nc, cnonce, qop, ha2, want) == CS_OK &&
              cs_digest_response_equal(want, resp);
    cs_secure_zero(ha1, sizeof ha1);
    return ok;
}

/* "2026-12-05T10:00:00Z" for Unix seconds. */
static void xs_datetime(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bootstrapped(struct bsf *b, struct challenge *c, const char *impi,
                         int64_t now, cs_bsf_reply *out)
{
    struct session *s = &b->sessions[b->session_next];
    b->session_next = (b->session_next + 1) % MAX_SESSIONS;
    cs_secure_zero(s, sizeof *s);
    if (cs_gba_btid(c->av.rand, b->domain, s->btid, sizeof s->btid) != CS_OK) {
        reply_text(out, 500, "B-TID\n");
        return;
    }
    snprintf(s->impi, sizeof s->impi, "%s", impi);
    memcpy(s->rand, c->av.rand, sizeof s->rand);
    cs_gba_ks(c->av.ck, c->av.ik, s->ks);
    s->created = now;
    s->expires = now + b->lifetime_s;
    cs_secure_zero(c, sizeof *c);            /* a nonce answers once */
    char lifetime[32];
    xs_datetime(s->expires, lifetime, sizeof lifetime);
    out->status = 200;
    out->content_type = "application/vnd.3gpp.bsf+xml";
    int n = snprintf(out->body, sizeof out->body,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">"
                     "<btid>%s</btid><lifetime>%s</lifetime>"
                     "</BootstrappingInfo>\n", s->btid, lifetime);
    out->body_len = n > 0 && (size_t)n < sizeof out->body ? (size_t)n : 0;
}

void cs_netsim_ub(cs_netsim *ns, const char *method, const char *uri,
                  const char *authorization, const uint8_t *body,
                  size_t body_len, int64_t now_unix, cs_bsf_reply *out)
{
    memset(out, 0, sizeof *out);
    struct bsf *b = bsf_of(ns);
    if (b == NULL) {
        reply_text(out, 500, "out of memory\n");
        return;
    }
    if (strcmp(method, "GET") != 0 || strcmp(uri, "/") != 0) {
        reply_text(out, 404, "Ub is GET /\n");
        return;
    }
    cs_digest_params p;
    if (authorization == NULL ||
        cs_digest_parse(authorization, strlen(authorization), &p) != CS_OK ||
        cs_digest_get(&p, "username") == NULL) {
        reply_text(out, 400, "Authorization: Digest username=<IMPI> expected\n");
        return;
    }
    const char *impi = cs_digest_get(&p, "username");
    struct entry *e = subscriber_of_impi(ns, impi);
    if (e == NULL) {
        reply_text(out, 403, "unknown IMPI\n");
        return;
    }
    const char *nonce = cs_digest_get(&p, "nonce");
    if (nonce == NULL || nonce[0] == '\0') {
        challenge(b, e, now_unix, out);          /* first request */
        return;
    }
    struct challenge *c = find_challenge(b, e->sub.imsi, nonce, now_unix);
    if (c == NULL) {
        challenge(b, e, now_unix, out);          /* stale nonce: start over */
        return;
    }
    const char *auts_text = cs_digest_get(&p, "auts");
    if (auts_text != NULL) {
        /* Resynchronisation: credentials made with an empty password. */
        uint8_t auts[14], sqn_ms[6];
        if (!response_ok(&p, method, body, body_len, (const uint8_t *)"", 0) ||
            cs_digest_auts_decode(auts_text, auts) != CS_OK ||
            !cs_aka_auts_recover(e->sub.k, e->sub.opc, c->av.rand, auts, sqn_ms)) {
            cs_secure_zero(c, sizeof *c);
            reply_text(out, 403, "resynchronisation refused\n");
            return;
        }
        e->sub.sqn = cs_aka_sqn_to_u64(sqn_ms);
        cs_secure_zero(c, sizeof *c);
        challenge(b, e, now_unix, out);
        return;
    }
    if (!response_ok(&p, method, body, body_len, c->av.xres, sizeof c->av.xres)) {
        cs_secure_zero(c, sizeof *c);
        reply_text(out, 403, "authentication failed\n");
        return;
    }
    bootstrapped(b, c, impi, now_unix, out);
}

/* ---- AKMA: primary authentication at attach, and the AAnF -------------------- */

cs_err cs_netsim_enable_aanf(cs_netsim *ns, uint32_t lifetime_s)
{
    struct bsf *b = bsf_of(ns);
    if (b == NULL)
        return CS_E_NOMEM;
    b->aanf = true;
    b->akma_lifetime_s = lifetime_s ? lifetime_s : 3600;
    return CS_OK;
}

static bool key_set(const uint8_t k[16])
{
    uint8_t any = 0;
    for (int i = 0; i < 16; i++)
        any |= k[i];
    return any != 0;
}

void netsim_primary_auth(cs_netsim *ns, struct entry *e, int64_t now)
{
    struct bsf *b = ns->bsf;
    e->session.has_aka = false;
    cs_secure_zero(e->k_akma, sizeof e->k_akma);
    e->a_kid[0] = '\0';
    if (b == NULL || !b->aanf || !key_set(e->sub.k))
        return;
    /* 5G AKA as the AUSF would run it: a vector, K_AUSF, then AKMA. */
    uint8_t rand[16], sqn[6], amf[2] = { 0x80, 0x00 }, k_ausf[32], a_tid[32];
    cs_aka_vector av;
    char snn[128], realm[128];
    if (cs_rng_bytes(b->rng, rand, sizeof rand) != CS_OK)
        return;
    e->sub.sqn = cs_aka_sqn_next(e->sub.sqn, 0);
    cs_aka_sqn_from_u64(e->sub.sqn, sqn);
    cs_aka_vector_make(e->sub.k, e->sub.opc, rand, sqn, amf, &av);
    bool ok = cs_akma_serving_network_name(e->sub.imsi, e->sub.mnc_length, snn,
                                           sizeof snn) == CS_OK &&
              cs_akma_k_ausf_5g_aka(av.ck, av.ik, snn, av.autn, k_ausf) == CS_OK &&
              cs_akma_k_akma(k_ausf, e->sub.imsi, e->k_akma) == CS_OK &&
              cs_akma_a_tid(k_ausf, e->sub.imsi, a_tid) == CS_OK &&
              cs_akma_realm_from_imsi(e->sub.imsi, e->sub.mnc_length, realm,
                                      sizeof realm) == CS_OK &&
              cs_akma_akid("0", a_tid, realm, e->a_kid, sizeof e->a_kid) == CS_OK;
    cs_secure_zero(k_ausf, sizeof k_ausf);
    if (ok) {
        memcpy(e->session.aka_rand, av.rand, 16);
        memcpy(e->session.aka_autn, av.autn, 16);
        e->session.has_aka = true;
        e->akma_expires = now + b->akma_lifetime_s;
    } else {
        cs_secure_zero(e->k_akma, sizeof e->k_akma);
        e->a_kid[0] = '\0';
    }
    cs_aka_vector_wipe(&av);
}

/* ---- Zn ---------------------------------------------------------------------- */

static void reply_json(cs_bsf_reply *out, unsigned status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    out->status = status;
    out->content_type = "application/json";
    out->body_len = 0;
    if (text != NULL && strlen(text) < sizeof out->body) {
        strcpy(out->body, text);
        out->body_len = strlen(text);
    }
    if (text != NULL)
        cs_secure_zero(text, strlen(text));
    free(text);
}

static void zn_error(cs_bsf_reply *out, unsigned status, int code, const char *text)
{
    reply_json(out, status, json_pack("{s:i, s:s}", "error", code, "text", text));
}

static const struct naf *authenticate_naf(const struct bsf *b, const char *name,
                                          const char *secret)
{
    if (name == NULL || secret == NULL)
        return NULL;
    for (size_t i = 0; i < b->naf_count; i++) {
        const struct naf *n = &b->nafs[i];
        if (strcmp(n->name, name) == 0 && strlen(n->secret) == strlen(secret) &&
            cs_ct_equal(n->secret, secret, strlen(secret)))
            return n;
    }
    return NULL;
}

static bool parse_ua_id(const char *text, uint8_t ua[CS_UA_ID_LEN])
{
    return text != NULL && strlen(text) == 2 * CS_UA_ID_LEN &&
           cs_hex_decode(text, 2 * CS_UA_ID_LEN, ua, CS_UA_ID_LEN, NULL) == CS_OK;
}

/* The AAnF answers an AF: K_AF for (A-KID, AF_ID) and the SUPI. */
void cs_netsim_aanf(cs_netsim *ns, const char *af_name, const char *af_secret,
                    const uint8_t *body, size_t body_len, int64_t now_unix,
                    cs_bsf_reply *out)
{
    memset(out, 0, sizeof *out);
    struct bsf *b = bsf_of(ns);
    if (b == NULL || !b->aanf) {
        reply_text(out, 404, "no AAnF here\n");
        return;
    }
    if (af_name == NULL) {
        zn_error(out, 401, 5402, "AF credentials required");
        snprintf(out->www_authenticate, sizeof out->www_authenticate,
                 "Basic realm=\"aanf\"");
        return;
    }
    const struct naf *af = authenticate_naf(b, af_name, af_secret);
    if (af == NULL) {
        zn_error(out, 403, 5402, "AF not authorized");
        return;
    }
    json_error_t jerr;
    json_t *req = json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES, &jerr);
    const char *akid = json_string_value(json_object_get(req, "a_kid"));
    const char *fqdn = json_string_value(json_object_get(req, "af_fqdn"));
    uint8_t ua[CS_UA_ID_LEN];
    if (!json_is_object(req) || akid == NULL || fqdn == NULL ||
        !parse_ua_id(json_string_value(json_object_get(req, "ua_id")), ua)) {
        json_decref(req);
        zn_error(out, 400, 400, "{\"a_kid\", \"af_fqdn\", \"ua_id\"} expected");
        return;
    }
    if (strcmp(fqdn, af->fqdn) != 0) {
        json_decref(req);
        zn_error(out, 403, 5402, "AF not authorized for this AF_ID");
        return;
    }
    const struct entry *e = NULL;
    for (size_t i = 0; i < ns->count && e == NULL; i++)
        if (ns->subs[i].a_kid[0] != '\0' && strcmp(ns->subs[i].a_kid, akid) == 0)
            e = &ns->subs[i];
    if (e == NULL || e->akma_expires <= now_unix) {
        json_decref(req);
        zn_error(out, 404, 5401, e == NULL ? "unknown A-KID" : "A-KID expired");
        return;
    }
    uint8_t k_af[32];
    char hexkey[65];
    cs_err err = cs_akma_k_af(e->k_akma, fqdn, ua, k_af);
    json_decref(req);
    if (err != CS_OK) {
        zn_error(out, 400, 400, "bad AF_ID");
        return;
    }
    cs_hex_encode(k_af, sizeof k_af, hexkey);
    cs_secure_zero(k_af, sizeof k_af);
    reply_json(out, 200, json_pack("{s:s, s:s, s:I}", "supi", e->sub.imsi,
                                   "k_af", hexkey, "key_expiry",
                                   (json_int_t)e->akma_expires));
    cs_secure_zero(hexkey, sizeof hexkey);
}

void cs_netsim_zn(cs_netsim *ns, const char *naf_name, const char *naf_secret,
                  const uint8_t *body, size_t body_len, int64_t now_unix,
                  cs_bsf_reply *out)
{
    memset(out, 0, sizeof *out);
    struct bsf *b = bsf_of(ns);
    if (b == NULL) {
        reply_text(out, 500, "out of memory\n");
        return;
    }
    if (naf_name == NULL) {
        zn_error(out, 401, 5402, "NAF credentials required");
        snprintf(out->www_authenticate, sizeof out->www_authenticate,
                 "Basic realm=\"zn\"");
        return;
    }
    const struct naf *naf = authenticate_naf(b, naf_name, naf_secret);
    if (naf == NULL) {
        zn_error(out, 403, 5402, "NAF not authorized");
        return;
    }
    json_error_t jerr;
    json_t *req = json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES, &jerr);
    const char *btid = json_string_value(json_object_get(req, "btid"));
    const char *fqdn = json_string_value(json_object_get(req, "naf_fqdn"));
    uint8_t ua[CS_UA_ID_LEN];
    if (!json_is_object(req) || btid == NULL || fqdn == NULL ||
        !parse_ua_id(json_string_value(json_object_get(req, "ua_id")), ua)) {
        json_decref(req);
        zn_error(out, 400, 400, "{\"btid\", \"naf_fqdn\", \"ua_id\": 10 hex digits} expected");
        return;
    }
    if (strcmp(fqdn, naf->fqdn) != 0) {
        json_decref(req);
        zn_error(out, 403, 5402, "NAF not authorized for this NAF_Id");
        return;
    }
    const struct session *s = NULL;
    for (size_t i = 0; i < MAX_SESSIONS && s == NULL; i++)
        if (b->sessions[i].btid[0] != '\0' && strcmp(b->sessions[i].btid, btid) == 0)
            s = &b->sessions[i];
    if (s == NULL) {
        json_decref(req);
        zn_error(out, 404, 5401, "unknown B-TID");
        return;
    }
    if (s->expires <= now_unix) {
        json_decref(req);
        zn_error(out, 404, 5403, "B-TID expired: the device must bootstrap again");
        return;
    }
    uint8_t key[CS_GBA_KEY_LEN];
    char key_hex[2 * CS_GBA_KEY_LEN + 1];
    cs_err err = cs_gba_ks_naf(s->ks, s->rand, s->impi, fqdn, ua, key);
    json_decref(req);
    if (err != CS_OK) {
        zn_error(out, 400, 400, "bad NAF_Id");
        return;
    }
    cs_hex_encode(key, sizeof key, key_hex);
    cs_secure_zero(key, sizeof key);
    reply_json(out, 200, json_pack("{s:s, s:s, s:I, s:I, s:s}", "impi", s->impi,
                                   "ks_naf", key_hex, "key_expiry",
                                   (json_int_t)s->expires, "bootstrap_time",
                                   (json_int_t)s->created, "gba_type", "3G"));
    cs_secure_zero(key_hex, sizeof key_hex);
}
