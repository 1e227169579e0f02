/*
 * server.c - the LwM2M server's Registration interface (Register, Update,
 * De-register on /rd, lifetime expiry) and the registration table: two
 * chained hash tables (by registration ID and by endpoint name) and a
 * timer heap of expiry deadlines, so nothing walks all registrations per
 * datagram or per tick.  Every change is written through to the store and
 * recorded as an audit event.  Device management requests live in dm.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/dtls.h"
#include "cellstrap/linkformat.h"
#include "cellstrap/log.h"
#include "crypto/crypto.h"
#include "server/server_internal.h"

#define INITIAL_BUCKETS 64
#define DEFAULT_LIFETIME 86400u
#define REG_ID_BYTES 6   /* 12 hex digits */

/* ---- Hash tables --------------------------------------------------------- */

static uint64_t hash_text(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;   /* FNV-1a, keyed */
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static struct srv_reg **id_slot(const cs_server *srv, const char *id)
{
    return &srv->by_id[hash_text(id, srv->hash_seed) & (srv->buckets - 1)];
}

static struct srv_reg **ep_slot(const cs_server *srv, const char *ep)
{
    return &srv->by_ep[hash_text(ep, srv->hash_seed) & (srv->buckets - 1)];
}

static void table_insert(cs_server *srv, struct srv_reg *reg)
{
    struct srv_reg **s = id_slot(srv, reg->r.id);
    reg->next_id = *s;
    *s = reg;
    s = ep_slot(srv, reg->r.endpoint);
    reg->next_ep = *s;
    *s = reg;
}

static void table_unlink(cs_server *srv, struct srv_reg *reg)
{
    for (struct srv_reg **s = id_slot(srv, reg->r.id); *s; s = &(*s)->next_id)
        if (*s == reg) {
            *s = reg->next_id;
            break;
        }
    for (struct srv_reg **s = ep_slot(srv, reg->r.endpoint); *s;
         s = &(*s)->next_ep)
        if (*s == reg) {
            *s = reg->next_ep;
            break;
        }
}

/* Double the bucket count when the load passes 1 (keeps chains short). */
static void table_grow(cs_server *srv)
{
    if (srv->count < srv->buckets)
        return;
    size_t n = srv->buckets * 2;
    struct srv_reg **by_id = calloc(n, sizeof *by_id);
    struct srv_reg **by_ep = calloc(n, sizeof *by_ep);
    if (by_id == NULL || by_ep == NULL) {
        free(by_id);
        free(by_ep);
        return;                       /* longer chains, still correct */
    }
    struct srv_reg **old_id = srv->by_id;
    size_t old_n = srv->buckets;
    free(srv->by_ep);
    srv->by_id = by_id;
    srv->by_ep = by_ep;
    srv->buckets = n;
    for (size_t i = 0; i < old_n; i++) {
        struct srv_reg *r = old_id[i];
        while (r != NULL) {
            struct srv_reg *next = r->next_id;
            table_insert(srv, r);
            r = next;
        }
    }
    free(old_id);
}

struct srv_reg *srv_find_ep(const cs_server *srv, const char *ep)
{
    for (struct srv_reg *r = *ep_slot(srv, ep); r; r = r->next_ep)
        if (strcmp(r->r.endpoint, ep) == 0)
            return r;
    return NULL;
}

static struct srv_reg *find_id(const cs_server *srv, const char *id)
{
    for (struct srv_reg *r = *id_slot(srv, id); r; r = r->next_id)
        if (strcmp(r->r.id, id) == 0)
            return r;
    return NULL;
}

/* ---- Engine life ----------------------------------------------------------- */

cs_server *cs_server_new(const cs_server_config *cfg)
{
    if (cfg == NULL || cfg->clock_ms == NULL || cfg->clock_unix == NULL)
        return NULL;
    cs_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return NULL;
    srv->cfg = *cfg;
    cs_timer_heap_init(&srv->expiry);
    if (srv->cfg.registry == NULL)
        srv->cfg.registry = cs_registry_standard();
    srv->rng = cfg->seed != 0 ? cs_rng_new_deterministic(cfg->seed)
                              : cs_rng_new("cellstrap-server");
    srv->buckets = INITIAL_BUCKETS;
    srv->by_id = calloc(srv->buckets, sizeof *srv->by_id);
    srv->by_ep = calloc(srv->buckets, sizeof *srv->by_ep);
    if (srv->rng == NULL || srv->by_id == NULL || srv->by_ep == NULL ||
        cs_rng_bytes(srv->rng, &srv->hash_seed, sizeof srv->hash_seed) != CS_OK) {
        cs_server_free(srv);
        return NULL;
    }
    return srv;
}

static void reg_free(struct srv_reg *reg)
{
    if (reg == NULL)
        return;
    free(reg->r.links);
    cs_secure_zero(reg->r.identity, sizeof reg->r.identity);
    free(reg);
}

void cs_server_free(cs_server *srv)
{
    if (srv == NULL)
        return;
    srv_ops_free_all(srv);
    cs_timer_heap_free(&srv->expiry);   /* it touches the timers: first */
    for (size_t i = 0; srv->by_id != NULL && i < srv->buckets; i++) {
        struct srv_reg *r = srv->by_id[i];
        while (r != NULL) {
            struct srv_reg *next = r->next_id;
            reg_free(r);
            r = next;
        }
    }
    free(srv->by_id);
    free(srv->by_ep);
    cs_rng_free(srv->rng);
    free(srv);
}

/* ---- Audit and store ------------------------------------------------------ */

static void audit(cs_server *srv, const char *kind, const char *endpoint,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void audit(cs_server *srv, const char *kind, const char *endpoint,
                  const char *fmt, ...)
{
    cs_audit_event ev;
    memset(&ev, 0, sizeof ev);
    ev.time = srv->cfg.clock_unix(srv->cfg.clock_ctx);
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    snprintf(ev.endpoint, sizeof ev.endpoint, "%s", endpoint);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.detail, sizeof ev.detail, fmt, ap);
    va_end(ap);
    cs_log(CS_LOG_INFO, "%s %s: %s", kind, ev.endpoint, ev.detail);
    if (srv->cfg.store != NULL) {
        cs_err err = cs_store_audit(srv->cfg.store, &ev);
        if (err != CS_OK)
            cs_log(CS_LOG_WARN, "audit %s: %s", kind, cs_strerror(err));
    }
}

static cs_err store_put(cs_server *srv, const struct srv_reg *reg)
{
    if (srv->cfg.store == NULL)
        return CS_OK;
    cs_err err = cs_store_put_registration(srv->cfg.store, &reg->r);
    if (err != CS_OK)
        cs_log(CS_LOG_ERROR, "store: registration %s: %s", reg->r.endpoint,
               cs_strerror(err));
    return err;
}

static void store_delete(cs_server *srv, const struct srv_reg *reg)
{
    if (srv->cfg.store == NULL)
        return;
    cs_err err = cs_store_delete_registration(srv->cfg.store, reg->r.id);
    if (err != CS_OK && err != CS_E_NOT_FOUND)
        cs_log(CS_LOG_WARN, "store: delete registration %s: %s",
               reg->r.endpoint, cs_strerror(err));
}

/* Take `reg` out of memory (not the store); its observations end. */
static void reg_remove(cs_server *srv, struct srv_reg *reg)
{
    srv_ops_end_endpoint(srv, reg->r.endpoint);
    table_unlink(srv, reg);
    cs_timer_cancel(&srv->expiry, &reg->timer);
    srv->count--;
    reg_free(reg);
}

/* ---- Parameters ------------------------------------------------------------- */

/* A query parameter as a NUL-terminated copy: CS_OK, CS_E_NOT_FOUND, or
 * CS_E_SYNTAX (repeated, too long). */
static cs_err query_text(const cs_coap_msg *req, const char *name, char *out,
                         size_t cap, bool *present)
{
    const char *v;
    size_t len;
    cs_err err = cs_coap_get_query(req, name, &v, &len);
    *present = false;
    if (err == CS_E_NOT_FOUND)
        return CS_OK;
    if (err != CS_OK || len >= cap)
        return CS_E_SYNTAX;
    memcpy(out, v, len);
    out[len] = '\0';
    *present = true;
    return CS_OK;
}

/* A lifetime: decimal seconds, 1..2^32-1. */
static cs_err parse_lifetime(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return CS_E_SYNTAX;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return CS_E_SYNTAX;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return CS_E_RANGE;
    }
    if (v == 0)
        return CS_E_RANGE;
    *out = (uint32_t)v;
    return CS_OK;
}

