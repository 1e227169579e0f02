/*
 * test_radius.c - the RADIUS codec and the accounting engines: the
 * known-answer Accounting-Request of REFERENCE.md §5 decoded and encoded
 * again octet for octet, both authenticators, every framing error, 3GPP
 * vendor-specific attributes, and the server's duplicate, drop and
 * "apply before answer" rules; the client's retransmission schedule and
 * response matching.
 */
#include <stdlib.h>

#include "test_support.h"

#include "cellstrap/log.h"
#include "cellstrap/radius.h"
#include "cellstrap/radius_accounting.h"

static const uint8_t secret[] = "testing123";
#define SECRET_LEN (sizeof secret - 1)

/* REFERENCE.md §5 (self-computed there): Start, Identifier 0x2a. */
static const char kat_hex[] =
    "042a0085de6003cbd0b4fe21184b11aa8b06a796280600000001011130303130313031"
    "323334353637383908060a141e281f0e3439313730313233343536371e0d696f742e65"
    "78616d706c652c0a30303030303031611a17000028af01113030313031303132333435"
    "363738391a18000028af141233353334393030363132333435363031";
static const char kat_response_auth[] = "2633dc1b835043e0b4edfe97ef3eaf5c";

static size_t kat(uint8_t *buf)
{
    return test_hex(kat_hex, buf, CS_RADIUS_MAX_LEN);
}

/* ---- Codec ----------------------------------------------------------- */

static void test_kat_decode(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN];
    size_t len = kat(buf);
    assert_int_equal(len, 133);
    cs_radius_packet pkt;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_OK);
    assert_int_equal(pkt.code, CS_RADIUS_ACCOUNTING_REQUEST);
    assert_int_equal(pkt.identifier, 0x2a);
    assert_int_equal(pkt.length, 133);
    assert_int_equal(cs_radius_verify_request(&pkt, secret, SECRET_LEN), CS_OK);

    cs_radius_acct a;
    assert_int_equal(cs_radius_acct_decode(&pkt, &a), CS_OK);
    assert_int_equal(a.status_type, CS_RADIUS_ACCT_START);
    assert_string_equal(a.user_name, "001010123456789");
    assert_memory_equal(a.framed_ip, ((uint8_t[]){ 10, 20, 30, 40 }), 4);
    assert_string_equal(a.msisdn, "491701234567");
    assert_string_equal(a.apn, "iot.example");
    assert_string_equal(a.session_id, "0000001a");
    assert_string_equal(a.imsi, "001010123456789");
    assert_string_equal(a.imeisv, "3534900612345601");
    assert_int_equal(a.present,
                     CS_ACCT_HAS_STATUS | CS_ACCT_HAS_USER_NAME | CS_ACCT_HAS_FRAMED_IP |
                     CS_ACCT_HAS_MSISDN | CS_ACCT_HAS_APN | CS_ACCT_HAS_SESSION_ID |
                     CS_ACCT_HAS_IMSI | CS_ACCT_HAS_IMEISV);
    assert_string_equal(cs_radius_status_name(a.status_type), "Start");
}

/* The typed encoder, fed what the decoder read, gives the same octets. */
static void test_kat_encode_typed(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN], out[CS_RADIUS_MAX_LEN];
    size_t len = kat(buf), out_len = 0;
    cs_radius_packet pkt;
    cs_radius_acct a;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_OK);
    assert_int_equal(cs_radius_acct_decode(&pkt, &a), CS_OK);
    assert_int_equal(cs_radius_acct_encode(&a, 0x2a, secret, SECRET_LEN, out,
                                           sizeof out, &out_len), CS_OK);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, buf, len);
}

/* The generic writer, fed the attributes in order, gives the same octets. */
static void test_kat_encode_generic(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN], out[CS_RADIUS_MAX_LEN];
    size_t len = kat(buf), out_len = 0;
    cs_radius_packet pkt;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_OK);
    cs_radius_writer w;
    cs_radius_writer_init(&w, out, sizeof out, pkt.code, pkt.identifier);
    cs_radius_iter it;
    cs_radius_attr attr;
    unsigned count = 0;
    cs_radius_iter_init(&it, &pkt);
    while (cs_radius_iter_next(&it, &attr)) {
        cs_radius_add(&w, attr.type, attr.value, attr.len);
        count++;
    }
    assert_int_equal(count, 8);
    assert_int_equal(cs_radius_finish_request(&w, secret, SECRET_LEN, &out_len), CS_OK);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, buf, len);
}

static void test_kat_response(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN], out[64], want[CS_RADIUS_AUTH_LEN];
    size_t len = kat(buf), out_len = 0;
    test_hex(kat_response_auth, want, sizeof want);
    cs_radius_writer w;
    cs_radius_writer_init(&w, out, sizeof out, CS_RADIUS_ACCOUNTING_RESPONSE, 0x2a);
    assert_int_equal(cs_radius_finish_response(&w, buf + 4, secret, SECRET_LEN,
                                               &out_len), CS_OK);
    assert_int_equal(out_len, 20);
    assert_int_equal(out[0], 5);
    assert_int_equal(out[1], 0x2a);
    assert_int_equal(out[3], 20);
    assert_memory_equal(out + 4, want, sizeof want);
    cs_radius_packet resp;
    assert_int_equal(cs_radius_parse(out, out_len, &resp), CS_OK);
    assert_int_equal(cs_radius_verify_response(&resp, buf + 4, secret, SECRET_LEN), CS_OK);
    (void)len;
}

