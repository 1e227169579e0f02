/*
 * accounting.c - the packet gateway's accounting turned into address
 * bindings in the store: what makes a plain Bootstrap-Request from an
 * address attributable to a subscription.  Called by the RADIUS listener
 * (cellstrap/radius_accounting.h) for every checked request; returns only
 * when the store has the change, so the gateway is answered after it.
 */
#include <stdio.h>
#include <string.h>

#include "cellstrap/bs.h"
#include "cellstrap/log.h"

static void address_of(const cs_radius_acct *f, cs_addr *out)
{
    *out = cs_addr_ipv4(f->framed_ip[0], f->framed_ip[1], f->framed_ip[2],
                        f->framed_ip[3], 0);
}

static cs_err bind_session(cs_store *store, const cs_acct_event *ev)
{
    const cs_radius_acct *f = ev->fields;
    if (!(f->present & CS_ACCT_HAS_FRAMED_IP) || !(f->present & CS_ACCT_HAS_IMSI)) {
        /* Nothing to bind: answer, so the gateway does not retry forever. */
        cs_log(CS_LOG_WARN, "accounting %s from %s without Framed-IP-Address "
               "or 3GPP-IMSI: no binding", cs_radius_status_name(f->status_type),
               ev->gateway);
        return CS_OK;
    }
    cs_binding b;
    memset(&b, 0, sizeof b);
    address_of(f, &b.address);
    snprintf(b.imsi, sizeof b.imsi, "%s", f->imsi);
    if (f->present & CS_ACCT_HAS_MSISDN)
        snprintf(b.msisdn, sizeof b.msisdn, "%.15s", f->msisdn);
    if (f->present & CS_ACCT_HAS_IMEISV)
        snprintf(b.imeisv, sizeof b.imeisv, "%s", f->imeisv);
    if (f->present & CS_ACCT_HAS_APN)
        snprintf(b.apn, sizeof b.apn, "%.100s", f->apn);
    snprintf(b.gateway, sizeof b.gateway, "%s", ev->gateway);
    if (f->present & CS_ACCT_HAS_SESSION_ID)
        snprintf(b.session_id, sizeof b.session_id, "%.63s", f->session_id);
    int64_t t = (f->present & CS_ACCT_HAS_EVENT_TIMESTAMP)
                    ? (int64_t)f->event_timestamp : 0;
    b.started = t;
    b.updated = t;
    return cs_store_put_binding(store, &b);
}

cs_err cs_bs_apply_accounting(void *store_ctx, const cs_acct_event *ev)
{
    cs_store *store = store_ctx;
    const cs_radius_acct *f = ev->fields;
    char addr[CS_ADDR_TEXT_MAX] = "-";
    cs_addr a;
    if (f->present & CS_ACCT_HAS_FRAMED_IP) {
        address_of(f, &a);
        cs_addr_format(&a, addr, sizeof addr);
    }
    size_t removed = 0;
    cs_err err;
    switch (f->status_type) {
    case CS_RADIUS_ACCT_START:
    case CS_RADIUS_ACCT_INTERIM:
        err = bind_session(store, ev);
        if (err == CS_OK)
            cs_log(CS_LOG_INFO, "accounting %s: %s is IMSI %s (gateway %s, APN %s)",
                   cs_radius_status_name(f->status_type), addr,
                   (f->present & CS_ACCT_HAS_IMSI) ? f->imsi : "-", ev->gateway,
                   (f->present & CS_ACCT_HAS_APN) ? f->apn : "-");
        return err;
    case CS_RADIUS_ACCT_STOP:
        if (!(f->present & CS_ACCT_HAS_FRAMED_IP))
            return CS_OK;
        err = cs_store_end_binding(store, &a, ev->gateway,
                                   (f->present & CS_ACCT_HAS_SESSION_ID)
                                       ? f->session_id : NULL,
                                   &removed);
        if (err == CS_OK)
            cs_log(CS_LOG_INFO, "accounting Stop: %s unbound (%zu binding%s)",
                   addr, removed, removed == 1 ? "" : "s");
        return err;
    case CS_RADIUS_ACCT_ON:
    case CS_RADIUS_ACCT_OFF:
        err = cs_store_flush_bindings(store, ev->gateway, &removed);
        if (err == CS_OK)
            cs_log(CS_LOG_INFO, "accounting %s from %s: %zu binding%s dropped",
                   cs_radius_status_name(f->status_type), ev->gateway, removed,
                   removed == 1 ? "" : "s");
        return err;
    default:
        return CS_OK;
    }
}
