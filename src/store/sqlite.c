/*
 * store/sqlite.c - the SQLite back end of the store: one database file
 * shared by the bootstrap server and the LwM2M server (WAL mode, so one
 * writes while the other reads), or a private in-memory database.
 *
 * The schema is versioned with PRAGMA user_version and migrated at open,
 * in one transaction, by the steps of `migrations` below.  Every statement
 * is prepared once at open and reused (reset after each use), so the hot
 * paths (put_registration, find_credential) do no parsing.  Multi-row
 * changes run in BEGIN IMMEDIATE transactions: the write lock is taken at
 * the start, so two processes never deadlock upgrading a read lock, and
 * the busy timeout covers the wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cellstrap/log.h"
#include "store/backend.h"

/* How long a writer waits for the other process's lock before giving up
 * with CS_E_BUSY. */
#define SQLITE_BUSY_TIMEOUT_MS 5000

/* WAL pages between automatic checkpoints (see configure). */
#define STORE_CHECKPOINT_PAGES "8192"

/* ---- schema and migrations --------------------------------------------- */

/* migrations[i] takes a database from version i to version i + 1; adding
 * version 2 is adding one entry here (and raising cs_store_schema_version
 * to match, checked at open). */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE bootstrap_configs("
    "  endpoint TEXT PRIMARY KEY NOT NULL,"
    "  json TEXT NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE credentials("
    "  identity BLOB NOT NULL UNIQUE,"
    "  key BLOB NOT NULL,"
    "  endpoint TEXT NOT NULL,"
    "  server TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX credentials_endpoint_server ON credentials(endpoint, server);"
    "CREATE TABLE registrations("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  endpoint TEXT NOT NULL UNIQUE,"
    "  version TEXT NOT NULL,"
    "  binding TEXT NOT NULL,"
    "  queue INTEGER NOT NULL,"
    "  lifetime INTEGER NOT NULL,"
    "  sms TEXT NOT NULL,"
    "  links TEXT NOT NULL,"
    "  addr_family INTEGER NOT NULL,"
    "  addr_ip BLOB,"
    "  addr_port INTEGER NOT NULL,"
    "  identity BLOB,"
    "  registered INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL);"
    "CREATE INDEX registrations_expires ON registrations(expires);"
    "CREATE TABLE audit("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  endpoint TEXT NOT NULL,"
    "  detail TEXT NOT NULL);"
    "CREATE INDEX audit_endpoint ON audit(endpoint);",
    /* 1 -> 2: address bindings from the packet gateway's accounting. */
    "CREATE TABLE bindings("
    "  addr_family INTEGER NOT NULL,"
    "  addr_ip BLOB NOT NULL,"
    "  imsi TEXT NOT NULL,"
    "  msisdn TEXT NOT NULL,"
    "  imeisv TEXT NOT NULL,"
    "  apn TEXT NOT NULL,"
    "  gateway TEXT NOT NULL,"
    "  session_id TEXT NOT NULL,"
    "  started INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  PRIMARY KEY(addr_family, addr_ip));"
    "CREATE INDEX bindings_imsi ON bindings(imsi);"
    "CREATE INDEX bindings_gateway ON bindings(gateway);",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- prepared statements ------------------------------------------------ */

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_PUT_CONFIG,
    ST_GET_CONFIG,
    ST_DELETE_CONFIG,
    ST_REVOKE_FOR_SERVER,
    ST_REVOKE_ALL_SERVERS,
    ST_INSERT_CREDENTIAL,
    ST_FIND_CREDENTIAL,
    ST_DELETE_OTHER_REGS,
    ST_UPSERT_REG,
    ST_GET_REG,
    ST_FIND_REG,
    ST_DELETE_REG,
    ST_EXPIRE_REGS,
    ST_EACH_REG,
    ST_COUNT_REGS,
    ST_DELETE_BINDINGS_OF_IMSI,
    ST_UPSERT_BINDING,
    ST_END_BINDING,
    ST_FLUSH_BINDINGS,
    ST_FIND_BINDING,
    ST_INSERT_AUDIT,
    ST_EACH_AUDIT,
    ST_EACH_AUDIT_OF,
    ST_COUNT
};

#define REG_COLUMNS                                                        \
    "id, endpoint, version, binding, queue, lifetime, sms, links, "        \
    "addr_family, addr_ip, addr_port, identity, registered, updated, expires"

#define BINDING_COLUMNS                                                    \
    "addr_family, addr_ip, imsi, msisdn, imeisv, apn, gateway, session_id, " \
    "started, updated"

