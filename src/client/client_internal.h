/*
 * client_internal.h - pieces of the client engine shared between its files:
 * the object data store (a sorted record list with one marker record per
 * object instance) and the state file.
 */
#ifndef CELLSTRAP_CLIENT_INTERNAL_H
#define CELLSTRAP_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cellstrap/codec.h"
#include "cellstrap/model.h"

/* ---- Object data (data.c) ------------------------------------------------
 * All object data lives in one cs_records, sorted by path.  An instance is
 * present when its marker record (path /o/i, value NONE) is; resources are
 * ordinary records under it.  Changes rebuild the list, which keeps every
 * update all-or-nothing: on error the old list is untouched. */

/* True when /oid/iid exists. */
bool cs_db_has_instance(const cs_records *db, uint16_t oid, uint16_t iid);

/* The value at a resource or resource instance path, or NULL. */
const cs_value *cs_db_find(const cs_records *db, const cs_path *path);

/* True when some record lies under `path` (or is it). */
bool cs_db_has_under(const cs_records *db, const cs_path *path);

/*
 * Replace the data: drop every record under one of `remove[0..nremove)`,
 * then add the records of `add` (a later record wins over an earlier one
 * with the same path) with markers for their instances.  Returns CS_OK or
 * CS_E_NOMEM / CS_E_TOO_LARGE, and then `db` is unchanged.
 */
cs_err cs_db_update(cs_records *db, const cs_path *remove, size_t nremove,
                    const cs_records *add);

/* Copy to `out` the non-marker records under `path`. */
cs_err cs_db_collect(const cs_records *db, const cs_path *path,
                     cs_records *out);

/* Zero the opaque values (keys) of a list; free it after zeroing. */
void cs_db_wipe(cs_records *rs);
void cs_db_free(cs_records *rs);

/* Copy the whole list (markers included) to `out` (emptied first). */
cs_err cs_db_copy(const cs_records *db, cs_records *out);

/* The instance IDs of `oid`, ascending, up to `cap`; returns the count. */
size_t cs_db_instances(const cs_records *db, uint16_t oid, uint16_t *ids,
                       size_t cap);

/* ---- State file (persist.c) ---------------------------------------------
 * Layout: "CSCLSTAT" | u32 version (1) | u32 payload length | payload
 * (LwM2M CBOR of the records of objects 0, 1 and 2 at the root) | SHA-256
 * of everything before it.  Written atomically: temp file in the same
 * directory, fsync, rename, fsync of the directory. */

#define CS_STATE_MAGIC "CSCLSTAT"
#define CS_STATE_VERSION 1u

/* The write(2) used for the temp file; tests replace it to fail. */
typedef ssize_t (*cs_state_write_fn)(int fd, const void *buf, size_t len);

/* Save the records of objects 0, 1, 2 of `db`.  `write_fn` NULL =
 * write(2).  CS_E_INTERNAL on an I/O error (the old file is intact). */
cs_err cs_state_save(const char *path, const cs_records *db,
                     cs_state_write_fn write_fn);

/* Load into `out` (emptied first; instances get markers).  CS_E_NOT_FOUND
 * when there is no file; CS_E_SYNTAX (bad magic, checksum, length),
 * CS_E_UNSUPPORTED_FORMAT (version) or a decoder error otherwise, with
 * `out` empty. */
cs_err cs_state_load(const char *path, cs_records *out);

#endif
