/*
 * cellstrap/server.h - the LwM2M server engine: the Registration interface
 * (Register, Update, De-register, expiry), the DTLS-PSK identity check
 * against issued credentials, and device management requests towards
 * registered clients (Read, Discover, Write, Execute, Create, Delete,
 * Observe), plus the admin line protocol that programs and tests use to
 * drive it (docs/server.md).
 *
 * Sans-I/O: the engine plugs into one or more CoAP endpoints as their
 * request handler (cs_server_handle_request) and sends its requests through
 * the endpoint a client registered over; the caller supplies the clocks.
 * Registrations live in memory (hashed by ID and by endpoint name, expiry
 * in a timer heap) and are written through to the store when one is given.
 *
 * Not thread-safe: one engine, one thread (the cs_loop's).
 */
#ifndef CELLSTRAP_SERVER_H
#define CELLSTRAP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/codec.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/error.h"
#include "cellstrap/model.h"
#include "cellstrap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_server cs_server;

/*
 * The authenticated PSK identity of the (D)TLS session a request came
 * over (`session` is cs_coap_incoming.session).  Set *identity (borrowed,
 * valid during the request) and *len and return true, or return false for
 * a NoSec request.  The default (cs_server_config.identity NULL) treats a
 * non-NULL session as a cs_dtls_peer and asks cs_dtls_peer_identity; tests
 * inject their own.
 */
typedef bool (*cs_server_identity_fn)(void *ctx, void *session,
                                      const uint8_t **identity, size_t *len);

/* Current times: a monotonic millisecond clock (the CoAP endpoints') and
 * the wall clock in Unix seconds (store times). */
typedef uint64_t (*cs_server_clock_ms_fn)(void *ctx);
typedef int64_t (*cs_server_clock_unix_fn)(void *ctx);

typedef struct cs_server_config {
    /* This server's name: only credentials whose `server` equals it are
     * accepted (required when secure registrations are expected). */
    const char *name;
    /* Write-through store and credential source; NULL: memory only, and
     * every secure Register is refused (no credential can match). */
    cs_store *store;
    /* Accept Register without a (D)TLS identity (NoSec).  Default false. */
    bool allow_nosec;
    cs_server_identity_fn identity;   /* NULL: cs_dtls_peer_identity */
    void *identity_ctx;
    cs_server_clock_ms_fn clock_ms;   /* required */
    cs_server_clock_unix_fn clock_unix; /* required */
    void *clock_ctx;
    /* Object definitions to type decoded values; NULL: the standard ones. */
    const cs_registry *registry;
    /* Random registration IDs; 0: seeded from the system. */
    uint64_t seed;
} cs_server_config;

/* A new engine (copies `cfg`; `name`, `store`, `registry` are borrowed and
 * must outlive it).  NULL when out of memory or when a clock is missing. */
cs_server *cs_server_new(const cs_server_config *cfg);

/*
 * Free the engine and every registration it holds in memory (the store
 * keeps its copy).  Free it after the CoAP endpoints it served (they drop
 * their exchanges without callbacks; the engine then frees what was left).
 * Pending response callbacks are not called.  NULL is allowed.
 */
void cs_server_free(cs_server *srv);

/*
 * The CoAP request handler: install it as cs_coap_config.on_request with
 * `app` = the engine, on every endpoint (plain and DTLS) the server listens
 * on.  Handles POST /rd, POST /rd/<id>, DELETE /rd/<id>; anything else
 * gets 4.04.
 */
void cs_server_handle_request(void *app, cs_coap_endpoint *ep,
                              cs_coap_incoming *in, cs_coap_msg *response);

/*
 * Expire registrations whose lifetime is over (O(log n) each) and return
 * the next time (cs_server_config.clock_ms scale) this needs calling, or
 * CS_COAP_NEVER.  Call it from the loop's timer.
 */
uint64_t cs_server_tick(cs_server *srv);

/*
 * After a restart: take the store's unexpired registrations back into
 * memory (expired ones are deleted from the store), so that devices keep
 * their /rd/<id> across a server restart.  Requests to a device registered
 * over DTLS go through `secure`, to a NoSec one through `plain` (either may
 * be NULL: such devices are found, but requests to them wait for their next
 * Update, which says which endpoint they use).  *count (may be NULL) gets
 * how many were loaded.  CS_OK without a store; store errors; CS_E_NOMEM.
 */
cs_err cs_server_load(cs_server *srv, cs_coap_endpoint *plain,
                      cs_coap_endpoint *secure, size_t *count);

/* ---- Registrations ----------------------------------------------------- */

/* The registration of `endpoint` (or with ID `id`), or NULL.  Borrowed:
 * valid until the next call into the engine that may change it. */
const cs_registration *cs_server_find(const cs_server *srv,
                                      const char *endpoint);
const cs_registration *cs_server_find_id(const cs_server *srv,
                                         const char *id);
size_t cs_server_count(const cs_server *srv);

/* Call `fn` for each registration (in no particular order); it must not
 * change the engine.  A non-zero return stops the walk. */
cs_err cs_server_each(const cs_server *srv, cs_registration_fn fn, void *ctx);

/* Content formats the client announced in its root link (</>;ct=...);
 * *count 0 when none. */
const uint16_t *cs_server_formats(const cs_server *srv, const char *endpoint,
                                  size_t *count);

/* ---- Device management -------------------------------------------------- */

