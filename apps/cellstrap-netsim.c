/*
 * cellstrap-netsim.c - the operator's network for tests and demos:
 * subscriber records and a packet gateway (cellstrap/netsim.h) driven
 * through a control socket, reporting data sessions to RADIUS accounting
 * servers over UDP, and writing each subscriber's emulated modem file
 * (cellstrap/cellular.h) so that cellstrap-client --modem sees its SIM and
 * its session.  With --http it also serves the GBA BSF (Ub at "/") and Zn
 * ("/zn") over HTTP.
 *
 * Exit status: 0 clean stop (SIGTERM/SIGINT: Accounting-Off first),
 * 1 runtime failure, 2 usage or a bad subscriber file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellstrap/cellular.h"
#include "cellstrap/control.h"
#include "cellstrap/hex.h"
#include "cellstrap/http.h"
#include "cellstrap/io.h"
#include "cellstrap/log.h"
#include "cellstrap/netsim.h"

#define MAX_ACCOUNTING 8

static struct netsim_app {
    cs_netsim *ns;
    cs_udp *udp;
    cs_loop *loop;
    const char *modem_dir;
    const char *bootstrap_uri;
    const char *bsf_uri;           /* given to devices with their session */
} N;

static cs_loop *g_loop;

static void on_signal(int sig)
{
    (void)sig;
    if (g_loop != NULL)
        cs_loop_stop(g_loop);
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: cellstrap-netsim --control SOCKET [--accounting ADDR:PORT:SECRET]...\n"
        "                        [--subscribers FILE.json] [--modem-dir DIR]\n"
        "                        [--pool FIRST/COUNT] [--apn APN] [--nas-ip ADDR]\n"
        "                        [--bootstrap-uri URI] [--log-level L]\n"
        "                        [--http ADDR:PORT [--bsf-domain D] [--naf NAME:SECRET:FQDN]...]\n"
        "       cellstrap-netsim ctl SOCKET COMMAND...\n"
        "\n"
        "The operator's network, emulated: subscribers attach and detach through\n"
        "the control socket; the packet gateway gives each session an address\n"
        "from its pool and reports it with RADIUS Accounting Start/Stop to every\n"
        "accounting server; each subscriber's emulated modem file tells\n"
        "cellstrap-client --modem its SIM and its session.\n"
        "\n"
        "  --control SOCKET        Unix socket for commands (see below)\n"
        "  --accounting A:P:SECRET an accounting server and its shared secret\n"
        "                          (repeatable; e.g. 127.0.0.1:1813:s3cret)\n"
        "  --subscribers FILE      {\"subscribers\": [{\"imsi\": ..., ...}]} at start\n"
        "  --modem-dir DIR         write DIR/<IMSI>.json for each subscriber\n"
        "  --pool FIRST/COUNT      addresses for sessions (default 127.1.0.1/4096)\n"
        "  --apn APN               default APN (default iot.example)\n"
        "  --nas-ip ADDR           the gateway's NAS-IP-Address (default 127.0.0.1)\n"
        "  --bootstrap-uri URI     a Bootstrap-Server URI the network gives devices\n"
        "  --http ADDR:PORT        serve the GBA BSF: Ub at / and Zn at /zn (the\n"
        "                          devices are told http://ADDR:PORT/ as their BSF)\n"
        "  --bsf-domain D          the BSF's realm and B-TID domain\n"
        "  --bsf-lifetime S        lifetime of bootstrapping sessions (default 3600)\n"
        "  --aanf                  AKMA: a primary authentication at every attach\n"
        "                          (the challenge goes to the modem) and the AAnF\n"
        "                          at /aanf for the --naf entries (as AFs)\n"
        "  --naf NAME:SECRET:FQDN  a NAF (e.g. the bootstrap server) allowed on Zn\n"
        "                          for keys of FQDN, with HTTP Basic NAME:SECRET\n"
        "  --log-level L           error, warn, info (default) or debug\n"
        "\n"
        "Commands (also: cellstrap-netsim ctl SOCKET COMMAND...):\n"
        "  subscriber add imsi=D [mnc_length=2] [msisdn=D] [iccid=D] [imeisv=D]\n"
        "                 [k=HEX] [opc=HEX] [sqn=N] [amf=HEX] [apn=S] [group=S]\n"
        "  subscriber remove IMSI     subscribers     attach IMSI [APN]\n"
        "  detach IMSI                gateway-restart (Accounting-Off, then On)\n"
        "Answers start with \"ok\" or \"error:\"; ctl exits 0 on ok, 1 otherwise.\n");
}

