/*
 * dm.c - device management requests from the server to registered clients
 * (Read, Discover, Write, Execute, Create, Delete, Observe and its
 * cancellation), sent through the CoAP endpoint each client registered
 * over, with the answers decoded into records for the caller.
 *
 * Each request in flight is a srv_op on the engine's list.  A caller that
 * goes away (cs_server_forget_user) only detaches its ops: an op is freed
 * by its own final callback, or, for an observation, by the next tick,
 * which tells the endpoint to forget the relation.  That way nothing is
 * freed while the CoAP endpoint is inside one of our callbacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "server/server_internal.h"

struct srv_op {
    struct srv_op *prev, *next;
    cs_server *srv;
    cs_server_response_fn cb;      /* NULL once detached */
    void *user;
    char endpoint[CS_STORE_ENDPOINT_MAX];
    cs_path path;
    bool observe;
    bool observing;                /* a notification has arrived */
    bool forget;                   /* detached observation: forget it */
    cs_coap_endpoint *coap;
    cs_addr addr;
    uint8_t token[CS_COAP_TOKEN_MAX];
    uint8_t token_len;
    uint8_t *queued;               /* held for a sleeping queue-mode client:
                                      the serialized request */
    size_t queued_len;
};

static void op_link(cs_server *srv, struct srv_op *op)
{
    op->prev = NULL;
    op->next = srv->ops;
    if (srv->ops != NULL)
        srv->ops->prev = op;
    srv->ops = op;
}

static void op_unlink_free(cs_server *srv, struct srv_op *op)
{
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        srv->ops = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    free(op->queued);
    free(op);
}

static bool is_record_format(uint16_t f)
{
    return f != CS_FORMAT_LINK && cs_format_name(f) != NULL;
}

/* Hand one outcome of `op` to its caller, with the payload decoded. */
static void op_report(struct srv_op *op, cs_err status,
                      const cs_coap_msg *msg, bool final)
{
    cs_server_response r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.format = CS_SERVER_NO_FORMAT;
    r.final = final;
    r.decode_status = CS_OK;
    cs_records rs;
    cs_records_init(&rs);
    if (msg != NULL) {
        uint16_t cf;
        r.code = msg->code;
        r.payload = msg->payload;
        r.payload_len = msg->payload_len;
        if (cs_coap_get_content_format(msg, &cf) == CS_OK)
            r.format = cf;
        if (msg->payload_len > 0 && r.format != CS_SERVER_NO_FORMAT &&
            is_record_format(r.format)) {
            r.decode_status = cs_decode(r.format, &op->path, msg->payload,
                                        msg->payload_len,
                                        op->srv->cfg.registry, &rs);
            if (r.decode_status == CS_OK)
                r.records = &rs;
        }
    }
    op->cb(op->user, &r);
    cs_records_free(&rs);
}

static void op_response(void *user, cs_coap_endpoint *ep, cs_err status,
                        const cs_coap_msg *response, bool final)
{
    (void)ep;
    struct srv_op *op = user;
    cs_server *srv = op->srv;
    if (op->observe && !final)
        op->observing = true;
    if (op->cb != NULL)
        op_report(op, status, response, final);
    if (final) {
        op_unlink_free(srv, op);
    } else if (op->cb == NULL && op->observe) {
        op->forget = true;            /* nobody listens any more */
        srv->forget_pending = true;
    }
}

/* The format a payload for this client is encoded in: the first record
 * format it announced that carries many values, else TLV (which every
 * LwM2M client supports). */
static uint16_t write_format(const struct srv_reg *reg)
{
    for (size_t i = 0; i < reg->format_count; i++) {
        uint16_t f = reg->formats[i];
        if (f == CS_FORMAT_SENML_CBOR || f == CS_FORMAT_SENML_JSON ||
            f == CS_FORMAT_LWM2M_CBOR || f == CS_FORMAT_TLV)
            return f;
    }
    return CS_FORMAT_TLV;
}

