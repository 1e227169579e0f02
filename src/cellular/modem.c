/*
 * modem.c - the modem interface and its emulated back end.  The emulated
 * modem is a JSON file that cellstrap-netsim writes (atomically) for each
 * subscriber: the SIM's identities and the current data session.  It is
 * read again on every cs_modem_read, so an attach, a detach or a new
 * address shows at the next read.  Every member is checked; a file that
 * is not what netsim writes is refused as a whole.
 *
 *   {"imsi": "001010000000001", "mnc_length": 2, "iccid": "...",
 *    "imei": "...", "imeisv": "...", "msisdn": "...",
 *    "session": {"attached": true, "address": "127.1.0.2",
 *                "apn": "iot.example", "bootstrap_uri": "coap://...",
 *                "bsf_uri": "http://...",
 *                "attach_id": 7}}
 *
 * The member "usim_file" names the emulated USIM's secret file (K, OPc,
 * the card's SEQ_MS per IND); cs_modem_authenticate runs AKA with it and
 * writes the freshness state back after every success.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fsync, fchmod */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellstrap/hex.h"
#include "cellstrap/cellular.h"
#include "cellstrap/log.h"
#include "crypto/crypto.h"

#define MODEM_FILE_MAX (64 * 1024)

struct cs_modem {
    char *path;
};

cs_err cs_modem_open(const char *spec, cs_modem **out)
{
    static const char prefix[] = "emulated:";
    if (spec == NULL || strncmp(spec, prefix, sizeof prefix - 1) != 0 ||
        spec[sizeof prefix - 1] == '\0')
        return CS_E_INVALID_ARG;
    cs_modem *m = calloc(1, sizeof *m);
    if (m == NULL)
        return CS_E_NOMEM;
    size_t len = strlen(spec + sizeof prefix - 1);
    m->path = malloc(len + 1);
    if (m->path == NULL) {
        free(m);
        return CS_E_NOMEM;
    }
    memcpy(m->path, spec + sizeof prefix - 1, len + 1);
    *out = m;
    return CS_OK;
}

void cs_modem_close(cs_modem *m)
{
    if (m == NULL)
        return;
    free(m->path);
    free(m);
}

/* A digit string member of at most cap-1 characters; absent = "". */
static bool get_digits(json_t *obj, const char *name, char *out, size_t cap,
                       size_t min)
{
    json_t *v = json_object_get(obj, name);
    out[0] = '\0';
    if (v == NULL)
        return true;
    const char *s = json_string_value(v);
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    if (n < min || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    memcpy(out, s, n + 1);
    return true;
}

static bool get_text(json_t *obj, const char *name, char *out, size_t cap)
{
    json_t *v = json_object_get(obj, name);
    out[0] = '\0';
    if (v == NULL)
        return true;
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) >= cap)
        return false;
    memcpy(out, s, strlen(s) + 1);
    return true;
}

static const char *parse_subscription(json_t *root, cs_subscription *sub)
{
    memset(sub, 0, sizeof *sub);
    if (!get_digits(root, "imsi", sub->imsi, sizeof sub->imsi, 6) ||
        !cs_imsi_valid(sub->imsi))
        return "imsi";
    json_t *mnc = json_object_get(root, "mnc_length");
    if (mnc != NULL) {
        json_int_t n = json_is_integer(mnc) ? json_integer_value(mnc) : -1;
        if (n != 0 && n != 2 && n != 3)
            return "mnc_length";
        sub->mnc_length = (uint8_t)n;
    }
    if (!get_digits(root, "iccid", sub->iccid, sizeof sub->iccid, 18))
        return "iccid";
    if (!get_digits(root, "imei", sub->imei, sizeof sub->imei, 15) ||
        (sub->imei[0] != '\0' && !cs_imei_valid(sub->imei)))
        return "imei";
    if (!get_digits(root, "imeisv", sub->imeisv, sizeof sub->imeisv, 16))
        return "imeisv";
    if (!get_digits(root, "msisdn", sub->msisdn, sizeof sub->msisdn, 1))
        return "msisdn";
    return NULL;
}

/* 32 hex digits into 16 octets. */
static bool hex16(const char *h, uint8_t out[16])
{
    return strlen(h) == 32 && cs_hex_decode(h, 32, out, 16, NULL) == CS_OK;
}

