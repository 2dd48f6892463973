// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "ini.h"
#include "macro.h"
#include "param.h"
#include "policy.h"

#define CONF_MAX_SIZE (64 * 1024)

int conf_init(DaemonConf *c)
{
	*c = (DaemonConf){
		.interval_usec = 60 * USEC_PER_SEC,
		.settle_usec = 200 * USEC_PER_MSEC,
		.alert_timeout_usec = 30 * USEC_PER_SEC,
		.log_target = LOG_TARGET_AUTO,
		.verify = true,
		.verify_interval_usec = 3600 * USEC_PER_SEC,
		.verify_timeout_usec = 20 * USEC_PER_SEC,
	};
	c->sysfs_root = strdup("/sys");
	return c->sysfs_root ? 0 : -ENOMEM;
}

void conf_done(DaemonConf *c)
{
	free(c->sysfs_root);
	free(c->policy);
	strv_free(c->policy_dropins);
	free(c->textfile);
	strv_free(c->alert_command);
	*c = (DaemonConf){ 0 };
}

int conf_parse_timespan(const char *s, uint64_t *ret_usec)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		{ "", USEC_PER_SEC },	      { "us", 1 },
		{ "ms", USEC_PER_MSEC },      { "s", USEC_PER_SEC },
		{ "sec", USEC_PER_SEC },      { "m", 60 * USEC_PER_SEC },
		{ "min", 60 * USEC_PER_SEC }, { "h", 3600 * USEC_PER_SEC },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	for (i = 0; i < ELEMENTSOF(units); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (v > UINT64_MAX / units[i].usec)
			return -ERANGE;
		*ret_usec = v * units[i].usec;
		return 0;
	}
	return -EINVAL;
}

const char *conf_format_timespan(char *buf, size_t size, uint64_t usec)
{
	if (usec % USEC_PER_SEC == 0)
		snprintf(buf, size, "%" PRIu64 "s", usec / USEC_PER_SEC);
	else if (usec % USEC_PER_MSEC == 0)
		snprintf(buf, size, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
	else
		snprintf(buf, size, "%" PRIu64 "us", usec);
	return buf;
}

static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	default:
		return c;
	}
}

int conf_split_command(const char *s, char ***ret_argv)
{
	char **argv = NULL;
	size_t n = 0;
	char *word = NULL;
	size_t len = 0;
	int r = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		word = malloc(strlen(s) + 1);
		if (!word) {
			r = -ENOMEM;
			goto fail;
		}
		len = 0;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'') {
				const char *q = strchr(s + 1, '\'');

				if (!q)
					goto fail;
				memcpy(word + len, s + 1, (size_t)(q - s - 1));
				len += (size_t)(q - s - 1);
				s = q + 1;
			} else if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\') {
						if (!*++s)
							goto fail;
						word[len++] = unescape(*s);
					} else {
						word[len++] = *s;
					}
				}
				if (*s != '"')
					goto fail;
				s++;
			} else if (*s == '\\') {
				if (!*++s)
					goto fail;
				word[len++] = unescape(*s++);
			} else {
				word[len++] = *s++;
			}
		}
		word[len] = '\0';
		/* strv_push() takes word, also when it fails. */
		r = strv_push(&argv, &n, TAKE_PTR(word));
		if (r < 0)
			goto fail;
	}
	if (n == 0)
		goto fail;
	*ret_argv = argv;
	return 0;
fail:
	free(word);
	strv_free(argv);
	return r == -ENOMEM ? r : -EINVAL;
}

