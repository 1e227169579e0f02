/*
 * policy.c - network-attested bootstrap decisions that need no I/O: the
 * operator's rules parsed from the configuration document ("network",
 * "policies"), the first policy matching a subscription, trusted APNs,
 * the inventory (IMSI to ICCID and group), and whether an endpoint name
 * names the subscription the network attested.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/cellular.h"
#include "policy.h"

static cs_err fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static cs_err fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return CS_E_SYNTAX;
}

static bool is_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* An optional string member of digits (min..max) or text (min 1). */
static bool get_string(json_t *obj, const char *name, char *out, size_t cap,
                       bool digits, size_t min, size_t max)
{
    json_t *v = json_object_get(obj, name);
    out[0] = '\0';
    if (v == NULL)
        return true;
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) >= cap || strlen(s) < (min ? min : 1))
        return false;
    if (digits && !is_digits(s, min, max))
        return false;
    strcpy(out, s);
    return true;
}

static bool only_members(json_t *obj, const char *const *names, const char **bad)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool known = false;
        for (size_t i = 0; names[i] != NULL; i++)
            known |= strcmp(key, names[i]) == 0;
        if (!known) {
            *bad = key;
            return false;
        }
    }
    return true;
}

static bool parse_ep_identity(json_t *v, enum bs_ep_identity *out)
{
    const char *s = json_string_value(v);
    if (s == NULL)
        return false;
    if (strcmp(s, "imsi") == 0)
        *out = BS_EP_IMSI;
    else if (strcmp(s, "imei") == 0)
        *out = BS_EP_IMEI;
    else if (strcmp(s, "imsi+imei") == 0)
        *out = BS_EP_IMSI_AND_IMEI;
    else
        return false;
    return true;
}

/* ["lo", "hi"]: digit strings of one length, lo <= hi. */
static bool get_range(json_t *obj, const char *name, char *lo, char *hi,
                      size_t cap, size_t min, size_t max)
{
    json_t *v = json_object_get(obj, name);
    lo[0] = hi[0] = '\0';
    if (v == NULL)
        return true;
    if (!json_is_array(v) || json_array_size(v) != 2)
        return false;
    const char *a = json_string_value(json_array_get(v, 0));
    const char *b = json_string_value(json_array_get(v, 1));
    if (a == NULL || b == NULL || strlen(a) != strlen(b) || strlen(a) >= cap ||
        !is_digits(a, min, max) || !is_digits(b, min, max) || strcmp(a, b) > 0)
        return false;
    strcpy(lo, a);
    strcpy(hi, b);
    return true;
}

static int by_imsi(const void *a, const void *b)
{
    const struct bs_inventory_entry *x = a, *y = b;
    return strcmp(x->imsi, y->imsi);
}

static cs_err parse_network(json_t *net, struct bs_network_rules *out,
                            char *err, size_t cap)
{
    static const char *const names[] = { "trusted_apns", "endpoint_identity",
                                         "rate_limit", "subscribers", "comment",
                                         NULL };
    const char *bad;
    if (!json_is_object(net))
        return fail(err, cap, "network: an object");
    if (!only_members(net, names, &bad))
        return fail(err, cap, "network: unknown member \"%s\"", bad);
    json_t *apns = json_object_get(net, "trusted_apns");
    if (apns != NULL) {
        if (!json_is_array(apns) || json_array_size(apns) == 0 ||
            json_array_size(apns) > BS_MAX_TRUSTED_APNS)
            return fail(err, cap, "network.trusted_apns: 1..%d APNs",
                        BS_MAX_TRUSTED_APNS);
        for (size_t i = 0; i < json_array_size(apns); i++) {
            const char *a = json_string_value(json_array_get(apns, i));
            if (a == NULL || a[0] == '\0' || strlen(a) > BS_APN_MAX)
                return fail(err, cap, "network.trusted_apns[%zu]: an APN", i);
            strcpy(out->trusted_apns[out->trusted_apn_count++], a);
        }
    }
    json_t *id = json_object_get(net, "endpoint_identity");
    if (id != NULL && !parse_ep_identity(id, &out->ep_identity))
        return fail(err, cap, "network.endpoint_identity: \"imsi\", \"imei\" "
                    "or \"imsi+imei\"");
    json_t *rl = json_object_get(net, "rate_limit");
    if (rl != NULL) {
        static const char *const rl_names[] = { "per_address", "per_subscription",
                                                "window_s", NULL };
        if (!json_is_object(rl) || !only_members(rl, rl_names, &bad))
            return fail(err, cap, "network.rate_limit: per_address, "
                        "per_subscription, window_s");
        uint32_t *fields[] = { &out->rate_per_address,
                               &out->rate_per_subscription, &out->rate_window_s };
        for (size_t i = 0; i < 3; i++) {
            json_t *v = json_object_get(rl, rl_names[i]);
            if (v == NULL)
                continue;
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > 1000000)
                return fail(err, cap, "network.rate_limit.%s: 1..1000000",
                            rl_names[i]);
            *fields[i] = (uint32_t)json_integer_value(v);
        }
    }
    json_t *subs = json_object_get(net, "subscribers");
    if (subs != NULL) {
        if (!json_is_array(subs))
            return fail(err, cap, "network.subscribers: an array");
        size_t n = json_array_size(subs);
        out->inventory = calloc(n ? n : 1, sizeof *out->inventory);
        if (out->inventory == NULL)
            return CS_E_NOMEM;
        static const char *const s_names[] = { "imsi", "iccid", "group", NULL };
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(subs, i);
            struct bs_inventory_entry *e = &out->inventory[i];
            if (!json_is_object(s) || !only_members(s, s_names, &bad) ||
                !get_string(s, "imsi", e->imsi, sizeof e->imsi, true, 6, 15) ||
                e->imsi[0] == '\0' ||
                !get_string(s, "iccid", e->iccid, sizeof e->iccid, true, 18, 20) ||
                !get_string(s, "group", e->group, sizeof e->group, false, 1, 0))
                return fail(err, cap, "network.subscribers[%zu]: imsi (digits), "
                            "iccid (18..20 digits), group", i);
            out->inventory_count++;
        }
        qsort(out->inventory, n, sizeof *out->inventory, by_imsi);
        for (size_t i = 1; i < n; i++)
            if (strcmp(out->inventory[i - 1].imsi, out->inventory[i].imsi) == 0)
                return fail(err, cap, "network.subscribers: IMSI %s twice",
                            out->inventory[i].imsi);
    }
    return CS_OK;
}

