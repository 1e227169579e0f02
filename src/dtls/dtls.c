/*
 * dtls.c - the sans-I/O DTLS 1.2 PSK engine (see cellstrap/dtls.h), on
 * mbedTLS 2.28.
 *
 * How a server holds a million peers behind one socket:
 *
 *   - Peers live in a hash table keyed by address and port, and each has
 *     one timer in a min-heap: a datagram or a due timer costs O(1) plus
 *     O(log n) for a heap move, and nothing ever walks all peers.
 *
 *   - mbedTLS talks to the network only through our bio callbacks: "recv"
 *     hands out the one datagram being processed (once, then WANT_READ),
 *     "send" appends to the engine's output queue with the peer's address.
 *     Its retransmission timer is mapped onto the caller's clock, which
 *     the engine learns from each call.
 *
 *   - A ClientHello from an address without a session is answered
 *     statelessly: we parse just enough of it to find the cookie, check it
 *     (an HMAC of the client's address and a timestamp under an engine
 *     secret) and, when it is missing or wrong, write the
 *     HelloVerifyRequest ourselves.  Only a ClientHello with a valid
 *     cookie allocates a peer and an mbedTLS context, which then checks
 *     the same cookie again through mbedtls_ssl_conf_dtls_cookies.  We
 *     chose this over a shared "cookie" mbedTLS context reset per
 *     ClientHello because that reset clears both 16 kB record buffers and
 *     allocates the handshake structures for every spoofed packet, while
 *     the stateless path costs one HMAC and no allocation (measured on
 *     the development machine: 0.9 us against 3.3 us per ClientHello).
 *     mbedTLS's own ssl_cookie module is not used because it reads the
 *     system clock.
 *
 *   - A device that reboots and reconnects from the same address and port
 *     gets a new session at once: an active session's mbedTLS context
 *     detects the new ClientHello (MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE),
 *     answers the cookie exchange and returns
 *     MBEDTLS_ERR_SSL_CLIENT_RECONNECT, and we move the context to a new
 *     peer; for parked sessions and unfinished handshakes the stateless
 *     path above does the same.  The old session is kept until the cookie
 *     proves the new ClientHello really comes from that address.
 *
 *   - An established session idle for idle_park_ms is serialized with
 *     mbedtls_ssl_context_save (a few hundred bytes) and its context freed;
 *     the next datagram or send restores it with mbedtls_ssl_context_load.
 *     The blob is freed as soon as it is loaded: loading a stale copy
 *     would reuse record sequence numbers, hence nonces.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/ssl_internal.h>

#include "cellstrap/dtls.h"
#include "core/addr_map.h"
#include "core/timer_heap.h"
#include "crypto/crypto.h"

/* ---- Wire constants (RFC 6347, RFC 5246) ---- */

#define REC_HEADER_LEN 13       /* type, version, epoch, sequence, length */
#define HS_HEADER_LEN 12        /* type, length, message_seq, fragment */
#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPLICATION_DATA 23
#define HS_CLIENT_HELLO 1
#define HS_HELLO_VERIFY_REQUEST 3
#define DTLS_MAJOR 0xFE
#define DTLS_1_0_MINOR 0xFF
#define DTLS_1_2_MINOR 0xFD
#define ALERT_LEVEL_FATAL 2
#define ALERT_UNKNOWN_PSK_IDENTITY 115
#define RANDOM_LEN 32

/* Our cookie: a 4-byte timestamp (ms, caller's clock, mod 2^32) and the
 * first 16 bytes of HMAC-SHA-256(secret, timestamp || client address). */
#define COOKIE_TIME_LEN 4
#define COOKIE_MAC_LEN 16
#define COOKIE_LEN (COOKIE_TIME_LEN + COOKIE_MAC_LEN)
#define COOKIE_SECRET_LEN 32

/* family, port, address: what identifies a client to the cookie. */
#define TRANSPORT_ID_LEN 19

/* A parked session larger than this is kept active instead (the target is
 * under 1 kB per parked peer in all). */
#define PARK_BLOB_MAX 768

/* Bound of the record loop over one datagram (13-byte records at least). */
#define MAX_RECORDS_PER_DATAGRAM (CS_DTLS_DATAGRAM_MAX / REC_HEADER_LEN + 2)

/* What the statistics count for one mbedTLS context: its structures and
 * record buffers, plus the handshake structures while it has them. */
#define SSL_FOOTPRINT                                                        \
    (sizeof(mbedtls_ssl_context) + MBEDTLS_SSL_IN_BUFFER_LEN +               \
     MBEDTLS_SSL_OUT_BUFFER_LEN + sizeof(mbedtls_ssl_session) +              \
     sizeof(mbedtls_ssl_transform))
#define HANDSHAKE_FOOTPRINT                                                  \
    (sizeof(mbedtls_ssl_handshake_params) + sizeof(mbedtls_ssl_transform) +  \
     sizeof(mbedtls_ssl_session))

/* ---- Structures ---- */

struct out_item {
    cs_addr to;
    uint32_t off;
    uint32_t len;
};

/* Datagrams to send: a ring of descriptors over a byte area that is
 * filled front to back and reclaimed when the queue empties. */
struct outbox {
    uint8_t *bytes;
    size_t cap;
    size_t used;
    struct out_item *items;
    size_t item_cap;
    size_t head;
    size_t count;
};

struct cs_dtls_peer {
    cs_dtls_engine *engine;
    cs_addr addr;
    uint8_t state;          /* enum cs_dtls_peer_state */
    bool doomed;            /* closed while processed: freed afterwards */
    bool got_data;          /* an authenticated record in this datagram */
    bool unparkable;        /* mbedTLS cannot serialize it (CBC suite) */
    bool retx_on;           /* mbedTLS's timer is running */
    int16_t alert_sent;     /* last fatal alert we sent, or -1 */
    uint16_t suite;
    uint16_t max_payload;
    uint16_t identity_len;
    uint16_t blob_len;
    uint8_t acct_state;     /* state the statistics count it in */
    size_t acct_bytes;      /* bytes the statistics count for it */
    cs_timer timer;
    cs_time_ms started;     /* handshake start */
    cs_time_ms last_active; /* last authenticated record in or out */
    cs_time_ms retx_int;    /* mbedTLS's intermediate and final delays */
    cs_time_ms retx_fin;
    mbedtls_ssl_context *ssl;   /* NULL while parked */
    uint8_t *identity;
    uint8_t *blob;              /* the parked session */
    uint8_t client_random[RANDOM_LEN]; /* of the ClientHello that began it */
    void *user;
};

struct cs_dtls_engine {
    bool server;
    cs_dtls_config cfg;
    int suites[4];              /* mbedTLS's 0-terminated list */
    struct cs_rng *rng;
    bool own_rng;
    mbedtls_ssl_config conf;
    mbedtls_md_context_t cookie_md; /* HMAC keyed with the cookie secret */

    cs_addr_map peers;          /* server: address → peer */
    cs_addr_map per_ip;         /* server: address without port → count */
    cs_timer_heap timers;
    cs_time_ms now;             /* the caller's time of the current call */
    int depth;                  /* > 0 inside the event callback */
    bool in_lookup;             /* inside the PSK callback (in mbedTLS) */

    /* The datagram being processed and the peer it is for. */
    cs_dtls_peer *in_peer;
    const uint8_t *in;
    size_t in_len;
    bool in_taken;

    cs_dtls_peer *busy;         /* peer whose processing is on the stack */
    cs_dtls_peer *reconnect;    /* its context returned CLIENT_RECONNECT */

