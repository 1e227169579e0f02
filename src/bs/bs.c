/*
 * bs.c - the bootstrap server engine: Bootstrap-Request and
 * Bootstrap-Pack-Request in, a provisioning sequence out.
 *
 * A Bootstrap-Request is checked (known endpoint or a "*" default; on DTLS
 * the endpoint must own the bootstrap PSK identity that authenticated the
 * session; on plain CoAP its configuration must allow NoSec bootstrap),
 * answered 2.04, and becomes a session: fresh credentials are generated
 * at once, then cs_bs_tick starts the sequence DELETE <paths>..., PUT /0
 * (every server Security instance in one payload), PUT /1, PUT /<o> for
 * each further object of the configuration's "write", POST /bs.
 * Each step starts from the previous one's response, so the sequence
 * costs one exchange per step and never overlaps.  The generated
 * credentials are issued to the store just before the Write of /0 that
 * carries them leaves, so a server accepts them as soon as the device can
 * use them; when the sequence fails afterwards they are revoked again.
 *
 * Instance IDs: the Security instances of server accounts are /0/1.. and
 * the Server instances /1/0..; /0/0 is left to the device's own
 * Bootstrap-Server account, which Bootstrap-Delete never removes
 * (REFERENCE §1.2.6); a client whose BS account sits elsewhere moves it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs/bs_internal.h"
#include "bs/policy.h"
#include "bs/rate_limit.h"
#include "bs/naf_keys.h"
#include "cellstrap/gba.h"
#include "cellstrap/bs.h"
#include "cellstrap/codec.h"
#include "cellstrap/dtls.h"
#include "cellstrap/log.h"
#include "crypto/crypto.h"

#define BS_PAYLOAD_MAX (64u * 1024u)
#define BS_IDENTITY_PREFIX "cs-"
#define BS_ALL_OBJECTS 0xFFFF
#define BS_MAX_SESSIONS 100000   /* sequences in progress; more: 5.03 */
#define BS_INDEX_BUCKETS_MIN 64

enum step {
    STEP_PENDING = 0,   /* 2.04 answered, cs_bs_tick has not started yet */
    STEP_DELETE,        /* Bootstrap-Delete of deletes[next_delete - 1] */
    STEP_WRITE_SECURITY,
    STEP_WRITE_SERVER,
    STEP_WRITE_OBJECT,  /* Bootstrap-Write of a further object: object_oid */
    STEP_FINISH,
    STEP_DONE
};

struct session {
    struct session *next, *prev;    /* every session */
    struct session *work_next;      /* the work queue */
    struct session *ep_next;        /* chain in the endpoint index */
    bool indexed;                   /* in the endpoint index */
    bool queued;                    /* on the work queue */
    cs_bs *bs;
    cs_coap_endpoint *ep;
    cs_addr addr;
    void *dtls;                 /* the peer's session handle, or NULL */
    char endpoint[CS_STORE_ENDPOINT_MAX];
    char config_key[CS_STORE_ENDPOINT_MAX];   /* ep or "*" */
    struct bs_config cfg;       /* with generated credentials filled in */
    uint16_t format;            /* for the Writes */
    enum step step;
    size_t next_delete;
    uint16_t object_oid;        /* STEP_WRITE_OBJECT: the object written */
    bool outstanding;           /* a request of ours awaits its outcome */
    bool ready;                 /* the current step goes out at the next tick */
    bool aborted;               /* superseded by a newer request */
    bool issued;                /* credentials are in the store */
};

/* A bootstrap PSK from the configuration file, for cs_bs_psk_lookup. */
struct psk_entry {
    uint8_t identity[CS_STORE_IDENTITY_MAX];
    size_t identity_len;
    uint8_t key[CS_STORE_KEY_MAX];
    size_t key_len;
};

struct cs_bs {
    cs_bs_config cfg;
    cs_rng *rng;
    struct session *sessions;
    size_t session_count;
    struct session *work;       /* sessions cs_bs_tick must look at */
    /* The newest session of each endpoint, hashed by name: a
     * Bootstrap-Request finds the sequence it abandons without walking
     * every sequence in progress (thousands during a fleet's power-up). */
    struct session **by_ep;
    size_t ep_buckets;          /* a power of two, or 0 before the first */
    size_t ep_count;
    uint64_t hash_seed;         /* names come from devices: keyed hash */
    /* The last configuration parsed and its text: most bootstraps use the
     * same ("*") configuration, and parsing it again cost more than
     * reading it from the store.  It may hold keys: wiped when replaced. */
    char *parsed_json;
    struct bs_config *parsed;
    struct psk_entry *psks;
    size_t psk_count;
    cs_buf pack;                /* the last Bootstrap-Pack (response payload) */
    cs_bs_stats stats;
    /* Network-attested bootstrap: the operator's rules and the request
     * counters per address and per subscription. */
    struct bs_network_rules rules;
    struct bs_rate_limit rl_addr, rl_sub;
    struct bs_naf_keys naf_keys;        /* GBA: keys from Zn */
};

/* The store key of the last configuration document loaded: a space, so no
 * endpoint name (printable, no spaces) can be it. */
#define BS_DOCUMENT_KEY "# configuration document"

/* Slots of each rate-limit table (24 bytes each). */
#define BS_RATE_SLOTS 65536
/* RFC 8516: 4.29 Too Many Requests. */
#define BS_CODE_TOO_MANY_REQUESTS CS_COAP_CODE(4, 29)

/* ---- Engine life --------------------------------------------------------- */

cs_err cs_bs_new(const cs_bs_config *cfg, cs_bs **out)
{
    if (cfg == NULL || cfg->store == NULL || cfg->unix_clock == NULL ||
        out == NULL)
        return CS_E_INVALID_ARG;
    cs_bs *bs = calloc(1, sizeof *bs);
    if (bs == NULL)
        return CS_E_NOMEM;
    bs->cfg = *cfg;
    bs->rng = cfg->seed != 0 ? cs_rng_new_deterministic(cfg->seed)
                             : cs_rng_new("cellstrap-bs");
    if (bs->rng == NULL) {
        free(bs);
        return CS_E_INTERNAL;
    }
    if (cs_rng_bytes(bs->rng, &bs->hash_seed, sizeof bs->hash_seed) != CS_OK) {
        cs_rng_free(bs->rng);
        free(bs);
        return CS_E_INTERNAL;
    }
    cs_buf_init(&bs->pack, BS_PAYLOAD_MAX);
    bs->rules.ep_identity = BS_EP_IMSI;
    bs->rules.rate_per_address = 10;
    bs->rules.rate_per_subscription = 10;
    bs->rules.rate_window_s = 60;
    if (!bs_rate_limit_init(&bs->rl_addr, BS_RATE_SLOTS, 10, 60000, bs->hash_seed) ||
        !bs_rate_limit_init(&bs->rl_sub, BS_RATE_SLOTS, 10, 60000, ~bs->hash_seed) ||
        !bs_naf_keys_init(&bs->naf_keys, 4096, bs->hash_seed ^ 0x5a5a5a5a5a5a5a5aull)) {
        cs_bs_free(bs);
        return CS_E_NOMEM;
    }
    *out = bs;
    return CS_OK;
}

/* ---- Endpoint index ------------------------------------------------------ */

