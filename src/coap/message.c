/*
 * message.c - the CoAP message codec: datagram bytes to cs_coap_msg and
 * back (RFC 7252 §3), option definitions, builders and readers.
 *
 * Parsing is a single forward pass over the datagram with no allocation;
 * the message borrows the datagram for option values and payload.  The
 * option definition table below is the only place that knows about
 * individual options.
 */
#include <string.h>

#include "cellstrap/coap.h"

/* ---- Option definitions ------------------------------------------------ */

/* Value length range and repeatability of an option we know (RFC 7252
 * Table 4 and the RFCs named in coap.h), sorted by number. */
typedef struct opt_def {
    uint16_t number;
    uint16_t min_len;
    uint16_t max_len;
    bool repeatable;
} opt_def;

static const opt_def opt_defs[] = {
    { CS_COAP_OPT_IF_MATCH, 0, 8, true },
    { CS_COAP_OPT_URI_HOST, 1, 255, false },
    { CS_COAP_OPT_ETAG, 1, 8, true },
    { CS_COAP_OPT_IF_NONE_MATCH, 0, 0, false },
    { CS_COAP_OPT_OBSERVE, 0, 3, false },
    { CS_COAP_OPT_URI_PORT, 0, 2, false },
    { CS_COAP_OPT_LOCATION_PATH, 0, 255, true },
    { CS_COAP_OPT_OSCORE, 0, 255, false },
    { CS_COAP_OPT_URI_PATH, 0, 255, true },
    { CS_COAP_OPT_CONTENT_FORMAT, 0, 2, false },
    { CS_COAP_OPT_MAX_AGE, 0, 4, false },
    { CS_COAP_OPT_URI_QUERY, 0, 255, true },
    { CS_COAP_OPT_HOP_LIMIT, 1, 1, false },
    { CS_COAP_OPT_ACCEPT, 0, 2, false },
    { CS_COAP_OPT_Q_BLOCK1, 0, 3, false },
    { CS_COAP_OPT_LOCATION_QUERY, 0, 255, true },
    { CS_COAP_OPT_BLOCK2, 0, 3, false },
    { CS_COAP_OPT_BLOCK1, 0, 3, false },
    { CS_COAP_OPT_SIZE2, 0, 4, false },
    { CS_COAP_OPT_Q_BLOCK2, 0, 3, true },
    { CS_COAP_OPT_PROXY_URI, 1, 1034, false },
    { CS_COAP_OPT_PROXY_SCHEME, 1, 255, false },
    { CS_COAP_OPT_SIZE1, 0, 4, false },
    { CS_COAP_OPT_ECHO, 1, 40, false },
    { CS_COAP_OPT_NO_RESPONSE, 0, 1, false },
    { CS_COAP_OPT_REQUEST_TAG, 0, 8, true },
};

#define OPT_DEF_COUNT (sizeof opt_defs / sizeof opt_defs[0])

