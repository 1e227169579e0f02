/*
 * accounting.c - the RADIUS accounting server engine (sans-I/O): which
 * gateway sent a request, whether its authenticator is right, whether it
 * is a retransmission of one already answered, and the order "apply, then
 * answer" that RFC 2866 asks of a server.
 *
 * Duplicates: a request is a retransmission when the same source address
 * and port sent the same Identifier with the same Request Authenticator
 * within the window.  The authenticator covers every attribute, so a
 * gateway that changes anything (Acct-Delay-Time included) makes a new
 * request, which is applied again; the callback must be idempotent for
 * that case anyway.  Answers are always empty Accounting-Responses, so a
 * remembered answer is just its 16-octet authenticator.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "cellstrap/radius_accounting.h"
#include "crypto/crypto.h"

#define DEFAULT_WINDOW_MS 30000
#define DEFAULT_CAPACITY 4096
#define NO_ENTRY UINT32_MAX

struct gateway {
    char name[CS_ACCT_GATEWAY_NAME_MAX + 1];
    bool any;
    cs_addr host;                          /* port ignored */
    uint8_t secret[CS_RADIUS_MAX_SECRET];
    size_t secret_len;
};

/* One answered request, in a ring (oldest first) and a hash chain. */
struct answered {
    cs_addr from;
    uint8_t identifier;
    bool live;                             /* false: superseded, skip */
    uint8_t request_auth[CS_RADIUS_AUTH_LEN];
    uint8_t response_auth[CS_RADIUS_AUTH_LEN];
    uint64_t at_ms;
    uint32_t next;                         /* chain in its bucket */
};

struct cs_acct_server {
    cs_acct_apply_fn apply;
    void *ctx;
    uint64_t window_ms;
    uint64_t seed;
    struct gateway gateways[CS_ACCT_MAX_GATEWAYS];
    size_t gateway_count;
    /* duplicate cache */
    struct answered *ring;
    size_t capacity;
    size_t oldest;
    size_t count;
    uint32_t *buckets;
    size_t bucket_mask;
    uint64_t counts[CS_ACCT_OUTCOME_COUNT];
};

/* ---- Set-up ---------------------------------------------------------- */

static uint64_t fresh_seed(void)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    cs_rng *rng = cs_rng_new("cellstrap-radius-acct");
    if (rng != NULL) {
        cs_rng_bytes(rng, &seed, sizeof seed);
        cs_rng_free(rng);
    }
    return seed;
}

cs_err cs_acct_server_new(const cs_acct_server_config *cfg, cs_acct_server **out)
{
    *out = NULL;
    if (cfg == NULL || cfg->apply == NULL)
        return CS_E_INVALID_ARG;
    cs_acct_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return CS_E_NOMEM;
    s->apply = cfg->apply;
    s->ctx = cfg->ctx;
    s->window_ms = cfg->duplicate_window_ms ? cfg->duplicate_window_ms : DEFAULT_WINDOW_MS;
    s->capacity = cfg->duplicate_capacity ? cfg->duplicate_capacity : DEFAULT_CAPACITY;
    if (s->capacity > (1u << 24))
        s->capacity = 1u << 24;
    s->seed = cfg->seed ? cfg->seed : fresh_seed();
    size_t buckets = 16;
    while (buckets < 2 * s->capacity)
        buckets *= 2;
    s->bucket_mask = buckets - 1;
    s->ring = calloc(s->capacity, sizeof *s->ring);
    s->buckets = malloc(buckets * sizeof *s->buckets);
    if (s->ring == NULL || s->buckets == NULL) {
        cs_acct_server_free(s);
        return CS_E_NOMEM;
    }
    for (size_t i = 0; i < buckets; i++)
        s->buckets[i] = NO_ENTRY;
    *out = s;
    return CS_OK;
}

void cs_acct_server_free(cs_acct_server *s)
{
    if (s == NULL)
        return;
    cs_secure_zero(s->gateways, sizeof s->gateways);
    free(s->ring);
    free(s->buckets);
    free(s);
}

static struct gateway *gateway_for_host(cs_acct_server *s, const cs_addr *host)
{
    for (size_t i = 0; i < s->gateway_count; i++)
        if (!s->gateways[i].any && cs_addr_same_host(&s->gateways[i].host, host))
            return &s->gateways[i];
    return NULL;
}

static struct gateway *gateway_any(cs_acct_server *s)
{
    for (size_t i = 0; i < s->gateway_count; i++)
        if (s->gateways[i].any)
            return &s->gateways[i];
    return NULL;
}

static bool name_taken(const cs_acct_server *s, const char *name)
{
    for (size_t i = 0; i < s->gateway_count; i++)
        if (strcmp(s->gateways[i].name, name) == 0)
            return true;
    return false;
}

