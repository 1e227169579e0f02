/*
 * packet.c - the RADIUS packet codec: framing checks, attribute and 3GPP
 * sub-attribute iteration, the accounting authenticators, the writer and
 * the typed accounting fields (RFC 2865, RFC 2866, TS 29.061 §16.4).
 *
 * Parsing is done once, strictly, in cs_radius_parse; everything after it
 * (iteration, lookups, decoding) may then trust the framing.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <string.h>

#include "cellstrap/radius.h"
#include "crypto/crypto.h"

/* RFC 2865 §5.26: Type, Length, Vendor-Id (4) and at least one octet. */
#define VSA_MIN_LEN 7

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- Parsing --------------------------------------------------------- */

/* Sub-attributes of a 3GPP VSA must tile its value exactly: TS 29.061
 * fixes their layout, so a mismatch is a broken packet, not a dialect. */
static cs_err check_3gpp_subattrs(const uint8_t *p, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        if (len - pos < 2)
            return CS_E_BAD_LENGTH;
        uint8_t sub_len = p[pos + 1];
        if (sub_len < 2 || sub_len > len - pos)
            return CS_E_BAD_LENGTH;
        pos += sub_len;
    }
    return CS_OK;
}

static cs_err check_attribute(uint8_t type, const uint8_t *value, size_t len)
{
    if (type != CS_RADIUS_ATTR_VENDOR_SPECIFIC)
        return CS_OK;
    if (len + 2 < VSA_MIN_LEN)
        return CS_E_BAD_LENGTH;
    /* Other vendors' formats are theirs; only 3GPP's is ours to check. */
    if (get_u32(value) == CS_RADIUS_VENDOR_3GPP)
        return check_3gpp_subattrs(value + 4, len - 4);
    return CS_OK;
}

static cs_err check_attributes(const uint8_t *p, size_t len)
{
    size_t pos = CS_RADIUS_HEADER_LEN;
    while (pos < len) {
        if (len - pos < 2)
            return CS_E_TRAILING;
        uint8_t attr_len = p[pos + 1];
        if (attr_len < 2)
            return CS_E_BAD_LENGTH;
        if (attr_len > len - pos)
            return CS_E_TRUNCATED;
        cs_err err = check_attribute(p[pos], p + pos + 2, (size_t)attr_len - 2);
        if (err != CS_OK)
            return err;
        pos += attr_len;
    }
    return CS_OK;
}

cs_err cs_radius_parse(const uint8_t *dgram, size_t len, cs_radius_packet *out)
{
    memset(out, 0, sizeof *out);
    if (dgram == NULL || len < CS_RADIUS_HEADER_LEN)
        return CS_E_TRUNCATED;
    if (len > CS_RADIUS_MAX_LEN)
        return CS_E_TOO_LARGE;
    size_t length = (size_t)dgram[2] << 8 | dgram[3];
    if (length < CS_RADIUS_HEADER_LEN || length > CS_RADIUS_MAX_LEN)
        return CS_E_BAD_LENGTH;
    if (length > len)
        return CS_E_TRUNCATED;
    cs_err err = check_attributes(dgram, length);
    if (err != CS_OK)
        return err;
    out->data = dgram;
    out->length = length;
    out->code = dgram[0];
    out->identifier = dgram[1];
    out->authenticator = dgram + 4;
    return CS_OK;
}

void cs_radius_iter_init(cs_radius_iter *it, const cs_radius_packet *pkt)
{
    it->pkt = pkt;
    it->pos = CS_RADIUS_HEADER_LEN;
}

bool cs_radius_iter_next(cs_radius_iter *it, cs_radius_attr *out)
{
    const cs_radius_packet *pkt = it->pkt;
    if (pkt->data == NULL || it->pos + 2 > pkt->length)
        return false;
    const uint8_t *a = pkt->data + it->pos;
    out->type = a[0];
    out->len = (uint8_t)(a[1] - 2);
    out->value = a + 2;
    it->pos += a[1];
    return true;
}