#define CREDENTIAL_COLUMNS \
    "identity, key, endpoint, server, created, expires, revoked"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT change",
    [ST_RELEASE] = "RELEASE change",
    [ST_ROLLBACK_TO] = "ROLLBACK TO change",
    [ST_PUT_CONFIG] =
        "INSERT INTO bootstrap_configs(endpoint, json, updated)"
        " VALUES(?1, ?2, unixepoch())"
        " ON CONFLICT(endpoint) DO UPDATE SET json = excluded.json,"
        " updated = excluded.updated",
    [ST_GET_CONFIG] = "SELECT json FROM bootstrap_configs WHERE endpoint = ?1",
    [ST_DELETE_CONFIG] = "DELETE FROM bootstrap_configs WHERE endpoint = ?1",
    [ST_REVOKE_FOR_SERVER] =
        "UPDATE credentials SET revoked = ?3"
        " WHERE endpoint = ?1 AND server = ?2 AND revoked = 0",
    [ST_REVOKE_ALL_SERVERS] =
        "UPDATE credentials SET revoked = ?2"
        " WHERE endpoint = ?1 AND revoked = 0",
    [ST_INSERT_CREDENTIAL] =
        "INSERT INTO credentials(" CREDENTIAL_COLUMNS ")"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_FIND_CREDENTIAL] =
        "SELECT " CREDENTIAL_COLUMNS " FROM credentials"
        " WHERE identity = ?1 AND revoked = 0"
        " AND (expires = 0 OR expires > ?2)",
    [ST_DELETE_OTHER_REGS] =
        "DELETE FROM registrations WHERE endpoint = ?1 AND id <> ?2",
    [ST_UPSERT_REG] =
        "INSERT INTO registrations(" REG_COLUMNS ")"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        " ON CONFLICT(id) DO UPDATE SET endpoint = excluded.endpoint,"
        " version = excluded.version, binding = excluded.binding,"
        " queue = excluded.queue, lifetime = excluded.lifetime,"
        " sms = excluded.sms, links = excluded.links,"
        " addr_family = excluded.addr_family, addr_ip = excluded.addr_ip,"
        " addr_port = excluded.addr_port, identity = excluded.identity,"
        " registered = excluded.registered, updated = excluded.updated,"
        " expires = excluded.expires",
    [ST_GET_REG] = "SELECT " REG_COLUMNS " FROM registrations WHERE id = ?1",
    [ST_FIND_REG] =
        "SELECT " REG_COLUMNS " FROM registrations WHERE endpoint = ?1",
    [ST_DELETE_REG] = "DELETE FROM registrations WHERE id = ?1",
    [ST_EXPIRE_REGS] = "DELETE FROM registrations WHERE expires <= ?1",
    [ST_EACH_REG] =
        "SELECT " REG_COLUMNS " FROM registrations ORDER BY endpoint",
    [ST_COUNT_REGS] = "SELECT count(*) FROM registrations",
    [ST_DELETE_BINDINGS_OF_IMSI] =
        "DELETE FROM bindings WHERE imsi = ?1"
        " AND NOT (addr_family = ?2 AND addr_ip = ?3)",
    [ST_UPSERT_BINDING] =
        "INSERT INTO bindings(" BINDING_COLUMNS ")"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT(addr_family, addr_ip) DO UPDATE SET imsi = excluded.imsi,"
        " msisdn = excluded.msisdn, imeisv = excluded.imeisv, apn = excluded.apn,"
        " gateway = excluded.gateway, session_id = excluded.session_id,"
        " started = excluded.started, updated = excluded.updated",
    [ST_END_BINDING] =
        "DELETE FROM bindings WHERE addr_family = ?1 AND addr_ip = ?2"
        " AND gateway = ?3 AND (?4 = '' OR session_id = ?4)",
    [ST_FLUSH_BINDINGS] = "DELETE FROM bindings WHERE gateway = ?1",
    [ST_FIND_BINDING] =
        "SELECT " BINDING_COLUMNS " FROM bindings"
        " WHERE addr_family = ?1 AND addr_ip = ?2",
    [ST_INSERT_AUDIT] =
        "INSERT INTO audit(time, kind, endpoint, detail) VALUES(?1, ?2, ?3, ?4)",
    [ST_EACH_AUDIT] =
        "SELECT id, time, kind, endpoint, detail FROM audit"
        " ORDER BY id DESC LIMIT ?1",
    [ST_EACH_AUDIT_OF] =
        "SELECT id, time, kind, endpoint, detail FROM audit"
        " WHERE endpoint = ?2 ORDER BY id DESC LIMIT ?1",
};

typedef struct sqlite_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    bool batch;                 /* inside cs_store_batch_begin/_end */
    bool batch_open;            /* ... and its transaction has begun */
} sqlite_store;

/* ---- errors ------------------------------------------------------------- */

/* SQLite result code to cs_err; logs the unexpected ones with what was
 * being done.  SQLite's messages name tables and constraints, never the
 * bound values, so no key can reach the log this way. */
