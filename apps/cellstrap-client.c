/*
 * cellstrap-client.c - the device agent: argument parsing and wiring of the
 * LwM2M client engine (cellstrap/client.h) to UDP and DTLS transports on
 * an event loop.  The engine asks for channels to the Bootstrap-Server and
 * the LwM2M server; each is a cs_transport (plain CoAP, or DTLS-PSK client)
 * whose request handler is the engine.
 *
 * cs_loop cannot forget a socket, so a channel the engine closes is freed
 * between runs of the loop, and the loop is rebuilt with the channels that
 * remain.
 *
 * Vanilla mode (--modem): nothing configured but the modem.  The endpoint
 * name comes from the subscription, the Bootstrap-Server URI from the
 * network or the IMSI's home network, every channel leaves from the address
 * the network assigned, and every new attach bootstraps again.  When the
 * bootstrap URI is coaps:// and no factory PSK is given, the key comes
 * from the SIM: GBA (Ub with the BSF, then Ks_NAF for the server's name).
 *
 * Exit status: 0 after a clean shutdown (SIGTERM/SIGINT: De-register
 * first), 1 runtime failure, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/hex.h"
#include "cellstrap/cellular.h"
#include "cellstrap/client.h"
#include "cellstrap/gba.h"
#include "cellstrap/ub.h"
#include "cellstrap/io.h"
#include "cellstrap/log.h"
#include "cellstrap/transport.h"

#define MAX_CHANNELS 6
#define SHUTDOWN_WAIT_MS 30000u
#define MODEM_POLL_MS 500u

struct channel {
    cs_transport *t;
    bool closing;
};

static struct app {
    cs_client *client;
    cs_loop *loop;
    struct channel ch[MAX_CHANNELS];
    /* Vanilla mode: the modem, the data session the engine runs in, and
     * the address every channel is bound to. */
    cs_modem *modem;
    cs_data_session session;
    bool bind_local;
    /* GBA: the bootstrapping session (kept until it expires), and whether
     * a bootstrap with its key failed (then Ub runs again). */
    bool gba;
    bool gba_valid;
    cs_gba_session gba_session;
    /* AKMA: the anchor of the attach's primary authentication. */
    bool akma_valid;
    uint64_t akma_attach_id;
    uint8_t k_akma[CS_AKMA_KEY_LEN];
    char a_kid[CS_AKMA_AKID_MAX + 1];
    volatile bool bootstrap_failed;
} A;

static volatile sig_atomic_t g_signal;
static cs_loop *volatile g_loop;