cs_err cs_radius_find_3gpp(const cs_radius_packet *pkt, uint8_t vtype,
                           const uint8_t **value, size_t *len)
{
    cs_radius_iter it;
    cs_radius_attr a;
    bool found = false;
    cs_radius_iter_init(&it, pkt);
    while (cs_radius_iter_next(&it, &a)) {
        if (a.type != CS_RADIUS_ATTR_VENDOR_SPECIFIC ||
            get_u32(a.value) != CS_RADIUS_VENDOR_3GPP)
            continue;
        /* cs_radius_parse checked that the sub-attributes tile the value. */
        for (size_t pos = 4; pos < a.len; pos += a.value[pos + 1]) {
            if (a.value[pos] != vtype)
                continue;
            if (found)
                return CS_E_DUPLICATE;
            found = true;
            *value = a.value + pos + 2;
            *len = (size_t)a.value[pos + 1] - 2;
        }
    }
    return found ? CS_OK : CS_E_NOT_FOUND;
}

/* ---- Authenticators -------------------------------------------------- */

static bool secret_ok(const uint8_t *secret, size_t secret_len)
{
    return secret != NULL && secret_len > 0 && secret_len <= CS_RADIUS_MAX_SECRET;
}

/*
 * MD5 over the packet with its authenticator field replaced by `middle`,
 * then the secret (RFC 2866 §3; both directions differ only in `middle`).
 * cs_md5 is one-shot, so the input is assembled in one buffer, which is
 * wiped because it holds the secret.
 */
static void accounting_digest(const uint8_t *packet, size_t len,
                              const uint8_t middle[CS_RADIUS_AUTH_LEN],
                              const uint8_t *secret, size_t secret_len,
                              uint8_t out[CS_MD5_LEN])
{
    uint8_t in[CS_RADIUS_MAX_LEN + CS_RADIUS_MAX_SECRET];
    memcpy(in, packet, 4);
    memcpy(in + 4, middle, CS_RADIUS_AUTH_LEN);
    memcpy(in + CS_RADIUS_HEADER_LEN, packet + CS_RADIUS_HEADER_LEN,
           len - CS_RADIUS_HEADER_LEN);
    memcpy(in + len, secret, secret_len);
    cs_md5(in, len + secret_len, out);
    cs_secure_zero(in + len, secret_len);
}

static const uint8_t zero_auth[CS_RADIUS_AUTH_LEN];

cs_err cs_radius_verify_request(const cs_radius_packet *pkt,
                                const uint8_t *secret, size_t secret_len)
{
    if (!secret_ok(secret, secret_len) || pkt->data == NULL)
        return CS_E_INVALID_ARG;
    uint8_t want[CS_MD5_LEN];
    accounting_digest(pkt->data, pkt->length, zero_auth, secret, secret_len, want);
    return cs_ct_equal(want, pkt->authenticator, CS_RADIUS_AUTH_LEN)
               ? CS_OK : CS_E_SESSION;
}

cs_err cs_radius_verify_response(const cs_radius_packet *pkt,
                                 const uint8_t request_auth[CS_RADIUS_AUTH_LEN],
                                 const uint8_t *secret, size_t secret_len)
{
    if (!secret_ok(secret, secret_len) || pkt->data == NULL)
        return CS_E_INVALID_ARG;
    uint8_t want[CS_MD5_LEN];
    accounting_digest(pkt->data, pkt->length, request_auth, secret, secret_len,
                      want);
    return cs_ct_equal(want, pkt->authenticator, CS_RADIUS_AUTH_LEN)
               ? CS_OK : CS_E_SESSION;
}

/* ---- Writer ---------------------------------------------------------- */

void cs_radius_writer_init(cs_radius_writer *w, uint8_t *buf, size_t cap,
                           uint8_t code, uint8_t identifier)
{
    w->buf = buf;
    w->cap = cap > CS_RADIUS_ACCT_MAX_LEN ? CS_RADIUS_ACCT_MAX_LEN : cap;
    w->len = CS_RADIUS_HEADER_LEN;
    w->err = CS_OK;
    if (buf == NULL || w->cap < CS_RADIUS_HEADER_LEN) {
        w->err = CS_E_TOO_LARGE;
        return;
    }
    buf[0] = code;
    buf[1] = identifier;
    memset(buf + 2, 0, CS_RADIUS_HEADER_LEN - 2);
}

