/*
 * fuzz_dtls_server.c - libFuzzer target for the DTLS server engine.
 *
 * The input is a script of datagrams from four fixed client addresses (two
 * share one IP) on a fake clock:
 *
 *     chunk := selector(1) length(2, big-endian) datagram(length)
 *     selector: bits 0-1 the source address, bits 2-7 how far the clock
 *               moves first, in steps of 250 ms
 *
 * Before each datagram the engine's timers run (retransmissions, handshake
 * timeouts, parking, expiry); a zero length only moves the clock.  The
 * engine is deterministic (fixed RNG seed, fixed start time) so a recorded
 * handshake replays exactly: the seeds in corpus/dtls/ are conversations of
 * real client engines with this very configuration, which lets the fuzzer
 * start past the cookie exchange and reach established, parked and
 * restored sessions.  Building this file with -DFUZZ_DTLS_RECORD_SEEDS
 * gives a program that writes those seeds into the directory it is given.
 *
 * The event callback echoes data (sending from inside the callback) and
 * closes a session asked to with "close", so those paths are fuzzed too.
 * Nothing may crash or leak (ASan/LSan in fuzzing builds).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/dtls.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * mbedTLS (built with MBEDTLS_HAVE_TIME) puts time(NULL) into the first
 * four bytes of the ClientHello and ServerHello randoms.  The engine itself
 * never reads a clock, but to replay a recorded handshake byte for byte
 * the server's random must not change with the wall clock, so this
 * program pins time() (the executable's definition takes precedence over
 * libc's for the shared mbedTLS library).
 */
#define FUZZ_WALL_CLOCK ((time_t)1700000000)

time_t time(time_t *out)
{
    if (out != NULL)
        *out = FUZZ_WALL_CLOCK;
    return FUZZ_WALL_CLOCK;
}

#define FUZZ_T0 1000000u
#define FUZZ_STEP_MS 250u
#define FUZZ_KEY_LEN 16

struct fuzz_server {
    cs_rng *rng;
    cs_dtls_engine *engine;
    cs_dtls_time now;
    cs_addr addrs[4];
};

/* Identities "dev-<anything>" have a key made of their length; the rest
 * are unknown. */
static cs_err fuzz_psk(void *ctx, const cs_addr *from, const uint8_t *id,
                       size_t id_len, uint8_t *key, size_t cap, size_t *len)
{
    (void)ctx;
    (void)from;
    if (id_len < 4 || memcmp(id, "dev-", 4) != 0 || cap < FUZZ_KEY_LEN)
        return CS_E_NOT_FOUND;
    memset(key, (int)id_len, FUZZ_KEY_LEN);
    *len = FUZZ_KEY_LEN;
    return CS_OK;
}

static void fuzz_event(void *ctx, const cs_dtls_event *ev)
{
    (void)ctx;
    if (ev->type != CS_DTLS_EV_DATA)
        return;
    if (ev->len >= 5 && memcmp(ev->data, "close", 5) == 0) {
        (void)cs_dtls_close(ev->peer, 0);
        return;
    }
    size_t n = ev->len < cs_dtls_peer_max_payload(ev->peer)
                   ? ev->len : cs_dtls_peer_max_payload(ev->peer);
    (void)cs_dtls_send(ev->peer, 0, ev->data, n);
}

static bool fuzz_server_init(struct fuzz_server *fs)
{
    cs_dtls_config cfg;
    memset(fs, 0, sizeof *fs);
    fs->rng = cs_rng_new_deterministic(42);
    if (fs->rng == NULL)
        return false;
    cs_dtls_config_init(&cfg);
    cfg.rng = fs->rng;
    cfg.on_event = fuzz_event;
    cfg.psk_lookup = fuzz_psk;
    cfg.idle_park_ms = 5000;
    cfg.session_expiry_ms = 120000;
    cfg.handshake_timeout_ms = 20000;
    cfg.cookie_lifetime_ms = 30000;
    cfg.max_handshakes = 2;
    cfg.max_peers_per_ip = 3;
    cfg.max_peers = 3;
    cfg.outbox_bytes = 16384;
    cfg.outbox_datagrams = 16;
    fs->engine = cs_dtls_server_new(&cfg);
    fs->now = FUZZ_T0;
    fs->addrs[0] = cs_addr_ipv4(10, 1, 1, 1, 5683);
    fs->addrs[1] = cs_addr_ipv4(10, 1, 1, 1, 5684);
    fs->addrs[2] = cs_addr_ipv4(10, 2, 2, 2, 40000);
    (void)cs_addr_parse("[2001:db8::7]:61000", 0, &fs->addrs[3]);
    return fs->engine != NULL;
}

static void fuzz_server_free(struct fuzz_server *fs)
{
    cs_dtls_free(fs->engine);
    cs_rng_free(fs->rng);
}

/* Where the server's datagrams go: nowhere when fuzzing, to the client
 * engines when recording seeds. */
typedef void fuzz_sink(void *ctx, const cs_addr *to, const uint8_t *d,
                       size_t n);