static void test_authenticator_rejects(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN];
    size_t len = kat(buf);
    cs_radius_packet pkt;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_OK);
    assert_int_equal(cs_radius_verify_request(&pkt, (const uint8_t *)"testing124", 10),
                     CS_E_SESSION);
    assert_int_equal(cs_radius_verify_request(&pkt, secret, SECRET_LEN - 1), CS_E_SESSION);
    assert_int_equal(cs_radius_verify_request(&pkt, secret, 0), CS_E_INVALID_ARG);
    /* Any flipped bit (header, authenticator or attribute value) fails. */
    for (size_t i = 0; i < len; i++) {
        if (i == 2 || i == 3)
            continue; /* Length: a framing error, checked elsewhere */
        for (unsigned bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (uint8_t)(1u << bit);
            cs_radius_packet p;
            if (cs_radius_parse(buf, len, &p) == CS_OK)
                assert_int_equal(cs_radius_verify_request(&p, secret, SECRET_LEN),
                                 CS_E_SESSION);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* The response: wrong secret, wrong request, flipped bit. */
    uint8_t resp[20], want[16];
    test_hex(kat_response_auth, want, sizeof want);
    memcpy(resp, (uint8_t[]){ 5, 0x2a, 0, 20 }, 4);
    memcpy(resp + 4, want, 16);
    cs_radius_packet r;
    assert_int_equal(cs_radius_parse(resp, sizeof resp, &r), CS_OK);
    assert_int_equal(cs_radius_verify_response(&r, buf + 4, secret, SECRET_LEN), CS_OK);
    assert_int_equal(cs_radius_verify_response(&r, buf + 4, (const uint8_t *)"x", 1),
                     CS_E_SESSION);
    uint8_t other_request[16] = { 0 };
    assert_int_equal(cs_radius_verify_response(&r, other_request, secret, SECRET_LEN),
                     CS_E_SESSION);
    resp[1] ^= 1;
    assert_int_equal(cs_radius_parse(resp, sizeof resp, &r), CS_OK);
    assert_int_equal(cs_radius_verify_response(&r, buf + 4, secret, SECRET_LEN),
                     CS_E_SESSION);
}

/* A header of Length `len` followed by `attrs`. */
static size_t packet_with(uint8_t *buf, const uint8_t *attrs, size_t attrs_len)
{
    size_t len = 20 + attrs_len;
    memset(buf, 0, 20);
    buf[0] = 4;
    buf[1] = 7;
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
    memcpy(buf + 20, attrs, attrs_len);
    return len;
}

static cs_err parse_attrs(const uint8_t *attrs, size_t attrs_len)
{
    uint8_t buf[CS_RADIUS_MAX_LEN];
    cs_radius_packet pkt;
    return cs_radius_parse(buf, packet_with(buf, attrs, attrs_len), &pkt);
}

static void test_malformed_framing(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN + 8];
    cs_radius_packet pkt;
    size_t len = kat(buf);

    /* Every cut of the datagram is too short for its Length field. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(cs_radius_parse(buf, cut, &pkt), CS_E_TRUNCATED);
    assert_int_equal(cs_radius_parse(NULL, 0, &pkt), CS_E_TRUNCATED);

    /* Length field below 20 and above 4096. */
    buf[2] = 0;
    buf[3] = 19;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_E_BAD_LENGTH);
    buf[2] = 0x10;
    buf[3] = 0x01;
    assert_int_equal(cs_radius_parse(buf, sizeof buf, &pkt), CS_E_TOO_LARGE);
    assert_int_equal(cs_radius_parse(buf, CS_RADIUS_MAX_LEN, &pkt), CS_E_BAD_LENGTH);

    /* Octets after Length are padding: ignored, not part of the packet. */
    len = kat(buf);
    memset(buf + len, 0xee, 7);
    assert_int_equal(cs_radius_parse(buf, len + 7, &pkt), CS_OK);
    assert_int_equal(pkt.length, len);
    assert_int_equal(cs_radius_verify_request(&pkt, secret, SECRET_LEN), CS_OK);

    /* Length cutting an attribute in half. */
    buf[3] = (uint8_t)(len - 3);
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_E_TRUNCATED);

    /* A datagram over 4096 octets, whatever its Length says. */
    uint8_t *big = calloc(1, CS_RADIUS_MAX_LEN + 1);
    assert_non_null(big);
    memcpy(big, buf, 20);
    big[3] = 20;
    assert_int_equal(cs_radius_parse(big, CS_RADIUS_MAX_LEN + 1, &pkt), CS_E_TOO_LARGE);
    big[2] = 0x10;
    big[3] = 0x00;
    for (size_t i = 20; i + 255 <= CS_RADIUS_MAX_LEN; i += 255) {
        big[i] = 99;
        big[i + 1] = 255;
    }
    /* 4096 = 20 + 15 * 255 + 251: the last attribute fills the rest. */
    big[20 + 15 * 255] = 99;
    big[20 + 15 * 255 + 1] = 251;
    assert_int_equal(cs_radius_parse(big, CS_RADIUS_MAX_LEN, &pkt), CS_OK);
    free(big);
}