    struct outbox out;
    uint8_t *plain;             /* MBEDTLS_SSL_IN_CONTENT_LEN bytes */
    size_t count[CS_DTLS_CLOSED + 1];   /* peers per state */
    size_t mem[CS_DTLS_CLOSED + 1];     /* bytes per state */
    cs_dtls_stats stats;        /* the counters; the rest is derived */

    /* Client role. */
    cs_addr server_addr;
    cs_dtls_peer *client;
    uint8_t *client_identity;
    size_t client_identity_len;
};

/* ---- Small helpers ---- */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static cs_time_ms min_time(cs_time_ms a, cs_time_ms b)
{
    return a < b ? a : b;
}

static cs_dtls_peer *peer_of_timer(cs_timer *timer)
{
    return (cs_dtls_peer *)(void *)((char *)timer -
                                    offsetof(cs_dtls_peer, timer));
}

/* The bytes that identify a client to the cookie and to mbedTLS. */
static void transport_id(const cs_addr *addr, uint8_t out[TRANSPORT_ID_LEN])
{
    out[0] = addr->family;
    put16(out + 1, addr->port);
    memcpy(out + 3, addr->ip, 16);
}

/* ---- Output queue ---- */

static cs_err outbox_init(struct outbox *o, size_t bytes, size_t items)
{
    memset(o, 0, sizeof *o);
    o->bytes = malloc(bytes);
    o->items = calloc(items, sizeof *o->items);
    if (o->bytes == NULL || o->items == NULL)
        return CS_E_NOMEM;
    o->cap = bytes;
    o->item_cap = items;
    return CS_OK;
}

static void outbox_free(struct outbox *o)
{
    free(o->bytes);
    free(o->items);
    memset(o, 0, sizeof *o);
}

/* Queue one datagram, or drop it (as the network might) when full. */
static void outbox_push(cs_dtls_engine *e, const cs_addr *to,
                        const uint8_t *data, size_t len)
{
    struct outbox *o = &e->out;
    if (o->count == o->item_cap || len > o->cap - o->used) {
        e->stats.output_dropped++;
        return;
    }
    struct out_item *item = &o->items[(o->head + o->count) % o->item_cap];
    item->to = *to;
    item->off = (uint32_t)o->used;
    item->len = (uint32_t)len;
    memcpy(o->bytes + o->used, data, len);
    o->used += len;
    o->count++;
    e->stats.output_datagrams++;
}

/* ---- Statistics ---- */

static size_t peer_footprint(const cs_dtls_peer *p)
{
    size_t n = sizeof *p + p->identity_len + p->blob_len;
    if (p->ssl != NULL) {
        n += SSL_FOOTPRINT;
        if (p->ssl->handshake != NULL)
            n += HANDSHAKE_FOOTPRINT;
    }
    return n;
}

/* Move the peer's contribution to the statistics to its current state and
 * size.  Called after anything that may change either.  CLOSED peers (and
 * peers not yet created) count nowhere. */
static void account(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    if (p->acct_state != CS_DTLS_CLOSED) {
        e->count[p->acct_state]--;
        e->mem[p->acct_state] -= p->acct_bytes;
    }
    p->acct_state = p->state;
    p->acct_bytes = 0;
    if (p->state != CS_DTLS_CLOSED) {
        p->acct_bytes = peer_footprint(p);
        e->count[p->state]++;
        e->mem[p->state] += p->acct_bytes;
    }
}

static size_t live_peers(const cs_dtls_engine *e)
{
    return e->count[CS_DTLS_HANDSHAKE] + e->count[CS_DTLS_ACTIVE] +
           e->count[CS_DTLS_PARKED];
}

static void set_state(cs_dtls_peer *p, enum cs_dtls_peer_state state)
{
    p->state = (uint8_t)state;
    account(p);
}

/* ---- Per-IP counts (server), stored as the table's pointer value ---- */

static cs_addr ip_key(const cs_addr *addr)
{
    cs_addr key = *addr;
    key.port = 0;
    return key;
}

static size_t ip_count(const cs_dtls_engine *e, const cs_addr *addr)
{
    cs_addr key = ip_key(addr);
    return (size_t)(uintptr_t)cs_addr_map_get(&e->per_ip, &key);
}

static cs_err ip_increment(cs_dtls_engine *e, const cs_addr *addr)
{
    cs_addr key = ip_key(addr);
    size_t n = ip_count(e, addr) + 1;
    return cs_addr_map_put(&e->per_ip, &key, (void *)(uintptr_t)n);
}

/* Remove-then-put never grows the table, so this cannot fail. */
static void ip_decrement(cs_dtls_engine *e, const cs_addr *addr)
{
    cs_addr key = ip_key(addr);
    size_t n = (size_t)(uintptr_t)cs_addr_map_remove(&e->per_ip, &key);
    if (n > 1)
        (void)cs_addr_map_put(&e->per_ip, &key, (void *)(uintptr_t)(n - 1));
}

/* ---- Cookies (server) ---- */

static void cookie_mac(cs_dtls_engine *e, const uint8_t stamp[COOKIE_TIME_LEN],
                       const uint8_t *id, size_t id_len,
                       uint8_t mac[COOKIE_MAC_LEN])
{
    uint8_t full[32];
    if (mbedtls_md_hmac_reset(&e->cookie_md) != 0 ||
        mbedtls_md_hmac_update(&e->cookie_md, stamp, COOKIE_TIME_LEN) != 0 ||
        mbedtls_md_hmac_update(&e->cookie_md, id, id_len) != 0 ||
        mbedtls_md_hmac_finish(&e->cookie_md, full) != 0) {
        /* Cannot happen with SHA-256 once set up; a random MAC makes
         * every check fail rather than pass. */
        (void)cs_rng_bytes(e->rng, full, sizeof full);
    }
    memcpy(mac, full, COOKIE_MAC_LEN);
    cs_secure_zero(full, sizeof full);
}

static void cookie_make(cs_dtls_engine *e, const uint8_t *id, size_t id_len,
                        uint8_t cookie[COOKIE_LEN])
{
    uint32_t stamp = (uint32_t)e->now;
    cookie[0] = (uint8_t)(stamp >> 24);
    cookie[1] = (uint8_t)(stamp >> 16);
    cookie[2] = (uint8_t)(stamp >> 8);
    cookie[3] = (uint8_t)stamp;
    cookie_mac(e, cookie, id, id_len, cookie + COOKIE_TIME_LEN);
}