/* ---- Emulated modem files ---------------------------------------------------- */

/* An address without its port ("127.1.0.5"), or "-". */
static void host_text(const cs_addr *a, char *buf, size_t cap)
{
    if (a == NULL || cs_addr_format(a, buf, cap) < 0) {
        snprintf(buf, cap, "-");
        return;
    }
    char *colon = strrchr(buf, ':');
    if (colon != NULL)
        *colon = '\0';
    if (buf[0] == '[') {                       /* "[::1]" -> "::1" */
        memmove(buf, buf + 1, strlen(buf));
        buf[strlen(buf) - 1] = '\0';
    }
}

static bool write_file_atomically(const char *path, const char *text)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    ok &= close(fd) == 0;
    if (ok && rename(tmp, path) == 0)
        return true;
    unlink(tmp);
    return false;
}

/* The file cs_modem_read understands: the SIM, and the session if any. */
static void write_modem_file(const cs_subscriber *sub,
                             const cs_netsim_session *s)
{
    if (N.modem_dir == NULL)
        return;
    char usim[64];
    snprintf(usim, sizeof usim, "%s.usim.json", sub->imsi);
    json_t *root = json_pack("{s:s, s:i, s:s}", "imsi", sub->imsi, "mnc_length",
                             (int)sub->mnc_length, "usim_file", usim);
    if (sub->msisdn[0])
        json_object_set_new(root, "msisdn", json_string(sub->msisdn));
    if (sub->iccid[0])
        json_object_set_new(root, "iccid", json_string(sub->iccid));
    char imei[16];
    if (cs_imei_from_imeisv(sub->imeisv, imei)) {
        json_object_set_new(root, "imei", json_string(imei));
        json_object_set_new(root, "imeisv", json_string(sub->imeisv));
    }
    if (s != NULL) {
        char addr[CS_ADDR_TEXT_MAX];
        host_text(&s->address, addr, sizeof addr);
        json_t *ses = json_pack("{s:b, s:s, s:s, s:I}", "attached", 1, "address",
                                addr, "apn", s->apn, "attach_id",
                                (json_int_t)s->attach_id);
        if (N.bootstrap_uri != NULL)
            json_object_set_new(ses, "bootstrap_uri", json_string(N.bootstrap_uri));
        if (N.bsf_uri != NULL)
            json_object_set_new(ses, "bsf_uri", json_string(N.bsf_uri));
        if (s->has_aka) {
            /* The primary authentication's challenge (not a secret). */
            char rand[33], autn[33];
            cs_hex_encode(s->aka_rand, 16, rand);
            cs_hex_encode(s->aka_autn, 16, autn);
            json_object_set_new(ses, "aka", json_pack("{s:s, s:s}", "rand", rand,
                                                      "autn", autn));
        }
        json_object_set_new(root, "session", ses);
    } else {
        json_object_set_new(root, "session", json_pack("{s:b}", "attached", 0));
    }
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(root);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", N.modem_dir, sub->imsi);
    if (text == NULL || !write_file_atomically(path, text))
        cs_log(CS_LOG_ERROR, "cannot write modem file %s", path);
    free(text);
}

/* Overwrite a secret; through a volatile pointer so that the compiler
 * keeps the writes to a buffer about to go out of scope. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0)
        *v++ = 0;
}

/* The SIM's secret file (K, OPc, the card's SQN state), written once when
 * the subscriber is created: afterwards it is the card's, and the device
 * updates its SQN state. */