static cs_err sql_error(sqlite3 *db, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return CS_OK;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return CS_E_DUPLICATE;
        break;
    case SQLITE_NOMEM:
        return CS_E_NOMEM;
    case SQLITE_TOOBIG:
        return CS_E_TOO_LARGE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        cs_log(CS_LOG_WARN, "store: %s: database busy: %s", what,
               sqlite3_errmsg(db));
        return CS_E_BUSY;
    default:
        break;
    }
    cs_log(CS_LOG_ERROR, "store: %s: %s", what, sqlite3_errmsg(db));
    return CS_E_INTERNAL;
}

static sqlite3_stmt *stmt(sqlite_store *s, enum stmt_id id)
{
    return s->stmt[id];
}

/* Run a statement that returns no rows to completion and reset it. */
static cs_err run(sqlite_store *s, enum stmt_id id, const char *what)
{
    sqlite3_stmt *st = s->stmt[id];
    int rc = sqlite3_step(st);
    cs_err err = rc == SQLITE_DONE ? CS_OK : sql_error(s->db, rc, what);
    if (rc == SQLITE_ROW)
        err = CS_E_INTERNAL;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return err;
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* ---- transactions ------------------------------------------------------- */

/* A batch's transaction begins with its first write, so that a batch
 * without changes takes no lock. */
static cs_err batch_touch(sqlite_store *s)
{
    if (!s->batch || s->batch_open)
        return CS_OK;
    cs_err err = run(s, ST_BEGIN, "begin batch");
    s->batch_open = err == CS_OK;
    return err;
}

/* Inside a batch a change is a savepoint of the batch's transaction. */
static cs_err tx_begin(sqlite_store *s)
{
    cs_err err = batch_touch(s);
    if (err != CS_OK)
        return err;
    if (s->batch)
        return run(s, ST_SAVEPOINT, "savepoint");
    return run(s, ST_BEGIN, "begin transaction");
}

static cs_err tx_commit(sqlite_store *s)
{
    if (s->batch)
        return run(s, ST_RELEASE, "release savepoint");
    return run(s, ST_COMMIT, "commit");
}

/* Undo a failed transaction.  SQLite may already have rolled back on its
 * own (some errors do); then there is nothing left to undo. */
static void tx_rollback(sqlite_store *s)
{
    if (sqlite3_get_autocommit(s->db))
        return;
    if (s->batch) {
        /* Undo this change only; the batch goes on. */
        if (run(s, ST_ROLLBACK_TO, "rollback to savepoint") != CS_OK ||
            run(s, ST_RELEASE, "release savepoint") != CS_OK)
            cs_log(CS_LOG_ERROR, "store: rollback of a change failed");
        return;
    }
    if (run(s, ST_ROLLBACK, "rollback") != CS_OK)
        cs_log(CS_LOG_ERROR, "store: rollback failed");
}

/* Finish a transaction: commit when everything went well, else roll back
 * and give the first error. */
static cs_err tx_end(sqlite_store *s, cs_err err)
{
    if (err == CS_OK)
        err = tx_commit(s);
    if (err != CS_OK)
        tx_rollback(s);
    return err;
}

/* ---- binding and reading helpers ---------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *text)
{
    sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

/* A blob, NULL when empty (zero-length blobs are stored as NULL so that
 * "no identity" has one representation). */
static void bind_blob_or_null(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
    if (n == 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC);
}

/* Copy a text column into a fixed array; CS_E_INTERNAL if it does not
 * fit (a row written by something that ignored the bounds). */
static cs_err column_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *text = sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (text == NULL) {
        dst[0] = '\0';
        return CS_OK;
    }
    if (n >= cap) {
        cs_log(CS_LOG_ERROR, "store: column %s too long (%zu bytes)",
               sqlite3_column_name(st, i), n);
        return CS_E_INTERNAL;
    }
    memcpy(dst, text, n);
    dst[n] = '\0';
    return CS_OK;
}

static cs_err column_blob(sqlite3_stmt *st, int i, uint8_t *dst, size_t cap,
                          size_t *len)
{
    const void *blob = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    *len = 0;
    if (blob == NULL || n == 0)
        return CS_OK;
    if (n > cap) {
        cs_log(CS_LOG_ERROR, "store: column %s too long (%zu bytes)",
               sqlite3_column_name(st, i), n);
        return CS_E_INTERNAL;
    }
    memcpy(dst, blob, n);
    *len = n;
    return CS_OK;
}

static cs_err column_strdup(sqlite3_stmt *st, int i, char **out)
{
    const unsigned char *text = sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *copy;
    if (text == NULL && sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
        return CS_E_NOMEM;
    copy = malloc(n + 1);
    if (copy == NULL)
        return CS_E_NOMEM;
    if (n > 0)
        memcpy(copy, text, n);
    copy[n] = '\0';
    *out = copy;
    return CS_OK;
}

/* ---- open / close / migrate --------------------------------------------- */

static cs_err exec(sqlite3 *db, const char *sql, const char *what)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? CS_OK : sql_error(db, rc, what);
}