static uint64_t hash_name(const char *name, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;   /* FNV-1a, keyed */
    for (; *name; name++) {
        h ^= (uint8_t)*name;
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static struct session **index_slot(const cs_bs *bs, const char *endpoint)
{
    return &bs->by_ep[hash_name(endpoint, bs->hash_seed) & (bs->ep_buckets - 1)];
}

/* The indexed (newest) session of `endpoint`, or NULL. */
static struct session *index_find(const cs_bs *bs, const char *endpoint)
{
    if (bs->ep_buckets == 0)
        return NULL;
    for (struct session *s = *index_slot(bs, endpoint); s != NULL; s = s->ep_next)
        if (strcmp(s->endpoint, endpoint) == 0)
            return s;
    return NULL;
}

static void index_remove(cs_bs *bs, struct session *s)
{
    if (!s->indexed)
        return;
    for (struct session **p = index_slot(bs, s->endpoint); *p != NULL;
         p = &(*p)->ep_next)
        if (*p == s) {
            *p = s->ep_next;
            break;
        }
    s->indexed = false;
    bs->ep_count--;
}

/* Double the buckets when the load passes 1; false when out of memory
 * (the caller goes on with longer chains). */
static bool index_grow(cs_bs *bs)
{
    if (bs->ep_buckets > 0 && bs->ep_count < bs->ep_buckets)
        return true;
    size_t n = bs->ep_buckets ? bs->ep_buckets * 2 : BS_INDEX_BUCKETS_MIN;
    struct session **table = calloc(n, sizeof *table);
    if (table == NULL)
        return bs->ep_buckets > 0;
    struct session **old = bs->by_ep;
    size_t old_n = bs->ep_buckets;
    bs->by_ep = table;
    bs->ep_buckets = n;
    for (size_t i = 0; i < old_n; i++)
        for (struct session *s = old[i], *next; s != NULL; s = next) {
            next = s->ep_next;
            struct session **slot = index_slot(bs, s->endpoint);
            s->ep_next = *slot;
            *slot = s;
        }
    free(old);
    return true;
}

/* Make `s` its endpoint's indexed session; false when out of memory. */
static bool index_insert(cs_bs *bs, struct session *s)
{
    if (!index_grow(bs))
        return false;
    struct session **slot = index_slot(bs, s->endpoint);
    s->ep_next = *slot;
    *slot = s;
    s->indexed = true;
    bs->ep_count++;
    return true;
}

static void session_free(struct session *s)
{
    bs_config_wipe(&s->cfg);
    free(s);
}

/* Ask cs_bs_tick to look at `s` (to send its next request, or to free
 * it), so that a tick costs what there is to do, not one step per
 * session in progress. */
static void enqueue(struct session *s)
{
    if (s->queued)
        return;
    s->queued = true;
    s->work_next = s->bs->work;
    s->bs->work = s;
}

/* Drop the cached parsed configuration (it may hold keys). */
static void forget_parsed(cs_bs *bs)
{
    if (bs->parsed != NULL) {
        bs_config_wipe(bs->parsed);
        free(bs->parsed);
        bs->parsed = NULL;
    }
    if (bs->parsed_json != NULL) {
        cs_secure_zero(bs->parsed_json, strlen(bs->parsed_json));
        free(bs->parsed_json);
        bs->parsed_json = NULL;
    }
}

void cs_bs_free(cs_bs *bs)
{
    if (bs == NULL)
        return;
    while (bs->sessions != NULL) {
        struct session *s = bs->sessions;
        bs->sessions = s->next;
        session_free(s);
    }
    free(bs->by_ep);
    forget_parsed(bs);
    if (bs->psks != NULL)
        cs_secure_zero(bs->psks, bs->psk_count * sizeof *bs->psks);
    free(bs->psks);
    if (bs->pack.data != NULL)
        cs_secure_zero(bs->pack.data, bs->pack.cap);
    cs_buf_free(&bs->pack);
    cs_rng_free(bs->rng);
    bs_network_rules_free(&bs->rules);
    bs_rate_limit_free(&bs->rl_addr);
    bs_rate_limit_free(&bs->rl_sub);
    bs_naf_keys_free(&bs->naf_keys);
    free(bs);
}

void cs_bs_get_stats(const cs_bs *bs, cs_bs_stats *out)
{
    *out = bs->stats;
    out->sessions = 0;
    for (const struct session *s = bs->sessions; s != NULL; s = s->next)
        if (s->step != STEP_DONE && !s->aborted)
            out->sessions++;
}

/* ---- Audit --------------------------------------------------------------- */

static void audit(cs_bs *bs, const char *kind, const char *endpoint,
                  const char *detail)
{
    cs_audit_event ev;
    memset(&ev, 0, sizeof ev);
    ev.time = bs->cfg.unix_clock(bs->cfg.clock_ctx);
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    snprintf(ev.endpoint, sizeof ev.endpoint, "%s", endpoint);
    snprintf(ev.detail, sizeof ev.detail, "%s", detail);
    cs_err err = cs_store_audit(bs->cfg.store, &ev);
    if (err != CS_OK)
        cs_log(CS_LOG_ERROR, "bs: audit event not stored: %s",
               cs_strerror(err));
}

/* Refuse a request: log, audit "refused", answer `code`. */
static void refuse(cs_bs *bs, const cs_addr *from, const char *endpoint,
                   uint8_t code, const char *why, cs_coap_msg *rsp)
{
    char addr[CS_ADDR_TEXT_MAX], text[CS_COAP_CODE_TEXT_MAX];
    cs_addr_format(from, addr, sizeof addr);
    cs_coap_code_text(code, text);
    cs_log(CS_LOG_WARN, "bs: refused ep=%s from %s (%s): %s", endpoint, addr,
           text, why);
    char detail[512];
    snprintf(detail, sizeof detail, "%s; from %s; answered %s", why, addr, text);
    audit(bs, "refused", endpoint, detail);
    bs->stats.refused++;
    rsp->code = code;
}

/* ---- Configuration ------------------------------------------------------- */

/* Parse a configuration's text, or copy the parse of the same text
 * made last time. */
static cs_err parse_config(cs_bs *bs, const char *json, struct bs_config *cfg,
                           char *why, size_t why_cap)
{
    if (bs->parsed != NULL && strcmp(bs->parsed_json, json) == 0) {
        *cfg = *bs->parsed;
        return CS_OK;
    }
    cs_err err = bs_config_parse(json, cfg, why, why_cap);
    if (err != CS_OK)
        return err;
    forget_parsed(bs);
    size_t len = strlen(json);
    bs->parsed = malloc(sizeof *bs->parsed);
    bs->parsed_json = malloc(len + 1);
    if (bs->parsed == NULL || bs->parsed_json == NULL) {
        forget_parsed(bs);            /* no cache: parse again next time */
        return CS_OK;
    }
    *bs->parsed = *cfg;
    memcpy(bs->parsed_json, json, len + 1);
    return CS_OK;
}

/*
 * The configuration for `endpoint`: its own, else "*".  *key says which.
 * CS_E_NOT_FOUND when neither exists; CS_E_SYNTAX when the stored one is
 * broken (logged).
 */
static cs_err load_config(cs_bs *bs, const char *used, struct bs_config *cfg);

static cs_err find_config(cs_bs *bs, const char *endpoint,
                          struct bs_config *cfg, char *key, size_t key_cap)
{
    const char *used = endpoint;
    cs_err err = load_config(bs, endpoint, cfg);
    if (err == CS_E_NOT_FOUND) {
        used = "*";
        err = load_config(bs, "*", cfg);
    }
    if (err == CS_OK)
        snprintf(key, key_cap, "%s", used);
    return err;
}

/* The stored configuration `used`, parsed.  CS_E_NOT_FOUND, CS_E_SYNTAX
 * (logged) for a broken one. */
static cs_err load_config(cs_bs *bs, const char *used, struct bs_config *cfg)
{
    char *json = NULL;
    cs_err err = cs_store_get_bootstrap_config(bs->cfg.store, used, &json);
    if (err != CS_OK)
        return err;
    char why[256];
    err = parse_config(bs, json, cfg, why, sizeof why);
    size_t json_len = strlen(json);
    cs_secure_zero(json, json_len);
    free(json);
    if (err != CS_OK)
        cs_log(CS_LOG_ERROR, "bs: stored configuration \"%s\" is invalid: %s",
               used, why);
    return err;
}

/* Fresh credentials for every "generate" server account. */
static cs_err generate_credentials(cs_bs *bs, struct bs_config *cfg)
{
    for (size_t i = 0; i < cfg->server_count; i++) {
        struct bs_server *s = &cfg->servers[i];
        if (s->security != BS_SEC_PSK || !s->generate)
            continue;
        uint8_t raw[8];
        cs_err err = cs_rng_bytes(bs->rng, raw, sizeof raw);
        if (err == CS_OK)
            err = cs_rng_bytes(bs->rng, s->key, s->generate_key_len);
        if (err != CS_OK)
            return err;
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(BS_IDENTITY_PREFIX);
        memcpy(s->identity, BS_IDENTITY_PREFIX, n);
        for (size_t j = 0; j < sizeof raw; j++) {
            s->identity[n++] = (uint8_t)hex[raw[j] >> 4];
            s->identity[n++] = (uint8_t)hex[raw[j] & 15];
        }
        s->identity_len = n;
        s->key_len = s->generate_key_len;
    }
    return CS_OK;
}

/* Store the credentials of the PSK server accounts (revoking the
 * endpoint's earlier ones for each server). */
static cs_err issue_credentials(cs_bs *bs, const char *endpoint,
                                const struct bs_config *cfg)
{
    int64_t now = bs->cfg.unix_clock(bs->cfg.clock_ctx);
    for (size_t i = 0; i < cfg->server_count; i++) {
        const struct bs_server *s = &cfg->servers[i];
        if (s->security != BS_SEC_PSK)
            continue;
        cs_credential c;
        memset(&c, 0, sizeof c);
        memcpy(c.identity, s->identity, s->identity_len);
        c.identity_len = s->identity_len;
        memcpy(c.key, s->key, s->key_len);
        c.key_len = s->key_len;
        snprintf(c.endpoint, sizeof c.endpoint, "%s", endpoint);
        snprintf(c.server, sizeof c.server, "%s", s->name);
        c.created = now;
        cs_err err = cs_store_issue_credential(bs->cfg.store, &c);
        cs_secure_zero(c.key, sizeof c.key);
        /* A fixed credential is issued once and kept. */
        if (err == CS_E_DUPLICATE && !s->generate)
            err = CS_OK;
        if (err != CS_OK) {
            cs_log(CS_LOG_ERROR, "bs: credential for ep=%s server=%s not "
                   "stored: %s", endpoint, s->name, cs_strerror(err));
            return err;
        }
        cs_log(CS_LOG_INFO, "bs: issued PSK identity %.*s to ep=%s for "
               "server %s", (int)s->identity_len, (const char *)s->identity,
               endpoint, s->name);
    }
    return CS_OK;
}

/* Undo issue_credentials after a failed sequence. */
static void revoke_credentials(cs_bs *bs, const char *endpoint,
                               const struct bs_config *cfg)
{
    int64_t now = bs->cfg.unix_clock(bs->cfg.clock_ctx);
    for (size_t i = 0; i < cfg->server_count; i++)
        if (cfg->servers[i].security == BS_SEC_PSK &&
            cfg->servers[i].generate)
            cs_store_revoke_credentials(bs->cfg.store, endpoint,
                                        cfg->servers[i].name, now, NULL);
}

/* "config=X server=a identity=cs-.. server=b ..." for audit events. */
static void describe(const char *config_key, const struct bs_config *cfg,
                     char *out, size_t cap)
{
    int n = snprintf(out, cap, "config=%s", config_key);
    for (size_t i = 0; i < cfg->server_count && n > 0 && (size_t)n < cap; i++) {
        const struct bs_server *s = &cfg->servers[i];
        if (s->security == BS_SEC_PSK)
            n += snprintf(out + n, cap - (size_t)n, " server=%s identity=%.*s",
                          s->name, (int)s->identity_len,
                          (const char *)s->identity);
        else
            n += snprintf(out + n, cap - (size_t)n, " server=%s nosec",
                          s->name);
    }
}

/* ---- The objects written ------------------------------------------------- */

static cs_err add(cs_records *rs, cs_path p, cs_value v)
{
    return cs_records_add(rs, &p, &v);
}

/* Security instances /0/1.. of the server accounts. */
static cs_err security_records(const struct bs_config *cfg, cs_records *rs)
{
    cs_err err = CS_OK;
    for (size_t i = 0; i < cfg->server_count && err == CS_OK; i++) {
        const struct bs_server *s = &cfg->servers[i];
        uint16_t iid = (uint16_t)(i + 1);
        bool psk = s->security == BS_SEC_PSK;
        err = add(rs, cs_path_resource(0, iid, 0),
                  cs_value_string(s->uri, strlen(s->uri)));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(0, iid, 1), cs_value_boolean(false));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(0, iid, 2),
                      cs_value_integer(s->security));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(0, iid, 3),
                      cs_value_opaque(s->identity, psk ? s->identity_len : 0));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(0, iid, 4), cs_value_opaque(NULL, 0));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(0, iid, 5),
                      cs_value_opaque(s->key, psk ? s->key_len : 0));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(0, iid, 10),
                      cs_value_integer(s->ssid));
    }
    return err;
}

