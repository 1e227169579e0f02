/*
 * admin.c - the admin line protocol of the LwM2M server (docs/server.md):
 * one command per line in, answers as text blocks out ("2.05", then one
 * record per line as `cellstrap decode` prints them, then an empty line).
 * Sans-I/O: a session takes lines and writes text through a callback; the
 * program owns the socket.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/hex.h"
#include "cellstrap/log.h"
#include "server/server_internal.h"

/* One command waiting for the device (the user of its server request). */
struct admin_call {
    struct admin_call *prev, *next;
    cs_admin *adm;
    char endpoint[CS_STORE_ENDPOINT_MAX];
    char path[CS_PATH_TEXT_MAX];
    bool observe;
    unsigned answers;
};

struct cs_admin {
    cs_server *srv;
    cs_admin_write_fn write;
    void *ctx;
    struct admin_call *calls;
    size_t pending;
};

/* ---- Output -------------------------------------------------------------- */

static void out_text(cs_admin *adm, const char *s)
{
    adm->write(adm->ctx, s, strlen(s));
}

static void out_fmt(cs_admin *adm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void out_fmt(cs_admin *adm, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    adm->write(adm->ctx, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void out_buf(cs_admin *adm, const cs_buf *b)
{
    if (b->len > 0)
        adm->write(adm->ctx, (const char *)b->data, b->len);
}

/* A refusal before anything was sent: one line and the end of block. */
static void out_error(cs_admin *adm, const char *code, const char *why)
{
    out_fmt(adm, "%s %s\n\n", code, why);
}

static cs_err buf_fmt(cs_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static cs_err buf_fmt(cs_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CS_E_INTERNAL;
    return cs_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

cs_err cs_admin_format_value(const cs_value *v, cs_buf *out)
{
    cs_err err = CS_OK;
    switch (v->type) {
    case CS_TYPE_NONE:
        return cs_buf_append(out, "(none)", 6);
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        return buf_fmt(out, "%" PRId64, v->v.i);
    case CS_TYPE_UNSIGNED:
        return buf_fmt(out, "%" PRIu64, v->v.u);
    case CS_TYPE_FLOAT:
        return buf_fmt(out, "%.17g", v->v.f);
    case CS_TYPE_BOOLEAN:
        return buf_fmt(out, "%s", v->v.b ? "true" : "false");
    case CS_TYPE_OBJLNK:
        return buf_fmt(out, "%u:%u", v->v.lnk.oid, v->v.lnk.iid);
    case CS_TYPE_OPAQUE:
        for (size_t i = 0; i < v->v.bytes.len && err == CS_OK; i++)
            err = buf_fmt(out, "%02x", v->v.bytes.data[i]);
        return err;
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        err = cs_buf_append_byte(out, '"');
        for (size_t i = 0; i < v->v.bytes.len && err == CS_OK; i++) {
            uint8_t c = v->v.bytes.data[i];
            if (c == '"' || c == '\\')
                err = buf_fmt(out, "\\%c", c);
            else if (c < 0x20 || c == 0x7f)
                err = buf_fmt(out, "\\x%02x", c);
            else
                err = cs_buf_append_byte(out, c);
        }
        return err == CS_OK ? cs_buf_append_byte(out, '"') : err;
    }
    return CS_E_INVALID_ARG;
}

static void out_records(cs_admin *adm, const cs_records *rs)
{
    cs_buf b;
    cs_buf_init(&b, 1u << 20);
    for (size_t i = 0; i < rs->count; i++) {
        char path[CS_PATH_TEXT_MAX];
        cs_path_format(&rs->items[i].path, path, sizeof path);
        buf_fmt(&b, "%-14s %-16s ", path, cs_type_name(rs->items[i].value.type));
        cs_admin_format_value(&rs->items[i].value, &b);
        cs_buf_append_byte(&b, '\n');
    }
    out_buf(adm, &b);
    cs_buf_free(&b);
}

static void out_hex(cs_admin *adm, const uint8_t *data, size_t len)
{
    cs_buf b;
    cs_buf_init(&b, 2 * len + 2);
    for (size_t i = 0; i < len; i++)
        buf_fmt(&b, "%02x", data[i]);
    cs_buf_append_byte(&b, '\n');
    out_buf(adm, &b);
    cs_buf_free(&b);
}

/* ---- Parsing helpers -------------------------------------------------------- */

/* The next space-separated word of *p (NUL-terminated in place), or NULL. */
static char *next_word(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0') {
        *p = s;
        return NULL;
    }
    char *w = s;
    while (*s != '\0' && *s != ' ' && *s != '\t')
        s++;
    if (*s != '\0')
        *s++ = '\0';
    *p = s;
    return w;
}

/* The rest of the line without leading blanks (may be ""). */
static char *rest_of(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    *p = s + strlen(s);
    return s;
}

int cs_admin_split(char *line, char **argv, int cap)
{
    int n = 0;
    char *p = line;
    char *w;
    while ((w = next_word(&p)) != NULL) {
        if (n == cap)
            return -1;
        argv[n++] = w;
    }
    return n;
}

static const struct {
    const char *name;
    uint16_t format;
} format_names[] = {
    { "text", CS_FORMAT_TEXT },         { "link", CS_FORMAT_LINK },
    { "opaque", CS_FORMAT_OPAQUE },     { "cbor", CS_FORMAT_CBOR },
    { "senml-json", CS_FORMAT_SENML_JSON },
    { "senml-cbor", CS_FORMAT_SENML_CBOR },
    { "tlv", CS_FORMAT_TLV },           { "oma-json", CS_FORMAT_OMA_JSON },
    { "lwm2m-cbor", CS_FORMAT_LWM2M_CBOR },
};

static bool parse_format(const char *s, uint16_t *out)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(s, format_names[i].name) == 0) {
            *out = format_names[i].format;
            return true;
        }
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v > 65534)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* Hex text into a malloc'ed buffer (*out; NULL for ""). */
static cs_err parse_hex(const char *s, uint8_t **out, size_t *len)
{
    size_t n = strlen(s);
    *out = NULL;
    *len = 0;
    if (n % 2 != 0)
        return CS_E_SYNTAX;
    if (n == 0)
        return CS_OK;
    uint8_t *b = malloc(n / 2);
    if (b == NULL)
        return CS_E_NOMEM;
    if (cs_hex_decode(s, n, b, n / 2, len) != CS_OK) {
        free(b);
        *len = 0;
        return CS_E_SYNTAX;
    }
    *out = b;
    return CS_OK;
}

cs_err cs_admin_parse_value(cs_type type, const char *text, cs_records *rs,
                            cs_value *out)
{
    char *end;
    errno = 0;
    switch (type) {
    case CS_TYPE_NONE:
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK: {
        const uint8_t *copy;
        size_t len = strlen(text);
        cs_err err = cs_records_store(rs, text, len, &copy);
        if (err != CS_OK)
            return err;
        *out = type == CS_TYPE_CORELNK ? cs_value_corelnk((const char *)copy, len)
                                       : cs_value_string((const char *)copy, len);
        return CS_OK;
    }
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME: {
        long long v = strtoll(text, &end, 10);
        if (*text == '\0' || *end != '\0')
            return CS_E_SYNTAX;
        if (errno == ERANGE)
            return CS_E_RANGE;
        *out = type == CS_TYPE_TIME ? cs_value_time(v) : cs_value_integer(v);
        return CS_OK;
    }
    case CS_TYPE_UNSIGNED: {
        if (*text == '-')
            return CS_E_RANGE;
        unsigned long long v = strtoull(text, &end, 10);
        if (*text == '\0' || *end != '\0')
            return CS_E_SYNTAX;
        if (errno == ERANGE)
            return CS_E_RANGE;
        *out = cs_value_unsigned(v);
        return CS_OK;
    }
    case CS_TYPE_FLOAT: {
        double v = strtod(text, &end);
        if (*text == '\0' || *end != '\0' || !isfinite(v))
            return CS_E_SYNTAX;
        *out = cs_value_float(v);
        return CS_OK;
    }
    case CS_TYPE_BOOLEAN:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            *out = cs_value_boolean(true);
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            *out = cs_value_boolean(false);
        else
            return CS_E_SYNTAX;
        return CS_OK;
    case CS_TYPE_OPAQUE: {
        uint8_t *b;
        size_t len;
        cs_err err = parse_hex(text, &b, &len);
        if (err != CS_OK)
            return err;
        const uint8_t *copy = NULL;
        if (len > 0)
            err = cs_records_store(rs, b, len, &copy);
        free(b);
        if (err != CS_OK)
            return err;
        *out = cs_value_opaque(copy, len);
        return CS_OK;
    }
    case CS_TYPE_OBJLNK: {
        unsigned oid, iid;
        char tail;
        if (sscanf(text, "%u:%u%c", &oid, &iid, &tail) != 2 ||
            oid > CS_ID_INVALID || iid > CS_ID_INVALID)
            return CS_E_SYNTAX;
        *out = cs_value_objlnk((uint16_t)oid, (uint16_t)iid);
        return CS_OK;
    }
    }
    return CS_E_TYPE;
}

/* A record for `path` with `text` typed by the resource's definition
 * (String when the resource is unknown). */
static cs_err add_typed(cs_admin *adm, cs_records *rs, const cs_path *path,
                        const char *text)
{
    const cs_resource_def *def =
        cs_registry_resource(adm->srv->cfg.registry, path);
    cs_type type = def != NULL ? def->type : CS_TYPE_STRING;
    cs_value v;
    cs_err err = cs_admin_parse_value(type, text, rs, &v);
    if (err != CS_OK)
        return err;
    return cs_records_add(rs, path, &v);
}

/* "rid=value" or "rid/riid=value" words under instance `inst` into rs. */
static cs_err add_assignments(cs_admin *adm, cs_records *rs,
                              const cs_path *inst, char **p)
{
    char *w;
    while ((w = next_word(p)) != NULL) {
        char *eq = strchr(w, '=');
        if (eq == NULL)
            return CS_E_SYNTAX;
        *eq = '\0';
        unsigned rid, riid;
        char tail;
        cs_path path = *inst;
        int n = sscanf(w, "%u/%u%c", &rid, &riid, &tail);
        if (n == 1 && rid <= CS_ID_MAX) {
            path.ids[path.len++] = (uint16_t)rid;
        } else if (n == 2 && rid <= CS_ID_MAX && riid <= CS_ID_MAX) {
            path.ids[path.len++] = (uint16_t)rid;
            path.ids[path.len++] = (uint16_t)riid;
        } else {
            return CS_E_SYNTAX;
        }
        cs_err err = add_typed(adm, rs, &path, eq + 1);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

/* ---- Answers ------------------------------------------------------------------- */

static void call_free(struct admin_call *call)
{
    cs_admin *adm = call->adm;
    if (call->prev != NULL)
        call->prev->next = call->next;
    else
        adm->calls = call->next;
    if (call->next != NULL)
        call->next->prev = call->prev;
    adm->pending--;
    free(call);
}

static void on_answer(void *user, const cs_server_response *r)
{
    struct admin_call *call = user;
    cs_admin *adm = call->adm;
    char code[CS_COAP_CODE_TEXT_MAX];
    if (r->status != CS_OK) {
        const char *c = r->status == CS_E_NOT_FOUND ? "4.04" : "5.03";
        const char *why = r->status == CS_E_NOT_FOUND ? "deregistered"
                          : r->status == CS_E_TIMEOUT ? "timeout"
                          : r->status == CS_E_RESET   ? "reset"
                                                      : cs_strerror(r->status);
        out_fmt(adm, "%s %s%s%s\n\n", c, why,
                call->observe && call->answers > 0 ? " " : "",
                call->observe && call->answers > 0 ? call->path : "");
    } else {
        cs_coap_code_text(r->code, code);
        if (call->observe && call->answers > 0)
            out_fmt(adm, "%s notify %s %s\n", code, call->endpoint, call->path);
        else
            out_fmt(adm, "%s\n", code);
        if (r->records != NULL) {
            out_records(adm, r->records);
        } else if (r->payload_len > 0 && (r->format == CS_FORMAT_LINK ||
                                          r->format == CS_FORMAT_TEXT)) {
            adm->write(adm->ctx, (const char *)r->payload, r->payload_len);
            out_text(adm, "\n");
        } else if (r->payload_len > 0) {
            out_fmt(adm, "payload %u ", r->format);
            out_hex(adm, r->payload, r->payload_len);
        }
        out_text(adm, "\n");
    }
    call->answers++;
    if (r->final)
        call_free(call);
}

/* Send `req` for this session; answers arrive through on_answer. */
static void submit(cs_admin *adm, const char *endpoint, const char *path,
                   const cs_server_request *req)
{
    struct admin_call *call = calloc(1, sizeof *call);
    if (call == NULL) {
        out_error(adm, "5.00", "out of memory");
        return;
    }
    call->adm = adm;
    snprintf(call->endpoint, sizeof call->endpoint, "%s", endpoint);
    snprintf(call->path, sizeof call->path, "%s", path);
    call->observe = req->op == CS_SERVER_OBSERVE;
    call->next = adm->calls;
    if (adm->calls != NULL)
        adm->calls->prev = call;
    adm->calls = call;
    adm->pending++;
    cs_err err = cs_server_send(adm->srv, endpoint, req, on_answer, call);
    if (err == CS_OK && req->op == CS_SERVER_CANCEL_OBSERVE) {
        /* The engine dropped the observation without a last callback. */
        for (struct admin_call *c = adm->calls; c != NULL; c = c->next)
            if (c->observe && strcmp(c->endpoint, endpoint) == 0 &&
                strcmp(c->path, path) == 0) {
                call_free(c);
                break;
            }
    }
    if (err != CS_OK) {
        call_free(call);
        if (err == CS_E_NOT_FOUND)
            out_error(adm, "4.04", req->op == CS_SERVER_CANCEL_OBSERVE
                                       ? "no such observation"
                                       : "endpoint not registered");
        else
            out_fmt(adm, "%s %s\n\n", err == CS_E_BUSY ? "5.03" : "4.00",
                    cs_strerror(err));
    }
}

static int list_one(void *ctx, const cs_registration *r)
{
    cs_admin *adm = ctx;
    char addr[CS_ADDR_TEXT_MAX];
    cs_addr_format(&r->addr, addr, sizeof addr);
    out_fmt(adm, "%s id=%s lwm2m=%s b=%s%s lt=%u addr=%s %s ", r->endpoint,
            r->id, r->lwm2m_version, r->binding, r->queue_mode ? " Q" : "",
            r->lifetime, addr, r->identity_len > 0 ? "psk" : "nosec");
    /* The link list may be far longer than one formatted line. */
    if (r->links != NULL)
        out_text(adm, r->links);
    out_text(adm, "\n");
    return 0;
}

static const char help_text[] =
    "2.05\n"
    "list\n"
    "read <ep> <path> [format]\n"
    "discover <ep> <path>\n"
    "write <ep> <resource-path> <value>\n"
    "write <ep> <instance-path> <rid>=<value> ...\n"
    "update <ep> <instance-path> <rid>=<value> ...\n"
    "write-raw <ep> <path> <format> <hex>\n"
    "execute <ep> <path> [arguments]\n"
    "create <ep> </oid or /oid/iid> [<rid>=<value> ...]\n"
    "delete <ep> <path>\n"
    "observe <ep> <path> [format]\n"
    "cancel <ep> <path>\n"
    "attributes <ep> <path> <name>=<value> ...\n"
    "\n";

/* Commands that take <ep> <path>: build and send the request. */
static void device_command(cs_admin *adm, const char *cmd, char *p)
{
    char *ep = next_word(&p);
    char *path_text = next_word(&p);
    if (ep == NULL || path_text == NULL) {
        out_error(adm, "4.00", "usage: <command> <ep> <path> ...");
        return;
    }
    cs_server_request req;
    memset(&req, 0, sizeof req);
    req.accept = CS_SERVER_NO_FORMAT;
    req.format = CS_SERVER_NO_FORMAT;
    if (cs_path_parse(path_text, strlen(path_text), &req.path) != CS_OK) {
        out_error(adm, "4.00", "bad path");
        return;
    }
    cs_records rs;
    cs_records_init(&rs);
    uint8_t *raw = NULL;
    char query[512];
    cs_err err = CS_OK;
    const char *bad = NULL;
    if (strcmp(cmd, "read") == 0 || strcmp(cmd, "observe") == 0) {
        req.op = cmd[0] == 'r' ? CS_SERVER_READ : CS_SERVER_OBSERVE;
        char *f = next_word(&p);
        if (f != NULL && !parse_format(f, &req.accept))
            bad = "unknown format";
    } else if (strcmp(cmd, "discover") == 0) {
        req.op = CS_SERVER_DISCOVER;
    } else if (strcmp(cmd, "cancel") == 0) {
        req.op = CS_SERVER_CANCEL_OBSERVE;
    } else if (strcmp(cmd, "attributes") == 0) {
        /* Each word is one attribute ("pmin=10", "pmax=60", "gt=3.5"),
         * joined into the query; the client checks names and values. */
        req.op = CS_SERVER_WRITE_ATTRIBUTES;
        char *w;
        size_t qlen = 0;
        while ((w = next_word(&p)) != NULL) {
            size_t n = strlen(w);
            if (qlen + n + 2 > sizeof query) {
                bad = "too many attributes";
                break;
            }
            if (qlen > 0)
                query[qlen++] = '&';
            memcpy(query + qlen, w, n);
            qlen += n;
        }
        query[qlen] = '\0';
        req.query = query;
        if (bad == NULL && qlen == 0)
            bad = "usage: attributes <ep> <path> <name>=<value> ...";
    } else if (strcmp(cmd, "delete") == 0) {
        req.op = CS_SERVER_DELETE;
    } else if (strcmp(cmd, "execute") == 0) {
        req.op = CS_SERVER_EXECUTE;
        char *args = rest_of(&p);
        req.payload = (const uint8_t *)args;
        req.payload_len = strlen(args);
        if (req.path.len != CS_LEVEL_RESOURCE)
            bad = "execute needs a resource path";
    } else if (strcmp(cmd, "write") == 0 || strcmp(cmd, "update") == 0) {
        req.op = cmd[0] == 'w' ? CS_SERVER_WRITE : CS_SERVER_WRITE_UPDATE;
        if (req.path.len >= CS_LEVEL_RESOURCE && req.op == CS_SERVER_WRITE)
            err = add_typed(adm, &rs, &req.path, rest_of(&p));
        else if (req.path.len == CS_LEVEL_INSTANCE)
            err = add_assignments(adm, &rs, &req.path, &p);
        else
            bad = "write needs an instance or resource path";
        req.records = &rs;
        if (bad == NULL && err == CS_OK && rs.count == 0)
            bad = "nothing to write";
    } else if (strcmp(cmd, "write-raw") == 0) {
        req.op = CS_SERVER_WRITE;
        char *f = next_word(&p);
        size_t len = 0;
        if (f == NULL || !parse_format(f, &req.format))
            bad = "usage: write-raw <ep> <path> <format> <hex>";
        else
            err = parse_hex(rest_of(&p), &raw, &len);
        req.payload = raw;
        req.payload_len = len;
    } else if (strcmp(cmd, "create") == 0) {
        req.op = CS_SERVER_CREATE;
        if (req.path.len == CS_LEVEL_INSTANCE) {
            err = add_assignments(adm, &rs, &req.path, &p);
            req.path.len = CS_LEVEL_OBJECT;
            req.records = rs.count > 0 ? &rs : NULL;
        } else if (req.path.len != CS_LEVEL_OBJECT) {
            bad = "create needs /oid or /oid/iid";
        }
    } else {
        bad = "unknown command (try help)";
    }
    if (bad == NULL && err != CS_OK)
        bad = cs_strerror(err);
    if (bad != NULL)
        out_error(adm, "4.00", bad);
    else
        submit(adm, ep, path_text, &req);
    free(raw);
    cs_records_free(&rs);
}

void cs_admin_command(cs_admin *adm, char *line)
{
    char *p = line;
    char *cmd = next_word(&p);
    if (cmd == NULL)
        return;                          /* empty lines are ignored */
    if (strcmp(cmd, "help") == 0) {
        out_text(adm, help_text);
    } else if (strcmp(cmd, "list") == 0) {
        out_text(adm, "2.05\n");
        cs_server_each(adm->srv, list_one, adm);
        out_text(adm, "\n");
    } else {
        device_command(adm, cmd, p);
    }
}

/* ---- Session life ------------------------------------------------------------- */

cs_admin *cs_admin_new(cs_server *srv, cs_admin_write_fn write, void *ctx)
{
    if (srv == NULL || write == NULL)
        return NULL;
    cs_admin *adm = calloc(1, sizeof *adm);
    if (adm == NULL)
        return NULL;
    adm->srv = srv;
    adm->write = write;
    adm->ctx = ctx;
    return adm;
}

void cs_admin_free(cs_admin *adm)
{
    if (adm == NULL)
        return;
    while (adm->calls != NULL) {
        cs_server_forget_user(adm->srv, adm->calls);
        call_free(adm->calls);
    }
    free(adm);
}

size_t cs_admin_pending(const cs_admin *adm)
{
    return adm->pending;
}