cs_err cs_acct_server_add_gateway(cs_acct_server *s, const char *name,
                                  const cs_addr *nas, const uint8_t *secret,
                                  size_t secret_len)
{
    if (s == NULL || name == NULL || secret == NULL || secret_len == 0 ||
        secret_len > CS_RADIUS_MAX_SECRET)
        return CS_E_INVALID_ARG;
    size_t name_len = strlen(name);
    if (name_len == 0 || name_len > CS_ACCT_GATEWAY_NAME_MAX)
        return CS_E_INVALID_ARG;
    if (nas != NULL && nas->family != CS_AF_INET && nas->family != CS_AF_INET6)
        return CS_E_INVALID_ARG;
    if (name_taken(s, name) ||
        (nas == NULL ? gateway_any(s) != NULL : gateway_for_host(s, nas) != NULL))
        return CS_E_DUPLICATE;
    if (s->gateway_count == CS_ACCT_MAX_GATEWAYS)
        return CS_E_TOO_LARGE;
    struct gateway *g = &s->gateways[s->gateway_count++];
    memcpy(g->name, name, name_len + 1);
    g->any = nas == NULL;
    if (nas != NULL)
        g->host = *nas;
    memcpy(g->secret, secret, secret_len);
    g->secret_len = secret_len;
    return CS_OK;
}

/* ---- Duplicate cache ------------------------------------------------- */

static size_t bucket_of(const cs_acct_server *s, const cs_addr *from, uint8_t id)
{
    return (size_t)(cs_addr_hash(from, s->seed ^ ((uint64_t)id * 0x100000001b3ull)) &
                    s->bucket_mask);
}

static void unlink_entry(cs_acct_server *s, uint32_t index)
{
    struct answered *e = &s->ring[index];
    uint32_t *link = &s->buckets[bucket_of(s, &e->from, e->identifier)];
    while (*link != NO_ENTRY && *link != index)
        link = &s->ring[*link].next;
    if (*link == index)
        *link = e->next;
    e->live = false;
}

static void pop_oldest(cs_acct_server *s)
{
    if (s->ring[s->oldest].live)
        unlink_entry(s, (uint32_t)s->oldest);
    s->oldest = (s->oldest + 1) % s->capacity;
    s->count--;
}

/* Drop what is older than the window; time only moves forward. */
static void expire(cs_acct_server *s, uint64_t now_ms)
{
    while (s->count > 0 && (!s->ring[s->oldest].live ||
                            now_ms - s->ring[s->oldest].at_ms >= s->window_ms))
        pop_oldest(s);
}

static struct answered *find_answered(cs_acct_server *s, const cs_addr *from,
                                      uint8_t id)
{
    for (uint32_t i = s->buckets[bucket_of(s, from, id)]; i != NO_ENTRY;
         i = s->ring[i].next) {
        struct answered *e = &s->ring[i];
        if (e->identifier == id && cs_addr_equal(&e->from, from))
            return e;
    }
    return NULL;
}

static void remember_answer(cs_acct_server *s, uint64_t now_ms, const cs_addr *from,
                            const cs_radius_packet *req, const uint8_t *response_auth)
{
    struct answered *old = find_answered(s, from, req->identifier);
    if (old != NULL)
        unlink_entry(s, (uint32_t)(old - s->ring));
    if (s->count == s->capacity)
        pop_oldest(s);
    uint32_t index = (uint32_t)((s->oldest + s->count) % s->capacity);
    struct answered *e = &s->ring[index];
    e->from = *from;
    e->identifier = req->identifier;
    e->live = true;
    memcpy(e->request_auth, req->authenticator, CS_RADIUS_AUTH_LEN);
    memcpy(e->response_auth, response_auth, CS_RADIUS_AUTH_LEN);
    e->at_ms = now_ms;
    size_t b = bucket_of(s, from, req->identifier);
    e->next = s->buckets[b];
    s->buckets[b] = index;
    s->count++;
}

/* ---- Requests -------------------------------------------------------- */

static bool acted_on(uint32_t status)
{
    return status == CS_RADIUS_ACCT_START || status == CS_RADIUS_ACCT_STOP ||
           status == CS_RADIUS_ACCT_INTERIM || status == CS_RADIUS_ACCT_ON ||
           status == CS_RADIUS_ACCT_OFF;
}

static void write_answer(uint8_t *out, uint8_t id, const uint8_t *response_auth)
{
    out[0] = CS_RADIUS_ACCOUNTING_RESPONSE;
    out[1] = id;
    out[2] = 0;
    out[3] = CS_RADIUS_HEADER_LEN;
    memcpy(out + 4, response_auth, CS_RADIUS_AUTH_LEN);
}

static cs_err answer(const struct gateway *g, const cs_radius_packet *req,
                     uint8_t *out, size_t *len)
{
    cs_radius_writer w;
    cs_radius_writer_init(&w, out, CS_RADIUS_HEADER_LEN,
                          CS_RADIUS_ACCOUNTING_RESPONSE, req->identifier);
    return cs_radius_finish_response(&w, req->authenticator, g->secret,
                                     g->secret_len, len);
}

