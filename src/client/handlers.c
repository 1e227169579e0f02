/*
 * handlers.c - the client engine's answers to its peers: the Bootstrap
 * interface (Bootstrap-Write, -Read, -Discover, -Delete, -Finish and its
 * consistency check) from the Bootstrap-Server, and device management
 * (Read, Write, Execute, Discover, Create, Delete, Observe) from the LwM2M
 * server, with observe notifications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "client_engine.h"

static const cs_registry *registry(void)
{
    return cs_registry_standard();
}

/* ---- Request basics ----------------------------------------------------- */

enum target_kind { TARGET_PATH, TARGET_BS, TARGET_OTHER };

static enum target_kind request_target(const cs_coap_msg *req, cs_path *out)
{
    const char *segs[8];
    size_t lens[8], n = 0;
    if (cs_coap_get_strings(req, CS_COAP_OPT_URI_PATH, segs, lens, 8, &n) !=
        CS_OK)
        return TARGET_OTHER;
    if (n == 1 && lens[0] == 2 && memcmp(segs[0], "bs", 2) == 0)
        return TARGET_BS;
    if (cs_path_from_segments(segs, lens, n, out) != CS_OK)
        return TARGET_OTHER;
    return TARGET_PATH;
}

/* Response code for an error. */
static uint8_t code_of(cs_err err)
{
    unsigned code = cs_err_coap_code(err);
    return code == 0 ? CS_COAP_CODE_INTERNAL_SERVER_ERROR : (uint8_t)code;
}

/* Decode a request payload for `target` and check it against the model. */
static cs_err decode_payload(const cs_coap_msg *req, const cs_path *target,
                             cs_records *out)
{
    uint16_t format;
    if (cs_coap_get_content_format(req, &format) != CS_OK)
        format = CS_FORMAT_TLV;   /* LwM2M 1.0 default */
    cs_err err = cs_decode(format, target, req->payload, req->payload_len,
                           registry(), out);
    if (err == CS_OK)
        err = cs_records_validate(out, target, registry());
    return err;
}

/* Encode `rs` answering `target` into the response, as `format`. */
static void answer_records(cs_client *c, cs_coap_msg *rsp,
                           const cs_path *target, const cs_records *rs,
                           uint16_t format, cs_buf *body)
{
    (void)c;
    cs_err err = cs_encode(format, target, rs, registry(), body);
    if (err == CS_E_UNSUPPORTED_FORMAT)
        err = CS_E_NOT_ACCEPTABLE;
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    rsp->code = CS_COAP_CODE_CONTENT;
    cs_coap_add_content_format(rsp, format);
    cs_coap_set_payload(rsp, body->data, body->len);
}

/* The format to answer a read with: Accept, else SenML CBOR with a 1.2
 * server, TLV with older ones and the BS (pct asked for SenML CBOR). */
static uint16_t reply_format(const cs_client *c, const cs_coap_msg *req,
                             bool bootstrap)
{
    uint16_t accept;
    if (cs_coap_get_accept(req, &accept) == CS_OK)
        return accept;
    if (bootstrap)
        return CS_FORMAT_SENML_CBOR;
    return c->lwm2m_version >= 2 ? CS_FORMAT_SENML_CBOR : CS_FORMAT_TLV;
}

/* Refresh the values that change by themselves (/3/0/13 Current Time). */
static void refresh_device(cs_client *c)
{
    int64_t t = c->cfg.wall_clock != NULL ? c->cfg.wall_clock(c->cfg.io)
                                          : (int64_t)(c->now / 1000u);
    cs_path p = cs_path_resource(3, 0, 13);
    const cs_value *old = cs_db_find(&c->db, &p);
    if (old != NULL && old->type == CS_TYPE_TIME && old->v.i == t)
        return;
    cs_records add;
    cs_records_init(&add);
    cs_value v = cs_value_time(t);
    if (cs_records_add(&add, &p, &v) == CS_OK)
        (void)cs_db_update(&c->db, &p, 1, &add);
    cs_records_free(&add);
}

/* ---- Bootstrap-Finish consistency check ---------------------------------- */

static bool has_value(const cs_client *c, uint16_t oid, uint16_t iid,
                      uint16_t rid)
{
    cs_path p = cs_path_resource(oid, iid, rid);
    return cs_db_find(&c->db, &p) != NULL;
}

static bool opaque_present(const cs_client *c, uint16_t iid, uint16_t rid)
{
    cs_path p = cs_path_resource(0, iid, rid);
    const cs_value *v = cs_db_find(&c->db, &p);
    return v != NULL && v->type == CS_TYPE_OPAQUE && v->v.bytes.len > 0;
}

/*
 * The configuration is usable: at most one BS account; at least one server
 * account; every non-BS Security instance has a URI, a Short Server ID in
 * 1..65534 with a Server instance holding the mandatory resources (0, 1,
 * 6, 7), a security mode the engine supports (PSK with identity and key,
 * or NoSec).
 */