/* Binary search: this runs once per option of every datagram. */
static const opt_def *find_def(uint16_t number)
{
    size_t lo = 0, hi = OPT_DEF_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (opt_defs[mid].number == number)
            return &opt_defs[mid];
        if (opt_defs[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool cs_coap_opt_is_known(uint16_t number)
{
    return find_def(number) != NULL;
}

static bool length_fits(const opt_def *def, size_t len)
{
    return def == NULL || (len >= def->min_len && len <= def->max_len);
}

void cs_coap_code_text(uint8_t code, char out[CS_COAP_CODE_TEXT_MAX])
{
    unsigned detail = cs_coap_code_detail(code);
    out[0] = (char)('0' + cs_coap_code_class(code));
    out[1] = '.';
    out[2] = (char)('0' + detail / 10);
    out[3] = (char)('0' + detail % 10);
    out[4] = '\0';
}

/* ---- Parsing ----------------------------------------------------------- */

bool cs_coap_peek_header(const uint8_t *data, size_t len, uint8_t *type,
                         uint8_t *code, uint16_t *mid)
{
    if (data == NULL || len < CS_COAP_HEADER_LEN
        || (data[0] >> 6) != CS_COAP_VERSION)
        return false;
    if (type != NULL)
        *type = (uint8_t)((data[0] >> 4) & 3);
    if (code != NULL)
        *code = data[1];
    if (mid != NULL)
        *mid = (uint16_t)(data[2] << 8 | data[3]);
    return true;
}

/*
 * Resolve an option delta or length nibble (RFC 7252 §3.1): 0..12 stand
 * for themselves, 13 and 14 take one or two more bytes (plus 13 or 269),
 * 15 is reserved for the payload marker.  *pos is advanced past the
 * extended bytes.
 */
static cs_err read_extended(const uint8_t *data, size_t len, size_t *pos,
                            unsigned nibble, uint32_t *out)
{
    if (nibble < 13) {
        *out = nibble;
    } else if (nibble == 13) {
        if (len - *pos < 1)
            return CS_E_TRUNCATED;
        *out = 13u + data[*pos];
        *pos += 1;
    } else if (nibble == 14) {
        if (len - *pos < 2)
            return CS_E_TRUNCATED;
        *out = 269u + ((uint32_t)data[*pos] << 8 | data[*pos + 1]);
        *pos += 2;
    } else {
        return CS_E_SYNTAX;
    }
    return CS_OK;
}

/* What parse_options found that is not a format error, worst first. */
typedef struct parse_state {
    bool too_large;   /* an option that does not fit our bounds */
    bool bad_option;  /* a critical option treated as unrecognized */
} parse_state;

/*
 * Decide the fate of one well-formed option: keep it, drop it (elective
 * and invalid for its definition) or note a bad critical option.
 * `repeated` says the previous option on the wire had the same number.
 */
static void take_option(cs_coap_msg *msg, parse_state *st, uint16_t number,
                        const uint8_t *value, uint32_t len, bool repeated)
{
    const opt_def *def = find_def(number);
    bool valid = length_fits(def, len)
                 && !(repeated && def != NULL && !def->repeatable);
    if (!valid) {
        if (cs_coap_opt_is_critical(number))
            st->bad_option = true;
        return;                        /* elective: silently ignored */
    }
    if (len > CS_COAP_OPTION_VALUE_MAX
        || msg->option_count == CS_COAP_MAX_OPTIONS) {
        st->too_large = true;
        return;
    }
    cs_coap_option *opt = &msg->options[msg->option_count++];
    opt->number = number;
    opt->len = (uint16_t)len;
    opt->value = len ? value : NULL;
}

/* Parse from data[pos] to the end: options, then the optional payload. */
static cs_err parse_options(const uint8_t *data, size_t len, size_t pos,
                            cs_coap_msg *msg, parse_state *st)
{
    uint32_t number = 0;
    bool first = true;
    while (pos < len) {
        uint8_t byte = data[pos++];
        if (byte == CS_COAP_PAYLOAD_MARKER) {
            if (pos == len)
                return CS_E_SYNTAX;    /* marker must precede a payload */
            msg->payload = data + pos;
            msg->payload_len = len - pos;
            return CS_OK;
        }
        uint32_t delta, optlen;
        cs_err err = read_extended(data, len, &pos, byte >> 4, &delta);
        if (err == CS_OK)
            err = read_extended(data, len, &pos, byte & 0x0f, &optlen);
        if (err != CS_OK)
            return err;
        number += delta;
        if (number > 0xFFFF)
            return CS_E_SYNTAX;
        if (optlen > len - pos)
            return CS_E_TRUNCATED;
        take_option(msg, st, (uint16_t)number, data + pos, optlen,
                    !first && delta == 0);
        pos += optlen;
        first = false;
    }
    return CS_OK;
}

cs_err cs_coap_parse(const uint8_t *data, size_t len, cs_coap_msg *msg)
{
    if (msg == NULL || (data == NULL && len != 0))
        return CS_E_INVALID_ARG;
    memset(msg, 0, offsetof(cs_coap_msg, options));
    msg->payload = NULL;
    msg->payload_len = 0;
    msg->uint_area_len = 0;
    if (len < CS_COAP_HEADER_LEN)
        return CS_E_TRUNCATED;
    if ((data[0] >> 6) != CS_COAP_VERSION)
        return CS_E_SYNTAX;
    unsigned tkl = data[0] & 0x0f;
    msg->type = (uint8_t)((data[0] >> 4) & 3);
    msg->code = data[1];
    msg->mid = (uint16_t)(data[2] << 8 | data[3]);
    if (tkl > CS_COAP_TOKEN_MAX)
        return CS_E_BAD_LENGTH;
    if (msg->code == CS_COAP_CODE_EMPTY) {
        /* RFC 7252 §4.1: nothing may follow the Message ID. */
        if (tkl != 0)
            return CS_E_BAD_LENGTH;
        return len == CS_COAP_HEADER_LEN ? CS_OK : CS_E_TRAILING;
    }
    if (len - CS_COAP_HEADER_LEN < tkl)
        return CS_E_TRUNCATED;
    memcpy(msg->token, data + CS_COAP_HEADER_LEN, tkl);
    msg->token_len = (uint8_t)tkl;

    parse_state st = { false, false };
    cs_err err = parse_options(data, len, CS_COAP_HEADER_LEN + tkl, msg, &st);
    if (err != CS_OK)
        return err;
    if (st.too_large)
        return CS_E_TOO_LARGE;
    return st.bad_option ? CS_E_BAD_OPTION : CS_OK;
}

cs_err cs_coap_check_critical(const cs_coap_msg *msg, const uint16_t *known,
                              size_t known_count, uint16_t *bad)
{
    for (size_t i = 0; i < msg->option_count; i++) {
        uint16_t number = msg->options[i].number;
        if (!cs_coap_opt_is_critical(number))
            continue;
        bool recognized = false;
        if (known == NULL) {
            recognized = cs_coap_opt_is_known(number);
        } else {
            for (size_t k = 0; k < known_count && !recognized; k++)
                recognized = known[k] == number;
        }
        if (!recognized) {
            if (bad != NULL)
                *bad = number;
            return CS_E_BAD_OPTION;
        }
    }
    return CS_OK;
}

/* ---- Serializing ------------------------------------------------------- */

/* A bounded writer over the caller's buffer. */
typedef struct writer {
    uint8_t *out;
    size_t cap;
    size_t len;
} writer;

static cs_err put_byte(writer *w, uint8_t byte)
{
    if (w->len == w->cap)
        return CS_E_TOO_LARGE;
    w->out[w->len++] = byte;
    return CS_OK;
}

static cs_err put_bytes(writer *w, const uint8_t *data, size_t len)
{
    if (w->cap - w->len < len)
        return CS_E_TOO_LARGE;
    if (len != 0)
        memcpy(w->out + w->len, data, len);
    w->len += len;
    return CS_OK;
}

/* The nibble for a delta or length, and how many extended bytes follow. */
static unsigned nibble_for(uint32_t v, size_t *ext_len)
{
    if (v < 13) {
        *ext_len = 0;
        return v;
    }
    if (v < 269) {
        *ext_len = 1;
        return 13;
    }
    *ext_len = 2;
    return 14;
}

static void put_extended(uint8_t *p, size_t ext_len, uint32_t v)
{
    if (ext_len == 1) {
        p[0] = (uint8_t)(v - 13);
    } else if (ext_len == 2) {
        uint32_t e = v - 269;
        p[0] = (uint8_t)(e >> 8);
        p[1] = (uint8_t)e;
    }
}

/* One option header (shortest delta and length forms) and its value. */
static cs_err put_option(writer *w, uint32_t delta, const cs_coap_option *opt)
{
    size_t dext, lext;
    unsigned dn = nibble_for(delta, &dext);
    unsigned ln = nibble_for(opt->len, &lext);
    uint8_t head[5];
    head[0] = (uint8_t)(dn << 4 | ln);
    put_extended(head + 1, dext, delta);
    put_extended(head + 1 + dext, lext, opt->len);
    cs_err err = put_bytes(w, head, 1 + dext + lext);
    if (err == CS_OK)
        err = put_bytes(w, opt->value, opt->len);
    return err;
}

/* Everything serialize refuses before writing a byte. */
static cs_err check_serializable(const cs_coap_msg *msg)
{
    if (msg->type > CS_COAP_TYPE_RST || msg->token_len > CS_COAP_TOKEN_MAX
        || msg->option_count > CS_COAP_MAX_OPTIONS
        || (msg->payload_len != 0 && msg->payload == NULL))
        return CS_E_INVALID_ARG;
    if (msg->code == CS_COAP_CODE_EMPTY
        && (msg->token_len != 0 || msg->option_count != 0
            || msg->payload_len != 0))
        return CS_E_INVALID_ARG;
    for (size_t i = 0; i < msg->option_count; i++) {
        const cs_coap_option *opt = &msg->options[i];
        if (opt->len != 0 && opt->value == NULL)
            return CS_E_INVALID_ARG;
        if (!length_fits(find_def(opt->number), opt->len))
            return CS_E_BAD_LENGTH;
    }
    return CS_OK;
}

/* Indices of msg's options in ascending number order, equal numbers kept
 * in array order (insertion sort: at most 32 items, usually sorted). */
static void sort_options(const cs_coap_msg *msg,
                         uint8_t order[CS_COAP_MAX_OPTIONS])
{
    for (size_t i = 0; i < msg->option_count; i++) {
        size_t j = i;
        while (j > 0 && msg->options[order[j - 1]].number
                            > msg->options[i].number) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
}

cs_err cs_coap_serialize(const cs_coap_msg *msg, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    if (msg == NULL || out_len == NULL || (out == NULL && cap != 0))
        return CS_E_INVALID_ARG;
    cs_err err = check_serializable(msg);
    if (err != CS_OK)
        return err;

    writer w = { out, cap, 0 };
    uint8_t head[CS_COAP_HEADER_LEN] = {
        (uint8_t)(CS_COAP_VERSION << 6 | msg->type << 4 | msg->token_len),
        msg->code, (uint8_t)(msg->mid >> 8), (uint8_t)msg->mid
    };
    err = put_bytes(&w, head, sizeof head);
    if (err == CS_OK)
        err = put_bytes(&w, msg->token, msg->token_len);

    uint8_t order[CS_COAP_MAX_OPTIONS];
    sort_options(msg, order);
    uint32_t prev = 0;
    for (size_t i = 0; i < msg->option_count && err == CS_OK; i++) {
        const cs_coap_option *opt = &msg->options[order[i]];
        err = put_option(&w, opt->number - prev, opt);
        prev = opt->number;
    }
    if (err == CS_OK && msg->payload_len != 0) {
        err = put_byte(&w, CS_COAP_PAYLOAD_MARKER);
        if (err == CS_OK)
            err = put_bytes(&w, msg->payload, msg->payload_len);
    }
    if (err != CS_OK)
        return err;
    *out_len = w.len;
    return CS_OK;
}

/* ---- Building ---------------------------------------------------------- */

void cs_coap_init(cs_coap_msg *msg, uint8_t type, uint8_t code,
                  uint16_t mid)
{
    memset(msg, 0, offsetof(cs_coap_msg, options));
    msg->type = type;
    msg->code = code;
    msg->mid = mid;
    msg->payload = NULL;
    msg->payload_len = 0;
    msg->uint_area_len = 0;
}

cs_err cs_coap_set_token(cs_coap_msg *msg, const uint8_t *token, size_t len)
{
    if (len > CS_COAP_TOKEN_MAX || (token == NULL && len != 0))
        return CS_E_INVALID_ARG;
    if (len != 0)
        memcpy(msg->token, token, len);
    msg->token_len = (uint8_t)len;
    return CS_OK;
}

void cs_coap_set_payload(cs_coap_msg *msg, const void *data, size_t len)
{
    msg->payload = len ? data : NULL;
    msg->payload_len = len;
}

/* Room for `n` more options? */
static cs_err check_room(const cs_coap_msg *msg, size_t n)
{
    if (n > (size_t)(CS_COAP_MAX_OPTIONS - msg->option_count))
        return CS_E_TOO_LARGE;
    return CS_OK;
}

/* Insert after every option whose number is <= `number`, keeping the
 * array sorted and repeated options in the order they were added. */
static void insert_option(cs_coap_msg *msg, uint16_t number,
                          const uint8_t *value, size_t len)
{
    size_t at = msg->option_count;
    while (at > 0 && msg->options[at - 1].number > number) {
        msg->options[at] = msg->options[at - 1];
        at--;
    }
    msg->options[at].number = number;
    msg->options[at].len = (uint16_t)len;
    msg->options[at].value = len ? value : NULL;
    msg->option_count++;
}

cs_err cs_coap_add_option(cs_coap_msg *msg, uint16_t number,
                          const void *value, size_t len)
{
    if (value == NULL && len != 0)
        return CS_E_INVALID_ARG;
    if (len > CS_COAP_OPTION_VALUE_MAX || !length_fits(find_def(number), len))
        return CS_E_BAD_LENGTH;
    cs_err err = check_room(msg, 1);
    if (err != CS_OK)
        return err;
    insert_option(msg, number, value, len);
    return CS_OK;
}

cs_err cs_coap_add_string(cs_coap_msg *msg, uint16_t number,
                          const char *value)
{
    if (value == NULL)
        return CS_E_INVALID_ARG;
    return cs_coap_add_option(msg, number, value, strlen(value));
}

cs_err cs_coap_add_uint(cs_coap_msg *msg, uint16_t number, uint32_t value)
{
    uint8_t be[4];
    size_t len = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        uint8_t byte = (uint8_t)(value >> shift);
        if (byte != 0 || len != 0)
            be[len++] = byte;
    }
    if (!length_fits(find_def(number), len))
        return CS_E_BAD_LENGTH;
    cs_err err = check_room(msg, 1);
    if (err != CS_OK)
        return err;
    /* At most one uint per option slot, 4 bytes each, so the area cannot
     * fill up unless the caller shrank option_count behind our back. */
    if (len > sizeof msg->uint_area - msg->uint_area_len)
        return CS_E_TOO_LARGE;
    uint8_t *dst = msg->uint_area + msg->uint_area_len;
    if (len != 0)
        memcpy(dst, be, len);
    msg->uint_area_len = (uint8_t)(msg->uint_area_len + len);
    insert_option(msg, number, dst, len);
    return CS_OK;
}

/*
 * Split text[0..len) on `sep` into options `number`: first count and check
 * every item, then add them, so a failure leaves msg unchanged.
 */
static cs_err add_split(cs_coap_msg *msg, uint16_t number, const char *text,
                        size_t len, char sep)
{
    if (text == NULL && len != 0)
        return CS_E_INVALID_ARG;
    if (len == 0)
        return CS_OK;
    const opt_def *def = find_def(number);
    size_t items = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == sep) {
            if (i - start > CS_COAP_OPTION_VALUE_MAX
                || !length_fits(def, i - start))
                return CS_E_BAD_LENGTH;
            items++;
            start = i + 1;
        }
    }
    cs_err err = check_room(msg, items);
    if (err != CS_OK)
        return err;
    start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == sep) {
            insert_option(msg, number, (const uint8_t *)text + start,
                          i - start);
            start = i + 1;
        }
    }
    return CS_OK;
}

