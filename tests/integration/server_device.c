/*
 * server_device.c - test helper: a minimal LwM2M device over real sockets
 * for the server's integration tests.  It registers (plain or DTLS-PSK),
 * answers Read of /3/0 (SenML JSON), Write of /1/0/1, Execute of /3/0/4,
 * Observe of /3/0/13 (a notification every 200 ms), and prints what it was
 * asked on stdout.  Not a client engine: just enough to drive the server.
 * usage: server_device HOST:PORT ENDPOINT [IDENTITY HEXKEY]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/codec.h"
#include "cellstrap/log.h"
#include "cellstrap/transport.h"

struct device {
    cs_transport *t;
    cs_loop *loop;
    cs_addr server;
    bool observing;
    cs_coap_reply_to observer;
    uint32_t seq;
    uint64_t next_notify;
    int64_t lifetime;
    uint8_t body[1024];
};

static cs_loop *g_loop;

static void on_signal(int sig)
{
    (void)sig;
    cs_loop_stop(g_loop);
}

/* /3/0 or /3/0/13 as SenML JSON into d->body; the length. */
static size_t encode(struct device *d, const cs_path *target)
{
    cs_records rs;
    cs_records_init(&rs);
    cs_path p0 = cs_path_resource(3, 0, 0), p13 = cs_path_resource(3, 0, 13);
    cs_value v0 = cs_value_string("cellstrap", 9);
    cs_value v13 = cs_value_time(1700000000 + d->seq);
    if (target->len == 2)
        cs_records_add(&rs, &p0, &v0);
    cs_records_add(&rs, &p13, &v13);
    cs_buf out;
    cs_buf_init(&out, sizeof d->body);
    size_t n = 0;
    if (cs_encode(CS_FORMAT_SENML_JSON, target, &rs, NULL, &out) == CS_OK) {
        memcpy(d->body, out.data, out.len);
        n = out.len;
    }
    cs_buf_free(&out);
    cs_records_free(&rs);
    return n;
}

static void serve(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                  cs_coap_msg *resp)
{
    (void)ep;
    struct device *d = app;
    const cs_coap_msg *req = in->request;
    const char *segs[4];
    size_t lens[4], n = 0;
    cs_path path;
    resp->code = CS_COAP_CODE_NOT_FOUND;
    if (cs_coap_get_strings(req, CS_COAP_OPT_URI_PATH, segs, lens, 4, &n) != CS_OK ||
        cs_path_from_segments(segs, lens, n, &path) != CS_OK)
        return;
    char text[CS_PATH_TEXT_MAX];
    cs_path_format(&path, text, sizeof text);
    uint32_t obs = 2;
    cs_coap_get_uint(req, CS_COAP_OPT_OBSERVE, &obs);
    if (req->code == CS_COAP_CODE_GET &&
        (cs_path_compare(&path, &(cs_path){ { 3, 0 }, 2 }) == 0 ||
         cs_path_compare(&path, &(cs_path){ { 3, 0, 13 }, 3 }) == 0)) {
        if (obs == 0 && path.len == 3) {
            memset(&d->observer, 0, sizeof d->observer);
            d->observer.addr = *in->from;
            d->observer.token_len = req->token_len;
            memcpy(d->observer.token, req->token, req->token_len);
            d->observing = true;
            d->next_notify = cs_clock_ms() + 200;
            cs_coap_add_uint(resp, CS_COAP_OPT_OBSERVE, d->seq);
        } else if (obs == 1) {
            d->observing = false;
        }
        resp->code = CS_COAP_CODE_CONTENT;
        cs_coap_add_content_format(resp, CS_FORMAT_SENML_JSON);
        cs_coap_set_payload(resp, d->body, encode(d, &path));
        printf("read %s%s\n", text, obs == 0 ? " observe" : obs == 1 ? " cancel" : "");
    } else if (req->code == CS_COAP_CODE_PUT &&
               cs_path_compare(&path, &(cs_path){ { 1, 0, 1 }, 3 }) == 0) {
        uint16_t cf = 0;
        cs_records rs;
        cs_records_init(&rs);
        cs_coap_get_content_format(req, &cf);
        if (cs_decode(cf, &path, req->payload, req->payload_len,
                      cs_registry_standard(), &rs) == CS_OK && rs.count == 1) {
            d->lifetime = rs.items[0].value.v.i;
            resp->code = CS_COAP_CODE_CHANGED;
            printf("write %s %lld\n", text, (long long)d->lifetime);
        } else {
            resp->code = CS_COAP_CODE_BAD_REQUEST;
        }
        cs_records_free(&rs);
    } else if (req->code == CS_COAP_CODE_POST &&
               cs_path_compare(&path, &(cs_path){ { 3, 0, 4 }, 3 }) == 0) {
        resp->code = CS_COAP_CODE_CHANGED;
        printf("execute %s %.*s\n", text, (int)req->payload_len,
               (const char *)req->payload);
    }
    fflush(stdout);
}