bool cs_client_check_config(const cs_client *c)
{
    uint16_t ids[64];
    size_t n = cs_db_instances(&c->db, 0, ids, 64);
    unsigned bs_accounts = 0, servers = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t s = ids[i];
        if (cs_client_int(c, 0, s, 1, 0) == 1) {
            bs_accounts++;
            continue;
        }
        int64_t ssid = cs_client_int(c, 0, s, 10, -1);
        int64_t mode = cs_client_int(c, 0, s, 2, -1);
        uint16_t srv;
        if (!has_value(c, 0, s, 0) || ssid < 1 || ssid > 65534 ||
            !cs_client_server_instance(c, ssid, &srv)) {
            cs_log(CS_LOG_WARN, "client: /0/%u is no complete server account",
                   (unsigned)s);
            return false;
        }
        if (!has_value(c, 1, srv, 1) || !has_value(c, 1, srv, 6) ||
            !has_value(c, 1, srv, 7)) {
            cs_log(CS_LOG_WARN, "client: /1/%u lacks mandatory resources",
                   (unsigned)srv);
            return false;
        }
        if (mode == CS_CLIENT_SECURITY_PSK) {
            if (!opaque_present(c, s, 3) || !opaque_present(c, s, 5)) {
                cs_log(CS_LOG_WARN, "client: /0/%u: PSK without identity or "
                       "key", (unsigned)s);
                return false;
            }
        } else if (mode != CS_CLIENT_SECURITY_NOSEC) {
            cs_log(CS_LOG_WARN, "client: /0/%u: security mode %lld "
                   "unsupported", (unsigned)s, (long long)mode);
            return false;
        }
        servers++;
    }
    if (bs_accounts > 1 || servers == 0) {
        cs_log(CS_LOG_WARN, "client: %u server accounts, %u BS accounts",
               servers, bs_accounts);
        return false;
    }
    return true;
}

/* ---- Bootstrap interface ------------------------------------------------ */

/* The BS is about to write Security instance `iid` as a server account
 * while our BS account lives there: move the BS account to a free ID. */
static cs_err relocate_bs_account(cs_client *c, uint16_t iid)
{
    uint16_t bs;
    if (!cs_client_bs_account(c, &bs) || bs != iid)
        return CS_OK;
    uint16_t to = 0;
    while (cs_db_has_instance(&c->db, 0, to) || to == iid)
        to++;
    cs_path from = cs_path_instance(0, iid);
    cs_records add;
    cs_records_init(&add);
    cs_err err = cs_db_collect(&c->db, &from, &add);
    for (size_t i = 0; i < add.count; i++)
        add.items[i].path.ids[1] = to;
    if (err == CS_OK)
        err = cs_db_update(&c->db, &from, 1, &add);
    cs_db_free(&add);
    if (err == CS_OK)
        cs_log(CS_LOG_INFO, "client: BS account moved from /0/%u to /0/%u",
               (unsigned)iid, (unsigned)to);
    return err;
}

static bool payload_says_bs(const cs_records *rs, uint16_t iid, bool *is_bs)
{
    for (size_t i = 0; i < rs->count; i++) {
        const cs_record *r = &rs->items[i];
        if (r->path.len == 3 && r->path.ids[1] == iid && r->path.ids[2] == 1 &&
            r->value.type == CS_TYPE_BOOLEAN) {
            *is_bs = r->value.v.b;
            return true;
        }
    }
    return false;
}

static void bootstrap_write(cs_client *c, const cs_path *target,
                            const cs_coap_msg *req, cs_coap_msg *rsp)
{
    if (target->len == 0) {
        rsp->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
        return;
    }
    uint16_t format;
    if (cs_coap_get_content_format(req, &format) != CS_OK) {
        rsp->code = CS_COAP_CODE_BAD_REQUEST;
        return;
    }
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = decode_payload(req, target, &rs);
    if (err != CS_OK) {
        rsp->code = code_of(err);
        cs_db_free(&rs);
        return;
    }
    /* What the write replaces: each written instance (object or instance
     * target), the resource (resource target), or one instance value. */
    cs_path remove[64];
    size_t nremove = 0;
    uint16_t oid = target->ids[0];
    if (target->len >= 3) {
        remove[nremove++] = *target;
    } else {
        for (size_t i = 0; i < rs.count && err == CS_OK; i++) {
            if (rs.items[i].path.len < 2)
                continue;
            cs_path inst = cs_path_instance(oid, rs.items[i].path.ids[1]);
            if (nremove > 0 &&
                cs_path_compare(&remove[nremove - 1], &inst) == 0)
                continue;
            if (nremove == 64) {
                err = CS_E_TOO_LARGE;
                break;
            }
            remove[nremove++] = inst;
        }
    }
    /* Object 3's instance is the device's own: only the written
     * resources change, the others stay. */
    if (oid == 3) {
        nremove = 0;
        for (size_t i = 0; i < rs.count && nremove < 64; i++) {
            const cs_path *p = &rs.items[i].path;
            if (p->len >= 3)
                remove[nremove++] = cs_path_resource(p->ids[0], p->ids[1],
                                                     p->ids[2]);
        }
    }
    for (size_t i = 0; oid == 0 && err == CS_OK && i < nremove; i++) {
        bool is_bs = false;
        if (remove[i].len == 2 &&
            payload_says_bs(&rs, remove[i].ids[1], &is_bs) && !is_bs)
            err = relocate_bs_account(c, remove[i].ids[1]);
    }
    if (err == CS_OK)
        err = cs_db_update(&c->db, remove, nremove, &rs);
    cs_db_free(&rs);
    rsp->code = err == CS_OK ? CS_COAP_CODE_CHANGED : code_of(err);
}

