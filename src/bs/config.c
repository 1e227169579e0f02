/*
 * config.c - the bootstrap configuration of one endpoint, from JSON
 * (schema: docs/bootstrap.md).  Strict: unknown members, wrong types and
 * out-of-range values are refused with a message naming the member, so an
 * operator's typo never turns into a silently different provisioning.
 * Messages never quote key material.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bs/bs_internal.h"
#include "cellstrap/hex.h"
#include "cellstrap/bs.h"
#include "crypto/crypto.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static cs_err fail(char *err, size_t cap, const char *fmt, ...)
{
    if (err != NULL && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return CS_E_SYNTAX;
}

/* Decode a hex string of 1..cap bytes; false when it is not one. */
static bool parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(hex);
    return n > 0 && cs_hex_decode(hex, n, out, cap, len) == CS_OK;
}

/* Refuse members other than those listed (NULL-terminated). */
static cs_err only_members(json_t *obj, const char *where,
                           const char *const *allowed, char *err, size_t cap)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++)
            ok = strcmp(k, allowed[i]) == 0;
        if (!ok)
            return fail(err, cap, "%s: unknown member \"%s\"", where, k);
    }
    return CS_OK;
}

/* {"identity": "...", "key": "<hex>"} */
static cs_err parse_psk(json_t *v, const char *where, uint8_t *id,
                        size_t *id_len, uint8_t *key, size_t *key_len,
                        char *err, size_t cap)
{
    static const char *const allowed[] = { "identity", "key", NULL };
    if (!json_is_object(v))
        return fail(err, cap, "%s: must be an object {identity, key}", where);
    cs_err e = only_members(v, where, allowed, err, cap);
    if (e != CS_OK)
        return e;
    json_t *jid = json_object_get(v, "identity");
    json_t *jkey = json_object_get(v, "key");
    if (!json_is_string(jid) || json_string_length(jid) == 0 ||
        json_string_length(jid) > CS_STORE_IDENTITY_MAX)
        return fail(err, cap, "%s.identity: a string of 1..%d bytes", where,
                    CS_STORE_IDENTITY_MAX);
    memcpy(id, json_string_value(jid), json_string_length(jid));
    *id_len = json_string_length(jid);
    if (!json_is_string(jkey) ||
        !parse_hex(json_string_value(jkey), key, CS_STORE_KEY_MAX, key_len))
        return fail(err, cap, "%s.key: a hex string of 1..%d bytes", where,
                    CS_STORE_KEY_MAX);
    return CS_OK;
}

static cs_err get_int(json_t *obj, const char *name, const char *where,
                      int64_t lo, int64_t hi, int64_t dflt, int64_t *out,
                      char *err, size_t cap)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        if (dflt < lo)
            return fail(err, cap, "%s: \"%s\" is required", where, name);
        *out = dflt;
        return CS_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo ||
        json_integer_value(v) > hi)
        return fail(err, cap, "%s.%s: an integer in %lld..%lld", where, name,
                    (long long)lo, (long long)hi);
    *out = json_integer_value(v);
    return CS_OK;
}

