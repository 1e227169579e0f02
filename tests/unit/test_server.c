/*
 * test_server.c - the LwM2M server engine against a simulated device: a
 * CoAP endpoint over an in-memory network and a simulated clock, the store
 * in memory.  Register in the 1.0, 1.1 and 1.2 parameter styles, Update,
 * De-register, 4.04 / 4.12 / 4.00 / 4.03 refusals, lifetime expiry,
 * re-Register replacing, the credential check on the session identity,
 * Read, Write, Execute, Observe with notifications and cancellation, all
 * also through the admin line protocol.
 */
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/log.h"
#include "cellstrap/server.h"
#include "cellstrap/store.h"

/* ---- Simulated network: one server node, one device node --------------- */

#define NET_MAX 256
#define UNIX_BASE 1700000000

struct fake_session {
    uint8_t identity[32];
    size_t len;
};

struct packet {
    cs_addr from, to;
    uint8_t data[1500];
    size_t len;
};

struct node {
    struct world *w;
    cs_addr addr;
    cs_coap_endpoint *ep;
    struct fake_session *session;   /* what the server sees it as */
};

/* The device's data and what happened to it. */
struct device {
    uint32_t lifetime;
    int executes;
    char exec_args[32];
    bool have_observer;
    cs_coap_reply_to observer;
    uint32_t obs_seq;
    int observe_cancels;
    uint16_t last_write_format;
    char attributes[64];
    int creates, deletes, updates, reads;
    size_t update_records;
    bool created_with_instance;
};

struct world {
    struct packet queue[NET_MAX];
    size_t head, count;
    cs_coap_time now;
    struct node server, device;
    cs_server *srv;
    cs_store *store;
    struct device dev;
    bool allow_nosec;
    /* outcome of the last device-side request */
    int calls;
    uint8_t code;
    char location[64];
};

static void net_send(void *io, const cs_addr *to, void *session,
                     const uint8_t *data, size_t len)
{
    (void)session;
    struct node *node = io;
    struct world *w = node->w;
    assert_true(w->count < NET_MAX);
    assert_true(len <= sizeof w->queue[0].data);
    struct packet *p = &w->queue[(w->head + w->count++) % NET_MAX];
    p->from = node->addr;
    p->to = *to;
    memcpy(p->data, data, len);
    p->len = len;
}

static void net_flush(struct world *w)
{
    while (w->count > 0) {
        struct packet p = w->queue[w->head];
        w->head = (w->head + 1) % NET_MAX;
        w->count--;
        if (cs_addr_equal(&p.to, &w->server.addr))
            cs_coap_receive(w->server.ep, w->now, &p.from, w->device.session,
                            p.data, p.len);
        else if (cs_addr_equal(&p.to, &w->device.addr))
            cs_coap_receive(w->device.ep, w->now, &p.from, NULL, p.data, p.len);
    }
    cs_server_tick(w->srv);
}

/* Move the clock by `ms`, running every timer on the way. */
static void advance(struct world *w, cs_coap_time ms)
{
    cs_coap_time until = w->now + ms;
    net_flush(w);
    for (;;) {
        cs_coap_time next = cs_coap_next_deadline(w->server.ep);
        cs_coap_time d = cs_coap_next_deadline(w->device.ep);
        uint64_t s = cs_server_tick(w->srv);
        if (d < next)
            next = d;
        if (s < next)
            next = s;
        if (next > until)
            break;
        if (next > w->now)
            w->now = next;
        cs_coap_tick(w->server.ep, w->now);
        cs_coap_tick(w->device.ep, w->now);
        net_flush(w);
    }
    w->now = until;
    cs_server_tick(w->srv);
}

static uint64_t clock_ms(void *ctx)
{
    return ((struct world *)ctx)->now;
}

static int64_t clock_unix(void *ctx)
{
    return UNIX_BASE + (int64_t)(((struct world *)ctx)->now / 1000);
}

static bool session_identity(void *ctx, void *session, const uint8_t **id,
                             size_t *len)
{
    (void)ctx;
    struct fake_session *s = session;
    if (s == NULL)
        return false;
    *id = s->identity;
    *len = s->len;
    return true;
}

/* ---- The simulated device's objects ------------------------------------ */