/* Reserve room for an attribute of `value_len` octets; NULL on error. */
static uint8_t *reserve(cs_radius_writer *w, uint8_t type, size_t value_len)
{
    if (w->err != CS_OK)
        return NULL;
    if (value_len > CS_RADIUS_MAX_VALUE) {
        w->err = CS_E_RANGE;
        return NULL;
    }
    if (w->cap - w->len < value_len + 2) {
        w->err = CS_E_TOO_LARGE;
        return NULL;
    }
    uint8_t *a = w->buf + w->len;
    a[0] = type;
    a[1] = (uint8_t)(value_len + 2);
    w->len += value_len + 2;
    return a + 2;
}

void cs_radius_add(cs_radius_writer *w, uint8_t type, const void *value,
                   size_t len)
{
    uint8_t *v = reserve(w, type, len);
    if (v != NULL && len > 0)
        memcpy(v, value, len);
}

void cs_radius_add_text(cs_radius_writer *w, uint8_t type, const char *text)
{
    size_t len = strnlen(text, CS_RADIUS_MAX_VALUE + 1);
    if (len == 0 && w->err == CS_OK)
        w->err = CS_E_RANGE;
    cs_radius_add(w, type, text, len);
}

void cs_radius_add_u32(cs_radius_writer *w, uint8_t type, uint32_t value)
{
    uint8_t v[4];
    put_u32(v, value);
    cs_radius_add(w, type, v, sizeof v);
}

void cs_radius_add_ipv4(cs_radius_writer *w, uint8_t type, const uint8_t ip[4])
{
    cs_radius_add(w, type, ip, 4);
}

void cs_radius_add_vsa(cs_radius_writer *w, uint32_t vendor, uint8_t vtype,
                       const void *value, size_t len)
{
    if (w->err == CS_OK && len > CS_RADIUS_MAX_VALUE - 6) {
        w->err = CS_E_RANGE;
        return;
    }
    uint8_t *v = reserve(w, CS_RADIUS_ATTR_VENDOR_SPECIFIC, len + 6);
    if (v == NULL)
        return;
    put_u32(v, vendor);
    v[4] = vtype;
    v[5] = (uint8_t)(len + 2);
    if (len > 0)
        memcpy(v + 6, value, len);
}

static cs_err finish(cs_radius_writer *w, const uint8_t middle[CS_RADIUS_AUTH_LEN],
                     const uint8_t *secret, size_t secret_len, size_t *out_len)
{
    if (w->err != CS_OK)
        return w->err;
    if (!secret_ok(secret, secret_len))
        return CS_E_INVALID_ARG;
    w->buf[2] = (uint8_t)(w->len >> 8);
    w->buf[3] = (uint8_t)w->len;
    uint8_t auth[CS_MD5_LEN];
    accounting_digest(w->buf, w->len, middle, secret, secret_len, auth);
    memcpy(w->buf + 4, auth, CS_RADIUS_AUTH_LEN);
    *out_len = w->len;
    return CS_OK;
}

cs_err cs_radius_finish_request(cs_radius_writer *w, const uint8_t *secret,
                                size_t secret_len, size_t *out_len)
{
    return finish(w, zero_auth, secret, secret_len, out_len);
}

cs_err cs_radius_finish_response(cs_radius_writer *w,
                                 const uint8_t request_auth[CS_RADIUS_AUTH_LEN],
                                 const uint8_t *secret, size_t secret_len,
                                 size_t *out_len)
{
    return finish(w, request_auth, secret, secret_len, out_len);
}

/* ---- Typed accounting fields ----------------------------------------- */

/* Record that `bit` was seen; a second sighting is an error because two
 * addresses or two IMSIs in one record would make the binding ambiguous. */
