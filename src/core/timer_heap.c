/*
 * timer_heap.c - binary min-heap of embedded timers (see timer_heap.h).
 */
#include <stdlib.h>

#include "timer_heap.h"

void cs_timer_init(cs_timer *timer)
{
    timer->deadline = 0;
    timer->slot = CS_TIMER_IDLE;
}

bool cs_timer_is_scheduled(const cs_timer *timer)
{
    return timer->slot != CS_TIMER_IDLE;
}

void cs_timer_heap_init(cs_timer_heap *heap)
{
    heap->items = NULL;
    heap->count = 0;
    heap->cap = 0;
}

void cs_timer_heap_free(cs_timer_heap *heap)
{
    for (size_t i = 0; i < heap->count; i++)
        heap->items[i]->slot = CS_TIMER_IDLE;
    free(heap->items);
    cs_timer_heap_init(heap);
}

static void place(cs_timer_heap *heap, size_t slot, cs_timer *timer)
{
    heap->items[slot] = timer;
    timer->slot = slot;
}

static void sift_up(cs_timer_heap *heap, size_t slot)
{
    cs_timer *timer = heap->items[slot];
    while (slot > 0) {
        size_t parent = (slot - 1) / 2;
        if (heap->items[parent]->deadline <= timer->deadline)
            break;
        place(heap, slot, heap->items[parent]);
        slot = parent;
    }
    place(heap, slot, timer);
}

static void sift_down(cs_timer_heap *heap, size_t slot)
{
    cs_timer *timer = heap->items[slot];
    for (;;) {
        size_t child = 2 * slot + 1;
        if (child >= heap->count)
            break;
        if (child + 1 < heap->count &&
            heap->items[child + 1]->deadline < heap->items[child]->deadline)
            child++;
        if (timer->deadline <= heap->items[child]->deadline)
            break;
        place(heap, slot, heap->items[child]);
        slot = child;
    }
    place(heap, slot, timer);
}

cs_err cs_timer_schedule(cs_timer_heap *heap, cs_timer *timer,
                         cs_time_ms deadline)
{
    if (cs_timer_is_scheduled(timer)) {
        cs_time_ms old = timer->deadline;
        timer->deadline = deadline;
        if (deadline < old)
            sift_up(heap, timer->slot);
        else
            sift_down(heap, timer->slot);
        return CS_OK;
    }
    if (heap->count == heap->cap) {
        size_t cap = heap->cap ? heap->cap * 2 : 64;
        cs_timer **grown = realloc(heap->items, cap * sizeof *grown);
        if (grown == NULL)
            return CS_E_NOMEM;
        heap->items = grown;
        heap->cap = cap;
    }
    timer->deadline = deadline;
    place(heap, heap->count++, timer);
    sift_up(heap, timer->slot);
    return CS_OK;
}

/* Give the array back when it is mostly empty; a failed realloc just
 * keeps the larger one. */
static void shrink_if_sparse(cs_timer_heap *heap)
{
    if (heap->cap <= 64 || heap->count * 8 >= heap->cap)
        return;
    size_t cap = heap->cap / 4;
    cs_timer **smaller = realloc(heap->items, cap * sizeof *smaller);
    if (smaller != NULL) {
        heap->items = smaller;
        heap->cap = cap;
    }
}

void cs_timer_cancel(cs_timer_heap *heap, cs_timer *timer)
{
    if (!cs_timer_is_scheduled(timer))
        return;
    size_t slot = timer->slot;
    cs_timer *last = heap->items[--heap->count];
    timer->slot = CS_TIMER_IDLE;
    if (last != timer) {
        place(heap, slot, last);
        if (slot > 0 && heap->items[(slot - 1) / 2]->deadline > last->deadline)
            sift_up(heap, slot);
        else
            sift_down(heap, slot);
    }
    shrink_if_sparse(heap);
}

cs_timer *cs_timer_heap_first(const cs_timer_heap *heap)
{
    return heap->count ? heap->items[0] : NULL;
}

cs_timer *cs_timer_heap_pop_due(cs_timer_heap *heap, cs_time_ms now)
{
    cs_timer *first = cs_timer_heap_first(heap);
    if (first == NULL || first->deadline > now)
        return NULL;
    cs_timer_cancel(heap, first);
    return first;
}
