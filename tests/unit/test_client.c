/*
 * test_client.c - the LwM2M client engine against a simulated
 * Bootstrap-Server and LwM2M server written here, over an in-memory
 * network of CoAP endpoints with a simulated clock: bootstrap then
 * register, Finish checks, bootstrap timeout, Bootstrap-Pack fallback,
 * Update timing, version fallback, device management, observe, and the
 * state file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_support.h"
#include "cellstrap/client.h"
#include "cellstrap/coap_endpoint.h"
#include "client/client_engine.h"

/* ---- Simulated network -------------------------------------------------- */

#define QMAX 512

struct packet {
    cs_addr from, to;
    uint8_t data[1500];
    size_t len;
};

struct node {
    bool open;
    cs_addr addr;
    cs_coap_endpoint *ep;
};

#define MAX_CLIENT_EPS 16

static struct world {
    struct packet q[QMAX];
    size_t head, count;
    cs_coap_time now;

    struct node bs, srv;
    struct node cl[MAX_CLIENT_EPS];
    size_t cl_count;
    cs_addr client_srv_addr;   /* the client's channel to the server */
    int srv_mode;
    char srv_identity[64];

    cs_client *client;
    int events[16];

    /* The BS. */
    int bs_requests, pack_requests;
    uint8_t pack_code;
    cs_buf pack_body;
    char bs_query[128];

    /* The server. */
    int registers, updates, deregisters, registers_refused;
    bool refuse_12;
    uint8_t refuse_all;      /* answer every Register with this code */
    const char *refuse_lt;   /* refuse Registers with this lt= */
    bool forget_registration; /* answer Updates with 4.04 */
    char reg_version[8];
    char reg_payload[1024];
    char reg_lt[16];

    /* Outcome of the last request a test peer sent to the client. */
    bool answered;
    uint8_t code;
    uint16_t cf;
    uint8_t payload[4096];
    size_t payload_len;
    int notifications;

    char state_path[256];
} W;

static void net_send(void *io, const cs_addr *to, void *session,
                     const uint8_t *data, size_t len)
{
    (void)session;
    struct node *from = io;
    assert_true(W.count < QMAX);
    assert_true(len <= sizeof W.q[0].data);
    struct packet *p = &W.q[(W.head + W.count++) % QMAX];
    p->from = from->addr;
    p->to = *to;
    memcpy(p->data, data, len);
    p->len = len;
}

static struct node *node_at(const cs_addr *a)
{
    if (W.bs.open && cs_addr_equal(&W.bs.addr, a))
        return &W.bs;
    if (W.srv.open && cs_addr_equal(&W.srv.addr, a))
        return &W.srv;
    for (size_t i = 0; i < W.cl_count; i++)
        if (W.cl[i].open && cs_addr_equal(&W.cl[i].addr, a))
            return &W.cl[i];
    return NULL;
}

static void flush(void)
{
    while (W.count > 0) {
        struct packet p = W.q[W.head];
        W.head = (W.head + 1) % QMAX;
        W.count--;
        struct node *n = node_at(&p.to);
        if (n != NULL)
            cs_coap_receive(n->ep, W.now, &p.from, NULL, p.data, p.len);
    }
}

static cs_coap_time min_deadline(void)
{
    cs_coap_time d = cs_client_next_deadline(W.client);
    struct node *all[2 + MAX_CLIENT_EPS];
    size_t n = 0;
    all[n++] = &W.bs;
    all[n++] = &W.srv;
    for (size_t i = 0; i < W.cl_count; i++)
        all[n++] = &W.cl[i];
    for (size_t i = 0; i < n; i++)
        if (all[i]->open) {
            cs_coap_time t = cs_coap_next_deadline(all[i]->ep);
            if (t < d)
                d = t;
        }
    return d;
}

static void tick_all(void)
{
    cs_client_tick(W.client, W.now);
    if (W.bs.open)
        cs_coap_tick(W.bs.ep, W.now);
    if (W.srv.open)
        cs_coap_tick(W.srv.ep, W.now);
    for (size_t i = 0; i < W.cl_count; i++)
        if (W.cl[i].open)
            cs_coap_tick(W.cl[i].ep, W.now);
}

/* Advance the clock deadline by deadline up to `until`, delivering. */
static void run_until(cs_coap_time until)
{
    for (int guard = 0; guard < 100000; guard++) {
        flush();
        cs_coap_time next = min_deadline();
        if (next > until)
            break;
        if (next > W.now)
            W.now = next;
        tick_all();
    }
    flush();
    if (until > W.now)
        W.now = until;
    tick_all();
    flush();
}

static void run_for(cs_coap_time ms)
{
    run_until(W.now + ms);
}

/* ---- Peers: the BS and the server --------------------------------------- */

static bool path_is(const cs_coap_msg *m, const char *a, const char *b)
{
    const char *segs[4];
    size_t lens[4], n = 0;
    cs_coap_get_strings(m, CS_COAP_OPT_URI_PATH, segs, lens, 4, &n);
    if (n == 0 || strlen(a) != lens[0] || memcmp(a, segs[0], lens[0]) != 0)
        return false;
    if (b == NULL)
        return n == 1;
    return n == 2 && strlen(b) == lens[1] && memcmp(b, segs[1], lens[1]) == 0;
}

static void copy_query(const cs_coap_msg *m, const char *name, char *out,
                       size_t cap)
{
    const char *v;
    size_t len;
    out[0] = '\0';
    if (cs_coap_get_query(m, name, &v, &len) == CS_OK && len < cap) {
        memcpy(out, v, len);
        out[len] = '\0';
    }
}

static void bs_handler(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                       cs_coap_msg *rsp)
{
    (void)app;
    (void)ep;
    const cs_coap_msg *req = in->request;
    if (req->code == CS_COAP_CODE_POST && path_is(req, "bs", NULL)) {
        W.bs_requests++;
        copy_query(req, "ep", W.bs_query, sizeof W.bs_query);
        rsp->code = CS_COAP_CODE_CHANGED;
    } else if (req->code == CS_COAP_CODE_GET && path_is(req, "bspack", NULL)) {
        W.pack_requests++;
        rsp->code = W.pack_code;
        if (W.pack_code == CS_COAP_CODE_CONTENT) {
            cs_coap_add_content_format(rsp, CS_FORMAT_SENML_CBOR);
            cs_coap_set_payload(rsp, W.pack_body.data, W.pack_body.len);
        }
    } else {
        rsp->code = CS_COAP_CODE_NOT_FOUND;
    }
}

