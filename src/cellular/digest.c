/*
 * digest.c - HTTP Digest AKA (RFC 3310 over RFC 2617) for GBA's Ub: the
 * header-value parser and writer, the MD5 arithmetic and the AKA nonce.
 *
 * The parser is written for hostile input: one pass over at most
 * CS_DIGEST_MAX_HEADER octets, no allocation, every value copied
 * (unescaped) into the result's own text area, every bound checked before
 * a write.  Grammar after RFC 7230 §3.2.6 / RFC 7235 §2.1.
 */
#include <string.h>

#include "cellstrap/digest.h"
#include "crypto/crypto.h"

/* ---- Character classes ------------------------------------------------ */

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Characters a value may hold once unescaped: VCHAR, SP, HTAB. */
static bool is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c <= 0x7e);
}

static bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* The `n` octets at `s` are `word` (lower case), case-insensitively. */
static bool token_is(const char *s, size_t n, const char *word)
{
    if (n != strlen(word))
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)word[i])
            return false;
    return true;
}

/* ---- Parameter list --------------------------------------------------- */

void cs_digest_init(cs_digest_params *p)
{
    p->count = 0;
    p->used = 0;
    p->text[0] = '\0';
}

size_t cs_digest_count(const cs_digest_params *p)
{
    return p->count;
}

const char *cs_digest_name(const cs_digest_params *p, size_t i)
{
    return i < p->count ? p->text + p->entry[i].name : NULL;
}

const char *cs_digest_value(const cs_digest_params *p, size_t i)
{
    return i < p->count ? p->text + p->entry[i].value : NULL;
}

bool cs_digest_quoted(const cs_digest_params *p, size_t i)
{
    return i < p->count && p->entry[i].quoted;
}

const char *cs_digest_get(const cs_digest_params *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (equal_nocase(p->text + p->entry[i].name, name))
            return p->text + p->entry[i].value;
    return NULL;
}

/* Store name (lower-cased) and value; the caller has validated both. */
static cs_err store(cs_digest_params *p, const char *name, size_t name_len,
                    const char *value, size_t value_len, bool quoted)
{
    if (p->count >= CS_DIGEST_MAX_PARAMS)
        return CS_E_TOO_LARGE;
    if (name_len > CS_DIGEST_MAX_NAME || value_len > CS_DIGEST_MAX_VALUE)
        return CS_E_TOO_LARGE;
    if (sizeof p->text - p->used < name_len + value_len + 2)
        return CS_E_TOO_LARGE;
    char *dst = p->text + p->used;
    for (size_t i = 0; i < name_len; i++)
        dst[i] = (char)lower((unsigned char)name[i]);
    dst[name_len] = '\0';
    if (cs_digest_get(p, dst) != NULL)
        return CS_E_DUPLICATE;
    memcpy(dst + name_len + 1, value, value_len);
    dst[name_len + 1 + value_len] = '\0';
    struct cs_digest_entry *e = &p->entry[p->count++];
    e->name = (uint16_t)p->used;
    e->value = (uint16_t)(p->used + name_len + 1);
    e->value_len = (uint16_t)value_len;
    e->quoted = quoted;
    p->used += name_len + value_len + 2;
    return CS_OK;
}

cs_err cs_digest_add(cs_digest_params *p, const char *name, const char *value,
                     bool quoted)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    if (!is_token(name))
        return CS_E_INVALID_ARG;
    for (size_t i = 0; i < value_len; i++)
        if (!is_value_char((unsigned char)value[i]))
            return CS_E_INVALID_ARG;
    /* Record what the writer will do, so a parse of its output agrees. */
    return store(p, name, name_len, value, value_len, quoted || !is_token(value));
}

/* ---- Parser ----------------------------------------------------------- */

typedef struct cursor {
    const char *s;
    size_t len;
    size_t pos;
} cursor;

