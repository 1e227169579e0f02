/*
 * fuzz_radius.c - libFuzzer target for the RADIUS decoder and the
 * accounting server engine.
 *
 * Beyond "no crash, no leak": a packet that parses must give its
 * attributes back octet for octet through the writer; accounting fields
 * that decode must encode, parse and decode to the same fields; the same
 * attributes signed with the right secret and fed to the server twice must
 * be applied at most once, the second answer being the first one again.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "cellstrap/radius.h"
#include "cellstrap/radius_accounting.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t secret[] = "fuzz-secret";
#define SECRET_LEN (sizeof secret - 1)

static unsigned applied;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static cs_err count_apply(void *ctx, const cs_acct_event *ev)
{
    (void)ctx;
    check(ev->fields != NULL && ev->gateway != NULL);
    applied++;
    /* Refuse some, as a failing store would. */
    return ev->fields->session_id[0] == 'F' ? CS_E_INTERNAL : CS_OK;
}

static cs_acct_server *server(void)
{
    static cs_acct_server *s;
    if (s == NULL) {
        cs_log_set_level(CS_LOG_ERROR);
        cs_acct_server_config cfg = { .apply = count_apply, .seed = 1,
                                      .duplicate_capacity = 64 };
        check(cs_acct_server_new(&cfg, &s) == CS_OK);
        check(cs_acct_server_add_gateway(s, "fuzz", NULL, secret, SECRET_LEN) == CS_OK);
    }
    return s;
}

static bool same_text_fields(const cs_radius_acct *a, const cs_radius_acct *b)
{
    return strcmp(a->user_name, b->user_name) == 0 && strcmp(a->msisdn, b->msisdn) == 0 &&
           strcmp(a->apn, b->apn) == 0 && strcmp(a->session_id, b->session_id) == 0 &&
           strcmp(a->nas_identifier, b->nas_identifier) == 0 &&
           strcmp(a->imsi, b->imsi) == 0 && strcmp(a->imeisv, b->imeisv) == 0 &&
           strcmp(a->sgsn_mcc_mnc, b->sgsn_mcc_mnc) == 0;
}

static bool same_fields(const cs_radius_acct *a, const cs_radius_acct *b)
{
    return a->present == b->present && a->status_type == b->status_type &&
           memcmp(a->framed_ip, b->framed_ip, 4) == 0 &&
           memcmp(a->nas_ip, b->nas_ip, 4) == 0 &&
           a->event_timestamp == b->event_timestamp && a->delay_time == b->delay_time &&
           a->session_time == b->session_time &&
           a->terminate_cause == b->terminate_cause && a->rat_type == b->rat_type &&
           same_text_fields(a, b);
}

/* Decoded fields survive encode, parse and decode. */
static void fields_round_trip(const cs_radius_packet *pkt)
{
    cs_radius_acct a, b;
    if (cs_radius_acct_decode(pkt, &a) != CS_OK) {
        check(a.present == 0);
        return;
    }
    uint8_t buf[CS_RADIUS_MAX_LEN];
    size_t len = 0;
    /* At most 5 texts of 253 octets and a few numbers: always fits. */
    check(cs_radius_acct_encode(&a, pkt->identifier, secret, SECRET_LEN, buf,
                                sizeof buf, &len) == CS_OK);
    cs_radius_packet again;
    check(cs_radius_parse(buf, len, &again) == CS_OK);
    check(cs_radius_verify_request(&again, secret, SECRET_LEN) == CS_OK);
    check(cs_radius_acct_decode(&again, &b) == CS_OK);
    check(same_fields(&a, &b));
}

/* The same attributes as an Accounting-Request signed with our secret;
 * 0 when they do not fit the accounting maximum. */
static size_t resign(const cs_radius_packet *pkt, uint8_t *buf)
{
    cs_radius_writer w;
    cs_radius_iter it;
    cs_radius_attr a;
    size_t len = 0;
    cs_radius_writer_init(&w, buf, CS_RADIUS_MAX_LEN, CS_RADIUS_ACCOUNTING_REQUEST,
                          pkt->identifier);
    cs_radius_iter_init(&it, pkt);
    while (cs_radius_iter_next(&it, &a))
        cs_radius_add(&w, a.type, a.value, a.len);
    if (cs_radius_finish_request(&w, secret, SECRET_LEN, &len) != CS_OK) {
        check(pkt->length > CS_RADIUS_ACCT_MAX_LEN);
        return 0;
    }
    check(len == pkt->length);
    check(memcmp(buf + CS_RADIUS_HEADER_LEN, pkt->data + CS_RADIUS_HEADER_LEN,
                 len - CS_RADIUS_HEADER_LEN) == 0);
    return len;
}

/* Twice through the server: applied at most once, answered identically. */
static void through_server(const uint8_t *dgram, size_t len)
{
    static uint64_t now;
    cs_addr from = cs_addr_ipv4(127, 0, 0, 7, 1813);
    uint8_t out1[64], out2[64];
    cs_acct_result r1, r2;
    now += 10;
    unsigned before = applied;
    check(cs_acct_server_receive(server(), now, &from, dgram, len, out1, sizeof out1,
                                 &r1) == CS_OK);
    check(applied - before <= 1);
    check(cs_acct_server_receive(server(), now + 1, &from, dgram, len, out2,
                                 sizeof out2, &r2) == CS_OK);
    if (r1.response_len > 0) {
        check(r1.response_len == CS_RADIUS_HEADER_LEN);
        check(r2.outcome == CS_ACCT_DUPLICATE && r2.response_len == r1.response_len);
        check(memcmp(out1, out2, r1.response_len) == 0);
        check(applied - before <= 1);
        cs_radius_packet resp;
        check(cs_radius_parse(out1, r1.response_len, &resp) == CS_OK);
        check(cs_radius_verify_response(&resp, dgram + 4, secret, SECRET_LEN) == CS_OK);
    } else {
        check(r2.response_len == 0 && r2.outcome == r1.outcome);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_radius_packet pkt;
    if (cs_radius_parse(data, size, &pkt) != CS_OK) {
        cs_acct_result res;
        uint8_t out[64];
        cs_addr from = cs_addr_ipv4(127, 0, 0, 7, 1813);
        check(cs_acct_server_receive(server(), 0, &from, data, size, out, sizeof out,
                                     &res) == CS_OK);
        check(res.response_len == 0 && res.outcome == CS_ACCT_DROP_MALFORMED);
        return 0;
    }
    check(pkt.length <= size && pkt.length >= CS_RADIUS_HEADER_LEN);
    const uint8_t *v;
    size_t vlen;
    cs_err err = cs_radius_find_3gpp(&pkt, CS_RADIUS_3GPP_IMSI, &v, &vlen);
    check(err == CS_OK || err == CS_E_NOT_FOUND || err == CS_E_DUPLICATE);
    (void)cs_radius_verify_request(&pkt, secret, SECRET_LEN);
    fields_round_trip(&pkt);

    uint8_t *signed_pkt = malloc(CS_RADIUS_MAX_LEN);
    check(signed_pkt != NULL);
    size_t len = resign(&pkt, signed_pkt);
    if (len > 0)
        through_server(signed_pkt, len);
    free(signed_pkt);
    return 0;
}
