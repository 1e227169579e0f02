/*
 * test_bs_policy.c - the network-attested bootstrap rules: parsing the
 * "network" and "policies" members (and refusing bad ones with the member
 * named), policy order and each match criterion, the inventory, trusted
 * APNs, and endpoint names checked against the attested subscription.
 */
#include <stdlib.h>

#include "test_support.h"
#include "bs/policy.h"
#include "bs/rate_limit.h"
#include "cellstrap/bs.h"
#include "cellstrap/log.h"

static int configs_put;
static char last_config[512];

static cs_err put_config(void *ctx, const char *name, const char *json,
                         char *err, size_t cap)
{
    (void)ctx;
    (void)name;
    configs_put++;
    snprintf(last_config, sizeof last_config, "%s", json);
    if (strstr(json, "\"bad\"") != NULL) {
        snprintf(err, cap, "servers: required");
        return CS_E_SYNTAX;
    }
    return CS_OK;
}

static const char doc[] =
    "{\"endpoints\": {},"
    " \"network\": {\"trusted_apns\": [\"iot.example\", \"meters.example\"],"
    "   \"endpoint_identity\": \"imsi\","
    "   \"rate_limit\": {\"per_address\": 3, \"window_s\": 10},"
    "   \"subscribers\": [{\"imsi\": \"001010000000002\", \"iccid\": \"8988211000000000002\","
    "                      \"group\": \"trackers\"},"
    "                     {\"imsi\": \"001010000000001\", \"group\": \"meters\"}]},"
    " \"policies\": ["
    "   {\"name\": \"lab\", \"match\": {\"imsi_range\": [\"001010000000900\", \"001010000000999\"]},"
    "    \"endpoint_identity\": \"imsi+imei\", \"config\": {\"servers\": []}},"
    "   {\"name\": \"trackers\", \"match\": {\"group\": \"trackers\"}, \"config\": {\"servers\": []}},"
    "   {\"name\": \"tac\", \"match\": {\"imei_tac\": \"35349006\", \"apn\": \"meters.example\"},"
    "    \"config\": {\"servers\": []}},"
    "   {\"name\": \"german\", \"match\": {\"msisdn_prefix\": \"49\"}, \"config\": {\"servers\": []}},"
    "   {\"name\": \"iccid\", \"match\": {\"iccid_range\": [\"8988211000000000000\","
    "    \"8988211000000000099\"]}, \"config\": {\"servers\": []}},"
    "   {\"name\": \"home\", \"match\": {\"imsi_prefix\": \"00101\"}, \"config\": {\"servers\": []}}]}";

static struct bs_subscription sub(const char *imsi)
{
    struct bs_subscription s;
    memset(&s, 0, sizeof s);
    strcpy(s.imsi, imsi);
    strcpy(s.apn, "iot.example");
    return s;
}

static const char *selected(const struct bs_network_rules *r, struct bs_subscription s)
{
    bs_inventory_complete(r, &s);
    const struct bs_policy *p = bs_policy_select(r, &s);
    return p != NULL ? p->name : "-";
}

static void parse_and_select(void **state)
{
    (void)state;
    struct bs_network_rules r;
    char err[256];
    configs_put = 0;
    assert_int_equal(bs_network_rules_parse(doc, put_config, NULL, &r, err,
                                            sizeof err), CS_OK);
    assert_int_equal(configs_put, 6);
    assert_int_equal(r.policy_count, 6);
    assert_int_equal(r.rate_per_address, 3);
    assert_int_equal(r.rate_per_subscription, 10);   /* default */
    assert_int_equal(r.rate_window_s, 10);
    assert_int_equal(r.policies[0].ep_identity, BS_EP_IMSI_AND_IMEI);
    assert_int_equal(r.policies[1].ep_identity, BS_EP_IMSI);

    assert_string_equal(selected(&r, sub("001010000000950")), "lab");
    assert_string_equal(selected(&r, sub("001010000000002")), "trackers");  /* inventory */
    struct bs_subscription s = sub("001010000000003");
    strcpy(s.imeisv, "3534900612345601");
    assert_string_equal(selected(&r, s), "home");        /* TAC but wrong APN */
    strcpy(s.apn, "meters.example");
    assert_string_equal(selected(&r, s), "tac");
    s = sub("001010000000004");
    strcpy(s.msisdn, "491700000004");
    assert_string_equal(selected(&r, s), "german");
    s = sub("001010000000005");
    strcpy(s.iccid, "8988211000000000050");
    assert_string_equal(selected(&r, s), "iccid");
    assert_string_equal(selected(&r, sub("001010000000001")), "home");
    assert_string_equal(selected(&r, sub("262010000000001")), "-");
    /* Range bounds are inclusive and length-exact. */
    assert_string_equal(selected(&r, sub("001010000000999")), "lab");
    assert_string_equal(selected(&r, sub("00101000000095")), "home");

    assert_true(bs_apn_trusted(&r, "meters.example"));
    assert_false(bs_apn_trusted(&r, "internet"));
    bs_network_rules_free(&r);

    /* No network member: every APN trusted, defaults. */
    assert_int_equal(bs_network_rules_parse("{\"endpoints\": {}}", put_config, NULL,
                                            &r, err, sizeof err), CS_OK);
    assert_true(bs_apn_trusted(&r, "internet"));
    assert_int_equal(r.ep_identity, BS_EP_IMSI);
    assert_null(bs_policy_select(&r, &s));
    bs_network_rules_free(&r);
}