static cs_err read_user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, "read schema version");
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        cs_err err = sql_error(db, rc, "read schema version");
        sqlite3_finalize(st);
        return err == CS_OK ? CS_E_INTERNAL : err;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return CS_OK;
}

static cs_err refuse_newer(const char *path, int version)
{
    cs_log(CS_LOG_ERROR,
           "store: %s has schema version %d, newer than the %d this build "
           "knows; refusing to open it (upgrade cellstrap)",
           path, version, SCHEMA_VERSION);
    return CS_E_INTERNAL;
}

/* Bring the schema to SCHEMA_VERSION.  The version is read again inside
 * the write transaction: another process opening the same file at the
 * same moment may have migrated it in between. */
static cs_err migrate(sqlite3 *db, const char *path)
{
    int version = 0;
    cs_err err = read_user_version(db, &version);
    char pragma[64];

    if (err != CS_OK)
        return err;
    if (version > SCHEMA_VERSION)
        return refuse_newer(path, version);
    if (version == SCHEMA_VERSION)
        return CS_OK;

    err = exec(db, "BEGIN IMMEDIATE", "begin migration");
    if (err != CS_OK)
        return err;
    err = read_user_version(db, &version);
    if (err == CS_OK && version > SCHEMA_VERSION)
        err = refuse_newer(path, version);
    if (err == CS_OK && version < 0) {
        cs_log(CS_LOG_ERROR, "store: %s has invalid schema version %d", path,
               version);
        err = CS_E_INTERNAL;
    }
    for (int v = version; err == CS_OK && v < SCHEMA_VERSION; v++) {
        cs_log(CS_LOG_INFO, "store: migrating %s from schema version %d to %d",
               path, v, v + 1);
        err = exec(db, migrations[v], "migrate schema");
    }
    if (err == CS_OK && version != SCHEMA_VERSION) {
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
                 SCHEMA_VERSION);
        err = exec(db, pragma, "record schema version");
    }
    if (err == CS_OK)
        err = exec(db, "COMMIT", "commit migration");
    if (err != CS_OK && !sqlite3_get_autocommit(db))
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

static cs_err configure(sqlite3 *db)
{
    cs_err err;
    int rc = sqlite3_busy_timeout(db, SQLITE_BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, "set busy timeout");
    /* WAL: the server reads registrations and credentials while the
     * bootstrap server writes; an in-memory database stays "memory". */
    err = exec(db, "PRAGMA journal_mode = WAL", "enable WAL");
    if (err == CS_OK)
        err = exec(db, "PRAGMA synchronous = NORMAL", "set synchronous");
    if (err == CS_OK)
        err = exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys");
    /* With synchronous = NORMAL only checkpoints sync the disk, and every
     * registration or bootstrap is a few small transactions: with the
     * default checkpoint every 1000 WAL pages (~200 transactions) a
     * bootstrap spent a third of its time waiting for those syncs
     * (bench/RESULTS.md).  A checkpoint every 8192 pages (a WAL of up to
     * 32 MiB) syncs 8x less often and writes each hot page (table ends,
     * the audit log) back once per checkpoint instead of once per 200. */
    if (err == CS_OK)
        err = exec(db, "PRAGMA wal_autocheckpoint = " STORE_CHECKPOINT_PAGES,
                   "set checkpoint interval");
    return err;
}

static cs_err prepare_all(sqlite_store *s)
{
    for (int i = 0; i < ST_COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
                                    SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return sql_error(s->db, rc, "prepare statement");
    }
    return CS_OK;
}

static void sqlite_close(void *impl)
{
    sqlite_store *s = impl;
    if (s == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    sqlite3_close(s->db);
    free(s);
}

/* ---- bootstrap configurations ------------------------------------------- */

static cs_err sqlite_put_bootstrap_config(void *impl, const char *endpoint,
                                          const char *json)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    sqlite3_stmt *st = stmt(s, ST_PUT_CONFIG);
    bind_text(st, 1, endpoint);
    bind_text(st, 2, json);
    return run(s, ST_PUT_CONFIG, "put bootstrap config");
}

static cs_err sqlite_get_bootstrap_config(void *impl, const char *endpoint,
                                          char **json)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_GET_CONFIG);
    cs_err err;
    int rc;

    bind_text(st, 1, endpoint);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = column_strdup(st, 0, json);
    else if (rc == SQLITE_DONE)
        err = CS_E_NOT_FOUND;
    else
        err = sql_error(s->db, rc, "get bootstrap config");
    done(st);
    return err;
}

