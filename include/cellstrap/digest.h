/*
 * cellstrap/digest.h - HTTP Digest authentication as GBA's Ub interface
 * uses it: "Digest AKA" (RFC 3310, algorithm AKAv1-MD5, over RFC 2617
 * arithmetic; TS 24.109 Annex A).  No HTTP here: the BSF (libmicrohttpd)
 * and the device's client (libcurl) hand header values in and out.
 *
 *   - a strict, bounded parser for the value of WWW-Authenticate and
 *     Authorization ("Digest" and its parameters), and a writer;
 *   - HA1 / HA2 / response, with the raw RES octets as the password;
 *   - the AKA nonce (base64 of RAND || AUTN || server data) and the auts
 *     parameter (base64 of AUTS).
 *
 * The parser faces the network: inputs over the bounds below are refused,
 * never truncated.  It takes exactly one challenge or credentials of the
 * "Digest" scheme; a header that lists several challenges must be split
 * by the caller.  Parameter values are printable ASCII (plus space and
 * tab); obs-text is refused.
 *
 * A response derived from RES is a secret until compared: compare with
 * cs_digest_response_equal (constant time); HA1 buffers should be wiped.
 */
#ifndef CELLSTRAP_DIGEST_H
#define CELLSTRAP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Header values ---------------------------------------------------- */

#define CS_DIGEST_MAX_HEADER 4096   /* the whole header value */
#define CS_DIGEST_MAX_PARAMS 16
#define CS_DIGEST_MAX_NAME 32       /* a parameter name */
#define CS_DIGEST_MAX_VALUE 1024    /* a parameter value, unescaped */

/* The parameters of one Digest challenge or credentials.  Plain data (may
 * be copied); read it through the functions below. */
typedef struct cs_digest_params {
    size_t count;
    struct cs_digest_entry {
        uint16_t name;      /* offsets into text, NUL-terminated */
        uint16_t value;
        uint16_t value_len;
        bool quoted;
    } entry[CS_DIGEST_MAX_PARAMS];
    size_t used;
    char text[CS_DIGEST_MAX_HEADER + 2 * CS_DIGEST_MAX_PARAMS];
} cs_digest_params;

/*
 * Parse `len` octets of a header value: OWS "Digest" 1*SP param
 * *(OWS "," OWS param) OWS, param = token BWS "=" BWS (token /
 * quoted-string); empty list elements are skipped (RFC 7230 §7).  Names
 * are stored in lower case; values unescaped.  At least one parameter.
 * Errors: CS_E_NOT_FOUND when the scheme is not Digest; CS_E_SYNTAX for
 * anything off-grammar (including NUL, control characters, obs-text);
 * CS_E_DUPLICATE for a parameter named twice (case-insensitively);
 * CS_E_TOO_LARGE beyond a bound above.  On error `out` is empty.
 */
cs_err cs_digest_parse(const char *header, size_t len, cs_digest_params *out);

/* Number of parameters and the i-th one's name (lower case) and value. */
size_t cs_digest_count(const cs_digest_params *p);
const char *cs_digest_name(const cs_digest_params *p, size_t i);
const char *cs_digest_value(const cs_digest_params *p, size_t i);
bool cs_digest_quoted(const cs_digest_params *p, size_t i);

/* The value of parameter `name` (case-insensitive), or NULL. */
const char *cs_digest_get(const cs_digest_params *p, const char *name);

/* Start an empty parameter list for writing. */
void cs_digest_init(cs_digest_params *p);

/*
 * Append a parameter.  `quoted` forces a quoted-string (RFC 2617 wants
 * realm, nonce, uri, response, cnonce, opaque, qop in a challenge and
 * auts quoted; nc, algorithm and qop in credentials as tokens); a value
 * that is not a token is quoted anyway.  CS_E_INVALID_ARG for a name that
 * is not a token or a value with characters the parser refuses;
 * CS_E_DUPLICATE; CS_E_TOO_LARGE beyond a bound.
 */
cs_err cs_digest_add(cs_digest_params *p, const char *name, const char *value,
                     bool quoted);

/*
 * Write "Digest name=value, ..." NUL-terminated into `out`; *out_len (may
 * be NULL) is its length.  What this writes, cs_digest_parse reads back
 * as the same parameters.  CS_E_TOO_LARGE when the result would exceed
 * `cap` - 1 or CS_DIGEST_MAX_HEADER; CS_E_INVALID_ARG for no parameters.
 */
cs_err cs_digest_write(const cs_digest_params *p, char *out, size_t cap,
                       size_t *out_len);

/* ---- Arithmetic (RFC 2617 §3.2.2, RFC 3310 §3) ------------------------ */

#define CS_DIGEST_HEX_LEN 32        /* lower-case hex of an MD5; +1 for NUL */