static int peek(const cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static void skip_ows(cursor *c)
{
    while (c->pos < c->len && is_ows((unsigned char)c->s[c->pos]))
        c->pos++;
}

/* 1*tchar; returns its length (0 when none). */
static size_t take_token(cursor *c)
{
    size_t start = c->pos;
    while (c->pos < c->len && is_tchar((unsigned char)c->s[c->pos]))
        c->pos++;
    return c->pos - start;
}

/* quoted-string after its opening quote, unescaped into `out`. */
static cs_err take_quoted(cursor *c, char *out, size_t *out_len)
{
    size_t n = 0;
    for (;;) {
        int ch = peek(c);
        if (ch < 0)
            return CS_E_SYNTAX;             /* unterminated */
        c->pos++;
        if (ch == '"')
            break;
        if (ch == '\\') {
            ch = peek(c);
            if (ch < 0 || !is_value_char((unsigned char)ch))
                return CS_E_SYNTAX;
            c->pos++;
        } else if (!is_value_char((unsigned char)ch)) {
            return CS_E_SYNTAX;
        }
        if (n >= CS_DIGEST_MAX_VALUE)
            return CS_E_TOO_LARGE;
        out[n++] = (char)ch;
    }
    *out_len = n;
    return CS_OK;
}

/* token BWS "=" BWS ( token / quoted-string ) */
static cs_err take_param(cursor *c, cs_digest_params *out)
{
    char value[CS_DIGEST_MAX_VALUE];
    size_t value_len = 0;
    bool quoted = false;
    const char *name = c->s + c->pos;
    size_t name_len = take_token(c);
    if (name_len == 0)
        return CS_E_SYNTAX;
    if (name_len > CS_DIGEST_MAX_NAME)
        return CS_E_TOO_LARGE;
    skip_ows(c);
    if (peek(c) != '=')
        return CS_E_SYNTAX;
    c->pos++;
    skip_ows(c);
    if (peek(c) == '"') {
        c->pos++;
        quoted = true;
        cs_err err = take_quoted(c, value, &value_len);
        if (err != CS_OK)
            return err;
    } else {
        const char *start = c->s + c->pos;
        value_len = take_token(c);
        if (value_len == 0)
            return CS_E_SYNTAX;
        if (value_len > CS_DIGEST_MAX_VALUE)
            return CS_E_TOO_LARGE;
        memcpy(value, start, value_len);
    }
    return store(out, name, name_len, value, value_len, quoted);
}

static cs_err parse_params(cursor *c, cs_digest_params *out)
{
    bool need_comma = false;
    for (;;) {
        skip_ows(c);
        int ch = peek(c);
        if (ch < 0)
            break;
        if (ch == ',') {
            c->pos++;
            need_comma = false;
            continue;
        }
        if (need_comma)
            return CS_E_SYNTAX;
        cs_err err = take_param(c, out);
        if (err != CS_OK)
            return err;
        need_comma = true;
    }
    return out->count > 0 ? CS_OK : CS_E_SYNTAX;
}

static cs_err parse_header(cursor *c, cs_digest_params *out)
{
    if (c->len > CS_DIGEST_MAX_HEADER)
        return CS_E_TOO_LARGE;
    skip_ows(c);
    const char *scheme = c->s + c->pos;
    size_t scheme_len = take_token(c);
    if (scheme_len == 0)
        return CS_E_SYNTAX;
    if (!token_is(scheme, scheme_len, "digest"))
        return CS_E_NOT_FOUND;
    if (peek(c) != ' ')
        return CS_E_SYNTAX;                 /* 1*SP before the parameters */
    while (peek(c) == ' ')
        c->pos++;
    return parse_params(c, out);
}

cs_err cs_digest_parse(const char *header, size_t len, cs_digest_params *out)
{
    cursor c = { header, len, 0 };
    cs_digest_init(out);
    cs_err err = parse_header(&c, out);
    if (err != CS_OK)
        cs_digest_init(out);
    return err;
}

/* ---- Writer ----------------------------------------------------------- */

typedef struct sink {
    char *out;
    size_t cap;     /* characters we may write, NUL excluded */
    size_t len;
    bool overflow;
} sink;

static void put(sink *s, const char *text, size_t n)
{
    if (s->overflow || s->cap - s->len < n) {
        s->overflow = true;
        return;
    }
    memcpy(s->out + s->len, text, n);
    s->len += n;
}

static void put_quoted(sink *s, const char *value)
{
    put(s, "\"", 1);
    for (const char *v = value; *v; v++) {
        if (*v == '"' || *v == '\\')
            put(s, "\\", 1);
        put(s, v, 1);
    }
    put(s, "\"", 1);
}

cs_err cs_digest_write(const cs_digest_params *p, char *out, size_t cap,
                       size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (cap == 0)
        return CS_E_TOO_LARGE;
    out[0] = '\0';
    if (p->count == 0)
        return CS_E_INVALID_ARG;
    sink s = { out, cap - 1, 0, false };
    if (s.cap > CS_DIGEST_MAX_HEADER)
        s.cap = CS_DIGEST_MAX_HEADER;
    put(&s, "Digest ", 7);
    for (size_t i = 0; i < p->count; i++) {
        const char *name = cs_digest_name(p, i), *value = cs_digest_value(p, i);
        if (i > 0)
            put(&s, ", ", 2);
        put(&s, name, strlen(name));
        put(&s, "=", 1);
        if (p->entry[i].quoted || !is_token(value))
            put_quoted(&s, value);
        else
            put(&s, value, strlen(value));
    }
    if (s.overflow) {
        out[0] = '\0';
        return CS_E_TOO_LARGE;
    }
    out[s.len] = '\0';
    if (out_len != NULL)
        *out_len = s.len;
    return CS_OK;
}

/* ---- Arithmetic ------------------------------------------------------- */

const char *cs_digest_qop_name(cs_digest_qop qop)
{
    switch (qop) {
    case CS_DIGEST_QOP_AUTH:
        return "auth";
    case CS_DIGEST_QOP_AUTH_INT:
        return "auth-int";
    case CS_DIGEST_QOP_NONE:
        break;
    }
    return "";
}

cs_err cs_digest_qop_parse(const char *value, cs_digest_qop *qop)
{
    if (strcmp(value, "auth") == 0)
        *qop = CS_DIGEST_QOP_AUTH;
    else if (strcmp(value, "auth-int") == 0)
        *qop = CS_DIGEST_QOP_AUTH_INT;
    else
        return CS_E_SYNTAX;
    return CS_OK;
}

bool cs_digest_qop_offered(const char *list, cs_digest_qop qop)
{
    const char *want = cs_digest_qop_name(qop);
    size_t want_len = strlen(want);
    if (want_len == 0)
        return false;
    for (const char *p = list; *p;) {
        while (*p == ',' || is_ows((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',' && !is_ows((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - start);
        if (n == want_len && memcmp(start, want, n) == 0)
            return true;
    }
    return false;
}

/* One input to an MD5: the pieces are concatenated in a scratch buffer. */
typedef struct piece {
    const void *data;
    size_t len;
} piece;

#define SCRATCH_MAX (6 * (CS_DIGEST_MAX_VALUE + 1) + 2 * CS_DIGEST_HEX_LEN)

static void hex_lower(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* MD5 over the pieces, each at most CS_DIGEST_MAX_VALUE octets, as hex.
 * The scratch buffer may hold RES or HA1: wiped. */
static cs_err md5_hex(const piece *pieces, size_t count,
                      char out[CS_DIGEST_HEX_LEN + 1])
{
    uint8_t scratch[SCRATCH_MAX], digest[CS_MD5_LEN];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (pieces[i].len > CS_DIGEST_MAX_VALUE || sizeof scratch - n < pieces[i].len) {
            cs_secure_zero(scratch, n);
            return CS_E_TOO_LARGE;
        }
        if (pieces[i].len > 0)
            memcpy(scratch + n, pieces[i].data, pieces[i].len);
        n += pieces[i].len;
    }
    cs_md5(scratch, n, digest);
    hex_lower(digest, sizeof digest, out);
    cs_secure_zero(scratch, n);
    cs_secure_zero(digest, sizeof digest);
    return CS_OK;
}

#define TEXT(s) { (s), strlen(s) }
#define COLON { ":", 1 }

cs_err cs_digest_ha1(const char *username, const char *realm,
                     const uint8_t *password, size_t password_len,
                     char ha1[CS_DIGEST_HEX_LEN + 1])
{
    const piece p[5] = {
        TEXT(username), COLON, TEXT(realm), COLON, { password, password_len },
    };
    return md5_hex(p, 5, ha1);
}

cs_err cs_digest_ha2(const char *method, const char *uri, cs_digest_qop qop,
                     const uint8_t *body, size_t body_len,
                     char ha2[CS_DIGEST_HEX_LEN + 1])
{
    char body_hash[CS_DIGEST_HEX_LEN + 1];
    ha2[0] = '\0';
    if (qop != CS_DIGEST_QOP_NONE && qop != CS_DIGEST_QOP_AUTH &&
        qop != CS_DIGEST_QOP_AUTH_INT)
        return CS_E_INVALID_ARG;
    if (qop != CS_DIGEST_QOP_AUTH_INT) {
        const piece p[3] = { TEXT(method), COLON, TEXT(uri) };
        return md5_hex(p, 3, ha2);
    }
    uint8_t digest[CS_MD5_LEN];
    cs_md5(body_len > 0 ? (const void *)body : "", body_len, digest);
    hex_lower(digest, sizeof digest, body_hash);
    const piece p[5] = {
        TEXT(method), COLON, TEXT(uri), COLON, { body_hash, CS_DIGEST_HEX_LEN },
    };
    return md5_hex(p, 5, ha2);
}

cs_err cs_digest_response(const char ha1[CS_DIGEST_HEX_LEN + 1],
                          const char *nonce, const char *nc, const char *cnonce,
                          cs_digest_qop qop,
                          const char ha2[CS_DIGEST_HEX_LEN + 1],
                          char out[CS_DIGEST_HEX_LEN + 1])
{
    out[0] = '\0';
    if (qop == CS_DIGEST_QOP_NONE) {
        const piece p[5] = {
            { ha1, CS_DIGEST_HEX_LEN }, COLON, TEXT(nonce), COLON,
            { ha2, CS_DIGEST_HEX_LEN },
        };
        return md5_hex(p, 5, out);
    }
    if ((qop != CS_DIGEST_QOP_AUTH && qop != CS_DIGEST_QOP_AUTH_INT) ||
        nc == NULL || cnonce == NULL)
        return CS_E_INVALID_ARG;
    const char *qop_name = cs_digest_qop_name(qop);
    const piece p[11] = {
        { ha1, CS_DIGEST_HEX_LEN }, COLON, TEXT(nonce), COLON, TEXT(nc), COLON,
        TEXT(cnonce), COLON, TEXT(qop_name), COLON, { ha2, CS_DIGEST_HEX_LEN },
    };
    return md5_hex(p, 11, out);
}

bool cs_digest_response_equal(const char expected[CS_DIGEST_HEX_LEN + 1],
                              const char *received)
{
    /* The length is public (always 32 for a well-formed answer). */
    if (received == NULL || strlen(received) != CS_DIGEST_HEX_LEN ||
        strlen(expected) != CS_DIGEST_HEX_LEN)
        return false;
    return cs_ct_equal(expected, received, CS_DIGEST_HEX_LEN);
}

/* ---- AKA nonce and auts ----------------------------------------------- */

cs_err cs_digest_aka_nonce_encode(const uint8_t rand[16], const uint8_t autn[16],
                                  const uint8_t *server_data, size_t sd_len,
                                  char *out, size_t cap)
{
    uint8_t raw[32 + CS_AKA_NONCE_MAX_SERVER_DATA];
    size_t len;
    if (cap > 0)
        out[0] = '\0';
    if (sd_len > CS_AKA_NONCE_MAX_SERVER_DATA || (sd_len > 0 && server_data == NULL))
        return CS_E_INVALID_ARG;
    memcpy(raw, rand, 16);
    memcpy(raw + 16, autn, 16);
    if (sd_len > 0)
        memcpy(raw + 32, server_data, sd_len);
    if (cap < cs_base64_encoded_size(32 + sd_len, CS_BASE64_STANDARD))
        return CS_E_TOO_LARGE;
    return cs_base64_encode(raw, 32 + sd_len, CS_BASE64_STANDARD, out, cap, &len);
}

cs_err cs_digest_aka_nonce_decode(const char *nonce, uint8_t rand[16],
                                  uint8_t autn[16], uint8_t *server_data,
                                  size_t sd_cap, size_t *sd_len)
{
    uint8_t raw[(CS_AKA_NONCE_MAX - 1) * 3 / 4 + 3];
    size_t len = strlen(nonce), raw_len;
    if (server_data != NULL && sd_len != NULL)
        *sd_len = 0;
    if (len > CS_AKA_NONCE_MAX - 1)
        return CS_E_BAD_LENGTH;
    if (cs_base64_decode(nonce, len, CS_BASE64_STANDARD, raw, sizeof raw,
                         &raw_len) != CS_OK)
        return CS_E_ENCODING;
    if (raw_len < 32 || raw_len > 32 + CS_AKA_NONCE_MAX_SERVER_DATA)
        return CS_E_BAD_LENGTH;
    if (server_data != NULL && raw_len - 32 > sd_cap)
        return CS_E_TOO_LARGE;
    memcpy(rand, raw, 16);
    memcpy(autn, raw + 16, 16);
    if (server_data != NULL) {
        memcpy(server_data, raw + 32, raw_len - 32);
        if (sd_len != NULL)
            *sd_len = raw_len - 32;
    }
    return CS_OK;
}

void cs_digest_auts_encode(const uint8_t auts[14], char out[CS_AKA_AUTS_B64_MAX])
{
    size_t len;
    (void)cs_base64_encode(auts, 14, CS_BASE64_STANDARD, out, CS_AKA_AUTS_B64_MAX,
                           &len);
}

cs_err cs_digest_auts_decode(const char *value, uint8_t auts[14])
{
    uint8_t raw[CS_AKA_AUTS_B64_MAX * 3 / 4 + 3];
    size_t len = strlen(value), raw_len;
    if (len > CS_AKA_AUTS_B64_MAX - 1)
        return CS_E_BAD_LENGTH;
    if (cs_base64_decode(value, len, CS_BASE64_STANDARD, raw, sizeof raw,
                         &raw_len) != CS_OK)
        return CS_E_ENCODING;
    if (raw_len != 14)
        return CS_E_BAD_LENGTH;
    memcpy(auts, raw, 14);
    return CS_OK;
}
