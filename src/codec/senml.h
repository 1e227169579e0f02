/*
 * senml.h - SenML (RFC 8428) as LwM2M 1.1+ uses it, shared by the SenML
 * JSON (110) and SenML CBOR (112) codecs: what a record means once its
 * fields are parsed, and how records are named when encoding.
 *
 * The format parsers only find fields and check their syntax; they fill a
 * cs_senml_record per record and hand it to cs_senml_add_record, which
 * applies the base fields (bn, bt, bv), resolves the name into a path,
 * checks that the record carries exactly one value, and appends it.
 *
 * Decisions that hold for both formats:
 * - Resolved name = current bn + n (plain concatenation, RFC 8428 §4.6);
 *   it must parse as an LwM2M path (cs_path_parse), else CS_E_PATH.
 * - Time: a record has a time when a base time is in effect or it has t;
 *   the time is bt + t, kept as given.  RFC 8428 reads values below 2^28
 *   as relative to "now" (0 = now, negative = past); resolving them
 *   against a clock is the caller's business (see cs_senml_is_relative).
 * - Base value (bv) is added to the numeric value v (RFC 8428 §4.6); LwM2M
 *   peers do not send it, but ignoring it would silently change values.
 * - Values: v gives INTEGER for integral numbers (UNSIGNED above
 *   INT64_MAX, FLOAT when even that does not hold them), FLOAT for reals;
 *   vs STRING, vb BOOLEAN, vd OPAQUE, vlo OBJLNK.  cs_records_validate then
 *   converts to the resource's type when lossless (e.g. vs to Corelnk).
 *   SenML has no Unsigned, Time or Corelnk type of its own, so for a
 *   resource the registry does not know, such values come back as
 *   INTEGER or STRING; floats are written so that they stay FLOAT.
 * - A record must carry exactly one of v, vs, vb, vd, vlo: none or two is
 *   CS_E_SYNTAX.  Records without a value exist only in the path lists of
 *   Read-Composite / Observe-Composite requests, decoded separately
 *   (cs_senml_*_decode_paths below).
 * - Fields this profile does not use (bu, bs, bver, u, s, ut) and unknown
 *   fields are ignored; unknown fields whose label ends in '_' are
 *   mandatory to understand (RFC 8428 §4.4) and refused with CS_E_SYNTAX.
 * - A field given twice in one record is CS_E_DUPLICATE.
 * - Non-finite numbers (CBOR NaN, infinities; JSON overflow) are CS_E_RANGE.
 */
#ifndef CELLSTRAP_SENML_H
#define CELLSTRAP_SENML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_internal.h"

/* Fields of a record, as bits of cs_senml_record.fields. */
enum cs_senml_field {
    CS_SENML_BN = 1u << 0,
    CS_SENML_BT = 1u << 1,
    CS_SENML_BV = 1u << 2,
    CS_SENML_N = 1u << 3,
    CS_SENML_T = 1u << 4,
    CS_SENML_V = 1u << 5,
    CS_SENML_VS = 1u << 6,
    CS_SENML_VB = 1u << 7,
    CS_SENML_VD = 1u << 8,
    CS_SENML_VLO = 1u << 9
};

#define CS_SENML_VALUE_FIELDS                                                \
    (CS_SENML_V | CS_SENML_VS | CS_SENML_VB | CS_SENML_VD | CS_SENML_VLO)

/* Longest base name and resolved name worth looking at: the longest path,
 * "/65534/65534/65534/65534/", is 25 characters; anything longer than this
 * cannot resolve to a path and is refused early with CS_E_PATH. */
#define CS_SENML_NAME_MAX 32

/*
 * The fields of one record as the parser found them.  Strings point into
 * the payload or the parser's scratch space and need live only until
 * cs_senml_add_record returns.  Numbers (bt, t, bv, and v) are cs_values of
 * type INTEGER, UNSIGNED or FLOAT.
 */
typedef struct cs_senml_record {
    unsigned fields;         /* enum cs_senml_field bits seen so far */
    const char *bn;
    size_t bn_len;
    const char *n;
    size_t n_len;
    cs_value bt, t, bv;
    cs_value value;          /* v, vs, vb, vd or vlo */
} cs_senml_record;

/* What carries from one record to the next while decoding a pack. */
typedef struct cs_senml_pack {
    char bn[CS_SENML_NAME_MAX];
    size_t bn_len;
    bool has_bt;
    double bt;
    bool has_bv;
    cs_value bv;
    bool paths_only;         /* records name paths and carry no value */
    cs_records *out;
} cs_senml_pack;

