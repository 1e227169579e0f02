/*
 * cbor_common.c - the CBOR layer under the CBOR single-value codec (60) and
 * the LwM2M CBOR codec (11544): a pull tokenizer over libcbor's streaming
 * decoder, the mapping between CBOR items and LwM2M values, and writers
 * that append CBOR to a cs_buf with libcbor's low-level encoders.
 *
 * Why a pull tokenizer over cbor_stream_decode rather than cbor_load: the
 * streaming decoder reads one item head per call, never allocates, and
 * hands out definite strings as pointers into the input, so decoding a
 * payload costs no heap except the records themselves; cbor_load would
 * build (and then free) a tree of the whole payload first.  The callbacks
 * only copy the head into a token; the codecs above keep their own small,
 * bounded state.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_common.h"

/* ---- Tokenizer --------------------------------------------------------- */

void cs_cbor_reader_init(cs_cbor_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
}

bool cs_cbor_at_end(const cs_cbor_reader *r)
{
    return r->pos == r->len;
}

/* libcbor calls exactly one of these per successful cbor_stream_decode; each
 * stores what it got in the token passed as context. */
static void set_uint(void *ctx, uint64_t v)
{
    cs_cbor_token *t = ctx;
    t->kind = CS_CBOR_UINT;
    t->u = v;
}
static void on_uint8(void *ctx, uint8_t v) { set_uint(ctx, v); }
static void on_uint16(void *ctx, uint16_t v) { set_uint(ctx, v); }
static void on_uint32(void *ctx, uint32_t v) { set_uint(ctx, v); }
static void on_uint64(void *ctx, uint64_t v) { set_uint(ctx, v); }

static void set_negint(void *ctx, uint64_t v)
{
    cs_cbor_token *t = ctx;
    t->kind = CS_CBOR_NEGINT;
    t->u = v;
}
static void on_negint8(void *ctx, uint8_t v) { set_negint(ctx, v); }
static void on_negint16(void *ctx, uint16_t v) { set_negint(ctx, v); }
static void on_negint32(void *ctx, uint32_t v) { set_negint(ctx, v); }
static void on_negint64(void *ctx, uint64_t v) { set_negint(ctx, v); }

static void set_kind(void *ctx, cs_cbor_kind kind)
{
    ((cs_cbor_token *)ctx)->kind = kind;
}

static void set_string(void *ctx, cs_cbor_kind kind, cbor_data data,
                       size_t len)
{
    cs_cbor_token *t = ctx;
    t->kind = kind;
    t->data = data;
    t->len = len;
}
static void on_bytes(void *ctx, cbor_data d, size_t n)
{
    set_string(ctx, CS_CBOR_BYTES, d, n);
}
static void on_text(void *ctx, cbor_data d, size_t n)
{
    set_string(ctx, CS_CBOR_TEXT, d, n);
}
static void on_bytes_indef(void *ctx) { set_kind(ctx, CS_CBOR_BYTES_INDEF); }
static void on_text_indef(void *ctx) { set_kind(ctx, CS_CBOR_TEXT_INDEF); }

static void set_collection(void *ctx, cs_cbor_kind kind, uint64_t count)
{
    cs_cbor_token *t = ctx;
    t->kind = kind;
    t->u = count;
}
static void on_array(void *ctx, size_t n)
{
    set_collection(ctx, CS_CBOR_ARRAY, n);
}
static void on_map(void *ctx, size_t n) { set_collection(ctx, CS_CBOR_MAP, n); }
static void on_array_indef(void *ctx) { set_kind(ctx, CS_CBOR_ARRAY_INDEF); }
static void on_map_indef(void *ctx) { set_kind(ctx, CS_CBOR_MAP_INDEF); }
static void on_tag(void *ctx, uint64_t tag)
{
    set_collection(ctx, CS_CBOR_TAG, tag);
}

static void set_float(void *ctx, double f)
{
    cs_cbor_token *t = ctx;
    t->kind = CS_CBOR_FLOAT;
    t->f = f;
}
static void on_float2(void *ctx, float f) { set_float(ctx, (double)f); }
static void on_float4(void *ctx, float f) { set_float(ctx, (double)f); }
static void on_float8(void *ctx, double f) { set_float(ctx, f); }