static void bootstrap_read(cs_client *c, const cs_path *target,
                           const cs_coap_msg *req, cs_coap_msg *rsp,
                           cs_buf *body)
{
    if (target->len == 0 || (target->ids[0] != 1 && target->ids[0] != 2)) {
        rsp->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
        return;
    }
    if (target->len >= 2 &&
        !cs_db_has_instance(&c->db, target->ids[0], target->ids[1])) {
        rsp->code = CS_COAP_CODE_NOT_FOUND;
        return;
    }
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_db_collect(&c->db, target, &rs);
    if (err == CS_OK)
        answer_records(c, rsp, target, &rs, reply_format(c, req, true), body);
    else
        rsp->code = code_of(err);
    cs_records_free(&rs);
}

static void add_entry(cs_link_entry *e, size_t *n, size_t cap,
                      const cs_path *p)
{
    if (*n >= cap)
        return;
    e[*n].path = *p;
    cs_link_attrs_init(&e[*n].attrs);
    (*n)++;
}

/* Bootstrap-Discover: </>;lwm2m=1.2, objects and instances, ssid and uri
 * on server accounts. */
static void bootstrap_discover(cs_client *c, const cs_path *target,
                               cs_coap_msg *rsp, cs_buf *body)
{
    if (target->len > 1) {
        rsp->code = CS_COAP_CODE_BAD_REQUEST;
        return;
    }
    if (target->len == 1 && cs_registry_object(registry(), target->ids[0]) ==
                                NULL) {
        rsp->code = CS_COAP_CODE_NOT_FOUND;
        return;
    }
    enum { CAP = 128 };
    cs_link_entry *e = calloc(CAP, sizeof *e);
    char (*uris)[260] = calloc(CAP, sizeof *uris);
    if (e == NULL || uris == NULL) {
        free(e);
        free(uris);
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return;
    }
    size_t n = 0;
    cs_path root = cs_path_root();
    add_entry(e, &n, CAP, &root);
    e[0].attrs.present |= CS_LINK_HAS_LWM2M;
    e[0].attrs.lwm2m = "1.2";
    for (size_t k = 0; k < cs_standard_object_count; k++) {
        const cs_object_def *def = cs_standard_objects[k];
        if (target->len == 1 && def->id != target->ids[0])
            continue;
        uint16_t ids[64];
        size_t ni = cs_db_instances(&c->db, def->id, ids, 64);
        if (ni == 0) {
            cs_path p = cs_path_object(def->id);
            add_entry(e, &n, CAP, &p);
            if (def->version != NULL && strcmp(def->version, "1.0") != 0) {
                e[n - 1].attrs.present |= CS_LINK_HAS_VER;
                e[n - 1].attrs.ver = def->version;
            }
            continue;
        }
        for (size_t i = 0; i < ni; i++) {
            cs_path p = cs_path_instance(def->id, ids[i]);
            add_entry(e, &n, CAP, &p);
            cs_link_attrs *a = &e[n - 1].attrs;
            int64_t ssid = -1;
            if (def->id == 0 && cs_client_int(c, 0, ids[i], 1, 0) == 0) {
                ssid = cs_client_int(c, 0, ids[i], 10, -1);
                cs_path up = cs_path_resource(0, ids[i], 0);
                const cs_value *u = cs_db_find(&c->db, &up);
                if (u != NULL && u->type == CS_TYPE_STRING &&
                    u->v.bytes.len < sizeof uris[0] && n - 1 < CAP) {
                    memcpy(uris[n - 1], u->v.bytes.data, u->v.bytes.len);
                    uris[n - 1][u->v.bytes.len] = '\0';
                    a->present |= CS_LINK_HAS_URI;
                    a->uri = uris[n - 1];
                }
            } else if (def->id == 1) {
                ssid = cs_client_int(c, 1, ids[i], 0, -1);
            }
            if (ssid >= 1 && ssid <= 65534) {
                a->present |= CS_LINK_HAS_SSID;
                a->ssid = (uint16_t)ssid;
            }
        }
    }
    cs_err err = cs_link_format_entries(NULL, e, n, body);
    free(e);
    free(uris);
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    rsp->code = CS_COAP_CODE_CONTENT;
    cs_coap_add_content_format(rsp, CS_FORMAT_LINK);
    cs_coap_set_payload(rsp, body->data, body->len);
}

/* Bootstrap-Delete: never the BS account, never /3/0. */
static void bootstrap_delete(cs_client *c, const cs_path *target,
                             cs_coap_msg *rsp)
{
    if (target->len > 2) {
        rsp->code = CS_COAP_CODE_BAD_REQUEST;
        return;
    }
    uint16_t bs = 0;
    bool has_bs = cs_client_bs_account(c, &bs);
    cs_path remove[256];
    size_t nremove = 0;
    for (size_t k = 0; k < cs_standard_object_count; k++) {
        uint16_t oid = cs_standard_objects[k]->id;
        if (target->len >= 1 && oid != target->ids[0])
            continue;
        uint16_t ids[64];
        size_t ni = cs_db_instances(&c->db, oid, ids, 64);
        for (size_t i = 0; i < ni && nremove < 256; i++) {
            if (target->len == 2 && ids[i] != target->ids[1])
                continue;
            if ((oid == 0 && has_bs && ids[i] == bs) ||
                (oid == 3 && ids[i] == 0))
                continue;
            remove[nremove++] = cs_path_instance(oid, ids[i]);
        }
    }
    cs_err err = cs_db_update(&c->db, remove, nremove, NULL);
    rsp->code = err == CS_OK ? CS_COAP_CODE_DELETED : code_of(err);
}