static int set_error(char **ret_error, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_error(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return r;
}

/* An empty value resets: "Textfile=" turns the textfile off again. */
static int set_string(char **field, const char *value, const char *dflt)
{
	char *s = NULL;

	if (*value || dflt) {
		s = strdup(*value ? value : dflt);
		if (!s)
			return -ENOMEM;
	}
	free(*field);
	*field = s;
	return 0;
}

static int set_timespan(uint64_t *field, const char *key, const char *value, uint64_t dflt,
			bool zero_ok, char **ret_error)
{
	uint64_t v;

	if (!*value) {
		*field = dflt;
		return 0;
	}
	if (conf_parse_timespan(value, &v) < 0)
		return set_error(ret_error, -EINVAL,
				 "%s=%s is not a time span (e.g. 200ms, 60s, 5min)", key, value);
	if (v == 0 && !zero_ok)
		return set_error(ret_error, -EINVAL, "%s= must be greater than zero", key);
	*field = v;
	return 0;
}

/* yes/no, true/false, on/off, 1/0; empty: @dflt. */
static int set_bool(bool *field, const char *key, const char *value, bool dflt, char **ret_error)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (!*value) {
		*field = dflt;
		return 0;
	}
	for (i = 0; i < ELEMENTSOF(yes); i++) {
		if (!strcmp(value, yes[i])) {
			*field = true;
			return 0;
		}
		if (!strcmp(value, no[i])) {
			*field = false;
			return 0;
		}
	}
	return set_error(ret_error, -EINVAL, "%s=%s is not a boolean (yes or no)", key, value);
}

/* A word list (quotes as in conf_split_command()); empty: none. */
static int set_words(char ***field, const char *key, const char *value, bool command,
		     char **ret_error)
{
	char **v = NULL;
	int r;

	if (*value) {
		r = conf_split_command(value, &v);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return set_error(ret_error, r,
					 "%s=%s: unbalanced quote or trailing backslash", key,
					 value);
		if (command && v[0][0] != '/') {
			r = set_error(
				ret_error, -EINVAL,
				"%s= must start with an absolute path, not '%s' (it runs without a shell)",
				key, v[0]);
			strv_free(v);
			return r;
		}
	}
	strv_free(*field);
	*field = v;
	return 0;
}

int conf_set(DaemonConf *c, const char *key, const char *value, char **ret_error)
{
	if (strcmp(key, "SysfsRoot") == 0) {
		if (*value && *value != '/')
			return set_error(ret_error, -EINVAL, "SysfsRoot=%s is not an absolute path",
					 value);
		return set_string(&c->sysfs_root, value, "/sys");
	}
	if (strcmp(key, "Policy") == 0)
		return set_string(&c->policy, value, NULL);
	if (strcmp(key, "PolicyDropins") == 0)
		return set_words(&c->policy_dropins, key, value, false, ret_error);
	if (strcmp(key, "Textfile") == 0)
		return set_string(&c->textfile, value, NULL);
	if (strcmp(key, "Interval") == 0)
		return set_timespan(&c->interval_usec, key, value, 60 * USEC_PER_SEC, true,
				    ret_error);
	if (strcmp(key, "SettleDelay") == 0)
		return set_timespan(&c->settle_usec, key, value, 200 * USEC_PER_MSEC, true,
				    ret_error);
	if (strcmp(key, "AlertTimeout") == 0)
		return set_timespan(&c->alert_timeout_usec, key, value, 30 * USEC_PER_SEC, false,
				    ret_error);
	if (strcmp(key, "Verify") == 0)
		return set_bool(&c->verify, key, value, true, ret_error);
	if (strcmp(key, "VerifyInterval") == 0)
		return set_timespan(&c->verify_interval_usec, key, value, 3600 * USEC_PER_SEC, true,
				    ret_error);
	if (strcmp(key, "VerifyTimeout") == 0)
		return set_timespan(&c->verify_timeout_usec, key, value, 20 * USEC_PER_SEC, false,
				    ret_error);
	if (strcmp(key, "AlertCommand") == 0)
		return set_words(&c->alert_command, key, value, true, ret_error);
	if (strcmp(key, "LogTarget") == 0) {
		LogTarget t = LOG_TARGET_AUTO;

		if (*value && log_target_from_string(value, &t) < 0)
			return set_error(ret_error, -EINVAL,
					 "LogTarget=%s: expected auto, journal or stderr", value);
		c->log_target = t;
		return 0;
	}
	return set_error(ret_error, -EINVAL, "unknown key '%s'", key);
}

typedef struct ParseState {
	DaemonConf *conf;
	const char *filename;
	char *section;	 /* the last header's name; NULL before any */
	char *error;	 /* every error, with location, one a line */
	int r;		 /* the first error's code */
	bool bad_header; /* keys under a broken header: already reported */
} ParseState;

