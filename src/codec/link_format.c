/*
 * link_format.c - CoRE link format (RFC 6690): a strict, bounded parser
 * for the link lists LwM2M peers send (Register, Discover), the typed
 * LwM2M attributes, and canonical writers.  See cellstrap/linkformat.h.
 *
 * The parser copies the text once and works on the copy: tokens are
 * recorded as pointers into it and, after the whole document has parsed,
 * quoted values are unescaped in place and every token gets a NUL written
 * over the delimiter that follows it.  Tokens never share bytes with each
 * other or with delimiters, and unescaping only shrinks, so this is safe
 * and costs no extra allocation per token.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/linkformat.h"
#include "codec_internal.h"

struct cs_link_doc_mem {
    cs_link *links;
    cs_link_attr *attrs;
    char text[];
};

/* ---- Character classes ------------------------------------------------- */

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 5987 attr-char: the characters of a parameter name. */
static bool is_attr_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$&+-.^_`|~", c));
}

/* RFC 6690 ptokenchar: the characters of an unquoted value. */
static bool is_ptoken_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) ||
           (c != 0 && strchr("!#$%&'()*+-./:<=>?@[]^_`{|}~", c));
}

/* RFC 3986 characters of a URI-reference other than '%' (unreserved,
 * gen-delims and sub-delims). */
static bool is_uri_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) ||
           (c != 0 && strchr("-._~:/?#[]@!$&'()*+,;=", c));
}

/* Characters allowed in a quoted string besides '"' and '\'. */
static bool is_qdtext(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

/* ---- Parser ------------------------------------------------------------ */

struct parser {
    char *s;                 /* the document's own copy of the text */
    size_t len;
    size_t pos;
    cs_link *links;
    size_t link_count, link_cap;
    cs_link_attr *attrs;
    size_t attr_count, attr_cap;
    size_t max_links, max_attrs;
};

static bool at(const struct parser *p, char c)
{
    return p->pos < p->len && p->s[p->pos] == c;
}

/* Room for one more element in a growing array, up to `max` elements. */
static cs_err grow(void **items, size_t *cap, size_t count, size_t size,
                   size_t max)
{
    if (count < *cap)
        return CS_OK;
    if (count >= max)
        return CS_E_TOO_LARGE;
    size_t n = *cap ? *cap * 2 : 16;
    if (n > max)
        n = max;
    void *grown = realloc(*items, n * size);
    if (grown == NULL)
        return CS_E_NOMEM;
    *items = grown;
    *cap = n;
    return CS_OK;
}

static cs_err new_link(struct parser *p, cs_link **out)
{
    cs_err err = grow((void **)&p->links, &p->link_cap, p->link_count,
                      sizeof *p->links, p->max_links);
    if (err != CS_OK)
        return err;
    cs_link *l = &p->links[p->link_count++];
    memset(l, 0, sizeof *l);
    *out = l;
    return CS_OK;
}

/* "<" URI-Reference ">" with the '<' at pos. */
static cs_err parse_target(struct parser *p, cs_link *link)
{
    size_t start = ++p->pos;
    while (p->pos < p->len && p->s[p->pos] != '>') {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '%') {
            if (p->len - p->pos < 3)
                return CS_E_TRUNCATED;
            if (!is_hex((unsigned char)p->s[p->pos + 1]) ||
                !is_hex((unsigned char)p->s[p->pos + 2]))
                return CS_E_SYNTAX;
            p->pos += 3;
            continue;
        }
        if (!is_uri_char(c))
            return CS_E_SYNTAX;
        p->pos++;
    }
    if (p->pos == p->len)
        return CS_E_TRUNCATED;
    if (p->pos == start)
        return CS_E_SYNTAX;               /* "<>" */
    link->target = p->s + start;
    link->target_len = p->pos - start;
    link->has_target = true;
    p->pos++;
    return CS_OK;
}

/* A quoted-string with the opening '"' at pos; records the raw content
 * (escapes resolved later, in finish()). */
