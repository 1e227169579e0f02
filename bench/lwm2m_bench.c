/*
 * lwm2m_bench.c - bootstraps and registrations per second, end to end in
 * one process: simulated devices (the real client engine, each from its
 * own 127.x.y.z address) bootstrap against the bootstrap server engine
 * and register with the LwM2M server engine, both on one SQLite store
 * file (two connections, as cellstrap-bs and cellstrap-server have).
 * No sockets: datagrams are handed between the engines, and the time
 * inside each server's calls is measured apart from the devices', so
 * "per second" figures are what one core of that server could sustain.
 *
 *   cellstrap-bench-lwm2m preload DB N plain|dtls
 *       make a store file with N registrations (and, for dtls, N issued
 *       credentials), through the public store API; reused across runs
 *   cellstrap-bench-lwm2m run DB classic|pack plain|dtls DEVICES [WINDOW]
 *       DB is a copy of a preloaded file (or a missing file: no preload);
 *       DEVICES devices bootstrap then register, WINDOW (256) at a time;
 *       prints one markdown table row, details on stderr
 *   cellstrap-bench-lwm2m header
 *       the table header
 *   cellstrap-bench-lwm2m storecost DB N BATCH
 *       what a Register's store writes cost with one transaction per
 *       BATCH Registers (1: as the store does them, two transactions),
 *       with the store's own SQL run straight on SQLite: the figure for
 *       group commit, which the store API does not offer yet
 *
 * A device's round trips are counted as the server's flights towards it
 * (a burst of datagrams answered by the device), per phase; bytes are
 * UDP payload bytes both ways (DTLS records included, no IP/UDP headers).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/bs.h"
#include "cellstrap/client.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/dtls.h"
#include "cellstrap/log.h"
#include "cellstrap/server.h"
#include "cellstrap/store.h"

#include <sqlite3.h>

#define SERVER_NAME "bench-server"
#define UNIX_BASE 1800000000
#define ROUND_MS 10          /* simulated time per round of deliveries */
#define MAX_CHANNELS 4       /* a device's open channels (BS, server, lingering) */
#define PENDING_MAX 4        /* CoAP datagrams held while a DTLS handshake runs */
#define DATAGRAM_MAX 1500
#define MAX_ROUNDS_PER_DEVICE 400   /* a stuck device is given up */

enum phase { PH_BS = 0, PH_SRV = 1 };

static cs_addr bs_addr, srv_plain_addr, srv_dtls_addr;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/*
 * Time spent in one side's calls, two ways: CPU time (what the work
 * costs: a loaded machine's preemption left out) and elapsed time (that
 * plus waiting, mostly for the disk's fdatasync at SQLite checkpoints,
 * during which a one-thread server serves nobody).
 */
struct span {
    double cpu, wall;
};

struct stamp {
    double cpu, wall;
};

static struct stamp stamp_now(void)
{
    return (struct stamp){clock_s(CLOCK_THREAD_CPUTIME_ID), now_s()};
}

/* Add the time since `from` to `s`; returns now, for chaining. */
static struct stamp span_add(struct span *s, struct stamp from)
{
    struct stamp to = stamp_now();
    s->cpu += to.cpu - from.cpu;
    s->wall += to.wall - from.wall;
    return to;
}

static void die(const char *what, cs_err err)
{
    fprintf(stderr, "lwm2m bench: %s: %s\n", what, cs_strerror(err));
    exit(1);
}

/* ---- Datagram queues ---------------------------------------------------- */

struct dgram {
    cs_addr from, to;
    size_t off, len;
};

struct queue {
    struct dgram *d;
    size_t n, cap;
    uint8_t *bytes;
    size_t used, bcap;
};

static void queue_push(struct queue *q, const cs_addr *from, const cs_addr *to,
                       const uint8_t *data, size_t len)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 1024;
        q->d = realloc(q->d, q->cap * sizeof *q->d);
    }
    if (q->used + len > q->bcap) {
        while (q->used + len > q->bcap)
            q->bcap = q->bcap ? q->bcap * 2 : 1u << 20;
        q->bytes = realloc(q->bytes, q->bcap);
    }
    if (q->d == NULL || q->bytes == NULL)
        die("queue", CS_E_NOMEM);
    memcpy(q->bytes + q->used, data, len);
    q->d[q->n++] = (struct dgram){*from, *to, q->used, len};
    q->used += len;
}

/* Take every datagram of `from` into `work` (emptied first); `from` is
 * left empty for the datagrams this round produces. */
static void queue_take(struct queue *work, struct queue *from)
{
    struct queue t = *work;
    *work = *from;
    *from = t;
    from->n = 0;
    from->used = 0;
}

/* ---- The world ----------------------------------------------------------- */

struct device;

struct chan {
    struct device *dev;
    bool used;
    cs_coap_endpoint *ep;
    cs_dtls_engine *dtls;       /* coaps: the device's DTLS client */
    bool in_dtls;
    cs_addr addr;               /* the device's address on this channel */
    uint8_t pending[PENDING_MAX][DATAGRAM_MAX];
    size_t pending_len[PENDING_MAX];
    size_t pending_count;
};

