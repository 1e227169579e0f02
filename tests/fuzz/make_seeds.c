/*
 * make_seeds.c - writes the seed corpora of the LwM2M fuzz targets from
 * real messages: Register/Update/De-register as clients send them, the
 * bootstrap sequences a Bootstrap-Server runs (payloads in TLV, SenML
 * CBOR, SenML JSON, LwM2M CBOR), device management requests, state files
 * saved by the client, configurations and admin lines as docs/ show them.
 * Usage: fuzz_make_seeds CORPUS_DIR (tests/fuzz/corpus).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cellstrap/codec.h"
#include "cellstrap/coap.h"
#include "cellstrap/server.h"
#include "client/client_internal.h"
#include "fuzz_net.h"

static const char *root;
static uint16_t next_mid = 0x100;

static FILE *seed(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", root, dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    return f;
}

static void text_seed(const char *dir, const char *name, const char *text)
{
    FILE *f = seed(dir, name);
    fputs(text, f);
    fclose(f);
}

static void record(FILE *f, uint8_t op, uint8_t dt, const void *d, size_t len)
{
    uint8_t h[4] = { op, dt, (uint8_t)(len >> 8), (uint8_t)len };
    fwrite(h, 1, 4, f);
    if (len > 0)
        fwrite(d, 1, len, f);
}

/* A CON request: path "a/b", up to three queries (NULL: none). */
static void request(cs_coap_msg *m, uint8_t code, const char *path,
                    const char *q1, const char *q2, const char *q3)
{
    uint8_t token[2] = { (uint8_t)(next_mid >> 8), (uint8_t)next_mid };
    cs_coap_init(m, CS_COAP_TYPE_CON, code, next_mid++);
    cs_coap_set_token(m, token, sizeof token);
    if (path != NULL)
        cs_coap_add_path(m, CS_COAP_OPT_URI_PATH, path, strlen(path));
    const char *q[3] = { q1, q2, q3 };
    for (int i = 0; i < 3; i++)
        if (q[i] != NULL)
            cs_coap_add_string(m, CS_COAP_OPT_URI_QUERY, q[i]);
}

static void send_msg(FILE *f, uint8_t op, uint8_t dt, cs_coap_msg *m)
{
    uint8_t out[4096];
    size_t n;
    if (cs_coap_serialize(m, out, sizeof out, &n) != CS_OK) {
        fprintf(stderr, "seed message does not serialize\n");
        exit(1);
    }
    record(f, op, dt, out, n);
}

/* An answer record (fuzz_build_answer): code, flags, format, payload. */
static void answer(FILE *f, uint8_t op, uint8_t dt, uint8_t code,
                   uint8_t flags, uint16_t format, const void *p, size_t len)
{
    uint8_t d[4096];
    d[0] = code;
    d[1] = flags;
    d[2] = (uint8_t)(format >> 8);
    d[3] = (uint8_t)format;
    if (len > 0)
        memcpy(d + 4, p, len);
    record(f, op, dt, d, len + 4);
}

static void add_value(cs_records *rs, cs_path p, cs_value v)
{
    if (cs_records_add(rs, &p, &v) != CS_OK)
        exit(1);
}

static void encode(uint16_t format, cs_path target, const cs_records *rs,
                   cs_buf *out)
{
    cs_buf_reset(out);
    if (cs_encode(format, &target, rs, cs_registry_standard(), out) != CS_OK) {
        fprintf(stderr, "seed payload does not encode (format %u)\n", format);
        exit(1);
    }
}

/* ---- Objects a Bootstrap-Server writes ----------------------------------- */