cs_err cs_coap_add_path(cs_coap_msg *msg, uint16_t number, const char *path,
                        size_t len)
{
    if (len > 0 && path != NULL && path[0] == '/') {
        path++;
        len--;
    }
    return add_split(msg, number, path, len, '/');
}

cs_err cs_coap_add_query(cs_coap_msg *msg, uint16_t number,
                         const char *query, size_t len)
{
    if (len > 0 && query != NULL && query[0] == '?') {
        query++;
        len--;
    }
    return add_split(msg, number, query, len, '&');
}

/* ---- Reading ----------------------------------------------------------- */

const cs_coap_option *cs_coap_next(const cs_coap_msg *msg,
                                   const cs_coap_option *prev,
                                   uint16_t number)
{
    size_t i = prev == NULL ? 0 : (size_t)(prev - msg->options) + 1;
    for (; i < msg->option_count; i++)
        if (msg->options[i].number == number)
            return &msg->options[i];
    return NULL;
}

const cs_coap_option *cs_coap_find(const cs_coap_msg *msg, uint16_t number)
{
    return cs_coap_next(msg, NULL, number);
}

size_t cs_coap_count(const cs_coap_msg *msg, uint16_t number)
{
    size_t n = 0;
    for (size_t i = 0; i < msg->option_count; i++)
        n += msg->options[i].number == number;
    return n;
}