static cs_err sqlite_delete_bootstrap_config(void *impl, const char *endpoint)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    cs_err err;
    bind_text(stmt(s, ST_DELETE_CONFIG), 1, endpoint);
    err = run(s, ST_DELETE_CONFIG, "delete bootstrap config");
    if (err == CS_OK && sqlite3_changes(s->db) == 0)
        err = CS_E_NOT_FOUND;
    return err;
}

/* ---- credentials --------------------------------------------------------- */

static cs_err revoke_for_server(sqlite_store *s, const char *endpoint,
                                const char *server, int64_t now, size_t *count)
{
    sqlite3_stmt *st = stmt(s, ST_REVOKE_FOR_SERVER);
    cs_err err;
    bind_text(st, 1, endpoint);
    bind_text(st, 2, server);
    sqlite3_bind_int64(st, 3, now);
    err = run(s, ST_REVOKE_FOR_SERVER, "revoke credentials");
    if (err == CS_OK && count != NULL)
        *count = (size_t)sqlite3_changes(s->db);
    return err;
}

static cs_err insert_credential(sqlite_store *s, const cs_credential *cred)
{
    sqlite3_stmt *st = stmt(s, ST_INSERT_CREDENTIAL);
    sqlite3_bind_blob(st, 1, cred->identity, (int)cred->identity_len,
                      SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, cred->key, (int)cred->key_len, SQLITE_STATIC);
    bind_text(st, 3, cred->endpoint);
    bind_text(st, 4, cred->server);
    sqlite3_bind_int64(st, 5, cred->created);
    sqlite3_bind_int64(st, 6, cred->expires);
    sqlite3_bind_int64(st, 7, cred->revoked);
    return run(s, ST_INSERT_CREDENTIAL, "insert credential");
}

static cs_err sqlite_issue_credential(void *impl, const cs_credential *cred)
{
    sqlite_store *s = impl;
    cs_err err = tx_begin(s);
    if (err != CS_OK)
        return err;
    err = revoke_for_server(s, cred->endpoint, cred->server, cred->created,
                            NULL);
    if (err == CS_OK)
        err = insert_credential(s, cred);
    return tx_end(s, err);
}

static cs_err read_credential(sqlite3_stmt *st, cs_credential *out)
{
    cs_err err = column_blob(st, 0, out->identity, sizeof out->identity,
                             &out->identity_len);
    if (err == CS_OK)
        err = column_blob(st, 1, out->key, sizeof out->key, &out->key_len);
    if (err == CS_OK)
        err = column_text(st, 2, out->endpoint, sizeof out->endpoint);
    if (err == CS_OK)
        err = column_text(st, 3, out->server, sizeof out->server);
    out->created = sqlite3_column_int64(st, 4);
    out->expires = sqlite3_column_int64(st, 5);
    out->revoked = sqlite3_column_int64(st, 6);
    return err;
}

static cs_err sqlite_find_credential(void *impl, const uint8_t *identity,
                                     size_t identity_len, int64_t now,
                                     cs_credential *out)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_FIND_CREDENTIAL);
    cs_err err;
    int rc;

    sqlite3_bind_blob(st, 1, identity, (int)identity_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = read_credential(st, out);
    else if (rc == SQLITE_DONE)
        err = CS_E_NOT_FOUND;
    else
        err = sql_error(s->db, rc, "find credential");
    done(st);
    return err;
}

static cs_err sqlite_revoke_credentials(void *impl, const char *endpoint,
                                        const char *server, int64_t now,
                                        size_t *count)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    sqlite3_stmt *st;
    cs_err err;

    if (server != NULL)
        return revoke_for_server(s, endpoint, server, now, count);
    st = stmt(s, ST_REVOKE_ALL_SERVERS);
    bind_text(st, 1, endpoint);
    sqlite3_bind_int64(st, 2, now);
    err = run(s, ST_REVOKE_ALL_SERVERS, "revoke credentials");
    if (err == CS_OK && count != NULL)
        *count = (size_t)sqlite3_changes(s->db);
    return err;
}

/* ---- registrations ------------------------------------------------------- */

static void bind_registration(sqlite3_stmt *st, const cs_registration *reg)
{
    size_t ip_len = reg->addr.family == CS_AF_INET    ? 4
                    : reg->addr.family == CS_AF_INET6 ? 16
                                                      : 0;
    bind_text(st, 1, reg->id);
    bind_text(st, 2, reg->endpoint);
    bind_text(st, 3, reg->lwm2m_version);
    bind_text(st, 4, reg->binding);
    sqlite3_bind_int(st, 5, reg->queue_mode ? 1 : 0);
    sqlite3_bind_int64(st, 6, reg->lifetime);
    bind_text(st, 7, reg->sms);
    bind_text(st, 8, reg->links != NULL ? reg->links : "");
    sqlite3_bind_int(st, 9, reg->addr.family);
    bind_blob_or_null(st, 10, reg->addr.ip, ip_len);
    sqlite3_bind_int(st, 11, reg->addr.port);
    bind_blob_or_null(st, 12, reg->identity, reg->identity_len);
    sqlite3_bind_int64(st, 13, reg->registered);
    sqlite3_bind_int64(st, 14, reg->updated);
    sqlite3_bind_int64(st, 15, reg->expires);
}

