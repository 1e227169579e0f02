/*
 * test_store.c - the store interface on its SQLite back end: every call on
 * a private in-memory database and on a file, reopening a file, schema
 * versions and migrations, transactions that fail half-way, two handles
 * on one file (the bootstrap server and the LwM2M server).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_support.h"

#include "cellstrap/log.h"
#include "cellstrap/store.h"

typedef struct fixture {
    bool file;
    char dir[64];
    char path[128];
    cs_store *store;
} fixture;

static bool on_memory = false;
static bool on_file = true;
static char sample_links[] = "</1/0>,</3/0>,</3303/0>";

static void remove_db_files(const char *path)
{
    char name[256];
    unlink(path);
    snprintf(name, sizeof name, "%s-wal", path);
    unlink(name);
    snprintf(name, sizeof name, "%s-shm", path);
    unlink(name);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char uri[160];
    assert_non_null(f);
    f->file = *state != NULL && *(const bool *)*state;
    cs_log_set_level(CS_LOG_WARN);
    if (f->file) {
        strcpy(f->dir, "/tmp/cs_store_test_XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
        snprintf(uri, sizeof uri, "sqlite:%s", f->path);
    } else {
        snprintf(uri, sizeof uri, "sqlite::memory:");
    }
    assert_int_equal(cs_store_open(uri, &f->store), CS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cs_store_close(f->store);
    if (f->file) {
        remove_db_files(f->path);
        rmdir(f->dir);
    }
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static cs_credential make_cred(const char *identity, const char *endpoint,
                               const char *server, int64_t created)
{
    cs_credential c;
    memset(&c, 0, sizeof c);
    c.identity_len = strlen(identity);
    memcpy(c.identity, identity, c.identity_len);
    c.key_len = 16;
    for (size_t i = 0; i < c.key_len; i++)
        c.key[i] = (uint8_t)(0xA0 + i + created);
    snprintf(c.endpoint, sizeof c.endpoint, "%s", endpoint);
    snprintf(c.server, sizeof c.server, "%s", server);
    c.created = created;
    return c;
}

static cs_err find(cs_store *store, const char *identity, int64_t now,
                   cs_credential *out)
{
    return cs_store_find_credential(store, (const uint8_t *)identity,
                                    strlen(identity), now, out);
}

static cs_registration make_reg(const char *id, const char *endpoint,
                                int64_t now, uint32_t lifetime)
{
    cs_registration r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.endpoint, sizeof r.endpoint, "%s", endpoint);
    strcpy(r.lwm2m_version, "1.1");
    strcpy(r.binding, "UQ");
    r.queue_mode = true;
    r.lifetime = lifetime;
    strcpy(r.sms, "+15551234");
    r.links = sample_links;
    r.addr = cs_addr_ipv4(127, 0, 0, 1, 56830);
    memcpy(r.identity, "dev\0psk", 7);
    r.identity_len = 7;
    r.registered = now;
    r.updated = now;
    r.expires = now + lifetime;
    return r;
}

static void assert_reg_equal(const cs_registration *a, const cs_registration *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->endpoint, b->endpoint);
    assert_string_equal(a->lwm2m_version, b->lwm2m_version);
    assert_string_equal(a->binding, b->binding);
    assert_int_equal(a->queue_mode, b->queue_mode);
    assert_int_equal(a->lifetime, b->lifetime);
    assert_string_equal(a->sms, b->sms);
    assert_string_equal(a->links != NULL ? a->links : "",
                        b->links != NULL ? b->links : "");
    assert_true(cs_addr_equal(&a->addr, &b->addr));
    assert_int_equal(a->identity_len, b->identity_len);
    assert_memory_equal(a->identity, b->identity, a->identity_len);
    assert_int_equal(a->registered, b->registered);
    assert_int_equal(a->updated, b->updated);
    assert_int_equal(a->expires, b->expires);
}

static cs_audit_event make_event(int64_t time, const char *kind,
                                 const char *endpoint, const char *detail)
{
    cs_audit_event e;
    memset(&e, 0, sizeof e);
    e.time = time;
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    snprintf(e.endpoint, sizeof e.endpoint, "%s", endpoint);
    snprintf(e.detail, sizeof e.detail, "%s", detail);
    return e;
}

static int raw_user_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int version;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return version;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* ---- tests on both back-end flavours ---------------------------------------- */

static void test_schema_version(void **state)
{
    fixture *f = *state;
    assert_int_equal(cs_store_schema_version(), 2);
    if (f->file)
        assert_int_equal(raw_user_version(f->path), cs_store_schema_version());
}