struct device {
    uint32_t index;
    cs_client *c;
    struct chan ch[MAX_CHANNELS];
    uint32_t port_seq;
    bool bootstrapped, registered, failed;
    uint64_t started_round;
    uint64_t last_rx_round[2];
    uint64_t rts[2], dgrams_up[2], dgrams_down[2], bytes_up[2], bytes_down[2];
};

struct totals {
    uint64_t devices, bootstrapped, registered, failed;
    uint64_t rts[2], dgrams_up[2], dgrams_down[2], bytes_up[2], bytes_down[2];
};

static struct {
    uint64_t now;               /* ms */
    uint64_t round;
    struct queue up, down, work;
    /* bootstrap server */
    cs_store *bs_store;
    cs_bs *bs;
    cs_coap_endpoint *bs_ep;
    /* LwM2M server */
    cs_store *srv_store;
    cs_server *srv;
    cs_coap_endpoint *srv_ep, *srv_dtls_ep;
    cs_dtls_engine *srv_dtls;
    bool srv_in_dtls;
    /* devices */
    struct device **devices;    /* by index */
    uint32_t device_count;
    bool pack, dtls;
    char prefix[16];
    /* measurements */
    struct span bs_time, srv_time, srv_coap_time;
    double dev_time;
    struct totals tot;
    bool group_commit;          /* CELLSTRAP_BENCH_GROUP_COMMIT set */
} W;

static int64_t unix_now(void)
{
    return UNIX_BASE + (int64_t)(W.now / 1000);
}

static int64_t bs_clock(void *ctx)
{
    (void)ctx;
    return unix_now();
}

static uint64_t srv_clock_ms(void *ctx)
{
    (void)ctx;
    return W.now;
}

static int64_t srv_clock_unix(void *ctx)
{
    (void)ctx;
    return unix_now();
}

static int64_t dev_wall_clock(void *io)
{
    (void)io;
    return unix_now();
}

/* Device i's addresses: 127.(16 + i / 65536).(i / 256 % 256).(i % 256),
 * one port per channel it opened. */
static cs_addr device_addr(uint32_t i, uint16_t port)
{
    return cs_addr_ipv4(127, (uint8_t)(16 + (i >> 16)), (uint8_t)(i >> 8),
                        (uint8_t)i, port);
}

static struct chan *find_chan(const cs_addr *to)
{
    if (to->family != CS_AF_INET || to->ip[0] != 127 || to->ip[1] < 16)
        return NULL;
    uint32_t i = ((uint32_t)(to->ip[1] - 16) << 16) | ((uint32_t)to->ip[2] << 8) |
                 to->ip[3];
    if (i >= W.device_count || W.devices[i] == NULL)
        return NULL;
    struct device *d = W.devices[i];
    for (int k = 0; k < MAX_CHANNELS; k++)
        if (d->ch[k].used && d->ch[k].addr.port == to->port)
            return &d->ch[k];
    return NULL;
}

static enum phase phase_of(const cs_addr *server)
{
    return cs_addr_equal(server, &bs_addr) ? PH_BS : PH_SRV;
}

/* ---- Server side ----------------------------------------------------------- */

static void bs_send(void *io, const cs_addr *to, void *session,
                    const uint8_t *data, size_t len)
{
    (void)io;
    (void)session;
    queue_push(&W.down, &bs_addr, to, data, len);
}

static void srv_plain_send(void *io, const cs_addr *to, void *session,
                           const uint8_t *data, size_t len)
{
    (void)io;
    (void)session;
    queue_push(&W.down, &srv_plain_addr, to, data, len);
}

static void srv_drain_dtls(void)
{
    static uint8_t buf[CS_DTLS_DATAGRAM_MAX];
    cs_addr to;
    size_t len;
    while (cs_dtls_next_output(W.srv_dtls, &to, buf, sizeof buf, &len) == CS_OK)
        queue_push(&W.down, &srv_dtls_addr, &to, buf, len);
}

static void srv_dtls_send(void *io, const cs_addr *to, void *session,
                          const uint8_t *data, size_t len)
{
    (void)io;
    (void)session;
    cs_dtls_peer *peer = cs_dtls_find(W.srv_dtls, to);
    if (peer != NULL && cs_dtls_peer_state(peer) != CS_DTLS_HANDSHAKE)
        cs_dtls_send(peer, W.now, data, len);
    if (!W.srv_in_dtls)
        srv_drain_dtls();
}

static void srv_dtls_event(void *ctx, const cs_dtls_event *ev)
{
    (void)ctx;
    if (ev->type == CS_DTLS_EV_DATA) {
        struct stamp t = stamp_now();
        cs_coap_receive(W.srv_dtls_ep, W.now, cs_dtls_peer_addr(ev->peer),
                        ev->peer, ev->data, ev->len);
        span_add(&W.srv_coap_time, t);
    }
}

/* The server's PSK lookup, as cellstrap-server does it: a credential the
 * bootstrap server issued to this server. */
