/*
 * client.c - the LwM2M client engine's life cycle: Client-Initiated
 * Bootstrap (Bootstrap-Pack-Request first when configured), Bootstrap-Finish
 * and its timeout, Register with version fallback, Update, De-register,
 * registration-failure retries as the Server object says, and observe
 * notifications.  Requests from the peers are answered in handlers.c.
 *
 * Request handlers get no clock, so they only record what happened (flags)
 * and ask for a tick (cs_client_wake); cs_client_tick then acts with the
 * real time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "client_engine.h"

/* ---- Small helpers ------------------------------------------------------ */

static char *dup_str(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

int64_t cs_client_int(const cs_client *c, uint16_t oid, uint16_t iid,
                      uint16_t rid, int64_t dflt)
{
    cs_path p = cs_path_resource(oid, iid, rid);
    const cs_value *v = cs_db_find(&c->db, &p);
    if (v == NULL)
        return dflt;
    switch (v->type) {
    case CS_TYPE_INTEGER:
    case CS_TYPE_TIME:
        return v->v.i;
    case CS_TYPE_UNSIGNED:
        return v->v.u > INT64_MAX ? INT64_MAX : (int64_t)v->v.u;
    case CS_TYPE_BOOLEAN:
        return v->v.b ? 1 : 0;
    default:
        return dflt;
    }
}

/* Bytes of a string or opaque resource; NULL when absent. */
static const uint8_t *get_bytes(const cs_client *c, uint16_t oid,
                                uint16_t iid, uint16_t rid, size_t *len)
{
    cs_path p = cs_path_resource(oid, iid, rid);
    const cs_value *v = cs_db_find(&c->db, &p);
    if (v == NULL || (v->type != CS_TYPE_STRING && v->type != CS_TYPE_OPAQUE &&
                      v->type != CS_TYPE_CORELNK))
        return NULL;
    *len = v->v.bytes.len;
    return v->v.bytes.data;
}

static void emit(cs_client *c, enum cs_client_event ev)
{
    if (c->cfg.on_event != NULL)
        c->cfg.on_event(c->cfg.event_ctx, ev);
}

/* Ask for a tick as soon as possible. */
void cs_client_wake(cs_client *c)
{
    c->wake = true;
}

/* ---- Accounts ----------------------------------------------------------- */

bool cs_client_bs_account(const cs_client *c, uint16_t *iid)
{
    uint16_t ids[64];
    size_t n = cs_db_instances(&c->db, 0, ids, 64);
    for (size_t i = 0; i < n; i++)
        if (cs_client_int(c, 0, ids[i], 1, 0) == 1) {
            *iid = ids[i];
            return true;
        }
    return false;
}

/* The /1 instance with Short Server ID `ssid`. */
bool cs_client_server_instance(const cs_client *c, int64_t ssid,
                               uint16_t *iid)
{
    uint16_t ids[64];
    size_t n = cs_db_instances(&c->db, 1, ids, 64);
    for (size_t i = 0; i < n; i++)
        if (cs_client_int(c, 1, ids[i], 0, -1) == ssid) {
            *iid = ids[i];
            return true;
        }
    return false;
}

/*
 * The usable server accounts (a Security instance that is no BS account,
 * with a Short Server ID whose Server instance exists), in the order to
 * try them: /1/x/13 Registration Priority Order (absent = last), then
 * Short Server ID.  Returns the count; secs[i] and srvs[i] are the pair.
 */
static size_t server_accounts(const cs_client *c, uint16_t *secs,
                              uint16_t *srvs, size_t cap)
{
    uint16_t ids[64];
    int64_t keys[64];
    size_t n = cs_db_instances(&c->db, 0, ids, 64), count = 0;
    for (size_t i = 0; i < n && count < cap; i++) {
        uint16_t srv;
        if (cs_client_int(c, 0, ids[i], 1, 0) == 1)
            continue;
        int64_t ssid = cs_client_int(c, 0, ids[i], 10, -1);
        if (ssid < 1 || ssid > 65534 ||
            !cs_client_server_instance(c, ssid, &srv))
            continue;
        int64_t prio = cs_client_int(c, 1, srv, 13, 0xFFFFFFFFll);
        int64_t key = prio * 65536 + ssid;
        size_t at = count++;
        while (at > 0 && keys[at - 1] > key) {   /* insertion sort */
            keys[at] = keys[at - 1];
            secs[at] = secs[at - 1];
            srvs[at] = srvs[at - 1];
            at--;
        }
        keys[at] = key;
        secs[at] = ids[i];
        srvs[at] = srv;
    }
    return count;
}

/* The account to register with now: the c->account-th in order. */
static bool server_account(const cs_client *c, uint16_t *sec, uint16_t *srv)
{
    uint16_t secs[64], srvs[64];
    size_t n = server_accounts(c, secs, srvs, 64);
    if (n == 0)
        return false;
    size_t k = c->account < n ? c->account : 0;
    *sec = secs[k];
    *srv = srvs[k];
    return true;
}

/* ---- Channels ----------------------------------------------------------- */

static void channel_close(cs_client *c, struct cs_client_channel *ch)
{
    if (ch->ep == NULL)
        return;
    if (c->close_count < CS_CLIENT_MAX_CLOSE)
        c->to_close[c->close_count++] = ch->ep;
    /* Observations over the channel die with it. */
    for (size_t i = 0; i < CS_CLIENT_MAX_OBS; i++)
        if (c->obs[i].used && c->obs[i].ep == ch->ep)
            cs_client_obs_drop(c, i);
    ch->ep = NULL;
    cs_client_wake(c);
}

static void flush_closed(cs_client *c)
{
    for (size_t i = 0; i < c->close_count; i++)
        c->cfg.close_channel(c->cfg.io, c->to_close[i]);
    c->close_count = 0;
}

/* Open a channel with the account of Security instance `sec`. */
static cs_err channel_open(cs_client *c, struct cs_client_channel *ch,
                           uint16_t sec)
{
    size_t uri_len = 0, id_len = 0, key_len = 0;
    const uint8_t *uri = get_bytes(c, 0, sec, 0, &uri_len);
    int64_t mode = cs_client_int(c, 0, sec, 2, -1);
    const uint8_t *id = get_bytes(c, 0, sec, 3, &id_len);
    const uint8_t *key = get_bytes(c, 0, sec, 5, &key_len);
    char text[260];
    if (uri == NULL || uri_len == 0 || uri_len >= sizeof text)
        return CS_E_INVALID_ARG;
    memcpy(text, uri, uri_len);
    text[uri_len] = '\0';
    if (mode != CS_CLIENT_SECURITY_PSK && mode != CS_CLIENT_SECURITY_NOSEC) {
        cs_log(CS_LOG_WARN, "client: security mode %lld of %s unsupported",
               (long long)mode, text);
        return CS_E_INVALID_ARG;
    }
    if (mode == CS_CLIENT_SECURITY_PSK && (id == NULL || key == NULL))
        return CS_E_INVALID_ARG;
    channel_close(c, ch);
    bool psk = mode == CS_CLIENT_SECURITY_PSK;
    cs_err err = c->cfg.open_channel(c->cfg.io, text, (int)mode,
                                     psk ? id : NULL, psk ? id_len : 0,
                                     psk ? key : NULL, psk ? key_len : 0,
                                     &ch->ep, &ch->peer);
    if (err != CS_OK) {
        ch->ep = NULL;
        cs_log(CS_LOG_WARN, "client: cannot open channel to %s: %s", text,
               cs_strerror(err));
    }
    return err;
}

/* ---- Bootstrap ---------------------------------------------------------- */

static void send_bootstrap_request(cs_client *c, cs_coap_time now);

/* Decide to bootstrap: wait the BS account's Client Hold Off Time first. */
void cs_client_begin_bootstrap(cs_client *c, cs_coap_time now)
{
    uint16_t bs;
    channel_close(c, &c->srv);
    c->location[0] = '\0';
    if (!cs_client_bs_account(c, &bs)) {
        cs_log(CS_LOG_ERROR, "client: no Bootstrap-Server account; idle");
        c->state = CS_CLIENT_IDLE;
        c->next = NEXT_NONE;
        c->deadline = CS_COAP_NEVER;
        return;
    }
    int64_t hold = cs_client_int(c, 0, bs, 11, 0);
    if (hold < 0)
        hold = 0;
    c->state = CS_CLIENT_BOOTSTRAP_HOLDOFF;
    c->deadline = now + (cs_coap_time)hold * 1000u;
    cs_log(CS_LOG_INFO, "client: bootstrap in %lld s", (long long)hold);
}

/* Silence from the BS that ends a bootstrap (LwM2M leaves it to us). */
static cs_coap_time bootstrap_timeout(const cs_client *c)
{
    if (c->cfg.bootstrap_timeout_ms > 0)
        return c->cfg.bootstrap_timeout_ms;
    return cs_coap_exchange_lifetime(&c->cfg.params);
}

static void bootstrap_failed(cs_client *c, cs_coap_time now, const char *why)
{
    cs_log(CS_LOG_WARN, "client: bootstrap failed: %s", why);
    if (c->have_backup) {
        cs_db_free(&c->db);
        c->db = c->backup;
        cs_records_init(&c->backup);
        c->have_backup = false;
    }
    channel_close(c, &c->bs);
    c->bs_failures++;
    unsigned shift = c->bs_failures > 6 ? 6 : c->bs_failures;
    cs_coap_time delay = (cs_coap_time)CS_CLIENT_BS_RETRY_MS << (shift - 1);
    c->state = CS_CLIENT_IDLE;
    c->next = NEXT_BOOTSTRAP;
    c->deadline = now + delay;
    emit(c, CS_CLIENT_EV_BOOTSTRAP_FAILED);
}

static void start_register(cs_client *c, cs_coap_time now);

static void bootstrap_succeeded(cs_client *c, cs_coap_time now)
{
    cs_db_free(&c->backup);
    c->have_backup = false;
    c->bs_failures = 0;
    c->reg_failures = 0;
    c->seq_failures = 0;
    c->account = 0;
    channel_close(c, &c->linger);
    c->linger = c->bs;
    c->bs.ep = NULL;
    c->linger_until = now + cs_coap_max_transmit_span(&c->cfg.params);
    uint16_t bs;
    int64_t purge = cs_client_bs_account(c, &bs)
                        ? cs_client_int(c, 0, bs, 12, 0) : 0;
    c->bs_purge_at = purge > 0 ? now + (cs_coap_time)purge * 1000u
                               : CS_COAP_NEVER;
    if (c->state_path != NULL)
        (void)cs_state_save(c->state_path, &c->db, NULL);
    cs_log(CS_LOG_INFO, "client: bootstrap finished");
    emit(c, CS_CLIENT_EV_BOOTSTRAPPED);
    start_register(c, now);
}

static bool take_backup(cs_client *c)
{
    cs_db_free(&c->backup);
    cs_records_init(&c->backup);
    c->have_backup = cs_db_copy(&c->db, &c->backup) == CS_OK;
    return c->have_backup;
}

/* Replace objects 0, 1 and 2 (all but the BS account) by the pack. */
static cs_err apply_pack(cs_client *c, const cs_records *pack)
{
    uint16_t bs = 0;
    bool has_bs = cs_client_bs_account(c, &bs);
    cs_records add;
    cs_records_init(&add);
    cs_err err = CS_OK;
    for (size_t i = 0; i < pack->count && err == CS_OK; i++) {
        const cs_record *r = &pack->items[i];
        if (r->path.len < 2 || r->path.ids[0] == 3)
            continue;
        /* A pack cannot touch the BS account's instance: it would destroy
         * the way back to the BS. */
        if (has_bs && r->path.ids[0] == 0 && r->path.ids[1] == bs)
            continue;
        err = cs_records_add(&add, &r->path, &r->value);
    }
    cs_path remove[64];
    size_t nremove = 0;
    uint16_t ids[64];
    for (uint16_t oid = 0; oid <= 2 && err == CS_OK; oid++) {
        size_t n = cs_db_instances(&c->db, oid, ids, 64);
        for (size_t i = 0; i < n && nremove < 64; i++)
            if (!(oid == 0 && has_bs && ids[i] == bs))
                remove[nremove++] = cs_path_instance(oid, ids[i]);
    }
    if (err == CS_OK)
        err = cs_db_update(&c->db, remove, nremove, &add);
    cs_db_free(&add);
    return err;
}

static void pack_done(void *user, cs_coap_endpoint *ep, cs_err status,
                      const cs_coap_msg *rsp, bool final)
{
    (void)ep;
    (void)final;
    cs_client *c = user;
    if (c->state != CS_CLIENT_BOOTSTRAP_PACK)
        return;
    cs_coap_time now = c->now;
    if (status == CS_OK && rsp->code == CS_COAP_CODE_CONTENT) {
        uint16_t format = CS_FORMAT_SENML_CBOR;
        (void)cs_coap_get_content_format(rsp, &format);
        cs_records pack;
        cs_records_init(&pack);
        cs_path root = cs_path_root();
        cs_err err = cs_decode(format, &root, rsp->payload, rsp->payload_len,
                               cs_registry_standard(), &pack);
        if (err == CS_OK)
            err = apply_pack(c, &pack);
        cs_db_free(&pack);
        if (err == CS_OK && cs_client_check_config(c)) {
            cs_log(CS_LOG_INFO, "client: Bootstrap-Pack applied");
            bootstrap_succeeded(c, now);
            return;
        }
        cs_log(CS_LOG_WARN, "client: Bootstrap-Pack unusable (%s); "
               "falling back to Bootstrap-Request",
               err != CS_OK ? cs_strerror(err) : "inconsistent");
        cs_db_free(&c->db);
        cs_db_copy(&c->backup, &c->db);
        send_bootstrap_request(c, now);
        return;
    }
    if (status == CS_OK && (cs_coap_code_class(rsp->code) == 4 ||
                            rsp->code == CS_COAP_CODE_NOT_IMPLEMENTED)) {
        char code[CS_COAP_CODE_TEXT_MAX];
        cs_coap_code_text(rsp->code, code);
        cs_log(CS_LOG_INFO, "client: Bootstrap-Pack refused (%s); "
               "using Bootstrap-Request from now on", code);
        c->use_pack = false;     /* learned: this BS does not serve packs */
        send_bootstrap_request(c, now);
        return;
    }
    bootstrap_failed(c, now, status != CS_OK ? cs_strerror(status)
                                             : "Bootstrap-Pack error");
}

static void bs_request_done(void *user, cs_coap_endpoint *ep, cs_err status,
                            const cs_coap_msg *rsp, bool final)
{
    (void)ep;
    (void)final;
    cs_client *c = user;
    if (c->state != CS_CLIENT_BOOTSTRAP_REQUEST &&
        c->state != CS_CLIENT_BOOTSTRAPPING)
        return;
    if (status == CS_OK && rsp->code == CS_COAP_CODE_CHANGED) {
        if (c->state == CS_CLIENT_BOOTSTRAP_REQUEST) {
            c->state = CS_CLIENT_BOOTSTRAPPING;
            c->bs_last_cmd = c->now;
            c->deadline = c->now + bootstrap_timeout(c);
        }
        return;
    }
    if (c->state == CS_CLIENT_BOOTSTRAPPING)
        return;   /* the BS already talks to us: its commands count */
    char code[CS_COAP_CODE_TEXT_MAX] = "-";
    if (status == CS_OK)
        cs_coap_code_text(rsp->code, code);
    cs_log(CS_LOG_WARN, "client: Bootstrap-Request answered %s (%s)", code,
           cs_strerror(status));
    bootstrap_failed(c, c->now, "Bootstrap-Request refused");
}

static void send_bootstrap_request(cs_client *c, cs_coap_time now)
{
    cs_coap_msg msg;
    char ep_q[300];
    snprintf(ep_q, sizeof ep_q, "ep=%s", c->endpoint);
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_PATH, "bs");
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, ep_q);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, "pct=112");
    c->state = CS_CLIENT_BOOTSTRAP_REQUEST;
    c->deadline = now + bootstrap_timeout(c);
    cs_err err = cs_coap_send_request(c->bs.ep, now, &c->bs.peer, NULL, &msg,
                                      bs_request_done, c);
    if (err != CS_OK)
        bootstrap_failed(c, now, cs_strerror(err));
}

