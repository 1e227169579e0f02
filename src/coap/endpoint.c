/*
 * endpoint.c - the sans-I/O CoAP messaging and request/response layer (see
 * cellstrap/coap_endpoint.h for the contract).
 *
 * State: one `struct peer` per remote address, in a keyed hash table, with
 * a small ring of recently received message IDs (deduplication, with the
 * response to resend) and a short list of outgoing exchanges (requests,
 * and responses sent as CON).  Every deadline is a timer in one heap: an
 * exchange's retransmission or timeout, and a peer's expiry
 * EXCHANGE_LIFETIME after it was last active.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/coap_endpoint.h"
#include "core/addr_map.h"
#include "core/timer_heap.h"
#include "crypto/crypto.h"

/* Received message IDs remembered per peer.  LwM2M peers keep one
 * interaction outstanding (NSTART 1), so a duplicate is almost always one of
 * the last few messages; a bounded ring keeps an idle peer small. */
#define DEDUP_SLOTS 4
/* Largest datagram the endpoint writes: a 1024-byte block and headers. */
#define MAX_DATAGRAM 1280
#define OBSERVE_FRESH_WINDOW (1u << 23)
#define OBSERVE_FRESH_MS 128000u

enum timer_kind { TIMER_PEER, TIMER_EXCHANGE };

struct ep_timer {
    cs_timer t;
    uint8_t kind;
};

enum dedup_state {
    DEDUP_EMPTY = 0,
    DEDUP_ANSWERED,     /* response cached: resend it for a duplicate CON */
    DEDUP_DEFERRED,     /* empty ACK sent, response comes separately */
    DEDUP_SEEN          /* NON request, or a response we acknowledged */
};

struct dedup {
    uint16_t mid;
    uint8_t state;
    uint16_t response_len;
    uint8_t *response;
    cs_coap_time expires;
};

struct exchange;

/* A block-wise request body being received from a peer (RFC 7959 Block1):
 * one at a time per peer, as LwM2M clients send them. */
struct upload {
    uint8_t *body;
    size_t len;
    size_t cap;
};

/* Client side of a block-wise transfer: the whole request as first built
 * (the template every block request is made from), and the response body
 * gathered so far. */
struct blockwise {
    uint8_t *request;
    size_t request_len;
    size_t sent;                /* request body bytes acknowledged (Block1) */
    uint8_t szx;
    bool uploading;
    uint8_t *body;
    size_t body_len;
    size_t body_cap;
};

struct peer {
    cs_addr addr;
    void *session;
    uint16_t next_mid;
    uint8_t dedup_next;
    uint8_t exchange_count;
    uint8_t in_flight;          /* CON interactions awaiting ACK (NSTART) */
    struct dedup *dedup;        /* DEDUP_SLOTS entries, allocated lazily */
    struct exchange *exchanges;
    struct upload *upload;      /* Block1 reassembly, or NULL */
    struct ep_timer timer;      /* expiry of the whole peer */
};

enum exchange_state { X_QUEUED, X_WAIT_ACK, X_WAIT_RESPONSE, X_OBSERVING };

struct exchange {
    struct exchange *next;
    struct peer *peer;
    struct ep_timer timer;
    cs_coap_response_fn cb;
    void *user;
    uint8_t state;
    bool is_request;
    bool confirmable;
    bool observe;
    bool have_seq;
    uint8_t retransmits;
    uint8_t token_len;
    uint8_t token[CS_COAP_TOKEN_MAX];
    uint16_t mid;
    uint32_t timeout_ms;
    uint32_t last_seq;
    cs_coap_time last_notify;
    size_t len;
    uint8_t *datagram;
    struct blockwise *bw;       /* NULL unless block-wise */
};

struct cs_coap_endpoint {
    cs_coap_config cfg;
    cs_coap_time lifetime;
    cs_coap_time non_lifetime;
    uint8_t szx;                /* preferred block size exponent */
    cs_addr_map peers;
    cs_timer_heap timers;
    cs_rng *rng;
    uint8_t pool[256];          /* random bytes, refilled in one call */
    size_t pool_used;
    cs_coap_stats stats;
};

/* ---- Parameters -------------------------------------------------------- */

void cs_coap_params_default(cs_coap_params *p)
{
    p->ack_timeout_ms = 2000;
    p->ack_random_factor_pct = 150;
    p->max_retransmit = 4;
    p->nstart = 1;
    p->max_latency_ms = 100000;
}

cs_coap_time cs_coap_max_transmit_span(const cs_coap_params *p)
{
    return (cs_coap_time)p->ack_timeout_ms *
           (((cs_coap_time)1 << p->max_retransmit) - 1) *
           p->ack_random_factor_pct / 100;
}

cs_coap_time cs_coap_max_transmit_wait(const cs_coap_params *p)
{
    return (cs_coap_time)p->ack_timeout_ms *
           (((cs_coap_time)1 << (p->max_retransmit + 1)) - 1) *
           p->ack_random_factor_pct / 100;
}

cs_coap_time cs_coap_exchange_lifetime(const cs_coap_params *p)
{
    /* PROCESSING_DELAY is ACK_TIMEOUT. */
    return cs_coap_max_transmit_span(p) + 2 * (cs_coap_time)p->max_latency_ms +
           p->ack_timeout_ms;
}

cs_coap_time cs_coap_non_lifetime(const cs_coap_params *p)
{
    return cs_coap_max_transmit_span(p) + p->max_latency_ms;
}

/* ---- Randomness -------------------------------------------------------- */

static void random_bytes(cs_coap_endpoint *ep, uint8_t *out, size_t len)
{
    while (len > 0) {
        if (ep->pool_used == sizeof ep->pool) {
            cs_rng_bytes(ep->rng, ep->pool, sizeof ep->pool);
            ep->pool_used = 0;
        }
        size_t n = sizeof ep->pool - ep->pool_used;
        if (n > len)
            n = len;
        memcpy(out, ep->pool + ep->pool_used, n);
        ep->pool_used += n;
        out += n;
        len -= n;
    }
}