static void handle_bootstrap(cs_client *c, cs_coap_incoming *in,
                             cs_coap_msg *rsp, cs_buf *body)
{
    const cs_coap_msg *req = in->request;
    cs_path target;
    enum target_kind kind = request_target(req, &target);
    c->bs_cmd_seen = true;
    cs_client_wake(c);
    if (kind == TARGET_BS) {
        if (req->code != CS_COAP_CODE_POST) {
            rsp->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
            return;
        }
        bool ok = cs_client_check_config(c);
        rsp->code = ok ? CS_COAP_CODE_CHANGED : CS_COAP_CODE_NOT_ACCEPTABLE;
        c->finish_result = ok ? FINISH_OK : FINISH_FAILED;
        return;
    }
    if (kind != TARGET_PATH) {
        rsp->code = CS_COAP_CODE_BAD_REQUEST;
        return;
    }
    uint16_t accept;
    switch (req->code) {
    case CS_COAP_CODE_PUT:
        bootstrap_write(c, &target, req, rsp);
        break;
    case CS_COAP_CODE_GET:
        if (cs_coap_get_accept(req, &accept) == CS_OK &&
            accept == CS_FORMAT_LINK)
            bootstrap_discover(c, &target, rsp, body);
        else
            bootstrap_read(c, &target, req, rsp, body);
        break;
    case CS_COAP_CODE_DELETE:
        bootstrap_delete(c, &target, rsp);
        break;
    default:
        rsp->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
        break;
    }
}

/* ---- Device management -------------------------------------------------- */

static bool object_known(uint16_t oid)
{
    return cs_registry_object(registry(), oid) != NULL;
}

/* Does the target exist?  CS_OK, or the error to answer. */
static cs_err check_exists(const cs_client *c, const cs_path *t)
{
    if (t->len == 0)
        return CS_OK;
    if (!object_known(t->ids[0]))
        return CS_E_NOT_FOUND;
    if (t->len >= 2 && !cs_db_has_instance(&c->db, t->ids[0], t->ids[1]))
        return CS_E_NOT_FOUND;
    if (t->len >= 3 && cs_registry_resource(registry(), t) == NULL)
        return CS_E_NOT_FOUND;
    return CS_OK;
}

/* The records a Read of `t` returns: readable resources only. */
static cs_err read_records(cs_client *c, const cs_path *t, cs_records *out)
{
    cs_records all;
    cs_records_init(&all);
    if (t->len == 0 || t->ids[0] == 3)
        refresh_device(c);
    cs_err err = cs_db_collect(&c->db, t, &all);
    for (size_t i = 0; i < all.count && err == CS_OK; i++) {
        const cs_record *r = &all.items[i];
        if (r->path.ids[0] == 0)
            continue;
        const cs_resource_def *def = cs_registry_resource(registry(), &r->path);
        if (def != NULL && !(def->operations & CS_OP_READ))
            continue;
        err = cs_records_add(out, &r->path, &r->value);
    }
    cs_records_free(&all);
    return err;
}

static void dm_read(cs_client *c, const cs_path *t, const cs_coap_msg *req,
                    cs_coap_msg *rsp, cs_buf *body, uint16_t *format_out)
{
    cs_err err = check_exists(c, t);
    if (err == CS_OK && t->len >= 3) {
        const cs_resource_def *def = cs_registry_resource(registry(), t);
        if (!(def->operations & CS_OP_READ))
            err = CS_E_NOT_ALLOWED;
    }
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    cs_records rs;
    cs_records_init(&rs);
    err = read_records(c, t, &rs);
    if (err == CS_OK && rs.count == 0 && t->len >= 3)
        err = CS_E_NOT_FOUND;
    uint16_t format = reply_format(c, req, false);
    /* A single value without Accept: text is what every server takes. */
    if (err == CS_OK && cs_coap_get_accept(req, &format) != CS_OK) {
        format = reply_format(c, req, false);
        const cs_resource_def *def =
            t->len >= 3 ? cs_registry_resource(registry(), t) : NULL;
        if (def != NULL && (!def->multiple || t->len == 4) &&
            c->lwm2m_version < 2)
            format = def->type == CS_TYPE_OPAQUE ? CS_FORMAT_OPAQUE
                                                 : CS_FORMAT_TEXT;
    }
    if (err == CS_OK)
        answer_records(c, rsp, t, &rs, format, body);
    else
        rsp->code = code_of(err);
    if (format_out != NULL)
        *format_out = format;
    cs_records_free(&rs);
}

static void dm_discover(cs_client *c, const cs_path *t, cs_coap_msg *rsp,
                        cs_buf *body)
{
    cs_err err = check_exists(c, t);
    if (err == CS_OK && t->len == 0)
        err = CS_E_NOT_ALLOWED;
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    enum { CAP = 256 };
    cs_link_entry *e = calloc(CAP, sizeof *e);
    if (e == NULL) {
        rsp->code = CS_COAP_CODE_INTERNAL_SERVER_ERROR;
        return;
    }
    size_t n = 0;
    const cs_object_def *def = cs_registry_object(registry(), t->ids[0]);
    add_entry(e, &n, CAP, t);
    if (t->len == 1 && def->version != NULL &&
        strcmp(def->version, "1.0") != 0) {
        e[0].attrs.present |= CS_LINK_HAS_VER;
        e[0].attrs.ver = def->version;
    }
    uint16_t ids[64];
    size_t ni = cs_db_instances(&c->db, t->ids[0], ids, 64);
    for (size_t i = 0; i < ni; i++) {
        if (t->len >= 2 && ids[i] != t->ids[1])
            continue;
        cs_path ip = cs_path_instance(t->ids[0], ids[i]);
        if (t->len == 1)
            add_entry(e, &n, CAP, &ip);
        for (size_t r = 0; r < def->resource_count && t->len <= 2; r++) {
            const cs_resource_def *rd = &def->resources[r];
            cs_path rp = cs_path_resource(t->ids[0], ids[i], rd->id);
            if (rd->operations != CS_OP_EXECUTE &&
                !cs_db_has_under(&c->db, &rp))
                continue;
            add_entry(e, &n, CAP, &rp);
        }
    }
    err = cs_link_format_entries(NULL, e, n, body);
    free(e);
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    rsp->code = CS_COAP_CODE_CONTENT;
    cs_coap_add_content_format(rsp, CS_FORMAT_LINK);
    cs_coap_set_payload(rsp, body->data, body->len);
}

