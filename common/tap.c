// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "tap.h"

/* kselftest.h's exit codes, repeated so this file needs no kernel tree. */
enum { KSFT_PASS_ = 0, KSFT_FAIL_ = 1, KSFT_XFAIL_ = 2, KSFT_XPASS_ = 3, KSFT_SKIP_ = 4 };

static const char *directive(const char *line)
{
	const char *hash = strchr(line, '#');

	if (!hash)
		return NULL;
	hash++;
	while (*hash == ' ' || *hash == '\t')
		hash++;
	return hash;
}

enum tap_line tap_classify(const char *line)
{
	const char *d;

	if (!strncmp(line, "Bail out!", 9))
		return TAP_LINE_BAIL;
	if (!strncmp(line, "1..", 3) && line[3] >= '0' && line[3] <= '9')
		return TAP_LINE_PLAN;
	if (!strncmp(line, "ok", 2) && (line[2] == ' ' || line[2] == '\n' || !line[2])) {
		d = directive(line);
		if (d && !strncasecmp(d, "skip", 4))
			return TAP_LINE_SKIP;
		if (d && !strncasecmp(d, "xfail", 5))
			return TAP_LINE_XFAIL;
		return TAP_LINE_OK;
	}
	if (!strncmp(line, "not ok", 6) && (line[6] == ' ' || line[6] == '\n' || !line[6])) {
		d = directive(line);
		if (d && !strncasecmp(d, "todo", 4))
			return TAP_LINE_XFAIL;
		if (d && !strncasecmp(d, "skip", 4))
			return TAP_LINE_SKIP;
		return TAP_LINE_NOT_OK;
	}
	return TAP_LINE_OTHER;
}

static size_t trimmed_len(const char *s, size_t len)
{
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

int tap_result_parse(const char *line, struct tap_result *ret)
{
	enum tap_line kind = tap_classify(line);
	struct tap_result r = { .kind = kind, .number = -1, .reason = "" };
	const char *p, *hash, *d;
	char *end;

	if (kind != TAP_LINE_OK && kind != TAP_LINE_NOT_OK && kind != TAP_LINE_SKIP &&
	    kind != TAP_LINE_XFAIL)
		return -EINVAL;

	p = line + (line[0] == 'n' ? 6 : 2);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		r.number = strtol(p, &end, 10);
		p = end;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '-' && (p[1] == ' ' || p[1] == '\t'))
		p += 2;
	while (*p == ' ' || *p == '\t')
		p++;

	hash = strchr(p, '#');
	r.desc = p;
	r.desc_len = trimmed_len(p, hash ? (size_t)(hash - p) : strlen(p));

	d = directive(line);
	if (d && kind != TAP_LINE_OK && kind != TAP_LINE_NOT_OK) {
		/* Skip the directive word (SKIP, TODO, XFAIL) and what follows it. */
		while (*d && !isspace((unsigned char)*d))
			d++;
		while (*d == ' ' || *d == '\t')
			d++;
		r.reason = d;
		r.reason_len = trimmed_len(d, strlen(d));
	}
	*ret = r;
	return 0;
}

enum tap_line tap_summary_feed(struct tap_summary *sum, const char *line)
{
	enum tap_line kind = tap_classify(line);
	struct tap_result r;
	const char *d;
	long n;

	/* Numbers are optional in TAP; a given one must be the next in turn. */
	if (tap_result_parse(line, &r) == 0 && r.number >= 0 && r.number != (long)sum->tests + 1)
		sum->misnumbered++;

	switch (kind) {
	case TAP_LINE_PLAN:
		/*
		 * Not sscanf("%d"): an out-of-range number is undefined there, and
		 * "1..4294967295" read as -1 used to skip the plan check. A plan
		 * too large for an int is malformed (-1), which check_stream() fails.
		 */
		errno = 0;
		n = strtol(line + 3, NULL, 10);
		sum->plan = errno == ERANGE || n > INT_MAX ? -1 : (int)n;
		d = directive(line);
		if (sum->plan == 0 && d && !strncasecmp(d, "skip", 4))
			sum->skip_all = true;
		break;
	case TAP_LINE_OK:
		sum->tests++;
		sum->passed++;
		break;
	case TAP_LINE_NOT_OK:
		sum->tests++;
		sum->failed++;
		break;
	case TAP_LINE_SKIP:
		sum->tests++;
		sum->skipped++;
		break;
	case TAP_LINE_XFAIL:
		sum->tests++;
		sum->xfailed++;
		break;
	case TAP_LINE_BAIL:
		sum->bailed = true;
		break;
	case TAP_LINE_OTHER:
		break;
	}
	return kind;
}

/* A stream that claims success must be self-consistent. */
static void check_stream(const struct tap_summary *sum, char *why, size_t len)
{
	if (sum->plan < 0)
		snprintf(why, len, "malformed TAP: the plan's test count is out of range");
	else if (sum->plan > 0 && (unsigned int)sum->plan != sum->tests)
		snprintf(why, len, "malformed TAP: planned %d test(s) but reported %u", sum->plan,
			 sum->tests);
	else if (sum->misnumbered)
		snprintf(why, len, "malformed TAP: %u result(s) numbered out of sequence",
			 sum->misnumbered);
}

void tap_explain_exit(const struct tap_summary *sum, int status, char *why, size_t len)
{
	why[0] = '\0';
	if (WIFSIGNALED(status)) {
		snprintf(why, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		return;
	}
	if (!WIFEXITED(status)) {
		snprintf(why, len, "ended with wait status 0x%x", status);
		return;
	}
	switch (WEXITSTATUS(status)) {
	case KSFT_PASS_:
		if (sum->tests == 0 && !sum->skip_all)
			snprintf(why, len, "exited 0 without reporting any test");
		else if (sum->failed)
			snprintf(why, len, "reported %u failure(s) but exited 0", sum->failed);
		else
			check_stream(sum, why, len);
		return;
	case KSFT_FAIL_:
		if (!sum->failed && !sum->bailed)
			snprintf(why, len, "exited 1 (KSFT_FAIL) before reporting a failed test");
		return;
	case KSFT_XFAIL_:
		check_stream(sum, why, len);
		return;
	case KSFT_SKIP_:
		if (!sum->skip_all && sum->tests == 0)
			snprintf(why, len, "exited 4 (KSFT_SKIP) without a TAP skip line");
		return;
	case KSFT_XPASS_:
		snprintf(why, len, "exited 3 (KSFT_XPASS): an expected failure passed");
		return;
	default:
		snprintf(why, len, "exited with status %d", WEXITSTATUS(status));
		return;
	}
}

bool tap_harness_message(const char *line, const char **msg, size_t *len)
{
	const char *end = line + strcspn(line, "\n"), *c, *p;

	if (line[0] != '#')
		return false;
	c = strstr(line, ".c:");
	if (!c || c >= end || c[3] < '0' || c[3] > '9')
		return false;
	p = c + 3 + strspn(c + 3, "0123456789");
	if (*p != ':')
		return false;
	p = memchr(p + 1, ':', end - (p + 1)); /* past the test's name */
	if (!p || p + 1 >= end)
		return false;
	*msg = p + 1;
	*len = end - (p + 1);
	return true;
}