static void srv_handler(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                        cs_coap_msg *rsp)
{
    (void)app;
    (void)ep;
    const cs_coap_msg *req = in->request;
    if (req->code == CS_COAP_CODE_POST && path_is(req, "rd", NULL)) {
        copy_query(req, "lwm2m", W.reg_version, sizeof W.reg_version);
        copy_query(req, "lt", W.reg_lt, sizeof W.reg_lt);
        if (W.refuse_lt != NULL && strcmp(W.reg_lt, W.refuse_lt) == 0) {
            W.registers_refused++;
            rsp->code = CS_COAP_CODE_FORBIDDEN;
            return;
        }
        if (W.refuse_all != 0) {
            W.registers_refused++;
            rsp->code = W.refuse_all;
            return;
        }
        if (W.refuse_12 && strcmp(W.reg_version, "1.2") == 0) {
            rsp->code = CS_COAP_CODE_PRECONDITION_FAILED;
            return;
        }
        W.registers++;
        size_t n = req->payload_len < sizeof W.reg_payload - 1
                       ? req->payload_len : sizeof W.reg_payload - 1;
        memcpy(W.reg_payload, req->payload, n);
        W.reg_payload[n] = '\0';
        rsp->code = CS_COAP_CODE_CREATED;
        cs_coap_add_string(rsp, CS_COAP_OPT_LOCATION_PATH, "rd");
        cs_coap_add_string(rsp, CS_COAP_OPT_LOCATION_PATH, "x1");
    } else if (req->code == CS_COAP_CODE_POST && path_is(req, "rd", "x1")) {
        W.updates++;
        copy_query(req, "lt", W.reg_lt, sizeof W.reg_lt);
        rsp->code = W.forget_registration ? CS_COAP_CODE_NOT_FOUND
                                          : CS_COAP_CODE_CHANGED;
    } else if (req->code == CS_COAP_CODE_DELETE && path_is(req, "rd", "x1")) {
        W.deregisters++;
        rsp->code = CS_COAP_CODE_DELETED;
    } else {
        rsp->code = CS_COAP_CODE_NOT_FOUND;
    }
}

/* ---- The client's channels ---------------------------------------------- */

static cs_err open_channel(void *io, const char *uri, int mode,
                           const uint8_t *identity, size_t identity_len,
                           const uint8_t *key, size_t key_len,
                           cs_coap_endpoint **ep, cs_addr *peer)
{
    (void)io;
    (void)key;
    (void)key_len;
    const char *hostport = strstr(uri, "://");
    assert_non_null(hostport);
    assert_int_equal(cs_addr_parse(hostport + 3, 5683, peer), CS_OK);
    assert_true(W.cl_count < MAX_CLIENT_EPS);
    struct node *n = &W.cl[W.cl_count];
    n->addr = cs_addr_ipv4(10, 0, 0, 9, (uint16_t)(40000 + W.cl_count));
    W.cl_count++;
    cs_coap_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cs_coap_params_default(&cfg.params);
    cfg.send = net_send;
    cfg.io = n;
    cfg.on_request = cs_client_on_request;
    cfg.app = W.client;
    cfg.seed = 7 + W.cl_count;
    n->ep = cs_coap_endpoint_new(&cfg);
    assert_non_null(n->ep);
    n->open = true;
    if (cs_addr_equal(peer, &W.srv.addr)) {
        W.client_srv_addr = n->addr;
        W.srv_mode = mode;
        memset(W.srv_identity, 0, sizeof W.srv_identity);
        if (identity != NULL && identity_len < sizeof W.srv_identity)
            memcpy(W.srv_identity, identity, identity_len);
    }
    *ep = n->ep;
    return CS_OK;
}

static void close_channel(void *io, cs_coap_endpoint *ep)
{
    (void)io;
    for (size_t i = 0; i < W.cl_count; i++)
        if (W.cl[i].open && W.cl[i].ep == ep) {
            cs_coap_endpoint_free(ep);
            W.cl[i].open = false;
            return;
        }
    fail_msg("closing an unknown channel");
}

static void on_event(void *ctx, enum cs_client_event ev)
{
    (void)ctx;
    W.events[ev]++;
}

static int64_t wall_clock(void *io)
{
    (void)io;
    return 1700000000 + (int64_t)(W.now / 1000);
}

static void make_peer(struct node *n, cs_addr addr, cs_coap_request_fn fn)
{
    cs_coap_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cs_coap_params_default(&cfg.params);
    cfg.send = net_send;
    cfg.io = n;
    cfg.on_request = fn;
    cfg.seed = addr.port;
    n->addr = addr;
    n->ep = cs_coap_endpoint_new(&cfg);
    n->open = true;
}

static void new_client(bool pack, const char *state_path)
{
    cs_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.endpoint = "dev-1";
    cfg.bootstrap_uri = "coap://10.0.0.1:5683";
    cfg.bootstrap_pack = pack;
    cfg.default_lifetime = 300;
    cfg.manufacturer = "Acme";
    cfg.model = "M1";
    cfg.serial = "S-42";
    cfg.state_path = state_path;
    cfg.open_channel = open_channel;
    cfg.close_channel = close_channel;
    cfg.wall_clock = wall_clock;
    cfg.on_event = on_event;
    W.client = cs_client_new(&cfg);
    assert_non_null(W.client);
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof W);
    W.now = 1000;
    W.pack_code = CS_COAP_CODE_NOT_IMPLEMENTED;
    cs_buf_init(&W.pack_body, 4096);
    make_peer(&W.bs, cs_addr_ipv4(10, 0, 0, 1, 5683), bs_handler);
    make_peer(&W.srv, cs_addr_ipv4(10, 0, 0, 3, 5684), srv_handler);
    snprintf(W.state_path, sizeof W.state_path, "/tmp/cs_client_test_%d.state",
             (int)getpid());
    unlink(W.state_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cs_client_free(W.client);
    for (size_t i = 0; i < W.cl_count; i++)
        if (W.cl[i].open)
            cs_coap_endpoint_free(W.cl[i].ep);
    cs_coap_endpoint_free(W.bs.ep);
    cs_coap_endpoint_free(W.srv.ep);
    cs_buf_free(&W.pack_body);
    unlink(W.state_path);
    return 0;
}