static void test_bootstrap_config(void **state)
{
    fixture *f = *state;
    char stale[] = "stale";
    char *json = stale;

    assert_int_equal(cs_store_get_bootstrap_config(f->store, "dev1", &json),
                     CS_E_NOT_FOUND);
    assert_null(json);
    assert_int_equal(cs_store_put_bootstrap_config(f->store, "dev1", "{\"a\":1}"),
                     CS_OK);
    assert_int_equal(cs_store_put_bootstrap_config(f->store, "*", "{\"d\":0}"),
                     CS_OK);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "dev1", &json), CS_OK);
    assert_string_equal(json, "{\"a\":1}");
    free(json);
    /* Overwrite. */
    assert_int_equal(cs_store_put_bootstrap_config(f->store, "dev1", "{\"a\":2}"),
                     CS_OK);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "dev1", &json), CS_OK);
    assert_string_equal(json, "{\"a\":2}");
    free(json);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "*", &json), CS_OK);
    assert_string_equal(json, "{\"d\":0}");
    free(json);
    /* Delete one; the other stays. */
    assert_int_equal(cs_store_delete_bootstrap_config(f->store, "dev1"), CS_OK);
    assert_int_equal(cs_store_delete_bootstrap_config(f->store, "dev1"),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "dev1", &json),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "*", &json), CS_OK);
    free(json);
}

static void test_issue_and_find_credential(void **state)
{
    fixture *f = *state;
    cs_credential c = make_cred("dev1-id", "dev1", "server-a", 1000), out;
    c.expires = 5000;
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    assert_int_equal(find(f->store, "dev1-id", 1001, &out), CS_OK);
    assert_int_equal(out.identity_len, 7);
    assert_memory_equal(out.identity, "dev1-id", 7);
    assert_int_equal(out.key_len, 16);
    assert_memory_equal(out.key, c.key, 16);
    assert_string_equal(out.endpoint, "dev1");
    assert_string_equal(out.server, "server-a");
    assert_int_equal(out.created, 1000);
    assert_int_equal(out.expires, 5000);
    assert_int_equal(out.revoked, 0);
    assert_int_equal(find(f->store, "nobody", 1001, &out), CS_E_NOT_FOUND);
}

static void test_issue_revokes_same_server_only(void **state)
{
    fixture *f = *state;
    cs_credential a1 = make_cred("a1", "dev1", "server-a", 100);
    cs_credential b1 = make_cred("b1", "dev1", "server-b", 100);
    cs_credential other = make_cred("o1", "dev2", "server-a", 100);
    cs_credential a2 = make_cred("a2", "dev1", "server-a", 200);
    cs_credential out;

    assert_int_equal(cs_store_issue_credential(f->store, &a1), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &b1), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &other), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &a2), CS_OK);

    assert_int_equal(find(f->store, "a1", 300, &out), CS_E_NOT_FOUND);
    assert_int_equal(find(f->store, "a2", 300, &out), CS_OK);
    assert_int_equal(find(f->store, "b1", 300, &out), CS_OK);
    assert_string_equal(out.server, "server-b");
    assert_int_equal(find(f->store, "o1", 300, &out), CS_OK);
    assert_string_equal(out.endpoint, "dev2");
}

static void test_find_refuses_revoked_and_expired(void **state)
{
    fixture *f = *state;
    cs_credential c = make_cred("exp", "dev1", "server-a", 100), out;
    size_t count = 99;
    c.expires = 200;
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    assert_int_equal(find(f->store, "exp", 199, &out), CS_OK);
    assert_int_equal(find(f->store, "exp", 200, &out), CS_E_NOT_FOUND);
    assert_int_equal(find(f->store, "exp", 10000, &out), CS_E_NOT_FOUND);

    c = make_cred("rev", "dev2", "server-a", 100);
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    assert_int_equal(find(f->store, "rev", 150, &out), CS_OK);
    assert_int_equal(cs_store_revoke_credentials(f->store, "dev2", "server-a",
                                                 150, &count), CS_OK);
    assert_int_equal(count, 1);
    assert_int_equal(find(f->store, "rev", 151, &out), CS_E_NOT_FOUND);
    /* Already revoked: nothing more to revoke. */
    assert_int_equal(cs_store_revoke_credentials(f->store, "dev2", "server-a",
                                                 160, &count), CS_OK);
    assert_int_equal(count, 0);
}

static void test_revoke_all_servers(void **state)
{
    fixture *f = *state;
    cs_credential a = make_cred("a", "dev1", "server-a", 1);
    cs_credential b = make_cred("b", "dev1", "server-b", 1);
    cs_credential o = make_cred("o", "dev2", "server-a", 1), out;
    size_t count = 0;
    assert_int_equal(cs_store_issue_credential(f->store, &a), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &b), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &o), CS_OK);
    assert_int_equal(cs_store_revoke_credentials(f->store, "dev1", "server-b", 5,
                                                 &count), CS_OK);
    assert_int_equal(count, 1);
    assert_int_equal(find(f->store, "a", 6, &out), CS_OK);
    assert_int_equal(cs_store_revoke_credentials(f->store, "dev1", NULL, 7, NULL),
                     CS_OK);
    assert_int_equal(find(f->store, "a", 8, &out), CS_E_NOT_FOUND);
    assert_int_equal(find(f->store, "b", 8, &out), CS_E_NOT_FOUND);
    assert_int_equal(find(f->store, "o", 8, &out), CS_OK);
}