static void on_bool(void *ctx, bool b)
{
    cs_cbor_token *t = ctx;
    t->kind = CS_CBOR_BOOL;
    t->b = b;
}
static void on_null(void *ctx) { set_kind(ctx, CS_CBOR_NULL); }
static void on_undefined(void *ctx) { set_kind(ctx, CS_CBOR_UNDEFINED); }
static void on_break(void *ctx) { set_kind(ctx, CS_CBOR_BREAK); }

static const struct cbor_callbacks token_callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint64,
    .negint8 = on_negint8,
    .negint16 = on_negint16,
    .negint32 = on_negint32,
    .negint64 = on_negint64,
    .byte_string_start = on_bytes_indef,
    .byte_string = on_bytes,
    .string = on_text,
    .string_start = on_text_indef,
    .indef_array_start = on_array_indef,
    .array_start = on_array,
    .indef_map_start = on_map_indef,
    .map_start = on_map,
    .tag = on_tag,
    .float2 = on_float2,
    .float4 = on_float4,
    .float8 = on_float8,
    .undefined = on_undefined,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_break,
};

/*
 * libcbor 0.8 casts an 8-byte string length or item count to size_t: where
 * size_t has 32 bits a declared length of 2^32 + 5 would read as 5.  Such a
 * length can never fit the input anyway, so refuse it before libcbor sees it.
 */
static bool length_beyond_size_t(const uint8_t *p, size_t left)
{
    unsigned major = p[0] >> 5;
    if ((p[0] & 0x1F) != 27 || major < 2 || major > 5 || left < 9)
        return false;
    uint64_t v = 0;
    for (int i = 1; i <= 8; i++)
        v = v << 8 | p[i];
    return (size_t)v != v;    /* does not survive the cast */
}

cs_err cs_cbor_next(cs_cbor_reader *r, cs_cbor_token *t)
{
    memset(t, 0, sizeof *t);
    t->kind = CS_CBOR_UNDEFINED;
    size_t left = r->len - r->pos;
    if (left > 0 && length_beyond_size_t(r->data + r->pos, left))
        return CS_E_TRUNCATED;
    struct cbor_decoder_result res =
        cbor_stream_decode(r->data + r->pos, left, &token_callbacks, t);
    if (res.status == CBOR_DECODER_NEDATA)
        return CS_E_TRUNCATED;
    if (res.status != CBOR_DECODER_FINISHED || res.read == 0 ||
        res.read > left)
        return CS_E_SYNTAX;
    r->pos += res.read;
    left -= res.read;
    /* Every array item takes at least one byte and every map pair two: a
     * count beyond that cannot be honoured by what is left, so say so now
     * rather than counting down a declared 2^64 entries. */
    if (t->kind == CS_CBOR_ARRAY && t->u > left)
        return CS_E_TRUNCATED;
    if (t->kind == CS_CBOR_MAP && t->u > left / 2)
        return CS_E_TRUNCATED;
    return CS_OK;
}

/* ---- Strings ----------------------------------------------------------- */

void cs_cbor_scratch_free(cs_cbor_scratch *s)
{
    free(s->data);
    s->data = NULL;
    s->len = 0;
    s->cap = 0;
}

static cs_err scratch_append(cs_cbor_scratch *s, const uint8_t *data,
                             size_t len)
{
    if (len == 0)
        return CS_OK;
    if (s->cap - s->len < len) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap - s->len < len)
            cap *= 2;    /* total is bounded by the input length */
        uint8_t *grown = realloc(s->data, cap);
        if (grown == NULL)
            return CS_E_NOMEM;
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return CS_OK;
}

/*
 * The chunks of an indefinite-length string, up to its break, joined in
 * `s`.  Each chunk must be a definite string of the same major type
 * (RFC 8949 §3.2.3); text chunks must each be UTF-8 on their own.
 */
static cs_err read_chunks(cs_cbor_reader *r, cs_cbor_kind chunk_kind,
                          cs_cbor_scratch *s)
{
    s->len = 0;
    for (;;) {
        cs_cbor_token t;
        cs_err err = cs_cbor_next(r, &t);
        if (err != CS_OK)
            return err;
        if (t.kind == CS_CBOR_BREAK)
            return CS_OK;
        if (t.kind != chunk_kind)
            return CS_E_SYNTAX;
        if (chunk_kind == CS_CBOR_TEXT && !cs_codec_utf8_valid(t.data, t.len))
            return CS_E_ENCODING;
        err = scratch_append(s, t.data, t.len);
        if (err != CS_OK)
            return err;
    }
}