static void security_objects(cs_records *rs, bool psk)
{
    static const uint8_t id[] = "cs-0011223344556677";
    static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                     14, 15, 16 };
    const char *uri = psk ? "coaps://127.0.0.1:5684" : "coap://127.0.0.1:5683";
    add_value(rs, cs_path_resource(0, 1, 0), cs_value_string(uri, strlen(uri)));
    add_value(rs, cs_path_resource(0, 1, 1), cs_value_boolean(false));
    add_value(rs, cs_path_resource(0, 1, 2), cs_value_integer(psk ? 0 : 3));
    add_value(rs, cs_path_resource(0, 1, 3),
              cs_value_opaque(id, psk ? sizeof id - 1 : 0));
    add_value(rs, cs_path_resource(0, 1, 4), cs_value_opaque(NULL, 0));
    add_value(rs, cs_path_resource(0, 1, 5),
              cs_value_opaque(key, psk ? sizeof key : 0));
    add_value(rs, cs_path_resource(0, 1, 10), cs_value_integer(1));
}

static void server_objects(cs_records *rs)
{
    add_value(rs, cs_path_resource(1, 0, 0), cs_value_integer(1));
    add_value(rs, cs_path_resource(1, 0, 1), cs_value_integer(300));
    add_value(rs, cs_path_resource(1, 0, 2), cs_value_integer(5));
    add_value(rs, cs_path_resource(1, 0, 3), cs_value_integer(60));
    add_value(rs, cs_path_resource(1, 0, 6), cs_value_boolean(true));
    add_value(rs, cs_path_resource(1, 0, 7), cs_value_string("U", 1));
}

static void device_objects(cs_records *rs)
{
    add_value(rs, cs_path_resource(3, 0, 0), cs_value_string("cellstrap", 9));
    add_value(rs, cs_path_resource(3, 0, 9), cs_value_integer(87));
    add_value(rs, cs_path_resource_instance(3, 0, 11, 0), cs_value_integer(0));
    add_value(rs, cs_path_resource(3, 0, 13), cs_value_time(1700000000));
}

/* ---- Client engine: a bootstrap, a registration, device management ------- */

/* op 0: to the newest channel, 1: answer the last request. */
static void client_bootstrap(FILE *f, uint16_t format, bool psk, bool pack)
{
    cs_records rs;
    cs_buf b;
    cs_coap_msg m;
    cs_buf_init(&b, 65536);
    if (pack) {
        cs_records_init(&rs);
        security_objects(&rs, psk);
        server_objects(&rs);
        encode(format, cs_path_root(), &rs, &b);
        answer(f, 1, 1, CS_COAP_CODE_CONTENT, 0, format, b.data, b.len);
        cs_records_free(&rs);
        cs_buf_free(&b);
        return;
    }
    answer(f, 1, 1, CS_COAP_CODE_CHANGED, 0, FUZZ_NO_FORMAT, NULL, 0);
    request(&m, CS_COAP_CODE_DELETE, "/", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_GET, "/", NULL, NULL, NULL);
    cs_coap_add_accept(&m, CS_FORMAT_LINK);
    send_msg(f, 0, 1, &m);                  /* Bootstrap-Discover */
    cs_records_init(&rs);
    security_objects(&rs, psk);
    encode(format, cs_path_object(0), &rs, &b);
    request(&m, CS_COAP_CODE_PUT, "/0", NULL, NULL, NULL);
    cs_coap_add_content_format(&m, format);
    cs_coap_set_payload(&m, b.data, b.len);
    send_msg(f, 0, 1, &m);
    cs_records_free(&rs);
    cs_records_init(&rs);
    server_objects(&rs);
    encode(format, cs_path_object(1), &rs, &b);
    request(&m, CS_COAP_CODE_PUT, "/1", NULL, NULL, NULL);
    cs_coap_add_content_format(&m, format);
    cs_coap_set_payload(&m, b.data, b.len);
    send_msg(f, 0, 1, &m);
    cs_records_free(&rs);
    request(&m, CS_COAP_CODE_GET, "/1", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);                  /* Bootstrap-Read */
    request(&m, CS_COAP_CODE_POST, "bs", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);                  /* Finish */
    cs_buf_free(&b);
}

