/*
 * cellstrap/model.h - the LwM2M data model: paths, data types, values,
 * object definitions and the registry that holds them.
 *
 * Everything here is plain data with no I/O.  Codecs use the registry to
 * give each decoded value the type its resource is defined with, and to
 * refuse values that do not fit the definition.
 */
#ifndef CELLSTRAP_MODEL_H
#define CELLSTRAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Paths ------------------------------------------------------------- */

/* Largest valid object, instance or resource ID; 65535 is reserved. */
#define CS_ID_MAX 65534u
/* The reserved ID, used where an ID is absent (e.g. a null Objlnk). */
#define CS_ID_INVALID 65535u

enum cs_path_level {
    CS_LEVEL_ROOT = 0,              /* "/"          */
    CS_LEVEL_OBJECT = 1,            /* "/o"         */
    CS_LEVEL_INSTANCE = 2,          /* "/o/i"       */
    CS_LEVEL_RESOURCE = 3,          /* "/o/i/r"     */
    CS_LEVEL_RESOURCE_INSTANCE = 4  /* "/o/i/r/ri"  */
};

/* A path into the data model: `len` IDs (0..4) in ids[0..len-1]. */
typedef struct cs_path {
    uint16_t ids[4];
    uint8_t len;
} cs_path;

/* Longest text form of a path: "/65534/65534/65534/65534" and a NUL. */
#define CS_PATH_TEXT_MAX 25

/* Build paths; the IDs are not checked (use cs_path_is_valid). */
cs_path cs_path_root(void);
cs_path cs_path_object(uint16_t oid);
cs_path cs_path_instance(uint16_t oid, uint16_t iid);
cs_path cs_path_resource(uint16_t oid, uint16_t iid, uint16_t rid);
cs_path cs_path_resource_instance(uint16_t oid, uint16_t iid, uint16_t rid,
                                  uint16_t riid);

/* True when every ID is in 0..CS_ID_MAX and len is at most 4. */
bool cs_path_is_valid(const cs_path *path);

/*
 * Parse the text form of a path ("/", "/3", "/3/0", "/3/0/1", "/3/0/11/0";
 * one trailing slash is accepted, as in "/3/0/").  `text` need not be
 * NUL-terminated.  IDs are decimal without sign or leading zeros, 0..65534.
 * Returns CS_OK, or CS_E_PATH for anything else.
 */
cs_err cs_path_parse(const char *text, size_t len, cs_path *out);

/*
 * Build a path from CoAP Uri-Path option values, one segment each
 * (segs[i] of lens[i] bytes; no segment at all is the root).  Returns CS_OK
 * or CS_E_PATH (empty segment, not a decimal ID, more than four segments).
 */
cs_err cs_path_from_segments(const char *const *segs, const size_t *lens,
                             size_t count, cs_path *out);

/*
 * Write the text form of `path` into buf (NUL-terminated).  Returns the
 * length without the NUL, or -1 when `cap` is too small (use
 * CS_PATH_TEXT_MAX to be safe).
 */
int cs_path_format(const cs_path *path, char *buf, size_t cap);

/* Order: by IDs, a prefix before the paths under it (-1, 0, 1). */
int cs_path_compare(const cs_path *a, const cs_path *b);

/* True when `prefix` equals `path` or is an ancestor of it. */
bool cs_path_has_prefix(const cs_path *path, const cs_path *prefix);

/* ---- Data types and values --------------------------------------------- */

typedef enum cs_type {
    CS_TYPE_NONE = 0,   /* no value: Execute resources, empty containers */
    CS_TYPE_STRING,
    CS_TYPE_INTEGER,
    CS_TYPE_UNSIGNED,
    CS_TYPE_FLOAT,
    CS_TYPE_BOOLEAN,
    CS_TYPE_OPAQUE,
    CS_TYPE_TIME,       /* seconds since 1970-01-01T00:00:00Z, signed */
    CS_TYPE_OBJLNK,
    CS_TYPE_CORELNK     /* a CoRE link-format string */
} cs_type;

/* The registry name of a type ("String", "Unsigned Integer" ...). */
const char *cs_type_name(cs_type type);

typedef struct cs_objlnk {
    uint16_t oid;
    uint16_t iid;
} cs_objlnk;

/*
 * A value.  For STRING, OPAQUE and CORELNK the bytes are borrowed: the value
 * does not own `data`, whoever made the value says how long it lives
 * (values inside a cs_records live as long as the record list).
 */
