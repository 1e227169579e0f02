/*
 * usim.c - an emulated USIM's AUTHENTICATE (3G security context, TS
 * 33.102 §6.3.3) over Milenage, with the sequence-number freshness scheme
 * of Annex C.3.2: SQN = SEQ || IND and one highest SEQ per IND.
 *
 * Why the array and not a single "SQN > SQN_MS" counter: a BSF may hold
 * vectors it fetched earlier while another node uses newer ones; with a
 * single counter the older vectors would all fail with a resync.  Giving
 * each consumer its own IND slot keeps them independent, at the cost of
 * 32 counters (the caller persists them).  A replayed AUTN always fails:
 * its SEQ is not above the one already stored in its slot.
 */
#include <string.h>

#include "cellstrap/usim.h"
#include "crypto/crypto.h"

void cs_usim_init(cs_usim *u, const uint8_t k[16], const uint8_t opc[16])
{
    memset(u, 0, sizeof *u);
    memcpy(u->k, k, sizeof u->k);
    memcpy(u->opc, opc, sizeof u->opc);
}

void cs_usim_wipe(cs_usim *u)
{
    cs_secure_zero(u, sizeof *u);
}

void cs_usim_sqn_state_get(const cs_usim *u, uint64_t seq_ms[CS_AKA_IND_COUNT])
{
    memcpy(seq_ms, u->seq_ms, sizeof u->seq_ms);
}

cs_err cs_usim_sqn_state_set(cs_usim *u, const uint64_t seq_ms[CS_AKA_IND_COUNT])
{
    for (unsigned i = 0; i < CS_AKA_IND_COUNT; i++)
        if (seq_ms[i] > CS_AKA_SEQ_MAX)
            return CS_E_RANGE;
    memcpy(u->seq_ms, seq_ms, sizeof u->seq_ms);
    return CS_OK;
}

/* The slot holding the highest SEQ (the lowest such IND on a tie). */
static unsigned highest_slot(const cs_usim *u)
{
    unsigned best = 0;
    for (unsigned i = 1; i < CS_AKA_IND_COUNT; i++)
        if (u->seq_ms[i] > u->seq_ms[best])
            best = i;
    return best;
}

uint64_t cs_usim_sqn_ms(const cs_usim *u)
{
    unsigned slot = highest_slot(u);
    return u->seq_ms[slot] << CS_AKA_IND_BITS | slot;
}

/* Fresh: above its slot's SEQ, and not implausibly far above the highest
 * SEQ accepted anywhere. */
static bool sqn_is_fresh(const cs_usim *u, uint64_t sqn)
{
    uint64_t seq = sqn >> CS_AKA_IND_BITS;
    unsigned ind = (unsigned)(sqn % CS_AKA_IND_COUNT);
    uint64_t highest = u->seq_ms[highest_slot(u)];
    return seq > u->seq_ms[ind] &&
           (seq <= highest || seq - highest <= CS_AKA_SEQ_DELTA);
}

cs_aka_status cs_usim_authenticate(cs_usim *u, const uint8_t rand[16],
                                   const uint8_t autn[16], cs_aka_result *out)
{
    uint8_t ak[6], sqn[6], xmac[8];
    memset(out, 0, sizeof *out);
    cs_milenage_f2345(u->k, u->opc, rand, out->res, out->ck, out->ik, ak);
    for (int i = 0; i < 6; i++)
        sqn[i] = autn[i] ^ ak[i];
    cs_milenage_f1(u->k, u->opc, rand, sqn, autn + 6, xmac);

    if (!cs_ct_equal(xmac, autn + 8, sizeof xmac)) {
        cs_aka_result_wipe(out);
        out->status = CS_AKA_MAC_FAILURE;
    } else if (!sqn_is_fresh(u, cs_aka_sqn_to_u64(sqn))) {
        uint8_t sqn_ms[6];
        cs_aka_result_wipe(out);
        out->status = CS_AKA_SYNC_FAILURE;
        cs_aka_sqn_from_u64(cs_usim_sqn_ms(u), sqn_ms);
        cs_aka_auts_make(u->k, u->opc, rand, sqn_ms, out->auts);
    } else {
        uint64_t value = cs_aka_sqn_to_u64(sqn);
        u->seq_ms[value % CS_AKA_IND_COUNT] = value >> CS_AKA_IND_BITS;
        out->status = CS_AKA_SUCCESS;
    }
    cs_secure_zero(ak, sizeof ak);
    cs_secure_zero(sqn, sizeof sqn);
    cs_secure_zero(xmac, sizeof xmac);
    return out->status;
}

void cs_aka_result_wipe(cs_aka_result *r)
{
    cs_secure_zero(r, sizeof *r);
}
