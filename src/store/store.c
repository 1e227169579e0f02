/*
 * store/store.c - the store front end: picks a back end from the URI and
 * checks every argument against the bounds of store.h before a back end
 * sees it, so the back ends store what they are given and nothing longer.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "store/backend.h"

struct cs_store {
    const cs_store_backend *backend;
    void *impl;
};

/* ---- bounds ------------------------------------------------------------ */

/* A required key string (endpoint, server, registration ID): non-empty,
 * shorter than `cap` including the NUL. */
static cs_err check_key(const char *s, size_t cap)
{
    if (s == NULL || s[0] == '\0')
        return CS_E_INVALID_ARG;
    return strnlen(s, cap) < cap ? CS_OK : CS_E_TOO_LARGE;
}

/* A string held in a fixed array of a caller's structure: must end
 * inside it (a structure filled without a terminator is refused). */
static cs_err check_field(const char *field, size_t cap)
{
    return strnlen(field, cap) < cap ? CS_OK : CS_E_TOO_LARGE;
}

#define CHECK(expr)                 \
    do {                            \
        cs_err check_err_ = (expr); \
        if (check_err_ != CS_OK)    \
            return check_err_;      \
    } while (0)

static cs_err check_credential(const cs_credential *cred)
{
    if (cred == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(cred->endpoint, sizeof cred->endpoint));
    CHECK(check_key(cred->server, sizeof cred->server));
    if (cred->identity_len == 0 || cred->key_len == 0)
        return CS_E_INVALID_ARG;
    if (cred->identity_len > sizeof cred->identity ||
        cred->key_len > sizeof cred->key)
        return CS_E_TOO_LARGE;
    return CS_OK;
}

static cs_err check_registration(const cs_registration *reg)
{
    if (reg == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(reg->id, sizeof reg->id));
    CHECK(check_key(reg->endpoint, sizeof reg->endpoint));
    CHECK(check_field(reg->lwm2m_version, sizeof reg->lwm2m_version));
    CHECK(check_field(reg->binding, sizeof reg->binding));
    CHECK(check_field(reg->sms, sizeof reg->sms));
    if (reg->links != NULL &&
        strnlen(reg->links, CS_STORE_LINKS_MAX) >= CS_STORE_LINKS_MAX)
        return CS_E_TOO_LARGE;
    if (reg->identity_len > sizeof reg->identity)
        return CS_E_TOO_LARGE;
    if (reg->addr.family != CS_AF_NONE && reg->addr.family != CS_AF_INET &&
        reg->addr.family != CS_AF_INET6)
        return CS_E_INVALID_ARG;
    return CS_OK;
}

static cs_err check_audit_event(const cs_audit_event *event)
{
    if (event == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(event->kind, sizeof event->kind));
    CHECK(check_field(event->endpoint, sizeof event->endpoint));
    CHECK(check_field(event->detail, sizeof event->detail));
    return CS_OK;
}

/* ---- open / close ------------------------------------------------------ */

int cs_store_schema_version(void)
{
    return 2;
}

cs_err cs_store_open(const char *uri, cs_store **out)
{
    const cs_store_backend *backend = NULL;
    void *impl = NULL;
    const char *path;
    cs_err err;

    if (uri == NULL || out == NULL || uri[0] == '\0')
        return CS_E_INVALID_ARG;
    *out = NULL;
    /* "sqlite:PATH" (PATH may be ":memory:"), or a plain file name.  Any
     * other "scheme:" or "scheme://" is refused rather than taken for a
     * file name, so a mistyped "redis://..." does not create a file. */
    if (strncmp(uri, "sqlite:", 7) == 0) {
        path = uri + 7;
    } else if (strstr(uri, "://") != NULL) {
        cs_log(CS_LOG_ERROR, "store: unsupported store URI scheme in '%s'", uri);
        return CS_E_INVALID_ARG;
    } else {
        path = uri;
    }
    if (path[0] == '\0')
        return CS_E_INVALID_ARG;

    cs_store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return CS_E_NOMEM;
    err = cs_sqlite_store_open(path, &backend, &impl);
    if (err != CS_OK) {
        free(store);
        return err;
    }
    store->backend = backend;
    store->impl = impl;
    *out = store;
    return CS_OK;
}

void cs_store_close(cs_store *store)
{
    if (store == NULL)
        return;
    store->backend->close(store->impl);
    free(store);
}

/* ---- bootstrap configurations ----------------------------------------- */

cs_err cs_store_put_bootstrap_config(cs_store *store, const char *endpoint,
                                     const char *json)
{
    if (store == NULL || json == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(endpoint, CS_STORE_ENDPOINT_MAX));
    if (strnlen(json, CS_STORE_JSON_MAX) >= CS_STORE_JSON_MAX)
        return CS_E_TOO_LARGE;
    return store->backend->put_bootstrap_config(store->impl, endpoint, json);
}

cs_err cs_store_get_bootstrap_config(cs_store *store, const char *endpoint,
                                     char **json)
{
    if (store == NULL || json == NULL)
        return CS_E_INVALID_ARG;
    *json = NULL;
    CHECK(check_key(endpoint, CS_STORE_ENDPOINT_MAX));
    return store->backend->get_bootstrap_config(store->impl, endpoint, json);
}

cs_err cs_store_delete_bootstrap_config(cs_store *store, const char *endpoint)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(endpoint, CS_STORE_ENDPOINT_MAX));
    return store->backend->delete_bootstrap_config(store->impl, endpoint);
}

/* ---- credentials -------------------------------------------------------- */

cs_err cs_store_issue_credential(cs_store *store, const cs_credential *cred)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_credential(cred));
    return store->backend->issue_credential(store->impl, cred);
}

