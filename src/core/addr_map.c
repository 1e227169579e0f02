/*
 * addr_map.c - open-addressing hash table keyed by transport address (see
 * addr_map.h).  Linear probing with backward-shift deletion, so there are
 * no tombstones and lookups stay short after many removals; grown at 3/4
 * load, shrunk to a quarter below 1/8 load.
 */
#include <stdlib.h>
#include <string.h>

#include "addr_map.h"

void cs_addr_map_init(cs_addr_map *map, uint64_t seed)
{
    map->slots = NULL;
    map->cap = 0;
    map->count = 0;
    map->seed = seed;
}

void cs_addr_map_free(cs_addr_map *map)
{
    free(map->slots);
    cs_addr_map_init(map, map->seed);
}

static size_t home_slot(const cs_addr_map *map, const cs_addr *addr)
{
    return (size_t)cs_addr_hash(addr, map->seed) & (map->cap - 1);
}

/* The slot holding `addr`, or the empty slot where it would go. */
static size_t find_slot(const cs_addr_map *map, const cs_addr *addr)
{
    size_t i = home_slot(map, addr);
    while (map->slots[i].value != NULL &&
           !cs_addr_equal(&map->slots[i].key, addr))
        i = (i + 1) & (map->cap - 1);
    return i;
}

void *cs_addr_map_get(const cs_addr_map *map, const cs_addr *addr)
{
    if (map->count == 0)
        return NULL;
    return map->slots[find_slot(map, addr)].value;
}

static cs_err resize(cs_addr_map *map, size_t cap)
{
    struct cs_addr_map_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return CS_E_NOMEM;
    struct cs_addr_map_slot *old = map->slots;
    size_t old_cap = map->cap;
    map->slots = slots;
    map->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].value != NULL)
            map->slots[find_slot(map, &old[i].key)] = old[i];
    free(old);
    return CS_OK;
}

cs_err cs_addr_map_put(cs_addr_map *map, const cs_addr *addr, void *value)
{
    if (value == NULL)
        return CS_E_INVALID_ARG;
    if ((map->count + 1) * 4 > map->cap * 3) {
        cs_err err = resize(map, map->cap ? map->cap * 2 : 64);
        if (err != CS_OK)
            return err;
    }
    size_t i = find_slot(map, addr);
    if (map->slots[i].value == NULL)
        map->count++;
    map->slots[i].key = *addr;
    map->slots[i].value = value;
    return CS_OK;
}

/* True when `home` lies cyclically in (gap, slot]: the entry at `slot`
 * cannot move back to `gap` without leaving its probe sequence. */
static bool stays_put(size_t home, size_t gap, size_t slot)
{
    if (gap <= slot)
        return gap < home && home <= slot;
    return gap < home || home <= slot;
}

void *cs_addr_map_remove(cs_addr_map *map, const cs_addr *addr)
{
    if (map->count == 0)
        return NULL;
    size_t gap = find_slot(map, addr);
    void *value = map->slots[gap].value;
    if (value == NULL)
        return NULL;
    map->slots[gap].value = NULL;
    map->count--;
    size_t mask = map->cap - 1;
    for (size_t i = (gap + 1) & mask; map->slots[i].value != NULL;
         i = (i + 1) & mask) {
        size_t home = home_slot(map, &map->slots[i].key);
        if (stays_put(home, gap, i))
            continue;
        map->slots[gap] = map->slots[i];
        map->slots[i].value = NULL;
        gap = i;
    }
    /* Give memory back when the table is mostly empty (a peer crowd that
     * went quiet); a failed shrink just keeps the larger table. */
    if (map->cap > 64 && map->count * 8 < map->cap)
        resize(map, map->cap / 4);
    return value;
}

size_t cs_addr_map_memory(const cs_addr_map *map)
{
    return map->cap * sizeof *map->slots;
}