static cs_err parse_policy(json_t *p, size_t index, struct bs_policy *out,
                           enum bs_ep_identity default_id, char *err, size_t cap)
{
    static const char *const names[] = { "name", "match", "endpoint_identity",
                                         "trust", "config", "comment", NULL };
    static const char *const m_names[] = { "imsi_prefix", "imsi_range",
                                           "iccid_range", "msisdn_prefix", "apn",
                                           "imei_tac", "group", NULL };
    const char *bad;
    if (!json_is_object(p))
        return fail(err, cap, "policies[%zu]: an object", index);
    if (!only_members(p, names, &bad))
        return fail(err, cap, "policies[%zu]: unknown member \"%s\"", index, bad);
    if (!get_string(p, "name", out->name, sizeof out->name, false, 1, 0) ||
        out->name[0] == '\0')
        return fail(err, cap, "policies[%zu].name: 1..%d characters", index,
                    BS_POLICY_NAME_MAX);
    json_t *m = json_object_get(p, "match");
    if (m != NULL) {
        if (!json_is_object(m) || !only_members(m, m_names, &bad))
            return fail(err, cap, "policies[%zu].match: members %s", index,
                        "imsi_prefix, imsi_range, iccid_range, msisdn_prefix, "
                        "apn, imei_tac, group");
        if (!get_string(m, "imsi_prefix", out->imsi_prefix, sizeof out->imsi_prefix,
                        true, 1, 15))
            return fail(err, cap, "policies[%zu].match.imsi_prefix: digits", index);
        if (!get_range(m, "imsi_range", out->imsi_lo, out->imsi_hi,
                       sizeof out->imsi_lo, 6, 15))
            return fail(err, cap, "policies[%zu].match.imsi_range: "
                        "[\"low IMSI\", \"high IMSI\"]", index);
        if (!get_range(m, "iccid_range", out->iccid_lo, out->iccid_hi,
                       sizeof out->iccid_lo, 18, 20))
            return fail(err, cap, "policies[%zu].match.iccid_range: "
                        "[\"low ICCID\", \"high ICCID\"]", index);
        if (!get_string(m, "msisdn_prefix", out->msisdn_prefix,
                        sizeof out->msisdn_prefix, true, 1, 15))
            return fail(err, cap, "policies[%zu].match.msisdn_prefix: digits", index);
        if (!get_string(m, "apn", out->apn, sizeof out->apn, false, 1, 0))
            return fail(err, cap, "policies[%zu].match.apn: an APN", index);
        if (!get_string(m, "imei_tac", out->imei_tac, sizeof out->imei_tac, true, 8, 8))
            return fail(err, cap, "policies[%zu].match.imei_tac: 8 digits", index);
        if (!get_string(m, "group", out->group, sizeof out->group, false, 1, 0))
            return fail(err, cap, "policies[%zu].match.group: a name", index);
    }
    out->ep_identity = default_id;
    json_t *id = json_object_get(p, "endpoint_identity");
    if (id != NULL && !parse_ep_identity(id, &out->ep_identity))
        return fail(err, cap, "policies[%zu].endpoint_identity: \"imsi\", "
                    "\"imei\" or \"imsi+imei\"", index);
    out->trust = BS_TRUST_ALL;
    json_t *trust = json_object_get(p, "trust");
    if (trust != NULL) {
        out->trust = 0;
        size_t n = json_array_size(trust);
        if (!json_is_array(trust) || n == 0)
            return fail(err, cap, "policies[%zu].trust: a list of \"network\", "
                        "\"gba\", \"akma\"", index);
        for (size_t i = 0; i < n; i++) {
            const char *t = json_string_value(json_array_get(trust, i));
            unsigned bit = t == NULL ? 0 : strcmp(t, "network") == 0 ? BS_TRUST_NETWORK
                           : strcmp(t, "gba") == 0 ? BS_TRUST_GBA
                           : strcmp(t, "akma") == 0 ? BS_TRUST_AKMA : 0;
            if (bit == 0)
                return fail(err, cap, "policies[%zu].trust[%zu]: \"network\", "
                            "\"gba\" or \"akma\"", index, i);
            out->trust |= bit;
        }
    }
    if (!json_is_object(json_object_get(p, "config")))
        return fail(err, cap, "policies[%zu].config: a configuration object "
                    "(as for an endpoint)", index);
    return CS_OK;
}

