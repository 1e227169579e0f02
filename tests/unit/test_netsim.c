/*
 * test_netsim.c - the core-network emulator's engine: subscriber records
 * and their checks, the address pool (lowest free address, reuse after a
 * detach), the Accounting-Requests each attach, detach, re-attach and
 * gateway restart sends to every server (decoded and checked field by
 * field), and retransmission until answered.
 */
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/netsim.h"
#include "cellstrap/radius.h"
#include "cellstrap/digest.h"
#include "cellstrap/gba.h"
#include "cellstrap/usim.h"

#define SECRET "s3cret"
#define MAX_SENT 64

static struct sent {
    cs_addr to;
    uint8_t data[4096];
    size_t len;
} g_sent[MAX_SENT];
static size_t g_sent_count;
static int g_sessions_started, g_sessions_ended;

static cs_err capture(void *ctx, const cs_addr *to, const uint8_t *data, size_t len)
{
    (void)ctx;
    assert_true(g_sent_count < MAX_SENT);
    g_sent[g_sent_count].to = *to;
    memcpy(g_sent[g_sent_count].data, data, len);
    g_sent[g_sent_count++].len = len;
    return CS_OK;
}

static void count_sessions(void *ctx, const cs_subscriber *sub,
                           const cs_netsim_session *s)
{
    (void)ctx;
    (void)sub;
    if (s != NULL)
        g_sessions_started++;
    else
        g_sessions_ended++;
}

static cs_netsim *new_netsim(uint32_t pool_size, int servers)
{
    g_sent_count = 0;
    g_sessions_started = g_sessions_ended = 0;
    cs_netsim_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.pool_first = cs_addr_ipv4(10, 20, 30, 40, 0);
    cfg.pool_size = pool_size;
    cfg.nas_ip[0] = 192; cfg.nas_ip[1] = 0; cfg.nas_ip[2] = 2; cfg.nas_ip[3] = 1;
    cfg.default_apn = "iot.example";
    cfg.sgsn_mcc_mnc = "00101";
    cfg.send = capture;
    cfg.on_session = count_sessions;
    cs_netsim *ns;
    assert_int_equal(cs_netsim_new(&cfg, &ns), CS_OK);
    for (int i = 0; i < servers; i++) {
        cs_addr a = cs_addr_ipv4(127, 0, 0, 1, (uint16_t)(1813 + i));
        assert_int_equal(cs_netsim_add_accounting(ns, &a, (const uint8_t *)SECRET,
                                                  strlen(SECRET)), CS_OK);
    }
    return ns;
}

static cs_subscriber subscriber(const char *imsi)
{
    cs_subscriber s;
    memset(&s, 0, sizeof s);
    strcpy(s.imsi, imsi);
    s.mnc_length = 2;
    strcpy(s.msisdn, "491701234567");
    strcpy(s.imeisv, "3534900612345601");
    return s;
}

/* Decode sent datagram i as an Accounting-Request with our secret. */
static cs_radius_acct decode_sent(size_t i)
{
    cs_radius_packet pkt;
    assert_int_equal(cs_radius_parse(g_sent[i].data, g_sent[i].len, &pkt), CS_OK);
    assert_int_equal(pkt.code, CS_RADIUS_ACCOUNTING_REQUEST);
    assert_int_equal(cs_radius_verify_request(&pkt, (const uint8_t *)SECRET,
                                              strlen(SECRET)), CS_OK);
    cs_radius_acct a;
    assert_int_equal(cs_radius_acct_decode(&pkt, &a), CS_OK);
    return a;
}

