/*
 * test_coap_message.c - the CoAP message codec: RFC 7252 Appendix A
 * datagrams byte for byte, every option delta/length encoding, the
 * malformed inputs (truncation, TKL, reserved nibbles, payload marker,
 * Empty messages, versions), option length and repetition rules, round
 * trips, option ordering, uint and block options, path and query helpers,
 * and the critical-option check.
 */
#include "test_support.h"

#include "cellstrap/coap.h"

/* ---- Helpers ----------------------------------------------------------- */

/* Parse hex and expect `err`. */
static void expect_parse(const char *hex, cs_err err)
{
    uint8_t buf[512];
    size_t n = test_hex(hex, buf, sizeof buf);
    cs_coap_msg msg;
    cs_err got = cs_coap_parse(buf, n, &msg);
    if (got != err)
        fail_msg("%s: expected %d (%s), got %d (%s)", hex, err,
                 cs_strerror(err), got, cs_strerror(got));
}

/* Serialize msg and require exactly the bytes of `hex`. */
static void expect_bytes(const cs_coap_msg *msg, const char *hex)
{
    uint8_t want[512], got[512];
    size_t want_len = test_hex(hex, want, sizeof want), got_len = 0;
    assert_int_equal(cs_coap_serialize(msg, got, sizeof got, &got_len), CS_OK);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
}

/* Parse `hex`, require CS_OK, and require serialize to give it back. */
static void expect_round_trip(const char *hex, cs_coap_msg *msg)
{
    uint8_t buf[512];
    size_t n = test_hex(hex, buf, sizeof buf);
    assert_int_equal(cs_coap_parse(buf, n, msg), CS_OK);
    uint8_t out[512];
    size_t out_len = 0;
    assert_int_equal(cs_coap_serialize(msg, out, sizeof out, &out_len), CS_OK);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, buf, n);
}

static void assert_option(const cs_coap_option *opt, uint16_t number,
                          const void *value, size_t len)
{
    assert_non_null(opt);
    assert_int_equal(opt->number, number);
    assert_int_equal(opt->len, len);
    if (len != 0)
        assert_memory_equal(opt->value, value, len);
}

/* ---- RFC 7252 Appendix A ----------------------------------------------- */

#define TEMPERATURE_HEX "74 65 6d 70 65 72 61 74 75 72 65"
#define PAYLOAD_HEX "32 32 2e 33 20 43"

/* Figure 16: CON GET, MID 0x7d34, no token, Uri-Path "temperature"
 * (16 bytes); ACK 2.05 with payload "22.3 C" (11 bytes). */
static void rfc7252_figure16(void **state)
{
    (void)state;
    const char *req = "40 01 7d 34 bb " TEMPERATURE_HEX;
    const char *rsp = "60 45 7d 34 ff " PAYLOAD_HEX;
    cs_coap_msg msg;

    expect_round_trip(req, &msg);
    assert_int_equal(msg.type, CS_COAP_TYPE_CON);
    assert_int_equal(msg.code, CS_COAP_CODE_GET);
    assert_int_equal(msg.mid, 0x7d34);
    assert_int_equal(msg.token_len, 0);
    assert_int_equal(msg.option_count, 1);
    assert_option(&msg.options[0], CS_COAP_OPT_URI_PATH, "temperature", 11);
    assert_null(msg.payload);
    assert_int_equal(msg.payload_len, 0);

    cs_coap_msg built;
    cs_coap_init(&built, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0x7d34);
    assert_int_equal(cs_coap_add_path(&built, CS_COAP_OPT_URI_PATH,
                                      "/temperature", 12), CS_OK);
    expect_bytes(&built, req);

    expect_round_trip(rsp, &msg);
    assert_int_equal(msg.type, CS_COAP_TYPE_ACK);
    assert_int_equal(msg.code, CS_COAP_CODE_CONTENT);
    assert_int_equal(msg.mid, 0x7d34);
    assert_int_equal(msg.option_count, 0);
    assert_int_equal(msg.payload_len, 6);
    assert_memory_equal(msg.payload, "22.3 C", 6);

    cs_coap_init(&built, CS_COAP_TYPE_ACK, CS_COAP_CODE_CONTENT, 0x7d34);
    cs_coap_set_payload(&built, "22.3 C", 6);
    expect_bytes(&built, rsp);
}

/* Figure 17: the same with token 0x20 (17 and 12 bytes). */
static void rfc7252_figure17(void **state)
{
    (void)state;
    const char *req = "41 01 7d 35 20 bb " TEMPERATURE_HEX;
    const char *rsp = "61 45 7d 35 20 ff " PAYLOAD_HEX;
    cs_coap_msg msg;
    uint8_t tok = 0x20;

    expect_round_trip(req, &msg);
    assert_int_equal(msg.token_len, 1);
    assert_int_equal(msg.token[0], 0x20);
    assert_int_equal(msg.mid, 0x7d35);

    cs_coap_msg built;
    cs_coap_init(&built, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0x7d35);
    assert_int_equal(cs_coap_set_token(&built, &tok, 1), CS_OK);
    assert_int_equal(cs_coap_add_string(&built, CS_COAP_OPT_URI_PATH,
                                        "temperature"), CS_OK);
    expect_bytes(&built, req);

    expect_round_trip(rsp, &msg);
    assert_int_equal(msg.type, CS_COAP_TYPE_ACK);
    assert_int_equal(msg.token[0], 0x20);
    cs_coap_init(&built, CS_COAP_TYPE_ACK, CS_COAP_CODE_CONTENT, 0x7d35);
    assert_int_equal(cs_coap_set_token(&built, &tok, 1), CS_OK);
    cs_coap_set_payload(&built, "22.3 C", 6);
    expect_bytes(&built, rsp);
}

/* Figures 20-22: Empty ACK and RST, a separate CON response, NON GET. */
static void rfc7252_figures20_to_22(void **state)
{
    (void)state;
    cs_coap_msg msg;

    expect_round_trip("60 00 7d 38", &msg);           /* Empty ACK */
    assert_int_equal(msg.type, CS_COAP_TYPE_ACK);
    assert_true(cs_coap_code_is_empty(msg.code));
    assert_int_equal(msg.mid, 0x7d38);

    expect_round_trip("41 45 ad 7b 53 ff " PAYLOAD_HEX, &msg);
    assert_int_equal(msg.type, CS_COAP_TYPE_CON);
    assert_int_equal(msg.code, CS_COAP_CODE_CONTENT);
    assert_int_equal(msg.mid, 0xad7b);
    assert_int_equal(msg.token[0], 0x53);

    expect_round_trip("70 00 ad 7c", &msg);           /* Reset */
    assert_int_equal(msg.type, CS_COAP_TYPE_RST);

    expect_round_trip("51 01 7d 40 75 bb " TEMPERATURE_HEX, &msg);
    assert_int_equal(msg.type, CS_COAP_TYPE_NON);
    assert_int_equal(msg.mid, 0x7d40);

    cs_coap_msg built;
    cs_coap_init(&built, CS_COAP_TYPE_RST, CS_COAP_CODE_EMPTY, 0xad7c);
    expect_bytes(&built, "70 00 ad 7c");
}

