/*
 * cellstrap/radius_accounting.h - RADIUS accounting (RFC 2866) as two
 * sans-I/O engines on the codec of cellstrap/radius.h:
 *
 *   the server (the bootstrap server's listener): a datagram, its source
 *   and the time in; a response datagram out, or nothing (a drop, counted
 *   by reason).  It knows the configured packet gateways and their
 *   secrets, checks the Request Authenticator, answers retransmitted
 *   duplicates with the same response without applying them twice, and
 *   hands each event to a callback; it answers only when the callback
 *   succeeded ("answer after the record is stored", RFC 2866 §2).
 *
 *   the client (the emulated packet gateway): encodes Accounting-Requests,
 *   sends them through a callback, retransmits on a schedule until the
 *   response arrives (or a bounded number of tries), and accepts only a
 *   response whose Response Authenticator is right.
 *
 * Neither touches sockets or clocks; times are milliseconds on the
 * caller's monotonic clock.  Secrets are copied in, never logged, and
 * wiped when the engine is freed.
 */
#ifndef CELLSTRAP_RADIUS_ACCOUNTING_H
#define CELLSTRAP_RADIUS_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"
#include "cellstrap/radius.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Server ---------------------------------------------------------- */

#define CS_ACCT_GATEWAY_NAME_MAX 63
#define CS_ACCT_MAX_GATEWAYS 64

/* One accounting request that passed every check, for the callback. */
typedef struct cs_acct_event {
    uint32_t status_type;          /* Start, Stop, Interim-Update, On, Off */
    const char *gateway;           /* the configured gateway's name */
    cs_addr source;                /* the request's source address and port */
    uint64_t now_ms;               /* the time given to cs_acct_server_receive */
    const cs_radius_acct *fields;  /* decoded attributes; borrowed */
} cs_acct_event;

/*
 * Apply one event (store or withdraw a binding, flush a gateway's bindings
 * on Accounting-On/Off).  Return CS_OK only once the effect is durable:
 * the response is sent after that; any error means no response, and the
 * gateway will retransmit.  The event and its fields are borrowed for the
 * call.  Bindings created from a gateway are best keyed by its name (and,
 * for an "any" gateway, the source host) so that On/Off flush exactly them.
 */
typedef cs_err (*cs_acct_apply_fn)(void *ctx, const cs_acct_event *event);

typedef struct cs_acct_server_config {
    cs_acct_apply_fn apply;        /* required */
    void *ctx;
    uint64_t duplicate_window_ms;  /* how long a response is kept for
                                      duplicates; 0: 30000 */
    size_t duplicate_capacity;     /* responses kept at most; 0: 4096 */
    uint64_t seed;                 /* hash key; 0: from the system's entropy */
} cs_acct_server_config;

typedef struct cs_acct_server cs_acct_server;

/* A server with no gateway.  *out is owned by the caller (free with
 * cs_acct_server_free).  CS_E_INVALID_ARG without apply, CS_E_NOMEM. */
cs_err cs_acct_server_new(const cs_acct_server_config *cfg, cs_acct_server **out);

/* Frees the server and wipes the secrets it holds. */
void cs_acct_server_free(cs_acct_server *server);

/*
 * Accept requests from gateway `name` at host `nas` (any source port), or
 * from any host when `nas` is NULL; requests from a host with its own
 * entry never fall back to the "any" entry.  The name and secret are
 * copied.  CS_E_INVALID_ARG (empty or long name, secret empty or over 128
 * octets), CS_E_DUPLICATE (the host, the name, or a second "any"),
 * CS_E_TOO_LARGE (more than CS_ACCT_MAX_GATEWAYS).
 */
cs_err cs_acct_server_add_gateway(cs_acct_server *server, const char *name,
                                  const cs_addr *nas, const uint8_t *secret,
                                  size_t secret_len);

/* What became of one datagram; each is counted. */
enum cs_acct_outcome {
    CS_ACCT_ANSWERED = 0,          /* applied and answered */
    CS_ACCT_DUPLICATE,             /* a retransmission: the same answer again */
    CS_ACCT_IGNORED,               /* a status type we do not act on: answered */
    CS_ACCT_DROP_MALFORMED,        /* not a well-formed RADIUS packet */
    CS_ACCT_DROP_NOT_ACCOUNTING,   /* a Code other than Accounting-Request */
    CS_ACCT_DROP_UNKNOWN_NAS,      /* no gateway configured for the source */
    CS_ACCT_DROP_BAD_AUTHENTICATOR,/* wrong secret or altered packet */
    CS_ACCT_DROP_BAD_ATTRIBUTE,    /* accounting attributes unusable */
    CS_ACCT_DROP_APPLY_FAILED,     /* the callback failed: no answer */
    CS_ACCT_OUTCOME_COUNT
};