static cs_err srv_psk_lookup(void *ctx, const cs_addr *from,
                             const uint8_t *identity, size_t identity_len,
                             uint8_t *key, size_t key_cap, size_t *key_len)
{
    (void)ctx;
    (void)from;
    cs_credential cred;
    cs_err err = cs_store_find_credential(W.srv_store, identity, identity_len,
                                          unix_now(), &cred);
    if (err == CS_OK && (strcmp(cred.server, SERVER_NAME) != 0 ||
                         cred.key_len > key_cap))
        err = CS_E_NOT_FOUND;
    if (err == CS_OK) {
        memcpy(key, cred.key, cred.key_len);
        *key_len = cred.key_len;
    }
    memset(&cred, 0, sizeof cred);
    return err;
}

static cs_coap_endpoint *server_endpoint(cs_coap_send_fn send,
                                         cs_coap_request_fn on_request,
                                         void *app, uint64_t seed)
{
    cs_coap_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cs_coap_params_default(&cfg.params);
    cfg.send = send;
    cfg.on_request = on_request;
    cfg.app = app;
    cfg.seed = seed;
    cs_coap_endpoint *ep = cs_coap_endpoint_new(&cfg);
    if (ep == NULL)
        die("server endpoint", CS_E_NOMEM);
    return ep;
}

static const char *bs_config_json(bool dtls)
{
    return dtls ? "{\"endpoints\": {\"*\": {\"allow_nosec_bootstrap\": true,"
                  " \"servers\": [{\"name\": \"" SERVER_NAME "\","
                  " \"uri\": \"coaps://127.0.0.1:5784\", \"security\": \"psk\","
                  " \"psk\": \"generate\", \"ssid\": 1, \"lifetime\": 86400}]}}}"
                : "{\"endpoints\": {\"*\": {\"allow_nosec_bootstrap\": true,"
                  " \"servers\": [{\"name\": \"" SERVER_NAME "\","
                  " \"uri\": \"coap://127.0.0.1:5783\", \"ssid\": 1,"
                  " \"lifetime\": 86400}]}}}";
}

static void servers_start(const char *db)
{
    cs_err err = cs_store_open(db, &W.bs_store);
    if (err != CS_OK)
        die("open store (bs)", err);
    err = cs_store_open(db, &W.srv_store);
    if (err != CS_OK)
        die("open store (server)", err);

    cs_bs_config bc = {.store = W.bs_store, .unix_clock = bs_clock};
    err = cs_bs_new(&bc, &W.bs);
    if (err != CS_OK)
        die("bs", err);
    char why[256];
    err = cs_bs_load_text(W.bs, bs_config_json(W.dtls), why, sizeof why);
    if (err != CS_OK) {
        fprintf(stderr, "bs config: %s\n", why);
        die("bs config", err);
    }
    W.bs_ep = server_endpoint(bs_send, cs_bs_on_request, W.bs, 11);

    cs_server_config sc;
    memset(&sc, 0, sizeof sc);
    sc.name = SERVER_NAME;
    sc.store = W.srv_store;
    sc.allow_nosec = true;
    sc.clock_ms = srv_clock_ms;
    sc.clock_unix = srv_clock_unix;
    W.srv = cs_server_new(&sc);
    if (W.srv == NULL)
        die("server", CS_E_NOMEM);
    W.srv_ep = server_endpoint(srv_plain_send, cs_server_handle_request, W.srv, 12);
    W.srv_dtls_ep = server_endpoint(srv_dtls_send, cs_server_handle_request,
                                    W.srv, 13);
    cs_dtls_config dc;
    cs_dtls_config_init(&dc);
    dc.on_event = srv_dtls_event;
    dc.psk_lookup = srv_psk_lookup;
    /* Simulated time runs ~100x slower than 60 s per device: park idle
     * sessions after 2 s of it so memory stays as a real server's would. */
    dc.idle_park_ms = 2000;
    W.srv_dtls = cs_dtls_server_new(&dc);
    if (W.srv_dtls == NULL)
        die("server dtls", CS_E_NOMEM);

    size_t loaded = 0;
    double t = now_s();
    err = cs_server_load(W.srv, W.srv_ep, W.srv_dtls_ep, &loaded);
    if (err != CS_OK)
        die("cs_server_load", err);
    fprintf(stderr, "preloaded registrations: %zu (cs_server_load %.1f s)\n",
            loaded, now_s() - t);
}

static void servers_stop(void)
{
    cs_coap_endpoint_free(W.bs_ep);
    cs_bs_free(W.bs);
    cs_coap_endpoint_free(W.srv_ep);
    cs_coap_endpoint_free(W.srv_dtls_ep);
    cs_server_free(W.srv);
    cs_dtls_free(W.srv_dtls);
    cs_store_close(W.bs_store);
    cs_store_close(W.srv_store);
}

/* A datagram for one of the servers (timed as that server's work). */
static void server_receive(const struct dgram *g, const uint8_t *data)
{
    struct stamp t = stamp_now();
    if (cs_addr_equal(&g->to, &bs_addr)) {
        cs_coap_receive(W.bs_ep, W.now, &g->from, NULL, data, g->len);
        span_add(&W.bs_time, t);
    } else if (cs_addr_equal(&g->to, &srv_plain_addr)) {
        cs_coap_receive(W.srv_ep, W.now, &g->from, NULL, data, g->len);
        span_add(&W.srv_time, t);
        span_add(&W.srv_coap_time, t);
    } else if (cs_addr_equal(&g->to, &srv_dtls_addr)) {
        W.srv_in_dtls = true;
        cs_dtls_receive(W.srv_dtls, W.now, &g->from, data, g->len);
        W.srv_in_dtls = false;
        srv_drain_dtls();
        span_add(&W.srv_time, t);
    }
}