static void test_identity_compared_as_bytes(void **state)
{
    fixture *f = *state;
    cs_credential c = make_cred("", "dev1", "server-a", 1), out;
    static const uint8_t id[] = {'a', 'b', 0, 'c'};
    static const uint8_t other[] = {'a', 'b', 0, 'd'};
    memcpy(c.identity, id, sizeof id);
    c.identity_len = sizeof id;
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);

    assert_int_equal(cs_store_find_credential(f->store, id, sizeof id, 2, &out),
                     CS_OK);
    assert_int_equal(out.identity_len, 4);
    assert_memory_equal(out.identity, id, 4);
    assert_int_equal(cs_store_find_credential(f->store, other, sizeof other, 2,
                                              &out), CS_E_NOT_FOUND);
    /* The prefix before the NUL is another identity. */
    assert_int_equal(cs_store_find_credential(f->store, id, 2, 2, &out),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_credential(f->store, id, 3, 2, &out),
                     CS_E_NOT_FOUND);
    /* A credential with the 2-byte identity is a different one. */
    c = make_cred("ab", "dev9", "server-a", 1);
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    assert_int_equal(cs_store_find_credential(f->store, id, 2, 2, &out), CS_OK);
    assert_string_equal(out.endpoint, "dev9");
}

/* The identity "taken" exists; issuing a credential for dev1 with it must
 * fail at the insert, after the revoke step already ran in the same
 * transaction: dev1's earlier credential must still be usable. */
static void test_duplicate_identity_changes_nothing(void **state)
{
    fixture *f = *state;
    cs_credential old = make_cred("dev1-old", "dev1", "server-a", 10);
    cs_credential taken = make_cred("taken", "dev2", "server-a", 10);
    cs_credential dup = make_cred("taken", "dev1", "server-a", 20), out;

    assert_int_equal(cs_store_issue_credential(f->store, &old), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &taken), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &dup), CS_E_DUPLICATE);

    assert_int_equal(find(f->store, "dev1-old", 30, &out), CS_OK);
    assert_int_equal(out.revoked, 0);
    assert_int_equal(find(f->store, "taken", 30, &out), CS_OK);
    assert_string_equal(out.endpoint, "dev2");
    assert_memory_equal(out.key, taken.key, taken.key_len);
    /* The store is usable after the rollback. */
    dup = make_cred("dev1-new", "dev1", "server-a", 40);
    assert_int_equal(cs_store_issue_credential(f->store, &dup), CS_OK);
    assert_int_equal(find(f->store, "dev1-old", 50, &out), CS_E_NOT_FOUND);
}

static void test_registration_roundtrip(void **state)
{
    fixture *f = *state;
    cs_registration r = make_reg("r1", "dev1", 1000, 300), out;
    cs_addr v6;

    assert_int_equal(cs_store_get_registration(f->store, "r1", &out),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_OK);
    assert_int_equal(cs_store_get_registration(f->store, "r1", &out), CS_OK);
    assert_reg_equal(&out, &r);
    cs_registration_free(&out);
    assert_null(out.links);
    assert_int_equal(cs_store_find_registration(f->store, "dev1", &out), CS_OK);
    assert_reg_equal(&out, &r);
    cs_registration_free(&out);
    assert_int_equal(cs_store_count_registrations(f->store), 1);

    /* Update of the same ID: IPv6 address, no identity, no links. */
    assert_int_equal(cs_addr_parse("[2001:db8::7]:5684", 0, &v6), CS_OK);
    r.addr = v6;
    r.identity_len = 0;
    r.links = NULL;
    r.updated = 1100;
    r.expires = 1400;
    r.queue_mode = false;
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_OK);
    assert_int_equal(cs_store_get_registration(f->store, "r1", &out), CS_OK);
    assert_reg_equal(&out, &r);
    assert_non_null(out.links);
    assert_string_equal(out.links, "");
    cs_registration_free(&out);
    assert_int_equal(cs_store_count_registrations(f->store), 1);

    assert_int_equal(cs_store_delete_registration(f->store, "r1"), CS_OK);
    assert_int_equal(cs_store_delete_registration(f->store, "r1"), CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_registration(f->store, "dev1", &out),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_store_count_registrations(f->store), 0);
}

