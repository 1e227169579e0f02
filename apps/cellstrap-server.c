/*
 * cellstrap-server.c - the LwM2M server program: argument parsing and
 * wiring only.  CoAP (with --allow-nosec) and CoAP over DTLS-PSK listeners
 * feed the server engine; PSK keys come from the store's issued
 * credentials for this server's --name; an admin Unix socket speaks the
 * line protocol of docs/server.md.  The same binary is also the admin
 * client: `cellstrap-server admin PATH COMMAND...`.
 *
 * Exit status: 0 clean stop (SIGTERM/SIGINT) or, in admin mode, a 2.xx
 * answer; 1 runtime failure or a non-2.xx answer; 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cellstrap/io.h"
#include "cellstrap/log.h"
#include "cellstrap/server.h"
#include "cellstrap/store.h"
#include "cellstrap/transport.h"

#define ADMIN_OUT_MAX (4u << 20)   /* a reader this far behind is dropped */
#define ADMIN_MAX_CONNS 64

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
        "usage: cellstrap-server --name NAME [--listen-dtls ADDR:PORT]\n"
        "                        [--listen ADDR:PORT --allow-nosec]\n"
        "                        [--store PATH] [--admin SOCKET] [--log-level L]\n"
        "       cellstrap-server admin SOCKET COMMAND... [--count N] [--timeout S]\n"
        "\n"
        "The LwM2M server: devices Register, Update and De-register on /rd;\n"
        "operators read, write, execute and observe them through the admin socket.\n"
        "\n"
        "  --name NAME             this server's name; only credentials issued for\n"
        "                          NAME (by the bootstrap server) are accepted\n"
        "  --listen ADDR:PORT      plain CoAP listener (NoSec); needs --allow-nosec\n"
        "  --listen-dtls ADDR:PORT CoAP over DTLS-PSK listener (keys: --store)\n"
        "  --store PATH            SQLite store shared with the bootstrap server\n"
        "                          (\"sqlite:PATH\", PATH, or sqlite::memory:)\n"
        "  --admin SOCKET          Unix socket for the admin line protocol\n"
        "  --allow-nosec           accept Register without DTLS\n"
        "  --log-level L           error, warn, info (default) or debug\n"
        "  --help                  this text\n"
        "\n"
        "Admin client mode: connect to SOCKET, send COMMAND (e.g. list,\n"
        "read EP /3/0, write EP /1/0/1 300, execute EP /3/0/4, observe EP /3/0/13),\n"
        "print the answer; exit 0 on a 2.xx answer, 1 otherwise.\n"
        "  --count N               observe: print N answers (default 1), then stop\n"
        "  --timeout S             give up after S seconds (default 120)\n"
        "Addresses: 127.0.0.1:5683, [::1]:5684.  Exit: 0 ok, 1 failure, 2 usage.\n");
}

/* ---- Clocks and keys ------------------------------------------------------ */

static uint64_t clock_ms(void *ctx)
{
    (void)ctx;
    return cs_clock_ms();
}

static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return cs_clock_unix();
}

struct app {
    const char *name;
    cs_store *store;
    cs_server *srv;
    cs_transport *plain, *dtls;
    int admin_listen;
    int admin_ep;             /* our own epoll set: listener + connections */
    char admin_path[108];
    struct conn *conns;
};

/* The key of a credential issued to this server; unknown, revoked,
 * expired or foreign identities fail the handshake. */
static cs_err psk_lookup(void *ctx, const cs_addr *from, const uint8_t *identity,
                         size_t identity_len, uint8_t *key, size_t key_cap,
                         size_t *key_len)
{
    (void)from;
    struct app *a = ctx;
    cs_credential cred;
    cs_err err = cs_store_find_credential(a->store, identity, identity_len,
                                          cs_clock_unix(), &cred);
    if (err == CS_OK && (strcmp(cred.server, a->name) != 0 ||
                         cred.key_len > key_cap))
        err = CS_E_NOT_FOUND;
    if (err == CS_OK) {
        memcpy(key, cred.key, cred.key_len);
        *key_len = cred.key_len;
    } else {
        cs_log(CS_LOG_INFO, "DTLS: unknown PSK identity (%zu bytes)", identity_len);
        err = CS_E_NOT_FOUND;
    }
    memset(&cred, 0, sizeof cred);
    return err;
}

/* ---- Admin socket ------------------------------------------------------------ */

struct conn {
    struct conn *next;
    struct app *app;
    int fd;
    cs_admin *adm;
    char in[CS_ADMIN_LINE_MAX];
    size_t in_len;
    cs_buf out;
    bool dead;
    bool want_out;
};

