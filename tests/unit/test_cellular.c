/*
 * test_cellular.c - what a vanilla device derives from its subscription
 * (IMSI and IMEI checks, home network, endpoint name and bootstrap host
 * patterns) and the emulated modem's file: good files, every bad member,
 * attach and detach seen on the next read.
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identities),
        cmocka_unit_test(home_network),
        cmocka_unit_test(bootstrap_host),
        cmocka_unit_test(endpoint_names),
        cmocka_unit_test(emulated_modem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