static void send_pack_request(cs_client *c, cs_coap_time now)
{
    cs_coap_msg msg;
    char ep_q[300];
    snprintf(ep_q, sizeof ep_q, "ep=%s", c->endpoint);
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_GET, 0);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_PATH, "bspack");
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, ep_q);
    cs_coap_add_accept(&msg, CS_FORMAT_SENML_CBOR);
    c->state = CS_CLIENT_BOOTSTRAP_PACK;
    c->deadline = now + bootstrap_timeout(c);
    cs_err err = cs_coap_send_request(c->bs.ep, now, &c->bs.peer, NULL, &msg,
                                      pack_done, c);
    if (err != CS_OK)
        bootstrap_failed(c, now, cs_strerror(err));
}

/* Hold-off over: open the BS channel and ask. */
static void run_bootstrap(cs_client *c, cs_coap_time now)
{
    uint16_t bs;
    if (!cs_client_bs_account(c, &bs)) {
        cs_client_begin_bootstrap(c, now);
        return;
    }
    emit(c, CS_CLIENT_EV_BOOTSTRAP_STARTED);
    if (!take_backup(c) || channel_open(c, &c->bs, bs) != CS_OK) {
        bootstrap_failed(c, now, "cannot reach the Bootstrap-Server");
        return;
    }
    cs_log(CS_LOG_INFO, "client: %s", c->use_pack ? "Bootstrap-Pack-Request"
                                                  : "Bootstrap-Request");
    if (c->use_pack)
        send_pack_request(c, now);
    else
        send_bootstrap_request(c, now);
}