/* ---- Option delta and length encodings ---------------------------------- */

/* Build header + option head + `len` value bytes, parse, check number and
 * length, and serialize back to the same bytes. */
static void check_encoding(uint16_t number, size_t len, const char *head_hex)
{
    uint8_t buf[1400], out[1400];
    size_t n = test_hex("40 02 00 01", buf, sizeof buf);
    n += test_hex(head_hex, buf + n, sizeof buf - n);
    for (size_t i = 0; i < len; i++)
        buf[n++] = (uint8_t)('a' + i % 26);
    cs_coap_msg msg;
    cs_err err = cs_coap_parse(buf, n, &msg);
    if (err != CS_OK)
        fail_msg("option %u len %zu (%s): %s", number, len, head_hex,
                 cs_strerror(err));
    assert_int_equal(msg.option_count, 1);
    assert_int_equal(msg.options[0].number, number);
    assert_int_equal(msg.options[0].len, len);
    size_t out_len = 0;
    assert_int_equal(cs_coap_serialize(&msg, out, sizeof out, &out_len), CS_OK);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, buf, n);
}

static void option_delta_and_length_forms(void **state)
{
    (void)state;
    /* Deltas: 4-bit, 8-bit extended (13 + byte), 16-bit (269 + word).
     * Unknown numbers are used so no length rule applies. */
    check_encoding(0, 0, "00");
    check_encoding(12, 0, "c0");
    check_encoding(13, 0, "d0 00");
    check_encoding(14, 0, "d0 01");
    check_encoding(268, 0, "d0 ff");
    check_encoding(269, 0, "e0 00 00");
    check_encoding(270, 0, "e0 00 01");
    check_encoding(1000, 0, "e0 02 db");
    check_encoding(65535, 0, "e0 fe f2");
    /* Lengths, the same three forms. */
    check_encoding(1000, 12, "ec 02 db");
    check_encoding(1000, 13, "ed 02 db 00");
    check_encoding(1000, 268, "ed 02 db ff");
    check_encoding(1000, 269, "ee 02 db 00 00");
    check_encoding(1000, 1000, "ee 02 db 02 db");
    /* Both extended, one byte each. */
    check_encoding(100, 100, "dd 57 57");
}

static void option_deltas_accumulate(void **state)
{
    (void)state;
    cs_coap_msg msg;
    /* Uri-Path "a", Uri-Path "b" (delta 0), Content-Format 0 (delta 1,
     * empty), Uri-Query "x" (delta 3), Size1 1024 (delta 45: 13 + 0x20). */
    expect_round_trip("42 01 00 07 aa bb b1 61 01 62 10 31 78 d2 20 04 00",
                      &msg);
    assert_int_equal(msg.option_count, 5);
    assert_option(&msg.options[0], CS_COAP_OPT_URI_PATH, "a", 1);
    assert_option(&msg.options[1], CS_COAP_OPT_URI_PATH, "b", 1);
    assert_option(&msg.options[2], CS_COAP_OPT_CONTENT_FORMAT, NULL, 0);
    assert_option(&msg.options[3], CS_COAP_OPT_URI_QUERY, "x", 1);
    assert_option(&msg.options[4], CS_COAP_OPT_SIZE1, "\x04\x00", 2);
    uint32_t v = 99;
    assert_int_equal(cs_coap_get_uint(&msg, CS_COAP_OPT_CONTENT_FORMAT, &v),
                     CS_OK);
    assert_int_equal(v, 0);
    assert_int_equal(cs_coap_get_uint(&msg, CS_COAP_OPT_SIZE1, &v), CS_OK);
    assert_int_equal(v, 1024);
}

/* ---- Malformed input --------------------------------------------------- */

/* A message with a token, every option head form and a payload; every
 * prefix is either a complete shorter message (ends on an option boundary
 * or inside the payload, which has no length field), ends right after the
 * payload marker (syntax error), or is truncated. */
static void truncated_at_every_offset(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = test_hex(
        "44 01 12 34 a1 a2 a3 a4"               /* header, token  (8) */
        "b2 72 64"                              /* Uri-Path "rd"  (11) */
        "46 65 70 3d 61 62 63"                  /* Uri-Query      (18) */
        "d2 20 01 00"                           /* Size1 256      (22) */
        "ed 00 01 00 30 31 32 33 34 35 36 37 38 39 30 31 32" /* 330 (39) */
        "ff 68 65 6c 6c 6f",                    /* payload        (45) */
        buf, sizeof buf);
    assert_int_equal(n, 45);
    cs_coap_msg msg;
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
    assert_int_equal(msg.option_count, 4);
    assert_int_equal(msg.options[3].number, 330);
    assert_int_equal(msg.payload_len, 5);

    for (size_t k = 0; k < n; k++) {
        cs_err want = CS_E_TRUNCATED;
        if (k == 8 || k == 11 || k == 18 || k == 22 || k == 39)
            want = CS_OK;
        else if (k == 40)
            want = CS_E_SYNTAX;
        else if (k > 40)
            want = CS_OK;
        cs_err got = cs_coap_parse(buf, k, &msg);
        if (got != want)
            fail_msg("prefix %zu: expected %s, got %s", k, cs_strerror(want),
                     cs_strerror(got));
        if (k > 40)
            assert_int_equal(msg.payload_len, k - 40);
    }
    /* No input at all. */
    assert_int_equal(cs_coap_parse(NULL, 0, &msg), CS_E_TRUNCATED);
}