static void servers_tick(void)
{
    struct stamp t = stamp_now();
    if (W.group_commit)
        cs_store_batch_begin(W.bs_store);
    cs_bs_tick(W.bs, W.now);
    if (W.group_commit)
        cs_store_batch_end(W.bs_store);
    if (cs_coap_next_deadline(W.bs_ep) <= W.now)
        cs_coap_tick(W.bs_ep, W.now);
    t = span_add(&W.bs_time, t);
    if (cs_coap_next_deadline(W.srv_ep) <= W.now)
        cs_coap_tick(W.srv_ep, W.now);
    if (cs_coap_next_deadline(W.srv_dtls_ep) <= W.now)
        cs_coap_tick(W.srv_dtls_ep, W.now);
    if (cs_dtls_next_deadline(W.srv_dtls) <= W.now) {
        W.srv_in_dtls = true;
        cs_dtls_tick(W.srv_dtls, W.now);
        W.srv_in_dtls = false;
    }
    srv_drain_dtls();
    cs_server_tick(W.srv);
    span_add(&W.srv_time, t);
}

/* ---- Device side ------------------------------------------------------------ */

static void chan_drain_dtls(struct chan *ch)
{
    static uint8_t buf[CS_DTLS_DATAGRAM_MAX];
    cs_addr to;
    size_t len;
    while (cs_dtls_next_output(ch->dtls, &to, buf, sizeof buf, &len) == CS_OK)
        queue_push(&W.up, &ch->addr, &to, buf, len);
}

static void count_up(struct device *d, const cs_addr *to, size_t len)
{
    enum phase p = phase_of(to);
    d->dgrams_up[p]++;
    d->bytes_up[p] += len;
}

static void chan_send(void *io, const cs_addr *to, void *session,
                      const uint8_t *data, size_t len)
{
    (void)session;
    struct chan *ch = io;
    if (ch->dtls == NULL) {
        count_up(ch->dev, to, len);
        queue_push(&W.up, &ch->addr, to, data, len);
        return;
    }
    cs_dtls_peer *peer = cs_dtls_client_peer(ch->dtls);
    if (peer != NULL && cs_dtls_peer_state(peer) == CS_DTLS_ACTIVE) {
        cs_dtls_send(peer, W.now, data, len);
    } else {
        if (ch->pending_count < PENDING_MAX && len <= DATAGRAM_MAX) {
            memcpy(ch->pending[ch->pending_count], data, len);
            ch->pending_len[ch->pending_count++] = len;
        }
        if (peer == NULL && !ch->in_dtls)
            cs_dtls_connect(ch->dtls, W.now, NULL);
    }
    if (!ch->in_dtls) {
        size_t before = W.up.n;
        chan_drain_dtls(ch);
        for (size_t i = before; i < W.up.n; i++)
            count_up(ch->dev, &W.up.d[i].to, W.up.d[i].len);
    }
}

static void chan_dtls_event(void *ctx, const cs_dtls_event *ev)
{
    struct chan *ch = ctx;
    if (ev->type == CS_DTLS_EV_DATA) {
        cs_coap_receive(ch->ep, W.now, cs_dtls_peer_addr(ev->peer), ev->peer,
                        ev->data, ev->len);
    } else if (ev->type == CS_DTLS_EV_CONNECTED) {
        for (size_t i = 0; i < ch->pending_count; i++)
            cs_dtls_send(ev->peer, W.now, ch->pending[i], ch->pending_len[i]);
        ch->pending_count = 0;
    } else if (ev->type == CS_DTLS_EV_CLOSED) {
        ch->pending_count = 0;
    }
}

static cs_err open_channel(void *io, const char *uri, int mode,
                           const uint8_t *identity, size_t identity_len,
                           const uint8_t *key, size_t key_len,
                           cs_coap_endpoint **ep, cs_addr *peer)
{
    struct device *d = io;
    const char *hostport = strstr(uri, "://");
    if (hostport == NULL || cs_addr_parse(hostport + 3, 5683, peer) != CS_OK)
        return CS_E_INVALID_ARG;
    struct chan *ch = NULL;
    for (int k = 0; k < MAX_CHANNELS && ch == NULL; k++)
        if (!d->ch[k].used)
            ch = &d->ch[k];
    if (ch == NULL)
        return CS_E_BUSY;
    memset(ch, 0, sizeof *ch);
    ch->dev = d;
    ch->used = true;
    ch->addr = device_addr(d->index, (uint16_t)(20000 + d->port_seq++ % 40000));
    cs_coap_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cs_coap_params_default(&cfg.params);
    cfg.send = chan_send;
    cfg.io = ch;
    cfg.on_request = cs_client_on_request;
    cfg.app = d->c;
    cfg.seed = ((uint64_t)d->index << 8) + d->port_seq;
    ch->ep = cs_coap_endpoint_new(&cfg);
    if (ch->ep == NULL) {
        ch->used = false;
        return CS_E_NOMEM;
    }
    if (mode == CS_CLIENT_SECURITY_PSK) {
        cs_dtls_config dc;
        cs_dtls_config_init(&dc);
        dc.on_event = chan_dtls_event;
        dc.event_ctx = ch;
        ch->dtls = cs_dtls_client_new(&dc, peer, identity, identity_len, key,
                                      key_len);
        if (ch->dtls == NULL) {
            cs_coap_endpoint_free(ch->ep);
            ch->used = false;
            return CS_E_NOMEM;
        }
    }
    *ep = ch->ep;
    return CS_OK;
}