static void on_signal(int sig)
{
    (void)sig;
    g_signal = 1;
    cs_loop *loop = g_loop;
    if (loop != NULL)
        cs_loop_stop(loop);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: cellstrap-client --endpoint NAME --bootstrap URI [options]\n"
        "       cellstrap-client --modem SPEC [options]   (vanilla mode)\n"
        "\n"
        "The LwM2M device agent: bootstraps from the Bootstrap-Server, then\n"
        "registers with the LwM2M server it was given and answers it.\n"
        "\n"
        "  --endpoint NAME          Endpoint Client Name (required)\n"
        "  --bootstrap URI          Bootstrap-Server URI, coap://ADDR:PORT or\n"
        "                           coaps://ADDR:PORT (required unless the state\n"
        "                           file holds a Bootstrap-Server account)\n"
        "  --bootstrap-psk ID:HEX   factory PSK identity and hex key for coaps://\n"
        "  --state FILE             where bootstrapped objects 0, 1, 2 persist\n"
        "                           (written atomically; a bad file is ignored)\n"
        "  --lifetime SECONDS       registration lifetime when the Server object\n"
        "                           has none (default 86400)\n"
        "  --bootstrap-timeout S    abandon a bootstrap after S seconds without\n"
        "                           a request from the Bootstrap-Server and\n"
        "                           restore the state from before it (default\n"
        "                           247, the CoAP EXCHANGE_LIFETIME)\n"
        "  --pack                   try Bootstrap-Pack-Request (GET /bspack)\n"
        "                           first, fall back to POST /bs\n"
        "  --manufacturer S         /3/0/0\n"
        "  --model S                /3/0/1\n"
        "  --serial S               /3/0/2\n"
        "  --modem SPEC             vanilla mode: the modem (emulated:FILE, the\n"
        "                           file cellstrap-netsim writes) gives the\n"
        "                           subscription and the data session; the\n"
        "                           endpoint name and the BS come from them,\n"
        "                           channels use the address the network\n"
        "                           assigned, and every attach bootstraps\n"
        "  --endpoint-pattern P     vanilla endpoint name, placeholders {imei}\n"
        "                           {imsi} {imeisv} {iccid} {msisdn} (default\n"
        "                           urn:imei-imsi:{imei}-{imsi})\n"
        "  --bootstrap-host-pattern P  BS host when neither --bootstrap nor the\n"
        "                           network names one: {mcc} {mnc} (default\n"
        "                           lwm2m-bs.mnc{mnc}.mcc{mcc}.pub.3gppnetwork.org)\n"
        "  --bsf URL                vanilla mode, coaps:// bootstrap without a\n"
        "                           factory PSK: the GBA BSF (default: the one\n"
        "                           the network names, else http://bsf.mnc<MNC>.\n"
        "                           mcc<MCC>.pub.3gppnetwork.org/); the bootstrap\n"
        "                           key is Ks_NAF for the server's host name\n"
        "  --log-level L            error, warn, info (default), debug\n"
        "  --help                   this text\n"
        "\n"
        "SIGTERM or SIGINT: De-register, then exit 0.\n");
}

/* ---- Channels ----------------------------------------------------------- */

static uint64_t client_timer(void *ctx, uint64_t now)
{
    cs_client *c = ctx;
    cs_client_tick(c, now);
    return cs_client_next_deadline(c);
}

/* "coap://127.0.0.1:5683", "coaps://[::1]:5684", "coap://localhost:5683". */
static cs_err parse_uri(const char *uri, bool *secure, cs_addr *out)
{
    const char *rest;
    if (strncmp(uri, "coaps://", 8) == 0) {
        *secure = true;
        rest = uri + 8;
    } else if (strncmp(uri, "coap://", 7) == 0) {
        *secure = false;
        rest = uri + 7;
    } else {
        return CS_E_SYNTAX;
    }
    char host[128];
    size_t n = strcspn(rest, "/?");
    if (n >= sizeof host)
        return CS_E_SYNTAX;
    memcpy(host, rest, n);
    host[n] = '\0';
    if (strncmp(host, "localhost", 9) == 0) {
        char tmp[sizeof host];
        snprintf(tmp, sizeof tmp, "127.0.0.1%s", host + 9);
        strcpy(host, tmp);
    }
    uint16_t port = *secure ? 5684 : 5683;
    if (cs_addr_parse(host, port, out) == CS_OK)
        return CS_OK;
    /* A host name ("name" or "name:port"): ask the resolver. */
    char *colon = strrchr(host, ':');
    if (colon != NULL && strchr(host, ']') == NULL) {
        char *end;
        unsigned long p = strtoul(colon + 1, &end, 10);
        if (*end != '\0' || p == 0 || p > 65535)
            return CS_E_SYNTAX;
        port = (uint16_t)p;
        *colon = '\0';
    }
    return cs_resolve_host(host, port, out);
}