/* Server instances /1/0.. of the server accounts. */
static cs_err server_records(const struct bs_config *cfg, cs_records *rs)
{
    cs_err err = CS_OK;
    for (size_t i = 0; i < cfg->server_count && err == CS_OK; i++) {
        const struct bs_server *s = &cfg->servers[i];
        uint16_t iid = (uint16_t)i;
        err = add(rs, cs_path_resource(1, iid, 0), cs_value_integer(s->ssid));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(1, iid, 1),
                      cs_value_integer(s->lifetime));
        if (err == CS_OK && s->pmin >= 0)
            err = add(rs, cs_path_resource(1, iid, 2), cs_value_integer(s->pmin));
        if (err == CS_OK && s->pmax >= 0)
            err = add(rs, cs_path_resource(1, iid, 3), cs_value_integer(s->pmax));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(1, iid, 6), cs_value_boolean(true));
        if (err == CS_OK)
            err = add(rs, cs_path_resource(1, iid, 7),
                      cs_value_string(s->binding, strlen(s->binding)));
    }
    return err;
}

/* The configuration's further resources of object `oid` (every object
 * for BS_ALL_OBJECTS). */
static cs_err further_records(const struct bs_config *cfg, uint16_t oid,
                              cs_records *rs)
{
    cs_err err = CS_OK;
    for (size_t i = 0; i < cfg->write_count && err == CS_OK; i++)
        if (oid == BS_ALL_OBJECTS || cfg->writes[i].path.ids[0] == oid) {
            cs_value v = bs_write_value(&cfg->writes[i]);
            err = cs_records_add(rs, &cfg->writes[i].path, &v);
        }
    return err;
}

/* Encode object `oid` (or BS_ALL_OBJECTS: a pack) as `format`. */
static cs_err encode_objects(const struct bs_config *cfg, uint16_t oid,
                             uint16_t format, cs_buf *out)
{
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = CS_OK;
    if (oid == 0 || oid == BS_ALL_OBJECTS)
        err = security_records(cfg, &rs);
    if (err == CS_OK && (oid == 1 || oid == BS_ALL_OBJECTS))
        err = server_records(cfg, &rs);
    if (err == CS_OK && oid > 1)
        err = further_records(cfg, oid, &rs);
    cs_path target = oid == BS_ALL_OBJECTS ? cs_path_root() : cs_path_object(oid);
    if (err == CS_OK)
        err = cs_encode(format, &target, &rs, cs_registry_standard(), out);
    /* The records hold copies of the keys. */
    for (size_t i = 0; i < rs.count; i++)
        if (rs.items[i].value.type == CS_TYPE_OPAQUE &&
            rs.items[i].value.v.bytes.len > 0)
            cs_secure_zero((void *)(uintptr_t)rs.items[i].value.v.bytes.data,
                           rs.items[i].value.v.bytes.len);
    cs_records_free(&rs);
    return err;
}

/* ---- The sequence -------------------------------------------------------- */

static void on_step_response(void *user, cs_coap_endpoint *ep, cs_err status,
                             const cs_coap_msg *response, bool final);

static const char *step_name(enum step step)
{
    switch (step) {
    case STEP_DELETE: return "Bootstrap-Delete";
    case STEP_WRITE_SECURITY: return "Bootstrap-Write /0";
    case STEP_WRITE_SERVER: return "Bootstrap-Write /1";
    case STEP_WRITE_OBJECT: return "Bootstrap-Write";
    case STEP_FINISH: return "Bootstrap-Finish";
    default: return "bootstrap";
    }
}

