/*
 * netsim.h - the core-network emulator's engine: the operator's subscriber
 * records and a packet gateway that attaches and detaches them, gives
 * each data session an address from its pool, and reports the sessions
 * to accounting servers with RADIUS Accounting-Request (Start, Stop,
 * Accounting-On/Off; TS 29.061 attributes), retransmitting until
 * answered.  Sans-I/O: datagrams and time in, datagrams and a deadline
 * out; cellstrap-netsim owns the sockets and writes the emulated modems'
 * files from the session callback.
 */
#ifndef CELLSTRAP_NETSIM_H
#define CELLSTRAP_NETSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"
#include "cellstrap/radius_accounting.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_NETSIM_APN_MAX 100
#define CS_NETSIM_GROUP_MAX 32

/* One subscription: the SIM's identities and keys, the device's IMEISV,
 * what the operator knows of it.  Strings are NUL-terminated. */
typedef struct cs_subscriber {
    char imsi[16];                 /* 6..15 digits (required, the key) */
    uint8_t mnc_length;            /* 2 or 3 */
    char msisdn[16];               /* digits, or empty */
    char iccid[21];                /* 18..20 digits, or empty */
    char imeisv[17];               /* 16 digits, or empty */
    uint8_t k[16], opc[16];        /* USIM keys (for AKA, next step) */
    uint64_t sqn;
    uint16_t amf;
    char apn[CS_NETSIM_APN_MAX + 1];      /* default APN; empty = the gateway's */
    char group[CS_NETSIM_GROUP_MAX + 1];  /* operator's group tag, or empty */
} cs_subscriber;

/* A data session of an attached subscriber. */
typedef struct cs_netsim_session {
    cs_addr address;               /* port 0 */
    char apn[CS_NETSIM_APN_MAX + 1];
    char session_id[17];           /* Acct-Session-Id, 16 hex digits */
    uint64_t attach_id;            /* increases with every attach */
    int64_t started;               /* Unix seconds */
    /* The attach's primary authentication (5G AKA, emulated) when the
     * AAnF is on: the challenge the device's USIM answers; AKMA keys hang
     * off it. */
    bool has_aka;
    uint8_t aka_rand[16], aka_autn[16];
} cs_netsim_session;

/* A subscriber's session began (session != NULL) or ended (NULL). */
typedef void (*cs_netsim_session_fn)(void *ctx, const cs_subscriber *sub,
                                     const cs_netsim_session *session);

typedef struct cs_netsim_config {
    cs_addr pool_first;            /* first address handed out (IPv4) */
    uint32_t pool_size;            /* 1..65536 addresses */
    uint8_t nas_ip[4];             /* the gateway's NAS-IP-Address */
    const char *nas_identifier;    /* optional */
    const char *default_apn;       /* required */
    const char *sgsn_mcc_mnc;      /* 5 or 6 digits, optional */
    uint8_t rat_type;              /* 3GPP-RAT-Type; 0 = 6 (EUTRAN) */
    cs_acct_send_fn send;          /* datagrams to accounting servers */
    cs_netsim_session_fn on_session;      /* optional */
    void *ctx;                     /* first argument of both */
} cs_netsim_config;

typedef struct cs_netsim cs_netsim;

/* Owned by the caller: cs_netsim_free.  CS_E_INVALID_ARG, CS_E_NOMEM. */
cs_err cs_netsim_new(const cs_netsim_config *cfg, cs_netsim **out);
void cs_netsim_free(cs_netsim *ns);

/* An accounting server (e.g. the bootstrap server's RADIUS listener) and
 * its shared secret (copied); every accounting event goes to each. */
cs_err cs_netsim_add_accounting(cs_netsim *ns, const cs_addr *server,
                                const uint8_t *secret, size_t secret_len);

/*
 * Add or replace a subscriber (copied).  CS_E_SYNTAX with *why set for a
 * bad field; CS_E_BUSY to replace one that is attached.
 */
cs_err cs_netsim_put_subscriber(cs_netsim *ns, const cs_subscriber *sub,
                                const char **why);
/* CS_E_NOT_FOUND, CS_E_BUSY while attached. */
cs_err cs_netsim_remove_subscriber(cs_netsim *ns, const char *imsi);
/* The subscriber, or NULL; valid until the next change. */
const cs_subscriber *cs_netsim_find(const cs_netsim *ns, const char *imsi);
/* The session of an attached subscriber, or NULL. */
const cs_netsim_session *cs_netsim_session_of(const cs_netsim *ns,
                                              const char *imsi);
/* Call fn for each subscriber in IMSI order, with its session or NULL;
 * stops when fn returns non-zero. */
void cs_netsim_each(const cs_netsim *ns,
                    int (*fn)(void *ctx, const cs_subscriber *sub,
                              const cs_netsim_session *session),
                    void *ctx);