static void conn_flush(struct conn *c)
{
    size_t off = 0;
    while (off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->dead = true;
            break;
        }
        off += (size_t)n;
    }
    if (off > 0) {
        memmove(c->out.data, c->out.data + off, c->out.len - off);
        c->out.len -= off;
    }
    bool want = c->out.len > 0 && !c->dead;
    if (want != c->want_out) {
        struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0),
                                  .data.ptr = c };
        epoll_ctl(c->app->admin_ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = want;
    }
}

/* The admin session's output: buffered, sent when the socket takes it. */
static void conn_write(void *ctx, const char *text, size_t len)
{
    struct conn *c = ctx;
    if (c->dead)
        return;
    if (cs_buf_append(&c->out, text, len) != CS_OK) {
        c->dead = true;          /* too slow a reader: closed at the tick */
        return;
    }
    conn_flush(c);
}

static void conn_read(struct conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
        if (n == 0) {
            c->dead = true;
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->dead = true;
            return;
        }
        c->in_len += (size_t)n;
        char *nl;
        while (!c->dead && (nl = memchr(c->in, '\n', c->in_len)) != NULL) {
            *nl = '\0';
            if (nl > c->in && nl[-1] == '\r')
                nl[-1] = '\0';
            cs_admin_command(c->adm, c->in);
            size_t used = (size_t)(nl - c->in) + 1;
            memmove(c->in, c->in + used, c->in_len - used);
            c->in_len -= used;
        }
        if (c->in_len == sizeof c->in) {
            conn_write(c, "4.13 line too long\n\n", 20);
            c->dead = true;
            return;
        }
    }
}

static void conn_close(struct conn *c)
{
    cs_admin_free(c->adm);
    close(c->fd);
    cs_buf_free(&c->out);
    free(c);
}

/* Close connections marked dead (never from inside an engine callback). */
static void reap_conns(struct app *a)
{
    for (struct conn **p = &a->conns; *p;) {
        struct conn *c = *p;
        if (c->dead) {
            *p = c->next;
            conn_close(c);
        } else {
            p = &c->next;
        }
    }
}

