/*
 * persist.c - the client's state file: what bootstrap wrote (objects 0, 1
 * and 2) survives a restart.  The file is replaced atomically (temp file in
 * the same directory, fsync, rename, fsync of the directory) and carries a
 * magic, a version and a SHA-256 over its content, so that a torn, corrupt
 * or foreign file is recognised and ignored rather than half applied.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cellstrap/log.h"
#include "client_internal.h"
#include "crypto/crypto.h"

#define HEADER_LEN 16u                 /* magic 8, version 4, length 4 */
#define STATE_MAX (256u * 1024u)

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* The persisted part of the data: resources of objects 0, 1, 2. */
static cs_err persisted_records(const cs_records *db, cs_records *out)
{
    for (uint16_t oid = 0; oid <= 2; oid++) {
        cs_path p = cs_path_object(oid);
        cs_err err = cs_db_collect(db, &p, out);
        if (err != CS_OK)
            return err;
    }
    return CS_OK;
}

static cs_err build_file(const cs_records *db, cs_buf *file)
{
    cs_records rs;
    cs_buf payload;
    cs_records_init(&rs);
    cs_buf_init(&payload, STATE_MAX);
    cs_path root = cs_path_root();
    uint8_t header[HEADER_LEN];
    cs_err err = persisted_records(db, &rs);
    if (err == CS_OK && rs.count > 0)
        err = cs_encode(CS_FORMAT_LWM2M_CBOR, &root, &rs,
                        cs_registry_standard(), &payload);
    if (err == CS_OK) {
        memcpy(header, CS_STATE_MAGIC, 8);
        put_u32(header + 8, CS_STATE_VERSION);
        put_u32(header + 12, (uint32_t)payload.len);
        err = cs_buf_append(file, header, sizeof header);
    }
    if (err == CS_OK && payload.len > 0)
        err = cs_buf_append(file, payload.data, payload.len);
    if (err == CS_OK) {
        uint8_t digest[CS_SHA256_LEN];
        cs_sha256(file->data, file->len, digest);
        err = cs_buf_append(file, digest, sizeof digest);
    }
    if (payload.data != NULL)
        cs_secure_zero(payload.data, payload.len);
    cs_buf_free(&payload);
    cs_db_free(&rs);
    return err;
}

static bool write_all(int fd, const uint8_t *data, size_t len,
                      cs_state_write_fn write_fn)
{
    while (len > 0) {
        ssize_t n = write_fn(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* fsync the directory holding `path`, so the rename itself is durable. */
static void sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

cs_err cs_state_save(const char *path, const cs_records *db,
                     cs_state_write_fn write_fn)
{
    if (write_fn == NULL)
        write_fn = write;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return CS_E_INVALID_ARG;
    cs_buf file;
    cs_buf_init(&file, STATE_MAX + 64);
    cs_err err = build_file(db, &file);
    if (err != CS_OK) {
        cs_buf_free(&file);
        return err;
    }
    /* 0600: the file holds PSKs. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write_all(fd, file.data, file.len, write_fn) &&
              fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    cs_secure_zero(file.data, file.len);
    cs_buf_free(&file);
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        cs_log(CS_LOG_WARN, "client: cannot save state to %s: %s", path,
               strerror(errno));
        (void)unlink(tmp);
        return CS_E_INTERNAL;
    }
    sync_dir(path);
    return CS_OK;
}

static cs_err read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? CS_E_NOT_FOUND : CS_E_INTERNAL;
    uint8_t *buf = malloc(STATE_MAX + 64);
    if (buf == NULL) {
        fclose(f);
        return CS_E_NOMEM;
    }
    size_t n = fread(buf, 1, STATE_MAX + 64, f);
    bool too_long = n == STATE_MAX + 64;
    bool error = ferror(f) != 0;
    fclose(f);
    if (too_long || error) {
        free(buf);
        return too_long ? CS_E_TOO_LARGE : CS_E_INTERNAL;
    }
    *data = buf;
    *len = n;
    return CS_OK;
}

static cs_err parse_file(const uint8_t *data, size_t len, cs_records *out)
{
    if (len < HEADER_LEN + CS_SHA256_LEN ||
        memcmp(data, CS_STATE_MAGIC, 8) != 0)
        return CS_E_SYNTAX;
    uint32_t payload_len = get_u32(data + 12);
    if ((size_t)payload_len != len - HEADER_LEN - CS_SHA256_LEN)
        return CS_E_TRUNCATED;
    uint8_t digest[CS_SHA256_LEN];
    cs_sha256(data, len - CS_SHA256_LEN, digest);
    if (!cs_ct_equal(digest, data + len - CS_SHA256_LEN, CS_SHA256_LEN))
        return CS_E_SYNTAX;
    if (get_u32(data + 8) != CS_STATE_VERSION)
        return CS_E_UNSUPPORTED_FORMAT;
    cs_records rs;
    cs_records_init(&rs);
    cs_path root = cs_path_root();
    cs_err err = CS_OK;
    if (payload_len > 0)
        err = cs_decode(CS_FORMAT_LWM2M_CBOR, &root, data + HEADER_LEN,
                        payload_len, cs_registry_standard(), &rs);
    for (size_t i = 0; err == CS_OK && i < rs.count; i++)
        if (rs.items[i].path.len < 2 || rs.items[i].path.ids[0] > 2)
            err = CS_E_PATH;     /* only objects 0, 1, 2 are persisted */
    if (err == CS_OK)
        err = cs_db_update(out, NULL, 0, &rs);
    cs_db_free(&rs);
    return err;
}

cs_err cs_state_load(const char *path, cs_records *out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    cs_db_wipe(out);
    cs_records_clear(out);
    cs_err err = read_file(path, &data, &len);
    if (err != CS_OK)
        return err;
    err = parse_file(data, len, out);
    cs_secure_zero(data, len);
    free(data);
    if (err != CS_OK) {
        cs_db_wipe(out);
        cs_records_clear(out);
    }
    return err;
}
