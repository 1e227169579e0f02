/*
 * server_internal.h - what the server engine's files share: the engine
 * and registration structures, and the device-management hooks that the
 * registration code calls (dm.c).
 */
#ifndef CELLSTRAP_SERVER_INTERNAL_H
#define CELLSTRAP_SERVER_INTERNAL_H

#include "cellstrap/server.h"
#include "cellstrap/linkformat.h"
#include "core/timer_heap.h"

struct cs_rng;
struct srv_op;

/* One registration in memory. */
struct srv_reg {
    cs_registration r;             /* what the store keeps (links owned) */
    cs_coap_endpoint *coap;        /* the endpoint it came over */
    uint16_t formats[CS_LINK_MAX_CT];
    size_t format_count;
    char alt_path[64];             /* "" or e.g. "/lwm2m" */
    cs_timer timer;                /* expiry */
    uint64_t last_heard;           /* ms: last Register or Update */
    struct srv_reg *next_id;       /* hash chains */
    struct srv_reg *next_ep;
};

struct cs_server {
    cs_server_config cfg;
    struct cs_rng *rng;
    uint64_t hash_seed;
    struct srv_reg **by_id;
    struct srv_reg **by_ep;
    size_t buckets;                /* a power of two */
    size_t count;
    cs_timer_heap expiry;
    struct srv_op *ops;            /* pending requests and observations */
    bool forget_pending;           /* detached observations to forget */
    bool flush_pending;            /* queued requests may go out */
};

struct srv_reg *srv_find_ep(const cs_server *srv, const char *ep);

/* dm.c */
void srv_ops_end_endpoint(cs_server *srv, const char *endpoint);
void srv_ops_tick(cs_server *srv);
void srv_ops_free_all(cs_server *srv);
/* A queue-mode client was heard from: its held requests go out at the
 * next tick. */
void srv_ops_wake(cs_server *srv);

#endif