static void test_reregister_replaces_old_id(void **state)
{
    fixture *f = *state;
    cs_registration r1 = make_reg("r1", "dev1", 1000, 300);
    cs_registration r2 = make_reg("r2", "dev1", 2000, 600);
    cs_registration other = make_reg("r9", "dev9", 1000, 300), out;

    assert_int_equal(cs_store_put_registration(f->store, &r1), CS_OK);
    assert_int_equal(cs_store_put_registration(f->store, &other), CS_OK);
    assert_int_equal(cs_store_put_registration(f->store, &r2), CS_OK);
    assert_int_equal(cs_store_get_registration(f->store, "r1", &out),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_registration(f->store, "dev1", &out), CS_OK);
    assert_string_equal(out.id, "r2");
    assert_int_equal(out.registered, 2000);
    cs_registration_free(&out);
    assert_int_equal(cs_store_get_registration(f->store, "r9", &out), CS_OK);
    cs_registration_free(&out);
    assert_int_equal(cs_store_count_registrations(f->store), 2);
}

static void test_expire_registrations(void **state)
{
    fixture *f = *state;
    cs_registration a = make_reg("a", "dev-a", 0, 100);  /* expires 100 */
    cs_registration b = make_reg("b", "dev-b", 0, 200);  /* expires 200 */
    cs_registration c = make_reg("c", "dev-c", 0, 300);  /* expires 300 */
    size_t count = 99;
    assert_int_equal(cs_store_put_registration(f->store, &a), CS_OK);
    assert_int_equal(cs_store_put_registration(f->store, &b), CS_OK);
    assert_int_equal(cs_store_put_registration(f->store, &c), CS_OK);

    assert_int_equal(cs_store_expire_registrations(f->store, 99, &count), CS_OK);
    assert_int_equal(count, 0);
    assert_int_equal(cs_store_expire_registrations(f->store, 200, &count), CS_OK);
    assert_int_equal(count, 2);
    assert_int_equal(cs_store_count_registrations(f->store), 1);
    assert_int_equal(cs_store_get_registration(f->store, "c", &c), CS_OK);
    cs_registration_free(&c);
    assert_int_equal(cs_store_expire_registrations(f->store, 1000, NULL), CS_OK);
    assert_int_equal(cs_store_count_registrations(f->store), 0);
}

typedef struct walk {
    char seen[8][CS_STORE_ENDPOINT_MAX];
    size_t n;
    size_t stop_after;
} walk;

static int collect_reg(void *ctx, const cs_registration *reg)
{
    walk *w = ctx;
    assert_true(w->n < 8);
    assert_non_null(reg->links);
    snprintf(w->seen[w->n], sizeof w->seen[0], "%s", reg->endpoint);
    w->n++;
    return w->stop_after != 0 && w->n >= w->stop_after;
}

static void test_each_registration(void **state)
{
    fixture *f = *state;
    const char *eps[] = {"m", "c", "x", "a"};
    walk w;
    for (size_t i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "id%zu", i);
        cs_registration r = make_reg(id, eps[i], 10, 10);
        assert_int_equal(cs_store_put_registration(f->store, &r), CS_OK);
    }
    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_registration(f->store, collect_reg, &w), CS_OK);
    assert_int_equal(w.n, 4);
    assert_string_equal(w.seen[0], "a");
    assert_string_equal(w.seen[1], "c");
    assert_string_equal(w.seen[2], "m");
    assert_string_equal(w.seen[3], "x");

    memset(&w, 0, sizeof w);
    w.stop_after = 2;
    assert_int_equal(cs_store_each_registration(f->store, collect_reg, &w), CS_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.seen[1], "c");

    /* The statement was reset: a second full walk sees all again. */
    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_registration(f->store, collect_reg, &w), CS_OK);
    assert_int_equal(w.n, 4);
}

typedef struct audit_walk {
    cs_audit_event ev[16];
    size_t n;
} audit_walk;

static int collect_audit(void *ctx, const cs_audit_event *event)
{
    audit_walk *w = ctx;
    assert_true(w->n < 16);
    w->ev[w->n++] = *event;
    return 0;
}

static void test_audit(void **state)
{
    fixture *f = *state;
    audit_walk w;
    const char *eps[] = {"dev1", "dev2", "dev1", "", "dev1"};
    for (int i = 0; i < 5; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "event %d", i);
        cs_audit_event e = make_event(100 + i, i == 3 ? "refused" : "bootstrap",
                                      eps[i], detail);
        e.id = 777; /* ignored */
        assert_int_equal(cs_store_audit(f->store, &e), CS_OK);
    }
    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_audit(f->store, NULL, 100, collect_audit, &w),
                     CS_OK);
    assert_int_equal(w.n, 5);
    assert_string_equal(w.ev[0].detail, "event 4");
    assert_string_equal(w.ev[4].detail, "event 0");
    assert_true(w.ev[0].id > w.ev[1].id);
    assert_int_equal(w.ev[1].time, 103);
    assert_string_equal(w.ev[1].kind, "refused");
    assert_string_equal(w.ev[1].endpoint, "");

    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_audit(f->store, NULL, 2, collect_audit, &w),
                     CS_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.ev[1].detail, "event 3");

    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_audit(f->store, "dev1", 2, collect_audit, &w),
                     CS_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.ev[0].detail, "event 4");
    assert_string_equal(w.ev[1].detail, "event 2");

    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_audit(f->store, "dev2", 10, collect_audit, &w),
                     CS_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.ev[0].endpoint, "dev2");
}