static void close_channel(void *io, cs_coap_endpoint *ep)
{
    struct device *d = io;
    for (int k = 0; k < MAX_CHANNELS; k++)
        if (d->ch[k].used && d->ch[k].ep == ep) {
            cs_coap_endpoint_free(ep);
            cs_dtls_free(d->ch[k].dtls);
            d->ch[k].used = false;
            return;
        }
}

static void on_client_event(void *ctx, enum cs_client_event ev)
{
    struct device *d = ctx;
    switch (ev) {
    case CS_CLIENT_EV_BOOTSTRAPPED:
        d->bootstrapped = true;
        break;
    case CS_CLIENT_EV_REGISTERED:
        d->registered = true;
        break;
    case CS_CLIENT_EV_BOOTSTRAP_FAILED:
    case CS_CLIENT_EV_REGISTRATION_FAILED:
        d->failed = true;
        break;
    default:
        break;
    }
}

static struct device *device_new(uint32_t index)
{
    struct device *d = calloc(1, sizeof *d);
    if (d == NULL)
        die("device", CS_E_NOMEM);
    d->index = index;
    d->started_round = W.round;
    d->last_rx_round[0] = d->last_rx_round[1] = UINT64_MAX;
    char name[64];
    snprintf(name, sizeof name, "%s-%08u", W.prefix, index);
    cs_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.endpoint = name;
    cfg.bootstrap_uri = "coap://127.0.0.1:5683";
    cfg.bootstrap_pack = W.pack;
    cfg.manufacturer = "Bench";
    cfg.model = "B1";
    cfg.serial = name;
    cfg.open_channel = open_channel;
    cfg.close_channel = close_channel;
    cfg.io = d;
    cfg.wall_clock = dev_wall_clock;
    cfg.on_event = on_client_event;
    cfg.event_ctx = d;
    W.devices[index] = d;
    d->c = cs_client_new(&cfg);
    if (d->c == NULL)
        die("client", CS_E_NOMEM);
    cs_client_start(d->c, W.now);
    return d;
}

static void device_finish(struct device *d)
{
    struct totals *t = &W.tot;
    t->devices++;
    t->bootstrapped += d->bootstrapped;
    t->registered += d->registered;
    t->failed += !d->registered;
    for (int p = 0; p < 2; p++) {
        t->rts[p] += d->rts[p];
        t->dgrams_up[p] += d->dgrams_up[p];
        t->dgrams_down[p] += d->dgrams_down[p];
        t->bytes_up[p] += d->bytes_up[p];
        t->bytes_down[p] += d->bytes_down[p];
    }
    cs_client_free(d->c);
    W.devices[d->index] = NULL;
    free(d);
}

/* A datagram from a server for a device (timed as the devices' work). */
static void device_receive(const struct dgram *g, const uint8_t *data)
{
    struct chan *ch = find_chan(&g->to);
    if (ch == NULL)
        return;              /* the device is gone: dropped */
    struct device *d = ch->dev;
    enum phase p = phase_of(&g->from);
    d->dgrams_down[p]++;
    d->bytes_down[p] += g->len;
    if (d->last_rx_round[p] != W.round) {
        d->last_rx_round[p] = W.round;
        d->rts[p]++;
    }
    if (ch->dtls == NULL) {
        cs_coap_receive(ch->ep, W.now, &g->from, NULL, data, g->len);
        return;
    }
    ch->in_dtls = true;
    cs_dtls_receive(ch->dtls, W.now, &g->from, data, g->len);
    ch->in_dtls = false;
    /* The channel may have been closed meanwhile: only through a tick,
     * never inside a receive, so ch is still this device's. */
    size_t before = W.up.n;
    chan_drain_dtls(ch);
    for (size_t i = before; i < W.up.n; i++)
        count_up(d, &W.up.d[i].to, W.up.d[i].len);
}

static void device_tick(struct device *d)
{
    if (cs_client_next_deadline(d->c) <= W.now)
        cs_client_tick(d->c, W.now);
    for (int k = 0; k < MAX_CHANNELS; k++) {
        struct chan *ch = &d->ch[k];
        if (!ch->used)
            continue;
        if (cs_coap_next_deadline(ch->ep) <= W.now)
            cs_coap_tick(ch->ep, W.now);
        if (ch->dtls != NULL && cs_dtls_next_deadline(ch->dtls) <= W.now) {
            ch->in_dtls = true;
            cs_dtls_tick(ch->dtls, W.now);
            ch->in_dtls = false;
            size_t before = W.up.n;
            chan_drain_dtls(ch);
            for (size_t i = before; i < W.up.n; i++)
                count_up(d, &W.up.d[i].to, W.up.d[i].len);
        }
    }
}