static void client_dm(FILE *f, uint16_t format)
{
    cs_coap_msg m;
    cs_records rs;
    cs_buf b;
    cs_buf_init(&b, 65536);
    /* Register answered 2.01 with a Location. */
    answer(f, 1, 2, CS_COAP_CODE_CREATED, FUZZ_ANSWER_LOCATION, FUZZ_NO_FORMAT,
           NULL, 0);
    request(&m, CS_COAP_CODE_GET, "/3/0", NULL, NULL, NULL);
    cs_coap_add_accept(&m, format);
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_GET, "/3", NULL, NULL, NULL);
    cs_coap_add_accept(&m, CS_FORMAT_LINK);
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_GET, "/3/0/13", NULL, NULL, NULL);
    cs_coap_add_uint(&m, CS_COAP_OPT_OBSERVE, 0);
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_PUT, "/3/0/13", "pmin=1", "pmax=30", NULL);
    send_msg(f, 0, 1, &m);                  /* Write-Attributes */
    cs_records_init(&rs);
    add_value(&rs, cs_path_resource(1, 0, 1), cs_value_integer(600));
    encode(format, cs_path_resource(1, 0, 1), &rs, &b);
    request(&m, CS_COAP_CODE_PUT, "/1/0/1", NULL, NULL, NULL);
    cs_coap_add_content_format(&m, format);
    cs_coap_set_payload(&m, b.data, b.len);
    send_msg(f, 0, 40, &m);
    cs_records_free(&rs);
    cs_records_init(&rs);
    add_value(&rs, cs_path_resource(3, 0, 14), cs_value_string("+02", 3));
    encode(format, cs_path_instance(3, 0), &rs, &b);
    request(&m, CS_COAP_CODE_POST, "/3/0", NULL, NULL, NULL);
    cs_coap_add_content_format(&m, format);
    cs_coap_set_payload(&m, b.data, b.len);
    send_msg(f, 0, 1, &m);                  /* partial update */
    cs_records_free(&rs);
    cs_records_init(&rs);
    add_value(&rs, cs_path_resource(5, 0, 1),
              cs_value_string("coap://127.0.0.1/fw", 19));
    encode(format, cs_path_object(5), &rs, &b);
    request(&m, CS_COAP_CODE_POST, "/5", NULL, NULL, NULL);
    cs_coap_add_content_format(&m, format);
    cs_coap_set_payload(&m, b.data, b.len);
    send_msg(f, 0, 1, &m);                  /* Create */
    cs_records_free(&rs);
    request(&m, CS_COAP_CODE_DELETE, "/5/0", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);
    answer(f, 1, 30, CS_COAP_CODE_CHANGED, 0, FUZZ_NO_FORMAT, NULL, 0);
    request(&m, CS_COAP_CODE_POST, "/1/0/8", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);                  /* Registration Update Trigger */
    answer(f, 1, 1, CS_COAP_CODE_CHANGED, 0, FUZZ_NO_FORMAT, NULL, 0);
    request(&m, CS_COAP_CODE_POST, "/3/0/4", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);                  /* Reboot */
    cs_buf_free(&b);
}

static void client_engine_seeds(void)
{
    static const struct {
        const char *name;
        uint16_t format;
        bool psk, pack, dm;
    } runs[] = {
        { "bootstrap-tlv", CS_FORMAT_TLV, false, false, true },
        { "bootstrap-senml-cbor", CS_FORMAT_SENML_CBOR, false, false, true },
        { "bootstrap-senml-json", CS_FORMAT_SENML_JSON, true, false, false },
        { "bootstrap-lwm2m-cbor", CS_FORMAT_LWM2M_CBOR, false, false, true },
        { "bootstrap-oma-json", CS_FORMAT_OMA_JSON, false, false, false },
        { "pack-senml-cbor", CS_FORMAT_SENML_CBOR, false, true, true },
        { "pack-senml-json", CS_FORMAT_SENML_JSON, true, true, false },
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        FILE *f = seed("client-engine", runs[i].name);
        uint8_t mode = runs[i].pack ? 1 : 0;
        fwrite(&mode, 1, 1, f);
        client_bootstrap(f, runs[i].format, runs[i].psk, runs[i].pack);
        if (runs[i].dm)
            client_dm(f, runs[i].format);
        fclose(f);
    }
    /* Finish refused: the configuration lacks the Server object. */
    FILE *f = seed("client-engine", "finish-inconsistent");
    uint8_t mode = 0;
    fwrite(&mode, 1, 1, f);
    cs_coap_msg m;
    answer(f, 1, 1, CS_COAP_CODE_CHANGED, 0, FUZZ_NO_FORMAT, NULL, 0);
    request(&m, CS_COAP_CODE_DELETE, "/1", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_POST, "bs", NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);
    record(f, 0, 250, NULL, 0);                 /* the retry comes */
    fclose(f);
}

