/*
 * fuzz_net.h - what the fuzz targets of the LwM2M engines share: the
 * record format their input is cut into, a check that every datagram an
 * engine sends is valid CoAP, and answers built for the last request an
 * engine sent (its message ID and token are the engine's choice, so an
 * input could not guess them; with these the fuzzer reaches the steps
 * that follow a response).
 *
 * Record: [op][dt][len hi][len lo][len bytes].  `op` picks what to do (its
 * meaning is the target's), `dt` moves the clock first (fuzz_dt_ms).
 * tests/fuzz/make_seeds.c writes seed corpora in this format.  With
 * FUZZ_LOG set in the environment the engines log at debug level (to
 * follow a reproducer).
 */
#ifndef CELLSTRAP_FUZZ_NET_H
#define CELLSTRAP_FUZZ_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/coap.h"
#include "cellstrap/coap_endpoint.h"

#define FUZZ_RECORD_HEADER 4

typedef struct fuzz_record {
    uint8_t op;
    cs_coap_time dt;           /* ms to move the clock before the record */
    const uint8_t *data;
    size_t len;
} fuzz_record;

/* The next record of in[*pos..size), false at the end.  A length past the
 * end is cut to what is left. */
bool fuzz_next_record(const uint8_t *in, size_t size, size_t *pos,
                      fuzz_record *r);

/* The clock step of a dt byte: 0..12.7 s in 100 ms steps, then 10 s steps
 * up to 1290 s (enough to pass EXCHANGE_LIFETIME and lifetimes). */
cs_coap_time fuzz_dt_ms(uint8_t dt);

/* The last request (or CON notification) an engine sent. */
typedef struct fuzz_sent {
    bool have;
    void *io;                  /* the sending endpoint's io */
    cs_addr to;
    void *session;
    uint8_t type;
    uint16_t mid;
    uint8_t token_len;
    uint8_t token[CS_COAP_TOKEN_MAX];
    uint32_t observe_seq;      /* for answers that carry Observe */
} fuzz_sent;

/* Check a datagram an engine sends (abort unless it parses as CoAP) and
 * remember it in *last when it is a request. */
void fuzz_note_sent(fuzz_sent *last, void *io, const cs_addr *to,
                    void *session, const uint8_t *data, size_t len);

/*
 * Serialize an answer to *last into out[0..cap): data = [code][flags]
 * [format hi][format lo][payload...]; format 0xFFFF means none.  flags:
 * bit 0 an Observe option (a notification), bit 1 a separate CON response
 * instead of a piggybacked ACK, bit 2 Location-Path rd/fz1 (a Register's
 * answer).  Returns the length, or 0 when there is nothing to answer.
 */
size_t fuzz_build_answer(fuzz_sent *last, const uint8_t *data, size_t len,
                         uint8_t *out, size_t cap);

/* Answer encoding for make_seeds.c: the 4 bytes before the payload. */
#define FUZZ_ANSWER_OBSERVE 1u
#define FUZZ_ANSWER_SEPARATE 2u
#define FUZZ_ANSWER_LOCATION 4u
#define FUZZ_NO_FORMAT 0xFFFFu

#endif