static const char *parse_session(json_t *obj, cs_data_session *s)
{
    memset(s, 0, sizeof *s);
    if (obj == NULL)
        return NULL;                       /* never attached */
    if (!json_is_object(obj))
        return "session";
    json_t *att = json_object_get(obj, "attached");
    if (att != NULL && !json_is_boolean(att))
        return "session.attached";
    s->attached = json_is_true(att);
    char addr[CS_ADDR_TEXT_MAX];
    if (!get_text(obj, "address", addr, sizeof addr))
        return "session.address";
    if (addr[0] != '\0') {
        if (cs_addr_parse(addr, 1, &s->address) != CS_OK)
            return "session.address";
        s->address.port = 0;
    } else if (s->attached) {
        return "session.address";
    }
    if (!get_text(obj, "apn", s->apn, sizeof s->apn))
        return "session.apn";
    if (!get_text(obj, "bootstrap_uri", s->bootstrap_uri, sizeof s->bootstrap_uri))
        return "session.bootstrap_uri";
    if (!get_text(obj, "bsf_uri", s->bsf_uri, sizeof s->bsf_uri))
        return "session.bsf_uri";
    json_t *aka = json_object_get(obj, "aka");
    if (aka != NULL) {
        char r[40], t[40];
        if (!json_is_object(aka) || !get_text(aka, "rand", r, sizeof r) ||
            !get_text(aka, "autn", t, sizeof t) || !hex16(r, s->aka_rand) ||
            !hex16(t, s->aka_autn))
            return "session.aka";
        s->has_aka = true;
    }
    json_t *id = json_object_get(obj, "attach_id");
    if (id != NULL) {
        if (!json_is_integer(id) || json_integer_value(id) < 0)
            return "session.attach_id";
        s->attach_id = (uint64_t)json_integer_value(id);
    }
    return NULL;
}

/* The modem file as a JSON object (*root the caller's). */
static cs_err load_modem_file(const cs_modem *m, json_t **root)
{
    json_error_t jerr;
    *root = NULL;
    FILE *f = fopen(m->path, "rb");
    if (f == NULL)
        return CS_E_NOT_FOUND;
    char *text = malloc(MODEM_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, MODEM_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (text == NULL)
        return CS_E_NOMEM;
    if (n > MODEM_FILE_MAX) {
        free(text);
        cs_log(CS_LOG_ERROR, "modem %s: file too large", m->path);
        return CS_E_TOO_LARGE;
    }
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (doc == NULL || !json_is_object(doc)) {
        cs_log(CS_LOG_ERROR, "modem %s: not a JSON object (%s)", m->path,
               doc == NULL ? jerr.text : "wrong type");
        json_decref(doc);
        return CS_E_SYNTAX;
    }
    *root = doc;
    return CS_OK;
}

cs_err cs_modem_read(cs_modem *m, cs_subscription *sub,
                     cs_data_session *session)
{
    json_t *root;
    cs_err err = load_modem_file(m, &root);
    if (err != CS_OK)
        return err;
    cs_subscription s;
    cs_data_session d;
    const char *bad = parse_subscription(root, &s);
    if (bad == NULL)
        bad = parse_session(json_object_get(root, "session"), &d);
    json_decref(root);
    if (bad != NULL) {
        cs_log(CS_LOG_ERROR, "modem %s: bad \"%s\"", m->path, bad);
        return CS_E_SYNTAX;
    }
    *sub = s;
    if (session != NULL)
        *session = d;
    return CS_OK;
}

/* ---- The emulated USIM ----------------------------------------------------
 *
 * The secret file is read by hand, not with jansson: jansson's lexer keeps
 * copies of every token in buffers it frees without wiping, and this file
 * holds K.  The grammar is the JSON subset netsim writes: one object with
 * the members "k" and "opc" (32 hex digits each) and optionally "seq_ms"
 * (an array of 32 integers), in any order, with JSON whitespace; no other
 * members, no escapes.  Every buffer that held the text is wiped.
 */
#define USIM_FILE_MAX 4096
#define USIM_PATH_MAX 4096

typedef struct usim_cursor {
    const char *s;
    size_t len, pos;
} usim_cursor;

static void usim_skip_ws(usim_cursor *c)
{
    while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' ||
                               c->s[c->pos] == '\n' || c->s[c->pos] == '\r'))
        c->pos++;
}

static bool usim_eat(usim_cursor *c, char ch)
{
    usim_skip_ws(c);
    if (c->pos < c->len && c->s[c->pos] == ch) {
        c->pos++;
        return true;
    }
    return false;
}

