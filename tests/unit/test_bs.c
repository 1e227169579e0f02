/*
 * test_bs.c - the bootstrap server engine against a simulated LwM2M
 * client (a CoAP endpoint over an in-memory network) and an in-memory
 * store: the classic sequence DELETE, PUT /0, PUT /1, POST /bs with the
 * generated credential in /0 and in the store; rotation on re-bootstrap;
 * refusals (unknown endpoint, NoSec not allowed, bad pct) with audit
 * events; the "*" default; Bootstrap-Pack in SenML CBOR and 4.06 for
 * other Accepts; 4.06 on Finish; strict configuration parsing; and no
 * key in the log output.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_support.h"
#include "cellstrap/bs.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/log.h"
#include "cellstrap/store.h"

/* ---- Simulated network: the BS and one device --------------------------- */

#define QMAX 64

struct packet {
    cs_addr from, to;
    uint8_t data[2048];
    size_t len;
};

/* What the simulated device received from the BS. */
struct seen {
    uint8_t code;
    char path[32];
    uint16_t format;
    uint8_t payload[2048];
    size_t payload_len;
};

struct world {
    struct packet q[QMAX];
    size_t count;
    cs_coap_time now;
    cs_addr bs_addr, dev_addr;
    cs_coap_endpoint *bs_ep, *dev_ep;
    cs_bs *bs;
    cs_store *store;
    int64_t unix_now;
    /* device */
    struct seen seen[16];
    size_t seen_count;
    uint8_t finish_code;       /* what the device answers to Finish */
    bool silent;               /* requests from the BS are lost */
    /* last response to the device's own request */
    bool got;
    uint8_t rsp_code;
    uint16_t rsp_format;
    uint8_t rsp_payload[4096];
    size_t rsp_len;
};

/* The world under test (the send callback gets only the sender's address). */
static struct world *g_world;

/* `io` is the sender's address. */
static void net_send(void *io, const cs_addr *to, void *session,
                     const uint8_t *data, size_t len)
{
    (void)session;
    const cs_addr *from = io;
    struct world *w = g_world;
    uint8_t code = 0;
    if (w->silent && cs_addr_equal(to, &w->dev_addr) &&
        cs_coap_peek_header(data, len, NULL, &code, NULL) &&
        cs_coap_code_is_request(code))
        return;                  /* the device never hears the BS's requests */
    assert_true(w->count < QMAX);
    assert_true(len <= sizeof w->q[0].data);
    struct packet *p = &w->q[w->count++];
    p->from = *from;
    p->to = *to;
    memcpy(p->data, data, len);
    p->len = len;
}

static void flush(struct world *w)
{
    for (int rounds = 0; rounds < 100; rounds++) {
        while (w->count > 0) {
            struct packet p = w->q[0];
            memmove(&w->q[0], &w->q[1], (w->count - 1) * sizeof w->q[0]);
            w->count--;
            cs_coap_endpoint *to = cs_addr_equal(&p.to, &w->bs_addr) ? w->bs_ep
                                   : w->dev_ep;
            cs_coap_receive(to, w->now, &p.from, NULL, p.data, p.len);
        }
        cs_bs_tick(w->bs, w->now);
        if (w->count == 0)
            return;
    }
    fail_msg("the exchange does not settle");
}

/* Let time pass to each deadline up to `ms` later. */
static void run_for(struct world *w, cs_coap_time ms)
{
    cs_coap_time until = w->now + ms;
    flush(w);
    for (;;) {
        cs_coap_time a = cs_coap_next_deadline(w->bs_ep);
        cs_coap_time b = cs_coap_next_deadline(w->dev_ep);
        cs_coap_time next = a < b ? a : b;
        if (next > until)
            break;
        if (next > w->now)
            w->now = next;
        cs_coap_tick(w->bs_ep, w->now);
        cs_coap_tick(w->dev_ep, w->now);
        flush(w);
    }
    w->now = until;
}