static void device_handler(void *app, cs_coap_endpoint *ep,
                           cs_coap_incoming *in, cs_coap_msg *response)
{
    struct world *w = app;
    const cs_coap_msg *req = in->request;
    const char *segs[4];
    size_t lens[4], n = 0;
    cs_path path;
    assert_int_equal(cs_coap_get_strings(req, CS_COAP_OPT_URI_PATH, segs, lens,
                                         4, &n), CS_OK);
    assert_int_equal(cs_path_from_segments(segs, lens, n, &path), CS_OK);
    static uint8_t body[512];
    cs_records rs;
    cs_records_init(&rs);
    uint32_t obs;
    bool observe = cs_coap_get_uint(req, CS_COAP_OPT_OBSERVE, &obs) == CS_OK;

    uint16_t accept = 0;
    if (req->code == CS_COAP_CODE_GET &&
        cs_coap_get_accept(req, &accept) == CS_OK && accept == CS_FORMAT_LINK) {
        static const char links[] = "</3/0>,</3/0/0>,</3/0/13>;pmax=30";
        response->code = CS_COAP_CODE_CONTENT;
        cs_coap_add_content_format(response, CS_FORMAT_LINK);
        cs_coap_set_payload(response, links, sizeof links - 1);
        return;
    }
    if (req->code == CS_COAP_CODE_POST && path.len == 1 && path.ids[0] == 9) {
        w->dev.creates++;
        uint16_t cf = 0;
        cs_coap_get_content_format(req, &cf);
        if (req->payload_len > 0) {
            assert_int_equal(cs_decode(cf, &path, req->payload, req->payload_len,
                                       NULL, &rs), CS_OK);
            w->dev.created_with_instance = rs.count == 1 && rs.items[0].path.len == 3 &&
                                           rs.items[0].path.ids[1] == 4;
            cs_records_free(&rs);
        }
        response->code = CS_COAP_CODE_CREATED;
        return;
    }
    if (req->code == CS_COAP_CODE_DELETE) {
        w->dev.deletes++;
        response->code = CS_COAP_CODE_DELETED;
        return;
    }
    if (req->code == CS_COAP_CODE_POST && path.len == 2 && path.ids[0] == 1) {
        uint16_t cf = 0;
        cs_coap_get_content_format(req, &cf);
        assert_int_equal(cs_decode(cf, &path, req->payload, req->payload_len,
                                   cs_registry_standard(), &rs), CS_OK);
        w->dev.updates++;
        w->dev.update_records = rs.count;
        cs_records_free(&rs);
        response->code = CS_COAP_CODE_CHANGED;
        return;
    }
    if (req->code == CS_COAP_CODE_GET && cs_path_compare(&path, &(cs_path){ { 3, 0 }, 2 }) == 0) {
        w->dev.reads++;
        cs_path p0 = cs_path_resource(3, 0, 0), p1 = cs_path_resource(3, 0, 1);
        cs_value v0 = cs_value_string("cellstrap", 9), v1 = cs_value_string("sim", 3);
        cs_records_add(&rs, &p0, &v0);
        cs_records_add(&rs, &p1, &v1);
    } else if (req->code == CS_COAP_CODE_GET &&
               cs_path_compare(&path, &(cs_path){ { 3, 0, 13 }, 3 }) == 0) {
        if (observe && obs == 0) {
            w->dev.have_observer = true;
            w->dev.observer = (cs_coap_reply_to){ 0 };
            w->dev.observer.addr = *in->from;
            w->dev.observer.token_len = req->token_len;
            memcpy(w->dev.observer.token, req->token, req->token_len);
            cs_coap_add_uint(response, CS_COAP_OPT_OBSERVE, w->dev.obs_seq++);
        } else if (observe && obs == 1) {
            w->dev.have_observer = false;
            w->dev.observe_cancels++;
        }
        cs_value t = cs_value_time(1000 + w->dev.obs_seq);
        cs_records_add(&rs, &path, &t);
    } else if (req->code == CS_COAP_CODE_PUT && req->payload_len == 0 &&
               cs_coap_count(req, CS_COAP_OPT_URI_QUERY) > 0) {
        const char *qs[4];
        size_t ql[4], qn = 0;
        cs_coap_get_strings(req, CS_COAP_OPT_URI_QUERY, qs, ql, 4, &qn);
        w->dev.attributes[0] = '\0';
        for (size_t i = 0; i < qn; i++) {
            size_t used = strlen(w->dev.attributes);
            snprintf(w->dev.attributes + used, sizeof w->dev.attributes - used,
                     "%s%.*s", i ? "&" : "", (int)ql[i], qs[i]);
        }
        response->code = CS_COAP_CODE_CHANGED;
        return;
    } else if (req->code == CS_COAP_CODE_PUT &&
               cs_path_compare(&path, &(cs_path){ { 1, 0, 1 }, 3 }) == 0) {
        uint16_t cf = 0;
        cs_coap_get_content_format(req, &cf);
        w->dev.last_write_format = cf;
        assert_int_equal(cs_decode(cf, &path, req->payload, req->payload_len,
                                   cs_registry_standard(), &rs), CS_OK);
        assert_int_equal(rs.count, 1);
        w->dev.lifetime = (uint32_t)rs.items[0].value.v.u;
        cs_records_free(&rs);
        response->code = CS_COAP_CODE_CHANGED;
        return;
    } else if (req->code == CS_COAP_CODE_POST &&
               cs_path_compare(&path, &(cs_path){ { 3, 0, 4 }, 3 }) == 0) {
        w->dev.executes++;
        snprintf(w->dev.exec_args, sizeof w->dev.exec_args, "%.*s",
                 (int)req->payload_len, (const char *)req->payload);
        response->code = CS_COAP_CODE_CHANGED;
        return;
    } else {
        response->code = CS_COAP_CODE_NOT_FOUND;
        return;
    }
    cs_buf out;
    cs_buf_init(&out, sizeof body);
    assert_int_equal(cs_encode(CS_FORMAT_SENML_JSON, &path, &rs,
                               cs_registry_standard(), &out), CS_OK);
    memcpy(body, out.data, out.len);
    response->code = CS_COAP_CODE_CONTENT;
    cs_coap_add_content_format(response, CS_FORMAT_SENML_JSON);
    cs_coap_set_payload(response, body, out.len);
    cs_buf_free(&out);
    cs_records_free(&rs);
    (void)ep;
}

