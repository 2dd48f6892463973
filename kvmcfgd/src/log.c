// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "utf8.h"
#include "macro.h"
#include "memstream.h"
#include "text-filter.h"

#define LOG_FIELDS_MAX 32
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static LogTarget log_target = LOG_TARGET_AUTO;
static int log_max_level = LOG_INFO;

static const char *const log_target_names[_LOG_TARGET_MAX] = {
	[LOG_TARGET_AUTO] = "auto",
	[LOG_TARGET_JOURNAL] = "journal",
	[LOG_TARGET_STDERR] = "stderr",
};

int log_target_from_string(const char *s, LogTarget *ret)
{
	int i;

	for (i = 0; i < _LOG_TARGET_MAX; i++)
		if (strcmp(s, log_target_names[i]) == 0) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

const char *log_target_to_string(LogTarget t)
{
	return t < _LOG_TARGET_MAX ? log_target_names[t] : NULL;
}

void log_set_target(LogTarget t)
{
	log_target = t;
}

void log_set_max_level(int priority)
{
	log_max_level = priority;
}

static bool needs_quotes(const char *v)
{
	const unsigned char *p;

	if (!*v)
		return true;
	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '=' || *p == 0x7f)
			return true;
	return false;
}

void log_write_escaped(FILE *f, const char *s, bool quote_chars)
{
	kvmcfg_text_filter(f, s, strlen(s),
			   KVMCFG_TEXT_ONE_LINE | (quote_chars ? KVMCFG_TEXT_QUOTE : 0));
}

void log_write_field(FILE *f, const char *key, const char *value)
{
	fprintf(f, " %s=", key);
	if (!needs_quotes(value)) {
		/* Unquoted still passes the filter: C1 controls and non-UTF-8 bytes. */
		log_write_escaped(f, value, true);
		return;
	}
	fputc('"', f);
	log_write_escaped(f, value, true);
	fputc('"', f);
}

static int send_journal(int priority, const char *message_id, const char *const *fields,
			const char *message)
{
	struct iovec iov[LOG_FIELDS_MAX + 4];
	_cleanup_free_ char *m = NULL, *p = NULL, *id = NULL;
	size_t n = 0;

	if (asprintf(&m, "MESSAGE=%s", message) < 0 || asprintf(&p, "PRIORITY=%d", priority) < 0)
		return -ENOMEM;
	iov[n++] = (struct iovec){ m, strlen(m) };
	iov[n++] = (struct iovec){ p, strlen(p) };
	iov[n++] = (struct iovec){ (char *)"SYSLOG_IDENTIFIER=kvmcfgd", 25 };
	if (message_id) {
		if (asprintf(&id, "MESSAGE_ID=%s", message_id) < 0)
			return -ENOMEM;
		iov[n++] = (struct iovec){ id, strlen(id) };
	}
	for (; fields && *fields && n < ELEMENTSOF(iov); fields++)
		iov[n++] = (struct iovec){ (char *)*fields, strlen(*fields) };
	return sd_journal_sendv(iov, (int)n);
}

static int send_stderr(int priority, const char *message_id, const char *const *fields,
		       const char *message)
{
	_cleanup_free_ char *line = NULL;
	size_t len = 0;
	FILE *f;

	/* Build the line first, then write it once, so lines never interleave. */
	f = kvmcfg_memstream_open(&line, &len);
	if (!f)
		return -errno;
	/* Under systemd (stderr to the journal stream) the prefix sets the priority. */
	if (getenv("JOURNAL_STREAM"))
		fprintf(f, "<%d>", priority);
	/* Messages quote param values: one entry must stay one line. */
	log_write_escaped(f, message, false);
	if (message_id)
		log_write_field(f, "MESSAGE_ID", message_id);
	for (; fields && *fields; fields++) {
		const char *eq = strchr(*fields, '=');
		_cleanup_free_ char *key = NULL;

		if (!eq)
			continue;
		key = strndup(*fields, (size_t)(eq - *fields));
		if (!key) {
			/* An alert without its fields is not an alert: fail it whole. */
			fclose(f);
			return -ENOMEM;
		}
		log_write_field(f, key, eq + 1);
	}
	fputc('\n', f);
	if (fclose(f) != 0)
		return -ENOMEM;
	if (fputs(line, stderr) < 0 || fflush(stderr) != 0)
		return -EIO;
	return 0;
}

/* The format attribute lets clang's -Wformat-nonliteral see callers' formats. */
__attribute__((format(printf, 4, 0))) static int log_vstruct(int priority, const char *message_id,
							     const char *const *fields,
							     const char *fmt, va_list ap)
{
	_cleanup_free_ char *message = NULL;
	int r = -ENOENT;

	if (priority > log_max_level)
		return 0;
	if (vasprintf(&message, fmt, ap) < 0)
		return -ENOMEM;
	/*
	 * sd_journal_send() reports success when the socket does not exist
	 * (it "fails silently"), so look for it ourselves: an entry must go
	 * somewhere. Checked per entry, so a journald started later is used.
	 */
	if (log_target == LOG_TARGET_JOURNAL ||
	    (log_target == LOG_TARGET_AUTO && access(JOURNAL_SOCKET, F_OK) == 0)) {
		r = send_journal(priority, message_id, fields, message);
		if (r >= 0 || log_target == LOG_TARGET_JOURNAL)
			return r;
	}
	return send_stderr(priority, message_id, fields, message);
}

int log_struct(int priority, const char *message_id, const char *const *fields, const char *fmt,
	       ...)
{
	int saved = errno, r;
	va_list ap;

	va_start(ap, fmt);
	r = log_vstruct(priority, message_id, fields, fmt, ap);
	va_end(ap);
	errno = saved;
	return r;
}

int log_errno(int priority, int error, const char *fmt, ...)
{
	va_list ap;

	errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	(void)log_vstruct(priority, NULL, NULL, fmt, ap);
	va_end(ap);
	return error;
}