cs_err cs_coap_option_uint(const cs_coap_option *opt, uint32_t *out)
{
    if (opt->len > 4)
        return CS_E_BAD_LENGTH;
    uint32_t v = 0;
    for (size_t i = 0; i < opt->len; i++)
        v = v << 8 | opt->value[i];
    *out = v;
    return CS_OK;
}

cs_err cs_coap_get_uint(const cs_coap_msg *msg, uint16_t number,
                        uint32_t *out)
{
    const cs_coap_option *opt = cs_coap_find(msg, number);
    if (opt == NULL)
        return CS_E_NOT_FOUND;
    return cs_coap_option_uint(opt, out);
}

cs_err cs_coap_get_strings(const cs_coap_msg *msg, uint16_t number,
                           const char **segs, size_t *lens, size_t cap,
                           size_t *count)
{
    size_t n = 0;
    for (const cs_coap_option *opt = cs_coap_find(msg, number); opt != NULL;
         opt = cs_coap_next(msg, opt, number)) {
        if (n == cap)
            return CS_E_TOO_LARGE;
        /* An empty value may have no pointer; give callers a valid one. */
        segs[n] = opt->value != NULL ? (const char *)opt->value : "";
        lens[n] = opt->len;
        n++;
    }
    *count = n;
    return CS_OK;
}