static void test_malformed_attributes(void **state)
{
    (void)state;
    assert_int_equal(parse_attrs((uint8_t[]){ 40, 0, 0, 0, 0, 1 }, 6), CS_E_BAD_LENGTH);
    assert_int_equal(parse_attrs((uint8_t[]){ 40, 1, 0, 0, 0, 1 }, 6), CS_E_BAD_LENGTH);
    assert_int_equal(parse_attrs((uint8_t[]){ 40, 7, 0, 0, 0, 1 }, 6), CS_E_TRUNCATED);
    assert_int_equal(parse_attrs((uint8_t[]){ 40, 6, 0, 0, 0, 1, 8 }, 7), CS_E_TRAILING);
    assert_int_equal(parse_attrs((uint8_t[]){ 40, 6, 0, 0, 0, 1, 8, 2 }, 8), CS_OK);
    /* Vendor-Specific: at least Vendor-Id and one octet. */
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 6, 0, 0, 0x28, 0xaf }, 6),
                     CS_E_BAD_LENGTH);
    /* 3GPP sub-attributes must tile the value. */
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 9, 0, 0, 0x28, 0xaf, 21, 3, 6 }, 9),
                     CS_OK);
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 9, 0, 0, 0x28, 0xaf, 21, 4, 6 }, 9),
                     CS_E_BAD_LENGTH);
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 9, 0, 0, 0x28, 0xaf, 21, 1, 6 }, 9),
                     CS_E_BAD_LENGTH);
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 9, 0, 0, 0x28, 0xaf, 21, 2, 6 }, 9),
                     CS_E_BAD_LENGTH);
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 7, 0, 0, 0x28, 0xaf, 21 }, 7),
                     CS_E_BAD_LENGTH);
    /* Another vendor's layout is not ours to judge. */
    assert_int_equal(parse_attrs((uint8_t[]){ 26, 9, 0, 0, 0, 9, 21, 1, 6 }, 9), CS_OK);
}

/* A packet of the given attributes with a good authenticator, decoded. */
static cs_err decode_attrs(const uint8_t *attrs, size_t attrs_len, cs_radius_acct *a)
{
    static uint8_t buf[CS_RADIUS_MAX_LEN];
    cs_radius_packet pkt;
    cs_err err = cs_radius_parse(buf, packet_with(buf, attrs, attrs_len), &pkt);
    return err != CS_OK ? err : cs_radius_acct_decode(&pkt, a);
}

#define STATUS_START 40, 6, 0, 0, 0, 1

static void test_3gpp_and_typed_errors(void **state)
{
    (void)state;
    cs_radius_acct a;
    /* Two 3GPP sub-attributes in one VSA, and RAT-Type and MCC-MNC. */
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START,
                                               26, 16, 0, 0, 0x28, 0xaf,
                                               21, 3, 6,
                                               18, 7, '2', '6', '2', '0', '1' },
                                  22, &a), CS_OK);
    assert_int_equal(a.rat_type, 6);
    assert_string_equal(a.sgsn_mcc_mnc, "26201");
    assert_true(a.present & CS_ACCT_HAS_RAT_TYPE);
    assert_false(a.present & CS_ACCT_HAS_IMSI);

    assert_int_equal(decode_attrs((uint8_t[]){ 1, 3, 'x' }, 3, &a), CS_E_NOT_FOUND);
    assert_int_equal(a.present, 0);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 8, 6, 1, 2, 3, 4,
                                               8, 6, 5, 6, 7, 8 }, 18, &a),
                     CS_E_DUPLICATE);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, STATUS_START }, 12, &a),
                     CS_E_DUPLICATE);
    assert_int_equal(decode_attrs((uint8_t[]){ 40, 5, 0, 0, 1 }, 5, &a), CS_E_BAD_LENGTH);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 8, 7, 1, 2, 3, 4, 5 }, 13, &a),
                     CS_E_BAD_LENGTH);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 1, 4, 'a', 0 }, 10, &a),
                     CS_E_ENCODING);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 30, 2 }, 8, &a),
                     CS_E_ENCODING);
    /* IMSI: digits only, 6..15 of them. */
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 26, 14, 0, 0, 0x28, 0xaf,
                                               1, 8, '0', '0', '1', '0', '1', 'x' },
                                  20, &a), CS_E_SYNTAX);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 26, 13, 0, 0, 0x28, 0xaf,
                                               1, 7, '0', '0', '1', '0', '1' },
                                  19, &a), CS_E_SYNTAX);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 26, 14, 0, 0, 0x28, 0xaf,
                                               1, 8, '0', '0', '1', '0', '1', '0',
                                               26, 14, 0, 0, 0x28, 0xaf,
                                               1, 8, '0', '0', '1', '0', '1', '1' },
                                  34, &a), CS_E_DUPLICATE);
    assert_int_equal(decode_attrs((uint8_t[]){ STATUS_START, 26, 10, 0, 0, 0x28, 0xaf,
                                               21, 4, 6, 6 }, 16, &a), CS_E_BAD_LENGTH);
}

static cs_radius_acct full_start(void)
{
    cs_radius_acct a;
    memset(&a, 0, sizeof a);
    a.present = CS_ACCT_HAS_STATUS | CS_ACCT_HAS_USER_NAME | CS_ACCT_HAS_FRAMED_IP |
                CS_ACCT_HAS_MSISDN | CS_ACCT_HAS_APN | CS_ACCT_HAS_SESSION_ID |
                CS_ACCT_HAS_NAS_IP | CS_ACCT_HAS_EVENT_TIMESTAMP | CS_ACCT_HAS_IMSI |
                CS_ACCT_HAS_IMEISV | CS_ACCT_HAS_RAT_TYPE | CS_ACCT_HAS_SGSN_MCC_MNC;
    a.status_type = CS_RADIUS_ACCT_START;
    strcpy(a.user_name, "001010000000001");
    memcpy(a.framed_ip, (uint8_t[]){ 10, 45, 0, 1 }, 4);
    strcpy(a.msisdn, "491700000001");
    strcpy(a.apn, "iot.example");
    strcpy(a.session_id, "sess-1");
    memcpy(a.nas_ip, (uint8_t[]){ 127, 0, 0, 1 }, 4);
    a.event_timestamp = 1700000000u;
    strcpy(a.imsi, "001010000000001");
    strcpy(a.imeisv, "3534900612345601");
    a.rat_type = 6;
    strcpy(a.sgsn_mcc_mnc, "00101");
    return a;
}