static void sequence_failed(struct session *s, const char *why)
{
    cs_bs *bs = s->bs;
    char detail[512], desc[400];
    describe(s->config_key, &s->cfg, desc, sizeof desc);
    snprintf(detail, sizeof detail, "%s failed: %s; %s", step_name(s->step),
             why, desc);
    cs_log(CS_LOG_WARN, "bs: bootstrap of ep=%s failed at %s: %s",
           s->endpoint, step_name(s->step), why);
    if (s->issued)
        revoke_credentials(bs, s->endpoint, &s->cfg);
    audit(bs, "bootstrap-failed", s->endpoint, detail);
    bs->stats.failed++;
    s->step = STEP_DONE;
}

static void sequence_finished(struct session *s)
{
    cs_bs *bs = s->bs;
    char detail[512], desc[400];
    describe(s->config_key, &s->cfg, desc, sizeof desc);
    snprintf(detail, sizeof detail, "%s; format=%u", desc, s->format);
    cs_log(CS_LOG_INFO, "bs: bootstrap of ep=%s finished (%s)", s->endpoint,
           desc);
    audit(bs, "bootstrap", s->endpoint, detail);
    bs->stats.finished++;
    s->step = STEP_DONE;
}

/* Send the request of the session's current step. */
static void send_step(struct session *s, cs_coap_time now)
{
    cs_coap_msg msg;
    cs_buf payload;
    char path[CS_PATH_TEXT_MAX];
    cs_buf_init(&payload, BS_PAYLOAD_MAX);
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_EMPTY, 0);
    cs_err err = CS_OK;
    switch (s->step) {
    case STEP_DELETE:
        msg.code = CS_COAP_CODE_DELETE;
        cs_path_format(&s->cfg.deletes[s->next_delete - 1], path, sizeof path);
        err = cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, path, strlen(path));
        break;
    case STEP_WRITE_SECURITY:
    case STEP_WRITE_SERVER:
    case STEP_WRITE_OBJECT: {
        uint16_t oid = s->step == STEP_WRITE_SECURITY ? 0
                       : s->step == STEP_WRITE_SERVER ? 1 : s->object_oid;
        if (oid == 0 && !s->issued) {
            err = issue_credentials(s->bs, s->endpoint, &s->cfg);
            s->issued = err == CS_OK;
        }
        msg.code = CS_COAP_CODE_PUT;
        snprintf(path, sizeof path, "/%u", oid);
        if (err == CS_OK)
            err = cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, path,
                                   strlen(path));
        if (err == CS_OK)
            err = cs_coap_add_content_format(&msg, s->format);
        if (err == CS_OK)
            err = encode_objects(&s->cfg, oid, s->format, &payload);
        cs_coap_set_payload(&msg, payload.data, payload.len);
        break;
    }
    case STEP_FINISH:
        msg.code = CS_COAP_CODE_POST;
        err = cs_coap_add_string(&msg, CS_COAP_OPT_URI_PATH, "bs");
        break;
    default:
        err = CS_E_INTERNAL;
        break;
    }
    if (err == CS_OK)
        err = cs_coap_send_request(s->ep, now, &s->addr, s->dtls, &msg,
                                   on_step_response, s);
    if (payload.data != NULL)
        cs_secure_zero(payload.data, payload.cap);
    cs_buf_free(&payload);
    if (err != CS_OK) {
        sequence_failed(s, cs_strerror(err));
        return;
    }
    s->outstanding = true;
    cs_log(CS_LOG_DEBUG, "bs: ep=%s: %s%s%s", s->endpoint, step_name(s->step),
           s->step == STEP_DELETE || s->step == STEP_WRITE_OBJECT ? " " : "",
           s->step == STEP_DELETE || s->step == STEP_WRITE_OBJECT ? path : "");
}

/* The first further object after `after` (0: from the start), or 0. */
static uint16_t next_object(const struct bs_config *cfg, uint16_t after)
{
    for (size_t i = 0; i < cfg->write_count; i++)   /* sorted by path */
        if (cfg->writes[i].path.ids[0] > after)
            return cfg->writes[i].path.ids[0];
    return 0;
}

/* Move to the step after the current one. */
static void advance(struct session *s)
{
    switch (s->step) {
    case STEP_PENDING:
    case STEP_DELETE:
        if (s->next_delete < s->cfg.delete_count) {
            s->next_delete++;
            s->step = STEP_DELETE;
        } else {
            s->step = STEP_WRITE_SECURITY;
        }
        return;
    case STEP_WRITE_SECURITY:
        s->step = STEP_WRITE_SERVER;
        return;
    case STEP_WRITE_SERVER:
    case STEP_WRITE_OBJECT:
        s->object_oid = next_object(&s->cfg, s->step == STEP_WRITE_SERVER
                                              ? 1 : s->object_oid);
        s->step = s->object_oid != 0 ? STEP_WRITE_OBJECT : STEP_FINISH;
        return;
    default:
        s->step = STEP_DONE;
        return;
    }
}

static void on_step_response(void *user, cs_coap_endpoint *ep, cs_err status,
                             const cs_coap_msg *response, bool final)
{
    (void)ep;
    (void)final;
    struct session *s = user;
    s->outstanding = false;
    enqueue(s);              /* to go on, or to be freed */
    if (s->aborted || s->step == STEP_DONE)
        return;
    if (status != CS_OK) {
        sequence_failed(s, cs_strerror(status));
        return;
    }
    uint8_t code = response->code;
    bool ok;
    switch (s->step) {
    case STEP_DELETE:   /* nothing there to delete is fine too */
        ok = code == CS_COAP_CODE_DELETED || code == CS_COAP_CODE_NOT_FOUND;
        break;
    default:
        ok = code == CS_COAP_CODE_CHANGED;
        break;
    }
    if (!ok) {
        char text[CS_COAP_CODE_TEXT_MAX], why[160];
        cs_coap_code_text(code, text);
        snprintf(why, sizeof why, "%s answered %s%s", step_name(s->step), text,
                 s->step == STEP_FINISH && code == CS_COAP_CODE_NOT_ACCEPTABLE
                     ? " (the device found the configuration inconsistent)"
                     : "");
        sequence_failed(s, why);
        return;
    }
    if (s->step == STEP_FINISH) {
        sequence_finished(s);
        return;
    }
    /* The callback has no clock: the next request goes out from
     * cs_bs_tick, which the caller runs after every batch of datagrams. */
    advance(s);
    s->ready = true;
}

cs_coap_time cs_bs_tick(cs_bs *bs, cs_coap_time now)
{
    bool sent = false;
    struct session *work = bs->work;
    bs->work = NULL;
    while (work != NULL) {
        struct session *s = work;
        work = s->work_next;
        s->queued = false;
        if (s->ready && !s->aborted) {
            s->ready = false;
            if (s->step == STEP_PENDING)
                advance(s);
            send_step(s, now);
            sent = true;
        }
        if ((s->step == STEP_DONE || s->aborted) && !s->outstanding) {
            index_remove(bs, s);
            if (s->prev != NULL)
                s->prev->next = s->next;
            else
                bs->sessions = s->next;
            if (s->next != NULL)
                s->next->prev = s->prev;
            session_free(s);
            bs->session_count--;
        }
    }
    /* A request sent here set a retransmission timer the caller's loop may
     * already have read past: ask to be run again at once, so that the
     * endpoint's new deadline is seen. */
    return sent ? now : CS_COAP_NEVER;
}

/* ---- Requests from devices ------------------------------------------------ */

/* The "ep" query parameter as a string; false when absent, empty, too long
 * or not printable (it goes into logs and audit events). */