static void refusals(void **state)
{
    (void)state;
    static const struct { const char *json, *want; } bad[] = {
        { "{\"network\": {\"trusted_apn\": []}}", "unknown member \"trusted_apn\"" },
        { "{\"network\": {\"trusted_apns\": []}}", "trusted_apns" },
        { "{\"network\": {\"endpoint_identity\": \"iccid\"}}", "endpoint_identity" },
        { "{\"network\": {\"rate_limit\": {\"per_address\": 0}}}", "per_address" },
        { "{\"network\": {\"subscribers\": [{\"imsi\": \"12\"}]}}", "subscribers[0]" },
        { "{\"network\": {\"subscribers\": [{\"imsi\": \"001010000000001\"},"
          " {\"imsi\": \"001010000000001\"}]}}", "twice" },
        { "{\"policies\": {}}", "policies: an array" },
        { "{\"policies\": [{\"match\": {}, \"config\": {}}]}", "policies[0].name" },
        { "{\"policies\": [{\"name\": \"a\", \"config\": {}, \"colour\": 1}]}",
          "unknown member \"colour\"" },
        { "{\"policies\": [{\"name\": \"a\", \"match\": {\"imsi_prefix\": \"0x\"},"
          " \"config\": {}}]}", "imsi_prefix" },
        { "{\"policies\": [{\"name\": \"a\", \"match\": {\"imsi_range\": [\"002\", \"001\"]},"
          " \"config\": {}}]}", "imsi_range" },
        { "{\"policies\": [{\"name\": \"a\", \"match\": {\"imei_tac\": \"1234\"},"
          " \"config\": {}}]}", "imei_tac" },
        { "{\"policies\": [{\"name\": \"a\", \"match\": {}}]}", "config" },
        { "{\"policies\": [{\"name\": \"a\", \"config\": {}}, {\"name\": \"a\", \"config\": {}}]}",
          "twice" },
        { "{\"policies\": [{\"name\": \"a\", \"config\": {\"bad\": 1}}]}",
          "policies[0].config: servers: required" },
        { "{\"policies\": [", "JSON error" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct bs_network_rules r;
        char err[256] = "";
        assert_int_equal(bs_network_rules_parse(bad[i].json, put_config, NULL, &r,
                                                err, sizeof err), CS_E_SYNTAX);
        if (strstr(err, bad[i].want) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].want);
        assert_int_equal(r.policy_count, 0);
    }
}