/* ---- Preload ----------------------------------------------------------------- */

/* What a device made by this bench registers with (the client engine's
 * object list: Server, Device and the objects it holds). */
static const char preload_links[] =
    "</>;rt=\"oma.lwm2m\";ct=\"60 110 112 11542 11544\",</1/0>,</3/0>";

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static int preload(const char *db, uint32_t n, bool dtls)
{
    cs_store *st;
    cs_err err = cs_store_open(db, &st);
    if (err != CS_OK)
        die("open store", err);
    char links[sizeof preload_links];
    memcpy(links, preload_links, sizeof links);
    double t0 = now_s();
    for (uint32_t i = 0; i < n; i++) {
        cs_registration r;
        memset(&r, 0, sizeof r);
        snprintf(r.id, sizeof r.id, "%012" PRIx64, (uint64_t)(mix64(i) & 0xffffffffffffull));
        snprintf(r.endpoint, sizeof r.endpoint, "pre-%08u", i);
        snprintf(r.lwm2m_version, sizeof r.lwm2m_version, "1.2");
        snprintf(r.binding, sizeof r.binding, "U");
        r.lifetime = 30 * 86400;
        r.links = links;
        r.addr = cs_addr_ipv4(127, (uint8_t)(128 + (i >> 16)), (uint8_t)(i >> 8),
                              (uint8_t)i, 40000);
        r.registered = r.updated = UNIX_BASE - 3600;
        r.expires = r.updated + r.lifetime;
        if (dtls) {
            cs_credential c;
            memset(&c, 0, sizeof c);
            c.identity_len = (size_t)snprintf((char *)c.identity,
                                              sizeof c.identity, "cs-%016" PRIx64,
                                              mix64(i ^ 0x5eed));
            c.key_len = 16;
            for (size_t k = 0; k < c.key_len; k++)
                c.key[k] = (uint8_t)mix64(i * 16 + k);
            snprintf(c.endpoint, sizeof c.endpoint, "%s", r.endpoint);
            snprintf(c.server, sizeof c.server, SERVER_NAME);
            c.created = UNIX_BASE - 7200;
            err = cs_store_issue_credential(st, &c);
            if (err != CS_OK)
                die("issue credential", err);
            memcpy(r.identity, c.identity, c.identity_len);
            r.identity_len = c.identity_len;
        }
        err = cs_store_put_registration(st, &r);
        if (err != CS_OK)
            die("put registration", err);
        if ((i + 1) % 100000 == 0)
            fprintf(stderr, "  %u registrations, %.0f/s\n", i + 1,
                    (i + 1) / (now_s() - t0));
    }
    fprintf(stderr, "preload: %u registrations%s in %.1f s\n", n,
            dtls ? " and credentials" : "", now_s() - t0);
    cs_store_close(st);
    return 0;
}

/* ---- Store cost per Register, with and without group commit -------------- */

/* The statements of src/store/sqlite.c that a Register runs (delete the
 * endpoint's other registration, upsert, audit event), on a store file
 * made by cs_store_open with its pragmas. */
static const char *const cost_sql[] = {
    "DELETE FROM registrations WHERE endpoint = ?1 AND id <> ?2",
    "INSERT INTO registrations(id, endpoint, version, binding, queue, "
    "lifetime, sms, links, addr_family, addr_ip, addr_port, identity, "
    "registered, updated, expires) VALUES(?1, ?2, '1.2', 'U', 0, 86400, '', "
    "?3, 4, x'7f010203', 40000, NULL, ?4, ?4, ?4 + 86400)"
    " ON CONFLICT(id) DO UPDATE SET endpoint = excluded.endpoint,"
    " links = excluded.links, updated = excluded.updated,"
    " expires = excluded.expires",
    "INSERT INTO audit(time, kind, endpoint, detail) VALUES(?1, 'register', ?2, ?3)",
    "BEGIN IMMEDIATE",
    "COMMIT",
};

