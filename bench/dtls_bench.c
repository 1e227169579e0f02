/*
 * dtls_bench.c - DTLS-PSK handshakes per second and memory per active and
 * parked session, for the DTLS engine (in one process, no sockets: a
 * server engine and N client engines exchange datagrams directly).
 *
 *   cellstrap-bench-dtls [N]      (default 2000 clients)
 *
 * The time spent inside the server's calls is measured apart from the
 * clients', so "server handshakes/s" is what one core of a server could
 * sustain.  Memory is the heap growth (glibc mallinfo2) of the server
 * alone: clients are freed before it is read.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/dtls.h"

static const uint8_t psk[16] = "0123456789abcdef";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static cs_err lookup(void *ctx, const cs_addr *from, const uint8_t *identity,
                     size_t identity_len, uint8_t *key, size_t key_cap,
                     size_t *key_len)
{
    (void)ctx;
    (void)from;
    (void)identity;
    (void)identity_len;
    if (key_cap < sizeof psk)
        return CS_E_NOT_FOUND;
    memcpy(key, psk, sizeof psk);
    *key_len = sizeof psk;
    return CS_OK;
}

static size_t connected;

static void on_event(void *ctx, const cs_dtls_event *ev)
{
    (void)ctx;
    if (ev->type == CS_DTLS_EV_CONNECTED)
        connected++;
}

static cs_addr client_addr(uint32_t i)
{
    return cs_addr_ipv4(127, 2, (uint8_t)(i >> 8), (uint8_t)i, 50000);
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 2000;
    cs_addr server_addr = cs_addr_ipv4(127, 0, 0, 1, 5684);
    size_t h0 = heap_in_use();

    cs_dtls_config scfg;
    cs_dtls_config_init(&scfg);
    scfg.on_event = on_event;
    scfg.psk_lookup = lookup;
    scfg.idle_park_ms = 60000;
    cs_dtls_engine *server = cs_dtls_server_new(&scfg);
    cs_dtls_config ccfg;
    cs_dtls_config_init(&ccfg);
    ccfg.on_event = on_event;
    cs_dtls_engine **clients = calloc(n, sizeof *clients);
    for (uint32_t i = 0; i < n; i++) {
        char id[32];
        int len = snprintf(id, sizeof id, "device-%u", i);
        clients[i] = cs_dtls_client_new(&ccfg, &server_addr, (const uint8_t *)id,
                                        (size_t)len, psk, sizeof psk);
    }

    static uint8_t buf[CS_DTLS_DATAGRAM_MAX];
    double server_time = 0, client_time = 0, t;
    uint64_t now = 1000;
    double start = now_s();
    for (uint32_t i = 0; i < n; i++) {
        cs_addr from = client_addr(i), to;
        size_t len;
        t = now_s();
        cs_dtls_connect(clients[i], now, NULL);
        client_time += now_s() - t;
        /* Ping-pong until neither side has anything to send. */
        for (int round = 0; round < 20; round++) {
            bool moved = false;
            while (cs_dtls_next_output(clients[i], &to, buf, sizeof buf, &len) == CS_OK) {
                t = now_s();
                cs_dtls_receive(server, now, &from, buf, len);
                server_time += now_s() - t;
                moved = true;
            }
            while (cs_dtls_next_output(server, &to, buf, sizeof buf, &len) == CS_OK) {
                t = now_s();
                cs_dtls_receive(clients[i], now, &server_addr, buf, len);
                client_time += now_s() - t;
                moved = true;
            }
            if (!moved)
                break;
        }
    }
    double total = now_s() - start;
    cs_dtls_stats st;
    cs_dtls_get_stats(server, &st);

    for (uint32_t i = 0; i < n; i++)
        cs_dtls_free(clients[i]);
    free(clients);
    size_t h_active = heap_in_use();
    cs_dtls_tick(server, now + 61000);          /* park every idle session */
    cs_dtls_stats parked;
    cs_dtls_get_stats(server, &parked);
    size_t h_parked = heap_in_use();

    printf("| clients | completed | handshakes/s (both ends, one thread) | server handshakes/s (server CPU only) | server heap per active peer | server heap per parked peer | parked blob (engine stats) |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|\n");
    printf("| %u | %llu | %.0f | %.0f | %zu | %zu | %zu |\n", n,
           (unsigned long long)st.handshakes_completed, n / total,
           n / server_time, (h_active - h0) / n, (h_parked - h0) / n,
           parked.parked ? parked.mem_parked / parked.parked : 0);
    fprintf(stderr, "connected events %zu, parked %zu, active %zu, client CPU %.2f s\n",
            connected, parked.parked, parked.active, client_time);
    cs_dtls_free(server);
    return 0;
}
