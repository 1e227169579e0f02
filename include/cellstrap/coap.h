/*
 * cellstrap/coap.h - CoAP messages: parse a datagram into a message, build
 * a message, serialize it into a datagram (RFC 7252 §3), with the option
 * numbers of Observe (RFC 7641), block-wise transfer (RFC 7959, 9177),
 * OSCORE (RFC 8613), Hop-Limit (RFC 8768), No-Response (RFC 7967) and
 * Echo / Request-Tag (RFC 9175).
 *
 * This is the bottom layer of the CoAP engine, which is sans-I/O and must
 * hold a very large number of peers, so nothing here allocates:
 *
 *   - cs_coap_parse() borrows the datagram.  Option values and the payload
 *     of a parsed message point into the caller's buffer, which must stay
 *     alive and unchanged while the message is used.  Only the token (at
 *     most 8 bytes) is copied into the message.
 *   - Builders borrow the values they are given (strings, byte arrays,
 *     payload) until the message is serialized.  Unsigned-integer option
 *     values are encoded into a small area inside the message itself, so a
 *     built message must not be copied by plain assignment while it is in
 *     use (the copy's integer options would point into the original).
 *   - The number of options is bounded (CS_COAP_MAX_OPTIONS); every loop is
 *     bounded by the datagram length or that constant.
 *
 * Message-layer semantics (deduplication, retransmission, matching ACK/RST
 * to requests, rejecting reserved code classes or non-empty Resets) belong
 * to the layers above; this file only says whether bytes are a well-formed
 * message.
 */
#ifndef CELLSTRAP_COAP_H
#define CELLSTRAP_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Limits ------------------------------------------------------------ */

#define CS_COAP_VERSION 1
#define CS_COAP_HEADER_LEN 4        /* Ver|T|TKL, Code, Message ID */
#define CS_COAP_TOKEN_MAX 8         /* TKL 9..15 are a format error */
#define CS_COAP_MAX_OPTIONS 32      /* options kept per message */
#define CS_COAP_OPTION_VALUE_MAX 65535u /* longest option value we handle */
#define CS_COAP_PAYLOAD_MARKER 0xFF
/* Longest text of a code, "c.dd", with its NUL (cs_coap_code_text). */
#define CS_COAP_CODE_TEXT_MAX 5

/* ---- Message types (RFC 7252 §3) --------------------------------------- */

enum cs_coap_type {
    CS_COAP_TYPE_CON = 0,  /* Confirmable */
    CS_COAP_TYPE_NON = 1,  /* Non-confirmable */
    CS_COAP_TYPE_ACK = 2,  /* Acknowledgement */
    CS_COAP_TYPE_RST = 3   /* Reset */
};

/* ---- Codes: class << 5 | detail, written "c.dd" ------------------------- */

#define CS_COAP_CODE(cls, detail) (((cls) << 5) | (detail))

enum cs_coap_code {
    CS_COAP_CODE_EMPTY = CS_COAP_CODE(0, 0),

    /* Methods (RFC 7252 §12.1.1; FETCH, PATCH, iPATCH: RFC 8132). */
    CS_COAP_CODE_GET = CS_COAP_CODE(0, 1),
    CS_COAP_CODE_POST = CS_COAP_CODE(0, 2),
    CS_COAP_CODE_PUT = CS_COAP_CODE(0, 3),
    CS_COAP_CODE_DELETE = CS_COAP_CODE(0, 4),
    CS_COAP_CODE_FETCH = CS_COAP_CODE(0, 5),
    CS_COAP_CODE_PATCH = CS_COAP_CODE(0, 6),
    CS_COAP_CODE_IPATCH = CS_COAP_CODE(0, 7),

    /* Success. */
    CS_COAP_CODE_CREATED = CS_COAP_CODE(2, 1),
    CS_COAP_CODE_DELETED = CS_COAP_CODE(2, 2),
    CS_COAP_CODE_VALID = CS_COAP_CODE(2, 3),
    CS_COAP_CODE_CHANGED = CS_COAP_CODE(2, 4),
    CS_COAP_CODE_CONTENT = CS_COAP_CODE(2, 5),
    CS_COAP_CODE_CONTINUE = CS_COAP_CODE(2, 31),          /* RFC 7959 */