static void assert_acct_equal(const cs_radius_acct *x, const cs_radius_acct *y)
{
    assert_int_equal(x->present, y->present);
    assert_int_equal(x->status_type, y->status_type);
    assert_memory_equal(x->framed_ip, y->framed_ip, 4);
    assert_memory_equal(x->nas_ip, y->nas_ip, 4);
    assert_int_equal(x->event_timestamp, y->event_timestamp);
    assert_int_equal(x->delay_time, y->delay_time);
    assert_int_equal(x->session_time, y->session_time);
    assert_int_equal(x->terminate_cause, y->terminate_cause);
    assert_int_equal(x->rat_type, y->rat_type);
    assert_string_equal(x->user_name, y->user_name);
    assert_string_equal(x->msisdn, y->msisdn);
    assert_string_equal(x->apn, y->apn);
    assert_string_equal(x->session_id, y->session_id);
    assert_string_equal(x->nas_identifier, y->nas_identifier);
    assert_string_equal(x->imsi, y->imsi);
    assert_string_equal(x->imeisv, y->imeisv);
    assert_string_equal(x->sgsn_mcc_mnc, y->sgsn_mcc_mnc);
}

static void test_typed_round_trip(void **state)
{
    (void)state;
    cs_radius_acct a = full_start(), back;
    a.present |= CS_ACCT_HAS_NAS_IDENTIFIER | CS_ACCT_HAS_DELAY_TIME |
                 CS_ACCT_HAS_SESSION_TIME | CS_ACCT_HAS_TERMINATE_CAUSE;
    strcpy(a.nas_identifier, "pgw-1");
    a.delay_time = 3;
    a.session_time = 600;
    a.terminate_cause = 1;
    uint8_t buf[CS_RADIUS_MAX_LEN];
    size_t len = 0;
    assert_int_equal(cs_radius_acct_encode(&a, 9, secret, SECRET_LEN, buf, sizeof buf,
                                           &len), CS_OK);
    cs_radius_packet pkt;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_OK);
    assert_int_equal(cs_radius_verify_request(&pkt, secret, SECRET_LEN), CS_OK);
    assert_int_equal(cs_radius_acct_decode(&pkt, &back), CS_OK);
    assert_acct_equal(&a, &back);

    /* No status type: refused; a too small buffer: refused. */
    a.present &= ~(uint32_t)CS_ACCT_HAS_STATUS;
    assert_int_equal(cs_radius_acct_encode(&a, 9, secret, SECRET_LEN, buf, sizeof buf,
                                           &len), CS_E_INVALID_ARG);
    a.present |= CS_ACCT_HAS_STATUS;
    assert_int_equal(cs_radius_acct_encode(&a, 9, secret, SECRET_LEN, buf, 60, &len),
                     CS_E_TOO_LARGE);
}

static void test_writer_bounds(void **state)
{
    (void)state;
    uint8_t buf[CS_RADIUS_MAX_LEN + 100], value[300];
    memset(value, 'v', sizeof value);
    size_t len = 0;
    cs_radius_writer w;
    cs_radius_writer_init(&w, buf, sizeof buf, 4, 1);
    cs_radius_add(&w, 1, value, 253);
    assert_int_equal(w.err, CS_OK);
    cs_radius_add(&w, 1, value, 254);
    assert_int_equal(w.err, CS_E_RANGE);
    cs_radius_add(&w, 1, value, 1);   /* sticky: ignored */
    assert_int_equal(cs_radius_finish_request(&w, secret, SECRET_LEN, &len), CS_E_RANGE);

    cs_radius_writer_init(&w, buf, sizeof buf, 4, 1);
    cs_radius_add_vsa(&w, CS_RADIUS_VENDOR_3GPP, 1, value, 248);
    assert_int_equal(w.err, CS_E_RANGE);
    cs_radius_writer_init(&w, buf, sizeof buf, 4, 1);
    cs_radius_add_text(&w, 1, "");
    assert_int_equal(w.err, CS_E_RANGE);

    /* Fill to the accounting maximum of 4095 octets, no further. */
    cs_radius_writer_init(&w, buf, sizeof buf, 4, 1);
    while (w.err == CS_OK)
        cs_radius_add(&w, 1, value, 253);
    assert_int_equal(w.err, CS_E_TOO_LARGE);
    assert_true(w.len <= CS_RADIUS_ACCT_MAX_LEN);
    w.err = CS_OK;
    cs_radius_add(&w, 1, value, CS_RADIUS_ACCT_MAX_LEN - w.len - 2);
    assert_int_equal(cs_radius_finish_request(&w, secret, SECRET_LEN, &len), CS_OK);
    assert_int_equal(len, CS_RADIUS_ACCT_MAX_LEN);
    cs_radius_packet pkt;
    assert_int_equal(cs_radius_parse(buf, len, &pkt), CS_OK);
    assert_int_equal(cs_radius_verify_request(&pkt, secret, SECRET_LEN), CS_OK);
    assert_int_equal(cs_radius_finish_request(&w, secret, 129, &len), CS_E_INVALID_ARG);
}