/* A text or byte string item starting at `t`, definite or not. */
static cs_err read_string(cs_cbor_reader *r, const cs_cbor_token *t,
                          cs_cbor_scratch *s, const uint8_t **data,
                          size_t *len)
{
    if (t->kind == CS_CBOR_TEXT || t->kind == CS_CBOR_BYTES) {
        if (t->kind == CS_CBOR_TEXT && !cs_codec_utf8_valid(t->data, t->len))
            return CS_E_ENCODING;
        *data = t->data;
        *len = t->len;
        return CS_OK;
    }
    cs_err err = read_chunks(
        r, t->kind == CS_CBOR_TEXT_INDEF ? CS_CBOR_TEXT : CS_CBOR_BYTES, s);
    if (err != CS_OK)
        return err;
    *data = s->data;
    *len = s->len;
    return CS_OK;
}

static bool is_text(cs_cbor_kind k)
{
    return k == CS_CBOR_TEXT || k == CS_CBOR_TEXT_INDEF;
}

static bool is_bytes(cs_cbor_kind k)
{
    return k == CS_CBOR_BYTES || k == CS_CBOR_BYTES_INDEF;
}

/* ---- Objlnk text ------------------------------------------------------- */

/* Decimal 0..65535 of 1..5 digits at s[*i]; advances *i. */
static cs_err parse_objlnk_id(const uint8_t *s, size_t len, size_t *i,
                              uint16_t *out)
{
    size_t start = *i;
    uint32_t v = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9' && *i - start < 6) {
        v = v * 10 + (uint32_t)(s[*i] - '0');
        (*i)++;
    }
    if (*i == start)
        return CS_E_SYNTAX;
    if (*i - start > 5 || v > 65535)
        return CS_E_RANGE;
    *out = (uint16_t)v;
    return CS_OK;
}

/*
 * "oid:iid", each 0..65535 ("65535:65535" is the null link).  One trailing
 * NUL is tolerated: Zephyr's CBOR writer counts the terminator of its
 * buffer into the string it sends.
 */
static cs_err parse_objlnk(const uint8_t *s, size_t len, cs_objlnk *out)
{
    if (len > 0 && s[len - 1] == '\0')
        len--;
    size_t i = 0;
    cs_err err = parse_objlnk_id(s, len, &i, &out->oid);
    if (err != CS_OK)
        return err;
    if (i >= len || s[i] != ':')
        return CS_E_SYNTAX;
    i++;
    err = parse_objlnk_id(s, len, &i, &out->iid);
    if (err != CS_OK)
        return err;
    return i == len ? CS_OK : CS_E_SYNTAX;
}

/* ---- RFC 3339 date-time (tag 0) ---------------------------------------- */

/* Exactly `n` decimal digits at s[*i]; advances *i. */
static bool take_digits(const uint8_t *s, size_t len, size_t *i, unsigned n,
                        unsigned *out)
{
    unsigned v = 0;
    for (unsigned k = 0; k < n; k++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[(*i)++] - '0');
    }
    *out = v;
    return true;
}

static bool take_char(const uint8_t *s, size_t len, size_t *i, char c)
{
    if (*i >= len || s[*i] != (uint8_t)c)
        return false;
    (*i)++;
    return true;
}

static bool is_leap_year(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y in 0..9999).
 * Years are counted from March so the leap day ends each year, and shifted
 * by one 400-year cycle (146097 days) so they never go negative. */
static int64_t days_since_epoch(unsigned y, unsigned m, unsigned d)
{
    int64_t yy = (int64_t)y + 400 - (m <= 2 ? 1 : 0);
    int64_t mm = m <= 2 ? (int64_t)m + 9 : (int64_t)m - 3;   /* March = 0 */
    int64_t days = yy * 365 + yy / 4 - yy / 100 + yy / 400 +
                   (153 * mm + 2) / 5 + (int64_t)d - 1;
    return days - 146097 - 719468;   /* 719468: 0000-03-01 to 1970-01-01 */
}

/*
 * RFC 3339 "date-time": YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), as
 * sent by Zephyr for Time resources.  A fraction must be all zeros: an LwM2M
 * Time is whole seconds.
 */
