/*
 * test_coap_endpoint.c - the sans-I/O CoAP endpoint, driven by a simulated
 * network and clock: piggybacked and separate responses, the RFC 7252
 * retransmission schedule under loss, deduplication, NSTART, observe with
 * the freshness rule and cancellation by Reset, 4.02 for unknown critical
 * options, pings, malformed input, peer expiry, and many exchanges under
 * 20 % loss.
 */
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/coap_endpoint.h"

/* ---- A simulated network between endpoints ---------------------------- */

#define NET_MAX 4096

struct packet {
    cs_addr from, to;
    uint8_t data[1500];
    size_t len;
};

struct node {
    struct net *net;
    cs_addr addr;
    cs_coap_endpoint *ep;
};

struct net {
    struct packet queue[NET_MAX];
    size_t head, count;
    cs_coap_time now;
    unsigned loss_pct;        /* drop this share of datagrams */
    unsigned drop_next;       /* drop this many datagrams, then deliver */
    uint32_t prng;
    size_t sent;
    struct node *nodes[4];
    size_t node_count;
};

static uint32_t net_random(struct net *net)
{
    net->prng = net->prng * 1103515245u + 12345u;
    return net->prng >> 8;
}

static void net_send(void *io, const cs_addr *to, void *session,
                     const uint8_t *data, size_t len)
{
    (void)session;
    struct node *node = io;
    struct net *net = node->net;
    net->sent++;
    if (net->drop_next > 0) {
        net->drop_next--;
        return;
    }
    if (net->loss_pct && net_random(net) % 100 < net->loss_pct)
        return;
    assert_true(net->count < NET_MAX);
    assert_true(len <= sizeof net->queue[0].data);
    struct packet *p = &net->queue[(net->head + net->count++) % NET_MAX];
    p->from = node->addr;
    p->to = *to;
    memcpy(p->data, data, len);
    p->len = len;
}

/* Deliver everything queued (and what that causes), at the current time. */
static void net_flush(struct net *net)
{
    while (net->count > 0) {
        struct packet p = net->queue[net->head];
        net->head = (net->head + 1) % NET_MAX;
        net->count--;
        for (size_t i = 0; i < net->node_count; i++)
            if (cs_addr_equal(&net->nodes[i]->addr, &p.to))
                cs_coap_receive(net->nodes[i]->ep, net->now, &p.from, NULL,
                                p.data, p.len);
    }
}

/* Advance the clock to each deadline in turn up to `until`, delivering. */
static void net_run_until(struct net *net, cs_coap_time until)
{
    net_flush(net);
    for (;;) {
        cs_coap_time next = CS_COAP_NEVER;
        for (size_t i = 0; i < net->node_count; i++) {
            cs_coap_time d = cs_coap_next_deadline(net->nodes[i]->ep);
            if (d < next)
                next = d;
        }
        if (next > until)
            break;
        if (next > net->now)
            net->now = next;
        for (size_t i = 0; i < net->node_count; i++)
            cs_coap_tick(net->nodes[i]->ep, net->now);
        net_flush(net);
    }
    if (until > net->now)
        net->now = until;
}

/* ---- A test server: GET /t answers "hello"; /slow defers; /obs observes */

struct server_app {
    uint8_t *big;             /* /big: what the last PUT stored */
    size_t big_len;
    int big_puts;
    int calls;
    int get_calls;
    bool have_observer;
    cs_coap_reply_to observer;
    bool have_deferred;
    cs_coap_reply_to deferred;
};