static cs_err parse_quoted(struct parser *p, cs_link_attr *a)
{
    size_t start = ++p->pos;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '\\') {
            if (p->len - p->pos < 2)
                return CS_E_TRUNCATED;
            unsigned char next = (unsigned char)p->s[p->pos + 1];
            if (!is_qdtext(next) || next >= 0x80)
                return CS_E_SYNTAX;       /* quoted-pair is "\" CHAR */
            p->pos += 2;
            continue;
        }
        if (!is_qdtext(c))
            return CS_E_SYNTAX;
        p->pos++;
    }
    if (p->pos == p->len)
        return CS_E_TRUNCATED;
    if (!cs_codec_utf8_valid((const uint8_t *)p->s + start, p->pos - start))
        return CS_E_ENCODING;
    a->value = p->s + start;
    a->value_len = p->pos - start;
    a->quoted = true;
    p->pos++;
    return CS_OK;
}

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return len > 0;
}

/*
 * The ct comma-list leniency: after "ct=110", a ',' followed by a digit
 * cannot begin a link, so ",112" continues the value.  The commas become
 * spaces and the value counts as quoted: the canonical ct="110 112".
 */
static void absorb_ct_list(struct parser *p, cs_link_attr *a)
{
    if (!all_digits(a->value, a->value_len))
        return;
    while (p->len - p->pos >= 2 && p->s[p->pos] == ',' &&
           is_digit((unsigned char)p->s[p->pos + 1])) {
        p->s[p->pos++] = ' ';
        while (p->pos < p->len && is_digit((unsigned char)p->s[p->pos]))
            p->pos++;
        a->value_len = (size_t)(p->s + p->pos - a->value);
        a->quoted = true;
    }
}

static bool same_name(const cs_link_attr *a, const char *name, size_t len)
{
    return a->name_len == len && memcmp(a->name, name, len) == 0;
}

/* parmname [ "=" ( ptoken / quoted-string ) ], for link `link` whose
 * parameters start at index `first`. */
static cs_err parse_param(struct parser *p, cs_link *link, size_t first)
{
    size_t start = p->pos;
    while (p->pos < p->len && is_attr_char((unsigned char)p->s[p->pos]))
        p->pos++;
    bool star = at(p, '*');          /* ext-name-star: name "*" = ext-value */
    if (star)
        p->pos++;
    size_t name_len = p->pos - start;
    if (name_len == (star ? 1u : 0u))
        return CS_E_SYNTAX;
    if (link->attr_count >= p->max_attrs)
        return CS_E_TOO_LARGE;
    for (size_t i = first; i < p->attr_count; i++)
        if (same_name(&p->attrs[i], p->s + start, name_len))
            return CS_E_DUPLICATE;
    size_t max_total = p->max_attrs > SIZE_MAX / p->max_links
                           ? SIZE_MAX
                           : p->max_links * p->max_attrs;
    cs_err err = grow((void **)&p->attrs, &p->attr_cap, p->attr_count,
                      sizeof *p->attrs, max_total);
    if (err != CS_OK)
        return err;
    cs_link_attr *a = &p->attrs[p->attr_count++];
    memset(a, 0, sizeof *a);
    a->name = p->s + start;
    a->name_len = name_len;
    link->attr_count++;

    if (!at(p, '='))
        return star ? CS_E_SYNTAX : CS_OK;
    p->pos++;
    if (at(p, '"'))
        return parse_quoted(p, a);
    size_t vstart = p->pos;
    while (p->pos < p->len && is_ptoken_char((unsigned char)p->s[p->pos]))
        p->pos++;
    if (p->pos == vstart)
        return CS_E_SYNTAX;
    a->value = p->s + vstart;
    a->value_len = p->pos - vstart;
    if (same_name(a, "ct", 2))
        absorb_ct_list(p, a);
    return CS_OK;
}

/* One link-value, or for the first element the bare "lwm2m=..." form. */
static cs_err parse_element(struct parser *p, bool first)
{
    if (p->pos == p->len)
        return CS_E_SYNTAX;              /* empty link after a ',' */
    cs_link *link;
    cs_err err = new_link(p, &link);
    if (err != CS_OK)
        return err;
    size_t first_attr = p->attr_count;
    if (at(p, '<')) {
        err = parse_target(p, link);
    } else if (first) {
        /* Bare "lwm2m=<version>": the one element without a target. */
        err = parse_param(p, link, first_attr);
        if (err == CS_OK && (!same_name(&p->attrs[first_attr], "lwm2m", 5) ||
                             p->attrs[first_attr].value == NULL))
            err = CS_E_SYNTAX;
    } else {
        err = CS_E_SYNTAX;
    }
    while (err == CS_OK && at(p, ';')) {
        p->pos++;
        err = parse_param(p, link, first_attr);
    }
    if (err == CS_OK && p->pos < p->len && p->s[p->pos] != ',')
        err = CS_E_SYNTAX;
    return err;
}