static cs_err mark(cs_radius_acct *acct, uint32_t bit)
{
    if (acct->present & bit)
        return CS_E_DUPLICATE;
    acct->present |= bit;
    return CS_OK;
}

static cs_err read_u32(cs_radius_acct *acct, uint32_t bit, const cs_radius_attr *a,
                       uint32_t *out)
{
    cs_err err = mark(acct, bit);
    if (err != CS_OK)
        return err;
    if (a->len != 4)
        return CS_E_BAD_LENGTH;
    *out = get_u32(a->value);
    return CS_OK;
}

static cs_err read_ipv4(cs_radius_acct *acct, uint32_t bit, const cs_radius_attr *a,
                        uint8_t out[4])
{
    cs_err err = mark(acct, bit);
    if (err != CS_OK)
        return err;
    if (a->len != 4)
        return CS_E_BAD_LENGTH;
    memcpy(out, a->value, 4);
    return CS_OK;
}

/* RFC 2865 §5 forbids empty text; a NUL would cut our C string short and
 * let two different values compare equal. */
static cs_err copy_text(const uint8_t *value, size_t len, char *out, size_t cap)
{
    if (len == 0 || len >= cap)
        return len == 0 ? CS_E_ENCODING : CS_E_BAD_LENGTH;
    if (memchr(value, 0, len) != NULL)
        return CS_E_ENCODING;
    memcpy(out, value, len);
    out[len] = '\0';
    return CS_OK;
}

static cs_err read_text(cs_radius_acct *acct, uint32_t bit, const cs_radius_attr *a,
                        char *out, size_t cap)
{
    cs_err err = mark(acct, bit);
    return err != CS_OK ? err : copy_text(a->value, a->len, out, cap);
}

static cs_err copy_digits(const uint8_t *value, size_t len, size_t min, size_t max,
                          char *out)
{
    if (len < min || len > max)
        return CS_E_SYNTAX;
    for (size_t i = 0; i < len; i++)
        if (value[i] < '0' || value[i] > '9')
            return CS_E_SYNTAX;
    memcpy(out, value, len);
    out[len] = '\0';
    return CS_OK;
}

static cs_err decode_standard(cs_radius_acct *o, const cs_radius_attr *a)
{
    switch (a->type) {
    case CS_RADIUS_ATTR_ACCT_STATUS_TYPE:
        return read_u32(o, CS_ACCT_HAS_STATUS, a, &o->status_type);
    case CS_RADIUS_ATTR_USER_NAME:
        return read_text(o, CS_ACCT_HAS_USER_NAME, a, o->user_name, sizeof o->user_name);
    case CS_RADIUS_ATTR_FRAMED_IP_ADDRESS:
        return read_ipv4(o, CS_ACCT_HAS_FRAMED_IP, a, o->framed_ip);
    case CS_RADIUS_ATTR_CALLING_STATION_ID:
        return read_text(o, CS_ACCT_HAS_MSISDN, a, o->msisdn, sizeof o->msisdn);
    case CS_RADIUS_ATTR_CALLED_STATION_ID:
        return read_text(o, CS_ACCT_HAS_APN, a, o->apn, sizeof o->apn);
    case CS_RADIUS_ATTR_ACCT_SESSION_ID:
        return read_text(o, CS_ACCT_HAS_SESSION_ID, a, o->session_id,
                         sizeof o->session_id);
    case CS_RADIUS_ATTR_NAS_IP_ADDRESS:
        return read_ipv4(o, CS_ACCT_HAS_NAS_IP, a, o->nas_ip);
    case CS_RADIUS_ATTR_NAS_IDENTIFIER:
        return read_text(o, CS_ACCT_HAS_NAS_IDENTIFIER, a, o->nas_identifier,
                         sizeof o->nas_identifier);
    case CS_RADIUS_ATTR_EVENT_TIMESTAMP:
        return read_u32(o, CS_ACCT_HAS_EVENT_TIMESTAMP, a, &o->event_timestamp);
    case CS_RADIUS_ATTR_ACCT_DELAY_TIME:
        return read_u32(o, CS_ACCT_HAS_DELAY_TIME, a, &o->delay_time);
    case CS_RADIUS_ATTR_ACCT_SESSION_TIME:
        return read_u32(o, CS_ACCT_HAS_SESSION_TIME, a, &o->session_time);
    case CS_RADIUS_ATTR_ACCT_TERMINATE_CAUSE:
        return read_u32(o, CS_ACCT_HAS_TERMINATE_CAUSE, a, &o->terminate_cause);
    default:
        return CS_OK;
    }
}