static void server_handler(void *app, cs_coap_endpoint *ep,
                           cs_coap_incoming *in, cs_coap_msg *response)
{
    struct server_app *s = app;
    uint32_t obs_value = 0;
    const char *segs[4];
    size_t lens[4], n = 0;
    s->calls++;
    assert_int_equal(cs_coap_get_strings(in->request, CS_COAP_OPT_URI_PATH,
                                         segs, lens, 4, &n), CS_OK);
    if (n == 1 && lens[0] == 1 && segs[0][0] == 't') {
        s->get_calls++;
        response->code = CS_COAP_CODE_CONTENT;
        cs_coap_set_payload(response, "hello", 5);
    } else if (n == 1 && lens[0] == 3 && memcmp(segs[0], "big", 3) == 0) {
        if (in->request->code == CS_COAP_CODE_PUT) {
            free(s->big);
            s->big = malloc(in->request->payload_len + 1);
            if (in->request->payload_len > 0)
                memcpy(s->big, in->request->payload, in->request->payload_len);
            s->big_len = in->request->payload_len;
            s->big_puts++;
            response->code = CS_COAP_CODE_CHANGED;
        } else {
            response->code = CS_COAP_CODE_CONTENT;
            cs_coap_set_payload(response, s->big, s->big_len);
        }
    } else if (n == 1 && lens[0] == 4 && memcmp(segs[0], "slow", 4) == 0) {
        s->deferred = cs_coap_defer(ep, in);
        s->have_deferred = true;
    } else if (n == 1 && lens[0] == 3 && memcmp(segs[0], "obs", 3) == 0 &&
               cs_coap_get_uint(in->request, CS_COAP_OPT_OBSERVE, &obs_value) == CS_OK &&
               obs_value == 1) {
        s->have_observer = false;             /* deregistration */
        response->code = CS_COAP_CODE_CONTENT;
        cs_coap_set_payload(response, "bye", 3);
    } else if (n == 1 && lens[0] == 3 && memcmp(segs[0], "obs", 3) == 0) {
        s->observer = (cs_coap_reply_to){ 0 };
        s->observer.addr = *in->from;
        s->observer.token_len = in->request->token_len;
        memcpy(s->observer.token, in->request->token, in->request->token_len);
        s->have_observer = true;
        response->code = CS_COAP_CODE_CONTENT;
        assert_int_equal(cs_coap_add_uint(response, CS_COAP_OPT_OBSERVE, 1), CS_OK);
        cs_coap_set_payload(response, "v1", 2);
    } else {
        response->code = CS_COAP_CODE_NOT_FOUND;
    }
}

/* ---- Client outcomes ---------------------------------------------------- */

struct outcome {
    bool keep_body;           /* copy the whole payload into body */
    uint8_t *body;            /* the whole last response payload */
    size_t body_len;
    int calls;
    int finals;
    cs_err status;
    uint8_t code;
    char payload[32];
    char history[128];
};

static void client_cb(void *user, cs_coap_endpoint *ep, cs_err status,
                      const cs_coap_msg *response, bool final)
{
    (void)ep;
    struct outcome *o = user;
    o->calls++;
    o->finals += final;
    o->status = status;
    o->code = response ? response->code : 0;
    o->payload[0] = '\0';
    free(o->body);
    o->body = NULL;
    o->body_len = 0;
    if (response != NULL && o->keep_body) {
        o->body = malloc(response->payload_len + 1);
        if (response->payload_len > 0)
            memcpy(o->body, response->payload, response->payload_len);
        o->body_len = response->payload_len;
    }
    if (response != NULL && response->payload_len < sizeof o->payload) {
        if (response->payload_len > 0)
            memcpy(o->payload, response->payload, response->payload_len);
        o->payload[response->payload_len] = '\0';
        size_t used = strlen(o->history);
        snprintf(o->history + used, sizeof o->history - used, "%s,", o->payload);
    }
}

struct world {
    struct net net;
    struct node client, server;
    struct server_app app;
};

static struct world *world_new_with(uint8_t max_retransmit);

static struct world *world_new(void)
{
    return world_new_with(4);
}

static struct world *world_new_with(uint8_t max_retransmit)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->net.prng = 1;
    w->net.now = 1000;
    w->client.net = w->server.net = &w->net;
    w->client.addr = cs_addr_ipv4(127, 0, 0, 2, 40000);
    w->server.addr = cs_addr_ipv4(127, 0, 0, 1, 5683);
    cs_coap_config cc = { 0 };
    cs_coap_params_default(&cc.params);
    cc.params.max_retransmit = max_retransmit;
    cc.send = net_send;
    cc.io = &w->client;
    cc.seed = 11;
    w->client.ep = cs_coap_endpoint_new(&cc);
    cs_coap_config sc = cc;
    sc.io = &w->server;
    sc.on_request = server_handler;
    sc.app = &w->app;
    sc.seed = 12;
    w->server.ep = cs_coap_endpoint_new(&sc);
    assert_non_null(w->client.ep);
    assert_non_null(w->server.ep);
    w->net.nodes[0] = &w->client;
    w->net.nodes[1] = &w->server;
    w->net.node_count = 2;
    return w;
}

