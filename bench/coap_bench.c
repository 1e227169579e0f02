/*
 * coap_bench.c - load generator and reference server for the CoAP engine.
 *
 *   cellstrap-bench-coap engine [IDLE...]
 *       In-process, no sockets: for each count of idle peers (default
 *       64 10000 100000 1000000) create them (new peers/s), then measure
 *       requests/s from 64 active peers and the memory held per idle peer.
 *   cellstrap-bench-coap server PORT
 *       The reference server on our engine over UDP: GET / answers a
 *       100-byte text.  Prints "ready"; runs until SIGTERM.
 *   cellstrap-bench-coap load HOST:PORT IDLE SECONDS [WINDOW]
 *       Over loopback: IDLE peers each send one CON GET / from their own
 *       source address 127.1.x.y (new peers/s), then 64 active peers keep
 *       WINDOW (default 64) requests in flight for SECONDS (requests/s).
 *
 * Not a test: it measures and prints; bench/RESULTS.md keeps the figures
 * with the commands that made them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cellstrap/coap_endpoint.h"
#include "cellstrap/io.h"

static const char body[] =
    "This is a reference CoAP server on cellstrap's engine, answering a "
    "GET of / with 100 bytes of text...";

static void answer_get(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                       cs_coap_msg *response)
{
    (void)app;
    (void)ep;
    (void)in;
    response->code = CS_COAP_CODE_CONTENT;
    cs_coap_add_content_format(response, 0);
    cs_coap_set_payload(response, body, sizeof body - 1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Peer n's address: 127.1.0.0 + n, port 40000 + n % 1000. */