/* The 3GPP sub-attributes we read; cs_radius_find_3gpp reports repeats. */
static cs_err decode_3gpp(const cs_radius_packet *pkt, cs_radius_acct *o)
{
    const uint8_t *v;
    size_t len;
    cs_err err = cs_radius_find_3gpp(pkt, CS_RADIUS_3GPP_IMSI, &v, &len);
    if (err == CS_OK && (err = copy_digits(v, len, 6, 15, o->imsi)) == CS_OK)
        o->present |= CS_ACCT_HAS_IMSI;
    if (err != CS_OK && err != CS_E_NOT_FOUND)
        return err;
    err = cs_radius_find_3gpp(pkt, CS_RADIUS_3GPP_IMEISV, &v, &len);
    if (err == CS_OK && (err = copy_digits(v, len, 16, 16, o->imeisv)) == CS_OK)
        o->present |= CS_ACCT_HAS_IMEISV;
    if (err != CS_OK && err != CS_E_NOT_FOUND)
        return err;
    err = cs_radius_find_3gpp(pkt, CS_RADIUS_3GPP_SGSN_MCC_MNC, &v, &len);
    if (err == CS_OK && (err = copy_digits(v, len, 5, 6, o->sgsn_mcc_mnc)) == CS_OK)
        o->present |= CS_ACCT_HAS_SGSN_MCC_MNC;
    if (err != CS_OK && err != CS_E_NOT_FOUND)
        return err;
    err = cs_radius_find_3gpp(pkt, CS_RADIUS_3GPP_RAT_TYPE, &v, &len);
    if (err == CS_OK) {
        if (len != 1)
            return CS_E_BAD_LENGTH;
        o->rat_type = v[0];
        o->present |= CS_ACCT_HAS_RAT_TYPE;
    }
    return err == CS_E_NOT_FOUND ? CS_OK : err;
}

cs_err cs_radius_acct_decode(const cs_radius_packet *pkt, cs_radius_acct *out)
{
    memset(out, 0, sizeof *out);
    if (pkt->data == NULL)
        return CS_E_INVALID_ARG;
    cs_radius_iter it;
    cs_radius_attr a;
    cs_err err = CS_OK;
    cs_radius_iter_init(&it, pkt);
    while (err == CS_OK && cs_radius_iter_next(&it, &a))
        err = decode_standard(out, &a);
    if (err == CS_OK)
        err = decode_3gpp(pkt, out);
    if (err == CS_OK && !(out->present & CS_ACCT_HAS_STATUS))
        err = CS_E_NOT_FOUND;
    if (err != CS_OK)
        memset(out, 0, sizeof *out);
    return err;
}

static void add_text_if(cs_radius_writer *w, const cs_radius_acct *a, uint32_t bit,
                        uint8_t type, const char *text)
{
    if (a->present & bit)
        cs_radius_add_text(w, type, text);
}

static void add_u32_if(cs_radius_writer *w, const cs_radius_acct *a, uint32_t bit,
                       uint8_t type, uint32_t value)
{
    if (a->present & bit)
        cs_radius_add_u32(w, type, value);
}

static void add_3gpp_text_if(cs_radius_writer *w, const cs_radius_acct *a,
                             uint32_t bit, uint8_t vtype, const char *text)
{
    if (a->present & bit)
        cs_radius_add_vsa(w, CS_RADIUS_VENDOR_3GPP, vtype, text, strlen(text));
}

