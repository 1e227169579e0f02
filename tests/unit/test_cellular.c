/*
 * test_cellular.c - what a vanilla device derives from its subscription
 * (IMSI and IMEI checks, home network, endpoint name and bootstrap host
 * patterns) and the emulated modem's file: good files, every bad member,
 * attach and detach seen on the next read; the emulated USIM's
 * AUTHENTICATE (REFERENCE §2.2 set 1), its persisted freshness state and
 * its secret file's grammar.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"
#include "cellstrap/cellular.h"

static void identities(void **state)
{
    (void)state;
    assert_true(cs_imsi_valid("001010123456789"));
    assert_true(cs_imsi_valid("001010"));
    assert_false(cs_imsi_valid("00101"));
    assert_false(cs_imsi_valid("0010101234567890"));   /* 16 digits */
    assert_false(cs_imsi_valid("00101012345678a"));
    assert_false(cs_imsi_valid(""));
    assert_true(cs_imei_valid("490154203237518"));
    assert_false(cs_imei_valid("490154203237519"));    /* check digit */
    assert_false(cs_imei_valid("49015420323751"));
    assert_true(cs_imei_valid("353490061234569"));
    char imei[16];
    assert_true(cs_imei_from_imeisv("3534900612345601", imei));
    assert_string_equal(imei, "353490061234569");
    assert_true(cs_imei_valid(imei));
    assert_false(cs_imei_from_imeisv("353490061234560", imei));   /* 15 digits */
    assert_false(cs_imei_from_imeisv("35349006123456x1", imei));
}

static void home_network(void **state)
{
    (void)state;
    char mcc[4], mnc[4];
    assert_int_equal(cs_imsi_home_network("262011234567890", 0, mcc, mnc), CS_OK);
    assert_string_equal(mcc, "262");
    assert_string_equal(mnc, "01");
    /* North America: three-digit MNCs unless the SIM says otherwise. */
    assert_int_equal(cs_imsi_home_network("310410123456789", 0, mcc, mnc), CS_OK);
    assert_string_equal(mnc, "410");
    assert_int_equal(cs_imsi_home_network("310410123456789", 2, mcc, mnc), CS_OK);
    assert_string_equal(mnc, "41");
    assert_int_equal(cs_imsi_home_network("262011234567890", 3, mcc, mnc), CS_OK);
    assert_string_equal(mnc, "011");
    assert_int_equal(cs_imsi_home_network("262011234567890", 4, mcc, mnc), CS_E_RANGE);
    assert_int_equal(cs_imsi_home_network("26201x", 0, mcc, mnc), CS_E_SYNTAX);
}

static void bootstrap_host(void **state)
{
    (void)state;
    char host[128];
    assert_int_equal(cs_bootstrap_host_from_imsi(NULL, "262011234567890", 2,
                                                 host, sizeof host), CS_OK);
    assert_string_equal(host, "lwm2m-bs.mnc001.mcc262.pub.3gppnetwork.org");
    assert_int_equal(cs_bootstrap_host_from_imsi(NULL, "310410123456789", 0,
                                                 host, sizeof host), CS_OK);
    assert_string_equal(host, "lwm2m-bs.mnc410.mcc310.pub.3gppnetwork.org");
    assert_int_equal(cs_bootstrap_host_from_imsi("bs.{mcc}-{mnc}.example",
                                                 "001010123456789", 2, host,
                                                 sizeof host), CS_OK);
    assert_string_equal(host, "bs.001-001.example");
    assert_int_equal(cs_bootstrap_host_from_imsi("bs.{imsi}", "001010123456789",
                                                 2, host, sizeof host), CS_E_SYNTAX);
    assert_int_equal(cs_bootstrap_host_from_imsi(NULL, "001010123456789", 2,
                                                 host, 20), CS_E_TOO_LARGE);
}

static cs_subscription sample(void)
{
    cs_subscription s;
    memset(&s, 0, sizeof s);
    strcpy(s.imsi, "001010123456789");
    strcpy(s.imei, "490154203237518");
    strcpy(s.iccid, "8988211000000000001");
    return s;
}