static void world_free(struct world *w)
{
    free(w->app.big);
    cs_coap_endpoint_free(w->client.ep);
    cs_coap_endpoint_free(w->server.ep);
    free(w);
}

static void send_get(struct world *w, uint8_t type, const char *path,
                     bool observe, struct outcome *o)
{
    cs_coap_msg req;
    cs_coap_init(&req, type, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, path, strlen(path)), CS_OK);
    if (observe)
        assert_int_equal(cs_coap_add_uint(&req, CS_COAP_OPT_OBSERVE, 0), CS_OK);
    assert_int_equal(cs_coap_send_request(w->client.ep, w->net.now,
                                          &w->server.addr, NULL, &req,
                                          client_cb, o), CS_OK);
    assert_int_equal(req.token_len, 8);
}

/* ---- Tests -------------------------------------------------------------- */

static void piggybacked_response(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &o);
    net_run_until(&w->net, w->net.now);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.finals, 1);
    assert_int_equal(o.status, CS_OK);
    assert_int_equal(o.code, CS_COAP_CODE_CONTENT);
    assert_string_equal(o.payload, "hello");
    assert_int_equal(w->net.sent, 2);
    cs_coap_stats st;
    cs_coap_get_stats(w->client.ep, &st);
    assert_int_equal(st.exchanges, 0);
    assert_int_equal(st.retransmissions, 0);
    world_free(w);
}

static void non_request_gets_non_response(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    send_get(w, CS_COAP_TYPE_NON, "/t", false, &o);
    net_flush(&w->net);
    assert_int_equal(o.calls, 1);
    assert_string_equal(o.payload, "hello");
    world_free(w);
}

/* Record the times at which the client transmits while every datagram is lost. */
static void retransmission_schedule(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    w->net.loss_pct = 100;
    cs_coap_time start = w->net.now;
    cs_coap_time sends[8];
    size_t n = 0;
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &o);
    sends[n++] = w->net.now;
    size_t seen = w->net.sent;
    while (o.calls == 0) {
        cs_coap_time d = cs_coap_next_deadline(w->client.ep);
        assert_true(d != CS_COAP_NEVER);
        w->net.now = d;
        cs_coap_tick(w->client.ep, d);
        if (w->net.sent != seen) {
            assert_true(n < 8);
            sends[n++] = d;
            seen = w->net.sent;
        }
    }
    /* 1 + MAX_RETRANSMIT transmissions, intervals doubling from a first
     * timeout in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]. */
    assert_int_equal(n, 5);
    cs_coap_time first = sends[1] - sends[0];
    assert_true(first >= 2000 && first <= 3000);
    for (size_t i = 2; i < n; i++)
        assert_int_equal(sends[i] - sends[i - 1], first << (i - 1));
    assert_int_equal(o.status, CS_E_TIMEOUT);
    assert_int_equal(o.finals, 1);
    /* Given up after the last timeout: within MAX_TRANSMIT_WAIT (93 s). */
    cs_coap_params p;
    cs_coap_params_default(&p);
    assert_true(w->net.now - start <= cs_coap_max_transmit_wait(&p));
    assert_int_equal(w->net.now - start, first * 31);
    world_free(w);
}

static void retransmission_recovers_from_loss(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    w->net.drop_next = 2;                     /* first request, first retry */
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &o);
    net_run_until(&w->net, w->net.now + 60000);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, CS_OK);
    assert_string_equal(o.payload, "hello");
    assert_int_equal(w->app.get_calls, 1);
    cs_coap_stats st;
    cs_coap_get_stats(w->client.ep, &st);
    assert_int_equal(st.retransmissions, 2);
    world_free(w);
}

/* The ACK is lost: the retransmitted request is a duplicate; the server
 * must not run the handler again but resend the same response. */