static bool cookie_valid(cs_dtls_engine *e, const uint8_t *cookie, size_t len,
                         const uint8_t *id, size_t id_len)
{
    if (len != COOKIE_LEN || id == NULL)
        return false;
    uint8_t mac[COOKIE_MAC_LEN];
    cookie_mac(e, cookie, id, id_len, mac);
    if (!cs_ct_equal(mac, cookie + COOKIE_TIME_LEN, COOKIE_MAC_LEN))
        return false;
    uint32_t stamp = (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 |
                     (uint32_t)cookie[2] << 8 | cookie[3];
    uint32_t age = (uint32_t)e->now - stamp;  /* mod 2^32: wraps safely */
    return age <= e->cfg.cookie_lifetime_ms;
}

/* mbedtls_ssl_cookie_write_t: the same cookie for mbedTLS's checks. */
static int cookie_write_cb(void *ctx, unsigned char **p, unsigned char *end,
                           const unsigned char *id, size_t id_len)
{
    if (end - *p < COOKIE_LEN || id == NULL)
        return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    cookie_make(ctx, id, id_len, *p);
    *p += COOKIE_LEN;
    return 0;
}

/* mbedtls_ssl_cookie_check_t */
static int cookie_check_cb(void *ctx, const unsigned char *cookie, size_t len,
                           const unsigned char *id, size_t id_len)
{
    return cookie_valid(ctx, cookie, len, id, id_len) ? 0 : -1;
}

/* ---- Reading records without a session ---- */

/* What the stateless path needs from a ClientHello. */
struct client_hello {
    const uint8_t *record;      /* the datagram: header fields are copied */
    uint16_t message_seq;
    const uint8_t *random;
    const uint8_t *cookie;
    size_t cookie_len;
};

/*
 * True when the datagram's first record is an unfragmented epoch-0
 * ClientHello whose fields up to the cookie are well formed.  Bounded:
 * every length is checked against what remains.
 */
static bool parse_client_hello(const uint8_t *d, size_t n,
                               struct client_hello *ch)
{
    if (n < REC_HEADER_LEN + HS_HEADER_LEN)
        return false;
    if (d[0] != CT_HANDSHAKE || d[1] != DTLS_MAJOR || d[3] != 0 || d[4] != 0)
        return false;
    size_t rec_len = get16(d + 11);
    if (rec_len > n - REC_HEADER_LEN || rec_len < HS_HEADER_LEN)
        return false;
    const uint8_t *h = d + REC_HEADER_LEN;
    size_t msg_len = get24(h + 1);
    if (h[0] != HS_CLIENT_HELLO || get24(h + 6) != 0 ||
        get24(h + 9) != msg_len || msg_len > rec_len - HS_HEADER_LEN)
        return false;
    const uint8_t *b = h + HS_HEADER_LEN;
    const uint8_t *end = b + msg_len;
    if ((size_t)(end - b) < 2 + RANDOM_LEN + 1)
        return false;
    ch->record = d;
    ch->message_seq = get16(h + 4);
    ch->random = b + 2;
    b += 2 + RANDOM_LEN;
    size_t sid_len = *b++;
    if (sid_len > 32 || (size_t)(end - b) < sid_len + 1)
        return false;
    b += sid_len;
    size_t cookie_len = *b++;
    if ((size_t)(end - b) < cookie_len)
        return false;
    ch->cookie = b;
    ch->cookie_len = cookie_len;
    return true;
}

/*
 * Answer a ClientHello with a HelloVerifyRequest carrying a fresh cookie,
 * without any state (RFC 6347 §4.2.1): record version and sequence number
 * copied from the ClientHello, server_version DTLS 1.0 as the RFC
 * recommends, message_seq echoed.
 */
static void send_hello_verify(cs_dtls_engine *e, const cs_addr *to,
                              const struct client_hello *ch)
{
    uint8_t out[REC_HEADER_LEN + HS_HEADER_LEN + 3 + COOKIE_LEN];
    uint8_t id[TRANSPORT_ID_LEN];
    size_t body = 3 + COOKIE_LEN;

    memcpy(out, ch->record, REC_HEADER_LEN);   /* type, version, epoch, seq */
    put16(out + 11, HS_HEADER_LEN + body);
    uint8_t *h = out + REC_HEADER_LEN;
    h[0] = HS_HELLO_VERIFY_REQUEST;
    put24(h + 1, body);
    put16(h + 4, ch->message_seq);
    put24(h + 6, 0);
    put24(h + 9, body);
    h[12] = DTLS_MAJOR;
    h[13] = DTLS_1_0_MINOR;
    h[14] = COOKIE_LEN;
    transport_id(to, id);
    cookie_make(e, id, sizeof id, h + 15);
    outbox_push(e, to, out, sizeof out);
    e->stats.hello_verify_sent++;
}

/* A cheap filter before restoring a parked session: the first record must
 * look like DTLS 1.2 of the current epoch, so junk costs no restore. */
static bool plausible_record(const uint8_t *d, size_t n)
{
    if (n < REC_HEADER_LEN + 1)
        return false;
    if (d[0] < CT_CHANGE_CIPHER_SPEC || d[0] > CT_APPLICATION_DATA)
        return false;
    if (d[1] != DTLS_MAJOR || d[2] != DTLS_1_2_MINOR)
        return false;
    if (d[3] == 0 && d[4] == 0)
        return false;
    return get16(d + 11) <= n - REC_HEADER_LEN;
}

/* Remember the last plaintext fatal alert in an outgoing datagram (mbedTLS
 * does not say which alert it sent; encrypted ones cannot be read). */
static void note_sent_alert(cs_dtls_peer *p, const uint8_t *d, size_t n)
{
    size_t off = 0;
    for (int i = 0; i < MAX_RECORDS_PER_DATAGRAM; i++) {
        if (n - off < REC_HEADER_LEN)
            return;
        const uint8_t *r = d + off;
        size_t len = get16(r + 11);
        if (len > n - off - REC_HEADER_LEN)
            return;
        if (r[0] == CT_ALERT && r[3] == 0 && r[4] == 0 && len == 2 &&
            r[13] == ALERT_LEVEL_FATAL)
            p->alert_sent = r[14];
        off += REC_HEADER_LEN + len;
    }
}

/* ---- mbedTLS callbacks ---- */

static int rng_cb(void *ctx, unsigned char *out, size_t len)
{
    if (cs_rng_bytes(ctx, out, len) != CS_OK)
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    return 0;
}

/* Hand out the datagram being processed, once, to the peer it is for. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    cs_dtls_peer *p = ctx;
    cs_dtls_engine *e = p->engine;
    if (e->in_peer != p || e->in_taken)
        return MBEDTLS_ERR_SSL_WANT_READ;
    e->in_taken = true;
    if (e->in_len > len)
        return MBEDTLS_ERR_SSL_WANT_READ;   /* cannot hold it: dropped */
    memcpy(buf, e->in, e->in_len);
    return (int)e->in_len;
}

/* Queue what mbedTLS sends; like UDP, never blocks. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    cs_dtls_peer *p = ctx;
    note_sent_alert(p, buf, len);
    outbox_push(p->engine, &p->addr, buf, len);
    return (int)len;
}

/* mbedtls_ssl_set_timer_t: delays relative to the current call's time. */
static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
    cs_dtls_peer *p = ctx;
    if (fin_ms == 0) {
        p->retx_on = false;
        return;
    }
    p->retx_on = true;
    p->retx_int = p->engine->now + int_ms;
    p->retx_fin = p->engine->now + fin_ms;
}

/* mbedtls_ssl_get_timer_t: -1 cancelled, 0 running, 1 intermediate
 * delay passed, 2 final delay passed. */
static int timer_get(void *ctx)
{
    const cs_dtls_peer *p = ctx;
    cs_time_ms now = p->engine->now;
    if (!p->retx_on)
        return -1;
    if (now >= p->retx_fin)
        return 2;
    return now >= p->retx_int ? 1 : 0;
}

static cs_err store_identity(cs_dtls_peer *p, const uint8_t *id, size_t len)
{
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return CS_E_NOMEM;
    memcpy(copy, id, len);
    free(p->identity);
    p->identity = copy;
    p->identity_len = (uint16_t)len;
    return CS_OK;
}

/* Server: the application maps the identity to a key (or refuses it, and
 * mbedTLS sends unknown_psk_identity). */
