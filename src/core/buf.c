/*
 * buf.c - growable output buffer with a hard upper bound.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/codec.h"

void cs_buf_init(cs_buf *buf, size_t max)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max;
}

void cs_buf_free(cs_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

void cs_buf_reset(cs_buf *buf)
{
    buf->len = 0;
}

cs_err cs_buf_reserve(cs_buf *buf, size_t len, uint8_t **out)
{
    if (len > buf->max || buf->len > buf->max - len)
        return CS_E_TOO_LARGE;
    size_t need = buf->len + len;
    if (need > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 64;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap > buf->max)
            cap = buf->max;
        uint8_t *grown = realloc(buf->data, cap);
        if (grown == NULL)
            return CS_E_NOMEM;
        buf->data = grown;
        buf->cap = cap;
    }
    /* Still unallocated only when len is 0: NULL + 0 is undefined in C. */
    *out = buf->data == NULL ? NULL : buf->data + buf->len;
    return CS_OK;
}

cs_err cs_buf_append(cs_buf *buf, const void *data, size_t len)
{
    uint8_t *dst;
    if (len == 0)
        return CS_OK;
    cs_err err = cs_buf_reserve(buf, len, &dst);
    if (err != CS_OK)
        return err;
    if (dst == NULL)                 /* cannot happen; says so to -O3 */
        return CS_E_INTERNAL;
    memcpy(dst, data, len);
    buf->len += len;
    return CS_OK;
}

cs_err cs_buf_append_byte(cs_buf *buf, uint8_t byte)
{
    return cs_buf_append(buf, &byte, 1);
}