typedef enum cs_digest_qop {
    CS_DIGEST_QOP_NONE = 0,         /* RFC 2069 compatibility; not in Ub */
    CS_DIGEST_QOP_AUTH = 1,
    CS_DIGEST_QOP_AUTH_INT = 2
} cs_digest_qop;

/* "auth", "auth-int", or "" for NONE. */
const char *cs_digest_qop_name(cs_digest_qop qop);

/* The qop of credentials ("auth" / "auth-int", exactly); CS_E_SYNTAX else. */
cs_err cs_digest_qop_parse(const char *value, cs_digest_qop *qop);

/* True when a challenge's qop list ("auth,auth-int", commas and optional
 * spaces) offers `qop`. */
bool cs_digest_qop_offered(const char *list, cs_digest_qop qop);

/*
 * HA1 = MD5(username ":" realm ":" password).  For AKAv1-MD5 the password
 * is the raw RES (8 octets from Milenage), or empty in a resynchronisation
 * request.  CS_E_TOO_LARGE for inputs over CS_DIGEST_MAX_VALUE.
 */
cs_err cs_digest_ha1(const char *username, const char *realm,
                     const uint8_t *password, size_t password_len,
                     char ha1[CS_DIGEST_HEX_LEN + 1]);

/*
 * HA2 = MD5(method ":" uri) for auth and NONE, MD5(method ":" uri ":"
 * MD5(body)) for auth-int (`body` may be NULL when body_len is 0).  For
 * the rspauth of Authentication-Info pass method "".  CS_E_TOO_LARGE for
 * method or uri over CS_DIGEST_MAX_VALUE; CS_E_INVALID_ARG for a bad qop.
 */
cs_err cs_digest_ha2(const char *method, const char *uri, cs_digest_qop qop,
                     const uint8_t *body, size_t body_len,
                     char ha2[CS_DIGEST_HEX_LEN + 1]);

/*
 * response = MD5(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2), or
 * MD5(HA1 ":" nonce ":" HA2) for NONE (nc, cnonce then unused, may be
 * NULL).  CS_E_TOO_LARGE for inputs over CS_DIGEST_MAX_VALUE.
 */
cs_err cs_digest_response(const char ha1[CS_DIGEST_HEX_LEN + 1],
                          const char *nonce, const char *nc, const char *cnonce,
                          cs_digest_qop qop,
                          const char ha2[CS_DIGEST_HEX_LEN + 1],
                          char out[CS_DIGEST_HEX_LEN + 1]);

/* True when `received` (a response parameter, NUL-terminated) is exactly
 * the 32 lower-case hex digits of `expected`; constant time in the
 * contents. */
bool cs_digest_response_equal(const char expected[CS_DIGEST_HEX_LEN + 1],
                              const char *received);

/* ---- AKA nonce and auts (RFC 3310 §3.2, §3.4) ------------------------- */

#define CS_AKA_NONCE_MAX_SERVER_DATA 64
/* base64 of RAND || AUTN || server data, NUL included. */
#define CS_AKA_NONCE_MAX ((32 + CS_AKA_NONCE_MAX_SERVER_DATA + 2) / 3 * 4 + 1)
#define CS_AKA_AUTS_B64_MAX 21      /* base64 of 14 octets, NUL included */

/*
 * nonce = base64(RAND || AUTN || server_data); server_data (0..64 octets,
 * may be NULL when 0) lets a BSF bind the nonce to its own state.
 * CS_E_INVALID_ARG for too much server data; CS_E_TOO_LARGE for `cap`.
 */
cs_err cs_digest_aka_nonce_encode(const uint8_t rand[16], const uint8_t autn[16],
                                  const uint8_t *server_data, size_t sd_len,
                                  char *out, size_t cap);

/*
 * Split a nonce.  `server_data` may be NULL (ignored); else it gets up to
 * `sd_cap` octets and *sd_len their count.  CS_E_ENCODING for bad base64;
 * CS_E_BAD_LENGTH when it decodes to fewer than 32 octets or more than
 * 32 + CS_AKA_NONCE_MAX_SERVER_DATA; CS_E_TOO_LARGE when the server data
 * exceeds `sd_cap`.
 */
cs_err cs_digest_aka_nonce_decode(const char *nonce, uint8_t rand[16],
                                  uint8_t autn[16], uint8_t *server_data,
                                  size_t sd_cap, size_t *sd_len);

/* auts = base64(AUTS).  `out` holds CS_AKA_AUTS_B64_MAX. */
void cs_digest_auts_encode(const uint8_t auts[14],
                           char out[CS_AKA_AUTS_B64_MAX]);

/* CS_E_ENCODING for bad base64, CS_E_BAD_LENGTH for not 14 octets. */
cs_err cs_digest_auts_decode(const char *value, uint8_t auts[14]);

#ifdef __cplusplus
}
#endif

#endif
