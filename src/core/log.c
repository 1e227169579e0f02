/*
 * log.c - leveled log lines on stderr: "<UTC time> <program> <level>:
 * message".  Writing one line with one fprintf keeps lines whole when
 * several processes share a terminal.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cellstrap/log.h"

static enum cs_log_level current = CS_LOG_INFO;
static const char *program = "cellstrap";

void cs_log_set_level(enum cs_log_level level)
{
    current = level;
}

enum cs_log_level cs_log_get_level(void)
{
    return current;
}

void cs_log_set_program(const char *name)
{
    program = name ? name : "cellstrap";
}

static const char *const names[] = { "error", "warn", "info", "debug" };

bool cs_log_parse_level(const char *text, enum cs_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0 ||
            (text[0] == (char)('0' + i) && text[1] == '\0')) {
            *out = (enum cs_log_level)i;
            return true;
        }
    }
    return false;
}

void cs_log(enum cs_log_level level, const char *fmt, ...)
{
    if (level > current)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, program,
            names[level <= CS_LOG_DEBUG ? level : CS_LOG_DEBUG], msg);
}