/* ---- Requests from a peer to the client ---------------------------------- */

static void on_answer(void *user, cs_coap_endpoint *ep, cs_err status,
                      const cs_coap_msg *rsp, bool final)
{
    (void)user;
    (void)ep;
    (void)final;
    if (status != CS_OK)
        return;
    if (W.answered)
        W.notifications++;
    W.answered = true;
    W.code = rsp->code;
    W.cf = 0xFFFF;
    (void)cs_coap_get_content_format(rsp, &W.cf);
    assert_true(rsp->payload_len <= sizeof W.payload);
    if (rsp->payload_len > 0)
        memcpy(W.payload, rsp->payload, rsp->payload_len);
    W.payload_len = rsp->payload_len;
}

/* Send a request from `peer` to the client address `to` and run until it
 * is answered; returns the response code. */
static uint8_t request(struct node *peer, const cs_addr *to, uint8_t code,
                       const char *path, int accept, int cf,
                       const void *payload, size_t len, bool observe)
{
    cs_coap_msg m;
    cs_coap_init(&m, CS_COAP_TYPE_CON, code, 0);
    if (observe)
        cs_coap_add_uint(&m, CS_COAP_OPT_OBSERVE, 0);
    cs_coap_add_path(&m, CS_COAP_OPT_URI_PATH, path, strlen(path));
    if (cf >= 0)
        cs_coap_add_content_format(&m, (uint16_t)cf);
    if (accept >= 0)
        cs_coap_add_accept(&m, (uint16_t)accept);
    cs_coap_set_payload(&m, payload, len);
    W.answered = false;
    W.notifications = 0;
    W.code = 0;
    assert_int_equal(cs_coap_send_request(peer->ep, W.now, to, NULL, &m,
                                          on_answer, NULL), CS_OK);
    run_for(10);
    assert_true(W.answered);
    return W.code;
}

static const cs_addr *client_bs_addr(void)
{
    /* The most recent channel to the BS. */
    for (size_t i = W.cl_count; i-- > 0;)
        if (W.cl[i].open && !cs_addr_equal(&W.cl[i].addr, &W.client_srv_addr))
            return &W.cl[i].addr;
    fail_msg("no open BS channel");
    return NULL;
}

/* Encode records given as (path, value) into `format`. */
static void encode(uint16_t format, const char *target, const cs_records *rs,
                   cs_buf *out)
{
    cs_path t = test_path(target);
    cs_buf_init(out, 8192);
    assert_int_equal(cs_encode(format, &t, rs, cs_registry_standard(), out),
                     CS_OK);
}

