/*
 * transport.c - a CoAP endpoint over a UDP socket, in the clear or through
 * the DTLS engine: datagrams from the socket go to DTLS (if any) and then
 * to CoAP; what CoAP sends goes through DTLS to the socket.  The DTLS
 * client side holds CoAP's datagrams until its handshake completes.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/transport.h"

/* Datagrams a DTLS client holds while its handshake runs. */
#define PENDING_MAX 8
#define DATAGRAM_MAX 1500

struct pending {
    size_t len;
    uint8_t data[DATAGRAM_MAX];
};

struct cs_transport {
    cs_transport_config cfg;
    cs_udp *udp;
    cs_coap_endpoint *coap;
    cs_dtls_engine *dtls;
    uint64_t now;
    struct pending pending[PENDING_MAX];
    size_t pending_count;
    bool in_engine;             /* inside a DTLS call: flush after it */
    bool session_failed;        /* client: end CoAP's exchanges after it */
};

/* After a DTLS call: tell CoAP about a client session that ended. */
static void end_failed_session(cs_transport *t)
{
    if (!t->session_failed)
        return;
    t->session_failed = false;
    cs_coap_fail_peer(t->coap, t->now, &t->cfg.server, CS_E_SESSION);
}

/* Send every datagram the DTLS engine has queued. */
static void flush_dtls(cs_transport *t)
{
    uint8_t buf[CS_DTLS_DATAGRAM_MAX];
    cs_addr to;
    size_t len;
    while (cs_dtls_next_output(t->dtls, &to, buf, sizeof buf, &len) == CS_OK)
        cs_udp_send(t->udp, &to, buf, len);
}

static void send_pending(cs_transport *t, cs_dtls_peer *peer)
{
    for (size_t i = 0; i < t->pending_count; i++)
        cs_dtls_send(peer, t->now, t->pending[i].data, t->pending[i].len);
    t->pending_count = 0;
}

/* CoAP's send callback. */
static void coap_send(void *io, const cs_addr *to, void *session,
                      const uint8_t *data, size_t len)
{
    (void)session;   /* may be stale: look the session up by address */
    cs_transport *t = io;
    if (!t->in_engine)
        t->now = cs_clock_ms();   /* a send the application started */
    switch (t->cfg.security) {
    case CS_TRANSPORT_PLAIN:
        cs_udp_send(t->udp, to, data, len);
        return;
    case CS_TRANSPORT_DTLS_SERVER: {
        cs_dtls_peer *peer = cs_dtls_find(t->dtls, to);
        if (peer != NULL && cs_dtls_peer_state(peer) != CS_DTLS_HANDSHAKE)
            cs_dtls_send(peer, t->now, data, len);
        break;                   /* no session: dropped, as by the network */
    }
    case CS_TRANSPORT_DTLS_CLIENT: {
        cs_dtls_peer *peer = cs_dtls_client_peer(t->dtls);
        if (peer != NULL && cs_dtls_peer_state(peer) == CS_DTLS_ACTIVE) {
            cs_dtls_send(peer, t->now, data, len);
            break;
        }
        if (t->pending_count < PENDING_MAX && len <= DATAGRAM_MAX) {
            memcpy(t->pending[t->pending_count].data, data, len);
            t->pending[t->pending_count++].len = len;
        }
        if (peer == NULL && !t->in_engine)
            cs_dtls_connect(t->dtls, t->now, NULL);
        break;
    }
    }
    if (!t->in_engine)
        flush_dtls(t);
}

static void dtls_event(void *ctx, const cs_dtls_event *ev)
{
    cs_transport *t = ctx;
    if (ev->type == CS_DTLS_EV_DATA) {
        cs_coap_receive(t->coap, t->now, cs_dtls_peer_addr(ev->peer), ev->peer,
                        ev->data, ev->len);
        return;
    }
    if (ev->type == CS_DTLS_EV_CONNECTED && t->cfg.security == CS_TRANSPORT_DTLS_CLIENT)
        send_pending(t, ev->peer);
    if (ev->type == CS_DTLS_EV_CLOSED && t->cfg.security == CS_TRANSPORT_DTLS_CLIENT) {
        /* No answer can come over this session: say so now rather than
         * after CoAP's retransmissions (which would retry the handshake). */
        t->pending_count = 0;
        t->session_failed = true;
    }
    if (t->cfg.on_session != NULL)
        t->cfg.on_session(t->cfg.session_ctx, ev);
}