static int psk_cb(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *id,
                  size_t id_len)
{
    cs_dtls_engine *e = ctx;
    cs_dtls_peer *p = ssl->p_bio;
    uint8_t key[CS_DTLS_KEY_MAX];
    size_t key_len = 0;
    int ret = -1;

    if (id_len == 0 || id_len > CS_DTLS_IDENTITY_MAX)
        return -1;
    /* mbedTLS is mid-handshake on this context: no engine calls now. */
    e->depth++;
    e->in_lookup = true;
    cs_err err = e->cfg.psk_lookup(e->cfg.psk_ctx, &p->addr, id, id_len, key,
                                   sizeof key, &key_len);
    e->in_lookup = false;
    e->depth--;
    if (err == CS_OK && key_len > 0 && key_len <= sizeof key &&
        store_identity(p, id, id_len) == CS_OK &&
        mbedtls_ssl_set_hs_psk(ssl, key, key_len) == 0)
        ret = 0;
    cs_secure_zero(key, sizeof key);
    return ret;
}

/* ---- Peer lifecycle ---- */

static void emit(cs_dtls_engine *e, const cs_dtls_event *ev)
{
    e->depth++;
    e->cfg.on_event(e->cfg.event_ctx, ev);
    e->depth--;
}

static void ssl_destroy(mbedtls_ssl_context *ssl)
{
    if (ssl == NULL)
        return;
    mbedtls_ssl_free(ssl);
    free(ssl);
}

/* Point an mbedTLS context's callbacks at `p`. */
static cs_err ssl_bind(mbedtls_ssl_context *ssl, cs_dtls_peer *p)
{
    mbedtls_ssl_set_bio(ssl, p, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_timer_cb(ssl, p, timer_set, timer_get);
    if (p->engine->server) {
        uint8_t id[TRANSPORT_ID_LEN];
        transport_id(&p->addr, id);
        if (mbedtls_ssl_set_client_transport_id(ssl, id, sizeof id) != 0)
            return CS_E_NOMEM;
    }
    return CS_OK;
}

/* A fresh mbedTLS context for `p`, or NULL when out of memory. */
static mbedtls_ssl_context *ssl_create(cs_dtls_peer *p)
{
    mbedtls_ssl_context *ssl = calloc(1, sizeof *ssl);
    if (ssl == NULL)
        return NULL;
    mbedtls_ssl_init(ssl);
    if (mbedtls_ssl_setup(ssl, &p->engine->conf) != 0 ||
        ssl_bind(ssl, p) != CS_OK) {
        ssl_destroy(ssl);
        return NULL;
    }
    mbedtls_ssl_set_mtu(ssl, p->engine->cfg.mtu);
    return ssl;
}

static void wipe_blob(cs_dtls_peer *p)
{
    if (p->blob != NULL) {
        cs_secure_zero(p->blob, p->blob_len);
        free(p->blob);
    }
    p->blob = NULL;
    p->blob_len = 0;
}

static void peer_free(cs_dtls_peer *p)
{
    ssl_destroy(p->ssl);
    wipe_blob(p);
    free(p->identity);
    free(p);
}

/* Take the peer out of the tables, the timer heap and the statistics. */
static void peer_unlink(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    cs_timer_cancel(&e->timers, &p->timer);
    if (e->server) {
        if (cs_addr_map_get(&e->peers, &p->addr) == p) {
            cs_addr_map_remove(&e->peers, &p->addr);
            ip_decrement(e, &p->addr);
        }
    } else if (e->client == p) {
        e->client = NULL;
    }
    set_state(p, CS_DTLS_CLOSED);
}

/*
 * End a session: optionally send close_notify, drop its secrets, deliver
 * the CLOSED event, and free it (later, if its processing is on the
 * stack).
 */
static void peer_close(cs_dtls_peer *p, enum cs_dtls_close_reason reason,
                       int alert, bool notify)
{
    cs_dtls_engine *e = p->engine;
    if (p->state == CS_DTLS_CLOSED)
        return;
    bool established = p->state == CS_DTLS_ACTIVE || p->state == CS_DTLS_PARKED;
    if (notify && established && p->ssl != NULL)
        (void)mbedtls_ssl_close_notify(p->ssl);
    if (!established)
        e->stats.handshakes_failed++;
    peer_unlink(p);
    ssl_destroy(p->ssl);
    p->ssl = NULL;
    wipe_blob(p);

    cs_dtls_event ev = {
        .type = CS_DTLS_EV_CLOSED, .peer = p, .reason = reason,
        .alert = alert, .established = established,
    };
    emit(e, &ev);
    if (e->busy == p)
        p->doomed = true;
    else
        peer_free(p);
}

/* Close after an mbedTLS error, saying which alert went which way. */
static void peer_fail(cs_dtls_peer *p, int ret)
{
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && p->ssl->in_msg != NULL)
        peer_close(p, CS_DTLS_CLOSE_ALERT_RECEIVED, p->ssl->in_msg[1], false);
    else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        peer_close(p, CS_DTLS_CLOSE_PEER, 0, true);
    else if (ret == MBEDTLS_ERR_SSL_TIMEOUT)
        peer_close(p, CS_DTLS_CLOSE_TIMEOUT, CS_DTLS_NO_ALERT, false);
    else if (p->alert_sent >= 0)
        peer_close(p, CS_DTLS_CLOSE_ALERT_SENT, p->alert_sent, false);
    else if (ret == MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY)
        peer_close(p, CS_DTLS_CLOSE_ALERT_SENT, ALERT_UNKNOWN_PSK_IDENTITY,
                   false);
    else
        peer_close(p, CS_DTLS_CLOSE_ERROR, CS_DTLS_NO_ALERT, false);
}

static cs_dtls_peer *peer_alloc(cs_dtls_engine *e, const cs_addr *addr)
{
    cs_dtls_peer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->engine = e;
    p->addr = *addr;
    p->alert_sent = -1;
    p->state = CS_DTLS_HANDSHAKE;
    p->acct_state = CS_DTLS_CLOSED;    /* not yet counted */
    p->started = e->now;
    p->last_active = e->now;
    cs_timer_init(&p->timer);
    return p;
}

/*
 * A new half-open peer for `addr` with context `ssl` (NULL: create one).
 * Registered in the tables; NULL when out of memory (`ssl` is then freed).
 */
static cs_dtls_peer *peer_create(cs_dtls_engine *e, const cs_addr *addr,
                                 mbedtls_ssl_context *ssl)
{
    cs_dtls_peer *p = peer_alloc(e, addr);
    if (p == NULL) {
        ssl_destroy(ssl);
        return NULL;
    }
    if (ssl != NULL && ssl_bind(ssl, p) != CS_OK) {
        ssl_destroy(ssl);
        ssl = NULL;
    } else if (ssl == NULL) {
        ssl = ssl_create(p);
    }
    p->ssl = ssl;
    if (ssl == NULL)
        goto fail;
    if (e->server) {
        if (ip_increment(e, addr) != CS_OK)
            goto fail;
        if (cs_addr_map_put(&e->peers, addr, p) != CS_OK) {
            ip_decrement(e, addr);
            goto fail;
        }
    } else {
        e->client = p;
        if (store_identity(p, e->client_identity, e->client_identity_len) !=
            CS_OK) {
            e->client = NULL;
            goto fail;
        }
    }
    set_state(p, CS_DTLS_HANDSHAKE);
    e->stats.handshakes_started++;
    return p;
fail:
    peer_free(p);
    return NULL;
}

/* ---- Driving mbedTLS ---- */

static bool datagram_pending(const cs_dtls_peer *p)
{
    const cs_dtls_engine *e = p->engine;
    return e->in_peer == p && !e->in_taken;
}

static void drain_reads(cs_dtls_peer *p);