/* ---- Bootstrap engine ---------------------------------------------------- */

static void bs_sequence(FILE *f, const char *ep, const char *pct,
                        uint8_t finish_code, int steps)
{
    cs_coap_msg m;
    request(&m, CS_COAP_CODE_POST, "bs", ep, pct, NULL);
    send_msg(f, 0, 1, &m);
    for (int i = 0; i < steps; i++)
        answer(f, 1, 1, i < 3 ? CS_COAP_CODE_DELETED : CS_COAP_CODE_CHANGED, 0,
               FUZZ_NO_FORMAT, NULL, 0);
    answer(f, 1, 1, finish_code, 0, FUZZ_NO_FORMAT, NULL, 0);
}

static void bs_engine_seeds(void)
{
    FILE *f = seed("bs-engine", "classic-tlv");
    bs_sequence(f, "ep=fz-a", "pct=11542", CS_COAP_CODE_CHANGED, 7);
    fclose(f);
    f = seed("bs-engine", "classic-senml-cbor");
    bs_sequence(f, "ep=fz-a", "pct=112", CS_COAP_CODE_CHANGED, 7);
    fclose(f);
    f = seed("bs-engine", "classic-default-finish-refused");
    bs_sequence(f, "ep=some-device", "pct=110", CS_COAP_CODE_NOT_ACCEPTABLE, 3);
    fclose(f);
    f = seed("bs-engine", "classic-write-refused");
    bs_sequence(f, "ep=fz-c", NULL, CS_COAP_CODE_BAD_REQUEST, 1);
    fclose(f);

    cs_coap_msg m;
    f = seed("bs-engine", "packs");
    static const uint16_t accepts[] = { CS_FORMAT_SENML_CBOR,
                                        CS_FORMAT_SENML_JSON,
                                        CS_FORMAT_LWM2M_CBOR, CS_FORMAT_TLV };
    for (size_t i = 0; i < 4; i++) {
        request(&m, CS_COAP_CODE_GET, "bspack", "ep=fz-a", NULL, NULL);
        cs_coap_add_accept(&m, accepts[i]);
        send_msg(f, (uint8_t)(2 * i), 1, &m);
    }
    request(&m, CS_COAP_CODE_GET, "bspack", "ep=fz-b", NULL, NULL);
    send_msg(f, 0, 1, &m);                      /* NoSec not allowed */
    fclose(f);

    f = seed("bs-engine", "refusals-and-restart");
    request(&m, CS_COAP_CODE_POST, "bs", "pct=99", "ep=fz-a", NULL);
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_POST, "bs", "ep=", NULL, NULL);
    send_msg(f, 2, 1, &m);
    request(&m, CS_COAP_CODE_PUT, "bs", "ep=fz-a", NULL, NULL);
    send_msg(f, 4, 1, &m);
    request(&m, CS_COAP_CODE_POST, "bs", "ep=fz-a", NULL, NULL);
    send_msg(f, 0, 1, &m);
    answer(f, 1, 1, CS_COAP_CODE_DELETED, 0, FUZZ_NO_FORMAT, NULL, 0);
    request(&m, CS_COAP_CODE_POST, "bs", "ep=fz-a", NULL, NULL);
    send_msg(f, 0, 1, &m);                      /* asks again */
    request(&m, CS_COAP_CODE_POST, "bs", "ep=fz-c", NULL, NULL);
    send_msg(f, 2, 1, &m);                      /* a second device */
    record(f, 1, 200, "\x44\x00\xff\xff", 4);   /* late, then timeouts */
    fclose(f);
}

