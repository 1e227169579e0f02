/*
 * cellstrap/codec.h - LwM2M content formats: record lists, output buffers,
 * and one decode/encode entry point for every format.
 *
 * A payload is decoded into a cs_records: a flat list of (path, value)
 * records, each naming a resource or resource instance (or, with no value,
 * an empty container).  Encoders take the same list.  Decoders are strict
 * and bounded: they never read outside their input, they type every value
 * from the registry's object definitions, and they refuse malformed input
 * with a specific cs_err that maps to the CoAP code to answer with.
 *
 * CoRE link format (40) is not a record format; see cellstrap/linkformat.h.
 */
#ifndef CELLSTRAP_CODEC_H
#define CELLSTRAP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"
#include "cellstrap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CoAP Content-Format numbers used by LwM2M. */
enum cs_format {
    CS_FORMAT_TEXT = 0,          /* text/plain */
    CS_FORMAT_LINK = 40,         /* application/link-format */
    CS_FORMAT_OPAQUE = 42,       /* application/octet-stream */
    CS_FORMAT_CBOR = 60,         /* application/cbor (single value) */
    CS_FORMAT_SENML_JSON = 110,  /* application/senml+json */
    CS_FORMAT_SENML_CBOR = 112,  /* application/senml+cbor */
    CS_FORMAT_TLV = 11542,       /* application/vnd.oma.lwm2m+tlv */
    CS_FORMAT_OMA_JSON = 11543,  /* application/vnd.oma.lwm2m+json */
    CS_FORMAT_LWM2M_CBOR = 11544 /* application/vnd.oma.lwm2m+cbor */
};

/* Media type name of a format ("application/senml+json"), or NULL. */
const char *cs_format_name(uint16_t format);

/* ---- Output buffer ----------------------------------------------------- */

/*
 * A growable byte buffer with a hard upper bound.  Appending past `max`
 * fails with CS_E_TOO_LARGE and leaves the buffer as it was.
 */
typedef struct cs_buf {
    uint8_t *data;   /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
} cs_buf;

/* An empty buffer that may grow to `max` bytes. */
void cs_buf_init(cs_buf *buf, size_t max);
/* Release the storage; the buffer is empty and may be used again. */
void cs_buf_free(cs_buf *buf);
/* Forget the content, keep the storage. */
void cs_buf_reset(cs_buf *buf);
cs_err cs_buf_append(cs_buf *buf, const void *data, size_t len);
cs_err cs_buf_append_byte(cs_buf *buf, uint8_t byte);
/* Make room for `len` more bytes; returns a pointer to them (len unchanged). */
cs_err cs_buf_reserve(cs_buf *buf, size_t len, uint8_t **out);

/* ---- Record lists ------------------------------------------------------ */

typedef struct cs_record {
    cs_path path;
    cs_value value;      /* CS_TYPE_NONE: an empty container (see below) */
    bool has_time;       /* SenML/OMA JSON time, seconds (absolute) */
    double time;
} cs_record;

/*
 * An ordered list of records and the storage for their strings and opaque
 * values.  A record with a NONE value at resource level stands for a
 * multiple resource with no instances; at instance level for an object
 * instance with no resources.
 */
typedef struct cs_records {
    cs_record *items;
    size_t count;
    size_t cap;
    size_t max_records;      /* bound on count; 0 = CS_RECORDS_DEFAULT_MAX */
    struct cs_arena_chunk *arena; /* owned copies of string/opaque values */
    size_t arena_bytes;
    size_t max_bytes;        /* bound on arena_bytes; 0 = CS_RECORDS_DEFAULT_MAX_BYTES */
} cs_records;

#define CS_RECORDS_DEFAULT_MAX 4096
#define CS_RECORDS_DEFAULT_MAX_BYTES (1024u * 1024u)

/* An empty list with the default bounds. */
void cs_records_init(cs_records *rs);
/* Release all records and their storage; the list is empty again. */
void cs_records_free(cs_records *rs);
/* Forget the records but keep bounds; storage is released. */
void cs_records_clear(cs_records *rs);

/*
 * Append a record.  STRING, OPAQUE and CORELNK bytes are copied into the
 * list's own storage, so `value` may point into a transient buffer.
 * Returns CS_OK, CS_E_TOO_LARGE (a bound) or CS_E_NOMEM.
 */
cs_err cs_records_add(cs_records *rs, const cs_path *path,
                      const cs_value *value);
/* As cs_records_add, with a timestamp. */
cs_err cs_records_add_timed(cs_records *rs, const cs_path *path,
                            const cs_value *value, double time);

/*
 * Copy `len` bytes into the list's storage, for decoders that must build a
 * value (unescaped strings, decoded base64) before adding it.  The copy
 * lives as long as the list.
 */
cs_err cs_records_store(cs_records *rs, const void *data, size_t len,
                        const uint8_t **out);

/* Sort records by path (stable). */
void cs_records_sort(cs_records *rs);

/*
 * Check the list as a decoded payload for `target` (the request's path):
 * every record lies under `target`; no path appears twice (except as
 * timestamped samples with distinct times, as in a notification or Send
 * with history) and no record is both a container and under another record; with `reg`, every known
 * resource gets a value of its type, in its range, single resources have no
 * instances and multiple ones are not written as single.  Returns CS_OK or
 * the first error (CS_E_PATH, CS_E_DUPLICATE, CS_E_NESTING, CS_E_TYPE,
 * CS_E_RANGE).  The list is sorted as a side effect.
 */
cs_err cs_records_validate(cs_records *rs, const cs_path *target,
                           const cs_registry *reg);

/* ---- Decode and encode ------------------------------------------------- */

/*
 * Decode a payload of `format` sent for `target` into `out` (appended).
 * With `reg`, values of known resources get their defined type, and a value
 * that does not fit is refused; values of unknown resources get the type
 * the format carries (Opaque where the format carries none, as in TLV and
 * octet-stream; String for text/plain).  On error `out` is left as it was
 * before the call.
 *
 * Errors: the malformed-input codes (4.00), CS_E_TOO_LARGE, CS_E_NOMEM,
 * CS_E_UNSUPPORTED_FORMAT for an unknown format or CS_FORMAT_LINK.
 */
cs_err cs_decode(uint16_t format, const cs_path *target, const uint8_t *data,
                 size_t len, const cs_registry *reg, cs_records *out);

/*
 * Encode `in` as a payload of `format` answering a request on `target`,
 * appended to `out`.  Single-value formats (text, opaque, CBOR 60) need
 * exactly one record that names `target`; CS_E_NOT_ACCEPTABLE otherwise.
 * `reg` may be NULL; TLV uses it to know which resources are multiple.
 * Record order is kept where the format allows; paths must be unique.
 */
cs_err cs_encode(uint16_t format, const cs_path *target, const cs_records *in,
                 const cs_registry *reg, cs_buf *out);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_CODEC_H */
