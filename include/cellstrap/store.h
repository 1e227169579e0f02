/*
 * cellstrap/store.h - what the bootstrap server and the LwM2M server keep:
 * bootstrap configurations, issued credentials, registrations and audit
 * events.  One interface, several back ends: SQLite now (one file, the
 * embedded default), Redis later (several nodes sharing state).
 *
 * Every call is synchronous and complete: a multi-row change is one
 * transaction, so a crash leaves either all of it or none.  Times are Unix
 * seconds given by the caller (engines do not read clocks).  Keys go in
 * and come out of the store but never into its error messages or logs.
 *
 * Strings are NUL-terminated UTF-8 and bounded by the CS_STORE_*_MAX
 * sizes below (CS_E_TOO_LARGE past them).  Values returned in structures
 * are copies owned by the caller; variable-length ones (JSON texts, link
 * lists) are malloc'ed and freed with the matching *_free function.
 */
#ifndef CELLSTRAP_STORE_H
#define CELLSTRAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_STORE_ENDPOINT_MAX 256   /* endpoint client name, NUL included */
#define CS_STORE_SERVER_MAX 256     /* target server name or URI */
#define CS_STORE_IDENTITY_MAX 128   /* PSK identity, bytes */
#define CS_STORE_KEY_MAX 64         /* PSK, bytes */
#define CS_STORE_REG_ID_MAX 40      /* registration ID (Location /rd/<id>) */

typedef struct cs_store cs_store;

/*
 * Open a store.  `uri`: "sqlite:PATH" or a plain PATH (SQLite file,
 * created if missing; the schema is created or migrated to the current
 * version), or "sqlite::memory:" for a private in-memory store (tests).
 * *out is owned by the caller: cs_store_close.  CS_E_INVALID_ARG for an
 * unknown scheme, CS_E_INTERNAL when the database cannot be opened or
 * migrated (the message is logged), CS_E_NOMEM.
 */
cs_err cs_store_open(const char *uri, cs_store **out);
void cs_store_close(cs_store *store);

/* The schema version this build writes (migrations run up to it). */
int cs_store_schema_version(void);

/* ---- Bootstrap configurations ----------------------------------------- */

/*
 * A configuration is a JSON document (its schema belongs to the bootstrap
 * server; the store keeps the text).  Keyed by endpoint name; the key "*"
 * is the default for endpoints that have none of their own.
 */
cs_err cs_store_put_bootstrap_config(cs_store *store, const char *endpoint,
                                     const char *json);
/* *json is malloc'ed (free with free()); CS_E_NOT_FOUND if none. */
cs_err cs_store_get_bootstrap_config(cs_store *store, const char *endpoint,
                                     char **json);
cs_err cs_store_delete_bootstrap_config(cs_store *store, const char *endpoint);

/* ---- Issued credentials ----------------------------------------------- */

typedef struct cs_credential {
    uint8_t identity[CS_STORE_IDENTITY_MAX];
    size_t identity_len;
    uint8_t key[CS_STORE_KEY_MAX];
    size_t key_len;
    char endpoint[CS_STORE_ENDPOINT_MAX];  /* the device it was issued to */
    char server[CS_STORE_SERVER_MAX];      /* the LwM2M server it is for */
    int64_t created;
    int64_t expires;                       /* 0: never */
    int64_t revoked;                       /* 0: not revoked */
} cs_credential;

/*
 * Store a new credential and, in the same transaction, revoke (at
 * `cred->created`) every earlier unrevoked credential of the same
 * endpoint for the same server.  CS_E_DUPLICATE when the identity is
 * already in use by another credential (identities are unique).
 */
cs_err cs_store_issue_credential(cs_store *store, const cs_credential *cred);

/*
 * The credential with this PSK identity that is usable at `now` (not
 * revoked, not expired).  CS_E_NOT_FOUND otherwise (unknown, revoked and
 * expired are not told apart, on purpose).  The identity is compared as
 * bytes.
 */
cs_err cs_store_find_credential(cs_store *store, const uint8_t *identity,
                                size_t identity_len, int64_t now,
                                cs_credential *out);

/* Revoke every unrevoked credential of `endpoint` (for `server`, or for
 * all servers when `server` is NULL); *count (may be NULL) gets how many. */
cs_err cs_store_revoke_credentials(cs_store *store, const char *endpoint,
                                   const char *server, int64_t now,
                                   size_t *count);

/* ---- Registrations ----------------------------------------------------- */

typedef struct cs_registration {
    char id[CS_STORE_REG_ID_MAX];          /* Location: /rd/<id> */
    char endpoint[CS_STORE_ENDPOINT_MAX];
    char lwm2m_version[8];                 /* "1.0", "1.1", "1.2" */
    char binding[8];                       /* "U", "UQ" ... */
    bool queue_mode;
    uint32_t lifetime;                     /* seconds */
    char sms[32];                          /* MSISDN or "" */
    char *links;                           /* object links (link format), malloc'ed */
    cs_addr addr;                          /* where the device was last seen */
    uint8_t identity[CS_STORE_IDENTITY_MAX]; /* DTLS PSK identity, if any */
    size_t identity_len;
    int64_t registered;
    int64_t updated;
    int64_t expires;                       /* updated + lifetime */
} cs_registration;

