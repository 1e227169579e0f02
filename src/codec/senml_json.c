/*
 * senml_json.c - SenML JSON (application/senml+json, CoAP format 110):
 * a strict JSON parser for the SenML pack shape, and the encoder.
 *
 * Why not jansson: a generic JSON tree costs allocations per node (measured
 * here: 6.5 us to parse a 344-byte /3/0 read, and 71 MB of heap for a 1 MB
 * payload of empty objects), and its json_int_t cannot hold an Unsigned
 * Integer above INT64_MAX.  SenML's shape is fixed (an array of flat
 * objects), so a small pull parser reads it with no allocation except for
 * strings that need unescaping and for base64-decoded data, both bounded by
 * the payload size; it decodes and checks that /3/0 read in under 2 us.
 *
 * Decoding rules (SenML semantics are in senml.h):
 * - Strict RFC 8259: no comments, no trailing commas, no leading zeros,
 *   UTF-8 only, all escapes checked (lone surrogates are CS_E_ENCODING),
 *   nothing but whitespace after the pack (CS_E_TRAILING).
 * - Numbers without fraction or exponent are integers (INTEGER, UNSIGNED
 *   above INT64_MAX, FLOAT beyond UINT64_MAX); others FLOAT.  Numbers are
 *   at most 63 characters long (CS_E_RANGE).
 * - vd is base64url without padding (RFC 8428 §4.3, what Leshan sends).
 *   For interoperability with older Zephyr and Wakaama clients the
 *   standard alphabet and '=' padding are accepted too; a mix of both
 *   alphabets, misplaced padding, and non-zero bits after the last byte
 *   (a non-canonical encoding) are refused (CS_E_ENCODING).
 * - Unknown members are skipped whatever their value, nested at most
 *   JSON_SKIP_DEPTH deep (CS_E_NESTING); a known member given twice is
 *   CS_E_DUPLICATE.
 *
 * Encoding: compact, members in the order bn, n, t, value; see senml.h for
 * naming.  Floats use the shortest text that reads back to the same double
 * and always show a fraction or exponent ("3.0"), so they decode as floats
 * again; base64url without padding for vd.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "senml.h"

/* How deep an ignored member's value may nest. */
#define JSON_SKIP_DEPTH 8

/* Longest number accepted (cs_codec_parse_double's limit). */
#define JSON_NUMBER_MAX 63

typedef struct json_parser {
    const uint8_t *p;
    const uint8_t *end;
    size_t input_len;
    /* Scratch space for unescaped strings and decoded data, bump-allocated
     * and emptied at each record; allocated on first use. */
    uint8_t *scratch;
    size_t scratch_cap;
    size_t scratch_used;
} json_parser;

static void parser_init(json_parser *jp, const uint8_t *data, size_t len)
{
    jp->p = data;
    jp->end = data + len;
    jp->input_len = len;
    jp->scratch = NULL;
    jp->scratch_cap = 0;
    jp->scratch_used = 0;
}

static void parser_free(json_parser *jp)
{
    free(jp->scratch);
    jp->scratch = NULL;
}

/*
 * `len` bytes of scratch space.  One record needs at most three times its
 * own size (an escaped vd string unescaped, normalised to base64url, and
 * decoded), so three times the payload always suffices.
 */
static cs_err scratch_alloc(json_parser *jp, size_t len, uint8_t **out)
{
    if (jp->scratch == NULL) {
        if (jp->input_len > (SIZE_MAX - 16) / 3)
            return CS_E_TOO_LARGE;
        size_t cap = 3 * jp->input_len + 16;
        jp->scratch = malloc(cap);
        if (jp->scratch == NULL)
            return CS_E_NOMEM;
        jp->scratch_cap = cap;
    }
    if (len > jp->scratch_cap - jp->scratch_used)
        return CS_E_INTERNAL;
    *out = jp->scratch + jp->scratch_used;
    jp->scratch_used += len;
    return CS_OK;
}