static cs_err open_channel(void *io, const char *uri, int mode,
                           const uint8_t *identity, size_t identity_len,
                           const uint8_t *key, size_t key_len,
                           cs_coap_endpoint **ep, cs_addr *peer)
{
    struct app *a = io;
    bool secure;
    if (parse_uri(uri, &secure, peer) != CS_OK) {
        cs_log(CS_LOG_ERROR, "bad server URI %s", uri);
        return CS_E_SYNTAX;
    }
    if (secure != (mode == CS_CLIENT_SECURITY_PSK)) {
        cs_log(CS_LOG_ERROR, "URI %s does not fit security mode %d", uri, mode);
        return CS_E_INVALID_ARG;
    }
    size_t slot = MAX_CHANNELS;
    for (size_t i = 0; i < MAX_CHANNELS && slot == MAX_CHANNELS; i++)
        if (a->ch[i].t == NULL)
            slot = i;
    if (slot == MAX_CHANNELS)
        return CS_E_BUSY;
    cs_transport_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.local.family = peer->family;
    if (a->bind_local && a->session.address.family == peer->family)
        cfg.local = a->session.address;      /* the network's address */
    cfg.security = secure ? CS_TRANSPORT_DTLS_CLIENT : CS_TRANSPORT_PLAIN;
    cs_coap_params_default(&cfg.coap.params);
    cfg.coap.on_request = cs_client_on_request;
    cfg.coap.app = a->client;
    cs_dtls_config_init(&cfg.dtls);
    cfg.server = *peer;
    cfg.identity = identity;
    cfg.identity_len = identity_len;
    cfg.key = key;
    cfg.key_len = key_len;
    cs_transport *t = NULL;
    cs_err err = cs_transport_open(&cfg, &t);
    if (err == CS_OK)
        err = cs_transport_attach(t, a->loop);
    if (err != CS_OK) {
        cs_transport_close(t);
        return err;
    }
    a->ch[slot].t = t;
    a->ch[slot].closing = false;
    *ep = cs_transport_coap(t);
    cs_log(CS_LOG_DEBUG, "channel to %s open", uri);
    return CS_OK;
}

static void close_channel(void *io, cs_coap_endpoint *ep)
{
    struct app *a = io;
    for (size_t i = 0; i < MAX_CHANNELS; i++)
        if (a->ch[i].t != NULL && cs_transport_coap(a->ch[i].t) == ep)
            a->ch[i].closing = true;
}

/* Free closed channels and rebuild the loop with the others. */
static cs_err rebuild_loop(struct app *a)
{
    bool any = false;
    for (size_t i = 0; i < MAX_CHANNELS; i++)
        any |= a->ch[i].t != NULL && a->ch[i].closing;
    if (!any)
        return CS_OK;
    cs_loop *loop = cs_loop_new();
    if (loop == NULL)
        return CS_E_NOMEM;
    cs_err err = cs_loop_add_timer(loop, client_timer, a->client);
    for (size_t i = 0; i < MAX_CHANNELS; i++) {
        if (a->ch[i].t == NULL)
            continue;
        if (a->ch[i].closing) {
            cs_transport_close(a->ch[i].t);
            a->ch[i].t = NULL;
        } else if (err == CS_OK) {
            err = cs_transport_attach(a->ch[i].t, loop);
        }
    }
    g_loop = loop;
    cs_loop_free(a->loop);
    a->loop = loop;
    return err;
}

static int64_t wall_clock(void *io)
{
    (void)io;
    return cs_clock_unix();
}

/* ---- Running the engine -------------------------------------------------- */

enum run_end { RUN_STOPPED, RUN_FAILED, RUN_REATTACH, RUN_REBOOTSTRAP };

static void on_client_event(void *ctx, enum cs_client_event ev)
{
    (void)ctx;
    if (ev == CS_CLIENT_EV_BOOTSTRAP_FAILED)
        A.bootstrap_failed = true;
}

static void free_engine(struct app *a)
{
    cs_client_free(a->client);
    a->client = NULL;
    for (size_t i = 0; i < MAX_CHANNELS; i++) {
        cs_transport_close(a->ch[i].t);
        a->ch[i].t = NULL;
    }
    g_loop = NULL;
    cs_loop_free(a->loop);
    a->loop = NULL;
}

/* Vanilla mode: the data session the engine started in has ended (detach,
 * or a new attach with another address). */