static void reserved_token_lengths(void **state)
{
    (void)state;
    uint8_t buf[32];
    memset(buf, 0xaa, sizeof buf);
    buf[1] = CS_COAP_CODE_GET;
    cs_coap_msg msg;
    for (unsigned tkl = 9; tkl <= 15; tkl++) {
        buf[0] = (uint8_t)(0x40 | tkl);
        assert_int_equal(cs_coap_parse(buf, sizeof buf, &msg), CS_E_BAD_LENGTH);
    }
    buf[0] = 0x48;                        /* 8 is the largest valid TKL */
    assert_int_equal(cs_coap_parse(buf, 12, &msg), CS_OK);
    assert_int_equal(msg.token_len, 8);
    assert_int_equal(cs_coap_parse(buf, 11, &msg), CS_E_TRUNCATED);
}

static void reserved_nibbles(void **state)
{
    (void)state;
    /* Delta 15 with any length other than the marker's 15. */
    expect_parse("40 01 00 00 f0", CS_E_SYNTAX);
    expect_parse("40 01 00 00 f1 61", CS_E_SYNTAX);
    expect_parse("40 01 00 00 b1 61 fe 61", CS_E_SYNTAX);
    /* Length 15, with a plain or extended delta. */
    expect_parse("40 01 00 00 bf", CS_E_SYNTAX);
    expect_parse("40 01 00 00 0f 61", CS_E_SYNTAX);
    expect_parse("40 01 00 00 df 00 61", CS_E_SYNTAX);
    /* Extended bytes past the end. */
    expect_parse("40 01 00 00 d0", CS_E_TRUNCATED);
    expect_parse("40 01 00 00 e0 00", CS_E_TRUNCATED);
    expect_parse("40 01 00 00 0d", CS_E_TRUNCATED);
    expect_parse("40 01 00 00 0e 01", CS_E_TRUNCATED);
    expect_parse("40 01 00 00 dd 00", CS_E_TRUNCATED);
    /* Value longer than what is left. */
    expect_parse("40 01 00 00 b5 61 62", CS_E_TRUNCATED);
    expect_parse("40 01 00 00 0d 00 61", CS_E_TRUNCATED);
}

static void option_number_overflow(void **state)
{
    (void)state;
    expect_parse("40 01 00 00 e0 fe f2", CS_OK);           /* 65535 */
    expect_parse("40 01 00 00 e0 fe f3", CS_E_SYNTAX);     /* 65536 */
    expect_parse("40 01 00 00 e0 ff ff", CS_E_SYNTAX);
    expect_parse("40 01 00 00 e0 fe f2 10", CS_E_SYNTAX);  /* 65535 + 1 */
    expect_parse("40 01 00 00 e0 fe f2 00", CS_OK);        /* repeated */
}

static void payload_marker_without_payload(void **state)
{
    (void)state;
    expect_parse("40 01 00 00 ff", CS_E_SYNTAX);
    expect_parse("41 01 00 00 aa ff", CS_E_SYNTAX);
    expect_parse("40 01 00 00 b1 61 ff", CS_E_SYNTAX);
    expect_parse("40 01 00 00 ff 00", CS_OK);
    /* A payload may hold 0xff bytes, including only that. */
    cs_coap_msg msg;
    expect_round_trip("40 01 00 00 ff ff", &msg);
    assert_int_equal(msg.payload_len, 1);
    assert_int_equal(msg.payload[0], 0xff);
}

static void empty_message_rules(void **state)
{
    (void)state;
    expect_parse("40 00 12 34", CS_OK);
    expect_parse("41 00 12 34 aa", CS_E_BAD_LENGTH);       /* token */
    expect_parse("41 00 12 34", CS_E_BAD_LENGTH);
    expect_parse("40 00 12 34 ff 61", CS_E_TRAILING);     /* payload */
    expect_parse("60 00 12 34 b1 61", CS_E_TRAILING);     /* option */
    expect_parse("70 00 12 34 00", CS_E_TRAILING);
    expect_parse("40 00 12", CS_E_TRUNCATED);
}

static void version_must_be_one(void **state)
{
    (void)state;
    expect_parse("00 01 00 00", CS_E_SYNTAX);
    expect_parse("80 01 00 00", CS_E_SYNTAX);
    expect_parse("c0 01 00 00", CS_E_SYNTAX);
    expect_parse("a0 00 00 00", CS_E_SYNTAX);
    expect_parse("40 01 00 00", CS_OK);
}

static void peek_header_for_reset(void **state)
{
    (void)state;
    uint8_t buf[8];
    size_t n = test_hex("42 01 be ef 01", buf, sizeof buf); /* token cut */
    cs_coap_msg msg;
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_E_TRUNCATED);
    uint8_t type = 9, code = 9;
    uint16_t mid = 0;
    assert_true(cs_coap_peek_header(buf, n, &type, &code, &mid));
    assert_int_equal(type, CS_COAP_TYPE_CON);
    assert_int_equal(code, CS_COAP_CODE_GET);
    assert_int_equal(mid, 0xbeef);
    assert_false(cs_coap_peek_header(buf, 3, &type, &code, &mid));
    buf[0] = 0x82;                                       /* version 2 */
    assert_false(cs_coap_peek_header(buf, n, &type, &code, &mid));
    assert_true(cs_coap_peek_header((const uint8_t *)"\x60\x00\x00\x01", 4,
                                    NULL, NULL, NULL));
}

/* ---- Option length and repetition rules (RFC 7252 §5.4.3, §5.4.5) ------- */

static void critical_option_bad_length(void **state)
{
    (void)state;
    uint8_t buf[300];
    cs_coap_msg msg;
    /* Uri-Path of 256 bytes: critical, max 255. */
    size_t n = test_hex("41 01 00 05 7e bd f3", buf, sizeof buf);
    memset(buf + n, 'p', 256);
    n += 256;
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_E_BAD_OPTION);
    /* The rest of the message is there to answer 4.02 with. */
    assert_int_equal(msg.mid, 5);
    assert_int_equal(msg.token_len, 1);
    assert_int_equal(msg.token[0], 0x7e);
    assert_int_equal(msg.option_count, 0);
    assert_int_equal(cs_err_coap_code(CS_E_BAD_OPTION), CS_COAP_CODE_BAD_OPTION);
    /* 255 is fine. */
    buf[6] = 0xf2;
    assert_int_equal(cs_coap_parse(buf, n - 1, &msg), CS_OK);
    assert_int_equal(msg.options[0].len, 255);

    /* A format error later in the datagram wins over the bad option. */
    expect_parse("40 01 00 00 51 00 ff", CS_E_SYNTAX);
    expect_parse("40 01 00 00 51 00", CS_E_BAD_OPTION);
    /* If-None-Match must be empty; Block2 at most 3 bytes; Uri-Host at
     * least 1; Proxy-Uri at least 1. */
    expect_parse("40 01 00 00 51 00", CS_E_BAD_OPTION);
    expect_parse("40 01 00 00 d4 0a 00 00 00 01", CS_E_BAD_OPTION);
    expect_parse("40 01 00 00 30", CS_E_BAD_OPTION);
    expect_parse("40 01 00 00 d0 16", CS_E_BAD_OPTION);
    expect_parse("40 01 00 00 d3 0a 00 00 01", CS_OK);     /* Block2 3 B */
}

