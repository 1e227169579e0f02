/*
 * control.h - a control socket for test and demo tools: a Unix socket that
 * takes one command line per connection and answers with text, then
 * closes.  cellstrap-netsim is driven through it (attach, detach, ...).
 */
#ifndef CELLSTRAP_CONTROL_H
#define CELLSTRAP_CONTROL_H

#include <stddef.h>
#include <stdio.h>

#include "cellstrap/error.h"
#include "cellstrap/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest command line accepted (without the newline). */
#define CS_CONTROL_LINE_MAX 4096

/* Handle one command (NUL-terminated, newline removed); write the answer
 * with `write(reply_ctx, text, len)`, any number of times. */
typedef void (*cs_control_reply_fn)(void *reply_ctx, const char *text, size_t len);
typedef void (*cs_control_fn)(void *ctx, char *line, cs_control_reply_fn write,
                              void *reply_ctx);

typedef struct cs_control cs_control;

/*
 * Listen on the Unix socket `path` (an old socket file there is replaced)
 * and serve it from `loop`.  *out is the caller's: cs_control_close (which
 * removes the file).  CS_E_INTERNAL with errno kept when the system
 * refuses, CS_E_TOO_LARGE for a path too long for a socket address.
 */
cs_err cs_control_open(const char *path, cs_loop *loop, cs_control_fn fn,
                       void *ctx, cs_control **out);
void cs_control_close(cs_control *c);

/*
 * The client side: send `line` to the socket at `path` and copy the whole
 * answer to `out`.  Gives up after `timeout_ms`.  CS_E_NOT_FOUND when no
 * one listens there, CS_E_TIMEOUT, CS_E_INTERNAL.
 */
cs_err cs_control_call(const char *path, const char *line, FILE *out,
                       unsigned timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