typedef struct cs_value {
    cs_type type;
    union {
        int64_t i;   /* INTEGER, TIME */
        uint64_t u;  /* UNSIGNED */
        double f;    /* FLOAT */
        bool b;      /* BOOLEAN */
        cs_objlnk lnk;
        struct {
            const uint8_t *data;
            size_t len;
        } bytes;     /* STRING, OPAQUE, CORELNK */
    } v;
} cs_value;

cs_value cs_value_none(void);
cs_value cs_value_string(const char *s, size_t len);
cs_value cs_value_integer(int64_t i);
cs_value cs_value_unsigned(uint64_t u);
cs_value cs_value_float(double f);
cs_value cs_value_boolean(bool b);
cs_value cs_value_opaque(const void *data, size_t len);
cs_value cs_value_time(int64_t t);
cs_value cs_value_objlnk(uint16_t oid, uint16_t iid);
cs_value cs_value_corelnk(const char *s, size_t len);

/*
 * Convert `value` in place to type `to` when that loses nothing: between
 * INTEGER, UNSIGNED, TIME and FLOAT when the number is exactly
 * representable, STRING <-> CORELNK.  Same type is a no-op.  Returns CS_OK,
 * CS_E_RANGE (a number that does not fit `to`) or CS_E_TYPE.
 */
cs_err cs_value_convert(cs_value *value, cs_type to);

/* Same type and same content (floats compared bit for bit, NaN == NaN). */
bool cs_value_equal(const cs_value *a, const cs_value *b);

/* ---- Object definitions ------------------------------------------------ */

/* Operations a resource supports (bit set). */
enum cs_operation {
    CS_OP_NONE = 0,
    CS_OP_READ = 1,
    CS_OP_WRITE = 2,
    CS_OP_EXECUTE = 4,
    CS_OP_RW = CS_OP_READ | CS_OP_WRITE
};

typedef struct cs_resource_def {
    uint16_t id;
    const char *name;
    cs_type type;
    uint8_t operations;   /* enum cs_operation bits; NONE for /0, /21 ... */
    bool multiple;
    bool mandatory;
    /* Range for INTEGER, UNSIGNED and TIME values, and for the length of
     * STRING and OPAQUE values; used only when has_range is true. */
    bool has_range;
    int64_t min;
    int64_t max;
} cs_resource_def;

typedef struct cs_object_def {
    uint16_t id;
    const char *name;
    const char *version;    /* "1.0", "1.1" ... */
    bool multiple;          /* more than one instance allowed */
    bool mandatory;
    const cs_resource_def *resources;  /* sorted by id, ascending */
    size_t resource_count;
} cs_object_def;

/* The resource `rid` of `obj`, or NULL. */
const cs_resource_def *cs_object_resource(const cs_object_def *obj,
                                          uint16_t rid);

/*
 * Check `value` against `def`: the type must be the defined one (NONE is
 * accepted for an Execute resource only), and within the range when the
 * definition has one.  Returns CS_OK,
 * CS_E_TYPE or CS_E_RANGE.
 */
cs_err cs_resource_check_value(const cs_resource_def *def,
                               const cs_value *value);

/* ---- Registry ---------------------------------------------------------- */

/*
 * A set of object definitions, looked up by object ID.  The registry does
 * not copy the definitions: each added cs_object_def (and its resource
 * table) must outlive the registry.  Usually they are static const tables.
 */
typedef struct cs_registry cs_registry;

/* A new empty registry; NULL when out of memory.  Free with cs_registry_free. */
cs_registry *cs_registry_new(void);
void cs_registry_free(cs_registry *reg);

/*
 * Add `obj`.  Returns CS_OK; CS_E_DUPLICATE when an object with that ID is
 * already there; CS_E_INVALID_ARG when the resource table is not sorted or
 * has duplicate IDs; CS_E_NOMEM.
 */
cs_err cs_registry_add(cs_registry *reg, const cs_object_def *obj);

/* The definition of object `oid`, or NULL. */
const cs_object_def *cs_registry_object(const cs_registry *reg, uint16_t oid);

/* The definition of the resource that `path` names (level 3 or 4), or NULL. */
const cs_resource_def *cs_registry_resource(const cs_registry *reg,
                                            const cs_path *path);

/*
 * The standard objects (0 Security, 1 Server, 2 Access Control, 3 Device,
 * 4 Connectivity Monitoring, 5 Firmware Update, 10 Cellular Connectivity,
 * 11 APN Connection Profile), shared and immutable.  Never NULL.
 */
const cs_registry *cs_registry_standard(void);

/* The standard object tables, for building a registry of one's own. */
extern const cs_object_def *const cs_standard_objects[];
extern const size_t cs_standard_object_count;

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_MODEL_H */
