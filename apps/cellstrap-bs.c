/*
 * cellstrap-bs.c - the bootstrap server program: argument parsing and
 * wiring only.  A plain CoAP listener and/or a CoAP-over-DTLS-PSK listener
 * feed the bootstrap engine (cellstrap/bs.h); bootstrap PSKs come from the
 * configuration; configurations, issued credentials and audit events live
 * in the store shared with cellstrap-server.  With --radius, a RADIUS
 * accounting listener turns the packet gateways' accounting into address
 * bindings and plain bootstrap becomes network-attested.
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
#include "cellstrap/http.h"
#include "cellstrap/radius_accounting.h"
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
        "                    [--radius ADDR:PORT --radius-gateway NAME:HOST:SECRET...]\n"
        "                    [--zn URL] [--aanf URL] [--zn-naf NAME:SECRET --naf-fqdn FQDN]\n"
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
        "  --config FILE.json      configurations to load into the store at start\n"
        "                          (without it, the last one loaded into the store):\n"
        "                          {\"endpoints\": {\"NAME\" or \"*\": {...}}}; see\n"
        "                          docs/bootstrap.md (a bad file exits with 2)\n"
        "  --store PATH            the store shared with cellstrap-server\n"
        "                          (\"sqlite:PATH\", PATH; default sqlite::memory:,\n"
        "                          which no server can see)\n"
        "  --radius ADDR:PORT      RADIUS accounting listener (default port 1813):\n"
        "                          the packet gateways report data sessions, and a\n"
        "                          plain Bootstrap-Request is then served only from\n"
        "                          an address bound to a subscription, on a trusted\n"
        "                          APN, for an endpoint name naming it; the policies\n"
        "                          of the configuration pick its server\n"
        "                          (docs/zero-touch.md)\n"
        "  --radius-gateway NAME:HOST:SECRET  a packet gateway allowed to send\n"
        "                          accounting: HOST an address or \"any\" (IPv6 in\n"
        "                          brackets), with its shared secret; repeatable\n"
        "  --zn URL                GBA: the BSF's Zn (e.g. http://bsf:8080/zn); a\n"
        "                          DTLS PSK identity 3GPP-bootstrapping.<B-TID> is\n"
        "                          then answered with Ks_NAF from the BSF, and the\n"
        "                          subscription it names goes through the policies\n"
        "  --aanf URL              AKMA: the AAnF (e.g. http://aanf:8080/aanf); a DTLS\n"
        "                          PSK identity 3GPP-AKMA.<A-KID> is answered with\n"
        "                          K_AF from it, the SUPI going through the policies\n"
        "  --zn-naf NAME:SECRET    this NAF's (AF's) credentials on Zn and the AAnF\n"
        "  --naf-fqdn FQDN         the name devices use for this server (NAF_Id)\n"
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

/* ---- RADIUS accounting ------------------------------------------------------ */

#define MAX_GATEWAYS 16

static struct radius_listener {
    cs_udp *udp;
    cs_acct_server *server;
} R;

static void on_accounting(void *ctx, int fd)
{
    (void)ctx;
    (void)fd;
    uint8_t in[CS_RADIUS_MAX_LEN + 1], out[CS_RADIUS_HEADER_LEN + 64];
    cs_addr from;
    size_t len;
    for (int i = 0; i < 256; i++) {
        cs_err err = cs_udp_recv(R.udp, &from, in, sizeof in, &len);
        if (err == CS_E_TIMEOUT)
            break;
        if (err != CS_OK)
            continue;
        cs_acct_result res;
        cs_acct_server_receive(R.server, cs_clock_ms(), &from, in, len, out,
                               sizeof out, &res);
        if (res.response_len > 0)
            cs_udp_send(R.udp, &from, out, res.response_len);
        else if (res.outcome != CS_ACCT_ANSWERED) {
            char addr[CS_ADDR_TEXT_MAX];
            cs_addr_format(&from, addr, sizeof addr);
            cs_log(CS_LOG_WARN, "accounting request from %s dropped: %s", addr,
                   cs_acct_outcome_name(res.outcome));
        }
    }
}