/* A string without escapes or control characters, pointing into the text. */
static bool usim_string(usim_cursor *c, const char **out, size_t *len)
{
    if (!usim_eat(c, '"'))
        return false;
    size_t start = c->pos;
    for (; c->pos < c->len && c->s[c->pos] != '"'; c->pos++) {
        unsigned char ch = (unsigned char)c->s[c->pos];
        if (ch < 0x20 || ch == '\\' || ch >= 0x7f)
            return false;
    }
    if (c->pos >= c->len)
        return false;
    *out = c->s + start;
    *len = c->pos - start;
    c->pos++;
    return true;
}

static bool usim_key(usim_cursor *c, uint8_t key[CS_AKA_K_LEN])
{
    const char *hex;
    size_t len;
    return usim_string(c, &hex, &len) && len == 2 * CS_AKA_K_LEN &&
           cs_hex_decode(hex, len, key, CS_AKA_K_LEN, NULL) == CS_OK;
}

/* A JSON integer without sign, fraction or exponent, at most SEQ_MAX. */
static bool usim_seq(usim_cursor *c, uint64_t *out)
{
    usim_skip_ws(c);
    size_t start = c->pos;
    uint64_t v = 0;
    for (; c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9'; c->pos++) {
        v = v * 10 + (uint64_t)(c->s[c->pos] - '0');
        if (v > CS_AKA_SEQ_MAX)
            return false;
    }
    size_t digits = c->pos - start;
    if (digits == 0 || (digits > 1 && c->s[start] == '0'))
        return false;
    *out = v;
    return true;
}

static bool usim_seq_array(usim_cursor *c, uint64_t seq_ms[CS_AKA_IND_COUNT])
{
    if (!usim_eat(c, '['))
        return false;
    for (size_t i = 0; i < CS_AKA_IND_COUNT; i++)
        if ((i > 0 && !usim_eat(c, ',')) || !usim_seq(c, &seq_ms[i]))
            return false;
    return usim_eat(c, ']');
}

/* Parse the file into *u; NULL, or what was wrong (for the log). */
static const char *usim_parse(const char *text, size_t len, cs_usim *u)
{
    usim_cursor c = { text, len, 0 };
    uint8_t k[CS_AKA_K_LEN], opc[CS_AKA_K_LEN];
    uint64_t seq_ms[CS_AKA_IND_COUNT] = { 0 };
    bool have_k = false, have_opc = false, have_seq = false;
    const char *bad = NULL;
    if (!usim_eat(&c, '{'))
        bad = "(not an object)";
    while (bad == NULL) {
        const char *name;
        size_t name_len;
        if (!usim_string(&c, &name, &name_len) || !usim_eat(&c, ':')) {
            bad = "(member name)";
        } else if (name_len == 1 && memcmp(name, "k", 1) == 0) {
            if (have_k || !usim_key(&c, k))
                bad = "k";
            have_k = true;
        } else if (name_len == 3 && memcmp(name, "opc", 3) == 0) {
            if (have_opc || !usim_key(&c, opc))
                bad = "opc";
            have_opc = true;
        } else if (name_len == 6 && memcmp(name, "seq_ms", 6) == 0) {
            if (have_seq || !usim_seq_array(&c, seq_ms))
                bad = "seq_ms";
            have_seq = true;
        } else {
            bad = "(unknown member)";
        }
        if (bad != NULL || !usim_eat(&c, ','))
            break;
    }
    if (bad == NULL && !usim_eat(&c, '}'))
        bad = "(object)";
    usim_skip_ws(&c);
    if (bad == NULL && c.pos != c.len)
        bad = "(trailing data)";
    if (bad == NULL && !have_k)
        bad = "k";
    if (bad == NULL && !have_opc)
        bad = "opc";
    if (bad == NULL) {
        cs_usim_init(u, k, opc);
        if (cs_usim_sqn_state_set(u, seq_ms) != CS_OK)
            bad = "seq_ms";
    }
    cs_secure_zero(k, sizeof k);
    cs_secure_zero(opc, sizeof opc);
    return bad;
}