    /* Client errors. */
    CS_COAP_CODE_BAD_REQUEST = CS_COAP_CODE(4, 0),
    CS_COAP_CODE_UNAUTHORIZED = CS_COAP_CODE(4, 1),
    CS_COAP_CODE_BAD_OPTION = CS_COAP_CODE(4, 2),
    CS_COAP_CODE_FORBIDDEN = CS_COAP_CODE(4, 3),
    CS_COAP_CODE_NOT_FOUND = CS_COAP_CODE(4, 4),
    CS_COAP_CODE_METHOD_NOT_ALLOWED = CS_COAP_CODE(4, 5),
    CS_COAP_CODE_NOT_ACCEPTABLE = CS_COAP_CODE(4, 6),
    CS_COAP_CODE_REQUEST_ENTITY_INCOMPLETE = CS_COAP_CODE(4, 8), /* RFC 7959 */
    CS_COAP_CODE_CONFLICT = CS_COAP_CODE(4, 9),           /* RFC 8132 */
    CS_COAP_CODE_PRECONDITION_FAILED = CS_COAP_CODE(4, 12),
    CS_COAP_CODE_REQUEST_ENTITY_TOO_LARGE = CS_COAP_CODE(4, 13),
    CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT = CS_COAP_CODE(4, 15),

    /* Server errors. */
    CS_COAP_CODE_INTERNAL_SERVER_ERROR = CS_COAP_CODE(5, 0),
    CS_COAP_CODE_NOT_IMPLEMENTED = CS_COAP_CODE(5, 1),
    CS_COAP_CODE_SERVICE_UNAVAILABLE = CS_COAP_CODE(5, 3)
};

static inline unsigned cs_coap_code_class(uint8_t code) { return code >> 5; }
static inline unsigned cs_coap_code_detail(uint8_t code) { return code & 0x1f; }
/* 0.00: an Empty message (RFC 7252 §4.1). */
static inline bool cs_coap_code_is_empty(uint8_t code) { return code == 0; }
/* 0.01..0.31. */
static inline bool cs_coap_code_is_request(uint8_t code)
{
    return code != 0 && (code >> 5) == 0;
}
/* 2.00..5.31. */
static inline bool cs_coap_code_is_response(uint8_t code)
{
    return (code >> 5) >= 2 && (code >> 5) <= 5;
}
/* Classes 1, 6 and 7 are reserved: the message layer rejects them. */
static inline bool cs_coap_code_is_reserved(uint8_t code)
{
    return (code >> 5) == 1 || (code >> 5) >= 6;
}

/* Write "c.dd" (e.g. "2.05") and a NUL into out. */
void cs_coap_code_text(uint8_t code, char out[CS_COAP_CODE_TEXT_MAX]);

/* ---- Option numbers ---------------------------------------------------- */

enum cs_coap_option_number {
    CS_COAP_OPT_IF_MATCH = 1,
    CS_COAP_OPT_URI_HOST = 3,
    CS_COAP_OPT_ETAG = 4,
    CS_COAP_OPT_IF_NONE_MATCH = 5,
    CS_COAP_OPT_OBSERVE = 6,          /* RFC 7641 */
    CS_COAP_OPT_URI_PORT = 7,
    CS_COAP_OPT_LOCATION_PATH = 8,
    CS_COAP_OPT_OSCORE = 9,           /* RFC 8613 */
    CS_COAP_OPT_URI_PATH = 11,
    CS_COAP_OPT_CONTENT_FORMAT = 12,
    CS_COAP_OPT_MAX_AGE = 14,
    CS_COAP_OPT_URI_QUERY = 15,
    CS_COAP_OPT_HOP_LIMIT = 16,       /* RFC 8768 */
    CS_COAP_OPT_ACCEPT = 17,
    CS_COAP_OPT_Q_BLOCK1 = 19,        /* RFC 9177 */
    CS_COAP_OPT_LOCATION_QUERY = 20,
    CS_COAP_OPT_BLOCK2 = 23,          /* RFC 7959 */
    CS_COAP_OPT_BLOCK1 = 27,          /* RFC 7959 */
    CS_COAP_OPT_SIZE2 = 28,           /* RFC 7959 */
    CS_COAP_OPT_Q_BLOCK2 = 31,        /* RFC 9177 */
    CS_COAP_OPT_PROXY_URI = 35,
    CS_COAP_OPT_PROXY_SCHEME = 39,
    CS_COAP_OPT_SIZE1 = 60,
    CS_COAP_OPT_ECHO = 252,           /* RFC 9175 */
    CS_COAP_OPT_NO_RESPONSE = 258,    /* RFC 7967 */
    CS_COAP_OPT_REQUEST_TAG = 292     /* RFC 9175 */
};