static struct srv_op *find_observation(cs_server *srv, const char *endpoint,
                                       const cs_path *path, void *user)
{
    struct srv_op *any = NULL;
    for (struct srv_op *op = srv->ops; op != NULL; op = op->next) {
        if (!op->observe || op->cb == NULL || op->queued != NULL ||
            strcmp(op->endpoint, endpoint) != 0 ||
            cs_path_compare(&op->path, path) != 0)
            continue;
        if (op->user == user)
            return op;
        if (any == NULL)
            any = op;
    }
    return any;
}

static uint8_t method_of(enum cs_server_op op)
{
    switch (op) {
    case CS_SERVER_READ:
    case CS_SERVER_DISCOVER:
    case CS_SERVER_OBSERVE:
    case CS_SERVER_CANCEL_OBSERVE:
        return CS_COAP_CODE_GET;
    case CS_SERVER_WRITE:
    case CS_SERVER_WRITE_ATTRIBUTES:
        return CS_COAP_CODE_PUT;
    case CS_SERVER_WRITE_UPDATE:
    case CS_SERVER_EXECUTE:
    case CS_SERVER_CREATE:
        return CS_COAP_CODE_POST;
    case CS_SERVER_DELETE:
        return CS_COAP_CODE_DELETE;
    }
    return 0;
}

/* Options and payload of the request `req` for `reg` into msg; the
 * payload (if encoded here) lands in `body`. */
static cs_err build_request(const cs_server *srv, const struct srv_reg *reg,
                            const cs_server_request *req, char *uri,
                            size_t uri_cap, cs_buf *body, cs_coap_msg *msg)
{
    char path[CS_PATH_TEXT_MAX];
    if (cs_path_format(&req->path, path, sizeof path) < 0)
        return CS_E_INVALID_ARG;
    int n = snprintf(uri, uri_cap, "%s%s", reg->alt_path,
                     req->path.len > 0 ? path : "");
    if (n < 0 || (size_t)n >= uri_cap)
        return CS_E_INVALID_ARG;
    cs_err err = cs_coap_add_path(msg, CS_COAP_OPT_URI_PATH, uri, (size_t)n);
    if (err != CS_OK)
        return err;
    if (req->op == CS_SERVER_WRITE_ATTRIBUTES) {
        if (req->query == NULL || req->query[0] == '\0')
            return CS_E_INVALID_ARG;
        return cs_coap_add_query(msg, CS_COAP_OPT_URI_QUERY, req->query,
                                 strlen(req->query));
    }
    if (req->op == CS_SERVER_OBSERVE || req->op == CS_SERVER_CANCEL_OBSERVE) {
        err = cs_coap_add_uint(msg, CS_COAP_OPT_OBSERVE,
                               req->op == CS_SERVER_OBSERVE ? 0 : 1);
        if (err != CS_OK)
            return err;
    }
    if (req->op == CS_SERVER_DISCOVER)
        err = cs_coap_add_accept(msg, CS_FORMAT_LINK);
    else if ((req->op == CS_SERVER_READ || req->op == CS_SERVER_OBSERVE ||
              req->op == CS_SERVER_CANCEL_OBSERVE) &&
             req->accept != CS_SERVER_NO_FORMAT)
        err = cs_coap_add_accept(msg, req->accept);
    if (err != CS_OK)
        return err;
    bool has_body = req->op == CS_SERVER_WRITE ||
                    req->op == CS_SERVER_WRITE_UPDATE ||
                    req->op == CS_SERVER_CREATE ||
                    req->op == CS_SERVER_EXECUTE;
    if (!has_body)
        return CS_OK;
    if (req->records != NULL && req->op != CS_SERVER_EXECUTE) {
        uint16_t f = write_format(reg);
        err = cs_encode(f, &req->path, req->records, srv->cfg.registry, body);
        if (err != CS_OK)
            return err;
        cs_coap_set_payload(msg, body->data, body->len);
        return cs_coap_add_content_format(msg, f);
    }
    if (req->payload_len > 0)
        cs_coap_set_payload(msg, req->payload, req->payload_len);
    if (req->format != CS_SERVER_NO_FORMAT && req->payload_len > 0)
        return cs_coap_add_content_format(msg, req->format);
    return CS_OK;
}