static void endpoint_names(void **state)
{
    (void)state;
    cs_subscription s = sample();
    char ep[128];
    assert_int_equal(cs_endpoint_name_from_subscription(NULL, &s, ep, sizeof ep), CS_OK);
    assert_string_equal(ep, "urn:imei-imsi:490154203237518-001010123456789");
    assert_int_equal(cs_endpoint_name_from_subscription("urn:imei:{imei}", &s, ep,
                                                        sizeof ep), CS_OK);
    assert_string_equal(ep, "urn:imei:490154203237518");
    assert_int_equal(cs_endpoint_name_from_subscription("dev-{iccid}", &s, ep,
                                                        sizeof ep), CS_OK);
    assert_string_equal(ep, "dev-8988211000000000001");
    /* Unknown MSISDN; unknown placeholder; unclosed; too small. */
    assert_int_equal(cs_endpoint_name_from_subscription("urn:imei-msisdn:{imei}-{msisdn}",
                                                        &s, ep, sizeof ep), CS_E_NOT_FOUND);
    assert_int_equal(cs_endpoint_name_from_subscription("x{serial}", &s, ep,
                                                        sizeof ep), CS_E_SYNTAX);
    assert_int_equal(cs_endpoint_name_from_subscription("x{imsi", &s, ep,
                                                        sizeof ep), CS_E_SYNTAX);
    assert_int_equal(cs_endpoint_name_from_subscription(NULL, &s, ep, 20),
                     CS_E_TOO_LARGE);
}

static char modem_path[64];

static void write_modem(const char *json)
{
    FILE *f = fopen(modem_path, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
}

static void emulated_modem(void **state)
{
    (void)state;
    snprintf(modem_path, sizeof modem_path, "/tmp/cs-modem-%d.json", (int)getpid());
    unlink(modem_path);
    char spec[80];
    snprintf(spec, sizeof spec, "emulated:%s", modem_path);
    cs_modem *m;
    assert_int_equal(cs_modem_open("at:/dev/ttyUSB0", &m), CS_E_INVALID_ARG);
    assert_int_equal(cs_modem_open("emulated:", &m), CS_E_INVALID_ARG);
    assert_int_equal(cs_modem_open(spec, &m), CS_OK);
    cs_subscription sub;
    cs_data_session ses;
    assert_int_equal(cs_modem_read(m, &sub, &ses), CS_E_NOT_FOUND);

    write_modem("{\"imsi\": \"001010123456789\", \"mnc_length\": 2,"
                " \"imei\": \"490154203237518\", \"msisdn\": \"491701234567\"}");
    assert_int_equal(cs_modem_read(m, &sub, &ses), CS_OK);
    assert_string_equal(sub.imsi, "001010123456789");
    assert_int_equal(sub.mnc_length, 2);
    assert_string_equal(sub.msisdn, "491701234567");
    assert_false(ses.attached);

    write_modem("{\"imsi\": \"001010123456789\", \"imei\": \"490154203237518\","
                " \"session\": {\"attached\": true, \"address\": \"127.1.0.7\","
                " \"apn\": \"iot.example\", \"bootstrap_uri\": \"coap://127.0.0.1:5683\","
                " \"attach_id\": 3}}");
    assert_int_equal(cs_modem_read(m, &sub, &ses), CS_OK);
    assert_true(ses.attached);
    cs_addr want = cs_addr_ipv4(127, 1, 0, 7, 0);
    assert_true(cs_addr_equal(&ses.address, &want));
    assert_string_equal(ses.apn, "iot.example");
    assert_string_equal(ses.bootstrap_uri, "coap://127.0.0.1:5683");
    assert_int_equal(ses.attach_id, 3);

    /* Each bad member refuses the whole file. */
    static const char *const bad[] = {
        "not json",
        "[]",
        "{}",
        "{\"imsi\": \"12345\"}",
        "{\"imsi\": 1234567}",
        "{\"imsi\": \"001010123456789\", \"imsi\": \"001010123456780\"}",
        "{\"imsi\": \"001010123456789\", \"mnc_length\": 4}",
        "{\"imsi\": \"001010123456789\", \"imei\": \"490154203237519\"}",
        "{\"imsi\": \"001010123456789\", \"iccid\": \"12\"}",
        "{\"imsi\": \"001010123456789\", \"msisdn\": \"+4917\"}",
        "{\"imsi\": \"001010123456789\", \"session\": []}",
        "{\"imsi\": \"001010123456789\", \"session\": {\"attached\": true}}",
        "{\"imsi\": \"001010123456789\", \"session\": {\"attached\": 1}}",
        "{\"imsi\": \"001010123456789\", \"session\": {\"address\": \"127.1\"}}",
        "{\"imsi\": \"001010123456789\", \"session\": {\"attach_id\": -1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_modem(bad[i]);
        cs_subscription before = sub;
        assert_int_equal(cs_modem_read(m, &sub, &ses), CS_E_SYNTAX);
        assert_memory_equal(&before, &sub, sizeof sub);   /* untouched */
    }
    unlink(modem_path);
    cs_modem_close(m);
}

/* ---- The emulated USIM --------------------------------------------------- */

/* REFERENCE §2.2, test set 1. */
#define SET1_K "465b5ce8b199b49faa5f0a2ee238a6bc"
#define SET1_OPC "cd63cb71954a9f4e48a5994e37a02baf"
#define SET1_RAND "23553cbe9637a89d218ae64dae47bf35"
#define SET1_SQN UINT64_C(0xff9bb4d0b607)
#define SET1_AMF "b9b9"

static char usim_dir[64];

static void usim_write(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", usim_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t usim_slurp(const char *name, char *out, size_t cap)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", usim_dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
    return n;
}

/* The card's secret file with set 1's keys and SEQ_MS[0] = seq0. */
static void usim_write_set1(uint64_t seq0)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\n  \"k\": \"%s\",\n  \"opc\": \"%s\",\n  \"seq_ms\": [%llu, 0, 0, 0,"
             " 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
             " 0, 0, 0, 0, 0, 0]\n}\n", SET1_K, SET1_OPC, (unsigned long long)seq0);
    usim_write("sim.json", text);
}