/* "pgw-1:127.0.0.1:s3cret", "pgw-2:[::1]:s3cret", "lab:any:s3cret". */
static bool add_gateway(cs_acct_server *server, const char *arg)
{
    const char *c1 = strchr(arg, ':');
    if (c1 == NULL || c1 == arg || (size_t)(c1 - arg) > CS_ACCT_GATEWAY_NAME_MAX)
        return false;
    char name[CS_ACCT_GATEWAY_NAME_MAX + 1], host[CS_ADDR_TEXT_MAX];
    memcpy(name, arg, (size_t)(c1 - arg));
    name[c1 - arg] = '\0';
    const char *h = c1 + 1, *c2;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (close == NULL || close[1] != ':')
            return false;
        c2 = close + 1;
        h++;
        if ((size_t)(close - h) >= sizeof host)
            return false;
        memcpy(host, h, (size_t)(close - h));
        host[close - h] = '\0';
    } else {
        c2 = strchr(h, ':');
        if (c2 == NULL || (size_t)(c2 - h) >= sizeof host)
            return false;
        memcpy(host, h, (size_t)(c2 - h));
        host[c2 - h] = '\0';
    }
    const char *secret = c2 + 1;
    cs_addr nas;
    bool any = strcmp(host, "any") == 0;
    if (!any && cs_addr_parse(host, 1, &nas) != CS_OK)
        return false;
    return cs_acct_server_add_gateway(server, name, any ? NULL : &nas,
                                      (const uint8_t *)secret,
                                      strlen(secret)) == CS_OK;
}

static int open_radius(cs_store *store, const char *listen,
                       const char *const *gateways, size_t count)
{
    cs_addr local;
    if (cs_addr_parse(listen, CS_RADIUS_ACCT_PORT, &local) != CS_OK) {
        fprintf(stderr, "cellstrap-bs: bad --radius address '%s'\n", listen);
        return 2;
    }
    cs_acct_server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.apply = cs_bs_apply_accounting;
    cfg.ctx = store;
    if (cs_acct_server_new(&cfg, &R.server) != CS_OK)
        return 1;
    for (size_t i = 0; i < count; i++)
        if (!add_gateway(R.server, gateways[i])) {
            fprintf(stderr, "cellstrap-bs: --radius-gateway wants "
                    "NAME:HOST:SECRET (HOST an address or \"any\")\n");
            return 2;
        }
    if (cs_udp_open(&local, &R.udp) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot listen on %s: %s", listen, strerror(errno));
        return 1;
    }
    char addr[CS_ADDR_TEXT_MAX];
    cs_addr bound = cs_udp_local(R.udp);
    cs_addr_format(&bound, addr, sizeof addr);
    cs_log(CS_LOG_INFO, "RADIUS accounting on %s (%zu gateway%s); plain "
           "bootstrap is network-attested", addr, count, count == 1 ? "" : "s");
    return 0;
}

/* ---- GBA: Zn ----------------------------------------------------------------- */

static struct zn_client {
    const char *url, *aanf, *fqdn;
    char name[64], secret[128];
} Z;

static cs_err naf_key(void *ctx, const char *btid, uint8_t key[32],
                      char impi[128], int64_t *expires)
{
    (void)ctx;
    return cs_zn_fetch(Z.url, Z.name, Z.secret, Z.fqdn, btid, key, impi, expires);
}

static cs_err af_key(void *ctx, const char *a_kid, uint8_t key[32],
                     char supi[128], int64_t *expires)
{
    (void)ctx;
    return cs_aanf_fetch(Z.aanf, Z.name, Z.secret, Z.fqdn, a_kid, key, supi, expires);
}

static bool parse_zn_naf(const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || colon == arg || (size_t)(colon - arg) >= sizeof Z.name ||
        colon[1] == '\0' || strlen(colon + 1) >= sizeof Z.secret)
        return false;
    memcpy(Z.name, arg, (size_t)(colon - arg));
    Z.name[colon - arg] = '\0';
    strcpy(Z.secret, colon + 1);
    return true;
}

/* Run after every wake-up: start the BS→device requests due. */
/* The store the timer's work writes to (credentials, audit events). */
static cs_store *g_store;

static uint64_t on_timer(void *ctx, uint64_t now)
{
    /* The Writes and Finishes due now: their credentials and audit
     * events are one transaction too (group commit). */
    cs_store_batch_begin(g_store);
    uint64_t next = cs_bs_tick(ctx, now);
    cs_store_batch_end(g_store);
    return next;
}

/* Group commit: the store changes caused by one batch of datagrams are
 * one transaction (cs_store_batch_begin). */