/* ---- Registration ------------------------------------------------------- */

static const char *const lwm2m_versions[] = {"1.0", "1.1", "1.2"};

static uint32_t lifetime_of(const cs_client *c)
{
    int64_t lt = cs_client_int(c, 1, c->srv_iid, 1, 0);
    if (lt <= 0 || lt > UINT32_MAX)
        lt = c->cfg.default_lifetime ? c->cfg.default_lifetime : 86400;
    return (uint32_t)lt;
}

/* When to send the next Update after a successful Register or Update. */
static cs_coap_time update_delay_ms(uint32_t lifetime)
{
    uint32_t margin = lifetime / 10 > 10 ? lifetime / 10 : 10;
    if (margin > lifetime / 2)
        margin = lifetime / 2;
    return (cs_coap_time)(lifetime - margin) * 1000u;
}

cs_err cs_client_register_payload(const cs_client *c, cs_buf *out)
{
    static const uint16_t formats[] = {
        CS_FORMAT_CBOR, CS_FORMAT_SENML_JSON, CS_FORMAT_SENML_CBOR,
        CS_FORMAT_TLV, CS_FORMAT_LWM2M_CBOR};
    uint16_t ids[64][16];
    cs_link_object objs[64];
    size_t nobj = 0;
    const cs_registry *reg = cs_registry_standard();
    for (uint32_t oid = 1; oid <= CS_ID_MAX && nobj < 64; oid++) {
        const cs_object_def *def = cs_registry_object(reg, (uint16_t)oid);
        if (def == NULL) {
            if (oid > 64)
                break;
            continue;
        }
        size_t n = cs_db_instances(&c->db, (uint16_t)oid, ids[nobj], 16);
        if (n == 0)
            continue;
        objs[nobj].oid = (uint16_t)oid;
        objs[nobj].version =
            def->version != NULL && strcmp(def->version, "1.0") != 0
                ? def->version : NULL;
        objs[nobj].instances = ids[nobj];
        objs[nobj].instance_count = n;
        nobj++;
    }
    cs_link_register r = {.alt_path = NULL,
                          .formats = formats,
                          .format_count = sizeof formats / sizeof formats[0],
                          .objects = objs,
                          .object_count = nobj};
    return cs_link_format_register(&r, out);
}