enum cs_server_op {
    CS_SERVER_READ = 1,      /* GET, Accept = accept (if set) */
    CS_SERVER_DISCOVER,      /* GET, Accept 40 */
    CS_SERVER_WRITE,         /* PUT: replace */
    CS_SERVER_WRITE_UPDATE,  /* POST: partial update of an instance */
    CS_SERVER_EXECUTE,       /* POST, payload = arguments (text) */
    CS_SERVER_CREATE,        /* POST /oid */
    CS_SERVER_DELETE,        /* DELETE */
    CS_SERVER_OBSERVE,       /* GET Observe=0: responses until cancelled */
    CS_SERVER_CANCEL_OBSERVE, /* GET Observe=1 with the observation's token */
    CS_SERVER_WRITE_ATTRIBUTES /* PUT with Uri-Query attributes, no payload */
};

#define CS_SERVER_NO_FORMAT 0xFFFFu

typedef struct cs_server_request {
    enum cs_server_op op;
    cs_path path;
    uint16_t accept;            /* CS_SERVER_NO_FORMAT: none */
    /* Write, Create: records, encoded here in the format the client
     * announced (SenML CBOR, SenML JSON, LwM2M CBOR; else TLV) ... */
    const cs_records *records;
    /* ... or, when records is NULL, a ready payload of `format` (Execute
     * arguments: format CS_SERVER_NO_FORMAT, text). */
    uint16_t format;
    const uint8_t *payload;
    size_t payload_len;
    /* Write-Attributes: "pmin=10&pmax=60" (attributes as Uri-Query). */
    const char *query;
} cs_server_request;

/* What came back (for an observation: once per notification). */
typedef struct cs_server_response {
    cs_err status;             /* CS_OK: a response (see code); else the
                                  exchange failed: CS_E_TIMEOUT, CS_E_RESET,
                                  CS_E_NOT_FOUND (deregistered) ... */
    uint8_t code;              /* CoAP code, 0 when status != CS_OK */
    uint16_t format;           /* Content-Format, CS_SERVER_NO_FORMAT */
    const uint8_t *payload;    /* borrowed during the callback */
    size_t payload_len;
    const cs_records *records; /* decoded payload, or NULL (none, link
                                  format, or undecodable: decode_status) */
    cs_err decode_status;
    bool final;                /* no more callbacks for this request */
} cs_server_response;

typedef void (*cs_server_response_fn)(void *user,
                                      const cs_server_response *response);

/*
 * Send `req` to the client registered as `endpoint`; `cb` is called with
 * each outcome, the last with final = true.  An observation stays until
 * CS_SERVER_CANCEL_OBSERVE on the same endpoint and path, the client's
 * de-registration, or cs_server_forget_user.  A request to a client in
 * queue mode not heard from for MAX_TRANSMIT_WAIT (93 s) is held until its
 * next Update (its callback gets CS_E_NOT_FOUND if the client goes away
 * first).  Returns CS_OK; CS_E_NOT_FOUND
 * (no such registration, or no observation to cancel); CS_E_INVALID_ARG;
 * encoding errors of cs_encode; CS_E_BUSY from the endpoint.  On error
 * `cb` is never called.
 */
cs_err cs_server_send(cs_server *srv, const char *endpoint,
                      const cs_server_request *req, cs_server_response_fn cb,
                      void *user);

/*
 * Detach every pending request and observation of `user` (e.g. an admin
 * connection that closed): their callbacks are never called again, and
 * observations are forgotten (the client's next notification gets a
 * Reset).
 */
void cs_server_forget_user(cs_server *srv, void *user);

/* ---- Admin line protocol (docs/server.md) ------------------------------ */

/* Longest admin command line, newline included. */
#define CS_ADMIN_LINE_MAX 8192
/* Most words in a command line. */
#define CS_ADMIN_MAX_ARGS 64

/*
 * Split a command line into words (spaces and tabs separate; no quoting:
 * the last argument of write/execute takes the rest of the line, see
 * cs_admin_rest).  Modifies `line` in place.  Returns the number of words,
 * or -1 when there are more than `cap`.
 */
int cs_admin_split(char *line, char **argv, int cap);

/* An admin session: one per connection.  Output lines (each ending in
 * '\n') go to `write`. */
typedef void (*cs_admin_write_fn)(void *ctx, const char *text, size_t len);
typedef struct cs_admin cs_admin;

/* NULL when out of memory.  `srv` is borrowed. */
cs_admin *cs_admin_new(cs_server *srv, cs_admin_write_fn write, void *ctx);
/* Cancels the session's observations and pending requests. */
void cs_admin_free(cs_admin *adm);

/*
 * Run one command line (without its newline).  The answer, possibly later
 * (after the device answers), is a first line with a CoAP code ("2.05",
 * or "4.00 <reason>" for a command the engine refused before sending
 * anything), then the records one per line, then an empty line.  An
 * observation answers once per notification the same way.
 */
void cs_admin_command(cs_admin *adm, char *line);

/* Requests of this session still waiting for their answer. */
size_t cs_admin_pending(const cs_admin *adm);

/*
 * Write the value text of `v` as `cellstrap decode` prints it ("String"
 * quoted with escapes, Opaque as hex ...) into `out`.
 */
cs_err cs_admin_format_value(const cs_value *v, cs_buf *out);

/*
 * Parse `text` as a value of `type` (String: the text itself; Integer,
 * Unsigned, Float, Time: decimal; Boolean: true/false/1/0; Opaque: hex;
 * Objlnk: "oid:iid").  String and Opaque bytes are stored in `rs`.
 * CS_E_SYNTAX / CS_E_RANGE otherwise.
 */
cs_err cs_admin_parse_value(cs_type type, const char *text, cs_records *rs,
                            cs_value *out);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_SERVER_H */