static cs_err parse_date_time(const uint8_t *s, size_t len, int64_t *out)
{
    size_t i = 0;
    unsigned y, mo, d, h, mi, sec;
    if (!take_digits(s, len, &i, 4, &y) || !take_char(s, len, &i, '-') ||
        !take_digits(s, len, &i, 2, &mo) || !take_char(s, len, &i, '-') ||
        !take_digits(s, len, &i, 2, &d))
        return CS_E_SYNTAX;
    if (!take_char(s, len, &i, 'T') && !take_char(s, len, &i, 't'))
        return CS_E_SYNTAX;
    if (!take_digits(s, len, &i, 2, &h) || !take_char(s, len, &i, ':') ||
        !take_digits(s, len, &i, 2, &mi) || !take_char(s, len, &i, ':') ||
        !take_digits(s, len, &i, 2, &sec))
        return CS_E_SYNTAX;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 60)
        return CS_E_SYNTAX;
    bool fraction = false, nonzero = false;
    if (take_char(s, len, &i, '.')) {
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            nonzero |= s[i] != '0';
            fraction = true;
            i++;
        }
        if (!fraction)
            return CS_E_SYNTAX;
    }
    int64_t offset = 0;
    if (!take_char(s, len, &i, 'Z') && !take_char(s, len, &i, 'z')) {
        int sign;
        unsigned oh, om;
        if (take_char(s, len, &i, '+'))
            sign = 1;
        else if (take_char(s, len, &i, '-'))
            sign = -1;
        else
            return CS_E_SYNTAX;
        if (!take_digits(s, len, &i, 2, &oh) || !take_char(s, len, &i, ':') ||
            !take_digits(s, len, &i, 2, &om) || oh > 23 || om > 59)
            return CS_E_SYNTAX;
        offset = sign * (int64_t)(oh * 3600 + om * 60);
    }
    if (i != len)
        return CS_E_SYNTAX;
    if (nonzero)
        return CS_E_RANGE;
    *out = days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
           offset;
    return CS_OK;
}

/* ---- Values ------------------------------------------------------------ */

/* 2^63 as a double: the first value no int64_t holds. */
#define TWO_POW_63 9223372036854775808.0

static cs_err integer_value(const cs_cbor_token *t, cs_value *out)
{
    if (t->kind == CS_CBOR_UINT) {
        *out = t->u <= (uint64_t)INT64_MAX ? cs_value_integer((int64_t)t->u)
                                           : cs_value_unsigned(t->u);
        return CS_OK;
    }
    if (t->u > (uint64_t)INT64_MAX)      /* below INT64_MIN */
        return CS_E_RANGE;
    *out = cs_value_integer(-1 - (int64_t)t->u);
    return CS_OK;
}

/* Tag 1: epoch seconds as an integer, or as a float holding whole seconds. */
static cs_err epoch_time(const cs_cbor_token *t, cs_value *out)
{
    if (t->kind == CS_CBOR_UINT || t->kind == CS_CBOR_NEGINT) {
        if (t->u > (uint64_t)INT64_MAX)
            return CS_E_RANGE;
        int64_t v = (int64_t)t->u;
        *out = cs_value_time(t->kind == CS_CBOR_UINT ? v : -1 - v);
        return CS_OK;
    }
    if (t->kind == CS_CBOR_FLOAT) {
        double f = t->f;
        if (isnan(f) || f != floor(f) || f < -TWO_POW_63 || f >= TWO_POW_63)
            return CS_E_RANGE;
        *out = cs_value_time((int64_t)f);
        return CS_OK;
    }
    return CS_E_TYPE;
}

static cs_err tagged_value(cs_cbor_reader *r, uint64_t tag,
                           cs_cbor_scratch *scratch, cs_value *out)
{
    cs_cbor_token t;
    cs_err err = cs_cbor_next(r, &t);
    if (err != CS_OK)
        return err;
    if (t.kind == CS_CBOR_BREAK)
        return CS_E_SYNTAX;
    if (tag == 1)
        return epoch_time(&t, out);
    if (tag == 0 && is_text(t.kind)) {
        const uint8_t *data;
        size_t len;
        int64_t secs = 0;
        err = read_string(r, &t, scratch, &data, &len);
        if (err == CS_OK)
            err = parse_date_time(data, len, &secs);
        if (err == CS_OK)
            *out = cs_value_time(secs);
        return err;
    }
    return CS_E_TYPE;
}