static void registration_failed(cs_client *c, cs_coap_time now,
                                const char *why);

static void register_done(void *user, cs_coap_endpoint *ep, cs_err status,
                          const cs_coap_msg *rsp, bool final)
{
    (void)ep;
    (void)final;
    cs_client *c = user;
    if (c->state != CS_CLIENT_REGISTERING)
        return;
    cs_coap_time now = c->now;
    if (status == CS_OK && rsp->code == CS_COAP_CODE_CREATED) {
        const char *segs[8];
        size_t lens[8], n = 0;
        size_t pos = 0;
        if (cs_coap_get_strings(rsp, CS_COAP_OPT_LOCATION_PATH, segs, lens, 8,
                                &n) != CS_OK || n == 0) {
            registration_failed(c, now, "no Location-Path");
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (pos + lens[i] + 2 >= sizeof c->location) {
                registration_failed(c, now, "Location-Path too long");
                return;
            }
            c->location[pos++] = '/';
            memcpy(c->location + pos, segs[i], lens[i]);
            pos += lens[i];
        }
        c->location[pos] = '\0';
        c->state = CS_CLIENT_REGISTERED;
        c->reg_failures = 0;
        c->seq_failures = 0;
        c->registered_lifetime = lifetime_of(c);
        c->deadline = now + update_delay_ms(c->registered_lifetime);
        cs_log(CS_LOG_INFO, "client: registered as %s (lwm2m=%s)",
               c->location, lwm2m_versions[c->lwm2m_version]);
        emit(c, CS_CLIENT_EV_REGISTERED);
        return;
    }
    if (status == CS_OK && c->lwm2m_version > 0 &&
        (rsp->code == CS_COAP_CODE_PRECONDITION_FAILED ||
         rsp->code == CS_COAP_CODE_BAD_REQUEST)) {
        c->lwm2m_version--;
        cs_log(CS_LOG_INFO, "client: Register refused; retrying as lwm2m=%s",
               lwm2m_versions[c->lwm2m_version]);
        cs_client_send_register(c, now);
        return;
    }
    char code[CS_COAP_CODE_TEXT_MAX] = "-";
    if (status == CS_OK)
        cs_coap_code_text(rsp->code, code);
    char why[80];
    if (status == CS_OK)
        snprintf(why, sizeof why, "Register answered %s", code);
    else
        snprintf(why, sizeof why, "Register failed: %s", cs_strerror(status));
    registration_failed(c, now, why);
}