/* One chunk: move the clock, run timers, deliver, drain the output. */
static void fuzz_step(struct fuzz_server *fs, uint8_t selector,
                      const uint8_t *d, size_t n, fuzz_sink *sink, void *ctx)
{
    static uint8_t out[CS_DTLS_DATAGRAM_MAX];
    cs_addr to;
    size_t len;

    fs->now += (cs_dtls_time)(selector >> 2) * FUZZ_STEP_MS;
    (void)cs_dtls_tick(fs->engine, fs->now);
    if (n > 0)
        (void)cs_dtls_receive(fs->engine, fs->now, &fs->addrs[selector & 3], d,
                              n);
    while (cs_dtls_next_output(fs->engine, &to, out, sizeof out, &len) == CS_OK)
        if (sink != NULL)
            sink(ctx, &to, out, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_server fs;
    if (!fuzz_server_init(&fs)) {
        fuzz_server_free(&fs);
        return 0;
    }
    size_t off = 0;
    while (size - off >= 3) {
        uint8_t selector = data[off];
        size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (n > size - off)
            n = size - off;
        fuzz_step(&fs, selector, data + off, n, NULL, NULL);
        off += n;
    }
    /* Let every timer run out so all states are torn down once. */
    fs.now += 600000;
    (void)cs_dtls_tick(fs.engine, fs.now);
    fuzz_server_free(&fs);
    return 0;
}

#ifdef FUZZ_DTLS_RECORD_SEEDS
/*
 * Seed recorder: client engines talk to the fuzz server; every datagram a
 * client sends becomes a chunk of the seed.  Usage: record DIR
 */
#include <stdio.h>

struct recorder {
    struct fuzz_server fs;
    uint8_t script[65536];
    size_t len;
    uint8_t pending_advance;    /* clock steps for the next chunk */
    cs_dtls_engine *clients[4];
    cs_rng *rngs[8];
    int nrngs;
};

static void ignore_event(void *ctx, const cs_dtls_event *ev)
{
    (void)ctx;
    (void)ev;
}

static void to_clients(void *ctx, const cs_addr *to, const uint8_t *d,
                       size_t n)
{
    struct recorder *r = ctx;
    for (int i = 0; i < 4; i++)
        if (r->clients[i] != NULL && cs_addr_equal(to, &r->fs.addrs[i]))
            (void)cs_dtls_receive(r->clients[i], r->fs.now, to, d, n);
}

static void record_chunk(struct recorder *r, int who, const uint8_t *d,
                         size_t n)
{
    uint8_t selector = (uint8_t)(r->pending_advance << 2 | who);
    if (r->len + 3 + n > sizeof r->script)
        abort();
    r->script[r->len++] = selector;
    r->script[r->len++] = (uint8_t)(n >> 8);
    r->script[r->len++] = (uint8_t)n;
    memcpy(r->script + r->len, d, n);
    r->len += n;
    r->pending_advance = 0;
    fuzz_step(&r->fs, selector, d, n, to_clients, r);
}

/* Carry datagrams until quiet. */
static void record_pump(struct recorder *r)
{
    static uint8_t buf[CS_DTLS_DATAGRAM_MAX];
    for (int round = 0; round < 50; round++) {
        bool moved = false;
        for (int i = 0; i < 4; i++) {
            cs_addr to;
            size_t n;
            while (r->clients[i] != NULL &&
                   cs_dtls_next_output(r->clients[i], &to, buf, sizeof buf,
                                       &n) == CS_OK) {
                record_chunk(r, i, buf, n);
                moved = true;
            }
        }
        if (!moved)
            return;
    }
}

/* Move the clock by `steps` x 250 ms (recorded as a tick-only chunk). */
static void record_wait(struct recorder *r, int who, unsigned steps)
{
    while (steps > 0) {
        unsigned s = steps > 63 ? 63 : steps;
        r->pending_advance = (uint8_t)s;
        record_chunk(r, who, NULL, 0);
        for (int i = 0; i < 4; i++)
            if (r->clients[i] != NULL)
                (void)cs_dtls_tick(r->clients[i], r->fs.now);
        record_pump(r);
        steps -= s;
    }
}

static cs_dtls_engine *record_client(struct recorder *r, int who,
                                     const char *identity, uint16_t suite)
{
    cs_dtls_config cfg;
    uint8_t key[FUZZ_KEY_LEN];
    cs_dtls_config_init(&cfg);
    r->rngs[r->nrngs] = cs_rng_new_deterministic(500 + (uint64_t)r->nrngs);
    cfg.rng = r->rngs[r->nrngs++];
    cfg.on_event = ignore_event;
    static uint16_t suites[8];
    if (suite != 0) {
        suites[r->nrngs] = suite;
        cfg.ciphersuites = &suites[r->nrngs];
        cfg.ciphersuite_count = 1;
    }
    memset(key, (int)strlen(identity), sizeof key);
    cs_dtls_engine *c = cs_dtls_client_new(&cfg, &r->fs.addrs[who],
                                           (const uint8_t *)identity,
                                           strlen(identity), key, sizeof key);
    /* The client's "server address" is where it sends: any will do, the
     * recorder routes by the sender. */
    cs_dtls_free(r->clients[who]);
    r->clients[who] = c;
    (void)cs_dtls_connect(c, r->fs.now, NULL);
    record_pump(r);
    return c;
}

static void record_send(struct recorder *r, int who, const char *text)
{
    cs_dtls_peer *p = cs_dtls_client_peer(r->clients[who]);
    if (p != NULL)
        (void)cs_dtls_send(p, r->fs.now, text, strlen(text));
    record_pump(r);
}

static void record_begin(struct recorder *r)
{
    memset(r, 0, sizeof *r);
    if (!fuzz_server_init(&r->fs))
        abort();
}

static void record_end(struct recorder *r, const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(r->script, 1, r->len, f) != r->len)
        abort();
    fclose(f);
    for (int i = 0; i < 4; i++)
        cs_dtls_free(r->clients[i]);
    for (int i = 0; i < r->nrngs; i++)
        cs_rng_free(r->rngs[i]);
    fuzz_server_free(&r->fs);
    printf("%s: %zu bytes\n", name, r->len);
}