void cs_senml_pack_init(cs_senml_pack *pack, cs_records *out, bool paths_only);

/* An empty record. */
void cs_senml_record_init(cs_senml_record *rec);

/*
 * Note that the parser met `field` in `rec`: CS_E_DUPLICATE when it was
 * already there, CS_E_SYNTAX when it is a second value field.
 */
cs_err cs_senml_record_mark(cs_senml_record *rec, unsigned field);

/* Resolve `rec` against the pack's base fields and append it to the
 * pack's record list. */
cs_err cs_senml_add_record(cs_senml_pack *pack, const cs_senml_record *rec);

/* True when a label (JSON key, CBOR text label) ends in '_': an extension
 * the receiver must understand, so an unknown one is an error. */
bool cs_senml_label_is_mandatory(const char *label, size_t len);

/* Parse "oid:iid" (decimal, 0..65535 each, no sign, no leading zeros) into
 * an OBJLNK value; CS_E_SYNTAX otherwise. */
cs_err cs_senml_parse_objlnk(const char *s, size_t len, cs_value *out);

/* Write "oid:iid" into buf (cap >= 12); returns the length. */
size_t cs_senml_format_objlnk(cs_objlnk lnk, char *buf, size_t cap);

/* True for a time RFC 8428 reads as relative to the receiver's clock
 * (below 2^28 seconds, i.e. before 1978-07-04). */
bool cs_senml_is_relative(double time);

/* ---- Encoding: naming records ---------------------------------------- */

/*
 * Names records the way Leshan does: a payload for /3/0 starts with
 * bn "/3/0/" and names each record relative to it ("0", "6/0"); a record
 * that is the target itself (a resource read) carries bn "/3/0/0" and no
 * n.  For the root target (Send, composite) there is no bn and n is the
 * full path, as in the TS's Send example.
 */
typedef struct cs_senml_namer {
    const cs_path *target;
    char target_text[CS_PATH_TEXT_MAX];
    size_t target_len;
    int bn_state;           /* 0 none yet, 1 "target/", 2 "target" */
} cs_senml_namer;

/* The bn to write (or none) and the n to write (or none) for one record. */
typedef struct cs_senml_names {
    const char *bn;          /* NULL: no bn in this record */
    size_t bn_len;
    const char *n;           /* NULL: no n in this record */
    size_t n_len;
    char bn_buf[CS_PATH_TEXT_MAX + 1];
    char n_buf[CS_PATH_TEXT_MAX];
} cs_senml_names;

void cs_senml_namer_init(cs_senml_namer *namer, const cs_path *target);

/* Names for the next record, at `path`; CS_E_PATH when the path is not
 * valid or not under the target. */
cs_err cs_senml_namer_next(cs_senml_namer *namer, const cs_path *path,
                           cs_senml_names *names);

/*
 * Whether a record is written at all: NONE values (empty multiple
 * resources and instances) have no SenML form and are left out, so an
 * empty container reads as an empty pack.  A value above resource level
 * cannot be named and is CS_E_NOT_ACCEPTABLE.
 */
cs_err cs_senml_record_is_written(const cs_record *rec, bool *written);

/*
 * The value to write for `rec`: converted to the type its resource is
 * defined with (reg may be NULL) when that loses nothing, else as it is.
 * SenML carries integers and floats differently, and strict peers read a
 * Float resource only from a float (Leshan), an Integer only from an
 * integer.
 */
cs_value cs_senml_value_to_write(const cs_registry *reg, const cs_record *rec);

/* ---- Path lists (Read-Composite, Observe-Composite requests) ---------- */

/*
 * A pack of records that only name paths, e.g. [{"n":"/3/0/0"},{"n":"/1"}].
 * Decoding appends one NONE record per path (any level, the root
 * included, not checked against a target or a registry); a record with a
 * value is CS_E_SYNTAX.  Encoding writes one record per path, the full
 * path in n.
 */
cs_err cs_senml_json_decode_paths(const uint8_t *data, size_t len,
                                  cs_records *out);
cs_err cs_senml_cbor_decode_paths(const uint8_t *data, size_t len,
                                  cs_records *out);
cs_err cs_senml_json_encode_paths(const cs_path *paths, size_t count,
                                  cs_buf *out);
cs_err cs_senml_cbor_encode_paths(const cs_path *paths, size_t count,
                                  cs_buf *out);

#endif
