/*
 * bootstrapping_info.c - the BSF's answer to a successful Ub run (TS 24.109
 * Annex C): the BootstrappingInfo document with the B-TID and the key
 * lifetime.  The body comes from the network, so this is not a general
 * XML parser but a recogniser of the one document shape we accept, with
 * the XML grammar's optional whitespace where XML allows it; everything
 * else is refused.  No recursion, no allocation, every loop bounded by the
 * input (itself capped) or a fixed count.
 */
#include <string.h>

#include "cellstrap/gba.h"

#define NAME_MAX_LEN 64          /* element and pseudo-attribute names */
#define EXTENSION_MAX_CHILDREN 16
#define DATETIME_LEN 20          /* YYYY-MM-DDTHH:MM:SSZ */

typedef struct cursor {
    const char *s;
    size_t len, pos;
} cursor;

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool is_name_start(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

/* No ':' - a namespace prefix is refused along with everything else. */
static bool is_name_char(char ch)
{
    return is_name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
}

static void skip_space(cursor *c)
{
    while (c->pos < c->len && is_space(c->s[c->pos]))
        c->pos++;
}

/* At least one whitespace character. */
static bool space(cursor *c)
{
    size_t start = c->pos;
    skip_space(c);
    return c->pos > start;
}

static bool looking_at(const cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    return c->len - c->pos >= n && memcmp(c->s + c->pos, lit, n) == 0;
}

static bool literal(cursor *c, const char *lit)
{
    if (!looking_at(c, lit))
        return false;
    c->pos += strlen(lit);
    return true;
}

/* A Name, pointing into the input. */
static bool name(cursor *c, const char **out, size_t *len)
{
    size_t start = c->pos;
    if (c->pos >= c->len || !is_name_start(c->s[c->pos]))
        return false;
    while (c->pos < c->len && is_name_char(c->s[c->pos]) &&
           c->pos - start < NAME_MAX_LEN)
        c->pos++;
    if (c->pos < c->len && is_name_char(c->s[c->pos]))
        return false;                      /* longer than we accept */
    *out = c->s + start;
    *len = c->pos - start;
    return true;
}

static bool name_is(const char *n, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(n, want, len) == 0;
}

/* S? '=' S? and a quoted value of printable ASCII, no '<' or '&'. */
static bool attribute_value(cursor *c, const char **out, size_t *len)
{
    skip_space(c);
    if (!literal(c, "="))
        return false;
    skip_space(c);
    if (c->pos >= c->len || (c->s[c->pos] != '"' && c->s[c->pos] != '\''))
        return false;
    char quote = c->s[c->pos++];
    size_t start = c->pos;
    for (; c->pos < c->len && c->s[c->pos] != quote; c->pos++) {
        char ch = c->s[c->pos];
        if (ch < 0x20 || ch > 0x7e || ch == '<' || ch == '&')
            return false;
    }
    if (c->pos >= c->len)
        return false;
    *out = c->s + start;
    *len = c->pos - start;
    c->pos++;
    return true;
}

static bool ascii_caseless_is(const char *s, size_t len, const char *want)
{
    if (len != strlen(want))
        return false;
    for (size_t i = 0; i < len; i++) {
        char a = s[i], b = want[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A');
        if (a != b)
            return false;
    }
    return true;
}

/*
 * '<?xml' version="1.0" [encoding="UTF-8"] [standalone="yes"|"no"] '?>',
 * the pseudo-attributes in this order, as XML 1.0 §2.8 has them.
 */
static bool xml_declaration(cursor *c)
{
    const char *n, *v;
    size_t nlen, vlen;
    if (!literal(c, "<?xml") || !space(c) || !name(c, &n, &nlen) ||
        !name_is(n, nlen, "version") || !attribute_value(c, &v, &vlen) ||
        !name_is(v, vlen, "1.0"))
        return false;
    bool had_space = space(c);
    if (had_space && looking_at(c, "encoding")) {
        if (!name(c, &n, &nlen) || !name_is(n, nlen, "encoding") ||
            !attribute_value(c, &v, &vlen) || !ascii_caseless_is(v, vlen, "UTF-8"))
            return false;
        had_space = space(c);
    }
    if (had_space && looking_at(c, "standalone")) {
        if (!name(c, &n, &nlen) || !name_is(n, nlen, "standalone") ||
            !attribute_value(c, &v, &vlen) ||
            !(name_is(v, vlen, "yes") || name_is(v, vlen, "no")))
            return false;
        skip_space(c);
    }
    return literal(c, "?>");
}

/* '<' want S? '>' : a start tag without attributes. */
static bool start_tag(cursor *c, const char *want)
{
    const char *n;
    size_t len;
    if (!literal(c, "<") || !name(c, &n, &len) || !name_is(n, len, want))
        return false;
    skip_space(c);
    return literal(c, ">");
}

/* '</' Name S? '>' with the given name. */
static bool end_tag(cursor *c, const char *want, size_t want_len)
{
    const char *n;
    size_t len;
    if (!literal(c, "</") || !name(c, &n, &len) || len != want_len ||
        memcmp(n, want, len) != 0)
        return false;
    skip_space(c);
    return literal(c, ">");
}

/* Character data up to the next '<': printable ASCII and whitespace, no
 * '&' (so no entity or character references). */
static bool text(cursor *c, const char **out, size_t *len)
{
    size_t start = c->pos;
    for (; c->pos < c->len && c->s[c->pos] != '<'; c->pos++) {
        char ch = c->s[c->pos];
        if ((ch < 0x20 && !is_space(ch)) || ch > 0x7e || ch == '&')
            return false;
    }
    *out = c->s + start;
    *len = c->pos - start;
    return c->pos < c->len;
}

/* <want>text</want>, the text returned. */
static bool simple_element(cursor *c, const char *want, const char **value,
                           size_t *len)
{
    return start_tag(c, want) && text(c, value, len) &&
           end_tag(c, want, strlen(want));
}

/* A B-TID: 1..CS_GBA_BTID_MAX printable characters, no space. */
static bool btid_valid(const char *s, size_t len)
{
    if (len < 1 || len > CS_GBA_BTID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in 1..y. */
static int64_t leap_years_through(int64_t y)
{
    return y / 4 - y / 100 + y / 400;
}

/* Seconds since 1970 of a valid UTC date and time (year >= 1970). */
static int64_t unix_seconds(int y, int mo, int d, int h, int mi, int s)
{
    static const int before_month[12] = { 0, 31, 59, 90, 120, 151,
                                          181, 212, 243, 273, 304, 334 };
    int64_t days = (int64_t)365 * (y - 1970) + leap_years_through(y - 1) -
                   leap_years_through(1969);
    days += before_month[mo - 1] + (mo > 2 && leap_year(y)) + (d - 1);
    return ((days * 24 + h) * 60 + mi) * 60 + s;
}

/*
 * xs:dateTime restricted to the one form a BSF of ours writes:
 * YYYY-MM-DDTHH:MM:SSZ, year 1970..9999, no fraction, UTC.  Dates that
 * do not exist (February 30, hour 24, leap seconds) are refused.
 */
static bool datetime_parse(const char *s, size_t len, int64_t *out)
{
    static const int month_days[12] = { 31, 28, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31 };
    int y, mo, d, h, mi, sec;
    if (len != DATETIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || s[19] != 'Z' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &sec))
        return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
        return false;
    if (d > month_days[mo - 1] + (mo == 2 && leap_year(y)))
        return false;
    *out = unix_seconds(y, mo, d, h, mi, sec);
    return true;
}

/*
 * <Extension> with simple children only: each <Name>text</Name> or
 * <Name/>, no attributes, no nesting, at most EXTENSION_MAX_CHILDREN.
 * Their contents are ours to ignore (24.109 puts e.g. <currenttime> here).
 */
static bool skip_extension(cursor *c)
{
    if (!start_tag(c, "Extension"))
        return false;
    for (int children = 0;; children++) {
        skip_space(c);
        if (looking_at(c, "</"))
            return end_tag(c, "Extension", strlen("Extension"));
        const char *n, *value;
        size_t nlen, vlen;
        if (children == EXTENSION_MAX_CHILDREN || !literal(c, "<") ||
            !name(c, &n, &nlen))
            return false;
        skip_space(c);
        if (literal(c, "/>"))
            continue;
        if (!literal(c, ">") || !text(c, &value, &vlen) || !end_tag(c, n, nlen))
            return false;
    }
}

/* <BootstrappingInfo xmlns="uri:3gpp-gba"> S? */
static bool root_start(cursor *c)
{
    const char *n, *v;
    size_t nlen, vlen;
    if (!literal(c, "<BootstrappingInfo") || !space(c) || !name(c, &n, &nlen) ||
        !name_is(n, nlen, "xmlns") || !attribute_value(c, &v, &vlen) ||
        !name_is(v, vlen, "uri:3gpp-gba"))
        return false;
    skip_space(c);
    return literal(c, ">");
}

static cs_err parse_document(cursor *c, const char **btid, size_t *btid_len,
                             int64_t *lifetime)
{
    const char *when;
    size_t when_len;
    if (looking_at(c, "<?") && !xml_declaration(c))
        return CS_E_SYNTAX;
    skip_space(c);
    if (!root_start(c))
        return CS_E_SYNTAX;
    skip_space(c);
    if (!simple_element(c, "btid", btid, btid_len) || !btid_valid(*btid, *btid_len))
        return CS_E_SYNTAX;
    skip_space(c);
    if (!simple_element(c, "lifetime", &when, &when_len) ||
        !datetime_parse(when, when_len, lifetime))
        return CS_E_SYNTAX;
    skip_space(c);
    if (looking_at(c, "<Extension") && !skip_extension(c))
        return CS_E_SYNTAX;
    skip_space(c);
    if (!end_tag(c, "BootstrappingInfo", strlen("BootstrappingInfo")))
        return CS_E_SYNTAX;
    skip_space(c);
    return c->pos == c->len ? CS_OK : CS_E_TRAILING;
}

cs_err cs_gba_parse_bootstrapping_info(const char *xml, size_t len, char *btid,
                                       size_t btid_cap, int64_t *lifetime_unix)
{
    if (btid == NULL || btid_cap == 0 || lifetime_unix == NULL ||
        (xml == NULL && len > 0))
        return CS_E_INVALID_ARG;
    btid[0] = '\0';
    *lifetime_unix = 0;
    if (len > CS_GBA_BOOTSTRAPPING_INFO_MAX)
        return CS_E_TOO_LARGE;
    cursor c = { xml, len, 0 };
    const char *id = NULL;
    size_t id_len = 0;
    int64_t lifetime = 0;
    cs_err err = parse_document(&c, &id, &id_len, &lifetime);
    if (err != CS_OK)
        return err;
    if (id_len >= btid_cap)
        return CS_E_TOO_LARGE;
    memcpy(btid, id, id_len);
    btid[id_len] = '\0';
    *lifetime_unix = lifetime;
    return CS_OK;
}