static struct recorder rec;

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    const char *dir = argv[1];

    /* A lone ClientHello (answered with a HelloVerifyRequest). */
    record_begin(&rec);
    record_client(&rec, 0, "dev-1", 0);
    rec.len = 3 + ((size_t)rec.script[1] << 8 | rec.script[2]);
    record_end(&rec, dir, "client_hello");

    /* Handshake (CCM_8), data both ways, parking, restore, close_notify. */
    record_begin(&rec);
    record_client(&rec, 0, "dev-1", 0);
    record_send(&rec, 0, "hello");
    record_wait(&rec, 0, 24);
    record_send(&rec, 0, "after parking");
    (void)cs_dtls_close(cs_dtls_client_peer(rec.clients[0]), rec.fs.now);
    record_pump(&rec);
    record_end(&rec, dir, "session_ccm8");

    /* The other suites; "close" makes the server close. */
    record_begin(&rec);
    record_client(&rec, 2, "dev-22", CS_DTLS_PSK_AES_128_CCM);
    record_send(&rec, 2, "ccm data");
    record_send(&rec, 2, "close");
    record_end(&rec, dir, "session_ccm");

    record_begin(&rec);
    record_client(&rec, 3, "dev-333", CS_DTLS_PSK_AES_128_CBC_SHA256);
    record_send(&rec, 3, "cbc data");
    record_wait(&rec, 3, 40);
    record_send(&rec, 3, "still active");
    record_end(&rec, dir, "session_cbc");

    /* Unknown identity, then a wrong key. */
    record_begin(&rec);
    record_client(&rec, 0, "nobody", 0);
    record_end(&rec, dir, "unknown_identity");

    record_begin(&rec);
    {
        cs_dtls_config cfg;
        uint8_t key[FUZZ_KEY_LEN];
        cs_dtls_config_init(&cfg);
        rec.rngs[rec.nrngs] = cs_rng_new_deterministic(900);
        cfg.rng = rec.rngs[rec.nrngs++];
        cfg.on_event = ignore_event;
        memset(key, 0x55, sizeof key);
        rec.clients[1] = cs_dtls_client_new(&cfg, &rec.fs.addrs[1],
                                            (const uint8_t *)"dev-1", 5, key,
                                            sizeof key);
        (void)cs_dtls_connect(rec.clients[1], rec.fs.now, NULL);
        record_pump(&rec);
    }
    record_end(&rec, dir, "wrong_key");

    /* Two devices behind one IP; one reboots (same port) after parking. */
    record_begin(&rec);
    record_client(&rec, 0, "dev-a", 0);
    record_client(&rec, 1, "dev-b", 0);
    record_send(&rec, 0, "a");
    record_send(&rec, 1, "b");
    record_wait(&rec, 0, 30);
    record_client(&rec, 0, "dev-a", 0);
    record_send(&rec, 0, "a again");
    record_send(&rec, 1, "b again");
    record_end(&rec, dir, "reboot_and_neighbour");

    /* A handshake left half-open until it times out: only the client's
     * first two datagrams (the cookie exchange), then the clock runs. */
    record_begin(&rec);
    record_client(&rec, 2, "dev-x", 0);
    {
        size_t keep = 0;
        for (int i = 0; i < 2 && keep < rec.len; i++)
            keep += 3 + ((size_t)rec.script[keep + 1] << 8 |
                         rec.script[keep + 2]);
        rec.len = keep;
        for (int i = 0; i < 2; i++) {
            rec.script[rec.len++] = 63 << 2 | 2;
            rec.script[rec.len++] = 0;
            rec.script[rec.len++] = 0;
        }
    }
    record_end(&rec, dir, "half_open_timeout");
    return 0;
}
#endif
