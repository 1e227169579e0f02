/*
 * cellstrap/addr.h - transport addresses (IPv4 or IPv6 address and UDP
 * port) as plain values: comparable, hashable, printable.  Engines key
 * their peers by them; only src/io/ converts them to and from sockaddr.
 */
#ifndef CELLSTRAP_ADDR_H
#define CELLSTRAP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cs_addr_family { CS_AF_NONE = 0, CS_AF_INET = 4, CS_AF_INET6 = 6 };

typedef struct cs_addr {
    uint8_t family;      /* enum cs_addr_family */
    uint16_t port;       /* host byte order */
    uint8_t ip[16];      /* IPv4 in ip[0..3], the rest zero */
} cs_addr;

/* Longest text form: "[ffff:...:ffff]:65535" and a NUL. */
#define CS_ADDR_TEXT_MAX 48

/* An IPv4 address a.b.c.d:port. */
cs_addr cs_addr_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);

/* Same family, address and port. */
bool cs_addr_equal(const cs_addr *a, const cs_addr *b);

/* Same family and address, any port. */
bool cs_addr_same_host(const cs_addr *a, const cs_addr *b);

/* A 64-bit hash of family, address and port, keyed by `seed` so that a
 * remote party cannot aim many addresses at one hash bucket. */
uint64_t cs_addr_hash(const cs_addr *addr, uint64_t seed);

/*
 * Parse "1.2.3.4:5683", "[::1]:5684", or without the port ("1.2.3.4",
 * "::1", "[::1]") when `default_port` is given (non-zero).
 * Returns CS_OK or CS_E_SYNTAX.
 */
cs_err cs_addr_parse(const char *text, uint16_t default_port, cs_addr *out);

/* "1.2.3.4:5683" or "[::1]:5684" into buf; the length, or -1 if too small. */
int cs_addr_format(const cs_addr *addr, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_ADDR_H */
