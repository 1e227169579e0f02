/*
 * timer_heap.h - deadlines for engines that hold many peers: a binary
 * min-heap of timers embedded in their owners.  Schedule, move and cancel
 * are O(log n); finding the next deadline is O(1); nothing ever walks all
 * timers.  Times are milliseconds on the caller's clock (engines are
 * sans-I/O: the caller says what time it is).
 */
#ifndef CELLSTRAP_TIMER_HEAP_H
#define CELLSTRAP_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

typedef uint64_t cs_time_ms;

/* Embed one in the owner; find the owner back with offsetof. */
typedef struct cs_timer {
    cs_time_ms deadline;
    size_t slot;         /* position in the heap; CS_TIMER_IDLE when not in it */
} cs_timer;

#define CS_TIMER_IDLE SIZE_MAX

typedef struct cs_timer_heap {
    cs_timer **items;
    size_t count;
    size_t cap;
} cs_timer_heap;

void cs_timer_init(cs_timer *timer);
bool cs_timer_is_scheduled(const cs_timer *timer);

void cs_timer_heap_init(cs_timer_heap *heap);
/* Frees the heap's array; the timers (owned by others) are left idle. */
void cs_timer_heap_free(cs_timer_heap *heap);

/* Schedule `timer` at `deadline`, or move it there if already scheduled.
 * CS_OK or CS_E_NOMEM (the timer is then unchanged). */
cs_err cs_timer_schedule(cs_timer_heap *heap, cs_timer *timer,
                         cs_time_ms deadline);

/* Remove `timer` if scheduled. */
void cs_timer_cancel(cs_timer_heap *heap, cs_timer *timer);

/* The earliest timer, or NULL. */
cs_timer *cs_timer_heap_first(const cs_timer_heap *heap);

/* Remove and return the earliest timer whose deadline is <= now, or NULL. */
cs_timer *cs_timer_heap_pop_due(cs_timer_heap *heap, cs_time_ms now);

#endif