/* Write (replace with PUT, partial update with POST on an instance). */
static void dm_write(cs_client *c, const cs_path *t, const cs_coap_msg *req,
                     cs_coap_msg *rsp, bool replace)
{
    cs_err err = check_exists(c, t);
    if (err == CS_OK && t->len < 2)
        err = CS_E_NOT_ALLOWED;
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    uint16_t format;
    if (cs_coap_get_content_format(req, &format) != CS_OK) {
        rsp->code = CS_COAP_CODE_BAD_REQUEST;
        return;
    }
    cs_records rs;
    cs_records_init(&rs);
    err = decode_payload(req, t, &rs);
    for (size_t i = 0; i < rs.count && err == CS_OK; i++) {
        const cs_resource_def *def =
            cs_registry_resource(registry(), &rs.items[i].path);
        if (def == NULL)
            err = CS_E_NOT_FOUND;
        else if (!(def->operations & CS_OP_WRITE))
            err = CS_E_NOT_ALLOWED;
    }
    if (err == CS_OK && rs.count == 0 && t->len >= 3)
        err = CS_E_SYNTAX;
    cs_path remove[64];
    size_t nremove = 0;
    if (err == CS_OK && t->len >= 3) {
        remove[nremove++] = *t;
    } else if (err == CS_OK && replace) {
        /* Replace an instance: its writable resources go first. */
        const cs_object_def *def = cs_registry_object(registry(), t->ids[0]);
        for (size_t r = 0; r < def->resource_count && nremove < 64; r++)
            if (def->resources[r].operations & CS_OP_WRITE)
                remove[nremove++] = cs_path_resource(t->ids[0], t->ids[1],
                                                     def->resources[r].id);
    } else if (err == CS_OK) {
        /* Partial update: written resources are replaced whole. */
        for (size_t i = 0; i < rs.count && nremove < 64; i++)
            remove[nremove++] =
                cs_path_resource(t->ids[0], t->ids[1], rs.items[i].path.ids[2]);
    }
    if (err == CS_OK)
        err = cs_db_update(&c->db, remove, nremove, &rs);
    cs_records_free(&rs);
    rsp->code = err == CS_OK ? CS_COAP_CODE_CHANGED : code_of(err);
    /* A new lifetime (or binding) of our server goes out in an Update. */
    if (err == CS_OK && t->ids[0] == 1 && t->ids[1] == c->srv_iid)
        c->update_trigger = true;
}

static void dm_execute(cs_client *c, const cs_path *t, cs_coap_msg *rsp)
{
    cs_err err = check_exists(c, t);
    if (err == CS_OK && t->len != 3)
        err = CS_E_NOT_ALLOWED;
    const cs_resource_def *def =
        err == CS_OK ? cs_registry_resource(registry(), t) : NULL;
    if (err == CS_OK && !(def->operations & CS_OP_EXECUTE))
        err = CS_E_NOT_ALLOWED;
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    uint16_t oid = t->ids[0], rid = t->ids[2];
    if (oid == 3 && rid == 4) {
        c->reboot = true;
    } else if (oid == 1 && rid == 8 && t->ids[1] == c->srv_iid) {
        c->update_trigger = true;
    } else if (oid == 1 && rid == 4 && t->ids[1] == c->srv_iid) {
        c->disable = true;
    } else if (oid == 1 && rid == 9) {
        c->bootstrap_trigger = true;
    } else if (oid == 3 && rid == 12) {
        cs_path p = cs_path_resource(3, 0, 11);
        cs_records add;
        cs_records_init(&add);
        cs_path p0 = cs_path_resource_instance(3, 0, 11, 0);
        cs_value zero = cs_value_integer(0);
        if (cs_records_add(&add, &p0, &zero) == CS_OK)
            (void)cs_db_update(&c->db, &p, 1, &add);
        cs_records_free(&add);
    } else {
        rsp->code = CS_COAP_CODE_NOT_IMPLEMENTED;
        return;
    }
    cs_client_wake(c);
    rsp->code = CS_COAP_CODE_CHANGED;
}