/* ---- Server engine ------------------------------------------------------- */

static const char reg_links[] =
    "</>;rt=\"oma.lwm2m\";ct=\"60 110 112 11542 11543\","
    "</1/0>,</3/0>,</5/0>,</3303>;ver=1.1,</3303/0>,</3303/1>";

/* The Location the fuzz target's engine gives its first registration. */
static char first_id[CS_STORE_REG_ID_MAX];

static uint64_t zero_ms(void *ctx) { (void)ctx; return 1000; }
static int64_t zero_unix(void *ctx) { (void)ctx; return 1700000000; }
static void capture(void *io, const cs_addr *to, void *session,
                    const uint8_t *d, size_t len)
{
    (void)io, (void)to, (void)session;
    cs_coap_msg m;
    const char *segs[2];
    size_t lens[2], n = 0;
    if (cs_coap_parse(d, len, &m) == CS_OK &&
        cs_coap_get_strings(&m, CS_COAP_OPT_LOCATION_PATH, segs, lens, 2, &n) ==
            CS_OK && n == 2 && lens[1] < sizeof first_id) {
        memcpy(first_id, segs[1], lens[1]);
        first_id[lens[1]] = '\0';
    }
}

static void learn_first_id(const uint8_t *reg, size_t len)
{
    cs_server_config sc = { .allow_nosec = true, .clock_ms = zero_ms,
                            .clock_unix = zero_unix, .seed = 1 };
    cs_server *srv = cs_server_new(&sc);
    cs_coap_config cc = { 0 };
    cs_coap_params_default(&cc.params);
    cc.send = capture;
    cc.on_request = cs_server_handle_request;
    cc.app = srv;
    cc.seed = 1;
    cs_coap_endpoint *ep = cs_coap_endpoint_new(&cc);
    cs_addr from = cs_addr_ipv4(127, 0, 0, 10, 56830);
    cs_coap_receive(ep, 1000, &from, NULL, reg, len);
    cs_coap_endpoint_free(ep);
    cs_server_free(srv);
    if (first_id[0] == '\0') {
        fprintf(stderr, "no registration ID learnt\n");
        exit(1);
    }
}

static void register_msg(cs_coap_msg *m, const char *ep, const char *q2,
                         const char *q3)
{
    request(m, CS_COAP_CODE_POST, "rd", ep, q2, q3);
    cs_coap_add_content_format(m, CS_FORMAT_LINK);
    cs_coap_set_payload(m, reg_links, sizeof reg_links - 1);
}

static void admin_line(FILE *f, const char *line)
{
    record(f, 2, 1, line, strlen(line));
}