static void endpoint_names(void **state)
{
    (void)state;
    struct bs_subscription s = sub("001010123456789");
    strcpy(s.imeisv, "4901542032375101");      /* IMEI 49015420323751 + 8 */
    strcpy(s.msisdn, "491701234567");
    assert_null(bs_endpoint_names_subscription(
        "urn:imei-imsi:490154203237518-001010123456789", &s, BS_EP_IMSI_AND_IMEI));
    assert_null(bs_endpoint_names_subscription("urn:imsi:001010123456789", &s, BS_EP_IMSI));
    assert_null(bs_endpoint_names_subscription("urn:imei:490154203237518", &s, BS_EP_IMEI));
    assert_null(bs_endpoint_names_subscription(
        "urn:imei-msisdn:490154203237518-491701234567", &s, BS_EP_IMEI));
    /* Another subscription's IMSI; another device's IMEI; a bad check digit. */
    assert_non_null(strstr(bs_endpoint_names_subscription(
        "urn:imei-imsi:490154203237518-001010123456780", &s, BS_EP_IMSI), "IMSI"));
    assert_non_null(strstr(bs_endpoint_names_subscription(
        "urn:imei-imsi:353490061234569-001010123456789", &s, BS_EP_IMSI), "IMEI"));
    assert_non_null(bs_endpoint_names_subscription(
        "urn:imei:490154203237519", &s, BS_EP_IMEI));
    assert_non_null(strstr(bs_endpoint_names_subscription(
        "urn:imei-msisdn:490154203237518-491700000000", &s, BS_EP_IMEI), "MSISDN"));
    /* Identities the policy needs but the name lacks. */
    assert_non_null(strstr(bs_endpoint_names_subscription(
        "urn:imei:490154203237518", &s, BS_EP_IMSI), "lacks the IMSI"));
    assert_non_null(strstr(bs_endpoint_names_subscription(
        "urn:imsi:001010123456789", &s, BS_EP_IMSI_AND_IMEI), "lacks the IMEI"));
    /* No IMEISV known (a GBA proof): the IMEI is not checked, and cannot
     * satisfy a policy that needs it. */
    struct bs_subscription g = sub("001010123456789");
    assert_null(bs_endpoint_names_subscription(
        "urn:imei-imsi:353490061234569-001010123456789", &g, BS_EP_IMSI));
    assert_non_null(strstr(bs_endpoint_names_subscription(
        "urn:imei-imsi:353490061234569-001010123456789", &g, BS_EP_IMSI_AND_IMEI),
        "cannot be attested"));
    /* Names that carry no identity, or garbage. */
    assert_non_null(bs_endpoint_names_subscription("dev-1", &s, BS_EP_IMSI));
    assert_non_null(bs_endpoint_names_subscription("urn:imsi:", &s, BS_EP_IMSI));
    assert_non_null(bs_endpoint_names_subscription("urn:imei-imsi:4901542032375180", &s,
                                                   BS_EP_IMSI));
    assert_non_null(bs_endpoint_names_subscription(
        "urn:imsi:0010101234567890000000000000000000000", &s, BS_EP_IMSI));
}

static void rate_limits(void **state)
{
    (void)state;
    struct bs_rate_limit rl;
    assert_true(bs_rate_limit_init(&rl, 64, 3, 10000, 42));
    for (int i = 0; i < 3; i++)
        assert_true(bs_rate_limit_allow(&rl, "127.1.0.5", 1000));
    assert_false(bs_rate_limit_allow(&rl, "127.1.0.5", 2000));
    assert_false(bs_rate_limit_allow(&rl, "127.1.0.5", 3000));
    assert_true(bs_rate_limit_allow(&rl, "127.1.0.6", 3000));    /* another key */
    assert_true(bs_rate_limit_allow(&rl, "127.1.0.5", 11000));   /* next window */
    /* A flood of distinct keys fills the table; then new keys are refused,
     * and once their windows pass the slots serve again. */
    char key[32];
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        refused += !bs_rate_limit_allow(&rl, key, 12000);
    }
    assert_true(refused >= 1000 - 64);
    assert_true(bs_rate_limit_allow(&rl, "late", 30000));
    bs_rate_limit_free(&rl);
    /* limit 0: no limit. */
    assert_true(bs_rate_limit_init(&rl, 16, 0, 1000, 1));
    for (int i = 0; i < 100; i++)
        assert_true(bs_rate_limit_allow(&rl, "x", 0));
    bs_rate_limit_free(&rl);
}

static cs_radius_acct start_fields(const char *imsi, uint8_t last, const char *session)
{
    cs_radius_acct f;
    memset(&f, 0, sizeof f);
    f.present = CS_ACCT_HAS_STATUS | CS_ACCT_HAS_FRAMED_IP | CS_ACCT_HAS_IMSI |
                CS_ACCT_HAS_MSISDN | CS_ACCT_HAS_IMEISV | CS_ACCT_HAS_APN |
                CS_ACCT_HAS_SESSION_ID | CS_ACCT_HAS_EVENT_TIMESTAMP;
    f.status_type = CS_RADIUS_ACCT_START;
    f.framed_ip[0] = 127; f.framed_ip[1] = 1; f.framed_ip[3] = last;
    strcpy(f.imsi, imsi);
    strcpy(f.msisdn, "491700000001");
    strcpy(f.imeisv, "3534900612345601");
    strcpy(f.apn, "iot.example");
    strcpy(f.session_id, session);
    f.event_timestamp = 1234;
    return f;
}

static cs_err apply(cs_store *st, const char *gateway, const cs_radius_acct *f)
{
    cs_acct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.status_type = f->status_type;
    ev.gateway = gateway;
    ev.fields = f;
    return cs_bs_apply_accounting(st, &ev);
}