static void dm_create(cs_client *c, const cs_path *t, const cs_coap_msg *req,
                      cs_coap_msg *rsp, char *loc, size_t loc_cap)
{
    cs_err err = check_exists(c, t);
    const cs_object_def *def =
        err == CS_OK ? cs_registry_object(registry(), t->ids[0]) : NULL;
    if (err == CS_OK && (t->ids[0] <= 1 || t->ids[0] == 3))
        err = CS_E_NOT_ALLOWED;
    uint16_t ids[1];
    if (err == CS_OK && !def->multiple &&
        cs_db_instances(&c->db, t->ids[0], ids, 1) > 0)
        err = CS_E_NOT_ALLOWED;
    cs_records rs;
    cs_records_init(&rs);
    if (err == CS_OK)
        err = decode_payload(req, t, &rs);
    uint16_t iid = 0;
    bool have_iid = false;
    for (size_t i = 0; i < rs.count && err == CS_OK; i++) {
        if (rs.items[i].path.len < 2)
            continue;
        if (have_iid && rs.items[i].path.ids[1] != iid)
            err = CS_E_NOT_ALLOWED;    /* one instance per Create */
        iid = rs.items[i].path.ids[1];
        have_iid = true;
    }
    if (err == CS_OK && have_iid && cs_db_has_instance(&c->db, t->ids[0], iid))
        err = CS_E_BAD_LENGTH;         /* exists already: 4.00 */
    if (err == CS_OK && !have_iid) {
        while (cs_db_has_instance(&c->db, t->ids[0], iid))
            iid++;
        /* A payload without instance (TLV of resources): put it there. */
        for (size_t i = 0; i < rs.count; i++)
            if (rs.items[i].path.len >= 2)
                rs.items[i].path.ids[1] = iid;
        if (rs.count == 0) {
            cs_path ip = cs_path_instance(t->ids[0], iid);
            cs_value none = cs_value_none();
            err = cs_records_add(&rs, &ip, &none);
        }
    }
    if (err == CS_OK)
        err = cs_db_update(&c->db, NULL, 0, &rs);
    cs_records_free(&rs);
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    snprintf(loc, loc_cap, "%u/%u", (unsigned)t->ids[0], (unsigned)iid);
    cs_coap_add_path(rsp, CS_COAP_OPT_LOCATION_PATH, loc, strlen(loc));
    rsp->code = CS_COAP_CODE_CREATED;
    c->objects_changed = true;
    cs_client_wake(c);
}

static void dm_delete(cs_client *c, const cs_path *t, cs_coap_msg *rsp)
{
    cs_err err = check_exists(c, t);
    if (err == CS_OK && (t->len != 2 || t->ids[0] == 1 || t->ids[0] == 3))
        err = CS_E_NOT_ALLOWED;
    if (err == CS_OK)
        err = cs_db_update(&c->db, t, 1, NULL);
    rsp->code = err == CS_OK ? CS_COAP_CODE_DELETED : code_of(err);
    if (err == CS_OK) {
        c->objects_changed = true;
        for (size_t i = 0; i < CS_CLIENT_MAX_OBS; i++)
            if (c->obs[i].used && cs_path_has_prefix(&c->obs[i].path, t))
                cs_client_obs_drop(c, i);
        cs_client_wake(c);
    }
}

/* ---- Observe ------------------------------------------------------------ */

void cs_client_obs_drop(cs_client *c, size_t i)
{
    free(c->obs[i].last);
    memset(&c->obs[i], 0, sizeof c->obs[i]);
}

static bool same_token(const cs_coap_reply_to *to, const cs_coap_msg *req)
{
    return to->token_len == req->token_len &&
           memcmp(to->token, req->token, req->token_len) == 0;
}

static void obs_cancel(cs_client *c, cs_coap_endpoint *ep,
                       const cs_coap_incoming *in)
{
    for (size_t i = 0; i < CS_CLIENT_MAX_OBS; i++)
        if (c->obs[i].used && c->obs[i].ep == ep &&
            cs_addr_equal(&c->obs[i].to.addr, in->from) &&
            same_token(&c->obs[i].to, in->request))
            cs_client_obs_drop(c, i);
}

/* Start (or renew, same token) an observation after a successful Read. */
static void obs_add(cs_client *c, cs_coap_endpoint *ep,
                    const cs_coap_incoming *in, const cs_path *t,
                    uint16_t format, cs_coap_msg *rsp)
{
    obs_cancel(c, ep, in);
    size_t slot = CS_CLIENT_MAX_OBS;
    for (size_t i = 0; i < CS_CLIENT_MAX_OBS && slot == CS_CLIENT_MAX_OBS; i++)
        if (!c->obs[i].used)
            slot = i;
    if (slot == CS_CLIENT_MAX_OBS)
        return;                 /* no room: a plain Read answer */
    struct cs_client_obs *o = &c->obs[slot];
    uint8_t *copy = malloc(rsp->payload_len ? rsp->payload_len : 1);
    if (copy == NULL)
        return;
    if (rsp->payload_len > 0)
        memcpy(copy, rsp->payload, rsp->payload_len);
    o->used = true;
    o->fresh = true;
    o->path = *t;
    o->ep = ep;
    o->to.addr = *in->from;
    o->to.session = in->session;
    o->to.token_len = in->request->token_len;
    memcpy(o->to.token, in->request->token, in->request->token_len);
    o->to.confirmable = false;
    o->format = format;
    o->seq = 2;
    o->last = copy;
    o->last_len = rsp->payload_len;
    cs_coap_add_uint(rsp, CS_COAP_OPT_OBSERVE, 1);
    cs_client_wake(c);
}

/* pmin and pmax for an observation of `path`: the server's defaults
 * (/1/x/2, /1/x/3), overridden by Write-Attributes on the object, then the
 * instance, then the resource. */
