/*
 * netsim.c - the core-network emulator's engine: subscriber records kept
 * sorted by IMSI (binary search), an address pool handing out the next
 * free address after the last one given, wrapping around (a re-attach gets
 * a new address; a freed address goes to another subscriber once the pool
 * comes round, as real pools do), and the packet gateway's accounting: every
 * attach and detach becomes a RADIUS Accounting-Request to each server,
 * sent and retransmitted by the sans-I/O accounting client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/cellular.h"
#include "cellstrap/netsim.h"
#include "cellstrap/radius.h"
#include "netsim/netsim_internal.h"

static bool digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

cs_err cs_netsim_new(const cs_netsim_config *cfg, cs_netsim **out)
{
    if (cfg->send == NULL || cfg->pool_first.family != CS_AF_INET ||
        cfg->pool_size == 0 || cfg->pool_size > 65536 ||
        cfg->default_apn == NULL || cfg->default_apn[0] == '\0' ||
        strlen(cfg->default_apn) > CS_NETSIM_APN_MAX ||
        (cfg->nas_identifier != NULL && strlen(cfg->nas_identifier) > 63) ||
        (cfg->sgsn_mcc_mnc != NULL && !digits(cfg->sgsn_mcc_mnc, 5, 6)))
        return CS_E_INVALID_ARG;
    uint32_t base = (uint32_t)cfg->pool_first.ip[0] << 24 |
                    (uint32_t)cfg->pool_first.ip[1] << 16 |
                    (uint32_t)cfg->pool_first.ip[2] << 8 | cfg->pool_first.ip[3];
    if ((uint64_t)base + cfg->pool_size - 1 > 0xFFFFFFFFu)
        return CS_E_INVALID_ARG;
    cs_netsim *ns = calloc(1, sizeof *ns);
    if (ns == NULL)
        return CS_E_NOMEM;
    ns->cfg = *cfg;
    snprintf(ns->default_apn, sizeof ns->default_apn, "%s", cfg->default_apn);
    if (cfg->nas_identifier != NULL)
        snprintf(ns->nas_identifier, sizeof ns->nas_identifier, "%s",
                 cfg->nas_identifier);
    if (cfg->sgsn_mcc_mnc != NULL)
        snprintf(ns->sgsn_mcc_mnc, sizeof ns->sgsn_mcc_mnc, "%s", cfg->sgsn_mcc_mnc);
    ns->pool_base = base;
    ns->pool_used = calloc(cfg->pool_size, 1);
    ns->next_attach_id = 1;
    cs_acct_client_config acfg;
    memset(&acfg, 0, sizeof acfg);
    acfg.send = cfg->send;
    acfg.ctx = cfg->ctx;
    cs_err err = ns->pool_used == NULL ? CS_E_NOMEM
                                       : cs_acct_client_new(&acfg, &ns->acct);
    if (err != CS_OK) {
        cs_netsim_free(ns);
        return err;
    }
    *out = ns;
    return CS_OK;
}

void cs_netsim_free(cs_netsim *ns)
{
    if (ns == NULL)
        return;
    cs_acct_client_free(ns->acct);
    netsim_bsf_free(ns);
    if (ns->subs != NULL)
        memset(ns->subs, 0, ns->cap * sizeof *ns->subs);   /* keys */
    free(ns->subs);
    free(ns->pool_used);
    free(ns);
}

cs_err cs_netsim_add_accounting(cs_netsim *ns, const cs_addr *server,
                                const uint8_t *secret, size_t secret_len)
{
    unsigned index;
    cs_err err = cs_acct_client_add_server(ns->acct, server, secret, secret_len,
                                           &index);
    if (err == CS_OK)
        ns->servers = index + 1;
    return err;
}

/* ---- Subscribers ----------------------------------------------------------- */

/* Index of `imsi`, or where it would go (*found false). */
static size_t search(const cs_netsim *ns, const char *imsi, bool *found)
{
    size_t lo = 0, hi = ns->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ns->subs[mid].sub.imsi, imsi);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

