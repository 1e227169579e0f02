/*
 * cellstrap/linkformat.h - CoRE link format (RFC 6690, content format 40)
 * as LwM2M uses it: Register and Update payloads, Discover and
 * Bootstrap-Discover responses.
 *
 * A document is a list of links, "<target>;name=value;name,...".  Parsing
 * is strict RFC 6690 (link-extension grammar for every parameter, RFC 3986
 * characters in targets) and bounded, with only the leniencies LwM2M peers
 * need, each one listed at cs_link_parse.  A parsed document owns a copy of
 * the text; every string it hands out points into that copy, is
 * NUL-terminated, and lives until cs_link_doc_free.
 *
 * The typed view (cs_link_attrs) reads and writes the LwM2M attributes:
 * ct, rt, lwm2m, ver, ssid, uri, dim, pmin, pmax, gt, lt, st, epmin, epmax,
 * con, hqmax, edge.  The writers produce canonical text: no white space,
 * strings quoted (rt, uri), numbers and versions bare, one ct bare and a
 * list of ct quoted and space-separated (RFC 7252 §7.2.1).
 */
#ifndef CELLSTRAP_LINKFORMAT_H
#define CELLSTRAP_LINKFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/codec.h"
#include "cellstrap/error.h"
#include "cellstrap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Parsed documents -------------------------------------------------- */

/* Default bounds of cs_link_parse. */
#define CS_LINK_DEFAULT_MAX_LEN (64u * 1024u)  /* bytes of text */
#define CS_LINK_DEFAULT_MAX_LINKS 4096u        /* links in a document */
#define CS_LINK_DEFAULT_MAX_ATTRS 32u          /* parameters of one link */

/* Bounds for cs_link_parse; a zero field takes its default. */
typedef struct cs_link_limits {
    size_t max_len;
    size_t max_links;
    size_t max_attrs;
} cs_link_limits;

/* One link parameter, in document order. */
typedef struct cs_link_attr {
    const char *name;     /* never empty */
    size_t name_len;
    const char *value;    /* NULL for a parameter without "=value" */
    size_t value_len;     /* quotes removed, quoted-pairs resolved */
    bool quoted;          /* the value was a quoted-string */
} cs_link_attr;

/* One link. */
typedef struct cs_link {
    const char *target;   /* the URI-reference between '<' and '>' */
    size_t target_len;    /* 0 only for a bare element (has_target false) */
    bool has_target;      /* false for a leading bare "lwm2m=..." element */
    bool has_path;        /* target is an LwM2M path, held in `path` */
    cs_path path;
    const cs_link_attr *attrs;
    size_t attr_count;
} cs_link;

/* A parsed document.  Initialise with cs_link_doc_init or by parsing;
 * release with cs_link_doc_free. */
typedef struct cs_link_doc {
    const cs_link *links;
    size_t count;
    struct cs_link_doc_mem *mem;   /* private: the owned storage */
} cs_link_doc;

/* An empty document (no storage). */
void cs_link_doc_init(cs_link_doc *doc);

/* Release what `doc` owns; it is empty afterwards. */
void cs_link_doc_free(cs_link_doc *doc);

/*
 * Parse `len` bytes of `text` (need not be NUL-terminated) into `doc`,
 * replacing what it held.  `limits` may be NULL for the defaults.  An
 * empty text is a document with no links.
 *
 * Strict RFC 6690: link-value = "<" URI-Reference ">" *( ";" link-param ),
 * link-param = parmname [ "=" ( ptoken / quoted-string ) ], parmname of
 * RFC 5987 attr-chars (a trailing '*' for ext-name-star, then a value is
 * required), targets of RFC 3986 characters with valid %XX escapes, quoted
 * strings without control characters and valid UTF-8.  Also refused: an
 * empty target "<>", an empty link (",,", a trailing ','), the same
 * parameter name twice in one link, anything after the last link.
 *
 * LwM2M leniencies, each seen in the TS or in shipping peers:
 *  - spaces after a ',' separating links ("</>;ct=11543, </1/0>" is the
 *    TS's own example);
 *  - a first element without target made of parameters whose first is
 *    lwm2m ("lwm2m=\"1.0\",</0/0>;ssid=101", Bootstrap-Discover in 1.0 and
 *    the 1.1 ETS): it becomes a link with has_target false;
 *  - ct as a comma list, "</>;ct=110,112,</1/0>": a ',' followed by a
 *    digit cannot start a link (links start with '<'), so the digits are
 *    taken as more content formats; the value is stored as the canonical
 *    quoted list "110 112".
 * A trailing slash in a target ("</0/1/>") is valid RFC 6690 and still an
 * LwM2M path.
 *
 * Returns CS_OK; CS_E_SYNTAX (grammar), CS_E_TRUNCATED (the text ends
 * inside a target or quoted string), CS_E_ENCODING (invalid UTF-8 in a
 * quoted string), CS_E_DUPLICATE (parameter repeated in a link),
 * CS_E_TOO_LARGE (a limit), CS_E_NOMEM, CS_E_INVALID_ARG.  On error `doc`
 * is empty.
 */