typedef struct cs_acct_result {
    enum cs_acct_outcome outcome;
    cs_err detail;                 /* why it was dropped; CS_OK otherwise */
    size_t response_len;           /* bytes to send back; 0: send nothing */
} cs_acct_result;

/*
 * Handle one datagram from `from` at `now_ms`.  When res->response_len is
 * non-zero, send out[0..response_len) back to `from`.  `out` must hold
 * CS_RADIUS_HEADER_LEN octets.  Returns CS_OK (whatever the outcome) or
 * CS_E_INVALID_ARG for a broken call.
 */
cs_err cs_acct_server_receive(cs_acct_server *server, uint64_t now_ms,
                              const cs_addr *from, const uint8_t *dgram,
                              size_t len, uint8_t *out, size_t cap,
                              cs_acct_result *res);

/* How many datagrams ended with `outcome` so far. */
uint64_t cs_acct_server_count(const cs_acct_server *server,
                              enum cs_acct_outcome outcome);

/* "answered", "duplicate", "unknown-nas" ...; static storage. */
const char *cs_acct_outcome_name(enum cs_acct_outcome outcome);

/* ---- Client ---------------------------------------------------------- */

#define CS_ACCT_MAX_SERVERS 16

/* Send one datagram; an error only means this copy is lost. */
typedef cs_err (*cs_acct_send_fn)(void *ctx, const cs_addr *to,
                                  const uint8_t *data, size_t len);
/* Request `handle` ended: CS_OK (a valid response arrived) or
 * CS_E_TIMEOUT (no response after max_attempts sends). */
typedef void (*cs_acct_done_fn)(void *ctx, uint64_t handle, cs_err result);

typedef struct cs_acct_client_config {
    cs_acct_send_fn send;          /* required */
    cs_acct_done_fn done;          /* optional */
    void *ctx;
    uint64_t initial_timeout_ms;   /* first wait for a response; 0: 2000 */
    uint64_t max_timeout_ms;       /* waits double up to this; 0: 16000 */
    unsigned max_attempts;         /* sends per request; 0: until answered */
    size_t max_outstanding;        /* requests waiting at once; 0: 4096 */
} cs_acct_client_config;

typedef struct cs_acct_client cs_acct_client;

/* Owned by the caller: free with cs_acct_client_free (outstanding
 * requests are dropped without a done call).  CS_E_INVALID_ARG, CS_E_NOMEM. */
cs_err cs_acct_client_new(const cs_acct_client_config *cfg, cs_acct_client **out);
void cs_acct_client_free(cs_acct_client *client);

/*
 * Add an accounting server (address and port) with its secret (copied);
 * *index names it for cs_acct_client_send.  CS_E_INVALID_ARG (bad secret),
 * CS_E_TOO_LARGE (more than CS_ACCT_MAX_SERVERS).
 */
cs_err cs_acct_client_add_server(cs_acct_client *client, const cs_addr *server,
                                 const uint8_t *secret, size_t secret_len,
                                 unsigned *index);

/*
 * Encode `acct` as an Accounting-Request to server `index`, send it now
 * and keep it until answered.  Retransmissions resend the same octets
 * (same Identifier and authenticator), so the server can recognise them.
 * *handle (optional) identifies it in the done callback.  Errors of
 * cs_radius_acct_encode, CS_E_INVALID_ARG (unknown server), CS_E_BUSY
 * (256 requests to that server, or max_outstanding, already waiting),
 * CS_E_NOMEM.
 */
cs_err cs_acct_client_send(cs_acct_client *client, uint64_t now_ms,
                           unsigned index, const cs_radius_acct *acct,
                           uint64_t *handle);

/*
 * A datagram from `from`: CS_OK when it answered a waiting request (done
 * is called), CS_E_NOT_FOUND when no request waits for it (wrong source,
 * code or Identifier), CS_E_SESSION for a bad Response Authenticator (the
 * request keeps waiting), or the parse error.
 */
cs_err cs_acct_client_receive(cs_acct_client *client, uint64_t now_ms,
                              const cs_addr *from, const uint8_t *dgram,
                              size_t len);

/* Retransmit what is due at `now_ms` and give up on requests that used
 * their attempts. */
void cs_acct_client_tick(cs_acct_client *client, uint64_t now_ms);

/* When cs_acct_client_tick next has work; UINT64_MAX for never. */
uint64_t cs_acct_client_next_deadline(const cs_acct_client *client);

/* Requests waiting for a response. */
size_t cs_acct_client_outstanding(const cs_acct_client *client);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_RADIUS_ACCOUNTING_H */