/* "digits.digits": CS_OK when supported (1.0, 1.1, 1.2), CS_E_NOT_ALLOWED
 * when well formed but unsupported, CS_E_SYNTAX otherwise. */
static cs_err check_version(const char *v)
{
    const char *p = v;
    size_t major = 0, minor = 0;
    while (isdigit((unsigned char)*p))
        p++, major++;
    if (major == 0 || *p != '.')
        return CS_E_SYNTAX;
    p++;
    while (isdigit((unsigned char)*p))
        p++, minor++;
    if (minor == 0 || *p != '\0')
        return CS_E_SYNTAX;
    if (strcmp(v, "1.0") == 0 || strcmp(v, "1.1") == 0 ||
        strcmp(v, "1.2") == 0)
        return CS_OK;
    return CS_E_NOT_ALLOWED;
}

/*
 * A binding.  LwM2M 1.0 writes queue mode into it (U, UQ, S, SQ, US, UQS;
 * T and TQ as some 1.0 stacks do); 1.1 and later use transport letters
 * only (U T S N, and M H in 1.2) with Q as its own parameter.  *queue is
 * set when the 1.0 form says Q.
 */
static cs_err check_binding(const char *b, bool v10, bool *queue)
{
    static const char *const v10_forms[] = { "U", "UQ", "S", "SQ", "US",
                                             "UQS", "T", "TQ" };
    *queue = false;
    if (v10) {
        for (size_t i = 0; i < sizeof v10_forms / sizeof v10_forms[0]; i++)
            if (strcmp(b, v10_forms[i]) == 0) {
                *queue = strchr(b, 'Q') != NULL;
                return CS_OK;
            }
        return CS_E_SYNTAX;
    }
    if (*b == '\0')
        return CS_E_SYNTAX;
    for (const char *p = b; *p; p++)
        if (strchr("UTSNMH", *p) == NULL || strchr(p + 1, *p) != NULL)
            return CS_E_SYNTAX;
    return CS_OK;
}

