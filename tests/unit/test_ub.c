/*
 * test_ub.c - the device's GBA client over Ub (cs_gba_bootstrap) against a
 * small BSF written here on cs_http_server after docs/gba.md: vectors
 * from a K/OPc with SQN bookkeeping, Digest AKA checks, resynchronisation,
 * BootstrappingInfo.  The BSF runs on a cs_loop in this thread, the
 * blocking client in another, the card behind an emulated modem file.
 * Success (B-TID, Ks and Ks_NAF agree on both sides), one resynchronisation,
 * a stale BSF, a card with another key, refusals, bad challenges and
 * bodies, an unreachable BSF.  Then the BootstrappingInfo parser alone:
 * good documents and each thing it must refuse.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_support.h"
#include "cellstrap/digest.h"
#include "cellstrap/gba.h"
#include "cellstrap/http.h"
#include "cellstrap/io.h"
#include "cellstrap/ub.h"
#include "cellstrap/usim.h"

#define IMPI "001010123456789@ims.mnc001.mcc001.3gppnetwork.org"
#define DOMAIN "bsf.mnc001.mcc001.pub.3gppnetwork.org"
#define NAF "lwm2m-bs.mnc001.mcc001.pub.3gppnetwork.org"
#define LIFETIME_TEXT "2026-12-05T10:00:00Z"
#define LIFETIME INT64_C(1796464800)
#define CARD_K "465b5ce8b199b49faa5f0a2ee238a6bc"     /* REFERENCE §2.2 set 1 */
#define CARD_OPC "cd63cb71954a9f4e48a5994e37a02baf"
#define OPAQUE "5ccc069c403ebaf9f0171e9517f40e41"

/* ---- The test BSF ------------------------------------------------------ */

enum bsf_mode {
    BSF_NORMAL,
    BSF_REFUSE,          /* 403 to everything: unknown IMPI */
    BSF_IGNORE_AUTS,     /* resynchronises without moving its SQN */
    BSF_WRONG_XRES,      /* a broken HSS: the answer never matches */
    BSF_BAD_CHALLENGE,   /* a nonce that is not base64 */
    BSF_BAD_BODY         /* a BootstrappingInfo with a DOCTYPE */
};

typedef struct test_bsf {
    enum bsf_mode mode;
    uint8_t k[16], opc[16];
    uint64_t sqn;                  /* the last SQN used */
    uint8_t rand_counter;
    bool pending;                  /* a challenge is waiting for its answer */
    cs_aka_vector v;
    char nonce[CS_AKA_NONCE_MAX];
    char first_realm[128];         /* realm of the last initial request */
    int challenges, resyncs, answers, successes;
    char btid[CS_GBA_BTID_MAX + 1];
    uint8_t ks[CS_GBA_KS_LEN];
} test_bsf;

static void reply_text(cs_http_reply *reply, unsigned status, const char *text)
{
    cs_http_reply_status(reply, status);
    cs_http_reply_body(reply, "text/plain", text, strlen(text));
}

/* A fresh vector (SEQ + 1, IND 0) and the 401 carrying it. */
static void bsf_challenge(test_bsf *b, cs_http_reply *reply)
{
    uint8_t rand[16], sqn[6], amf[2] = { 0, 0 };
    memset(rand, 0x5a, sizeof rand);
    rand[15] = ++b->rand_counter;
    b->sqn = cs_aka_sqn_next(b->sqn, 0);
    cs_aka_sqn_from_u64(b->sqn, sqn);
    cs_aka_vector_make(b->k, b->opc, rand, sqn, amf, &b->v);
    assert_int_equal(cs_digest_aka_nonce_encode(b->v.rand, b->v.autn, NULL, 0,
                                                b->nonce, sizeof b->nonce), CS_OK);
    cs_digest_params p;
    char header[CS_DIGEST_MAX_HEADER + 1];
    cs_digest_init(&p);
    cs_digest_add(&p, "realm", DOMAIN, true);
    cs_digest_add(&p, "nonce", b->mode == BSF_BAD_CHALLENGE ? "%%not-base64%%" : b->nonce,
                  true);
    cs_digest_add(&p, "algorithm", "AKAv1-MD5", false);
    cs_digest_add(&p, "qop", "auth-int", true);
    cs_digest_add(&p, "opaque", OPAQUE, true);
    assert_int_equal(cs_digest_write(&p, header, sizeof header, NULL), CS_OK);
    b->pending = true;
    b->challenges++;
    cs_http_reply_header(reply, "WWW-Authenticate", header);
    reply_text(reply, 401, "authenticate");
}