static void write_usim_file(const cs_subscriber *sub)
{
    if (N.modem_dir == NULL)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.usim.json", N.modem_dir, sub->imsi);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return;                               /* the card exists already */
    char k[33], opc[33], text[256];
    cs_hex_encode(sub->k, 16, k);
    cs_hex_encode(sub->opc, 16, opc);
    int n = snprintf(text, sizeof text, "{\"k\": \"%s\", \"opc\": \"%s\"}\n", k, opc);
    bool ok = n > 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    wipe(k, sizeof k);
    wipe(opc, sizeof opc);
    wipe(text, sizeof text);
    if (close(fd) != 0 || !ok)
        cs_log(CS_LOG_ERROR, "cannot write the USIM file %s", path);
}

static void on_session(void *ctx, const cs_subscriber *sub,
                       const cs_netsim_session *s)
{
    (void)ctx;
    char addr[CS_ADDR_TEXT_MAX];
    host_text(s != NULL ? &s->address : NULL, addr, sizeof addr);
    if (s != NULL)
        cs_log(CS_LOG_INFO, "attach IMSI %s: address %s, APN %s, session %s",
               sub->imsi, addr, s->apn, s->session_id);
    else
        cs_log(CS_LOG_INFO, "detach IMSI %s", sub->imsi);
    write_modem_file(sub, s);
}

static cs_err send_datagram(void *ctx, const cs_addr *to, const uint8_t *data,
                            size_t len)
{
    (void)ctx;
    return cs_udp_send(N.udp, to, data, len);
}

/* ---- Subscribers ------------------------------------------------------------- */

/* Exactly 2n hex digits into out[0..n). */
static bool parse_hex(const char *s, uint8_t *out, size_t n)
{
    return strlen(s) == 2 * n && cs_hex_decode(s, 2 * n, out, n, NULL) == CS_OK;
}

static bool copy_text(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap)
        return false;
    strcpy(dst, v);
    return true;
}

/* One field "name" = "value" of a subscriber; NULL or the reason. */
static const char *set_field(cs_subscriber *s, const char *name, const char *v)
{
    if (strcmp(name, "imsi") == 0)
        return copy_text(s->imsi, sizeof s->imsi, v) ? NULL : "imsi too long";
    if (strcmp(name, "mnc_length") == 0) {
        if (strcmp(v, "2") != 0 && strcmp(v, "3") != 0)
            return "mnc_length: 2 or 3";
        s->mnc_length = (uint8_t)(v[0] - '0');
        return NULL;
    }
    if (strcmp(name, "msisdn") == 0)
        return copy_text(s->msisdn, sizeof s->msisdn, v) ? NULL : "msisdn too long";
    if (strcmp(name, "iccid") == 0)
        return copy_text(s->iccid, sizeof s->iccid, v) ? NULL : "iccid too long";
    if (strcmp(name, "imeisv") == 0)
        return copy_text(s->imeisv, sizeof s->imeisv, v) ? NULL : "imeisv too long";
    if (strcmp(name, "apn") == 0)
        return copy_text(s->apn, sizeof s->apn, v) ? NULL : "apn too long";
    if (strcmp(name, "group") == 0)
        return copy_text(s->group, sizeof s->group, v) ? NULL : "group too long";
    if (strcmp(name, "k") == 0)
        return parse_hex(v, s->k, 16) ? NULL : "k: 32 hex digits";
    if (strcmp(name, "opc") == 0)
        return parse_hex(v, s->opc, 16) ? NULL : "opc: 32 hex digits";
    if (strcmp(name, "amf") == 0) {
        uint8_t a[2];
        if (!parse_hex(v, a, 2))
            return "amf: 4 hex digits";
        s->amf = (uint16_t)(a[0] << 8 | a[1]);
        return NULL;
    }
    if (strcmp(name, "sqn") == 0) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (*end != '\0' || errno != 0 || n >= (1ull << 48))
            return "sqn: 0 .. 2^48-1";
        s->sqn = n;
        return NULL;
    }
    return "unknown field";
}

static void subscriber_defaults(cs_subscriber *s)
{
    memset(s, 0, sizeof *s);
    s->mnc_length = 2;
}

static const char *put_subscriber(const cs_subscriber *s)
{
    const char *why = NULL;
    cs_err err = cs_netsim_put_subscriber(N.ns, s, &why);
    if (err == CS_E_BUSY)
        return "attached: detach first";
    if (err != CS_OK)
        return why != NULL ? why : cs_strerror(err);
    write_usim_file(s);
    write_modem_file(s, cs_netsim_session_of(N.ns, s->imsi));
    return NULL;
}