/* ---- Server engine --------------------------------------------------- */

typedef struct recorder {
    unsigned calls;
    cs_err fail_with;
    cs_acct_event last;
    cs_radius_acct fields;
    char gateway[64];
} recorder;

static cs_err record(void *ctx, const cs_acct_event *ev)
{
    recorder *r = ctx;
    r->calls++;
    if (r->fail_with != CS_OK)
        return r->fail_with;
    r->last = *ev;
    r->fields = *ev->fields;
    snprintf(r->gateway, sizeof r->gateway, "%s", ev->gateway);
    r->last.fields = &r->fields;
    r->last.gateway = r->gateway;
    return CS_OK;
}

typedef struct server_fixture {
    cs_acct_server *server;
    recorder rec;
    cs_addr pgw;
} server_fixture;

static int server_setup(void **state)
{
    server_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    cs_log_set_level(CS_LOG_WARN);
    cs_acct_server_config cfg = { .apply = record, .ctx = &f->rec,
                                  .duplicate_window_ms = 10000,
                                  .duplicate_capacity = 8, .seed = 42 };
    assert_int_equal(cs_acct_server_new(&cfg, &f->server), CS_OK);
    f->pgw = cs_addr_ipv4(127, 0, 0, 1, 40000);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "pgw-1", &f->pgw, secret,
                                                SECRET_LEN), CS_OK);
    *state = f;
    return 0;
}

static int server_teardown(void **state)
{
    server_fixture *f = *state;
    cs_acct_server_free(f->server);
    free(f);
    return 0;
}

static size_t encode(const cs_radius_acct *a, uint8_t id, const uint8_t *key,
                     size_t key_len, uint8_t *buf)
{
    size_t len = 0;
    assert_int_equal(cs_radius_acct_encode(a, id, key, key_len, buf, CS_RADIUS_MAX_LEN,
                                           &len), CS_OK);
    return len;
}

static cs_acct_result feed(server_fixture *f, uint64_t now, const cs_addr *from,
                           const uint8_t *dgram, size_t len, uint8_t *out)
{
    cs_acct_result res;
    assert_int_equal(cs_acct_server_receive(f->server, now, from, dgram, len, out, 64,
                                            &res), CS_OK);
    return res;
}

static void test_server_start_and_duplicate(void **state)
{
    server_fixture *f = *state;
    cs_radius_acct a = full_start();
    uint8_t req[CS_RADIUS_MAX_LEN], out1[64], out2[64];
    size_t len = encode(&a, 17, secret, SECRET_LEN, req);

    cs_acct_result res = feed(f, 1000, &f->pgw, req, len, out1);
    assert_int_equal(res.outcome, CS_ACCT_ANSWERED);
    assert_int_equal(res.response_len, 20);
    assert_int_equal(f->rec.calls, 1);
    assert_int_equal(f->rec.last.status_type, CS_RADIUS_ACCT_START);
    assert_string_equal(f->rec.last.gateway, "pgw-1");
    assert_true(cs_addr_equal(&f->rec.last.source, &f->pgw));
    assert_int_equal(f->rec.last.now_ms, 1000);
    assert_string_equal(f->rec.fields.imsi, "001010000000001");
    assert_string_equal(f->rec.fields.imeisv, "3534900612345601");
    assert_string_equal(f->rec.fields.msisdn, "491700000001");
    assert_string_equal(f->rec.fields.apn, "iot.example");
    assert_int_equal(f->rec.fields.rat_type, 6);
    cs_radius_packet resp;
    assert_int_equal(cs_radius_parse(out1, res.response_len, &resp), CS_OK);
    assert_int_equal(resp.code, CS_RADIUS_ACCOUNTING_RESPONSE);
    assert_int_equal(resp.identifier, 17);
    assert_int_equal(cs_radius_verify_response(&resp, req + 4, secret, SECRET_LEN), CS_OK);

    /* The retransmission: same answer, not applied again. */
    res = feed(f, 4000, &f->pgw, req, len, out2);
    assert_int_equal(res.outcome, CS_ACCT_DUPLICATE);
    assert_int_equal(res.response_len, 20);
    assert_memory_equal(out1, out2, 20);
    assert_int_equal(f->rec.calls, 1);

    /* From another port it is another client's request. */
    cs_addr other_port = f->pgw;
    other_port.port = 40001;
    res = feed(f, 4000, &other_port, req, len, out2);
    assert_int_equal(res.outcome, CS_ACCT_ANSWERED);
    assert_int_equal(f->rec.calls, 2);

    /* Same Identifier, new content (Acct-Delay-Time): a new request. */
    a.present |= CS_ACCT_HAS_DELAY_TIME;
    a.delay_time = 4;
    len = encode(&a, 17, secret, SECRET_LEN, req);
    res = feed(f, 5000, &f->pgw, req, len, out2);
    assert_int_equal(res.outcome, CS_ACCT_ANSWERED);
    assert_int_equal(f->rec.calls, 3);
    assert_int_equal(f->rec.fields.delay_time, 4);
    res = feed(f, 5001, &f->pgw, req, len, out1);
    assert_int_equal(res.outcome, CS_ACCT_DUPLICATE);
    assert_memory_equal(out1, out2, 20);

    /* Once the window has passed, it is applied again. */
    res = feed(f, 5000 + 10000, &f->pgw, req, len, out1);
    assert_int_equal(res.outcome, CS_ACCT_ANSWERED);
    assert_int_equal(f->rec.calls, 4);

    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_ANSWERED), 4);
    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_DUPLICATE), 2);
}

