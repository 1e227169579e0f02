/*
 * cellstrap/transport.h - a CoAP endpoint on a UDP socket, in the clear or
 * over DTLS-PSK (server or client), attached to an event loop.  The one
 * place where the sans-I/O engines (cellstrap/coap_endpoint.h,
 * cellstrap/dtls.h) meet the operating system (cellstrap/io.h); programs
 * create a transport and talk to its CoAP endpoint.
 *
 * With DTLS, the `session` a request handler sees (cs_coap_incoming) is
 * the cs_dtls_peer it came over: cs_dtls_peer_identity gives the PSK
 * identity the device proved.  It is valid during the handler call.
 */
#ifndef CELLSTRAP_TRANSPORT_H
#define CELLSTRAP_TRANSPORT_H

#include "cellstrap/addr.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/dtls.h"
#include "cellstrap/io.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cs_transport_security {
    CS_TRANSPORT_PLAIN = 0,     /* coap:// */
    CS_TRANSPORT_DTLS_SERVER,   /* coaps://, we are the DTLS server */
    CS_TRANSPORT_DTLS_CLIENT    /* coaps://, we are the DTLS client */
};

typedef struct cs_transport_config {
    cs_addr local;                      /* bind address; port 0 = any */
    enum cs_transport_security security;

    /* The CoAP endpoint's settings; `send` and `io` are set here. */
    cs_coap_config coap;

    /* DTLS settings (cs_dtls_config_init first); `on_event` is set here.
     * A server needs dtls.psk_lookup. */
    cs_dtls_config dtls;

    /* DTLS client: the server, our PSK identity and key (copied). */
    cs_addr server;
    const uint8_t *identity;
    size_t identity_len;
    const uint8_t *key;
    size_t key_len;

    /* Optional: told of DTLS CONNECTED and CLOSED events (after the
     * transport has handled them). */
    cs_dtls_event_fn on_session;
    void *session_ctx;

    /* Optional: called with true before the transport hands a batch of
     * received datagrams (or a round of timers) to its engines and with
     * false after, e.g. to make the store changes they cause one
     * transaction (cs_store_batch_begin/_end). */
    void (*batch)(void *ctx, bool begin);
    void *batch_ctx;
} cs_transport_config;

typedef struct cs_transport cs_transport;

/*
 * Open the socket and build the engines.  *out is owned by the caller:
 * free with cs_transport_close.  CS_E_INTERNAL when the socket cannot be
 * bound (errno kept), CS_E_INVALID_ARG for a bad configuration,
 * CS_E_NOMEM.
 */
cs_err cs_transport_open(const cs_transport_config *cfg, cs_transport **out);

/* Close the socket, free the engines (no callbacks). NULL is allowed. */
void cs_transport_close(cs_transport *t);

/* Register the socket and the engines' deadlines with `loop`. */
cs_err cs_transport_attach(cs_transport *t, cs_loop *loop);

cs_coap_endpoint *cs_transport_coap(cs_transport *t);
/* NULL for a plain transport. */
cs_dtls_engine *cs_transport_dtls(cs_transport *t);
cs_addr cs_transport_local(const cs_transport *t);

#ifdef __cplusplus
}
#endif

#endif