static void on_readable(void *ctx, int fd)
{
    (void)fd;
    cs_transport *t = ctx;
    uint8_t buf[CS_DTLS_DATAGRAM_MAX];
    size_t len;
    cs_addr from;
    t->now = cs_clock_ms();
    if (t->cfg.batch != NULL)
        t->cfg.batch(t->cfg.batch_ctx, true);
    for (int i = 0; i < 256; i++) {
        cs_err err = cs_udp_recv(t->udp, &from, buf, sizeof buf, &len);
        if (err == CS_E_TIMEOUT)
            break;
        if (err != CS_OK)
            continue;
        if (t->dtls == NULL) {
            cs_coap_receive(t->coap, t->now, &from, NULL, buf, len);
        } else {
            t->in_engine = true;
            cs_dtls_receive(t->dtls, t->now, &from, buf, len);
            t->in_engine = false;
            flush_dtls(t);
            end_failed_session(t);
        }
    }
    if (t->cfg.batch != NULL)
        t->cfg.batch(t->cfg.batch_ctx, false);
}

static uint64_t on_timer(void *ctx, uint64_t now)
{
    cs_transport *t = ctx;
    t->now = now;
    if (t->cfg.batch != NULL)
        t->cfg.batch(t->cfg.batch_ctx, true);
    cs_coap_tick(t->coap, now);
    if (t->dtls != NULL) {
        t->in_engine = true;
        cs_dtls_tick(t->dtls, now);
        t->in_engine = false;
        flush_dtls(t);
        end_failed_session(t);
    }
    uint64_t next = cs_coap_next_deadline(t->coap);
    if (t->dtls != NULL) {
        uint64_t d = cs_dtls_next_deadline(t->dtls);
        if (d < next)
            next = d;
    }
    if (t->cfg.batch != NULL)
        t->cfg.batch(t->cfg.batch_ctx, false);
    return next;
}

cs_err cs_transport_open(const cs_transport_config *cfg, cs_transport **out)
{
    cs_transport *t = calloc(1, sizeof *t);
    if (t == NULL)
        return CS_E_NOMEM;
    t->cfg = *cfg;
    cs_err err = cs_udp_open(&cfg->local, &t->udp);
    if (err != CS_OK) {
        free(t);
        return err;
    }
    t->cfg.coap.send = coap_send;
    t->cfg.coap.io = t;
    t->coap = cs_coap_endpoint_new(&t->cfg.coap);
    if (cfg->security != CS_TRANSPORT_PLAIN) {
        t->cfg.dtls.on_event = dtls_event;
        t->cfg.dtls.event_ctx = t;
        t->dtls = cfg->security == CS_TRANSPORT_DTLS_SERVER
                      ? cs_dtls_server_new(&t->cfg.dtls)
                      : cs_dtls_client_new(&t->cfg.dtls, &cfg->server,
                                           cfg->identity, cfg->identity_len,
                                           cfg->key, cfg->key_len);
    }
    if (t->coap == NULL || (cfg->security != CS_TRANSPORT_PLAIN && t->dtls == NULL)) {
        cs_transport_close(t);
        return CS_E_INVALID_ARG;
    }
    t->now = cs_clock_ms();
    *out = t;
    return CS_OK;
}

void cs_transport_close(cs_transport *t)
{
    if (t == NULL)
        return;
    cs_coap_endpoint_free(t->coap);
    cs_dtls_free(t->dtls);
    cs_udp_close(t->udp);
    free(t);
}

cs_err cs_transport_attach(cs_transport *t, cs_loop *loop)
{
    cs_err err = cs_loop_add_fd(loop, cs_udp_fd(t->udp), on_readable, t);
    return err == CS_OK ? cs_loop_add_timer(loop, on_timer, t) : err;
}

cs_coap_endpoint *cs_transport_coap(cs_transport *t)
{
    return t->coap;
}

cs_dtls_engine *cs_transport_dtls(cs_transport *t)
{
    return t->dtls;
}

cs_addr cs_transport_local(const cs_transport *t)
{
    return cs_udp_local(t->udp);
}