cs_err cs_coap_get_query(const cs_coap_msg *msg, const char *name,
                         const char **value, size_t *len)
{
    size_t name_len = strlen(name);
    const cs_coap_option *found = NULL;
    for (const cs_coap_option *opt = cs_coap_find(msg, CS_COAP_OPT_URI_QUERY);
         opt != NULL; opt = cs_coap_next(msg, opt, CS_COAP_OPT_URI_QUERY)) {
        if (opt->len < name_len
            || (name_len != 0 && memcmp(opt->value, name, name_len) != 0))
            continue;
        if (opt->len != name_len && opt->value[name_len] != '=')
            continue;                  /* "epx=1" is not "ep" */
        if (found != NULL)
            return CS_E_DUPLICATE;
        found = opt;
    }
    if (found == NULL)
        return CS_E_NOT_FOUND;
    if (found->len == name_len) {
        *value = "";
        *len = 0;
    } else {
        *value = (const char *)found->value + name_len + 1;
        *len = found->len - name_len - 1;
    }
    return CS_OK;
}

/* Content-Format and Accept are both 0..2-byte uints (the parser and the
 * builders enforce the length), so they fit uint16_t. */
static cs_err get_format(const cs_coap_msg *msg, uint16_t number,
                         uint16_t *format)
{
    uint32_t v;
    cs_err err = cs_coap_get_uint(msg, number, &v);
    if (err != CS_OK)
        return err;
    if (v > 0xFFFF)
        return CS_E_BAD_LENGTH;
    *format = (uint16_t)v;
    return CS_OK;
}

