/*
 * fuzz_server_admin.c - libFuzzer target for the server's admin line
 * protocol (admin.c): command words, paths, formats, typed values
 * ("rid=value" assignments, hex, objlnk), attributes.  The parser is
 * sans-I/O (cs_admin_command takes a line, output goes to a callback), so
 * no socket is involved.
 *
 * A server engine (memory only) has one device registered through a real
 * Register; the input is command lines separated by '\n'.  Each request
 * the engine sends the device is answered at once as a device would
 * (2.05 with SenML CBOR records or a link list, 2.04, 2.01, 2.02), so the
 * answer formatting runs too.  Every output block must end with an empty
 * line, and nothing may crash or leak.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/log.h"
#include "cellstrap/server.h"
#include "cellstrap/coap_endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct harness {
    cs_coap_time now;
    cs_coap_endpoint *ep;
    cs_addr device;
    /* Requests the engine sent, answered after the command. */
    uint8_t queue[8][1500];
    size_t queue_len[8];
    size_t queued;
    /* The tail of the admin output. */
    char tail[2];
    size_t out_len;
    cs_buf records;            /* a device's Read answer */
} H;

static void on_send(void *io, const cs_addr *to, void *session,
                    const uint8_t *d, size_t len)
{
    (void)io, (void)to, (void)session;
    cs_coap_msg m;
    if (cs_coap_parse(d, len, &m) != CS_OK)
        abort();
    if (cs_coap_code_is_request(m.code) && H.queued < 8 &&
        len <= sizeof H.queue[0]) {
        memcpy(H.queue[H.queued], d, len);
        H.queue_len[H.queued++] = len;
    }
}

static void admin_out(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        H.tail[0] = H.tail[1];
        H.tail[1] = text[i];
    }
    H.out_len += len;
}

static uint64_t clock_ms(void *ctx)
{
    (void)ctx;
    return H.now;
}

static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return 1700000000 + (int64_t)(H.now / 1000u);
}

/* What a device answers to `req`. */
static void answer(const cs_coap_msg *req)
{
    static const char links[] = "</3/0>,</3/0/0>,</3/0/13>;pmax=30";
    cs_coap_msg m;
    uint8_t out[2048];
    size_t n;
    uint16_t accept;
    uint32_t observe;
    cs_coap_init(&m, CS_COAP_TYPE_ACK, CS_COAP_CODE_CHANGED, req->mid);
    cs_coap_set_token(&m, req->token, req->token_len);
    if (req->code == CS_COAP_CODE_GET) {
        m.code = CS_COAP_CODE_CONTENT;
        if (cs_coap_get_accept(req, &accept) == CS_OK &&
            accept == CS_FORMAT_LINK) {
            cs_coap_add_content_format(&m, CS_FORMAT_LINK);
            cs_coap_set_payload(&m, links, sizeof links - 1);
        } else {
            if (cs_coap_get_uint(req, CS_COAP_OPT_OBSERVE, &observe) ==
                    CS_OK && observe == 0)
                cs_coap_add_uint(&m, CS_COAP_OPT_OBSERVE, 2);
            cs_coap_add_content_format(&m, CS_FORMAT_SENML_CBOR);
            cs_coap_set_payload(&m, H.records.data, H.records.len);
        }
    } else if (req->code == CS_COAP_CODE_DELETE) {
        m.code = CS_COAP_CODE_DELETED;
    } else if (req->code == CS_COAP_CODE_POST &&
               cs_coap_count(req, CS_COAP_OPT_URI_PATH) == 1) {
        m.code = CS_COAP_CODE_CREATED;
        cs_coap_add_string(&m, CS_COAP_OPT_LOCATION_PATH, "9");
        cs_coap_add_string(&m, CS_COAP_OPT_LOCATION_PATH, "1");
    }
    if (cs_coap_serialize(&m, out, sizeof out, &n) != CS_OK)
        abort();
    cs_coap_receive(H.ep, H.now, &H.device, NULL, out, n);
}