/* The USIM file's path from the modem file's "usim_file" member. */
static cs_err usim_path(const cs_modem *m, char *out, size_t cap)
{
    json_t *root;
    cs_err err = load_modem_file(m, &root);
    if (err != CS_OK)
        return err;
    json_t *v = json_object_get(root, "usim_file");
    const char *name = json_string_value(v);
    int n = 0;
    if (v == NULL) {
        err = CS_E_NOT_FOUND;
    } else if (name == NULL || name[0] == '\0') {
        err = CS_E_SYNTAX;
    } else if (name[0] == '/' || strrchr(m->path, '/') == NULL) {
        n = snprintf(out, cap, "%s", name);
    } else {
        int dir_len = (int)(strrchr(m->path, '/') - m->path);
        n = snprintf(out, cap, "%.*s/%s", dir_len, m->path, name);
    }
    if (err == CS_OK && (n < 0 || (size_t)n >= cap))
        err = CS_E_SYNTAX;
    json_decref(root);
    if (err == CS_E_SYNTAX)
        cs_log(CS_LOG_ERROR, "modem %s: bad \"usim_file\"", m->path);
    return err;
}

static cs_err usim_load(const char *path, cs_usim *u)
{
    char text[USIM_FILE_MAX + 1];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        cs_log(CS_LOG_ERROR, "usim %s: %s", path, strerror(e));
        return e == ENOENT ? CS_E_NOT_FOUND : CS_E_INTERNAL;
    }
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    cs_err err = CS_OK;
    if (n > USIM_FILE_MAX) {
        cs_log(CS_LOG_ERROR, "usim %s: file too large", path);
        err = CS_E_TOO_LARGE;
    } else {
        const char *bad = usim_parse(text, n, u);
        if (bad != NULL) {
            cs_log(CS_LOG_ERROR, "usim %s: bad %s", path, bad);
            err = CS_E_SYNTAX;
        }
    }
    cs_secure_zero(text, sizeof text);
    return err;
}

/* The file text for `u`; false when it does not fit (cannot happen). */
static bool usim_format(const cs_usim *u, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char k[2 * CS_AKA_K_LEN + 1], opc[2 * CS_AKA_K_LEN + 1];
    for (size_t i = 0; i < CS_AKA_K_LEN; i++) {
        k[2 * i] = hex[u->k[i] >> 4];
        k[2 * i + 1] = hex[u->k[i] & 15];
        opc[2 * i] = hex[u->opc[i] >> 4];
        opc[2 * i + 1] = hex[u->opc[i] & 15];
    }
    k[sizeof k - 1] = opc[sizeof opc - 1] = '\0';
    int n = snprintf(out, cap, "{\"k\": \"%s\", \"opc\": \"%s\", \"seq_ms\": [", k, opc);
    for (size_t i = 0; i < CS_AKA_IND_COUNT && n > 0 && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "%s%llu", i ? ", " : "",
                      (unsigned long long)u->seq_ms[i]);
    if (n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "]}\n");
    cs_secure_zero(k, sizeof k);
    cs_secure_zero(opc, sizeof opc);
    return n > 0 && (size_t)n < cap;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        len -= (size_t)w;
    }
    return true;
}

static void sync_parent_dir(const char *path)
{
    char dir[USIM_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Replace the file atomically: a crash leaves the old or the new state,
 * never a torn one (a torn file would refuse every later AUTHENTICATE). */
static cs_err usim_save(const char *path, const cs_usim *u)
{
    char text[1024], tmp[USIM_PATH_MAX + 8];
    if (!usim_format(u, text, sizeof text) ||
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
        cs_secure_zero(text, sizeof text);
        return CS_E_INTERNAL;
    }
    int fd = mkstemp(tmp);                  /* mode 0600 */
    bool ok = fd >= 0 && fchmod(fd, 0600) == 0 &&
              write_all(fd, text, strlen(text)) && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    cs_secure_zero(text, sizeof text);
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        cs_log(CS_LOG_ERROR, "usim %s: cannot save the sequence state: %s", path,
               strerror(errno));
        if (fd >= 0)
            (void)unlink(tmp);
        return CS_E_INTERNAL;
    }
    sync_parent_dir(path);
    return CS_OK;
}

cs_err cs_modem_authenticate(cs_modem *m, const uint8_t rand[16],
                             const uint8_t autn[16], cs_aka_result *out)
{
    if (out == NULL)
        return CS_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (m == NULL || rand == NULL || autn == NULL)
        return CS_E_INVALID_ARG;
    char path[USIM_PATH_MAX];
    cs_err err = usim_path(m, path, sizeof path);
    if (err != CS_OK)
        return err;
    cs_usim card;
    err = usim_load(path, &card);
    if (err == CS_OK &&
        cs_usim_authenticate(&card, rand, autn, out) == CS_AKA_SUCCESS) {
        err = usim_save(path, &card);
        if (err != CS_OK)
            cs_aka_result_wipe(out);
    }
    cs_usim_wipe(&card);
    return err;
}