cs_err cs_coap_get_content_format(const cs_coap_msg *msg, uint16_t *format)
{
    return get_format(msg, CS_COAP_OPT_CONTENT_FORMAT, format);
}

cs_err cs_coap_get_accept(const cs_coap_msg *msg, uint16_t *format)
{
    return get_format(msg, CS_COAP_OPT_ACCEPT, format);
}

cs_err cs_coap_add_content_format(cs_coap_msg *msg, uint16_t format)
{
    return cs_coap_add_uint(msg, CS_COAP_OPT_CONTENT_FORMAT, format);
}

cs_err cs_coap_add_accept(cs_coap_msg *msg, uint16_t format)
{
    return cs_coap_add_uint(msg, CS_COAP_OPT_ACCEPT, format);
}

/* ---- Block-wise -------------------------------------------------------- */

cs_err cs_coap_block_encode(const cs_coap_block *block, bool bert,
                            uint32_t *value)
{
    if (block->num > CS_COAP_BLOCK_NUM_MAX || block->szx > 7
        || (block->szx == CS_COAP_BLOCK_SZX_BERT && !bert))
        return CS_E_RANGE;
    *value = block->num << 4 | (uint32_t)block->more << 3 | block->szx;
    return CS_OK;
}

cs_err cs_coap_block_decode(uint32_t value, bool bert, cs_coap_block *out)
{
    if (value > 0xFFFFFF)
        return CS_E_RANGE;
    uint8_t szx = value & 7;
    if (szx == CS_COAP_BLOCK_SZX_BERT && !bert)
        return CS_E_RANGE;
    out->num = value >> 4;
    out->more = (value & 8) != 0;
    out->szx = szx;
    return CS_OK;
}

cs_err cs_coap_get_block(const cs_coap_msg *msg, uint16_t number, bool bert,
                         cs_coap_block *out)
{
    const cs_coap_option *opt = cs_coap_find(msg, number);
    if (opt == NULL)
        return CS_E_NOT_FOUND;
    if (opt->len > 3)
        return CS_E_BAD_LENGTH;
    uint32_t v;
    cs_err err = cs_coap_option_uint(opt, &v);
    if (err != CS_OK)
        return err;
    return cs_coap_block_decode(v, bert, out);
}

cs_err cs_coap_add_block(cs_coap_msg *msg, uint16_t number,
                         const cs_coap_block *block)
{
    uint32_t v;
    cs_err err = cs_coap_block_encode(block, false, &v);
    if (err != CS_OK)
        return err;
    return cs_coap_add_uint(msg, number, v);
}