static void duplicate_con_gets_same_response(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &o);
    /* Deliver the request, then drop the server's ACK. */
    struct packet req = w->net.queue[w->net.head];
    w->net.drop_next = 1;
    net_flush(&w->net);
    assert_int_equal(w->app.calls, 1);
    assert_int_equal(o.calls, 0);
    /* Replay the very same datagram twice: the handler must not run again. */
    cs_coap_receive(w->server.ep, w->net.now, &req.from, NULL, req.data, req.len);
    cs_coap_receive(w->server.ep, w->net.now, &req.from, NULL, req.data, req.len);
    assert_int_equal(w->app.calls, 1);
    net_flush(&w->net);
    assert_int_equal(o.calls, 1);
    assert_string_equal(o.payload, "hello");
    cs_coap_stats st;
    cs_coap_get_stats(w->server.ep, &st);
    assert_int_equal(st.duplicates, 2);
    world_free(w);
}

static void separate_response(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 }, ack = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/slow", false, &o);
    net_flush(&w->net);
    assert_true(w->app.have_deferred);
    assert_int_equal(o.calls, 0);
    /* The empty ACK stopped the client's retransmissions. */
    net_run_until(&w->net, w->net.now + 30000);
    cs_coap_stats st;
    cs_coap_get_stats(w->client.ep, &st);
    assert_int_equal(st.retransmissions, 0);
    assert_int_equal(w->app.calls, 1);

    cs_coap_msg resp;
    cs_coap_init(&resp, CS_COAP_TYPE_CON, CS_COAP_CODE_CONTENT, 0);
    cs_coap_set_payload(&resp, "late", 4);
    assert_int_equal(cs_coap_send_response(w->server.ep, w->net.now,
                                           &w->app.deferred, &resp, client_cb,
                                           &ack), CS_OK);
    net_flush(&w->net);
    assert_int_equal(o.calls, 1);
    assert_string_equal(o.payload, "late");
    assert_int_equal(ack.calls, 1);           /* the client's ACK arrived */
    assert_int_equal(ack.status, CS_OK);
    world_free(w);
}

static void send_notification(struct world *w, uint8_t type, uint32_t seq,
                              const char *value, struct outcome *ack)
{
    cs_coap_msg n;
    cs_coap_init(&n, type, CS_COAP_CODE_CONTENT, 0);
    assert_int_equal(cs_coap_add_uint(&n, CS_COAP_OPT_OBSERVE, seq), CS_OK);
    cs_coap_set_payload(&n, value, strlen(value));
    assert_int_equal(cs_coap_send_response(w->server.ep, w->net.now,
                                           &w->app.observer, &n, client_cb,
                                           ack), CS_OK);
}

static void observe_notifications_and_cancel(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 }, ack = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/obs", true, &o);
    net_flush(&w->net);
    assert_true(w->app.have_observer);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.finals, 0);            /* the relation stays */

    send_notification(w, CS_COAP_TYPE_CON, 2, "v2", &ack);
    net_flush(&w->net);
    send_notification(w, CS_COAP_TYPE_NON, 3, "v3", NULL);
    net_flush(&w->net);
    send_notification(w, CS_COAP_TYPE_NON, 5, "v5", NULL);
    net_flush(&w->net);
    /* A reordered, older notification is not delivered. */
    send_notification(w, CS_COAP_TYPE_NON, 4, "v4", NULL);
    net_flush(&w->net);
    assert_string_equal(o.history, "v1,v2,v3,v5,");
    assert_int_equal(o.finals, 0);
    assert_int_equal(ack.calls, 1);
    assert_int_equal(ack.status, CS_OK);

    /* After 128 s, any sequence number is fresh again. */
    w->net.now += 129000;
    send_notification(w, CS_COAP_TYPE_NON, 4, "v4", NULL);
    net_flush(&w->net);
    assert_string_equal(o.history, "v1,v2,v3,v5,v4,");

    /* The client forgets: the next CON notification is answered by Reset. */
    assert_int_equal(cs_coap_forget_observe(w->client.ep, &w->server.addr,
                                            w->app.observer.token,
                                            w->app.observer.token_len), CS_OK);
    struct outcome gone = { 0 };
    send_notification(w, CS_COAP_TYPE_CON, 6, "v6", &gone);
    net_flush(&w->net);
    assert_int_equal(gone.calls, 1);
    assert_int_equal(gone.status, CS_E_RESET);
    assert_string_equal(o.history, "v1,v2,v3,v5,v4,");
    assert_int_equal(cs_coap_forget_observe(w->client.ep, &w->server.addr,
                                            w->app.observer.token,
                                            w->app.observer.token_len),
                     CS_E_NOT_FOUND);
    world_free(w);
}