static void admin_accept(struct app *a)
{
    for (;;) {
        int fd = accept4(a->admin_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        size_t n = 0;
        for (struct conn *c = a->conns; c; c = c->next)
            n++;
        struct conn *c = n < ADMIN_MAX_CONNS ? calloc(1, sizeof *c) : NULL;
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->app = a;
        c->fd = fd;
        cs_buf_init(&c->out, ADMIN_OUT_MAX);
        c->adm = cs_admin_new(a->srv, conn_write, c);
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        if (c->adm == NULL || epoll_ctl(a->admin_ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            conn_close(c);
            continue;
        }
        c->next = a->conns;
        a->conns = c;
    }
}

/* cs_loop callback for our epoll set. */
static void admin_ready(void *ctx, int fd)
{
    (void)fd;
    struct app *a = ctx;
    struct epoll_event evs[16];
    int n = epoll_wait(a->admin_ep, evs, 16, 0);
    for (int i = 0; i < n; i++) {
        if (evs[i].data.ptr == NULL) {
            admin_accept(a);
            continue;
        }
        struct conn *c = evs[i].data.ptr;
        if (evs[i].events & EPOLLOUT)
            conn_flush(c);
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            conn_read(c);
    }
    reap_conns(a);
}

static int admin_open(struct app *a, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "cellstrap-server: admin socket path too long\n");
        return -1;
    }
    strcpy(sa.sun_path, path);
    unlink(path);            /* a socket left by an earlier run */
    a->admin_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a->admin_listen < 0 ||
        bind(a->admin_listen, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(a->admin_listen, 16) != 0) {
        cs_log(CS_LOG_ERROR, "admin socket %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(a->admin_path, sizeof a->admin_path, "%s", path);
    a->admin_ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    if (a->admin_ep < 0 ||
        epoll_ctl(a->admin_ep, EPOLL_CTL_ADD, a->admin_listen, &ev) != 0) {
        cs_log(CS_LOG_ERROR, "admin socket: epoll: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static uint64_t on_timer(void *ctx, uint64_t now)
{
    (void)now;
    struct app *a = ctx;
    reap_conns(a);
    return cs_server_tick(a->srv);
}

/* ---- Server mode ------------------------------------------------------------- */

/* Group commit: the store changes caused by one batch of datagrams are
 * one transaction (cs_store_batch_begin). */
static void store_batch(void *ctx, bool begin)
{
    cs_err err = begin ? cs_store_batch_begin(ctx) : cs_store_batch_end(ctx);
    if (err != CS_OK)
        cs_log(CS_LOG_ERROR, "store: %s batch: %s", begin ? "begin" : "end",
               cs_strerror(err));
}

static int open_listener(struct app *a, const char *text, bool dtls,
                         cs_transport **out)
{
    cs_transport_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (cs_addr_parse(text, dtls ? 5684 : 5683, &cfg.local) != CS_OK) {
        fprintf(stderr, "cellstrap-server: bad address '%s'\n", text);
        return 2;
    }
    cfg.security = dtls ? CS_TRANSPORT_DTLS_SERVER : CS_TRANSPORT_PLAIN;
    cs_coap_params_default(&cfg.coap.params);
    cfg.coap.on_request = cs_server_handle_request;
    cfg.coap.app = a->srv;
    cs_dtls_config_init(&cfg.dtls);
    cfg.dtls.psk_lookup = psk_lookup;
    cfg.dtls.psk_ctx = a;
    cfg.batch = store_batch;
    cfg.batch_ctx = a->store;
    if (cs_transport_open(&cfg, out) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot listen on %s: %s", text, strerror(errno));
        return 1;
    }
    char addr[CS_ADDR_TEXT_MAX];
    cs_addr local = cs_transport_local(*out);
    cs_addr_format(&local, addr, sizeof addr);
    cs_log(CS_LOG_INFO, "listening on %s://%s", dtls ? "coaps" : "coap", addr);
    return 0;
}

static int run_server(int argc, char **argv)
{
    static const struct option opts[] = {
        { "name", required_argument, NULL, 'n' },
        { "listen", required_argument, NULL, 'l' },
        { "listen-dtls", required_argument, NULL, 'd' },
        { "store", required_argument, NULL, 's' },
        { "admin", required_argument, NULL, 'a' },
        { "allow-nosec", no_argument, NULL, 'N' },
        { "log-level", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *name = NULL, *listen_plain = NULL, *listen_dtls = NULL;
    const char *store_path = NULL, *admin_path = NULL;
    bool allow_nosec = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'l': listen_plain = optarg; break;
        case 'd': listen_dtls = optarg; break;
        case 's': store_path = optarg; break;
        case 'a': admin_path = optarg; break;
        case 'N': allow_nosec = true; break;
        case 'L': {
            enum cs_log_level lvl;
            if (!cs_log_parse_level(optarg, &lvl)) {
                fprintf(stderr, "cellstrap-server: unknown log level '%s'\n", optarg);
                return 2;
            }
            cs_log_set_level(lvl);
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (listen_plain == NULL && listen_dtls == NULL) {
        fprintf(stderr, "cellstrap-server: give --listen-dtls and/or --listen\n");
        return 2;
    }
    if (listen_plain != NULL && !allow_nosec) {
        fprintf(stderr, "cellstrap-server: --listen (NoSec) needs --allow-nosec\n");
        return 2;
    }
    if (listen_dtls != NULL && (store_path == NULL || name == NULL)) {
        fprintf(stderr, "cellstrap-server: --listen-dtls needs --store and --name\n");
        return 2;
    }

    struct app a;
    memset(&a, 0, sizeof a);
    a.name = name != NULL ? name : "";
    a.admin_listen = -1;
    a.admin_ep = -1;
    int rc = 1;
    if (store_path != NULL && cs_store_open(store_path, &a.store) != CS_OK) {
        cs_log(CS_LOG_ERROR, "cannot open store %s", store_path);
        return 1;
    }
    cs_server_config sc;
    memset(&sc, 0, sizeof sc);
    sc.name = name;
    sc.store = a.store;
    sc.allow_nosec = allow_nosec;
    sc.clock_ms = clock_ms;
    sc.clock_unix = clock_unix;
    a.srv = cs_server_new(&sc);
    g_loop = cs_loop_new();
    if (a.srv == NULL || g_loop == NULL)
        goto out;
    if (listen_plain != NULL && (rc = open_listener(&a, listen_plain, false, &a.plain)) != 0)
        goto out;
    if (listen_dtls != NULL && (rc = open_listener(&a, listen_dtls, true, &a.dtls)) != 0)
        goto out;
    rc = 1;
    if ((a.plain != NULL && cs_transport_attach(a.plain, g_loop) != CS_OK) ||
        (a.dtls != NULL && cs_transport_attach(a.dtls, g_loop) != CS_OK))
        goto out;
    size_t loaded = 0;
    if (cs_server_load(a.srv, a.plain != NULL ? cs_transport_coap(a.plain) : NULL,
                       a.dtls != NULL ? cs_transport_coap(a.dtls) : NULL,
                       &loaded) != CS_OK)
        cs_log(CS_LOG_WARN, "could not reload registrations from the store");
    else if (loaded > 0)
        cs_log(CS_LOG_INFO, "%zu registrations reloaded from the store", loaded);
    if (admin_path != NULL) {
        if (admin_open(&a, admin_path) != 0 ||
            cs_loop_add_fd(g_loop, a.admin_ep, admin_ready, &a) != CS_OK)
            goto out;
        cs_log(CS_LOG_INFO, "admin socket %s", admin_path);
    }
    if (cs_loop_add_timer(g_loop, on_timer, &a) != CS_OK)
        goto out;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    cs_log(CS_LOG_INFO, "server %s ready", a.name);
    rc = cs_loop_run(g_loop, UINT64_MAX) == CS_OK ? 0 : 1;
    cs_log(CS_LOG_INFO, "stopping");
out:
    while (a.conns != NULL) {
        struct conn *next = a.conns->next;
        conn_close(a.conns);
        a.conns = next;
    }
    /* Endpoints first: they drop their exchanges without callbacks. */
    cs_transport_close(a.plain);
    cs_transport_close(a.dtls);
    cs_server_free(a.srv);
    if (a.admin_listen >= 0) {
        close(a.admin_listen);
        unlink(a.admin_path);
    }
    if (a.admin_ep >= 0)
        close(a.admin_ep);
    cs_loop_free(g_loop);
    g_loop = NULL;
    cs_store_close(a.store);
    return rc;
}

/* ---- Admin client mode ----------------------------------------------------------- */

/* Send one command; print `want` answer blocks; 0 when the first is 2.xx. */
static int run_admin(int argc, char **argv)
{
    long count = 1, timeout_s = 120;
    char line[CS_ADMIN_LINE_MAX];
    size_t len = 0;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if ((strcmp(argv[i], "--count") == 0 || strcmp(argv[i], "--timeout") == 0) &&
            i + 1 < argc) {
            char *end;
            long v = strtol(argv[i + 1], &end, 10);
            if (*end != '\0' || v < 1) {
                fprintf(stderr, "cellstrap-server admin: bad %s\n", argv[i]);
                return 2;
            }
            if (argv[i][2] == 'c')
                count = v;
            else
                timeout_s = v;
            i++;
            continue;
        }
        if (path == NULL) {
            path = argv[i];
            continue;
        }
        int n = snprintf(line + len, sizeof line - len, "%s%s", len ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof line - len - 1) {
            fprintf(stderr, "cellstrap-server admin: command too long\n");
            return 2;
        }
        len += (size_t)n;
    }
    if (path == NULL || len == 0) {
        usage(stderr);
        return 2;
    }
    line[len++] = '\n';
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path)
        return 2;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "cellstrap-server admin: cannot connect to %s: %s\n", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (write(fd, line, len) != (ssize_t)len) {
        close(fd);
        return 1;
    }
    /* Read lines; a block ends with an empty line. */
    int rc = -1;
    long blocks = 0;
    bool at_block_start = true;
    char buf[4096];
    char cur[CS_ADMIN_LINE_MAX];
    size_t cur_len = 0;
    uint64_t deadline = cs_clock_ms() + (uint64_t)timeout_s * 1000u;
    while (blocks < count) {
        uint64_t now = cs_clock_ms();
        if (now >= deadline) {
            fprintf(stderr, "cellstrap-server admin: timed out\n");
            rc = 1;
            break;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            if (blocks == 0)
                rc = 1;
            break;
        }
        for (ssize_t i = 0; i < n && blocks < count; i++) {
            if (buf[i] != '\n') {
                if (cur_len < sizeof cur - 1)
                    cur[cur_len++] = buf[i];
                continue;
            }
            cur[cur_len] = '\0';
            if (cur_len == 0) {
                blocks++;
                at_block_start = true;
                if (blocks < count)
                    putchar('\n');
            } else {
                if (at_block_start && rc < 0)
                    rc = cur[0] == '2' ? 0 : 1;
                at_block_start = false;
                puts(cur);
            }
            cur_len = 0;
        }
        fflush(stdout);
    }
    close(fd);
    return rc < 0 ? 1 : rc;
}

int main(int argc, char **argv)
{
    cs_log_set_program("cellstrap-server");
    if (argc >= 2 && strcmp(argv[1], "admin") == 0)
        return run_admin(argc - 2, argv + 2);
    return run_server(argc, argv);
}