static void test_server_capacity_evicts_oldest(void **state)
{
    server_fixture *f = *state;
    cs_radius_acct a = full_start();
    uint8_t req[CS_RADIUS_MAX_LEN], first[CS_RADIUS_MAX_LEN], out[64];
    size_t first_len = encode(&a, 0, secret, SECRET_LEN, first);
    assert_int_equal(feed(f, 1, &f->pgw, first, first_len, out).outcome, CS_ACCT_ANSWERED);
    for (uint8_t id = 1; id <= 8; id++) {
        size_t len = encode(&a, id, secret, SECRET_LEN, req);
        assert_int_equal(feed(f, 1, &f->pgw, req, len, out).outcome, CS_ACCT_ANSWERED);
    }
    /* Capacity 8: the first answer is forgotten, so it is applied again. */
    assert_int_equal(feed(f, 2, &f->pgw, first, first_len, out).outcome, CS_ACCT_ANSWERED);
    assert_int_equal(f->rec.calls, 10);
    size_t len = encode(&a, 8, secret, SECRET_LEN, req);
    assert_int_equal(feed(f, 2, &f->pgw, req, len, out).outcome, CS_ACCT_DUPLICATE);
}

static void test_server_drops(void **state)
{
    server_fixture *f = *state;
    cs_radius_acct a = full_start();
    uint8_t req[CS_RADIUS_MAX_LEN], out[64];
    size_t len = encode(&a, 3, secret, SECRET_LEN, req);

    cs_addr stranger = cs_addr_ipv4(127, 0, 0, 9, 40000);
    cs_acct_result res = feed(f, 1, &stranger, req, len, out);
    assert_int_equal(res.outcome, CS_ACCT_DROP_UNKNOWN_NAS);
    assert_int_equal(res.response_len, 0);

    size_t bad_len = encode(&a, 3, (const uint8_t *)"wrong-secret", 12, req);
    res = feed(f, 1, &f->pgw, req, bad_len, out);
    assert_int_equal(res.outcome, CS_ACCT_DROP_BAD_AUTHENTICATOR);
    assert_int_equal(res.detail, CS_E_SESSION);
    assert_int_equal(res.response_len, 0);

    res = feed(f, 1, &f->pgw, req, 19, out);
    assert_int_equal(res.outcome, CS_ACCT_DROP_MALFORMED);
    assert_int_equal(res.detail, CS_E_TRUNCATED);

    len = encode(&a, 3, secret, SECRET_LEN, req);
    req[0] = CS_RADIUS_ACCESS_REQUEST;
    res = feed(f, 1, &f->pgw, req, len, out);
    assert_int_equal(res.outcome, CS_ACCT_DROP_NOT_ACCOUNTING);

    /* Well signed, but with two Framed-IP-Address attributes. */
    cs_radius_writer w;
    cs_radius_writer_init(&w, req, CS_RADIUS_MAX_LEN, 4, 4);
    cs_radius_add_u32(&w, CS_RADIUS_ATTR_ACCT_STATUS_TYPE, CS_RADIUS_ACCT_START);
    cs_radius_add_ipv4(&w, CS_RADIUS_ATTR_FRAMED_IP_ADDRESS, (uint8_t[]){ 1, 2, 3, 4 });
    cs_radius_add_ipv4(&w, CS_RADIUS_ATTR_FRAMED_IP_ADDRESS, (uint8_t[]){ 1, 2, 3, 5 });
    assert_int_equal(cs_radius_finish_request(&w, secret, SECRET_LEN, &len), CS_OK);
    res = feed(f, 1, &f->pgw, req, len, out);
    assert_int_equal(res.outcome, CS_ACCT_DROP_BAD_ATTRIBUTE);
    assert_int_equal(res.detail, CS_E_DUPLICATE);

    assert_int_equal(f->rec.calls, 0);
    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_DROP_UNKNOWN_NAS), 1);
    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_DROP_BAD_AUTHENTICATOR), 1);
    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_DROP_MALFORMED), 1);
    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_DROP_NOT_ACCOUNTING), 1);
    assert_int_equal(cs_acct_server_count(f->server, CS_ACCT_DROP_BAD_ATTRIBUTE), 1);
    assert_string_equal(cs_acct_outcome_name(CS_ACCT_DROP_UNKNOWN_NAS), "unknown-nas");
}

static void test_server_apply_failure_means_no_answer(void **state)
{
    server_fixture *f = *state;
    cs_radius_acct a = full_start();
    uint8_t req[CS_RADIUS_MAX_LEN], out[64];
    size_t len = encode(&a, 5, secret, SECRET_LEN, req);

    f->rec.fail_with = CS_E_INTERNAL;
    cs_acct_result res = feed(f, 1, &f->pgw, req, len, out);
    assert_int_equal(res.outcome, CS_ACCT_DROP_APPLY_FAILED);
    assert_int_equal(res.detail, CS_E_INTERNAL);
    assert_int_equal(res.response_len, 0);
    assert_int_equal(f->rec.calls, 1);

    /* The gateway retransmits; now the store works: applied and answered. */
    f->rec.fail_with = CS_OK;
    res = feed(f, 3001, &f->pgw, req, len, out);
    assert_int_equal(res.outcome, CS_ACCT_ANSWERED);
    assert_int_equal(res.response_len, 20);
    assert_int_equal(f->rec.calls, 2);
}