static cs_modem *usim_modem(void)
{
    char spec[128];
    snprintf(spec, sizeof spec, "emulated:%s/modem.json", usim_dir);
    cs_modem *m;
    assert_int_equal(cs_modem_open(spec, &m), CS_OK);
    return m;
}

static void set1_vector(uint64_t sqn, cs_aka_vector *v)
{
    uint8_t k[16], opc[16], rand[16], amf[2], sqn_b[6];
    test_hex(SET1_K, k, sizeof k);
    test_hex(SET1_OPC, opc, sizeof opc);
    test_hex(SET1_RAND, rand, sizeof rand);
    test_hex(SET1_AMF, amf, sizeof amf);
    cs_aka_sqn_from_u64(sqn, sqn_b);
    cs_aka_vector_make(k, opc, rand, sqn_b, amf, v);
}

static void usim_setup_dir(void)
{
    snprintf(usim_dir, sizeof usim_dir, "/tmp/cs-usim-XXXXXX");
    assert_non_null(mkdtemp(usim_dir));
    /* A relative usim_file: relative to the modem file's directory. */
    usim_write("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": \"sim.json\"}");
}

static void usim_remove_dir(void)
{
    DIR *d = opendir(usim_dir);
    assert_non_null(d);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", usim_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(usim_dir);
}

static int usim_dir_entries(void)
{
    DIR *d = opendir(usim_dir);
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n - 2;
}