static void test_bounds(void **state)
{
    fixture *f = *state;
    char longname[CS_STORE_ENDPOINT_MAX + 8];
    char maxname[CS_STORE_ENDPOINT_MAX];
    char *json = NULL;
    cs_credential c = make_cred("x", "dev1", "server-a", 1), out;
    cs_registration r = make_reg("r", "dev1", 1, 1);
    cs_audit_event e = make_event(1, "k", "dev1", "d");

    memset(longname, 'e', sizeof longname);
    longname[CS_STORE_ENDPOINT_MAX] = '\0'; /* 256 chars + NUL: one too many */
    memset(maxname, 'e', sizeof maxname);
    maxname[CS_STORE_ENDPOINT_MAX - 1] = '\0'; /* 255 chars: fits */

    assert_int_equal(cs_store_put_bootstrap_config(f->store, longname, "{}"),
                     CS_E_TOO_LARGE);
    assert_int_equal(cs_store_put_bootstrap_config(f->store, maxname, "{}"), CS_OK);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, maxname, &json), CS_OK);
    free(json);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, longname, &json),
                     CS_E_TOO_LARGE);
    assert_int_equal(cs_store_put_bootstrap_config(f->store, "", "{}"),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_store_find_registration(f->store, longname, &r),
                     CS_E_TOO_LARGE);
    r = make_reg("r", "dev1", 1, 1);

    /* Unterminated fixed-size fields. */
    memset(c.endpoint, 'e', sizeof c.endpoint);
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_E_TOO_LARGE);
    c = make_cred("x", "dev1", "server-a", 1);
    c.key_len = CS_STORE_KEY_MAX + 1;
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_E_TOO_LARGE);
    c = make_cred("x", "dev1", "server-a", 1);
    c.identity_len = CS_STORE_IDENTITY_MAX + 1;
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_E_TOO_LARGE);
    c.identity_len = 0;
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_E_INVALID_ARG);
    assert_int_equal(find(f->store, "x", 2, &out), CS_E_NOT_FOUND);

    memset(r.id, 'i', sizeof r.id);
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_E_TOO_LARGE);
    r = make_reg("r", "dev1", 1, 1);
    memset(r.binding, 'U', sizeof r.binding);
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_E_TOO_LARGE);
    r = make_reg("r", "dev1", 1, 1);
    r.identity_len = CS_STORE_IDENTITY_MAX + 1;
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_E_TOO_LARGE);
    r = make_reg("r", "dev1", 1, 1);
    r.links = malloc(70 * 1024);
    assert_non_null(r.links);
    memset(r.links, '<', 70 * 1024 - 1);
    r.links[70 * 1024 - 1] = '\0';
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_E_TOO_LARGE);
    free(r.links);
    assert_int_equal(cs_store_count_registrations(f->store), 0);

    memset(e.detail, 'd', sizeof e.detail);
    assert_int_equal(cs_store_audit(f->store, &e), CS_E_TOO_LARGE);
    e = make_event(1, "", "dev1", "d");
    assert_int_equal(cs_store_audit(f->store, &e), CS_E_INVALID_ARG);
}

/* ---- tests of files ------------------------------------------------------------ */

static void test_reopen_finds_everything(void **state)
{
    fixture *f = *state;
    cs_credential c = make_cred("id1", "dev1", "server-a", 10), out;
    cs_registration r = make_reg("r1", "dev1", 10, 100), rout;
    cs_audit_event e = make_event(10, "bootstrap", "dev1", "done");
    audit_walk w;
    char *json = NULL;
    char uri[160];

    assert_int_equal(cs_store_put_bootstrap_config(f->store, "*", "{\"x\":1}"),
                     CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    assert_int_equal(cs_store_put_registration(f->store, &r), CS_OK);
    assert_int_equal(cs_store_audit(f->store, &e), CS_OK);
    cs_store_close(f->store);
    f->store = NULL;

    /* A plain path is a SQLite file too. */
    snprintf(uri, sizeof uri, "%s", f->path);
    assert_int_equal(cs_store_open(uri, &f->store), CS_OK);
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "*", &json), CS_OK);
    assert_string_equal(json, "{\"x\":1}");
    free(json);
    assert_int_equal(find(f->store, "id1", 11, &out), CS_OK);
    assert_memory_equal(out.key, c.key, c.key_len);
    assert_int_equal(cs_store_get_registration(f->store, "r1", &rout), CS_OK);
    assert_reg_equal(&rout, &r);
    cs_registration_free(&rout);
    memset(&w, 0, sizeof w);
    assert_int_equal(cs_store_each_audit(f->store, NULL, 10, collect_audit, &w),
                     CS_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.ev[0].detail, "done");
    assert_int_equal(raw_user_version(f->path), cs_store_schema_version());
}