/* Option properties encoded in the number itself (RFC 7252 §5.4.6). */
static inline bool cs_coap_opt_is_critical(uint16_t number)
{
    return (number & 1) != 0;
}
static inline bool cs_coap_opt_is_unsafe(uint16_t number)
{
    return (number & 2) != 0;
}
static inline bool cs_coap_opt_is_no_cache_key(uint16_t number)
{
    return (number & 0x1e) == 0x1c;
}

/*
 * True when `number` is one of the options listed above.  For those the
 * parser enforces the value length range of the defining RFC and whether
 * the option may repeat; every other option is kept as it is, unchecked.
 */
bool cs_coap_opt_is_known(uint16_t number);

/* ---- Messages ---------------------------------------------------------- */

/*
 * One option: its number and value.  The value is borrowed (see the file
 * comment for who owns it); it is not NUL-terminated.
 */
typedef struct cs_coap_option {
    uint16_t number;
    uint16_t len;
    const uint8_t *value;   /* may be NULL when len is 0 */
} cs_coap_option;

/*
 * A CoAP message.  Options are kept in ascending number order, repeated
 * options in the order they were sent or added (the parser and the
 * builders maintain this; cs_coap_serialize also accepts any order).
 */
typedef struct cs_coap_msg {
    uint8_t type;                   /* enum cs_coap_type */
    uint8_t code;                   /* enum cs_coap_code or any other code */
    uint16_t mid;                   /* Message ID */
    uint8_t token_len;              /* 0..CS_COAP_TOKEN_MAX */
    uint8_t token[CS_COAP_TOKEN_MAX];
    uint8_t option_count;           /* 0..CS_COAP_MAX_OPTIONS */
    cs_coap_option options[CS_COAP_MAX_OPTIONS];
    const uint8_t *payload;         /* borrowed; NULL when payload_len is 0 */
    size_t payload_len;
    /* Storage for integer option values encoded by the builders. */
    uint8_t uint_area_len;
    uint8_t uint_area[4 * CS_COAP_MAX_OPTIONS];
} cs_coap_msg;

/*
 * Parse one datagram (RFC 7252 §3) into msg.  The message borrows `data`:
 * option values and the payload point into it.
 *
 * Strict: version must be 1; TKL 9..15 is CS_E_BAD_LENGTH; an Empty
 * message (code 0.00) must be exactly the 4 header bytes (a token is
 * CS_E_BAD_LENGTH, any later byte CS_E_TRAILING); an option nibble of 15
 * outside the payload marker, an option number past 65535, or a payload
 * marker with no payload after it is CS_E_SYNTAX; a datagram that ends
 * inside the header, the token, an extended delta/length or an option value
 * is CS_E_TRUNCATED.  Bytes past `len` are never read.
 *
 * Known options (cs_coap_opt_is_known) whose value length lies outside the
 * defined range, and the second and later occurrences of a known option
 * that may not repeat, are treated as unrecognized (RFC 7252 §5.4.3,
 * §5.4.5): elective ones are dropped from msg, critical ones make the
 * result CS_E_BAD_OPTION.  More than CS_COAP_MAX_OPTIONS kept options, or
 * an option value longer than CS_COAP_OPTION_VALUE_MAX, is CS_E_TOO_LARGE.
 *
 * Format errors win: CS_E_TOO_LARGE and CS_E_BAD_OPTION are returned only
 * when the whole datagram is well-formed, and then msg holds the header,
 * the token, the payload and the options that fit (without the offending
 * ones), so the caller can answer with 4.13 or 4.02.  After any other
 * error msg is unspecified (see cs_coap_peek_header to answer with Reset).
 *
 * Unrecognized critical options are not refused here, because what is
 * recognized depends on the caller: see cs_coap_check_critical.
 */
cs_err cs_coap_parse(const uint8_t *data, size_t len, cs_coap_msg *msg);

/*
 * Read only the fixed header: true when `data` starts with 4 bytes of a
 * version-1 header, and then type, code and mid are set (any may be NULL).
 * For a datagram that cs_coap_parse refused: a Confirmable one with a
 * readable header is rejected with a Reset echoing the Message ID
 * (RFC 7252 §4.2); anything else is silently dropped.
 */