struct entry *netsim_find_entry(const cs_netsim *ns, const char *imsi)
{
    bool found;
    size_t i = search(ns, imsi, &found);
    return found ? &ns->subs[i] : NULL;
}

static const char *check_subscriber(const cs_subscriber *s)
{
    if (!cs_imsi_valid(s->imsi))
        return "imsi: 6 to 15 digits";
    if (s->mnc_length != 2 && s->mnc_length != 3)
        return "mnc_length: 2 or 3";
    if (s->msisdn[0] != '\0' && !digits(s->msisdn, 1, 15))
        return "msisdn: up to 15 digits";
    if (s->iccid[0] != '\0' && !digits(s->iccid, 18, 20))
        return "iccid: 18 to 20 digits";
    if (s->imeisv[0] != '\0' && !digits(s->imeisv, 16, 16))
        return "imeisv: 16 digits";
    return NULL;
}

cs_err cs_netsim_put_subscriber(cs_netsim *ns, const cs_subscriber *sub,
                                const char **why)
{
    const char *bad = check_subscriber(sub);
    if (bad != NULL) {
        if (why != NULL)
            *why = bad;
        return CS_E_SYNTAX;
    }
    bool found;
    size_t i = search(ns, sub->imsi, &found);
    if (found) {
        if (ns->subs[i].attached)
            return CS_E_BUSY;
        ns->subs[i].sub = *sub;
        return CS_OK;
    }
    if (ns->count == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 16;
        struct entry *n = realloc(ns->subs, cap * sizeof *n);
        if (n == NULL)
            return CS_E_NOMEM;
        ns->subs = n;
        ns->cap = cap;
    }
    memmove(&ns->subs[i + 1], &ns->subs[i], (ns->count - i) * sizeof *ns->subs);
    memset(&ns->subs[i], 0, sizeof ns->subs[i]);
    ns->subs[i].sub = *sub;
    ns->count++;
    return CS_OK;
}

cs_err cs_netsim_remove_subscriber(cs_netsim *ns, const char *imsi)
{
    bool found;
    size_t i = search(ns, imsi, &found);
    if (!found)
        return CS_E_NOT_FOUND;
    if (ns->subs[i].attached)
        return CS_E_BUSY;
    memset(&ns->subs[i], 0, sizeof ns->subs[i]);
    memmove(&ns->subs[i], &ns->subs[i + 1], (ns->count - i - 1) * sizeof *ns->subs);
    ns->count--;
    return CS_OK;
}

const cs_subscriber *cs_netsim_find(const cs_netsim *ns, const char *imsi)
{
    const struct entry *e = netsim_find_entry(ns, imsi);
    return e != NULL ? &e->sub : NULL;
}

const cs_netsim_session *cs_netsim_session_of(const cs_netsim *ns,
                                              const char *imsi)
{
    const struct entry *e = netsim_find_entry(ns, imsi);
    return e != NULL && e->attached ? &e->session : NULL;
}

void cs_netsim_each(const cs_netsim *ns,
                    int (*fn)(void *ctx, const cs_subscriber *sub,
                              const cs_netsim_session *session),
                    void *ctx)
{
    for (size_t i = 0; i < ns->count; i++)
        if (fn(ctx, &ns->subs[i].sub,
               ns->subs[i].attached ? &ns->subs[i].session : NULL) != 0)
            return;
}

/* ---- The packet gateway ---------------------------------------------------- */

static bool pool_take(cs_netsim *ns, cs_addr *out)
{
    for (uint32_t n = 0; n < ns->cfg.pool_size; n++) {
        uint32_t i = (ns->pool_next + n) % ns->cfg.pool_size;
        if (ns->pool_used[i])
            continue;
        ns->pool_used[i] = 1;
        ns->pool_next = (i + 1) % ns->cfg.pool_size;
        uint32_t a = ns->pool_base + i;
        *out = cs_addr_ipv4((uint8_t)(a >> 24), (uint8_t)(a >> 16),
                            (uint8_t)(a >> 8), (uint8_t)a, 0);
        return true;
    }
    return false;
}