void cs_client_send_register(cs_client *c, cs_coap_time now)
{
    cs_coap_msg msg;
    char ep_q[300], lt_q[32], ver_q[16];
    cs_buf payload;
    cs_buf_init(&payload, 4096);
    if (cs_client_register_payload(c, &payload) != CS_OK) {
        cs_buf_free(&payload);
        registration_failed(c, now, "cannot build the object list");
        return;
    }
    snprintf(ep_q, sizeof ep_q, "ep=%s", c->endpoint);
    snprintf(lt_q, sizeof lt_q, "lt=%u", (unsigned)lifetime_of(c));
    snprintf(ver_q, sizeof ver_q, "lwm2m=%s",
             lwm2m_versions[c->lwm2m_version]);
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_PATH, "rd");
    cs_coap_add_content_format(&msg, CS_FORMAT_LINK);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, ep_q);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, lt_q);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, ver_q);
    cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, "b=U");
    cs_coap_set_payload(&msg, payload.data, payload.len);
    c->state = CS_CLIENT_REGISTERING;
    c->deadline = CS_COAP_NEVER;   /* the CoAP layer times the exchange */
    c->objects_changed = false;
    cs_err err = cs_coap_send_request(c->srv.ep, now, &c->srv.peer, NULL,
                                      &msg, register_done, c);
    cs_buf_free(&payload);
    if (err != CS_OK)
        registration_failed(c, now, cs_strerror(err));
}

static void start_register(cs_client *c, cs_coap_time now)
{
    uint16_t sec, srv;
    if (!server_account(c, &sec, &srv)) {
        cs_client_begin_bootstrap(c, now);
        return;
    }
    c->sec_iid = sec;
    c->srv_iid = srv;
    c->location[0] = '\0';
    c->lwm2m_version = 2;
    if (channel_open(c, &c->srv, sec) != CS_OK) {
        registration_failed(c, now, "cannot reach the server");
        return;
    }
    cs_log(CS_LOG_INFO, "client: registering (ssid %lld)",
           (long long)cs_client_int(c, 1, srv, 0, 0));
    cs_client_send_register(c, now);
}

/*
 * A Register failed: retry as /1/x/17..20 say (retry count, timer with
 * exponential back-off, sequence delay and sequence retry count), then
 * bootstrap when /1/x/16 Bootstrap on Registration Failure (default true).
 */
static void registration_failed(cs_client *c, cs_coap_time now,
                                const char *why)
{
    uint16_t srv = c->srv_iid;
    cs_log(CS_LOG_WARN, "client: registration failed: %s", why);
    emit(c, CS_CLIENT_EV_REGISTRATION_FAILED);
    channel_close(c, &c->srv);
    c->location[0] = '\0';
    int64_t retry_count = cs_client_int(c, 1, srv, 17, 5);
    int64_t retry_timer = cs_client_int(c, 1, srv, 18, 60);
    int64_t seq_delay = cs_client_int(c, 1, srv, 19, 86400);
    int64_t seq_count = cs_client_int(c, 1, srv, 20, 1);
    bool bs_on_failure = cs_client_int(c, 1, srv, 16, 1) != 0;
    c->reg_failures++;
    c->state = CS_CLIENT_IDLE;
    c->next = NEXT_REGISTER;
    if (c->reg_failures < retry_count) {
        unsigned shift = c->reg_failures > 16 ? 16 : c->reg_failures;
        c->deadline = now + ((cs_coap_time)retry_timer * 1000u << (shift - 1));
        return;
    }
    c->reg_failures = 0;
    /* Retries used up with this server: the next account, if any. */
    uint16_t secs[64], srvs[64];
    if (c->account + 1 < server_accounts(c, secs, srvs, 64)) {
        c->account++;
        c->deadline = now;
        return;
    }
    c->account = 0;
    c->seq_failures++;
    if (c->seq_failures < seq_count) {
        c->deadline = now + (cs_coap_time)seq_delay * 1000u;
        return;
    }
    c->seq_failures = 0;
    if (bs_on_failure) {
        cs_client_begin_bootstrap(c, now);
        return;
    }
    c->deadline = now + (cs_coap_time)seq_delay * 1000u;
}