static bool get_endpoint(const cs_coap_msg *req, char *out, size_t cap)
{
    const char *v;
    size_t len;
    if (cs_coap_get_query(req, "ep", &v, &len) != CS_OK || len == 0 ||
        len >= cap)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
            return false;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

/*
 * May this request bootstrap `endpoint` with `cfg` (its own configuration
 * when `own`)?  NULL when it may, else the reason.  Over DTLS the PSK
 * identity that authenticated the session must be the endpoint's own
 * bootstrap identity (a fleet-wide "*" identity proves nothing about the
 * name); in the clear the configuration must allow NoSec bootstrap.
 */
static const char *authorize(const cs_coap_incoming *in,
                             const struct bs_config *cfg, bool own)
{
    if (in->session == NULL)
        return cfg->allow_nosec_bootstrap ? NULL
               : "NoSec bootstrap not allowed for this endpoint";
    size_t len = 0;
    const uint8_t *id = cs_dtls_peer_identity(in->session, &len);
    if (!own || !cfg->has_bootstrap_psk || id == NULL ||
        len != cfg->bs_identity_len ||
        !cs_ct_equal(id, cfg->bs_identity, len))
        return "the DTLS PSK identity does not belong to this endpoint";
    return NULL;
}

/* The subscription the network attested for a binding. */
static void subscription_of(const cs_binding *b, struct bs_subscription *sub)
{
    memset(sub, 0, sizeof *sub);
    snprintf(sub->imsi, sizeof sub->imsi, "%s", b->imsi);
    snprintf(sub->msisdn, sizeof sub->msisdn, "%s", b->msisdn);
    snprintf(sub->imeisv, sizeof sub->imeisv, "%s", b->imeisv);
    snprintf(sub->apn, sizeof sub->apn, "%s", b->apn);
}

static bool admit_subscription(cs_bs *bs, cs_coap_incoming *in,
                               const char *endpoint, struct bs_subscription *sub,
                               enum bs_trust trust, const char *origin,
                               struct bs_config *cfg, char *key, size_t key_cap,
                               cs_coap_msg *rsp);

/*
 * A plain Bootstrap-Request under network attestation: the source address
 * must be bound by accounting, on a trusted APN; the configuration is the
 * endpoint's own, else the first policy matching the subscription, else
 * "*"; the endpoint name must name the attested subscription.  Answers
 * and returns false when refused.
 */
static bool admit_attested(cs_bs *bs, cs_coap_incoming *in,
                           const char *endpoint, struct bs_config *cfg,
                           char *key, size_t key_cap, cs_coap_msg *rsp)
{
    uint64_t now_ms = (uint64_t)bs->cfg.unix_clock(bs->cfg.clock_ctx) * 1000u;
    cs_addr host = *in->from;
    host.port = 0;
    char host_text[CS_ADDR_TEXT_MAX];
    cs_addr_format(&host, host_text, sizeof host_text);
    if (!bs_rate_limit_allow(&bs->rl_addr, host_text, now_ms)) {
        refuse(bs, in->from, endpoint, BS_CODE_TOO_MANY_REQUESTS,
               "too many Bootstrap-Requests from this address", rsp);
        return false;
    }
    cs_binding b;
    cs_err err = cs_store_find_binding(bs->cfg.store, in->from, &b);
    if (err == CS_E_NOT_FOUND) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_FORBIDDEN,
               "no network binding for this address (no data session "
               "reported by a packet gateway)", rsp);
        return false;
    }
    if (err != CS_OK) {
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return false;
    }
    char why[300];
    if (!bs_apn_trusted(&bs->rules, b.apn)) {
        snprintf(why, sizeof why, "APN \"%s\" is not trusted for plain "
                 "bootstrap (IMSI %s)", b.apn, b.imsi);
        refuse(bs, in->from, endpoint, CS_COAP_CODE_FORBIDDEN, why, rsp);
        return false;
    }
    struct bs_subscription sub;
    subscription_of(&b, &sub);
    char origin[200];
    snprintf(origin, sizeof origin, "apn=%.60s gateway=%.40s", b.apn, b.gateway);
    return admit_subscription(bs, in, endpoint, &sub, BS_TRUST_NETWORK, origin,
                              cfg, key, key_cap, rsp);
}

/*
 * A request whose subscription is proven (by the network's binding, or by
 * a GBA key): the configuration is the endpoint's own, else the first
 * matching policy that accepts this proof, else "*"; the endpoint name
 * must name the subscription; the per-subscription rate limit applies.
 */
static bool admit_subscription(cs_bs *bs, cs_coap_incoming *in,
                               const char *endpoint, struct bs_subscription *sub,
                               enum bs_trust trust, const char *origin,
                               struct bs_config *cfg, char *key, size_t key_cap,
                               cs_coap_msg *rsp)
{
    uint64_t now_ms = (uint64_t)bs->cfg.unix_clock(bs->cfg.clock_ctx) * 1000u;
    char why[300];
    cs_err err;
    bs_inventory_complete(&bs->rules, sub);

    /* The configuration: the device's own, a policy's, or the default. */
    const struct bs_policy *policy = NULL;
    enum bs_ep_identity need = bs->rules.ep_identity;
    char used[CS_STORE_ENDPOINT_MAX];
    snprintf(used, sizeof used, "%s", endpoint);
    err = load_config(bs, used, cfg);
    if (err == CS_E_NOT_FOUND) {
        policy = bs_policy_select(&bs->rules, sub);
        if (policy != NULL && !(policy->trust & trust)) {
            snprintf(why, sizeof why, "policy %s does not accept %s for IMSI %s",
                     policy->name, trust == BS_TRUST_GBA ? "GBA"
                     : trust == BS_TRUST_AKMA ? "AKMA" : "network attestation",
                     sub->imsi);
            refuse(bs, in->from, endpoint, CS_COAP_CODE_FORBIDDEN, why, rsp);
            return false;
        }
        if (policy != NULL) {
            snprintf(used, sizeof used, "policy:%s", policy->name);
            need = policy->ep_identity;
        } else {
            snprintf(used, sizeof used, "*");
        }
        err = load_config(bs, used, cfg);
    }
    if (err == CS_E_NOT_FOUND) {
        snprintf(why, sizeof why, "no configuration for this subscription "
                 "(IMSI %s): no device entry, policy or default", sub->imsi);
        refuse(bs, in->from, endpoint, CS_COAP_CODE_BAD_REQUEST, why, rsp);
        return false;
    }
    if (err != CS_OK) {
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return false;
    }
    const char *mismatch = bs_endpoint_names_subscription(endpoint, sub, need);
    if (mismatch != NULL) {
        snprintf(why, sizeof why, "%s (%s IMSI %s)", mismatch,
                 trust == BS_TRUST_NETWORK ? "address bound to" : "SIM key of",
                 sub->imsi);
        refuse(bs, in->from, endpoint, CS_COAP_CODE_FORBIDDEN, why, rsp);
        bs_config_wipe(cfg);
        return false;
    }
    if (!bs_rate_limit_allow(&bs->rl_sub, sub->imsi, now_ms)) {
        snprintf(why, sizeof why, "too many Bootstrap-Requests for IMSI %s",
                 sub->imsi);
        refuse(bs, in->from, endpoint, BS_CODE_TOO_MANY_REQUESTS, why, rsp);
        bs_config_wipe(cfg);
        return false;
    }
    err = generate_credentials(bs, cfg);
    if (err != CS_OK) {
        cs_log(CS_LOG_ERROR, "bs: no random bytes: %s", cs_strerror(err));
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        bs_config_wipe(cfg);
        return false;
    }
    /* The audit trail names the rule and the attested subscription. */
    int n = snprintf(key, key_cap, "%.80s imsi=%s", used, sub->imsi);
    if (n > 0 && (size_t)n < key_cap)
        snprintf(key + n, key_cap - (size_t)n, " %s", origin);
    return true;
}

/* The key table's name for a key id: GBA B-TIDs as they are, A-KIDs with
 * a prefix no B-TID has. */
static void key_name(cs_psk_identity_kind kind, const char *id, char *out,
                     size_t cap)
{
    snprintf(out, cap, "%s%s", kind == CS_PSK_IDENTITY_AKMA ? "akma:" : "", id);
}

/*
 * A Bootstrap-Request over a DTLS session keyed by GBA: the handshake used
 * Ks_NAF for this B-TID, so the subscription is the IMPI the BSF gave.
 */