/*
 * Queue mode (LwM2M Transport, "Queue Mode Operation"): a client in queue
 * mode listens only for MAX_TRANSMIT_WAIT after it last sent something;
 * later requests are held until its next Update and then sent (the
 * endpoint's NSTART sends them one at a time).
 */
static bool client_asleep(const cs_server *srv, const struct srv_reg *reg)
{
    if (!reg->r.queue_mode)
        return false;
    cs_coap_params p;
    cs_coap_params_default(&p);
    uint64_t now = srv->cfg.clock_ms(srv->cfg.clock_ctx);
    return now > reg->last_heard + cs_coap_max_transmit_wait(&p);
}

/* Keep the request as bytes (options and payload borrow build buffers). */
static cs_err hold(struct srv_op *op, const cs_coap_msg *msg)
{
    size_t cap = msg->payload_len + 2048, len;
    op->queued = malloc(cap);
    if (op->queued == NULL)
        return CS_E_NOMEM;
    cs_err err = cs_coap_serialize(msg, op->queued, cap, &len);
    if (err != CS_OK) {
        free(op->queued);
        op->queued = NULL;
        return err;
    }
    op->queued_len = len;
    return CS_OK;
}

void srv_ops_wake(cs_server *srv)
{
    for (struct srv_op *op = srv->ops; op != NULL; op = op->next)
        if (op->queued != NULL) {
            srv->flush_pending = true;
            return;
        }
}

static void report_failure(struct srv_op *op, cs_err status)
{
    cs_server_response r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.format = CS_SERVER_NO_FORMAT;
    r.final = true;
    cs_server_response_fn cb = op->cb;
    op->cb = NULL;
    cb(op->user, &r);
}

/* Send (or drop) the held requests whose clients are awake or gone. */
static void flush_held(cs_server *srv)
{
    struct srv_op *next;
    for (struct srv_op *op = srv->ops; op != NULL; op = next) {
        next = op->next;
        if (op->queued == NULL)
            continue;
        struct srv_reg *reg = srv_find_ep(srv, op->endpoint);
        if (op->cb != NULL && reg != NULL && reg->coap != NULL &&
            client_asleep(srv, reg))
            continue;
        cs_coap_msg msg;
        cs_err err = CS_E_NOT_FOUND;
        if (op->cb != NULL && reg != NULL && reg->coap != NULL &&
            (err = cs_coap_parse(op->queued, op->queued_len, &msg)) == CS_OK) {
            op->coap = reg->coap;
            op->addr = reg->r.addr;
            msg.token_len = 0;
            err = cs_coap_send_request(reg->coap,
                                       srv->cfg.clock_ms(srv->cfg.clock_ctx),
                                       &reg->r.addr, NULL, &msg, op_response, op);
            if (err == CS_OK) {
                op->token_len = msg.token_len;
                memcpy(op->token, msg.token, msg.token_len);
                free(op->queued);
                op->queued = NULL;
                continue;
            }
        }
        if (op->cb != NULL)
            report_failure(op, err);
        /* `next` may have been detached by the callback, never freed. */
        op_unlink_free(srv, op);
    }
}