/* The writable byte of our own copy that `q` (a token pointer) names. */
static char *writable(struct parser *p, const char *q)
{
    return p->s + (q - p->s);
}

/* Resolve the quoted-pairs of a quoted value in place. */
static void unescape(struct parser *p, cs_link_attr *a)
{
    char *v = writable(p, a->value);
    size_t w = 0;
    for (size_t r = 0; r < a->value_len; r++) {
        if (v[r] == '\\')
            r++;
        v[w++] = v[r];
    }
    a->value_len = w;
}

/* Point links at their parameters, unescape, NUL-terminate every token. */
static void finish(struct parser *p)
{
    static const char empty[] = "";
    size_t next = 0;
    for (size_t i = 0; i < p->link_count; i++) {
        cs_link *l = &p->links[i];
        l->attrs = l->attr_count ? &p->attrs[next] : NULL;
        next += l->attr_count;
        if (l->has_target) {
            l->has_path = cs_path_parse(l->target, l->target_len,
                                        &l->path) == CS_OK;
            writable(p, l->target)[l->target_len] = '\0';
        } else {
            l->target = empty;
        }
    }
    for (size_t i = 0; i < p->attr_count; i++) {
        cs_link_attr *a = &p->attrs[i];
        if (a->value != NULL) {
            if (a->quoted && memchr(a->value, '\\', a->value_len))
                unescape(p, a);
            writable(p, a->value)[a->value_len] = '\0';
        }
        writable(p, a->name)[a->name_len] = '\0';
    }
}

void cs_link_doc_init(cs_link_doc *doc)
{
    doc->links = NULL;
    doc->count = 0;
    doc->mem = NULL;
}

void cs_link_doc_free(cs_link_doc *doc)
{
    if (doc->mem != NULL) {
        free(doc->mem->links);
        free(doc->mem->attrs);
        free(doc->mem);
    }
    cs_link_doc_init(doc);
}

cs_err cs_link_parse(const char *text, size_t len, const cs_link_limits *limits,
                     cs_link_doc *doc)
{
    if (doc == NULL || (text == NULL && len > 0))
        return CS_E_INVALID_ARG;
    cs_link_doc_free(doc);
    size_t max_len = limits && limits->max_len ? limits->max_len
                                               : CS_LINK_DEFAULT_MAX_LEN;
    if (len > max_len)
        return CS_E_TOO_LARGE;

    struct cs_link_doc_mem *mem = malloc(sizeof *mem + len + 1);
    if (mem == NULL)
        return CS_E_NOMEM;
    if (len > 0)
        memcpy(mem->text, text, len);
    mem->text[len] = '\0';

    struct parser p;
    memset(&p, 0, sizeof p);
    p.s = mem->text;
    p.len = len;
    p.max_links = limits && limits->max_links ? limits->max_links
                                              : CS_LINK_DEFAULT_MAX_LINKS;
    p.max_attrs = limits && limits->max_attrs ? limits->max_attrs
                                              : CS_LINK_DEFAULT_MAX_ATTRS;
    cs_err err = CS_OK;
    if (len > 0)
        err = parse_element(&p, true);
    while (err == CS_OK && p.pos < p.len) {
        p.pos++;                               /* the ',' */
        while (at(&p, ' '))
            p.pos++;
        err = parse_element(&p, false);
    }
    mem->links = p.links;
    mem->attrs = p.attrs;
    doc->mem = mem;
    if (err != CS_OK) {
        cs_link_doc_free(doc);
        return err;
    }
    finish(&p);
    doc->links = p.links;
    doc->count = p.link_count;
    return CS_OK;
}

/* ---- Queries ----------------------------------------------------------- */