static bool admit_gba(cs_bs *bs, cs_coap_incoming *in, const char *endpoint,
                      cs_psk_identity_kind kind, const char *btid,
                      struct bs_config *cfg, char *key, size_t key_cap,
                      cs_coap_msg *rsp)
{
    int64_t now = bs->cfg.unix_clock(bs->cfg.clock_ctx);
    char name[CS_GBA_BTID_MAX + 8];
    key_name(kind, btid, name, sizeof name);
    const struct bs_naf_key *k = bs_naf_keys_find(&bs->naf_keys, name, now);
    if (k == NULL) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_FORBIDDEN,
               "GBA key expired since the handshake", rsp);
        return false;
    }
    struct bs_subscription sub;
    memset(&sub, 0, sizeof sub);
    /* GBA gives an IMPI "<IMSI>@ims...", AKMA the SUPI's IMSI digits. */
    const char *at = strchr(k->impi, '@');
    size_t len = at != NULL ? (size_t)(at - k->impi) : strlen(k->impi);
    if (len < 6 || len >= sizeof sub.imsi) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_FORBIDDEN,
               "the BSF's IMPI names no IMSI", rsp);
        return false;
    }
    memcpy(sub.imsi, k->impi, len);
    char origin[CS_GBA_BTID_MAX + 16];
    bool akma = kind == CS_PSK_IDENTITY_AKMA;
    snprintf(origin, sizeof origin, "%s=%.200s", akma ? "akma a-kid" : "gba btid",
             btid);
    return admit_subscription(bs, in, endpoint, &sub,
                              akma ? BS_TRUST_AKMA : BS_TRUST_GBA, origin, cfg,
                              key, key_cap, rsp);
}

/* Find and check the configuration for a request; answers and returns
 * false when refused. */
static bool admit(cs_bs *bs, cs_coap_incoming *in, const char *endpoint,
                  struct bs_config *cfg, char *key, size_t key_cap,
                  cs_coap_msg *rsp)
{
    if (bs->cfg.network_attestation && in->session == NULL)
        return admit_attested(bs, in, endpoint, cfg, key, key_cap, rsp);
    if (in->session != NULL && (bs->cfg.naf_key != NULL || bs->cfg.af_key != NULL)) {
        size_t id_len = 0;
        const uint8_t *id = cs_dtls_peer_identity(in->session, &id_len);
        cs_psk_identity_kind kind;
        char btid[CS_GBA_BTID_MAX + 1];
        if (id != NULL && cs_psk_identity_parse(id, id_len, &kind, btid,
                                                sizeof btid) == CS_OK)
            return admit_gba(bs, in, endpoint, kind, btid, cfg, key, key_cap, rsp);
    }
    cs_err err = find_config(bs, endpoint, cfg, key, key_cap);
    if (err == CS_E_NOT_FOUND) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_BAD_REQUEST,
               "unknown endpoint and no default configuration", rsp);
        return false;
    }
    if (err != CS_OK) {
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return false;
    }
    const char *why = authorize(in, cfg, strcmp(key, endpoint) == 0);
    if (why != NULL) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_BAD_REQUEST, why, rsp);
        bs_config_wipe(cfg);
        return false;
    }
    err = generate_credentials(bs, cfg);
    if (err != CS_OK) {
        cs_log(CS_LOG_ERROR, "bs: no random bytes: %s", cs_strerror(err));
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        bs_config_wipe(cfg);
        return false;
    }
    return true;
}

static bool write_format_ok(uint32_t f)
{
    return f == CS_FORMAT_TLV || f == CS_FORMAT_SENML_CBOR ||
           f == CS_FORMAT_SENML_JSON || f == CS_FORMAT_LWM2M_CBOR;
}

/* POST /bs?ep=..[&pct=..]: Client-Initiated Bootstrap. */
static void bootstrap_request(cs_bs *bs, cs_coap_endpoint *ep,
                              cs_coap_incoming *in, cs_coap_msg *rsp)
{
    char endpoint[CS_STORE_ENDPOINT_MAX];
    if (!get_endpoint(in->request, endpoint, sizeof endpoint)) {
        refuse(bs, in->from, "", CS_COAP_CODE_BAD_REQUEST,
               "Bootstrap-Request without a valid ep", rsp);
        return;
    }
    /* pct: the format the client wants for our payloads; TLV otherwise
     * (LwM2M 1.0 clients send none and all speak TLV). */
    uint16_t format = CS_FORMAT_TLV;
    const char *pct;
    size_t pct_len;
    cs_err err = cs_coap_get_query(in->request, "pct", &pct, &pct_len);
    if (err == CS_OK) {
        char text[8];
        char *end;
        unsigned long f = 0;
        if (pct_len > 0 && pct_len < sizeof text) {
            memcpy(text, pct, pct_len);
            text[pct_len] = '\0';
            f = strtoul(text, &end, 10);
            if (*end != '\0')
                f = 0;
        }
        if (!write_format_ok((uint32_t)f)) {
            refuse(bs, in->from, endpoint,
                   CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT,
                   "unsupported preferred content format (pct)", rsp);
            return;
        }
        format = (uint16_t)f;
    } else if (err != CS_E_NOT_FOUND) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_BAD_REQUEST,
               "malformed pct", rsp);
        return;
    }
    struct session *s = bs->session_count < BS_MAX_SESSIONS
                        ? calloc(1, sizeof *s) : NULL;
    if (s == NULL) {
        cs_log(CS_LOG_WARN, "bs: ep=%s: too many bootstraps in progress",
               endpoint);
        rsp->code = CS_COAP_CODE_SERVICE_UNAVAILABLE;
        return;
    }
    if (!admit(bs, in, endpoint, &s->cfg, s->config_key,
               sizeof s->config_key, rsp)) {
        session_free(s);
        return;
    }
    /* A device that asks again abandons the sequence it had (the indexed
     * one: each request abandons the one before, so no older one is
     * still running). */
    struct session *o = index_find(bs, endpoint);
    if (o != NULL) {
        if (o->step != STEP_DONE && !o->aborted) {
            cs_log(CS_LOG_INFO, "bs: ep=%s asked again: the earlier "
                   "sequence is abandoned", endpoint);
            o->aborted = true;
            enqueue(o);
        }
        index_remove(bs, o);
    }
    s->bs = bs;
    s->ep = ep;
    s->addr = *in->from;
    s->dtls = in->session;
    s->format = format;
    s->step = STEP_PENDING;
    s->ready = true;
    snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
    if (!index_insert(bs, s)) {
        session_free(s);
        rsp->code = CS_COAP_CODE_SERVICE_UNAVAILABLE;
        return;
    }
    s->next = bs->sessions;
    if (s->next != NULL)
        s->next->prev = s;
    bs->sessions = s;
    bs->session_count++;
    enqueue(s);
    bs->stats.requests++;
    char addr[CS_ADDR_TEXT_MAX];
    cs_addr_format(in->from, addr, sizeof addr);
    cs_log(CS_LOG_INFO, "bs: Bootstrap-Request ep=%s from %s%s, config %s, "
           "format %u", endpoint, addr, in->session != NULL ? " (DTLS)" : "",
           s->config_key, format);
    rsp->code = CS_COAP_CODE_CHANGED;
}