static void subscriber_records(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(4, 1);
    const char *why = NULL;
    cs_subscriber s = subscriber("001010000000002");
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, &why), CS_OK);
    s = subscriber("001010000000001");
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, &why), CS_OK);
    assert_non_null(cs_netsim_find(ns, "001010000000001"));
    assert_null(cs_netsim_find(ns, "001010000000003"));
    /* Bad fields, each refused with a reason. */
    s = subscriber("0010");
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, &why), CS_E_SYNTAX);
    assert_non_null(strstr(why, "imsi"));
    s = subscriber("001010000000009");
    strcpy(s.imeisv, "35349006");
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, &why), CS_E_SYNTAX);
    s = subscriber("001010000000009");
    s.mnc_length = 4;
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, &why), CS_E_SYNTAX);
    /* An attached subscriber can be neither replaced nor removed. */
    assert_int_equal(cs_netsim_attach(ns, "001010000000001", NULL, 0, 1000), CS_OK);
    s = subscriber("001010000000001");
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, &why), CS_E_BUSY);
    assert_int_equal(cs_netsim_remove_subscriber(ns, "001010000000001"), CS_E_BUSY);
    assert_int_equal(cs_netsim_remove_subscriber(ns, "001010000000002"), CS_OK);
    assert_int_equal(cs_netsim_remove_subscriber(ns, "001010000000002"), CS_E_NOT_FOUND);
    assert_int_equal(cs_netsim_attach(ns, "001010000000002", NULL, 0, 1000),
                     CS_E_NOT_FOUND);
    cs_netsim_free(ns);
}

static void attach_detach_accounting(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(4, 2);
    cs_subscriber s = subscriber("001010123456789");
    assert_int_equal(cs_netsim_put_subscriber(ns, &s, NULL), CS_OK);
    assert_int_equal(cs_netsim_attach(ns, s.imsi, NULL, 0, 1000), CS_OK);
    assert_int_equal(g_sent_count, 2);                /* one per server */
    assert_int_equal(g_sent[0].to.port, 1813);
    assert_int_equal(g_sent[1].to.port, 1814);
    cs_radius_acct a = decode_sent(0);
    assert_int_equal(a.status_type, CS_RADIUS_ACCT_START);
    assert_string_equal(a.imsi, "001010123456789");
    assert_string_equal(a.user_name, "001010123456789");
    assert_string_equal(a.msisdn, "491701234567");
    assert_string_equal(a.imeisv, "3534900612345601");
    assert_string_equal(a.apn, "iot.example");
    assert_string_equal(a.sgsn_mcc_mnc, "00101");
    assert_int_equal(a.rat_type, 6);
    assert_int_equal(a.event_timestamp, 1000);
    static const uint8_t first[4] = { 10, 20, 30, 40 }, nas[4] = { 192, 0, 2, 1 };
    assert_memory_equal(a.framed_ip, first, 4);
    assert_memory_equal(a.nas_ip, nas, 4);
    const cs_netsim_session *ses = cs_netsim_session_of(ns, s.imsi);
    assert_non_null(ses);
    assert_string_equal(a.session_id, ses->session_id);
    assert_int_equal(g_sessions_started, 1);

    /* Detach: Stop with the session's time, the address free again. */
    assert_int_equal(cs_netsim_detach(ns, s.imsi, 0, 1030), CS_OK);
    a = decode_sent(2);
    assert_int_equal(a.status_type, CS_RADIUS_ACCT_STOP);
    assert_int_equal(a.session_time, 30);
    assert_memory_equal(a.framed_ip, first, 4);
    assert_null(cs_netsim_session_of(ns, s.imsi));
    assert_int_equal(cs_netsim_detach(ns, s.imsi, 0, 1030), CS_E_NOT_FOUND);
    assert_int_equal(g_sessions_ended, 1);
    cs_netsim_free(ns);
}