static void elective_option_bad_length_is_dropped(void **state)
{
    (void)state;
    cs_coap_msg msg;
    uint8_t buf[64];
    /* Uri-Path "a", Content-Format of 3 bytes (max 2), Uri-Query "q". */
    size_t n = test_hex("40 01 00 00 b1 61 13 00 00 01 31 71", buf, sizeof buf);
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
    assert_int_equal(msg.option_count, 2);
    assert_option(&msg.options[0], CS_COAP_OPT_URI_PATH, "a", 1);
    assert_option(&msg.options[1], CS_COAP_OPT_URI_QUERY, "q", 1);
    assert_null(cs_coap_find(&msg, CS_COAP_OPT_CONTENT_FORMAT));
    /* Observe of 4 bytes, empty ETag, Echo of 41 bytes: all dropped. */
    expect_parse("40 01 00 00 64 00 00 00 01", CS_OK);
    n = test_hex("40 01 00 00 40 24 00 00 00 01", buf, sizeof buf);
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
    assert_int_equal(msg.option_count, 0);
    n = test_hex("40 01 00 00 dd ef 1c", buf, sizeof buf);
    memset(buf + n, 'e', 41);
    assert_int_equal(cs_coap_parse(buf, n + 41, &msg), CS_OK);
    assert_int_equal(msg.option_count, 0);
    buf[n - 1] = 0x1b;                                   /* 40 bytes */
    assert_int_equal(cs_coap_parse(buf, n + 40, &msg), CS_OK);
    assert_int_equal(msg.option_count, 1);
    assert_int_equal(msg.options[0].number, CS_COAP_OPT_ECHO);
}

static void non_repeatable_options(void **state)
{
    (void)state;
    cs_coap_msg msg;
    uint8_t buf[32];
    /* Uri-Host twice: critical, so 4.02. */
    expect_parse("40 01 00 00 31 61 01 62", CS_E_BAD_OPTION);
    /* Content-Format twice: the second is dropped, the first kept. */
    size_t n = test_hex("40 02 00 00 c1 28 01 3c", buf, sizeof buf);
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
    assert_int_equal(msg.option_count, 1);
    uint16_t cf = 0;
    assert_int_equal(cs_coap_get_content_format(&msg, &cf), CS_OK);
    assert_int_equal(cf, 40);
    /* Repeatable ones (ETag, Uri-Path, unknown numbers) are all kept. */
    n = test_hex("40 01 00 00 41 01 01 02 71 61 01 62 01 63 e0 02 d2 00",
                 buf, sizeof buf);
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
    assert_int_equal(msg.option_count, 7);
    assert_int_equal(cs_coap_count(&msg, CS_COAP_OPT_ETAG), 2);
    assert_int_equal(cs_coap_count(&msg, CS_COAP_OPT_URI_PATH), 3);
    assert_int_equal(cs_coap_count(&msg, 1002), 2);
}

static void option_count_bound(void **state)
{
    (void)state;
    uint8_t buf[64];
    cs_coap_msg msg;
    size_t n = test_hex("40 01 00 00 b0", buf, sizeof buf);
    memset(buf + n, 0x00, CS_COAP_MAX_OPTIONS - 1);   /* 31 more Uri-Paths */
    n += CS_COAP_MAX_OPTIONS - 1;
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
    assert_int_equal(msg.option_count, CS_COAP_MAX_OPTIONS);
    buf[n++] = 0x00;
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_E_TOO_LARGE);
    assert_int_equal(msg.option_count, CS_COAP_MAX_OPTIONS);
    /* Still a format error first. */
    buf[n++] = 0xff;
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_E_SYNTAX);
    /* Dropped elective options do not count. */
    n = test_hex("40 01 00 00 b0", buf, sizeof buf);
    memset(buf + n, 0x00, CS_COAP_MAX_OPTIONS - 1);
    n += CS_COAP_MAX_OPTIONS - 1;
    n += test_hex("13 00 00 00", buf + n, sizeof buf - n); /* bad CF */
    assert_int_equal(cs_coap_parse(buf, n, &msg), CS_OK);
}

/* ---- Round trips and ordering ------------------------------------------- */

static void canonical_round_trips(void **state)
{
    (void)state;
    static const char *const canon[] = {
        "40 01 7d 34 bb " TEMPERATURE_HEX,
        "48 02 01 02 01 02 03 04 05 06 07 08 b2 72 64 47 65 70 3d 6e 6f 64"
        " 65 06 6c 74 3d 33 30 30 ff 3c 2f 31 2f 30 3e",
        "60 41 00 09 82 72 64 04 35 61 33 66",        /* 2.01 Location-Path */
        "64 45 ab cd 01 02 03 04 61 05 62 2d 16 ff 01", /* Observe, CF 11542 */
        "40 03 00 01 d1 0a 0e",                          /* Block2 0/1/6 */
        "40 03 00 01 d2 0e 06 42",                       /* Block1 100/0/2 */
        "50 a3 00 00",                                   /* NON 5.03 */
        "40 01 00 00 e0 fe f2",                          /* option 65535 */
        "40 01 00 00 d0 00 00 00 00",                    /* 13 x 4 */
    };
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        cs_coap_msg msg;
        expect_round_trip(canon[i], &msg);
    }
}