static void obs_periods(const cs_client *c, const cs_path *path,
                        int64_t *pmin, int64_t *pmax)
{
    *pmin = cs_client_int(c, 1, c->srv_iid, 2, 0);
    *pmax = cs_client_int(c, 1, c->srv_iid, 3, 0);
    for (uint8_t level = 1; level <= path->len; level++) {
        for (size_t i = 0; i < CS_CLIENT_MAX_ATTRS; i++) {
            const struct cs_client_attrs *a = &c->attrs[i];
            if (!a->used || a->path.len != level ||
                !cs_path_has_prefix(path, &a->path))
                continue;
            if (a->has_pmin)
                *pmin = a->pmin;
            if (a->has_pmax)
                *pmax = a->pmax;
        }
    }
    if (*pmin < 0)
        *pmin = 0;
    if (*pmax < 0 || (*pmax > 0 && *pmax < *pmin))
        *pmax = 0;
}

/* One attribute of a Write-Attributes query: absent (false), set, or
 * removed ("pmin" alone). */
static cs_err query_period(const cs_coap_msg *req, const char *name,
                           bool *present, bool *set, uint32_t *value)
{
    const char *v;
    size_t len;
    *present = false;
    cs_err err = cs_coap_get_query(req, name, &v, &len);
    if (err == CS_E_NOT_FOUND)
        return CS_OK;
    if (err != CS_OK)
        return CS_E_SYNTAX;
    *present = true;
    *set = len > 0;
    uint64_t n = 0;
    if (len > 10)
        return CS_E_SYNTAX;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return CS_E_SYNTAX;
        n = n * 10 + (uint64_t)(v[i] - '0');
    }
    if (n > UINT32_MAX)
        return CS_E_RANGE;
    *value = (uint32_t)n;
    return CS_OK;
}

/* Write-Attributes (PUT with a query and no payload): pmin and pmax are
 * kept and used by observations; the other attributes are accepted and
 * not acted upon. */
static void write_attributes(cs_client *c, const cs_path *t,
                             const cs_coap_msg *req, cs_coap_msg *rsp)
{
    cs_err err = check_exists(c, t);
    if (err == CS_OK && t->len == 0)
        err = CS_E_NOT_ALLOWED;
    bool has_min = false, has_max = false, set_min = false, set_max = false;
    uint32_t pmin = 0, pmax = 0;
    if (err == CS_OK)
        err = query_period(req, "pmin", &has_min, &set_min, &pmin);
    if (err == CS_OK)
        err = query_period(req, "pmax", &has_max, &set_max, &pmax);
    size_t slot = CS_CLIENT_MAX_ATTRS;
    for (size_t i = 0; err == CS_OK && i < CS_CLIENT_MAX_ATTRS; i++)
        if (c->attrs[i].used && cs_path_compare(&c->attrs[i].path, t) == 0)
            slot = i;
    for (size_t i = 0; err == CS_OK && slot == CS_CLIENT_MAX_ATTRS &&
                       i < CS_CLIENT_MAX_ATTRS; i++)
        if (!c->attrs[i].used)
            slot = i;
    if (err == CS_OK && slot == CS_CLIENT_MAX_ATTRS)
        err = CS_E_TOO_LARGE;
    if (err != CS_OK) {
        rsp->code = code_of(err);
        return;
    }
    struct cs_client_attrs *a = &c->attrs[slot];
    if (!a->used) {
        memset(a, 0, sizeof *a);
        a->used = true;
        a->path = *t;
    }
    if (has_min) {
        a->has_pmin = set_min;
        a->pmin = pmin;
    }
    if (has_max) {
        a->has_pmax = set_max;
        a->pmax = pmax;
    }
    if (!a->has_pmin && !a->has_pmax)
        a->used = false;
    rsp->code = CS_COAP_CODE_CHANGED;
    cs_client_wake(c);
}

/* A Reset to a confirmable notification: the observer is gone (RFC 7641
 * §3.6).  `user` is the observation's slot. */
static void notify_done(void *user, cs_coap_endpoint *ep, cs_err status,
                        const cs_coap_msg *rsp, bool final)
{
    (void)rsp;
    (void)final;
    struct cs_client_obs *o = user;
    if (status != CS_E_RESET || !o->used || o->ep != ep)
        return;
    free(o->last);
    memset(o, 0, sizeof *o);
}

static void obs_send(cs_client *c, size_t i, cs_coap_time now,
                     const cs_buf *body, bool con)
{
    struct cs_client_obs *o = &c->obs[i];
    cs_coap_msg msg;
    cs_coap_init(&msg, con ? CS_COAP_TYPE_CON : CS_COAP_TYPE_NON,
                 CS_COAP_CODE_CONTENT, 0);
    cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, o->seq++ & 0xFFFFFFu);
    cs_coap_add_content_format(&msg, o->format);
    cs_coap_set_payload(&msg, body->data, body->len);
    o->to.confirmable = con;
    if (cs_coap_send_response(o->ep, now, &o->to, &msg,
                              con ? notify_done : NULL, o) != CS_OK)
        return;
    uint8_t *copy = malloc(body->len ? body->len : 1);
    if (copy != NULL) {
        if (body->len > 0)
            memcpy(copy, body->data, body->len);
        free(o->last);
        o->last = copy;
        o->last_len = body->len;
    }
    o->last_sent = now;
}