/* The device: records what the BS asks, answers as a client would. */
static void device_handler(void *app, cs_coap_endpoint *ep,
                           cs_coap_incoming *in, cs_coap_msg *rsp)
{
    (void)ep;
    struct world *w = app;
    const cs_coap_msg *req = in->request;
    assert_true(w->seen_count < 16);
    struct seen *s = &w->seen[w->seen_count++];
    memset(s, 0, sizeof *s);
    s->code = req->code;
    const char *segs[4];
    size_t lens[4], n = 0;
    assert_int_equal(cs_coap_get_strings(req, CS_COAP_OPT_URI_PATH, segs, lens,
                                         4, &n), CS_OK);
    size_t off = 0;
    s->path[off++] = '/';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            s->path[off++] = '/';
        memcpy(s->path + off, segs[i], lens[i]);
        off += lens[i];
    }
    s->path[off] = '\0';
    uint16_t f = 0;
    if (cs_coap_get_content_format(req, &f) == CS_OK)
        s->format = f;
    assert_true(req->payload_len <= sizeof s->payload);
    if (req->payload_len > 0)
        memcpy(s->payload, req->payload, req->payload_len);
    s->payload_len = req->payload_len;
    switch (req->code) {
    case CS_COAP_CODE_DELETE: rsp->code = CS_COAP_CODE_DELETED; break;
    case CS_COAP_CODE_PUT: rsp->code = CS_COAP_CODE_CHANGED; break;
    case CS_COAP_CODE_POST: rsp->code = w->finish_code; break;
    default: rsp->code = CS_COAP_CODE_METHOD_NOT_ALLOWED; break;
    }
}

static void on_device_response(void *user, cs_coap_endpoint *ep,
                               cs_err status, const cs_coap_msg *rsp,
                               bool final)
{
    (void)ep;
    (void)final;
    struct world *w = user;
    assert_int_equal(status, CS_OK);
    w->got = true;
    w->rsp_code = rsp->code;
    w->rsp_format = 0;
    cs_coap_get_content_format(rsp, &w->rsp_format);
    assert_true(rsp->payload_len <= sizeof w->rsp_payload);
    if (rsp->payload_len > 0)
        memcpy(w->rsp_payload, rsp->payload, rsp->payload_len);
    w->rsp_len = rsp->payload_len;
}

static int64_t unix_clock(void *ctx)
{
    return ((struct world *)ctx)->unix_now;
}

static const char *CONFIG =
    "{\"endpoints\": {"
    " \"dev-1\": {\"allow_nosec_bootstrap\": true,"
    "   \"servers\": [{\"name\": \"server-a\", \"uri\": \"coaps://127.0.0.1:5684\","
    "     \"security\": \"psk\", \"psk\": \"generate\", \"ssid\": 1,"
    "     \"lifetime\": 300, \"binding\": \"U\", \"pmin\": 0, \"pmax\": 60}]},"
    " \"dev-closed\": {\"servers\": [{\"name\": \"server-a\","
    "     \"uri\": \"coaps://127.0.0.1:5684\", \"ssid\": 1}]}"
    "}}";

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    g_world = w;
    w->now = 1000;
    w->unix_now = 1700000000;
    w->finish_code = CS_COAP_CODE_CHANGED;
    assert_int_equal(cs_addr_parse("10.0.0.1:5683", 5683, &w->bs_addr), CS_OK);
    assert_int_equal(cs_addr_parse("10.0.0.2:56830", 5683, &w->dev_addr), CS_OK);
    assert_int_equal(cs_store_open("sqlite::memory:", &w->store), CS_OK);
    cs_bs_config bc = { .store = w->store, .unix_clock = unix_clock,
                        .clock_ctx = w, .seed = 7 };
    assert_int_equal(cs_bs_new(&bc, &w->bs), CS_OK);
    cs_coap_config c;
    memset(&c, 0, sizeof c);
    cs_coap_params_default(&c.params);
    c.send = net_send;
    c.io = &w->bs_addr;
    c.on_request = cs_bs_on_request;
    c.app = w->bs;
    c.seed = 11;
    w->bs_ep = cs_coap_endpoint_new(&c);
    c.io = &w->dev_addr;
    c.on_request = device_handler;
    c.app = w;
    c.seed = 12;
    w->dev_ep = cs_coap_endpoint_new(&c);
    assert_non_null(w->bs_ep);
    assert_non_null(w->dev_ep);
    char err[256];
    assert_int_equal(cs_bs_load_text(w->bs, CONFIG, err, sizeof err), CS_OK);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    cs_coap_endpoint_free(w->bs_ep);
    cs_coap_endpoint_free(w->dev_ep);
    cs_bs_free(w->bs);
    cs_store_close(w->store);
    free(w);
    g_world = NULL;
    return 0;
}