static void serialize_sorts_options(void **state)
{
    (void)state;
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0x0102);
    assert_int_equal(cs_coap_add_content_format(&msg, 40), CS_OK);
    assert_int_equal(cs_coap_add_string(&msg, CS_COAP_OPT_URI_PATH, "a"), CS_OK);
    assert_int_equal(cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, "q"), CS_OK);
    assert_int_equal(cs_coap_add_string(&msg, CS_COAP_OPT_URI_PATH, "b"), CS_OK);
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, 0), CS_OK);
    /* The builders keep the array sorted, repeated options in order. */
    assert_int_equal(msg.options[0].number, CS_COAP_OPT_OBSERVE);
    assert_option(&msg.options[1], CS_COAP_OPT_URI_PATH, "a", 1);
    assert_option(&msg.options[2], CS_COAP_OPT_URI_PATH, "b", 1);
    assert_int_equal(msg.options[3].number, CS_COAP_OPT_CONTENT_FORMAT);
    assert_int_equal(msg.options[4].number, CS_COAP_OPT_URI_QUERY);
    const char *want = "40 02 01 02 60 51 61 01 62 11 28 31 71";
    expect_bytes(&msg, want);

    /* An array filled by hand out of order is sorted stably on output. */
    cs_coap_msg raw;
    cs_coap_init(&raw, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0x0102);
    static const uint8_t forty = 40;
    const cs_coap_option opts[] = {
        { CS_COAP_OPT_URI_QUERY, 1, (const uint8_t *)"q" },
        { CS_COAP_OPT_URI_PATH, 1, (const uint8_t *)"a" },
        { CS_COAP_OPT_CONTENT_FORMAT, 1, &forty },
        { CS_COAP_OPT_URI_PATH, 1, (const uint8_t *)"b" },
        { CS_COAP_OPT_OBSERVE, 0, NULL },
    };
    memcpy(raw.options, opts, sizeof opts);
    raw.option_count = 5;
    expect_bytes(&raw, want);
    assert_int_equal(raw.options[0].number, CS_COAP_OPT_URI_QUERY); /* const */
}

static void serialize_errors(void **state)
{
    (void)state;
    cs_coap_msg msg;
    uint8_t out[64];
    size_t len = 77;
    uint8_t tok[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 1);
    assert_int_equal(cs_coap_set_token(&msg, tok, 8), CS_OK);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, "/3/0", 4),
                     CS_OK);
    cs_coap_set_payload(&msg, "xy", 2);
    /* 4 + 8 + 2 + 2 + 1 + 2 = 19 bytes; every smaller buffer is refused. */
    assert_int_equal(cs_coap_serialize(&msg, out, sizeof out, &len), CS_OK);
    assert_int_equal(len, 19);
    for (size_t cap = 0; cap < 19; cap++) {
        size_t l2 = 77;
        assert_int_equal(cs_coap_serialize(&msg, out, cap, &l2), CS_E_TOO_LARGE);
        assert_int_equal(l2, 77);
    }
    assert_int_equal(cs_coap_set_token(&msg, tok, 9), CS_E_INVALID_ARG);

    cs_coap_msg bad = msg;
    bad.token_len = 9;
    assert_int_equal(cs_coap_serialize(&bad, out, sizeof out, &len),
                     CS_E_INVALID_ARG);
    bad = msg;
    bad.type = 4;
    assert_int_equal(cs_coap_serialize(&bad, out, sizeof out, &len),
                     CS_E_INVALID_ARG);
    bad = msg;
    bad.payload = NULL;
    assert_int_equal(cs_coap_serialize(&bad, out, sizeof out, &len),
                     CS_E_INVALID_ARG);
    /* Empty messages carry nothing after the header. */
    cs_coap_init(&bad, CS_COAP_TYPE_ACK, CS_COAP_CODE_EMPTY, 1);
    assert_int_equal(cs_coap_set_token(&bad, tok, 1), CS_OK);
    assert_int_equal(cs_coap_serialize(&bad, out, sizeof out, &len),
                     CS_E_INVALID_ARG);
    cs_coap_init(&bad, CS_COAP_TYPE_ACK, CS_COAP_CODE_EMPTY, 1);
    cs_coap_set_payload(&bad, "x", 1);
    assert_int_equal(cs_coap_serialize(&bad, out, sizeof out, &len),
                     CS_E_INVALID_ARG);
    /* A known option with a length out of range, set by hand. */
    cs_coap_init(&bad, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 1);
    bad.options[0].number = CS_COAP_OPT_CONTENT_FORMAT;
    bad.options[0].len = 3;
    bad.options[0].value = (const uint8_t *)"abc";
    bad.option_count = 1;
    assert_int_equal(cs_coap_serialize(&bad, out, sizeof out, &len),
                     CS_E_BAD_LENGTH);
}

/* ---- Builders ----------------------------------------------------------- */

static void uint_options(void **state)
{
    (void)state;
    cs_coap_msg msg;
    uint32_t v;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, 0), CS_OK);
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_URI_PORT, 256), CS_OK);
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_MAX_AGE, 0xFFFFFFFFu),
                     CS_OK);
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_SIZE1, 255), CS_OK);
    assert_option(&msg.options[0], CS_COAP_OPT_OBSERVE, NULL, 0);
    assert_option(&msg.options[1], CS_COAP_OPT_URI_PORT, "\x01\x00", 2);
    assert_option(&msg.options[2], CS_COAP_OPT_MAX_AGE, "\xff\xff\xff\xff", 4);
    assert_option(&msg.options[3], CS_COAP_OPT_SIZE1, "\xff", 1);
    expect_bytes(&msg, "40 01 00 00 60 12 01 00 74 ff ff ff ff d1 21 ff");
    assert_int_equal(cs_coap_get_uint(&msg, CS_COAP_OPT_MAX_AGE, &v), CS_OK);
    assert_int_equal(v, 0xFFFFFFFFu);
    assert_int_equal(cs_coap_get_uint(&msg, CS_COAP_OPT_URI_PORT, &v), CS_OK);
    assert_int_equal(v, 256);
    assert_int_equal(cs_coap_get_uint(&msg, CS_COAP_OPT_ACCEPT, &v),
                     CS_E_NOT_FOUND);

    /* Values beyond an option's length range are refused. */
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_URI_PORT, 65536),
                     CS_E_BAD_LENGTH);
    assert_int_equal(cs_coap_add_uint(&msg, CS_COAP_OPT_OBSERVE, 1u << 24),
                     CS_E_BAD_LENGTH);
    assert_int_equal(msg.option_count, 4);

    /* Five bytes do not make a uint; leading zeros are accepted. */
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_option(&msg, 2048, "\x01\x02\x03\x04\x05", 5),
                     CS_OK);
    assert_int_equal(cs_coap_get_uint(&msg, 2048, &v), CS_E_BAD_LENGTH);
    assert_int_equal(cs_coap_add_option(&msg, CS_COAP_OPT_MAX_AGE,
                                        "\x00\x00\x01\x00", 4), CS_OK);
    assert_int_equal(cs_coap_get_uint(&msg, CS_COAP_OPT_MAX_AGE, &v), CS_OK);
    assert_int_equal(v, 256);

    /* The integer bytes live in the message: no dangling pointers. */
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    for (uint32_t i = 0; i < CS_COAP_MAX_OPTIONS; i++)
        assert_int_equal(cs_coap_add_uint(&msg, 2000, 0x01000000u + i), CS_OK);
    assert_int_equal(cs_coap_add_uint(&msg, 2000, 1), CS_E_TOO_LARGE);
    const cs_coap_option *opt = NULL;
    for (uint32_t i = 0; i < CS_COAP_MAX_OPTIONS; i++) {
        opt = cs_coap_next(&msg, opt, 2000);
        assert_non_null(opt);
        assert_int_equal(cs_coap_option_uint(opt, &v), CS_OK);
        assert_int_equal(v, 0x01000000u + i);
    }
    assert_null(cs_coap_next(&msg, opt, 2000));
}