static bool session_changed(struct app *a)
{
    cs_subscription sub;
    cs_data_session now;
    if (a->modem == NULL || cs_modem_read(a->modem, &sub, &now) != CS_OK)
        return false;              /* a file being rewritten: next time */
    return !now.attached || now.attach_id != a->session.attach_id ||
           !cs_addr_equal(&now.address, &a->session.address);
}

/* Run one client engine until a signal (De-register first), a failure,
 * or, in vanilla mode, the end of its data session. */
static enum run_end run_engine(const cs_client_config *cfg)
{
    A.loop = cs_loop_new();
    A.bootstrap_failed = false;
    A.client = cs_client_new(cfg);
    if (A.loop == NULL || A.client == NULL ||
        cs_loop_add_timer(A.loop, client_timer, A.client) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot start the client engine");
        free_engine(&A);
        return RUN_FAILED;
    }
    g_loop = A.loop;
    cs_log(CS_LOG_INFO, "endpoint %s starting", cfg->endpoint);
    cs_client_start(A.client, cs_clock_ms());

    enum run_end end = RUN_STOPPED;
    bool stopping = false;
    uint64_t stop_by = 0, next_poll = 0;
    for (;;) {
        if (cs_loop_run(A.loop, cs_clock_ms() + MODEM_POLL_MS) != CS_OK) {
            cs_log(CS_LOG_ERROR, "event loop failed");
            end = RUN_FAILED;
            break;
        }
        uint64_t now = cs_clock_ms();
        if (g_signal && !stopping) {
            cs_log(CS_LOG_INFO, "shutting down");
            stopping = true;
            stop_by = now + SHUTDOWN_WAIT_MS;
            cs_client_stop(A.client, now);
        }
        if (stopping && (cs_client_get_state(A.client) == CS_CLIENT_STOPPED ||
                         now >= stop_by))
            break;
        if (!stopping && A.gba && A.bootstrap_failed) {
            /* The BS refused the GBA key (expired at the BSF?): Ub again. */
            end = RUN_REBOOTSTRAP;
            break;
        }
        if (!stopping && now >= next_poll) {
            next_poll = now + MODEM_POLL_MS;
            if (session_changed(&A)) {
                /* The old address is gone: no De-register can leave it. */
                end = RUN_REATTACH;
                break;
            }
        }
        if (rebuild_loop(&A) != CS_OK) {
            cs_log(CS_LOG_ERROR, "cannot rebuild the event loop");
            end = RUN_FAILED;
            break;
        }
    }
    free_engine(&A);
    return end;
}

/* Vanilla mode: wait for an attach; false on a signal or a modem failure. */
static bool wait_for_attach(cs_subscription *sub)
{
    bool told = false;
    while (!g_signal) {
        cs_err err = cs_modem_read(A.modem, sub, &A.session);
        if (err == CS_OK && A.session.attached)
            return true;
        if (err != CS_OK && err != CS_E_NOT_FOUND)
            return false;
        if (!told)
            cs_log(CS_LOG_INFO, "waiting for the network (%s)",
                   err == CS_E_NOT_FOUND ? "no SIM yet" : "not attached");
        told = true;
        struct timespec ts = { 0, (long)MODEM_POLL_MS * 1000000L };
        nanosleep(&ts, NULL);
    }
    return false;
}

/* Vanilla mode: the Bootstrap-Server URI: --bootstrap, else what the
 * network provided, else the home network's bootstrap host. */
static bool bootstrap_uri_for(const cs_client_config *cfg,
                              const cs_subscription *sub,
                              const char *host_pattern, char *out, size_t cap)
{
    if (cfg->bootstrap_uri != NULL) {
        snprintf(out, cap, "%s", cfg->bootstrap_uri);
        return true;
    }
    if (A.session.bootstrap_uri[0] != '\0') {
        snprintf(out, cap, "%s", A.session.bootstrap_uri);
        return true;
    }
    char host[256];
    if (cs_bootstrap_host_from_imsi(host_pattern, sub->imsi, sub->mnc_length,
                                    host, sizeof host) != CS_OK)
        return false;
    snprintf(out, cap, "coap://%s:5683", host);
    return true;
}

