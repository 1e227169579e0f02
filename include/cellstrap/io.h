/*
 * cellstrap/io.h - the only door to the operating system's network and
 * clock: non-blocking UDP sockets, a monotonic millisecond clock, and a
 * small epoll loop.  Engines never call these; programs wire engines to
 * them (apps/, tests, bench).
 */
#ifndef CELLSTRAP_IO_H
#define CELLSTRAP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Milliseconds since an arbitrary start, never going back. */
uint64_t cs_clock_ms(void);

/* Seconds since 1970 (wall clock), for timestamps people read. */
int64_t cs_clock_unix(void);

typedef struct cs_udp cs_udp;

/*
 * Open a non-blocking UDP socket bound to `local` (port 0: any port).
 * *out is owned by the caller: close with cs_udp_close.
 * CS_E_INVALID_ARG for a bad address; CS_E_INTERNAL with errno kept when
 * the system refuses (address in use ...); CS_E_NOMEM.
 */
cs_err cs_udp_open(const cs_addr *local, cs_udp **out);
void cs_udp_close(cs_udp *udp);

/* The socket's descriptor (for a loop) and its bound address. */
int cs_udp_fd(const cs_udp *udp);
cs_addr cs_udp_local(const cs_udp *udp);

/*
 * Receive one datagram if one is waiting: CS_OK with *len set, or
 * CS_E_TIMEOUT when none is (the socket never blocks).  A datagram larger
 * than `cap` is truncated and reported as CS_E_TOO_LARGE.
 */
cs_err cs_udp_recv(cs_udp *udp, cs_addr *from, uint8_t *buf, size_t cap,
                   size_t *len);

/* Send one datagram; CS_OK, or CS_E_BUSY when the socket buffer is full
 * (the datagram is dropped, as the network might), or CS_E_INTERNAL. */
cs_err cs_udp_send(cs_udp *udp, const cs_addr *to, const uint8_t *data,
                   size_t len);

/*
 * Resolve a host name or address literal (DNS, /etc/hosts) to its first
 * address, with `port`.  Blocks while the resolver works.  CS_E_NOT_FOUND
 * when the name does not resolve, CS_E_SYNTAX for an empty or too long one.
 */
cs_err cs_resolve_host(const char *host, uint16_t port, cs_addr *out);

/* ---- Event loop -------------------------------------------------------- */

typedef struct cs_loop cs_loop;

/* Called when `fd` is readable. */
typedef void (*cs_loop_fd_fn)(void *ctx, int fd);
/* Called after every wake-up; returns the next deadline (cs_clock_ms
 * time) it needs, or UINT64_MAX for none. */
typedef uint64_t (*cs_loop_timer_fn)(void *ctx, uint64_t now);

cs_loop *cs_loop_new(void);
void cs_loop_free(cs_loop *loop);
cs_err cs_loop_add_fd(cs_loop *loop, int fd, cs_loop_fd_fn fn, void *ctx);
/* At most 8 timer functions. */
cs_err cs_loop_add_timer(cs_loop *loop, cs_loop_timer_fn fn, void *ctx);

/* Run until cs_loop_stop (from a callback or a signal handler) or until
 * `until_ms` (cs_clock_ms time; UINT64_MAX = no limit). */
cs_err cs_loop_run(cs_loop *loop, uint64_t until_ms);
/* Async-signal-safe. */
void cs_loop_stop(cs_loop *loop);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_IO_H */
