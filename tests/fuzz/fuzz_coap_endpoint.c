/*
 * fuzz_coap_endpoint.c - libFuzzer target for the CoAP endpoint: a server
 * endpoint (handler answers, defers, and serves a large body block-wise)
 * is fed a stream of datagrams from a few peers, with the clock moved
 * between them.  Input: records of [peer byte][time step byte][length
 * byte][datagram].  Nothing may crash or leak, and every sent datagram
 * must parse as CoAP.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/coap_endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t big[3000];

static void check_sent(void *io, const cs_addr *to, void *session,
                       const uint8_t *d, size_t len)
{
    (void)io;
    (void)to;
    (void)session;
    cs_coap_msg m;
    cs_err err = cs_coap_parse(d, len, &m);
    if (err != CS_OK)
        abort();                      /* we must only send valid CoAP */
}

static void handle(void *app, cs_coap_endpoint *ep, cs_coap_incoming *in,
                   cs_coap_msg *response)
{
    (void)app;
    size_t n = in->request->payload_len;
    switch (in->request->mid % 4) {
    case 0:
        response->code = CS_COAP_CODE_CONTENT;
        cs_coap_set_payload(response, big, sizeof big);
        break;
    case 1: {
        cs_coap_reply_to to = cs_coap_defer(ep, in);
        cs_coap_msg late;
        cs_coap_init(&late, CS_COAP_TYPE_CON, CS_COAP_CODE_CHANGED, 0);
        cs_coap_send_response(ep, 0, &to, &late, NULL, NULL);
        break;
    }
    default:
        response->code = CS_COAP_CODE_CONTENT;
        cs_coap_set_payload(response, in->request->payload, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_coap_config cfg = { 0 };
    cs_coap_params_default(&cfg.params);
    cfg.send = check_sent;
    cfg.on_request = handle;
    cfg.seed = 1;
    cfg.max_body = 8192;
    cfg.max_peers = 4;
    cs_coap_endpoint *ep = cs_coap_endpoint_new(&cfg);
    if (ep == NULL)
        return 0;
    cs_coap_time now = 0;
    size_t pos = 0;
    while (pos + 3 <= size) {
        cs_addr from = cs_addr_ipv4(127, 0, 0, (uint8_t)(1 + data[pos] % 6), 5683);
        now += (cs_coap_time)data[pos + 1] * 1000;
        size_t len = data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        cs_coap_tick(ep, now);
        cs_coap_receive(ep, now, &from, NULL, data + pos, len);
        pos += len;
    }
    cs_coap_tick(ep, now + 1000000);
    cs_coap_endpoint_free(ep);
    return 0;
}