const cs_link_attr *cs_link_find_attr(const cs_link *link, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < link->attr_count; i++)
        if (same_name(&link->attrs[i], name, len))
            return &link->attrs[i];
    return NULL;
}

cs_err cs_link_path_under(const cs_link *link, const char *root, cs_path *out)
{
    if (!link->has_target)
        return CS_E_PATH;
    size_t rlen = root ? strlen(root) : 0;
    if (rlen == 1 && root[0] == '/')
        rlen = 0;
    if (rlen == 0) {
        if (!link->has_path)
            return CS_E_PATH;
        *out = link->path;
        return CS_OK;
    }
    if (link->target_len < rlen || memcmp(link->target, root, rlen) != 0)
        return CS_E_PATH;
    const char *rest = link->target + rlen;
    size_t rest_len = link->target_len - rlen;
    if (rest_len == 0) {
        *out = cs_path_root();
        return CS_OK;
    }
    return cs_path_parse(rest, rest_len, out);
}

/* True when the space-separated list `list` holds `word`. */
static bool list_has_word(const char *list, size_t len, const char *word)
{
    size_t wlen = strlen(word), pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && list[end] != ' ')
            end++;
        if (end - pos == wlen && memcmp(list + pos, word, wlen) == 0)
            return true;
        pos = end + 1;
    }
    return false;
}

const cs_link *cs_link_lwm2m_root(const cs_link_doc *doc)
{
    for (size_t i = 0; i < doc->count; i++) {
        const cs_link_attr *rt = cs_link_find_attr(&doc->links[i], "rt");
        if (rt != NULL && rt->value != NULL &&
            list_has_word(rt->value, rt->value_len, "oma.lwm2m"))
            return &doc->links[i];
    }
    return NULL;
}

/* ---- Typed attributes -------------------------------------------------- */

void cs_link_attrs_init(cs_link_attrs *attrs)
{
    memset(attrs, 0, sizeof *attrs);
}

/* A decimal number without sign, leading zeros or anything else, at most
 * `max`. */
static cs_err parse_cardinal(const char *s, size_t len, uint64_t max,
                             uint64_t *out)
{
    if (len == 0 || (s[0] == '0' && len > 1))
        return CS_E_SYNTAX;
    cs_err err = cs_codec_parse_uint64(s, len, out);
    if (err == CS_OK && *out > max)
        err = CS_E_RANGE;
    return err;
}

/* "major.minor", each 1..5 digits. */
static bool is_version(const char *s, size_t len)
{
    const char *dot = memchr(s, '.', len);
    if (dot == NULL)
        return false;
    size_t major = (size_t)(dot - s), minor = len - major - 1;
    return major >= 1 && major <= 5 && minor >= 1 && minor <= 5 &&
           all_digits(s, major) && all_digits(dot + 1, minor);
}

/* ct: one cardinal, or a space-separated list (quoted). */
static cs_err parse_ct(const cs_link_attr *a, cs_link_attrs *out)
{
    size_t pos = 0;
    out->ct_count = 0;
    for (;;) {
        size_t end = pos;
        while (end < a->value_len && a->value[end] != ' ')
            end++;
        uint64_t v;
        cs_err err = parse_cardinal(a->value + pos, end - pos, 65535, &v);
        if (err != CS_OK)
            return err;
        if (out->ct_count == CS_LINK_MAX_CT)
            return CS_E_TOO_LARGE;
        out->ct[out->ct_count++] = (uint16_t)v;
        if (end == a->value_len)
            return CS_OK;
        if (!a->quoted)
            return CS_E_SYNTAX;
        pos = end + 1;
    }
}

enum attr_kind { KIND_CT, KIND_STRING, KIND_VERSION, KIND_UINT, KIND_DOUBLE,
                 KIND_BOOL };

struct attr_spec {
    const char *name;
    uint32_t bit;
    enum attr_kind kind;
    uint64_t min, max;    /* KIND_UINT */
    size_t offset;        /* of the field in cs_link_attrs */
};

#define SPEC(name, bit, kind, min, max, field)                               \
    { name, bit, kind, min, max, offsetof(cs_link_attrs, field) }