static void test_server_on_off_and_other_status(void **state)
{
    server_fixture *f = *state;
    uint8_t req[CS_RADIUS_MAX_LEN], out[64];
    cs_radius_acct a;
    memset(&a, 0, sizeof a);
    a.present = CS_ACCT_HAS_STATUS | CS_ACCT_HAS_NAS_IP;
    memcpy(a.nas_ip, (uint8_t[]){ 127, 0, 0, 1 }, 4);
    const uint32_t kinds[] = { CS_RADIUS_ACCT_OFF, CS_RADIUS_ACCT_ON,
                               CS_RADIUS_ACCT_INTERIM, CS_RADIUS_ACCT_STOP };
    for (uint8_t i = 0; i < 4; i++) {
        a.status_type = kinds[i];
        size_t len = encode(&a, (uint8_t)(100 + i), secret, SECRET_LEN, req);
        assert_int_equal(feed(f, 1, &f->pgw, req, len, out).outcome, CS_ACCT_ANSWERED);
        assert_int_equal(f->rec.calls, i + 1u);
        assert_int_equal(f->rec.last.status_type, kinds[i]);
        assert_string_equal(f->rec.last.gateway, "pgw-1");
    }
    /* Accounting status types we do not act on (15: Failed) are answered
     * so the gateway stops retransmitting, without a callback. */
    a.status_type = 15;
    size_t len = encode(&a, 110, secret, SECRET_LEN, req);
    cs_acct_result res = feed(f, 1, &f->pgw, req, len, out);
    assert_int_equal(res.outcome, CS_ACCT_IGNORED);
    assert_int_equal(res.response_len, 20);
    assert_int_equal(f->rec.calls, 4);
}

static void test_server_gateways(void **state)
{
    server_fixture *f = *state;
    static const uint8_t any_secret[] = "any-gateway-secret";
    cs_addr pgw_b = cs_addr_ipv4(127, 0, 0, 2, 0);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "pgw-1", &pgw_b, secret,
                                                SECRET_LEN), CS_E_DUPLICATE);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "pgw-x", &f->pgw, secret,
                                                SECRET_LEN), CS_E_DUPLICATE);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "", &pgw_b, secret,
                                                SECRET_LEN), CS_E_INVALID_ARG);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "b", &pgw_b, secret, 0),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "pgw-2", &pgw_b,
                                                (const uint8_t *)"other", 5), CS_OK);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "rest", NULL, any_secret,
                                                sizeof any_secret - 1), CS_OK);
    assert_int_equal(cs_acct_server_add_gateway(f->server, "rest2", NULL, secret,
                                                SECRET_LEN), CS_E_DUPLICATE);

    cs_radius_acct a = full_start();
    uint8_t req[CS_RADIUS_MAX_LEN], out[64];
    /* Each gateway with its own secret. */
    cs_addr from_b = cs_addr_ipv4(127, 0, 0, 2, 1813);
    size_t len = encode(&a, 1, (const uint8_t *)"other", 5, req);
    assert_int_equal(feed(f, 1, &from_b, req, len, out).outcome, CS_ACCT_ANSWERED);
    assert_string_equal(f->rec.last.gateway, "pgw-2");
    /* A host with its own entry never falls back to "any". */
    len = encode(&a, 2, any_secret, sizeof any_secret - 1, req);
    assert_int_equal(feed(f, 1, &from_b, req, len, out).outcome,
                     CS_ACCT_DROP_BAD_AUTHENTICATOR);
    /* Any other host with the "any" secret. */
    cs_addr from_c = cs_addr_ipv4(127, 0, 0, 3, 5000);
    assert_int_equal(feed(f, 1, &from_c, req, len, out).outcome, CS_ACCT_ANSWERED);
    assert_string_equal(f->rec.last.gateway, "rest");
}

/* ---- Client engine --------------------------------------------------- */

typedef struct wire {
    uint8_t last[CS_RADIUS_MAX_LEN];
    size_t last_len;
    cs_addr to;
    unsigned sends;
    unsigned done_calls;
    uint64_t done_handle;
    cs_err done_result;
} wire;

static cs_err wire_send(void *ctx, const cs_addr *to, const uint8_t *data, size_t len)
{
    wire *w = ctx;
    memcpy(w->last, data, len);
    w->last_len = len;
    w->to = *to;
    w->sends++;
    return CS_OK;
}

static void wire_done(void *ctx, uint64_t handle, cs_err result)
{
    wire *w = ctx;
    w->done_calls++;
    w->done_handle = handle;
    w->done_result = result;
}