cs_err cs_link_parse(const char *text, size_t len, const cs_link_limits *limits,
                     cs_link_doc *doc);

/* The parameter `name` (exact, case-sensitive) of `link`, or NULL. */
const cs_link_attr *cs_link_find_attr(const cs_link *link, const char *name);

/*
 * The LwM2M path of `link` under the alternate root `root` ("/lwm2m"; NULL,
 * "" or "/" for none): "</lwm2m/3/0>" under "/lwm2m" is /3/0, "</lwm2m>" is
 * the root.  Returns CS_OK or CS_E_PATH (no target, not under root, not a
 * path).
 */
cs_err cs_link_path_under(const cs_link *link, const char *root,
                          cs_path *out);

/* The link whose rt lists "oma.lwm2m" (the alternate path root of a
 * Register payload), or NULL. */
const cs_link *cs_link_lwm2m_root(const cs_link_doc *doc);

/*
 * Write `doc` canonically to `out`: links joined by ',' without spaces,
 * parameters in their order, values quoted exactly when they were (with
 * '"' and '\' escaped), a bare element without target.  For a canonical
 * text x, formatting cs_link_parse(x) gives x again.  Returns CS_OK or
 * CS_E_TOO_LARGE / CS_E_NOMEM from the buffer.
 */
cs_err cs_link_format(const cs_link_doc *doc, cs_buf *out);

/* ---- Typed LwM2M attributes ------------------------------------------- */

/* Bits of cs_link_attrs.present. */
enum cs_link_attr_bit {
    CS_LINK_HAS_CT = 1u << 0,
    CS_LINK_HAS_RT = 1u << 1,
    CS_LINK_HAS_LWM2M = 1u << 2,
    CS_LINK_HAS_VER = 1u << 3,
    CS_LINK_HAS_SSID = 1u << 4,
    CS_LINK_HAS_URI = 1u << 5,
    CS_LINK_HAS_DIM = 1u << 6,
    CS_LINK_HAS_PMIN = 1u << 7,
    CS_LINK_HAS_PMAX = 1u << 8,
    CS_LINK_HAS_GT = 1u << 9,
    CS_LINK_HAS_LT = 1u << 10,
    CS_LINK_HAS_ST = 1u << 11,
    CS_LINK_HAS_EPMIN = 1u << 12,
    CS_LINK_HAS_EPMAX = 1u << 13,
    CS_LINK_HAS_CON = 1u << 14,
    CS_LINK_HAS_HQMAX = 1u << 15,
    CS_LINK_HAS_EDGE = 1u << 16
};

/* Most content formats one ct attribute may list. */
#define CS_LINK_MAX_CT 16

/*
 * The LwM2M attributes of one link; a field counts only when its bit is
 * in `present`.  Strings are NUL-terminated and borrowed: from the parsed
 * document (cs_link_get_attrs) or from the caller (writers).  Versions are
 * "major.minor" text ("1.1").
 */
typedef struct cs_link_attrs {
    uint32_t present;
    uint16_t ct[CS_LINK_MAX_CT];   /* content formats, in order */
    size_t ct_count;
    const char *rt;                /* resource type, e.g. "oma.lwm2m" */
    const char *lwm2m;             /* enabler version */
    const char *ver;               /* object version */
    uint16_t ssid;                 /* Short Server ID, 1..65534 */
    const char *uri;               /* server URI (Bootstrap-Discover) */
    uint8_t dim;                   /* instances of a multiple resource */
    uint32_t pmin, pmax;           /* seconds */
    double gt, lt, st;
    uint32_t epmin, epmax;         /* seconds */
    bool con;                      /* confirmable notifications (1.2) */
    uint32_t hqmax;                /* historical queue size (1.2) */
    bool edge;                     /* 1 rising, 0 falling edge (1.2) */
} cs_link_attrs;