cs_err cs_cbor_read_value(cs_cbor_reader *r, const cs_cbor_token *t,
                          cs_type defined, cs_cbor_scratch *scratch,
                          cs_value *out)
{
    const uint8_t *data;
    size_t len;
    cs_err err;

    switch (t->kind) {
    case CS_CBOR_UINT:
    case CS_CBOR_NEGINT:
        return integer_value(t, out);
    case CS_CBOR_FLOAT:
        *out = cs_value_float(t->f);
        return CS_OK;
    case CS_CBOR_BOOL:
        *out = cs_value_boolean(t->b);
        return CS_OK;
    case CS_CBOR_NULL:
        *out = cs_value_none();
        return CS_OK;
    case CS_CBOR_BYTES:
    case CS_CBOR_BYTES_INDEF:
    case CS_CBOR_TEXT:
    case CS_CBOR_TEXT_INDEF:
        err = read_string(r, t, scratch, &data, &len);
        if (err != CS_OK)
            return err;
        if (is_bytes(t->kind)) {
            *out = cs_value_opaque(data, len);
        } else if (defined == CS_TYPE_OBJLNK) {
            cs_objlnk lnk;
            err = parse_objlnk(data, len, &lnk);
            if (err != CS_OK)
                return err;
            *out = cs_value_objlnk(lnk.oid, lnk.iid);
        } else {
            *out = cs_value_string((const char *)data, len);
        }
        return CS_OK;
    case CS_CBOR_TAG:
        return tagged_value(r, t->u, scratch, out);
    case CS_CBOR_BREAK:
        return CS_E_SYNTAX;
    case CS_CBOR_ARRAY:
    case CS_CBOR_ARRAY_INDEF:
    case CS_CBOR_MAP:
    case CS_CBOR_MAP_INDEF:
    case CS_CBOR_UNDEFINED:
        return CS_E_TYPE;
    }
    return CS_E_INTERNAL;
}

cs_value cs_cbor_as_defined(const cs_value *value, const cs_resource_def *def)
{
    cs_value v = *value;
    if (def != NULL && def->type != CS_TYPE_NONE && v.type != CS_TYPE_NONE &&
        v.type != def->type && cs_value_convert(&v, def->type) != CS_OK)
        v = *value;
    return v;
}

/* ---- Writers ----------------------------------------------------------- */

/* Longest head: initial byte and an 8-byte argument. */
#define HEAD_MAX 9

/* Append the head that `call` writes into the HEAD_MAX-byte array h_;
 * through a local array so a buffer with exactly enough room still takes
 * a short head. */
#define PUT_HEAD(out, call)                                                  \
    do {                                                                     \
        uint8_t h_[HEAD_MAX];                                                \
        size_t n_ = (call);                                                  \
        if (n_ == 0)                                                         \
            return CS_E_INTERNAL;                                            \
        cs_err e_ = cs_buf_append((out), h_, n_);                            \
        if (e_ != CS_OK)                                                     \
            return e_;                                                       \
    } while (0)

cs_err cs_cbor_put_uint(cs_buf *out, uint64_t v)
{
    PUT_HEAD(out, cbor_encode_uint(v, h_, HEAD_MAX));
    return CS_OK;
}

cs_err cs_cbor_put_map(cs_buf *out, size_t pairs)
{
    PUT_HEAD(out, cbor_encode_map_start(pairs, h_, HEAD_MAX));
    return CS_OK;
}

cs_err cs_cbor_put_null(cs_buf *out)
{
    PUT_HEAD(out, cbor_encode_null(h_, HEAD_MAX));
    return CS_OK;
}

static cs_err put_int(cs_buf *out, int64_t v)
{
    if (v >= 0)
        return cs_cbor_put_uint(out, (uint64_t)v);
    /* -1 - v without overflow at INT64_MIN */
    PUT_HEAD(out, cbor_encode_negint((uint64_t)(-(v + 1)), h_, HEAD_MAX));
    return CS_OK;
}

/*
 * The half-precision bits (RFC 8949 Appendix D layout) that hold `d`
 * exactly, if any.  libcbor's cbor_encode_half rounds what it cannot hold,
 * subnormals among them, so the conversion is done here and checked.
 */
