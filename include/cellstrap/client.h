/*
 * cellstrap/client.h - the LwM2M client engine (device side), sans-I/O.
 *
 * The engine holds the device's object data (Security 0, Server 1, Access
 * Control 2 as storage, Device 3), runs Client-Initiated Bootstrap (with
 * Bootstrap-Pack-Request first when asked), registers with the server the
 * bootstrap configured, keeps the registration alive with Updates, answers
 * the server's device-management requests (Read, Write, Execute, Discover,
 * Create, Delete, Observe) and persists what bootstrap wrote.
 *
 * It opens no socket and reads no clock.  The application gives it a way
 * to reach a server URI (cs_client_open_fn): a CoAP endpoint whose request
 * handler is cs_client_on_request with the engine as `app`, and the peer
 * address to talk to.  Time comes in through cs_client_tick(now) (CoAP
 * milliseconds); cs_client_next_deadline says when the engine next needs it.
 *
 * Timing choices: a registration is updated at
 * lifetime - max(lifetime / 10, 10 s) after the last successful Register or
 * Update (never later than lifetime / 2 for short lifetimes); a bootstrap
 * session fails when no Bootstrap-Finish arrives within EXCHANGE_LIFETIME
 * of the last bootstrap command.
 */
#ifndef CELLSTRAP_CLIENT_H
#define CELLSTRAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/coap_endpoint.h"
#include "cellstrap/codec.h"
#include "cellstrap/error.h"
#include "cellstrap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_client cs_client;

/* Security modes of /0/x/2 the engine can use. */
#define CS_CLIENT_SECURITY_PSK 0
#define CS_CLIENT_SECURITY_NOSEC 3

/*
 * Open a channel to `uri` ("coap://127.0.0.1:5683" or "coaps://..."):
 * security mode 0 (PSK, identity and key given, borrowed for the call) or
 * 3 (NoSec).  On success set *ep to a CoAP endpoint whose on_request is
 * cs_client_on_request with `app` = the engine, and *peer to the server's
 * address.  The endpoint stays the application's; the engine gives it back
 * with cs_client_close_fn.  Return CS_OK or any error (the engine treats
 * it as a failed attempt and retries later).
 */
typedef cs_err (*cs_client_open_fn)(void *io, const char *uri, int mode,
                                    const uint8_t *identity,
                                    size_t identity_len, const uint8_t *key,
                                    size_t key_len, cs_coap_endpoint **ep,
                                    cs_addr *peer);

/* The engine no longer uses `ep` (opened by cs_client_open_fn).  Called
 * from cs_client_tick or cs_client_free, never from inside a request
 * handler; the application frees it (now or later). */
typedef void (*cs_client_close_fn)(void *io, cs_coap_endpoint *ep);

/* Things the application may want to know (logging, tests, exit). */
enum cs_client_event {
    CS_CLIENT_EV_BOOTSTRAP_STARTED = 1,
    CS_CLIENT_EV_BOOTSTRAPPED,       /* Finish accepted or pack applied */
    CS_CLIENT_EV_BOOTSTRAP_FAILED,   /* state restored, will retry */
    CS_CLIENT_EV_REGISTERED,
    CS_CLIENT_EV_UPDATED,
    CS_CLIENT_EV_REGISTRATION_FAILED,
    CS_CLIENT_EV_DEREGISTERED,       /* after cs_client_stop: done */
    CS_CLIENT_EV_REBOOT              /* /3/0/4 executed */
};
typedef void (*cs_client_event_fn)(void *ctx, enum cs_client_event ev);

/* Overall state, for the application and tests. */
enum cs_client_state {
    CS_CLIENT_IDLE = 0,          /* not started, or waiting to retry */
    CS_CLIENT_BOOTSTRAP_HOLDOFF, /* waiting /0/x/11 before bootstrapping */
    CS_CLIENT_BOOTSTRAP_PACK,    /* GET /bspack sent */
    CS_CLIENT_BOOTSTRAP_REQUEST, /* POST /bs sent */
    CS_CLIENT_BOOTSTRAPPING,     /* serving the BS until Finish */
    CS_CLIENT_REGISTERING,
    CS_CLIENT_REGISTERED,
    CS_CLIENT_DEREGISTERING,
    CS_CLIENT_STOPPED            /* after cs_client_stop completed */
};

