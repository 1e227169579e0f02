/*
 * policy.h - the network-attested side of the bootstrap server: what it
 * knows of the subscription behind a request (from the packet gateway's
 * accounting binding and the operator's inventory), the operator's
 * bootstrap policies that pick a configuration for it, and the check that
 * an endpoint name names that subscription.
 */
#ifndef CELLSTRAP_BS_POLICY_H
#define CELLSTRAP_BS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#define BS_APN_MAX 100
#define BS_GROUP_MAX 32
#define BS_POLICY_NAME_MAX 63
#define BS_MAX_POLICIES 256
#define BS_MAX_TRUSTED_APNS 16

/* The subscription behind a request.  Empty strings are unknown. */
struct bs_subscription {
    char imsi[16];
    char msisdn[16];
    char imeisv[17];
    char apn[BS_APN_MAX + 1];
    char iccid[21];                 /* from the inventory */
    char group[BS_GROUP_MAX + 1];   /* from the inventory */
};

/* Which identities an endpoint name must carry (and match). */
enum bs_ep_identity {
    BS_EP_IMSI = 1,
    BS_EP_IMEI = 2,
    BS_EP_IMSI_AND_IMEI = 3
};

/* How a subscription was proven (bits of bs_policy.trust). */
enum bs_trust {
    BS_TRUST_NETWORK = 1,     /* a RADIUS-bound address on a trusted APN */
    BS_TRUST_GBA = 2,         /* DTLS-PSK with a GBA key (B-TID, Zn) */
    BS_TRUST_AKMA = 4,        /* DTLS-PSK with an AKMA key (A-KID) */
    BS_TRUST_ALL = 7
};

/* One ordered rule: every criterion given must hold; none given = any. */
struct bs_policy {
    char name[BS_POLICY_NAME_MAX + 1];
    char imsi_prefix[16];
    char imsi_lo[16], imsi_hi[16];      /* inclusive range, same length */
    char iccid_lo[21], iccid_hi[21];
    char msisdn_prefix[16];
    char apn[BS_APN_MAX + 1];
    char imei_tac[9];                   /* 8 digits */
    char group[BS_GROUP_MAX + 1];
    enum bs_ep_identity ep_identity;
    unsigned trust;                     /* enum bs_trust bits accepted */
};

struct bs_inventory_entry {
    char imsi[16];
    char iccid[21];
    char group[BS_GROUP_MAX + 1];
};

/* The operator's network settings, policies and inventory. */
struct bs_network_rules {
    char trusted_apns[BS_MAX_TRUSTED_APNS][BS_APN_MAX + 1];
    size_t trusted_apn_count;           /* 0: every APN is trusted */
    enum bs_ep_identity ep_identity;    /* default for requests */
    uint32_t rate_per_address;          /* Bootstrap-Requests per window */
    uint32_t rate_per_subscription;
    uint32_t rate_window_s;
    struct bs_policy *policies;
    size_t policy_count;
    struct bs_inventory_entry *inventory;   /* sorted by IMSI */
    size_t inventory_count;
};

/*
 * Parse the "network" and "policies" members of a configuration document
 * (either may be absent).  Each policy's "config" member is handed to
 * `put_config(ctx, name, json_text)` (a configuration object in the
 * endpoint schema, checked by the caller) so that it can be stored under
 * the policy's name.  CS_E_SYNTAX with a message in err.  Free with
 * bs_network_rules_free.
 */
cs_err bs_network_rules_parse(const char *document,
                              cs_err (*put_config)(void *ctx, const char *name,
                                                   const char *json, char *err,
                                                   size_t err_cap),
                              void *ctx, struct bs_network_rules *out,
                              char *err, size_t err_cap);
void bs_network_rules_free(struct bs_network_rules *rules);

/* Fill iccid and group from the inventory, when it knows the IMSI. */
void bs_inventory_complete(const struct bs_network_rules *rules,
                           struct bs_subscription *sub);

/* The first policy that matches, or NULL. */
const struct bs_policy *bs_policy_select(const struct bs_network_rules *rules,
                                         const struct bs_subscription *sub);

/* True when plain bootstrap is allowed from sessions on `apn`. */
bool bs_apn_trusted(const struct bs_network_rules *rules, const char *apn);

/*
 * Does the endpoint name `ep` name this subscription?  The forms read:
 * urn:imei-imsi:<IMEI>-<IMSI>, urn:imsi:<IMSI>, urn:imei:<IMEI>,
 * urn:imei-msisdn:<IMEI>-<MSISDN>.  Every identity the name carries must
 * match (an IMEI against the IMEISV's first 14 digits, with a valid check
 * digit; when the subscription has no IMEISV, as with GBA, an IMEI is
 * unchecked and cannot satisfy `need`), and those `need` asks for must be
 * there.  NULL when it does, or
 * the reason it does not.
 */
const char *bs_endpoint_names_subscription(const char *ep,
                                           const struct bs_subscription *sub,
                                           enum bs_ep_identity need);

#endif
