// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

int report_open(const char *path, FILE **ret, char **tmp_path)
{
	char *tmp;
	FILE *f;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f) {
		int err = -errno;

		free(tmp);
		return err;
	}
	*ret = f;
	*tmp_path = tmp;
	return 0;
}

int report_close(FILE *f, const char *tmp_path, const char *path)
{
	int err = 0;

	if (fflush(f) != 0 || ferror(f))
		err = -(errno ? errno : EIO);
	if (fclose(f) != 0 && !err)
		err = -errno;
	if (!err && rename(tmp_path, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp_path);
	return err;
}

void report_timestamp(double epoch, char *buf, size_t len)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