/* The LwM2M attributes, in the order the writers emit them. */
static const struct attr_spec specs[] = {
    SPEC("rt", CS_LINK_HAS_RT, KIND_STRING, 0, 0, rt),
    SPEC("ct", CS_LINK_HAS_CT, KIND_CT, 0, 0, ct),
    SPEC("lwm2m", CS_LINK_HAS_LWM2M, KIND_VERSION, 0, 0, lwm2m),
    SPEC("ver", CS_LINK_HAS_VER, KIND_VERSION, 0, 0, ver),
    SPEC("ssid", CS_LINK_HAS_SSID, KIND_UINT, 1, CS_ID_MAX, ssid),
    SPEC("uri", CS_LINK_HAS_URI, KIND_STRING, 0, 0, uri),
    SPEC("dim", CS_LINK_HAS_DIM, KIND_UINT, 0, 255, dim),
    SPEC("pmin", CS_LINK_HAS_PMIN, KIND_UINT, 0, UINT32_MAX, pmin),
    SPEC("pmax", CS_LINK_HAS_PMAX, KIND_UINT, 0, UINT32_MAX, pmax),
    SPEC("gt", CS_LINK_HAS_GT, KIND_DOUBLE, 0, 0, gt),
    SPEC("lt", CS_LINK_HAS_LT, KIND_DOUBLE, 0, 0, lt),
    SPEC("st", CS_LINK_HAS_ST, KIND_DOUBLE, 0, 0, st),
    SPEC("epmin", CS_LINK_HAS_EPMIN, KIND_UINT, 0, UINT32_MAX, epmin),
    SPEC("epmax", CS_LINK_HAS_EPMAX, KIND_UINT, 0, UINT32_MAX, epmax),
    SPEC("con", CS_LINK_HAS_CON, KIND_BOOL, 0, 1, con),
    SPEC("hqmax", CS_LINK_HAS_HQMAX, KIND_UINT, 0, UINT32_MAX, hqmax),
    SPEC("edge", CS_LINK_HAS_EDGE, KIND_BOOL, 0, 1, edge),
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

/* Store an integer in the field of `spec` (uint8/16/32 or bool). */
static void store_uint(cs_link_attrs *out, const struct attr_spec *spec,
                       uint64_t v)
{
    char *field = (char *)out + spec->offset;
    if (spec->kind == KIND_BOOL) {
        bool b = v != 0;
        memcpy(field, &b, sizeof b);
    } else if (spec->max <= UINT8_MAX) {
        uint8_t x = (uint8_t)v;
        memcpy(field, &x, sizeof x);
    } else if (spec->max <= UINT16_MAX) {
        uint16_t x = (uint16_t)v;
        memcpy(field, &x, sizeof x);
    } else {
        uint32_t x = (uint32_t)v;
        memcpy(field, &x, sizeof x);
    }
}

static cs_err read_attr(const cs_link_attr *a, const struct attr_spec *spec,
                        cs_link_attrs *out)
{
    if (a->value == NULL || a->value_len == 0)
        return CS_E_SYNTAX;
    char *field = (char *)out + spec->offset;
    uint64_t u;
    double d;
    cs_err err;
    switch (spec->kind) {
    case KIND_CT:
        return parse_ct(a, out);
    case KIND_VERSION:
    case KIND_STRING:
        if (spec->kind == KIND_VERSION && !is_version(a->value, a->value_len))
            return CS_E_SYNTAX;
        memcpy(field, &a->value, sizeof a->value);
        return CS_OK;
    case KIND_UINT:
    case KIND_BOOL:
        err = parse_cardinal(a->value, a->value_len, spec->max, &u);
        if (err == CS_OK && u < spec->min)
            err = CS_E_RANGE;
        if (err == CS_OK)
            store_uint(out, spec, u);
        return err;
    case KIND_DOUBLE:
        err = cs_codec_parse_double(a->value, a->value_len, &d);
        if (err == CS_OK)
            memcpy(field, &d, sizeof d);
        return err;
    }
    return CS_E_INTERNAL;
}

cs_err cs_link_get_attrs(const cs_link *link, cs_link_attrs *out)
{
    cs_link_attrs_init(out);
    for (size_t i = 0; i < link->attr_count; i++) {
        const cs_link_attr *a = &link->attrs[i];
        for (size_t k = 0; k < SPEC_COUNT; k++) {
            if (!same_name(a, specs[k].name, strlen(specs[k].name)))
                continue;
            cs_err err = read_attr(a, &specs[k], out);
            if (err != CS_OK)
                return err;
            out->present |= specs[k].bit;
            break;
        }
    }
    return CS_OK;
}

/* ---- Writing ----------------------------------------------------------- */

#define APPEND_LITERAL(out, s) cs_buf_append((out), (s), sizeof(s) - 1)

/* A quoted-string with '"' and '\' escaped. */
static cs_err append_quoted(cs_buf *out, const char *s, size_t len)
{
    cs_err err = cs_buf_append_byte(out, '"');
    size_t run = 0;
    for (size_t i = 0; err == CS_OK && i < len; i++) {
        if (s[i] != '"' && s[i] != '\\')
            continue;
        err = cs_buf_append(out, s + run, i - run);
        if (err == CS_OK)
            err = cs_buf_append_byte(out, '\\');
        run = i;                  /* the escaped byte goes with the next run */
    }
    if (err == CS_OK)
        err = cs_buf_append(out, s + run, len - run);
    return err == CS_OK ? cs_buf_append_byte(out, '"') : err;
}

/* ";name" and, when given, "=value" raw. */
static cs_err append_param(cs_buf *out, const char *name, const char *value,
                           size_t len)
{
    cs_err err = cs_buf_append_byte(out, ';');
    if (err == CS_OK)
        err = cs_buf_append(out, name, strlen(name));
    if (err == CS_OK && value != NULL) {
        err = cs_buf_append_byte(out, '=');
        if (err == CS_OK)
            err = cs_buf_append(out, value, len);
    }
    return err;
}

cs_err cs_link_format(const cs_link_doc *doc, cs_buf *out)
{
    size_t keep = out->len;
    cs_err err = CS_OK;
    for (size_t i = 0; err == CS_OK && i < doc->count; i++) {
        const cs_link *l = &doc->links[i];
        if (i > 0)
            err = cs_buf_append_byte(out, ',');
        if (err == CS_OK && l->has_target) {
            err = cs_buf_append_byte(out, '<');
            if (err == CS_OK)
                err = cs_buf_append(out, l->target, l->target_len);
            if (err == CS_OK)
                err = cs_buf_append_byte(out, '>');
        }
        for (size_t k = 0; err == CS_OK && k < l->attr_count; k++) {
            const cs_link_attr *a = &l->attrs[k];
            /* A bare element has no ';' before its first parameter. */
            if (k == 0 && !l->has_target)
                err = cs_buf_append(out, a->name, a->name_len);
            else
                err = append_param(out, a->name, NULL, 0);
            if (err == CS_OK && a->value != NULL) {
                err = cs_buf_append_byte(out, '=');
                if (err == CS_OK)
                    err = a->quoted
                              ? append_quoted(out, a->value, a->value_len)
                              : cs_buf_append(out, a->value, a->value_len);
            }
        }
    }
    if (err != CS_OK)
        out->len = keep;
    return err;
}

/* Text a writer may put in a quoted string: UTF-8 without controls. */
static bool writable_string(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if (!is_qdtext((unsigned char)s[i]))
            return false;
    return cs_codec_utf8_valid((const uint8_t *)s, len);
}

/* An alternate path: "/" and RFC 3986 path characters, no '%' escapes
 * needed by LwM2M, not ending in '/'. */
static bool valid_alt_path(const char *s)
{
    size_t len = strlen(s);
    if (len < 2 || s[0] != '/' || s[len - 1] == '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_uri_char(c) || c == '?' || c == '#' || c == '[' || c == ']' ||
            c == ',' || c == ';')
            return false;
    }
    return true;
}