/* Free what a registration returned by the store holds (links). */
void cs_registration_free(cs_registration *reg);

/*
 * Insert or replace the registration `reg->id`; in the same transaction,
 * delete any other registration of the same endpoint (a re-Register
 * replaces the old one).  `reg->links` is copied.
 */
cs_err cs_store_put_registration(cs_store *store, const cs_registration *reg);

/* By ID or by endpoint name; CS_E_NOT_FOUND if none.  Free with
 * cs_registration_free. */
cs_err cs_store_get_registration(cs_store *store, const char *id,
                                 cs_registration *out);
cs_err cs_store_find_registration(cs_store *store, const char *endpoint,
                                  cs_registration *out);

cs_err cs_store_delete_registration(cs_store *store, const char *id);

/* Delete every registration with expires <= now; *count (may be NULL)
 * gets how many. */
cs_err cs_store_expire_registrations(cs_store *store, int64_t now,
                                     size_t *count);

/* Call `fn` for each registration (ordered by endpoint); it must not call
 * back into the store.  A non-zero return stops the walk. */
typedef int (*cs_registration_fn)(void *ctx, const cs_registration *reg);
cs_err cs_store_each_registration(cs_store *store, cs_registration_fn fn,
                                  void *ctx);

size_t cs_store_count_registrations(cs_store *store);

/* ---- Audit events ----------------------------------------------------- */

typedef struct cs_audit_event {
    int64_t id;                            /* assigned by the store */
    int64_t time;
    char kind[32];                         /* "bootstrap", "register", "refused" ... */
    char endpoint[CS_STORE_ENDPOINT_MAX];
    char detail[512];                      /* human-readable, no secrets */
} cs_audit_event;

/* Append an event (id ignored). */
cs_err cs_store_audit(cs_store *store, const cs_audit_event *event);

/* Call `fn` for the newest `limit` events (newest first), optionally only
 * those of `endpoint` (NULL: all). */
typedef int (*cs_audit_fn)(void *ctx, const cs_audit_event *event);
cs_err cs_store_each_audit(cs_store *store, const char *endpoint, size_t limit,
                           cs_audit_fn fn, void *ctx);

/* ---- Group commit ---------------------------------------------------- */

/*
 * Make every change until cs_store_batch_end one transaction: a server
 * wraps the handling of one batch of datagrams in it, so that N Registers
 * cost one commit (bench/RESULTS.md).  Each change inside still succeeds
 * or fails as a whole (a savepoint).  Changes become durable, and visible
 * to other handles, at cs_store_batch_end; a crash before it loses the
 * batch (devices then re-register or re-bootstrap).  Do not use where an
 * answer must wait for durability (RADIUS accounting).  Batches do not
 * nest: CS_E_INVALID_ARG for a begin inside a batch or an end outside.
 */
cs_err cs_store_batch_begin(cs_store *store);
cs_err cs_store_batch_end(cs_store *store);

/* ---- Address bindings ------------------------------------------------ */

/*
 * What the packet gateway's accounting said about one data session: the
 * device at `address` is this subscription.  Network-attested bootstrap
 * trusts a plain Bootstrap-Request only from a bound address.
 */
#define CS_STORE_APN_MAX 101        /* NUL included */
#define CS_STORE_GATEWAY_MAX 64
#define CS_STORE_SESSION_MAX 64

typedef struct cs_binding {
    cs_addr address;                       /* the port is ignored */
    char imsi[16];
    char msisdn[16];                       /* may be empty */
    char imeisv[17];                       /* may be empty */
    char apn[CS_STORE_APN_MAX];
    char gateway[CS_STORE_GATEWAY_MAX];    /* the accounting gateway's name */
    char session_id[CS_STORE_SESSION_MAX]; /* Acct-Session-Id, may be empty */
    int64_t started;                       /* Unix seconds */
    int64_t updated;                       /* last Start or Interim-Update */
} cs_binding;

/*
 * Start or Interim-Update: bind the address to the subscription, in one
 * transaction replacing the address's earlier binding (an address reused
 * by another subscriber maps to the new one) and every other binding of
 * the same IMSI (one data session per subscription).  CS_E_INVALID_ARG
 * without an IMSI or a gateway.
 */
cs_err cs_store_put_binding(cs_store *store, const cs_binding *binding);

/* Stop: remove the address's binding if `gateway` made it for the session
 * `session_id` (NULL or "": any session of that gateway); a late Stop of
 * an earlier session leaves a newer binding alone.  *removed: 0 or 1. */
cs_err cs_store_end_binding(cs_store *store, const cs_addr *address,
                            const char *gateway, const char *session_id,
                            size_t *removed);

/* Accounting-On/Off: the gateway restarted; drop every binding it made. */
cs_err cs_store_flush_bindings(cs_store *store, const char *gateway,
                               size_t *removed);

/* The address's live binding (port ignored), or CS_E_NOT_FOUND. */
cs_err cs_store_find_binding(cs_store *store, const cs_addr *address,
                             cs_binding *out);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_STORE_H */
