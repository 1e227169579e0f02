/*
 * fuzz_server_engine.c - libFuzzer target for the LwM2M server engine: the
 * Registration interface (Register, Update, De-register: their Uri-Query
 * parameters and link-format payloads) and the device's answers to device
 * management requests, all coming from the network.
 *
 * One engine with an in-memory store (one issued credential) serves a
 * plain CoAP endpoint; the input is records (fuzz_net.h) whose op says:
 *   op % 4 == 0  a datagram from peer (op / 4) % 4; peers 2 and 3 speak
 *                over a session whose PSK identity is the issued one, resp.
 *                an unknown one
 *   op % 4 == 1  an answer to the last request the server sent
 *   op % 4 == 2  an admin command line (read, observe, write ...) so that
 *                the server sends requests whose answers can be fuzzed
 *   op % 4 == 3  only time passes
 * Nothing may crash or leak, every datagram sent must be CoAP, and every
 * registration in memory must also be in the store (write-through).
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "cellstrap/server.h"
#include "cellstrap/store.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEERS 4
#define UNIX_BASE 1700000000

struct fake_session {
    const char *identity;
};

static struct fake_session known = { "fz-psk" }, unknown = { "fz-stranger" };

static struct harness {
    cs_coap_time now;
    fuzz_sent last;
} H;

static void on_send(void *io, const cs_addr *to, void *session,
                    const uint8_t *d, size_t len)
{
    fuzz_note_sent(&H.last, io, to, session, d, len);
}

static uint64_t clock_ms(void *ctx)
{
    (void)ctx;
    return H.now;
}

static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return UNIX_BASE + (int64_t)(H.now / 1000u);
}

static bool session_identity(void *ctx, void *session, const uint8_t **id,
                             size_t *len)
{
    (void)ctx;
    const struct fake_session *s = session;
    if (s == NULL)
        return false;
    *id = (const uint8_t *)s->identity;
    *len = strlen(s->identity);
    return true;
}

static void admin_out(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    (void)text;
    (void)len;
}

static void *peer_session(unsigned peer)
{
    return peer == 2 ? (void *)&known : peer == 3 ? (void *)&unknown : NULL;
}

static cs_addr peer_addr(unsigned peer)
{
    return cs_addr_ipv4(127, 0, 0, (uint8_t)(10 + peer), 56830);
}

static void issue_credential(cs_store *store)
{
    cs_credential c;
    memset(&c, 0, sizeof c);
    memcpy(c.identity, known.identity, strlen(known.identity));
    c.identity_len = strlen(known.identity);
    memset(c.key, 0x5a, 16);
    c.key_len = 16;
    strcpy(c.endpoint, "fz-secure");
    strcpy(c.server, "fz-server");
    c.created = UNIX_BASE;
    cs_store_issue_credential(store, &c);
}

/* Write-through: the store holds what the engine holds. */
static int check_stored(void *ctx, const cs_registration *reg)
{
    cs_store *store = ctx;
    cs_registration copy;
    if (cs_store_get_registration(store, reg->id, &copy) != CS_OK)
        abort();
    if (strcmp(copy.endpoint, reg->endpoint) != 0)
        abort();
    cs_registration_free(&copy);
    return 0;
}

static void run_admin(cs_admin *adm, const uint8_t *data, size_t len)
{
    char line[CS_ADMIN_LINE_MAX];
    if (len >= sizeof line)
        len = sizeof line - 1;
    memcpy(line, data, len);
    line[len] = '\0';
    cs_admin_command(adm, line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_log_set_level(getenv("FUZZ_LOG") ? CS_LOG_DEBUG : CS_LOG_ERROR);
    memset(&H, 0, sizeof H);
    H.now = 1000;
    /* One store for the whole run (opening one costs more than most
     * inputs): it holds the credential, and no registration between
     * inputs (all expire at the end of each). */
    static cs_store *store;
    if (store == NULL) {
        if (cs_store_open("sqlite::memory:", &store) != CS_OK)
            abort();
        issue_credential(store);
    }
    cs_server_config scfg = {
        .name = "fz-server",
        .store = store,
        .allow_nosec = true,
        .identity = session_identity,
        .clock_ms = clock_ms,
        .clock_unix = clock_unix,
        .seed = 1,
    };
    cs_server *srv = cs_server_new(&scfg);
    cs_coap_config ccfg = { 0 };
    cs_coap_params_default(&ccfg.params);
    ccfg.send = on_send;
    ccfg.on_request = cs_server_handle_request;
    ccfg.app = srv;
    ccfg.seed = 1;
    ccfg.max_peers = 8;
    ccfg.max_body = 16384;
    cs_coap_endpoint *ep = srv != NULL ? cs_coap_endpoint_new(&ccfg) : NULL;
    cs_admin *adm = srv != NULL ? cs_admin_new(srv, admin_out, NULL) : NULL;
    if (srv == NULL || ep == NULL || adm == NULL)
        abort();

    size_t pos = 0;
    fuzz_record r;
    uint8_t out[4096];
    while (fuzz_next_record(data, size, &pos, &r)) {
        H.now += r.dt;
        cs_coap_tick(ep, H.now);
        cs_server_tick(srv);
        unsigned peer = (r.op >> 2) % PEERS;
        cs_addr from = peer_addr(peer);
        size_t n;
        switch (r.op % 4) {
        case 0:
            cs_coap_receive(ep, H.now, &from, peer_session(peer), r.data,
                            r.len);
            break;
        case 1:
            n = fuzz_build_answer(&H.last, r.data, r.len, out, sizeof out);
            if (n > 0)
                cs_coap_receive(ep, H.now, &H.last.to, H.last.session, out, n);
            break;
        case 2:
            run_admin(adm, r.data, r.len);
            break;
        default:
            break;
        }
        cs_server_tick(srv);
        cs_server_each(srv, check_stored, store);
        if (cs_store_count_registrations(store) != cs_server_count(srv))
            abort();
    }
    for (int i = 0; i < 1000; i++) {   /* every exchange ends */
        cs_coap_time next = cs_coap_next_deadline(ep);
        if (next == CS_COAP_NEVER)
            break;
        if (next > H.now)
            H.now = next;
        cs_coap_tick(ep, H.now);
        cs_server_tick(srv);
    }
    H.now += (cs_coap_time)UINT32_MAX * 1000u + 1000u; /* all expire */
    cs_coap_tick(ep, H.now);
    cs_server_tick(srv);
    if (cs_server_count(srv) != 0 || cs_store_count_registrations(store) != 0)
        abort();
    cs_admin_free(adm);
    cs_coap_endpoint_free(ep);
    cs_server_free(srv);
    return 0;
}
