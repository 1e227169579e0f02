/*
 * naf_keys.c - the NAF's key table: open addressing over a fixed array,
 * keyed by a seeded hash of the B-TID, a probe window of eight; expired
 * entries are wiped on sight and a full window gives up its oldest.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "naf_keys.h"

#define PROBES 8

bool bs_naf_keys_init(struct bs_naf_keys *t, size_t slots, uint64_t seed)
{
    size_t n = 16;
    while (n < slots)
        n <<= 1;
    memset(t, 0, sizeof *t);
    t->slots = calloc(n, sizeof *t->slots);
    t->mask = n - 1;
    t->seed = seed;
    return t->slots != NULL;
}

void bs_naf_keys_free(struct bs_naf_keys *t)
{
    if (t->slots != NULL)
        cs_secure_zero(t->slots, (t->mask + 1) * sizeof *t->slots);
    free(t->slots);
    t->slots = NULL;
}

static size_t home(const struct bs_naf_keys *t, const char *btid)
{
    uint64_t h = 14695981039346656037ull ^ t->seed;
    for (const unsigned char *p = (const unsigned char *)btid; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 31));
}

const struct bs_naf_key *bs_naf_keys_find(struct bs_naf_keys *t,
                                          const char *btid, int64_t now)
{
    size_t h = home(t, btid);
    for (size_t i = 0; i < PROBES; i++) {
        struct bs_naf_key *e = &t->slots[(h + i) & t->mask];
        if (e->btid[0] == '\0' || strcmp(e->btid, btid) != 0)
            continue;
        if (e->expires <= now) {
            cs_secure_zero(e, sizeof *e);
            return NULL;
        }
        return e;
    }
    return NULL;
}

void bs_naf_keys_put(struct bs_naf_keys *t, const char *btid, const char *impi,
                     const uint8_t key[CS_GBA_KEY_LEN], int64_t expires)
{
    size_t h = home(t, btid);
    struct bs_naf_key *victim = NULL;
    for (size_t i = 0; i < PROBES; i++) {
        struct bs_naf_key *e = &t->slots[(h + i) & t->mask];
        if (e->btid[0] == '\0' || strcmp(e->btid, btid) == 0) {
            victim = e;
            break;
        }
        if (victim == NULL || e->used < victim->used)
            victim = e;
    }
    cs_secure_zero(victim, sizeof *victim);
    strncpy(victim->btid, btid, sizeof victim->btid - 1);
    strncpy(victim->impi, impi, sizeof victim->impi - 1);
    memcpy(victim->key, key, CS_GBA_KEY_LEN);
    victim->expires = expires;
    victim->used = ++t->clock;
}
