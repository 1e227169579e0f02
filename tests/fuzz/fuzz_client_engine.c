/*
 * fuzz_client_engine.c - libFuzzer target for the LwM2M client engine: the
 * Bootstrap-Server's commands (Bootstrap-Write, -Read, -Discover, -Delete,
 * -Finish) with payloads in every format, the answers to its own
 * Bootstrap-(Pack-)Request, Register and Update, and the LwM2M server's
 * device management requests (Read, Write, Execute, Discover, Create,
 * Delete, Observe, Write-Attributes), all coming from the network.
 *
 * The engine starts from a factory NoSec Bootstrap-Server account; every
 * channel it opens is a CoAP endpoint of this harness with its own peer
 * address.  The first input byte picks options (bit 0: Bootstrap-Pack
 * first); then records (fuzz_net.h) whose op says:
 *   op % 2 == 0  a datagram from the peer of the newest open channel
 *                ((op / 2) % 2 == 0) or of the one before it
 *   op % 2 == 1  an answer to the last request the engine sent
 * Nothing may crash or leak and every datagram sent must be CoAP.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "cellstrap/client.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHANNELS 8

struct channel {
    cs_coap_endpoint *ep;
    cs_addr peer;
};

static struct harness {
    cs_coap_time now;
    fuzz_sent last;
    cs_client *client;
    struct channel *ch[CHANNELS];  /* open channels, oldest first */
    size_t count;
    unsigned opened;
} H;

static void on_send(void *io, const cs_addr *to, void *session,
                    const uint8_t *d, size_t len)
{
    fuzz_note_sent(&H.last, io, to, session, d, len);
}

static cs_err open_channel(void *io, const char *uri, int mode,
                           const uint8_t *identity, size_t identity_len,
                           const uint8_t *key, size_t key_len,
                           cs_coap_endpoint **ep, cs_addr *peer)
{
    (void)io;
    (void)uri;
    (void)mode;
    (void)identity;
    (void)identity_len;
    (void)key;
    (void)key_len;
    if (H.count == CHANNELS)
        return CS_E_BUSY;
    struct channel *c = calloc(1, sizeof *c);
    if (c == NULL)
        return CS_E_NOMEM;
    cs_coap_config cfg = { 0 };
    cs_coap_params_default(&cfg.params);
    cfg.send = on_send;
    cfg.io = c;
    cfg.on_request = cs_client_on_request;
    cfg.app = H.client;
    cfg.seed = 1 + H.opened;
    cfg.max_peers = 4;
    cfg.max_body = 16384;
    c->ep = cs_coap_endpoint_new(&cfg);
    if (c->ep == NULL) {
        free(c);
        return CS_E_NOMEM;
    }
    c->peer = cs_addr_ipv4(127, 0, 0, (uint8_t)(30 + H.opened % 200), 5683);
    H.opened++;
    H.ch[H.count++] = c;
    *ep = c->ep;
    *peer = c->peer;
    return CS_OK;
}

static void close_channel(void *io, cs_coap_endpoint *ep)
{
    (void)io;
    for (size_t i = 0; i < H.count; i++)
        if (H.ch[i]->ep == ep) {
            cs_coap_endpoint_free(ep);
            if (H.last.io == H.ch[i])
                H.last.have = false, H.last.io = NULL;
            free(H.ch[i]);
            memmove(&H.ch[i], &H.ch[i + 1], (H.count - i - 1) * sizeof H.ch[0]);
            H.count--;
            return;
        }
    abort();                             /* not one of ours */
}

/* The newest open channel, or the one before it. */
static struct channel *pick(unsigned which)
{
    return which < H.count ? H.ch[H.count - 1 - which] : NULL;
}

static void step(void)
{
    for (size_t i = 0; i < H.count; i++)
        cs_coap_tick(H.ch[i]->ep, H.now);
    cs_client_tick(H.client, H.now);
}

/* When the engine or a channel next has work. */
static cs_coap_time deadline(void)
{
    cs_coap_time d = cs_client_next_deadline(H.client);
    for (size_t i = 0; i < H.count; i++) {
        cs_coap_time t = cs_coap_next_deadline(H.ch[i]->ep);
        if (t < d)
            d = t;
    }
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_log_set_level(getenv("FUZZ_LOG") ? CS_LOG_DEBUG : CS_LOG_ERROR);
    memset(&H, 0, sizeof H);
    if (size < 1)
        return 0;
    H.now = 1000;
    cs_client_config cfg = {
        .endpoint = "fz-dev",
        .bootstrap_uri = "coap://127.0.0.1:5683",
        .bootstrap_pack = (data[0] & 1) != 0,
        .default_lifetime = 300,
        .manufacturer = "cellstrap",
        .model = "fuzz",
        .serial = "0001",
        .open_channel = open_channel,
        .close_channel = close_channel,
    };
    H.client = cs_client_new(&cfg);
    if (H.client == NULL)
        abort();
    cs_client_start(H.client, H.now);
    step();

    size_t pos = 1;
    fuzz_record r;
    uint8_t out[4096];
    while (fuzz_next_record(data, size, &pos, &r)) {
        H.now += r.dt;
        step();
        if (r.op % 2 == 0) {
            struct channel *c = pick((r.op >> 1) % 2);
            if (c != NULL)
                cs_coap_receive(c->ep, H.now, &c->peer, NULL, r.data, r.len);
        } else {
            size_t n = fuzz_build_answer(&H.last, r.data, r.len, out,
                                         sizeof out);
            struct channel *c = H.last.io;
            if (n > 0 && c != NULL)
                cs_coap_receive(c->ep, H.now, &c->peer, NULL, out, n);
        }
        step();
    }
    cs_client_stop(H.client, H.now);
    for (int i = 0; i < 1000; i++) {
        cs_coap_time next = deadline();
        if (next == CS_COAP_NEVER)
            break;
        if (next > H.now)
            H.now = next;
        step();
    }
    if (cs_client_get_state(H.client) != CS_CLIENT_STOPPED)
        abort();
    cs_client_free(H.client);
    if (H.count != 0)
        abort();                         /* the engine lost a channel */
    return 0;
}
