/*
 * cellstrap/coap_endpoint.h - the CoAP messaging and request/response layer
 * (RFC 7252 §4-5, RFC 7641 client side), sans-I/O.
 *
 * One endpoint serves every peer on one transport: it takes datagrams with
 * the sender's address and the current time (cs_coap_receive), and hands
 * the datagrams it sends to a callback; cs_coap_next_deadline says when it
 * next needs cs_coap_tick.  It never opens a socket or reads a clock, so
 * tests drive it with simulated time, loss, duplication and reordering.
 *
 * Both roles share it: requests flow both ways on one association (an
 * LwM2M client is also a CoAP server).  It does: Confirmable messages
 * retransmitted with exponential back-off; message-ID deduplication (a
 * duplicate CON gets the same response again); random 8-byte tokens;
 * piggybacked and separate responses; NSTART; observe notifications with
 * the RFC 7641 freshness rule; unknown critical options answered 4.02;
 * block-wise transfers (RFC 7959) both ways: a request or response body
 * larger than one block is split and reassembled here, so handlers and
 * callbacks see whole bodies (bounded by max_body).
 *
 * Peers live in a hash table keyed by address and port, timers in a heap:
 * the work per datagram and per timer does not grow with the number of
 * peers.  A peer's state is dropped EXCHANGE_LIFETIME after it was last
 * needed.
 */
#ifndef CELLSTRAP_COAP_ENDPOINT_H
#define CELLSTRAP_COAP_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/coap.h"
#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t cs_coap_time;   /* milliseconds on the caller's clock */
#define CS_COAP_NEVER UINT64_MAX

/* RFC 7252 §4.8 transmission parameters.  NB-IoT links want a larger
 * ack_timeout_ms (e.g. 10 s); everything derived follows. */
typedef struct cs_coap_params {
    uint32_t ack_timeout_ms;        /* ACK_TIMEOUT, default 2000 */
    uint16_t ack_random_factor_pct; /* ACK_RANDOM_FACTOR x 100, default 150 */
    uint8_t max_retransmit;         /* MAX_RETRANSMIT, default 4 */
    uint8_t nstart;                 /* NSTART, default 1 */
    uint32_t max_latency_ms;        /* MAX_LATENCY, default 100 000 */
} cs_coap_params;

/* Fill `p` with the RFC 7252 defaults. */
void cs_coap_params_default(cs_coap_params *p);
/* MAX_TRANSMIT_SPAN, MAX_TRANSMIT_WAIT, EXCHANGE_LIFETIME, NON_LIFETIME
 * (RFC 7252 §4.8.2) in ms; 45 s, 93 s, 247 s and 145 s by default. */
cs_coap_time cs_coap_max_transmit_span(const cs_coap_params *p);
cs_coap_time cs_coap_max_transmit_wait(const cs_coap_params *p);
cs_coap_time cs_coap_exchange_lifetime(const cs_coap_params *p);
cs_coap_time cs_coap_non_lifetime(const cs_coap_params *p);

typedef struct cs_coap_endpoint cs_coap_endpoint;

/* A request as it arrived, for the request handler. */
typedef struct cs_coap_incoming {
    const cs_addr *from;
    void *session;               /* the lower layer's handle (DTLS peer) or NULL */
    const cs_coap_msg *request;  /* valid during the handler call only */
    bool deferred;               /* set by cs_coap_defer */
} cs_coap_incoming;

/*
 * Answer a request.  The endpoint has set `response`'s type, message ID
 * and token, and its code to 5.00 so that a handler that sets none answers
 * honestly; the handler sets the code, options and payload (borrowed until
 * the handler returns).  To answer later instead, the handler calls
 * cs_coap_defer and returns.
 */
typedef void (*cs_coap_request_fn)(void *app, cs_coap_endpoint *ep,
                                   cs_coap_incoming *in,
                                   cs_coap_msg *response);

/*
 * The outcome of a request this endpoint sent (or of a separate response or
 * notification it sent as CON).  status CS_OK with the response; or
 * CS_E_TIMEOUT (no answer), CS_E_RESET (the peer sent Reset) with NULL.
 * For an observe request it is called for the first response and for every
 * fresh notification; `final` says whether more can come.
 */
typedef void (*cs_coap_response_fn)(void *user, cs_coap_endpoint *ep,
                                    cs_err status,
                                    const cs_coap_msg *response, bool final);

/* Hand one datagram to the transport (socket or DTLS); must not call back
 * into the endpoint. */
typedef void (*cs_coap_send_fn)(void *io, const cs_addr *to, void *session,
                                const uint8_t *data, size_t len);