/* No attribute present. */
void cs_link_attrs_init(cs_link_attrs *attrs);

/*
 * Read the LwM2M attributes of `link` into `out` (strings point into the
 * document).  Unknown parameters are ignored.  A known one is accepted
 * quoted or bare (lwm2m=1.1 and lwm2m="1.1" alike) and must have a value
 * of its type: CS_E_SYNTAX for a missing or malformed value, CS_E_RANGE
 * for a number out of range (ssid 1..65534, dim 0..255, periods and hqmax
 * 0..2^32-1, con and edge 0 or 1), CS_E_TOO_LARGE for more than
 * CS_LINK_MAX_CT content formats.
 */
cs_err cs_link_get_attrs(const cs_link *link, cs_link_attrs *out);

/* ---- Writing ----------------------------------------------------------- */

/*
 * Append one link: ',' first unless `first`, then "<" alt_path path ">"
 * (alt_path NULL or "" for none; the root path gives "</>", or
 * "<alt_path>" under an alternate path), then the present attributes of
 * `attrs` (may be NULL) in the order rt, ct, lwm2m, ver, ssid, uri, dim,
 * pmin, pmax, gt, lt, st, epmin, epmax, con, hqmax, edge.  Returns CS_OK;
 * CS_E_INVALID_ARG for an invalid path, an alt_path that is not "/" and
 * RFC 3986 path characters, a version that is not "digits.digits", a
 * string with control characters or invalid UTF-8, ssid 0 or 65535, a
 * non-finite gt/lt/st, ct_count above CS_LINK_MAX_CT; buffer errors.
 * `out` is unchanged on error.
 */
cs_err cs_link_append(cs_buf *out, bool first, const char *alt_path,
                      const cs_path *path, const cs_link_attrs *attrs);

/* A link and its attributes, for cs_link_format_entries. */
typedef struct cs_link_entry {
    cs_path path;
    cs_link_attrs attrs;
} cs_link_entry;

/*
 * A whole document from `count` entries, in their order (cs_link_append
 * for each).  This writes Discover and Bootstrap-Discover payloads, e.g.
 * entries {/, lwm2m "1.1"}, {/0/0, ssid 101, uri "coaps://..."}, {/0/1}
 * give </>;lwm2m=1.1,</0/0>;ssid=101;uri="coaps://...",</0/1>.
 */
cs_err cs_link_format_entries(const char *alt_path,
                              const cs_link_entry *entries, size_t count,
                              cs_buf *out);

/* One object of a Register payload. */
typedef struct cs_link_object {
    uint16_t oid;
    const char *version;          /* NULL, or "1.1": written as ;ver= */
    const uint16_t *instances;    /* instance IDs, in the order to write */
    size_t instance_count;
} cs_link_object;

/* What a Register (or Update) payload announces. */
typedef struct cs_link_register {
    const char *alt_path;         /* NULL, or e.g. "/lwm2m" */
    const uint16_t *formats;      /* content formats for the root ct */
    size_t format_count;
    const cs_link_object *objects;
    size_t object_count;
} cs_link_register;

/*
 * The Register payload for `reg`, appended to `out`.  A root link comes
 * first when there is an alternate path or content formats:
 * </>;ct=110 or </>;ct="110 112", or </lwm2m>;rt="oma.lwm2m";ct=....  Then
 * for each object: "</oid>;ver=v" when it has a version, followed by its
 * instances "</oid/iid>"; an object with neither version nor instances is
 * written "</oid>".  Example: </>;ct="60 110",</1>;ver=1.1,</1/0>,</3/0>.
 * Objects 0 (Security) and 21 (OSCORE) must not be listed (LwM2M Core) and
 * are CS_E_INVALID_ARG, as is anything cs_link_append refuses.  `out` is
 * unchanged on error.
 */
cs_err cs_link_format_register(const cs_link_register *reg, cs_buf *out);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_LINKFORMAT_H */