cs_err bs_network_rules_parse(const char *document,
                              cs_err (*put_config)(void *ctx, const char *name,
                                                   const char *json, char *err,
                                                   size_t err_cap),
                              void *ctx, struct bs_network_rules *out,
                              char *err, size_t err_cap)
{
    memset(out, 0, sizeof *out);
    out->ep_identity = BS_EP_IMSI;
    out->rate_per_address = 10;
    out->rate_per_subscription = 10;
    out->rate_window_s = 60;
    json_error_t jerr;
    json_t *root = json_loads(document, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(err, err_cap, "JSON error at line %d: %s", jerr.line, jerr.text);
    cs_err e = CS_OK;
    json_t *net = json_object_get(root, "network");
    if (net != NULL)
        e = parse_network(net, out, err, err_cap);
    json_t *pol = json_object_get(root, "policies");
    if (e == CS_OK && pol != NULL) {
        size_t n = json_array_size(pol);
        if (!json_is_array(pol) || n > BS_MAX_POLICIES)
            e = fail(err, err_cap, "policies: an array of at most %d",
                     BS_MAX_POLICIES);
        else if ((out->policies = calloc(n ? n : 1, sizeof *out->policies)) == NULL)
            e = CS_E_NOMEM;
        for (size_t i = 0; i < n && e == CS_OK; i++) {
            json_t *p = json_array_get(pol, i);
            e = parse_policy(p, i, &out->policies[i], out->ep_identity, err,
                             err_cap);
            for (size_t j = 0; j < i && e == CS_OK; j++)
                if (strcmp(out->policies[j].name, out->policies[i].name) == 0)
                    e = fail(err, err_cap, "policies[%zu].name: \"%s\" twice", i,
                             out->policies[i].name);
            if (e != CS_OK)
                break;
            out->policy_count++;
            if (put_config != NULL) {
                char *text = json_dumps(json_object_get(p, "config"), JSON_COMPACT);
                char sub_err[256] = "";
                e = text == NULL ? CS_E_NOMEM
                                 : put_config(ctx, out->policies[i].name, text,
                                              sub_err, sizeof sub_err);
                free(text);
                if (e == CS_E_SYNTAX)
                    fail(err, err_cap, "policies[%zu].config: %s", i, sub_err);
            }
        }
    }
    json_decref(root);
    if (e != CS_OK)
        bs_network_rules_free(out);
    return e;
}

void bs_network_rules_free(struct bs_network_rules *rules)
{
    free(rules->policies);
    free(rules->inventory);
    memset(rules, 0, sizeof *rules);
}

void bs_inventory_complete(const struct bs_network_rules *rules,
                           struct bs_subscription *sub)
{
    size_t lo = 0, hi = rules->inventory_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rules->inventory[mid].imsi, sub->imsi);
        if (c == 0) {
            if (sub->iccid[0] == '\0')
                strcpy(sub->iccid, rules->inventory[mid].iccid);
            if (sub->group[0] == '\0')
                strcpy(sub->group, rules->inventory[mid].group);
            return;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* lo <= s <= hi for digit strings of lo's length. */
static bool in_range(const char *s, const char *lo, const char *hi)
{
    return strlen(s) == strlen(lo) && strcmp(s, lo) >= 0 && strcmp(s, hi) <= 0;
}

static bool policy_matches(const struct bs_policy *p,
                           const struct bs_subscription *s)
{
    if (p->imsi_prefix[0] && !has_prefix(s->imsi, p->imsi_prefix))
        return false;
    if (p->imsi_lo[0] && !in_range(s->imsi, p->imsi_lo, p->imsi_hi))
        return false;
    if (p->iccid_lo[0] && !in_range(s->iccid, p->iccid_lo, p->iccid_hi))
        return false;
    if (p->msisdn_prefix[0] &&
        (s->msisdn[0] == '\0' || !has_prefix(s->msisdn, p->msisdn_prefix)))
        return false;
    if (p->apn[0] && strcmp(s->apn, p->apn) != 0)
        return false;
    if (p->imei_tac[0] && (strlen(s->imeisv) < 8 || !has_prefix(s->imeisv, p->imei_tac)))
        return false;
    if (p->group[0] && strcmp(s->group, p->group) != 0)
        return false;
    return true;
}

const struct bs_policy *bs_policy_select(const struct bs_network_rules *rules,
                                         const struct bs_subscription *sub)
{
    for (size_t i = 0; i < rules->policy_count; i++)
        if (policy_matches(&rules->policies[i], sub))
            return &rules->policies[i];
    return NULL;
}

bool bs_apn_trusted(const struct bs_network_rules *rules, const char *apn)
{
    if (rules->trusted_apn_count == 0)
        return true;
    for (size_t i = 0; i < rules->trusted_apn_count; i++)
        if (strcmp(rules->trusted_apns[i], apn) == 0)
            return true;
    return false;
}

/* The identities an endpoint name carries. */
struct ep_claims {
    char imsi[16];
    char imei[16];
    char msisdn[16];
};

/* "A-B" of digit strings into a and b. */
static bool split_pair(const char *s, char *a, size_t a_cap, char *b, size_t b_cap)
{
    const char *dash = strchr(s, '-');
    if (dash == NULL || (size_t)(dash - s) >= a_cap || strlen(dash + 1) >= b_cap)
        return false;
    memcpy(a, s, (size_t)(dash - s));
    a[dash - s] = '\0';
    strcpy(b, dash + 1);
    return true;
}

static bool read_claims(const char *ep, struct ep_claims *c)
{
    memset(c, 0, sizeof *c);
    if (has_prefix(ep, "urn:imei-imsi:"))
        return split_pair(ep + 14, c->imei, sizeof c->imei, c->imsi, sizeof c->imsi) &&
               cs_imei_valid(c->imei) && cs_imsi_valid(c->imsi);
    if (has_prefix(ep, "urn:imei-msisdn:"))
        return split_pair(ep + 16, c->imei, sizeof c->imei, c->msisdn,
                          sizeof c->msisdn) &&
               cs_imei_valid(c->imei) && is_digits(c->msisdn, 1, 15);
    if (has_prefix(ep, "urn:imsi:") && strlen(ep + 9) < sizeof c->imsi) {
        strcpy(c->imsi, ep + 9);
        return cs_imsi_valid(c->imsi);
    }
    if (has_prefix(ep, "urn:imei:") && strlen(ep + 9) < sizeof c->imei) {
        strcpy(c->imei, ep + 9);
        return cs_imei_valid(c->imei);
    }
    return false;
}

const char *bs_endpoint_names_subscription(const char *ep,
                                           const struct bs_subscription *sub,
                                           enum bs_ep_identity need)
{
    struct ep_claims c;
    if (!read_claims(ep, &c))
        return "endpoint name carries no subscription identity";
    if (c.imsi[0] && strcmp(c.imsi, sub->imsi) != 0)
        return "IMSI in the endpoint name is not the attested one";
    /* An IMEI can be checked only when the proof carried one (RADIUS
     * does, GBA does not); unchecked, it may not be what a policy needs. */
    bool imei_known = strlen(sub->imeisv) == 16;
    if (c.imei[0] && imei_known && memcmp(c.imei, sub->imeisv, 14) != 0)
        return "IMEI in the endpoint name is not the attested one";
    if ((need & BS_EP_IMEI) && c.imei[0] && !imei_known)
        return "the IMEI cannot be attested by this proof";
    if (c.msisdn[0] && strcmp(c.msisdn, sub->msisdn) != 0)
        return "MSISDN in the endpoint name is not the attested one";
    if ((need & BS_EP_IMSI) && c.imsi[0] == '\0')
        return "endpoint name lacks the IMSI";
    if ((need & BS_EP_IMEI) && c.imei[0] == '\0')
        return "endpoint name lacks the IMEI";
    return NULL;
}