/* The device's next notification of /3/0/13. */
static void device_notify(struct world *w)
{
    assert_true(w->dev.have_observer);
    static uint8_t body[256];
    cs_records rs;
    cs_records_init(&rs);
    cs_path p = cs_path_resource(3, 0, 13);
    cs_value t = cs_value_time(1000 + w->dev.obs_seq);
    cs_records_add(&rs, &p, &t);
    cs_buf out;
    cs_buf_init(&out, sizeof body);
    assert_int_equal(cs_encode(CS_FORMAT_SENML_JSON, &p, &rs, NULL, &out), CS_OK);
    memcpy(body, out.data, out.len);
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_NON, CS_COAP_CODE_CONTENT, 0);
    cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, w->dev.obs_seq++);
    cs_coap_add_content_format(&msg, CS_FORMAT_SENML_JSON);
    cs_coap_set_payload(&msg, body, out.len);
    assert_int_equal(cs_coap_send_response(w->device.ep, w->now, &w->dev.observer,
                                           &msg, NULL, NULL), CS_OK);
    cs_buf_free(&out);
    cs_records_free(&rs);
    net_flush(w);
}

/* ---- World ---------------------------------------------------------------- */

/* The server engine and its endpoint (again after a restart). */
static void server_start(struct world *w, uint64_t seed)
{
    cs_server_config sc = { 0 };
    sc.name = "server-a";
    sc.store = w->store;
    sc.allow_nosec = w->allow_nosec;
    sc.identity = session_identity;
    sc.clock_ms = clock_ms;
    sc.clock_unix = clock_unix;
    sc.clock_ctx = w;
    sc.seed = seed;
    w->srv = cs_server_new(&sc);
    assert_non_null(w->srv);
    cs_coap_config cc = { 0 };
    cs_coap_params_default(&cc.params);
    cc.send = net_send;
    cc.io = &w->server;
    cc.on_request = cs_server_handle_request;
    cc.app = w->srv;
    cc.seed = seed + 1;
    w->server.ep = cs_coap_endpoint_new(&cc);
    assert_non_null(w->server.ep);
}

static struct world *world_new(bool allow_nosec, bool with_store)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->now = 5000;
    w->server.w = w->device.w = w;
    w->server.addr = cs_addr_ipv4(127, 0, 0, 1, 5684);
    w->device.addr = cs_addr_ipv4(10, 0, 0, 7, 40000);
    if (with_store)
        assert_int_equal(cs_store_open("sqlite::memory:", &w->store), CS_OK);
    w->allow_nosec = allow_nosec;
    server_start(w, 7);

    cs_coap_config cc = { 0 };
    cs_coap_params_default(&cc.params);
    cc.send = net_send;
    cc.io = &w->device;
    cc.on_request = device_handler;
    cc.app = w;
    cc.seed = 4;
    w->device.ep = cs_coap_endpoint_new(&cc);
    assert_non_null(w->device.ep);
    return w;
}

static void world_free(struct world *w)
{
    cs_coap_endpoint_free(w->server.ep);
    cs_coap_endpoint_free(w->device.ep);
    cs_server_free(w->srv);
    cs_store_close(w->store);
    free(w->device.session);
    free(w);
}

static void device_cb(void *user, cs_coap_endpoint *ep, cs_err status,
                      const cs_coap_msg *response, bool final)
{
    (void)ep;
    (void)final;
    struct world *w = user;
    w->calls++;
    w->code = status == CS_OK ? response->code : 0;
    w->location[0] = '\0';
    if (response == NULL)
        return;
    const char *segs[4];
    size_t lens[4], n = 0;
    cs_coap_get_strings(response, CS_COAP_OPT_LOCATION_PATH, segs, lens, 4, &n);
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(w->location);
        snprintf(w->location + used, sizeof w->location - used, "/%.*s",
                 (int)lens[i], segs[i]);
    }
}

/* The device sends a request and the world runs until it is answered. */
static uint8_t device_request(struct world *w, uint8_t method, const char *path,
                              const char *query, const char *payload)
{
    cs_coap_msg req;
    cs_coap_init(&req, CS_COAP_TYPE_CON, method, 0);
    assert_int_equal(cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, path, strlen(path)), CS_OK);
    if (query != NULL)
        assert_int_equal(cs_coap_add_query(&req, CS_COAP_OPT_URI_QUERY, query, strlen(query)), CS_OK);
    if (payload != NULL) {
        cs_coap_add_content_format(&req, CS_FORMAT_LINK);
        cs_coap_set_payload(&req, payload, strlen(payload));
    }
    int before = w->calls;
    assert_int_equal(cs_coap_send_request(w->device.ep, w->now, &w->server.addr,
                                          NULL, &req, device_cb, w), CS_OK);
    net_flush(w);
    assert_int_equal(w->calls, before + 1);
    return w->code;
}

static const char *const links11 = "</>;ct=\"110 112\",</1>;ver=1.1,</1/0>,</3/0>";

static char *reg_id(struct world *w)
{
    assert_memory_equal(w->location, "/rd/", 4);
    return w->location + 4;
}

/* ---- Registration ------------------------------------------------------------ */