/* GET /bspack?ep=..: the whole configuration in one response (1.2). */
static void pack_request(cs_bs *bs, cs_coap_incoming *in, cs_coap_msg *rsp)
{
    char endpoint[CS_STORE_ENDPOINT_MAX];
    if (!get_endpoint(in->request, endpoint, sizeof endpoint)) {
        refuse(bs, in->from, "", CS_COAP_CODE_BAD_REQUEST,
               "Bootstrap-Pack-Request without a valid ep", rsp);
        return;
    }
    uint16_t format = CS_FORMAT_SENML_CBOR;
    cs_err err = cs_coap_get_accept(in->request, &format);
    if (err != CS_OK && err != CS_E_NOT_FOUND) {
        rsp->code = CS_COAP_CODE_BAD_REQUEST;
        return;
    }
    if (format != CS_FORMAT_SENML_CBOR && format != CS_FORMAT_SENML_JSON &&
        format != CS_FORMAT_LWM2M_CBOR) {
        refuse(bs, in->from, endpoint, CS_COAP_CODE_NOT_ACCEPTABLE,
               "Bootstrap-Pack in an unsupported format (Accept)", rsp);
        return;
    }
    struct bs_config *cfg = malloc(sizeof *cfg);
    char key[CS_STORE_ENDPOINT_MAX];
    if (cfg == NULL) {
        rsp->code = CS_COAP_CODE_SERVICE_UNAVAILABLE;
        return;
    }
    if (!admit(bs, in, endpoint, cfg, key, sizeof key, rsp)) {
        free(cfg);
        return;
    }
    if (bs->pack.data != NULL)
        cs_secure_zero(bs->pack.data, bs->pack.cap);
    cs_buf_reset(&bs->pack);
    err = encode_objects(cfg, BS_ALL_OBJECTS, format, &bs->pack);
    if (err == CS_OK)
        err = issue_credentials(bs, endpoint, cfg);
    if (err != CS_OK) {
        cs_log(CS_LOG_ERROR, "bs: Bootstrap-Pack for ep=%s failed: %s",
               endpoint, cs_strerror(err));
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
    } else {
        char detail[512], desc[400];
        describe(key, cfg, desc, sizeof desc);
        snprintf(detail, sizeof detail, "Bootstrap-Pack; %s; format=%u", desc,
                 format);
        cs_log(CS_LOG_INFO, "bs: Bootstrap-Pack for ep=%s (%s)", endpoint, desc);
        audit(bs, "bootstrap", endpoint, detail);
        bs->stats.packs++;
        rsp->code = CS_COAP_CODE_CONTENT;
        cs_coap_add_content_format(rsp, format);
        cs_coap_set_payload(rsp, bs->pack.data, bs->pack.len);
    }
    bs_config_wipe(cfg);
    free(cfg);
}

/* Is the Uri-Path exactly the one segment `name`? */
static bool path_is(const cs_coap_msg *req, const char *name)
{
    const char *segs[2];
    size_t lens[2], n = 0;
    if (cs_coap_get_strings(req, CS_COAP_OPT_URI_PATH, segs, lens, 2, &n) !=
        CS_OK || n != 1)
        return false;
    return lens[0] == strlen(name) && memcmp(segs[0], name, lens[0]) == 0;
}

void cs_bs_on_request(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                      cs_coap_msg *response)
{
    cs_bs *bs = app;
    const cs_coap_msg *req = in->request;
    if (path_is(req, "bs")) {
        if (req->code == CS_COAP_CODE_POST)
            bootstrap_request(bs, ep, in, response);
        else
            response->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
    } else if (path_is(req, "bspack")) {
        if (req->code == CS_COAP_CODE_GET)
            pack_request(bs, in, response);
        else
            response->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
    } else {
        response->code = CS_COAP_CODE_NOT_FOUND;
    }
}

/* ---- Bootstrap PSKs ------------------------------------------------------- */

/* Ks_NAF for a B-TID (K_AF for an A-KID): kept from an earlier answer of
 * the BSF (AAnF), else asked now. */
static cs_err gba_psk(cs_bs *bs, cs_psk_identity_kind kind, const char *btid,
                      uint8_t *key, size_t key_cap, size_t *key_len)
{
    int64_t now = bs->cfg.unix_clock(bs->cfg.clock_ctx);
    if (key_cap < CS_GBA_KEY_LEN)
        return CS_E_TOO_LARGE;
    char name[CS_GBA_BTID_MAX + 8];
    key_name(kind, btid, name, sizeof name);
    const struct bs_naf_key *k = bs_naf_keys_find(&bs->naf_keys, name, now);
    if (k == NULL) {
        uint8_t fresh[CS_GBA_KEY_LEN];
        char impi[128] = "";
        int64_t expires = 0;
        cs_err err = kind == CS_PSK_IDENTITY_AKMA
            ? bs->cfg.af_key(bs->cfg.naf_key_ctx, btid, fresh, impi, &expires)
            : bs->cfg.naf_key(bs->cfg.naf_key_ctx, btid, fresh, impi, &expires);
        if (err != CS_OK || expires <= now) {
            cs_secure_zero(fresh, sizeof fresh);
            cs_log(CS_LOG_WARN, "bs: %s %s: %s",
                   kind == CS_PSK_IDENTITY_AKMA ? "AKMA A-KID" : "GBA B-TID", btid,
                   err == CS_OK ? "key already expired" : cs_strerror(err));
            return CS_E_NOT_FOUND;           /* the device runs Ub again */
        }
        impi[sizeof impi - 1] = '\0';
        bs_naf_keys_put(&bs->naf_keys, name, impi, fresh, expires);
        cs_secure_zero(fresh, sizeof fresh);
        k = bs_naf_keys_find(&bs->naf_keys, name, now);
        if (k == NULL)
            return CS_E_NOT_FOUND;
        if (kind == CS_PSK_IDENTITY_AKMA)
            cs_log(CS_LOG_INFO, "bs: AKMA key for %s from the AAnF (SUPI %s)", btid,
                   k->impi);
        else
            cs_log(CS_LOG_INFO, "bs: GBA key for %s from the BSF (%s)", btid, k->impi);
    }
    memcpy(key, k->key, CS_GBA_KEY_LEN);
    *key_len = CS_GBA_KEY_LEN;
    return CS_OK;
}

cs_err cs_bs_psk_lookup(void *ctx, const cs_addr *from,
                        const uint8_t *identity, size_t identity_len,
                        uint8_t *key, size_t key_cap, size_t *key_len)
{
    (void)from;
    cs_bs *bs = ctx;
    cs_psk_identity_kind kind;
    char btid[CS_GBA_BTID_MAX + 1];
    if (cs_psk_identity_parse(identity, identity_len, &kind, btid, sizeof btid) ==
        CS_OK) {
        if (kind == CS_PSK_IDENTITY_GBA && bs->cfg.naf_key != NULL)
            return gba_psk(bs, kind, btid, key, key_cap, key_len);
        if (kind == CS_PSK_IDENTITY_AKMA && bs->cfg.af_key != NULL)
            return gba_psk(bs, kind, btid, key, key_cap, key_len);
    }
    for (size_t i = 0; i < bs->psk_count; i++) {
        const struct psk_entry *e = &bs->psks[i];
        if (e->identity_len == identity_len &&
            cs_ct_equal(e->identity, identity, identity_len)) {
            if (e->key_len > key_cap)
                return CS_E_TOO_LARGE;
            memcpy(key, e->key, e->key_len);
            *key_len = e->key_len;
            return CS_OK;
        }
    }
    /* A configuration put into the store by other means: found when the
     * identity is the endpoint name. */
    if (identity_len == 0 || identity_len >= CS_STORE_ENDPOINT_MAX ||
        memchr(identity, 0, identity_len) != NULL)
        return CS_E_NOT_FOUND;
    char name[CS_STORE_ENDPOINT_MAX];
    memcpy(name, identity, identity_len);
    name[identity_len] = '\0';
    char *json = NULL;
    if (cs_store_get_bootstrap_config(bs->cfg.store, name, &json) != CS_OK)
        return CS_E_NOT_FOUND;
    struct bs_config *cfg = malloc(sizeof *cfg);
    cs_err err = CS_E_NOT_FOUND;
    if (cfg != NULL && bs_config_parse(json, cfg, NULL, 0) == CS_OK &&
        cfg->has_bootstrap_psk && cfg->bs_identity_len == identity_len &&
        cs_ct_equal(cfg->bs_identity, identity, identity_len) &&
        cfg->bs_key_len <= key_cap) {
        memcpy(key, cfg->bs_key, cfg->bs_key_len);
        *key_len = cfg->bs_key_len;
        err = CS_OK;
    }
    if (cfg != NULL) {
        bs_config_wipe(cfg);
        free(cfg);
    }
    free(json);
    return err;
}