static cs_err check_msisdn(const char *s)
{
    if (*s == '\0')
        return CS_E_SYNTAX;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return CS_E_SYNTAX;
    return CS_OK;
}

/*
 * The object links of a Register or Update payload: parsed (4.00 when
 * malformed), the root's content formats and alternate path kept, the
 * canonical text stored.
 */
static cs_err parse_link_text(struct srv_reg *reg, const char *src,
                              size_t len)
{
    cs_link_doc doc;
    cs_link_doc_init(&doc);
    cs_err err = cs_link_parse(src, len, NULL, &doc);
    if (err != CS_OK)
        return err;
    reg->format_count = 0;
    reg->alt_path[0] = '\0';
    const cs_link *root = cs_link_lwm2m_root(&doc);
    if (root != NULL) {
        if (root->target_len >= sizeof reg->alt_path) {
            cs_link_doc_free(&doc);
            return CS_E_SYNTAX;
        }
        memcpy(reg->alt_path, root->target, root->target_len);
        reg->alt_path[root->target_len] = '\0';
        if (strcmp(reg->alt_path, "/") == 0)
            reg->alt_path[0] = '\0';
    }
    for (size_t i = 0; i < doc.count; i++) {
        const cs_link *l = &doc.links[i];
        bool is_root = l == root ||
                       (l->has_target && l->target_len == 1 && l->target[0] == '/');
        if (!is_root)
            continue;
        cs_link_attrs a;
        if (cs_link_get_attrs(l, &a) == CS_OK && (a.present & CS_LINK_HAS_CT)) {
            memcpy(reg->formats, a.ct, a.ct_count * sizeof a.ct[0]);
            reg->format_count = a.ct_count;
        }
    }
    cs_buf text;
    cs_buf_init(&text, CS_LINK_DEFAULT_MAX_LEN + 1);
    err = cs_link_format(&doc, &text);
    if (err == CS_OK)
        err = cs_buf_append_byte(&text, 0);
    cs_link_doc_free(&doc);
    if (err != CS_OK) {
        cs_buf_free(&text);
        return err;
    }
    free(reg->r.links);
    reg->r.links = (char *)text.data;
    return CS_OK;
}