static uint16_t random_u16(cs_coap_endpoint *ep)
{
    uint8_t b[2];
    random_bytes(ep, b, sizeof b);
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* The first retransmission timeout: ACK_TIMEOUT times a random factor in
 * [1, ACK_RANDOM_FACTOR]. */
static uint32_t initial_timeout(cs_coap_endpoint *ep)
{
    uint32_t base = ep->cfg.params.ack_timeout_ms;
    uint32_t spread = base * (ep->cfg.params.ack_random_factor_pct - 100) / 100;
    return spread ? base + random_u16(ep) % (spread + 1) : base;
}

static cs_err serialize_alloc(const cs_coap_msg *msg, uint8_t **out,
                              size_t *len);

/* ---- Lifecycle --------------------------------------------------------- */

cs_coap_endpoint *cs_coap_endpoint_new(const cs_coap_config *cfg)
{
    if (cfg == NULL || cfg->send == NULL)
        return NULL;
    cs_coap_endpoint *ep = calloc(1, sizeof *ep);
    if (ep == NULL)
        return NULL;
    ep->cfg = *cfg;
    if (ep->cfg.params.ack_timeout_ms == 0)
        cs_coap_params_default(&ep->cfg.params);
    if (ep->cfg.params.ack_random_factor_pct < 100)
        ep->cfg.params.ack_random_factor_pct = 100;
    if (ep->cfg.params.nstart == 0)
        ep->cfg.params.nstart = 1;
    if (ep->cfg.max_peers == 0)
        ep->cfg.max_peers = (size_t)1 << 22;
    if (ep->cfg.max_exchanges_per_peer == 0)
        ep->cfg.max_exchanges_per_peer = 16;
    if (ep->cfg.max_exchanges_per_peer > 255)
        ep->cfg.max_exchanges_per_peer = 255;
    if (ep->cfg.max_body == 0)
        ep->cfg.max_body = 1u << 20;
    ep->szx = 6;
    if (ep->cfg.block_size != 0) {
        ep->szx = 0;
        while (ep->szx < 6 && cs_coap_block_size(ep->szx) < ep->cfg.block_size)
            ep->szx++;
    }
    ep->lifetime = cs_coap_exchange_lifetime(&ep->cfg.params);
    ep->non_lifetime = cs_coap_non_lifetime(&ep->cfg.params);
    ep->rng = cfg->seed ? cs_rng_new_deterministic(cfg->seed)
                        : cs_rng_new("cellstrap-coap");
    if (ep->rng == NULL) {
        free(ep);
        return NULL;
    }
    ep->pool_used = sizeof ep->pool;
    uint64_t map_seed;
    random_bytes(ep, (uint8_t *)&map_seed, sizeof map_seed);
    cs_addr_map_init(&ep->peers, map_seed);
    cs_timer_heap_init(&ep->timers);
    return ep;
}

static void free_blockwise(struct blockwise *bw)
{
    if (bw == NULL)
        return;
    free(bw->request);
    free(bw->body);
    free(bw);
}

static void free_exchange(struct exchange *x)
{
    free_blockwise(x->bw);
    free(x->datagram);
    free(x);
}

static void free_upload(struct peer *peer)
{
    if (peer->upload != NULL) {
        free(peer->upload->body);
        free(peer->upload);
        peer->upload = NULL;
    }
}

static void free_peer_state(struct peer *peer)
{
    if (peer->dedup != NULL) {
        for (int i = 0; i < DEDUP_SLOTS; i++)
            free(peer->dedup[i].response);
        free(peer->dedup);
    }
    free_upload(peer);
    struct exchange *x = peer->exchanges;
    while (x != NULL) {
        struct exchange *next = x->next;
        free_exchange(x);
        x = next;
    }
    free(peer);
}

void cs_coap_endpoint_free(cs_coap_endpoint *ep)
{
    if (ep == NULL)
        return;
    /* The heap first: it touches the timers, which the peers own. */
    cs_timer_heap_free(&ep->timers);
    for (size_t i = 0; i < ep->peers.cap; i++)
        if (ep->peers.slots[i].value != NULL)
            free_peer_state(ep->peers.slots[i].value);
    cs_addr_map_free(&ep->peers);
    cs_rng_free(ep->rng);
    free(ep);
}

/* ---- Peers ------------------------------------------------------------- */

static struct peer *find_peer(cs_coap_endpoint *ep, const cs_addr *addr)
{
    return cs_addr_map_get(&ep->peers, addr);
}

static struct peer *add_peer(cs_coap_endpoint *ep, const cs_addr *addr,
                             void *session)
{
    if (ep->stats.peers >= ep->cfg.max_peers)
        return NULL;
    struct peer *peer = calloc(1, sizeof *peer);
    if (peer == NULL)
        return NULL;
    peer->addr = *addr;
    peer->session = session;
    peer->next_mid = random_u16(ep);
    cs_timer_init(&peer->timer.t);
    peer->timer.kind = TIMER_PEER;
    if (cs_addr_map_put(&ep->peers, addr, peer) != CS_OK) {
        free(peer);
        return NULL;
    }
    ep->stats.peers++;
    return peer;
}

static struct peer *find_or_add_peer(cs_coap_endpoint *ep, const cs_addr *addr,
                                     void *session)
{
    struct peer *peer = find_peer(ep, addr);
    if (peer != NULL) {
        peer->session = session;
        return peer;
    }
    return add_peer(ep, addr, session);
}

/* Keep the peer for EXCHANGE_LIFETIME after its last activity: its message
 * IDs and deduplication entries must outlive any retransmission. */
static void touch_peer(cs_coap_endpoint *ep, struct peer *peer,
                       cs_coap_time now)
{
    cs_timer_schedule(&ep->timers, &peer->timer.t, now + ep->lifetime);
}

static void remove_peer(cs_coap_endpoint *ep, struct peer *peer)
{
    cs_timer_cancel(&ep->timers, &peer->timer.t);
    for (struct exchange *x = peer->exchanges; x != NULL; x = x->next)
        cs_timer_cancel(&ep->timers, &x->timer.t);
    cs_addr_map_remove(&ep->peers, &peer->addr);
    ep->stats.peers--;
    ep->stats.exchanges -= peer->exchange_count;
    free_peer_state(peer);
}

static uint16_t next_mid(struct peer *peer)
{
    return peer->next_mid++;
}

/* ---- Sending ----------------------------------------------------------- */

static void transmit(cs_coap_endpoint *ep, const struct peer *peer,
                     const uint8_t *data, size_t len)
{
    ep->cfg.send(ep->cfg.io, &peer->addr, peer->session, data, len);
}

static void send_empty(cs_coap_endpoint *ep, const cs_addr *to, void *session,
                       uint8_t type, uint16_t mid)
{
    uint8_t msg[4] = { (uint8_t)(0x40 | type << 4), 0, (uint8_t)(mid >> 8),
                       (uint8_t)mid };
    ep->cfg.send(ep->cfg.io, to, session, msg, sizeof msg);
}

/* ---- Deduplication ----------------------------------------------------- */

static struct dedup *dedup_find(struct peer *peer, uint16_t mid,
                                cs_coap_time now)
{
    if (peer->dedup == NULL)
        return NULL;
    for (int i = 0; i < DEDUP_SLOTS; i++) {
        struct dedup *d = &peer->dedup[i];
        if (d->state != DEDUP_EMPTY && d->mid == mid && d->expires > now)
            return d;
    }
    return NULL;
}

static struct dedup *dedup_insert(struct peer *peer, uint16_t mid,
                                  cs_coap_time expires)
{
    if (peer->dedup == NULL) {
        peer->dedup = calloc(DEDUP_SLOTS, sizeof *peer->dedup);
        if (peer->dedup == NULL)
            return NULL;
    }
    struct dedup *d = &peer->dedup[peer->dedup_next];
    peer->dedup_next = (uint8_t)((peer->dedup_next + 1) % DEDUP_SLOTS);
    free(d->response);
    d->response = NULL;
    d->response_len = 0;
    d->mid = mid;
    d->state = DEDUP_SEEN;
    d->expires = expires;
    return d;
}

static void dedup_keep_response(struct dedup *d, const uint8_t *data,
                                size_t len)
{
    if (d == NULL)
        return;
    free(d->response);
    d->response = malloc(len);
    if (d->response == NULL) {
        d->state = DEDUP_SEEN;     /* a duplicate will then be dropped */
        return;
    }
    memcpy(d->response, data, len);
    d->response_len = (uint16_t)len;
    d->state = DEDUP_ANSWERED;
}

/* ---- Exchanges --------------------------------------------------------- */

static void unlink_exchange(cs_coap_endpoint *ep, struct exchange *x)
{
    struct exchange **pp = &x->peer->exchanges;
    while (*pp != x)
        pp = &(*pp)->next;
    *pp = x->next;
    x->peer->exchange_count--;
    ep->stats.exchanges--;
    cs_timer_cancel(&ep->timers, &x->timer.t);
    if (x->state == X_WAIT_ACK && x->confirmable)
        x->peer->in_flight--;
}

static void transmit_first(cs_coap_endpoint *ep, cs_coap_time now,
                           struct exchange *x)
{
    transmit(ep, x->peer, x->datagram, x->len);
    if (x->confirmable) {
        x->state = X_WAIT_ACK;
        x->peer->in_flight++;
        x->timeout_ms = initial_timeout(ep);
        cs_timer_schedule(&ep->timers, &x->timer.t, now + x->timeout_ms);
    } else {
        x->state = X_WAIT_RESPONSE;
        cs_timer_schedule(&ep->timers, &x->timer.t, now + ep->non_lifetime);
    }
}

/* NSTART: start queued CON exchanges while the peer has room. */
static void start_queued(cs_coap_endpoint *ep, cs_coap_time now,
                         struct peer *peer)
{
    for (struct exchange *x = peer->exchanges; x != NULL; x = x->next) {
        if (peer->in_flight >= ep->cfg.params.nstart)
            return;
        if (x->state == X_QUEUED)
            transmit_first(ep, now, x);
    }
}

/* End an exchange: unlink it, report, free, let queued ones go. */
static void complete(cs_coap_endpoint *ep, cs_coap_time now,
                     struct exchange *x, cs_err status,
                     const cs_coap_msg *response)
{
    struct peer *peer = x->peer;
    unlink_exchange(ep, x);
    if (x->cb != NULL)
        x->cb(x->user, ep, status, response, true);
    free_exchange(x);
    start_queued(ep, now, peer);
}

static struct exchange *new_exchange(cs_coap_endpoint *ep, struct peer *peer,
                                     const cs_coap_msg *msg, bool is_request,
                                     cs_coap_response_fn cb, void *user)
{
    if (peer->exchange_count >= ep->cfg.max_exchanges_per_peer)
        return NULL;
    uint8_t buf[MAX_DATAGRAM];
    size_t len;
    if (cs_coap_serialize(msg, buf, sizeof buf, &len) != CS_OK)
        return NULL;
    struct exchange *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->datagram = malloc(len);
    if (x->datagram == NULL) {
        free(x);
        return NULL;
    }
    memcpy(x->datagram, buf, len);
    x->len = len;
    x->peer = peer;
    x->cb = cb;
    x->user = user;
    x->is_request = is_request;
    x->confirmable = msg->type == CS_COAP_TYPE_CON;
    x->mid = msg->mid;
    x->token_len = msg->token_len;
    memcpy(x->token, msg->token, msg->token_len);
    x->state = X_QUEUED;
    cs_timer_init(&x->timer.t);
    x->timer.kind = TIMER_EXCHANGE;
    /* Append, so that queued requests go out in order. */
    struct exchange **pp = &peer->exchanges;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = x;
    peer->exchange_count++;
    ep->stats.exchanges++;
    return x;
}

static struct exchange *find_by_mid(struct peer *peer, uint16_t mid)
{
    for (struct exchange *x = peer->exchanges; x != NULL; x = x->next)
        if (x->state == X_WAIT_ACK && x->mid == mid)
            return x;
    return NULL;
}

static struct exchange *find_by_token(struct peer *peer, const uint8_t *token,
                                      size_t len)
{
    for (struct exchange *x = peer->exchanges; x != NULL; x = x->next)
        if (x->is_request && x->state != X_QUEUED && x->token_len == len &&
            memcmp(x->token, token, len) == 0)
            return x;
    return NULL;
}

cs_err cs_coap_send_request(cs_coap_endpoint *ep, cs_coap_time now,
                            const cs_addr *to, void *session,
                            cs_coap_msg *request, cs_coap_response_fn cb,
                            void *user)
{
    if (request->type != CS_COAP_TYPE_CON && request->type != CS_COAP_TYPE_NON)
        return CS_E_INVALID_ARG;
    if (!cs_coap_code_is_request(request->code))
        return CS_E_INVALID_ARG;
    struct peer *peer = find_or_add_peer(ep, to, session);
    if (peer == NULL)
        return CS_E_BUSY;
    touch_peer(ep, peer, now);
    request->mid = next_mid(peer);
    uint32_t observe_value;
    if (request->token_len > 0 &&
        cs_coap_get_uint(request, CS_COAP_OPT_OBSERVE, &observe_value) == CS_OK &&
        observe_value == 1) {
        /* Deregistration (RFC 7641 §3.6): the GET with Observe=1 takes over
         * the relation's token, so its response is its own. */
        struct exchange *old = find_by_token(peer, request->token,
                                             request->token_len);
        if (old != NULL && old->state == X_OBSERVING) {
            unlink_exchange(ep, old);
            free_exchange(old);
        }
    }
    if (request->token_len == 0) {
        random_bytes(ep, request->token, CS_COAP_TOKEN_MAX);
        request->token_len = CS_COAP_TOKEN_MAX;
    }
    size_t block = cs_coap_block_size(ep->szx);
    bool upload = request->payload_len > block;
    if (upload && request->payload_len > ep->cfg.max_body)
        return CS_E_TOO_LARGE;
    uint8_t *whole = NULL;
    size_t whole_len = 0;
    cs_coap_msg first;
    if (upload) {
        /* Keep the whole request; send its first block now. */
        cs_err err = serialize_alloc(request, &whole, &whole_len);
        if (err != CS_OK)
            return err;
        first = *request;
        cs_coap_block b1 = { 0, true, ep->szx };
        cs_coap_set_payload(&first, request->payload, block);
        if (cs_coap_add_block(&first, CS_COAP_OPT_BLOCK1, &b1) != CS_OK ||
            cs_coap_add_uint(&first, CS_COAP_OPT_SIZE1,
                             (uint32_t)request->payload_len) != CS_OK) {
            free(whole);
            return CS_E_TOO_LARGE;
        }
    }
    struct exchange *x = new_exchange(ep, peer, upload ? &first : request,
                                      true, cb, user);
    if (x == NULL) {
        free(whole);
        return peer->exchange_count >= ep->cfg.max_exchanges_per_peer
                   ? CS_E_BUSY : CS_E_NOMEM;
    }
    if (upload) {
        x->bw = calloc(1, sizeof *x->bw);
        if (x->bw == NULL) {
            free(whole);
            unlink_exchange(ep, x);
            free_exchange(x);
            return CS_E_NOMEM;
        }
        x->bw->request = whole;
        x->bw->request_len = whole_len;
        x->bw->szx = ep->szx;
        x->bw->uploading = true;
    }
    uint32_t observe;
    x->observe = cs_coap_get_uint(request, CS_COAP_OPT_OBSERVE, &observe) == CS_OK &&
                 observe == 0;
    if (!x->confirmable || peer->in_flight < ep->cfg.params.nstart)
        transmit_first(ep, now, x);
    return CS_OK;
}

cs_err cs_coap_send_response(cs_coap_endpoint *ep, cs_coap_time now,
                             const cs_coap_reply_to *to,
                             cs_coap_msg *response, cs_coap_response_fn cb,
                             void *user)
{
    if (response->type != CS_COAP_TYPE_CON && response->type != CS_COAP_TYPE_NON)
        return CS_E_INVALID_ARG;
    struct peer *peer = find_or_add_peer(ep, &to->addr, to->session);
    if (peer == NULL)
        return CS_E_BUSY;
    touch_peer(ep, peer, now);
    response->mid = next_mid(peer);
    cs_err err = cs_coap_set_token(response, to->token, to->token_len);
    if (err != CS_OK)
        return err;
    if (response->type == CS_COAP_TYPE_NON) {
        uint8_t buf[MAX_DATAGRAM];
        size_t len;
        err = cs_coap_serialize(response, buf, sizeof buf, &len);
        if (err == CS_OK)
            transmit(ep, peer, buf, len);
        return err;
    }
    struct exchange *x = new_exchange(ep, peer, response, false, cb, user);
    if (x == NULL)
        return CS_E_BUSY;
    transmit_first(ep, now, x);
    return CS_OK;
}

cs_err cs_coap_forget_observe(cs_coap_endpoint *ep, const cs_addr *to,
                              const uint8_t *token, size_t token_len)
{
    struct peer *peer = find_peer(ep, to);
    struct exchange *x = peer ? find_by_token(peer, token, token_len) : NULL;
    if (x == NULL)
        return CS_E_NOT_FOUND;
    unlink_exchange(ep, x);
    free_exchange(x);
    return CS_OK;
}

cs_err cs_coap_fail_peer(cs_coap_endpoint *ep, cs_coap_time now,
                         const cs_addr *to, cs_err status)
{
    (void)now;
    struct peer *peer = find_peer(ep, to);
    if (peer == NULL)
        return CS_E_NOT_FOUND;
    /* Detach them all first: callbacks may add exchanges to this peer. */
    struct exchange *list = peer->exchanges;
    for (struct exchange *x = list; x != NULL; x = x->next) {
        cs_timer_cancel(&ep->timers, &x->timer.t);
        if (x->state == X_WAIT_ACK && x->confirmable)
            peer->in_flight--;
        peer->exchange_count--;
        ep->stats.exchanges--;
    }
    peer->exchanges = NULL;
    while (list != NULL) {
        struct exchange *x = list;
        list = x->next;
        if (x->cb != NULL)
            x->cb(x->user, ep, status, NULL, true);
        free_exchange(x);
    }
    return CS_OK;
}

/* ---- Block-wise transfers (RFC 7959) ------------------------------------ */

/* Append to a growing body, refusing to pass `max` bytes. */
static cs_err body_append(uint8_t **buf, size_t *len, size_t *cap,
                          const uint8_t *data, size_t n, size_t max)
{
    if (n > max || *len > max - n)
        return CS_E_TOO_LARGE;
    if (*len + n > *cap) {
        size_t grown = *cap ? *cap : 1024;
        while (grown < *len + n)
            grown *= 2;
        if (grown > max)
            grown = max;
        uint8_t *p = realloc(*buf, grown);
        if (p == NULL)
            return CS_E_NOMEM;
        *buf = p;
        *cap = grown;
    }
    if (n > 0)
        memcpy(*buf + *len, data, n);
    *len += n;
    return CS_OK;
}

/* Serialize `msg` into a fresh heap buffer (for bodies beyond one datagram). */
static cs_err serialize_alloc(const cs_coap_msg *msg, uint8_t **out,
                              size_t *len)
{
    size_t cap = msg->payload_len + 4096;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return CS_E_NOMEM;
    cs_err err = cs_coap_serialize(msg, buf, cap, len);
    if (err != CS_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    return CS_OK;
}

static bool is_block_option(uint16_t number)
{
    return number == CS_COAP_OPT_BLOCK1 || number == CS_COAP_OPT_BLOCK2 ||
           number == CS_COAP_OPT_SIZE1 || number == CS_COAP_OPT_SIZE2;
}

/*
 * Make the next request of a block-wise transfer from the template: same
 * options (but no Observe on follow-ups, RFC 7959 §2.6), a new message
 * ID, the given Block1 slice of the body and/or Block2 number.
 */
static cs_err build_block_request(struct exchange *x,
                                  const cs_coap_block *b1,
                                  const cs_coap_block *b2)
{
    struct blockwise *bw = x->bw;
    cs_coap_msg tmpl, m;
    cs_err err = cs_coap_parse(bw->request, bw->request_len, &tmpl);
    if (err != CS_OK)
        return err;
    cs_coap_init(&m, tmpl.type, tmpl.code, next_mid(x->peer));
    cs_coap_set_token(&m, x->token, x->token_len);
    for (size_t i = 0; i < tmpl.option_count; i++) {
        const cs_coap_option *o = &tmpl.options[i];
        if (is_block_option(o->number) ||
            (b1 == NULL && o->number == CS_COAP_OPT_OBSERVE))
            continue;
        err = cs_coap_add_option(&m, o->number, o->value, o->len);
        if (err != CS_OK)
            return err;
    }
    if (b1 != NULL) {
        size_t size = cs_coap_block_size(b1->szx);
        size_t off = (size_t)b1->num * size;
        size_t n = tmpl.payload_len - off < size ? tmpl.payload_len - off : size;
        cs_coap_add_block(&m, CS_COAP_OPT_BLOCK1, b1);
        if (b1->num == 0)
            cs_coap_add_uint(&m, CS_COAP_OPT_SIZE1, (uint32_t)tmpl.payload_len);
        cs_coap_set_payload(&m, tmpl.payload + off, n);
    }
    if (b2 != NULL)
        cs_coap_add_block(&m, CS_COAP_OPT_BLOCK2, b2);
    uint8_t buf[MAX_DATAGRAM];
    size_t len;
    err = cs_coap_serialize(&m, buf, sizeof buf, &len);
    if (err != CS_OK)
        return err;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return CS_E_NOMEM;
    memcpy(copy, buf, len);
    free(x->datagram);
    x->datagram = copy;
    x->len = len;
    x->mid = m.mid;
    return CS_OK;
}

/* Send the exchange's (new) datagram as a fresh transmission. */
static void rearm(cs_coap_endpoint *ep, cs_coap_time now, struct exchange *x)
{
    if (x->state == X_WAIT_ACK && x->confirmable)
        x->peer->in_flight--;
    cs_timer_cancel(&ep->timers, &x->timer.t);
    x->retransmits = 0;
    transmit_first(ep, now, x);
}

static struct blockwise *blockwise_for(struct exchange *x)
{
    if (x->bw == NULL) {
        x->bw = calloc(1, sizeof *x->bw);
        if (x->bw == NULL)
            return NULL;
        x->bw->request = malloc(x->len);
        if (x->bw->request == NULL) {
            free(x->bw);
            x->bw = NULL;
            return NULL;
        }
        memcpy(x->bw->request, x->datagram, x->len);
        x->bw->request_len = x->len;
    }
    return x->bw;
}

static void complete(cs_coap_endpoint *ep, cs_coap_time now,
                     struct exchange *x, cs_err status,
                     const cs_coap_msg *response);

/*
 * Take a response of a block-wise transfer: on 2.31 Continue send the
 * next request block, on a Block2 response with more to come ask for the
 * next response block, on the last one deliver the whole body.  True when
 * the response was consumed here.
 */
static bool blockwise_step(cs_coap_endpoint *ep, cs_coap_time now,
                           struct exchange *x, const cs_coap_msg *msg)
{
    cs_coap_block b;
    struct blockwise *bw = x->bw;
    if (bw != NULL && bw->uploading) {
        if (msg->code == CS_COAP_CODE_CONTINUE &&
            cs_coap_get_block(msg, CS_COAP_OPT_BLOCK1, false, &b) == CS_OK) {
            cs_coap_msg tmpl;
            cs_coap_parse(bw->request, bw->request_len, &tmpl);
            bw->sent += cs_coap_block_size(bw->szx);
            if (b.szx < bw->szx)
                bw->szx = b.szx;   /* the server asks for smaller blocks */
            size_t size = cs_coap_block_size(bw->szx);
            cs_coap_block next = { (uint32_t)(bw->sent / size),
                                   bw->sent + size < tmpl.payload_len, bw->szx };
            if (build_block_request(x, &next, NULL) != CS_OK) {
                complete(ep, now, x, CS_E_INTERNAL, NULL);
                return true;
            }
            rearm(ep, now, x);
            return true;
        }
        bw->uploading = false;       /* the final response */
    }
    if (cs_coap_code_class(msg->code) != 2 ||
        cs_coap_get_block(msg, CS_COAP_OPT_BLOCK2, false, &b) != CS_OK)
        return false;
    if (bw == NULL && !b.more && b.num == 0)
        return false;                /* the whole body in one block */
    bw = blockwise_for(x);
    if (bw == NULL) {
        complete(ep, now, x, CS_E_NOMEM, NULL);
        return true;
    }
    if ((size_t)b.num * cs_coap_block_size(b.szx) != bw->body_len) {
        complete(ep, now, x, CS_E_BAD_LENGTH, NULL);
        return true;
    }
    cs_err err = body_append(&bw->body, &bw->body_len, &bw->body_cap,
                             msg->payload, msg->payload_len, ep->cfg.max_body);
    if (err != CS_OK) {
        complete(ep, now, x, err, NULL);
        return true;
    }
    if (b.more) {
        cs_coap_block next = { b.num + 1, false, b.szx };
        if (build_block_request(x, NULL, &next) != CS_OK) {
            complete(ep, now, x, CS_E_INTERNAL, NULL);
            return true;
        }
        rearm(ep, now, x);
        return true;
    }
    cs_coap_msg whole = *msg;
    whole.payload = bw->body;
    whole.payload_len = bw->body_len;
    complete(ep, now, x, CS_OK, &whole);
    return true;
}

/* ---- Receiving --------------------------------------------------------- */

/* RFC 7641 §3.4: is notification `seq` at `now` newer than the last one? */
static bool is_fresh(const struct exchange *x, uint32_t seq, cs_coap_time now)
{
    if (!x->have_seq)
        return true;
    uint32_t v1 = x->last_seq, v2 = seq;
    return (v1 < v2 && v2 - v1 < OBSERVE_FRESH_WINDOW) ||
           (v1 > v2 && v1 - v2 > OBSERVE_FRESH_WINDOW) ||
           now > x->last_notify + OBSERVE_FRESH_MS;
}

/* A response to one of our requests (piggybacked or separate). */
static void deliver_response(cs_coap_endpoint *ep, cs_coap_time now,
                             struct exchange *x, const cs_coap_msg *msg)
{
    uint32_t seq;
    if (blockwise_step(ep, now, x, msg))
        return;
    bool notification = x->observe &&
                        cs_coap_code_class(msg->code) == 2 &&
                        cs_coap_get_uint(msg, CS_COAP_OPT_OBSERVE, &seq) == CS_OK;
    if (!notification) {
        complete(ep, now, x, CS_OK, msg);
        return;
    }
    if (x->state == X_OBSERVING && !is_fresh(x, seq, now))
        return;                      /* reordered: older than what we have */
    if (x->state == X_WAIT_ACK && x->confirmable) {
        x->peer->in_flight--;
        start_queued(ep, now, x->peer);
    }
    x->state = X_OBSERVING;
    x->have_seq = true;
    x->last_seq = seq;
    x->last_notify = now;
    cs_timer_cancel(&ep->timers, &x->timer.t);
    if (x->cb != NULL)
        x->cb(x->user, ep, CS_OK, msg, false);
}

static cs_err handle_ack_or_reset(cs_coap_endpoint *ep, cs_coap_time now,
                                  struct peer *peer, const cs_coap_msg *msg)
{
    struct exchange *x = find_by_mid(peer, msg->mid);
    if (x == NULL)
        return CS_OK;                /* late or unknown: ignore */
    if (msg->type == CS_COAP_TYPE_RST) {
        complete(ep, now, x, CS_E_RESET, NULL);
        return CS_OK;
    }
    if (!x->is_request) {            /* our CON response was acknowledged */
        complete(ep, now, x, CS_OK, NULL);
        return CS_OK;
    }
    if (cs_coap_code_is_empty(msg->code)) {
        /* Separate response follows: stop retransmitting, wait for it. */
        x->peer->in_flight--;
        x->state = X_WAIT_RESPONSE;
        cs_timer_schedule(&ep->timers, &x->timer.t, now + ep->lifetime);
        start_queued(ep, now, peer);
        return CS_OK;
    }
    if (msg->token_len != x->token_len ||
        memcmp(msg->token, x->token, x->token_len) != 0)
        return CS_E_SYNTAX;          /* piggybacked response, wrong token */
    deliver_response(ep, now, x, msg);
    return CS_OK;
}

/* A CON or NON response outside an ACK: separate response or notification. */
static cs_err handle_response(cs_coap_endpoint *ep, cs_coap_time now,
                              struct peer *peer, const cs_coap_msg *msg)
{
    if (dedup_find(peer, msg->mid, now) != NULL) {
        ep->stats.duplicates++;
        if (msg->type == CS_COAP_TYPE_CON)
            send_empty(ep, &peer->addr, peer->session, CS_COAP_TYPE_ACK, msg->mid);
        return CS_OK;
    }
    struct exchange *x = find_by_token(peer, msg->token, msg->token_len);
    if (x == NULL) {
        /* Nobody asked (or we forgot an observation): reject. */
        send_empty(ep, &peer->addr, peer->session, CS_COAP_TYPE_RST, msg->mid);
        return CS_OK;
    }
    dedup_insert(peer, msg->mid, now + ep->lifetime);
    if (msg->type == CS_COAP_TYPE_CON)
        send_empty(ep, &peer->addr, peer->session, CS_COAP_TYPE_ACK, msg->mid);
    deliver_response(ep, now, x, msg);
    return CS_OK;
}

/*
 * A response body larger than one block, or a request that asks for a
 * given block: send just that block (RFC 7959 §2.2).  The handler runs for
 * every block request, so no representation is kept between them.
 */
static void slice_response(cs_coap_endpoint *ep, const cs_coap_msg *request,
                           cs_coap_msg *response)
{
    cs_coap_block want = { 0, false, ep->szx };
    bool asked = cs_coap_get_block(request, CS_COAP_OPT_BLOCK2, false, &want) == CS_OK;
    if (want.szx > ep->szx)
        want.szx = ep->szx;
    size_t size = cs_coap_block_size(want.szx);
    if (cs_coap_code_class(response->code) != 2 ||
        (!asked && response->payload_len <= size))
        return;
    size_t total = response->payload_len;
    size_t off = (size_t)want.num * size;
    if (off > total || (off == total && total > 0)) {
        cs_coap_init(response, response->type, CS_COAP_CODE_BAD_REQUEST,
                     response->mid);
        cs_coap_set_token(response, request->token, request->token_len);
        return;
    }
    size_t n = total - off < size ? total - off : size;
    cs_coap_block b2 = { want.num, off + n < total, want.szx };
    cs_coap_add_block(response, CS_COAP_OPT_BLOCK2, &b2);
    if (want.num == 0)
        cs_coap_add_uint(response, CS_COAP_OPT_SIZE2, (uint32_t)total);
    if (n > 0)
        cs_coap_set_payload(response, response->payload + off, n);
}

static void answer_request(cs_coap_endpoint *ep, struct peer *peer,
                           struct dedup *d, const cs_coap_msg *request,
                           uint8_t code, cs_coap_msg *response)
{
    uint8_t buf[MAX_DATAGRAM];
    size_t len;
    if (code != 0)
        response->code = code;
    slice_response(ep, request, response);
    cs_err err = cs_coap_serialize(response, buf, sizeof buf, &len);
    if (err != CS_OK) {
        /* The handler built something unsendable: say so, without it. */
        cs_coap_init(response, response->type, CS_COAP_CODE_INTERNAL_SERVER_ERROR,
                     response->mid);
        cs_coap_set_token(response, request->token, request->token_len);
        if (cs_coap_serialize(response, buf, sizeof buf, &len) != CS_OK)
            return;
    }
    transmit(ep, peer, buf, len);
    if (request->type == CS_COAP_TYPE_CON)
        dedup_keep_response(d, buf, len);
}

/*
 * One block of a block-wise request body (RFC 7959 §2.5).  True when the
 * body is complete (peer->upload holds it); false when this block was
 * answered here: 2.31 Continue for more, 4.08 for a block out of order,
 * 4.13 past max_body.
 */
static bool gather_block1(cs_coap_endpoint *ep, struct peer *peer,
                          struct dedup *d, const cs_coap_msg *msg,
                          const cs_coap_block *b1, cs_coap_msg *response)
{
    if (b1->num == 0)
        free_upload(peer);
    if (peer->upload == NULL && b1->num == 0)
        peer->upload = calloc(1, sizeof *peer->upload);
    struct upload *up = peer->upload;
    if (up == NULL || (size_t)b1->num * cs_coap_block_size(b1->szx) != up->len) {
        answer_request(ep, peer, d, msg, CS_COAP_CODE_REQUEST_ENTITY_INCOMPLETE,
                       response);
        return false;
    }
    if (body_append(&up->body, &up->len, &up->cap, msg->payload,
                    msg->payload_len, ep->cfg.max_body) != CS_OK) {
        free_upload(peer);
        cs_coap_add_uint(response, CS_COAP_OPT_SIZE1, (uint32_t)ep->cfg.max_body);
        answer_request(ep, peer, d, msg, CS_COAP_CODE_REQUEST_ENTITY_TOO_LARGE,
                       response);
        return false;
    }
    if (!b1->more)
        return true;
    /* Ask for our block size if the client's is larger. */
    cs_coap_block ack = *b1;
    if (ack.szx > ep->szx)
        ack.szx = ep->szx;
    cs_coap_add_block(response, CS_COAP_OPT_BLOCK1, &ack);
    answer_request(ep, peer, d, msg, CS_COAP_CODE_CONTINUE, response);
    return false;
}

static cs_err handle_request(cs_coap_endpoint *ep, cs_coap_time now,
                             struct peer *peer, const cs_coap_msg *msg,
                             cs_err parse_status)
{
    struct dedup *d = dedup_find(peer, msg->mid, now);
    if (d != NULL) {
        ep->stats.duplicates++;
        if (msg->type != CS_COAP_TYPE_CON)
            return CS_OK;
        if (d->state == DEDUP_ANSWERED)
            transmit(ep, peer, d->response, d->response_len);
        else if (d->state == DEDUP_DEFERRED)
            send_empty(ep, &peer->addr, peer->session, CS_COAP_TYPE_ACK, msg->mid);
        return CS_OK;
    }
    d = dedup_insert(peer, msg->mid, now + ep->lifetime);

    cs_coap_msg response;
    bool con = msg->type == CS_COAP_TYPE_CON;
    cs_coap_init(&response, con ? CS_COAP_TYPE_ACK : CS_COAP_TYPE_NON,
                 CS_COAP_CODE_INTERNAL_SERVER_ERROR,
                 con ? msg->mid : next_mid(peer));
    cs_coap_set_token(&response, msg->token, msg->token_len);

    uint16_t bad = 0;
    if (parse_status == CS_E_TOO_LARGE) {
        answer_request(ep, peer, d, msg, CS_COAP_CODE_REQUEST_ENTITY_TOO_LARGE, &response);
        return CS_OK;
    }
    if (parse_status == CS_E_BAD_OPTION ||
        cs_coap_check_critical(msg, NULL, 0, &bad) != CS_OK) {
        if (!con) {                  /* RFC 7252 §5.4.1: reject the NON */
            send_empty(ep, &peer->addr, peer->session, CS_COAP_TYPE_RST, msg->mid);
            return CS_OK;
        }
        answer_request(ep, peer, d, msg, CS_COAP_CODE_BAD_OPTION, &response);
        return CS_OK;
    }
    cs_coap_block b1;
    cs_err berr = cs_coap_get_block(msg, CS_COAP_OPT_BLOCK1, false, &b1);
    if (berr != CS_OK && berr != CS_E_NOT_FOUND) {
        answer_request(ep, peer, d, msg, CS_COAP_CODE_BAD_REQUEST, &response);
        return CS_OK;
    }
    cs_coap_msg whole;
    const cs_coap_msg *request = msg;
    if (berr == CS_OK) {
        if (!gather_block1(ep, peer, d, msg, &b1, &response))
            return CS_OK;            /* answered: 2.31, 4.08 or 4.13 */
        whole = *msg;
        whole.payload = peer->upload->body;
        whole.payload_len = peer->upload->len;
        request = &whole;
        if (b1.szx > ep->szx)
            b1.szx = ep->szx;
        cs_coap_add_block(&response, CS_COAP_OPT_BLOCK1, &b1);
    }
    if (ep->cfg.on_request == NULL) {
        response.code = CS_COAP_CODE_NOT_FOUND;
    } else {
        cs_coap_incoming in = { &peer->addr, peer->session, request, false };
        ep->cfg.on_request(ep->cfg.app, ep, &in, &response);
        if (in.deferred) {
            if (d != NULL)
                d->state = con ? DEDUP_DEFERRED : DEDUP_SEEN;
            free_upload(peer);
            return CS_OK;
        }
    }
    answer_request(ep, peer, d, msg, 0, &response);
    free_upload(peer);
    return CS_OK;
}

cs_coap_reply_to cs_coap_defer(cs_coap_endpoint *ep, cs_coap_incoming *in)
{
    cs_coap_reply_to to;
    memset(&to, 0, sizeof to);
    to.addr = *in->from;
    to.session = in->session;
    to.token_len = in->request->token_len;
    memcpy(to.token, in->request->token, to.token_len);
    to.confirmable = in->request->type == CS_COAP_TYPE_CON;
    if (!in->deferred && to.confirmable)
        send_empty(ep, in->from, in->session, CS_COAP_TYPE_ACK, in->request->mid);
    in->deferred = true;
    return to;
}

cs_err cs_coap_receive(cs_coap_endpoint *ep, cs_coap_time now,
                       const cs_addr *from, void *session,
                       const uint8_t *data, size_t len)
{
    cs_coap_msg msg;
    cs_err status = cs_coap_parse(data, len, &msg);
    if (status != CS_OK && status != CS_E_BAD_OPTION &&
        status != CS_E_TOO_LARGE) {
        uint8_t type;
        uint16_t mid;
        ep->stats.rejected++;
        if (cs_coap_peek_header(data, len, &type, NULL, &mid) &&
            type == CS_COAP_TYPE_CON)
            send_empty(ep, from, session, CS_COAP_TYPE_RST, mid);
        return status;
    }

    if (msg.type == CS_COAP_TYPE_ACK || msg.type == CS_COAP_TYPE_RST) {
        struct peer *peer = find_peer(ep, from);
        if (peer == NULL)
            return CS_OK;            /* nothing of ours: ignore */
        touch_peer(ep, peer, now);
        return status == CS_OK ? handle_ack_or_reset(ep, now, peer, &msg)
                               : status;
    }
    if (cs_coap_code_is_empty(msg.code)) {
        if (msg.type == CS_COAP_TYPE_CON)  /* a CoAP ping */
            send_empty(ep, from, session, CS_COAP_TYPE_RST, msg.mid);
        return CS_OK;
    }
    struct peer *peer = find_or_add_peer(ep, from, session);
    if (peer == NULL) {
        ep->stats.rejected++;
        return CS_E_BUSY;
    }
    touch_peer(ep, peer, now);
    if (cs_coap_code_is_request(msg.code))
        return handle_request(ep, now, peer, &msg, status);
    if (cs_coap_code_is_response(msg.code) && status == CS_OK)
        return handle_response(ep, now, peer, &msg);
    ep->stats.rejected++;
    send_empty(ep, from, session, CS_COAP_TYPE_RST, msg.mid);
    return status == CS_OK ? CS_E_SYNTAX : status;
}

/* ---- Time -------------------------------------------------------------- */

static void exchange_timer_fired(cs_coap_endpoint *ep, cs_coap_time now,
                                 struct exchange *x)
{
    if (x->state == X_WAIT_ACK &&
        x->retransmits < ep->cfg.params.max_retransmit) {
        x->retransmits++;
        x->timeout_ms *= 2;
        ep->stats.retransmissions++;
        transmit(ep, x->peer, x->datagram, x->len);
        cs_timer_schedule(&ep->timers, &x->timer.t, now + x->timeout_ms);
        return;
    }
    complete(ep, now, x, CS_E_TIMEOUT, NULL);
}

static void peer_timer_fired(cs_coap_endpoint *ep, cs_coap_time now,
                             struct peer *peer)
{
    if (peer->exchanges != NULL) {
        touch_peer(ep, peer, now);   /* they end by their own timers */
        return;
    }
    remove_peer(ep, peer);
}

cs_coap_time cs_coap_next_deadline(const cs_coap_endpoint *ep)
{
    const cs_timer *first = cs_timer_heap_first(&ep->timers);
    return first ? first->deadline : CS_COAP_NEVER;
}

void cs_coap_tick(cs_coap_endpoint *ep, cs_coap_time now)
{
    cs_timer *t;
    while ((t = cs_timer_heap_pop_due(&ep->timers, now)) != NULL) {
        struct ep_timer *et = (struct ep_timer *)t;
        if (et->kind == TIMER_PEER)
            peer_timer_fired(ep, now, (struct peer *)((char *)et -
                                                      offsetof(struct peer, timer)));
        else
            exchange_timer_fired(ep, now,
                                 (struct exchange *)((char *)et -
                                                     offsetof(struct exchange, timer)));
    }
}

void cs_coap_get_stats(const cs_coap_endpoint *ep, cs_coap_stats *out)
{
    *out = ep->stats;
    out->memory = sizeof *ep + cs_addr_map_memory(&ep->peers) +
                  ep->timers.cap * sizeof(cs_timer *) +
                  ep->stats.peers * sizeof(struct peer) +
                  ep->stats.exchanges * sizeof(struct exchange);
}