static void pool_and_reattach(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(2, 1);
    cs_subscriber a = subscriber("001010000000001"), b = subscriber("001010000000002"),
                  c = subscriber("001010000000003");
    cs_netsim_put_subscriber(ns, &a, NULL);
    cs_netsim_put_subscriber(ns, &b, NULL);
    cs_netsim_put_subscriber(ns, &c, NULL);
    assert_int_equal(cs_netsim_attach(ns, a.imsi, NULL, 0, 1), CS_OK);
    assert_int_equal(cs_netsim_attach(ns, b.imsi, "other.apn", 0, 1), CS_OK);
    assert_string_equal(cs_netsim_session_of(ns, b.imsi)->apn, "other.apn");
    assert_int_equal(cs_netsim_attach(ns, c.imsi, NULL, 0, 1), CS_E_BUSY);
    /* A's address goes to C after A detaches. */
    cs_addr a_addr = cs_netsim_session_of(ns, a.imsi)->address;
    cs_netsim_detach(ns, a.imsi, 0, 2);
    assert_int_equal(cs_netsim_attach(ns, c.imsi, NULL, 0, 3), CS_OK);
    assert_true(cs_addr_equal(&cs_netsim_session_of(ns, c.imsi)->address, &a_addr));
    /* Re-attach of B: Stop, then Start with a new attach id and session. */
    uint64_t id = cs_netsim_session_of(ns, b.imsi)->attach_id;
    char old_session[17];
    strcpy(old_session, cs_netsim_session_of(ns, b.imsi)->session_id);
    size_t before = g_sent_count;
    assert_int_equal(cs_netsim_attach(ns, b.imsi, NULL, 0, 4), CS_OK);
    assert_int_equal(g_sent_count, before + 2);
    assert_int_equal(decode_sent(before).status_type, CS_RADIUS_ACCT_STOP);
    assert_string_equal(decode_sent(before).session_id, old_session);
    assert_int_equal(decode_sent(before + 1).status_type, CS_RADIUS_ACCT_START);
    assert_true(cs_netsim_session_of(ns, b.imsi)->attach_id > id);
    assert_string_not_equal(cs_netsim_session_of(ns, b.imsi)->session_id, old_session);
    cs_netsim_free(ns);
}

/* With room in the pool, a re-attach gets another address. */
static void reattach_moves_address(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(4, 1);
    cs_subscriber a = subscriber("001010000000001");
    cs_netsim_put_subscriber(ns, &a, NULL);
    cs_netsim_attach(ns, a.imsi, NULL, 0, 1);
    cs_addr first = cs_netsim_session_of(ns, a.imsi)->address;
    cs_netsim_attach(ns, a.imsi, NULL, 0, 2);
    cs_addr second = cs_netsim_session_of(ns, a.imsi)->address;
    assert_false(cs_addr_equal(&first, &second));
    /* The Start for the new session carries the new address. */
    static const uint8_t want[4] = { 10, 20, 30, 41 };
    assert_memory_equal(decode_sent(g_sent_count - 1).framed_ip, want, 4);
    cs_netsim_free(ns);
}

static void gateway_restart(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(8, 1);
    cs_subscriber a = subscriber("001010000000001");
    cs_netsim_put_subscriber(ns, &a, NULL);
    assert_int_equal(cs_netsim_gateway_on(ns, 0, 5), CS_OK);
    assert_int_equal(decode_sent(0).status_type, CS_RADIUS_ACCT_ON);
    cs_netsim_attach(ns, a.imsi, NULL, 0, 6);
    size_t before = g_sent_count;
    assert_int_equal(cs_netsim_gateway_off(ns, 0, 7), CS_OK);
    /* No Stop per session: one Accounting-Off says they are all gone. */
    assert_int_equal(g_sent_count, before + 1);
    assert_int_equal(decode_sent(before).status_type, CS_RADIUS_ACCT_OFF);
    assert_null(cs_netsim_session_of(ns, a.imsi));
    assert_int_equal(g_sessions_ended, 1);
    cs_netsim_free(ns);
}

/* An unanswered request is sent again, byte for byte; an answer ends it. */
static void retransmit_until_answered(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(8, 1);
    cs_subscriber a = subscriber("001010000000001");
    cs_netsim_put_subscriber(ns, &a, NULL);
    cs_netsim_attach(ns, a.imsi, NULL, 0, 1);
    assert_int_equal(cs_netsim_unanswered(ns), 1);
    uint64_t t = cs_netsim_next_deadline(ns);
    assert_true(t > 0 && t < 60000);
    cs_netsim_tick(ns, t);
    assert_int_equal(g_sent_count, 2);
    assert_int_equal(g_sent[1].len, g_sent[0].len);
    assert_memory_equal(g_sent[1].data, g_sent[0].data, g_sent[0].len);
    /* The server's answer: an empty Accounting-Response. */
    cs_radius_packet req;
    assert_int_equal(cs_radius_parse(g_sent[0].data, g_sent[0].len, &req), CS_OK);
    uint8_t rsp[64];
    cs_radius_writer w;
    cs_radius_writer_init(&w, rsp, sizeof rsp, CS_RADIUS_ACCOUNTING_RESPONSE,
                          g_sent[0].data[1]);
    size_t len;
    assert_int_equal(cs_radius_finish_response(&w, g_sent[0].data + 4,
                                               (const uint8_t *)SECRET,
                                               strlen(SECRET), &len), CS_OK);
    cs_addr server = cs_addr_ipv4(127, 0, 0, 1, 1813);
    assert_int_equal(cs_netsim_receive(ns, t, &server, rsp, len), CS_OK);
    assert_int_equal(cs_netsim_unanswered(ns), 0);
    cs_netsim_tick(ns, t + 600000);
    assert_int_equal(g_sent_count, 2);
    cs_netsim_free(ns);
}