static cs_err parse_links(struct srv_reg *reg, const cs_coap_msg *req)
{
    uint16_t cf;
    if (cs_coap_get_content_format(req, &cf) == CS_OK && cf != CS_FORMAT_LINK)
        return CS_E_UNSUPPORTED_FORMAT;
    return parse_link_text(reg, (const char *)req->payload, req->payload_len);
}

/* ---- Identity ---------------------------------------------------------------- */

static bool session_identity(const cs_server *srv, void *session,
                             const uint8_t **id, size_t *len)
{
    *id = NULL;
    *len = 0;
    if (srv->cfg.identity != NULL)
        return srv->cfg.identity(srv->cfg.identity_ctx, session, id, len);
    if (session == NULL)
        return false;
    *id = cs_dtls_peer_identity(session, len);
    return *id != NULL && *len > 0;
}

/* The same identity a registration was made with (NoSec matches NoSec). */
static bool same_identity(const struct srv_reg *reg, const uint8_t *id,
                          size_t len)
{
    if (reg->r.identity_len != len)
        return false;
    return len == 0 || cs_ct_equal(reg->r.identity, id, len);
}

/* ---- Register ---------------------------------------------------------------- */

static cs_err new_id(cs_server *srv, char *out)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint8_t b[REG_ID_BYTES];
        if (cs_rng_bytes(srv->rng, b, sizeof b) != CS_OK)
            return CS_E_INTERNAL;
        for (size_t i = 0; i < sizeof b; i++)
            snprintf(out + 2 * i, 3, "%02x", b[i]);
        if (find_id(srv, out) == NULL)
            return CS_OK;
    }
    return CS_E_INTERNAL;
}

static void schedule_expiry(cs_server *srv, struct srv_reg *reg)
{
    uint64_t now = srv->cfg.clock_ms(srv->cfg.clock_ctx);
    int64_t unix_now = srv->cfg.clock_unix(srv->cfg.clock_ctx);
    reg->last_heard = now;
    reg->r.updated = unix_now;
    reg->r.expires = unix_now + reg->r.lifetime;
    cs_timer_schedule(&srv->expiry, &reg->timer,
                      now + (uint64_t)reg->r.lifetime * 1000u);
}

static void refuse(cs_server *srv, cs_coap_msg *response, uint8_t code,
                   const char *endpoint, const char *why)
{
    char text[CS_COAP_CODE_TEXT_MAX];
    cs_coap_code_text(code, text);
    audit(srv, "refused", endpoint, "register refused (%s): %s", text, why);
    response->code = code;
}

/*
 * The registration parameters common to Register and Update (lt, b, Q,
 * sms); `reg` is changed only for parameters present.  Returns a CoAP
 * code to refuse with, or 0.
 */
static uint8_t apply_params(struct srv_reg *reg, const cs_coap_msg *req,
                            const char **why)
{
    char lt[16], b[8], sms[32];
    bool has_lt, has_b, has_sms, has_q;
    const char *qv;
    size_t qlen;
    if (query_text(req, "lt", lt, sizeof lt, &has_lt) != CS_OK ||
        query_text(req, "b", b, sizeof b, &has_b) != CS_OK ||
        query_text(req, "sms", sms, sizeof sms, &has_sms) != CS_OK) {
        *why = "malformed parameter";
        return CS_COAP_CODE_BAD_REQUEST;
    }
    cs_err qerr = cs_coap_get_query(req, "Q", &qv, &qlen);
    if (qerr != CS_OK && qerr != CS_E_NOT_FOUND) {
        *why = "repeated Q";
        return CS_COAP_CODE_BAD_REQUEST;
    }
    has_q = qerr == CS_OK;
    if (has_q && qlen != 0) {
        *why = "Q takes no value";
        return CS_COAP_CODE_BAD_REQUEST;
    }
    if (has_lt && parse_lifetime(lt, &reg->r.lifetime) != CS_OK) {
        *why = "bad lifetime";
        return CS_COAP_CODE_BAD_REQUEST;
    }
    if (has_b) {
        bool v10 = strcmp(reg->r.lwm2m_version, "1.0") == 0;
        bool queue;
        if (check_binding(b, v10, &queue) != CS_OK) {
            *why = "bad binding";
            return CS_COAP_CODE_BAD_REQUEST;
        }
        snprintf(reg->r.binding, sizeof reg->r.binding, "%s", b);
        reg->r.queue_mode = queue || has_q;
    } else if (has_q) {
        reg->r.queue_mode = true;
    }
    if (has_sms) {
        if (check_msisdn(sms) != CS_OK) {
            *why = "bad sms";
            return CS_COAP_CODE_BAD_REQUEST;
        }
        snprintf(reg->r.sms, sizeof reg->r.sms, "%s", sms);
    }
    return 0;
}