typedef struct cs_client_config {
    const char *endpoint;    /* Endpoint Client Name (required, 1..200 B) */

    /* Factory Bootstrap-Server account, used when the state file has none:
     * URI, and for coaps:// the PSK identity and key (copied). */
    const char *bootstrap_uri;
    const uint8_t *bootstrap_identity;
    size_t bootstrap_identity_len;
    const uint8_t *bootstrap_key;
    size_t bootstrap_key_len;
    bool bootstrap_pack;           /* try GET /bspack before POST /bs */

    uint32_t default_lifetime;     /* s, when /1/x/1 is absent; 0 = 86400 */

    /* How long a bootstrap may go without a word from the BS before it is
     * abandoned and the pre-bootstrap state restored (ms); 0 = the CoAP
     * EXCHANGE_LIFETIME of params (247 s with the defaults). */
    uint32_t bootstrap_timeout_ms;

    /* Device object /3/0 (copied; NULL = not present). */
    const char *manufacturer;
    const char *model;
    const char *serial;

    /* Where objects 0, 1 and 2 persist (copied); NULL = nowhere. */
    const char *state_path;

    /* RFC 7252 parameters (EXCHANGE_LIFETIME for the bootstrap timeout);
     * all zero = defaults. */
    cs_coap_params params;

    cs_client_open_fn open_channel;    /* required */
    cs_client_close_fn close_channel;  /* required */
    void *io;                          /* their first argument */

    /* Wall clock for /3/0/13 (Unix seconds); NULL = now / 1000. */
    int64_t (*wall_clock)(void *io);

    cs_client_event_fn on_event;       /* optional */
    void *event_ctx;
} cs_client_config;

/*
 * A new engine: loads the state file (a missing, corrupt, truncated or
 * wrong-version file is logged and ignored), adds the factory BS account
 * if there is none.  Nothing is sent until cs_client_start.  NULL when out
 * of memory or the configuration is incomplete.
 */
cs_client *cs_client_new(const cs_client_config *cfg);
/* Close channels (close_channel) and free; NULL allowed.  No De-register:
 * use cs_client_stop first for a clean shutdown. */
void cs_client_free(cs_client *c);

/* Begin: register when a server account exists, else bootstrap. */
void cs_client_start(cs_client *c, cs_coap_time now);

/* Clean shutdown: De-register when registered (the state becomes
 * CS_CLIENT_STOPPED when answered or timed out), else stop at once. */
void cs_client_stop(cs_client *c, cs_coap_time now);

/* The request handler of every endpoint the engine opened (app = the
 * engine).  Matches cs_coap_request_fn. */
void cs_client_on_request(void *app, cs_coap_endpoint *ep,
                          cs_coap_incoming *in, cs_coap_msg *response);

/* Run timers due at `now`: retries, Update, bootstrap timeout, observe
 * notifications, deferred channel closing. */
void cs_client_tick(cs_client *c, cs_coap_time now);
/* When cs_client_tick next has work; CS_COAP_NEVER for none. */
cs_coap_time cs_client_next_deadline(const cs_client *c);

enum cs_client_state cs_client_get_state(const cs_client *c);

/* The registration's Location-Path ("/rd/5a3f"), or NULL. */
const char *cs_client_location(const cs_client *c);

/*
 * Read a value of the object data (resource or resource instance):
 * CS_OK with *out pointing into the engine (valid until its next call),
 * or CS_E_NOT_FOUND.
 */
cs_err cs_client_get(const cs_client *c, const cs_path *path,
                     cs_value *out);

/*
 * Set a resource value from the device side (a sensor reading, the
 * firmware version): creates the instance when needed, bypasses access
 * rights, and triggers observe notifications.  CS_E_TYPE/CS_E_RANGE when
 * the value does not fit the definition; CS_E_NOMEM.
 */
cs_err cs_client_set(cs_client *c, const cs_path *path,
                     const cs_value *value, cs_coap_time now);

#ifdef __cplusplus
}
#endif

#endif /* CELLSTRAP_CLIENT_H */
