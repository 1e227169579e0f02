/*
 * fuzz_bs_config.c - libFuzzer target for the bootstrap server's
 * configurations: the JSON of one endpoint (cs_bs_check_config, as kept
 * in the store) and the configuration file {"endpoints": {...}}
 * (cs_bs_load_text).  The input is the JSON text.
 *
 * A configuration that is accepted must also be usable: stored for an
 * endpoint (with NoSec bootstrap allowed, so that a plain request may use
 * it), it must give a Bootstrap-Pack that decodes in each pack format,
 * and a classic bootstrap whose every Write decodes in its Content-Format
 * and which finishes when the device accepts every step.  A refusal must
 * come with a message.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/bs.h"
#include "cellstrap/codec.h"
#include "cellstrap/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct harness {
    cs_store *store;
    cs_bs *bs;
    cs_coap_endpoint *ep;
    cs_coap_time now;
    /* The device: the last request the engine sent it. */
    bool have_request;
    uint8_t code;
    uint16_t mid;
    uint8_t token[CS_COAP_TOKEN_MAX];
    uint8_t token_len;
    bool more;                 /* it was a block of a larger body */
    cs_coap_block block1;
    /* The answer to our own request. */
    bool answered;
    uint8_t answer_code;
    cs_addr device;
} H;

static int64_t unix_clock(void *ctx)
{
    (void)ctx;
    return 1700000000 + (int64_t)(H.now / 1000u);
}

static void must_decode(uint16_t format, const cs_path *target,
                        const uint8_t *d, size_t len)
{
    cs_records rs;
    cs_records_init(&rs);
    if (cs_decode(format, target, d, len, cs_registry_standard(), &rs) !=
        CS_OK)
        abort();
    cs_records_free(&rs);
}

/* Everything the engine sends comes here: responses to our requests and
 * its own Bootstrap requests to the device. */
static void on_send(void *io, const cs_addr *to, void *session,
                    const uint8_t *d, size_t len)
{
    (void)io, (void)to, (void)session;
    cs_coap_msg m;
    if (cs_coap_parse(d, len, &m) != CS_OK)
        abort();
    if (!cs_coap_code_is_request(m.code)) {
        if (m.type == CS_COAP_TYPE_ACK && m.code != 0) {
            H.answered = true;
            H.answer_code = m.code;
            uint16_t format;
            /* A large pack comes block-wise: only whole ones are checked. */
            if (m.code == CS_COAP_CODE_CONTENT &&
                cs_coap_find(&m, CS_COAP_OPT_BLOCK2) == NULL &&
                cs_coap_get_content_format(&m, &format) == CS_OK) {
                cs_path root = cs_path_root();
                must_decode(format, &root, m.payload, m.payload_len);
            }
        }
        return;
    }
    H.more = cs_coap_get_block(&m, CS_COAP_OPT_BLOCK1, false, &H.block1) ==
                 CS_OK;
    if (m.code == CS_COAP_CODE_PUT && !H.more) {
        const char *segs[4];
        size_t lens[4], n = 0;
        cs_path target;
        uint16_t format;
        if (cs_coap_get_content_format(&m, &format) != CS_OK ||
            cs_coap_get_strings(&m, CS_COAP_OPT_URI_PATH, segs, lens, 4,
                                &n) != CS_OK ||
            cs_path_from_segments(segs, lens, n, &target) != CS_OK)
            abort();
        must_decode(format, &target, m.payload, m.payload_len);
    }
    H.have_request = true;
    H.code = m.code;
    H.mid = m.mid;
    H.token_len = m.token_len;
    memcpy(H.token, m.token, m.token_len);
}

static void setup(void)
{
    cs_log_set_level(CS_LOG_ERROR);
    H.device = cs_addr_ipv4(127, 0, 0, 9, 5683);
    cs_bs_config cfg = { .unix_clock = unix_clock, .seed = 1 };
    if (cs_store_open("sqlite::memory:", &H.store) != CS_OK)
        abort();
    cfg.store = H.store;
    if (cs_bs_new(&cfg, &H.bs) != CS_OK)
        abort();
    cs_coap_config cc = { 0 };
    cs_coap_params_default(&cc.params);
    cc.send = on_send;
    cc.on_request = cs_bs_on_request;
    cc.app = H.bs;
    cc.seed = 1;
    cc.max_body = 1u << 20;
    H.ep = cs_coap_endpoint_new(&cc);
    if (H.ep == NULL)
        abort();
}