static cs_err append_ct(cs_buf *out, const cs_link_attrs *attrs)
{
    char num[8];
    cs_err err = APPEND_LITERAL(out, ";ct=");
    if (err == CS_OK && attrs->ct_count > 1)
        err = cs_buf_append_byte(out, '"');
    for (size_t i = 0; err == CS_OK && i < attrs->ct_count; i++) {
        int n = snprintf(num, sizeof num, i ? " %u" : "%u",
                         (unsigned)attrs->ct[i]);
        err = cs_buf_append(out, num, (size_t)n);
    }
    if (err == CS_OK && attrs->ct_count > 1)
        err = cs_buf_append_byte(out, '"');
    return err;
}

/* Check what cs_link_append would refuse, before writing anything. */
static cs_err check_attrs(const cs_link_attrs *a)
{
    uint32_t has = a->present;
    if ((has & CS_LINK_HAS_CT) &&
        (a->ct_count == 0 || a->ct_count > CS_LINK_MAX_CT))
        return CS_E_INVALID_ARG;
    if ((has & CS_LINK_HAS_RT) && (a->rt == NULL || !writable_string(a->rt)))
        return CS_E_INVALID_ARG;
    if ((has & CS_LINK_HAS_URI) && (a->uri == NULL || !writable_string(a->uri)))
        return CS_E_INVALID_ARG;
    if ((has & CS_LINK_HAS_LWM2M) &&
        (a->lwm2m == NULL || !is_version(a->lwm2m, strlen(a->lwm2m))))
        return CS_E_INVALID_ARG;
    if ((has & CS_LINK_HAS_VER) &&
        (a->ver == NULL || !is_version(a->ver, strlen(a->ver))))
        return CS_E_INVALID_ARG;
    if ((has & CS_LINK_HAS_SSID) && (a->ssid == 0 || a->ssid > CS_ID_MAX))
        return CS_E_INVALID_ARG;
    if (((has & CS_LINK_HAS_GT) && !isfinite(a->gt)) ||
        ((has & CS_LINK_HAS_LT) && !isfinite(a->lt)) ||
        ((has & CS_LINK_HAS_ST) && !isfinite(a->st)))
        return CS_E_INVALID_ARG;
    return CS_OK;
}