/* Read the REG_COLUMNS of the current row; on failure nothing is left
 * allocated in *out. */
static cs_err read_registration(sqlite3_stmt *st, cs_registration *out)
{
    size_t ip_len = 0;
    int64_t lifetime;
    cs_err err;

    memset(out, 0, sizeof *out);
    err = column_text(st, 0, out->id, sizeof out->id);
    if (err == CS_OK)
        err = column_text(st, 1, out->endpoint, sizeof out->endpoint);
    if (err == CS_OK)
        err = column_text(st, 2, out->lwm2m_version, sizeof out->lwm2m_version);
    if (err == CS_OK)
        err = column_text(st, 3, out->binding, sizeof out->binding);
    out->queue_mode = sqlite3_column_int(st, 4) != 0;
    lifetime = sqlite3_column_int64(st, 5);
    out->lifetime = lifetime < 0 ? 0 : lifetime > UINT32_MAX ? UINT32_MAX
                                                            : (uint32_t)lifetime;
    if (err == CS_OK)
        err = column_text(st, 6, out->sms, sizeof out->sms);
    out->addr.family = (uint8_t)sqlite3_column_int(st, 8);
    if (err == CS_OK)
        err = column_blob(st, 9, out->addr.ip, sizeof out->addr.ip, &ip_len);
    out->addr.port = (uint16_t)sqlite3_column_int(st, 10);
    if (err == CS_OK)
        err = column_blob(st, 11, out->identity, sizeof out->identity,
                          &out->identity_len);
    out->registered = sqlite3_column_int64(st, 12);
    out->updated = sqlite3_column_int64(st, 13);
    out->expires = sqlite3_column_int64(st, 14);
    if (err == CS_OK)
        err = column_strdup(st, 7, &out->links);
    if (err != CS_OK)
        cs_registration_free(out);
    return err;
}

static cs_err sqlite_put_registration(void *impl, const cs_registration *reg)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st;
    cs_err err = tx_begin(s);
    if (err != CS_OK)
        return err;
    st = stmt(s, ST_DELETE_OTHER_REGS);
    bind_text(st, 1, reg->endpoint);
    bind_text(st, 2, reg->id);
    err = run(s, ST_DELETE_OTHER_REGS, "replace registration");
    if (err == CS_OK) {
        bind_registration(stmt(s, ST_UPSERT_REG), reg);
        err = run(s, ST_UPSERT_REG, "put registration");
    }
    return tx_end(s, err);
}

static cs_err get_one_registration(sqlite_store *s, enum stmt_id id,
                                   const char *key, cs_registration *out)
{
    sqlite3_stmt *st = stmt(s, id);
    cs_err err;
    int rc;

    bind_text(st, 1, key);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = read_registration(st, out);
    else if (rc == SQLITE_DONE)
        err = CS_E_NOT_FOUND;
    else
        err = sql_error(s->db, rc, "get registration");
    done(st);
    return err;
}

static cs_err sqlite_get_registration(void *impl, const char *id,
                                      cs_registration *out)
{
    return get_one_registration(impl, ST_GET_REG, id, out);
}

static cs_err sqlite_find_registration(void *impl, const char *endpoint,
                                       cs_registration *out)
{
    return get_one_registration(impl, ST_FIND_REG, endpoint, out);
}

static cs_err sqlite_delete_registration(void *impl, const char *id)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    cs_err err;
    bind_text(stmt(s, ST_DELETE_REG), 1, id);
    err = run(s, ST_DELETE_REG, "delete registration");
    if (err == CS_OK && sqlite3_changes(s->db) == 0)
        err = CS_E_NOT_FOUND;
    return err;
}

static cs_err sqlite_expire_registrations(void *impl, int64_t now,
                                          size_t *count)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    cs_err err;
    sqlite3_bind_int64(stmt(s, ST_EXPIRE_REGS), 1, now);
    err = run(s, ST_EXPIRE_REGS, "expire registrations");
    if (err == CS_OK && count != NULL)
        *count = (size_t)sqlite3_changes(s->db);
    return err;
}

static cs_err sqlite_each_registration(void *impl, cs_registration_fn fn,
                                       void *ctx)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_EACH_REG);
    cs_err err = CS_OK;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_registration reg;
        int stop;
        err = read_registration(st, &reg);
        if (err != CS_OK)
            break;
        stop = fn(ctx, &reg);
        cs_registration_free(&reg);
        if (stop != 0)
            break;
    }
    if (err == CS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sql_error(s->db, rc, "list registrations");
    done(st);
    return err;
}

