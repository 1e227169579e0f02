/*
 * netsim_internal.h - what the emulator engine's files share: the engine's
 * state (netsim.c: subscribers and the packet gateway; bsf.c: the GBA
 * bootstrapping function).
 */
#ifndef CELLSTRAP_NETSIM_INTERNAL_H
#define CELLSTRAP_NETSIM_INTERNAL_H

#include "cellstrap/netsim.h"

struct bsf;

struct entry {
    cs_subscriber sub;
    bool attached;
    cs_netsim_session session;
    /* AKMA: the anchor of the last primary authentication. */
    char a_kid[256];
    uint8_t k_akma[32];
    int64_t akma_expires;
};

struct cs_netsim {
    cs_netsim_config cfg;
    char default_apn[CS_NETSIM_APN_MAX + 1];
    char nas_identifier[64];
    char sgsn_mcc_mnc[7];
    struct entry *subs;            /* sorted by IMSI */
    size_t count, cap;
    uint8_t *pool_used;            /* one byte per address */
    uint32_t pool_base;            /* host order */
    uint32_t pool_next;            /* offset to try first */
    unsigned servers;
    uint64_t next_attach_id;
    uint64_t session_seq;
    cs_acct_client *acct;
    struct bsf *bsf;               /* NULL until the BSF is used */
};

/* The subscriber record of `imsi` (mutable: the HSS moves its SQN). */
struct entry *netsim_find_entry(const cs_netsim *ns, const char *imsi);

/* At attach, with the AAnF on: the primary authentication and the AKMA
 * anchor (bsf.c); fills e->session's challenge. */
void netsim_primary_auth(cs_netsim *ns, struct entry *e, int64_t now);

/* Free the BSF's state (bsf.c); NULL-safe through ns->bsf. */
void netsim_bsf_free(cs_netsim *ns);

#endif