static void option_builder_limits(void **state)
{
    (void)state;
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_option(&msg, CS_COAP_OPT_ETAG, "", 0),
                     CS_E_BAD_LENGTH);
    assert_int_equal(cs_coap_add_option(&msg, CS_COAP_OPT_ETAG, "123456789", 9),
                     CS_E_BAD_LENGTH);
    assert_int_equal(cs_coap_add_option(&msg, CS_COAP_OPT_IF_NONE_MATCH, "", 0),
                     CS_OK);
    assert_int_equal(cs_coap_add_option(&msg, 2048, NULL, 1), CS_E_INVALID_ARG);
    assert_int_equal(cs_coap_add_option(&msg, 2048, "x", 65536),
                     CS_E_BAD_LENGTH);
    assert_int_equal(msg.option_count, 1);
    for (int i = 1; i < CS_COAP_MAX_OPTIONS; i++)
        assert_int_equal(cs_coap_add_option(&msg, CS_COAP_OPT_ETAG, "e", 1),
                         CS_OK);
    assert_int_equal(cs_coap_add_option(&msg, CS_COAP_OPT_ETAG, "e", 1),
                     CS_E_TOO_LARGE);
}

static void uri_path_and_query(void **state)
{
    (void)state;
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0x1234);
    const char *path = "/rd/5a3f", *query = "ep=x&lt=300&Q";
    assert_int_equal(cs_coap_add_query(&msg, CS_COAP_OPT_URI_QUERY, query,
                                       strlen(query)), CS_OK);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, path,
                                      strlen(path)), CS_OK);
    expect_bytes(&msg, "40 02 12 34 b2 72 64 04 35 61 33 66"
                       " 44 65 70 3d 78 06 6c 74 3d 33 30 30 01 51");

    const char *segs[4];
    size_t lens[4], count = 0;
    assert_int_equal(cs_coap_get_strings(&msg, CS_COAP_OPT_URI_PATH, segs,
                                         lens, 4, &count), CS_OK);
    assert_int_equal(count, 2);
    assert_int_equal(lens[0], 2);
    assert_memory_equal(segs[0], "rd", 2);
    assert_int_equal(lens[1], 4);
    assert_memory_equal(segs[1], "5a3f", 4);
    assert_int_equal(cs_coap_get_strings(&msg, CS_COAP_OPT_URI_QUERY, segs,
                                         lens, 2, &count), CS_E_TOO_LARGE);

    const char *value;
    size_t vlen;
    assert_int_equal(cs_coap_get_query(&msg, "ep", &value, &vlen), CS_OK);
    assert_int_equal(vlen, 1);
    assert_memory_equal(value, "x", 1);
    assert_int_equal(cs_coap_get_query(&msg, "lt", &value, &vlen), CS_OK);
    assert_int_equal(vlen, 3);
    assert_memory_equal(value, "300", 3);
    assert_int_equal(cs_coap_get_query(&msg, "Q", &value, &vlen), CS_OK);
    assert_int_equal(vlen, 0);
    assert_int_equal(cs_coap_get_query(&msg, "e", &value, &vlen),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_coap_get_query(&msg, "b", &value, &vlen),
                     CS_E_NOT_FOUND);
    assert_int_equal(cs_coap_add_query(&msg, CS_COAP_OPT_URI_QUERY, "?ep=y", 5),
                     CS_OK);
    assert_int_equal(cs_coap_get_query(&msg, "ep", &value, &vlen),
                     CS_E_DUPLICATE);

    /* Into an LwM2M path. */
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 1);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, "/3/0/1", 6),
                     CS_OK);
    assert_int_equal(cs_coap_get_strings(&msg, CS_COAP_OPT_URI_PATH, segs,
                                         lens, 4, &count), CS_OK);
    cs_path p;
    assert_int_equal(cs_path_from_segments(segs, lens, count, &p), CS_OK);
    cs_path want = cs_path_resource(3, 0, 1);
    assert_int_equal(cs_path_compare(&p, &want), 0);
}

static void path_splitting_edges(void **state)
{
    (void)state;
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, "/", 1), CS_OK);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, "", 0), CS_OK);
    assert_int_equal(cs_coap_add_query(&msg, CS_COAP_OPT_URI_QUERY, "?", 1),
                     CS_OK);
    assert_int_equal(msg.option_count, 0);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, "a//b", 4),
                     CS_OK);
    assert_int_equal(msg.option_count, 3);
    assert_option(&msg.options[1], CS_COAP_OPT_URI_PATH, NULL, 0);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_LOCATION_PATH, "x/", 2),
                     CS_OK);
    assert_int_equal(cs_coap_count(&msg, CS_COAP_OPT_LOCATION_PATH), 2);
    expect_bytes(&msg, "40 01 00 00 81 78 00 31 61 00 01 62");

    /* All or nothing: a 256-byte segment, or too many segments. */
    char long_path[300];
    memset(long_path, 's', sizeof long_path);
    long_path[0] = '/';
    long_path[3] = '/';
    uint8_t before = msg.option_count;
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, long_path,
                                      4 + 256), CS_E_BAD_LENGTH);
    assert_int_equal(msg.option_count, before);
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, long_path,
                                      4 + 255), CS_OK);
    assert_int_equal(msg.option_count, before + 2);
    before = msg.option_count;
    char many[2 * CS_COAP_MAX_OPTIONS];
    for (size_t i = 0; i < sizeof many; i += 2) {
        many[i] = '/';
        many[i + 1] = 'x';
    }
    assert_int_equal(cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, many,
                                      sizeof many), CS_E_TOO_LARGE);
    assert_int_equal(msg.option_count, before);
}