static void register_device(void)
{
    static const char objects[] =
        "</>;rt=\"oma.lwm2m\";ct=\"60 110 112 11542 11543\","
        "</1/0>,</3/0>,</5/0>,</9/0>;ver=1.1";
    cs_coap_msg m;
    uint8_t out[512];
    size_t n;
    cs_coap_init(&m, CS_COAP_TYPE_CON, CS_COAP_CODE_POST, 1);
    cs_coap_add_string(&m, CS_COAP_OPT_URI_PATH, "rd");
    cs_coap_add_content_format(&m, CS_FORMAT_LINK);
    cs_coap_add_string(&m, CS_COAP_OPT_URI_QUERY, "ep=fz-dev");
    cs_coap_add_string(&m, CS_COAP_OPT_URI_QUERY, "lt=600");
    cs_coap_add_string(&m, CS_COAP_OPT_URI_QUERY, "lwm2m=1.2");
    cs_coap_set_payload(&m, objects, sizeof objects - 1);
    if (cs_coap_serialize(&m, out, sizeof out, &n) != CS_OK)
        abort();
    cs_coap_receive(H.ep, H.now, &H.device, NULL, out, n);
}

/* A few records of the Device object, as a device reads them. */
static void make_records(void)
{
    cs_records rs;
    cs_records_init(&rs);
    cs_path p0 = cs_path_resource(3, 0, 0), p9 = cs_path_resource(3, 0, 9);
    cs_path p11 = cs_path_resource_instance(3, 0, 11, 0);
    cs_value v0 = cs_value_string("cell\"strap\x01", 11);
    cs_value v9 = cs_value_integer(87), v11 = cs_value_integer(0);
    cs_records_add(&rs, &p0, &v0);
    cs_records_add(&rs, &p9, &v9);
    cs_records_add(&rs, &p11, &v11);
    cs_path obj = cs_path_instance(3, 0);
    cs_buf_init(&H.records, 4096);
    if (cs_encode(CS_FORMAT_SENML_CBOR, &obj, &rs, NULL, &H.records) != CS_OK)
        abort();
    cs_records_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_log_set_level(getenv("FUZZ_LOG") ? CS_LOG_DEBUG : CS_LOG_ERROR);
    cs_buf_free(&H.records);
    memset(&H, 0, sizeof H);
    H.now = 1000;
    H.device = cs_addr_ipv4(127, 0, 0, 2, 56830);
    make_records();
    cs_server_config scfg = {
        .allow_nosec = true,
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
    H.ep = srv != NULL ? cs_coap_endpoint_new(&ccfg) : NULL;
    cs_admin *adm = srv != NULL ? cs_admin_new(srv, admin_out, NULL) : NULL;
    if (H.ep == NULL || adm == NULL)
        abort();
    register_device();
    if (cs_server_count(srv) != 1)
        abort();

    char line[CS_ADMIN_LINE_MAX];
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t len = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;
        size_t copy = len < sizeof line ? len : sizeof line - 1;
        memcpy(line, data + pos, copy);
        line[copy] = '\0';
        pos += len + 1;
        size_t before = H.out_len;
        H.queued = 0;
        cs_admin_command(adm, line);
        for (size_t i = 0; i < H.queued; i++) {
            cs_coap_msg req;
            if (cs_coap_parse(H.queue[i], H.queue_len[i], &req) != CS_OK)
                abort();
            H.now += 10;
            answer(&req);
        }
        cs_coap_tick(H.ep, H.now);
        cs_server_tick(srv);
        /* Whatever was written is whole blocks: it ends "\n\n". */
        if (H.out_len != before && (H.tail[0] != '\n' || H.tail[1] != '\n'))
            abort();
    }
    cs_admin_free(adm);
    cs_coap_endpoint_free(H.ep);
    cs_server_free(srv);
    cs_buf_free(&H.records);
    return 0;
}