static void on_established(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    int max = mbedtls_ssl_get_max_out_record_payload(p->ssl);
    p->suite = (uint16_t)p->ssl->session->ciphersuite;
    p->max_payload = max > 0 ? (uint16_t)max : 0;
    /* mbedTLS serializes only AEAD sessions. */
    p->unparkable = p->suite == CS_DTLS_PSK_AES_128_CBC_SHA256;
    p->last_active = e->now;
    p->retx_on = false;
    set_state(p, CS_DTLS_ACTIVE);
    e->stats.handshakes_completed++;
    cs_dtls_event ev = { .type = CS_DTLS_EV_CONNECTED, .peer = p,
                         .alert = CS_DTLS_NO_ALERT };
    emit(e, &ev);
}

/*
 * Advance a handshake with the pending datagram (if any) or the timer.
 * mbedTLS checks its timer before reading, so an expired timer makes it
 * retransmit and return without taking the datagram: call again then.
 */
static void drive_handshake(cs_dtls_peer *p)
{
    for (int round = 0; round < 4; round++) {
        int ret = mbedtls_ssl_handshake(p->ssl);
        if (ret == 0) {
            on_established(p);
            if (p->state == CS_DTLS_ACTIVE)
                drain_reads(p);
            return;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
            ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (datagram_pending(p))
                continue;
            return;
        }
        peer_fail(p, ret);
        return;
    }
}

/* Read every record of the pending datagram on an established session. */
static void drain_reads(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    for (int i = 0; i < MAX_RECORDS_PER_DATAGRAM; i++) {
        int ret = mbedtls_ssl_read(p->ssl, e->plain,
                                   MBEDTLS_SSL_IN_CONTENT_LEN);
        if (ret > 0) {
            p->last_active = e->now;
            p->got_data = true;
            cs_dtls_event ev = { .type = CS_DTLS_EV_DATA, .peer = p,
                                 .data = e->plain, .len = (size_t)ret,
                                 .alert = CS_DTLS_NO_ALERT };
            emit(e, &ev);
            if (p->state != CS_DTLS_ACTIVE)
                return;
            continue;
        }
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ ||
            ret == MBEDTLS_ERR_SSL_WANT_WRITE ||
            ret == MBEDTLS_ERR_SSL_TIMEOUT) {
            if (datagram_pending(p))
                continue;
            return;
        }
        if (ret == MBEDTLS_ERR_SSL_CLIENT_RECONNECT && e->server) {
            e->reconnect = p;
            return;
        }
        p->got_data = true;
        peer_fail(p, ret);
        return;
    }
}

/* ---- Parking ---- */

/*
 * Serialize an idle established session and free its context.  False when
 * it cannot be parked now (the peer stays active).
 */
static bool peer_park(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    mbedtls_ssl_context *ssl = p->ssl;
    size_t len = 0;

    if (p->unparkable || ssl == NULL)
        return false;
    /* The side that sent the last flight keeps the handshake structures to
     * retransmit it, until the peer's first record of the new epoch.  An
     * idle time later the peer has long had it (or given up): release them
     * as mbedTLS would, so that the context can be saved. */
    if (ssl->handshake != NULL)
        mbedtls_ssl_handshake_wrapup_free_hs_transform(ssl);
    int ret = mbedtls_ssl_context_save(ssl, NULL, 0, &len);
    if (ret != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL || len == 0 ||
        len > PARK_BLOB_MAX) {
        p->unparkable = ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA ||
                        len > PARK_BLOB_MAX;
        return false;
    }
    uint8_t *blob = malloc(len);
    if (blob == NULL)
        return false;
    if (mbedtls_ssl_context_save(ssl, blob, len, &len) != 0) {
        free(blob);
        p->unparkable = true;
        return false;
    }
    ssl_destroy(ssl);
    p->ssl = NULL;
    p->blob = blob;
    p->blob_len = (uint16_t)len;
    p->retx_on = false;
    set_state(p, CS_DTLS_PARKED);
    e->stats.parks++;
    return true;
}

/*
 * Bring a parked session back into an mbedTLS context.  The blob is wiped
 * whether or not loading works: it must never be loaded twice.  CS_OK;
 * CS_E_NOMEM (still parked, blob kept); CS_E_INTERNAL (the session is
 * lost: the caller closes the peer).
 */
static cs_err peer_restore(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    mbedtls_ssl_context *ssl = ssl_create(p);
    if (ssl == NULL)
        return CS_E_NOMEM;
    int ret = mbedtls_ssl_context_load(ssl, p->blob, p->blob_len);
    wipe_blob(p);
    if (ret != 0) {
        free(ssl);      /* mbedtls_ssl_context_load freed its contents */
        return CS_E_INTERNAL;
    }
    p->ssl = ssl;
    set_state(p, CS_DTLS_ACTIVE);
    e->stats.restores++;
    return CS_OK;
}

/* ---- Timers ---- */

static cs_time_ms peer_deadline(const cs_dtls_peer *p)
{
    const cs_dtls_config *cfg = &p->engine->cfg;
    bool server = p->engine->server;
    cs_time_ms d = CS_DTLS_NO_DEADLINE;

    if (p->state == CS_DTLS_HANDSHAKE) {
        if (p->retx_on)
            d = p->retx_fin;
        if (cfg->handshake_timeout_ms)
            d = min_time(d, p->started + cfg->handshake_timeout_ms);
        return d;
    }
    if (p->state == CS_DTLS_ACTIVE && server && cfg->idle_park_ms &&
        !p->unparkable)
        d = p->last_active + cfg->idle_park_ms;
    if ((p->state == CS_DTLS_ACTIVE || p->state == CS_DTLS_PARKED) && server &&
        cfg->session_expiry_ms)
        d = min_time(d, p->last_active + cfg->session_expiry_ms);
    return d;
}

/*
 * Keep the peer's timer no later than its earliest deadline.  A deadline
 * that moved later (traffic postponed parking) is left alone: the timer
 * fires early, finds nothing due and re-arms, so the per-datagram path
 * never touches the heap.  NOMEM leaves a half-open peer without a timer,
 * so it is closed.
 */
static void peer_rearm(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    cs_time_ms d = peer_deadline(p);
    if (d == CS_DTLS_NO_DEADLINE)
        return;
    if (d <= e->now)
        d = e->now + 1;     /* never due again in the same tick */
    if (cs_timer_is_scheduled(&p->timer) && p->timer.deadline <= d)
        return;
    if (cs_timer_schedule(&e->timers, &p->timer, d) != CS_OK &&
        p->state == CS_DTLS_HANDSHAKE)
        peer_close(p, CS_DTLS_CLOSE_ERROR, CS_DTLS_NO_ALERT, false);
}

static void on_timer(cs_dtls_peer *p)
{
    cs_dtls_engine *e = p->engine;
    const cs_dtls_config *cfg = &e->cfg;
    cs_time_ms now = e->now;

    switch (p->state) {
    case CS_DTLS_HANDSHAKE:
        if (cfg->handshake_timeout_ms &&
            now >= p->started + cfg->handshake_timeout_ms)
            peer_close(p, CS_DTLS_CLOSE_TIMEOUT, CS_DTLS_NO_ALERT, false);
        else if (p->retx_on && now >= p->retx_fin)
            drive_handshake(p);
        break;
    case CS_DTLS_ACTIVE:
    case CS_DTLS_PARKED:
        if (!e->server)
            break;
        if (cfg->session_expiry_ms &&
            now >= p->last_active + cfg->session_expiry_ms)
            peer_close(p, CS_DTLS_CLOSE_EXPIRED, CS_DTLS_NO_ALERT, false);
        else if (p->state == CS_DTLS_ACTIVE && cfg->idle_park_ms &&
                 now >= p->last_active + cfg->idle_park_ms)
            (void)peer_park(p);
        break;
    default:
        break;
    }
}