static void nstart_one_outstanding(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome a = { 0 }, b = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &a);
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &b);
    assert_int_equal(w->net.sent, 1);         /* the second waits */
    net_flush(&w->net);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 1);
    assert_int_equal(w->net.sent, 4);
    world_free(w);
}

/* A transport that lost its secure session ends the peer's exchanges at
 * once; the endpoint then works normally with that peer again. */
static void fail_peer_ends_exchanges(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome a = { 0 }, b = { 0 }, c = { 0 };
    w->net.drop_next = 100;                   /* nothing arrives */
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &a);
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &b);   /* queued (NSTART) */
    assert_int_equal(cs_coap_fail_peer(w->client.ep, w->net.now,
                                       &w->server.addr, CS_E_SESSION), CS_OK);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.status, CS_E_SESSION);
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.status, CS_E_SESSION);
    cs_coap_stats st;
    cs_coap_get_stats(w->client.ep, &st);
    assert_int_equal(st.exchanges, 0);
    assert_int_equal(cs_coap_next_deadline(w->client.ep) == CS_COAP_NEVER ||
                     cs_coap_next_deadline(w->client.ep) > w->net.now + 1000, 1);
    /* No retransmission follows, and a new request goes out at once. */
    w->net.drop_next = 0;
    size_t sent = w->net.sent;
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &c);
    assert_int_equal(w->net.sent, sent + 1);
    net_run_until(&w->net, w->net.now + 300000);
    assert_int_equal(c.code, CS_COAP_CODE_CONTENT);
    assert_int_equal(a.calls, 1);
    cs_addr stranger = cs_addr_ipv4(127, 0, 0, 9, 5683);
    assert_int_equal(cs_coap_fail_peer(w->client.ep, w->net.now, &stranger,
                                       CS_E_SESSION), CS_E_NOT_FOUND);
    world_free(w);
}

static void unknown_critical_option_is_402(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    cs_coap_msg req;
    cs_coap_init(&req, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, "/t", 2), CS_OK);
    assert_int_equal(cs_coap_add_option(&req, 2049, "x", 1), CS_OK);  /* odd: critical */
    assert_int_equal(cs_coap_send_request(w->client.ep, w->net.now,
                                          &w->server.addr, NULL, &req,
                                          client_cb, &o), CS_OK);
    net_flush(&w->net);
    assert_int_equal(o.code, CS_COAP_CODE_BAD_OPTION);
    assert_int_equal(w->app.calls, 0);
    /* An unknown elective option is ignored. */
    struct outcome e = { 0 };
    cs_coap_init(&req, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, "/t", 2), CS_OK);
    assert_int_equal(cs_coap_add_option(&req, 2048, "x", 1), CS_OK);
    assert_int_equal(cs_coap_send_request(w->client.ep, w->net.now,
                                          &w->server.addr, NULL, &req,
                                          client_cb, &e), CS_OK);
    net_flush(&w->net);
    assert_int_equal(e.code, CS_COAP_CODE_CONTENT);
    world_free(w);
}

/* Capture what the server sends for raw input. */
static uint8_t last_out[64];
static size_t last_out_len;
static int out_count;

static void capture_send(void *io, const cs_addr *to, void *session,
                         const uint8_t *data, size_t len)
{
    (void)io;
    (void)to;
    (void)session;
    out_count++;
    last_out_len = len < sizeof last_out ? len : sizeof last_out;
    memcpy(last_out, data, last_out_len);
}

static cs_coap_endpoint *capture_endpoint(void)
{
    cs_coap_config c = { 0 };
    c.send = capture_send;
    c.seed = 5;
    out_count = 0;
    return cs_coap_endpoint_new(&c);
}