static void usim_authenticate_set1(void **state)
{
    (void)state;
    usim_setup_dir();
    uint64_t seq = SET1_SQN >> CS_AKA_IND_BITS;      /* IND = 7 */
    /* Put the card's other slot just below, so SEQ is within Δ. */
    usim_write_set1(seq - 1);
    char path[128];
    snprintf(path, sizeof path, "%s/sim.json", usim_dir);
    assert_int_equal(chmod(path, 0644), 0);

    cs_aka_vector v;
    set1_vector(SET1_SQN, &v);
    uint8_t want[16];
    test_hex("55f328b43577b9b94a9ffac354dfafb3", want, 16);   /* REFERENCE §2.3 */
    assert_memory_equal(v.autn, want, 16);

    cs_modem *m = usim_modem();
    cs_aka_result r;
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SUCCESS);
    test_hex("a54211d5e3ba50bf", want, 8);
    assert_memory_equal(r.res, want, 8);
    test_hex("b40ba9a3c58b2a05bbf0d987b21bf8cb", want, 16);
    assert_memory_equal(r.ck, want, 16);
    test_hex("f769bcd751044604127672711c6d3441", want, 16);
    assert_memory_equal(r.ik, want, 16);

    /* Replaced atomically: mode 0600, no temporary left behind. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(usim_dir_entries(), 2);

    /* Replay: a sync failure whose AUTS carries SQN_MS = the SQN just used. */
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SYNC_FAILURE);
    uint8_t zero[16] = { 0 }, k[16], opc[16], sqn_ms[6];
    assert_memory_equal(r.res, zero, 8);
    assert_memory_equal(r.ck, zero, 16);
    test_hex(SET1_K, k, sizeof k);
    test_hex(SET1_OPC, opc, sizeof opc);
    assert_true(cs_aka_auts_recover(k, opc, v.rand, r.auts, sqn_ms));
    assert_true(cs_aka_sqn_to_u64(sqn_ms) == SET1_SQN);

    /* The state survives a new modem handle (the file is re-read). */
    cs_modem_close(m);
    m = usim_modem();
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SYNC_FAILURE);
    cs_aka_vector_wipe(&v);
    set1_vector(cs_aka_sqn_next(SET1_SQN, 7), &v);
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SUCCESS);
    /* Slot 0 still remembers seq - 1; seq itself is fresh there. */
    cs_aka_vector_wipe(&v);
    set1_vector((seq - 1) << CS_AKA_IND_BITS, &v);
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SYNC_FAILURE);
    cs_aka_vector_wipe(&v);
    set1_vector(seq << CS_AKA_IND_BITS, &v);
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SUCCESS);

    /* A forged AUTN: MAC failure, nothing in out, the file untouched. */
    char before[1024], after[1024];
    usim_slurp("sim.json", before, sizeof before);
    cs_aka_vector_wipe(&v);
    set1_vector(cs_aka_sqn_next(seq << CS_AKA_IND_BITS, 0), &v);
    v.autn[15] ^= 1;
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_MAC_FAILURE);
    assert_memory_equal(r.auts, zero, 14);
    usim_slurp("sim.json", after, sizeof after);
    assert_string_equal(before, after);
    /* A key that is not the card's: MAC failure too. */
    usim_write_set1(0);
    snprintf(before, sizeof before, "{\"k\": \"%s\", \"opc\": \"%s\"}",
             "000102030405060708090a0b0c0d0e0f", SET1_OPC);
    usim_write("sim.json", before);
    v.autn[15] ^= 1;
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_MAC_FAILURE);

    cs_aka_result_wipe(&r);
    cs_aka_vector_wipe(&v);
    cs_modem_close(m);
    usim_remove_dir();
}

static void usim_file_forms(void **state)
{
    (void)state;
    usim_setup_dir();
    cs_aka_vector v;
    cs_aka_result r;
    set1_vector(cs_aka_sqn_next(0, 0), &v);     /* SEQ 1, IND 0 */

    /* Upper-case hex, no seq_ms (all 0), an absolute path. */
    usim_write("sim2.json", "{\"opc\":\"CD63CB71954A9F4E48A5994E37A02BAF\","
                            "\"k\":\"465B5CE8B199B49FAA5F0A2EE238A6BC\"}");
    char text[256];
    snprintf(text, sizeof text, "{\"imsi\": \"001010123456789\", \"usim_file\": \"%s/sim2.json\"}",
             usim_dir);
    usim_write("modem.json", text);
    cs_modem *m = usim_modem();
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SUCCESS);
    /* What it wrote back reads again (and refuses the replay). */
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SYNC_FAILURE);

    /* No USIM: no member, no file, no modem file. */
    usim_write("modem.json", "{\"imsi\": \"001010123456789\"}");
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_E_NOT_FOUND);
    usim_write("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": \"nope.json\"}");
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_E_NOT_FOUND);
    cs_modem *absent;
    assert_int_equal(cs_modem_open("emulated:/tmp/cs-no-such-dir/modem.json", &absent), CS_OK);
    assert_int_equal(cs_modem_authenticate(absent, v.rand, v.autn, &r), CS_E_NOT_FOUND);
    cs_modem_close(absent);
    assert_int_equal(cs_modem_authenticate(m, NULL, v.autn, &r), CS_E_INVALID_ARG);

    usim_write("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": 5}");
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_E_SYNTAX);
    usim_write("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": \"\"}");
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_E_SYNTAX);

    usim_write("modem.json", "{\"imsi\": \"001010123456789\", \"usim_file\": \"sim.json\"}");
