/*
 * coap_peer.c - a small CoAP server and client on cellstrap's own engine
 * (cs_transport: the CoAP endpoint over UDP, or over DTLS-PSK with
 * --psk IDENTITY:KEY), for interoperability tests against an independent
 * CoAP implementation (libcoap's command-line tools).
 *
 *   coap_peer server PORT
 *       GET /t -> "hello"; PUT /store then GET /store; GET /obs with
 *       Observe -> a notification every 200 ms ("n=1", "n=2" ...), CON
 *       every other one; anything else 4.04.  Prints "ready" when bound;
 *       runs until SIGTERM/SIGINT.
 *   (every form takes --psk IDENTITY:KEY for DTLS-PSK, the key as text)
 *   coap_peer get HOST:PORT PATH [--observe N]
 *       CON GET; prints the payload (and the next N-1 notifications, one
 *       per line); exit 0 on a 2.xx response.
 *   coap_peer put HOST:PORT PATH VALUE
 *       CON PUT with a text/plain payload (VALUE, or @FILE for a file's
 *       content: block-wise when larger than a block); exit 0 on 2.xx.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/coap_endpoint.h"
#include "cellstrap/io.h"
#include "cellstrap/transport.h"

struct peer_ctx {
    cs_transport *transport;
    cs_coap_endpoint *ep;
    const char *psk_identity;   /* --psk: identity and key */
    const char *psk_key;
    cs_loop *loop;
    /* server */
    char store[65536];
    size_t store_len;
    bool observing;
    cs_coap_reply_to observer;
    uint32_t seq;
    uint64_t next_notify;
    /* client */
    int want;
    int got;
    int status;
};

static cs_loop *signal_loop;

static void on_signal(int sig)
{
    (void)sig;
    if (signal_loop != NULL)
        cs_loop_stop(signal_loop);
}

static void notify(struct peer_ctx *p, uint64_t now)
{
    char text[32];
    int n = snprintf(text, sizeof text, "n=%u", (unsigned)p->seq);
    cs_coap_msg msg;
    cs_coap_init(&msg, p->seq % 2 ? CS_COAP_TYPE_CON : CS_COAP_TYPE_NON,
                 CS_COAP_CODE_CONTENT, 0);
    cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, p->seq);
    cs_coap_add_content_format(&msg, 0);
    cs_coap_set_payload(&msg, text, (size_t)n);
    if (cs_coap_send_response(p->ep, now, &p->observer, &msg, NULL, NULL) != CS_OK)
        p->observing = false;
    p->seq++;
}

static uint64_t on_timer(void *ctx, uint64_t now)
{
    struct peer_ctx *p = ctx;
    if (p->observing && now >= p->next_notify) {
        notify(p, now);
        p->next_notify = now + 200;
    }
    return p->observing ? p->next_notify : UINT64_MAX;
}

/* DTLS server: the one identity given with --psk. */
static cs_err psk_lookup(void *ctx, const cs_addr *from, const uint8_t *identity,
                         size_t identity_len, uint8_t *key, size_t key_cap,
                         size_t *key_len)
{
    (void)from;
    struct peer_ctx *p = ctx;
    size_t n = strlen(p->psk_key);
    if (identity_len != strlen(p->psk_identity) ||
        memcmp(identity, p->psk_identity, identity_len) != 0 || n > key_cap)
        return CS_E_NOT_FOUND;
    memcpy(key, p->psk_key, n);
    *key_len = n;
    return CS_OK;
}

static bool path_is(const cs_coap_msg *req, const char *name)
{
    const char *segs[4];
    size_t lens[4], n = 0;
    if (cs_coap_get_strings(req, CS_COAP_OPT_URI_PATH, segs, lens, 4, &n) != CS_OK)
        return false;
    return n == 1 && lens[0] == strlen(name) && memcmp(segs[0], name, lens[0]) == 0;
}