static void ping_and_malformed_get_reset(void **state)
{
    (void)state;
    cs_coap_endpoint *ep = capture_endpoint();
    cs_addr from = cs_addr_ipv4(127, 0, 0, 9, 1234);
    uint8_t ping[] = { 0x40, 0x00, 0x12, 0x34 };
    assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, ping, sizeof ping), CS_OK);
    assert_int_equal(out_count, 1);
    uint8_t rst[] = { 0x70, 0x00, 0x12, 0x34 };
    assert_memory_equal(last_out, rst, sizeof rst);

    /* TKL 9 in a CON: a format error, rejected with Reset. */
    uint8_t bad[] = { 0x49, 0x01, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, bad, sizeof bad),
                     CS_E_BAD_LENGTH);
    assert_int_equal(out_count, 2);
    uint8_t rst7[] = { 0x70, 0x00, 0x00, 0x07 };
    assert_memory_equal(last_out, rst7, sizeof rst7);
    /* The same in a NON: dropped silently. */
    bad[0] = 0x59;
    assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, bad, sizeof bad),
                     CS_E_BAD_LENGTH);
    assert_int_equal(out_count, 2);
    /* A stray ACK from nobody we know: ignored, no state created. */
    uint8_t ack[] = { 0x60, 0x00, 0x00, 0x01 };
    assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, ack, sizeof ack), CS_OK);
    cs_coap_stats st;
    cs_coap_get_stats(ep, &st);
    assert_int_equal(st.peers, 0);
    assert_int_equal(st.rejected, 2);
    /* No handler: every request is answered 4.04, piggybacked. */
    uint8_t get[] = { 0x40, 0x01, 0x00, 0x08 };
    assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, get, sizeof get), CS_OK);
    uint8_t nf[] = { 0x60, 0x84, 0x00, 0x08 };
    assert_memory_equal(last_out, nf, sizeof nf);
    cs_coap_endpoint_free(ep);
}

static void peers_expire_after_exchange_lifetime(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/t", false, &o);
    net_flush(&w->net);
    cs_coap_stats st;
    cs_coap_get_stats(w->server.ep, &st);
    assert_int_equal(st.peers, 1);
    net_run_until(&w->net, w->net.now + 246000);
    cs_coap_get_stats(w->server.ep, &st);
    assert_int_equal(st.peers, 1);
    net_run_until(&w->net, w->net.now + 2000);
    cs_coap_get_stats(w->server.ep, &st);
    assert_int_equal(st.peers, 0);
    cs_coap_get_stats(w->client.ep, &st);
    assert_int_equal(st.peers, 0);
    world_free(w);
}

/* 300 requests under 20 % loss each way: every one completes, and the
 * handler runs exactly once per request. */
static void many_requests_under_loss(void **state)
{
    (void)state;
    struct world *w = world_new();
    enum { N = 300 };
    static struct outcome o[N];
    memset(o, 0, sizeof o);
    w->net.loss_pct = 20;
    w->net.prng = 99;
    int done = 0;
    for (int i = 0; i < N; i++) {
        send_get(w, CS_COAP_TYPE_CON, "/t", false, &o[i]);
        net_run_until(&w->net, w->net.now + 100000);
    }
    for (int i = 0; i < N; i++) {
        done += o[i].calls == 1 && o[i].status == CS_OK;
    }
    /* A request fails only if 5 transmissions or their ACKs are all lost:
     * (1 - 0.8^2)^5, about 0.6 % each; with this seed none does. */
    assert_true(done >= N - 5);
    assert_int_equal(w->app.get_calls, N);    /* and none ran twice */
    world_free(w);
}


static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 31 + seed + (i >> 8));
}

/* PUT a body (Block1 upload) then GET it back (Block2 download), at sizes
 * around the block size and far beyond it, under 20 % loss each way. */