static void drop(cs_acct_result *res, enum cs_acct_outcome why, cs_err detail,
                 const cs_addr *from)
{
    res->outcome = why;
    res->detail = detail;
    res->response_len = 0;
    if (cs_log_get_level() >= CS_LOG_DEBUG) {
        char addr[CS_ADDR_TEXT_MAX];
        cs_addr_format(from, addr, sizeof addr);
        cs_log(CS_LOG_DEBUG, "radius: dropped a datagram from %s: %s (%s)", addr,
               cs_acct_outcome_name(why), cs_strerror(detail));
    }
}

/* Everything after the authenticator check: duplicate, decode, apply. */
static void handle_request(cs_acct_server *s, uint64_t now_ms, const cs_addr *from,
                           const struct gateway *g, const cs_radius_packet *req,
                           uint8_t *out, cs_acct_result *res)
{
    struct answered *seen = find_answered(s, from, req->identifier);
    if (seen != NULL && cs_ct_equal(seen->request_auth, req->authenticator,
                                    CS_RADIUS_AUTH_LEN)) {
        write_answer(out, req->identifier, seen->response_auth);
        res->outcome = CS_ACCT_DUPLICATE;
        res->response_len = CS_RADIUS_HEADER_LEN;
        return;
    }
    cs_radius_acct fields;
    cs_err err = cs_radius_acct_decode(req, &fields);
    if (err != CS_OK) {
        drop(res, CS_ACCT_DROP_BAD_ATTRIBUTE, err, from);
        return;
    }
    res->outcome = CS_ACCT_IGNORED;
    if (acted_on(fields.status_type)) {
        cs_acct_event ev = { fields.status_type, g->name, *from, now_ms, &fields };
        err = s->apply(s->ctx, &ev);
        if (err != CS_OK) {
            drop(res, CS_ACCT_DROP_APPLY_FAILED, err, from);
            return;
        }
        res->outcome = CS_ACCT_ANSWERED;
    }
    size_t len = 0;
    err = answer(g, req, out, &len);
    if (err != CS_OK) {
        drop(res, CS_ACCT_DROP_APPLY_FAILED, err, from);
        return;
    }
    remember_answer(s, now_ms, from, req, out + 4);
    res->response_len = len;
}

cs_err cs_acct_server_receive(cs_acct_server *s, uint64_t now_ms,
                              const cs_addr *from, const uint8_t *dgram,
                              size_t len, uint8_t *out, size_t cap,
                              cs_acct_result *res)
{
    if (s == NULL || from == NULL || res == NULL || out == NULL ||
        cap < CS_RADIUS_HEADER_LEN || (dgram == NULL && len > 0))
        return CS_E_INVALID_ARG;
    memset(res, 0, sizeof *res);
    expire(s, now_ms);
    /* Unknown clients first: RFC 2865 §3 discards them unread. */
    struct gateway *g = gateway_for_host(s, from);
    if (g == NULL)
        g = gateway_any(s);
    cs_radius_packet req;
    cs_err err = CS_OK;
    if (g == NULL)
        drop(res, CS_ACCT_DROP_UNKNOWN_NAS, CS_E_NOT_FOUND, from);
    else if ((err = cs_radius_parse(dgram, len, &req)) != CS_OK)
        drop(res, CS_ACCT_DROP_MALFORMED, err, from);
    else if (req.code != CS_RADIUS_ACCOUNTING_REQUEST)
        drop(res, CS_ACCT_DROP_NOT_ACCOUNTING, CS_E_NOT_ALLOWED, from);
    else if ((err = cs_radius_verify_request(&req, g->secret, g->secret_len)) != CS_OK)
        drop(res, CS_ACCT_DROP_BAD_AUTHENTICATOR, err, from);
    else
        handle_request(s, now_ms, from, g, &req, out, res);
    s->counts[res->outcome]++;
    return CS_OK;
}

uint64_t cs_acct_server_count(const cs_acct_server *s, enum cs_acct_outcome outcome)
{
    return (unsigned)outcome < CS_ACCT_OUTCOME_COUNT ? s->counts[outcome] : 0;
}

const char *cs_acct_outcome_name(enum cs_acct_outcome outcome)
{
    switch (outcome) {
    case CS_ACCT_ANSWERED: return "answered";
    case CS_ACCT_DUPLICATE: return "duplicate";
    case CS_ACCT_IGNORED: return "ignored";
    case CS_ACCT_DROP_MALFORMED: return "malformed";
    case CS_ACCT_DROP_NOT_ACCOUNTING: return "not-accounting";
    case CS_ACCT_DROP_UNKNOWN_NAS: return "unknown-nas";
    case CS_ACCT_DROP_BAD_AUTHENTICATOR: return "bad-authenticator";
    case CS_ACCT_DROP_BAD_ATTRIBUTE: return "bad-attribute";
    case CS_ACCT_DROP_APPLY_FAILED: return "apply-failed";
    case CS_ACCT_OUTCOME_COUNT: break;
    }
    return "unknown";
}