static void accounting_bindings(void **state)
{
    (void)state;
    cs_log_set_level(CS_LOG_ERROR);
    cs_store *st;
    assert_int_equal(cs_store_open("sqlite::memory:", &st), CS_OK);
    cs_addr a5 = cs_addr_ipv4(127, 1, 0, 5, 33333);
    cs_binding b;
    cs_radius_acct f = start_fields("001010000000001", 5, "s1");
    assert_int_equal(apply(st, "pgw-1", &f), CS_OK);
    assert_int_equal(cs_store_find_binding(st, &a5, &b), CS_OK);
    assert_string_equal(b.imsi, "001010000000001");
    assert_string_equal(b.imeisv, "3534900612345601");
    assert_string_equal(b.apn, "iot.example");
    assert_string_equal(b.gateway, "pgw-1");
    assert_int_equal(b.started, 1234);
    /* A Stop of another session, or from another gateway, changes nothing. */
    cs_radius_acct stop = f;
    stop.status_type = CS_RADIUS_ACCT_STOP;
    strcpy(stop.session_id, "s0");
    assert_int_equal(apply(st, "pgw-1", &stop), CS_OK);
    assert_int_equal(cs_store_find_binding(st, &a5, &b), CS_OK);
    strcpy(stop.session_id, "s1");
    assert_int_equal(apply(st, "pgw-2", &stop), CS_OK);
    assert_int_equal(cs_store_find_binding(st, &a5, &b), CS_OK);
    assert_int_equal(apply(st, "pgw-1", &stop), CS_OK);
    assert_int_equal(cs_store_find_binding(st, &a5, &b), CS_E_NOT_FOUND);
    /* Accounting-On from pgw-1 drops its bindings only. */
    f = start_fields("001010000000001", 5, "s2");
    assert_int_equal(apply(st, "pgw-1", &f), CS_OK);
    cs_radius_acct g = start_fields("001010000000002", 6, "s3");
    assert_int_equal(apply(st, "pgw-2", &g), CS_OK);
    cs_radius_acct on;
    memset(&on, 0, sizeof on);
    on.present = CS_ACCT_HAS_STATUS;
    on.status_type = CS_RADIUS_ACCT_ON;
    assert_int_equal(apply(st, "pgw-1", &on), CS_OK);
    cs_addr a6 = cs_addr_ipv4(127, 1, 0, 6, 0);
    assert_int_equal(cs_store_find_binding(st, &a5, &b), CS_E_NOT_FOUND);
    assert_int_equal(cs_store_find_binding(st, &a6, &b), CS_OK);
    /* A Start without an address binds nothing but is answered. */
    cs_radius_acct bare = start_fields("001010000000003", 7, "s4");
    bare.present &= ~(uint32_t)CS_ACCT_HAS_FRAMED_IP;
    assert_int_equal(apply(st, "pgw-1", &bare), CS_OK);
    cs_store_close(st);
}

static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return 1000;
}

/* The document loaded is kept in the store; a new engine on the same store
 * (a restart without --config, another node) loads it back. */
static void document_kept_in_store(void **state)
{
    (void)state;
    cs_store *st;
    assert_int_equal(cs_store_open("sqlite::memory:", &st), CS_OK);
    cs_bs_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.store = st;
    cfg.unix_clock = fixed_clock;
    cfg.seed = 7;
    cs_bs *bs;
    char err[256];
    assert_int_equal(cs_bs_new(&cfg, &bs), CS_OK);
    assert_int_equal(cs_bs_load_stored(bs, err, sizeof err), CS_E_NOT_FOUND);
    static const char text[] =
        "{\"network\": {\"trusted_apns\": [\"iot.example\"]},"
        " \"policies\": [{\"name\": \"meters\", \"match\": {\"imsi_prefix\": \"00101\"},"
        "   \"config\": {\"servers\": [{\"name\": \"a\", \"uri\": \"coaps://127.0.0.1:5684\","
        "   \"ssid\": 1}]}}]}";
    assert_int_equal(cs_bs_load_text(bs, text, err, sizeof err), CS_OK);
    char *json = NULL;
    assert_int_equal(cs_store_get_bootstrap_config(st, "policy:meters", &json), CS_OK);
    assert_non_null(strstr(json, "coaps://127.0.0.1:5684"));
    free(json);
    cs_bs_free(bs);
    assert_int_equal(cs_bs_new(&cfg, &bs), CS_OK);
    assert_int_equal(cs_bs_load_stored(bs, err, sizeof err), CS_OK);
    /* A bad document is refused whole: the stored one stays. */
    assert_int_equal(cs_bs_load_text(bs, "{\"policies\": [{\"name\": \"x\"}]}", err,
                                     sizeof err), CS_E_SYNTAX);
    assert_int_equal(cs_store_get_bootstrap_config(st, "# configuration document", &json),
                     CS_OK);
    assert_non_null(strstr(json, "meters"));
    free(json);
    cs_bs_free(bs);
    cs_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_and_select),
        cmocka_unit_test(refusals),
        cmocka_unit_test(endpoint_names),
        cmocka_unit_test(rate_limits),
        cmocka_unit_test(accounting_bindings),
        cmocka_unit_test(document_kept_in_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
