/*
 * server_issue.c - test helper: issue a PSK credential into a store, as
 * the bootstrap server does, so that the server's DTLS listener can be
 * tested without one.
 * usage: server_issue STORE IDENTITY HEXKEY ENDPOINT SERVER [revoke]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/io.h"
#include "cellstrap/store.h"

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: server_issue STORE IDENTITY HEXKEY ENDPOINT SERVER [revoke]\n");
        return 2;
    }
    cs_store *store;
    if (cs_store_open(argv[1], &store) != CS_OK)
        return 1;
    cs_err err;
    if (argc > 6 && strcmp(argv[6], "revoke") == 0) {
        err = cs_store_revoke_credentials(store, argv[4], argv[5], cs_clock_unix(), NULL);
    } else {
        cs_credential c;
        memset(&c, 0, sizeof c);
        c.identity_len = strlen(argv[2]);
        size_t hex = strlen(argv[3]);
        if (c.identity_len > sizeof c.identity || hex % 2 || hex / 2 > sizeof c.key)
            return 2;
        memcpy(c.identity, argv[2], c.identity_len);
        for (size_t i = 0; i < hex / 2; i++) {
            unsigned b;
            if (sscanf(argv[3] + 2 * i, "%2x", &b) != 1)
                return 2;
            c.key[i] = (uint8_t)b;
        }
        c.key_len = hex / 2;
        snprintf(c.endpoint, sizeof c.endpoint, "%s", argv[4]);
        snprintf(c.server, sizeof c.server, "%s", argv[5]);
        c.created = cs_clock_unix();
        err = cs_store_issue_credential(store, &c);
    }
    cs_store_close(store);
    if (err != CS_OK)
        fprintf(stderr, "server_issue: %s\n", cs_strerror(err));
    return err == CS_OK ? 0 : 1;
}
