/*
 * loop.c - a small epoll loop: descriptors with read callbacks, and timer
 * functions that say when they next need to run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cellstrap/io.h"

#define MAX_FDS 16
#define MAX_TIMERS 8

struct fd_entry {
    int fd;
    cs_loop_fd_fn fn;
    void *ctx;
};

struct timer_entry {
    cs_loop_timer_fn fn;
    void *ctx;
};

struct cs_loop {
    int epfd;
    volatile sig_atomic_t stop;
    struct fd_entry fds[MAX_FDS];
    size_t fd_count;
    struct timer_entry timers[MAX_TIMERS];
    size_t timer_count;
};

cs_loop *cs_loop_new(void)
{
    cs_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return NULL;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        free(loop);
        return NULL;
    }
    return loop;
}

void cs_loop_free(cs_loop *loop)
{
    if (loop == NULL)
        return;
    close(loop->epfd);
    free(loop);
}

cs_err cs_loop_add_fd(cs_loop *loop, int fd, cs_loop_fd_fn fn, void *ctx)
{
    if (loop->fd_count == MAX_FDS)
        return CS_E_TOO_LARGE;
    struct fd_entry *e = &loop->fds[loop->fd_count];
    e->fd = fd;
    e->fn = fn;
    e->ctx = ctx;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = e };
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return CS_E_INTERNAL;
    loop->fd_count++;
    return CS_OK;
}

cs_err cs_loop_add_timer(cs_loop *loop, cs_loop_timer_fn fn, void *ctx)
{
    if (loop->timer_count == MAX_TIMERS)
        return CS_E_TOO_LARGE;
    loop->timers[loop->timer_count].fn = fn;
    loop->timers[loop->timer_count].ctx = ctx;
    loop->timer_count++;
    return CS_OK;
}

void cs_loop_stop(cs_loop *loop)
{
    loop->stop = 1;
}

/* Run the timer functions; the earliest deadline any of them needs. */
static uint64_t run_timers(cs_loop *loop, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < loop->timer_count; i++) {
        uint64_t d = loop->timers[i].fn(loop->timers[i].ctx, now);
        if (d < next)
            next = d;
    }
    return next;
}

cs_err cs_loop_run(cs_loop *loop, uint64_t until_ms)
{
    struct epoll_event events[MAX_FDS];
    loop->stop = 0;
    while (!loop->stop) {
        uint64_t now = cs_clock_ms();
        if (now >= until_ms)
            break;
        uint64_t next = run_timers(loop, now);
        if (next > until_ms)
            next = until_ms;
        now = cs_clock_ms();
        int timeout = next == UINT64_MAX ? -1
                      : next <= now      ? 0
                      : next - now > 60000 ? 60000
                                           : (int)(next - now);
        if (loop->stop)
            break;
        int n = epoll_wait(loop->epfd, events, MAX_FDS, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return CS_E_INTERNAL;
        }
        for (int i = 0; i < n; i++) {
            struct fd_entry *e = events[i].data.ptr;
            e->fn(e->ctx, e->fd);
        }
    }
    return CS_OK;
}