static void cost_step(sqlite3 *db, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE) {
        fprintf(stderr, "storecost: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_reset(st);
}

static int storecost(const char *path, uint32_t n, uint32_t batch)
{
    cs_store *store;                 /* creates the schema, sets WAL */
    cs_err err = cs_store_open(path, &store);
    if (err != CS_OK)
        die("open store", err);
    cs_store_close(store);
    sqlite3 *db;
    sqlite3_stmt *st[5];
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("sqlite3_open", CS_E_INTERNAL);
    /* The store's settings (src/store/sqlite.c, configure). */
    sqlite3_exec(db, "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 8192",
                 NULL, NULL, NULL);
    for (int i = 0; i < 5; i++)
        if (sqlite3_prepare_v2(db, cost_sql[i], -1, &st[i], NULL) != SQLITE_OK)
            die("prepare", CS_E_INTERNAL);
    uint32_t salt = (uint32_t)mix64((uint64_t)time(NULL));
    struct stamp t0 = stamp_now();
    for (uint32_t i = 0; i < n; i++) {
        char id[16], ep[48], detail[160];
        uint64_t key = mix64(i ^ ((uint64_t)salt << 32)) & 0xffffffffffffull;
        snprintf(id, sizeof id, "%012" PRIx64, key);
        snprintf(ep, sizeof ep, "cost-%08x-%08u", salt, i);
        snprintf(detail, sizeof detail, "registered as /rd/%s from 127.1.2.3:40000,"
                 " lwm2m 1.2, b=U, lt=86400, NoSec", id);
        if (i % batch == 0)
            cost_step(db, st[3]);
        sqlite3_bind_text(st[0], 1, ep, -1, SQLITE_STATIC);
        sqlite3_bind_text(st[0], 2, id, -1, SQLITE_STATIC);
        cost_step(db, st[0]);
        sqlite3_bind_text(st[1], 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st[1], 2, ep, -1, SQLITE_STATIC);
        sqlite3_bind_text(st[1], 3, preload_links, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st[1], 4, UNIX_BASE);
        cost_step(db, st[1]);
        if (batch == 1) {            /* today: the audit event on its own */
            cost_step(db, st[4]);
        }
        sqlite3_bind_int64(st[2], 1, UNIX_BASE);
        sqlite3_bind_text(st[2], 2, ep, -1, SQLITE_STATIC);
        sqlite3_bind_text(st[2], 3, detail, -1, SQLITE_STATIC);
        cost_step(db, st[2]);
        if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
            cost_step(db, st[4]);
    }
    struct span sp = {0, 0};
    span_add(&sp, t0);
    printf("| %u | %s | %.1f (%.1f) | %.0f (%.0f) |\n", batch,
           batch == 1 ? "2 per Register (as now)" : "1 per batch",
           sp.cpu / n * 1e6, sp.wall / n * 1e6, n / sp.cpu, n / sp.wall);
    for (int i = 0; i < 5; i++)
        sqlite3_finalize(st[i]);
    sqlite3_close(db);
    return 0;
}

/* ---- The run ----------------------------------------------------------------- */

static void print_header(void)
{
    printf("| bootstrap | register | preloaded | devices "
           "| bootstraps/s: BS CPU (elapsed) "
           "| registrations/s: server CPU (elapsed) "
           "| Register handling µs CPU "
           "| bootstrap RT | bootstrap bytes up / down (datagrams) "
           "| register RT | register bytes up / down (datagrams) |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
}

static int run(const char *db, bool pack, bool dtls, uint32_t n, uint32_t window)
{
    W.pack = pack;
    W.dtls = dtls;
    snprintf(W.prefix, sizeof W.prefix, "dev%c%c", pack ? 'p' : 'c',
             dtls ? 's' : 'n');
    W.now = 1000;
    W.device_count = n;
    W.devices = calloc(n, sizeof *W.devices);
    if (W.devices == NULL)
        die("devices", CS_E_NOMEM);
    servers_start(db);
    size_t preloaded = cs_server_count(W.srv);

    bool group_commit = getenv("CELLSTRAP_BENCH_GROUP_COMMIT") != NULL;
    W.group_commit = group_commit;
    struct device **active = calloc(window, sizeof *active);
    uint32_t next = 0, live = 0;
    double start = now_s();
    while (W.tot.devices < n) {
        /* New devices fill the window (their first datagram goes out now). */
        double t = now_s();
        for (uint32_t k = 0; k < window && next < n; k++)
            if (active[k] == NULL) {
                active[k] = device_new(next++);
                live++;
            }
        W.dev_time += now_s() - t;

        queue_take(&W.work, &W.up);
        /* Group commit as the programs do it (the transport's batch
         * hook): one store transaction per server per round. */
        /* The bootstrap server's datagrams, then the LwM2M server's: two
         * processes in production, so their batches must not overlap in
         * this one thread (each holds the file's write lock). */
        for (int pass = 0; pass < 2; pass++) {
            cs_store *store = pass == 0 ? W.bs_store : W.srv_store;
            if (group_commit)
                cs_store_batch_begin(store);
            for (size_t i = 0; i < W.work.n; i++)
                if (cs_addr_equal(&W.work.d[i].to, &bs_addr) == (pass == 0))
                    server_receive(&W.work.d[i], W.work.bytes + W.work.d[i].off);
            if (group_commit) {
                struct stamp c = stamp_now();
                cs_store_batch_end(store);
                span_add(pass == 0 ? &W.bs_time : &W.srv_time, c);
            }
        }
        servers_tick();

        t = now_s();
        queue_take(&W.work, &W.down);
        for (size_t i = 0; i < W.work.n; i++)
            device_receive(&W.work.d[i], W.work.bytes + W.work.d[i].off);
        for (uint32_t k = 0; k < window; k++) {
            struct device *d = active[k];
            if (d == NULL)
                continue;
            device_tick(d);
            if (d->registered || d->failed ||
                W.round - d->started_round > MAX_ROUNDS_PER_DEVICE) {
                device_finish(d);
                active[k] = NULL;
                live--;
            }
        }
        W.dev_time += now_s() - t;
        W.round++;
        W.now += ROUND_MS;
    }
    double total = now_s() - start;

    cs_bs_stats bst;
    cs_bs_get_stats(W.bs, &bst);
    cs_dtls_stats dst;
    cs_dtls_get_stats(W.srv_dtls, &dst);
    size_t regs = cs_server_count(W.srv);
    const struct totals *T = &W.tot;
    double nd = (double)(T->devices ? T->devices : 1);
    uint64_t bootstraps = pack ? bst.packs : bst.finished;
    double regs_done = (double)(T->registered ? T->registered : 1);
    printf("| %s | %s | %zu | %" PRIu64 " | %.0f (%.0f) | %.0f (%.0f) | %.1f "
           "| %.1f | %.0f / %.0f (%.1f / %.1f) | %.1f "
           "| %.0f / %.0f (%.1f / %.1f) |\n",
           pack ? "pack" : "classic", dtls ? "DTLS-PSK" : "plain", preloaded,
           T->devices, bootstraps / W.bs_time.cpu, bootstraps / W.bs_time.wall,
           T->registered / W.srv_time.cpu, T->registered / W.srv_time.wall,
           W.srv_coap_time.cpu / regs_done * 1e6,
           T->rts[PH_BS] / nd, T->bytes_up[PH_BS] / nd,
           T->bytes_down[PH_BS] / nd, T->dgrams_up[PH_BS] / nd,
           T->dgrams_down[PH_BS] / nd, T->rts[PH_SRV] / nd,
           T->bytes_up[PH_SRV] / nd, T->bytes_down[PH_SRV] / nd,
           T->dgrams_up[PH_SRV] / nd, T->dgrams_down[PH_SRV] / nd);
    fflush(stdout);
    fprintf(stderr,
            "devices %" PRIu64 ": bootstrapped %" PRIu64 ", registered %" PRIu64
            ", failed %" PRIu64 "; bs: requests %" PRIu64 " packs %" PRIu64
            " finished %" PRIu64 " failed %" PRIu64 " refused %" PRIu64
            "; server holds %zu (preloaded %zu); dtls handshakes %" PRIu64
            " parked %zu; rounds %" PRIu64 "\n"
            "CPU (elapsed): bs %.2f (%.2f) s, server %.2f (%.2f) s, of which "
            "Register handling %.2f (%.2f) s; devices %.2f s elapsed; "
            "all %.2f s, %.0f devices/s end to end in one thread\n",
            T->devices, T->bootstrapped, T->registered, T->failed, bst.requests,
            bst.packs, bst.finished, bst.failed, bst.refused, regs, preloaded,
            dst.handshakes_completed, dst.parked, W.round, W.bs_time.cpu,
            W.bs_time.wall, W.srv_time.cpu, W.srv_time.wall,
            W.srv_coap_time.cpu, W.srv_coap_time.wall, W.dev_time, total,
            T->devices / total);
    servers_stop();
    free(active);
    free(W.devices);
    return T->failed == 0 && regs == preloaded + T->registered ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: cellstrap-bench-lwm2m header\n"
            "       cellstrap-bench-lwm2m preload DB N plain|dtls\n"
            "       cellstrap-bench-lwm2m storecost DB N BATCH\n"
            "       cellstrap-bench-lwm2m run DB classic|pack plain|dtls DEVICES [WINDOW]\n");
    exit(2);
}

static bool parse_security(const char *s)
{
    if (strcmp(s, "dtls") == 0)
        return true;
    if (strcmp(s, "plain") != 0)
        usage();
    return false;
}

int main(int argc, char **argv)
{
    bs_addr = cs_addr_ipv4(127, 0, 0, 1, 5683);
    srv_plain_addr = cs_addr_ipv4(127, 0, 0, 1, 5783);
    srv_dtls_addr = cs_addr_ipv4(127, 0, 0, 1, 5784);
    /* Production servers log one INFO line per bootstrap and registration;
     * the figures here are without (a log line costs ~1-2 µs). */
    cs_log_set_level(CS_LOG_WARN);
    if (argc == 2 && strcmp(argv[1], "header") == 0) {
        print_header();
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "storecost") == 0) {
        uint32_t n = (uint32_t)strtoul(argv[3], NULL, 10);
        uint32_t batch = (uint32_t)strtoul(argv[4], NULL, 10);
        if (n == 0 || batch == 0)
            usage();
        return storecost(argv[2], n, batch);
    }
    if (argc == 5 && strcmp(argv[1], "preload") == 0)
        return preload(argv[2], (uint32_t)strtoul(argv[3], NULL, 10),
                       parse_security(argv[4]));
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "run") == 0) {
        bool pack = strcmp(argv[3], "pack") == 0;
        if (!pack && strcmp(argv[3], "classic") != 0)
            usage();
        uint32_t n = (uint32_t)strtoul(argv[5], NULL, 10);
        uint32_t window = argc == 7 ? (uint32_t)strtoul(argv[6], NULL, 10) : 256;
        if (n == 0 || window == 0)
            usage();
        return run(argv[2], pack, parse_security(argv[4]), n, window);
    }
    usage();
    return 2;
}