static void serve(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                  cs_coap_msg *resp)
{
    (void)ep;
    struct peer_ctx *p = app;
    const cs_coap_msg *req = in->request;
    resp->code = CS_COAP_CODE_NOT_FOUND;
    if (path_is(req, "t") && req->code == CS_COAP_CODE_GET) {
        resp->code = CS_COAP_CODE_CONTENT;
        cs_coap_add_content_format(resp, 0);
        cs_coap_set_payload(resp, "hello", 5);
    } else if (path_is(req, "store") && req->code == CS_COAP_CODE_PUT) {
        p->store_len = req->payload_len < sizeof p->store ? req->payload_len
                                                          : sizeof p->store;
        memcpy(p->store, req->payload, p->store_len);
        resp->code = CS_COAP_CODE_CHANGED;
    } else if (path_is(req, "store") && req->code == CS_COAP_CODE_GET) {
        resp->code = CS_COAP_CODE_CONTENT;
        cs_coap_set_payload(resp, p->store, p->store_len);
    } else if (path_is(req, "obs") && req->code == CS_COAP_CODE_GET) {
        uint32_t obs;
        resp->code = CS_COAP_CODE_CONTENT;
        cs_coap_add_content_format(resp, 0);
        if (cs_coap_get_uint(req, CS_COAP_OPT_OBSERVE, &obs) == CS_OK && obs == 0) {
            memset(&p->observer, 0, sizeof p->observer);
            p->observer.addr = *in->from;
            p->observer.token_len = req->token_len;
            memcpy(p->observer.token, req->token, req->token_len);
            p->observing = true;
            p->seq = 1;
            p->next_notify = cs_clock_ms() + 200;
            cs_coap_add_uint(resp, CS_COAP_OPT_OBSERVE, 0);
        } else if (cs_coap_get_uint(req, CS_COAP_OPT_OBSERVE, &obs) == CS_OK && obs == 1) {
            p->observing = false;
        }
        cs_coap_set_payload(resp, "n=0", 3);
    }
}