static cs_addr peer_addr(uint32_t n)
{
    uint32_t ip = (127u << 24 | 1u << 16) + n;
    return cs_addr_ipv4((uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
                        (uint8_t)(ip >> 8), (uint8_t)ip,
                        (uint16_t)(40000 + n % 1000));
}

/* ---- engine: in-process ------------------------------------------------ */

static size_t sent_count;

static void count_send(void *io, const cs_addr *to, void *session,
                       const uint8_t *data, size_t len)
{
    (void)io;
    (void)to;
    (void)session;
    (void)data;
    (void)len;
    sent_count++;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static size_t make_get(uint8_t *buf, uint16_t mid)
{
    buf[0] = 0x44;            /* CON, TKL 4 */
    buf[1] = 0x01;            /* GET */
    buf[2] = (uint8_t)(mid >> 8);
    buf[3] = (uint8_t)mid;
    memcpy(buf + 4, &mid, 2);
    buf[6] = 0x5a;
    buf[7] = 0xa5;
    return 8;                 /* GET / : no Uri-Path option */
}

static void bench_engine_one(uint32_t idle)
{
    cs_coap_config cfg = { 0 };
    cs_coap_params_default(&cfg.params);
    cfg.send = count_send;
    cfg.on_request = answer_get;
    cfg.seed = 7;
    cs_coap_endpoint *ep = cs_coap_endpoint_new(&cfg);
    uint8_t req[16];
    size_t before = heap_in_use();
    cs_coap_time t = 1000;

    double start = now_s();
    for (uint32_t n = 0; n < idle; n++) {
        cs_addr a = peer_addr(n);
        size_t len = make_get(req, (uint16_t)n);
        cs_coap_receive(ep, t, &a, NULL, req, len);
    }
    double made = now_s() - start;
    size_t per_peer = (heap_in_use() - before) / (idle ? idle : 1);

    /* 64 active peers (other addresses), each request a new message ID. */
    const uint32_t active = 64;
    uint32_t total = 0;
    start = now_s();
    double elapsed;
    do {
        for (int k = 0; k < 10000; k++, total++) {
            cs_addr a = peer_addr(idle + total % active);
            size_t len = make_get(req, (uint16_t)(total / active));
            cs_coap_receive(ep, t, &a, NULL, req, len);
        }
        elapsed = now_s() - start;
    } while (elapsed < 1.0);
    /* Past EXCHANGE_LIFETIME with no traffic, a plain peer holds nothing. */
    cs_coap_tick(ep, t + cs_coap_exchange_lifetime(&cfg.params) + 1);
    cs_coap_stats st;
    cs_coap_get_stats(ep, &st);
    size_t later = heap_in_use() > before ? heap_in_use() - before : 0;
    printf("| %u | %.0f | %.0f | %zu | %zu | %zu |\n", idle,
           idle ? idle / made : 0, total / elapsed, per_peer, st.peers,
           later / (idle ? idle : 1));
    cs_coap_endpoint_free(ep);
}

static int bench_engine(int argc, char **argv)
{
    static const uint32_t defaults[] = { 64, 10000, 100000, 1000000 };
    printf("| idle peers | new peers/s | requests/s (64 active) | heap bytes per idle peer | peers held 247 s later | heap bytes per peer 247 s later |\n");
    printf("|---:|---:|---:|---:|---:|---:|\n");
    if (argc > 2) {
        for (int i = 2; i < argc; i++)
            bench_engine_one((uint32_t)strtoul(argv[i], NULL, 10));
    } else {
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            bench_engine_one(defaults[i]);
    }
    return 0;
}

/* ---- server: our engine over UDP ---------------------------------------- */

struct server {
    cs_udp *udp;
    cs_coap_endpoint *ep;
};

static cs_loop *server_loop;

static void stop_server(int sig)
{
    (void)sig;
    cs_loop_stop(server_loop);
}

static void udp_send(void *io, const cs_addr *to, void *session,
                     const uint8_t *data, size_t len)
{
    (void)session;
    cs_udp_send(io, to, data, len);
}

static void server_readable(void *ctx, int fd)
{
    (void)fd;
    struct server *s = ctx;
    uint8_t buf[1500];
    size_t len;
    cs_addr from;
    uint64_t now = cs_clock_ms();
    for (int i = 0; i < 256; i++) {
        cs_err err = cs_udp_recv(s->udp, &from, buf, sizeof buf, &len);
        if (err == CS_E_TIMEOUT)
            break;
        if (err == CS_OK)
            cs_coap_receive(s->ep, now, &from, NULL, buf, len);
    }
}

static uint64_t server_timer(void *ctx, uint64_t now)
{
    struct server *s = ctx;
    cs_coap_tick(s->ep, now);
    return cs_coap_next_deadline(s->ep);
}

static int run_server(const char *port)
{
    struct server s;
    cs_addr local = cs_addr_ipv4(0, 0, 0, 0, (uint16_t)atoi(port));
    if (cs_udp_open(&local, &s.udp) != CS_OK) {
        perror("bind");
        return 1;
    }
    cs_coap_config cfg = { 0 };
    cs_coap_params_default(&cfg.params);
    cfg.send = udp_send;
    cfg.io = s.udp;
    cfg.on_request = answer_get;
    s.ep = cs_coap_endpoint_new(&cfg);
    server_loop = cs_loop_new();
    cs_loop_add_fd(server_loop, cs_udp_fd(s.udp), server_readable, &s);
    cs_loop_add_timer(server_loop, server_timer, &s);
    signal(SIGTERM, stop_server);
    signal(SIGINT, stop_server);
    printf("ready\n");
    fflush(stdout);
    cs_loop_run(server_loop, UINT64_MAX);
    cs_coap_stats st;
    cs_coap_get_stats(s.ep, &st);
    fprintf(stderr, "server: %zu peers, %llu duplicates\n", st.peers,
            (unsigned long long)st.duplicates);
    cs_coap_endpoint_free(s.ep);
    cs_loop_free(server_loop);
    cs_udp_close(s.udp);
    return 0;
}

/* ---- load: many source addresses over loopback -------------------------- */

#define BATCH 64

struct loadgen {
    int fd;
    struct sockaddr_in target;
    uint16_t mid[1 << 16];
};

/* Send one CON GET / from peer n (source address chosen per datagram with
 * IP_PKTINFO, so one socket speaks for every peer). */
static void fill_msg(struct loadgen *g, uint32_t n, uint8_t *buf,
                     struct mmsghdr *mh, struct iovec *iov, char *ctrl,
                     size_t ctrl_len)
{
    uint16_t mid = g->mid[n & 0xffff]++;
    make_get(buf, mid);
    iov->iov_base = buf;
    iov->iov_len = 8;
    memset(mh, 0, sizeof *mh);
    mh->msg_hdr.msg_name = &g->target;
    mh->msg_hdr.msg_namelen = sizeof g->target;
    mh->msg_hdr.msg_iov = iov;
    mh->msg_hdr.msg_iovlen = 1;
    memset(ctrl, 0, ctrl_len);
    mh->msg_hdr.msg_control = ctrl;
    mh->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh->msg_hdr);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    cs_addr a = peer_addr(n);
    memcpy(&pi.ipi_spec_dst, a.ip, 4);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
}

static void send_batch(struct loadgen *g, const uint32_t *peers, int count)
{
    static uint8_t bufs[BATCH][16];
    static struct mmsghdr mh[BATCH];
    static struct iovec iov[BATCH];
    static char ctrl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
    for (int i = 0; i < count; i++)
        fill_msg(g, peers[i], bufs[i], &mh[i], &iov[i], ctrl[i], sizeof ctrl[i]);
    int sent = 0;
    while (sent < count) {
        int n = sendmmsg(g->fd, mh + sent, (unsigned)(count - sent), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == ENOBUFS) {
                struct pollfd p = { g->fd, POLLOUT, 0 };
                poll(&p, 1, 10);
                continue;
            }
            perror("sendmmsg");
            exit(1);
        }
        sent += n;
    }
}

