/*
 * cbor_common.h - CBOR pieces shared by the CBOR single-value codec (60) and
 * the LwM2M CBOR codec (11544): a pull tokenizer over libcbor's streaming
 * decoder, the LwM2M value mapping in both directions, and small writers
 * that append CBOR items to a cs_buf.
 *
 * The tokenizer never allocates and never reads outside its input: definite
 * strings are returned as pointers into the input, and a declared length
 * (string, array or map) that cannot fit in the bytes left is reported as
 * CS_E_TRUNCATED before anything is done with it.
 */
#ifndef CELLSTRAP_CBOR_COMMON_H
#define CELLSTRAP_CBOR_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_internal.h"

/* ---- Tokens ------------------------------------------------------------ */

typedef enum cs_cbor_kind {
    CS_CBOR_UINT,          /* major 0; value in u */
    CS_CBOR_NEGINT,        /* major 1; the value is -1 - u */
    CS_CBOR_BYTES,         /* definite byte string; data, len */
    CS_CBOR_TEXT,          /* definite text string; data, len (not checked) */
    CS_CBOR_BYTES_INDEF,   /* start of an indefinite byte string */
    CS_CBOR_TEXT_INDEF,    /* start of an indefinite text string */
    CS_CBOR_ARRAY,         /* definite array of u items */
    CS_CBOR_ARRAY_INDEF,
    CS_CBOR_MAP,           /* definite map of u pairs */
    CS_CBOR_MAP_INDEF,
    CS_CBOR_TAG,           /* tag number u; the tagged item follows */
    CS_CBOR_FLOAT,         /* half, single or double; value in f */
    CS_CBOR_BOOL,          /* value in b */
    CS_CBOR_NULL,
    CS_CBOR_UNDEFINED,
    CS_CBOR_BREAK          /* the "break" stop code of indefinite items */
} cs_cbor_kind;

typedef struct cs_cbor_token {
    cs_cbor_kind kind;
    uint64_t u;
    double f;
    bool b;
    const uint8_t *data;
    size_t len;
} cs_cbor_token;

typedef struct cs_cbor_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
} cs_cbor_reader;

void cs_cbor_reader_init(cs_cbor_reader *r, const uint8_t *data, size_t len);

/* True when every input byte has been consumed. */
bool cs_cbor_at_end(const cs_cbor_reader *r);

/*
 * Read the next data item head (or a whole definite string).  Returns
 * CS_OK; CS_E_TRUNCATED when the input ends inside the item or a declared
 * length exceeds what is left; CS_E_SYNTAX for reserved or unassigned
 * encodings that libcbor refuses.
 */
cs_err cs_cbor_next(cs_cbor_reader *r, cs_cbor_token *t);

/* ---- Values ------------------------------------------------------------ */

/* Where chunks of indefinite-length strings are joined; reused from one
 * value to the next, released with cs_cbor_scratch_free. */
typedef struct cs_cbor_scratch {
    uint8_t *data;
    size_t len;
    size_t cap;
} cs_cbor_scratch;

void cs_cbor_scratch_free(cs_cbor_scratch *s);

/*
 * Read the value whose first token `t` has just been read, and give it the
 * type the CBOR carries: unsigned integers INTEGER (UNSIGNED above
 * INT64_MAX), negative integers INTEGER, floats FLOAT, true/false BOOLEAN,
 * byte strings OPAQUE, text strings STRING (OBJLNK "oid:iid" when `defined`
 * is OBJLNK), tag 1 (epoch seconds) and tag 0 (RFC 3339 text) TIME, null
 * NONE.  Indefinite-length strings are joined in `scratch`; `out` may point
 * into the input or into `scratch` until the next call.
 *
 * Errors: CS_E_TYPE (map, array, undefined, any other tag), CS_E_RANGE
 * (integer beyond 64 bits, time not a whole number of seconds), CS_E_SYNTAX
 * (break out of place, bad string chunk, malformed Objlnk or date text),
 * CS_E_ENCODING (text that is not UTF-8), CS_E_TRUNCATED, CS_E_NOMEM.
 */
cs_err cs_cbor_read_value(cs_cbor_reader *r, const cs_cbor_token *t,
                          cs_type defined, cs_cbor_scratch *scratch,
                          cs_value *out);


/*
 * `value` converted to the type `def` gives it, when a definition exists
 * and the conversion loses nothing; `value` itself otherwise.  Encoders use
 * it so a peer that types strictly by the CBOR major type (Leshan reads a
 * Float resource only from a CBOR float) gets what it expects.
 */
cs_value cs_cbor_as_defined(const cs_value *value, const cs_resource_def *def);

/* ---- Writers ----------------------------------------------------------- */

cs_err cs_cbor_put_uint(cs_buf *out, uint64_t v);
cs_err cs_cbor_put_map(cs_buf *out, size_t pairs);
cs_err cs_cbor_put_null(cs_buf *out);

/*
 * Append `value` (any type but NONE): INTEGER as major 0/1, UNSIGNED as
 * major 0, FLOAT in the shortest of half/single/double that holds it
 * exactly, BOOLEAN as true/false, STRING and CORELNK as text, OPAQUE as
 * bytes, TIME as tag 1 on an integer, OBJLNK as text "oid:iid".  Returns
 * CS_E_NOT_ACCEPTABLE for NONE or for a string that is not UTF-8 (CBOR text
 * must be), CS_E_TOO_LARGE when `out` is full.
 */
cs_err cs_cbor_put_value(cs_buf *out, const cs_value *value);

#endif
