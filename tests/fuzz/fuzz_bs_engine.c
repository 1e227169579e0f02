/*
 * fuzz_bs_engine.c - libFuzzer target for the bootstrap server engine:
 * Bootstrap-Request (POST /bs?ep=..&pct=..), Bootstrap-Pack-Request
 * (GET /bspack?ep=.. with Accept) and the devices' answers to its
 * Bootstrap-Delete, -Write and -Finish, all coming from the network.
 *
 * One engine with an in-memory store and a configuration file of three
 * endpoints and a "*" default serves a plain CoAP endpoint (DTLS sessions
 * need a real cs_dtls_peer: fuzz_dtls_server covers that layer).  The
 * input is records (fuzz_net.h) whose op says:
 *   op % 2 == 0  a datagram from peer (op / 2) % 4
 *   op % 2 == 1  an answer to the last request the engine sent
 * Nothing may crash or leak, every datagram sent must be CoAP, every
 * Bootstrap-Write payload must decode in its Content-Format, and when the
 * clock has passed every exchange no sequence may be left in progress.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "cellstrap/bs.h"
#include "cellstrap/codec.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEERS 4

static const char config[] =
    "{\"endpoints\": {"
    " \"fz-a\": {\"servers\": ["
    "   {\"name\": \"srv-psk\", \"uri\": \"coaps://127.0.0.1:5684\","
    "    \"ssid\": 1, \"lifetime\": 600, \"pmin\": 5, \"pmax\": 60},"
    "   {\"name\": \"srv-plain\", \"uri\": \"coap://127.0.0.1:5683\","
    "    \"ssid\": 2, \"binding\": \"UQ\"}],"
    "  \"delete\": [\"/0\", \"/1\", \"/5/0\"],"
    "  \"write\": {\"/5/0/1\": \"coap://127.0.0.1/fw\","
    "             \"/11/0/0\": \"internet\"},"
    "  \"allow_nosec_bootstrap\": true},"
    " \"fz-b\": {\"servers\": [{\"name\": \"srv-psk\","
    "   \"uri\": \"coaps://127.0.0.1:5684\", \"ssid\": 7,"
    "   \"psk\": {\"identity\": \"fixed-id\", \"key\": \"00112233445566778899aabbccddeeff\"}}],"
    "  \"bootstrap_psk\": {\"identity\": \"bs-b\", \"key\": \"0102030405060708\"}},"
    " \"fz-c\": {\"servers\": [{\"name\": \"srv-plain\","
    "   \"uri\": \"coap://127.0.0.1:5683\", \"ssid\": 3}],"
    "  \"delete\": [], \"allow_nosec_bootstrap\": true},"
    " \"*\": {\"servers\": [{\"name\": \"srv-psk\","
    "   \"uri\": \"coaps://127.0.0.1:5684\", \"ssid\": 9, \"psk_key_length\": 32}],"
    "  \"allow_nosec_bootstrap\": true}"
    "}}";

static struct harness {
    cs_coap_time now;
    fuzz_sent last;
} H;

static int64_t unix_clock(void *ctx)
{
    (void)ctx;
    return 1700000000 + (int64_t)(H.now / 1000u);
}

/* A Bootstrap-Write must carry a payload its own format decodes. */
static void check_write(const cs_coap_msg *m)
{
    uint16_t format;
    const char *segs[4];
    size_t lens[4], n = 0;
    cs_path target;
    if (m->code != CS_COAP_CODE_PUT)
        return;
    if (cs_coap_get_content_format(m, &format) != CS_OK ||
        cs_coap_get_strings(m, CS_COAP_OPT_URI_PATH, segs, lens, 4, &n) !=
            CS_OK ||
        cs_path_from_segments(segs, lens, n, &target) != CS_OK)
        abort();
    cs_records rs;
    cs_records_init(&rs);
    if (cs_decode(format, &target, m->payload, m->payload_len,
                  cs_registry_standard(), &rs) != CS_OK)
        abort();
    cs_records_free(&rs);
}

static void on_send(void *io, const cs_addr *to, void *session,
                    const uint8_t *d, size_t len)
{
    fuzz_note_sent(&H.last, io, to, session, d, len);
    cs_coap_msg m;
    if (cs_coap_parse(d, len, &m) == CS_OK)
        check_write(&m);
}

static void step(cs_coap_endpoint *ep, cs_bs *bs)
{
    cs_coap_tick(ep, H.now);
    /* cs_bs_tick asks to run again at once after sending. */
    for (int i = 0; i < 8 && cs_bs_tick(bs, H.now) == H.now; i++)
        ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_log_set_level(getenv("FUZZ_LOG") ? CS_LOG_DEBUG : CS_LOG_ERROR);
    memset(&H, 0, sizeof H);
    H.now = 1000;
    cs_store *store = NULL;
    cs_bs *bs = NULL;
    char err[256];
    if (cs_store_open("sqlite::memory:", &store) != CS_OK)
        abort();
    cs_bs_config bcfg = { .store = store, .unix_clock = unix_clock, .seed = 1 };
    if (cs_bs_new(&bcfg, &bs) != CS_OK ||
        cs_bs_load_text(bs, config, err, sizeof err) != CS_OK)
        abort();
    cs_coap_config ccfg = { 0 };
    cs_coap_params_default(&ccfg.params);
    ccfg.send = on_send;
    ccfg.on_request = cs_bs_on_request;
    ccfg.app = bs;
    ccfg.seed = 1;
    ccfg.max_peers = 8;
    ccfg.max_body = 16384;
    cs_coap_endpoint *ep = cs_coap_endpoint_new(&ccfg);
    if (ep == NULL)
        abort();

    size_t pos = 0;
    fuzz_record r;
    uint8_t out[4096];
    while (fuzz_next_record(data, size, &pos, &r)) {
        H.now += r.dt;
        step(ep, bs);
        if (r.op % 2 == 0) {
            cs_addr from = cs_addr_ipv4(127, 0, 0,
                                        (uint8_t)(20 + (r.op >> 1) % PEERS),
                                        5683);
            cs_coap_receive(ep, H.now, &from, NULL, r.data, r.len);
        } else {
            size_t n = fuzz_build_answer(&H.last, r.data, r.len, out,
                                         sizeof out);
            if (n > 0)
                cs_coap_receive(ep, H.now, &H.last.to, NULL, out, n);
        }
        step(ep, bs);
    }
    /* Run the clock deadline by deadline until nothing is left: every
     * sequence has finished or failed by then. */
    for (int i = 0; i < 1000; i++) {
        cs_coap_time next = cs_coap_next_deadline(ep);
        if (next == CS_COAP_NEVER)
            break;
        if (next > H.now)
            H.now = next;
        step(ep, bs);
    }
    cs_bs_stats st;
    cs_bs_get_stats(bs, &st);
    if (st.sessions != 0)
        abort();
    cs_coap_endpoint_free(ep);
    cs_bs_free(bs);
    cs_store_close(store);
    return 0;
}
