/*
 * acct_client.c - the RADIUS accounting client engine (sans-I/O), as the
 * emulated packet gateway uses it: one Identifier space per server, the
 * exact request octets kept for retransmission, a timer per request in
 * one heap, and a response accepted only from the server the request went
 * to, with the right Identifier and Response Authenticator.
 *
 * Retransmissions repeat the request unchanged (no Acct-Delay-Time
 * update), so a server's duplicate detection recognises them and applies
 * the event once.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/radius_accounting.h"
#include "core/timer_heap.h"
#include "crypto/crypto.h"

#define DEFAULT_INITIAL_MS 2000
#define DEFAULT_MAX_MS 16000
#define DEFAULT_OUTSTANDING 4096

struct request {
    cs_timer timer;                /* first: the heap gives this back */
    uint64_t handle;
    unsigned server;
    unsigned attempts;             /* sends so far */
    uint64_t wait_ms;              /* before the next send */
    size_t len;
    uint8_t packet[];
};

struct server {
    cs_addr addr;
    uint8_t secret[CS_RADIUS_MAX_SECRET];
    size_t secret_len;
    struct request *waiting[256];  /* by Identifier */
    unsigned in_flight;
    uint8_t next_id;
};

struct cs_acct_client {
    cs_acct_client_config cfg;
    struct server servers[CS_ACCT_MAX_SERVERS];
    unsigned server_count;
    cs_timer_heap timers;
    size_t outstanding;
    uint64_t next_handle;
};

cs_err cs_acct_client_new(const cs_acct_client_config *cfg, cs_acct_client **out)
{
    *out = NULL;
    if (cfg == NULL || cfg->send == NULL)
        return CS_E_INVALID_ARG;
    cs_acct_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return CS_E_NOMEM;
    c->cfg = *cfg;
    if (c->cfg.initial_timeout_ms == 0)
        c->cfg.initial_timeout_ms = DEFAULT_INITIAL_MS;
    if (c->cfg.max_timeout_ms < c->cfg.initial_timeout_ms)
        c->cfg.max_timeout_ms = c->cfg.initial_timeout_ms > DEFAULT_MAX_MS
                                    ? c->cfg.initial_timeout_ms : DEFAULT_MAX_MS;
    if (c->cfg.max_outstanding == 0)
        c->cfg.max_outstanding = DEFAULT_OUTSTANDING;
    cs_timer_heap_init(&c->timers);
    c->next_handle = 1;
    *out = c;
    return CS_OK;
}

void cs_acct_client_free(cs_acct_client *c)
{
    if (c == NULL)
        return;
    /* The heap marks its timers idle as it goes, so it goes first. */
    cs_timer_heap_free(&c->timers);
    for (unsigned s = 0; s < c->server_count; s++)
        for (unsigned id = 0; id < 256; id++)
            free(c->servers[s].waiting[id]);
    cs_secure_zero(c->servers, sizeof c->servers);
    free(c);
}

cs_err cs_acct_client_add_server(cs_acct_client *c, const cs_addr *server,
                                 const uint8_t *secret, size_t secret_len,
                                 unsigned *index)
{
    if (c == NULL || server == NULL || secret == NULL || secret_len == 0 ||
        secret_len > CS_RADIUS_MAX_SECRET)
        return CS_E_INVALID_ARG;
    if (c->server_count == CS_ACCT_MAX_SERVERS)
        return CS_E_TOO_LARGE;
    struct server *s = &c->servers[c->server_count];
    memset(s, 0, sizeof *s);
    s->addr = *server;
    memcpy(s->secret, secret, secret_len);
    s->secret_len = secret_len;
    if (index != NULL)
        *index = c->server_count;
    c->server_count++;
    return CS_OK;
}

/* The next Identifier not waiting for an answer from this server. */
static bool free_identifier(struct server *s, uint8_t *id)
{
    for (unsigned tries = 0; tries < 256; tries++) {
        uint8_t candidate = s->next_id++;
        if (s->waiting[candidate] == NULL) {
            *id = candidate;
            return true;
        }
    }
    return false;
}