static bool half_exact(double d, uint16_t *out)
{
    uint16_t sign = signbit(d) ? 0x8000 : 0;
    double a = fabs(d);
    if (isinf(a)) {
        *out = sign | 0x7C00;
        return true;
    }
    if (a < ldexp(1, -14)) {                   /* zero and subnormals */
        double units = ldexp(a, 24);           /* in steps of 2^-24 */
        if (units != floor(units))
            return false;
        *out = sign | (uint16_t)units;         /* < 1024 */
        return true;
    }
    if (a > 65504.0)
        return false;
    int e;
    double m = frexp(a, &e);                   /* a = m * 2^e, m in [0.5, 1) */
    double mant = ldexp(m, 11);                /* 1024..2047 when exact */
    if (mant != floor(mant))
        return false;
    /* biased exponent e - 1 + 15; the leading 1 of the significand goes */
    *out = sign | (uint16_t)((e + 14) << 10) |
           (uint16_t)((unsigned)mant - 1024);
    return true;
}

/*
 * The shortest of half, single and double that gives back `d` bit for bit
 * (RFC 8949 §4.2.2 preferred serialization); NaN as the canonical f97e00.
 */
static cs_err put_float(cs_buf *out, double d)
{
    uint8_t p[HEAD_MAX];
    uint16_t half = 0x7E00;                    /* NaN */
    size_t n;
    if (isnan(d) || half_exact(d, &half)) {
        p[0] = 0xF9;                           /* major 7, 2-byte float */
        p[1] = (uint8_t)(half >> 8);
        p[2] = (uint8_t)half;
        n = 3;
    } else if (fabs(d) <= FLT_MAX && (double)(float)d == d) {
        n = cbor_encode_single((float)d, p, HEAD_MAX);
    } else {
        n = cbor_encode_double(d, p, HEAD_MAX);
    }
    if (n == 0)
        return CS_E_INTERNAL;
    return cs_buf_append(out, p, n);
}

static cs_err put_string(cs_buf *out, bool text, const uint8_t *data,
                         size_t len)
{
    if (text && !cs_codec_utf8_valid(data, len))
        return CS_E_NOT_ACCEPTABLE;
    if (text)
        PUT_HEAD(out, cbor_encode_string_start(len, h_, HEAD_MAX));
    else
        PUT_HEAD(out, cbor_encode_bytestring_start(len, h_, HEAD_MAX));
    return cs_buf_append(out, data, len);
}

static cs_err put_objlnk(cs_buf *out, cs_objlnk lnk)
{
    char text[12];   /* "65535:65535" */
    int n = 0;
    unsigned ids[2] = { lnk.oid, lnk.iid };
    for (int k = 0; k < 2; k++) {
        char digits[5];
        int nd = 0;
        unsigned v = ids[k];
        do {
            digits[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (nd > 0)
            text[n++] = digits[--nd];
        if (k == 0)
            text[n++] = ':';
    }
    return put_string(out, true, (const uint8_t *)text, (size_t)n);
}

cs_err cs_cbor_put_value(cs_buf *out, const cs_value *value)
{
    cs_err err;
    switch (value->type) {
    case CS_TYPE_NONE:
        return CS_E_NOT_ACCEPTABLE;
    case CS_TYPE_INTEGER:
        return put_int(out, value->v.i);
    case CS_TYPE_UNSIGNED:
        return cs_cbor_put_uint(out, value->v.u);
    case CS_TYPE_FLOAT:
        return put_float(out, value->v.f);
    case CS_TYPE_BOOLEAN:
        PUT_HEAD(out, cbor_encode_bool(value->v.b, h_, HEAD_MAX));
        return CS_OK;
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        return put_string(out, true, value->v.bytes.data, value->v.bytes.len);
    case CS_TYPE_OPAQUE:
        return put_string(out, false, value->v.bytes.data,
                          value->v.bytes.len);
    case CS_TYPE_TIME:
        /* Tag 1 (epoch seconds), as Leshan and Anjay write Time. */
        PUT_HEAD(out, cbor_encode_tag(1, h_, HEAD_MAX));
        err = put_int(out, value->v.i);
        return err;
    case CS_TYPE_OBJLNK:
        return put_objlnk(out, value->v.lnk);
    }
    return CS_E_INVALID_ARG;
}
