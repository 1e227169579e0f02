/*
 * cellstrap/usim.h - 3GPP AKA with the Milenage algorithm set (TS 35.206),
 * from both ends: the network side (HSS/BSF: authentication vectors,
 * recovery of the card's sequence number from AUTS) and an emulated USIM
 * (the card's AUTHENTICATE: checks AUTN, answers RES/CK/IK or AUTS).
 *
 * Everything here is pure computation over caller-owned buffers: no I/O,
 * no allocation, no logging.  Keys (K, OPc, CK, IK, AK) are secrets: this
 * module wipes its own temporaries; the caller wipes what it receives
 * (cs_aka_vector_wipe, cs_usim_wipe).  MACs are compared in constant time.
 *
 * Octet strings are big-endian as in the specifications; SQN is six
 * octets on the wire and a 48-bit integer in cs_aka_sqn_* helpers.
 */
#ifndef CELLSTRAP_USIM_H
#define CELLSTRAP_USIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_AKA_K_LEN 16        /* K, OP, OPc */
#define CS_AKA_RAND_LEN 16
#define CS_AKA_SQN_LEN 6
#define CS_AKA_AMF_LEN 2
#define CS_AKA_MAC_LEN 8       /* MAC-A, MAC-S */
#define CS_AKA_RES_LEN 8       /* Milenage f2: 64 bits */
#define CS_AKA_CK_LEN 16
#define CS_AKA_IK_LEN 16
#define CS_AKA_AK_LEN 6
#define CS_AKA_AUTN_LEN 16     /* SQN^AK || AMF || MAC-A */
#define CS_AKA_AUTS_LEN 14     /* SQN_MS^AK* || MAC-S */

/* ---- Milenage (TS 35.206) --------------------------------------------- */

/* OPc = OP xor E_K(OP): what a card stores instead of the operator's OP. */
void cs_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16]);

/* f1: MAC-A, the network's authentication code over SQN, RAND, AMF. */
void cs_milenage_f1(const uint8_t k[16], const uint8_t opc[16],
                    const uint8_t rand[16], const uint8_t sqn[6],
                    const uint8_t amf[2], uint8_t mac_a[8]);

/* f1*: MAC-S, the card's code in a resynchronisation (AUTS). */
void cs_milenage_f1star(const uint8_t k[16], const uint8_t opc[16],
                        const uint8_t rand[16], const uint8_t sqn[6],
                        const uint8_t amf[2], uint8_t mac_s[8]);

/* f2 (RES), f3 (CK), f4 (IK) and f5 (AK) for one RAND; any output may be
 * NULL when not wanted. */
void cs_milenage_f2345(const uint8_t k[16], const uint8_t opc[16],
                       const uint8_t rand[16], uint8_t res[8], uint8_t ck[16],
                       uint8_t ik[16], uint8_t ak[6]);

/* f5*: AK*, which conceals SQN_MS in AUTS. */
void cs_milenage_f5star(const uint8_t k[16], const uint8_t opc[16],
                        const uint8_t rand[16], uint8_t ak_star[6]);

/*
 * The building blocks, for test vectors and diagnostics: TEMP =
 * E_K(RAND xor OPc), and OUTn (n = 1..5) from TEMP; `sqn` and `amf` are
 * read for n = 1 only (may be NULL otherwise).  cs_milenage_out returns
 * CS_E_INVALID_ARG for another n or a missing sqn/amf.
 */
void cs_milenage_temp(const uint8_t k[16], const uint8_t opc[16],
                      const uint8_t rand[16], uint8_t temp[16]);
cs_err cs_milenage_out(const uint8_t k[16], const uint8_t opc[16],
                       const uint8_t temp[16], const uint8_t *sqn,
                       const uint8_t *amf, unsigned n, uint8_t out[16]);

/* ---- AKA tokens, network side (TS 33.102 §6.3) ----------------------- */

/* An authentication vector as the HSS hands it to the BSF. */
typedef struct cs_aka_vector {
    uint8_t rand[CS_AKA_RAND_LEN];
    uint8_t xres[CS_AKA_RES_LEN];
    uint8_t ck[CS_AKA_CK_LEN];
    uint8_t ik[CS_AKA_IK_LEN];
    uint8_t autn[CS_AKA_AUTN_LEN];
} cs_aka_vector;

/*
 * Generate the vector for `rand` (the caller draws it from a cs_rng),
 * sequence number `sqn` and `amf` (0000 unless a profile says otherwise;
 * the emulated USIM ignores AMF).  AUTN = SQN^AK || AMF || MAC-A.
 */
void cs_aka_vector_make(const uint8_t k[16], const uint8_t opc[16],
                        const uint8_t rand[16], const uint8_t sqn[6],
                        const uint8_t amf[2], cs_aka_vector *out);

/* Overwrite the vector's keys and expected response. */
void cs_aka_vector_wipe(cs_aka_vector *v);

/*
 * AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(SQN_MS, RAND, AMF 0000):
 * what the card sends when the network's SQN is not fresh.
 */
