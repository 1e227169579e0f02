/*
 * udp.c - non-blocking UDP sockets and the clocks, the only code that
 * talks to the kernel's network stack and time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cellstrap/io.h"

struct cs_udp {
    int fd;
    cs_addr local;
};

uint64_t cs_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t cs_clock_unix(void)
{
    return (int64_t)time(NULL);
}

static socklen_t to_sockaddr(const cs_addr *addr, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (addr->family == CS_AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(addr->port);
        memcpy(&in->sin_addr, addr->ip, 4);
        return sizeof *in;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(addr->port);
    memcpy(&in6->sin6_addr, addr->ip, 16);
    return sizeof *in6;
}

static void from_sockaddr(const struct sockaddr_storage *ss, cs_addr *addr)
{
    memset(addr, 0, sizeof *addr);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        addr->family = CS_AF_INET;
        addr->port = ntohs(in->sin_port);
        memcpy(addr->ip, &in->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        addr->family = CS_AF_INET6;
        addr->port = ntohs(in6->sin6_port);
        memcpy(addr->ip, &in6->sin6_addr, 16);
    }
}

cs_err cs_resolve_host(const char *host, uint16_t port, cs_addr *out)
{
    if (host == NULL || host[0] == '\0' || strlen(host) > 253)
        return CS_E_SYNTAX;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
        return CS_E_NOT_FOUND;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, res->ai_addr, res->ai_addrlen < sizeof ss ? res->ai_addrlen : sizeof ss);
    freeaddrinfo(res);
    from_sockaddr(&ss, out);
    if (out->family == CS_AF_NONE)
        return CS_E_NOT_FOUND;
    out->port = port;
    return CS_OK;
}

cs_err cs_udp_open(const cs_addr *local, cs_udp **out)
{
    if (local->family != CS_AF_INET && local->family != CS_AF_INET6)
        return CS_E_INVALID_ARG;
    cs_udp *udp = calloc(1, sizeof *udp);
    if (udp == NULL)
        return CS_E_NOMEM;
    int family = local->family == CS_AF_INET ? AF_INET : AF_INET6;
    udp->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (udp->fd < 0) {
        free(udp);
        return CS_E_INTERNAL;
    }
    int one = 1;
    setsockopt(udp->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Large buffers: a server takes bursts from many peers at once. */
    int size = 4 << 20;
    setsockopt(udp->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(udp->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(local, &ss);
    if (bind(udp->fd, (struct sockaddr *)&ss, sl) != 0) {
        int saved = errno;
        close(udp->fd);
        free(udp);
        errno = saved;
        return CS_E_INTERNAL;
    }
    sl = sizeof ss;
    getsockname(udp->fd, (struct sockaddr *)&ss, &sl);
    from_sockaddr(&ss, &udp->local);
    *out = udp;
    return CS_OK;
}

void cs_udp_close(cs_udp *udp)
{
    if (udp == NULL)
        return;
    close(udp->fd);
    free(udp);
}

int cs_udp_fd(const cs_udp *udp)
{
    return udp->fd;
}

cs_addr cs_udp_local(const cs_udp *udp)
{
    return udp->local;
}

cs_err cs_udp_recv(cs_udp *udp, cs_addr *from, uint8_t *buf, size_t cap,
                   size_t *len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t n = recvfrom(udp->fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&ss, &sl);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
                   ? CS_E_TIMEOUT : CS_E_INTERNAL;
    from_sockaddr(&ss, from);
    if ((size_t)n > cap) {
        *len = cap;
        return CS_E_TOO_LARGE;
    }
    *len = (size_t)n;
    return CS_OK;
}

cs_err cs_udp_send(cs_udp *udp, const cs_addr *to, const uint8_t *data,
                   size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(to, &ss);
    if (sendto(udp->fd, data, len, 0, (struct sockaddr *)&ss, sl) < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS
                   ? CS_E_BUSY : CS_E_INTERNAL;
    return CS_OK;
}