static void register_styles(void **state)
{
    (void)state;
    struct world *w = world_new(true, true);
    /* 1.0: queue mode inside b, no lwm2m= means 1.0, lt absent is 86400. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=dev10&b=UQ",
                                    "</1/0>,</3/0>"), CS_COAP_CODE_CREATED);
    const cs_registration *r = cs_server_find(w->srv, "dev10");
    assert_non_null(r);
    assert_string_equal(r->lwm2m_version, "1.0");
    assert_true(r->queue_mode);
    assert_int_equal(r->lifetime, 86400);
    assert_string_equal(r->id, reg_id(w));
    /* 1.1: Q flag, letters only in b, content formats in the root link. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev11&lt=300&lwm2m=1.1&b=U&Q", links11),
                     CS_COAP_CODE_CREATED);
    r = cs_server_find(w->srv, "dev11");
    assert_non_null(r);
    assert_true(r->queue_mode);
    assert_int_equal(r->lifetime, 300);
    assert_string_equal(r->binding, "U");
    size_t nf;
    const uint16_t *f = cs_server_formats(w->srv, "dev11", &nf);
    assert_int_equal(nf, 2);
    assert_int_equal(f[0], 110);
    assert_int_equal(f[1], 112);
    /* 1.2: sms, pid, alternate path. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev12&lt=60&lwm2m=1.2&b=UN&sms=33612345678&pid=6:27354b9a",
                                    "</lwm2m>;rt=\"oma.lwm2m\";ct=11544,</lwm2m/3/0>"),
                     CS_COAP_CODE_CREATED);
    r = cs_server_find(w->srv, "dev12");
    assert_non_null(r);
    assert_false(r->queue_mode);
    assert_string_equal(r->sms, "33612345678");
    assert_int_equal(cs_server_count(w->srv), 3);
    /* Written through to the store. */
    cs_registration sr;
    assert_int_equal(cs_store_find_registration(w->store, "dev11", &sr), CS_OK);
    assert_int_equal(sr.lifetime, 300);
    cs_registration_free(&sr);
    world_free(w);
}

static void register_refusals(void **state)
{
    (void)state;
    struct world *w = world_new(true, false);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=d&lwm2m=2.0",
                                    "</3/0>"), CS_COAP_CODE_PRECONDITION_FAILED);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=d&lwm2m=1.x",
                                    "</3/0>"), CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=d&lt=abc",
                                    "</3/0>"), CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=d&lwm2m=1.1&b=UQ",
                                    "</3/0>"), CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=d",
                                    "</3/0"), CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "lt=60",
                                    "</3/0>"), CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(cs_server_count(w->srv), 0);
    world_free(w);
}

static void nosec_refused_by_default(void **state)
{
    (void)state;
    struct world *w = world_new(false, false);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=d", "</3/0>"),
                     CS_COAP_CODE_FORBIDDEN);
    assert_int_equal(cs_server_count(w->srv), 0);
    world_free(w);
}

static void update_and_deregister(void **state)
{
    (void)state;
    struct world *w = world_new(true, true);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lt=100&lwm2m=1.1", links11),
                     CS_COAP_CODE_CREATED);
    char loc[64];
    snprintf(loc, sizeof loc, "%s", w->location);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, "lt=200&b=U&Q", NULL),
                     CS_COAP_CODE_CHANGED);
    const cs_registration *r = cs_server_find(w->srv, "dev");
    assert_int_equal(r->lifetime, 200);
    assert_true(r->queue_mode);
    /* A new object list replaces the old one. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL,
                                    "</1/0>,</3/0>,</5/0>"), CS_COAP_CODE_CHANGED);
    assert_non_null(strstr(cs_server_find(w->srv, "dev")->links, "</5/0>"));
    /* Unknown location: the client must register again. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd/nope", NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    assert_int_equal(device_request(w, CS_COAP_CODE_DELETE, "/rd/nope", NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    assert_int_equal(device_request(w, CS_COAP_CODE_DELETE, loc, NULL, NULL),
                     CS_COAP_CODE_DELETED);
    assert_null(cs_server_find(w->srv, "dev"));
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    cs_registration sr;
    assert_int_equal(cs_store_find_registration(w->store, "dev", &sr), CS_E_NOT_FOUND);
    world_free(w);
}

static void expiry_after_lifetime(void **state)
{
    (void)state;
    struct world *w = world_new(true, true);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lt=60&lwm2m=1.1", links11),
                     CS_COAP_CODE_CREATED);
    char loc[64];
    snprintf(loc, sizeof loc, "%s", w->location);
    advance(w, 50000);
    assert_non_null(cs_server_find(w->srv, "dev"));
    /* An Update renews the lifetime. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_CHANGED);
    advance(w, 50000);
    assert_non_null(cs_server_find(w->srv, "dev"));
    advance(w, 11000);
    assert_null(cs_server_find(w->srv, "dev"));
    assert_int_equal(cs_server_count(w->srv), 0);
    cs_registration sr;
    assert_int_equal(cs_store_find_registration(w->store, "dev", &sr), CS_E_NOT_FOUND);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    world_free(w);
}

static void reregister_replaces(void **state)
{
    (void)state;
    struct world *w = world_new(true, true);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lwm2m=1.1", links11), CS_COAP_CODE_CREATED);
    char first[64];
    snprintf(first, sizeof first, "%s", w->location);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lwm2m=1.1&lt=77", links11),
                     CS_COAP_CODE_CREATED);
    assert_string_not_equal(first, w->location);
    assert_int_equal(cs_server_count(w->srv), 1);
    assert_int_equal(cs_server_find(w->srv, "dev")->lifetime, 77);
    assert_null(cs_server_find_id(w->srv, first + 4));
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, first, NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    assert_int_equal(cs_store_count_registrations(w->store), 1);
    world_free(w);
}

/* Many registrations: the tables grow, every one stays reachable by ID
 * and by name, and expiry takes them all. */