/* The response the device must have sent for `password` (RES or empty). */
static bool bsf_response_ok(const cs_digest_params *p, const uint8_t *password,
                            size_t len)
{
    const char *nc = cs_digest_get(p, "nc"), *cnonce = cs_digest_get(p, "cnonce");
    const char *qop = cs_digest_get(p, "qop"), *got = cs_digest_get(p, "response");
    const char *uri = cs_digest_get(p, "uri"), *realm = cs_digest_get(p, "realm");
    const char *opaque = cs_digest_get(p, "opaque");
    const char *algorithm = cs_digest_get(p, "algorithm");
    if (nc == NULL || cnonce == NULL || strlen(cnonce) != 16 || qop == NULL ||
        strcmp(qop, "auth-int") != 0 || got == NULL || uri == NULL ||
        strcmp(uri, "/") != 0 || realm == NULL || strcmp(realm, DOMAIN) != 0 ||
        opaque == NULL || strcmp(opaque, OPAQUE) != 0 || algorithm == NULL ||
        strcmp(algorithm, "AKAv1-MD5") != 0 || strcmp(nc, "00000001") != 0)
        return false;
    char ha1[33], ha2[33], want[33];
    cs_digest_ha1(IMPI, DOMAIN, password, len, ha1);
    cs_digest_ha2("GET", "/", CS_DIGEST_QOP_AUTH_INT, NULL, 0, ha2);
    cs_digest_response(ha1, cs_digest_get(p, "nonce"), nc, cnonce,
                       CS_DIGEST_QOP_AUTH_INT, ha2, want);
    return cs_digest_response_equal(want, got);
}

static void bsf_success(test_bsf *b, cs_http_reply *reply)
{
    char body[512];
    cs_gba_ks(b->v.ck, b->v.ik, b->ks);
    assert_int_equal(cs_gba_btid(b->v.rand, DOMAIN, b->btid, sizeof b->btid), CS_OK);
    if (b->mode == BSF_BAD_BODY)
        snprintf(body, sizeof body, "<!DOCTYPE x><BootstrappingInfo xmlns=\"uri:3gpp-gba\">"
                 "<btid>%s</btid><lifetime>%s</lifetime></BootstrappingInfo>",
                 b->btid, LIFETIME_TEXT);
    else
        snprintf(body, sizeof body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>%s</btid>"
                 "<lifetime>%s</lifetime></BootstrappingInfo>\n", b->btid,
                 LIFETIME_TEXT);
    b->pending = false;
    b->successes++;
    cs_http_reply_status(reply, 200);
    cs_http_reply_body(reply, "application/vnd.3gpp.bsf+xml", body, strlen(body));
}

static void bsf_handler(void *ctx, const cs_http_incoming *in, cs_http_reply *reply)
{
    test_bsf *b = ctx;
    const char *auth = cs_http_incoming_header(in, "Authorization");
    const char *agent = cs_http_incoming_header(in, "User-Agent");
    cs_digest_params p;
    if (strcmp(in->method, "GET") != 0 || strcmp(in->path, "/") != 0 ||
        auth == NULL || agent == NULL || strstr(agent, "3gpp-gba") == NULL ||
        cs_digest_parse(auth, strlen(auth), &p) != CS_OK) {
        reply_text(reply, 400, "bad request");
        return;
    }
    const char *user = cs_digest_get(&p, "username");
    const char *nonce = cs_digest_get(&p, "nonce");
    if (b->mode == BSF_REFUSE || user == NULL || strcmp(user, IMPI) != 0) {
        reply_text(reply, 403, "unknown subscriber");
        return;
    }
    if (nonce == NULL || nonce[0] == '\0') {
        const char *realm = cs_digest_get(&p, "realm");
        snprintf(b->first_realm, sizeof b->first_realm, "%s", realm ? realm : "");
        bsf_challenge(b, reply);
        return;
    }
    if (!b->pending || strcmp(nonce, b->nonce) != 0) {
        reply_text(reply, 403, "stale nonce");
        return;
    }
    const char *auts_text = cs_digest_get(&p, "auts");
    if (auts_text != NULL) {
        uint8_t auts[14], sqn_ms[6];
        b->resyncs++;
        if (!bsf_response_ok(&p, NULL, 0) ||
            cs_digest_auts_decode(auts_text, auts) != CS_OK ||
            !cs_aka_auts_recover(b->k, b->opc, b->v.rand, auts, sqn_ms)) {
            reply_text(reply, 403, "bad auts");
            return;
        }
        if (b->mode != BSF_IGNORE_AUTS)
            b->sqn = cs_aka_sqn_to_u64(sqn_ms);
        bsf_challenge(b, reply);
        return;
    }
    b->answers++;
    if (b->mode == BSF_WRONG_XRES)
        b->v.xres[0] ^= 1;
    if (!bsf_response_ok(&p, b->v.xres, sizeof b->v.xres)) {
        b->pending = false;
        reply_text(reply, 403, "wrong response");
        return;
    }
    bsf_success(b, reply);
}