bool cs_coap_peek_header(const uint8_t *data, size_t len, uint8_t *type,
                         uint8_t *code, uint16_t *mid);

/*
 * Look for a critical option that the caller does not recognize: CS_OK,
 * or CS_E_BAD_OPTION with *bad (if not NULL) set to the first such option
 * number, for the 4.02 response (or a Reset).  `known` lists the numbers
 * the caller processes, in any order; when it is NULL the set of
 * cs_coap_opt_is_known is used.
 */
cs_err cs_coap_check_critical(const cs_coap_msg *msg, const uint16_t *known,
                              size_t known_count, uint16_t *bad);

/*
 * Serialize msg into out[0..cap) and set *out_len (only on success).
 * Options are written in ascending number order (a stable sort of the
 * array, which is not modified), each delta and length in the shortest
 * form; the payload marker is written only when there is a payload.
 *
 * Errors: CS_E_TOO_LARGE when `cap` is too small; CS_E_INVALID_ARG for a
 * type above 3, a token longer than 8, more than CS_COAP_MAX_OPTIONS
 * options, a NULL value or payload with a non-zero length, or an Empty
 * message with a token, options or a payload; CS_E_BAD_LENGTH for a known
 * option whose length is outside its range (the peer would drop it).
 */
cs_err cs_coap_serialize(const cs_coap_msg *msg, uint8_t *out, size_t cap,
                         size_t *out_len);

/* ---- Building ---------------------------------------------------------- */

/* Reset msg to a message with no token, options or payload. */
void cs_coap_init(cs_coap_msg *msg, uint8_t type, uint8_t code,
                  uint16_t mid);

/* Copy `len` (0..8) token bytes into msg; CS_E_INVALID_ARG when longer. */
cs_err cs_coap_set_token(cs_coap_msg *msg, const uint8_t *token, size_t len);

/* Set the payload (borrowed until serialization); len 0 means none. */
void cs_coap_set_payload(cs_coap_msg *msg, const void *data, size_t len);

/*
 * Add an option with a byte value (borrowed until serialization), after
 * any options with the same number.  CS_E_TOO_LARGE when the message
 * already holds CS_COAP_MAX_OPTIONS options; CS_E_BAD_LENGTH when `len`
 * exceeds CS_COAP_OPTION_VALUE_MAX or the range of a known option;
 * CS_E_INVALID_ARG for a NULL value with a non-zero length.
 */
cs_err cs_coap_add_option(cs_coap_msg *msg, uint16_t number,
                          const void *value, size_t len);

/* Add an option with a NUL-terminated string value (borrowed). */
cs_err cs_coap_add_string(cs_coap_msg *msg, uint16_t number,
                          const char *value);

/*
 * Add an unsigned-integer option in the shortest big-endian form (0 is the
 * empty value, 256 is 01 00, 2^32-1 is four bytes).  The bytes are kept in
 * msg, not borrowed.  Errors as cs_coap_add_option.
 */
cs_err cs_coap_add_uint(cs_coap_msg *msg, uint16_t number, uint32_t value);

/*
 * Add one Uri-Path (or Location-Path: `number`) option per segment of a
 * path such as "/rd/5a3f" (one leading '/' is skipped; "/" and "" add no
 * option; "a//b" has an empty middle segment, "a/" an empty last one, as in
 * RFC 7252 §6.4).  No percent-decoding is done.  The segments borrow
 * `path`.  All or nothing: CS_E_BAD_LENGTH for a segment longer than the
 * option allows (255 bytes for the four path and query options),
 * CS_E_TOO_LARGE when the options would not fit.
 */
cs_err cs_coap_add_path(cs_coap_msg *msg, uint16_t number, const char *path,
                        size_t len);

/*
 * Add one Uri-Query (or Location-Query: `number`) option per '&'-separated
 * item of a query such as "ep=x&lt=300" (one leading '?' is skipped; ""
 * adds no option).  Borrows `query`; all or nothing, errors as
 * cs_coap_add_path.
 */
cs_err cs_coap_add_query(cs_coap_msg *msg, uint16_t number,
                         const char *query, size_t len);

/* ---- Reading ----------------------------------------------------------- */

/* The first option with `number`, or NULL. */
const cs_coap_option *cs_coap_find(const cs_coap_msg *msg, uint16_t number);

/*
 * Iterate the options with `number`: pass prev = NULL for the first, then
 * the previous result.  Returns NULL after the last.
 */