static void add_str(cs_records *rs, const char *path, const char *s)
{
    cs_path p = test_path(path);
    cs_value v = cs_value_string(s, strlen(s));
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

static void add_int(cs_records *rs, const char *path, int64_t i)
{
    cs_path p = test_path(path);
    cs_value v = cs_value_integer(i);
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

static void add_bool(cs_records *rs, const char *path, bool b)
{
    cs_path p = test_path(path);
    cs_value v = cs_value_boolean(b);
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

static void add_opaque(cs_records *rs, const char *path, const char *s)
{
    cs_path p = test_path(path);
    cs_value v = cs_value_opaque(s, strlen(s));
    assert_int_equal(cs_records_add(rs, &p, &v), CS_OK);
}

/* A server account: /0/1 (PSK, ssid 101) and /1/0. */
static void server_security(cs_records *rs, const char *inst)
{
    char p[32];
#define P(r) (snprintf(p, sizeof p, "%s/%s", inst, r), p)
    add_str(rs, P("0"), "coaps://10.0.0.3:5684");
    add_bool(rs, P("1"), false);
    add_int(rs, P("2"), 0);
    add_opaque(rs, P("3"), "dev-1-id");
    add_opaque(rs, P("4"), "");
    add_opaque(rs, P("5"), "0123456789abcdef");
    add_int(rs, P("10"), 101);
#undef P
}

static void server_object(cs_records *rs, const char *inst, int64_t lifetime)
{
    char p[32];
#define P(r) (snprintf(p, sizeof p, "%s/%s", inst, r), p)
    add_int(rs, P("0"), 101);
    add_int(rs, P("1"), lifetime);
    add_bool(rs, P("6"), true);
    add_str(rs, P("7"), "U");
#undef P
}

static uint8_t bs_write(const char *path, const cs_records *rs, uint16_t fmt)
{
    cs_buf b;
    encode(fmt, path, rs, &b);
    uint8_t code = request(&W.bs, client_bs_addr(), CS_COAP_CODE_PUT, path, -1,
                           fmt, b.data, b.len, false);
    cs_buf_free(&b);
    return code;
}

static uint8_t bs_finish(void)
{
    return request(&W.bs, client_bs_addr(), CS_COAP_CODE_POST, "/bs", -1, -1,
                   NULL, 0, false);
}

/* Start the client and let the BS provision a server account. */
static void bootstrap(int64_t lifetime)
{
    if (W.client == NULL)
        new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    assert_int_equal(W.bs_requests, 1);
    assert_string_equal(W.bs_query, "dev-1");
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_BOOTSTRAPPING);
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/1");
    assert_int_equal(bs_write("/0/1", &rs, CS_FORMAT_TLV),
                     CS_COAP_CODE_CHANGED);
    cs_records_clear(&rs);
    server_object(&rs, "/1/0", lifetime);
    assert_int_equal(bs_write("/1", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    assert_int_equal(bs_finish(), CS_COAP_CODE_CHANGED);
    run_for(100);
}

/* ---- Tests -------------------------------------------------------------- */

static void test_bootstrap_then_register(void **state)
{
    (void)state;
    bootstrap(300);
    assert_int_equal(W.events[CS_CLIENT_EV_BOOTSTRAPPED], 1);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
    assert_int_equal(W.registers, 1);
    assert_string_equal(W.reg_version, "1.2");
    assert_string_equal(W.reg_lt, "300");
    assert_int_equal(W.srv_mode, 0);
    assert_string_equal(W.srv_identity, "dev-1-id");
    assert_non_null(strstr(W.reg_payload, "</1/0>"));
    assert_non_null(strstr(W.reg_payload, "</3/0>"));
    assert_null(strstr(W.reg_payload, "</0"));
    assert_string_equal(cs_client_location(W.client), "/rd/x1");
    /* Clean shutdown de-registers. */
    cs_client_stop(W.client, W.now);
    run_for(100);
    assert_int_equal(W.deregisters, 1);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_STOPPED);
}

static void test_finish_inconsistent_restores(void **state)
{
    (void)state;
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    /* Only /1/0/5: no complete server account (ETS int-9). */
    cs_records rs;
    cs_records_init(&rs);
    add_int(&rs, "/1/0/5", 60);
    assert_int_equal(bs_write("/1/0/5", &rs, CS_FORMAT_TLV),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    assert_int_equal(bs_finish(), CS_COAP_CODE_NOT_ACCEPTABLE);
    run_for(10);
    assert_int_equal(W.events[CS_CLIENT_EV_BOOTSTRAP_FAILED], 1);
    cs_path p = test_path("/1/0/5");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
    /* The BS account is still there: the client tries again. */
    p = test_path("/0/0/1");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_true(v.v.b);
    run_for(60000);
    assert_int_equal(W.bs_requests, 2);
}

static void test_bootstrap_timeout(void **state)
{
    (void)state;
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/1");
    assert_int_equal(bs_write("/0/1", &rs, CS_FORMAT_TLV),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    /* The BS falls silent. */
    run_for(240000);
    assert_int_equal(W.events[CS_CLIENT_EV_BOOTSTRAP_FAILED], 0);
    run_for(10000);
    assert_int_equal(W.events[CS_CLIENT_EV_BOOTSTRAP_FAILED], 1);
    cs_path p = test_path("/0/1/0");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
    run_for(20000);
    assert_int_equal(W.bs_requests, 2);
}

static void test_pack_falls_back_on_501(void **state)
{
    (void)state;
    new_client(true, NULL);
    W.pack_code = CS_COAP_CODE_NOT_IMPLEMENTED;
    bootstrap(300);
    assert_int_equal(W.pack_requests, 1);
    assert_int_equal(W.bs_requests, 1);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
}

/* A BS that refused the pack is not asked for one again. */
static void test_pack_refusal_is_learned(void **state)
{
    (void)state;
    new_client(true, NULL);
    W.pack_code = CS_COAP_CODE_NOT_IMPLEMENTED;
    cs_client_start(W.client, W.now);
    run_for(100);
    assert_int_equal(W.pack_requests, 1);
    assert_int_equal(W.bs_requests, 1);
    /* The BS falls silent after its 2.04; the retry goes to /bs. */
    run_for(250000);
    assert_int_equal(W.events[CS_CLIENT_EV_BOOTSTRAP_FAILED], 1);
    run_for(20000);
    assert_int_equal(W.bs_requests, 2);
    assert_int_equal(W.pack_requests, 1);
}

static void test_pack_applied(void **state)
{
    (void)state;
    new_client(true, NULL);
    W.pack_code = CS_COAP_CODE_CONTENT;
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/1");
    server_object(&rs, "/1/0", 300);
    cs_path root = cs_path_root();
    assert_int_equal(cs_encode(CS_FORMAT_SENML_CBOR, &root, &rs,
                               cs_registry_standard(), &W.pack_body), CS_OK);
    cs_records_free(&rs);
    cs_client_start(W.client, W.now);
    run_for(200);
    assert_int_equal(W.pack_requests, 1);
    assert_int_equal(W.bs_requests, 0);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
    /* The BS account survived the pack. */
    cs_path p = test_path("/0/0/1");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
}

static void test_update_timing(void **state)
{
    (void)state;
    bootstrap(100);
    cs_coap_time registered = W.now;
    /* lifetime 100 s: Update at 100 - max(10, 10) = 90 s. */
    run_until(registered + 89000);
    assert_int_equal(W.updates, 0);
    run_until(registered + 91000);
    assert_int_equal(W.updates, 1);
    run_until(registered + 181000);
    assert_int_equal(W.updates, 2);
    assert_int_equal(W.registers, 1);
}

static void test_version_fallback(void **state)
{
    (void)state;
    W.refuse_12 = true;
    bootstrap(300);
    assert_int_equal(W.registers, 1);
    assert_string_equal(W.reg_version, "1.1");
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
}

static void test_dm_read_device(void **state)
{
    (void)state;
    bootstrap(300);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0", CS_FORMAT_TLV, -1, NULL, 0, false),
                     CS_COAP_CODE_CONTENT);
    assert_int_equal(W.cf, CS_FORMAT_TLV);
    cs_records rs;
    cs_records_init(&rs);
    cs_path t = test_path("/3/0");
    assert_int_equal(cs_decode(CS_FORMAT_TLV, &t, W.payload, W.payload_len,
                               cs_registry_standard(), &rs), CS_OK);
    bool manufacturer = false, time_ok = false;
    for (size_t i = 0; i < rs.count; i++) {
        const cs_record *r = &rs.items[i];
        if (r->path.ids[2] == 0)
            manufacturer = r->value.v.bytes.len == 4 &&
                           memcmp(r->value.v.bytes.data, "Acme", 4) == 0;
        if (r->path.ids[2] == 13)
            time_ok = r->value.v.i >= 1700000000;
    }
    assert_true(manufacturer);
    assert_true(time_ok);
    cs_records_clear(&rs);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0", CS_FORMAT_SENML_CBOR, -1, NULL, 0, false),
                     CS_COAP_CODE_CONTENT);
    assert_int_equal(W.cf, CS_FORMAT_SENML_CBOR);
    assert_int_equal(cs_decode(CS_FORMAT_SENML_CBOR, &t, W.payload,
                               W.payload_len, cs_registry_standard(), &rs),
                     CS_OK);
    cs_path serial = test_path("/3/0/2");
    bool found = false;
    for (size_t i = 0; i < rs.count; i++)
        if (cs_path_compare(&rs.items[i].path, &serial) == 0)
            found = rs.items[i].value.v.bytes.len == 4;
    assert_true(found);
    cs_records_free(&rs);
    /* Unknown object, unacceptable format, Security on the DM interface. */
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/7", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_NOT_FOUND);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0", 9999, -1, NULL, 0, false),
                     CS_COAP_CODE_NOT_ACCEPTABLE);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/0/1", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_UNAUTHORIZED);
}

static void test_dm_write(void **state)
{
    (void)state;
    bootstrap(300);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_PUT,
                             "/3/0/0", -1, CS_FORMAT_TEXT, "X", 1, false),
                     CS_COAP_CODE_METHOD_NOT_ALLOWED);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_PUT,
                             "/3/0/15", -1, CS_FORMAT_TEXT, "Europe/Paris", 12,
                             false),
                     CS_COAP_CODE_CHANGED);
    cs_path p = test_path("/3/0/15");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_int_equal(v.v.bytes.len, 12);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_PUT,
                             "/3/0/15", -1, 4242, "x", 1, false),
                     CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT);
    /* Partial update of /1/0: the lifetime changes, the rest stays. */
    cs_records rs;
    cs_records_init(&rs);
    add_int(&rs, "/1/0/1", 600);
    cs_buf b;
    encode(CS_FORMAT_TLV, "/1/0", &rs, &b);
    cs_records_free(&rs);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_POST,
                             "/1/0", -1, CS_FORMAT_TLV, b.data, b.len, false),
                     CS_COAP_CODE_CHANGED);
    cs_buf_free(&b);
    p = test_path("/1/0/7");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    p = test_path("/1/0/1");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_int_equal(v.v.i, 600);
    /* The new lifetime is announced in an Update at once. */
    run_for(100);
    assert_int_equal(W.updates, 1);
    assert_string_equal(W.reg_lt, "600");
}

