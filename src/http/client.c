/*
 * client.c - a blocking HTTP client on libcurl, for the few exchanges that
 * need one (GBA Ub on the device, Zn from the bootstrap server).  Bounded:
 * a response body or header block past the limits of cellstrap/http.h
 * aborts the transfer with CS_E_TOO_LARGE.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cellstrap/http.h"

struct growing {
    uint8_t *data;
    size_t len, max;
    bool overflow;
};

static size_t collect(char *ptr, size_t size, size_t n, void *ctx)
{
    struct growing *g = ctx;
    size_t add = size * n;
    if (g->len + add > g->max) {
        g->overflow = true;
        return 0;                 /* makes curl stop with a write error */
    }
    uint8_t *p = realloc(g->data, g->len + add + 1);
    if (p == NULL)
        return 0;
    memcpy(p + g->len, ptr, add);
    g->data = p;
    g->len += add;
    g->data[g->len] = '\0';
    return add;
}

static bool curl_ready(void)
{
    static bool done, ok;
    if (!done) {
        ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
        done = true;
    }
    return ok;
}

cs_err cs_http_request(const char *method, const char *url,
                       const char *const *headers, const void *body,
                       size_t body_len, unsigned timeout_ms,
                       cs_http_response *out)
{
    memset(out, 0, sizeof *out);
    if (method == NULL || url == NULL || !curl_ready())
        return CS_E_INVALID_ARG;
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return CS_E_NOMEM;
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        list = curl_slist_append(list, headers[i]);
    /* Expect: 100-continue would cost a round trip for nothing here. */
    list = curl_slist_append(list, "Expect:");
    struct growing hdr = { NULL, 0, CS_HTTP_HEADERS_MAX, false };
    struct growing bod = { NULL, 0, CS_HTTP_BODY_MAX, false };
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &bod);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hdr);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    cs_err err = CS_OK;
    if (hdr.overflow || bod.overflow)
        err = CS_E_TOO_LARGE;
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        err = CS_E_TIMEOUT;
    else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
        err = CS_E_NOT_FOUND;
    else if (rc != CURLE_OK)
        err = CS_E_INTERNAL;
    if (err != CS_OK) {
        free(hdr.data);
        free(bod.data);
        return err;
    }
    out->status = status;
    out->headers = hdr.data ? (char *)hdr.data : calloc(1, 1);
    out->headers_len = hdr.len;
    out->body = bod.data ? bod.data : calloc(1, 1);
    out->body_len = bod.len;
    if (out->headers == NULL || out->body == NULL) {
        cs_http_response_free(out);
        return CS_E_NOMEM;
    }
    return CS_OK;
}

const char *cs_http_response_header(const cs_http_response *r, const char *name,
                                    char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *line = r->headers;
    while (line != NULL && *line != '\0') {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
            const char *v = line + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vlen = (size_t)(line + len - v);
            if (vlen >= cap)
                return NULL;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return out;
        }
        line = end ? end + 2 : NULL;
    }
    return NULL;
}

void cs_http_response_free(cs_http_response *r)
{
    if (r == NULL)
        return;
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}
