/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmcfgd's own settings: /etc/kvmcfgd/kvmcfgd.conf ([Daemon] section) and
 * the command-line options that override it. Every key goes through
 * conf_set(), so the file and the command line validate the same way.
 * Parsing is pure (text in, struct out); errors come back as "file:line:
 * message" strings for the top layer to log.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "log.h"

#define CONF_DEFAULT_PATH "/etc/kvmcfgd/kvmcfgd.conf"

typedef struct DaemonConf {
	char *sysfs_root;	/* the directory that holds module/ */
	char *policy;		/* main policy file; NULL: the default search */
	char **policy_dropins;	/* drop-in dirs; NULL: the defaults; {"none"}: none */
	uint64_t interval_usec; /* periodic check; 0 disables it */
	uint64_t settle_usec;	/* delay after a module uevent before the re-check */
	char *textfile;		/* Prometheus textfile; NULL: none */
	char **alert_command;	/* argv; NULL: none */
	uint64_t alert_timeout_usec;
	LogTarget log_target;
	bool verify;		       /* Verify=: run the reality probes (lib/probe) */
	uint64_t verify_interval_usec; /* VerifyInterval=: re-probe period; 0: only on events */
	uint64_t verify_timeout_usec;  /* VerifyTimeout=: per probe, then it is unverified */
} DaemonConf;

/* Fill in the defaults. */
int conf_init(DaemonConf *c);
void conf_done(DaemonConf *c);

/*
 * Set one key (as spelled in the file: "Interval", "AlertCommand", ...). An
 * empty value restores the default. On failure *ret_error is a malloc'd
 * message without location.
 */
int conf_set(DaemonConf *c, const char *key, const char *value, char **ret_error);

/* Parse configuration text; @filename only labels errors ("file:line: msg"). */
int conf_parse_text(DaemonConf *c, const char *text, const char *filename, char **ret_error);

/* Read and parse a file; with !@must_exist a missing file is fine (-ENOENT is not an error). */
int conf_load_file(DaemonConf *c, const char *path, bool must_exist, char **ret_error);

/* "200ms", "60s", "60", "5min", "1h", "1500us": a plain number means seconds. */
int conf_parse_timespan(const char *s, uint64_t *ret_usec);

/*
 * Split a command line into argv without a shell: whitespace separates words,
 * '...' is literal, "..." and bare words take backslash escapes. -EINVAL on an
 * unterminated quote, a trailing backslash or an empty line.
 */
int conf_split_command(const char *s, char ***ret_argv);

/* Render a timespan for messages ("200ms", "60s"), into @buf. */
const char *conf_format_timespan(char *buf, size_t size, uint64_t usec);
