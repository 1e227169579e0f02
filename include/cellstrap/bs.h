/*
 * cellstrap/bs.h - the bootstrap server engine (LwM2M Bootstrap interface,
 * server side), sans-I/O.
 *
 * The engine is the request handler of a CoAP endpoint (plain or DTLS):
 * it serves Client-Initiated Bootstrap (POST /bs?ep=..[&pct=..]) and the
 * 1.2 Bootstrap-Pack-Request (GET /bspack?ep=..).  For each bootstrap it
 * picks the device's configuration (its own, else the "*" default) from
 * the store, generates fresh PSK credentials for the target LwM2M
 * server(s), records them in the store (which revokes the earlier ones),
 * then writes the device: one Bootstrap-Delete per configured path, one
 * Bootstrap-Write of /0, one of /1 and one of each further configured
 * object (all instances each), and Bootstrap-Finish.  Every bootstrap and every refusal is an audit event.
 *
 * It reads no clock and opens no socket: the caller gives the current time
 * through cs_bs_tick and the unix clock callback, and the endpoint
 * carries the datagrams.  The configuration schema is in
 * docs/bootstrap.md.  Keys never go into logs or audit events.
 */
#ifndef CELLSTRAP_BS_H
#define CELLSTRAP_BS_H

#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/error.h"
#include "cellstrap/radius_accounting.h"
#include "cellstrap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_bs cs_bs;

/* Unix seconds now (store times: credential creation, audit). */
typedef int64_t (*cs_bs_unix_clock_fn)(void *ctx);

typedef struct cs_bs_config {
    cs_store *store;               /* borrowed, required; outlives the engine */
    cs_bs_unix_clock_fn unix_clock; /* required */
    void *clock_ctx;
    uint64_t seed;                 /* 0: keys from the system's entropy;
                                      else deterministic (tests only) */
    /* Network-attested bootstrap: a plain (NoSec) Bootstrap-Request is
     * served only from an address the packet gateway's accounting bound
     * to a subscription (cs_bs_apply_accounting), on a trusted APN, with
     * an endpoint name naming that subscription; the configuration is the
     * endpoint's own, else the first matching policy, else "*".
     * "allow_nosec_bootstrap" is then ignored.  DTLS is unaffected. */
    bool network_attestation;
    /* GBA (the bootstrap server as NAF): a DTLS PSK identity
     * "3GPP-bootstrapping.<B-TID>" is answered with Ks_NAF from the BSF
     * over Zn: this callback asks (it blocks the handshake; its answers
     * are kept until they expire).  It fills key (32 octets), impi and
     * *expires (Unix seconds) and returns CS_OK, CS_E_NOT_FOUND for an
     * unknown or expired B-TID, or another error.  NULL: no GBA. */
    cs_err (*naf_key)(void *ctx, const char *btid, uint8_t key[32],
                      char impi[128], int64_t *expires);
    void *naf_key_ctx;
    /* AKMA (the bootstrap server as AF): the same for a PSK identity
     * "3GPP-AKMA.<A-KID>", asking the AAnF for K_AF; it fills the SUPI
     * (IMSI digits); its first argument is naf_key_ctx too.  NULL: no
     * AKMA. */
    cs_err (*af_key)(void *ctx, const char *a_kid, uint8_t key[32],
                     char supi[128], int64_t *expires);
} cs_bs_config;

/* A new engine.  CS_E_INVALID_ARG without a store or clock, CS_E_NOMEM,
 * CS_E_INTERNAL when no random generator can be seeded. */
cs_err cs_bs_new(const cs_bs_config *cfg, cs_bs **out);

/* Free the engine.  Free it after the endpoints it served (their
 * outstanding exchanges point to it); NULL is allowed. */
void cs_bs_free(cs_bs *bs);

/*
 * The CoAP request handler (cs_coap_request_fn): give it as on_request
 * with `app` = the engine, for every endpoint (plain and DTLS) the
 * engine serves.  On a DTLS endpoint `in->session` must be the
 * cs_dtls_peer (as cs_transport does).
 */
void cs_bs_on_request(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                      cs_coap_msg *response);

/*
 * Send the BS→device requests that are due (the first after a
 * Bootstrap-Request's 2.04 has gone out, each next one after the
 * previous one's response) and drop finished sessions.  Call it after
 * each batch of datagrams (as a cs_loop timer, which runs after every
 * wake-up).  Returns `now` when it sent something (so that the endpoint's
 * new retransmission deadline is picked up on the next pass), else
 * CS_COAP_NEVER.
 */
cs_coap_time cs_bs_tick(cs_bs *bs, cs_coap_time now);

/*
 * The DTLS server's psk_lookup (cs_dtls_psk_fn) with ctx = the engine:
 * the key of a bootstrap PSK identity named by a configuration's
 * "bootstrap_psk" (configurations loaded with cs_bs_load_file, or the
 * store's configuration whose endpoint name equals the identity).
 * CS_E_NOT_FOUND for an unknown identity.
 */
cs_err cs_bs_psk_lookup(void *ctx, const cs_addr *from,
                        const uint8_t *identity, size_t identity_len,
                        uint8_t *key, size_t key_cap, size_t *key_len);

/*
 * Check one configuration (the JSON object for one endpoint).  CS_OK, or
 * CS_E_SYNTAX with a message in err[0..err_cap) naming what is wrong
 * (never a key).
 */
cs_err cs_bs_check_config(const char *json, char *err, size_t err_cap);

/*
 * Load a configuration file: {"endpoints": {"<ep>" | "*": {...}, ...},
 * "network": {...}, "policies": [...]} (docs/bootstrap.md,
 * docs/zero-touch.md).  Each policy's configuration is stored under
 * "policy:<name>".
 * Every entry is checked first; only when all are valid is each stored
 * (cs_store_put_bootstrap_config) and its bootstrap PSK indexed for
 * cs_bs_psk_lookup.  CS_E_SYNTAX (message in err) for a bad file,
 * CS_E_NOT_FOUND when it cannot be read, a store error otherwise.
 */
cs_err cs_bs_load_file(cs_bs *bs, const char *path, char *err, size_t err_cap);

/* As cs_bs_load_file, from a JSON text. */
cs_err cs_bs_load_text(cs_bs *bs, const char *json, char *err, size_t err_cap);

/* Load the last document cs_bs_load_file or _text stored (a restart
 * without --config, or another node sharing the store).  CS_E_NOT_FOUND
 * when there is none. */
cs_err cs_bs_load_stored(cs_bs *bs, char *err, size_t err_cap);

/*
 * The RADIUS accounting listener's apply function (cs_acct_apply_fn, with
 * ctx = the cs_store): Start and Interim-Update bind the Framed-IP-Address
 * to the subscription (IMSI, MSISDN, IMEISV, APN, gateway, session), Stop
 * ends that session's binding, Accounting-On/Off drop every binding of the
 * gateway.  Returns once the store has the change (then the gateway is
 * answered), or the store's error (no answer: the gateway retries).
 */
cs_err cs_bs_apply_accounting(void *store, const cs_acct_event *event);

/* Counters for tests and monitoring. */
typedef struct cs_bs_stats {
    uint64_t requests;      /* Bootstrap-Requests accepted */
    uint64_t packs;         /* Bootstrap-Packs served */
    uint64_t refused;       /* requests refused (4.xx) */
    uint64_t finished;      /* Finish answered 2.04 */
    uint64_t failed;        /* sequences that failed (error, timeout, 4.06) */
    size_t sessions;        /* sequences in progress */
} cs_bs_stats;

void cs_bs_get_stats(const cs_bs *bs, cs_bs_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_BS_H */
