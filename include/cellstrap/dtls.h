/*
 * cellstrap/dtls.h - DTLS 1.2 with pre-shared keys, sans-I/O, on mbedTLS.
 *
 * One engine type serves both ends of LwM2M's secure transport:
 *
 *   - a server engine holds every peer behind one UDP socket (a bootstrap
 *     or LwM2M server with millions of devices): peers are found by address
 *     and port in O(1), handshakes start only after a stateless cookie
 *     exchange, idle sessions are "parked" as a few hundred bytes and
 *     restored when the device speaks again, and limits bound what a
 *     flood of ClientHellos can take;
 *   - a client engine holds one session to one server (the device).
 *
 * The engine opens no socket and reads no clock.  The caller hands it each
 * datagram with the sender's address and the current time, then drains the
 * datagrams it wants sent (cs_dtls_next_output) and calls cs_dtls_tick at
 * the deadline it asks for (cs_dtls_next_deadline).  Plaintext and session
 * changes come back through one callback (cs_dtls_config.on_event).
 * (mbedTLS itself still writes time(NULL) into the first four bytes of
 * the hello randoms, as TLS 1.2's gmt_unix_time; no decision depends on
 * it.)
 *
 * Cipher suites: TLS_PSK_WITH_AES_128_CCM_8 (mandatory in LwM2M),
 * TLS_PSK_WITH_AES_128_CCM and TLS_PSK_WITH_AES_128_CBC_SHA256.  DTLS 1.2
 * only.  Sessions using the CBC suite are never parked (mbedTLS can only
 * serialize AEAD sessions); they stay active until they close or expire.
 *
 * Not thread-safe: one engine per thread.
 */
#ifndef CELLSTRAP_DTLS_H
#define CELLSTRAP_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Milliseconds on the caller's clock (any origin, never going back). */
typedef uint64_t cs_dtls_time;

/* cs_dtls_next_deadline when nothing is scheduled. */
#define CS_DTLS_NO_DEADLINE UINT64_MAX

/* IANA numbers of the supported cipher suites (as in Security object
 * resource 16). */
#define CS_DTLS_PSK_AES_128_CCM_8 0xC0A8
#define CS_DTLS_PSK_AES_128_CCM 0xC0A4
#define CS_DTLS_PSK_AES_128_CBC_SHA256 0x00AE

/* Longest PSK identity accepted (RFC 7925 §4.2: at least 128 bytes). */
#define CS_DTLS_IDENTITY_MAX 128
/* Longest PSK (Debian's mbedTLS is built with MBEDTLS_PSK_MAX_LEN 32;
 * RFC 7925 asks for 64, which needs a rebuilt mbedTLS). */
#define CS_DTLS_KEY_MAX 32
/* Largest datagram accepted by cs_dtls_receive. */
#define CS_DTLS_DATAGRAM_MAX 16640
/* "No alert" in cs_dtls_event.alert. */
#define CS_DTLS_NO_ALERT (-1)

typedef struct cs_dtls_engine cs_dtls_engine;

/* A session with one remote address.  Owned by the engine: valid from the
 * event or call that produced it until the CLOSED event for it returns (or
 * the engine is freed). */
typedef struct cs_dtls_peer cs_dtls_peer;

enum cs_dtls_peer_state {
    CS_DTLS_HANDSHAKE = 1, /* handshake in progress ("half-open") */
    CS_DTLS_ACTIVE,        /* established, mbedTLS context in memory */
    CS_DTLS_PARKED,        /* established, serialized; restored on use */
    CS_DTLS_CLOSED         /* over; only seen inside the CLOSED event */
};

/* Why a session ended (cs_dtls_event.reason). */
enum cs_dtls_close_reason {
    CS_DTLS_CLOSE_LOCAL = 1,      /* cs_dtls_close was called */
    CS_DTLS_CLOSE_PEER,           /* the peer sent close_notify */
    CS_DTLS_CLOSE_ALERT_RECEIVED, /* the peer sent a fatal alert (.alert) */
    CS_DTLS_CLOSE_ALERT_SENT,     /* we sent a fatal alert (.alert), e.g.
                                     115 unknown_psk_identity, 20
                                     bad_record_mac for a wrong key */
    CS_DTLS_CLOSE_TIMEOUT,        /* the handshake did not finish in time */
    CS_DTLS_CLOSE_EXPIRED,        /* idle longer than session_expiry_ms */
    CS_DTLS_CLOSE_REPLACED,       /* same address and port started a new
                                     session (a device that rebooted) */
    CS_DTLS_CLOSE_ERROR           /* out of memory or an mbedTLS failure */
};