static void many_registrations(void **state)
{
    (void)state;
    struct world *w = world_new(true, false);
    char ids[300][CS_STORE_REG_ID_MAX];
    for (int i = 0; i < 300; i++) {
        char q[64];
        snprintf(q, sizeof q, "ep=d%d&lt=%d&lwm2m=1.2", i, 100 + i);
        assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", q, "</3/0>"),
                         CS_COAP_CODE_CREATED);
        snprintf(ids[i], sizeof ids[i], "%s", reg_id(w));
    }
    assert_int_equal(cs_server_count(w->srv), 300);
    for (int i = 0; i < 300; i++) {
        char ep[16];
        snprintf(ep, sizeof ep, "d%d", i);
        const cs_registration *r = cs_server_find_id(w->srv, ids[i]);
        assert_non_null(r);
        assert_string_equal(r->endpoint, ep);
        assert_ptr_equal(cs_server_find(w->srv, ep), r);
    }
    advance(w, 250000);
    assert_int_equal(cs_server_count(w->srv), 300 - 151);   /* lt 100..250 */
    assert_null(cs_server_find(w->srv, "d0"));
    assert_non_null(cs_server_find(w->srv, "d299"));
    advance(w, 200000);
    assert_int_equal(cs_server_count(w->srv), 0);
    world_free(w);
}

/* A restarted server takes its registrations back from the store. */
static void restart_keeps_registrations(void **state)
{
    (void)state;
    struct world *w = world_new(true, true);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lt=100&lwm2m=1.1", links11), CS_COAP_CODE_CREATED);
    char loc[64];
    snprintf(loc, sizeof loc, "%s", w->location);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=short&lt=5&lwm2m=1.1", links11), CS_COAP_CODE_CREATED);
    cs_coap_endpoint_free(w->server.ep);
    cs_server_free(w->srv);
    w->now += 10000;                  /* "short" expires while we are down */
    server_start(w, 99);
    size_t n = 0;
    assert_int_equal(cs_server_load(w->srv, w->server.ep, w->server.ep, &n), CS_OK);
    assert_int_equal(n, 1);
    assert_null(cs_server_find(w->srv, "short"));
    assert_int_equal(cs_store_count_registrations(w->store), 1);
    size_t nf;
    assert_non_null(cs_server_formats(w->srv, "dev", &nf));
    assert_int_equal(nf, 2);
    /* Requests reach it, and its Update is accepted. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_CHANGED);
    /* It expires on the remaining lifetime: 100 s from the Update. */
    advance(w, 99000);
    assert_non_null(cs_server_find(w->srv, "dev"));
    advance(w, 2000);
    assert_null(cs_server_find(w->srv, "dev"));
    world_free(w);
}

/* ---- Security ----------------------------------------------------------------- */

static void issue(struct world *w, const char *identity, const char *endpoint,
                  const char *server)
{
    cs_credential c;
    memset(&c, 0, sizeof c);
    c.identity_len = strlen(identity);
    memcpy(c.identity, identity, c.identity_len);
    c.key_len = 16;
    memset(c.key, 0x42, 16);
    snprintf(c.endpoint, sizeof c.endpoint, "%s", endpoint);
    snprintf(c.server, sizeof c.server, "%s", server);
    c.created = UNIX_BASE;
    assert_int_equal(cs_store_issue_credential(w->store, &c), CS_OK);
}

static void use_identity(struct world *w, const char *identity)
{
    free(w->device.session);
    w->device.session = calloc(1, sizeof *w->device.session);
    w->device.session->len = strlen(identity);
    memcpy(w->device.session->identity, identity, w->device.session->len);
}

static int count_refused(void *ctx, const cs_audit_event *ev)
{
    if (strcmp(ev->kind, "refused") == 0)
        (*(int *)ctx)++;
    return 0;
}

static void credential_must_match_endpoint(void **state)
{
    (void)state;
    struct world *w = world_new(false, true);
    issue(w, "id-dev1", "dev1", "server-a");
    issue(w, "id-other", "dev2", "server-b");
    use_identity(w, "id-dev1");
    /* ep differs from the credential's endpoint. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev9&lwm2m=1.1", links11), CS_COAP_CODE_FORBIDDEN);
    int refused = 0;
    assert_int_equal(cs_store_each_audit(w->store, NULL, 10, count_refused, &refused), CS_OK);
    assert_int_equal(refused, 1);
    /* Credential for another server. */
    use_identity(w, "id-other");
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev2&lwm2m=1.1", links11), CS_COAP_CODE_FORBIDDEN);
    /* Unknown identity. */
    use_identity(w, "id-nobody");
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev1&lwm2m=1.1", links11), CS_COAP_CODE_FORBIDDEN);
    assert_int_equal(cs_server_count(w->srv), 0);
    /* The right one; 1.1 may leave ep out and get it from the credential. */
    use_identity(w, "id-dev1");
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev1&lwm2m=1.1", links11), CS_COAP_CODE_CREATED);
    assert_int_equal(cs_server_find(w->srv, "dev1")->identity_len, 7);
    char loc[64];
    snprintf(loc, sizeof loc, "%s", w->location);
    /* Another session may not update it. */
    use_identity(w, "id-other");
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    use_identity(w, "id-dev1");
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_CHANGED);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "lwm2m=1.1", links11),
                     CS_COAP_CODE_CREATED);
    assert_non_null(cs_server_find(w->srv, "dev1"));
    /* A revoked credential registers no more. */
    size_t revoked = 0;
    assert_int_equal(cs_store_revoke_credentials(w->store, "dev1", NULL,
                                                 UNIX_BASE + 10, &revoked), CS_OK);
    assert_int_equal(revoked, 1);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd", "ep=dev1&lwm2m=1.1",
                                    links11), CS_COAP_CODE_FORBIDDEN);
    world_free(w);
}