/* One typed attribute, written in its canonical form. */
static cs_err append_typed(cs_buf *out, const cs_link_attrs *attrs,
                           const struct attr_spec *spec)
{
    const char *field = (const char *)attrs + spec->offset;
    char num[CS_CODEC_NUMBER_MAX];
    int n = -1;
    const char *s;
    switch (spec->kind) {
    case KIND_CT:
        return append_ct(out, attrs);
    case KIND_STRING:
        memcpy(&s, field, sizeof s);
        {
            cs_err err = append_param(out, spec->name, "", 0);
            return err == CS_OK ? append_quoted(out, s, strlen(s)) : err;
        }
    case KIND_VERSION:
        memcpy(&s, field, sizeof s);
        return append_param(out, spec->name, s, strlen(s));
    case KIND_BOOL: {
        bool b;
        memcpy(&b, field, sizeof b);
        return append_param(out, spec->name, b ? "1" : "0", 1);
    }
    case KIND_UINT: {
        uint64_t v;
        if (spec->max <= UINT8_MAX) {
            uint8_t x;
            memcpy(&x, field, sizeof x);
            v = x;
        } else if (spec->max <= UINT16_MAX) {
            uint16_t x;
            memcpy(&x, field, sizeof x);
            v = x;
        } else {
            uint32_t x;
            memcpy(&x, field, sizeof x);
            v = x;
        }
        n = cs_codec_format_uint64(v, num, sizeof num);
        break;
    }
    case KIND_DOUBLE: {
        double d;
        memcpy(&d, field, sizeof d);
        n = cs_codec_format_double(d, num, sizeof num);
        break;
    }
    }
    if (n < 0)
        return CS_E_INTERNAL;
    return append_param(out, spec->name, num, (size_t)n);
}

static cs_err append_link(cs_buf *out, bool first, const char *alt_path,
                          const cs_path *path, const cs_link_attrs *attrs)
{
    cs_err err = first ? CS_OK : cs_buf_append_byte(out, ',');
    if (err == CS_OK)
        err = cs_buf_append_byte(out, '<');
    size_t alt_len = alt_path ? strlen(alt_path) : 0;
    if (err == CS_OK && alt_len > 0)
        err = cs_buf_append(out, alt_path, alt_len);
    if (err == CS_OK && (path->len > 0 || alt_len == 0)) {
        char text[CS_PATH_TEXT_MAX];
        int n = cs_path_format(path, text, sizeof text);
        err = n < 0 ? CS_E_INVALID_ARG : cs_buf_append(out, text, (size_t)n);
    }
    if (err == CS_OK)
        err = cs_buf_append_byte(out, '>');
    for (size_t k = 0; err == CS_OK && attrs && k < SPEC_COUNT; k++)
        if (attrs->present & specs[k].bit)
            err = append_typed(out, attrs, &specs[k]);
    return err;
}