static void pool_give_back(cs_netsim *ns, const cs_addr *addr)
{
    uint32_t a = (uint32_t)addr->ip[0] << 24 | (uint32_t)addr->ip[1] << 16 |
                 (uint32_t)addr->ip[2] << 8 | addr->ip[3];
    if (a >= ns->pool_base && a - ns->pool_base < ns->cfg.pool_size)
        ns->pool_used[a - ns->pool_base] = 0;
}

/* The gateway's part of every request. */
static void acct_init(const cs_netsim *ns, cs_radius_acct *a, uint32_t status,
                      int64_t now_unix)
{
    memset(a, 0, sizeof *a);
    a->present = CS_ACCT_HAS_STATUS | CS_ACCT_HAS_NAS_IP |
                 CS_ACCT_HAS_EVENT_TIMESTAMP;
    a->status_type = status;
    memcpy(a->nas_ip, ns->cfg.nas_ip, 4);
    a->event_timestamp = (uint32_t)now_unix;
    if (ns->nas_identifier[0] != '\0') {
        a->present |= CS_ACCT_HAS_NAS_IDENTIFIER;
        snprintf(a->nas_identifier, sizeof a->nas_identifier, "%s",
                 ns->nas_identifier);
    }
}

/* A Start or Stop for one session, TS 29.061 style. */
static void acct_for_session(const cs_netsim *ns, const struct entry *e,
                             uint32_t status, int64_t now_unix,
                             cs_radius_acct *a)
{
    acct_init(ns, a, status, now_unix);
    a->present |= CS_ACCT_HAS_USER_NAME | CS_ACCT_HAS_FRAMED_IP |
                  CS_ACCT_HAS_APN | CS_ACCT_HAS_SESSION_ID | CS_ACCT_HAS_IMSI |
                  CS_ACCT_HAS_RAT_TYPE;
    snprintf(a->user_name, sizeof a->user_name, "%s", e->sub.imsi);
    memcpy(a->framed_ip, e->session.address.ip, 4);
    snprintf(a->apn, sizeof a->apn, "%s", e->session.apn);
    snprintf(a->session_id, sizeof a->session_id, "%s", e->session.session_id);
    snprintf(a->imsi, sizeof a->imsi, "%s", e->sub.imsi);
    a->rat_type = ns->cfg.rat_type ? ns->cfg.rat_type : 6;
    if (e->sub.msisdn[0] != '\0') {
        a->present |= CS_ACCT_HAS_MSISDN;
        snprintf(a->msisdn, sizeof a->msisdn, "%s", e->sub.msisdn);
    }
    if (e->sub.imeisv[0] != '\0') {
        a->present |= CS_ACCT_HAS_IMEISV;
        snprintf(a->imeisv, sizeof a->imeisv, "%s", e->sub.imeisv);
    }
    if (ns->sgsn_mcc_mnc[0] != '\0') {
        a->present |= CS_ACCT_HAS_SGSN_MCC_MNC;
        snprintf(a->sgsn_mcc_mnc, sizeof a->sgsn_mcc_mnc, "%s", ns->sgsn_mcc_mnc);
    }
    if (status == CS_RADIUS_ACCT_STOP) {
        a->present |= CS_ACCT_HAS_SESSION_TIME | CS_ACCT_HAS_TERMINATE_CAUSE;
        int64_t t = now_unix - e->session.started;
        a->session_time = t > 0 ? (uint32_t)t : 0;
        a->terminate_cause = 1;            /* User-Request */
    }
}

static cs_err send_to_all(cs_netsim *ns, uint64_t now_ms, const cs_radius_acct *a)
{
    cs_err first = CS_OK;
    for (unsigned i = 0; i < ns->servers; i++) {
        cs_err err = cs_acct_client_send(ns->acct, now_ms, i, a, NULL);
        if (err != CS_OK && first == CS_OK)
            first = err;
    }
    return first;
}