static void store_batch(void *ctx, bool begin)
{
    cs_err err = begin ? cs_store_batch_begin(ctx) : cs_store_batch_end(ctx);
    if (err != CS_OK)
        cs_log(CS_LOG_ERROR, "store: %s batch: %s", begin ? "begin" : "end",
               cs_strerror(err));
}

static int open_listener(cs_bs *bs, cs_store *store, const char *text,
                         bool dtls, cs_transport **out)
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
    cfg.batch = store_batch;
    cfg.batch_ctx = store;
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
        { "radius", required_argument, NULL, 'r' },
        { "radius-gateway", required_argument, NULL, 'g' },
        { "zn", required_argument, NULL, 'z' },
        { "zn-naf", required_argument, NULL, 'n' },
        { "aanf", required_argument, NULL, 'a' },
        { "naf-fqdn", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *listen_plain = NULL, *listen_dtls = NULL;
    const char *config_path = NULL, *store_path = "sqlite::memory:";
    const char *radius = NULL, *gateways[MAX_GATEWAYS];
    size_t gateway_count = 0;
    int c;
    cs_log_set_program("cellstrap-bs");
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen_plain = optarg; break;
        case 'd': listen_dtls = optarg; break;
        case 'c': config_path = optarg; break;
        case 's': store_path = optarg; break;
        case 'r': radius = optarg; break;
        case 'z': Z.url = optarg; break;
        case 'a': Z.aanf = optarg; break;
        case 'n':
            if (!parse_zn_naf(optarg)) {
                fprintf(stderr, "cellstrap-bs: --zn-naf wants NAME:SECRET\n");
                return 2;
            }
            break;
        case 'f': Z.fqdn = optarg; break;
        case 'g':
            if (gateway_count == MAX_GATEWAYS) {
                fprintf(stderr, "cellstrap-bs: at most %d --radius-gateway\n",
                        MAX_GATEWAYS);
                return 2;
            }
            gateways[gateway_count++] = optarg;
            break;
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
    bool sim_keys = Z.url != NULL || Z.aanf != NULL;
    if (sim_keys != (Z.name[0] != '\0') || sim_keys != (Z.fqdn != NULL)) {
        fprintf(stderr, "cellstrap-bs: --zn or --aanf need --zn-naf and --naf-fqdn\n");
        return 2;
    }
    if ((radius == NULL) != (gateway_count == 0)) {
        fprintf(stderr, "cellstrap-bs: --radius needs at least one "
                "--radius-gateway, and the other way round\n");
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
    g_store = store;
    bc.unix_clock = clock_unix;
    bc.network_attestation = radius != NULL;
    if (Z.url != NULL) {
        bc.naf_key = naf_key;
        cs_log(CS_LOG_INFO, "GBA: NAF %s, Zn at %s", Z.fqdn, Z.url);
    }
    if (Z.aanf != NULL) {
        bc.af_key = af_key;
        cs_log(CS_LOG_INFO, "AKMA: AF %s, AAnF at %s", Z.fqdn, Z.aanf);
    }
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
    } else {
        char err[512];
        cs_err e = cs_bs_load_stored(bs, err, sizeof err);
        if (e == CS_OK)
            cs_log(CS_LOG_INFO, "configuration loaded from the store");
        else if (e != CS_E_NOT_FOUND) {
            cs_log(CS_LOG_ERROR, "stored configuration: %s", err);
            goto out;
        }
    }
    g_loop = cs_loop_new();
    if (g_loop == NULL)
        goto out;
    if (listen_plain != NULL &&
        (rc = open_listener(bs, store, listen_plain, false, &plain)) != 0)
        goto out;
    if (listen_dtls != NULL &&
        (rc = open_listener(bs, store, listen_dtls, true, &dtls)) != 0)
        goto out;
    if (radius != NULL &&
        (rc = open_radius(store, radius, gateways, gateway_count)) != 0)
        goto out;
    rc = 1;
    if ((R.udp != NULL &&
         cs_loop_add_fd(g_loop, cs_udp_fd(R.udp), on_accounting, NULL) != CS_OK) ||
        (plain != NULL && cs_transport_attach(plain, g_loop) != CS_OK) ||
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
    cs_udp_close(R.udp);
    cs_acct_server_free(R.server);
    cs_loop_free(g_loop);
    g_loop = NULL;
    cs_bs_free(bs);
    cs_store_close(store);
    return rc;
}