static void test_execute_reboot_reregisters(void **state)
{
    (void)state;
    bootstrap(300);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_POST,
                             "/3/0/4", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_CHANGED);
    run_for(100);
    assert_int_equal(W.events[CS_CLIENT_EV_REBOOT], 1);
    assert_int_equal(W.registers, 2);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
    /* Execute on a readable resource is not allowed. */
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_POST,
                             "/3/0/0", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_METHOD_NOT_ALLOWED);
}

static void test_observe_notifies(void **state)
{
    (void)state;
    bootstrap(300);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0/9", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_NOT_FOUND);
    cs_path p = test_path("/3/0/9");
    cs_value v = cs_value_integer(80);
    assert_int_equal(cs_client_set(W.client, &p, &v, W.now), CS_OK);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0/9", CS_FORMAT_TEXT, -1, NULL, 0, true),
                     CS_COAP_CODE_CONTENT);
    assert_memory_equal(W.payload, "80", 2);
    run_for(1000);
    assert_int_equal(W.notifications, 0);
    v = cs_value_integer(75);
    assert_int_equal(cs_client_set(W.client, &p, &v, W.now), CS_OK);
    run_for(100);
    assert_int_equal(W.notifications, 1);
    assert_memory_equal(W.payload, "75", 2);
    /* Unchanged: nothing more. */
    run_for(5000);
    assert_int_equal(W.notifications, 1);
}

static void test_state_round_trip(void **state)
{
    (void)state;
    new_client(false, W.state_path);
    bootstrap(300);
    cs_client_free(W.client);
    W.client = NULL;
    /* A restart registers without bootstrapping. */
    new_client(false, W.state_path);
    cs_client_start(W.client, W.now);
    run_for(100);
    assert_int_equal(W.bs_requests, 1);
    assert_int_equal(W.registers, 2);
    cs_path p = test_path("/1/0/1");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_int_equal(v.v.i, 300);

    /* Direct round trip of the file. */
    cs_records a, b;
    cs_records_init(&a);
    cs_records_init(&b);
    assert_int_equal(cs_state_load(W.state_path, &a), CS_OK);
    assert_int_equal(cs_state_save(W.state_path, &a, NULL), CS_OK);
    assert_int_equal(cs_state_load(W.state_path, &b), CS_OK);
    assert_records_equal(&a, &b);
    cs_records_free(&a);
    cs_records_free(&b);
}

static void corrupt_byte(const char *path, long offset)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, offset, SEEK_SET), 0);
    int ch = fgetc(f);
    assert_int_equal(fseek(f, offset, SEEK_SET), 0);
    fputc(ch ^ 0x55, f);
    fclose(f);
}

static void test_corrupt_state_bootstraps(void **state)
{
    (void)state;
    new_client(false, W.state_path);
    bootstrap(300);
    cs_client_free(W.client);
    W.client = NULL;
    corrupt_byte(W.state_path, 30);
    cs_records rs;
    cs_records_init(&rs);
    assert_int_not_equal(cs_state_load(W.state_path, &rs), CS_OK);
    assert_int_equal(rs.count, 0);
    /* Truncated. */
    assert_int_equal(truncate(W.state_path, 20), 0);
    assert_int_not_equal(cs_state_load(W.state_path, &rs), CS_OK);
    cs_records_free(&rs);
    new_client(false, W.state_path);
    cs_client_start(W.client, W.now);
    run_for(100);
    assert_int_equal(W.bs_requests, 2);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_BOOTSTRAPPING);
}

static ssize_t failing_write(int fd, const void *buf, size_t len)
{
    (void)fd;
    (void)buf;
    (void)len;
    errno = ENOSPC;
    return -1;
}

static void test_failed_save_keeps_old_file(void **state)
{
    (void)state;
    cs_records db, other, back;
    cs_records_init(&db);
    cs_records_init(&other);
    cs_records_init(&back);
    cs_records add;
    cs_records_init(&add);
    server_security(&add, "/0/1");
    assert_int_equal(cs_db_update(&db, NULL, 0, &add), CS_OK);
    assert_int_equal(cs_state_save(W.state_path, &db, NULL), CS_OK);
    cs_records_clear(&add);
    server_object(&add, "/1/0", 300);
    assert_int_equal(cs_db_update(&other, NULL, 0, &add), CS_OK);
    assert_int_equal(cs_state_save(W.state_path, &other, failing_write),
                     CS_E_INTERNAL);
    assert_int_equal(cs_state_load(W.state_path, &back), CS_OK);
    assert_records_equal(&db, &back);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", W.state_path);
    assert_int_equal(access(tmp, F_OK), -1);
    cs_records_free(&add);
    cs_records_free(&db);
    cs_records_free(&other);
    cs_records_free(&back);
}


