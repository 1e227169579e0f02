/*
 * codec_internal.h - the per-format decoders and encoders behind
 * cs_decode / cs_encode, and small helpers they share.
 *
 * A format decoder only parses: it appends records typed from the registry
 * where the format carries no type (TLV, text, opaque) and typed by the
 * format otherwise; cs_decode then checks the list as a whole
 * (cs_records_validate) and rolls back on error.  A format encoder appends
 * to `out`; cs_encode truncates `out` back on error.
 */
#ifndef CELLSTRAP_CODEC_INTERNAL_H
#define CELLSTRAP_CODEC_INTERNAL_H

#include "cellstrap/codec.h"

typedef cs_err (*cs_decode_fn)(const cs_path *target, const uint8_t *data,
                               size_t len, const cs_registry *reg,
                               cs_records *out);
typedef cs_err (*cs_encode_fn)(const cs_path *target, const cs_records *in,
                               const cs_registry *reg, cs_buf *out);

#define CS_DECLARE_CODEC(name)                                               \
    cs_err cs_##name##_decode(const cs_path *target, const uint8_t *data,    \
                              size_t len, const cs_registry *reg,            \
                              cs_records *out);                              \
    cs_err cs_##name##_encode(const cs_path *target, const cs_records *in,   \
                              const cs_registry *reg, cs_buf *out)

CS_DECLARE_CODEC(text);
CS_DECLARE_CODEC(opaque);
CS_DECLARE_CODEC(cbor_value);
CS_DECLARE_CODEC(tlv);
CS_DECLARE_CODEC(oma_json);
CS_DECLARE_CODEC(senml_json);
CS_DECLARE_CODEC(senml_cbor);
CS_DECLARE_CODEC(lwm2m_cbor);

/* The resource definition for `path` (level 3 or 4), or NULL (no registry,
 * unknown object or resource). */
const cs_resource_def *cs_codec_resource(const cs_registry *reg,
                                         const cs_path *path);

/*
 * For single-value formats: the one record of `in` that names `target`.
 * CS_E_NOT_ACCEPTABLE when `in` has another shape, or when target is not a
 * resource or resource instance.
 */
cs_err cs_codec_single_record(const cs_path *target, const cs_records *in,
                              const cs_record **out);

/* True when s[0..len) is well-formed UTF-8 (RFC 3629), in utf8.c. */
bool cs_codec_utf8_valid(const uint8_t *s, size_t len);

/* ---- Numbers as text (number.c) ---- */

/* Room for any number these functions write, NUL included. */
#define CS_CODEC_NUMBER_MAX 32

/* Strict decimal parsing of exactly `len` chars: no sign on unsigned, no
 * '+', no whitespace, no leading-zero check.  CS_E_SYNTAX or CS_E_RANGE. */
cs_err cs_codec_parse_uint64(const char *s, size_t len, uint64_t *out);
cs_err cs_codec_parse_int64(const char *s, size_t len, int64_t *out);
/* A JSON-grammar number (RFC 8259 §6) to double; no inf/nan/hex. */
cs_err cs_codec_parse_double(const char *s, size_t len, double *out);

/* Write a number (NUL-terminated); return its length, or -1 when `cap` is
 * under CS_CODEC_NUMBER_MAX or the double is not finite.  Doubles use the
 * shortest form that reads back to the same value ("0.1", "1e+300"). */
int cs_codec_format_double(double v, char *buf, size_t cap);
int cs_codec_format_int64(int64_t v, char *buf, size_t cap);
int cs_codec_format_uint64(uint64_t v, char *buf, size_t cap);

#endif