static void update_done(void *user, cs_coap_endpoint *ep, cs_err status,
                        const cs_coap_msg *rsp, bool final)
{
    (void)ep;
    (void)final;
    cs_client *c = user;
    if (c->state != CS_CLIENT_REGISTERED || !c->update_in_flight)
        return;
    c->update_in_flight = false;
    if (status == CS_OK && rsp->code == CS_COAP_CODE_CHANGED) {
        c->deadline = c->now + update_delay_ms(c->registered_lifetime);
        emit(c, CS_CLIENT_EV_UPDATED);
        return;
    }
    cs_log(CS_LOG_WARN, "client: Update failed; registering again");
    start_register(c, c->now);
}

static void send_update(cs_client *c, cs_coap_time now)
{
    cs_coap_msg msg;
    char lt_q[32];
    cs_buf payload;
    cs_buf_init(&payload, 4096);
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 0);
    cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, c->location,
                     strlen(c->location));
    uint32_t lt = lifetime_of(c);
    if (c->objects_changed &&
        cs_client_register_payload(c, &payload) == CS_OK) {
        cs_coap_add_content_format(&msg, CS_FORMAT_LINK);
        cs_coap_set_payload(&msg, payload.data, payload.len);
    }
    if (lt != c->registered_lifetime) {
        snprintf(lt_q, sizeof lt_q, "lt=%u", (unsigned)lt);
        cs_coap_add_string(&msg, CS_COAP_OPT_URI_QUERY, lt_q);
        c->registered_lifetime = lt;
    }
    c->objects_changed = false;
    c->update_in_flight = true;
    c->deadline = CS_COAP_NEVER;
    cs_err err = cs_coap_send_request(c->srv.ep, now, &c->srv.peer, NULL,
                                      &msg, update_done, c);
    cs_buf_free(&payload);
    if (err != CS_OK) {
        c->update_in_flight = false;
        start_register(c, now);
    }
}

static void deregister_done(void *user, cs_coap_endpoint *ep, cs_err status,
                            const cs_coap_msg *rsp, bool final)
{
    (void)ep;
    (void)final;
    (void)rsp;
    cs_client *c = user;
    if (c->state != CS_CLIENT_DEREGISTERING)
        return;
    cs_log(CS_LOG_INFO, "client: de-registered (%s)", cs_strerror(status));
    c->location[0] = '\0';
    if (c->disabling) {
        /* Disable: silent for /1/x/5 Disable Timeout, then Register. */
        int64_t timeout = cs_client_int(c, 1, c->srv_iid, 5, 86400);
        c->disabling = false;
        channel_close(c, &c->srv);
        c->state = CS_CLIENT_IDLE;
        c->next = NEXT_REGISTER;
        c->deadline =
            c->now + (cs_coap_time)(timeout > 0 ? timeout : 0) * 1000u;
        cs_log(CS_LOG_INFO, "client: disabled for %lld s", (long long)timeout);
        return;
    }
    c->state = CS_CLIENT_STOPPED;
    c->deadline = CS_COAP_NEVER;
    channel_close(c, &c->srv);
    channel_close(c, &c->bs);
    emit(c, CS_CLIENT_EV_DEREGISTERED);
}

/* ---- Public API --------------------------------------------------------- */

/* The Device object /3/0 and the factory BS account. */
static cs_err init_objects(cs_client *c)
{
    cs_records add;
    cs_records_init(&add);
    cs_err err = CS_OK;
    const char *dev[3] = {c->manufacturer, c->model, c->serial};
    for (uint16_t r = 0; r < 3 && err == CS_OK; r++)
        if (dev[r] != NULL) {
            cs_path p = cs_path_resource(3, 0, r);
            cs_value v = cs_value_string(dev[r], strlen(dev[r]));
            err = cs_records_add(&add, &p, &v);
        }
    cs_path p11 = cs_path_resource_instance(3, 0, 11, 0);
    cs_value zero = cs_value_integer(0);
    cs_path p16 = cs_path_resource(3, 0, 16);
    cs_value binding = cs_value_string("U", 1);
    if (err == CS_OK)
        err = cs_records_add(&add, &p11, &zero);
    if (err == CS_OK)
        err = cs_records_add(&add, &p16, &binding);
    uint16_t bs;
    if (err == CS_OK && !cs_client_bs_account(c, &bs) &&
        c->cfg.bootstrap_uri != NULL) {
        uint16_t iid = 0;
        while (cs_db_has_instance(&c->db, 0, iid))
            iid++;
        bool psk = strncmp(c->cfg.bootstrap_uri, "coaps://", 8) == 0;
        cs_path p0 = cs_path_resource(0, iid, 0);
        cs_path p1 = cs_path_resource(0, iid, 1);
        cs_path p2 = cs_path_resource(0, iid, 2);
        cs_path p3 = cs_path_resource(0, iid, 3);
        cs_path p4 = cs_path_resource(0, iid, 4);
        cs_path p5 = cs_path_resource(0, iid, 5);
        cs_path p11h = cs_path_resource(0, iid, 11);
        cs_value uri = cs_value_string(c->cfg.bootstrap_uri,
                                       strlen(c->cfg.bootstrap_uri));
        cs_value yes = cs_value_boolean(true);
        cs_value mode = cs_value_integer(psk ? 0 : 3);
        cs_value id = cs_value_opaque(c->cfg.bootstrap_identity,
                                      psk ? c->cfg.bootstrap_identity_len : 0);
        cs_value none = cs_value_opaque(NULL, 0);
        cs_value key = cs_value_opaque(c->cfg.bootstrap_key,
                                       psk ? c->cfg.bootstrap_key_len : 0);
        cs_value hold = cs_value_integer(0);
        err = cs_records_add(&add, &p0, &uri);
        if (err == CS_OK) err = cs_records_add(&add, &p1, &yes);
        if (err == CS_OK) err = cs_records_add(&add, &p2, &mode);
        if (err == CS_OK) err = cs_records_add(&add, &p3, &id);
        if (err == CS_OK) err = cs_records_add(&add, &p4, &none);
        if (err == CS_OK) err = cs_records_add(&add, &p5, &key);
        if (err == CS_OK) err = cs_records_add(&add, &p11h, &hold);
    }
    if (err == CS_OK)
        err = cs_db_update(&c->db, NULL, 0, &add);
    cs_db_free(&add);
    return err;
}

