/*
 * cellstrap/log.h - one logging call for every program: levels, a line
 * per message on stderr with time and level.  Secrets (keys, PSKs) are
 * never passed to it; identities may be, keys never.
 */
#ifndef CELLSTRAP_LOG_H
#define CELLSTRAP_LOG_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cs_log_level {
    CS_LOG_ERROR = 0,
    CS_LOG_WARN = 1,
    CS_LOG_INFO = 2,
    CS_LOG_DEBUG = 3
};

/* Messages above `level` are dropped.  Default CS_LOG_INFO. */
void cs_log_set_level(enum cs_log_level level);
enum cs_log_level cs_log_get_level(void);

/* "error", "warn", "info", "debug" (or 0..3) to a level; false if unknown. */
bool cs_log_parse_level(const char *text, enum cs_log_level *out);

/* Prefix every line with `name` (e.g. "cellstrap-bs"); borrowed. */
void cs_log_set_program(const char *name);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cs_log(enum cs_log_level level, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif
