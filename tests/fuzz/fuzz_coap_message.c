/*
 * fuzz_coap_message.c - libFuzzer target for the CoAP message parser.
 *
 * A datagram that parses (or parses well enough to be answered: 4.02 for a
 * bad critical option, 4.13 for too many options) must serialize, parse
 * again to the same fields, and serialize again to the same bytes; and the
 * serialized form is never longer than the input (the encoding is
 * canonical; only dropped options make it shorter).  The readers are run
 * over every parsed message so they are fuzzed too.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/coap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
    if (!cond)
        abort();
}

static void require_same(const cs_coap_msg *a, const cs_coap_msg *b)
{
    require(a->type == b->type && a->code == b->code && a->mid == b->mid);
    require(a->token_len == b->token_len
            && memcmp(a->token, b->token, a->token_len) == 0);
    require(a->option_count == b->option_count);
    for (size_t i = 0; i < a->option_count; i++) {
        const cs_coap_option *x = &a->options[i], *y = &b->options[i];
        require(x->number == y->number && x->len == y->len);
        require(x->len == 0 || memcmp(x->value, y->value, x->len) == 0);
        if (i > 0)
            require(a->options[i - 1].number <= x->number);
    }
    require(a->payload_len == b->payload_len);
    require(a->payload_len == 0
            || memcmp(a->payload, b->payload, a->payload_len) == 0);
}

/* Run the readers; they must not crash and must agree with the array. */
static void exercise_readers(const cs_coap_msg *msg)
{
    const char *segs[CS_COAP_MAX_OPTIONS];
    size_t lens[CS_COAP_MAX_OPTIONS], count = 0;
    require(cs_coap_get_strings(msg, CS_COAP_OPT_URI_PATH, segs, lens,
                                CS_COAP_MAX_OPTIONS, &count) == CS_OK);
    require(count == cs_coap_count(msg, CS_COAP_OPT_URI_PATH));
    const char *value;
    size_t len;
    (void)cs_coap_get_query(msg, "ep", &value, &len);
    uint16_t bad = 0, format = 0;
    if (cs_coap_check_critical(msg, NULL, 0, &bad) == CS_E_BAD_OPTION)
        require(cs_coap_opt_is_critical(bad) && !cs_coap_opt_is_known(bad));
    (void)cs_coap_get_content_format(msg, &format);
    cs_coap_block block;
    if (cs_coap_get_block(msg, CS_COAP_OPT_BLOCK2, false, &block) == CS_OK) {
        uint32_t v;
        require(cs_coap_block_encode(&block, false, &v) == CS_OK);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_coap_msg msg;
    cs_err err = cs_coap_parse(data, size, &msg);
    if (err != CS_OK && err != CS_E_BAD_OPTION && err != CS_E_TOO_LARGE) {
        (void)cs_coap_peek_header(data, size, NULL, NULL, NULL);
        return 0;
    }
    exercise_readers(&msg);

    uint8_t *out = malloc(size + 1), *again = malloc(size + 1);
    require(out != NULL && again != NULL);
    size_t out_len = 0, again_len = 0;
    require(cs_coap_serialize(&msg, out, size, &out_len) == CS_OK);
    require(out_len <= size);

    cs_coap_msg reparsed;
    require(cs_coap_parse(out, out_len, &reparsed) == CS_OK);
    require_same(&msg, &reparsed);
    require(cs_coap_serialize(&reparsed, again, size, &again_len) == CS_OK);
    require(again_len == out_len && memcmp(again, out, out_len) == 0);

    free(out);
    free(again);
    return 0;
}