static void on_response(void *user, cs_coap_endpoint *ep, cs_err status,
                        const cs_coap_msg *resp, bool final)
{
    (void)ep;
    struct peer_ctx *p = user;
    if (status != CS_OK) {
        fprintf(stderr, "coap_peer: %s\n", cs_strerror(status));
        p->status = 1;
        cs_loop_stop(p->loop);
        return;
    }
    char code[CS_COAP_CODE_TEXT_MAX];
    cs_coap_code_text(resp->code, code);
    fprintf(stderr, "coap_peer: %s\n", code);
    fwrite(resp->payload, 1, resp->payload_len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    p->status = cs_coap_code_class(resp->code) == 2 ? 0 : 1;
    if (++p->got >= p->want || final)
        cs_loop_stop(p->loop);
}

static int run_client(struct peer_ctx *p, const char *server, const char *path,
                      uint8_t method, const char *value, int observe)
{
    cs_addr to;
    if (cs_addr_parse(server, 5683, &to) != CS_OK) {
        fprintf(stderr, "coap_peer: bad address %s\n", server);
        return 2;
    }
    cs_coap_msg req;
    cs_coap_init(&req, CS_COAP_TYPE_CON, method, 0);
    cs_coap_add_path(&req, CS_COAP_OPT_URI_PATH, path, strlen(path));
    if (observe > 0)
        cs_coap_add_uint(&req, CS_COAP_OPT_OBSERVE, 0);
    if (value != NULL) {
        cs_coap_add_content_format(&req, 0);
        cs_coap_set_payload(&req, value, strlen(value));
    }
    p->want = observe > 0 ? observe : 1;
    p->status = 1;
    if (cs_coap_send_request(p->ep, cs_clock_ms(), &to, NULL, &req, on_response, p) != CS_OK)
        return 1;
    cs_loop_run(p->loop, cs_clock_ms() + 30000);
    return p->got >= p->want ? p->status : 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: coap_peer server PORT | get HOST:PORT PATH [--observe N]"
                        " | put HOST:PORT PATH VALUE\n");
        return 2;
    }
    bool server = strcmp(argv[1], "server") == 0;
    struct peer_ctx p;
    memset(&p, 0, sizeof p);
    static char psk[256];
    for (int i = 2; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--psk") == 0 && strlen(argv[i + 1]) < sizeof psk) {
            strcpy(psk, argv[i + 1]);
            char *colon = strchr(psk, ':');
            if (colon == NULL)
                return 2;
            *colon = '\0';
            p.psk_identity = psk;
            p.psk_key = colon + 1;
        }
    }
    cs_transport_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.local = cs_addr_ipv4(127, 0, 0, 1, server ? (uint16_t)atoi(argv[2]) : 0);
    cs_coap_params_default(&cfg.coap.params);
    cs_dtls_config_init(&cfg.dtls);
    if (server) {
        cfg.coap.on_request = serve;
        cfg.coap.app = &p;
    }
    cs_addr server_addr;
    if (!server && (argc < 3 || cs_addr_parse(argv[2], 5683, &server_addr) != CS_OK)) {
        fprintf(stderr, "coap_peer: bad address\n");
        return 2;
    }
    if (p.psk_identity != NULL) {
        cfg.security = server ? CS_TRANSPORT_DTLS_SERVER : CS_TRANSPORT_DTLS_CLIENT;
        cfg.dtls.psk_lookup = psk_lookup;
        cfg.dtls.psk_ctx = &p;
        /* libcoap's OpenSSL back end offers the CBC suite first. */
        static const uint16_t suites[] = { CS_DTLS_PSK_AES_128_CCM_8,
                                           CS_DTLS_PSK_AES_128_CCM,
                                           CS_DTLS_PSK_AES_128_CBC_SHA256 };
        cfg.dtls.ciphersuites = suites;
        cfg.dtls.ciphersuite_count = 3;
        if (!server) {
            cfg.server = server_addr;
            cfg.identity = (const uint8_t *)p.psk_identity;
            cfg.identity_len = strlen(p.psk_identity);
            cfg.key = (const uint8_t *)p.psk_key;
            cfg.key_len = strlen(p.psk_key);
        }
    }
    if (cs_transport_open(&cfg, &p.transport) != CS_OK) {
        perror("coap_peer: transport");
        return 1;
    }
    p.ep = cs_transport_coap(p.transport);
    p.loop = cs_loop_new();
    if (p.loop == NULL)
        return 1;
    cs_transport_attach(p.transport, p.loop);
    cs_loop_add_timer(p.loop, on_timer, &p);
    signal_loop = p.loop;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    int rc;
    if (server) {
        printf("ready\n");
        fflush(stdout);
        cs_loop_run(p.loop, UINT64_MAX);
        rc = 0;
    } else if (strcmp(argv[1], "get") == 0 && argc >= 4) {
        int observe = 0;
        for (int i = 4; i + 1 < argc; i++)
            if (strcmp(argv[i], "--observe") == 0)
                observe = atoi(argv[i + 1]);
        rc = run_client(&p, argv[2], argv[3], CS_COAP_CODE_GET, NULL, observe);
    } else if (strcmp(argv[1], "put") == 0 && argc >= 5 && argv[4][0] != '-') {
        const char *value = argv[4];
        static char file_body[65536];
        if (value[0] == '@') {
            FILE *f = fopen(value + 1, "rb");
            size_t n = f ? fread(file_body, 1, sizeof file_body - 1, f) : 0;
            if (f)
                fclose(f);
            file_body[n] = '\0';
            value = file_body;
        }
        rc = run_client(&p, argv[2], argv[3], CS_COAP_CODE_PUT, value, 0);
    } else {
        fprintf(stderr, "coap_peer: bad arguments\n");
        rc = 2;
    }
    cs_transport_close(p.transport);
    cs_loop_free(p.loop);
    return rc;
}