/* With --allow-nosec, a NoSec Register must not replace a DTLS one. */
static void nosec_cannot_take_over(void **state)
{
    (void)state;
    struct world *w = world_new(true, true);
    issue(w, "id-dev1", "dev1", "server-a");
    use_identity(w, "id-dev1");
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev1&lwm2m=1.1", links11), CS_COAP_CODE_CREATED);
    free(w->device.session);
    w->device.session = NULL;
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev1&lwm2m=1.1", links11), CS_COAP_CODE_FORBIDDEN);
    assert_int_equal(cs_server_find(w->srv, "dev1")->identity_len, 7);
    /* Nor de-register it. */
    char loc[64];
    snprintf(loc, sizeof loc, "/rd/%s", cs_server_find(w->srv, "dev1")->id);
    assert_int_equal(device_request(w, CS_COAP_CODE_DELETE, loc, NULL, NULL),
                     CS_COAP_CODE_NOT_FOUND);
    assert_non_null(cs_server_find(w->srv, "dev1"));
    world_free(w);
}

/* ---- Device management through the admin protocol ------------------------- */

struct output {
    char text[8192];
    size_t len;
};

static void out_write(void *ctx, const char *text, size_t len)
{
    struct output *o = ctx;
    assert_true(o->len + len < sizeof o->text);
    memcpy(o->text + o->len, text, len);
    o->len += len;
    o->text[o->len] = '\0';
}

static void admin_run(struct world *w, cs_admin *adm, struct output *o,
                      const char *line)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", line);
    o->len = 0;
    o->text[0] = '\0';
    cs_admin_command(adm, buf);
    net_flush(w);
}

static struct world *registered_world(void)
{
    struct world *w = world_new(true, false);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lt=300&lwm2m=1.1", links11),
                     CS_COAP_CODE_CREATED);
    return w;
}

static void admin_read_write_execute(void **state)
{
    (void)state;
    struct world *w = registered_world();
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    assert_non_null(adm);

    admin_run(w, adm, &o, "read dev /3/0 senml-json");
    assert_string_equal(o.text,
                        "2.05\n"
                        "/3/0/0         String           \"cellstrap\"\n"
                        "/3/0/1         String           \"sim\"\n"
                        "\n");
    assert_int_equal(cs_admin_pending(adm), 0);

    admin_run(w, adm, &o, "write dev /1/0/1 3600");
    assert_string_equal(o.text, "2.04\n\n");
    assert_int_equal(w->dev.lifetime, 3600);
    /* Encoded in the first multi-value format the device announced. */
    assert_int_equal(w->dev.last_write_format, CS_FORMAT_SENML_JSON);

    admin_run(w, adm, &o, "execute dev /3/0/4 0='x'");
    assert_string_equal(o.text, "2.04\n\n");
    assert_int_equal(w->dev.executes, 1);
    assert_string_equal(w->dev.exec_args, "0='x'");

    admin_run(w, adm, &o, "attributes dev /3/0/13 pmin=1 pmax=30");
    assert_string_equal(o.text, "2.04\n\n");
    assert_string_equal(w->dev.attributes, "pmin=1&pmax=30");
    admin_run(w, adm, &o, "attributes dev /3/0/13");
    assert_memory_equal(o.text, "4.00 usage", 10);

    admin_run(w, adm, &o, "read dev /9/0");
    assert_string_equal(o.text, "4.04\n\n");
    admin_run(w, adm, &o, "read nobody /3/0");
    assert_string_equal(o.text, "4.04 endpoint not registered\n\n");
    admin_run(w, adm, &o, "read dev /3/x");
    assert_string_equal(o.text, "4.00 bad path\n\n");
    admin_run(w, adm, &o, "frobnicate dev /3/0");
    assert_string_equal(o.text, "4.00 unknown command (try help)\n\n");
    admin_run(w, adm, &o, "write dev /1/0/1 abc");
    assert_memory_equal(o.text, "4.00 ", 5);

    admin_run(w, adm, &o, "list");
    assert_memory_equal(o.text, "2.05\ndev id=", 12);
    assert_non_null(strstr(o.text, "lwm2m=1.1 b=U lt=300 addr=10.0.0.7:40000 nosec"));
    cs_admin_free(adm);
    world_free(w);
}

/* A registration line carries the whole link list, however long, and the
 * block still ends with an empty line. */
static void admin_list_long_links(void **state)
{
    (void)state;
    struct world *w = world_new(true, false);
    char links[1400] = "</1/0>,</3/0>";
    for (int i = 0; i < 130; i++) {
        char one[16];
        snprintf(one, sizeof one, ",</10/%d>", i);
        strcat(links, one);
    }
    assert_true(strlen(links) > 1100);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=dev&lt=300&lwm2m=1.1", links),
                     CS_COAP_CODE_CREATED);
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    admin_run(w, adm, &o, "list");
    char *line = strstr(o.text, "\ndev id=");
    assert_non_null(line);
    char *end = strchr(line + 1, '\n');
    assert_non_null(end);
    assert_memory_equal(end - 9, "</10/129>", 9);
    assert_string_equal(end, "\n\n");
    cs_admin_free(adm);
    world_free(w);
}