static void transmit(cs_acct_client *c, uint64_t now_ms, struct request *r)
{
    const struct server *s = &c->servers[r->server];
    /* A failed send is a lost datagram: the timer covers it. */
    (void)c->cfg.send(c->cfg.ctx, &s->addr, r->packet, r->len);
    r->attempts++;
    cs_timer_schedule(&c->timers, &r->timer, now_ms + r->wait_ms);
    r->wait_ms = r->wait_ms * 2 > c->cfg.max_timeout_ms ? c->cfg.max_timeout_ms
                                                       : r->wait_ms * 2;
}

cs_err cs_acct_client_send(cs_acct_client *c, uint64_t now_ms, unsigned index,
                           const cs_radius_acct *acct, uint64_t *handle)
{
    if (c == NULL || acct == NULL || index >= c->server_count)
        return CS_E_INVALID_ARG;
    struct server *s = &c->servers[index];
    uint8_t id;
    if (c->outstanding >= c->cfg.max_outstanding || !free_identifier(s, &id))
        return CS_E_BUSY;
    uint8_t packet[CS_RADIUS_ACCT_MAX_LEN];
    size_t len = 0;
    cs_err err = cs_radius_acct_encode(acct, id, s->secret, s->secret_len, packet,
                                       sizeof packet, &len);
    if (err != CS_OK)
        return err;
    struct request *r = malloc(sizeof *r + len);
    if (r == NULL)
        return CS_E_NOMEM;
    cs_timer_init(&r->timer);
    r->handle = c->next_handle++;
    r->server = index;
    r->attempts = 0;
    r->wait_ms = c->cfg.initial_timeout_ms;
    r->len = len;
    memcpy(r->packet, packet, len);
    /* Schedule before the first send so that an out-of-memory heap fails
     * the call instead of leaving a request nobody retransmits. */
    if (cs_timer_schedule(&c->timers, &r->timer, now_ms) != CS_OK) {
        free(r);
        return CS_E_NOMEM;
    }
    s->waiting[id] = r;
    s->in_flight++;
    c->outstanding++;
    if (handle != NULL)
        *handle = r->handle;
    transmit(c, now_ms, r);
    return CS_OK;
}

static void finish(cs_acct_client *c, struct request *r, cs_err result)
{
    struct server *s = &c->servers[r->server];
    uint64_t handle = r->handle;
    cs_timer_cancel(&c->timers, &r->timer);
    s->waiting[r->packet[1]] = NULL;
    s->in_flight--;
    c->outstanding--;
    free(r);
    if (c->cfg.done != NULL)
        c->cfg.done(c->cfg.ctx, handle, result);
}

static struct server *server_at(cs_acct_client *c, const cs_addr *from)
{
    for (unsigned i = 0; i < c->server_count; i++)
        if (cs_addr_equal(&c->servers[i].addr, from))
            return &c->servers[i];
    return NULL;
}

cs_err cs_acct_client_receive(cs_acct_client *c, uint64_t now_ms,
                              const cs_addr *from, const uint8_t *dgram,
                              size_t len)
{
    (void)now_ms;
    if (c == NULL || from == NULL)
        return CS_E_INVALID_ARG;
    cs_radius_packet resp;
    cs_err err = cs_radius_parse(dgram, len, &resp);
    if (err != CS_OK)
        return err;
    struct server *s = server_at(c, from);
    if (s == NULL || resp.code != CS_RADIUS_ACCOUNTING_RESPONSE ||
        s->waiting[resp.identifier] == NULL)
        return CS_E_NOT_FOUND;
    struct request *r = s->waiting[resp.identifier];
    err = cs_radius_verify_response(&resp, r->packet + 4, s->secret, s->secret_len);
    if (err != CS_OK)
        return err;
    finish(c, r, CS_OK);
    return CS_OK;
}

void cs_acct_client_tick(cs_acct_client *c, uint64_t now_ms)
{
    cs_timer *t;
    while ((t = cs_timer_heap_pop_due(&c->timers, now_ms)) != NULL) {
        struct request *r = (struct request *)(void *)((char *)t - offsetof(struct request, timer));
        if (c->cfg.max_attempts != 0 && r->attempts >= c->cfg.max_attempts)
            finish(c, r, CS_E_TIMEOUT);
        else
            transmit(c, now_ms, r);
    }
}

uint64_t cs_acct_client_next_deadline(const cs_acct_client *c)
{
    const cs_timer *t = cs_timer_heap_first(&c->timers);
    return t != NULL ? t->deadline : UINT64_MAX;
}

size_t cs_acct_client_outstanding(const cs_acct_client *c)
{
    return c->outstanding;
}
