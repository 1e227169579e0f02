/*
 * bs_internal.h - what the bootstrap server engine's files share: the
 * parsed form of one bootstrap configuration (config.c parses it, bs.c
 * turns it into a plan of Deletes and Writes).
 */
#ifndef CELLSTRAP_BS_INTERNAL_H
#define CELLSTRAP_BS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/model.h"
#include "cellstrap/store.h"

#define BS_MAX_SERVERS 8
#define BS_MAX_DELETES 8
#define BS_GENERATED_KEY_DEFAULT 16
#define BS_MAX_WRITES 32
#define BS_WRITE_BYTES_MAX 255

enum bs_security { BS_SEC_PSK = 0, BS_SEC_NOSEC = 3 };

/* One LwM2M server account to write (a /0 and a /1 instance). */
struct bs_server {
    char name[CS_STORE_SERVER_MAX];
    char uri[256];
    enum bs_security security;
    bool generate;                      /* fresh PSK per bootstrap */
    size_t generate_key_len;            /* 16..32 */
    uint8_t identity[CS_STORE_IDENTITY_MAX];
    size_t identity_len;
    uint8_t key[CS_STORE_KEY_MAX];
    size_t key_len;
    uint16_t ssid;
    int64_t lifetime;
    char binding[8];
    int64_t pmin, pmax;                 /* -1: not written */
};

/* One further resource value to write (objects other than 0, 1 and 3).
 * Kept as bytes and scalars, not as a cs_value, so the structure can be
 * copied; see bs_write_value. */
struct bs_write {
    cs_path path;                       /* a resource or resource instance */
    cs_type type;
    int64_t i;                          /* INTEGER, TIME */
    uint64_t u;                         /* UNSIGNED */
    double f;                           /* FLOAT */
    bool b;                             /* BOOLEAN */
    cs_objlnk lnk;                      /* OBJLNK */
    uint8_t data[BS_WRITE_BYTES_MAX];   /* STRING, OPAQUE */
    size_t len;
};

/* One endpoint's (or the "*" default's) configuration. */
struct bs_config {
    struct bs_server servers[BS_MAX_SERVERS];
    size_t server_count;
    cs_path deletes[BS_MAX_DELETES];
    size_t delete_count;
    bool has_bootstrap_psk;
    uint8_t bs_identity[CS_STORE_IDENTITY_MAX];
    size_t bs_identity_len;
    uint8_t bs_key[CS_STORE_KEY_MAX];
    size_t bs_key_len;
    bool allow_nosec_bootstrap;
    struct bs_write writes[BS_MAX_WRITES];   /* sorted by path */
    size_t write_count;
};

/* The value of a further write (borrows w's bytes). */
cs_value bs_write_value(const struct bs_write *w);

/* Parse one configuration object (text).  CS_OK or CS_E_SYNTAX with a
 * message in err.  Wipe with bs_config_wipe after use (it holds keys). */
cs_err bs_config_parse(const char *json, struct bs_config *out, char *err,
                       size_t err_cap);
void bs_config_wipe(struct bs_config *cfg);

#endif