const cs_coap_option *cs_coap_next(const cs_coap_msg *msg,
                                   const cs_coap_option *prev,
                                   uint16_t number);

/* How many options have `number`. */
size_t cs_coap_count(const cs_coap_msg *msg, uint16_t number);

/*
 * Decode an unsigned-integer option value (big-endian, leading zero bytes
 * accepted as RFC 7252 §3.2 requires).  CS_E_BAD_LENGTH when it is longer
 * than 4 bytes.
 */
cs_err cs_coap_option_uint(const cs_coap_option *opt, uint32_t *out);

/* The value of the first option `number` as an unsigned integer:
 * CS_E_NOT_FOUND when absent, CS_E_BAD_LENGTH when over 4 bytes. */
cs_err cs_coap_get_uint(const cs_coap_msg *msg, uint16_t number,
                        uint32_t *out);

/*
 * Gather the values of every option `number` (Uri-Path, Uri-Query,
 * Location-Path ...) in order: segs[i] and lens[i] point into the message
 * (not NUL-terminated), *count is set.  CS_E_TOO_LARGE when there are more
 * than `cap`.  With Uri-Path this is the input of cs_path_from_segments
 * (cellstrap/model.h).
 */
cs_err cs_coap_get_strings(const cs_coap_msg *msg, uint16_t number,
                           const char **segs, size_t *lens, size_t cap,
                           size_t *count);

/*
 * Find query parameter `name` among the Uri-Query options: an item
 * "name=value" gives value (pointing into the message) and its length; an
 * item "name" alone gives an empty value.  CS_E_NOT_FOUND when absent,
 * CS_E_DUPLICATE when the parameter appears twice.
 */
cs_err cs_coap_get_query(const cs_coap_msg *msg, const char *name,
                         const char **value, size_t *len);

/* Content-Format (12) and Accept (17): CS_E_NOT_FOUND when absent. */
cs_err cs_coap_get_content_format(const cs_coap_msg *msg, uint16_t *format);
cs_err cs_coap_get_accept(const cs_coap_msg *msg, uint16_t *format);
cs_err cs_coap_add_content_format(cs_coap_msg *msg, uint16_t format);
cs_err cs_coap_add_accept(cs_coap_msg *msg, uint16_t format);

/* ---- Block-wise transfer (RFC 7959) ------------------------------------ */

#define CS_COAP_BLOCK_NUM_MAX 0xFFFFFu  /* 20 bits */
#define CS_COAP_BLOCK_SZX_BERT 7        /* RFC 8323: reliable transports */

/* A Block1/Block2 (or Q-Block) value: block number, more flag, size
 * exponent (block size 2^(szx+4): 0 is 16 bytes, 6 is 1024). */
typedef struct cs_coap_block {
    uint32_t num;
    bool more;
    uint8_t szx;
} cs_coap_block;

/*
 * Encode a block into its option value NUM << 4 | M << 3 | SZX.
 * CS_E_RANGE when num > CS_COAP_BLOCK_NUM_MAX, or szx > 7, or szx is 7
 * (reserved) and `bert` is false.
 */
cs_err cs_coap_block_encode(const cs_coap_block *block, bool bert,
                            uint32_t *value);

/* Decode an option value; CS_E_RANGE when it is over 24 bits, or szx is
 * 7 and `bert` is false (RFC 7959 §2.2: answered with 4.00). */
cs_err cs_coap_block_decode(uint32_t value, bool bert, cs_coap_block *out);

/* Block size in bytes for szx 0..6 (and 1024 for BERT's 7). */
static inline size_t cs_coap_block_size(uint8_t szx)
{
    return szx >= 6 ? 1024 : (size_t)16 << szx;
}

/* The first option `number` (CS_COAP_OPT_BLOCK1/2) decoded:
 * CS_E_NOT_FOUND when absent, CS_E_BAD_LENGTH when over 3 bytes, or the
 * errors of cs_coap_block_decode. */
cs_err cs_coap_get_block(const cs_coap_msg *msg, uint16_t number, bool bert,
                         cs_coap_block *out);

/* Add option `number` with the block's value (cs_coap_block_encode with
 * bert false), then the errors of cs_coap_add_uint. */
cs_err cs_coap_add_block(cs_coap_msg *msg, uint16_t number,
                         const cs_coap_block *block);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_COAP_H */
