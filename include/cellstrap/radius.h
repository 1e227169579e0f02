/*
 * cellstrap/radius.h - the RADIUS packet codec (RFC 2865 format) as the
 * accounting feed from a packet gateway uses it (RFC 2866, 3GPP TS 29.061):
 * strict, bounded parsing that borrows the datagram, iteration over
 * attributes and 3GPP vendor-specific sub-attributes, typed accounting
 * fields, a writer for Accounting-Request and Accounting-Response, and the
 * two authenticator checks (constant-time comparison).
 *
 * Shared secrets are passed as bytes and length; this module never logs
 * them and wipes every buffer that held one.
 *
 * The accounting engines built on this codec (server and client, sans-I/O)
 * are in cellstrap/radius_accounting.h.
 */
#ifndef CELLSTRAP_RADIUS_H
#define CELLSTRAP_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Packet format (RFC 2865 §3) ------------------------------------- */

#define CS_RADIUS_HEADER_LEN 20       /* Code, Identifier, Length, Authenticator */
#define CS_RADIUS_AUTH_LEN 16
#define CS_RADIUS_MAX_LEN 4096        /* the largest packet RFC 2865 allows */
#define CS_RADIUS_ACCT_MAX_LEN 4095   /* RFC 2866 §3: accounting packets */
#define CS_RADIUS_MAX_VALUE 253       /* an attribute's value (Length is one octet) */
#define CS_RADIUS_MAX_SECRET 128      /* our bound on a shared secret */
#define CS_RADIUS_ACCT_PORT 1813

enum cs_radius_code {
    CS_RADIUS_ACCESS_REQUEST = 1,
    CS_RADIUS_ACCESS_ACCEPT = 2,
    CS_RADIUS_ACCESS_REJECT = 3,
    CS_RADIUS_ACCOUNTING_REQUEST = 4,
    CS_RADIUS_ACCOUNTING_RESPONSE = 5,
    CS_RADIUS_ACCESS_CHALLENGE = 11
};

/* Attribute types used on the accounting feed (RFC 2865, 2866, 2869). */
enum cs_radius_attr_type {
    CS_RADIUS_ATTR_USER_NAME = 1,
    CS_RADIUS_ATTR_NAS_IP_ADDRESS = 4,
    CS_RADIUS_ATTR_FRAMED_IP_ADDRESS = 8,
    CS_RADIUS_ATTR_VENDOR_SPECIFIC = 26,
    CS_RADIUS_ATTR_CALLED_STATION_ID = 30,    /* the APN */
    CS_RADIUS_ATTR_CALLING_STATION_ID = 31,   /* the MSISDN */
    CS_RADIUS_ATTR_NAS_IDENTIFIER = 32,
    CS_RADIUS_ATTR_ACCT_STATUS_TYPE = 40,
    CS_RADIUS_ATTR_ACCT_DELAY_TIME = 41,
    CS_RADIUS_ATTR_ACCT_SESSION_ID = 44,
    CS_RADIUS_ATTR_ACCT_SESSION_TIME = 46,
    CS_RADIUS_ATTR_ACCT_TERMINATE_CAUSE = 49,
    CS_RADIUS_ATTR_EVENT_TIMESTAMP = 55
};

/* Acct-Status-Type values (RFC 2866 §5.1). */
enum cs_radius_acct_status {
    CS_RADIUS_ACCT_START = 1,
    CS_RADIUS_ACCT_STOP = 2,
    CS_RADIUS_ACCT_INTERIM = 3,
    CS_RADIUS_ACCT_ON = 7,
    CS_RADIUS_ACCT_OFF = 8
};

/* 3GPP vendor-specific sub-attributes (TS 29.061 §16.4.7). */
#define CS_RADIUS_VENDOR_3GPP 10415u
enum cs_radius_3gpp_type {
    CS_RADIUS_3GPP_IMSI = 1,
    CS_RADIUS_3GPP_SGSN_MCC_MNC = 18,
    CS_RADIUS_3GPP_IMEISV = 20,
    CS_RADIUS_3GPP_RAT_TYPE = 21
};

/*
 * A parsed packet.  It borrows the datagram given to cs_radius_parse: the
 * datagram must outlive it.  `data` covers exactly `length` octets (any
 * padding after Length is not part of it).
 */
typedef struct cs_radius_packet {
    const uint8_t *data;
    size_t length;                 /* the Length field */
    uint8_t code;
    uint8_t identifier;
    const uint8_t *authenticator;  /* data + 4, 16 octets */
} cs_radius_packet;