/* ---- The device ---------------------------------------------------------- */

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The card: K (CARD_K unless given), OPc, SEQ_MS[0] = seq0. */
static void write_card(const char *k, uint64_t seq0)
{
    char text[512];
    snprintf(text, sizeof text, "{\"k\": \"%s\", \"opc\": \"%s\", \"seq_ms\": [%llu",
             k ? k : CARD_K, CARD_OPC, (unsigned long long)seq0);
    for (int i = 1; i < 32; i++)
        strcat(text, ", 0");
    strcat(text, "]}");
    write_file("sim.json", text);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cs-ub-XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_file("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": \"sim.json\"}");
    write_card(NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/modem.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sim.json", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}

static test_bsf new_bsf(enum bsf_mode mode)
{
    test_bsf b;
    memset(&b, 0, sizeof b);
    b.mode = mode;
    test_hex(CARD_K, b.k, sizeof b.k);
    test_hex(CARD_OPC, b.opc, sizeof b.opc);
    return b;
}

struct job {
    char url[128];
    cs_modem *modem;
    cs_gba_session s;
    cs_err err;
    atomic_int done;
};

static void *device(void *arg)
{
    struct job *j = arg;
    j->err = cs_gba_bootstrap(j->url, IMPI, j->modem, 5000, &j->s);
    atomic_store(&j->done, 1);
    return NULL;
}

/* One cs_gba_bootstrap against BSF `b`; the session in *s. */
static cs_err bootstrap(test_bsf *b, cs_gba_session *s)
{
    cs_loop *loop = cs_loop_new();
    cs_http_server *srv;
    cs_addr local = cs_addr_ipv4(127, 0, 0, 1, 0);
    assert_int_equal(cs_http_server_open(&local, loop, bsf_handler, b, &srv), CS_OK);
    static struct job j;
    memset(&j, 0, sizeof j);
    snprintf(j.url, sizeof j.url, "http://127.0.0.1:%u/", cs_http_server_port(srv));
    char spec[128];
    snprintf(spec, sizeof spec, "emulated:%s/modem.json", dir);
    assert_int_equal(cs_modem_open(spec, &j.modem), CS_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, device, &j), 0);
    for (int i = 0; i < 300 && !atomic_load(&j.done); i++)
        cs_loop_run(loop, cs_clock_ms() + 50);
    pthread_join(t, NULL);
    cs_modem_close(j.modem);
    cs_http_server_close(srv);
    cs_loop_free(loop);
    *s = j.s;
    cs_gba_session_wipe(&j.s);
    return j.err;
}

static void assert_session_empty(const cs_gba_session *s)
{
    cs_gba_session zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(s, &zero, sizeof zero);
}

static void bootstrap_succeeds(void **state)
{
    (void)state;
    test_bsf b = new_bsf(BSF_NORMAL);
    cs_gba_session s;
    assert_int_equal(bootstrap(&b, &s), CS_OK);
    assert_int_equal(b.challenges, 1);
    assert_int_equal(b.resyncs, 0);
    assert_int_equal(b.successes, 1);
    assert_string_equal(b.first_realm, "127.0.0.1");      /* the URL's host */
    assert_string_equal(s.impi, IMPI);
    assert_string_equal(s.btid, b.btid);
    assert_memory_equal(s.rand, b.v.rand, 16);
    assert_memory_equal(s.ks, b.ks, CS_GBA_KS_LEN);
    assert_true(s.expires == LIFETIME);

    /* Ks_NAF: the device's and the BSF's (what Zn would hand the NAF). */
    uint8_t key[CS_GBA_KEY_LEN], want[CS_GBA_KEY_LEN];
    char identity[CS_PSK_IDENTITY_MAX], want_id[CS_PSK_IDENTITY_MAX];
    assert_int_equal(cs_gba_naf_key(&s, NAF, key, identity, sizeof identity), CS_OK);
    assert_int_equal(cs_gba_ks_naf(b.ks, b.v.rand, IMPI, NAF, cs_ua_id_lwm2m_dtls_psk,
                                   want), CS_OK);
    assert_memory_equal(key, want, sizeof key);
    snprintf(want_id, sizeof want_id, "3GPP-bootstrapping.%s", b.btid);
    assert_string_equal(identity, want_id);
    /* Another NAF, another key; identity optional. */
    assert_int_equal(cs_gba_naf_key(&s, "other.example", key, NULL, 0), CS_OK);
    assert_memory_not_equal(key, want, sizeof key);
    assert_int_equal(cs_gba_naf_key(&s, "", key, NULL, 0), CS_E_INVALID_ARG);
    uint8_t zero[CS_GBA_KEY_LEN] = { 0 };
    assert_memory_equal(key, zero, sizeof key);
    assert_int_equal(cs_gba_naf_key(&s, NAF, key, identity, 10), CS_E_TOO_LARGE);
    assert_memory_equal(key, zero, sizeof key);

    /* Again: the card took SEQ 1, the BSF goes on with SEQ 2. */
    char first_btid[sizeof s.btid];
    strcpy(first_btid, s.btid);
    assert_int_equal(bootstrap(&b, &s), CS_OK);
    assert_int_equal(b.challenges, 2);
    assert_int_equal(b.resyncs, 0);
    assert_string_equal(s.btid, b.btid);
    assert_string_not_equal(s.btid, first_btid);
    cs_gba_session_wipe(&s);
    cs_aka_vector_wipe(&b.v);
}

static void bootstrap_resynchronises(void **state)
{
    (void)state;
    write_card(NULL, 100);                 /* the card is ahead of the BSF */
    test_bsf b = new_bsf(BSF_NORMAL);
    cs_gba_session s;
    assert_int_equal(bootstrap(&b, &s), CS_OK);
    assert_int_equal(b.challenges, 2);
    assert_int_equal(b.resyncs, 1);
    assert_int_equal(b.successes, 1);
    assert_true(b.sqn == cs_aka_sqn_next(UINT64_C(100) << CS_AKA_IND_BITS, 0));
    assert_string_equal(s.btid, b.btid);
    assert_memory_equal(s.ks, b.ks, CS_GBA_KS_LEN);
    /* In step now: the next run needs no resynchronisation. */
    assert_int_equal(bootstrap(&b, &s), CS_OK);
    assert_int_equal(b.challenges, 3);
    assert_int_equal(b.resyncs, 1);
    cs_gba_session_wipe(&s);
    cs_aka_vector_wipe(&b.v);
}

static void bootstrap_refused(void **state)
{
    (void)state;
    cs_gba_session s;

    /* A BSF that stays stale: one resynchronisation, then give up. */
    write_card(NULL, 100);
    test_bsf b = new_bsf(BSF_IGNORE_AUTS);
    assert_int_equal(bootstrap(&b, &s), CS_E_SESSION);
    assert_int_equal(b.resyncs, 1);
    assert_int_equal(b.answers, 0);
    assert_session_empty(&s);

    /* A card with another key: MAC failure, nothing sent back. */
    write_card("000102030405060708090a0b0c0d0e0f", 0);
    b = new_bsf(BSF_NORMAL);
    assert_int_equal(bootstrap(&b, &s), CS_E_SESSION);
    assert_int_equal(b.challenges, 1);
    assert_int_equal(b.resyncs + b.answers, 0);
    assert_session_empty(&s);

    /* The BSF does not know us; the BSF does not accept our RES. */
    write_card(NULL, 0);
    b = new_bsf(BSF_REFUSE);
    assert_int_equal(bootstrap(&b, &s), CS_E_SESSION);
    assert_int_equal(b.challenges, 0);
    b = new_bsf(BSF_WRONG_XRES);
    assert_int_equal(bootstrap(&b, &s), CS_E_SESSION);
    assert_int_equal(b.answers, 1);
    assert_int_equal(b.successes, 0);
    assert_session_empty(&s);

    /* Malformed challenge, malformed body. */
    b = new_bsf(BSF_BAD_CHALLENGE);
    assert_int_equal(bootstrap(&b, &s), CS_E_SYNTAX);
    assert_int_equal(b.answers, 0);
    b = new_bsf(BSF_BAD_BODY);
    assert_int_equal(bootstrap(&b, &s), CS_E_SYNTAX);
    assert_int_equal(b.successes, 1);
    assert_session_empty(&s);

    /* A modem without a USIM. */
    write_file("modem.json", "{\"imsi\": \"001010123456789\"}");
    b = new_bsf(BSF_NORMAL);
    assert_int_equal(bootstrap(&b, &s), CS_E_NOT_FOUND);
    write_file("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": \"sim.json\"}");
    cs_aka_vector_wipe(&b.v);
}

static void bootstrap_unreachable(void **state)
{
    (void)state;
    char spec[128];
    snprintf(spec, sizeof spec, "emulated:%s/modem.json", dir);
    cs_modem *m;
    assert_int_equal(cs_modem_open(spec, &m), CS_OK);
    cs_gba_session s;
    assert_int_equal(cs_gba_bootstrap("http://127.0.0.1:1/", IMPI, m, 2000, &s),
                     CS_E_NOT_FOUND);
    assert_session_empty(&s);
    assert_int_equal(cs_gba_bootstrap("ftp://127.0.0.1/", IMPI, m, 2000, &s),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_bootstrap("http://user@127.0.0.1/", IMPI, m, 2000, &s),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_bootstrap("http:///", IMPI, m, 2000, &s), CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_bootstrap("http://127.0.0.1/", "", m, 2000, &s),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_bootstrap("http://127.0.0.1/", "a\"b", m, 2000, &s),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_bootstrap("http://127.0.0.1/", IMPI, NULL, 2000, &s),
                     CS_E_INVALID_ARG);
    cs_modem_close(m);
}

/* ---- The BootstrappingInfo parser ---------------------------------------- */

static cs_err parse(const char *xml, char *btid, size_t cap, int64_t *lifetime)
{
    return cs_gba_parse_bootstrapping_info(xml, strlen(xml), btid, cap, lifetime);
}

#define ROOT "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">"
#define END "</BootstrappingInfo>"
#define BTID "<btid>I1U8vpY3qJ0hiuZNrke/NQ==@bsf.mnc001.mcc001.pub.3gppnetwork.org</btid>"
#define LIFE "<lifetime>2026-01-01T00:00:00Z</lifetime>"

static void xml_good(void **state)
{
    (void)state;
    char btid[CS_GBA_BTID_MAX + 1];
    int64_t t;
    /* The spec's document. */
    assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" ROOT
                           "<btid>B-TID</btid><lifetime>" LIFETIME_TEXT
                           "</lifetime>" END, btid, sizeof btid, &t), CS_OK);
    assert_string_equal(btid, "B-TID");
    assert_true(t == LIFETIME);
    /* REFERENCE §3.3's form with an Extension (24.109 C.1). */
    assert_int_equal(parse(ROOT BTID LIFE "<Extension><currenttime>2025-12-31T12:00:00Z"
                           "</currenttime></Extension>" END, btid, sizeof btid, &t), CS_OK);
    assert_string_equal(btid, "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.mnc001.mcc001.pub.3gppnetwork.org");
    assert_true(t == INT64_C(1767225600));
    /* Pretty-printed, single quotes, standalone, empty and several
     * extension elements, whitespace in tags. */
    assert_int_equal(parse("<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\r\n"
                           "<BootstrappingInfo  xmlns = 'uri:3gpp-gba' >\n"
                           "  <btid >x@y</btid >\n  <lifetime>2028-02-29T23:59:59Z</lifetime>\n"
                           "  <Extension>\n    <a>text with > and spaces</a>\n    <b/>\n"
                           "    <c></c>\n  </Extension >\n</BootstrappingInfo>\n\n",
                           btid, sizeof btid, &t), CS_OK);
    assert_string_equal(btid, "x@y");
    assert_true(t == INT64_C(1835481599));
    assert_int_equal(parse(ROOT "<btid>b</btid><lifetime>1970-01-01T00:00:00Z</lifetime>"
                           END, btid, sizeof btid, &t), CS_OK);
    assert_true(t == 0);
    assert_int_equal(parse(ROOT "<btid>b</btid><lifetime>2000-03-01T00:00:00Z</lifetime>"
                           END, btid, sizeof btid, &t), CS_OK);
    assert_true(t == INT64_C(951868800));
    assert_int_equal(parse(ROOT "<btid>b</btid><lifetime>9999-12-31T23:59:59Z</lifetime>"
                           END, btid, sizeof btid, &t), CS_OK);
    assert_true(t == INT64_C(253402300799));

    /* 255 characters fit; 256 do not; nor does a short buffer. */
    char doc[1024], id[300];
    memset(id, 'a', 255);
    id[255] = '\0';
    snprintf(doc, sizeof doc, ROOT "<btid>%s</btid>" LIFE END, id);
    assert_int_equal(parse(doc, btid, sizeof btid, &t), CS_OK);
    assert_string_equal(btid, id);
    assert_int_equal(parse(doc, btid, 255, &t), CS_E_TOO_LARGE);
    assert_string_equal(btid, "");
    assert_true(t == 0);
    strcat(id, "a");
    snprintf(doc, sizeof doc, ROOT "<btid>%s</btid>" LIFE END, id);
    assert_int_equal(parse(doc, btid, sizeof btid, &t), CS_E_SYNTAX);
    assert_int_equal(cs_gba_parse_bootstrapping_info(NULL, 0, btid, sizeof btid, &t),
                     CS_E_SYNTAX);
    assert_int_equal(cs_gba_parse_bootstrapping_info(doc, 3, NULL, 0, &t),
                     CS_E_INVALID_ARG);
}