/* The host of a coap(s):// URI ("[v6]" without brackets): the NAF's name. */
static bool uri_host(const char *uri, char *out, size_t cap)
{
    const char *h = strstr(uri, "://");
    if (h == NULL)
        return false;
    h += 3;
    size_t n;
    if (*h == '[') {
        h++;
        n = strcspn(h, "]");
    } else {
        n = strcspn(h, ":/?");
    }
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, h, n);
    out[n] = '\0';
    return true;
}

/* Sleep up to `ms`, waking for a signal. */
static void pause_ms(unsigned ms)
{
    for (unsigned t = 0; t < ms && !g_signal; t += 100) {
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/*
 * GBA: the PSK identity and Ks_NAF for the bootstrap server of `uri`,
 * running Ub with the BSF when there is no live bootstrapping session.
 */
static bool gba_keys(const cs_subscription *sub, const char *uri,
                     const char *bsf_flag, char *identity, size_t identity_cap,
                     uint8_t key[CS_GBA_KEY_LEN])
{
    char naf[256];
    if (!uri_host(uri, naf, sizeof naf)) {
        cs_log(CS_LOG_ERROR, "GBA: no host name in %s", uri);
        return false;
    }
    if (!A.gba_valid || A.gba_session.expires <= cs_clock_unix() + 30) {
        char bsf[300], impi[CS_GBA_IMPI_MAX + 1];
        if (bsf_flag != NULL) {
            snprintf(bsf, sizeof bsf, "%s", bsf_flag);
        } else if (A.session.bsf_uri[0] != '\0') {
            snprintf(bsf, sizeof bsf, "%s", A.session.bsf_uri);
        } else {
            char host[200];
            if (cs_gba_bsf_host_from_imsi(sub->imsi, sub->mnc_length, host,
                                          sizeof host) != CS_OK)
                return false;
            snprintf(bsf, sizeof bsf, "http://%s/", host);
        }
        cs_err err = cs_gba_impi_from_imsi(sub->imsi, sub->mnc_length, impi,
                                           sizeof impi);
        if (err == CS_OK)
            err = cs_gba_bootstrap(bsf, impi, A.modem, 10000, &A.gba_session);
        if (err != CS_OK) {
            cs_log(CS_LOG_WARN, "GBA bootstrap failed: %s (BSF %s)",
                   cs_strerror(err), bsf);
            A.gba_valid = false;
            return false;
        }
        A.gba_valid = true;
        cs_log(CS_LOG_INFO, "GBA: B-TID %s from %s", A.gba_session.btid, bsf);
    }
    if (cs_gba_naf_key(&A.gba_session, naf, key, identity, identity_cap) != CS_OK) {
        cs_log(CS_LOG_ERROR, "GBA: no key for NAF %s", naf);
        return false;
    }
    cs_log(CS_LOG_INFO, "GBA: key for NAF %s derived", naf);
    return true;
}

/*
 * AKMA: the attach's primary authentication (its challenge came with the
 * session) gives K_AUSF, K_AKMA and the A-KID once per attach; then K_AF
 * for the bootstrap server of `uri` and the identity "3GPP-AKMA.<A-KID>".
 */
static bool akma_keys(const cs_subscription *sub, const char *uri,
                      char *identity, size_t identity_cap,
                      uint8_t key[CS_AKMA_KEY_LEN])
{
    char af[256];
    if (!uri_host(uri, af, sizeof af))
        return false;
    if (!A.akma_valid || A.akma_attach_id != A.session.attach_id) {
        cs_aka_result res;
        char snn[128], realm[128];
        uint8_t k_ausf[CS_AKMA_KEY_LEN], a_tid[CS_AKMA_ATID_LEN];
        cs_err err = cs_modem_authenticate(A.modem, A.session.aka_rand,
                                           A.session.aka_autn, &res);
        if (err != CS_OK || res.status != CS_AKA_SUCCESS) {
            cs_log(CS_LOG_WARN, "AKMA: the USIM refused the network's challenge (%s)",
                   err != CS_OK ? cs_strerror(err)
                   : res.status == CS_AKA_MAC_FAILURE ? "MAC failure" : "SQN not fresh");
            cs_aka_result_wipe(&res);
            return false;
        }
        bool ok = cs_akma_serving_network_name(sub->imsi, sub->mnc_length, snn,
                                               sizeof snn) == CS_OK &&
                  cs_akma_k_ausf_5g_aka(res.ck, res.ik, snn, A.session.aka_autn,
                                        k_ausf) == CS_OK &&
                  cs_akma_k_akma(k_ausf, sub->imsi, A.k_akma) == CS_OK &&
                  cs_akma_a_tid(k_ausf, sub->imsi, a_tid) == CS_OK &&
                  cs_akma_realm_from_imsi(sub->imsi, sub->mnc_length, realm,
                                          sizeof realm) == CS_OK &&
                  cs_akma_akid("0", a_tid, realm, A.a_kid, sizeof A.a_kid) == CS_OK;
        cs_aka_result_wipe(&res);
        memset(k_ausf, 0, sizeof k_ausf);
        if (!ok)
            return false;
        A.akma_valid = true;
        A.akma_attach_id = A.session.attach_id;
        cs_log(CS_LOG_INFO, "AKMA: A-KID %s", A.a_kid);
    }
    static const uint8_t ua[CS_UA_ID_LEN] = CS_UA_ID_TLS_PSK_AES_128_CCM_8;
    if (cs_akma_k_af(A.k_akma, af, ua, key) != CS_OK ||
        cs_psk_identity_format(CS_PSK_IDENTITY_AKMA, A.a_kid, identity,
                               identity_cap) != CS_OK)
        return false;
    cs_log(CS_LOG_INFO, "AKMA: key for AF %s derived", af);
    return true;
}

static int run_vanilla(const cs_client_config *base, const char *modem_spec,
                       const char *endpoint_pattern, const char *host_pattern,
                       const char *bsf_flag)
{
    if (cs_modem_open(modem_spec, &A.modem) != CS_OK) {
        fprintf(stderr, "cellstrap-client: bad --modem (emulated:FILE)\n");
        return 2;
    }
    A.bind_local = true;
    int status = 0;
    unsigned retry_ms = 2000;
    cs_subscription sub;
    while (wait_for_attach(&sub)) {
        cs_client_config cfg = *base;
        char endpoint[256], uri[300], addr[CS_ADDR_TEXT_MAX];
        cs_err err = CS_OK;
        if (cfg.endpoint == NULL) {
            err = cs_endpoint_name_from_subscription(endpoint_pattern, &sub,
                                                     endpoint, sizeof endpoint);
            cfg.endpoint = endpoint;
        }
        if (err != CS_OK) {
            cs_log(CS_LOG_ERROR, "no endpoint name from the subscription: %s",
                   cs_strerror(err));
            status = 1;
            break;
        }
        if (!bootstrap_uri_for(base, &sub, host_pattern, uri, sizeof uri)) {
            cs_log(CS_LOG_ERROR, "no Bootstrap-Server for IMSI %s", sub.imsi);
            status = 1;
            break;
        }
        cfg.bootstrap_uri = uri;
        cs_addr_format(&A.session.address, addr, sizeof addr);
        cs_log(CS_LOG_INFO, "attached: IMSI %s, address %s, APN %s; "
               "bootstrap from %s", sub.imsi, addr, A.session.apn, uri);
        /* coaps:// without a factory PSK: the key comes from the SIM. */
        static char identity[CS_PSK_IDENTITY_MAX];
        static uint8_t key[CS_GBA_KEY_LEN];
        A.gba = strncmp(uri, "coaps://", 8) == 0 && cfg.bootstrap_key == NULL;
        if (A.gba) {
            /* 5G with AKMA when the network ran a primary authentication
             * for this attach; else GBA over the BSF. */
            bool keys = A.session.has_aka
                ? akma_keys(&sub, uri, identity, sizeof identity, key)
                : gba_keys(&sub, uri, bsf_flag, identity, sizeof identity, key);
            if (!keys) {
                pause_ms(retry_ms);
                retry_ms = retry_ms < 60000 ? retry_ms * 2 : retry_ms;
                continue;
            }
            cfg.bootstrap_identity = (const uint8_t *)identity;
            cfg.bootstrap_identity_len = strlen(identity);
            cfg.bootstrap_key = key;
            cfg.bootstrap_key_len = sizeof key;
        }
        enum run_end end = run_engine(&cfg);
        memset(key, 0, sizeof key);
        if (end == RUN_FAILED)
            status = 1;
        if (end == RUN_REBOOTSTRAP) {
            cs_log(CS_LOG_INFO, "bootstrap with the SIM-derived key failed; "
                   "deriving it again");
            A.gba_valid = false;
            pause_ms(retry_ms);
            retry_ms = retry_ms < 60000 ? retry_ms * 2 : retry_ms;
            continue;
        }
        retry_ms = 2000;
        if (end != RUN_REATTACH)
            break;
        cs_log(CS_LOG_INFO, "data session ended; bootstrapping at the next attach");
    }
    cs_gba_session_wipe(&A.gba_session);
    memset(A.k_akma, 0, sizeof A.k_akma);
    cs_modem_close(A.modem);
    A.modem = NULL;
    return status;
}

/* ---- Arguments ---------------------------------------------------------- */

/* "IDENTITY:HEXKEY" into identity and key bytes. */
static bool parse_psk(const char *arg, char *identity, size_t id_cap,
                      uint8_t *key, size_t key_cap, size_t *key_len)
{
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || (size_t)(colon - arg) >= id_cap)
        return false;
    memcpy(identity, arg, (size_t)(colon - arg));
    identity[colon - arg] = '\0';
    const char *hex = colon + 1;
    size_t n = strlen(hex);
    return n > 0 && cs_hex_decode(hex, n, key, key_cap, key_len) == CS_OK;
}

int main(int argc, char **argv)
{
    enum { OPT_BOOTSTRAP = 1, OPT_ENDPOINT, OPT_STATE, OPT_PSK, OPT_LIFETIME,
           OPT_BS_TIMEOUT, OPT_PACK, OPT_MANUFACTURER, OPT_MODEL, OPT_SERIAL,
           OPT_MODEM, OPT_EP_PATTERN, OPT_HOST_PATTERN, OPT_BSF, OPT_LOG, OPT_HELP };
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
        {"endpoint", required_argument, NULL, OPT_ENDPOINT},
        {"state", required_argument, NULL, OPT_STATE},
        {"bootstrap-psk", required_argument, NULL, OPT_PSK},
        {"lifetime", required_argument, NULL, OPT_LIFETIME},
        {"bootstrap-timeout", required_argument, NULL, OPT_BS_TIMEOUT},
        {"pack", no_argument, NULL, OPT_PACK},
        {"manufacturer", required_argument, NULL, OPT_MANUFACTURER},
        {"model", required_argument, NULL, OPT_MODEL},
        {"serial", required_argument, NULL, OPT_SERIAL},
        {"modem", required_argument, NULL, OPT_MODEM},
        {"endpoint-pattern", required_argument, NULL, OPT_EP_PATTERN},
        {"bootstrap-host-pattern", required_argument, NULL, OPT_HOST_PATTERN},
        {"bsf", required_argument, NULL, OPT_BSF},
        {"log-level", required_argument, NULL, OPT_LOG},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    cs_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    static char identity[256];
    static uint8_t key[64];
    size_t key_len = 0;
    bool have_psk = false;
    const char *modem_spec = NULL, *endpoint_pattern = NULL, *host_pattern = NULL;
    const char *bsf_flag = NULL;
    cs_log_set_program("cellstrap-client");
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_BOOTSTRAP: cfg.bootstrap_uri = optarg; break;
        case OPT_ENDPOINT: cfg.endpoint = optarg; break;
        case OPT_STATE: cfg.state_path = optarg; break;
        case OPT_PSK:
            if (!parse_psk(optarg, identity, sizeof identity, key, sizeof key,
                           &key_len)) {
                fprintf(stderr, "cellstrap-client: --bootstrap-psk wants "
                        "IDENTITY:HEXKEY\n");
                return 2;
            }
            have_psk = true;
            break;
        case OPT_LIFETIME: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end != '\0' || v == 0 || v > 0xFFFFFFFFul) {
                fprintf(stderr, "cellstrap-client: bad --lifetime\n");
                return 2;
            }
            cfg.default_lifetime = (uint32_t)v;
            break;
        }
        case OPT_BS_TIMEOUT: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end != '\0' || v == 0 || v > 3600) {
                fprintf(stderr, "cellstrap-client: --bootstrap-timeout wants "
                        "1..3600 seconds\n");
                return 2;
            }
            cfg.bootstrap_timeout_ms = (uint32_t)v * 1000u;
            break;
        }
        case OPT_PACK: cfg.bootstrap_pack = true; break;
        case OPT_MANUFACTURER: cfg.manufacturer = optarg; break;
        case OPT_MODEL: cfg.model = optarg; break;
        case OPT_SERIAL: cfg.serial = optarg; break;
        case OPT_MODEM: modem_spec = optarg; break;
        case OPT_EP_PATTERN: endpoint_pattern = optarg; break;
        case OPT_HOST_PATTERN: host_pattern = optarg; break;
        case OPT_BSF: bsf_flag = optarg; break;
        case OPT_LOG: {
            enum cs_log_level level;
            if (!cs_log_parse_level(optarg, &level)) {
                fprintf(stderr, "cellstrap-client: bad --log-level\n");
                return 2;
            }
            cs_log_set_level(level);
            break;
        }
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc ||
        (modem_spec == NULL && (cfg.endpoint == NULL ||
                                (cfg.bootstrap_uri == NULL && cfg.state_path == NULL)))) {
        usage(stderr);
        return 2;
    }
    if (modem_spec != NULL && cfg.state_path != NULL) {
        fprintf(stderr, "cellstrap-client: --modem bootstraps at every attach; "
                "it takes no --state\n");
        return 2;
    }
    if (cfg.bootstrap_uri != NULL) {
        bool secure;
        cs_addr a;
        if (parse_uri(cfg.bootstrap_uri, &secure, &a) != CS_OK) {
            fprintf(stderr, "cellstrap-client: bad --bootstrap URI\n");
            return 2;
        }
        if (secure && !have_psk && modem_spec == NULL) {
            fprintf(stderr, "cellstrap-client: coaps:// needs --bootstrap-psk\n");
            return 2;
        }
    }
    if (have_psk) {
        cfg.bootstrap_identity = (const uint8_t *)identity;
        cfg.bootstrap_identity_len = strlen(identity);
        cfg.bootstrap_key = key;
        cfg.bootstrap_key_len = key_len;
    }
    cfg.on_event = on_client_event;
    cfg.open_channel = open_channel;
    cfg.close_channel = close_channel;
    cfg.io = &A;
    cfg.wall_clock = wall_clock;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status;
    if (modem_spec != NULL)
        status = run_vanilla(&cfg, modem_spec, endpoint_pattern, host_pattern,
                             bsf_flag);
    else
        status = run_engine(&cfg) == RUN_FAILED ? 1 : 0;
    memset(key, 0, sizeof key);
    return status;
}
