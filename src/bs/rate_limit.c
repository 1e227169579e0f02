/*
 * rate_limit.c - fixed-window request counters in an open-addressed table
 * of fixed size.  A key's slot is found by a seeded hash and a short
 * probe; a slot whose window has passed is free for any key.  When all
 * probed slots are busy the request is refused: under a flood of new
 * keys the bootstrap server sheds load instead of growing.
 */
#include <stdlib.h>
#include <string.h>

#include "rate_limit.h"

#define PROBES 8

bool bs_rate_limit_init(struct bs_rate_limit *rl, size_t slots, uint32_t limit,
                        uint64_t window_ms, uint64_t seed)
{
    size_t n = 16;
    while (n < slots)
        n <<= 1;
    memset(rl, 0, sizeof *rl);
    rl->slots = calloc(n, sizeof *rl->slots);
    if (rl->slots == NULL)
        return false;
    rl->mask = n - 1;
    rl->limit = limit;
    rl->window_ms = window_ms ? window_ms : 1;
    rl->seed = seed;
    return true;
}

void bs_rate_limit_free(struct bs_rate_limit *rl)
{
    free(rl->slots);
    rl->slots = NULL;
}

/* FNV-1a over the seed and the key, never 0 (0 marks a free slot). */
static uint64_t key_hash(uint64_t seed, const char *key)
{
    uint64_t h = 14695981039346656037ull ^ seed;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

bool bs_rate_limit_allow(struct bs_rate_limit *rl, const char *key, uint64_t now)
{
    if (rl->limit == 0)
        return true;
    uint64_t tag = key_hash(rl->seed, key);
    struct bs_rate_slot *free_slot = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct bs_rate_slot *s = &rl->slots[(tag + i) & rl->mask];
        bool expired = s->tag == 0 || now - s->window_start >= rl->window_ms;
        if (s->tag == tag) {
            if (expired) {
                s->window_start = now;
                s->count = 0;
            }
            if (s->count <= rl->limit)
                s->count++;              /* saturates at limit + 1 */
            return s->count <= rl->limit;
        }
        if (expired && free_slot == NULL)
            free_slot = s;
    }
    if (free_slot == NULL)
        return false;
    free_slot->tag = tag;
    free_slot->window_start = now;
    free_slot->count = 1;
    return true;
}