static void test_holdoff_delays_bootstrap(void **state)
{
    (void)state;
    new_client(false, NULL);
    cs_path p = test_path("/0/0/11");
    cs_value v = cs_value_integer(5);
    assert_int_equal(cs_client_set(W.client, &p, &v, W.now), CS_OK);
    cs_client_start(W.client, W.now);
    run_for(4900);
    assert_int_equal(cs_client_get_state(W.client),
                     CS_CLIENT_BOOTSTRAP_HOLDOFF);
    assert_int_equal(W.bs_requests, 0);
    run_for(200);
    assert_int_equal(W.bs_requests, 1);
}

static void test_bootstrap_discover_read_delete(void **state)
{
    (void)state;
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    /* The BS writes a server account over /0/0, where the factory BS
     * account lives: the BS account moves, it is not lost. */
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/0");
    assert_int_equal(bs_write("/0", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_clear(&rs);
    server_object(&rs, "/1/0", 300);
    assert_int_equal(bs_write("/1/0", &rs, CS_FORMAT_TLV),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    assert_int_equal(request(&W.bs, client_bs_addr(), CS_COAP_CODE_GET, "/",
                             CS_FORMAT_LINK, -1, NULL, 0, false),
                     CS_COAP_CODE_CONTENT);
    W.payload[W.payload_len] = '\0';
    assert_non_null(strstr((char *)W.payload, "</>;lwm2m=1.2"));
    assert_non_null(strstr((char *)W.payload,
                           "</0/0>;ssid=101;uri=\"coaps://10.0.0.3:5684\""));
    assert_non_null(strstr((char *)W.payload, "</0/1>,"));
    assert_non_null(strstr((char *)W.payload, "</1/0>;ssid=101"));
    assert_non_null(strstr((char *)W.payload, "</3/0>"));
    /* Bootstrap-Read: /1 yes, /0 no. */
    assert_int_equal(request(&W.bs, client_bs_addr(), CS_COAP_CODE_GET, "/1",
                             CS_FORMAT_SENML_CBOR, -1, NULL, 0, false),
                     CS_COAP_CODE_CONTENT);
    assert_int_equal(request(&W.bs, client_bs_addr(), CS_COAP_CODE_GET, "/0",
                             CS_FORMAT_SENML_CBOR, -1, NULL, 0, false),
                     CS_COAP_CODE_METHOD_NOT_ALLOWED);
    /* DELETE / keeps the BS account and /3/0. */
    assert_int_equal(request(&W.bs, client_bs_addr(), CS_COAP_CODE_DELETE, "/",
                             -1, -1, NULL, 0, false),
                     CS_COAP_CODE_DELETED);
    cs_value v;
    cs_path p = test_path("/0/1/1");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_true(v.v.b);
    p = test_path("/0/0/0");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
    p = test_path("/1/0/1");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
    p = test_path("/3/0/0");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    /* Nothing left to register with. */
    assert_int_equal(bs_finish(), CS_COAP_CODE_NOT_ACCEPTABLE);
}

static void test_registration_failure_rebootstraps(void **state)
{
    (void)state;
    W.refuse_all = CS_COAP_CODE_FORBIDDEN;
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/1");
    assert_int_equal(bs_write("/0/1", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_clear(&rs);
    server_object(&rs, "/1/0", 300);
    add_int(&rs, "/1/0/17", 2);    /* two attempts ... */
    add_int(&rs, "/1/0/18", 10);   /* ... 10 s apart */
    assert_int_equal(bs_write("/1/0", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    assert_int_equal(bs_finish(), CS_COAP_CODE_CHANGED);
    run_for(100);
    assert_int_equal(W.registers_refused, 1);
    run_for(9000);
    assert_int_equal(W.registers_refused, 1);
    run_for(2000);
    assert_int_equal(W.registers_refused, 2);
    /* Retries used up, sequence retry count 1: bootstrap again. */
    run_for(1000);
    assert_int_equal(W.bs_requests, 2);
}

static void test_update_404_reregisters(void **state)
{
    (void)state;
    bootstrap(60);
    W.forget_registration = true;
    run_for(51000);
    assert_int_equal(W.updates, 1);
    run_for(100);
    assert_int_equal(W.registers, 2);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
}

static void test_observe_cancel(void **state)
{
    (void)state;
    bootstrap(300);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/1/0/1", CS_FORMAT_TEXT, -1, NULL, 0, true),
                     CS_COAP_CODE_CONTENT);
    /* A write by the server changes the observed value: notified. */
    cs_coap_msg m;
    cs_coap_init(&m, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, 0);
    cs_coap_add_path(&m, CS_COAP_OPT_URI_PATH, "/1/0/1", 6);
    cs_coap_add_content_format(&m, CS_FORMAT_TEXT);
    cs_coap_set_payload(&m, "500", 3);
    assert_int_equal(cs_coap_send_request(W.srv.ep, W.now, &W.client_srv_addr,
                                          NULL, &m, NULL, NULL), CS_OK);
    run_for(100);
    assert_int_equal(W.notifications, 1);
    assert_memory_equal(W.payload, "500", 3);
}

static void test_observe_pmax(void **state)
{
    (void)state;
    bootstrap(300);
    cs_coap_msg m;
    cs_coap_init(&m, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, 0);
    cs_coap_add_path(&m, CS_COAP_OPT_URI_PATH, "/3/0/0", 6);
    cs_coap_add_string(&m, CS_COAP_OPT_URI_QUERY, "pmax=20");
    W.answered = false;
    assert_int_equal(cs_coap_send_request(W.srv.ep, W.now, &W.client_srv_addr,
                                          NULL, &m, on_answer, NULL), CS_OK);
    run_for(10);
    assert_int_equal(W.code, CS_COAP_CODE_CHANGED);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0/0", CS_FORMAT_TEXT, -1, NULL, 0, true),
                     CS_COAP_CODE_CONTENT);
    /* The value never changes: a notification every pmax all the same. */
    run_for(19000);
    assert_int_equal(W.notifications, 0);
    run_for(2000);
    assert_int_equal(W.notifications, 1);
    assert_memory_equal(W.payload, "Acme", 4);
    run_for(20000);
    assert_int_equal(W.notifications, 2);
}

static void test_bs_account_timeout_purges(void **state)
{
    (void)state;
    new_client(false, NULL);
    cs_path p = test_path("/0/0/12");
    cs_value v = cs_value_integer(30);
    assert_int_equal(cs_client_set(W.client, &p, &v, W.now), CS_OK);
    bootstrap(300);
    p = test_path("/0/0/1");
    run_for(29000);
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    run_for(2000);
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
}

static void test_dm_create_delete(void **state)
{
    (void)state;
    bootstrap(300);
    cs_records rs;
    cs_records_init(&rs);
    add_str(&rs, "/11/0/0", "internet");
    add_int(&rs, "/11/0/4", 3);
    cs_buf b;
    encode(CS_FORMAT_SENML_JSON, "/11", &rs, &b);
    cs_records_free(&rs);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_POST,
                             "/11", -1, CS_FORMAT_SENML_JSON, b.data, b.len,
                             false),
                     CS_COAP_CODE_CREATED);
    /* The same instance again: 4.00. */
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_POST,
                             "/11", -1, CS_FORMAT_SENML_JSON, b.data, b.len,
                             false),
                     CS_COAP_CODE_BAD_REQUEST);
    cs_buf_free(&b);
    run_for(100);
    assert_int_equal(W.updates, 1);   /* the object list changed */
    cs_path p = test_path("/11/0/0");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/11/0", CS_FORMAT_LINK, -1, NULL, 0, false),
                     CS_COAP_CODE_CONTENT);
    W.payload[W.payload_len] = '\0';
    assert_non_null(strstr((char *)W.payload, "</11/0/0>"));
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_DELETE,
                             "/11/0", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_DELETED);
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_DELETE,
                             "/3/0", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_METHOD_NOT_ALLOWED);
}