#define K "\"k\": \"465b5ce8b199b49faa5f0a2ee238a6bc\""
#define OPC "\"opc\": \"cd63cb71954a9f4e48a5994e37a02baf\""
#define Z8 "0, 0, 0, 0, 0, 0, 0, 0"
#define Z31 Z8 ", " Z8 ", " Z8 ", 0, 0, 0, 0, 0, 0, 0"
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "{}",
        "{" K "}",
        "{" OPC "}",
        "{" K ", " OPC ", " K "}",
        "{" K ", " OPC ", \"op\": \"00\"}",
        "{" K ", " OPC "} x",
        "{" K ", " OPC ",}",
        "{" K " " OPC "}",
        "{\"k\": \"465b5ce8b199b49faa5f0a2ee238a6b\", " OPC "}",
        "{\"k\": \"465b5ce8b199b49faa5f0a2ee238a6bcd0\", " OPC "}",
        "{\"k\": \"465b5ce8b199b49faa5f0a2ee238a6bx\", " OPC "}",
        "{\"k\": \"465b5ce8b199b49faa5f0a2ee238a6b\\u0063\", " OPC "}",
        "{\"k\": 465, " OPC "}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 "]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", 0, 0]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", -1]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", 1.5]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", 1e3]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", 01]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", \"1\"]}",
        "{" K ", " OPC ", \"seq_ms\": [" Z31 ", 8796093022208]}",    /* 2^43 */
        "{" K ", " OPC ", \"seq_ms\": {}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        usim_write("sim.json", bad[i]);
        memset(&r, 0xa5, sizeof r);
        assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_E_SYNTAX);
        uint8_t zero[sizeof r];
        memset(zero, 0, sizeof zero);
        assert_memory_equal(&r, zero, sizeof r);
        char after[256];
        usim_slurp("sim.json", after, sizeof after);
        assert_string_equal(after, bad[i]);          /* never rewritten */
    }
    /* The largest SEQ is fine (in another slot: SEQ 1 in slot 0 is still
     * fresh); an oversized file is refused. */
    usim_write("sim.json", "{" K ", " OPC ", \"seq_ms\": [" Z31 ", 8796093022207]}");
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_OK);
    assert_int_equal(r.status, CS_AKA_SUCCESS);
    char big[5000];
    memset(big, ' ', sizeof big);
    memcpy(big, "{" K ", " OPC, strlen("{" K ", " OPC));
    big[sizeof big - 2] = '}';
    big[sizeof big - 1] = '\0';
    usim_write("sim.json", big);
    assert_int_equal(cs_modem_authenticate(m, v.rand, v.autn, &r), CS_E_TOO_LARGE);
#undef K
#undef OPC
#undef Z8
#undef Z31
    cs_aka_result_wipe(&r);
    cs_aka_vector_wipe(&v);
    cs_modem_close(m);
    usim_remove_dir();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identities),
        cmocka_unit_test(home_network),
        cmocka_unit_test(bootstrap_host),
        cmocka_unit_test(endpoint_names),
        cmocka_unit_test(emulated_modem),
        cmocka_unit_test(usim_authenticate_set1),
        cmocka_unit_test(usim_file_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
