/*
 * radius_peer.c - a RADIUS accounting server on cellstrap's own engine
 * (cs_acct_server over a loopback UDP socket), for interoperability tests
 * against an independent RADIUS client (FreeRADIUS's radclient).
 *
 *   radius_peer PORT SECRET [SECONDS [corrupt]]
 *       Listens on 127.0.0.1:PORT (0: any free port) for the gateway
 *       "pgw-test" at 127.0.0.1 with SECRET.  Prints "ready port=N" when
 *       bound, then one line per datagram: the event applied with its
 *       decoded fields ("event=Start imsi=... ip=..."), or the outcome
 *       ("duplicate", "drop=bad-authenticator" ...).  Runs until SIGTERM,
 *       SIGINT or SECONDS (default 60) have passed.  With "corrupt",
 *       every response goes out with one bit of its authenticator
 *       flipped, to show that the client really checks it.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/io.h"
#include "cellstrap/radius_accounting.h"

struct peer {
    cs_udp *udp;
    cs_acct_server *server;
    bool corrupt;
};

static cs_loop *signal_loop;

static void on_signal(int sig)
{
    (void)sig;
    if (signal_loop != NULL)
        cs_loop_stop(signal_loop);
}

static void print_event(const cs_acct_event *ev)
{
    const cs_radius_acct *f = ev->fields;
    printf("event=%s gateway=%s", cs_radius_status_name(ev->status_type), ev->gateway);
    if (f->present & CS_ACCT_HAS_FRAMED_IP)
        printf(" ip=%u.%u.%u.%u", f->framed_ip[0], f->framed_ip[1], f->framed_ip[2],
               f->framed_ip[3]);
    if (f->present & CS_ACCT_HAS_NAS_IP)
        printf(" nas_ip=%u.%u.%u.%u", f->nas_ip[0], f->nas_ip[1], f->nas_ip[2],
               f->nas_ip[3]);
    if (f->present & CS_ACCT_HAS_USER_NAME)
        printf(" user=%s", f->user_name);
    if (f->present & CS_ACCT_HAS_MSISDN)
        printf(" msisdn=%s", f->msisdn);
    if (f->present & CS_ACCT_HAS_APN)
        printf(" apn=%s", f->apn);
    if (f->present & CS_ACCT_HAS_SESSION_ID)
        printf(" session=%s", f->session_id);
    if (f->present & CS_ACCT_HAS_EVENT_TIMESTAMP)
        printf(" timestamp=%u", (unsigned)f->event_timestamp);
    if (f->present & CS_ACCT_HAS_IMSI)
        printf(" imsi=%s", f->imsi);
    if (f->present & CS_ACCT_HAS_IMEISV)
        printf(" imeisv=%s", f->imeisv);
    if (f->present & CS_ACCT_HAS_RAT_TYPE)
        printf(" rat=%u", f->rat_type);
    if (f->present & CS_ACCT_HAS_SGSN_MCC_MNC)
        printf(" mcc_mnc=%s", f->sgsn_mcc_mnc);
    printf("\n");
}

static cs_err apply(void *ctx, const cs_acct_event *ev)
{
    (void)ctx;
    print_event(ev);
    return CS_OK;
}

static void on_readable(void *ctx, int fd)
{
    (void)fd;
    struct peer *p = ctx;
    uint8_t buf[CS_RADIUS_MAX_LEN + 1], out[64];
    cs_addr from;
    size_t len;
    cs_err err;
    while ((err = cs_udp_recv(p->udp, &from, buf, sizeof buf, &len)) != CS_E_TIMEOUT) {
        if (err != CS_OK && err != CS_E_TOO_LARGE)
            break;
        cs_acct_result res;
        cs_acct_server_receive(p->server, cs_clock_ms(), &from, buf, len, out,
                               sizeof out, &res);
        if (res.outcome != CS_ACCT_ANSWERED)
            printf("%s%s\n", res.response_len ? "" : "drop=",
                   cs_acct_outcome_name(res.outcome));
        if (res.response_len > 0 && p->corrupt)
            out[4] ^= 0x01;
        if (res.response_len > 0)
            cs_udp_send(p->udp, &from, out, res.response_len);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5 || (argc == 5 && strcmp(argv[4], "corrupt") != 0)) {
        fprintf(stderr, "usage: radius_peer PORT SECRET [SECONDS [corrupt]]\n");
        return 2;
    }
    long port = strtol(argv[1], NULL, 10);
    long seconds = argc >= 4 ? strtol(argv[3], NULL, 10) : 60;
    if (port < 0 || port > 65535 || seconds <= 0 || seconds > 3600) {
        fprintf(stderr, "radius_peer: bad port or time\n");
        return 2;
    }
    struct peer p = { .corrupt = argc == 5 };
    cs_acct_server_config cfg = { .apply = apply };
    cs_addr local = cs_addr_ipv4(127, 0, 0, 1, (uint16_t)port);
    cs_addr pgw = cs_addr_ipv4(127, 0, 0, 1, 0);
    cs_loop *loop = cs_loop_new();
    if (loop == NULL || cs_acct_server_new(&cfg, &p.server) != CS_OK ||
        cs_acct_server_add_gateway(p.server, "pgw-test", &pgw, (const uint8_t *)argv[2],
                                   strlen(argv[2])) != CS_OK ||
        cs_udp_open(&local, &p.udp) != CS_OK ||
        cs_loop_add_fd(loop, cs_udp_fd(p.udp), on_readable, &p) != CS_OK) {
        fprintf(stderr, "radius_peer: cannot start\n");
        return 1;
    }
    signal_loop = loop;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("ready port=%u\n", cs_udp_local(p.udp).port);
    fflush(stdout);
    cs_loop_run(loop, cs_clock_ms() + (uint64_t)seconds * 1000);
    cs_udp_close(p.udp);
    cs_acct_server_free(p.server);
    cs_loop_free(loop);
    return 0;
}