static cs_err sqlite_count_registrations(void *impl, size_t *count)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_COUNT_REGS);
    cs_err err = CS_OK;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = (size_t)sqlite3_column_int64(st, 0);
    else if ((err = sql_error(s->db, rc, "count registrations")) == CS_OK)
        err = CS_E_INTERNAL; /* count(*) always gives a row */
    done(st);
    return err;
}

/* ---- audit ---------------------------------------------------------------- */

static cs_err sqlite_audit(void *impl, const cs_audit_event *event)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    sqlite3_stmt *st = stmt(s, ST_INSERT_AUDIT);
    sqlite3_bind_int64(st, 1, event->time);
    bind_text(st, 2, event->kind);
    bind_text(st, 3, event->endpoint);
    bind_text(st, 4, event->detail);
    return run(s, ST_INSERT_AUDIT, "append audit event");
}

static cs_err sqlite_each_audit(void *impl, const char *endpoint, size_t limit,
                                cs_audit_fn fn, void *ctx)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, endpoint != NULL ? ST_EACH_AUDIT_OF
                                                : ST_EACH_AUDIT);
    cs_err err = CS_OK;
    int rc;

    sqlite3_bind_int64(st, 1, limit > (size_t)INT64_MAX ? INT64_MAX
                                                         : (int64_t)limit);
    if (endpoint != NULL)
        bind_text(st, 2, endpoint);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_audit_event event;
        memset(&event, 0, sizeof event);
        event.id = sqlite3_column_int64(st, 0);
        event.time = sqlite3_column_int64(st, 1);
        err = column_text(st, 2, event.kind, sizeof event.kind);
        if (err == CS_OK)
            err = column_text(st, 3, event.endpoint, sizeof event.endpoint);
        if (err == CS_OK)
            err = column_text(st, 4, event.detail, sizeof event.detail);
        if (err != CS_OK || fn(ctx, &event) != 0)
            break;
    }
    if (err == CS_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sql_error(s->db, rc, "list audit events");
    done(st);
    return err;
}

/* ---- group commit ---------------------------------------------------------- */

static cs_err sqlite_batch_begin(void *impl)
{
    sqlite_store *s = impl;
    if (s->batch)
        return CS_E_INVALID_ARG;
    s->batch = true;
    s->batch_open = false;
    return CS_OK;
}

static cs_err sqlite_batch_end(void *impl)
{
    sqlite_store *s = impl;
    if (!s->batch)
        return CS_E_INVALID_ARG;
    bool open = s->batch_open;
    s->batch = s->batch_open = false;
    if (!open || sqlite3_get_autocommit(s->db))
        return CS_OK;               /* nothing written, or rolled back */
    cs_err err = run(s, ST_COMMIT, "commit batch");
    if (err != CS_OK)
        tx_rollback(s);
    return err;
}

/* ---- address bindings --------------------------------------------------- */

/* The address as two columns: family, and the 4 or 16 address bytes. */
static void bind_address(sqlite3_stmt *st, int i, const cs_addr *a)
{
    sqlite3_bind_int(st, i, a->family);
    sqlite3_bind_blob(st, i + 1, a->ip, a->family == CS_AF_INET ? 4 : 16,
                      SQLITE_TRANSIENT);
}

static cs_err sqlite_put_binding(void *impl, const cs_binding *b)
{
    sqlite_store *s = impl;
    cs_err err = tx_begin(s);
    if (err != CS_OK)
        return err;
    sqlite3_stmt *st = stmt(s, ST_DELETE_BINDINGS_OF_IMSI);
    bind_text(st, 1, b->imsi);
    bind_address(st, 2, &b->address);
    err = run(s, ST_DELETE_BINDINGS_OF_IMSI, "replace binding");
    if (err == CS_OK) {
        st = stmt(s, ST_UPSERT_BINDING);
        bind_address(st, 1, &b->address);
        bind_text(st, 3, b->imsi);
        bind_text(st, 4, b->msisdn);
        bind_text(st, 5, b->imeisv);
        bind_text(st, 6, b->apn);
        bind_text(st, 7, b->gateway);
        bind_text(st, 8, b->session_id);
        sqlite3_bind_int64(st, 9, b->started);
        sqlite3_bind_int64(st, 10, b->updated);
        err = run(s, ST_UPSERT_BINDING, "put binding");
    }
    return tx_end(s, err);
}

static cs_err sqlite_end_binding(void *impl, const cs_addr *address,
                                 const char *gateway, const char *session_id,
                                 size_t *removed)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    sqlite3_stmt *st = stmt(s, ST_END_BINDING);
    bind_address(st, 1, address);
    bind_text(st, 3, gateway);
    bind_text(st, 4, session_id);
    cs_err err = run(s, ST_END_BINDING, "end binding");
    if (err == CS_OK && removed != NULL)
        *removed = (size_t)sqlite3_changes(s->db);
    return err;
}