/*
 * Parse and check the framing of one datagram (RFC 2865 §3 and §5):
 *   CS_E_TRUNCATED  shorter than 20 octets, Length beyond the datagram, an
 *                   attribute running past Length;
 *   CS_E_TOO_LARGE  a datagram longer than 4096 octets;
 *   CS_E_BAD_LENGTH Length below 20 or above 4096, an attribute Length of
 *                   0 or 1, a Vendor-Specific attribute shorter than 7, a
 *                   3GPP sub-attribute Length below 2 or not tiling its
 *                   attribute exactly;
 *   CS_E_TRAILING   one octet left after the last attribute.
 * Octets after Length are padding and ignored, as RFC 2865 requires.
 * Any Code is accepted; the caller checks it.
 */
cs_err cs_radius_parse(const uint8_t *dgram, size_t len, cs_radius_packet *out);

/* One attribute; `value` borrows the packet. */
typedef struct cs_radius_attr {
    uint8_t type;
    uint8_t len;                   /* of the value */
    const uint8_t *value;
} cs_radius_attr;

/* An iterator over the attributes of a parsed packet, in order. */
typedef struct cs_radius_iter {
    const cs_radius_packet *pkt;
    size_t pos;
} cs_radius_iter;

void cs_radius_iter_init(cs_radius_iter *it, const cs_radius_packet *pkt);
/* The next attribute, or false at the end. */
bool cs_radius_iter_next(cs_radius_iter *it, cs_radius_attr *out);

/*
 * The value of 3GPP sub-attribute `vtype` (in any Vendor-Specific attribute
 * of vendor 10415): CS_OK, CS_E_NOT_FOUND, or CS_E_DUPLICATE when it occurs
 * more than once.  `*value` borrows the packet.
 */
cs_err cs_radius_find_3gpp(const cs_radius_packet *pkt, uint8_t vtype,
                           const uint8_t **value, size_t *len);

/* ---- Authenticators (RFC 2866 §3) ------------------------------------ */

/*
 * Check the Request Authenticator of an Accounting-Request:
 * MD5(Code, Identifier, Length, 16 zero octets, attributes, secret),
 * compared in constant time.  CS_OK, CS_E_SESSION (mismatch: wrong secret
 * or altered packet), CS_E_INVALID_ARG (empty or oversized secret).
 */
cs_err cs_radius_verify_request(const cs_radius_packet *pkt,
                                const uint8_t *secret, size_t secret_len);

/*
 * Check the Response Authenticator of an Accounting-Response to a request
 * whose authenticator was `request_auth`: MD5(Code, Identifier, Length,
 * request authenticator, attributes, secret).  Errors as above.
 */
cs_err cs_radius_verify_response(const cs_radius_packet *pkt,
                                 const uint8_t request_auth[CS_RADIUS_AUTH_LEN],
                                 const uint8_t *secret, size_t secret_len);

/* ---- Writer ---------------------------------------------------------- */

/*
 * Builds one packet into a caller's buffer.  Errors are sticky: the first
 * failing add is remembered, later adds do nothing, and the finish call
 * returns it, so a sequence of adds needs one check.
 */
typedef struct cs_radius_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    cs_err err;
} cs_radius_writer;

/* Start a packet of `code` and `identifier` in buf[0..cap); cap is
 * clamped to 4095 (the accounting maximum). */
void cs_radius_writer_init(cs_radius_writer *w, uint8_t *buf, size_t cap,
                           uint8_t code, uint8_t identifier);

/* Append one attribute.  CS_E_RANGE for a value over 253 octets (or an
 * empty text, which RFC 2865 §5 forbids), CS_E_TOO_LARGE when the buffer
 * is full. */
void cs_radius_add(cs_radius_writer *w, uint8_t type, const void *value,
                   size_t len);
void cs_radius_add_text(cs_radius_writer *w, uint8_t type, const char *text);
void cs_radius_add_u32(cs_radius_writer *w, uint8_t type, uint32_t value);
void cs_radius_add_ipv4(cs_radius_writer *w, uint8_t type, const uint8_t ip[4]);
/* One Vendor-Specific attribute holding one sub-attribute (value ≤ 247). */
void cs_radius_add_vsa(cs_radius_writer *w, uint32_t vendor, uint8_t vtype,
                       const void *value, size_t len);

/*
 * Set Length and the Request Authenticator of an Accounting-Request.
 * *out_len gets the packet's size.  The writer's sticky error, or
 * CS_E_INVALID_ARG for a bad secret; the buffer holds no secret after.
 */
cs_err cs_radius_finish_request(cs_radius_writer *w, const uint8_t *secret,
                                size_t secret_len, size_t *out_len);

/* Same for an Accounting-Response to a request with `request_auth`. */
cs_err cs_radius_finish_response(cs_radius_writer *w,
                                 const uint8_t request_auth[CS_RADIUS_AUTH_LEN],
                                 const uint8_t *secret, size_t secret_len,
                                 size_t *out_len);

