/*
 * client_engine.h - the client engine's state, shared by client.c (life
 * cycle: bootstrap, registration) and handlers.c (answers to the BS and
 * the server, observations).  Internal.
 */
#ifndef CELLSTRAP_CLIENT_ENGINE_H
#define CELLSTRAP_CLIENT_ENGINE_H

#include "cellstrap/client.h"
#include "cellstrap/linkformat.h"
#include "client_internal.h"

#define CS_CLIENT_MAX_OBS 16
#define CS_CLIENT_MAX_CLOSE 8
#define CS_CLIENT_MAX_ATTRS 32
#define CS_CLIENT_BS_RETRY_MS 10000u   /* first bootstrap retry; doubles */

struct cs_client_channel {
    cs_coap_endpoint *ep;       /* NULL when closed */
    cs_addr peer;
};

struct cs_client_obs {
    bool used;
    bool fresh;                 /* not yet timed: set last_sent at tick */
    cs_path path;
    cs_coap_endpoint *ep;
    cs_coap_reply_to to;
    uint16_t format;
    uint32_t seq;
    cs_coap_time last_sent;
    uint8_t *last;              /* last payload sent (owned) */
    size_t last_len;
};

/* Notification attributes set by Write-Attributes on one path. */
struct cs_client_attrs {
    bool used;
    cs_path path;
    bool has_pmin, has_pmax;
    uint32_t pmin, pmax;
};

enum cs_client_next { NEXT_NONE = 0, NEXT_BOOTSTRAP, NEXT_REGISTER };
enum cs_client_finish { FINISH_NONE = 0, FINISH_OK, FINISH_FAILED };

struct cs_client {
    cs_client_config cfg;
    char *endpoint, *manufacturer, *model, *serial, *state_path;
    cs_records db;              /* all object data (client_internal.h) */
    cs_records backup;          /* before the bootstrap in progress */
    bool have_backup;
    bool use_pack;

    enum cs_client_state state;
    enum cs_client_next next;   /* what IDLE does at `deadline` */
    cs_coap_time deadline;      /* the state's timer */
    cs_coap_time now;           /* last time given to the engine */
    bool wake;                  /* a handler wants a tick */

    struct cs_client_channel bs, srv;
    /* The BS channel after a successful Finish, kept for a while so that
     * a retransmitted Finish still gets its (deduplicated) answer. */
    struct cs_client_channel linger;
    cs_coap_time linger_until;
    cs_coap_time bs_purge_at;   /* /0/x/12 Bootstrap-Server Account Timeout */
    cs_coap_endpoint *to_close[CS_CLIENT_MAX_CLOSE];
    size_t close_count;

    /* Bootstrap. */
    cs_coap_time bs_last_cmd;
    unsigned bs_failures;
    bool bs_cmd_seen;
    enum cs_client_finish finish_result;

    /* Registration. */
    uint16_t sec_iid, srv_iid;
    size_t account;             /* which server account (in try order) */
    char location[256];
    unsigned lwm2m_version;     /* index: 2 = "1.2", 1 = "1.1", 0 = "1.0" */
    uint32_t registered_lifetime;
    unsigned reg_failures, seq_failures;
    bool update_in_flight;
    bool objects_changed, update_trigger, bootstrap_trigger, reboot;
    bool disable;               /* /1/x/4 executed: flag for the tick */
    bool persist_dirty;         /* a DM write changed objects 1 or 2 */
    bool disabling;             /* De-register sent for a Disable */

    struct cs_client_obs obs[CS_CLIENT_MAX_OBS];
    struct cs_client_attrs attrs[CS_CLIENT_MAX_ATTRS];

    /* The last response's body and Location-Path (handlers.c). */
    cs_buf reply_body;
    char reply_location[32];
};

/* client.c */
int64_t cs_client_int(const cs_client *c, uint16_t oid, uint16_t iid,
                      uint16_t rid, int64_t dflt);
void cs_client_wake(cs_client *c);
bool cs_client_bs_account(const cs_client *c, uint16_t *iid);
bool cs_client_server_instance(const cs_client *c, int64_t ssid,
                               uint16_t *iid);
void cs_client_begin_bootstrap(cs_client *c, cs_coap_time now);
void cs_client_send_register(cs_client *c, cs_coap_time now);
cs_err cs_client_register_payload(const cs_client *c, cs_buf *out);

/* handlers.c */
bool cs_client_check_config(const cs_client *c);
void cs_client_obs_drop(cs_client *c, size_t i);
void cs_client_obs_tick(cs_client *c, cs_coap_time now);
cs_coap_time cs_client_obs_deadline(const cs_client *c);

#endif