/*
 * Who may register as `ep`: a secure session's credential must be issued
 * for this server and for this endpoint; NoSec only when allowed.  Fills
 * `ep` from the credential when the client left it out (1.1+).  Returns
 * 0 or the code to refuse with.
 */
static uint8_t authorize(cs_server *srv, const uint8_t *id, size_t id_len,
                         char *ep, size_t ep_cap, const char **why)
{
    if (id_len == 0) {
        if (!srv->cfg.allow_nosec) {
            *why = "NoSec registration not allowed";
            return CS_COAP_CODE_FORBIDDEN;
        }
        if (ep[0] == '\0') {
            *why = "missing ep";
            return CS_COAP_CODE_BAD_REQUEST;
        }
        const struct srv_reg *old = srv_find_ep(srv, ep);
        if (old != NULL && old->r.identity_len > 0) {
            /* NoSec must not take over a device registered securely. */
            *why = "endpoint is registered over DTLS";
            return CS_COAP_CODE_FORBIDDEN;
        }
        return 0;
    }
    cs_credential cred;
    if (srv->cfg.store == NULL ||
        cs_store_find_credential(srv->cfg.store, id, id_len,
                                 srv->cfg.clock_unix(srv->cfg.clock_ctx),
                                 &cred) != CS_OK) {
        *why = "no usable credential for the session identity";
        return CS_COAP_CODE_FORBIDDEN;
    }
    uint8_t code = 0;
    if (srv->cfg.name == NULL || strcmp(cred.server, srv->cfg.name) != 0) {
        *why = "credential issued for another server";
        code = CS_COAP_CODE_FORBIDDEN;
    } else if (ep[0] == '\0') {
        snprintf(ep, ep_cap, "%s", cred.endpoint);
    } else if (strcmp(ep, cred.endpoint) != 0) {
        *why = "endpoint name does not match the credential";
        code = CS_COAP_CODE_FORBIDDEN;
    }
    cs_secure_zero(&cred, sizeof cred);
    return code;
}