static void content_format_and_accept(void **state)
{
    (void)state;
    cs_coap_msg msg;
    uint16_t f = 0;
    cs_coap_init(&msg, CS_COAP_TYPE_ACK, CS_COAP_CODE_CONTENT, 7);
    assert_int_equal(cs_coap_get_content_format(&msg, &f), CS_E_NOT_FOUND);
    assert_int_equal(cs_coap_add_content_format(&msg, 11542), CS_OK);
    assert_int_equal(cs_coap_add_accept(&msg, 0), CS_OK);
    expect_bytes(&msg, "60 45 00 07 c2 2d 16 50");
    assert_int_equal(cs_coap_get_content_format(&msg, &f), CS_OK);
    assert_int_equal(f, 11542);
    f = 99;
    assert_int_equal(cs_coap_get_accept(&msg, &f), CS_OK);
    assert_int_equal(f, 0);
}

/* ---- Block options ----------------------------------------------------- */

static void block_values(void **state)
{
    (void)state;
    uint32_t v = 0;
    cs_coap_block b = { 0, true, 6 };
    assert_int_equal(cs_coap_block_encode(&b, false, &v), CS_OK);
    assert_int_equal(v, 0x0E);
    b = (cs_coap_block){ 100, false, 2 };
    assert_int_equal(cs_coap_block_encode(&b, false, &v), CS_OK);
    assert_int_equal(v, 0x0642);
    b = (cs_coap_block){ CS_COAP_BLOCK_NUM_MAX, true, 6 };
    assert_int_equal(cs_coap_block_encode(&b, false, &v), CS_OK);
    assert_int_equal(v, 0xFFFFFE);
    b.num++;
    assert_int_equal(cs_coap_block_encode(&b, false, &v), CS_E_RANGE);
    b = (cs_coap_block){ 1, false, 7 };
    assert_int_equal(cs_coap_block_encode(&b, false, &v), CS_E_RANGE);
    assert_int_equal(cs_coap_block_encode(&b, true, &v), CS_OK);
    assert_int_equal(v, 0x17);
    b.szx = 8;
    assert_int_equal(cs_coap_block_encode(&b, true, &v), CS_E_RANGE);

    cs_coap_block d;
    assert_int_equal(cs_coap_block_decode(0x0642, false, &d), CS_OK);
    assert_int_equal(d.num, 100);
    assert_false(d.more);
    assert_int_equal(d.szx, 2);
    assert_int_equal(cs_coap_block_decode(0, false, &d), CS_OK);
    assert_int_equal(d.num, 0);
    assert_false(d.more);
    assert_int_equal(d.szx, 0);
    assert_int_equal(cs_coap_block_decode(0xFFFFFE, false, &d), CS_OK);
    assert_int_equal(d.num, CS_COAP_BLOCK_NUM_MAX);
    assert_true(d.more);
    assert_int_equal(cs_coap_block_decode(0x0F, false, &d), CS_E_RANGE);
    assert_int_equal(cs_coap_block_decode(0x0F, true, &d), CS_OK);
    assert_int_equal(cs_coap_block_decode(0x1000000, false, &d), CS_E_RANGE);

    assert_int_equal(cs_coap_block_size(0), 16);
    assert_int_equal(cs_coap_block_size(2), 64);
    assert_int_equal(cs_coap_block_size(6), 1024);
}

static void block_options_in_messages(void **state)
{
    (void)state;
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_PUT, 1);
    cs_coap_block b1 = { 100, false, 2 }, b2 = { 0, true, 6 };
    assert_int_equal(cs_coap_add_block(&msg, CS_COAP_OPT_BLOCK1, &b1), CS_OK);
    assert_int_equal(cs_coap_add_block(&msg, CS_COAP_OPT_BLOCK2, &b2), CS_OK);
    expect_bytes(&msg, "40 03 00 01 d1 0a 0e 42 06 42");
    cs_coap_block bad = { 0, false, 7 };
    assert_int_equal(cs_coap_add_block(&msg, CS_COAP_OPT_BLOCK1, &bad),
                     CS_E_RANGE);

    cs_coap_block got;
    assert_int_equal(cs_coap_get_block(&msg, CS_COAP_OPT_BLOCK1, false, &got),
                     CS_OK);
    assert_int_equal(got.num, 100);
    assert_int_equal(got.szx, 2);
    assert_int_equal(cs_coap_get_block(&msg, CS_COAP_OPT_BLOCK2, false, &got),
                     CS_OK);
    assert_true(got.more);
    assert_int_equal(got.szx, 6);

    /* Parsed: Block2 empty = 0/0/16 bytes; SZX 7 refused without BERT. */
    expect_round_trip("40 01 00 01 d0 0a", &msg);
    assert_int_equal(cs_coap_get_block(&msg, CS_COAP_OPT_BLOCK2, false, &got),
                     CS_OK);
    assert_int_equal(got.num, 0);
    assert_false(got.more);
    assert_int_equal(got.szx, 0);
    assert_int_equal(cs_coap_get_block(&msg, CS_COAP_OPT_BLOCK1, false, &got),
                     CS_E_NOT_FOUND);
    expect_round_trip("40 01 00 01 d1 0e 17", &msg);
    assert_int_equal(cs_coap_get_block(&msg, CS_COAP_OPT_BLOCK1, false, &got),
                     CS_E_RANGE);
    assert_int_equal(cs_coap_get_block(&msg, CS_COAP_OPT_BLOCK1, true, &got),
                     CS_OK);
    assert_int_equal(got.num, 1);
}

/* ---- Critical options and code helpers --------------------------------- */