typedef struct cs_coap_config {
    cs_coap_params params;
    cs_coap_send_fn send;
    void *io;                      /* first argument of send */
    cs_coap_request_fn on_request; /* NULL: every request gets 4.04 */
    void *app;                     /* first argument of on_request */
    size_t max_peers;              /* 0 = 1 << 22 */
    size_t max_exchanges_per_peer; /* outstanding requests etc.; 0 = 16 */
    size_t max_body;               /* largest block-wise body reassembled,
                                      either direction; 0 = 1 MiB */
    uint16_t block_size;           /* preferred block size: 16, 32 ...
                                      1024; 0 = 1024 */
    uint64_t seed;                 /* random tokens, message IDs, back-off;
                                      0 = seeded from the system */
} cs_coap_config;

/* A new endpoint (copies `cfg`); NULL when out of memory. */
cs_coap_endpoint *cs_coap_endpoint_new(const cs_coap_config *cfg);
/* Free the endpoint; outstanding exchanges are dropped without callbacks. */
void cs_coap_endpoint_free(cs_coap_endpoint *ep);

/*
 * Process one datagram from `from` at time `now`.  Returns CS_OK when it
 * was handled (answered, matched, or dropped as RFC 7252 says: duplicates,
 * unmatched ACKs), or the reason it was rejected (CS_E_SYNTAX etc. for a
 * malformed message, CS_E_BUSY when a peer limit was reached); either way
 * the endpoint stays consistent.
 */
cs_err cs_coap_receive(cs_coap_endpoint *ep, cs_coap_time now,
                       const cs_addr *from, void *session,
                       const uint8_t *data, size_t len);

/*
 * Send a request (type CON or NON, a method code, options and payload set
 * by the caller; message ID set here; a random 8-byte token unless the
 * caller set one).  `cb` is called with the outcome.  The request is
 * serialized at once, so its option values and payload may be freed on
 * return.  CS_E_BUSY when the peer has too many exchanges.
 */
cs_err cs_coap_send_request(cs_coap_endpoint *ep, cs_coap_time now,
                            const cs_addr *to, void *session,
                            cs_coap_msg *request, cs_coap_response_fn cb,
                            void *user);

/* Where to send a response later: from cs_coap_defer. */
typedef struct cs_coap_reply_to {
    cs_addr addr;
    void *session;
    uint8_t token_len;
    uint8_t token[CS_COAP_TOKEN_MAX];
    bool confirmable;            /* the request was CON */
} cs_coap_reply_to;

/*
 * Inside the request handler: answer later.  A CON request is acknowledged
 * at once with an empty ACK; the response goes out with
 * cs_coap_send_response.
 */
cs_coap_reply_to cs_coap_defer(cs_coap_endpoint *ep, cs_coap_incoming *in);

/*
 * Send a response outside a piggybacked ACK: a separate response after
 * cs_coap_defer, or an observe notification (RFC 7641: the token of the
 * observe request, an Observe option the caller adds).  `response->type`
 * is CON or NON; message ID and token are set here.  For CON, `cb` (may
 * be NULL) reports the ACK (CS_OK), a Reset (CS_E_RESET, the observer
 * is gone) or CS_E_TIMEOUT.
 */
cs_err cs_coap_send_response(cs_coap_endpoint *ep, cs_coap_time now,
                             const cs_coap_reply_to *to,
                             cs_coap_msg *response, cs_coap_response_fn cb,
                             void *user);

/*
 * Forget the observe relation with `token` towards `to` (client side): the
 * callback is not called again, and the next notification gets a Reset
 * (RFC 7641 §3.6).  CS_E_NOT_FOUND if there is none.
 */
cs_err cs_coap_forget_observe(cs_coap_endpoint *ep, const cs_addr *to,
                              const uint8_t *token, size_t token_len);

/*
 * End every exchange with `to` now, each callback getting `status` and no
 * response: for a transport that knows no answer can come (its secure
 * session to the peer failed or closed).  Callbacks may send new requests;
 * those are not ended.  CS_E_NOT_FOUND if the peer has no state.
 */
cs_err cs_coap_fail_peer(cs_coap_endpoint *ep, cs_coap_time now,
                         const cs_addr *to, cs_err status);

/* The earliest time cs_coap_tick has work, or CS_COAP_NEVER. */
cs_coap_time cs_coap_next_deadline(const cs_coap_endpoint *ep);

/* Run everything due at `now`: retransmissions, timeouts, expiry. */
void cs_coap_tick(cs_coap_endpoint *ep, cs_coap_time now);

/* Counters for tests and benchmarks. */
typedef struct cs_coap_stats {
    size_t peers;
    size_t exchanges;
    uint64_t retransmissions;
    uint64_t duplicates;         /* duplicate messages received */
    uint64_t rejected;           /* malformed or refused datagrams */
    size_t memory;               /* bytes held, tables included */
} cs_coap_stats;

void cs_coap_get_stats(const cs_coap_endpoint *ep, cs_coap_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_COAP_ENDPOINT_H */