static void handle_register(cs_server *srv, cs_coap_endpoint *ep,
                            cs_coap_incoming *in, cs_coap_msg *response)
{
    const cs_coap_msg *req = in->request;
    const char *why = "";
    char name[CS_STORE_ENDPOINT_MAX] = "";
    char version[8] = "1.0";
    bool has_ep, has_version;
    if (query_text(req, "ep", name, sizeof name, &has_ep) != CS_OK ||
        query_text(req, "lwm2m", version, sizeof version, &has_version) != CS_OK) {
        refuse(srv, response, CS_COAP_CODE_BAD_REQUEST, name, "malformed ep or lwm2m");
        return;
    }
    if (!has_version)
        snprintf(version, sizeof version, "1.0");
    cs_err verr = check_version(version);
    if (verr != CS_OK) {
        refuse(srv, response, verr == CS_E_NOT_ALLOWED
                                  ? CS_COAP_CODE_PRECONDITION_FAILED
                                  : CS_COAP_CODE_BAD_REQUEST,
               name, "unsupported LwM2M version");
        return;
    }
    if (has_ep && name[0] == '\0') {
        refuse(srv, response, CS_COAP_CODE_BAD_REQUEST, name, "empty ep");
        return;
    }

    struct srv_reg *reg = calloc(1, sizeof *reg);
    if (reg == NULL) {
        response->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return;
    }
    cs_timer_init(&reg->timer);
    snprintf(reg->r.lwm2m_version, sizeof reg->r.lwm2m_version, "%s", version);
    snprintf(reg->r.binding, sizeof reg->r.binding, "U");
    reg->r.lifetime = DEFAULT_LIFETIME;
    uint8_t code = apply_params(reg, req, &why);
    cs_err err = CS_OK;
    if (code == 0 && (err = parse_links(reg, req)) != CS_OK) {
        code = err == CS_E_UNSUPPORTED_FORMAT
                   ? CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT
                   : CS_COAP_CODE_BAD_REQUEST;
        why = "malformed object links";
    }
    const uint8_t *id = NULL;
    size_t id_len = 0;
    if (code == 0) {
        session_identity(srv, in->session, &id, &id_len);
        if (id_len > sizeof reg->r.identity) {
            code = CS_COAP_CODE_FORBIDDEN;
            why = "identity too long";
        } else {
            code = authorize(srv, id, id_len, name, sizeof name, &why);
        }
    }
    if (code != 0) {
        refuse(srv, response, code, name, why);
        reg_free(reg);
        return;
    }
    snprintf(reg->r.endpoint, sizeof reg->r.endpoint, "%s", name);
    if (id_len > 0)
        memcpy(reg->r.identity, id, id_len);
    reg->r.identity_len = id_len;
    reg->r.addr = *in->from;
    reg->coap = ep;
    if (new_id(srv, reg->r.id) != CS_OK) {
        reg_free(reg);
        response->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return;
    }
    reg->r.registered = srv->cfg.clock_unix(srv->cfg.clock_ctx);
    schedule_expiry(srv, reg);
    if (store_put(srv, reg) != CS_OK) {
        cs_timer_cancel(&srv->expiry, &reg->timer);
        reg_free(reg);
        response->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return;
    }
    struct srv_reg *old = srv_find_ep(srv, name);
    bool replaced = old != NULL;
    if (old != NULL)
        reg_remove(srv, old);     /* the store replaced it already */
    table_insert(srv, reg);
    srv->count++;
    table_grow(srv);

    char addr[CS_ADDR_TEXT_MAX];
    cs_addr_format(&reg->r.addr, addr, sizeof addr);
    audit(srv, "register", reg->r.endpoint,
          "%sregistered as /rd/%s from %s, lwm2m %s, b=%s%s, lt=%u, %s",
          replaced ? "re-" : "", reg->r.id, addr, reg->r.lwm2m_version,
          reg->r.binding, reg->r.queue_mode ? " (queue)" : "",
          reg->r.lifetime, id_len > 0 ? "DTLS-PSK" : "NoSec");
    response->code = CS_COAP_CODE_CREATED;
    cs_coap_add_string(response, CS_COAP_OPT_LOCATION_PATH, "rd");
    cs_coap_add_string(response, CS_COAP_OPT_LOCATION_PATH, reg->r.id);
}

/* ---- Update and De-register ---------------------------------------------------- */

/* The registration a /rd/<id> request names, if the sender may touch it;
 * otherwise the response code is set and NULL returned. */
static struct srv_reg *target_reg(cs_server *srv, cs_coap_incoming *in,
                                  const char *seg, size_t len,
                                  cs_coap_msg *response)
{
    char id[CS_STORE_REG_ID_MAX];
    if (len == 0 || len >= sizeof id) {
        response->code = CS_COAP_CODE_NOT_FOUND;
        return NULL;
    }
    memcpy(id, seg, len);
    id[len] = '\0';
    struct srv_reg *reg = find_id(srv, id);
    if (reg == NULL) {
        response->code = CS_COAP_CODE_NOT_FOUND;
        return NULL;
    }
    const uint8_t *ident;
    size_t ident_len;
    session_identity(srv, in->session, &ident, &ident_len);
    if (!same_identity(reg, ident, ident_len)) {
        /* Another session may not touch this registration; a device with
         * a new security context must Register again (4.04 tells it so
         * without revealing the registration). */
        audit(srv, "refused", reg->r.endpoint,
              "request on /rd/%s from another security context", reg->r.id);
        response->code = CS_COAP_CODE_NOT_FOUND;
        return NULL;
    }
    return reg;
}