/* After processing: free a peer closed meanwhile, else refresh its
 * statistics and timer. */
static void peer_settle(cs_dtls_peer *p)
{
    if (p->doomed) {
        peer_free(p);
        return;
    }
    if (p->state == CS_DTLS_CLOSED)
        return;
    account(p);
    peer_rearm(p);
}

/* ---- Server: sessions from ClientHellos ---- */

/* Would a new peer from `from` fit the limits, once `old` (if any) is
 * gone? */
static bool admission_ok(const cs_dtls_engine *e, const cs_addr *from,
                         const cs_dtls_peer *old)
{
    const cs_dtls_config *cfg = &e->cfg;
    size_t peers = live_peers(e), handshakes = e->count[CS_DTLS_HANDSHAKE];
    size_t same_ip = ip_count(e, from);
    if (old != NULL) {
        peers--;
        same_ip--;
        if (old->state == CS_DTLS_HANDSHAKE)
            handshakes--;
    }
    if (cfg->max_peers && peers >= cfg->max_peers)
        return false;
    if (cfg->max_handshakes && handshakes >= cfg->max_handshakes)
        return false;
    return !(cfg->max_peers_per_ip && same_ip >= cfg->max_peers_per_ip);
}

static cs_err peer_input(cs_dtls_peer *p, const uint8_t *data, size_t len);

/*
 * A ClientHello from an address with no session, a parked one, or an
 * unfinished handshake with another random: ask for a cookie, or with a
 * valid one start a session (replacing `old`).
 */
static cs_err accept_client_hello(cs_dtls_engine *e, const cs_addr *from,
                                  const uint8_t *data, size_t len,
                                  const struct client_hello *ch,
                                  cs_dtls_peer *old)
{
    uint8_t id[TRANSPORT_ID_LEN];
    transport_id(from, id);
    bool valid = cookie_valid(e, ch->cookie, ch->cookie_len, id, sizeof id);
    if (!admission_ok(e, from, old)) {
        e->stats.refused++;
        return CS_OK;
    }
    if (!valid) {
        send_hello_verify(e, from, ch);
        return CS_OK;
    }
    if (old != NULL) {
        e->stats.replaced++;
        peer_close(old, CS_DTLS_CLOSE_REPLACED, CS_DTLS_NO_ALERT, false);
    }
    cs_dtls_peer *p = peer_create(e, from, NULL);
    if (p == NULL)
        return CS_E_NOMEM;
    memcpy(p->client_random, ch->random, RANDOM_LEN);
    return peer_input(p, data, len);
}

/*
 * mbedTLS detected a new ClientHello with a valid cookie on an active
 * session and reset the context, keeping the ClientHello: close the old
 * session and continue the handshake in the same context on a new peer.
 */
static cs_err continue_reconnect(cs_dtls_engine *e, const cs_addr *addr,
                                 mbedtls_ssl_context *ssl,
                                 const uint8_t *data, size_t len)
{
    if (!admission_ok(e, addr, NULL)) {
        e->stats.refused++;
        ssl_destroy(ssl);
        return CS_OK;
    }
    cs_dtls_peer *p = peer_create(e, addr, ssl);
    if (p == NULL)
        return CS_E_NOMEM;
    struct client_hello ch;
    if (parse_client_hello(data, len, &ch))
        memcpy(p->client_random, ch.random, RANDOM_LEN);
    e->busy = p;
    drive_handshake(p);
    peer_settle(p);
    e->busy = NULL;
    return CS_OK;
}

/*
 * Feed one datagram to a peer's session (restoring it if parked), then
 * settle it.  A parked session restored for a datagram that holds no
 * authentic record is parked again, so spoofed junk cannot pile up
 * restored contexts.
 */
static cs_err peer_input(cs_dtls_peer *p, const uint8_t *data, size_t len)
{
    cs_dtls_engine *e = p->engine;
    cs_err err = CS_OK;
    bool restored = false;

    e->busy = p;
    p->got_data = false;
    if (p->state == CS_DTLS_PARKED) {
        if (!plausible_record(data, len)) {
            e->stats.datagrams_dropped++;
            goto out;
        }
        err = peer_restore(p);
        if (err == CS_E_INTERNAL)
            peer_close(p, CS_DTLS_CLOSE_ERROR, CS_DTLS_NO_ALERT, false);
        if (err != CS_OK)
            goto out;
        restored = true;
    }
    e->in_peer = p;
    e->in = data;
    e->in_len = len;
    e->in_taken = false;
    if (p->state == CS_DTLS_HANDSHAKE)
        drive_handshake(p);
    else if (p->state == CS_DTLS_ACTIVE)
        drain_reads(p);
    e->in_peer = NULL;
    e->in = NULL;

    if (e->reconnect == p) {
        cs_addr addr = p->addr;
        mbedtls_ssl_context *ssl = p->ssl;
        e->reconnect = NULL;
        p->ssl = NULL;
        e->stats.replaced++;
        peer_close(p, CS_DTLS_CLOSE_REPLACED, CS_DTLS_NO_ALERT, false);
        peer_settle(p);
        e->busy = NULL;
        return continue_reconnect(e, &addr, ssl, data, len);
    }
    if (restored && p->state == CS_DTLS_ACTIVE && !p->got_data)
        (void)peer_park(p);
out:
    peer_settle(p);
    e->busy = NULL;
    return err;
}

static cs_err server_receive(cs_dtls_engine *e, const cs_addr *from,
                             const uint8_t *data, size_t len)
{
    cs_dtls_peer *p = cs_addr_map_get(&e->peers, from);
    struct client_hello ch;
    bool hello = parse_client_hello(data, len, &ch);

    if (p == NULL) {
        if (!hello) {
            e->stats.datagrams_dropped++;
            return CS_OK;
        }
        return accept_client_hello(e, from, data, len, &ch, NULL);
    }
    /* An active context handles a new ClientHello itself (port reuse);
     * a parked one has no context, and mbedTLS would take a new random
     * during a handshake for a retransmission. */
    if (hello && (p->state == CS_DTLS_PARKED ||
                  (p->state == CS_DTLS_HANDSHAKE &&
                   memcmp(ch.random, p->client_random, RANDOM_LEN) != 0)))
        return accept_client_hello(e, from, data, len, &ch, p);
    return peer_input(p, data, len);
}

/* ---- Engine construction ---- */

void cs_dtls_config_init(cs_dtls_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mtu = 1232;
    cfg->retransmit_min_ms = 1000;
    cfg->retransmit_max_ms = 60000;
    cfg->handshake_timeout_ms = 60000;
    cfg->idle_park_ms = 60000;
    cfg->session_expiry_ms = 0;
    cfg->cookie_lifetime_ms = 60000;
    cfg->max_handshakes = 4096;
    cfg->outbox_bytes = 65536;
    cfg->outbox_datagrams = 256;
}

static bool suite_supported(uint16_t suite)
{
    return suite == CS_DTLS_PSK_AES_128_CCM_8 ||
           suite == CS_DTLS_PSK_AES_128_CCM ||
           suite == CS_DTLS_PSK_AES_128_CBC_SHA256;
}