static void server_engine_seeds(void)
{
    cs_coap_msg m;
    uint8_t raw[1024];
    size_t n;
    register_msg(&m, "ep=fz-1", "lt=300", "lwm2m=1.2");
    cs_coap_serialize(&m, raw, sizeof raw, &n);
    learn_first_id(raw, n);
    char rd[64];
    snprintf(rd, sizeof rd, "rd/%s", first_id);

    FILE *f = seed("server-engine", "register-update-deregister");
    record(f, 0, 1, raw, n);
    request(&m, CS_COAP_CODE_POST, rd, "lt=600", "b=U", NULL);
    send_msg(f, 0, 100, &m);
    request(&m, CS_COAP_CODE_POST, rd, NULL, NULL, NULL);
    cs_coap_add_content_format(&m, CS_FORMAT_LINK);
    cs_coap_set_payload(&m, "</1/0>,</3/0>", 13);
    send_msg(f, 0, 100, &m);
    request(&m, CS_COAP_CODE_DELETE, rd, NULL, NULL, NULL);
    send_msg(f, 4, 1, &m);                      /* another peer: 4.04 */
    request(&m, CS_COAP_CODE_DELETE, rd, NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);
    fclose(f);

    f = seed("server-engine", "register-styles");
    register_msg(&m, "ep=fz-10", "b=UQ", "sms=4912345678");
    send_msg(f, 0, 1, &m);                      /* 1.0: queue in binding */
    register_msg(&m, "ep=fz-11", "lwm2m=1.1", "Q");
    send_msg(f, 4, 1, &m);
    register_msg(&m, "ep=fz-secure", "lwm2m=1.2", "b=UT");
    send_msg(f, 8, 1, &m);                      /* over the known PSK */
    register_msg(&m, NULL, "lwm2m=1.2", NULL);
    send_msg(f, 8, 1, &m);                      /* name from the credential */
    register_msg(&m, "ep=fz-x", "lwm2m=1.2", NULL);
    send_msg(f, 12, 1, &m);                     /* unknown PSK: 4.03 */
    register_msg(&m, "ep=fz-y", "lwm2m=2.0", NULL);
    send_msg(f, 0, 1, &m);                      /* 4.12 */
    register_msg(&m, "ep=fz-z", "lt=0", "b=X");
    send_msg(f, 0, 1, &m);
    request(&m, CS_COAP_CODE_POST, "rd", "ep=fz-alt", "lwm2m=1.1", NULL);
    cs_coap_add_content_format(&m, CS_FORMAT_LINK);
    cs_coap_set_payload(&m, "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>", 36);
    send_msg(f, 0, 1, &m);
    record(f, 3, 255, NULL, 0);                 /* lifetimes run out */
    fclose(f);

    f = seed("server-engine", "device-management");
    record(f, 0, 1, raw, n);
    admin_line(f, "read fz-1 /3/0");
    cs_records rs;
    cs_buf b;
    cs_records_init(&rs);
    cs_buf_init(&b, 65536);
    device_objects(&rs);
    encode(CS_FORMAT_SENML_CBOR, cs_path_instance(3, 0), &rs, &b);
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, 0, CS_FORMAT_SENML_CBOR, b.data,
           b.len);
    admin_line(f, "read fz-1 /3/0 tlv");
    encode(CS_FORMAT_TLV, cs_path_instance(3, 0), &rs, &b);
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, 0, CS_FORMAT_TLV, b.data, b.len);
    admin_line(f, "read fz-1 /3/0 senml-json");
    encode(CS_FORMAT_SENML_JSON, cs_path_instance(3, 0), &rs, &b);
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, FUZZ_ANSWER_SEPARATE,
           CS_FORMAT_SENML_JSON, b.data, b.len);
    admin_line(f, "discover fz-1 /3");
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, 0, CS_FORMAT_LINK,
           "</3/0>,</3/0/0>,</3/0/13>;pmax=30", 33);
    admin_line(f, "observe fz-1 /3/0/13");
    cs_records_free(&rs);
    cs_records_init(&rs);
    add_value(&rs, cs_path_resource(3, 0, 13), cs_value_time(1700000100));
    encode(CS_FORMAT_LWM2M_CBOR, cs_path_resource(3, 0, 13), &rs, &b);
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, FUZZ_ANSWER_OBSERVE,
           CS_FORMAT_LWM2M_CBOR, b.data, b.len);
    answer(f, 1, 10, CS_COAP_CODE_CONTENT,
           FUZZ_ANSWER_OBSERVE | FUZZ_ANSWER_SEPARATE, CS_FORMAT_LWM2M_CBOR,
           b.data, b.len);
    admin_line(f, "cancel fz-1 /3/0/13");
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, 0, CS_FORMAT_LWM2M_CBOR, b.data,
           b.len);
    admin_line(f, "write fz-1 /1/0 1=600 7=U");
    answer(f, 1, 1, CS_COAP_CODE_CHANGED, 0, FUZZ_NO_FORMAT, NULL, 0);
    admin_line(f, "execute fz-1 /3/0/4");
    answer(f, 1, 1, CS_COAP_CODE_CHANGED, 0, FUZZ_NO_FORMAT, NULL, 0);
    admin_line(f, "create fz-1 /5/0 1=coap://127.0.0.1/fw");
    answer(f, 1, 1, CS_COAP_CODE_CREATED, 0, FUZZ_NO_FORMAT, NULL, 0);
    admin_line(f, "delete fz-1 /5/0");
    answer(f, 1, 1, CS_COAP_CODE_NOT_FOUND, 0, FUZZ_NO_FORMAT, NULL, 0);
    admin_line(f, "attributes fz-1 /3/0/9 pmin=10 pmax=60 lt=5");
    answer(f, 1, 1, CS_COAP_CODE_BAD_REQUEST, 0, FUZZ_NO_FORMAT, NULL, 0);
    admin_line(f, "list");
    fclose(f);

    f = seed("server-engine", "queue-mode");
    register_msg(&m, "ep=fz-1", "lwm2m=1.1", "Q");
    send_msg(f, 0, 1, &m);
    record(f, 3, 130, NULL, 0);                 /* asleep: requests held */
    admin_line(f, "read fz-1 /3/0/9");
    request(&m, CS_COAP_CODE_POST, rd, NULL, NULL, NULL);
    send_msg(f, 0, 1, &m);                      /* the Update wakes it */
    answer(f, 1, 1, CS_COAP_CODE_CONTENT, 0, CS_FORMAT_TEXT, "87", 2);
    fclose(f);
    cs_records_free(&rs);
    cs_buf_free(&b);
}