/* The device sends a request to the BS: "bs?ep=dev-1&pct=..." style. */
static void device_request(struct world *w, uint8_t code, const char *path,
                           const char *query, int accept)
{
    cs_coap_msg m;
    cs_coap_init(&m, CS_COAP_TYPE_CON, code, 0);
    assert_int_equal(cs_coap_add_path(&m, CS_COAP_OPT_URI_PATH, path,
                                      strlen(path)), CS_OK);
    if (accept >= 0)
        assert_int_equal(cs_coap_add_accept(&m, (uint16_t)accept), CS_OK);
    assert_int_equal(cs_coap_add_query(&m, CS_COAP_OPT_URI_QUERY, query,
                                       strlen(query)), CS_OK);
    w->got = false;
    w->seen_count = 0;
    assert_int_equal(cs_coap_send_request(w->dev_ep, w->now, &w->bs_addr, NULL,
                                          &m, on_device_response, w), CS_OK);
    flush(w);
    assert_true(w->got);
}

/* Find the /0 server account in decoded records: identity and key. */
static void security_of(const cs_records *rs, uint16_t iid, cs_value *id,
                        cs_value *key, cs_value *uri, cs_value *mode,
                        cs_value *ssid)
{
    int found = 0;
    for (size_t i = 0; i < rs->count; i++) {
        const cs_record *r = &rs->items[i];
        if (r->path.len != 3 || r->path.ids[0] != 0 || r->path.ids[1] != iid)
            continue;
        switch (r->path.ids[2]) {
        case 0: *uri = r->value; found++; break;
        case 2: *mode = r->value; found++; break;
        case 3: *id = r->value; found++; break;
        case 5: *key = r->value; found++; break;
        case 10: *ssid = r->value; found++; break;
        default: break;
        }
    }
    assert_int_equal(found, 5);
}

static bool has_record(const cs_records *rs, const char *path, int64_t i)
{
    cs_path p = test_path(path);
    for (size_t k = 0; k < rs->count; k++)
        if (cs_path_compare(&rs->items[k].path, &p) == 0) {
            cs_value v = rs->items[k].value;
            if (v.type == CS_TYPE_INTEGER || v.type == CS_TYPE_TIME)
                return v.v.i == i;
            if (v.type == CS_TYPE_UNSIGNED)
                return (int64_t)v.v.u == i;
            if (v.type == CS_TYPE_BOOLEAN)
                return v.v.b == (i != 0);
            return true;
        }
    return false;
}

/* Check the decoded /0 (and /1) against the store: returns the identity. */
static void check_credential(struct world *w, const cs_records *rs,
                             const char *ep, char *identity_out)
{
    cs_value id, key, uri, mode, ssid;
    security_of(rs, 1, &id, &key, &uri, &mode, &ssid);
    assert_int_equal(mode.v.i, 0);
    assert_int_equal(ssid.v.i, 1);
    assert_int_equal(uri.v.bytes.len, strlen("coaps://127.0.0.1:5684"));
    assert_memory_equal(uri.v.bytes.data, "coaps://127.0.0.1:5684",
                        uri.v.bytes.len);
    assert_int_equal(id.v.bytes.len, 19);           /* "cs-" + 16 hex */
    assert_memory_equal(id.v.bytes.data, "cs-", 3);
    assert_int_equal(key.v.bytes.len, 16);
    cs_credential c;
    assert_int_equal(cs_store_find_credential(w->store, id.v.bytes.data,
                                              id.v.bytes.len, w->unix_now, &c),
                     CS_OK);
    assert_int_equal(c.key_len, 16);
    assert_memory_equal(c.key, key.v.bytes.data, 16);
    assert_string_equal(c.server, "server-a");
    assert_string_equal(c.endpoint, ep);
    memcpy(identity_out, id.v.bytes.data, id.v.bytes.len);
    identity_out[id.v.bytes.len] = '\0';
}

struct audit_seen {
    char kinds[8][32];
    char details[8][512];
    size_t count;
};