static cs_err parse_server(json_t *v, size_t index, struct bs_server *s,
                           char *err, size_t cap)
{
    static const char *const allowed[] = {
        "name", "uri", "security", "psk", "psk_key_length", "ssid",
        "lifetime", "binding", "pmin", "pmax", NULL };
    char where[32];
    snprintf(where, sizeof where, "servers[%zu]", index);
    if (!json_is_object(v))
        return fail(err, cap, "%s: must be an object", where);
    cs_err e = only_members(v, where, allowed, err, cap);
    if (e != CS_OK)
        return e;
    json_t *name = json_object_get(v, "name");
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) >= sizeof s->name)
        return fail(err, cap, "%s.name: a non-empty string is required", where);
    snprintf(s->name, sizeof s->name, "%s", json_string_value(name));
    json_t *uri = json_object_get(v, "uri");
    if (!json_is_string(uri) || json_string_length(uri) >= sizeof s->uri ||
        (strncmp(json_string_value(uri), "coap://", 7) != 0 &&
         strncmp(json_string_value(uri), "coaps://", 8) != 0))
        return fail(err, cap, "%s.uri: a coap:// or coaps:// URI is required",
                    where);
    snprintf(s->uri, sizeof s->uri, "%s", json_string_value(uri));
    bool coaps = strncmp(s->uri, "coaps://", 8) == 0;

    json_t *sec = json_object_get(v, "security");
    const char *sec_text = json_is_string(sec) ? json_string_value(sec)
                           : sec == NULL ? (coaps ? "psk" : "nosec") : "";
    if (strcmp(sec_text, "psk") == 0)
        s->security = BS_SEC_PSK;
    else if (strcmp(sec_text, "nosec") == 0)
        s->security = BS_SEC_NOSEC;
    else
        return fail(err, cap, "%s.security: \"psk\" or \"nosec\"", where);
    if ((s->security == BS_SEC_PSK) != coaps)
        return fail(err, cap, "%s: security \"%s\" does not fit the URI scheme",
                    where, sec_text);

    int64_t n;
    e = get_int(v, "psk_key_length", where, 16, 32, BS_GENERATED_KEY_DEFAULT,
                &n, err, cap);
    if (e != CS_OK)
        return e;
    s->generate_key_len = (size_t)n;
    json_t *psk = json_object_get(v, "psk");
    if (s->security == BS_SEC_PSK) {
        if (psk == NULL || (json_is_string(psk) &&
                            strcmp(json_string_value(psk), "generate") == 0)) {
            s->generate = true;
        } else {
            char w[48];
            snprintf(w, sizeof w, "%s.psk", where);
            e = parse_psk(psk, w, s->identity, &s->identity_len, s->key,
                          &s->key_len, err, cap);
            if (e != CS_OK)
                return e;
        }
    } else if (psk != NULL) {
        return fail(err, cap, "%s.psk: only with security \"psk\"", where);
    }
    if ((e = get_int(v, "ssid", where, 1, 65534, -1, &n, err, cap)) != CS_OK)
        return e;
    s->ssid = (uint16_t)n;
    if ((e = get_int(v, "lifetime", where, 0, INT32_MAX, 300, &s->lifetime,
                     err, cap)) != CS_OK)
        return e;
    if ((e = get_int(v, "pmin", where, -1, INT32_MAX, -1, &s->pmin, err,
                     cap)) != CS_OK)
        return e;
    if ((e = get_int(v, "pmax", where, -1, INT32_MAX, -1, &s->pmax, err,
                     cap)) != CS_OK)
        return e;
    json_t *b = json_object_get(v, "binding");
    const char *bt = b == NULL ? "U" : json_is_string(b) ? json_string_value(b) : "";
    if (bt[0] == '\0' || strlen(bt) >= sizeof s->binding ||
        strspn(bt, "UMHTSNQ") != strlen(bt))
        return fail(err, cap, "%s.binding: letters of U, M, H, T, S, N, Q",
                    where);
    snprintf(s->binding, sizeof s->binding, "%s", bt);
    return CS_OK;
}

static cs_err parse_deletes(json_t *v, struct bs_config *out, char *err,
                            size_t cap)
{
    if (v == NULL) {                 /* default: everything but the BS account */
        out->deletes[0] = cs_path_root();
        out->delete_count = 1;
        return CS_OK;
    }
    if (!json_is_array(v) || json_array_size(v) > BS_MAX_DELETES)
        return fail(err, cap, "delete: an array of at most %d paths",
                    BS_MAX_DELETES);
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p) {
        cs_path path;
        if (!json_is_string(p) ||
            cs_path_parse(json_string_value(p), json_string_length(p),
                          &path) != CS_OK ||
            path.len > CS_LEVEL_INSTANCE)
            return fail(err, cap, "delete[%zu]: a path \"/\", \"/o\" or \"/o/i\"",
                        i);
        if (path.len >= 1 && path.ids[0] == 3)
            return fail(err, cap, "delete[%zu]: the Device object is never "
                        "deleted", i);
        out->deletes[out->delete_count++] = path;
    }
    return CS_OK;
}