/* ---- Admin lines, configurations, state files ----------------------------- */

static void admin_seeds(void)
{
    text_seed("server-admin", "help-list", "help\nlist\n\n");
    text_seed("server-admin", "read",
              "read fz-dev /3/0\nread fz-dev /3/0/9 text\n"
              "read fz-dev /3 senml-cbor\nread fz-dev /3/0 11542\n");
    text_seed("server-admin", "observe",
              "observe fz-dev /3/0/13 lwm2m-cbor\ncancel fz-dev /3/0/13\n"
              "cancel fz-dev /3/0/9\n");
    text_seed("server-admin", "write",
              "write fz-dev /3/0/14 +02\nwrite fz-dev /1/0 1=300 7=UQ 2=5\n"
              "update fz-dev /1/0 3=60\nwrite fz-dev /3/0/11/0 0\n"
              "write-raw fz-dev /3/0/15 text 4575726f7065\n"
              "write fz-dev /5/0/0 00ff10\n");
    text_seed("server-admin", "execute-create-delete",
              "execute fz-dev /3/0/4\nexecute fz-dev /5/0/2 '0=\"x\"'\n"
              "create fz-dev /9\ncreate fz-dev /9/1 0=pkg 1=1.0 3=true\n"
              "delete fz-dev /9/1\ndiscover fz-dev /3\n");
    text_seed("server-admin", "attributes-and-errors",
              "attributes fz-dev /3/0/13 pmin=1 pmax=60\nattributes fz-dev /3\n"
              "read nobody /3/0\nread fz-dev /x\nfrobnicate fz-dev /3\n"
              "write fz-dev /3/0/9 notanumber\ncreate fz-dev /3/0/1\n"
              "write fz-dev /11/0 9=1:2 10=99999999999999999999\n");
}