static void test_two_handles_share_the_file(void **state)
{
    fixture *f = *state;
    cs_store *server = NULL;
    cs_credential c = make_cred("psk-id", "dev1", "server-a", 10), out;
    cs_registration r = make_reg("r1", "dev1", 10, 100), rout;

    assert_int_equal(cs_store_open(f->path, &server), CS_OK);
    /* The bootstrap server issues; the LwM2M server finds it. */
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    assert_int_equal(find(server, "psk-id", 11, &out), CS_OK);
    assert_string_equal(out.server, "server-a");
    /* The LwM2M server registers; the other handle sees it. */
    assert_int_equal(cs_store_put_registration(server, &r), CS_OK);
    assert_int_equal(cs_store_find_registration(f->store, "dev1", &rout), CS_OK);
    cs_registration_free(&rout);
    /* A revocation by one is seen by the other at once. */
    assert_int_equal(cs_store_revoke_credentials(f->store, "dev1", NULL, 12, NULL),
                     CS_OK);
    assert_int_equal(find(server, "psk-id", 13, &out), CS_E_NOT_FOUND);
    cs_store_close(server);
}

/* Group commit: a batch is one transaction; each change in it still
 * succeeds or fails alone; others see the batch at its end. */
static void test_batch(void **state)
{
    fixture *f = *state;
    cs_store *other = NULL;
    cs_credential c = make_cred("psk-1", "dev1", "server-a", 10), dup, out;
    cs_registration r1 = make_reg("r1", "dev1", 10, 100), r2 = make_reg("r2", "dev2", 10, 100),
                    rout;
    assert_int_equal(cs_store_open(f->path, &other), CS_OK);
    assert_int_equal(cs_store_batch_end(f->store), CS_E_INVALID_ARG);
    assert_int_equal(cs_store_batch_begin(f->store), CS_OK);
    assert_int_equal(cs_store_batch_begin(f->store), CS_E_INVALID_ARG);
    /* An empty batch holds no lock: the other handle writes meanwhile. */
    assert_int_equal(cs_store_put_registration(other, &r2), CS_OK);
    assert_int_equal(cs_store_put_registration(f->store, &r1), CS_OK);
    assert_int_equal(cs_store_issue_credential(f->store, &c), CS_OK);
    /* A failing change inside the batch undoes only itself. */
    dup = make_cred("psk-1", "dev9", "server-a", 10);
    assert_int_equal(cs_store_issue_credential(f->store, &dup), CS_E_DUPLICATE);
    /* Not visible to the other handle yet; visible to this one. */
    assert_int_equal(cs_store_find_registration(other, "dev1", &rout), CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_registration(f->store, "dev1", &rout), CS_OK);
    cs_registration_free(&rout);
    assert_int_equal(cs_store_batch_end(f->store), CS_OK);
    assert_int_equal(cs_store_find_registration(other, "dev1", &rout), CS_OK);
    cs_registration_free(&rout);
    assert_int_equal(find(other, "psk-1", 11, &out), CS_OK);
    assert_string_equal(out.endpoint, "dev1");
    /* After the batch, changes commit one by one again. */
    assert_int_equal(cs_store_delete_registration(f->store, "r1"), CS_OK);
    assert_int_equal(cs_store_find_registration(other, "dev1", &rout), CS_E_NOT_FOUND);
    cs_store_close(other);
}

static void test_v0_file_migrates(void **state)
{
    fixture *f = *state;
    char path[160];
    cs_store *store = NULL;
    char *json = NULL;

    snprintf(path, sizeof path, "%s/v0.db", f->dir);
    /* An existing SQLite file with no schema of ours (user_version 0). */
    raw_exec(path, "CREATE TABLE unrelated(x); INSERT INTO unrelated VALUES(1);");
    assert_int_equal(raw_user_version(path), 0);
    assert_int_equal(cs_store_open(path, &store), CS_OK);
    assert_int_equal(raw_user_version(path), cs_store_schema_version());
    assert_int_equal(cs_store_put_bootstrap_config(store, "d", "{}"), CS_OK);
    assert_int_equal(cs_store_get_bootstrap_config(store, "d", &json), CS_OK);
    free(json);
    cs_store_close(store);
    remove_db_files(path);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    char path[160];
    cs_store *store = (cs_store *)&path; /* must be reset to NULL */

    snprintf(path, sizeof path, "%s/future.db", f->dir);
    raw_exec(path, "PRAGMA user_version = 99;");
    assert_int_equal(cs_store_open(path, &store), CS_E_INTERNAL);
    assert_null(store);
    assert_int_equal(raw_user_version(path), 99);
    remove_db_files(path);
}

