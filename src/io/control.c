/*
 * control.c - the control socket of the test and demo tools: a Unix
 * stream socket, one command line per connection.  The listening socket
 * sits in the event loop; an accepted connection is served at once (its
 * client has already sent the line, or sends it within the read timeout),
 * so the loop never has to forget a descriptor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cellstrap/control.h"

#define READ_TIMEOUT_MS 2000

struct cs_control {
    int fd;
    char *path;
    cs_control_fn fn;
    void *ctx;
};

static bool fill_address(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path)
        return false;
    strcpy(sa->sun_path, path);
    return true;
}

static void reply_to_fd(void *reply_ctx, const char *text, size_t len)
{
    int fd = *(int *)reply_ctx;
    while (len > 0) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;                /* the caller went away */
        text += n;
        len -= (size_t)n;
    }
}

/* Read up to the first newline, waiting at most READ_TIMEOUT_MS. */
static bool read_line(int fd, char *line, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, READ_TIMEOUT_MS) <= 0)
            return false;
        ssize_t n = recv(fd, line + len, cap - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        line[len] = '\0';
        char *nl = memchr(line, '\n', len);
        if (nl != NULL) {
            *nl = '\0';
            if (nl > line && nl[-1] == '\r')
                nl[-1] = '\0';
            return true;
        }
    }
    line[len] = '\0';
    return len > 0 && len + 1 < cap;   /* a last line without newline */
}

static void on_connection(void *ctx, int fd)
{
    cs_control *c = ctx;
    (void)fd;
    for (;;) {
        int conn = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
            return;
        static char line[CS_CONTROL_LINE_MAX + 2];
        if (read_line(conn, line, sizeof line))
            c->fn(c->ctx, line, reply_to_fd, &conn);
        else
            reply_to_fd(&conn, "4.00 no command line\n", 21);
        close(conn);
    }
}

cs_err cs_control_open(const char *path, cs_loop *loop, cs_control_fn fn,
                       void *ctx, cs_control **out)
{
    struct sockaddr_un sa;
    if (!fill_address(path, &sa))
        return CS_E_TOO_LARGE;
    cs_control *c = calloc(1, sizeof *c);
    if (c == NULL)
        return CS_E_NOMEM;
    c->fn = fn;
    c->ctx = ctx;
    c->path = malloc(strlen(path) + 1);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->path == NULL || c->fd < 0) {
        int e = errno;
        if (c->fd >= 0)
            close(c->fd);
        free(c->path);
        free(c);
        errno = e;
        return CS_E_INTERNAL;
    }
    strcpy(c->path, path);
    unlink(path);
    if (bind(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(c->fd, 16) != 0 ||
        cs_loop_add_fd(loop, c->fd, on_connection, c) != CS_OK) {
        int e = errno;
        close(c->fd);
        free(c->path);
        free(c);
        errno = e;
        return CS_E_INTERNAL;
    }
    *out = c;
    return CS_OK;
}

void cs_control_close(cs_control *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    unlink(c->path);
    free(c->path);
    free(c);
}

cs_err cs_control_call(const char *path, const char *line, FILE *out,
                       unsigned timeout_ms)
{
    struct sockaddr_un sa;
    if (!fill_address(path, &sa))
        return CS_E_TOO_LARGE;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return CS_E_INTERNAL;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return CS_E_NOT_FOUND;
    }
    size_t len = strlen(line);
    if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len ||
        send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        close(fd);
        return CS_E_INTERNAL;
    }
    char buf[4096];
    cs_err err = CS_OK;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, (int)timeout_ms);
        if (r == 0) {
            err = CS_E_TIMEOUT;
            break;
        }
        ssize_t n = r > 0 ? recv(fd, buf, sizeof buf, 0) : -1;
        if (n < 0)
            err = CS_E_INTERNAL;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, out);
    }
    close(fd);
    return err;
}