cs_client *cs_client_new(const cs_client_config *cfg)
{
    /* The name travels in one Uri-Query option "ep=...": at most 255 bytes. */
    if (cfg == NULL || cfg->endpoint == NULL || cfg->endpoint[0] == '\0' ||
        strlen(cfg->endpoint) > 200 || cfg->open_channel == NULL ||
        cfg->close_channel == NULL)
        return NULL;
    cs_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->cfg = *cfg;
    if (c->cfg.params.ack_timeout_ms == 0)
        cs_coap_params_default(&c->cfg.params);
    c->endpoint = dup_str(cfg->endpoint);
    c->manufacturer = dup_str(cfg->manufacturer);
    c->model = dup_str(cfg->model);
    c->serial = dup_str(cfg->serial);
    c->state_path = dup_str(cfg->state_path);
    c->use_pack = cfg->bootstrap_pack;
    c->deadline = CS_COAP_NEVER;
    c->bs_purge_at = CS_COAP_NEVER;
    cs_records_init(&c->db);
    cs_records_init(&c->backup);
    if (c->state_path != NULL) {
        cs_err err = cs_state_load(c->state_path, &c->db);
        if (err == CS_OK)
            cs_log(CS_LOG_INFO, "client: state loaded from %s", c->state_path);
        else if (err != CS_E_NOT_FOUND)
            cs_log(CS_LOG_WARN, "client: ignoring state file %s (%s); "
                   "bootstrapping afresh", c->state_path, cs_strerror(err));
    }
    if (c->endpoint == NULL || init_objects(c) != CS_OK) {
        cs_client_free(c);
        return NULL;
    }
    return c;
}

void cs_client_free(cs_client *c)
{
    if (c == NULL)
        return;
    channel_close(c, &c->bs);
    channel_close(c, &c->srv);
    channel_close(c, &c->linger);
    flush_closed(c);
    for (size_t i = 0; i < CS_CLIENT_MAX_OBS; i++)
        if (c->obs[i].used)
            cs_client_obs_drop(c, i);
    cs_db_free(&c->db);
    cs_db_free(&c->backup);
    cs_buf_free(&c->reply_body);
    free(c->endpoint);
    free(c->manufacturer);
    free(c->model);
    free(c->serial);
    free(c->state_path);
    free(c);
}

void cs_client_start(cs_client *c, cs_coap_time now)
{
    c->now = now;
    start_register(c, now);
}

/* Send De-register; false when there is no registration to end. */
static bool send_deregister(cs_client *c, cs_coap_time now)
{
    if (c->state != CS_CLIENT_REGISTERED || c->srv.ep == NULL ||
        c->location[0] == '\0')
        return false;
    cs_coap_msg msg;
    cs_coap_init(&msg, CS_COAP_TYPE_CON, CS_COAP_CODE_DELETE, 0);
    cs_coap_add_path(&msg, CS_COAP_OPT_URI_PATH, c->location,
                     strlen(c->location));
    c->state = CS_CLIENT_DEREGISTERING;
    cs_coap_time deadline = c->deadline;
    c->deadline = CS_COAP_NEVER;
    if (cs_coap_send_request(c->srv.ep, now, &c->srv.peer, NULL, &msg,
                             deregister_done, c) == CS_OK)
        return true;
    c->state = CS_CLIENT_REGISTERED;
    c->deadline = deadline;
    return false;
}

void cs_client_stop(cs_client *c, cs_coap_time now)
{
    c->now = now;
    c->disabling = false;
    if (send_deregister(c, now))
        return;
    if (c->have_backup) {        /* a bootstrap in progress is abandoned */
        cs_db_free(&c->db);
        c->db = c->backup;
        cs_records_init(&c->backup);
        c->have_backup = false;
    }
    c->state = CS_CLIENT_STOPPED;
    c->deadline = CS_COAP_NEVER;
    channel_close(c, &c->srv);
    channel_close(c, &c->bs);
    emit(c, CS_CLIENT_EV_DEREGISTERED);
}

