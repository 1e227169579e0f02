/*
 * http.h - HTTP for the parts of cellstrap that speak it: a blocking client
 * on libcurl (the device's GBA Ub exchange, the bootstrap server's Zn
 * queries) and a server on libmicrohttpd driven by the cs_loop (netsim's
 * BSF, Zn and AAnF).  Both are bounded: bodies and header blocks past the
 * limits below are refused, never truncated silently.
 */
#ifndef CELLSTRAP_HTTP_H
#define CELLSTRAP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"
#include "cellstrap/io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_HTTP_BODY_MAX (1024u * 1024u)
#define CS_HTTP_HEADERS_MAX (64u * 1024u)

/* ---- Client ------------------------------------------------------------- */

typedef struct cs_http_response {
    long status;                 /* 200, 401 ... */
    char *headers;               /* the raw header block, NUL-terminated */
    size_t headers_len;
    uint8_t *body;               /* NUL-terminated for convenience */
    size_t body_len;
} cs_http_response;

/*
 * One request: `headers` is NULL or a NULL-terminated list of "Name: value"
 * lines; `body` may be NULL.  *out is filled on CS_OK (free it with
 * cs_http_response_free); any status counts as CS_OK.  CS_E_TIMEOUT,
 * CS_E_TOO_LARGE (a body or header block over the limits), CS_E_NOT_FOUND
 * (cannot connect or resolve), CS_E_INTERNAL.
 */
cs_err cs_http_request(const char *method, const char *url,
                       const char *const *headers, const void *body,
                       size_t body_len, unsigned timeout_ms,
                       cs_http_response *out);

/* The first value of header `name` (case-insensitive) copied to out,
 * or NULL when there is none or it does not fit. */
const char *cs_http_response_header(const cs_http_response *r, const char *name,
                                    char *out, size_t cap);

void cs_http_response_free(cs_http_response *r);

/*
 * Zn from the NAF's side: ask the BSF at `url` (e.g. http://bsf/zn) for
 * Ks_NAF of `btid` for NAF `naf_fqdn` (Ua id 01 00 01 C0 A8), as NAF
 * `naf_name` with its secret.  On CS_OK: key (32 octets), impi and
 * *expires (Unix seconds).  CS_E_NOT_FOUND: the BSF does not know the
 * B-TID or it expired; CS_E_NOT_ALLOWED: this NAF was refused;
 * CS_E_SYNTAX: a malformed answer; HTTP errors as cs_http_request.
 */
cs_err cs_zn_fetch(const char *url, const char *naf_name, const char *naf_secret,
                   const char *naf_fqdn, const char *btid, uint8_t key[32],
                   char impi[128], int64_t *expires);

/*
 * AKMA from the AF's side: ask the AAnF at `url` (e.g. http://aanf/aanf)
 * for K_AF of `a_kid` for AF `af_fqdn` (Ua* id 01 00 01 C0 A8), as AF
 * `af_name`.  On CS_OK: key, supi (the IMSI digits) and *expires.  Errors
 * as cs_zn_fetch.
 */
cs_err cs_aanf_fetch(const char *url, const char *af_name, const char *af_secret,
                     const char *af_fqdn, const char *a_kid, uint8_t key[32],
                     char supi[128], int64_t *expires);

/* ---- Server ------------------------------------------------------------- */

/* A request as the handler sees it; valid during the call only. */
typedef struct cs_http_incoming {
    const char *method;
    const char *path;            /* without the query */
    const uint8_t *body;
    size_t body_len;
    const char *user;            /* HTTP Basic credentials, or NULL */
    const char *password;
    void *impl;
} cs_http_incoming;

/* The value of request header `name`, or NULL. */
const char *cs_http_incoming_header(const cs_http_incoming *in, const char *name);

/* What the handler answers: status, optional headers (set with
 * cs_http_reply_header) and body (copied). */
typedef struct cs_http_reply cs_http_reply;
void cs_http_reply_status(cs_http_reply *r, unsigned status);
cs_err cs_http_reply_header(cs_http_reply *r, const char *name, const char *value);
cs_err cs_http_reply_body(cs_http_reply *r, const char *content_type,
                          const void *body, size_t len);

typedef void (*cs_http_handler)(void *ctx, const cs_http_incoming *in,
                                cs_http_reply *reply);

typedef struct cs_http_server cs_http_server;

/*
 * Listen on `local` (port 0: any; cs_http_server_port tells which) and
 * serve from `loop`: every request is handled on the loop's thread.
 * CS_E_INTERNAL with errno kept when the port cannot be opened.
 */
cs_err cs_http_server_open(const cs_addr *local, cs_loop *loop,
                           cs_http_handler handler, void *ctx,
                           cs_http_server **out);
uint16_t cs_http_server_port(const cs_http_server *s);
void cs_http_server_close(cs_http_server *s);

#ifdef __cplusplus
}
#endif

#endif