static void end_session(cs_netsim *ns, struct entry *e, uint64_t now_ms,
                        int64_t now_unix, bool report)
{
    if (report) {
        cs_radius_acct a;
        acct_for_session(ns, e, CS_RADIUS_ACCT_STOP, now_unix, &a);
        (void)send_to_all(ns, now_ms, &a);
    }
    pool_give_back(ns, &e->session.address);
    e->attached = false;
    if (ns->cfg.on_session != NULL)
        ns->cfg.on_session(ns->cfg.ctx, &e->sub, NULL);
}

cs_err cs_netsim_attach(cs_netsim *ns, const char *imsi, const char *apn,
                        uint64_t now_ms, int64_t now_unix)
{
    struct entry *e = netsim_find_entry(ns, imsi);
    if (e == NULL)
        return CS_E_NOT_FOUND;
    if (apn == NULL || apn[0] == '\0')
        apn = e->sub.apn[0] != '\0' ? e->sub.apn : ns->default_apn;
    if (strlen(apn) > CS_NETSIM_APN_MAX)
        return CS_E_INVALID_ARG;
    if (e->attached)
        end_session(ns, e, now_ms, now_unix, true);
    cs_addr addr;
    if (!pool_take(ns, &addr))
        return CS_E_BUSY;
    e->attached = true;
    e->session.address = addr;
    snprintf(e->session.apn, sizeof e->session.apn, "%s", apn);
    e->session.attach_id = ns->next_attach_id++;
    e->session.started = now_unix;
    netsim_primary_auth(ns, e, now_unix);
    snprintf(e->session.session_id, sizeof e->session.session_id, "%016llx",
             (unsigned long long)(++ns->session_seq ^ ((uint64_t)now_unix << 24)));
    cs_radius_acct a;
    acct_for_session(ns, e, CS_RADIUS_ACCT_START, now_unix, &a);
    cs_err err = send_to_all(ns, now_ms, &a);
    if (ns->cfg.on_session != NULL)
        ns->cfg.on_session(ns->cfg.ctx, &e->sub, &e->session);
    return err;
}

cs_err cs_netsim_detach(cs_netsim *ns, const char *imsi, uint64_t now_ms,
                        int64_t now_unix)
{
    struct entry *e = netsim_find_entry(ns, imsi);
    if (e == NULL || !e->attached)
        return CS_E_NOT_FOUND;
    end_session(ns, e, now_ms, now_unix, true);
    return CS_OK;
}

cs_err cs_netsim_gateway_on(cs_netsim *ns, uint64_t now_ms, int64_t now_unix)
{
    cs_radius_acct a;
    acct_init(ns, &a, CS_RADIUS_ACCT_ON, now_unix);
    return send_to_all(ns, now_ms, &a);
}

cs_err cs_netsim_gateway_off(cs_netsim *ns, uint64_t now_ms, int64_t now_unix)
{
    /* Going down: the sessions end without a Stop each; Accounting-Off
     * tells the servers that all of this gateway's sessions are gone. */
    for (size_t i = 0; i < ns->count; i++)
        if (ns->subs[i].attached)
            end_session(ns, &ns->subs[i], now_ms, now_unix, false);
    cs_radius_acct a;
    acct_init(ns, &a, CS_RADIUS_ACCT_OFF, now_unix);
    return send_to_all(ns, now_ms, &a);
}

cs_err cs_netsim_receive(cs_netsim *ns, uint64_t now_ms, const cs_addr *from,
                         const uint8_t *data, size_t len)
{
    return cs_acct_client_receive(ns->acct, now_ms, from, data, len);
}

void cs_netsim_tick(cs_netsim *ns, uint64_t now_ms)
{
    cs_acct_client_tick(ns->acct, now_ms);
}

uint64_t cs_netsim_next_deadline(const cs_netsim *ns)
{
    return cs_acct_client_next_deadline(ns->acct);
}

size_t cs_netsim_unanswered(const cs_netsim *ns)
{
    return cs_acct_client_outstanding(ns->acct);
}