/* ---- Configuration files -------------------------------------------------- */

/* Add a configuration's bootstrap PSK to a table being built; an
 * identity may belong to one endpoint only. */
static cs_err index_psk(struct psk_entry **table, size_t *count,
                        const struct bs_config *cfg, const char *ep,
                        char *err, size_t cap)
{
    if (!cfg->has_bootstrap_psk)
        return CS_OK;
    for (size_t i = 0; i < *count; i++)
        if ((*table)[i].identity_len == cfg->bs_identity_len &&
            memcmp((*table)[i].identity, cfg->bs_identity,
                   cfg->bs_identity_len) == 0) {
            snprintf(err, cap, "endpoints.%s.bootstrap_psk: identity already "
                     "used by another endpoint", ep);
            return CS_E_SYNTAX;
        }
    struct psk_entry *n = realloc(*table, (*count + 1) * sizeof *n);
    if (n == NULL)
        return CS_E_NOMEM;
    *table = n;
    struct psk_entry *e = &n[(*count)++];
    memcpy(e->identity, cfg->bs_identity, cfg->bs_identity_len);
    e->identity_len = cfg->bs_identity_len;
    memcpy(e->key, cfg->bs_key, cfg->bs_key_len);
    e->key_len = cfg->bs_key_len;
    return CS_OK;
}

static void free_table(struct psk_entry *table, size_t count)
{
    if (table != NULL)
        cs_secure_zero(table, count * sizeof *table);
    free(table);
}

/* Check every entry of {"endpoints": {...}} and build the PSK table. */
static cs_err check_file(json_t *root, struct psk_entry **table,
                         size_t *count, char *err, size_t cap)
{
    if (!json_is_object(root))
        return snprintf(err, cap, "the file must hold a JSON object"),
               CS_E_SYNTAX;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (strcmp(k, "endpoints") != 0 && strcmp(k, "comment") != 0 &&
            strcmp(k, "network") != 0 && strcmp(k, "policies") != 0)
            return snprintf(err, cap, "unknown member \"%s\" (expected "
                            "\"endpoints\", \"network\", \"policies\")", k),
                   CS_E_SYNTAX;
    }
    json_t *eps = json_object_get(root, "endpoints");
    if (eps == NULL && json_object_get(root, "policies") != NULL)
        return CS_OK;                  /* policies only */
    if (!json_is_object(eps))
        return snprintf(err, cap, "\"endpoints\": an object of endpoint "
                        "name (or \"*\") to configuration"), CS_E_SYNTAX;
    struct bs_config *cfg = malloc(sizeof *cfg);
    if (cfg == NULL)
        return CS_E_NOMEM;
    cs_err e = CS_OK;
    json_object_foreach(eps, k, v) {
        char why[256];
        if (k[0] == '\0' || strlen(k) >= CS_STORE_ENDPOINT_MAX) {
            snprintf(err, cap, "endpoints: bad endpoint name");
            e = CS_E_SYNTAX;
            break;
        }
        char *text = json_dumps(v, JSON_COMPACT);
        if (text == NULL) {
            e = CS_E_NOMEM;
            break;
        }
        e = bs_config_parse(text, cfg, why, sizeof why);
        free(text);
        if (e != CS_OK) {
            snprintf(err, cap, "endpoints.%s: %s", k, why);
            break;
        }
        e = index_psk(table, count, cfg, k, err, cap);
        bs_config_wipe(cfg);
        if (e != CS_OK)
            break;
    }
    free(cfg);
    return e;
}

/* A policy's configuration: checked like an endpoint's. */
static cs_err check_policy_config(void *ctx, const char *name, const char *json,
                                  char *err, size_t err_cap)
{
    (void)ctx;
    (void)name;
    return cs_bs_check_config(json, err, err_cap);
}

static cs_err store_policy_config(void *ctx, const char *name, const char *json,
                                  char *err, size_t err_cap)
{
    cs_bs *bs = ctx;
    char key[CS_STORE_ENDPOINT_MAX];
    snprintf(key, sizeof key, "policy:%s", name);
    cs_err e = cs_store_put_bootstrap_config(bs->cfg.store, key, json);
    if (e != CS_OK)
        snprintf(err, err_cap, "not stored: %s", cs_strerror(e));
    return e;
}

cs_err cs_bs_load_text(cs_bs *bs, const char *json, char *err, size_t err_cap)
{
    char dummy[8];
    if (err == NULL || err_cap == 0) {
        err = dummy;
        err_cap = sizeof dummy;
    }
    err[0] = '\0';
    json_error_t jerr;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, err_cap, "JSON error at line %d: %s", jerr.line,
                 jerr.text);
        return CS_E_SYNTAX;
    }
    struct psk_entry *table = NULL;
    size_t count = 0;
    cs_err e = check_file(root, &table, &count, err, err_cap);
    /* The rules and every policy's configuration are checked before
     * anything is stored; then stored under "policy:<name>". */
    struct bs_network_rules rules;
    memset(&rules, 0, sizeof rules);
    if (e == CS_OK)
        e = bs_network_rules_parse(json, check_policy_config, NULL, &rules,
                                   err, err_cap);
    bs_network_rules_free(&rules);
    const char *k;
    json_t *v;
    json_t *eps = json_object_get(root, "endpoints");
    if (e == CS_OK && eps != NULL) {
        json_object_foreach(eps, k, v) {
            char *text = json_dumps(v, JSON_COMPACT);
            e = text == NULL ? CS_E_NOMEM
                : cs_store_put_bootstrap_config(bs->cfg.store, k, text);
            free(text);
            if (e != CS_OK) {
                snprintf(err, err_cap, "endpoints.%s: not stored: %s", k,
                         cs_strerror(e));
                break;
            }
        }
    }
    if (e == CS_OK)
        e = bs_network_rules_parse(json, store_policy_config, bs, &rules, err,
                                   err_cap);
    /* The whole document too, so that a restart without the file (or
     * another node on the same store) gets the same rules back. */
    if (e == CS_OK && (e = cs_store_put_bootstrap_config(
                           bs->cfg.store, BS_DOCUMENT_KEY, json)) != CS_OK)
        snprintf(err, err_cap, "configuration document not stored: %s",
                 cs_strerror(e));
    json_decref(root);
    if (e != CS_OK) {
        free_table(table, count);
        return e;
    }
    free_table(bs->psks, bs->psk_count);
    bs->psks = table;
    bs->psk_count = count;
    bs_network_rules_free(&bs->rules);
    bs->rules = rules;
    bs->rl_addr.limit = rules.rate_per_address;
    bs->rl_addr.window_ms = (uint64_t)rules.rate_window_s * 1000u;
    bs->rl_sub.limit = rules.rate_per_subscription;
    bs->rl_sub.window_ms = (uint64_t)rules.rate_window_s * 1000u;
    return CS_OK;
}

cs_err cs_bs_load_stored(cs_bs *bs, char *err, size_t err_cap)
{
    char *json = NULL;
    cs_err e = cs_store_get_bootstrap_config(bs->cfg.store, BS_DOCUMENT_KEY, &json);
    if (e == CS_E_NOT_FOUND) {
        snprintf(err, err_cap, "no configuration in the store");
        return e;
    }
    if (e != CS_OK) {
        snprintf(err, err_cap, "store: %s", cs_strerror(e));
        return e;
    }
    e = cs_bs_load_text(bs, json, err, err_cap);
    cs_secure_zero(json, strlen(json));
    free(json);
    return e;
}

cs_err cs_bs_load_file(cs_bs *bs, const char *path, char *err, size_t err_cap)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            snprintf(err, err_cap, "%s: cannot be read", path);
            return CS_E_NOT_FOUND;
        }
        fclose(f);
        snprintf(err, err_cap, "%s:%d: %s", path, jerr.line, jerr.text);
        return CS_E_SYNTAX;
    }
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (text == NULL)
        return CS_E_NOMEM;
    cs_err e = cs_bs_load_text(bs, text, err, err_cap);
    free(text);
    return e;
}
