/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmcfgd's one way out for log lines and alerts: structured journal entries
 * (MESSAGE_ID plus fields), or, when the journal socket is missing (containers,
 * tests, early boot), one stderr line per entry carrying the same fields as
 * KEY=value pairs, so nothing is lost and tests can assert on it.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

typedef enum LogTarget {
	LOG_TARGET_AUTO,    /* journal, else stderr */
	LOG_TARGET_JOURNAL, /* journal only (an entry is dropped if it is down) */
	LOG_TARGET_STDERR,
	_LOG_TARGET_MAX,
} LogTarget;

int log_target_from_string(const char *s, LogTarget *ret);
const char *log_target_to_string(LogTarget t);
void log_set_target(LogTarget t);
void log_set_max_level(int priority);

/*
 * Log one entry. @fields is NULL or a NULL-terminated list of "KEY=value"
 * strings; @message_id is NULL or 32 hex digits. Returns 0, or -errno when the
 * entry could go nowhere.
 */
int log_struct(int priority, const char *message_id, const char *const *fields, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/* Log with errno set from @error (negative), return @error: "return log_errno(LOG_ERR, r, "...: %m")". */
int log_errno(int priority, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...)	 log_struct(LOG_DEBUG, NULL, NULL, __VA_ARGS__)
#define log_info(...)	 log_struct(LOG_INFO, NULL, NULL, __VA_ARGS__)
#define log_notice(...)	 log_struct(LOG_NOTICE, NULL, NULL, __VA_ARGS__)
#define log_warning(...) log_struct(LOG_WARNING, NULL, NULL, __VA_ARGS__)
#define log_error(...)	 log_struct(LOG_ERR, NULL, NULL, __VA_ARGS__)

/*
 * Write " KEY=value" with the value quoted ("...", C escapes) when it is empty
 * or holds spaces, quotes, backslashes, '=' or control bytes. Pure formatting.
 */
void log_write_field(FILE *f, const char *key, const char *value);

/*
 * Write @s through the one output filter (text-filter.h, one-line mode):
 * newlines, tabs and other control bytes as C escapes (\n, \t, \x01), C1
 * controls as \u0080..\u009f, bytes that are not UTF-8 as U+FFFD, and with
 * '"' and '\\' escaped too when @quote_chars. For text that
 * ends up in a line-based channel (stderr log lines, sd_notify STATUS=) and
 * may carry param values: a newline there would forge a line of its own.
 */
void log_write_escaped(FILE *f, const char *s, bool quote_chars);