cs_err cs_server_send(cs_server *srv, const char *endpoint,
                      const cs_server_request *req, cs_server_response_fn cb,
                      void *user)
{
    if (srv == NULL || endpoint == NULL || req == NULL || cb == NULL ||
        !cs_path_is_valid(&req->path) || method_of(req->op) == 0)
        return CS_E_INVALID_ARG;
    struct srv_reg *reg = srv_find_ep(srv, endpoint);
    if (reg == NULL || reg->coap == NULL)
        return CS_E_NOT_FOUND;
    struct srv_op *old = NULL;
    if (req->op == CS_SERVER_CANCEL_OBSERVE) {
        old = find_observation(srv, endpoint, &req->path, user);
        if (old == NULL)
            return CS_E_NOT_FOUND;
    }
    struct srv_op *op = calloc(1, sizeof *op);
    if (op == NULL)
        return CS_E_NOMEM;
    op->srv = srv;
    op->cb = cb;
    op->user = user;
    snprintf(op->endpoint, sizeof op->endpoint, "%s", endpoint);
    op->path = req->path;
    op->observe = req->op == CS_SERVER_OBSERVE;
    op->coap = reg->coap;
    op->addr = reg->r.addr;

    cs_coap_msg msg;
    char uri[160];
    cs_buf body;
    cs_buf_init(&body, 1024 * 1024);
    cs_coap_init(&msg, CS_COAP_TYPE_CON, method_of(req->op), 0);
    if (old != NULL)
        cs_coap_set_token(&msg, old->token, old->token_len);
    cs_err err = build_request(srv, reg, req, uri, sizeof uri, &body, &msg);
    if (err == CS_OK && old == NULL && client_asleep(srv, reg)) {
        err = hold(op, &msg);
        cs_buf_free(&body);
        if (err != CS_OK) {
            free(op);
            return err;
        }
        op_link(srv, op);
        return CS_OK;
    }
    if (err == CS_OK)
        err = cs_coap_send_request(reg->coap, srv->cfg.clock_ms(srv->cfg.clock_ctx),
                                   &reg->r.addr, NULL, &msg, op_response, op);
    cs_buf_free(&body);
    if (err != CS_OK) {
        free(op);
        return err;
    }
    op->token_len = msg.token_len;
    memcpy(op->token, msg.token, msg.token_len);
    op_link(srv, op);
    if (old != NULL) {
        if (old->observing) {
            /* The endpoint handed the relation's token to the cancelling
             * GET and dropped the relation: nothing refers to `old`. */
            op_unlink_free(srv, old);
        } else {
            old->cb = NULL;           /* its first answer is still due */
            old->user = NULL;
            old->forget = true;
        }
    }
    return CS_OK;
}

void cs_server_forget_user(cs_server *srv, void *user)
{
    for (struct srv_op *op = srv->ops; op != NULL; op = op->next) {
        if (op->user != user || op->cb == NULL)
            continue;
        op->cb = NULL;
        op->user = NULL;
        if (op->queued != NULL)
            srv->flush_pending = true;      /* frees it */
        else if (op->observe) {
            op->forget = true;
            if (op->observing)
                srv->forget_pending = true;
        }
    }
}

/* The client has gone (de-registered, expired, replaced): its
 * observations end, and their callers hear so. */
void srv_ops_end_endpoint(cs_server *srv, const char *endpoint)
{
    struct srv_op *next;
    for (struct srv_op *op = srv->ops; op != NULL; op = next) {
        next = op->next;
        if (op->cb == NULL || strcmp(op->endpoint, endpoint) != 0)
            continue;
        if (op->queued != NULL) {
            report_failure(op, CS_E_NOT_FOUND);
            srv->flush_pending = true;      /* frees it */
            continue;
        }
        if (!op->observe)
            continue;
        cs_server_response r;
        memset(&r, 0, sizeof r);
        r.status = CS_E_NOT_FOUND;
        r.format = CS_SERVER_NO_FORMAT;
        r.final = true;
        cs_server_response_fn cb = op->cb;
        void *user = op->user;
        op->cb = NULL;
        op->user = NULL;
        op->forget = true;
        if (op->observing)
            srv->forget_pending = true;
        cb(user, &r);
    }
}

/* Forget the detached observations that have a relation in the endpoint. */
void srv_ops_tick(cs_server *srv)
{
    if (srv->flush_pending) {
        srv->flush_pending = false;
        flush_held(srv);
    }
    if (!srv->forget_pending)
        return;
    srv->forget_pending = false;
    struct srv_op *next;
    for (struct srv_op *op = srv->ops; op != NULL; op = next) {
        next = op->next;
        if (!op->forget || !op->observing)
            continue;
        cs_coap_forget_observe(op->coap, &op->addr, op->token, op->token_len);
        op_unlink_free(srv, op);
    }
}

void srv_ops_free_all(cs_server *srv)
{
    while (srv->ops != NULL)
        op_unlink_free(srv, srv->ops);
}