cs_err cs_radius_acct_encode(const cs_radius_acct *a, uint8_t identifier,
                             const uint8_t *secret, size_t secret_len,
                             uint8_t *buf, size_t cap, size_t *out_len)
{
    if (!(a->present & CS_ACCT_HAS_STATUS))
        return CS_E_INVALID_ARG;
    cs_radius_writer w;
    cs_radius_writer_init(&w, buf, cap, CS_RADIUS_ACCOUNTING_REQUEST, identifier);
    cs_radius_add_u32(&w, CS_RADIUS_ATTR_ACCT_STATUS_TYPE, a->status_type);
    add_text_if(&w, a, CS_ACCT_HAS_USER_NAME, CS_RADIUS_ATTR_USER_NAME, a->user_name);
    if (a->present & CS_ACCT_HAS_FRAMED_IP)
        cs_radius_add_ipv4(&w, CS_RADIUS_ATTR_FRAMED_IP_ADDRESS, a->framed_ip);
    add_text_if(&w, a, CS_ACCT_HAS_MSISDN, CS_RADIUS_ATTR_CALLING_STATION_ID, a->msisdn);
    add_text_if(&w, a, CS_ACCT_HAS_APN, CS_RADIUS_ATTR_CALLED_STATION_ID, a->apn);
    add_text_if(&w, a, CS_ACCT_HAS_SESSION_ID, CS_RADIUS_ATTR_ACCT_SESSION_ID,
                a->session_id);
    if (a->present & CS_ACCT_HAS_NAS_IP)
        cs_radius_add_ipv4(&w, CS_RADIUS_ATTR_NAS_IP_ADDRESS, a->nas_ip);
    add_text_if(&w, a, CS_ACCT_HAS_NAS_IDENTIFIER, CS_RADIUS_ATTR_NAS_IDENTIFIER,
                a->nas_identifier);
    add_u32_if(&w, a, CS_ACCT_HAS_EVENT_TIMESTAMP, CS_RADIUS_ATTR_EVENT_TIMESTAMP,
               a->event_timestamp);
    add_u32_if(&w, a, CS_ACCT_HAS_DELAY_TIME, CS_RADIUS_ATTR_ACCT_DELAY_TIME,
               a->delay_time);
    add_u32_if(&w, a, CS_ACCT_HAS_SESSION_TIME, CS_RADIUS_ATTR_ACCT_SESSION_TIME,
               a->session_time);
    add_u32_if(&w, a, CS_ACCT_HAS_TERMINATE_CAUSE, CS_RADIUS_ATTR_ACCT_TERMINATE_CAUSE,
               a->terminate_cause);
    add_3gpp_text_if(&w, a, CS_ACCT_HAS_IMSI, CS_RADIUS_3GPP_IMSI, a->imsi);
    add_3gpp_text_if(&w, a, CS_ACCT_HAS_IMEISV, CS_RADIUS_3GPP_IMEISV, a->imeisv);
    if (a->present & CS_ACCT_HAS_RAT_TYPE)
        cs_radius_add_vsa(&w, CS_RADIUS_VENDOR_3GPP, CS_RADIUS_3GPP_RAT_TYPE,
                          &a->rat_type, 1);
    add_3gpp_text_if(&w, a, CS_ACCT_HAS_SGSN_MCC_MNC, CS_RADIUS_3GPP_SGSN_MCC_MNC,
                     a->sgsn_mcc_mnc);
    return cs_radius_finish_request(&w, secret, secret_len, out_len);
}

const char *cs_radius_status_name(uint32_t status_type)
{
    switch (status_type) {
    case CS_RADIUS_ACCT_START: return "Start";
    case CS_RADIUS_ACCT_STOP: return "Stop";
    case CS_RADIUS_ACCT_INTERIM: return "Interim-Update";
    case CS_RADIUS_ACCT_ON: return "Accounting-On";
    case CS_RADIUS_ACCT_OFF: return "Accounting-Off";
    default: return "other";
    }
}
