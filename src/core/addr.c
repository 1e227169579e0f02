/*
 * addr.c - transport addresses: equality, keyed hashing, text forms.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/addr.h"

cs_addr cs_addr_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    cs_addr addr;
    memset(&addr, 0, sizeof addr);
    addr.family = CS_AF_INET;
    addr.port = port;
    addr.ip[0] = a;
    addr.ip[1] = b;
    addr.ip[2] = c;
    addr.ip[3] = d;
    return addr;
}

static size_t ip_len(const cs_addr *addr)
{
    return addr->family == CS_AF_INET ? 4 : 16;
}

bool cs_addr_same_host(const cs_addr *a, const cs_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, ip_len(a)) == 0;
}

bool cs_addr_equal(const cs_addr *a, const cs_addr *b)
{
    return a->port == b->port && cs_addr_same_host(a, b);
}

/* splitmix64's finalizer: cheap, and every input bit reaches every output
 * bit; keyed by folding the seed in before each round. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t cs_addr_hash(const cs_addr *addr, uint64_t seed)
{
    uint64_t hi = 0, lo = 0;
    memcpy(&hi, addr->ip, 8);
    memcpy(&lo, addr->ip + 8, 8);
    uint64_t h = mix(seed ^ ((uint64_t)addr->family << 16 | addr->port));
    h = mix(h ^ hi);
    h = mix(h ^ lo ^ seed);
    return h;
}

static cs_err parse_port(const char *s, uint16_t *port)
{
    if (*s == '\0' || strlen(s) > 5)
        return CS_E_SYNTAX;
    unsigned long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return CS_E_SYNTAX;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v == 0 || v > 65535)
        return CS_E_SYNTAX;
    *port = (uint16_t)v;
    return CS_OK;
}

cs_err cs_addr_parse(const char *text, uint16_t default_port, cs_addr *out)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *port_text = NULL;
    size_t len = strlen(text);
    cs_addr addr;
    memset(&addr, 0, sizeof addr);

    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || (size_t)(close - text - 1) >= sizeof host)
            return CS_E_SYNTAX;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0')
            return CS_E_SYNTAX;
        addr.family = CS_AF_INET6;
    } else {
        const char *colon = strchr(text, ':');
        bool ipv6 = colon != NULL && strchr(colon + 1, ':') != NULL;
        size_t host_len = ipv6 || colon == NULL ? len : (size_t)(colon - text);
        if (host_len >= sizeof host)
            return CS_E_SYNTAX;
        memcpy(host, text, host_len);
        host[host_len] = '\0';
        if (!ipv6 && colon != NULL)
            port_text = colon + 1;
        addr.family = ipv6 ? CS_AF_INET6 : CS_AF_INET;
    }
    int af = addr.family == CS_AF_INET ? AF_INET : AF_INET6;
    if (inet_pton(af, host, addr.ip) != 1)
        return CS_E_SYNTAX;
    if (port_text != NULL) {
        if (parse_port(port_text, &addr.port) != CS_OK)
            return CS_E_SYNTAX;
    } else if (default_port != 0) {
        addr.port = default_port;
    } else {
        return CS_E_SYNTAX;
    }
    *out = addr;
    return CS_OK;
}

int cs_addr_format(const cs_addr *addr, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    int af = addr->family == CS_AF_INET ? AF_INET : AF_INET6;
    if (addr->family != CS_AF_INET && addr->family != CS_AF_INET6)
        return -1;
    if (inet_ntop(af, addr->ip, host, sizeof host) == NULL)
        return -1;
    int n = addr->family == CS_AF_INET
                ? snprintf(buf, cap, "%s:%u", host, (unsigned)addr->port)
                : snprintf(buf, cap, "[%s]:%u", host, (unsigned)addr->port);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
