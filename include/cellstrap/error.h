/*
 * cellstrap/error.h - error codes shared by every cellstrap module.
 *
 * Every fallible function of the library returns a cs_err: CS_OK (0) on
 * success, a negative code on failure.  Each code says what went wrong
 * precisely enough for a log line, and maps to the CoAP response code that
 * an LwM2M peer must send back (cs_err_coap_code), so a decoder error can be
 * answered without a translation table in every caller.
 */
#ifndef CELLSTRAP_ERROR_H
#define CELLSTRAP_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cs_err {
    CS_OK = 0,

    /* Malformed input: answered with 4.00 Bad Request. */
    CS_E_TRUNCATED = -1,      /* input ends inside an element */
    CS_E_BAD_LENGTH = -2,     /* a length field is impossible or inconsistent */
    CS_E_NESTING = -3,        /* wrong nesting: element where it may not stand */
    CS_E_DUPLICATE = -4,      /* the same path appears twice */
    CS_E_TYPE = -5,           /* value type does not match the object definition */
    CS_E_RANGE = -6,          /* value out of range for its type or resource */
    CS_E_TRAILING = -7,       /* bytes after a complete value */
    CS_E_SYNTAX = -8,         /* text that does not follow the format's grammar */
    CS_E_PATH = -9,           /* malformed path, or a path outside the target */
    CS_E_ENCODING = -10,      /* invalid UTF-8, base64 or similar */

    /* Answered with 4.02 Bad Option. */
    CS_E_BAD_OPTION = -15,    /* an unrecognized critical CoAP option */

    /* Answered with 4.04 Not Found. */
    CS_E_NOT_FOUND = -20,     /* object, instance or resource does not exist */

    /* Answered with 4.05 Method Not Allowed. */
    CS_E_NOT_ALLOWED = -30,   /* the operation is not allowed on the target */

    /* Answered with 4.06 Not Acceptable. */
    CS_E_NOT_ACCEPTABLE = -40, /* the data cannot be expressed in the format */

    /* Answered with 4.13 Request Entity Too Large. */
    CS_E_TOO_LARGE = -50,     /* a configured bound would be exceeded */

    /* Answered with 4.15 Unsupported Content-Format. */
    CS_E_UNSUPPORTED_FORMAT = -60,

    /* Answered with 5.00 Internal Server Error. */
    CS_E_NOMEM = -70,         /* allocation failed */
    CS_E_INTERNAL = -71,      /* a bug or an impossible state */
    CS_E_INVALID_ARG = -72,   /* the caller broke an API contract */

    /* Outcomes of an exchange with a peer; answered with 5.03 where a
     * response is due at all. */
    CS_E_TIMEOUT = -80,       /* the peer did not answer in time */
    CS_E_RESET = -81,         /* the peer rejected the message (CoAP Reset) */
    CS_E_BUSY = -82,          /* a limit on peers or exchanges was reached */
    CS_E_SESSION = -83        /* the secure session failed or was closed
                                 (e.g. the DTLS handshake was refused) */
} cs_err;

/* A short English description of `err`; never NULL, static storage. */
const char *cs_strerror(cs_err err);

/*
 * The CoAP response code for `err`, as the single code byte of RFC 7252
 * (class << 5 | detail): 0x80 for 4.00, 0x84 for 4.04, 0xA0 for 5.00 ...
 * CS_OK maps to 0 (no error).
 */
unsigned cs_err_coap_code(cs_err err);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_ERROR_H */