/* Record an error and go on: one run reports every error (kvmcfgd --check-config). */
static int parse_fail(ParseState *st, unsigned line, int r, const char *msg)
{
	char *e = NULL;

	if (r == -ENOMEM)
		return r;
	if (asprintf(&e, "%s%s%s:%u: %s", st->error ? st->error : "", st->error ? "\n" : "",
		     st->filename, line, msg) < 0)
		return -ENOMEM;
	free(st->error);
	st->error = e;
	if (!st->r)
		st->r = r;
	return 0;
}

static int on_section(void *userdata, const char *name, unsigned line)
{
	ParseState *st = userdata;

	(void)line;
	/* An unknown section is reported at its first key, as ever. */
	st->bad_header = false;
	free(st->section);
	st->section = strdup(name);
	return st->section ? 0 : -ENOMEM;
}

static int on_key(void *userdata, const char *name, const char *value, unsigned line)
{
	ParseState *st = userdata;
	_cleanup_free_ char *err = NULL;
	int r;

	if (st->bad_header)
		return 0;
	if (!st->section) {
		if (asprintf(&err, "'%s' is outside any section: start with [Daemon]", name) < 0)
			return -ENOMEM;
		return parse_fail(st, line, -EINVAL, err);
	}
	if (strcmp(st->section, "Daemon") != 0) {
		if (asprintf(&err, "unknown section [%s], expected [Daemon]", st->section) < 0)
			return -ENOMEM;
		return parse_fail(st, line, -EINVAL, err);
	}
	r = conf_set(st->conf, name, value, &err);
	if (r < 0)
		return parse_fail(st, line, r, err ? err : strerror(-r));
	return 0;
}

static int on_error(void *userdata, IniError e, unsigned line)
{
	ParseState *st = userdata;

	if (e == INI_ERROR_HEADER_UNCLOSED || e == INI_ERROR_HEADER_TRAILING)
		st->bad_header = true;
	/* The wording kvmcfgd.conf has always used for what is no INI at all. */
	if (e == INI_ERROR_NO_SEPARATOR || e == INI_ERROR_HEADER_UNCLOSED)
		return parse_fail(st, line, -EINVAL,
				  "syntax error (expected [Section] or Key=Value)");
	return parse_fail(st, line, -EINVAL, ini_error_to_string(e));
}

int conf_parse_text(DaemonConf *c, const char *text, const char *filename, char **ret_error)
{
	static const IniCallbacks callbacks = {
		.section = on_section,
		.key = on_key,
		.error = on_error,
	};
	ParseState st = { .conf = c, .filename = filename };
	int r;

	/* Every error is collected, one a line; the first one's code is returned. */
	r = ini_tokenize(text, strlen(text), &callbacks, &st);
	if (r == 0)
		r = st.r;
	free(st.section);
	if (r < 0 && st.error)
		*ret_error = st.error;
	else
		free(st.error);
	return r;
}

int conf_load_file(DaemonConf *c, const char *path, bool must_exist, char **ret_error)
{
	_cleanup_free_ char *text = NULL;
	struct stat st;
	char why[PATH_MAX + 96];
	size_t len = 0;
	int fd, r;
	FILE *f;

	/* Non-blocking: a FIFO in its place must not hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT && !must_exist)
			return 0;
		return set_error(ret_error, r, "%s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return set_error(ret_error, r, "%s: %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return set_error(ret_error, -EBADFD, "%s: not a regular file", path);
	}
	/* It names the AlertCommand= that runs as root: same rules as the policy. */
	if (kvmcfg_check_trusted(&st, why, sizeof(why)) < 0 ||
	    kvmcfg_check_trusted_path(path, st.st_uid, why, sizeof(why)) < 0) {
		close(fd);
		return set_error(ret_error, -EPERM, "%s: refusing insecure configuration file: %s",
				 path, why);
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	text = malloc(CONF_MAX_SIZE + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(text, 1, CONF_MAX_SIZE + 1, f);
	if (ferror(f)) {
		fclose(f);
		return set_error(ret_error, -EIO, "%s: read error", path);
	}
	fclose(f);
	if (len > CONF_MAX_SIZE)
		return set_error(ret_error, -EFBIG, "%s: larger than %d bytes", path,
				 CONF_MAX_SIZE);
	if (memchr(text, '\0', len))
		return set_error(ret_error, -EBADMSG, "%s: contains a NUL byte", path);
	text[len] = '\0';
	return conf_parse_text(c, text, path, ret_error);
}