/* ---- GBA: the BSF's Ub and Zn, against a USIM on the device side ---- */

static int hexv(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void unhex(const char *h, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(hexv(h[2 * i]) << 4 | hexv(h[2 * i + 1]));
}

#define IMPI "001010123456789@ims.mnc001.mcc001.3gppnetwork.org"

/* The device's credentials for challenge `www` with password pw (RES, or
 * empty with auts for a resynchronisation). */
static void credentials(const char *www, const uint8_t *pw, size_t pw_len,
                        const char *auts, char *out, size_t cap)
{
    cs_digest_params ch, cr;
    assert_int_equal(cs_digest_parse(www, strlen(www), &ch), CS_OK);
    const char *realm = cs_digest_get(&ch, "realm"), *nonce = cs_digest_get(&ch, "nonce");
    char ha1[33], ha2[33], resp[33];
    assert_int_equal(cs_digest_ha1(IMPI, realm, pw, pw_len, ha1), CS_OK);
    assert_int_equal(cs_digest_ha2("GET", "/", CS_DIGEST_QOP_AUTH_INT, NULL, 0, ha2), CS_OK);
    assert_int_equal(cs_digest_response(ha1, nonce, "00000001", "0a4f113b",
                                        CS_DIGEST_QOP_AUTH_INT, ha2, resp), CS_OK);
    cs_digest_init(&cr);
    cs_digest_add(&cr, "username", IMPI, true);
    cs_digest_add(&cr, "realm", realm, true);
    cs_digest_add(&cr, "nonce", nonce, true);
    cs_digest_add(&cr, "uri", "/", true);
    cs_digest_add(&cr, "qop", "auth-int", false);
    cs_digest_add(&cr, "nc", "00000001", false);
    cs_digest_add(&cr, "cnonce", "0a4f113b", true);
    cs_digest_add(&cr, "response", resp, true);
    cs_digest_add(&cr, "opaque", cs_digest_get(&ch, "opaque"), true);
    if (auts != NULL)
        cs_digest_add(&cr, "auts", auts, true);
    assert_int_equal(cs_digest_write(&cr, out, cap, NULL), CS_OK);
}

static void challenge_rand_autn(const char *www, uint8_t rand[16], uint8_t autn[16])
{
    cs_digest_params ch;
    assert_int_equal(cs_digest_parse(www, strlen(www), &ch), CS_OK);
    assert_string_equal(cs_digest_get(&ch, "algorithm"), "AKAv1-MD5");
    assert_int_equal(cs_digest_aka_nonce_decode(cs_digest_get(&ch, "nonce"), rand,
                                                autn, NULL, 0, NULL), CS_OK);
}

static void zn(cs_netsim *ns, const char *user, const char *pw, const char *btid,
               const char *fqdn, int64_t now, cs_bsf_reply *r)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"btid\": \"%s\", \"naf_fqdn\": \"%s\", \"ua_id\": \"010001c0a8\"}",
             btid, fqdn);
    cs_netsim_zn(ns, user, pw, (const uint8_t *)body, strlen(body), now, r);
}