/* Garbage from both peers: every request gets an answer, nothing breaks,
 * and the client still works afterwards. */
static void test_garbage_requests(void **state)
{
    (void)state;
    static const int formats[] = {-1, 0, 42, 60, 110, 112, 11542, 11543,
                                  11544, 40, 9999};
    static const char *const paths[] = {"/", "/0", "/0/1", "/1", "/1/0",
                                        "/1/0/1", "/3/0", "/3/0/11",
                                        "/3/0/11/0", "/2", "/11", "/x",
                                        "/1/0/1/2", "/bs", "/65535"};
    static const uint8_t methods[] = {CS_COAP_CODE_GET, CS_COAP_CODE_PUT,
                                      CS_COAP_CODE_POST, CS_COAP_CODE_DELETE,
                                      CS_COAP_CODE_FETCH};
    uint32_t seed = 12345;
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 600; i++) {
            uint8_t junk[64];
            size_t len = 0;
            seed = seed * 1103515245u + 12345u;
            len = (seed >> 8) % sizeof junk;
            for (size_t k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                junk[k] = (uint8_t)(seed >> 16);
            }
            const char *path = paths[(seed >> 4) % 15];
            uint8_t method = methods[(seed >> 12) % 5];
            if (round == 0 && strcmp(path, "/bs") == 0)
                continue;    /* no Finish in the middle of the BS round */
            int cf = formats[(seed >> 20) % 11];
            struct node *peer = round == 0 ? &W.bs : &W.srv;
            const cs_addr *to = round == 0 ? client_bs_addr()
                                           : &W.client_srv_addr;
            uint8_t code = request(peer, to, method, path, -1, cf, junk, len,
                                   false);
            assert_true(code >= CS_COAP_CODE(2, 0));
        }
        if (round == 0) {
            /* Then a proper configuration, and the client registers. */
            cs_records rs;
            cs_records_init(&rs);
            assert_int_equal(request(&W.bs, client_bs_addr(),
                                     CS_COAP_CODE_DELETE, "/", -1, -1, NULL, 0,
                                     false), CS_COAP_CODE_DELETED);
            server_security(&rs, "/0/1");
            assert_int_equal(bs_write("/0/1", &rs, CS_FORMAT_TLV),
                             CS_COAP_CODE_CHANGED);
            cs_records_clear(&rs);
            server_object(&rs, "/1/0", 300);
            assert_int_equal(bs_write("/1/0", &rs, CS_FORMAT_TLV),
                             CS_COAP_CODE_CHANGED);
            cs_records_free(&rs);
            assert_int_equal(bs_finish(), CS_COAP_CODE_CHANGED);
            run_for(100);
            assert_int_equal(cs_client_get_state(W.client),
                             CS_CLIENT_REGISTERED);
        }
    }
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0/0", CS_FORMAT_TEXT, -1, NULL, 0, false),
                     CS_COAP_CODE_CONTENT);
}

static void test_disable_then_register(void **state)
{
    (void)state;
    bootstrap(300);
    cs_records rs;
    cs_records_init(&rs);
    add_int(&rs, "/1/0/5", 30);
    cs_buf b;
    encode(CS_FORMAT_TLV, "/1/0/5", &rs, &b);
    cs_records_free(&rs);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_PUT,
                             "/1/0/5", -1, CS_FORMAT_TLV, b.data, b.len, false),
                     CS_COAP_CODE_CHANGED);
    cs_buf_free(&b);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_POST,
                             "/1/0/4", -1, -1, NULL, 0, false),
                     CS_COAP_CODE_CHANGED);
    run_for(100);
    assert_int_equal(W.deregisters, 1);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_IDLE);
    run_for(29000);
    assert_int_equal(W.registers, 1);
    run_for(2000);
    assert_int_equal(W.registers, 2);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
}

