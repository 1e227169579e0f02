/*
 * test_http.c - the HTTP client and server over loopback: the server on a
 * cs_loop in this thread, the blocking client in another.  Status,
 * headers, bodies both ways, Basic credentials, the body limit (413), a
 * refused connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/http.h"

static void handler(void *ctx, const cs_http_incoming *in, cs_http_reply *reply)
{
    (void)ctx;
    char text[512];
    const char *x = cs_http_incoming_header(in, "X-Test");
    snprintf(text, sizeof text, "%s %s %zu %s %s %s", in->method, in->path,
             in->body_len, x ? x : "-", in->user ? in->user : "-",
             in->password ? in->password : "-");
    cs_http_reply_status(reply, 201);
    cs_http_reply_header(reply, "WWW-Authenticate", "Digest realm=\"r\", nonce=\"n\"");
    cs_http_reply_body(reply, "text/plain", text, strlen(text));
}

struct job {
    char url[128];
    cs_err err[4];
    cs_http_response r[4];
    volatile int done;
};

static void *client(void *arg)
{
    struct job *j = arg;
    const char *hdrs[] = { "X-Test: hello", NULL };
    j->err[0] = cs_http_request("POST", j->url, hdrs, "abcde", 5, 5000, &j->r[0]);
    char auth_url[160];
    snprintf(auth_url, sizeof auth_url, "http://naf-1:s3cret@%s", j->url + 7);
    j->err[1] = cs_http_request("GET", auth_url, NULL, NULL, 0, 5000, &j->r[1]);
    size_t big = CS_HTTP_BODY_MAX + 10;
    char *body = calloc(1, big);
    j->err[2] = cs_http_request("PUT", j->url, NULL, body, big, 5000, &j->r[2]);
    free(body);
    j->err[3] = cs_http_request("GET", "http://127.0.0.1:1/", NULL, NULL, 0, 2000,
                                &j->r[3]);
    j->done = 1;
    return NULL;
}

static void round_trips(void **state)
{
    (void)state;
    cs_loop *loop = cs_loop_new();
    cs_http_server *srv;
    cs_addr local = cs_addr_ipv4(127, 0, 0, 1, 0);
    assert_int_equal(cs_http_server_open(&local, loop, handler, NULL, &srv), CS_OK);
    uint16_t port = cs_http_server_port(srv);
    assert_true(port != 0);
    struct job j;
    memset(&j, 0, sizeof j);
    snprintf(j.url, sizeof j.url, "http://127.0.0.1:%u/bsf/x", port);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, client, &j), 0);
    for (int i = 0; i < 300 && !j.done; i++)
        cs_loop_run(loop, cs_clock_ms() + 50);
    pthread_join(t, NULL);

    assert_int_equal(j.err[0], CS_OK);
    assert_int_equal(j.r[0].status, 201);
    assert_string_equal((char *)j.r[0].body, "POST /bsf/x 5 hello - -");
    char v[128];
    assert_non_null(cs_http_response_header(&j.r[0], "www-authenticate", v, sizeof v));
    assert_string_equal(v, "Digest realm=\"r\", nonce=\"n\"");
    assert_null(cs_http_response_header(&j.r[0], "X-Missing", v, sizeof v));
    assert_null(cs_http_response_header(&j.r[0], "WWW-Authenticate", v, 5));

    assert_int_equal(j.err[1], CS_OK);
    assert_string_equal((char *)j.r[1].body, "GET /bsf/x 0 - naf-1 s3cret");

    assert_int_equal(j.err[2], CS_OK);
    assert_int_equal(j.r[2].status, 413);

    assert_int_equal(j.err[3], CS_E_NOT_FOUND);
    for (int i = 0; i < 4; i++)
        cs_http_response_free(&j.r[i]);
    cs_http_server_close(srv);
    cs_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