static void blockwise_both_ways_under_loss(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 1023, 1024, 1025, 100000 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        /* Ten retransmissions: with 20 % loss each way a 100-block transfer
         * with the default four would fail now and then, as it should. */
        struct world *w = world_new_with(10);
        w->net.loss_pct = 20;
        w->net.prng = 1000 + (uint32_t)k;
        size_t size = sizes[k];
        uint8_t *body = malloc(size + 1);
        fill_pattern(body, size, (unsigned)k);

        struct outcome put = { .keep_body = true };
        cs_coap_msg req;
        cs_coap_init(&req, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, 0);
        assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, "/big", 4), CS_OK);
        cs_coap_set_payload(&req, body, size);
        assert_int_equal(cs_coap_send_request(w->client.ep, w->net.now,
                                              &w->server.addr, NULL, &req,
                                              client_cb, &put), CS_OK);
        net_run_until(&w->net, w->net.now + 3600000);
        if (put.calls != 1 || put.status != CS_OK)
            fail_msg("PUT of %zu bytes: %d calls, %s", size, put.calls,
                     cs_strerror(put.status));
        assert_int_equal(put.code, CS_COAP_CODE_CHANGED);
        assert_int_equal(w->app.big_puts, 1);      /* handler saw it once, whole */
        assert_int_equal(w->app.big_len, size);
        if (size > 0)
            assert_memory_equal(w->app.big, body, size);

        struct outcome get = { .keep_body = true };
        send_get(w, CS_COAP_TYPE_CON, "/big", false, &get);
        net_run_until(&w->net, w->net.now + 3600000);
        if (get.calls != 1 || get.status != CS_OK)
            fail_msg("GET of %zu bytes: %d calls, %s", size, get.calls,
                     cs_strerror(get.status));
        assert_int_equal(get.code, CS_COAP_CODE_CONTENT);
        assert_int_equal(get.body_len, size);
        if (size > 0)
            assert_memory_equal(get.body, body, size);
        cs_coap_stats st;
        cs_coap_get_stats(w->client.ep, &st);
        assert_int_equal(st.exchanges, 0);
        free(put.body);
        free(get.body);
        free(body);
        world_free(w);
    }
}

/* A block out of order gets 4.08; a body past max_body gets 4.13. */
static void blockwise_refusals(void **state)
{
    (void)state;
    cs_coap_endpoint *ep = capture_endpoint();
    cs_addr from = cs_addr_ipv4(127, 0, 0, 9, 1234);
    /* PUT /x with Block1 NUM=3 (no earlier blocks): 4.08. */
    uint8_t buf[64];
    cs_coap_msg m;
    cs_coap_init(&m, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, 0x10);
    cs_coap_add_path(&m, CS_COAP_OPT_URI_PATH, "/x", 2);
    cs_coap_block b = { 3, true, 0 };
    cs_coap_add_block(&m, CS_COAP_OPT_BLOCK1, &b);
    cs_coap_set_payload(&m, "0123456789abcdef", 16);
    size_t len;
    assert_int_equal(cs_coap_serialize(&m, buf, sizeof buf, &len), CS_OK);
    assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, buf, len), CS_OK);
    cs_coap_msg r;
    assert_int_equal(cs_coap_parse(last_out, last_out_len, &r), CS_OK);
    assert_int_equal(r.code, CS_COAP_CODE_REQUEST_ENTITY_INCOMPLETE);
    cs_coap_endpoint_free(ep);

    cs_coap_config c = { 0 };
    c.send = capture_send;
    c.seed = 5;
    c.max_body = 20;
    ep = cs_coap_endpoint_new(&c);
    for (uint32_t num = 0; num < 2; num++) {
        cs_coap_init(&m, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, (uint16_t)(0x20 + num));
        cs_coap_add_path(&m, CS_COAP_OPT_URI_PATH, "/x", 2);
        cs_coap_block bn = { num, true, 0 };
        cs_coap_add_block(&m, CS_COAP_OPT_BLOCK1, &bn);
        cs_coap_set_payload(&m, "0123456789abcdef", 16);
        assert_int_equal(cs_coap_serialize(&m, buf, sizeof buf, &len), CS_OK);
        assert_int_equal(cs_coap_receive(ep, 0, &from, NULL, buf, len), CS_OK);
        assert_int_equal(cs_coap_parse(last_out, last_out_len, &r), CS_OK);
        assert_int_equal(r.code, num == 0 ? CS_COAP_CODE_CONTINUE
                                          : CS_COAP_CODE_REQUEST_ENTITY_TOO_LARGE);
    }
    uint32_t size1 = 0;
    assert_int_equal(cs_coap_get_uint(&r, CS_COAP_OPT_SIZE1, &size1), CS_OK);
    assert_int_equal(size1, 20);
    cs_coap_endpoint_free(ep);
}

/* Deregistration by GET with Observe=1 and the relation's token: the
 * response goes to the new request, the relation ends, and a late
 * notification is answered with Reset. */