static void admin_other_operations(void **state)
{
    (void)state;
    struct world *w = registered_world();
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    admin_run(w, adm, &o, "discover dev /3/0");
    assert_string_equal(o.text, "2.05\n</3/0>,</3/0/0>,</3/0/13>;pmax=30\n\n");
    admin_run(w, adm, &o, "update dev /1/0 1=600 2=10 6=true");
    assert_string_equal(o.text, "2.04\n\n");
    assert_int_equal(w->dev.updates, 1);
    assert_int_equal(w->dev.update_records, 3);
    admin_run(w, adm, &o, "create dev /9/4 0=firmware");
    assert_string_equal(o.text, "2.01\n\n");
    assert_true(w->dev.created_with_instance);
    admin_run(w, adm, &o, "create dev /9");
    assert_string_equal(o.text, "2.01\n\n");
    assert_int_equal(w->dev.creates, 2);
    admin_run(w, adm, &o, "delete dev /9/4");
    assert_string_equal(o.text, "2.02\n\n");
    assert_int_equal(w->dev.deletes, 1);
    admin_run(w, adm, &o, "write-raw dev /1/0/1 text 313230");
    assert_string_equal(o.text, "2.04\n\n");
    assert_int_equal(w->dev.lifetime, 120);
    admin_run(w, adm, &o, "write-raw dev /1/0/1 text 3");
    assert_memory_equal(o.text, "4.00 ", 5);
    admin_run(w, adm, &o, "update dev /1/0 1");
    assert_memory_equal(o.text, "4.00 ", 5);
    cs_admin_free(adm);
    world_free(w);
}

/* Queue mode: requests wait for the sleeping client's next Update. */
static void queue_mode_holds_requests(void **state)
{
    (void)state;
    struct world *w = world_new(true, false);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=q&lt=600&lwm2m=1.1&b=U&Q", links11),
                     CS_COAP_CODE_CREATED);
    char loc[64];
    snprintf(loc, sizeof loc, "%s", w->location);
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    /* Awake right after registering: sent at once. */
    admin_run(w, adm, &o, "read q /3/0");
    assert_memory_equal(o.text, "2.05\n", 5);
    assert_int_equal(w->dev.reads, 1);
    /* Asleep: held. */
    advance(w, 100000);
    admin_run(w, adm, &o, "read q /3/0");
    admin_run(w, adm, &o, "write q /1/0/1 700");
    advance(w, 50000);
    assert_string_equal(o.text, "");
    assert_int_equal(w->dev.reads, 1);
    assert_int_equal(cs_admin_pending(adm), 2);
    /* The Update wakes it: both go out, one at a time. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_CHANGED);
    advance(w, 10);
    assert_int_equal(w->dev.reads, 2);
    assert_int_equal(w->dev.lifetime, 700);
    assert_int_equal(cs_admin_pending(adm), 0);
    /* Held requests of a client that de-registers fail. */
    advance(w, 100000);
    o.len = 0;
    o.text[0] = '\0';
    admin_run(w, adm, &o, "read q /3/0");
    assert_string_equal(o.text, "");
    assert_int_equal(device_request(w, CS_COAP_CODE_DELETE, loc, NULL, NULL),
                     CS_COAP_CODE_DELETED);
    assert_string_equal(o.text, "4.04 deregistered\n\n");
    assert_int_equal(cs_admin_pending(adm), 0);
    /* And those of an admin that goes away are dropped. */
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, "/rd",
                                    "ep=q&lt=600&lwm2m=1.1&b=U&Q", links11),
                     CS_COAP_CODE_CREATED);
    snprintf(loc, sizeof loc, "%s", w->location);
    advance(w, 100000);
    admin_run(w, adm, &o, "read q /3/0");
    cs_admin_free(adm);
    assert_int_equal(device_request(w, CS_COAP_CODE_POST, loc, NULL, NULL),
                     CS_COAP_CODE_CHANGED);
    advance(w, 10);
    assert_int_equal(w->dev.reads, 2);
    world_free(w);
}

static void admin_observe_three_notifications(void **state)
{
    (void)state;
    struct world *w = registered_world();
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    admin_run(w, adm, &o, "observe dev /3/0/13");
    assert_string_equal(o.text, "2.05\n/3/0/13        Time             1001\n\n");
    assert_true(w->dev.have_observer);
    for (int i = 0; i < 3; i++) {
        o.len = 0;
        device_notify(w);
        char want[128];
        snprintf(want, sizeof want,
                 "2.05 notify dev /3/0/13\n/3/0/13        Time             %d\n\n",
                 1001 + i);
        assert_string_equal(o.text, want);
    }
    assert_int_equal(cs_admin_pending(adm), 1);
    admin_run(w, adm, &o, "cancel dev /3/0/13");
    assert_memory_equal(o.text, "2.05\n", 5);
    assert_int_equal(w->dev.observe_cancels, 1);
    assert_int_equal(cs_admin_pending(adm), 0);
    admin_run(w, adm, &o, "cancel dev /3/0/13");
    assert_string_equal(o.text, "4.04 no such observation\n\n");
    cs_admin_free(adm);
    world_free(w);
}

/* A device that does not answer: the admin hears "5.03 timeout". */
static void admin_device_silent(void **state)
{
    (void)state;
    struct world *w = registered_world();
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    w->device.addr = cs_addr_ipv4(10, 0, 0, 8, 40000);   /* gone */
    admin_run(w, adm, &o, "read dev /3/0");
    assert_string_equal(o.text, "");
    assert_int_equal(cs_admin_pending(adm), 1);
    advance(w, 300000);
    assert_string_equal(o.text, "5.03 timeout\n\n");
    assert_int_equal(cs_admin_pending(adm), 0);
    cs_admin_free(adm);
    world_free(w);
}

/* An admin connection that goes away: the next notification gets a Reset
 * and nothing is called back. */
static void observer_goes_away(void **state)
{
    (void)state;
    struct world *w = registered_world();
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    admin_run(w, adm, &o, "observe dev /3/0/13");
    device_notify(w);
    cs_admin_free(adm);
    advance(w, 10);
    o.len = 0;
    o.text[0] = '\0';
    device_notify(w);
    advance(w, 10);
    assert_string_equal(o.text, "");
    world_free(w);
}