static void gba_bsf(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(4, 0);
    cs_subscriber sub = subscriber("001010123456789");
    unhex("465b5ce8b199b49faa5f0a2ee238a6bc", sub.k, 16);     /* set 1 */
    unhex("cd63cb71954a9f4e48a5994e37a02baf", sub.opc, 16);
    assert_int_equal(cs_netsim_put_subscriber(ns, &sub, NULL), CS_OK);
    assert_int_equal(cs_netsim_bsf_config(ns, "bsf.example.net", 600), CS_OK);
    assert_int_equal(cs_netsim_add_naf(ns, "bs", "zn-secret", "bs.example.com"), CS_OK);
    cs_usim card;
    cs_usim_init(&card, sub.k, sub.opc);
    cs_bsf_reply *r = calloc(1, sizeof *r);
    char auth[2048];
    uint8_t rand[16], autn[16];

    /* Unknown IMPI, no Authorization. */
    cs_netsim_ub(ns, "GET", "/", "Digest username=\"999990000000001@ims.mnc001.mcc999.3gppnetwork.org\"",
                 NULL, 0, 100, r);
    assert_int_equal(r->status, 403);
    cs_netsim_ub(ns, "GET", "/", NULL, NULL, 0, 100, r);
    assert_int_equal(r->status, 400);

    /* Challenge, AUTHENTICATE, answer: a bootstrapping session. */
    cs_netsim_ub(ns, "GET", "/", "Digest username=\"" IMPI "\", realm=\"bsf.example.net\", "
                 "nonce=\"\", uri=\"/\", response=\"\"", NULL, 0, 100, r);
    assert_int_equal(r->status, 401);
    char www[1024];
    strcpy(www, r->www_authenticate);
    challenge_rand_autn(www, rand, autn);
    cs_aka_result res;
    assert_int_equal(cs_usim_authenticate(&card, rand, autn, &res), CS_AKA_SUCCESS);
    credentials(www, res.res, sizeof res.res, NULL, auth, sizeof auth);
    cs_netsim_ub(ns, "GET", "/", auth, NULL, 0, 101, r);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->content_type, "application/vnd.3gpp.bsf+xml");
    char btid[256];
    const char *b0 = strstr(r->body, "<btid>") + 6, *b1 = strstr(r->body, "</btid>");
    memcpy(btid, b0, (size_t)(b1 - b0));
    btid[b1 - b0] = '\0';
    assert_non_null(strstr(btid, "@bsf.example.net"));
    /* The same answer again: the nonce was used up. */
    cs_netsim_ub(ns, "GET", "/", auth, NULL, 0, 101, r);
    assert_int_equal(r->status, 401);

    /* Zn: the NAF gets the key the device derives. */
    uint8_t ks[CS_GBA_KS_LEN], mine[CS_GBA_KEY_LEN], theirs[CS_GBA_KEY_LEN];
    cs_gba_ks(res.ck, res.ik, ks);
    static const uint8_t ua[CS_UA_ID_LEN] = CS_UA_ID_TLS_PSK_AES_128_CCM_8;
    assert_int_equal(cs_gba_ks_naf(ks, rand, IMPI, "bs.example.com", ua, mine), CS_OK);
    zn(ns, "bs", "zn-secret", btid, "bs.example.com", 200, r);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "\"impi\":\"" IMPI "\""));
    const char *k = strstr(r->body, "\"ks_naf\":\"") + 10;
    unhex(k, theirs, sizeof theirs);
    assert_memory_equal(mine, theirs, sizeof mine);
    /* Refusals: no credentials, wrong secret, another NAF's FQDN, unknown
     * and expired B-TIDs. */
    cs_netsim_zn(ns, NULL, NULL, (const uint8_t *)"{}", 2, 200, r);
    assert_int_equal(r->status, 401);
    zn(ns, "bs", "zn-secreT", btid, "bs.example.com", 200, r);
    assert_int_equal(r->status, 403);
    zn(ns, "bs", "zn-secret", btid, "other.example.com", 200, r);
    assert_int_equal(r->status, 403);
    zn(ns, "bs", "zn-secret", "AAAA@bsf.example.net", "bs.example.com", 200, r);
    assert_int_equal(r->status, 404);
    assert_non_null(strstr(r->body, "5401"));
    zn(ns, "bs", "zn-secret", btid, "bs.example.com", 101 + 600, r);
    assert_int_equal(r->status, 404);
    assert_non_null(strstr(r->body, "5403"));

    /* A wrong RES is refused. */
    cs_netsim_ub(ns, "GET", "/", "Digest username=\"" IMPI "\", nonce=\"\"", NULL, 0, 300, r);
    strcpy(www, r->www_authenticate);
    challenge_rand_autn(www, rand, autn);
    assert_int_equal(cs_usim_authenticate(&card, rand, autn, &res), CS_AKA_SUCCESS);
    res.res[0] ^= 1;
    credentials(www, res.res, sizeof res.res, NULL, auth, sizeof auth);
    cs_netsim_ub(ns, "GET", "/", auth, NULL, 0, 301, r);
    assert_int_equal(r->status, 403);

    /* The card is ahead of the network: AUTS, resynchronisation, success. */
    uint64_t ahead[CS_AKA_IND_COUNT] = { 0 };
    ahead[0] = 1000;
    assert_int_equal(cs_usim_sqn_state_set(&card, ahead), CS_OK);
    cs_netsim_ub(ns, "GET", "/", "Digest username=\"" IMPI "\", nonce=\"\"", NULL, 0, 400, r);
    strcpy(www, r->www_authenticate);
    challenge_rand_autn(www, rand, autn);
    assert_int_equal(cs_usim_authenticate(&card, rand, autn, &res), CS_AKA_SYNC_FAILURE);
    char auts[CS_AKA_AUTS_B64_MAX];
    cs_digest_auts_encode(res.auts, auts);
    credentials(www, (const uint8_t *)"", 0, auts, auth, sizeof auth);
    cs_netsim_ub(ns, "GET", "/", auth, NULL, 0, 401, r);
    assert_int_equal(r->status, 401);                /* a new challenge */
    strcpy(www, r->www_authenticate);
    challenge_rand_autn(www, rand, autn);
    assert_int_equal(cs_usim_authenticate(&card, rand, autn, &res), CS_AKA_SUCCESS);
    credentials(www, res.res, sizeof res.res, NULL, auth, sizeof auth);
    cs_netsim_ub(ns, "GET", "/", auth, NULL, 0, 402, r);
    assert_int_equal(r->status, 200);
    /* A card with another K cannot answer (MAC failure on the card). */
    cs_usim other;
    uint8_t k2[16] = { 1 };
    cs_usim_init(&other, k2, sub.opc);
    cs_netsim_ub(ns, "GET", "/", "Digest username=\"" IMPI "\", nonce=\"\"", NULL, 0, 500, r);
    challenge_rand_autn(r->www_authenticate, rand, autn);
    assert_int_equal(cs_usim_authenticate(&other, rand, autn, &res), CS_AKA_MAC_FAILURE);
    cs_usim_wipe(&other);
    cs_usim_wipe(&card);
    free(r);
    cs_netsim_free(ns);
}