enum cs_dtls_event_type {
    CS_DTLS_EV_CONNECTED = 1, /* handshake complete; identity known */
    CS_DTLS_EV_DATA,          /* plaintext received: .data, .len */
    CS_DTLS_EV_CLOSED         /* session over: .reason, .alert */
};

typedef struct cs_dtls_event {
    enum cs_dtls_event_type type;
    cs_dtls_peer *peer;
    const uint8_t *data;  /* DATA: valid only during the callback */
    size_t len;
    enum cs_dtls_close_reason reason; /* CLOSED */
    int alert;            /* CLOSED: TLS AlertDescription sent or received
                             (REFERENCE.md §1.4), or CS_DTLS_NO_ALERT */
    bool established;     /* CLOSED: the handshake had completed */
} cs_dtls_event;

/*
 * The event callback.  Inside it the application may call cs_dtls_send,
 * cs_dtls_close and the cs_dtls_peer_* accessors (on any peer), but not
 * cs_dtls_receive, cs_dtls_tick, cs_dtls_connect or cs_dtls_free (they
 * return CS_E_INVALID_ARG).
 */
typedef void (*cs_dtls_event_fn)(void *ctx, const cs_dtls_event *event);

/*
 * Server: the key for a PSK identity, asked during each handshake.  Write
 * the key into key[0..key_cap) and its length into *key_len, and return
 * CS_OK; return CS_E_NOT_FOUND for an unknown identity (the client then
 * gets alert 115 unknown_psk_identity).  `from` is the client's address.
 * The engine wipes its copy of the key after use.  It runs inside
 * mbedTLS's handshake: it must answer at once and call no cs_dtls_
 * function (they return CS_E_INVALID_ARG).
 */
typedef cs_err (*cs_dtls_psk_fn)(void *ctx, const cs_addr *from,
                                 const uint8_t *identity, size_t identity_len,
                                 uint8_t *key, size_t key_cap, size_t *key_len);

struct cs_rng;

/*
 * Engine settings.  Fill with cs_dtls_config_init (the defaults given
 * below), then change what you need.  The engine copies the structure;
 * pointers in it must stay valid for the engine's life.
 */
typedef struct cs_dtls_config {
    /* Randomness for handshakes, cookies and hash seeds.  Borrowed, not
     * freed.  NULL (default): the engine seeds its own from the system. */
    struct cs_rng *rng;

    cs_dtls_event_fn on_event;  /* required */
    void *event_ctx;

    cs_dtls_psk_fn psk_lookup;  /* server: required */
    void *psk_ctx;

    /* Cipher suites in preference order (CS_DTLS_PSK_*).  NULL (default):
     * server CCM_8, CCM, CBC_SHA256; client CCM_8, CCM (LwM2M 1.1 clients
     * SHOULD NOT use CBC).  At most 3 entries. */
    const uint16_t *ciphersuites;
    size_t ciphersuite_count;

    /* Largest UDP payload the engine sends; also caps cs_dtls_send.
     * Default 1232 (IPv6 minimum MTU less IPv6 and UDP headers); 0: no
     * limit but mbedTLS's 16 kB records; otherwise at least 256. */
    uint16_t mtu;

    /* Handshake retransmission timer (RFC 6347 §4.2.4): starts at min,
     * doubles per retransmission; the handshake fails after max.
     * Defaults 1000 and 60000. */
    uint32_t retransmit_min_ms;
    uint32_t retransmit_max_ms;

    /* A handshake that has not completed this long after it started is
     * dropped (CLOSED, reason TIMEOUT).  0: no limit besides the
     * retransmission timer.  Default 60000. */
    uint32_t handshake_timeout_ms;

    /* Server: an established session with no traffic for this long is
     * parked.  0: never park.  Default 60000. */
    uint32_t idle_park_ms;

    /* Server: an established session with no traffic for this long is
     * dropped (CLOSED, reason EXPIRED).  0 (default): never. */
    uint64_t session_expiry_ms;

    /* Server: how long a HelloVerifyRequest cookie stays valid.  Default
     * 60000. */
    uint32_t cookie_lifetime_ms;

    /* Server limits; 0 means unlimited.  A ClientHello that would exceed
     * one is dropped without an answer (stats.refused counts them).
     * Defaults: 4096 handshakes, peers and per-address unlimited (many
     * devices may share one address behind carrier-grade NAT). */
    size_t max_handshakes;      /* peers in the HANDSHAKE state */
    size_t max_peers;           /* peers in any state */
    size_t max_peers_per_ip;    /* peers sharing one IP address */

    /* Bound of the output queue; a datagram that does not fit is dropped
     * (as the network may drop it) and counted in stats.output_dropped.
     * Defaults 65536 bytes and 256 datagrams. */
    size_t outbox_bytes;
    size_t outbox_datagrams;
} cs_dtls_config;

