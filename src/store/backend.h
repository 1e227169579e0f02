/*
 * store/backend.h - the boundary between the store front end (store.c:
 * URI dispatch, argument and bound checks) and a back end (sqlite.c now,
 * redis later).  A back end is a table of functions over its own opaque
 * state; it receives arguments already checked against the CS_STORE_*
 * bounds, so each back end only deals with storage.
 */
#ifndef CELLSTRAP_STORE_BACKEND_H
#define CELLSTRAP_STORE_BACKEND_H

#include "cellstrap/store.h"

/* Longest bootstrap configuration JSON and registration link list kept;
 * past these the front end answers CS_E_TOO_LARGE. */
#define CS_STORE_JSON_MAX (1024u * 1024u)
#define CS_STORE_LINKS_MAX (64u * 1024u)

typedef struct cs_store_backend {
    const char *name;
    void (*close)(void *impl);

    cs_err (*put_bootstrap_config)(void *impl, const char *endpoint,
                                   const char *json);
    cs_err (*get_bootstrap_config)(void *impl, const char *endpoint,
                                   char **json);
    cs_err (*delete_bootstrap_config)(void *impl, const char *endpoint);

    cs_err (*issue_credential)(void *impl, const cs_credential *cred);
    cs_err (*find_credential)(void *impl, const uint8_t *identity,
                              size_t identity_len, int64_t now,
                              cs_credential *out);
    cs_err (*revoke_credentials)(void *impl, const char *endpoint,
                                 const char *server, int64_t now,
                                 size_t *count);

    cs_err (*put_registration)(void *impl, const cs_registration *reg);
    cs_err (*get_registration)(void *impl, const char *id,
                               cs_registration *out);
    cs_err (*find_registration)(void *impl, const char *endpoint,
                                cs_registration *out);
    cs_err (*delete_registration)(void *impl, const char *id);
    cs_err (*expire_registrations)(void *impl, int64_t now, size_t *count);
    cs_err (*each_registration)(void *impl, cs_registration_fn fn, void *ctx);
    cs_err (*count_registrations)(void *impl, size_t *count);

    cs_err (*batch_begin)(void *impl);
    cs_err (*batch_end)(void *impl);

    cs_err (*put_binding)(void *impl, const cs_binding *binding);
    cs_err (*end_binding)(void *impl, const cs_addr *address,
                          const char *gateway, const char *session_id,
                          size_t *removed);
    cs_err (*flush_bindings)(void *impl, const char *gateway, size_t *removed);
    cs_err (*find_binding)(void *impl, const cs_addr *address,
                           cs_binding *out);

    cs_err (*audit)(void *impl, const cs_audit_event *event);
    cs_err (*each_audit)(void *impl, const char *endpoint, size_t limit,
                         cs_audit_fn fn, void *ctx);
} cs_store_backend;

/* Open the SQLite back end on `path` (a file name, or ":memory:"). */
cs_err cs_sqlite_store_open(const char *path, const cs_store_backend **backend,
                            void **impl);

#endif