static bool config_valid(const cs_dtls_config *cfg, bool server)
{
    if (cfg == NULL || cfg->on_event == NULL)
        return false;
    if (server && cfg->psk_lookup == NULL)
        return false;
    if (cfg->ciphersuites != NULL) {
        if (cfg->ciphersuite_count == 0 || cfg->ciphersuite_count > 3)
            return false;
        for (size_t i = 0; i < cfg->ciphersuite_count; i++)
            if (!suite_supported(cfg->ciphersuites[i]))
                return false;
    }
    if (cfg->mtu != 0 && cfg->mtu < 256)
        return false;
    if (cfg->retransmit_min_ms == 0 ||
        cfg->retransmit_max_ms < cfg->retransmit_min_ms)
        return false;
    return cfg->outbox_bytes >= 1024 && cfg->outbox_datagrams >= 4 &&
           cfg->outbox_bytes <= UINT32_MAX && cfg->cookie_lifetime_ms > 0;
}

static void set_suites(cs_dtls_engine *e)
{
    static const uint16_t server_default[] = {
        CS_DTLS_PSK_AES_128_CCM_8, CS_DTLS_PSK_AES_128_CCM,
        CS_DTLS_PSK_AES_128_CBC_SHA256 };
    static const uint16_t client_default[] = {
        CS_DTLS_PSK_AES_128_CCM_8, CS_DTLS_PSK_AES_128_CCM };
    const uint16_t *list = e->cfg.ciphersuites;
    size_t n = e->cfg.ciphersuite_count;
    if (list == NULL) {
        list = e->server ? server_default : client_default;
        n = e->server ? 3 : 2;
    }
    for (size_t i = 0; i < n; i++)
        e->suites[i] = list[i];
    e->suites[n] = 0;
    e->cfg.ciphersuites = NULL;     /* not kept: the caller's array */
}