cs_err cs_store_find_credential(cs_store *store, const uint8_t *identity,
                                size_t identity_len, int64_t now,
                                cs_credential *out)
{
    if (store == NULL || identity == NULL || out == NULL)
        return CS_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (identity_len == 0)
        return CS_E_NOT_FOUND;
    /* Longer than any stored identity: cannot match. */
    if (identity_len > CS_STORE_IDENTITY_MAX)
        return CS_E_NOT_FOUND;
    return store->backend->find_credential(store->impl, identity, identity_len,
                                           now, out);
}

cs_err cs_store_revoke_credentials(cs_store *store, const char *endpoint,
                                   const char *server, int64_t now,
                                   size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(endpoint, CS_STORE_ENDPOINT_MAX));
    if (server != NULL)
        CHECK(check_key(server, CS_STORE_SERVER_MAX));
    return store->backend->revoke_credentials(store->impl, endpoint, server,
                                              now, count);
}

/* ---- registrations ------------------------------------------------------ */

void cs_registration_free(cs_registration *reg)
{
    if (reg == NULL)
        return;
    free(reg->links);
    reg->links = NULL;
}

cs_err cs_store_put_registration(cs_store *store, const cs_registration *reg)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_registration(reg));
    return store->backend->put_registration(store->impl, reg);
}

cs_err cs_store_get_registration(cs_store *store, const char *id,
                                 cs_registration *out)
{
    if (store == NULL || out == NULL)
        return CS_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    CHECK(check_key(id, CS_STORE_REG_ID_MAX));
    return store->backend->get_registration(store->impl, id, out);
}

cs_err cs_store_find_registration(cs_store *store, const char *endpoint,
                                  cs_registration *out)
{
    if (store == NULL || out == NULL)
        return CS_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    CHECK(check_key(endpoint, CS_STORE_ENDPOINT_MAX));
    return store->backend->find_registration(store->impl, endpoint, out);
}

cs_err cs_store_delete_registration(cs_store *store, const char *id)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(id, CS_STORE_REG_ID_MAX));
    return store->backend->delete_registration(store->impl, id);
}

cs_err cs_store_expire_registrations(cs_store *store, int64_t now,
                                     size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (store == NULL)
        return CS_E_INVALID_ARG;
    return store->backend->expire_registrations(store->impl, now, count);
}

cs_err cs_store_each_registration(cs_store *store, cs_registration_fn fn,
                                  void *ctx)
{
    if (store == NULL || fn == NULL)
        return CS_E_INVALID_ARG;
    return store->backend->each_registration(store->impl, fn, ctx);
}

size_t cs_store_count_registrations(cs_store *store)
{
    size_t count = 0;
    if (store == NULL)
        return 0;
    if (store->backend->count_registrations(store->impl, &count) != CS_OK)
        return 0;
    return count;
}

/* ---- group commit -------------------------------------------------------- */

cs_err cs_store_batch_begin(cs_store *store)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    return store->backend->batch_begin(store->impl);
}

cs_err cs_store_batch_end(cs_store *store)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    return store->backend->batch_end(store->impl);
}

/* ---- address bindings --------------------------------------------------- */

static bool is_ip(const cs_addr *a)
{
    return a != NULL && (a->family == CS_AF_INET || a->family == CS_AF_INET6);
}

cs_err cs_store_put_binding(cs_store *store, const cs_binding *b)
{
    if (store == NULL || b == NULL || !is_ip(&b->address))
        return CS_E_INVALID_ARG;
    CHECK(check_key(b->imsi, sizeof b->imsi));
    CHECK(check_key(b->gateway, sizeof b->gateway));
    CHECK(check_field(b->msisdn, sizeof b->msisdn));
    CHECK(check_field(b->imeisv, sizeof b->imeisv));
    CHECK(check_field(b->apn, sizeof b->apn));
    CHECK(check_field(b->session_id, sizeof b->session_id));
    return store->backend->put_binding(store->impl, b);
}

cs_err cs_store_end_binding(cs_store *store, const cs_addr *address,
                            const char *gateway, const char *session_id,
                            size_t *removed)
{
    if (removed != NULL)
        *removed = 0;
    if (store == NULL || !is_ip(address))
        return CS_E_INVALID_ARG;
    CHECK(check_key(gateway, CS_STORE_GATEWAY_MAX));
    if (session_id != NULL)
        CHECK(check_field(session_id, CS_STORE_SESSION_MAX));
    return store->backend->end_binding(store->impl, address, gateway,
                                       session_id != NULL ? session_id : "",
                                       removed);
}

cs_err cs_store_flush_bindings(cs_store *store, const char *gateway,
                               size_t *removed)
{
    if (removed != NULL)
        *removed = 0;
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_key(gateway, CS_STORE_GATEWAY_MAX));
    return store->backend->flush_bindings(store->impl, gateway, removed);
}

cs_err cs_store_find_binding(cs_store *store, const cs_addr *address,
                             cs_binding *out)
{
    if (store == NULL || out == NULL || !is_ip(address))
        return CS_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    return store->backend->find_binding(store->impl, address, out);
}

/* ---- audit -------------------------------------------------------------- */

cs_err cs_store_audit(cs_store *store, const cs_audit_event *event)
{
    if (store == NULL)
        return CS_E_INVALID_ARG;
    CHECK(check_audit_event(event));
    return store->backend->audit(store->impl, event);
}

cs_err cs_store_each_audit(cs_store *store, const char *endpoint, size_t limit,
                           cs_audit_fn fn, void *ctx)
{
    if (store == NULL || fn == NULL)
        return CS_E_INVALID_ARG;
    if (endpoint != NULL)
        CHECK(check_key(endpoint, CS_STORE_ENDPOINT_MAX));
    return store->backend->each_audit(store->impl, endpoint, limit, fn, ctx);
}