static void handle_update(cs_server *srv, cs_coap_endpoint *ep,
                          cs_coap_incoming *in, const char *seg, size_t len,
                          cs_coap_msg *response)
{
    struct srv_reg *reg = target_reg(srv, in, seg, len, response);
    if (reg == NULL)
        return;
    /* Work on a copy so that a refused Update changes nothing. */
    struct srv_reg tmp = *reg;
    tmp.r.links = NULL;
    const char *why = "";
    uint8_t code = apply_params(&tmp, in->request, &why);
    if (code != 0) {
        response->code = code;
        return;
    }
    if (in->request->payload_len > 0) {
        cs_err err = parse_links(&tmp, in->request);
        if (err != CS_OK) {
            free(tmp.r.links);
            response->code = err == CS_E_UNSUPPORTED_FORMAT
                                 ? CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT
                                 : CS_COAP_CODE_BAD_REQUEST;
            return;
        }
        free(reg->r.links);
        reg->r.links = tmp.r.links;
        memcpy(reg->formats, tmp.formats, sizeof reg->formats);
        reg->format_count = tmp.format_count;
        memcpy(reg->alt_path, tmp.alt_path, sizeof reg->alt_path);
    }
    reg->r.lifetime = tmp.r.lifetime;
    memcpy(reg->r.binding, tmp.r.binding, sizeof reg->r.binding);
    reg->r.queue_mode = tmp.r.queue_mode;
    memcpy(reg->r.sms, tmp.r.sms, sizeof reg->r.sms);
    bool moved = !cs_addr_equal(&reg->r.addr, in->from);
    reg->r.addr = *in->from;
    reg->coap = ep;
    schedule_expiry(srv, reg);
    store_put(srv, reg);
    if (reg->r.queue_mode)
        srv_ops_wake(srv);
    char addr[CS_ADDR_TEXT_MAX];
    cs_addr_format(&reg->r.addr, addr, sizeof addr);
    audit(srv, "update", reg->r.endpoint, "update of /rd/%s, lt=%u%s%s",
          reg->r.id, reg->r.lifetime, moved ? ", now at " : "",
          moved ? addr : "");
    response->code = CS_COAP_CODE_CHANGED;
}

static void handle_deregister(cs_server *srv, cs_coap_incoming *in,
                              const char *seg, size_t len,
                              cs_coap_msg *response)
{
    struct srv_reg *reg = target_reg(srv, in, seg, len, response);
    if (reg == NULL)
        return;
    store_delete(srv, reg);
    audit(srv, "deregister", reg->r.endpoint, "de-registered /rd/%s",
          reg->r.id);
    reg_remove(srv, reg);
    response->code = CS_COAP_CODE_DELETED;
}

void cs_server_handle_request(void *app, cs_coap_endpoint *ep,
                              cs_coap_incoming *in, cs_coap_msg *response)
{
    cs_server *srv = app;
    const char *segs[4];
    size_t lens[4], n = 0;
    if (cs_coap_get_strings(in->request, CS_COAP_OPT_URI_PATH, segs, lens, 4,
                            &n) != CS_OK ||
        n == 0 || n > 2 || lens[0] != 2 || memcmp(segs[0], "rd", 2) != 0) {
        response->code = CS_COAP_CODE_NOT_FOUND;
        return;
    }
    uint8_t method = in->request->code;
    if (n == 1 && method == CS_COAP_CODE_POST)
        handle_register(srv, ep, in, response);
    else if (n == 2 && method == CS_COAP_CODE_POST)
        handle_update(srv, ep, in, segs[1], lens[1], response);
    else if (n == 2 && method == CS_COAP_CODE_DELETE)
        handle_deregister(srv, in, segs[1], lens[1], response);
    else
        response->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
}

/* ---- Expiry ---------------------------------------------------------------- */