/* AKMA: a primary authentication at attach; the AAnF's K_AF equals what
 * the device derives from its USIM's answer. */
static void akma_aanf(void **state)
{
    (void)state;
    cs_netsim *ns = new_netsim(4, 0);
    cs_subscriber sub = subscriber("001010123456789");
    unhex("465b5ce8b199b49faa5f0a2ee238a6bc", sub.k, 16);
    unhex("cd63cb71954a9f4e48a5994e37a02baf", sub.opc, 16);
    assert_int_equal(cs_netsim_put_subscriber(ns, &sub, NULL), CS_OK);
    assert_int_equal(cs_netsim_add_naf(ns, "bs", "af-secret", "bs.example.com"), CS_OK);
    /* Without the AAnF: no primary authentication. */
    assert_int_equal(cs_netsim_attach(ns, sub.imsi, NULL, 0, 100), CS_OK);
    assert_false(cs_netsim_session_of(ns, sub.imsi)->has_aka);
    assert_int_equal(cs_netsim_enable_aanf(ns, 600), CS_OK);
    assert_int_equal(cs_netsim_attach(ns, sub.imsi, NULL, 0, 100), CS_OK);
    const cs_netsim_session *ses = cs_netsim_session_of(ns, sub.imsi);
    assert_true(ses->has_aka);

    /* The device: AUTHENTICATE, K_AUSF, K_AKMA, A-KID, K_AF. */
    cs_usim card;
    cs_usim_init(&card, sub.k, sub.opc);
    cs_aka_result res;
    assert_int_equal(cs_usim_authenticate(&card, ses->aka_rand, ses->aka_autn, &res),
                     CS_AKA_SUCCESS);
    char snn[128], realm[128], akid[CS_AKMA_AKID_MAX + 1];
    uint8_t k_ausf[32], k_akma[32], a_tid[32], k_af[32], theirs[32];
    assert_int_equal(cs_akma_serving_network_name(sub.imsi, 2, snn, sizeof snn), CS_OK);
    assert_int_equal(cs_akma_k_ausf_5g_aka(res.ck, res.ik, snn, ses->aka_autn, k_ausf),
                     CS_OK);
    assert_int_equal(cs_akma_k_akma(k_ausf, sub.imsi, k_akma), CS_OK);
    assert_int_equal(cs_akma_a_tid(k_ausf, sub.imsi, a_tid), CS_OK);
    assert_int_equal(cs_akma_realm_from_imsi(sub.imsi, 2, realm, sizeof realm), CS_OK);
    assert_int_equal(cs_akma_akid("0", a_tid, realm, akid, sizeof akid), CS_OK);
    static const uint8_t ua[CS_UA_ID_LEN] = CS_UA_ID_TLS_PSK_AES_128_CCM_8;
    assert_int_equal(cs_akma_k_af(k_akma, "bs.example.com", ua, k_af), CS_OK);

    cs_bsf_reply *r = calloc(1, sizeof *r);
    char body[512];
    snprintf(body, sizeof body,
             "{\"a_kid\": \"%s\", \"af_fqdn\": \"bs.example.com\", \"ua_id\": \"010001c0a8\"}",
             akid);
    cs_netsim_aanf(ns, "bs", "af-secret", (const uint8_t *)body, strlen(body), 200, r);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "\"supi\":\"001010123456789\""));
    unhex(strstr(r->body, "\"k_af\":\"") + 8, theirs, sizeof theirs);
    assert_memory_equal(k_af, theirs, sizeof k_af);
    /* Refusals: wrong secret, another AF's name, unknown and expired A-KIDs. */
    cs_netsim_aanf(ns, "bs", "nope", (const uint8_t *)body, strlen(body), 200, r);
    assert_int_equal(r->status, 403);
    cs_netsim_aanf(ns, "bs", "af-secret", (const uint8_t *)body, strlen(body), 100 + 600, r);
    assert_int_equal(r->status, 404);
    snprintf(body, sizeof body,
             "{\"a_kid\": \"0.x@%s\", \"af_fqdn\": \"bs.example.com\", \"ua_id\": \"010001c0a8\"}",
             realm);
    cs_netsim_aanf(ns, "bs", "af-secret", (const uint8_t *)body, strlen(body), 200, r);
    assert_int_equal(r->status, 404);
    /* A new attach: a new anchor; the old A-KID is gone. */
    assert_int_equal(cs_netsim_attach(ns, sub.imsi, NULL, 0, 300), CS_OK);
    snprintf(body, sizeof body,
             "{\"a_kid\": \"%s\", \"af_fqdn\": \"bs.example.com\", \"ua_id\": \"010001c0a8\"}",
             akid);
    cs_netsim_aanf(ns, "bs", "af-secret", (const uint8_t *)body, strlen(body), 300, r);
    assert_int_equal(r->status, 404);
    cs_aka_result_wipe(&res);
    cs_usim_wipe(&card);
    free(r);
    cs_netsim_free(ns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subscriber_records),
        cmocka_unit_test(attach_detach_accounting),
        cmocka_unit_test(pool_and_reattach),
        cmocka_unit_test(reattach_moves_address),
        cmocka_unit_test(gateway_restart),
        cmocka_unit_test(retransmit_until_answered),
        cmocka_unit_test(gba_bsf),
        cmocka_unit_test(akma_aanf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