static cs_err sqlite_flush_bindings(void *impl, const char *gateway,
                                    size_t *removed)
{
    sqlite_store *s = impl;
    cs_err touched = batch_touch(s);
    if (touched != CS_OK)
        return touched;
    bind_text(stmt(s, ST_FLUSH_BINDINGS), 1, gateway);
    cs_err err = run(s, ST_FLUSH_BINDINGS, "flush bindings");
    if (err == CS_OK && removed != NULL)
        *removed = (size_t)sqlite3_changes(s->db);
    return err;
}

static cs_err sqlite_find_binding(void *impl, const cs_addr *address,
                                  cs_binding *out)
{
    sqlite_store *s = impl;
    sqlite3_stmt *st = stmt(s, ST_FIND_BINDING);
    bind_address(st, 1, address);
    int rc = sqlite3_step(st);
    cs_err err;
    if (rc == SQLITE_ROW) {
        size_t ip_len = 0;
        out->address.family = (uint8_t)sqlite3_column_int(st, 0);
        err = column_blob(st, 1, out->address.ip, sizeof out->address.ip, &ip_len);
        if (err == CS_OK)
            err = column_text(st, 2, out->imsi, sizeof out->imsi);
        if (err == CS_OK)
            err = column_text(st, 3, out->msisdn, sizeof out->msisdn);
        if (err == CS_OK)
            err = column_text(st, 4, out->imeisv, sizeof out->imeisv);
        if (err == CS_OK)
            err = column_text(st, 5, out->apn, sizeof out->apn);
        if (err == CS_OK)
            err = column_text(st, 6, out->gateway, sizeof out->gateway);
        if (err == CS_OK)
            err = column_text(st, 7, out->session_id, sizeof out->session_id);
        out->started = sqlite3_column_int64(st, 8);
        out->updated = sqlite3_column_int64(st, 9);
    } else if (rc == SQLITE_DONE) {
        err = CS_E_NOT_FOUND;
    } else {
        err = sql_error(s->db, rc, "find binding");
    }
    done(st);
    return err;
}

/* ---- the back end ---------------------------------------------------------- */

static const cs_store_backend sqlite_backend = {
    .name = "sqlite",
    .close = sqlite_close,
    .put_bootstrap_config = sqlite_put_bootstrap_config,
    .get_bootstrap_config = sqlite_get_bootstrap_config,
    .delete_bootstrap_config = sqlite_delete_bootstrap_config,
    .issue_credential = sqlite_issue_credential,
    .find_credential = sqlite_find_credential,
    .revoke_credentials = sqlite_revoke_credentials,
    .put_registration = sqlite_put_registration,
    .get_registration = sqlite_get_registration,
    .find_registration = sqlite_find_registration,
    .delete_registration = sqlite_delete_registration,
    .expire_registrations = sqlite_expire_registrations,
    .each_registration = sqlite_each_registration,
    .count_registrations = sqlite_count_registrations,
    .batch_begin = sqlite_batch_begin,
    .batch_end = sqlite_batch_end,
    .put_binding = sqlite_put_binding,
    .end_binding = sqlite_end_binding,
    .flush_bindings = sqlite_flush_bindings,
    .find_binding = sqlite_find_binding,
    .audit = sqlite_audit,
    .each_audit = sqlite_each_audit,
};

cs_err cs_sqlite_store_open(const char *path, const cs_store_backend **backend,
                            void **impl)
{
    sqlite_store *s;
    cs_err err;
    int rc;

    if (SCHEMA_VERSION != cs_store_schema_version()) {
        cs_log(CS_LOG_ERROR, "store: schema version mismatch (%d migrations, "
               "version %d)", SCHEMA_VERSION, cs_store_schema_version());
        return CS_E_INTERNAL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return CS_E_NOMEM;
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX,
                         NULL);
    if (rc != SQLITE_OK) {
        cs_log(CS_LOG_ERROR, "store: cannot open %s: %s", path,
               s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite_close(s);
        return rc == SQLITE_NOMEM ? CS_E_NOMEM : CS_E_INTERNAL;
    }
    sqlite3_extended_result_codes(s->db, 1);
    err = configure(s->db);
    if (err == CS_OK)
        err = migrate(s->db, path);
    if (err == CS_OK)
        err = prepare_all(s);
    if (err != CS_OK) {
        cs_log(CS_LOG_ERROR, "store: cannot open %s", path);
        sqlite_close(s);
        /* A busy database at open is reported as a failure to open. */
        return err == CS_E_NOMEM ? CS_E_NOMEM : CS_E_INTERNAL;
    }
    *backend = &sqlite_backend;
    *impl = s;
    return CS_OK;
}