void cs_aka_auts_make(const uint8_t k[16], const uint8_t opc[16],
                      const uint8_t rand[16], const uint8_t sqn_ms[6],
                      uint8_t auts[14]);

/*
 * The network's half of resynchronisation: recover SQN_MS from `auts`
 * (sent for `rand`, the RAND of the challenge it answers) and check MAC-S.
 * True with sqn_ms filled when MAC-S verifies; false (sqn_ms zeroed)
 * otherwise, and the network must not move its SQN.  Afterwards the next
 * vector should use cs_aka_sqn_next(SQN_MS, ind).
 */
bool cs_aka_auts_recover(const uint8_t k[16], const uint8_t opc[16],
                         const uint8_t rand[16], const uint8_t auts[14],
                         uint8_t sqn_ms[6]);

/* ---- Sequence numbers (TS 33.102 Annex C.3.2 style) ------------------
 *
 * SQN = SEQ (43 bits) || IND (5 bits).  The network increases SEQ by one
 * for every vector; IND names the "slot" a batch of vectors is meant for
 * (one per BSF, say; 0 is fine when there is one).  The card remembers the
 * highest SEQ accepted for each of the 32 IND values, so vectors used out
 * of order across slots are still accepted once each.
 */
#define CS_AKA_IND_BITS 5
#define CS_AKA_IND_COUNT 32                     /* 1 << CS_AKA_IND_BITS */
#define CS_AKA_SQN_MAX ((UINT64_C(1) << 48) - 1)
#define CS_AKA_SEQ_MAX (CS_AKA_SQN_MAX >> CS_AKA_IND_BITS)
/* The card refuses a SEQ more than this far above the highest it has
 * accepted: a bound on how fast a forged or stale network counter can
 * push the card towards wrap-around (Annex C's "delta"). */
#define CS_AKA_SEQ_DELTA (UINT64_C(1) << 28)

uint64_t cs_aka_sqn_to_u64(const uint8_t sqn[6]);
void cs_aka_sqn_from_u64(uint64_t value, uint8_t sqn[6]);   /* low 48 bits */

/* The network's next SQN after `sqn` (its last one, or SQN_MS after a
 * resynchronisation): SEQ + 1 with slot `ind` (taken modulo 32). */
uint64_t cs_aka_sqn_next(uint64_t sqn, unsigned ind);

/* ---- Emulated USIM -------------------------------------------------- */

/* Treat as opaque; it holds K and OPc.  Plain data: it may be copied,
 * and must be wiped with cs_usim_wipe when done. */
typedef struct cs_usim {
    uint8_t k[CS_AKA_K_LEN];
    uint8_t opc[CS_AKA_K_LEN];
    uint64_t seq_ms[CS_AKA_IND_COUNT];   /* highest SEQ accepted per IND */
} cs_usim;

/* A card with K and OPc that has accepted nothing yet (all SEQ_MS 0). */
void cs_usim_init(cs_usim *u, const uint8_t k[16], const uint8_t opc[16]);
void cs_usim_wipe(cs_usim *u);

/*
 * The freshness state, for the caller to persist after every successful
 * AUTHENTICATE and restore at start: the highest SEQ per IND.  set returns
 * CS_E_RANGE when a value exceeds CS_AKA_SEQ_MAX (and changes nothing).
 */
void cs_usim_sqn_state_get(const cs_usim *u, uint64_t seq_ms[CS_AKA_IND_COUNT]);
cs_err cs_usim_sqn_state_set(cs_usim *u, const uint64_t seq_ms[CS_AKA_IND_COUNT]);

/* SQN_MS: the highest SQN the card has accepted (what AUTS carries). */
uint64_t cs_usim_sqn_ms(const cs_usim *u);

typedef enum cs_aka_status {
    CS_AKA_SUCCESS = 0,       /* res, ck, ik valid */
    CS_AKA_MAC_FAILURE = 1,   /* AUTN not from our network: send nothing useful */
    CS_AKA_SYNC_FAILURE = 2   /* AUTN genuine but SQN not fresh: auts valid */
} cs_aka_status;

typedef struct cs_aka_result {
    cs_aka_status status;
    uint8_t res[CS_AKA_RES_LEN];
    uint8_t ck[CS_AKA_CK_LEN];
    uint8_t ik[CS_AKA_IK_LEN];
    uint8_t auts[CS_AKA_AUTS_LEN];
} cs_aka_result;

/*
 * The card's AUTHENTICATE (3G context): verify MAC-A of `autn` for `rand`,
 * then the freshness of its SQN; on success remember SQN (the caller then
 * persists the state).  Fields of `out` that the status does not name are
 * zero.  Returns out->status.  Wipe `out` after use (cs_aka_result_wipe).
 */
cs_aka_status cs_usim_authenticate(cs_usim *u, const uint8_t rand[16],
                                   const uint8_t autn[16], cs_aka_result *out);

void cs_aka_result_wipe(cs_aka_result *r);

#ifdef __cplusplus
}
#endif

#endif
