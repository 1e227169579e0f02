/*
 * fuzz_net.c - records, the sent-datagram check and answers for the fuzz
 * targets of the LwM2M engines (see fuzz_net.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_net.h"

bool fuzz_next_record(const uint8_t *in, size_t size, size_t *pos,
                      fuzz_record *r)
{
    if (*pos + FUZZ_RECORD_HEADER > size)
        return false;
    const uint8_t *h = in + *pos;
    size_t len = (size_t)h[2] << 8 | h[3];
    *pos += FUZZ_RECORD_HEADER;
    if (len > size - *pos)
        len = size - *pos;
    r->op = h[0];
    r->dt = fuzz_dt_ms(h[1]);
    r->data = in + *pos;
    r->len = len;
    *pos += len;
    return true;
}

cs_coap_time fuzz_dt_ms(uint8_t dt)
{
    return dt < 128 ? (cs_coap_time)dt * 100u
                    : (cs_coap_time)(dt - 127) * 10000u;
}

void fuzz_note_sent(fuzz_sent *last, void *io, const cs_addr *to,
                    void *session, const uint8_t *data, size_t len)
{
    cs_coap_msg m;
    if (cs_coap_parse(data, len, &m) != CS_OK)
        abort();                        /* an engine sent broken CoAP */
    bool notification = m.type == CS_COAP_TYPE_CON &&
                         cs_coap_code_class(m.code) == 2;
    if (!cs_coap_code_is_request(m.code) && !notification)
        return;
    last->have = true;
    last->io = io;
    last->to = *to;
    last->session = session;
    last->type = m.type;
    last->mid = m.mid;
    last->token_len = m.token_len;
    memcpy(last->token, m.token, m.token_len);
}

size_t fuzz_build_answer(fuzz_sent *last, const uint8_t *data, size_t len,
                         uint8_t *out, size_t cap)
{
    if (!last->have || len < 4)
        return 0;
    uint8_t code = data[0], flags = data[1];
    uint16_t format = (uint16_t)(data[2] << 8 | data[3]);
    cs_coap_msg m;
    bool separate = (flags & FUZZ_ANSWER_SEPARATE) != 0 ||
                    last->type != CS_COAP_TYPE_CON;
    /* A CON notification of ours is answered by an empty ACK. */
    if (!cs_coap_code_is_request(code) && cs_coap_code_class(code) == 0)
        code = 0;
    cs_coap_init(&m, separate ? CS_COAP_TYPE_CON : CS_COAP_TYPE_ACK, code,
                 separate ? (uint16_t)(last->mid + 0x4000u) : last->mid);
    if (code == 0) {
        m.type = CS_COAP_TYPE_ACK;
        m.mid = last->mid;
    } else {
        cs_coap_set_token(&m, last->token, last->token_len);
        if (flags & FUZZ_ANSWER_OBSERVE)
            cs_coap_add_uint(&m, CS_COAP_OPT_OBSERVE, ++last->observe_seq);
        if (flags & FUZZ_ANSWER_LOCATION) {
            cs_coap_add_string(&m, CS_COAP_OPT_LOCATION_PATH, "rd");
            cs_coap_add_string(&m, CS_COAP_OPT_LOCATION_PATH, "fz1");
        }
        if (format != FUZZ_NO_FORMAT)
            cs_coap_add_content_format(&m, format);
        cs_coap_set_payload(&m, data + 4, len - 4);
    }
    size_t n = 0;
    if (cs_coap_serialize(&m, out, cap, &n) != CS_OK)
        return 0;
    return n;
}