/* Fill `cfg` with the defaults above (callbacks NULL). */
void cs_dtls_config_init(cs_dtls_config *cfg);

/*
 * A server engine, or NULL when out of memory, when no system entropy is
 * available (cfg->rng NULL), or when the configuration is invalid (no
 * callback, an unknown cipher suite, zero bounds).  Free with cs_dtls_free.
 */
cs_dtls_engine *cs_dtls_server_new(const cs_dtls_config *cfg);

/*
 * A client engine for one server: PSK `identity` (1..CS_DTLS_IDENTITY_MAX
 * bytes) and `key` (1..CS_DTLS_KEY_MAX bytes), both copied.  NULL as for
 * cs_dtls_server_new.  Start the handshake with cs_dtls_connect.
 */
cs_dtls_engine *cs_dtls_client_new(const cs_dtls_config *cfg,
                                   const cs_addr *server,
                                   const uint8_t *identity, size_t identity_len,
                                   const uint8_t *key, size_t key_len);

/* Free the engine and every peer, silently (no close_notify, no events).
 * Secrets are wiped.  NULL is allowed. */
void cs_dtls_free(cs_dtls_engine *engine);

/*
 * Client: start a handshake with the server (queues the ClientHello).
 * *peer (may be NULL) gets the session handle.  CS_OK; CS_E_NOT_ALLOWED
 * on a server engine or while a session exists (close it first);
 * CS_E_NOMEM; CS_E_INTERNAL (mbedTLS failure); CS_E_INVALID_ARG inside
 * the event callback.
 */
cs_err cs_dtls_connect(cs_dtls_engine *engine, cs_dtls_time now,
                       cs_dtls_peer **peer);

/*
 * Process one received datagram from `from`.  May queue datagrams to send
 * and deliver events.  A datagram that is not acceptable (garbage, a
 * record from an unknown address, a replay, one that a limit refuses) is
 * dropped and counted in the statistics: that is not an error.
 * CS_OK; CS_E_INVALID_ARG (NULL arguments, or inside the event callback);
 * CS_E_NOMEM when a new or restored session could not be allocated.
 */
cs_err cs_dtls_receive(cs_dtls_engine *engine, cs_dtls_time now,
                       const cs_addr *from, const uint8_t *data, size_t len);

/*
 * Encrypt `len` bytes of plaintext as one record to `peer` (queued in the
 * output).  A parked peer is restored first.  CS_OK; CS_E_NOT_ALLOWED when
 * the peer is not established; CS_E_TOO_LARGE when the plaintext does not
 * fit one datagram (see cs_dtls_peer_max_payload); CS_E_NOMEM;
 * CS_E_INTERNAL (mbedTLS failure; the session is closed with reason
 * ERROR, and the peer handle is gone); CS_E_INVALID_ARG (NULL arguments,
 * or inside the PSK callback).  Allowed inside the event callback.
 */
cs_err cs_dtls_send(cs_dtls_peer *peer, cs_dtls_time now, const void *data,
                    size_t len);

/*
 * Close a session: sends close_notify when established, delivers the
 * CLOSED event (reason LOCAL), then frees the peer (the handle is gone
 * when this returns, or when the event callback it was called from
 * returns).  CS_OK; CS_E_NOT_ALLOWED when already closed (inside its own
 * CLOSED event); CS_E_INVALID_ARG (NULL, or inside the PSK callback).
 */
cs_err cs_dtls_close(cs_dtls_peer *peer, cs_dtls_time now);

