/*
 * fuzz_client_state.c - libFuzzer target for the client's state file
 * parser (persist.c): a corrupt, truncated or foreign file must be refused
 * cleanly (error, empty result), never half applied.
 *
 * Input: [mode][file...].  Mode bit 0 clear: the file as given.  Set: the
 * harness rewrites the length field and the SHA-256 trailer to match the
 * rest, so that the fuzzer reaches the LwM2M CBOR payload and the object
 * data behind the checksum (input: header (16 bytes) and payload).
 * A file that loads must load the same through cs_client_new, save, and
 * load again to as many records; one that does not must leave nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cellstrap/log.h"
#include "cellstrap/client.h"
#include "client/client_internal.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER_LEN 16u

static char path[64], saved[80];

static void write_file(const char *name, const uint8_t *d, size_t len)
{
    FILE *f = fopen(name, "wb");
    if (f == NULL || (len > 0 && fwrite(d, 1, len, f) != len) ||
        fclose(f) != 0)
        abort();
}

/* Header and payload in, a whole file with length and digest out. */
static uint8_t *seal(const uint8_t *d, size_t len, size_t *out_len)
{
    if (len < HEADER_LEN)
        return NULL;
    uint8_t *f = malloc(len + CS_SHA256_LEN);
    if (f == NULL)
        abort();
    memcpy(f, d, len);
    uint32_t payload = (uint32_t)(len - HEADER_LEN);
    f[12] = (uint8_t)(payload >> 24);
    f[13] = (uint8_t)(payload >> 16);
    f[14] = (uint8_t)(payload >> 8);
    f[15] = (uint8_t)payload;
    cs_sha256(f, len, f + len);
    *out_len = len + CS_SHA256_LEN;
    return f;
}

static cs_err no_channel(void *io, const char *uri, int mode,
                         const uint8_t *identity, size_t identity_len,
                         const uint8_t *key, size_t key_len,
                         cs_coap_endpoint **ep, cs_addr *peer)
{
    (void)io, (void)uri, (void)mode, (void)identity, (void)identity_len;
    (void)key, (void)key_len, (void)ep, (void)peer;
    return CS_E_INTERNAL;
}

static void no_close(void *io, cs_coap_endpoint *ep)
{
    (void)io, (void)ep;
}

/* The engine takes the state it loads, and starts from it. */
static void through_engine(void)
{
    cs_client_config cfg = {
        .endpoint = "fz-dev",
        .bootstrap_uri = "coap://127.0.0.1:5683",
        .state_path = path,
        .open_channel = no_channel,
        .close_channel = no_close,
    };
    cs_client *c = cs_client_new(&cfg);
    if (c == NULL)
        abort();
    cs_client_start(c, 0);
    cs_client_tick(c, 1000000);
    cs_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (path[0] == '\0') {
        cs_log_set_level(CS_LOG_ERROR);
        snprintf(path, sizeof path, "/tmp/fuzz_client_state.%ld",
                 (long)getpid());
        snprintf(saved, sizeof saved, "%s.saved", path);
    }
    if (size < 1)
        return 0;
    uint8_t *sealed = NULL;
    size_t len = size - 1;
    const uint8_t *file = data + 1;
    if (data[0] & 1) {
        sealed = seal(data + 1, size - 1, &len);
        if (sealed == NULL)
            return 0;
        file = sealed;
    }
    write_file(path, file, len);
    free(sealed);

    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_state_load(path, &rs);
    if (err != CS_OK) {
        if (rs.count != 0)
            abort();                  /* refused, yet something was kept */
    } else {
        if (cs_state_save(saved, &rs, NULL) == CS_OK) {
            cs_records again;
            cs_records_init(&again);
            if (cs_state_load(saved, &again) != CS_OK ||
                again.count != rs.count)
                abort();
            cs_db_free(&again);
            unlink(saved);
        }
    }
    through_engine();
    cs_db_free(&rs);
    unlink(path);
    return 0;
}