/* ---- Typed accounting fields ----------------------------------------- */

/* Bits of cs_radius_acct.present. */
enum cs_radius_acct_field {
    CS_ACCT_HAS_STATUS = 1u << 0,
    CS_ACCT_HAS_USER_NAME = 1u << 1,
    CS_ACCT_HAS_FRAMED_IP = 1u << 2,
    CS_ACCT_HAS_MSISDN = 1u << 3,
    CS_ACCT_HAS_APN = 1u << 4,
    CS_ACCT_HAS_SESSION_ID = 1u << 5,
    CS_ACCT_HAS_NAS_IP = 1u << 6,
    CS_ACCT_HAS_EVENT_TIMESTAMP = 1u << 7,
    CS_ACCT_HAS_IMSI = 1u << 8,
    CS_ACCT_HAS_IMEISV = 1u << 9,
    CS_ACCT_HAS_RAT_TYPE = 1u << 10,
    CS_ACCT_HAS_SGSN_MCC_MNC = 1u << 11,
    CS_ACCT_HAS_NAS_IDENTIFIER = 1u << 12,
    CS_ACCT_HAS_DELAY_TIME = 1u << 13,
    CS_ACCT_HAS_SESSION_TIME = 1u << 14,
    CS_ACCT_HAS_TERMINATE_CAUSE = 1u << 15
};

/*
 * The accounting attributes of one request, copied out of the packet:
 * texts are NUL-terminated, identities (IMSI, IMEISV, MCC-MNC) are digit
 * strings.  A field is meaningful only when its bit is in `present`.
 */
typedef struct cs_radius_acct {
    uint32_t present;
    uint32_t status_type;                    /* enum cs_radius_acct_status */
    uint8_t framed_ip[4];                    /* the UE's address */
    uint8_t nas_ip[4];                       /* the gateway's address */
    uint32_t event_timestamp;                /* seconds since 1970 */
    uint32_t delay_time;                     /* Acct-Delay-Time, seconds */
    uint32_t session_time;                   /* Acct-Session-Time, seconds */
    uint32_t terminate_cause;
    uint8_t rat_type;                        /* 3GPP-RAT-Type: 6 EUTRAN ... */
    char user_name[CS_RADIUS_MAX_VALUE + 1];
    char msisdn[CS_RADIUS_MAX_VALUE + 1];      /* Calling-Station-Id */
    char apn[CS_RADIUS_MAX_VALUE + 1];         /* Called-Station-Id */
    char session_id[CS_RADIUS_MAX_VALUE + 1];  /* Acct-Session-Id */
    char nas_identifier[CS_RADIUS_MAX_VALUE + 1];
    char imsi[16];                           /* 6..15 digits */
    char imeisv[17];                         /* 16 digits */
    char sgsn_mcc_mnc[7];                    /* 5 or 6 digits */
} cs_radius_acct;

/*
 * Read the accounting fields of a parsed packet into *out (cleared first).
 * Each attribute may appear at most once.  Errors:
 *   CS_E_NOT_FOUND  no Acct-Status-Type;
 *   CS_E_DUPLICATE  an attribute below appears twice;
 *   CS_E_BAD_LENGTH an integer or address not 4 octets, RAT-Type not 1;
 *   CS_E_ENCODING   a text value with a NUL octet, or empty;
 *   CS_E_SYNTAX     IMSI, IMEISV or MCC-MNC not digits of the right count.
 * Other attributes are skipped.
 */
cs_err cs_radius_acct_decode(const cs_radius_packet *pkt, cs_radius_acct *out);

/*
 * Encode an Accounting-Request with the fields present in `acct`, in this
 * order: Acct-Status-Type, User-Name, Framed-IP-Address, Calling- and
 * Called-Station-Id, Acct-Session-Id, NAS-IP-Address, NAS-Identifier,
 * Event-Timestamp, Acct-Delay-Time, Acct-Session-Time,
 * Acct-Terminate-Cause, then the 3GPP VSAs IMSI, IMEISV, RAT-Type,
 * SGSN-MCC-MNC (one VSA each).  *out_len gets the size.  Errors of the
 * writer, CS_E_INVALID_ARG without a status type or with a bad secret.
 */
cs_err cs_radius_acct_encode(const cs_radius_acct *acct, uint8_t identifier,
                             const uint8_t *secret, size_t secret_len,
                             uint8_t *buf, size_t cap, size_t *out_len);

/* "Start", "Stop", "Interim-Update", "Accounting-On", "Accounting-Off",
 * or "other"; static storage. */
const char *cs_radius_status_name(uint32_t status_type);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_RADIUS_H */