static void test_observe_reset_cancels(void **state)
{
    (void)state;
    bootstrap(300);
    /* Confirmable notifications (/1/0/26 Default Notification Mode 1). */
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_PUT,
                             "/1/0/26", -1, CS_FORMAT_TEXT, "1", 1, false),
                     CS_COAP_CODE_CHANGED);
    cs_path p = test_path("/3/0/9");
    cs_value v = cs_value_integer(50);
    assert_int_equal(cs_client_set(W.client, &p, &v, W.now), CS_OK);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_GET,
                             "/3/0/9", CS_FORMAT_TEXT, -1, NULL, 0, true),
                     CS_COAP_CODE_CONTENT);
    run_for(100);
    assert_true(W.client->obs[0].used);
    /* The server forgets the observation: the next notification gets a
     * Reset, and the client drops it. */
    uint8_t token[8];
    /* The token is the one the client stored for the observation. */
    memcpy(token, W.client->obs[0].to.token, W.client->obs[0].to.token_len);
    assert_int_equal(cs_coap_forget_observe(W.srv.ep, &W.client_srv_addr,
                                            token,
                                            W.client->obs[0].to.token_len),
                     CS_OK);
    v = cs_value_integer(40);
    assert_int_equal(cs_client_set(W.client, &p, &v, W.now), CS_OK);
    run_for(100);
    assert_false(W.client->obs[0].used);
    assert_int_equal(W.notifications, 0);
}

static void test_dm_write_persists(void **state)
{
    (void)state;
    new_client(false, W.state_path);
    bootstrap(300);
    assert_int_equal(request(&W.srv, &W.client_srv_addr, CS_COAP_CODE_PUT,
                             "/1/0/1", -1, CS_FORMAT_TEXT, "700", 3, false),
                     CS_COAP_CODE_CHANGED);
    run_for(100);
    cs_records rs;
    cs_records_init(&rs);
    assert_int_equal(cs_state_load(W.state_path, &rs), CS_OK);
    cs_path p = test_path("/1/0/1");
    const cs_value *v = cs_db_find(&rs, &p);
    assert_non_null(v);
    assert_int_equal(v->v.i, 700);
    cs_db_free(&rs);
}

static void test_pack_inconsistent_falls_back(void **state)
{
    (void)state;
    new_client(true, NULL);
    W.pack_code = CS_COAP_CODE_CONTENT;
    cs_records rs;
    cs_records_init(&rs);
    server_object(&rs, "/1/0", 300);     /* no Security instance */
    cs_path root = cs_path_root();
    assert_int_equal(cs_encode(CS_FORMAT_SENML_CBOR, &root, &rs,
                               cs_registry_standard(), &W.pack_body), CS_OK);
    cs_records_free(&rs);
    cs_client_start(W.client, W.now);
    run_for(100);
    assert_int_equal(W.pack_requests, 1);
    assert_int_equal(W.bs_requests, 1);
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_BOOTSTRAPPING);
    /* The pack's /1/0 was rolled back. */
    cs_path p = test_path("/1/0/1");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_E_NOT_FOUND);
}

static void test_bootstrap_write_tlv_two_instances(void **state)
{
    (void)state;
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/1");
    server_security(&rs, "/0/2");
    rs.items[rs.count - 1].value = cs_value_integer(102);   /* /0/2/10 */
    cs_buf b;
    encode(CS_FORMAT_TLV, "/0", &rs, &b);
    cs_records_free(&rs);
    assert_int_equal(request(&W.bs, client_bs_addr(), CS_COAP_CODE_PUT, "/0",
                             -1, CS_FORMAT_TLV, b.data, b.len, false),
                     CS_COAP_CODE_CHANGED);
    cs_buf_free(&b);
    cs_path p = test_path("/0/2/10");
    cs_value v;
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_int_equal(v.v.i, 102);
    p = test_path("/0/1/10");
    assert_int_equal(cs_client_get(W.client, &p, &v), CS_OK);
    assert_int_equal(v.v.i, 101);
    /* /0/2 has no Server instance: Finish refuses. */
    cs_records_init(&rs);
    server_object(&rs, "/1/0", 300);
    assert_int_equal(bs_write("/1/0", &rs, CS_FORMAT_TLV),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    assert_int_equal(bs_finish(), CS_COAP_CODE_NOT_ACCEPTABLE);
}

static void test_second_account_by_priority(void **state)
{
    (void)state;
    W.refuse_lt = "301";
    new_client(false, NULL);
    cs_client_start(W.client, W.now);
    run_for(100);
    cs_records rs;
    cs_records_init(&rs);
    server_security(&rs, "/0/1");                 /* ssid 101 */
    server_security(&rs, "/0/2");
    rs.items[rs.count - 1].value = cs_value_integer(102);
    assert_int_equal(bs_write("/0", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_clear(&rs);
    server_object(&rs, "/1/0", 300);              /* ssid 101, priority 5 */
    add_int(&rs, "/1/0/13", 5);
    assert_int_equal(bs_write("/1/0", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_clear(&rs);
    server_object(&rs, "/1/1", 301);              /* ssid 102, priority 1 */
    rs.items[0].value = cs_value_integer(102);
    add_int(&rs, "/1/1/13", 1);
    add_int(&rs, "/1/1/17", 1);                   /* one attempt */
    assert_int_equal(bs_write("/1/1", &rs, CS_FORMAT_SENML_CBOR),
                     CS_COAP_CODE_CHANGED);
    cs_records_free(&rs);
    assert_int_equal(bs_finish(), CS_COAP_CODE_CHANGED);
    run_for(1000);
    /* ssid 102 first (priority 1), refused; then ssid 101. */
    assert_int_equal(W.registers_refused, 1);
    assert_int_equal(W.registers, 1);
    assert_string_equal(W.reg_lt, "300");
    assert_int_equal(cs_client_get_state(W.client), CS_CLIENT_REGISTERED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bootstrap_then_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_inconsistent_restores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_falls_back_on_501, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_refusal_is_learned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_timing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dm_read_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dm_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_reboot_reregisters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observe_notifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_state_bootstraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_save_keeps_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holdoff_delays_bootstrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap_discover_read_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration_failure_rebootstraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_404_reregisters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observe_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observe_pmax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bs_account_timeout_purges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dm_create_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_then_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observe_reset_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dm_write_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_inconsistent_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap_write_tlv_two_instances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_account_by_priority, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