static void test_client_against_server(void **state)
{
    server_fixture *f = *state;
    wire w;
    memset(&w, 0, sizeof w);
    cs_acct_client_config cfg = { .send = wire_send, .done = wire_done, .ctx = &w };
    cs_acct_client *c;
    assert_int_equal(cs_acct_client_new(&cfg, &c), CS_OK);
    cs_addr bs = cs_addr_ipv4(127, 0, 0, 1, 1813);
    unsigned index;
    assert_int_equal(cs_acct_client_add_server(c, &bs, secret, SECRET_LEN, &index), CS_OK);

    cs_radius_acct a = full_start();
    uint64_t handle = 0;
    assert_int_equal(cs_acct_client_send(c, 0, index, &a, &handle), CS_OK);
    assert_int_equal(w.sends, 1);
    assert_true(cs_addr_equal(&w.to, &bs));
    assert_int_equal(cs_acct_client_outstanding(c), 1);
    assert_int_equal(cs_acct_client_next_deadline(c), 2000);

    uint8_t out[64];
    cs_acct_result res = feed(f, 0, &f->pgw, w.last, w.last_len, out);
    assert_int_equal(res.outcome, CS_ACCT_ANSWERED);

    /* From the wrong address, or altered: not accepted. */
    assert_int_equal(cs_acct_client_receive(c, 1, &f->pgw, out, res.response_len),
                     CS_E_NOT_FOUND);
    out[10] ^= 1;
    assert_int_equal(cs_acct_client_receive(c, 1, &bs, out, res.response_len),
                     CS_E_SESSION);
    out[10] ^= 1;
    assert_int_equal(w.done_calls, 0);
    assert_int_equal(cs_acct_client_receive(c, 1, &bs, out, res.response_len), CS_OK);
    assert_int_equal(w.done_calls, 1);
    assert_int_equal(w.done_handle, handle);
    assert_int_equal(w.done_result, CS_OK);
    assert_int_equal(cs_acct_client_outstanding(c), 0);
    assert_int_equal(cs_acct_client_next_deadline(c), UINT64_MAX);
    /* A second copy of the response matches nothing. */
    assert_int_equal(cs_acct_client_receive(c, 1, &bs, out, res.response_len),
                     CS_E_NOT_FOUND);
    cs_acct_client_free(c);
}

static void test_client_retransmits_then_gives_up(void **state)
{
    (void)state;
    wire w;
    memset(&w, 0, sizeof w);
    cs_acct_client_config cfg = { .send = wire_send, .done = wire_done, .ctx = &w,
                                  .initial_timeout_ms = 1000, .max_timeout_ms = 3000,
                                  .max_attempts = 4 };
    cs_acct_client *c;
    assert_int_equal(cs_acct_client_new(&cfg, &c), CS_OK);
    cs_addr bs = cs_addr_ipv4(127, 0, 0, 1, 1813);
    assert_int_equal(cs_acct_client_add_server(c, &bs, secret, SECRET_LEN, NULL), CS_OK);
    cs_radius_acct a = full_start();
    assert_int_equal(cs_acct_client_send(c, 100, 0, &a, NULL), CS_OK);
    uint8_t first[CS_RADIUS_MAX_LEN];
    size_t first_len = w.last_len;
    memcpy(first, w.last, first_len);

    /* Waits 1000, 2000, 3000 (capped), then 3000 before giving up. */
    const uint64_t deadlines[] = { 1100, 3100, 6100, 9100 };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(cs_acct_client_next_deadline(c), deadlines[i]);
        cs_acct_client_tick(c, deadlines[i] - 1);
        assert_int_equal(w.sends, i + 1);
        cs_acct_client_tick(c, deadlines[i]);
        if (i < 3) {
            assert_int_equal(w.sends, i + 2);
            assert_int_equal(w.last_len, first_len);
            assert_memory_equal(w.last, first, first_len);
        }
    }
    assert_int_equal(w.sends, 4);
    assert_int_equal(w.done_calls, 1);
    assert_int_equal(w.done_result, CS_E_TIMEOUT);
    assert_int_equal(cs_acct_client_outstanding(c), 0);
    cs_acct_client_free(c);
}

static void test_client_identifier_space(void **state)
{
    (void)state;
    wire w;
    memset(&w, 0, sizeof w);
    cs_acct_client_config cfg = { .send = wire_send, .ctx = &w };
    cs_acct_client *c;
    assert_int_equal(cs_acct_client_new(&cfg, &c), CS_OK);
    cs_addr bs = cs_addr_ipv4(127, 0, 0, 1, 1813);
    assert_int_equal(cs_acct_client_add_server(c, &bs, secret, SECRET_LEN, NULL), CS_OK);
    cs_radius_acct a = full_start();
    bool seen[256] = { false };
    for (unsigned i = 0; i < 256; i++) {
        assert_int_equal(cs_acct_client_send(c, 0, 0, &a, NULL), CS_OK);
        assert_false(seen[w.last[1]]);
        seen[w.last[1]] = true;
    }
    assert_int_equal(cs_acct_client_send(c, 0, 0, &a, NULL), CS_E_BUSY);
    assert_int_equal(cs_acct_client_send(c, 0, 1, &a, NULL), CS_E_INVALID_ARG);
    assert_int_equal(cs_acct_client_outstanding(c), 256);
    cs_acct_client_free(c);   /* frees what is still waiting (ASan checks) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kat_decode),
        cmocka_unit_test(test_kat_encode_typed),
        cmocka_unit_test(test_kat_encode_generic),
        cmocka_unit_test(test_kat_response),
        cmocka_unit_test(test_authenticator_rejects),
        cmocka_unit_test(test_malformed_framing),
        cmocka_unit_test(test_malformed_attributes),
        cmocka_unit_test(test_3gpp_and_typed_errors),
        cmocka_unit_test(test_typed_round_trip),
        cmocka_unit_test(test_writer_bounds),
        cmocka_unit_test_setup_teardown(test_server_start_and_duplicate, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_capacity_evicts_oldest, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_drops, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_server_apply_failure_means_no_answer,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_server_on_off_and_other_status, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_gateways, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_client_against_server, server_setup,
                                        server_teardown),
        cmocka_unit_test(test_client_retransmits_then_gives_up),
        cmocka_unit_test(test_client_identifier_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
