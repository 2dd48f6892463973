// SPDX-License-Identifier: GPL-2.0-only
/*
 * main() for a fuzz target built without libFuzzer: run every regular file
 * of each directory (or each file) named on the command line through
 * LLVMFuzzerTestOneInput(), in name order so a failure reproduces. A crash
 * or a violated property aborts the process, which fails `meson test
 * --suite fuzz`. An empty corpus is a failure too: a replay that ran
 * nothing proves nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Corpus inputs are small; libFuzzer's default -max_len is 4096. */
#define REPLAY_MAX (1 << 20)

static int replay_file(int dirfd, const char *name, const char *shown)
{
	static uint8_t buf[REPLAY_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "replay: %s: %s\n", shown, strerror(errno));
		return -errno;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: %s\n", shown, n < 0 ? strerror(errno) : "too big");
		return -EFBIG;
	}
	/* A copy of exactly @len bytes, so ASan sees any read past the end. */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int only_files(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	unsigned long total = 0;
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (int a = 1; a < argc; a++) {
		struct dirent **names;
		struct stat st;
		int n, dfd;

		if (stat(argv[a], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[a], strerror(errno));
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= replay_file(AT_FDCWD, argv[a], argv[a]) < 0;
			total++;
			continue;
		}
		n = scandir(argv[a], &names, only_files, alphasort);
		if (n < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[a], strerror(errno));
			failed = 1;
			continue;
		}
		dfd = open(argv[a], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		for (int i = 0; i < n; i++) {
			char shown[4096];

			snprintf(shown, sizeof(shown), "%s/%s", argv[a], names[i]->d_name);
			if (dfd < 0 || replay_file(dfd, names[i]->d_name, shown) < 0)
				failed = 1;
			total++;
			free(names[i]);
		}
		free(names);
		if (dfd >= 0)
			close(dfd);
	}
	printf("replayed %lu input(s)\n", total);
	if (total == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return failed;
}