/* {"subscribers": [{"imsi": "...", "k": "...", ...}]}: all or nothing. */
static bool load_subscribers(const char *path)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    json_t *list = root ? json_object_get(root, "subscribers") : NULL;
    if (!json_is_array(list)) {
        fprintf(stderr, "cellstrap-netsim: %s: %s\n", path,
                root ? "no \"subscribers\" array" : jerr.text);
        json_decref(root);
        return false;
    }
    size_t n = json_array_size(list);
    cs_subscriber *subs = calloc(n ? n : 1, sizeof *subs);
    const char *why = NULL;
    size_t bad = 0;
    for (size_t i = 0; i < n && why == NULL; i++) {
        json_t *o = json_array_get(list, i);
        subscriber_defaults(&subs[i]);
        const char *key;
        json_t *v;
        if (!json_is_object(o))
            why = "not an object";
        json_object_foreach(o, key, v) {
            char num[32];
            const char *text = json_string_value(v);
            if (text == NULL && json_is_integer(v)) {
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                text = num;
            }
            if (why == NULL)
                why = text ? set_field(&subs[i], key, text) : "not a string";
            if (why != NULL)
                break;
        }
        bad = i;
    }
    for (size_t i = 0; i < n && why == NULL; i++) {
        why = put_subscriber(&subs[i]);
        bad = i;
    }
    memset(subs, 0, (n ? n : 1) * sizeof *subs);
    free(subs);
    json_decref(root);
    if (why != NULL)
        fprintf(stderr, "cellstrap-netsim: %s: subscriber %zu: %s\n", path, bad, why);
    return why == NULL;
}

/* ---- Control commands -------------------------------------------------------- */

struct reply {
    cs_control_reply_fn write;
    void *ctx;
};