static void critical_option_check(void **state)
{
    (void)state;
    cs_coap_msg msg;
    uint16_t bad = 0;
    /* Uri-Path "a" then unknown critical option 2049 (11 + 2038). */
    expect_round_trip("40 01 00 00 b1 61 e0 06 e9", &msg);
    assert_int_equal(msg.options[1].number, 2049);
    assert_int_equal(cs_coap_check_critical(&msg, NULL, 0, &bad),
                     CS_E_BAD_OPTION);
    assert_int_equal(bad, 2049);
    const uint16_t knows_it[] = { CS_COAP_OPT_URI_PATH, 2049 };
    assert_int_equal(cs_coap_check_critical(&msg, knows_it, 2, &bad), CS_OK);

    /* A caller that only knows Uri-Path refuses Uri-Host, the first one. */
    expect_round_trip("40 01 00 00 31 68 81 61 e0 06 e9", &msg);
    const uint16_t only_path[] = { CS_COAP_OPT_URI_PATH };
    bad = 0;
    assert_int_equal(cs_coap_check_critical(&msg, only_path, 1, &bad),
                     CS_E_BAD_OPTION);
    assert_int_equal(bad, CS_COAP_OPT_URI_HOST);

    /* Unknown elective options never fail the check. */
    expect_round_trip("40 01 00 00 e0 06 f1 d0 00", &msg);   /* 2046, 2059 */
    assert_int_equal(msg.options[1].number, 2059);
    assert_int_equal(cs_coap_check_critical(&msg, NULL, 0, &bad),
                     CS_E_BAD_OPTION);
    assert_int_equal(bad, 2059);
    expect_round_trip("40 01 00 00 e0 06 f1 00", &msg);
    assert_int_equal(cs_coap_check_critical(&msg, NULL, 0, &bad), CS_OK);
    assert_int_equal(cs_coap_check_critical(&msg, only_path, 1, NULL), CS_OK);
}

static void option_number_properties(void **state)
{
    (void)state;
    assert_true(cs_coap_opt_is_critical(CS_COAP_OPT_URI_PATH));
    assert_true(cs_coap_opt_is_critical(CS_COAP_OPT_BLOCK2));
    assert_false(cs_coap_opt_is_critical(CS_COAP_OPT_CONTENT_FORMAT));
    assert_false(cs_coap_opt_is_critical(CS_COAP_OPT_OBSERVE));
    assert_true(cs_coap_opt_is_unsafe(CS_COAP_OPT_URI_HOST));
    assert_true(cs_coap_opt_is_unsafe(CS_COAP_OPT_MAX_AGE));
    assert_false(cs_coap_opt_is_unsafe(CS_COAP_OPT_ETAG));
    assert_false(cs_coap_opt_is_unsafe(CS_COAP_OPT_CONTENT_FORMAT));
    assert_true(cs_coap_opt_is_no_cache_key(CS_COAP_OPT_SIZE1));
    assert_true(cs_coap_opt_is_no_cache_key(CS_COAP_OPT_SIZE2));
    assert_true(cs_coap_opt_is_no_cache_key(CS_COAP_OPT_ECHO));
    assert_false(cs_coap_opt_is_no_cache_key(CS_COAP_OPT_ETAG));
    assert_false(cs_coap_opt_is_no_cache_key(CS_COAP_OPT_REQUEST_TAG));
    assert_true(cs_coap_opt_is_known(CS_COAP_OPT_REQUEST_TAG));
    assert_true(cs_coap_opt_is_known(CS_COAP_OPT_IF_MATCH));
    assert_false(cs_coap_opt_is_known(2));
    assert_false(cs_coap_opt_is_known(293));
}

static void code_helpers(void **state)
{
    (void)state;
    char text[CS_COAP_CODE_TEXT_MAX];
    cs_coap_code_text(CS_COAP_CODE_CONTENT, text);
    assert_string_equal(text, "2.05");
    cs_coap_code_text(CS_COAP_CODE_CONTINUE, text);
    assert_string_equal(text, "2.31");
    cs_coap_code_text(CS_COAP_CODE_UNSUPPORTED_CONTENT_FORMAT, text);
    assert_string_equal(text, "4.15");
    cs_coap_code_text(CS_COAP_CODE_SERVICE_UNAVAILABLE, text);
    assert_string_equal(text, "5.03");
    cs_coap_code_text(CS_COAP_CODE_EMPTY, text);
    assert_string_equal(text, "0.00");
    assert_int_equal(CS_COAP_CODE_CONTENT, 0x45);
    assert_int_equal(CS_COAP_CODE_IPATCH, 0x07);
    assert_int_equal(CS_COAP_CODE_REQUEST_ENTITY_TOO_LARGE, 0x8d);
    assert_int_equal(cs_err_coap_code(CS_E_TOO_LARGE),
                     CS_COAP_CODE_REQUEST_ENTITY_TOO_LARGE);
    assert_true(cs_coap_code_is_request(CS_COAP_CODE_FETCH));
    assert_false(cs_coap_code_is_request(CS_COAP_CODE_EMPTY));
    assert_true(cs_coap_code_is_response(CS_COAP_CODE_NOT_FOUND));
    assert_false(cs_coap_code_is_response(CS_COAP_CODE_GET));
    assert_true(cs_coap_code_is_reserved(CS_COAP_CODE(1, 0)));
    assert_true(cs_coap_code_is_reserved(CS_COAP_CODE(7, 31)));
    assert_false(cs_coap_code_is_reserved(CS_COAP_CODE_INTERNAL_SERVER_ERROR));
    assert_int_equal(cs_coap_code_class(0xa3), 5);
    assert_int_equal(cs_coap_code_detail(0xa3), 3);
    /* A reserved class still parses: rejecting it is the message layer's
     * job. */
    expect_parse("40 21 00 00", CS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7252_figure16),
        cmocka_unit_test(rfc7252_figure17),
        cmocka_unit_test(rfc7252_figures20_to_22),
        cmocka_unit_test(option_delta_and_length_forms),
        cmocka_unit_test(option_deltas_accumulate),
        cmocka_unit_test(truncated_at_every_offset),
        cmocka_unit_test(reserved_token_lengths),
        cmocka_unit_test(reserved_nibbles),
        cmocka_unit_test(option_number_overflow),
        cmocka_unit_test(payload_marker_without_payload),
        cmocka_unit_test(empty_message_rules),
        cmocka_unit_test(version_must_be_one),
        cmocka_unit_test(peek_header_for_reset),
        cmocka_unit_test(critical_option_bad_length),
        cmocka_unit_test(elective_option_bad_length_is_dropped),
        cmocka_unit_test(non_repeatable_options),
        cmocka_unit_test(option_count_bound),
        cmocka_unit_test(canonical_round_trips),
        cmocka_unit_test(serialize_sorts_options),
        cmocka_unit_test(serialize_errors),
        cmocka_unit_test(uint_options),
        cmocka_unit_test(option_builder_limits),
        cmocka_unit_test(uri_path_and_query),
        cmocka_unit_test(path_splitting_edges),
        cmocka_unit_test(content_format_and_accept),
        cmocka_unit_test(block_values),
        cmocka_unit_test(block_options_in_messages),
        cmocka_unit_test(critical_option_check),
        cmocka_unit_test(option_number_properties),
        cmocka_unit_test(code_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
