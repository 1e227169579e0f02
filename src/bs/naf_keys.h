/*
 * naf_keys.h - the bootstrap server as a GBA NAF: the keys Zn gave it for
 * B-TIDs (Ks_NAF, the IMPI, the expiry), kept until they expire so that a
 * handshake and the Bootstrap-Request after it ask the BSF once.  A fixed
 * table: new B-TIDs replace the oldest entries in their probe window.
 */
#ifndef CELLSTRAP_BS_NAF_KEYS_H
#define CELLSTRAP_BS_NAF_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/gba.h"

struct bs_naf_key {
    char btid[CS_GBA_BTID_MAX + 1];   /* "" = free */
    char impi[128];
    uint8_t key[CS_GBA_KEY_LEN];
    int64_t expires;                  /* Unix seconds */
    uint64_t used;                    /* insertion order, for replacement */
};

struct bs_naf_keys {
    struct bs_naf_key *slots;
    size_t mask;
    uint64_t seed, clock;
};

bool bs_naf_keys_init(struct bs_naf_keys *t, size_t slots, uint64_t seed);
void bs_naf_keys_free(struct bs_naf_keys *t);    /* wipes the keys */

/* The live entry for `btid`, or NULL (expired entries are wiped). */
const struct bs_naf_key *bs_naf_keys_find(struct bs_naf_keys *t,
                                          const char *btid, int64_t now);

/* Remember a key (copied). */
void bs_naf_keys_put(struct bs_naf_keys *t, const char *btid, const char *impi,
                     const uint8_t key[CS_GBA_KEY_LEN], int64_t expires);

#endif
