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
 *                "attach_id": 7}}
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/cellular.h"
#include "cellstrap/log.h"

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
    json_t *id = json_object_get(obj, "attach_id");
    if (id != NULL) {
        if (!json_is_integer(id) || json_integer_value(id) < 0)
            return "session.attach_id";
        s->attach_id = (uint64_t)json_integer_value(id);
    }
    return NULL;
}

cs_err cs_modem_read(cs_modem *m, cs_subscription *sub,
                     cs_data_session *session)
{
    json_error_t jerr;
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
    json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (root == NULL || !json_is_object(root)) {
        cs_log(CS_LOG_ERROR, "modem %s: not a JSON object (%s)", m->path,
               root == NULL ? jerr.text : "wrong type");
        json_decref(root);
        return CS_E_SYNTAX;
    }
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