static void xml_bad(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        cs_err err;
    } bad[] = {
        { "", CS_E_SYNTAX },
        { "<!DOCTYPE BootstrappingInfo>" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "<!DOCTYPE x [<!ENTITY e \"b\">]>" ROOT "<btid>&e;</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid>a&amp;b</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid>&#65;</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid><![CDATA[x]]></btid>" LIFE END, CS_E_SYNTAX },
        { "<!-- c -->" ROOT BTID LIFE END, CS_E_SYNTAX },
        { ROOT "<!-- c -->" BTID LIFE END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><!-- c --></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID BTID LIFE END, CS_E_SYNTAX },
        { ROOT BTID LIFE LIFE END, CS_E_SYNTAX },
        { ROOT BTID END, CS_E_SYNTAX },
        { ROOT LIFE END, CS_E_SYNTAX },
        { ROOT LIFE BTID END, CS_E_SYNTAX },
        { ROOT "<btid></btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid/>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid>a b</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid> ab</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid>a\xc3\xa9</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid>a\tb</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid x=\"1\">ab</btid>" LIFE END, CS_E_SYNTAX },
        { ROOT "<btid>ab</btd>" LIFE END, CS_E_SYNTAX },
        /* dateTime: the one UTC form, real dates only */
        { ROOT BTID "<lifetime>2026-02-29T00:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-04-31T00:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-13-01T00:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-00-01T00:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T24:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T10:60:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T10:00:60Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05 10:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T10:00:00.5Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>1969-12-31T23:59:59Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>26-12-05T10:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-1a-05T10:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime> 2026-12-05T10:00:00Z</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T10:00:00+01:00</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T10:00:00</lifetime>" END, CS_E_SYNTAX },
        { ROOT BTID "<lifetime>2026-12-05T10:00:00z</lifetime>" END, CS_E_SYNTAX },
        /* after the element */
        { ROOT BTID LIFE END "x", CS_E_TRAILING },
        { ROOT BTID LIFE END "<!-- c -->", CS_E_TRAILING },
        { ROOT BTID LIFE END ROOT BTID LIFE END, CS_E_TRAILING },
        /* the root and the declaration */
        { "<BootstrappingInfo>" BTID LIFE END, CS_E_SYNTAX },
        { "<BootstrappingInfo xmlns=\"uri:other\">" BTID LIFE END, CS_E_SYNTAX },
        { "<BootstrappingInfo xmlns=\"uri:3gpp-gba\" a=\"b\">" BTID LIFE END, CS_E_SYNTAX },
        { "<g:BootstrappingInfo xmlns:g=\"uri:3gpp-gba\">" BTID LIFE "</g:BootstrappingInfo>",
          CS_E_SYNTAX },
        { "<Other xmlns=\"uri:3gpp-gba\">" BTID LIFE "</Other>", CS_E_SYNTAX },
        { ROOT BTID LIFE, CS_E_SYNTAX },
        { ROOT BTID LIFE "</Bootstrappinginfo>", CS_E_SYNTAX },
        { ROOT BTID "stray" LIFE END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<extra>1</extra>" END, CS_E_SYNTAX },
        { "<?xml version=\"1.1\"?>" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "<?xml encoding=\"UTF-8\" version=\"1.0\"?>" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "<?xml version=\"1.0\"" ROOT BTID LIFE END, CS_E_SYNTAX },
        { " <?xml version=\"1.0\"?>" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "\xef\xbb\xbf" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "<?xml-stylesheet href=\"a\"?>" ROOT BTID LIFE END, CS_E_SYNTAX },
        { "<?xml version=\"1.0\"?><?pi x?>" ROOT BTID LIFE END, CS_E_SYNTAX },
        /* Extension: simple elements only */
        { ROOT BTID LIFE "<Extension><a><b>1</b></a></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><a x=\"1\">1</a></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><a>1</b></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><a>&lt;</a></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension>text</Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><a>1</a>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension></Extension><Extension></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><a>1</a></Extension>" BTID END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><x:a>1</x:a></Extension>" END, CS_E_SYNTAX },
        { ROOT BTID LIFE "<Extension><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/><a/>"
          "<a/><a/><a/><a/><a/></Extension>" END, CS_E_SYNTAX },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char btid[CS_GBA_BTID_MAX + 1] = "junk";
        int64_t t = 7;
        cs_err err = parse(bad[i].xml, btid, sizeof btid, &t);
        if (err != bad[i].err)
            fail_msg("case %zu: %d, want %d: %s", i, err, bad[i].err, bad[i].xml);
        assert_string_equal(btid, "");
        assert_true(t == 0);
    }
    /* NUL octets: after the element, inside a value. */
    char btid[CS_GBA_BTID_MAX + 1];
    int64_t t;
    static const char nul_after[] = ROOT BTID LIFE END "\0";
    assert_int_equal(cs_gba_parse_bootstrapping_info(nul_after, sizeof nul_after - 1,
                                                     btid, sizeof btid, &t), CS_E_TRAILING);
    static const char nul_inside[] = ROOT "<btid>a\0b</btid>" LIFE END;
    assert_int_equal(cs_gba_parse_bootstrapping_info(nul_inside, sizeof nul_inside - 1,
                                                     btid, sizeof btid, &t), CS_E_SYNTAX);
    /* 16 extension elements are fine. */
    assert_int_equal(parse(ROOT BTID LIFE "<Extension><a/><a/><a/><a/><a/><a/><a/><a/><a/>"
                           "<a/><a/><a/><a/><a/><a/><a/></Extension>" END, btid,
                           sizeof btid, &t), CS_OK);
    /* Oversize: a good document padded past the bound. */
    char big[CS_GBA_BOOTSTRAPPING_INFO_MAX + 2];
    const char *doc = ROOT BTID LIFE END;
    memset(big, ' ', sizeof big);
    memcpy(big, doc, strlen(doc));
    assert_int_equal(cs_gba_parse_bootstrapping_info(big, CS_GBA_BOOTSTRAPPING_INFO_MAX,
                                                     btid, sizeof btid, &t), CS_OK);
    assert_int_equal(cs_gba_parse_bootstrapping_info(big, CS_GBA_BOOTSTRAPPING_INFO_MAX + 1,
                                                     btid, sizeof btid, &t), CS_E_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bootstrap_succeeds, setup, teardown),
        cmocka_unit_test_setup_teardown(bootstrap_resynchronises, setup, teardown),
        cmocka_unit_test_setup_teardown(bootstrap_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(bootstrap_unreachable, setup, teardown),
        cmocka_unit_test(xml_good),
        cmocka_unit_test(xml_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
