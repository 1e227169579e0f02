/*
 * path.c - LwM2M paths: building, parsing from text and from CoAP Uri-Path
 * segments, formatting, ordering.
 */
#include <stdio.h>
#include <string.h>

#include "cellstrap/model.h"

cs_path cs_path_root(void)
{
    cs_path p = { { 0, 0, 0, 0 }, 0 };
    return p;
}

cs_path cs_path_object(uint16_t oid)
{
    cs_path p = { { oid, 0, 0, 0 }, 1 };
    return p;
}

cs_path cs_path_instance(uint16_t oid, uint16_t iid)
{
    cs_path p = { { oid, iid, 0, 0 }, 2 };
    return p;
}

cs_path cs_path_resource(uint16_t oid, uint16_t iid, uint16_t rid)
{
    cs_path p = { { oid, iid, rid, 0 }, 3 };
    return p;
}

cs_path cs_path_resource_instance(uint16_t oid, uint16_t iid, uint16_t rid,
                                  uint16_t riid)
{
    cs_path p = { { oid, iid, rid, riid }, 4 };
    return p;
}

bool cs_path_is_valid(const cs_path *path)
{
    if (path->len > 4)
        return false;
    for (unsigned i = 0; i < path->len; i++)
        if (path->ids[i] > CS_ID_MAX)
            return false;
    return true;
}

/* One decimal ID: digits only, no leading zero unless "0", at most 65534. */
static cs_err parse_id(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return CS_E_PATH;
    if (len > 1 && s[0] == '0')
        return CS_E_PATH;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CS_E_PATH;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > CS_ID_MAX)
        return CS_E_PATH;
    *out = (uint16_t)v;
    return CS_OK;
}

cs_err cs_path_parse(const char *text, size_t len, cs_path *out)
{
    if (text == NULL || len == 0 || text[0] != '/')
        return CS_E_PATH;
    cs_path p = cs_path_root();
    size_t pos = 1;
    if (len > 1 && text[len - 1] == '/') {
        len--;                       /* "/3/0/" names the same as "/3/0" */
        if (text[len - 1] == '/')
            return CS_E_PATH;
    }
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '/')
            end++;
        if (p.len == 4)
            return CS_E_PATH;
        cs_err err = parse_id(text + pos, end - pos, &p.ids[p.len]);
        if (err != CS_OK)
            return err;
        p.len++;
        pos = end + 1;
        if (end < len && pos == len)
            return CS_E_PATH;        /* "//" collapsed into a trailing slash */
    }
    *out = p;
    return CS_OK;
}

cs_err cs_path_from_segments(const char *const *segs, const size_t *lens,
                             size_t count, cs_path *out)
{
    if (count > 4)
        return CS_E_PATH;
    cs_path p = cs_path_root();
    for (size_t i = 0; i < count; i++) {
        cs_err err = parse_id(segs[i], lens[i], &p.ids[i]);
        if (err != CS_OK)
            return err;
        p.len++;
    }
    *out = p;
    return CS_OK;
}

int cs_path_format(const cs_path *path, char *buf, size_t cap)
{
    if (cap == 0 || path->len > 4)
        return -1;
    if (path->len == 0) {
        if (cap < 2)
            return -1;
        buf[0] = '/';
        buf[1] = '\0';
        return 1;
    }
    size_t pos = 0;
    for (unsigned i = 0; i < path->len; i++) {
        int n = snprintf(buf + pos, cap - pos, "/%u", (unsigned)path->ids[i]);
        if (n < 0 || (size_t)n >= cap - pos)
            return -1;
        pos += (size_t)n;
    }
    return (int)pos;
}

int cs_path_compare(const cs_path *a, const cs_path *b)
{
    unsigned n = a->len < b->len ? a->len : b->len;
    for (unsigned i = 0; i < n; i++) {
        if (a->ids[i] != b->ids[i])
            return a->ids[i] < b->ids[i] ? -1 : 1;
    }
    if (a->len == b->len)
        return 0;
    return a->len < b->len ? -1 : 1;
}

bool cs_path_has_prefix(const cs_path *path, const cs_path *prefix)
{
    if (prefix->len > path->len)
        return false;
    for (unsigned i = 0; i < prefix->len; i++)
        if (path->ids[i] != prefix->ids[i])
            return false;
    return true;
}