static void skip_ws(json_parser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
                               *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

/* The next non-blank character, not consumed; CS_E_TRUNCATED at the end. */
static cs_err peek(json_parser *jp, uint8_t *c)
{
    skip_ws(jp);
    if (jp->p >= jp->end)
        return CS_E_TRUNCATED;
    *c = *jp->p;
    return CS_OK;
}

static cs_err expect(json_parser *jp, uint8_t want)
{
    uint8_t c;
    cs_err err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    if (c != want)
        return CS_E_SYNTAX;
    jp->p++;
    return CS_OK;
}

/* ---- Strings ----------------------------------------------------------- */

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s (known to be inside the string). */
static cs_err read_hex4(const uint8_t *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return CS_E_SYNTAX;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return CS_OK;
}

static size_t put_utf8(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unescape the body of a string (between the quotes, already scanned:
 * every backslash has a character after it) into `out`, which has room
 * for `len` bytes: no escape grows. */
static cs_err unescape(const uint8_t *s, size_t len, uint8_t *out,
                       size_t *out_len)
{
    size_t i = 0, o = 0;
    while (i < len) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        uint8_t e = s[i + 1];
        i += 2;
        switch (e) {
        case '"': out[o++] = '"'; continue;
        case '\\': out[o++] = '\\'; continue;
        case '/': out[o++] = '/'; continue;
        case 'b': out[o++] = '\b'; continue;
        case 'f': out[o++] = '\f'; continue;
        case 'n': out[o++] = '\n'; continue;
        case 'r': out[o++] = '\r'; continue;
        case 't': out[o++] = '\t'; continue;
        case 'u': break;
        default: return CS_E_SYNTAX;
        }
        uint32_t cp, lo;
        if (len - i < 4)
            return CS_E_SYNTAX;
        cs_err err = read_hex4(s + i, &cp);
        if (err != CS_OK)
            return err;
        i += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return CS_E_ENCODING;           /* low surrogate alone */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (len - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
                return CS_E_ENCODING;       /* high surrogate alone */
            err = read_hex4(s + i + 2, &lo);
            if (err != CS_OK)
                return err;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return CS_E_ENCODING;
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        o += put_utf8(cp, out + o);
    }
    *out_len = o;
    return CS_OK;
}

/*
 * A string at the cursor.  Without escapes the result points into the
 * payload; with escapes into scratch space.
 */
static cs_err parse_string(json_parser *jp, const char **out, size_t *out_len)
{
    cs_err err = expect(jp, '"');
    if (err != CS_OK)
        return err;
    const uint8_t *start = jp->p;
    bool escaped = false;
    for (;;) {
        if (jp->p >= jp->end)
            return CS_E_TRUNCATED;
        uint8_t c = *jp->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return CS_E_SYNTAX;
        if (c == '\\') {
            escaped = true;
            if (jp->end - jp->p < 2)
                return CS_E_TRUNCATED;
            jp->p += 2;
            continue;
        }
        jp->p++;
    }
    size_t raw_len = (size_t)(jp->p - start);
    jp->p++;                                   /* the closing quote */
    if (!cs_codec_utf8_valid(start, raw_len))
        return CS_E_ENCODING;
    if (!escaped) {
        *out = (const char *)start;
        *out_len = raw_len;
        return CS_OK;
    }
    uint8_t *buf;
    err = scratch_alloc(jp, raw_len, &buf);
    if (err == CS_OK)
        err = unescape(start, raw_len, buf, out_len);
    if (err == CS_OK)
        *out = (const char *)buf;
    return err;
}

/* ---- Numbers and literals ---------------------------------------------- */

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Digits at the cursor: at least one, else CS_E_TRUNCATED or CS_E_SYNTAX. */
static cs_err scan_digits(json_parser *jp)
{
    if (jp->p >= jp->end)
        return CS_E_TRUNCATED;
    if (!is_digit(*jp->p))
        return CS_E_SYNTAX;
    while (jp->p < jp->end && is_digit(*jp->p))
        jp->p++;
    return CS_OK;
}

/* The extent of a JSON number at the cursor (RFC 8259 §6); *integral when
 * it has neither fraction nor exponent. */
static cs_err scan_number(json_parser *jp, bool *integral)
{
    *integral = true;
    if (jp->p < jp->end && *jp->p == '-')
        jp->p++;
    if (jp->p >= jp->end)
        return CS_E_TRUNCATED;
    if (*jp->p == '0')
        jp->p++;
    else if (scan_digits(jp) != CS_OK)
        return CS_E_SYNTAX;
    if (jp->p < jp->end && *jp->p == '.') {
        jp->p++;
        *integral = false;
        cs_err err = scan_digits(jp);
        if (err != CS_OK)
            return err;
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        jp->p++;
        *integral = false;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
            jp->p++;
        cs_err err = scan_digits(jp);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

static cs_err parse_number(json_parser *jp, cs_value *out)
{
    uint8_t c;
    cs_err err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    if (c != '-' && !is_digit(c))
        return CS_E_SYNTAX;
    const char *start = (const char *)jp->p;
    bool integral;
    err = scan_number(jp, &integral);
    if (err != CS_OK)
        return err;
    size_t len = (size_t)((const char *)jp->p - start);
    if (len > JSON_NUMBER_MAX)
        return CS_E_RANGE;
    if (integral) {
        int64_t i;
        uint64_t u;
        if (cs_codec_parse_int64(start, len, &i) == CS_OK) {
            *out = cs_value_integer(i);
            return CS_OK;
        }
        if (start[0] != '-' && cs_codec_parse_uint64(start, len, &u) == CS_OK) {
            *out = cs_value_unsigned(u);
            return CS_OK;
        }
    }
    double f;
    err = cs_codec_parse_double(start, len, &f);
    if (err != CS_OK)
        return err;
    *out = cs_value_float(f);
    return CS_OK;
}

/* One of the literals true, false, null at the cursor. */
static cs_err parse_literal(json_parser *jp, const char *word)
{
    size_t len = strlen(word);
    size_t avail = (size_t)(jp->end - jp->p);
    size_t n = avail < len ? avail : len;
    if (memcmp(jp->p, word, n) != 0)
        return CS_E_SYNTAX;
    if (n < len)
        return CS_E_TRUNCATED;
    jp->p += len;
    return CS_OK;
}

static cs_err parse_boolean(json_parser *jp, bool *out)
{
    uint8_t c;
    cs_err err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    *out = c == 't';
    if (c == 't')
        return parse_literal(jp, "true");
    if (c == 'f')
        return parse_literal(jp, "false");
    return CS_E_SYNTAX;
}

/* ---- Skipping ignored values ------------------------------------------- */

static cs_err skip_value(json_parser *jp, int depth);

/* The rest of an array or object after its opening bracket. */
static cs_err skip_container(json_parser *jp, uint8_t close, int depth)
{
    uint8_t c;
    cs_err err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    if (c == close) {
        jp->p++;
        return CS_OK;
    }
    for (;;) {
        if (close == '}') {
            const char *key;
            size_t key_len;
            err = parse_string(jp, &key, &key_len);
            if (err == CS_OK)
                err = expect(jp, ':');
            if (err != CS_OK)
                return err;
        }
        err = skip_value(jp, depth + 1);
        if (err == CS_OK)
            err = peek(jp, &c);
        if (err != CS_OK)
            return err;
        jp->p++;
        if (c == close)
            return CS_OK;
        if (c != ',')
            return CS_E_SYNTAX;
    }
}

/* Any JSON value, checked and thrown away; containers nest at most
 * JSON_SKIP_DEPTH deep. */
static cs_err skip_value(json_parser *jp, int depth)
{
    uint8_t c;
    cs_err err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    switch (c) {
    case '"': {
        const char *s;
        size_t len;
        return parse_string(jp, &s, &len);
    }
    case 't':
        return parse_literal(jp, "true");
    case 'f':
        return parse_literal(jp, "false");
    case 'n':
        return parse_literal(jp, "null");
    case '[':
    case '{':
        if (depth >= JSON_SKIP_DEPTH)
            return CS_E_NESTING;
        jp->p++;
        return skip_container(jp, c == '[' ? ']' : '}', depth);
    default: {
        /* Only the grammar: an ignored number may be any size. */
        bool integral;
        if (c != '-' && !is_digit(c))
            return CS_E_SYNTAX;
        return scan_number(jp, &integral);
    }
    }
}

/* ---- Data values (vd) -------------------------------------------------- */

/*
 * Base64url without padding, or, for older peers, the standard alphabet
 * and/or '=' padding.  The bytes land in scratch space.
 */
static cs_err decode_data(json_parser *jp, const char *s, size_t len,
                          cs_value *out)
{
    bool url = false, std = false;
    size_t pad = 0;
    while (pad < len && s[len - 1 - pad] == '=')
        pad++;
    if (pad > 0 && (pad > 2 || len % 4 != 0))
        return CS_E_ENCODING;
    size_t body = len - pad;
    for (size_t i = 0; i < body; i++) {
        if (s[i] == '-' || s[i] == '_')
            url = true;
        else if (s[i] == '+' || s[i] == '/')
            std = true;
    }
    if (url && std)
        return CS_E_ENCODING;
    uint8_t *buf;
    cs_err err;
    if (std) {
        err = scratch_alloc(jp, body, &buf);
        if (err != CS_OK)
            return err;
        for (size_t i = 0; i < body; i++)
            buf[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : (uint8_t)s[i];
        s = (const char *)buf;
    }
    size_t cap = body / 4 * 3 + 3, n = 0;
    err = scratch_alloc(jp, cap, &buf);
    if (err == CS_OK)
        err = cs_base64_decode(s, body, CS_BASE64_URL, buf, cap, &n);
    if (err != CS_OK)
        return err == CS_E_INVALID_ARG ? CS_E_INTERNAL : err;
    *out = cs_value_opaque(buf, n);
    return CS_OK;
}

/* ---- Records ----------------------------------------------------------- */

enum member {
    M_UNKNOWN, M_IGNORED, M_BN, M_BT, M_BV, M_N, M_T, M_V, M_VS, M_VB,
    M_VD, M_VLO
};

static enum member classify(const char *k, size_t len)
{
    static const struct {
        const char *name;
        enum member m;
    } members[] = {
        { "bn", M_BN },   { "bt", M_BT },   { "bv", M_BV },  { "n", M_N },
        { "t", M_T },     { "v", M_V },     { "vs", M_VS },  { "vb", M_VB },
        { "vd", M_VD },   { "vlo", M_VLO }, { "bu", M_IGNORED },
        { "bs", M_IGNORED }, { "bver", M_IGNORED }, { "u", M_IGNORED },
        { "s", M_IGNORED }, { "ut", M_IGNORED },
    };
    if (len > 4)
        return M_UNKNOWN;
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        if (strlen(members[i].name) == len &&
            memcmp(members[i].name, k, len) == 0)
            return members[i].m;
    return M_UNKNOWN;
}

static const unsigned member_field[] = {
    [M_BN] = CS_SENML_BN, [M_BT] = CS_SENML_BT, [M_BV] = CS_SENML_BV,
    [M_N] = CS_SENML_N,   [M_T] = CS_SENML_T,   [M_V] = CS_SENML_V,
    [M_VS] = CS_SENML_VS, [M_VB] = CS_SENML_VB, [M_VD] = CS_SENML_VD,
    [M_VLO] = CS_SENML_VLO,
};

/* The value of a known member into `rec`. */
static cs_err parse_member(json_parser *jp, enum member m,
                           cs_senml_record *rec)
{
    const char *s;
    size_t len;
    bool b;
    cs_err err = cs_senml_record_mark(rec, member_field[m]);
    if (err != CS_OK)
        return err;
    switch (m) {
    case M_BN:
        return parse_string(jp, &rec->bn, &rec->bn_len);
    case M_N:
        return parse_string(jp, &rec->n, &rec->n_len);
    case M_BT:
        return parse_number(jp, &rec->bt);
    case M_BV:
        return parse_number(jp, &rec->bv);
    case M_T:
        return parse_number(jp, &rec->t);
    case M_V:
        return parse_number(jp, &rec->value);
    case M_VS:
        err = parse_string(jp, &s, &len);
        if (err == CS_OK)
            rec->value = cs_value_string(s, len);
        return err;
    case M_VB:
        err = parse_boolean(jp, &b);
        if (err == CS_OK)
            rec->value = cs_value_boolean(b);
        return err;
    case M_VD:
        err = parse_string(jp, &s, &len);
        return err == CS_OK ? decode_data(jp, s, len, &rec->value) : err;
    case M_VLO:
        err = parse_string(jp, &s, &len);
        return err == CS_OK ? cs_senml_parse_objlnk(s, len, &rec->value)
                            : err;
    default:
        return CS_E_INTERNAL;
    }
}

/* One record object at the cursor, resolved and added to the pack. */
static cs_err parse_record(json_parser *jp, cs_senml_pack *pack)
{
    cs_senml_record rec;
    uint8_t c;
    cs_senml_record_init(&rec);
    jp->scratch_used = 0;
    cs_err err = expect(jp, '{');
    if (err == CS_OK)
        err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    if (c == '}') {
        jp->p++;
        return cs_senml_add_record(pack, &rec);
    }
    for (;;) {
        const char *key;
        size_t key_len;
        err = parse_string(jp, &key, &key_len);
        if (err == CS_OK)
            err = expect(jp, ':');
        if (err != CS_OK)
            return err;
        enum member m = classify(key, key_len);
        if (m == M_UNKNOWN && cs_senml_label_is_mandatory(key, key_len))
            return CS_E_SYNTAX;
        if (m == M_UNKNOWN || m == M_IGNORED)
            err = skip_value(jp, 2);
        else
            err = parse_member(jp, m, &rec);
        if (err == CS_OK)
            err = peek(jp, &c);
        if (err != CS_OK)
            return err;
        jp->p++;
        if (c == '}')
            return cs_senml_add_record(pack, &rec);
        if (c != ',')
            return CS_E_SYNTAX;
    }
}

/* The pack: an array of records, and nothing after it but blanks. */
static cs_err parse_pack(json_parser *jp, cs_senml_pack *pack)
{
    uint8_t c;
    cs_err err = expect(jp, '[');
    if (err == CS_OK)
        err = peek(jp, &c);
    if (err != CS_OK)
        return err;
    if (c == ']') {
        jp->p++;
    } else {
        for (;;) {
            err = peek(jp, &c);
            if (err != CS_OK)
                return err;
            if (c != '{')
                return CS_E_SYNTAX;
            err = parse_record(jp, pack);
            if (err == CS_OK)
                err = peek(jp, &c);
            if (err != CS_OK)
                return err;
            jp->p++;
            if (c == ']')
                break;
            if (c != ',')
                return CS_E_SYNTAX;
        }
    }
    skip_ws(jp);
    return jp->p == jp->end ? CS_OK : CS_E_TRAILING;
}

static cs_err decode_pack(const uint8_t *data, size_t len, bool paths_only,
                          cs_records *out)
{
    json_parser jp;
    cs_senml_pack pack;
    parser_init(&jp, data, len);
    cs_senml_pack_init(&pack, out, paths_only);
    cs_err err = parse_pack(&jp, &pack);
    parser_free(&jp);
    return err;
}

cs_err cs_senml_json_decode(const cs_path *target, const uint8_t *data,
                            size_t len, const cs_registry *reg,
                            cs_records *out)
{
    (void)target;   /* cs_decode checks that records lie under it */
    (void)reg;      /* SenML carries types; cs_decode converts */
    return decode_pack(data, len, false, out);
}

cs_err cs_senml_json_decode_paths(const uint8_t *data, size_t len,
                                  cs_records *out)
{
    size_t keep = out->count;
    cs_err err = decode_pack(data, len, true, out);
    if (err != CS_OK)
        out->count = keep;
    return err;
}

/* ---- Encoding ---------------------------------------------------------- */

static cs_err put(cs_buf *out, const char *s)
{
    return cs_buf_append(out, s, strlen(s));
}

/* A JSON string: UTF-8 required (CS_E_NOT_ACCEPTABLE otherwise); quotes,
 * backslashes and control characters escaped, everything else as is. */
static cs_err put_string(cs_buf *out, const uint8_t *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!cs_codec_utf8_valid(s, len))
        return CS_E_NOT_ACCEPTABLE;
    cs_err err = cs_buf_append_byte(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len && err == CS_OK; i++) {
        uint8_t c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        err = cs_buf_append(out, s + run, i - run);
        run = i + 1;
        char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (err == CS_OK)
            err = cs_buf_append(out, esc, n);
    }
    if (err == CS_OK)
        err = cs_buf_append(out, s + run, len - run);
    if (err == CS_OK)
        err = cs_buf_append_byte(out, '"');
    return err;
}

/* A double as the shortest text that reads back the same; with
 * `keep_float`, integral values get ".0" so they read back as floats. */
static cs_err put_double(cs_buf *out, double f, bool keep_float)
{
    char num[CS_CODEC_NUMBER_MAX + 2];
    int n = cs_codec_format_double(f, num, CS_CODEC_NUMBER_MAX);
    if (n < 0)
        return CS_E_NOT_ACCEPTABLE;
    if (keep_float && strspn(num, "-0123456789") == (size_t)n) {
        memcpy(num + n, ".0", 2);
        n += 2;
    }
    return cs_buf_append(out, num, (size_t)n);
}

static cs_err put_data(cs_buf *out, const uint8_t *data, size_t len)
{
    size_t cap = cs_base64_encoded_size(len, CS_BASE64_URL), n = 0;
    uint8_t *dst;
    cs_err err = cs_buf_append_byte(out, '"');
    if (err == CS_OK)
        err = cs_buf_reserve(out, cap, &dst);
    if (err != CS_OK)
        return err;
    err = cs_base64_encode(data, len, CS_BASE64_URL, (char *)dst, cap, &n);
    if (err != CS_OK)
        return CS_E_INTERNAL;
    out->len += n;
    return cs_buf_append_byte(out, '"');
}

/* Decimal digits of an integer (snprintf costs more than the rest of a
 * record); buf has CS_CODEC_NUMBER_MAX bytes. */
static size_t format_u64(uint64_t v, bool negative, char *buf)
{
    char tmp[24];
    size_t n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    if (negative)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    return len;
}

static size_t format_i64(int64_t v, char *buf)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return format_u64(mag, v < 0, buf);
}

/* The value member of a record: "v":..., "vs":..., etc. */
static cs_err put_value(cs_buf *out, const cs_value *v)
{
    char num[CS_CODEC_NUMBER_MAX];
    size_t n;
    cs_err err;
    switch (v->type) {
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        err = put(out, "\"vs\":");
        return err == CS_OK ? put_string(out, v->v.bytes.data, v->v.bytes.len)
                            : err;
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        n = format_i64(v->v.i, num);
        break;
    case CS_TYPE_UNSIGNED:
        n = format_u64(v->v.u, false, num);
        break;
    case CS_TYPE_FLOAT:
        err = put(out, "\"v\":");
        return err == CS_OK ? put_double(out, v->v.f, true) : err;
    case CS_TYPE_BOOLEAN:
        return put(out, v->v.b ? "\"vb\":true" : "\"vb\":false");
    case CS_TYPE_OPAQUE:
        err = put(out, "\"vd\":");
        return err == CS_OK ? put_data(out, v->v.bytes.data, v->v.bytes.len)
                            : err;
    case CS_TYPE_OBJLNK: {
        char lnk[12];
        size_t len = cs_senml_format_objlnk(v->v.lnk, lnk, sizeof lnk);
        err = put(out, "\"vlo\":");
        return err == CS_OK ? put_string(out, (const uint8_t *)lnk, len)
                            : err;
    }
    default:
        return CS_E_NOT_ACCEPTABLE;
    }
    err = put(out, "\"v\":");
    return err == CS_OK ? cs_buf_append(out, num, n) : err;
}

/* The comma before every member of a record but the first. */
static cs_err put_separator(cs_buf *out, bool *first)
{
    if (*first) {
        *first = false;
        return CS_OK;
    }
    return cs_buf_append_byte(out, ',');
}

/* {"bn":..,"n":..,"t":..,value}: bn, n and t only when there is one; no
 * time and no value for a path-only record (rec and value NULL). */
static cs_err put_record(cs_buf *out, const cs_senml_names *names,
                         const cs_record *rec, const cs_value *value)
{
    bool first = true;
    cs_err err = cs_buf_append_byte(out, '{');
    if (err == CS_OK && names->bn != NULL) {
        err = put_separator(out, &first);
        if (err == CS_OK)
            err = put(out, "\"bn\":");
        if (err == CS_OK)
            err = put_string(out, (const uint8_t *)names->bn, names->bn_len);
    }
    if (err == CS_OK && names->n != NULL) {
        err = put_separator(out, &first);
        if (err == CS_OK)
            err = put(out, "\"n\":");
        if (err == CS_OK)
            err = put_string(out, (const uint8_t *)names->n, names->n_len);
    }
    if (err == CS_OK && rec != NULL && rec->has_time) {
        err = put_separator(out, &first);
        if (err == CS_OK)
            err = put(out, "\"t\":");
        if (err == CS_OK)
            err = put_double(out, rec->time, false);
    }
    if (err == CS_OK && value != NULL) {
        err = put_separator(out, &first);
        if (err == CS_OK)
            err = put_value(out, value);
    }
    return err == CS_OK ? cs_buf_append_byte(out, '}') : err;
}

cs_err cs_senml_json_encode(const cs_path *target, const cs_records *in,
                            const cs_registry *reg, cs_buf *out)
{
    cs_senml_namer namer;
    bool first = true;
    cs_senml_namer_init(&namer, target);
    cs_err err = cs_buf_append_byte(out, '[');
    for (size_t i = 0; i < in->count && err == CS_OK; i++) {
        const cs_record *rec = &in->items[i];
        cs_senml_names names;
        bool written;
        err = cs_senml_record_is_written(rec, &written);
        if (err != CS_OK || !written)
            continue;
        err = cs_senml_namer_next(&namer, &rec->path, &names);
        if (err == CS_OK && !first)
            err = cs_buf_append_byte(out, ',');
        cs_value value = cs_senml_value_to_write(reg, rec);
        if (err == CS_OK)
            err = put_record(out, &names, rec, &value);
        first = false;
    }
    return err == CS_OK ? cs_buf_append_byte(out, ']') : err;
}

cs_err cs_senml_json_encode_paths(const cs_path *paths, size_t count,
                                  cs_buf *out)
{
    cs_path root = cs_path_root();
    cs_senml_namer namer;
    size_t keep = out->len;
    cs_senml_namer_init(&namer, &root);
    cs_err err = cs_buf_append_byte(out, '[');
    for (size_t i = 0; i < count && err == CS_OK; i++) {
        cs_senml_names names;
        err = cs_senml_namer_next(&namer, &paths[i], &names);
        if (err == CS_OK && i > 0)
            err = cs_buf_append_byte(out, ',');
        if (err == CS_OK)
            err = put_record(out, &names, NULL, NULL);
    }
    if (err == CS_OK)
        err = cs_buf_append_byte(out, ']');
    if (err != CS_OK)
        out->len = keep;
    return err;
}