static void on_registered(void *user, cs_coap_endpoint *ep, cs_err status,
                          const cs_coap_msg *resp, bool final)
{
    (void)ep;
    (void)final;
    const char *segs[4];
    size_t lens[4], n = 0;
    (void)user;
    if (status != CS_OK) {
        printf("register failed: %s\n", cs_strerror(status));
    } else {
        char code[CS_COAP_CODE_TEXT_MAX];
        cs_coap_code_text(resp->code, code);
        cs_coap_get_strings(resp, CS_COAP_OPT_LOCATION_PATH, segs, lens, 4, &n);
        printf("register %s %.*s/%.*s\n", code, n > 0 ? (int)lens[0] : 0,
               n > 0 ? segs[0] : "", n > 1 ? (int)lens[1] : 0, n > 1 ? segs[1] : "");
    }
    fflush(stdout);
}

static uint64_t on_timer(void *ctx, uint64_t now)
{
    struct device *d = ctx;
    if (!d->observing)
        return UINT64_MAX;
    if (now >= d->next_notify) {
        d->seq++;
        cs_path p = cs_path_resource(3, 0, 13);
        cs_coap_msg msg;
        cs_coap_init(&msg, CS_COAP_TYPE_NON, CS_COAP_CODE_CONTENT, 0);
        cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, d->seq);
        cs_coap_add_content_format(&msg, CS_FORMAT_SENML_JSON);
        cs_coap_set_payload(&msg, d->body, encode(d, &p));
        cs_coap_send_response(cs_transport_coap(d->t), now, &d->observer, &msg,
                              NULL, NULL);
        d->next_notify = now + 200;
    }
    return d->next_notify;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: server_device HOST:PORT ENDPOINT [IDENTITY HEXKEY]\n");
        return 2;
    }
    static struct device d;
    static uint8_t key[32];
    size_t key_len = 0;
    cs_transport_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.local = cs_addr_ipv4(127, 0, 0, 1, 0);
    cs_coap_params_default(&cfg.coap.params);
    cfg.coap.on_request = serve;
    cfg.coap.app = &d;
    cs_dtls_config_init(&cfg.dtls);
    if (cs_addr_parse(argv[1], 5683, &d.server) != CS_OK)
        return 2;
    if (argc == 5) {
        size_t hex = strlen(argv[4]);
        if (hex % 2 || hex / 2 > sizeof key)
            return 2;
        for (size_t i = 0; i < hex / 2; i++) {
            unsigned b;
            if (sscanf(argv[4] + 2 * i, "%2x", &b) != 1)
                return 2;
            key[i] = (uint8_t)b;
        }
        key_len = hex / 2;
        cfg.security = CS_TRANSPORT_DTLS_CLIENT;
        cfg.server = d.server;
        cfg.identity = (const uint8_t *)argv[3];
        cfg.identity_len = strlen(argv[3]);
        cfg.key = key;
        cfg.key_len = key_len;
    }
    if (cs_transport_open(&cfg, &d.t) != CS_OK)
        return 1;
    d.loop = g_loop = cs_loop_new();
    if (d.loop == NULL || cs_transport_attach(d.t, d.loop) != CS_OK ||
        cs_loop_add_timer(d.loop, on_timer, &d) != CS_OK)
        return 1;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    char query[300];
    snprintf(query, sizeof query, "ep=%s&lt=60&lwm2m=1.1&b=U", argv[2]);
    static const char links[] = "</>;ct=\"110 11542\",</1/0>,</3/0>";
    cs_coap_msg req;
    cs_coap_init(&req, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0);
    cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, "/rd", 3);
    cs_coap_add_query(&req, CS_COAP_OPT_URI_QUERY, query, strlen(query));
    cs_coap_add_content_format(&req, CS_FORMAT_LINK);
    cs_coap_set_payload(&req, links, sizeof links - 1);
    if (cs_coap_send_request(cs_transport_coap(d.t), cs_clock_ms(), &d.server,
                             NULL, &req, on_registered, &d) != CS_OK)
        return 1;
    cs_loop_run(d.loop, UINT64_MAX);
    cs_transport_close(d.t);
    cs_loop_free(d.loop);
    return 0;
}