/* Send a request to the engine as the device; the engine's answer is in
 * H.answer_code. */
static void request(uint8_t code, const char *path, const char *query1,
                    const char *query2, uint16_t accept)
{
    static uint16_t mid;
    cs_coap_msg m;
    uint8_t out[1024];
    size_t n;
    cs_coap_init(&m, CS_COAP_TYPE_CON, code, ++mid);
    cs_coap_add_string(&m, CS_COAP_OPT_URI_PATH, path);
    cs_coap_add_string(&m, CS_COAP_OPT_URI_QUERY, query1);
    if (query2 != NULL)
        cs_coap_add_string(&m, CS_COAP_OPT_URI_QUERY, query2);
    if (accept != 0)
        cs_coap_add_accept(&m, accept);
    if (cs_coap_serialize(&m, out, sizeof out, &n) != CS_OK)
        abort();
    H.answered = false;
    H.now += 1000;
    cs_coap_receive(H.ep, H.now, &H.device, NULL, out, n);
}

/* The device accepts each step, until Finish. */
static void classic_bootstrap(void)
{
    H.have_request = false;
    request(CS_COAP_CODE_POST, "bs", "ep=fz", "pct=11542", 0);
    if (H.answer_code != CS_COAP_CODE_CHANGED)
        abort();
    for (int steps = 0; steps < 64; steps++) {
        cs_bs_tick(H.bs, H.now);
        if (!H.have_request)
            break;
        H.have_request = false;
        bool finish = H.code == CS_COAP_CODE_POST;
        cs_coap_msg ack;
        uint8_t out[64];
        size_t n;
        uint8_t code = H.code == CS_COAP_CODE_DELETE ? CS_COAP_CODE_DELETED
                       : H.more && H.block1.more ? CS_COAP_CODE_CONTINUE
                                                 : CS_COAP_CODE_CHANGED;
        cs_coap_init(&ack, CS_COAP_TYPE_ACK, code, H.mid);
        cs_coap_set_token(&ack, H.token, H.token_len);
        if (H.more)
            cs_coap_add_block(&ack, CS_COAP_OPT_BLOCK1, &H.block1);
        if (cs_coap_serialize(&ack, out, sizeof out, &n) != CS_OK)
            abort();
        H.now += 10;
        cs_coap_receive(H.ep, H.now, &H.device, NULL, out, n);
        cs_bs_tick(H.bs, H.now);
        if (finish) {
            cs_bs_stats st;
            cs_bs_get_stats(H.bs, &st);
            if (st.sessions != 0)
                abort();              /* Finish answered, yet not done */
            return;
        }
    }
    abort();                          /* the sequence never finished */
}

/* Store the accepted configuration (NoSec allowed) as endpoint "fz". */
static void exercise(const char *text)
{
    json_t *root = json_loads(text, 0, NULL);
    if (root == NULL)
        abort();                      /* accepted, yet not JSON */
    json_object_set_new(root, "allow_nosec_bootstrap", json_true());
    char *stored = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (stored == NULL)
        abort();
    char err[256];
    if (cs_bs_check_config(stored, err, sizeof err) != CS_OK ||
        cs_store_put_bootstrap_config(H.store, "fz", stored) != CS_OK)
        abort();
    free(stored);
    static const uint16_t packs[] = { CS_FORMAT_SENML_CBOR,
                                      CS_FORMAT_SENML_JSON,
                                      CS_FORMAT_LWM2M_CBOR };
    for (size_t i = 0; i < sizeof packs / sizeof packs[0]; i++) {
        request(CS_COAP_CODE_GET, "bspack", "ep=fz", NULL, packs[i]);
        if (!H.answered || H.answer_code != CS_COAP_CODE_CONTENT)
            abort();
    }
    classic_bootstrap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (H.bs == NULL)
        setup();
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char err[256] = "";
    cs_err e = cs_bs_check_config(text, err, sizeof err);
    if (e == CS_OK)
        exercise(text);
    else if (e != CS_E_SYNTAX || err[0] == '\0')
        abort();
    err[0] = '\0';
    e = cs_bs_load_text(H.bs, text, err, sizeof err);
    if (e == CS_E_SYNTAX && err[0] == '\0')
        abort();
    free(text);
    return 0;
}
