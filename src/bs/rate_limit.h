/*
 * rate_limit.h - how many Bootstrap-Requests the bootstrap server takes
 * from one address or one subscription per time window.  A fixed table
 * (no allocation per key): a burst of new keys cannot grow memory.
 */
#ifndef CELLSTRAP_BS_RATE_LIMIT_H
#define CELLSTRAP_BS_RATE_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bs_rate_slot {
    uint64_t tag;            /* key hash; 0 = free */
    uint64_t window_start;   /* ms */
    uint32_t count;
};

struct bs_rate_limit {
    struct bs_rate_slot *slots;
    size_t mask;             /* slots - 1 (a power of two) */
    uint32_t limit;          /* requests per window; 0 = no limit */
    uint64_t window_ms;
    uint64_t seed;
};

/* `slots` is rounded up to a power of two.  False when out of memory. */
bool bs_rate_limit_init(struct bs_rate_limit *rl, size_t slots, uint32_t limit,
                        uint64_t window_ms, uint64_t seed);
void bs_rate_limit_free(struct bs_rate_limit *rl);

/* Count one request for `key` at `now`: false when it is over the limit
 * (or, under a flood of distinct keys, when no slot is free). */
bool bs_rate_limit_allow(struct bs_rate_limit *rl, const char *key, uint64_t now);

#endif