static int collect_audit(void *ctx, const cs_audit_event *ev)
{
    struct audit_seen *a = ctx;
    if (a->count < 8) {
        snprintf(a->kinds[a->count], 32, "%s", ev->kind);
        snprintf(a->details[a->count], 512, "%s", ev->detail);
        a->count++;
    }
    return 0;
}

static void audit_of(struct world *w, const char *ep, struct audit_seen *a)
{
    memset(a, 0, sizeof *a);
    assert_int_equal(cs_store_each_audit(w->store, ep, 8, collect_audit, a),
                     CS_OK);
}

/* ---- Tests ---------------------------------------------------------------- */

static void test_classic_bootstrap(void **state)
{
    struct world *w = *state;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1&pct=11542", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CHANGED);
    /* exactly DELETE /, PUT /0, PUT /1, POST /bs */
    assert_int_equal(w->seen_count, 4);
    assert_int_equal(w->seen[0].code, CS_COAP_CODE_DELETE);
    assert_string_equal(w->seen[0].path, "/");
    assert_int_equal(w->seen[1].code, CS_COAP_CODE_PUT);
    assert_string_equal(w->seen[1].path, "/0");
    assert_int_equal(w->seen[1].format, CS_FORMAT_TLV);
    assert_int_equal(w->seen[2].code, CS_COAP_CODE_PUT);
    assert_string_equal(w->seen[2].path, "/1");
    assert_int_equal(w->seen[3].code, CS_COAP_CODE_POST);
    assert_string_equal(w->seen[3].path, "/bs");

    cs_records rs;
    cs_records_init(&rs);
    cs_path p0 = test_path("/0");
    assert_int_equal(cs_decode(CS_FORMAT_TLV, &p0, w->seen[1].payload,
                               w->seen[1].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    char identity[64];
    check_credential(w, &rs, "dev-1", identity);
    cs_records_free(&rs);

    cs_path p1 = test_path("/1");
    assert_int_equal(cs_decode(CS_FORMAT_TLV, &p1, w->seen[2].payload,
                               w->seen[2].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    assert_true(has_record(&rs, "/1/0/0", 1));
    assert_true(has_record(&rs, "/1/0/1", 300));
    assert_true(has_record(&rs, "/1/0/2", 0));
    assert_true(has_record(&rs, "/1/0/3", 60));
    assert_true(has_record(&rs, "/1/0/6", 1));
    assert_true(has_record(&rs, "/1/0/7", 0));
    cs_records_free(&rs);

    struct audit_seen a;
    audit_of(w, "dev-1", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "bootstrap");
    assert_non_null(strstr(a.details[0], identity));
    assert_non_null(strstr(a.details[0], "server=server-a"));
    assert_non_null(strstr(a.details[0], "config=dev-1"));
    cs_bs_stats st;
    cs_bs_get_stats(w->bs, &st);
    assert_int_equal(st.finished, 1);
    assert_int_equal(st.sessions, 0);
}

static void test_rebootstrap_rotates(void **state)
{
    struct world *w = *state;
    char first[64], second[64];
    cs_path p0 = test_path("/0");
    cs_records rs;
    cs_records_init(&rs);

    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1", -1);   /* no pct */
    assert_int_equal(w->seen_count, 4);
    assert_int_equal(w->seen[1].format, CS_FORMAT_TLV);
    assert_int_equal(cs_decode(CS_FORMAT_TLV, &p0, w->seen[1].payload,
                               w->seen[1].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    check_credential(w, &rs, "dev-1", first);
    cs_records_free(&rs);

    w->unix_now += 60;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1&pct=112", -1);
    assert_int_equal(w->seen_count, 4);
    assert_int_equal(w->seen[1].format, CS_FORMAT_SENML_CBOR);
    assert_int_equal(cs_decode(CS_FORMAT_SENML_CBOR, &p0, w->seen[1].payload,
                               w->seen[1].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    check_credential(w, &rs, "dev-1", second);
    cs_records_free(&rs);
    assert_string_not_equal(first, second);

    cs_credential c;
    assert_int_equal(cs_store_find_credential(w->store, (const uint8_t *)first,
                                              strlen(first), w->unix_now, &c),
                     CS_E_NOT_FOUND);
}

static void test_unknown_endpoint_refused(void **state)
{
    struct world *w = *state;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=stranger&pct=11542", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(w->seen_count, 0);
    struct audit_seen a;
    audit_of(w, "stranger", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "refused");

    /* without ep at all */
    device_request(w, CS_COAP_CODE_POST, "bs", "pct=11542", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_BAD_REQUEST);
}

static void test_nosec_not_allowed_refused(void **state)
{
    struct world *w = *state;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-closed", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_BAD_REQUEST);
    assert_int_equal(w->seen_count, 0);
    struct audit_seen a;
    audit_of(w, "dev-closed", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "refused");
    assert_non_null(strstr(a.details[0], "NoSec"));
}

static void test_bad_pct(void **state)
{
    struct world *w = *state;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1&pct=50", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT);
    assert_int_equal(w->seen_count, 0);
}

static void test_default_config(void **state)
{
    struct world *w = *state;
    assert_int_equal(cs_store_put_bootstrap_config(w->store, "*",
        "{\"allow_nosec_bootstrap\": true, \"delete\": [\"/0\", \"/1\"],"
        " \"servers\": [{\"name\": \"server-b\", \"uri\": \"coap://127.0.0.1:5683\","
        " \"ssid\": 7}]}"), CS_OK);
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=anyone&pct=110", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CHANGED);
    assert_int_equal(w->seen_count, 5);
    assert_string_equal(w->seen[0].path, "/0");
    assert_string_equal(w->seen[1].path, "/1");
    assert_int_equal(w->seen[2].format, CS_FORMAT_SENML_JSON);
    cs_records rs;
    cs_records_init(&rs);
    cs_path p0 = test_path("/0");
    assert_int_equal(cs_decode(CS_FORMAT_SENML_JSON, &p0, w->seen[2].payload,
                               w->seen[2].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    cs_value id, key, uri, mode, ssid;
    security_of(&rs, 1, &id, &key, &uri, &mode, &ssid);
    assert_int_equal(mode.v.i, 3);
    assert_int_equal(ssid.v.i, 7);
    assert_int_equal(key.v.bytes.len, 0);
    cs_records_free(&rs);
    struct audit_seen a;
    audit_of(w, "anyone", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "bootstrap");
    assert_non_null(strstr(a.details[0], "config=*"));
}

static void test_pack(void **state)
{
    struct world *w = *state;
    device_request(w, CS_COAP_CODE_GET, "bspack", "ep=dev-1",
                   CS_FORMAT_SENML_CBOR);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CONTENT);
    assert_int_equal(w->rsp_format, CS_FORMAT_SENML_CBOR);
    assert_int_equal(w->seen_count, 0);          /* no Finish after a pack */
    cs_records rs;
    cs_records_init(&rs);
    cs_path root = cs_path_root();
    assert_int_equal(cs_decode(CS_FORMAT_SENML_CBOR, &root, w->rsp_payload,
                               w->rsp_len, cs_registry_standard(), &rs), CS_OK);
    char identity[64];
    check_credential(w, &rs, "dev-1", identity);
    assert_true(has_record(&rs, "/1/0/0", 1));
    assert_true(has_record(&rs, "/1/0/1", 300));
    cs_records_free(&rs);

    /* a second pack rotates */
    device_request(w, CS_COAP_CODE_GET, "bspack", "ep=dev-1",
                   CS_FORMAT_LWM2M_CBOR);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CONTENT);
    assert_int_equal(w->rsp_format, CS_FORMAT_LWM2M_CBOR);
    cs_credential c;
    assert_int_equal(cs_store_find_credential(w->store,
                                              (const uint8_t *)identity,
                                              strlen(identity), w->unix_now,
                                              &c), CS_E_NOT_FOUND);
    struct audit_seen a;
    audit_of(w, "dev-1", &a);
    assert_int_equal(a.count, 2);
    assert_string_equal(a.kinds[0], "bootstrap");
}

static void test_pack_bad_accept(void **state)
{
    struct world *w = *state;
    device_request(w, CS_COAP_CODE_GET, "bspack", "ep=dev-1", CS_FORMAT_TLV);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_NOT_ACCEPTABLE);
    assert_int_equal(w->rsp_len, 0);
    device_request(w, CS_COAP_CODE_GET, "bspack", "ep=nobody",
                   CS_FORMAT_SENML_CBOR);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_BAD_REQUEST);
}

static void test_finish_not_acceptable(void **state)
{
    struct world *w = *state;
    w->finish_code = CS_COAP_CODE_NOT_ACCEPTABLE;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1&pct=11542", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CHANGED);
    assert_int_equal(w->seen_count, 4);              /* no retry loop */
    run_for(w, 300000);
    assert_int_equal(w->seen_count, 4);
    struct audit_seen a;
    audit_of(w, "dev-1", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "bootstrap-failed");
    assert_non_null(strstr(a.details[0], "4.06"));
    /* the credential sent is revoked again */
    cs_records rs;
    cs_records_init(&rs);
    cs_path p0 = test_path("/0");
    assert_int_equal(cs_decode(CS_FORMAT_TLV, &p0, w->seen[1].payload,
                               w->seen[1].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    cs_value id, key, uri, mode, ssid;
    security_of(&rs, 1, &id, &key, &uri, &mode, &ssid);
    cs_credential c;
    assert_int_equal(cs_store_find_credential(w->store, id.v.bytes.data,
                                              id.v.bytes.len, w->unix_now, &c),
                     CS_E_NOT_FOUND);
    cs_records_free(&rs);
    cs_bs_stats st;
    cs_bs_get_stats(w->bs, &st);
    assert_int_equal(st.failed, 1);
}

static void test_device_silent_times_out(void **state)
{
    struct world *w = *state;
    w->silent = true;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CHANGED);
    assert_int_equal(w->seen_count, 0);
    cs_bs_stats st;
    cs_bs_get_stats(w->bs, &st);
    assert_int_equal(st.sessions, 1);
    run_for(w, 400000);               /* past MAX_TRANSMIT_WAIT */
    cs_bs_get_stats(w->bs, &st);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.sessions, 0);
    struct audit_seen a;
    audit_of(w, "dev-1", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "bootstrap-failed");
    assert_non_null(strstr(a.details[0], "Bootstrap-Delete"));
}

/* "write": further objects, one Write per object after /1, and in packs. */
static void test_further_objects(void **state)
{
    struct world *w = *state;
    assert_int_equal(cs_store_put_bootstrap_config(w->store, "dev-apn",
        "{\"allow_nosec_bootstrap\": true,"
        " \"servers\": [{\"name\": \"server-a\", \"uri\": \"coaps://127.0.0.1:5684\","
        "   \"ssid\": 1}],"
        " \"write\": {\"/11/0/1\": \"iot.example\", \"/11/0/0\": \"iot\","
        "   \"/11/0/4\": 0, \"/10/0/4\": 3600, \"/10/0/9\": \"0a\"}}"), CS_OK);
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-apn&pct=110", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CHANGED);
    assert_int_equal(w->seen_count, 6);
    assert_string_equal(w->seen[3].path, "/10");
    assert_string_equal(w->seen[4].path, "/11");
    assert_int_equal(w->seen[4].code, CS_COAP_CODE_PUT);
    assert_string_equal(w->seen[5].path, "/bs");
    cs_records rs;
    cs_records_init(&rs);
    cs_path p11 = test_path("/11");
    assert_int_equal(cs_decode(CS_FORMAT_SENML_JSON, &p11, w->seen[4].payload,
                               w->seen[4].payload_len, cs_registry_standard(),
                               &rs), CS_OK);
    assert_int_equal(rs.count, 3);
    cs_records_sort(&rs);
    assert_int_equal(rs.items[1].value.type, CS_TYPE_STRING);
    assert_memory_equal(rs.items[1].value.v.bytes.data, "iot.example", 11);
    assert_true(has_record(&rs, "/11/0/4", 0));
    cs_records_free(&rs);

    device_request(w, CS_COAP_CODE_GET, "bspack", "ep=dev-apn",
                   CS_FORMAT_SENML_CBOR);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_CONTENT);
    cs_path root = cs_path_root();
    assert_int_equal(cs_decode(CS_FORMAT_SENML_CBOR, &root, w->rsp_payload,
                               w->rsp_len, cs_registry_standard(), &rs), CS_OK);
    assert_true(has_record(&rs, "/10/0/4", 3600));
    assert_true(has_record(&rs, "/11/0/4", 0));
    assert_true(has_record(&rs, "/1/0/0", 1));
    cs_records_free(&rs);
}

/* A device that asks again while its sequence is stuck gets a new one;
 * the old one ends without an audit event of its own. */
static void test_request_again_abandons(void **state)
{
    struct world *w = *state;
    w->silent = true;
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1", -1);
    run_for(w, 5000);
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1", -1);
    cs_bs_stats st;
    cs_bs_get_stats(w->bs, &st);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.sessions, 1);
    w->silent = false;
    run_for(w, 400000);
    cs_bs_get_stats(w->bs, &st);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.finished, 1);
    assert_int_equal(st.failed, 0);
    struct audit_seen a;
    audit_of(w, "dev-1", &a);
    assert_int_equal(a.count, 1);
    assert_string_equal(a.kinds[0], "bootstrap");
}

static void test_config_strict(void **state)
{
    (void)state;
    char err[256];
    static const char *bad[] = {
        "{",
        "[]",
        "{\"servers\": []}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\"}]}",     /* no ssid */
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"http://h\", \"ssid\": 1}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 0}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1,"
        " \"psk\": {\"identity\": \"x\", \"key\": \"zz\"}}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1,"
        " \"psk_key_length\": 8}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coap://h:1\", \"ssid\": 1,"
        " \"security\": \"psk\"}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1,"
        " \"lifetim\": 5}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"delete\": [\"/3\"]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"allow_nosec_bootstrap\": 1}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1},"
        " {\"name\": \"b\", \"uri\": \"coaps://h:2\", \"ssid\": 1}]}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"servers\": []}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"write\": {\"/1/0/1\": 5}}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"write\": {\"/11/0/1\": 5}}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"write\": {\"/11/0\": \"x\"}}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"write\": {\"/10/0/1\": 70000}}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"write\": {\"/11/0/1\": \"a\", \"/11/0/1/\": \"b\"}}",
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}],"
        " \"write\": {\"/4242/0/1\": 1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (cs_bs_check_config(bad[i], err, sizeof err) != CS_E_SYNTAX)
            fail_msg("accepted: %s", bad[i]);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(cs_bs_check_config(
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1,"
        " \"psk\": {\"identity\": \"x\", \"key\": \"00112233445566778899aabbccddeeff\"}}],"
        " \"bootstrap_psk\": {\"identity\": \"bs-x\", \"key\": \"0011\"}}",
        err, sizeof err), CS_OK);
    /* the message names the member and never the key */
    assert_int_equal(cs_bs_check_config(
        "{\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1,"
        " \"psk\": {\"identity\": \"x\", \"key\": \"abcdef0123q\"}}]}",
        err, sizeof err), CS_E_SYNTAX);
    assert_non_null(strstr(err, "servers[0].psk.key"));
    assert_null(strstr(err, "abcdef0123"));
}

static void test_load_file_checks_all_first(void **state)
{
    struct world *w = *state;
    char err[256];
    /* the second entry is bad: nothing of the file is stored */
    assert_int_equal(cs_bs_load_text(w->bs,
        "{\"endpoints\": {\"new-1\": {\"servers\": [{\"name\": \"a\","
        " \"uri\": \"coaps://h:1\", \"ssid\": 1}]}, \"new-2\": {}}}",
        err, sizeof err), CS_E_SYNTAX);
    assert_non_null(strstr(err, "new-2"));
    char *json = NULL;
    assert_int_equal(cs_store_get_bootstrap_config(w->store, "new-1", &json),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_bs_load_text(w->bs, "{\"endpoint\": {}}", err,
                                     sizeof err), CS_E_SYNTAX);
    /* the same bootstrap identity for two endpoints */
    assert_int_equal(cs_bs_load_text(w->bs,
        "{\"endpoints\": {"
        "\"e1\": {\"bootstrap_psk\": {\"identity\": \"same\", \"key\": \"01\"},"
        "  \"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}]},"
        "\"e2\": {\"bootstrap_psk\": {\"identity\": \"same\", \"key\": \"02\"},"
        "  \"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}]}}}",
        err, sizeof err), CS_E_SYNTAX);
}

static void test_psk_lookup(void **state)
{
    struct world *w = *state;
    char err[256];
    assert_int_equal(cs_bs_load_text(w->bs,
        "{\"endpoints\": {\"dev-9\": {"
        " \"bootstrap_psk\": {\"identity\": \"bs-dev-9\", \"key\": \"a1b2c3\"},"
        " \"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}]}}}",
        err, sizeof err), CS_OK);
    uint8_t key[64];
    size_t len = 0;
    assert_int_equal(cs_bs_psk_lookup(w->bs, &w->dev_addr,
                                      (const uint8_t *)"bs-dev-9", 8, key,
                                      sizeof key, &len), CS_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(key, "\xa1\xb2\xc3", 3);
    assert_int_equal(cs_bs_psk_lookup(w->bs, &w->dev_addr,
                                      (const uint8_t *)"bs-dev-8", 8, key,
                                      sizeof key, &len), CS_E_NOT_FOUND);
    /* a configuration put into the store directly, identity = endpoint */
    assert_int_equal(cs_store_put_bootstrap_config(w->store, "dev-7",
        "{\"bootstrap_psk\": {\"identity\": \"dev-7\", \"key\": \"0707\"},"
        " \"servers\": [{\"name\": \"a\", \"uri\": \"coaps://h:1\", \"ssid\": 1}]}"),
        CS_OK);
    assert_int_equal(cs_bs_psk_lookup(w->bs, &w->dev_addr,
                                      (const uint8_t *)"dev-7", 5, key,
                                      sizeof key, &len), CS_OK);
    assert_int_equal(len, 2);
    /* a plain request for an endpoint with only a PSK account is refused */
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-9", -1);
    assert_int_equal(w->rsp_code, CS_COAP_CODE_BAD_REQUEST);
}

/* Run a bootstrap and a pack with stderr captured at debug level: the
 * generated key appears nowhere, the identity does. */
static void test_key_not_logged(void **state)
{
    struct world *w = *state;
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    enum cs_log_level old = cs_log_get_level();
    cs_log_set_level(CS_LOG_DEBUG);
    device_request(w, CS_COAP_CODE_POST, "bs", "ep=dev-1&pct=11542", -1);
    struct seen write0 = w->seen[1];
    device_request(w, CS_COAP_CODE_GET, "bspack", "ep=dev-1",
                   CS_FORMAT_SENML_JSON);
    cs_log_set_level(old);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);

    static char log[65536];
    rewind(tmp);
    size_t n = fread(log, 1, sizeof log - 1, tmp);
    fclose(tmp);
    log[n] = '\0';

    cs_records rs;
    cs_records_init(&rs);
    cs_path p0 = test_path("/0"), root = cs_path_root();
    assert_int_equal(cs_decode(CS_FORMAT_TLV, &p0, write0.payload,
                               write0.payload_len, cs_registry_standard(), &rs),
                     CS_OK);
    assert_int_equal(cs_decode(CS_FORMAT_SENML_JSON, &root, w->rsp_payload,
                               w->rsp_len, cs_registry_standard(), &rs), CS_OK);
    size_t keys = 0;
    for (size_t i = 0; i < rs.count; i++) {
        const cs_record *r = &rs.items[i];
        if (r->path.len != 3 || r->path.ids[0] != 0)
            continue;
        const cs_value *v = &r->value;
        if (r->path.ids[2] == 3) {      /* identities are logged */
            assert_non_null(memmem(log, n, v->v.bytes.data, v->v.bytes.len));
        } else if (r->path.ids[2] == 5) {
            char hex[129];
            for (size_t k = 0; k < v->v.bytes.len; k++)
                snprintf(hex + 2 * k, 3, "%02x", v->v.bytes.data[k]);
            assert_null(memmem(log, n, v->v.bytes.data, v->v.bytes.len));
            assert_null(strstr(log, hex));
            keys++;
        }
    }
    assert_int_equal(keys, 2);
    cs_records_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_classic_bootstrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebootstrap_rotates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_endpoint_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nosec_not_allowed_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_pct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_bad_accept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_not_acceptable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_silent_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_further_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_again_abandons, setup, teardown),
        cmocka_unit_test(test_config_strict),
        cmocka_unit_test_setup_teardown(test_load_file_checks_all_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_psk_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_not_logged, setup, teardown),
    };
    cs_log_set_level(CS_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