cs_err cs_link_append(cs_buf *out, bool first, const char *alt_path,
                      const cs_path *path, const cs_link_attrs *attrs)
{
    if (out == NULL || path == NULL || !cs_path_is_valid(path))
        return CS_E_INVALID_ARG;
    if (alt_path != NULL && alt_path[0] != '\0' && !valid_alt_path(alt_path))
        return CS_E_INVALID_ARG;
    if (attrs != NULL) {
        cs_err err = check_attrs(attrs);
        if (err != CS_OK)
            return err;
    }
    size_t keep = out->len;
    cs_err err = append_link(out, first, alt_path, path, attrs);
    if (err != CS_OK)
        out->len = keep;
    return err;
}

cs_err cs_link_format_entries(const char *alt_path,
                              const cs_link_entry *entries, size_t count,
                              cs_buf *out)
{
    if (out == NULL || (entries == NULL && count > 0))
        return CS_E_INVALID_ARG;
    size_t keep = out->len;
    cs_err err = CS_OK;
    for (size_t i = 0; err == CS_OK && i < count; i++)
        err = cs_link_append(out, i == 0, alt_path, &entries[i].path,
                             &entries[i].attrs);
    if (err != CS_OK)
        out->len = keep;
    return err;
}

/* The links of one Register object. */
static cs_err append_object(cs_buf *out, bool *first, const char *alt_path,
                            const cs_link_object *obj)
{
    if (obj->oid == 0 || obj->oid == 21 || obj->oid > CS_ID_MAX ||
        (obj->instances == NULL && obj->instance_count > 0))
        return CS_E_INVALID_ARG;
    cs_err err = CS_OK;
    if (obj->version != NULL || obj->instance_count == 0) {
        cs_link_attrs attrs;
        cs_link_attrs_init(&attrs);
        if (obj->version != NULL) {
            attrs.present = CS_LINK_HAS_VER;
            attrs.ver = obj->version;
        }
        cs_path p = cs_path_object(obj->oid);
        err = cs_link_append(out, *first, alt_path, &p, &attrs);
        *first = false;
    }
    for (size_t i = 0; err == CS_OK && i < obj->instance_count; i++) {
        cs_path p = cs_path_instance(obj->oid, obj->instances[i]);
        err = cs_link_append(out, *first, alt_path, &p, NULL);
        *first = false;
    }
    return err;
}

cs_err cs_link_format_register(const cs_link_register *reg, cs_buf *out)
{
    if (reg == NULL || out == NULL ||
        (reg->objects == NULL && reg->object_count > 0) ||
        (reg->formats == NULL && reg->format_count > 0) ||
        reg->format_count > CS_LINK_MAX_CT)
        return CS_E_INVALID_ARG;
    size_t keep = out->len;
    bool has_alt = reg->alt_path != NULL && reg->alt_path[0] != '\0';
    bool first = true;
    cs_err err = CS_OK;
    if (has_alt || reg->format_count > 0) {
        cs_link_attrs root;
        cs_link_attrs_init(&root);
        if (has_alt) {
            root.present |= CS_LINK_HAS_RT;
            root.rt = "oma.lwm2m";
        }
        if (reg->format_count > 0) {
            root.present |= CS_LINK_HAS_CT;
            memcpy(root.ct, reg->formats, reg->format_count * sizeof *root.ct);
            root.ct_count = reg->format_count;
        }
        cs_path p = cs_path_root();
        err = cs_link_append(out, true, reg->alt_path, &p, &root);
        first = false;
    }
    for (size_t i = 0; err == CS_OK && i < reg->object_count; i++)
        err = append_object(out, &first, reg->alt_path, &reg->objects[i]);
    if (err != CS_OK)
        out->len = keep;
    return err;
}