/* A migration that fails half-way leaves the file as it was: a v0 file
 * that already has a table named like one of ours fails at that CREATE,
 * after earlier CREATEs ran. */
static void test_failed_migration_rolls_back(void **state)
{
    fixture *f = *state;
    char path[160];
    cs_store *store = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    snprintf(path, sizeof path, "%s/clash.db", f->dir);
    raw_exec(path, "CREATE TABLE audit(x);");
    assert_int_equal(cs_store_open(path, &store), CS_E_INTERNAL);
    assert_null(store);
    assert_int_equal(raw_user_version(path), 0);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                     "SELECT count(*) FROM sqlite_schema WHERE name IN"
                     " ('bootstrap_configs', 'credentials', 'registrations')",
                     -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    remove_db_files(path);
}

static void test_wal_mode(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_uri_schemes(void **state)
{
    cs_store *store = (cs_store *)state; /* must be reset to NULL */
    assert_int_equal(cs_store_open("redis://127.0.0.1:6379", &store),
                     CS_E_INVALID_ARG);
    assert_null(store);
    assert_int_equal(cs_store_open("ftp://x/y", &store), CS_E_INVALID_ARG);
    assert_int_equal(cs_store_open("sqlite:", &store), CS_E_INVALID_ARG);
    assert_int_equal(cs_store_open("", &store), CS_E_INVALID_ARG);
    assert_int_equal(cs_store_open(NULL, &store), CS_E_INVALID_ARG);
    /* A file that cannot be created. */
    assert_int_equal(cs_store_open("sqlite:/nonexistent-cs-dir/x.db", &store),
                     CS_E_INTERNAL);
    assert_null(store);
    /* Two in-memory stores are private to their handles. */
    cs_store *a = NULL, *b = NULL;
    char *json = NULL;
    assert_int_equal(cs_store_open("sqlite::memory:", &a), CS_OK);
    assert_int_equal(cs_store_open("sqlite::memory:", &b), CS_OK);
    assert_int_equal(cs_store_put_bootstrap_config(a, "d", "{}"), CS_OK);
    assert_int_equal(cs_store_get_bootstrap_config(b, "d", &json), CS_E_NOT_FOUND);
    cs_store_close(a);
    cs_store_close(b);
}

static cs_binding sample_binding(const char *imsi, uint8_t last)
{
    cs_binding b;
    memset(&b, 0, sizeof b);
    b.address = cs_addr_ipv4(127, 1, 0, last, 40000);
    snprintf(b.imsi, sizeof b.imsi, "%s", imsi);
    strcpy(b.msisdn, "491700000001");
    strcpy(b.imeisv, "3534900612345601");
    strcpy(b.apn, "iot.example");
    strcpy(b.gateway, "pgw-1");
    strcpy(b.session_id, "0000001a");
    b.started = 1000;
    b.updated = 1000;
    return b;
}

static void test_bindings(void **state)
{
    fixture *f = *state;
    cs_binding b = sample_binding("001010000000001", 5), out;
    cs_addr other_port = cs_addr_ipv4(127, 1, 0, 5, 1);
    assert_int_equal(cs_store_find_binding(f->store, &b.address, &out), CS_E_NOT_FOUND);
    assert_int_equal(cs_store_put_binding(f->store, &b), CS_OK);
    /* Found by address whatever the port. */
    assert_int_equal(cs_store_find_binding(f->store, &other_port, &out), CS_OK);
    assert_string_equal(out.imsi, "001010000000001");
    assert_string_equal(out.msisdn, "491700000001");
    assert_string_equal(out.imeisv, "3534900612345601");
    assert_string_equal(out.apn, "iot.example");
    assert_string_equal(out.gateway, "pgw-1");
    assert_string_equal(out.session_id, "0000001a");
    assert_int_equal(out.started, 1000);
    assert_true(cs_addr_same_host(&out.address, &b.address));

    /* The subscriber moves to .6: the binding of .5 goes. */
    cs_binding moved = sample_binding("001010000000001", 6);
    strcpy(moved.session_id, "0000001b");
    assert_int_equal(cs_store_put_binding(f->store, &moved), CS_OK);
    assert_int_equal(cs_store_find_binding(f->store, &b.address, &out), CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_binding(f->store, &moved.address, &out), CS_OK);
    /* Another subscriber gets .6: the address maps to the new one. */
    cs_binding reuse = sample_binding("001010000000002", 6);
    assert_int_equal(cs_store_put_binding(f->store, &reuse), CS_OK);
    assert_int_equal(cs_store_find_binding(f->store, &moved.address, &out), CS_OK);
    assert_string_equal(out.imsi, "001010000000002");

    /* Stop: only for the gateway and session that made it. */
    size_t removed = 9;
    assert_int_equal(cs_store_end_binding(f->store, &reuse.address, "pgw-1",
                                          "0000001b", &removed), CS_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(cs_store_end_binding(f->store, &reuse.address, "pgw-2",
                                          "0000001a", &removed), CS_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(cs_store_end_binding(f->store, &reuse.address, "pgw-1",
                                          "0000001a", &removed), CS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(cs_store_find_binding(f->store, &reuse.address, &out),
                     CS_E_NOT_FOUND);

    /* Accounting-On/Off: one gateway's bindings go, the other's stay. */
    cs_binding a = sample_binding("001010000000003", 7);
    cs_binding c = sample_binding("001010000000004", 8);
    strcpy(c.gateway, "pgw-2");
    cs_binding v6 = sample_binding("001010000000005", 9);
    assert_int_equal(cs_addr_parse("[fd00::9]:1", 0, &v6.address), CS_OK);
    assert_int_equal(cs_store_put_binding(f->store, &a), CS_OK);
    assert_int_equal(cs_store_put_binding(f->store, &c), CS_OK);
    assert_int_equal(cs_store_put_binding(f->store, &v6), CS_OK);
    assert_int_equal(cs_store_flush_bindings(f->store, "pgw-1", &removed), CS_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(cs_store_find_binding(f->store, &a.address, &out), CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_binding(f->store, &c.address, &out), CS_OK);

    /* Bounds. */
    cs_binding bad = sample_binding("", 10);
    assert_int_equal(cs_store_put_binding(f->store, &bad), CS_E_INVALID_ARG);
    bad = sample_binding("001010000000006", 10);
    bad.gateway[0] = '\0';
    assert_int_equal(cs_store_put_binding(f->store, &bad), CS_E_INVALID_ARG);
    bad = sample_binding("001010000000006", 10);
    memset(bad.apn, 'x', sizeof bad.apn);
    assert_int_equal(cs_store_put_binding(f->store, &bad), CS_E_TOO_LARGE);
    cs_addr none;
    memset(&none, 0, sizeof none);
    assert_int_equal(cs_store_find_binding(f->store, &none, &out), CS_E_INVALID_ARG);
}

/* A file of schema version 1 (before bindings) gains the table and keeps
 * its data. */
static void test_v1_file_migrates(void **state)
{
    fixture *f = *state;
    assert_int_equal(cs_store_put_bootstrap_config(f->store, "dev1", "{}"), CS_OK);
    cs_store_close(f->store);
    f->store = NULL;
    raw_exec(f->path, "DROP TABLE bindings; PRAGMA user_version = 1;");
    char uri[160];
    snprintf(uri, sizeof uri, "sqlite:%s", f->path);
    assert_int_equal(cs_store_open(uri, &f->store), CS_OK);
    assert_int_equal(raw_user_version(f->path), 2);
    char *json = NULL;
    assert_int_equal(cs_store_get_bootstrap_config(f->store, "dev1", &json), CS_OK);
    free(json);
    cs_binding b = sample_binding("001010000000001", 5);
    assert_int_equal(cs_store_put_binding(f->store, &b), CS_OK);
}

#define BOTH(fn)                                                             \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown,            \
                                             &on_memory),            \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown,        \
                                                 &on_file)
#define FILE_ONLY(fn) \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &on_file)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_schema_version),
        BOTH(test_bootstrap_config),
        BOTH(test_issue_and_find_credential),
        BOTH(test_issue_revokes_same_server_only),
        BOTH(test_find_refuses_revoked_and_expired),
        BOTH(test_revoke_all_servers),
        BOTH(test_identity_compared_as_bytes),
        BOTH(test_duplicate_identity_changes_nothing),
        BOTH(test_registration_roundtrip),
        BOTH(test_reregister_replaces_old_id),
        BOTH(test_expire_registrations),
        BOTH(test_each_registration),
        BOTH(test_audit),
        BOTH(test_bindings),
        BOTH(test_bounds),
        FILE_ONLY(test_reopen_finds_everything),
        FILE_ONLY(test_two_handles_share_the_file),
        FILE_ONLY(test_batch),
        FILE_ONLY(test_v0_file_migrates),
        FILE_ONLY(test_v1_file_migrates),
        FILE_ONLY(test_newer_schema_refused),
        FILE_ONLY(test_failed_migration_rolls_back),
        FILE_ONLY(test_wal_mode),
        cmocka_unit_test(test_uri_schemes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