/* De-registration ends observations with a final 4.04 block. */
static void deregistration_ends_observation(void **state)
{
    (void)state;
    struct world *w = registered_world();
    char loc[64];
    snprintf(loc, sizeof loc, "%s", w->location);
    struct output o = { 0 };
    cs_admin *adm = cs_admin_new(w->srv, out_write, &o);
    admin_run(w, adm, &o, "observe dev /3/0/13");
    o.len = 0;
    assert_int_equal(device_request(w, CS_COAP_CODE_DELETE, loc, NULL, NULL),
                     CS_COAP_CODE_DELETED);
    assert_string_equal(o.text, "4.04 deregistered /3/0/13\n\n");
    assert_int_equal(cs_admin_pending(adm), 0);
    cs_admin_free(adm);
    world_free(w);
}

/* Mangled Register and Update requests: always a 2.xx or 4.xx answer,
 * never a crash (ASan runs this too). */
static void mangled_requests(void **state)
{
    (void)state;
    struct world *w = world_new(true, false);
    uint32_t prng = 12345;
    const char *base_q = "ep=dev&lt=300&lwm2m=1.1&b=U&Q&sms=123";
    for (int i = 0; i < 3000; i++) {
        char q[64], links[128];
        snprintf(q, sizeof q, "%s", base_q);
        snprintf(links, sizeof links, "%s", links11);
        for (int k = 0; k < 3; k++) {
            prng = prng * 1103515245u + 12345u;
            size_t qi = (prng >> 8) % strlen(q);
            prng = prng * 1103515245u + 12345u;
            char c = (char)(32 + (prng >> 8) % 95);
            if (k == 0)
                q[qi] = c;
            else
                links[(prng >> 12) % strlen(links)] = c;
        }
        uint8_t code = device_request(w, CS_COAP_CODE_POST, "/rd", q, links);
        assert_true(code == CS_COAP_CODE_CREATED || cs_coap_code_class(code) == 4);
        if (code == CS_COAP_CODE_CREATED && i % 7 == 0) {
            char loc[64];
            snprintf(loc, sizeof loc, "%s", w->location);
            code = device_request(w, CS_COAP_CODE_POST, loc, q + 7, links);
            assert_true(code == CS_COAP_CODE_CHANGED || cs_coap_code_class(code) == 4);
        }
    }
    world_free(w);
}

/* ---- Admin protocol parsing -------------------------------------------------- */

static void admin_split_and_values(void **state)
{
    (void)state;
    char line[] = "  write dev\t/1/0/1   300 ";
    char *argv[8];
    assert_int_equal(cs_admin_split(line, argv, 8), 4);
    assert_string_equal(argv[0], "write");
    assert_string_equal(argv[2], "/1/0/1");
    assert_string_equal(argv[3], "300");
    char many[] = "a b c";
    assert_int_equal(cs_admin_split(many, argv, 2), -1);

    cs_records rs;
    cs_records_init(&rs);
    cs_value v;
    assert_int_equal(cs_admin_parse_value(CS_TYPE_UNSIGNED, "300", &rs, &v), CS_OK);
    assert_int_equal(v.v.u, 300);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_UNSIGNED, "-1", &rs, &v), CS_E_RANGE);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_INTEGER, "12a", &rs, &v), CS_E_SYNTAX);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_BOOLEAN, "true", &rs, &v), CS_OK);
    assert_true(v.v.b);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_OPAQUE, "00ff", &rs, &v), CS_OK);
    assert_int_equal(v.v.bytes.len, 2);
    assert_int_equal(v.v.bytes.data[1], 0xff);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_OPAQUE, "0f0", &rs, &v), CS_E_SYNTAX);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_OBJLNK, "3:0", &rs, &v), CS_OK);
    assert_int_equal(v.v.lnk.oid, 3);
    assert_int_equal(cs_admin_parse_value(CS_TYPE_OBJLNK, "3:", &rs, &v), CS_E_SYNTAX);

    cs_buf b;
    cs_buf_init(&b, 256);
    cs_value s = cs_value_string("a\"b\n", 4);
    assert_int_equal(cs_admin_format_value(&s, &b), CS_OK);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "\"a\\\"b\\x0a\"", 10);
    cs_buf_free(&b);
    cs_records_free(&rs);
}

int main(void)
{
    cs_log_set_level(CS_LOG_WARN);   /* the audit lines are info */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_styles),
        cmocka_unit_test(register_refusals),
        cmocka_unit_test(nosec_refused_by_default),
        cmocka_unit_test(update_and_deregister),
        cmocka_unit_test(expiry_after_lifetime),
        cmocka_unit_test(reregister_replaces),
        cmocka_unit_test(many_registrations),
        cmocka_unit_test(restart_keeps_registrations),
        cmocka_unit_test(credential_must_match_endpoint),
        cmocka_unit_test(nosec_cannot_take_over),
        cmocka_unit_test(admin_read_write_execute),
        cmocka_unit_test(admin_list_long_links),
        cmocka_unit_test(admin_device_silent),
        cmocka_unit_test(admin_other_operations),
        cmocka_unit_test(queue_mode_holds_requests),
        cmocka_unit_test(admin_observe_three_notifications),
        cmocka_unit_test(observer_goes_away),
        cmocka_unit_test(deregistration_ends_observation),
        cmocka_unit_test(mangled_requests),
        cmocka_unit_test(admin_split_and_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