/*
 * Attach: a new data session on `apn` (NULL: the subscriber's, else the
 * gateway's default) with the next free address of the pool (round
 * robin, so a re-attach gets another address); Accounting-Request
 * Start to each server; on_session.  An attached subscriber is detached
 * first (Stop, then Start: a re-attach).  CS_E_NOT_FOUND (no such
 * subscriber), CS_E_BUSY (pool exhausted).
 */
cs_err cs_netsim_attach(cs_netsim *ns, const char *imsi, const char *apn,
                        uint64_t now_ms, int64_t now_unix);

/* Detach: Stop to each server, the address back to the pool, on_session
 * with NULL.  CS_E_NOT_FOUND when not attached. */
cs_err cs_netsim_detach(cs_netsim *ns, const char *imsi, uint64_t now_ms,
                        int64_t now_unix);

/* Accounting-On to each server: the gateway (re)started with no sessions. */
cs_err cs_netsim_gateway_on(cs_netsim *ns, uint64_t now_ms, int64_t now_unix);
/* Accounting-Off to each server and every session dropped (on_session
 * with NULL for each): the gateway going down. */
cs_err cs_netsim_gateway_off(cs_netsim *ns, uint64_t now_ms, int64_t now_unix);

/* A datagram from an accounting server (a response). */
cs_err cs_netsim_receive(cs_netsim *ns, uint64_t now_ms, const cs_addr *from,
                         const uint8_t *data, size_t len);
void cs_netsim_tick(cs_netsim *ns, uint64_t now_ms);
uint64_t cs_netsim_next_deadline(const cs_netsim *ns);
/* Accounting requests not yet answered. */
size_t cs_netsim_unanswered(const cs_netsim *ns);

/* ---- GBA: the BSF (Ub) and its Zn interface ---------------------------
 *
 * The BSF authenticates a subscriber's USIM with HTTP Digest AKA (the HSS
 * role: vectors from the subscriber's K, OPc and SQN here), creates a
 * bootstrapping session (B-TID, Ks, lifetime), and gives NAFs the key
 * Ks_NAF for a B-TID over Zn.  HTTP-free: cellstrap-netsim hands requests
 * in and sends the replies out (protocol: docs/gba.md).
 */

#define CS_BSF_BODY_MAX 1024
#define CS_BSF_HEADER_MAX 1024

typedef struct cs_bsf_reply {
    unsigned status;                        /* HTTP status */
    char www_authenticate[CS_BSF_HEADER_MAX]; /* set with 401 */
    const char *content_type;               /* static */
    char body[CS_BSF_BODY_MAX];
    size_t body_len;
} cs_bsf_reply;

/*
 * The BSF's domain (realm, B-TID domain) and the lifetime of
 * bootstrapping sessions.  Defaults: "bsf.mnc<MNC>.mcc<MCC>.pub.
 * 3gppnetwork.org" of sgsn_mcc_mnc (else 001 01), 3600 s.
 */
cs_err cs_netsim_bsf_config(cs_netsim *ns, const char *domain,
                            uint32_t lifetime_s);

/* A NAF allowed on Zn: its name and secret (HTTP Basic) and the FQDN it
 * may ask keys for (a NAF never gets another NAF's keys). */
cs_err cs_netsim_add_naf(cs_netsim *ns, const char *name, const char *secret,
                         const char *fqdn);

/* Ub: one HTTP request to the BSF ("GET" "/", the Authorization header
 * value or NULL, the body). */
void cs_netsim_ub(cs_netsim *ns, const char *method, const char *uri,
                  const char *authorization, const uint8_t *body,
                  size_t body_len, int64_t now_unix, cs_bsf_reply *out);

/*
 * AKMA: with the AAnF on, every attach runs an (emulated) primary
 * authentication from the subscriber's K, and keeps K_AKMA and the A-KID
 * derived from it (TS 33.535) for `lifetime_s` (0: 3600).
 */
cs_err cs_netsim_enable_aanf(cs_netsim *ns, uint32_t lifetime_s);

/* The AAnF's answer to an AF (POST /aanf {"a_kid", "af_fqdn", "ua_id"}):
 * K_AF and the SUPI, to an AF registered with cs_netsim_add_naf. */
void cs_netsim_aanf(cs_netsim *ns, const char *af_name, const char *af_secret,
                    const uint8_t *body, size_t body_len, int64_t now_unix,
                    cs_bsf_reply *out);

/* Zn: a NAF's key request (POST /zn, JSON body), with its HTTP Basic
 * credentials (NULL when absent). */
void cs_netsim_zn(cs_netsim *ns, const char *naf_name, const char *naf_secret,
                  const uint8_t *body, size_t body_len, int64_t now_unix,
                  cs_bsf_reply *out);

#ifdef __cplusplus
}
#endif

#endif