void cs_client_obs_tick(cs_client *c, cs_coap_time now)
{
    int64_t pmin, pmax;
    bool con = cs_client_int(c, 1, c->srv_iid, 26, 0) == 1;
    for (size_t i = 0; i < CS_CLIENT_MAX_OBS; i++) {
        struct cs_client_obs *o = &c->obs[i];
        if (!o->used)
            continue;
        obs_periods(c, &o->path, &pmin, &pmax);
        if (o->fresh) {
            o->fresh = false;
            o->last_sent = now;
            continue;
        }
        if (now < o->last_sent + (cs_coap_time)pmin * 1000u)
            continue;
        cs_records rs;
        cs_buf body;
        cs_records_init(&rs);
        cs_buf_init(&body, 64 * 1024);
        cs_err err = check_exists(c, &o->path);
        if (err == CS_OK)
            err = read_records(c, &o->path, &rs);
        if (err == CS_OK)
            err = cs_encode(o->format, &o->path, &rs, registry(), &body);
        if (err != CS_OK) {
            cs_client_obs_drop(c, i);   /* the target is gone */
        } else {
            bool changed = body.len != o->last_len ||
                           (body.len > 0 &&
                            memcmp(body.data, o->last, body.len) != 0);
            bool expired = pmax > 0 &&
                           now >= o->last_sent + (cs_coap_time)pmax * 1000u;
            /* RFC 7641 §4.5: now and then a confirmable one, to learn
             * whether the observer is still there. */
            if (changed || expired)
                obs_send(c, i, now, &body, con || o->seq % 16 == 0);
        }
        cs_buf_free(&body);
        cs_records_free(&rs);
    }
}

cs_coap_time cs_client_obs_deadline(const cs_client *c)
{
    int64_t pmin, pmax;
    cs_coap_time d = CS_COAP_NEVER;
    for (size_t i = 0; i < CS_CLIENT_MAX_OBS; i++) {
        const struct cs_client_obs *o = &c->obs[i];
        if (!o->used)
            continue;
        if (o->fresh)
            return 0;
        obs_periods(c, &o->path, &pmin, &pmax);
        if (pmax > 0) {
            cs_coap_time t = o->last_sent + (cs_coap_time)pmax * 1000u;
            if (t < d)
                d = t;
        }
    }
    return d;
}

/* ---- Dispatch ----------------------------------------------------------- */

static void handle_dm(cs_client *c, cs_coap_endpoint *ep, cs_coap_incoming *in,
                      cs_coap_msg *rsp, cs_buf *body, char *loc, size_t cap)
{
    const cs_coap_msg *req = in->request;
    cs_path t;
    if (request_target(req, &t) != TARGET_PATH) {
        rsp->code = CS_COAP_CODE_NOT_FOUND;
        return;
    }
    /* Security (and OSCORE) are not reachable on the DM interface. */
    if (t.len >= 1 && (t.ids[0] == 0 || t.ids[0] == 21)) {
        rsp->code = CS_COAP_CODE_UNAUTHORIZED;
        return;
    }
    uint16_t accept;
    uint32_t observe;
    switch (req->code) {
    case CS_COAP_CODE_GET:
        if (cs_coap_get_accept(req, &accept) == CS_OK &&
            accept == CS_FORMAT_LINK) {
            dm_discover(c, &t, rsp, body);
            break;
        }
        if (cs_coap_get_uint(req, CS_COAP_OPT_OBSERVE, &observe) == CS_OK) {
            uint16_t format = 0;
            if (observe == 1)
                obs_cancel(c, ep, in);
            dm_read(c, &t, req, rsp, body, &format);
            if (observe == 0 && rsp->code == CS_COAP_CODE_CONTENT)
                obs_add(c, ep, in, &t, format, rsp);
            break;
        }
        dm_read(c, &t, req, rsp, body, NULL);
        break;
    case CS_COAP_CODE_PUT:
        if (cs_coap_find(req, CS_COAP_OPT_CONTENT_FORMAT) == NULL &&
            req->payload_len == 0) {
            write_attributes(c, &t, req, rsp);
            break;
        }
        dm_write(c, &t, req, rsp, true);
        break;
    case CS_COAP_CODE_POST:
        if (t.len == 1)
            dm_create(c, &t, req, rsp, loc, cap);
        else if (t.len == 2)
            dm_write(c, &t, req, rsp, false);
        else
            dm_execute(c, &t, rsp);
        break;
    case CS_COAP_CODE_DELETE:
        dm_delete(c, &t, rsp);
        break;
    default:
        rsp->code = CS_COAP_CODE_METHOD_NOT_ALLOWED;
        break;
    }
    /* A write may change what is observed, and what persists. */
    if (req->code != CS_COAP_CODE_GET) {
        if (cs_coap_code_class(rsp->code) == 2 && t.len >= 1 &&
            (t.ids[0] == 1 || t.ids[0] == 2))
            c->persist_dirty = true;
        cs_client_wake(c);
    }
}

void cs_client_on_request(void *app, cs_coap_endpoint *ep,
                          cs_coap_incoming *in, cs_coap_msg *response)
{
    cs_client *c = app;
    /* The endpoint serializes the response after we return: the body and
     * the Location-Path live in the engine until the next request. */
    cs_buf_free(&c->reply_body);
    cs_buf_init(&c->reply_body, 64 * 1024);
    if (ep != NULL && ep == c->bs.ep &&
        (c->state == CS_CLIENT_BOOTSTRAP_REQUEST ||
         c->state == CS_CLIENT_BOOTSTRAPPING)) {
        handle_bootstrap(c, in, response, &c->reply_body);
        return;
    }
    if (ep != NULL && ep == c->srv.ep &&
        (c->state == CS_CLIENT_REGISTERED ||
         c->state == CS_CLIENT_REGISTERING)) {
        handle_dm(c, ep, in, response, &c->reply_body, c->reply_location,
                  sizeof c->reply_location);
        return;
    }
    response->code = CS_COAP_CODE_SERVICE_UNAVAILABLE;
}
