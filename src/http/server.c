/*
 * server.c - an HTTP server on libmicrohttpd, run from the cs_loop: the
 * daemon's epoll descriptor sits in the loop and MHD_run is called when it
 * is readable or when the daemon's timeout comes, so handlers run on the
 * loop's thread beside the engines they call (no locks).  Request bodies
 * are collected up to CS_HTTP_BODY_MAX; larger ones get 413.
 */
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cellstrap/http.h"

struct cs_http_server {
    struct MHD_Daemon *daemon;
    cs_http_handler handler;
    void *ctx;
};

/* One request being received. */
struct pending {
    uint8_t *body;
    size_t len;
    bool too_large;
};

struct cs_http_reply {
    unsigned status;
    struct MHD_Response *response;
    char *headers[16][2];
    size_t header_count;
    bool failed;
};

void cs_http_reply_status(cs_http_reply *r, unsigned status)
{
    r->status = status;
}

cs_err cs_http_reply_header(cs_http_reply *r, const char *name, const char *value)
{
    if (r->header_count == 16)
        return CS_E_TOO_LARGE;
    char *n = malloc(strlen(name) + 1), *v = malloc(strlen(value) + 1);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        r->failed = true;
        return CS_E_NOMEM;
    }
    strcpy(n, name);
    strcpy(v, value);
    r->headers[r->header_count][0] = n;
    r->headers[r->header_count++][1] = v;
    return CS_OK;
}

cs_err cs_http_reply_body(cs_http_reply *r, const char *content_type,
                          const void *body, size_t len)
{
    if (r->response != NULL)
        MHD_destroy_response(r->response);
    r->response = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                                  MHD_RESPMEM_MUST_COPY);
    if (r->response == NULL) {
        r->failed = true;
        return CS_E_NOMEM;
    }
    if (content_type != NULL)
        MHD_add_response_header(r->response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                content_type);
    return CS_OK;
}

const char *cs_http_incoming_header(const cs_http_incoming *in, const char *name)
{
    return MHD_lookup_connection_value(in->impl, MHD_HEADER_KIND, name);
}

static enum MHD_Result queue(struct MHD_Connection *conn, cs_http_reply *r)
{
    if (r->response == NULL && !r->failed)
        r->response = MHD_create_response_from_buffer(0, (void *)(uintptr_t)"",
                                                      MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_NO;
    if (r->response != NULL && !r->failed) {
        for (size_t i = 0; i < r->header_count; i++)
            MHD_add_response_header(r->response, r->headers[i][0], r->headers[i][1]);
        ok = MHD_queue_response(conn, r->status ? r->status : 500, r->response);
    }
    if (r->response != NULL)
        MHD_destroy_response(r->response);
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->headers[i][0]);
        free(r->headers[i][1]);
    }
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    cs_http_server *s = cls;
    struct pending *p = *con_cls;
    if (p == NULL) {                       /* headers arrived */
        p = calloc(1, sizeof *p);
        if (p == NULL)
            return MHD_NO;
        *con_cls = p;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {           /* a piece of the body */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (p->too_large || p->len + n > CS_HTTP_BODY_MAX) {
            p->too_large = true;
            return MHD_YES;
        }
        uint8_t *b = realloc(p->body, p->len + n + 1);
        if (b == NULL)
            return MHD_NO;
        memcpy(b + p->len, upload_data, n);
        p->body = b;
        p->len += n;
        p->body[p->len] = '\0';
        return MHD_YES;
    }
    cs_http_reply reply;
    memset(&reply, 0, sizeof reply);
    if (p->too_large) {
        reply.status = MHD_HTTP_CONTENT_TOO_LARGE;
        return queue(conn, &reply);
    }
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &password);
    cs_http_incoming in = {
        .method = method, .path = url,
        .body = p->body ? p->body : (const uint8_t *)"", .body_len = p->len,
        .user = user, .password = password, .impl = conn,
    };
    s->handler(s->ctx, &in, &reply);
    if (password != NULL) {
        memset(password, 0, strlen(password));
        MHD_free(password);
    }
    if (user != NULL)
        MHD_free(user);
    return queue(conn, &reply);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    struct pending *p = *con_cls;
    if (p != NULL) {
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
}

static void on_readable(void *ctx, int fd)
{
    (void)fd;
    cs_http_server *s = ctx;
    MHD_run(s->daemon);
}

static uint64_t on_timer(void *ctx, uint64_t now)
{
    cs_http_server *s = ctx;
    MHD_run(s->daemon);
    MHD_UNSIGNED_LONG_LONG timeout;
    if (MHD_get_timeout(s->daemon, &timeout) == MHD_YES)
        return now + timeout;
    return UINT64_MAX;
}

cs_err cs_http_server_open(const cs_addr *local, cs_loop *loop,
                           cs_http_handler handler, void *ctx,
                           cs_http_server **out)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_EPOLL;
    if (local->family == CS_AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(local->port);
        memcpy(&in->sin_addr, local->ip, 4);
    } else if (local->family == CS_AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(local->port);
        memcpy(&in6->sin6_addr, local->ip, 16);
        flags |= MHD_USE_IPv6;
    } else {
        return CS_E_INVALID_ARG;
    }
    cs_http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return CS_E_NOMEM;
    s->handler = handler;
    s->ctx = ctx;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                 MHD_OPTION_CONNECTION_LIMIT, 256u,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                 MHD_OPTION_END);
    if (s->daemon == NULL) {
        free(s);
        return CS_E_INTERNAL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == NULL || cs_loop_add_fd(loop, info->epoll_fd, on_readable, s) != CS_OK ||
        cs_loop_add_timer(loop, on_timer, s) != CS_OK) {
        MHD_stop_daemon(s->daemon);
        free(s);
        return CS_E_INTERNAL;
    }
    *out = s;
    return CS_OK;
}

uint16_t cs_http_server_port(const cs_http_server *s)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info != NULL ? info->port : 0;
}

void cs_http_server_close(cs_http_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