/*
 * Take the oldest queued datagram: copies it into buf[0..cap), its
 * destination into *to and its length into *len.  CS_OK; CS_E_NOT_FOUND
 * when the queue is empty; CS_E_TOO_LARGE when cap is too small (*len gets
 * the size needed, the datagram stays queued).  Drain the queue after each
 * receive, send, connect or tick: its space is reclaimed when it empties.
 */
cs_err cs_dtls_next_output(cs_dtls_engine *engine, cs_addr *to, uint8_t *buf,
                           size_t cap, size_t *len);

/* Number of datagrams waiting in the output queue. */
size_t cs_dtls_output_pending(const cs_dtls_engine *engine);

/* When cs_dtls_tick should next be called, or CS_DTLS_NO_DEADLINE.  O(1). */
cs_dtls_time cs_dtls_next_deadline(const cs_dtls_engine *engine);

/*
 * Run what is due at `now`: handshake retransmissions, handshake timeouts,
 * parking, expiry.  Each due peer costs O(log peers).  CS_OK or
 * CS_E_INVALID_ARG (inside the event callback).
 */
cs_err cs_dtls_tick(cs_dtls_engine *engine, cs_dtls_time now);

/* The session with `addr`, in any state, or NULL.  O(1). */
cs_dtls_peer *cs_dtls_find(const cs_dtls_engine *engine, const cs_addr *addr);

/* Client: the current session, or NULL. */
cs_dtls_peer *cs_dtls_client_peer(const cs_dtls_engine *engine);

/* ---- Peer accessors (valid for any live peer) ---- */

const cs_addr *cs_dtls_peer_addr(const cs_dtls_peer *peer);
enum cs_dtls_peer_state cs_dtls_peer_state(const cs_dtls_peer *peer);
cs_dtls_engine *cs_dtls_peer_engine(const cs_dtls_peer *peer);

/* The PSK identity the peer authenticated with (server: the client's; the
 * server learns it during the handshake and keeps it), or NULL with
 * *len = 0 before it is known.  Owned by the peer. */
const uint8_t *cs_dtls_peer_identity(const cs_dtls_peer *peer, size_t *len);

/* The negotiated cipher suite (CS_DTLS_PSK_*), 0 before CONNECTED. */
uint16_t cs_dtls_peer_ciphersuite(const cs_dtls_peer *peer);

/* Largest plaintext cs_dtls_send accepts, 0 before CONNECTED. */
size_t cs_dtls_peer_max_payload(const cs_dtls_peer *peer);

/* Bytes of the serialized session while PARKED, else 0. */
size_t cs_dtls_peer_parked_size(const cs_dtls_peer *peer);

/* An application pointer carried by the peer (NULL at start). */
void cs_dtls_peer_set_user(cs_dtls_peer *peer, void *user);
void *cs_dtls_peer_user(const cs_dtls_peer *peer);

/* ---- Statistics ---- */

typedef struct cs_dtls_stats {
    size_t peers;        /* all sessions */
    size_t handshaking;  /* half-open */
    size_t active;
    size_t parked;

    /*
     * Bytes held per state.  The engine's own allocations (peer record,
     * identity, parked blob) are counted exactly; each mbedTLS context is
     * counted as its structures plus its two record buffers, which is
     * nearly all of it (see the unit test for heap measurements).
     */
    size_t mem_handshaking;
    size_t mem_active;
    size_t mem_parked;
    size_t mem_tables;   /* hash tables, timer heap, output queue, buffers */

    uint64_t datagrams_in;
    uint64_t datagrams_dropped;   /* not accepted, see cs_dtls_receive */
    uint64_t output_datagrams;
    uint64_t output_dropped;      /* output queue full */
    uint64_t hello_verify_sent;   /* stateless cookie requests (not those
                                     an active session's mbedTLS context
                                     sends for a reconnecting client) */
    uint64_t refused;             /* ClientHellos refused by a limit */
    uint64_t handshakes_started;  /* peers created (cookie verified) */
    uint64_t handshakes_completed;
    uint64_t handshakes_failed;
    uint64_t replaced;            /* sessions replaced by a new handshake */
    uint64_t parks;
    uint64_t restores;
} cs_dtls_stats;

void cs_dtls_get_stats(const cs_dtls_engine *engine, cs_dtls_stats *stats);

/* Short English names, never NULL, static storage. */
const char *cs_dtls_close_reason_name(enum cs_dtls_close_reason reason);
const char *cs_dtls_alert_name(int alert);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_DTLS_H */