/* Everything both roles share. */
static cs_dtls_engine *engine_new(const cs_dtls_config *cfg, bool server)
{
    if (!config_valid(cfg, server))
        return NULL;
    cs_dtls_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->server = server;
    e->cfg = *cfg;
    set_suites(e);
    mbedtls_ssl_config_init(&e->conf);
    mbedtls_md_init(&e->cookie_md);
    cs_timer_heap_init(&e->timers);
    e->rng = cfg->rng;
    if (e->rng == NULL) {
        e->rng = cs_rng_new("cellstrap-dtls");
        e->own_rng = true;
    }
    uint64_t seeds[2];
    if (e->rng == NULL || cs_rng_bytes(e->rng, seeds, sizeof seeds) != CS_OK)
        goto fail;
    cs_addr_map_init(&e->peers, seeds[0]);
    cs_addr_map_init(&e->per_ip, seeds[1]);
    e->plain = malloc(MBEDTLS_SSL_IN_CONTENT_LEN);
    if (e->plain == NULL ||
        outbox_init(&e->out, cfg->outbox_bytes, cfg->outbox_datagrams) != CS_OK)
        goto fail;

    mbedtls_ssl_config *conf = &e->conf;
    if (mbedtls_ssl_config_defaults(conf,
                                    server ? MBEDTLS_SSL_IS_SERVER
                                           : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        goto fail;
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(conf, e->suites);
    mbedtls_ssl_conf_rng(conf, rng_cb, e->rng);
    mbedtls_ssl_conf_handshake_timeout(conf, cfg->retransmit_min_ms,
                                       cfg->retransmit_max_ms);
    mbedtls_ssl_conf_session_tickets(conf,
                                     MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    return e;
fail:
    cs_dtls_free(e);
    return NULL;
}

cs_dtls_engine *cs_dtls_server_new(const cs_dtls_config *cfg)
{
    cs_dtls_engine *e = engine_new(cfg, true);
    if (e == NULL)
        return NULL;
    uint8_t secret[COOKIE_SECRET_LEN];
    const mbedtls_md_info_t *sha256 =
        mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    bool ok = cs_rng_bytes(e->rng, secret, sizeof secret) == CS_OK &&
              mbedtls_md_setup(&e->cookie_md, sha256, 1) == 0 &&
              mbedtls_md_hmac_starts(&e->cookie_md, secret, sizeof secret) == 0;
    cs_secure_zero(secret, sizeof secret);
    if (!ok) {
        cs_dtls_free(e);
        return NULL;
    }
    mbedtls_ssl_conf_psk_cb(&e->conf, psk_cb, e);
    mbedtls_ssl_conf_dtls_cookies(&e->conf, cookie_write_cb, cookie_check_cb,
                                  e);
    return e;
}

cs_dtls_engine *cs_dtls_client_new(const cs_dtls_config *cfg,
                                   const cs_addr *server,
                                   const uint8_t *identity, size_t identity_len,
                                   const uint8_t *key, size_t key_len)
{
    if (server == NULL || identity == NULL || key == NULL ||
        identity_len == 0 || identity_len > CS_DTLS_IDENTITY_MAX ||
        key_len == 0 || key_len > CS_DTLS_KEY_MAX)
        return NULL;
    cs_dtls_engine *e = engine_new(cfg, false);
    if (e == NULL)
        return NULL;
    e->server_addr = *server;
    e->client_identity = malloc(identity_len);
    if (e->client_identity == NULL ||
        mbedtls_ssl_conf_psk(&e->conf, key, key_len, identity,
                             identity_len) != 0) {
        cs_dtls_free(e);
        return NULL;
    }
    memcpy(e->client_identity, identity, identity_len);
    e->client_identity_len = identity_len;
    return e;
}

void cs_dtls_free(cs_dtls_engine *e)
{
    if (e == NULL)
        return;
    cs_timer_heap_free(&e->timers);     /* it touches the peers' timers */
    for (size_t i = 0; i < e->peers.cap; i++) {
        cs_dtls_peer *p = e->peers.slots[i].value;
        if (p != NULL)
            peer_free(p);
    }
    if (e->client != NULL)
        peer_free(e->client);
    cs_addr_map_free(&e->peers);
    cs_addr_map_free(&e->per_ip);
    mbedtls_ssl_config_free(&e->conf);  /* wipes the client's PSK */
    mbedtls_md_free(&e->cookie_md);
    outbox_free(&e->out);
    if (e->plain != NULL) {
        cs_secure_zero(e->plain, MBEDTLS_SSL_IN_CONTENT_LEN);
        free(e->plain);
    }
    free(e->client_identity);
    if (e->own_rng)
        cs_rng_free(e->rng);
    cs_secure_zero(e, sizeof *e);
    free(e);
}

/* ---- Public operations ---- */

/* The caller's clock never goes back; a call from inside the callback may
 * pass the time it was given before. */
static void set_now(cs_dtls_engine *e, cs_dtls_time now)
{
    if (now > e->now)
        e->now = now;
}

cs_err cs_dtls_connect(cs_dtls_engine *e, cs_dtls_time now, cs_dtls_peer **out)
{
    if (out != NULL)
        *out = NULL;
    if (e == NULL || e->depth > 0)
        return CS_E_INVALID_ARG;
    if (e->server || e->client != NULL)
        return CS_E_NOT_ALLOWED;
    set_now(e, now);
    cs_dtls_peer *p = peer_create(e, &e->server_addr, NULL);
    if (p == NULL)
        return CS_E_NOMEM;
    e->busy = p;
    drive_handshake(p);
    bool alive = !p->doomed && p->state != CS_DTLS_CLOSED;
    peer_settle(p);
    e->busy = NULL;
    if (!alive)
        return CS_E_INTERNAL;
    if (out != NULL)
        *out = p;
    return CS_OK;
}

cs_err cs_dtls_receive(cs_dtls_engine *e, cs_dtls_time now,
                       const cs_addr *from, const uint8_t *data, size_t len)
{
    if (e == NULL || from == NULL || (data == NULL && len > 0) || e->depth > 0)
        return CS_E_INVALID_ARG;
    set_now(e, now);
    e->stats.datagrams_in++;
    if (len == 0 || len > CS_DTLS_DATAGRAM_MAX) {
        e->stats.datagrams_dropped++;
        return CS_OK;
    }
    if (e->server)
        return server_receive(e, from, data, len);
    if (e->client == NULL || !cs_addr_equal(from, &e->server_addr)) {
        e->stats.datagrams_dropped++;
        return CS_OK;
    }
    return peer_input(e->client, data, len);
}

cs_err cs_dtls_send(cs_dtls_peer *p, cs_dtls_time now, const void *data,
                    size_t len)
{
    if (p == NULL || (data == NULL && len > 0) || p->engine->in_lookup)
        return CS_E_INVALID_ARG;
    cs_dtls_engine *e = p->engine;
    set_now(e, now);
    if (p->state == CS_DTLS_PARKED) {
        cs_err err = peer_restore(p);
        if (err == CS_E_INTERNAL)
            peer_close(p, CS_DTLS_CLOSE_ERROR, CS_DTLS_NO_ALERT, false);
        if (err != CS_OK)
            return err;
        peer_rearm(p);
    }
    if (p->state != CS_DTLS_ACTIVE)
        return CS_E_NOT_ALLOWED;
    if (len > p->max_payload)
        return CS_E_TOO_LARGE;
    int ret = mbedtls_ssl_write(p->ssl, data, len);
    if (ret < 0 || (size_t)ret != len) {
        peer_close(p, CS_DTLS_CLOSE_ERROR, CS_DTLS_NO_ALERT, false);
        return CS_E_INTERNAL;
    }
    p->last_active = e->now;
    account(p);
    return CS_OK;
}

cs_err cs_dtls_close(cs_dtls_peer *p, cs_dtls_time now)
{
    if (p == NULL || p->engine->in_lookup)
        return CS_E_INVALID_ARG;
    if (p->state == CS_DTLS_CLOSED)
        return CS_E_NOT_ALLOWED;
    set_now(p->engine, now);
    /* Restoring a parked session just to say goodbye is worth it: the
     * device learns at once that the session is gone. */
    if (p->state == CS_DTLS_PARKED)
        (void)peer_restore(p);  /* on failure: closed without notify */
    peer_close(p, CS_DTLS_CLOSE_LOCAL, CS_DTLS_NO_ALERT, true);
    return CS_OK;
}

cs_err cs_dtls_next_output(cs_dtls_engine *e, cs_addr *to, uint8_t *buf,
                           size_t cap, size_t *len)
{
    if (e == NULL || to == NULL || len == NULL || (buf == NULL && cap > 0))
        return CS_E_INVALID_ARG;
    struct outbox *o = &e->out;
    if (o->count == 0) {
        *len = 0;
        return CS_E_NOT_FOUND;
    }
    const struct out_item *item = &o->items[o->head];
    *len = item->len;
    if (item->len > cap)
        return CS_E_TOO_LARGE;
    *to = item->to;
    memcpy(buf, o->bytes + item->off, item->len);
    o->head = (o->head + 1) % o->item_cap;
    if (--o->count == 0) {
        o->head = 0;
        o->used = 0;
    }
    return CS_OK;
}

size_t cs_dtls_output_pending(const cs_dtls_engine *e)
{
    return e->out.count;
}

cs_dtls_time cs_dtls_next_deadline(const cs_dtls_engine *e)
{
    const cs_timer *first = cs_timer_heap_first(&e->timers);
    return first != NULL ? first->deadline : CS_DTLS_NO_DEADLINE;
}

cs_err cs_dtls_tick(cs_dtls_engine *e, cs_dtls_time now)
{
    if (e == NULL || e->depth > 0)
        return CS_E_INVALID_ARG;
    set_now(e, now);
    cs_timer *t;
    while ((t = cs_timer_heap_pop_due(&e->timers, e->now)) != NULL) {
        cs_dtls_peer *p = peer_of_timer(t);
        e->busy = p;
        on_timer(p);
        peer_settle(p);
        e->busy = NULL;
    }
    return CS_OK;
}

cs_dtls_peer *cs_dtls_find(const cs_dtls_engine *e, const cs_addr *addr)
{
    if (e == NULL || addr == NULL)
        return NULL;
    if (!e->server)
        return e->client != NULL && cs_addr_equal(addr, &e->server_addr)
                   ? e->client : NULL;
    return cs_addr_map_get(&e->peers, addr);
}

cs_dtls_peer *cs_dtls_client_peer(const cs_dtls_engine *e)
{
    return e->client;
}

const cs_addr *cs_dtls_peer_addr(const cs_dtls_peer *p)
{
    return &p->addr;
}

enum cs_dtls_peer_state cs_dtls_peer_state(const cs_dtls_peer *p)
{
    return (enum cs_dtls_peer_state)p->state;
}

cs_dtls_engine *cs_dtls_peer_engine(const cs_dtls_peer *p)
{
    return p->engine;
}

const uint8_t *cs_dtls_peer_identity(const cs_dtls_peer *p, size_t *len)
{
    *len = p->identity_len;
    return p->identity;
}

uint16_t cs_dtls_peer_ciphersuite(const cs_dtls_peer *p)
{
    return p->suite;
}

size_t cs_dtls_peer_max_payload(const cs_dtls_peer *p)
{
    return p->max_payload;
}

size_t cs_dtls_peer_parked_size(const cs_dtls_peer *p)
{
    return p->state == CS_DTLS_PARKED ? p->blob_len : 0;
}

void cs_dtls_peer_set_user(cs_dtls_peer *p, void *user)
{
    p->user = user;
}

void *cs_dtls_peer_user(const cs_dtls_peer *p)
{
    return p->user;
}

void cs_dtls_get_stats(const cs_dtls_engine *e, cs_dtls_stats *s)
{
    *s = e->stats;
    s->handshaking = e->count[CS_DTLS_HANDSHAKE];
    s->active = e->count[CS_DTLS_ACTIVE];
    s->parked = e->count[CS_DTLS_PARKED];
    s->peers = s->handshaking + s->active + s->parked;
    s->mem_handshaking = e->mem[CS_DTLS_HANDSHAKE];
    s->mem_active = e->mem[CS_DTLS_ACTIVE];
    s->mem_parked = e->mem[CS_DTLS_PARKED];
    s->mem_tables = sizeof *e + cs_addr_map_memory(&e->peers) +
                    cs_addr_map_memory(&e->per_ip) +
                    e->timers.cap * sizeof *e->timers.items + e->out.cap +
                    e->out.item_cap * sizeof *e->out.items +
                    MBEDTLS_SSL_IN_CONTENT_LEN;
}

const char *cs_dtls_close_reason_name(enum cs_dtls_close_reason reason)
{
    switch (reason) {
    case CS_DTLS_CLOSE_LOCAL: return "closed locally";
    case CS_DTLS_CLOSE_PEER: return "closed by peer";
    case CS_DTLS_CLOSE_ALERT_RECEIVED: return "fatal alert received";
    case CS_DTLS_CLOSE_ALERT_SENT: return "fatal alert sent";
    case CS_DTLS_CLOSE_TIMEOUT: return "handshake timeout";
    case CS_DTLS_CLOSE_EXPIRED: return "idle session expired";
    case CS_DTLS_CLOSE_REPLACED: return "replaced by a new handshake";
    case CS_DTLS_CLOSE_ERROR: return "internal error";
    }
    return "unknown";
}

const char *cs_dtls_alert_name(int alert)
{
    switch (alert) {
    case CS_DTLS_NO_ALERT: return "none";
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 115: return "unknown_psk_identity";
    default: return "unknown alert";
    }
}