static void observe_cancel_by_get(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct outcome o = { 0 }, cancel = { 0 };
    send_get(w, CS_COAP_TYPE_CON, "/obs", true, &o);
    net_flush(&w->net);
    assert_true(w->app.have_observer);
    cs_coap_reply_to relation = w->app.observer;

    cs_coap_msg req;
    cs_coap_init(&req, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_set_token(&req, relation.token, relation.token_len), CS_OK);
    assert_int_equal(cs_coap_add_uint(&req, CS_COAP_OPT_OBSERVE, 1), CS_OK);
    assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, "/obs", 4), CS_OK);
    assert_int_equal(cs_coap_send_request(w->client.ep, w->net.now, &w->server.addr,
                                          NULL, &req, client_cb, &cancel), CS_OK);
    net_flush(&w->net);
    assert_false(w->app.have_observer);
    assert_int_equal(cancel.calls, 1);
    assert_int_equal(cancel.finals, 1);
    assert_string_equal(cancel.payload, "bye");
    assert_int_equal(o.calls, 1);             /* the relation got nothing more */

    w->app.observer = relation;
    struct outcome gone = { 0 };
    send_notification(w, CS_COAP_TYPE_CON, 9, "late", &gone);
    net_flush(&w->net);
    assert_int_equal(gone.status, CS_E_RESET);
    assert_int_equal(o.calls, 1);
    cs_coap_stats st;
    cs_coap_get_stats(w->client.ep, &st);
    assert_int_equal(st.exchanges, 0);
    world_free(w);
}

/* The smaller block size wins: a client with 1024-byte blocks uploads to a
 * server that wants 64-byte blocks, and downloads what it asked for. */
static void block_size_negotiation(void **state)
{
    (void)state;
    struct world *w = world_new();
    cs_coap_endpoint_free(w->server.ep);
    cs_coap_config sc = { 0 };
    cs_coap_params_default(&sc.params);
    sc.send = net_send;
    sc.io = &w->server;
    sc.on_request = server_handler;
    sc.app = &w->app;
    sc.seed = 12;
    sc.block_size = 64;
    w->server.ep = cs_coap_endpoint_new(&sc);

    enum { SIZE = 3000 };
    static uint8_t body[SIZE];
    fill_pattern(body, SIZE, 3);
    struct outcome put = { 0 };
    cs_coap_msg req;
    cs_coap_init(&req, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, 0);
    assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, "/big", 4), CS_OK);
    cs_coap_set_payload(&req, body, SIZE);
    size_t before = w->net.sent;
    assert_int_equal(cs_coap_send_request(w->client.ep, w->net.now, &w->server.addr,
                                          NULL, &req, client_cb, &put), CS_OK);
    net_flush(&w->net);
    assert_int_equal(put.code, CS_COAP_CODE_CHANGED);
    assert_int_equal(w->app.big_len, SIZE);
    assert_memory_equal(w->app.big, body, SIZE);
    /* First block of 1024, then 64-byte blocks for the rest: 1 + 31 requests
     * and as many responses. */
    assert_int_equal(w->net.sent - before, 2 * (1 + (SIZE - 1024 + 63) / 64));

    struct outcome get = { .keep_body = true };
    before = w->net.sent;
    send_get(w, CS_COAP_TYPE_CON, "/big", false, &get);
    net_flush(&w->net);
    assert_int_equal(get.body_len, SIZE);
    assert_memory_equal(get.body, body, SIZE);
    assert_int_equal(w->net.sent - before, 2 * ((SIZE + 63) / 64));
    free(get.body);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(piggybacked_response),
        cmocka_unit_test(non_request_gets_non_response),
        cmocka_unit_test(retransmission_schedule),
        cmocka_unit_test(retransmission_recovers_from_loss),
        cmocka_unit_test(duplicate_con_gets_same_response),
        cmocka_unit_test(separate_response),
        cmocka_unit_test(observe_notifications_and_cancel),
        cmocka_unit_test(nstart_one_outstanding),
        cmocka_unit_test(fail_peer_ends_exchanges),
        cmocka_unit_test(unknown_critical_option_is_402),
        cmocka_unit_test(ping_and_malformed_get_reset),
        cmocka_unit_test(peers_expire_after_exchange_lifetime),
        cmocka_unit_test(many_requests_under_loss),
        cmocka_unit_test(blockwise_both_ways_under_loss),
        cmocka_unit_test(blockwise_refusals),
        cmocka_unit_test(observe_cancel_by_get),
        cmocka_unit_test(block_size_negotiation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
