/*
 * cellstrap-bs.c - the bootstrap server program: argument parsing and
 * wiring only.  A plain CoAP listener and/or a CoAP-over-DTLS-PSK listener
 * feed the bootstrap engine (cellstrap/bs.h); bootstrap PSKs come from the
 * configuration; configurations, issued credentials and audit events live
 * in the store shared with cellstrap-server.
 *
 * Exit status: 0 clean stop (SIGTERM/SIGINT), 1 runtime failure, 2 usage
 * or a bad configuration file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/bs.h"
#include "cellstrap/io.h"
#include "cellstrap/log.h"
#include "cellstrap/store.h"
#include "cellstrap/transport.h"

static cs_loop *g_loop;

static void on_signal(int sig)
{
    (void)sig;
    if (g_loop != NULL)
        cs_loop_stop(g_loop);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: cellstrap-bs [--listen ADDR:PORT] [--listen-dtls ADDR:PORT]\n"
        "                    [--config FILE.json] [--store PATH] [--log-level L]\n"
        "\n"
        "The LwM2M bootstrap server: devices ask POST /bs?ep=NAME (or, LwM2M 1.2,\n"
        "GET /bspack?ep=NAME); each gets its configuration's server accounts with\n"
        "fresh PSK credentials, which go to the store for cellstrap-server.\n"
        "\n"
        "  --listen ADDR:PORT      plain CoAP listener (default port 5683); only\n"
        "                          endpoints whose configuration has\n"
        "                          \"allow_nosec_bootstrap\": true are served there\n"
        "  --listen-dtls ADDR:PORT CoAP over DTLS-PSK listener (default port 5684);\n"
        "                          the device's bootstrap PSK (\"bootstrap_psk\" of\n"
        "                          its configuration) must match its ep\n"
        "  --config FILE.json      configurations to load into the store at start:\n"
        "                          {\"endpoints\": {\"NAME\" or \"*\": {...}}}; see\n"
        "                          docs/bootstrap.md (a bad file exits with 2)\n"
        "  --store PATH            the store shared with cellstrap-server\n"
        "                          (\"sqlite:PATH\", PATH; default sqlite::memory:,\n"
        "                          which no server can see)\n"
        "  --log-level L           error, warn, info (default) or debug\n"
        "  --help                  this text\n"
        "\n"
        "At least one listener is required.  SIGTERM or SIGINT stops cleanly.\n"
        "Exit status: 0 clean stop, 1 runtime failure, 2 usage or bad config.\n");
}

static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return cs_clock_unix();
}

/* Run after every wake-up: start the BS→device requests due. */
static uint64_t on_timer(void *ctx, uint64_t now)
{
    return cs_bs_tick(ctx, now);
}

static int open_listener(cs_bs *bs, const char *text, bool dtls,
                         cs_transport **out)
{
    cs_transport_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (cs_addr_parse(text, dtls ? 5684 : 5683, &cfg.local) != CS_OK) {
        fprintf(stderr, "cellstrap-bs: bad address '%s'\n", text);
        return 2;
    }
    cfg.security = dtls ? CS_TRANSPORT_DTLS_SERVER : CS_TRANSPORT_PLAIN;
    cs_coap_params_default(&cfg.coap.params);
    cfg.coap.on_request = cs_bs_on_request;
    cfg.coap.app = bs;
    cs_dtls_config_init(&cfg.dtls);
    cfg.dtls.psk_lookup = cs_bs_psk_lookup;
    cfg.dtls.psk_ctx = bs;
    if (cs_transport_open(&cfg, out) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot listen on %s: %s", text, strerror(errno));
        return 1;
    }
    char addr[CS_ADDR_TEXT_MAX];
    cs_addr local = cs_transport_local(*out);
    cs_addr_format(&local, addr, sizeof addr);
    cs_log(CS_LOG_INFO, "listening on %s://%s", dtls ? "coaps" : "coap", addr);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "listen-dtls", required_argument, NULL, 'd' },
        { "config", required_argument, NULL, 'c' },
        { "store", required_argument, NULL, 's' },
        { "log-level", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *listen_plain = NULL, *listen_dtls = NULL;
    const char *config_path = NULL, *store_path = "sqlite::memory:";
    int c;
    cs_log_set_program("cellstrap-bs");
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen_plain = optarg; break;
        case 'd': listen_dtls = optarg; break;
        case 'c': config_path = optarg; break;
        case 's': store_path = optarg; break;
        case 'L': {
            enum cs_log_level lvl;
            if (!cs_log_parse_level(optarg, &lvl)) {
                fprintf(stderr, "cellstrap-bs: unknown log level '%s'\n", optarg);
                return 2;
            }
            cs_log_set_level(lvl);
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (listen_plain == NULL && listen_dtls == NULL) {
        fprintf(stderr, "cellstrap-bs: give --listen and/or --listen-dtls\n");
        return 2;
    }

    int rc = 1;
    cs_store *store = NULL;
    cs_bs *bs = NULL;
    cs_transport *plain = NULL, *dtls = NULL;
    if (cs_store_open(store_path, &store) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot open store %s", store_path);
        return 1;
    }
    cs_bs_config bc;
    memset(&bc, 0, sizeof bc);
    bc.store = store;
    bc.unix_clock = clock_unix;
    if (cs_bs_new(&bc, &bs) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot start the bootstrap engine");
        goto out;
    }
    if (config_path != NULL) {
        char err[512];
        cs_err e = cs_bs_load_file(bs, config_path, err, sizeof err);
        if (e != CS_OK) {
            fprintf(stderr, "cellstrap-bs: %s: %s\n", config_path, err);
            rc = e == CS_E_SYNTAX || e == CS_E_NOT_FOUND ? 2 : 1;
            goto out;
        }
        cs_log(CS_LOG_INFO, "configuration %s loaded", config_path);
    }
    g_loop = cs_loop_new();
    if (g_loop == NULL)
        goto out;
    if (listen_plain != NULL &&
        (rc = open_listener(bs, listen_plain, false, &plain)) != 0)
        goto out;
    if (listen_dtls != NULL &&
        (rc = open_listener(bs, listen_dtls, true, &dtls)) != 0)
        goto out;
    rc = 1;
    if ((plain != NULL && cs_transport_attach(plain, g_loop) != CS_OK) ||
        (dtls != NULL && cs_transport_attach(dtls, g_loop) != CS_OK) ||
        cs_loop_add_timer(g_loop, on_timer, bs) != CS_OK)
        goto out;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    cs_log(CS_LOG_INFO, "bootstrap server ready");
    rc = cs_loop_run(g_loop, UINT64_MAX) == CS_OK ? 0 : 1;
    cs_log(CS_LOG_INFO, "stopping");
out:
    /* Endpoints first: their exchanges point into the engine. */
    cs_transport_close(plain);
    cs_transport_close(dtls);
    cs_loop_free(g_loop);
    g_loop = NULL;
    cs_bs_free(bs);
    cs_store_close(store);
    return rc;
}