/* Receive what is there (waiting up to `ms`); returns datagrams read. */
static int recv_some(struct loadgen *g, int ms)
{
    static uint8_t bufs[BATCH][256];
    static struct mmsghdr mh[BATCH];
    static struct iovec iov[BATCH];
    struct pollfd p = { g->fd, POLLIN, 0 };
    if (poll(&p, 1, ms) <= 0)
        return 0;
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = sizeof bufs[i];
        memset(&mh[i], 0, sizeof mh[i]);
        mh[i].msg_hdr.msg_iov = &iov[i];
        mh[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(g->fd, mh, BATCH, MSG_DONTWAIT, NULL);
    return n < 0 ? 0 : n;
}

static size_t server_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int run_load(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    cs_addr target;
    if (cs_addr_parse(argv[2], 5683, &target) != CS_OK)
        return 2;
    uint32_t idle = (uint32_t)strtoul(argv[3], NULL, 10);
    double seconds = atof(argv[4]);
    int window = argc > 5 ? atoi(argv[5]) : 64;
    pid_t server_pid = argc > 6 ? (pid_t)atoi(argv[6]) : 0;
    if (window > 4096)
        window = 4096;

    static struct loadgen g;
    g.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int one = 1, size = 8 << 20;
    setsockopt(g.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(g.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    setsockopt(g.fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
    struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(0) };
    if (bind(g.fd, (struct sockaddr *)&any, sizeof any) != 0) {
        perror("bind");
        return 1;
    }
    g.target.sin_family = AF_INET;
    g.target.sin_port = htons(target.port);
    memcpy(&g.target.sin_addr, target.ip, 4);

    size_t rss0 = server_pid ? server_rss_kb(server_pid) : 0;
    /* Phase 1: IDLE new peers, one request each, WINDOW in flight. */
    uint32_t peers[BATCH];
    uint32_t next = 0, answered = 0;
    long in_flight = 0;
    double start = now_s();
    while (answered < idle && now_s() - start < 600) {
        int count = 0;
        while (next < idle && in_flight + count < window && count < BATCH)
            peers[count++] = next++;
        if (count > 0) {
            send_batch(&g, peers, count);
            in_flight += count;
        }
        int got = recv_some(&g, count > 0 ? 0 : 100);
        answered += (uint32_t)got;
        in_flight -= got;
        if (got == 0 && count == 0) {
            in_flight = 0;          /* lost: send the missing ones again */
            if (next >= idle && answered < idle)
                next = answered;
        }
    }
    double made = now_s() - start;
    size_t rss1 = server_pid ? server_rss_kb(server_pid) : 0;

    /* Phase 2: 64 active peers, WINDOW requests in flight. */
    const uint32_t active = 64;
    uint64_t sent = 0, got_total = 0;
    in_flight = 0;
    start = now_s();
    double elapsed = 0;
    while ((elapsed = now_s() - start) < seconds) {
        int count = 0;
        while (in_flight + count < window && count < BATCH) {
            peers[count] = idle + (uint32_t)((sent + (uint64_t)count) % active);
            count++;
        }
        if (count > 0) {
            send_batch(&g, peers, count);
            sent += (uint64_t)count;
            in_flight += count;
        }
        int got = recv_some(&g, 1);
        got_total += (uint64_t)got;
        in_flight -= got;
        if (got == 0 && count == 0)
            in_flight = 0;          /* losses: refill the window */
    }
    char per_peer[32] = "-";
    if (server_pid && idle)
        snprintf(per_peer, sizeof per_peer, "%.0f",
                 (double)(rss1 - rss0) * 1024.0 / idle);
    printf("| %u | %.0f | %.0f | %s |\n", idle, idle ? idle / made : 0,
           got_total / elapsed, per_peer);
    close(g.fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "engine") == 0)
        return bench_engine(argc, argv);
    if (argc >= 3 && strcmp(argv[1], "server") == 0)
        return run_server(argv[2]);
    if (argc >= 5 && strcmp(argv[1], "load") == 0)
        return run_load(argc, argv);
    fprintf(stderr, "usage: cellstrap-bench-coap engine [IDLE...] | server PORT |"
                    " load HOST:PORT IDLE SECONDS [WINDOW [SERVER_PID]]\n");
    return 2;
}