cs_value bs_write_value(const struct bs_write *w)
{
    switch (w->type) {
    case CS_TYPE_STRING: return cs_value_string((const char *)w->data, w->len);
    case CS_TYPE_OPAQUE: return cs_value_opaque(w->data, w->len);
    case CS_TYPE_INTEGER: return cs_value_integer(w->i);
    case CS_TYPE_TIME: return cs_value_time(w->i);
    case CS_TYPE_UNSIGNED: return cs_value_unsigned(w->u);
    case CS_TYPE_FLOAT: return cs_value_float(w->f);
    case CS_TYPE_BOOLEAN: return cs_value_boolean(w->b);
    case CS_TYPE_OBJLNK: return cs_value_objlnk(w->lnk.oid, w->lnk.iid);
    default: return cs_value_none();
    }
}

/* One "write" member: a JSON value of the resource's registry type. */
static cs_err parse_write_value(json_t *v, const cs_resource_def *def,
                                struct bs_write *w, const char *key,
                                char *err, size_t cap)
{
    w->type = def->type;
    bool ok = false;
    switch (def->type) {
    case CS_TYPE_STRING:
        ok = json_is_string(v) && json_string_length(v) <= sizeof w->data;
        if (ok) {
            w->len = json_string_length(v);
            memcpy(w->data, json_string_value(v), w->len);
        }
        break;
    case CS_TYPE_OPAQUE:
        ok = json_is_string(v) && (json_string_length(v) == 0 ||
             parse_hex(json_string_value(v), w->data, sizeof w->data, &w->len));
        break;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        ok = json_is_integer(v);
        w->i = ok ? json_integer_value(v) : 0;
        break;
    case CS_TYPE_UNSIGNED:
        ok = json_is_integer(v) && json_integer_value(v) >= 0;
        w->u = ok ? (uint64_t)json_integer_value(v) : 0;
        break;
    case CS_TYPE_FLOAT:
        ok = json_is_number(v);
        w->f = ok ? json_number_value(v) : 0;
        break;
    case CS_TYPE_BOOLEAN:
        ok = json_is_boolean(v);
        w->b = ok && json_is_true(v);
        break;
    case CS_TYPE_OBJLNK: {
        unsigned oid, iid;
        char tail;
        ok = json_is_string(v) &&
             sscanf(json_string_value(v), "%u:%u%c", &oid, &iid, &tail) == 2 &&
             oid <= 65535 && iid <= 65535;
        if (ok) {
            w->lnk.oid = (uint16_t)oid;
            w->lnk.iid = (uint16_t)iid;
        }
        break;
    }
    default:
        break;
    }
    if (!ok)
        return fail(err, cap, "write.%s: a value of type %s is required%s", key,
                    cs_type_name(def->type),
                    def->type == CS_TYPE_OPAQUE ? " (hex)"
                    : def->type == CS_TYPE_OBJLNK ? " (\"oid:iid\")" : "");
    cs_value value = bs_write_value(w);
    if (cs_resource_check_value(def, &value) != CS_OK)
        return fail(err, cap, "write.%s: value out of range", key);
    return CS_OK;
}

static int write_order(const void *a, const void *b)
{
    return cs_path_compare(&((const struct bs_write *)a)->path,
                           &((const struct bs_write *)b)->path);
}

/* "write": {"/o/i/r": value, "/o/i/r/ri": value, ...}: further objects
 * (not 0 and 1, which come from "servers", nor the Device object). */