uint64_t cs_server_tick(cs_server *srv)
{
    uint64_t now = srv->cfg.clock_ms(srv->cfg.clock_ctx);
    cs_timer *t;
    while ((t = cs_timer_heap_pop_due(&srv->expiry, now)) != NULL) {
        struct srv_reg *reg =
            (struct srv_reg *)((char *)t - offsetof(struct srv_reg, timer));
        store_delete(srv, reg);
        audit(srv, "expire", reg->r.endpoint,
              "registration /rd/%s expired (no update within %u s)",
              reg->r.id, reg->r.lifetime);
        reg_remove(srv, reg);
    }
    srv_ops_tick(srv);
    if (srv->forget_pending || srv->flush_pending)
        return now;
    cs_timer *first = cs_timer_heap_first(&srv->expiry);
    return first != NULL ? first->deadline : CS_COAP_NEVER;
}

/* ---- Queries ------------------------------------------------------------------ */

const cs_registration *cs_server_find(const cs_server *srv,
                                      const char *endpoint)
{
    struct srv_reg *r = srv_find_ep(srv, endpoint);
    return r != NULL ? &r->r : NULL;
}

const cs_registration *cs_server_find_id(const cs_server *srv, const char *id)
{
    struct srv_reg *r = find_id(srv, id);
    return r != NULL ? &r->r : NULL;
}

size_t cs_server_count(const cs_server *srv)
{
    return srv->count;
}

cs_err cs_server_each(const cs_server *srv, cs_registration_fn fn, void *ctx)
{
    for (size_t i = 0; i < srv->buckets; i++)
        for (struct srv_reg *r = srv->by_id[i]; r; r = r->next_id)
            if (fn(ctx, &r->r) != 0)
                return CS_OK;
    return CS_OK;
}

const uint16_t *cs_server_formats(const cs_server *srv, const char *endpoint,
                                  size_t *count)
{
    struct srv_reg *r = srv_find_ep(srv, endpoint);
    *count = r != NULL ? r->format_count : 0;
    return r != NULL ? r->formats : NULL;
}

/* ---- Restart ------------------------------------------------------------------ */

struct load_ctx {
    cs_server *srv;
    cs_coap_endpoint *plain, *secure;
    int64_t now;
    size_t loaded;
    cs_err err;
};

static int load_one(void *ctx, const cs_registration *r)
{
    struct load_ctx *lc = ctx;
    cs_server *srv = lc->srv;
    if (r->expires <= lc->now || find_id(srv, r->id) != NULL ||
        srv_find_ep(srv, r->endpoint) != NULL)
        return 0;
    struct srv_reg *reg = calloc(1, sizeof *reg);
    if (reg == NULL) {
        lc->err = CS_E_NOMEM;
        return 1;
    }
    cs_timer_init(&reg->timer);
    reg->r = *r;
    reg->r.links = NULL;
    const char *links = r->links != NULL ? r->links : "";
    if (parse_link_text(reg, links, strlen(links)) != CS_OK) {
        reg_free(reg);
        return 0;                    /* the client will register again */
    }
    reg->coap = r->identity_len > 0 ? lc->secure : lc->plain;
    uint64_t now_ms = srv->cfg.clock_ms(srv->cfg.clock_ctx);
    if (cs_timer_schedule(&srv->expiry, &reg->timer,
                          now_ms + (uint64_t)(r->expires - lc->now) * 1000u) != CS_OK) {
        reg_free(reg);
        lc->err = CS_E_NOMEM;
        return 1;
    }
    table_insert(srv, reg);
    srv->count++;
    table_grow(srv);
    lc->loaded++;
    return 0;
}

cs_err cs_server_load(cs_server *srv, cs_coap_endpoint *plain,
                      cs_coap_endpoint *secure, size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (srv->cfg.store == NULL)
        return CS_OK;
    struct load_ctx lc = { srv, plain, secure,
                           srv->cfg.clock_unix(srv->cfg.clock_ctx), 0, CS_OK };
    cs_err err = cs_store_expire_registrations(srv->cfg.store, lc.now, NULL);
    if (err == CS_OK)
        err = cs_store_each_registration(srv->cfg.store, load_one, &lc);
    if (count != NULL)
        *count = lc.loaded;
    return err != CS_OK ? err : lc.err;
}
