/*
 * addr_map.h - a hash table from transport address to a pointer, for
 * engines that hold a million peers: open addressing with linear probing,
 * keyed hashing (a remote party cannot choose colliding addresses), O(1)
 * expected lookup, insert and remove, and no per-entry allocation.
 */
#ifndef CELLSTRAP_ADDR_MAP_H
#define CELLSTRAP_ADDR_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"

struct cs_addr_map_slot {
    cs_addr key;
    void *value;        /* NULL: empty slot */
};

typedef struct cs_addr_map {
    struct cs_addr_map_slot *slots;
    size_t cap;         /* a power of two */
    size_t count;
    uint64_t seed;
} cs_addr_map;

/* An empty map keyed by `seed` (take it from a cs_rng). */
void cs_addr_map_init(cs_addr_map *map, uint64_t seed);
/* Frees the slots, not the values (owned by the caller). */
void cs_addr_map_free(cs_addr_map *map);

/* The value stored for `addr`, or NULL. */
void *cs_addr_map_get(const cs_addr_map *map, const cs_addr *addr);

/* Store `value` (not NULL) for `addr`, replacing any earlier value.
 * CS_OK, CS_E_INVALID_ARG (NULL value) or CS_E_NOMEM. */
cs_err cs_addr_map_put(cs_addr_map *map, const cs_addr *addr, void *value);

/* Remove `addr`; returns the value it had, or NULL. */
void *cs_addr_map_remove(cs_addr_map *map, const cs_addr *addr);

/* Bytes held by the table itself (for memory accounting). */
size_t cs_addr_map_memory(const cs_addr_map *map);

#endif