/* Act on what request handlers recorded. */
static void run_flags(cs_client *c, cs_coap_time now)
{
    if (c->persist_dirty) {
        c->persist_dirty = false;
        if (c->state_path != NULL)
            (void)cs_state_save(c->state_path, &c->db, NULL);
    }
    if (c->bs_cmd_seen) {
        c->bs_cmd_seen = false;
        if (c->state == CS_CLIENT_BOOTSTRAP_REQUEST)
            c->state = CS_CLIENT_BOOTSTRAPPING;
        if (c->state == CS_CLIENT_BOOTSTRAPPING) {
            c->bs_last_cmd = now;
            c->deadline = now + bootstrap_timeout(c);
        }
    }
    if (c->finish_result != FINISH_NONE) {
        enum cs_client_finish f = c->finish_result;
        c->finish_result = FINISH_NONE;
        if (f == FINISH_OK)
            bootstrap_succeeded(c, now);
        else
            bootstrap_failed(c, now, "inconsistent configuration at Finish");
        return;
    }
    if (c->bootstrap_trigger) {
        c->bootstrap_trigger = false;
        cs_client_begin_bootstrap(c, now);
        return;
    }
    if (c->disable) {
        c->disable = false;
        c->disabling = true;
        if (!send_deregister(c, now))
            c->disabling = false;
        return;
    }
    if (c->reboot) {
        c->reboot = false;
        emit(c, CS_CLIENT_EV_REBOOT);
        cs_log(CS_LOG_INFO, "client: reboot requested; registering again");
        start_register(c, now);
        return;
    }
    if (c->state == CS_CLIENT_REGISTERED && !c->update_in_flight &&
        (c->update_trigger || c->objects_changed)) {
        c->update_trigger = false;
        send_update(c, now);
    }
}

/* /0/x/12 elapsed after a successful bootstrap: forget the BS account
 * (LwM2M Core: the client MUST purge it). */
static void purge_bs_account(cs_client *c)
{
    uint16_t bs;
    c->bs_purge_at = CS_COAP_NEVER;
    if (!cs_client_bs_account(c, &bs))
        return;
    cs_path p = cs_path_instance(0, bs);
    if (cs_db_update(&c->db, &p, 1, NULL) != CS_OK)
        return;
    cs_log(CS_LOG_INFO, "client: Bootstrap-Server account purged (/0/%u/12)",
           (unsigned)bs);
    if (c->state_path != NULL)
        (void)cs_state_save(c->state_path, &c->db, NULL);
}

void cs_client_tick(cs_client *c, cs_coap_time now)
{
    c->now = now;
    c->wake = false;
    flush_closed(c);
    run_flags(c, now);
    if (now >= c->deadline) {
        switch (c->state) {
        case CS_CLIENT_IDLE:
            if (c->next == NEXT_BOOTSTRAP)
                cs_client_begin_bootstrap(c, now);
            else if (c->next == NEXT_REGISTER)
                start_register(c, now);
            else
                c->deadline = CS_COAP_NEVER;
            break;
        case CS_CLIENT_BOOTSTRAP_HOLDOFF:
            run_bootstrap(c, now);
            break;
        case CS_CLIENT_BOOTSTRAP_PACK:
        case CS_CLIENT_BOOTSTRAP_REQUEST:
        case CS_CLIENT_BOOTSTRAPPING:
            bootstrap_failed(c, now, "no Bootstrap-Finish in time");
            break;
        case CS_CLIENT_REGISTERED:
            if (!c->update_in_flight)
                send_update(c, now);
            else
                c->deadline = CS_COAP_NEVER;
            break;
        default:
            c->deadline = CS_COAP_NEVER;
            break;
        }
    }
    if (c->linger.ep != NULL && now >= c->linger_until)
        channel_close(c, &c->linger);
    if (now >= c->bs_purge_at)
        purge_bs_account(c);
    cs_client_obs_tick(c, now);
    flush_closed(c);
}

cs_coap_time cs_client_next_deadline(const cs_client *c)
{
    if (c->close_count > 0 || c->wake)
        return 0;
    cs_coap_time d = c->deadline;
    cs_coap_time o = cs_client_obs_deadline(c);
    if (o < d)
        d = o;
    if (c->linger.ep != NULL && c->linger_until < d)
        d = c->linger_until;
    return c->bs_purge_at < d ? c->bs_purge_at : d;
}

enum cs_client_state cs_client_get_state(const cs_client *c)
{
    return c->state;
}

const char *cs_client_location(const cs_client *c)
{
    return c->location[0] != '\0' ? c->location : NULL;
}

cs_err cs_client_get(const cs_client *c, const cs_path *path, cs_value *out)
{
    const cs_value *v = cs_db_find(&c->db, path);
    if (v == NULL)
        return CS_E_NOT_FOUND;
    *out = *v;
    return CS_OK;
}

cs_err cs_client_set(cs_client *c, const cs_path *path, const cs_value *value,
                     cs_coap_time now)
{
    if (path->len < CS_LEVEL_RESOURCE)
        return CS_E_INVALID_ARG;
    const cs_resource_def *def =
        cs_registry_resource(cs_registry_standard(), path);
    cs_value v = *value;
    if (def != NULL) {
        cs_err err = cs_value_convert(&v, def->type);
        if (err == CS_OK)
            err = cs_resource_check_value(def, &v);
        if (err != CS_OK)
            return err;
    }
    cs_records add;
    cs_records_init(&add);
    cs_err err = cs_records_add(&add, path, &v);
    bool new_instance = !cs_db_has_instance(&c->db, path->ids[0], path->ids[1]);
    if (err == CS_OK)
        err = cs_db_update(&c->db, path, 1, &add);
    cs_records_free(&add);
    if (err == CS_OK) {
        if (new_instance)
            c->objects_changed = true;
        c->now = now;
        cs_client_wake(c);
    }
    return err;
}