static cs_err parse_writes(json_t *v, struct bs_config *out, char *err,
                           size_t cap)
{
    if (v == NULL)
        return CS_OK;
    if (!json_is_object(v) || json_object_size(v) > BS_MAX_WRITES)
        return fail(err, cap, "write: an object of at most %d resource paths "
                    "to values", BS_MAX_WRITES);
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val) {
        struct bs_write *w = &out->writes[out->write_count];
        if (cs_path_parse(k, strlen(k), &w->path) != CS_OK ||
            w->path.len < CS_LEVEL_RESOURCE)
            return fail(err, cap, "write.%s: a resource path \"/o/i/r\" or "
                        "\"/o/i/r/ri\" is required", k);
        if (w->path.ids[0] <= 1 || w->path.ids[0] == 3)
            return fail(err, cap, "write.%s: objects 0 and 1 come from "
                        "\"servers\"; the Device object is not written", k);
        const cs_resource_def *def =
            cs_registry_resource(cs_registry_standard(), &w->path);
        if (def == NULL)
            return fail(err, cap, "write.%s: not a resource of a known object",
                        k);
        if (def->multiple != (w->path.len == CS_LEVEL_RESOURCE_INSTANCE))
            return fail(err, cap, "write.%s: %s", k, def->multiple
                        ? "a multiple resource is written by instance "
                          "(\"/o/i/r/ri\")"
                        : "a single resource has no instances");
        cs_err e = parse_write_value(val, def, w, k, err, cap);
        if (e != CS_OK)
            return e;
        out->write_count++;
    }
    qsort(out->writes, out->write_count, sizeof out->writes[0], write_order);
    for (size_t i = 1; i < out->write_count; i++)
        if (cs_path_compare(&out->writes[i - 1].path, &out->writes[i].path) == 0)
            return fail(err, cap, "write: the same path appears twice");
    return CS_OK;
}

static cs_err parse_object(json_t *root, struct bs_config *out, char *err,
                           size_t cap)
{
    static const char *const allowed[] = {
        "servers", "delete", "bootstrap_psk", "allow_nosec_bootstrap",
        "write", "comment", NULL };
    if (!json_is_object(root))
        return fail(err, cap, "a configuration must be a JSON object");
    cs_err e = only_members(root, "configuration", allowed, err, cap);
    if (e != CS_OK)
        return e;
    json_t *servers = json_object_get(root, "servers");
    if (!json_is_array(servers) || json_array_size(servers) == 0 ||
        json_array_size(servers) > BS_MAX_SERVERS)
        return fail(err, cap, "servers: an array of 1..%d server accounts",
                    BS_MAX_SERVERS);
    size_t i;
    json_t *s;
    json_array_foreach(servers, i, s) {
        if ((e = parse_server(s, i, &out->servers[i], err, cap)) != CS_OK)
            return e;
        for (size_t j = 0; j < i; j++)
            if (out->servers[j].ssid == out->servers[i].ssid ||
                strcmp(out->servers[j].name, out->servers[i].name) == 0)
                return fail(err, cap, "servers[%zu]: name and ssid must be "
                            "unique", i);
        out->server_count++;
    }
    if ((e = parse_deletes(json_object_get(root, "delete"), out, err, cap)) !=
        CS_OK)
        return e;
    if ((e = parse_writes(json_object_get(root, "write"), out, err, cap)) !=
        CS_OK)
        return e;
    json_t *bpsk = json_object_get(root, "bootstrap_psk");
    if (bpsk != NULL) {
        e = parse_psk(bpsk, "bootstrap_psk", out->bs_identity,
                      &out->bs_identity_len, out->bs_key, &out->bs_key_len, err,
                      cap);
        if (e != CS_OK)
            return e;
        out->has_bootstrap_psk = true;
    }
    json_t *nosec = json_object_get(root, "allow_nosec_bootstrap");
    if (nosec != NULL && !json_is_boolean(nosec))
        return fail(err, cap, "allow_nosec_bootstrap: true or false");
    out->allow_nosec_bootstrap = nosec != NULL && json_is_true(nosec);
    json_t *comment = json_object_get(root, "comment");
    if (comment != NULL && !json_is_string(comment))
        return fail(err, cap, "comment: a string");
    return CS_OK;
}

cs_err bs_config_parse(const char *json, struct bs_config *out, char *err,
                       size_t err_cap)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(err, err_cap, "JSON error at line %d: %s", jerr.line,
                    jerr.text);
    cs_err e = parse_object(root, out, err, err_cap);
    json_decref(root);
    if (e != CS_OK)
        bs_config_wipe(out);
    return e;
}

void bs_config_wipe(struct bs_config *cfg)
{
    cs_secure_zero(cfg, sizeof *cfg);
}

cs_err cs_bs_check_config(const char *json, char *err, size_t err_cap)
{
    struct bs_config *cfg = malloc(sizeof *cfg);
    if (cfg == NULL)
        return CS_E_NOMEM;
    cs_err e = bs_config_parse(json, cfg, err, err_cap);
    bs_config_wipe(cfg);
    free(cfg);
    return e;
}