static void config_seeds(void)
{
    text_seed("bs-config", "generated-psk",
              "{\"servers\": [{\"name\": \"lwm2m\", \"uri\": "
              "\"coaps://127.0.0.1:5684\", \"ssid\": 1, \"lifetime\": 600, "
              "\"psk_key_length\": 32}], \"bootstrap_psk\": {\"identity\": "
              "\"bs-dev\", \"key\": \"00112233445566778899aabbccddeeff\"}}");
    text_seed("bs-config", "two-servers-writes",
              "{\"servers\": [{\"name\": \"a\", \"uri\": \"coap://127.0.0.1\", "
              "\"ssid\": 1, \"binding\": \"UQ\", \"pmin\": 5, \"pmax\": 60}, "
              "{\"name\": \"b\", \"uri\": \"coaps://[::1]:5684\", \"ssid\": 2, "
              "\"psk\": {\"identity\": \"dev-b\", \"key\": \"0102030405060708\"}}], "
              "\"delete\": [\"/0\", \"/1\", \"/5/0\"], \"write\": "
              "{\"/5/0/1\": \"coap://127.0.0.1/fw\", \"/11/0/0\": \"internet\", "
              "\"/11/0/3\": 7, \"/10/0/0\": 15, \"/4/0/1/0\": 41}, "
              "\"allow_nosec_bootstrap\": true, \"comment\": \"lab\"}");
    text_seed("bs-config", "file",
              "{\"comment\": \"fleet\", \"endpoints\": {\"*\": {\"servers\": "
              "[{\"name\": \"s\", \"uri\": \"coap://127.0.0.1:5683\", "
              "\"ssid\": 3}], \"allow_nosec_bootstrap\": true}, \"dev-1\": "
              "{\"servers\": [{\"name\": \"s\", \"uri\": "
              "\"coaps://127.0.0.1:5684\", \"ssid\": 4}], \"bootstrap_psk\": "
              "{\"identity\": \"bs-1\", \"key\": \"aabbccdd\"}}}}");
    text_seed("bs-config", "refused",
              "{\"servers\": [{\"name\": \"a\", \"uri\": \"coap://x\", "
              "\"ssid\": 1, \"security\": \"psk\"}], \"delete\": [\"/3\"], "
              "\"write\": {\"/3/0/1\": \"x\"}, \"bogus\": 1}");
}

static void state_seeds(void)
{
    cs_records db, add;
    cs_records_init(&db);
    cs_records_init(&add);
    security_objects(&add, true);
    server_objects(&add);
    add_value(&add, cs_path_resource(0, 0, 0),
              cs_value_string("coap://127.0.0.1:5683", 21));
    add_value(&add, cs_path_resource(0, 0, 1), cs_value_boolean(true));
    add_value(&add, cs_path_resource(0, 0, 2), cs_value_integer(3));
    add_value(&add, cs_path_resource(2, 0, 0), cs_value_integer(3));
    add_value(&add, cs_path_resource(2, 0, 1), cs_value_integer(0));
    add_value(&add, cs_path_resource_instance(2, 0, 2, 1), cs_value_integer(7));
    add_value(&add, cs_path_resource(2, 0, 3), cs_value_integer(1));
    if (cs_db_update(&db, NULL, 0, &add) != CS_OK)
        exit(1);
    char path[512];
    snprintf(path, sizeof path, "%s/state.tmp", root);
    if (cs_state_save(path, &db, NULL) != CS_OK)
        exit(1);
    FILE *in = fopen(path, "rb");
    uint8_t file[65536];
    size_t len = fread(file, 1, sizeof file, in);
    fclose(in);
    remove(path);
    /* As saved; and header + payload for the harness to seal. */
    uint8_t mode = 0;
    FILE *f = seed("client-state", "saved");
    fwrite(&mode, 1, 1, f);
    fwrite(file, 1, len, f);
    fclose(f);
    mode = 1;
    f = seed("client-state", "sealed-by-harness");
    fwrite(&mode, 1, 1, f);
    fwrite(file, 1, len - 32, f);
    fclose(f);
    f = seed("client-state", "truncated");
    mode = 0;
    fwrite(&mode, 1, 1, f);
    fwrite(file, 1, len / 2, f);
    fclose(f);
    cs_db_free(&db);
    cs_db_free(&add);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
        return 2;
    }
    root = argv[1];
    client_engine_seeds();
    bs_engine_seeds();
    server_engine_seeds();
    admin_seeds();
    config_seeds();
    state_seeds();
    return 0;
}