static void say(const struct reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const struct reply *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->write(r->ctx, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int list_one(void *ctx, const cs_subscriber *sub,
                    const cs_netsim_session *s)
{
    char addr[CS_ADDR_TEXT_MAX];
    host_text(s != NULL ? &s->address : NULL, addr, sizeof addr);
    say(ctx, "%s msisdn=%s group=%s apn=%s address=%s\n", sub->imsi,
        sub->msisdn[0] ? sub->msisdn : "-", sub->group[0] ? sub->group : "-",
        s != NULL ? s->apn : "-", addr);
    return 0;
}

static void command(void *ctx, char *line, cs_control_reply_fn write,
                    void *reply_ctx)
{
    (void)ctx;
    struct reply r = { write, reply_ctx };
    char *words[32];
    int n = 0;
    for (char *w = strtok(line, " \t"); w != NULL && n < 32; w = strtok(NULL, " \t"))
        words[n++] = w;
    uint64_t now = cs_clock_ms();
    int64_t unix_now = cs_clock_unix();
    if (n == 0) {
        say(&r, "error: empty command\n");
    } else if (strcmp(words[0], "subscriber") == 0 && n >= 3 &&
               strcmp(words[1], "add") == 0) {
        cs_subscriber s;
        subscriber_defaults(&s);
        const char *why = NULL;
        for (int i = 2; i < n && why == NULL; i++) {
            char *eq = strchr(words[i], '=');
            if (eq == NULL) {
                why = "fields are name=value";
                break;
            }
            *eq = '\0';
            why = set_field(&s, words[i], eq + 1);
        }
        if (why == NULL)
            why = put_subscriber(&s);
        memset(&s, 0, sizeof s);
        if (why != NULL)
            say(&r, "error: %s\n", why);
        else
            say(&r, "ok\n");
    } else if (strcmp(words[0], "subscriber") == 0 && n == 3 &&
               strcmp(words[1], "remove") == 0) {
        cs_err err = cs_netsim_remove_subscriber(N.ns, words[2]);
        say(&r, err == CS_OK ? "ok\n" : "error: %s\n",
            err == CS_E_BUSY ? "attached: detach first" : "no such subscriber");
    } else if (strcmp(words[0], "subscribers") == 0 && n == 1) {
        say(&r, "ok\n");
        cs_netsim_each(N.ns, list_one, &r);
    } else if (strcmp(words[0], "attach") == 0 && (n == 2 || n == 3)) {
        cs_err err = cs_netsim_attach(N.ns, words[1], n == 3 ? words[2] : NULL,
                                      now, unix_now);
        const cs_netsim_session *s = cs_netsim_session_of(N.ns, words[1]);
        char addr[CS_ADDR_TEXT_MAX];
        host_text(s != NULL ? &s->address : NULL, addr, sizeof addr);
        if (s == NULL)
            say(&r, "error: %s\n", err == CS_E_NOT_FOUND ? "no such subscriber"
                                   : err == CS_E_BUSY ? "address pool exhausted"
                                   : cs_strerror(err));
        else
            say(&r, "ok %s\n", addr);
    } else if (strcmp(words[0], "detach") == 0 && n == 2) {
        cs_err err = cs_netsim_detach(N.ns, words[1], now, unix_now);
        say(&r, err == CS_OK ? "ok\n" : "error: not attached\n");
    } else if (strcmp(words[0], "gateway-restart") == 0 && n == 1) {
        cs_log(CS_LOG_INFO, "gateway restart: Accounting-Off, then On");
        cs_err err = cs_netsim_gateway_off(N.ns, now, unix_now);
        if (err == CS_OK)
            err = cs_netsim_gateway_on(N.ns, now, unix_now);
        say(&r, err == CS_OK ? "ok\n" : "error: %s\n", cs_strerror(err));
    } else if (strcmp(words[0], "help") == 0 && n == 1) {
        say(&r, "ok\n"
            "subscriber add imsi=D [mnc_length=2] [msisdn=D] [iccid=D] [imeisv=D] "
            "[k=HEX] [opc=HEX] [sqn=N] [amf=HEX] [apn=S] [group=S]\n"
            "subscriber remove IMSI\nsubscribers\nattach IMSI [APN]\n"
            "detach IMSI\ngateway-restart\nstatus\n");
    } else if (strcmp(words[0], "status") == 0 && n == 1) {
        say(&r, "ok unanswered=%zu\n", cs_netsim_unanswered(N.ns));
    } else {
        say(&r, "error: unknown command (see --help)\n");
    }
}

/* ---- The BSF over HTTP -------------------------------------------------------- */

static void on_http(void *ctx, const cs_http_incoming *in, cs_http_reply *reply)
{
    (void)ctx;
    cs_bsf_reply *r = malloc(sizeof *r);
    if (r == NULL) {
        cs_http_reply_status(reply, 500);
        return;
    }
    if (strcmp(in->path, "/zn") == 0 && strcmp(in->method, "POST") == 0)
        cs_netsim_zn(N.ns, in->user, in->password, in->body, in->body_len,
                     cs_clock_unix(), r);
    else if (strcmp(in->path, "/aanf") == 0 && strcmp(in->method, "POST") == 0)
        cs_netsim_aanf(N.ns, in->user, in->password, in->body, in->body_len,
                       cs_clock_unix(), r);
    else
        cs_netsim_ub(N.ns, in->method, in->path,
                     cs_http_incoming_header(in, "Authorization"), in->body,
                     in->body_len, cs_clock_unix(), r);
    cs_http_reply_status(reply, r->status);
    if (r->www_authenticate[0] != '\0')
        cs_http_reply_header(reply, "WWW-Authenticate", r->www_authenticate);
    cs_http_reply_header(reply, "Server", "cellstrap-netsim 3gpp-gba");
    cs_http_reply_body(reply, r->content_type, r->body, r->body_len);
    cs_log(CS_LOG_INFO, "BSF: %s %s -> %u", in->method, in->path, r->status);
    memset(r, 0, sizeof *r);                 /* may hold Ks_NAF */
    free(r);
}

/* "NAME:SECRET:FQDN". */
static bool add_naf(const char *arg)
{
    char copy[512];
    if (strlen(arg) >= sizeof copy)
        return false;
    strcpy(copy, arg);
    char *c1 = strchr(copy, ':');
    char *c2 = c1 ? strrchr(c1 + 1, ':') : NULL;
    if (c1 == NULL || c2 == NULL || c2 == c1)
        return false;
    *c1 = '\0';
    *c2 = '\0';
    bool ok = cs_netsim_add_naf(N.ns, copy, c1 + 1, c2 + 1) == CS_OK;
    memset(copy, 0, sizeof copy);
    return ok;
}

/* ---- Wiring ------------------------------------------------------------------ */

static void on_readable(void *ctx, int fd)
{
    (void)ctx;
    (void)fd;
    uint8_t buf[4096];
    cs_addr from;
    size_t len;
    for (int i = 0; i < 256; i++) {
        cs_err err = cs_udp_recv(N.udp, &from, buf, sizeof buf, &len);
        if (err == CS_E_TIMEOUT)
            break;
        if (err == CS_OK &&
            cs_netsim_receive(N.ns, cs_clock_ms(), &from, buf, len) != CS_OK)
            cs_log(CS_LOG_DEBUG, "datagram ignored");
    }
}

static uint64_t on_timer(void *ctx, uint64_t now)
{
    (void)ctx;
    cs_netsim_tick(N.ns, now);
    return cs_netsim_next_deadline(N.ns);
}

/* "127.0.0.1:1813:secret" or "[::1]:1813:secret". */
static bool parse_accounting(const char *arg, cs_addr *addr, const char **secret)
{
    const char *port_end = arg[0] == '[' ? strstr(arg, "]:") : strchr(arg, ':');
    if (port_end == NULL)
        return false;
    port_end = strchr(port_end + (arg[0] == '[' ? 2 : 1), ':');
    if (port_end == NULL || port_end[1] == '\0')
        return false;
    char text[CS_ADDR_TEXT_MAX];
    size_t n = (size_t)(port_end - arg);
    if (n >= sizeof text)
        return false;
    memcpy(text, arg, n);
    text[n] = '\0';
    *secret = port_end + 1;
    return cs_addr_parse(text, 0, addr) == CS_OK;
}

static bool parse_pool(const char *arg, cs_addr *first, uint32_t *count)
{
    char text[64];
    const char *slash = strchr(arg, '/');
    if (slash == NULL || (size_t)(slash - arg) >= sizeof text)
        return false;
    memcpy(text, arg, (size_t)(slash - arg));
    text[slash - arg] = '\0';
    char *end;
    unsigned long n = strtoul(slash + 1, &end, 10);
    if (*end != '\0' || n == 0 || n > 65536)
        return false;
    *count = (uint32_t)n;
    return cs_addr_parse(text, 1, first) == CS_OK && first->family == CS_AF_INET;
}

static int ctl_main(int argc, char **argv)
{
    if (argc < 4) {
        usage(stderr);
        return 2;
    }
    char line[CS_CONTROL_LINE_MAX];
    size_t len = 0;
    for (int i = 3; i < argc; i++) {
        int n = snprintf(line + len, sizeof line - len, "%s%s", i > 3 ? " " : "",
                         argv[i]);
        if (n < 0 || (size_t)n >= sizeof line - len) {
            fprintf(stderr, "cellstrap-netsim: command too long\n");
            return 2;
        }
        len += (size_t)n;
    }
    char *answer = NULL;
    size_t answer_len = 0;
    FILE *mem = open_memstream(&answer, &answer_len);
    cs_err err = cs_control_call(argv[2], line, mem, 10000);
    fclose(mem);
    if (err != CS_OK) {
        fprintf(stderr, "cellstrap-netsim: %s: %s\n", argv[2], cs_strerror(err));
        free(answer);
        return 1;
    }
    fputs(answer, stdout);
    int status = strncmp(answer, "ok", 2) == 0 ? 0 : 1;
    free(answer);
    return status;
}

int main(int argc, char **argv)
{
    cs_log_set_program("cellstrap-netsim");
    if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
        return ctl_main(argc, argv);
    enum { OPT_CONTROL = 1, OPT_ACCOUNTING, OPT_SUBSCRIBERS, OPT_MODEM_DIR,
           OPT_POOL, OPT_APN, OPT_NAS_IP, OPT_BS_URI, OPT_HTTP, OPT_BSF_DOMAIN,
           OPT_NAF, OPT_BSF_LIFETIME, OPT_AANF, OPT_LOG, OPT_HELP };
    static const struct option opts[] = {
        {"control", required_argument, NULL, OPT_CONTROL},
        {"accounting", required_argument, NULL, OPT_ACCOUNTING},
        {"subscribers", required_argument, NULL, OPT_SUBSCRIBERS},
        {"modem-dir", required_argument, NULL, OPT_MODEM_DIR},
        {"pool", required_argument, NULL, OPT_POOL},
        {"apn", required_argument, NULL, OPT_APN},
        {"nas-ip", required_argument, NULL, OPT_NAS_IP},
        {"bootstrap-uri", required_argument, NULL, OPT_BS_URI},
        {"http", required_argument, NULL, OPT_HTTP},
        {"bsf-domain", required_argument, NULL, OPT_BSF_DOMAIN},
        {"naf", required_argument, NULL, OPT_NAF},
        {"bsf-lifetime", required_argument, NULL, OPT_BSF_LIFETIME},
        {"aanf", no_argument, NULL, OPT_AANF},
        {"log-level", required_argument, NULL, OPT_LOG},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    const char *control = NULL, *subscribers = NULL;
    const char *acct_arg[MAX_ACCOUNTING];
    size_t acct_count = 0;
    const char *http = NULL, *bsf_domain = NULL, *nafs[8];
    unsigned long bsf_lifetime = 0;
    bool aanf = false;
    size_t naf_count = 0;
    cs_netsim_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.pool_first = cs_addr_ipv4(127, 1, 0, 1, 0);
    cfg.pool_size = 4096;
    cfg.default_apn = "iot.example";
    cfg.nas_ip[0] = 127;
    cfg.nas_ip[3] = 1;
    cfg.nas_identifier = "cellstrap-netsim";
    cfg.sgsn_mcc_mnc = "00101";
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CONTROL: control = optarg; break;
        case OPT_ACCOUNTING:
            if (acct_count == MAX_ACCOUNTING) {
                fprintf(stderr, "cellstrap-netsim: at most %d --accounting\n",
                        MAX_ACCOUNTING);
                return 2;
            }
            acct_arg[acct_count++] = optarg;
            break;
        case OPT_SUBSCRIBERS: subscribers = optarg; break;
        case OPT_MODEM_DIR: N.modem_dir = optarg; break;
        case OPT_POOL:
            if (!parse_pool(optarg, &cfg.pool_first, &cfg.pool_size)) {
                fprintf(stderr, "cellstrap-netsim: --pool wants IPV4/COUNT\n");
                return 2;
            }
            break;
        case OPT_APN: cfg.default_apn = optarg; break;
        case OPT_NAS_IP: {
            cs_addr a;
            if (cs_addr_parse(optarg, 1, &a) != CS_OK || a.family != CS_AF_INET) {
                fprintf(stderr, "cellstrap-netsim: --nas-ip wants an IPv4 address\n");
                return 2;
            }
            memcpy(cfg.nas_ip, a.ip, 4);
            break;
        }
        case OPT_BS_URI: N.bootstrap_uri = optarg; break;
        case OPT_HTTP: http = optarg; break;
        case OPT_BSF_DOMAIN: bsf_domain = optarg; break;
        case OPT_AANF: aanf = true; break;
        case OPT_BSF_LIFETIME: {
            char *end;
            bsf_lifetime = strtoul(optarg, &end, 10);
            if (*end != '\0' || bsf_lifetime == 0 || bsf_lifetime > 86400 * 30) {
                fprintf(stderr, "cellstrap-netsim: bad --bsf-lifetime\n");
                return 2;
            }
            break;
        }
        case OPT_NAF:
            if (naf_count == 8) {
                fprintf(stderr, "cellstrap-netsim: at most 8 --naf\n");
                return 2;
            }
            nafs[naf_count++] = optarg;
            break;
        case OPT_LOG: {
            enum cs_log_level level;
            if (!cs_log_parse_level(optarg, &level)) {
                fprintf(stderr, "cellstrap-netsim: bad --log-level\n");
                return 2;
            }
            cs_log_set_level(level);
            break;
        }
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || control == NULL) {
        usage(stderr);
        return 2;
    }
    if (N.modem_dir != NULL && mkdir(N.modem_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cellstrap-netsim: cannot create %s: %s\n", N.modem_dir,
                strerror(errno));
        return 1;
    }
    cfg.send = send_datagram;
    cfg.on_session = on_session;
    cs_addr any = cs_addr_ipv4(127, 0, 0, 1, 0);
    if (cs_udp_open(&any, &N.udp) != CS_OK ||
        cs_netsim_new(&cfg, &N.ns) != CS_OK) {
        fprintf(stderr, "cellstrap-netsim: cannot start: %s\n", strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < acct_count; i++) {
        cs_addr server;
        const char *secret;
        if (!parse_accounting(acct_arg[i], &server, &secret) ||
            cs_netsim_add_accounting(N.ns, &server, (const uint8_t *)secret,
                                     strlen(secret)) != CS_OK) {
            fprintf(stderr, "cellstrap-netsim: --accounting wants ADDR:PORT:SECRET\n");
            return 2;
        }
    }
    static char bsf_uri[128];
    cs_addr http_addr;
    if (http != NULL) {
        if (cs_addr_parse(http, 80, &http_addr) != CS_OK) {
            fprintf(stderr, "cellstrap-netsim: bad --http address\n");
            return 2;
        }
        if (cs_netsim_bsf_config(N.ns, bsf_domain, (uint32_t)bsf_lifetime) != CS_OK) {
            fprintf(stderr, "cellstrap-netsim: bad --bsf-domain\n");
            return 2;
        }
        for (size_t i = 0; i < naf_count; i++)
            if (!add_naf(nafs[i])) {
                fprintf(stderr, "cellstrap-netsim: --naf wants NAME:SECRET:FQDN\n");
                return 2;
            }
        snprintf(bsf_uri, sizeof bsf_uri, "http://%s/", http);
        if (aanf && cs_netsim_enable_aanf(N.ns, (uint32_t)bsf_lifetime) != CS_OK)
            return 1;
        N.bsf_uri = bsf_uri;
    }
    if (subscribers != NULL && !load_subscribers(subscribers))
        return 2;

    N.loop = cs_loop_new();
    cs_control *ctl = NULL;
    cs_http_server *web = NULL;
    if (N.loop == NULL ||
        cs_loop_add_fd(N.loop, cs_udp_fd(N.udp), on_readable, NULL) != CS_OK ||
        cs_loop_add_timer(N.loop, on_timer, NULL) != CS_OK ||
        cs_control_open(control, N.loop, command, NULL, &ctl) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot listen on %s: %s", control, strerror(errno));
        return 1;
    }
    if (http != NULL) {
        if (cs_http_server_open(&http_addr, N.loop, on_http, NULL, &web) != CS_OK) {
            cs_log(CS_LOG_ERROR, "cannot serve HTTP on %s: %s", http, strerror(errno));
            return 1;
        }
        cs_log(CS_LOG_INFO, "BSF on %s (Ub at /, Zn at /zn, %zu NAF%s)", bsf_uri,
               naf_count, naf_count == 1 ? "" : "s");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    g_loop = N.loop;
    cs_netsim_gateway_on(N.ns, cs_clock_ms(), cs_clock_unix());
    cs_log(CS_LOG_INFO, "netsim ready: control %s, %zu accounting server(s)",
           control, acct_count);
    int rc = cs_loop_run(N.loop, UINT64_MAX) == CS_OK ? 0 : 1;
    cs_log(CS_LOG_INFO, "stopping");
    cs_netsim_gateway_off(N.ns, cs_clock_ms(), cs_clock_unix());
    /* Give Accounting-Off a moment to be answered. */
    uint64_t until = cs_clock_ms() + 1000;
    g_loop = NULL;
    while (cs_netsim_unanswered(N.ns) > 0 && cs_clock_ms() < until)
        cs_loop_run(N.loop, cs_clock_ms() + 100);
    cs_control_close(ctl);
    cs_http_server_close(web);
    cs_loop_free(N.loop);
    cs_netsim_free(N.ns);
    cs_udp_close(N.udp);
    return rc;
}
