// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "strdist.h"

#define NAME_MAX_LEN 63

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t kvmcfg_strdist(const char *a, const char *b)
{
	size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1], la = strlen(a), lb = strlen(b), i, j;

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[la][lb];
}

const char *kvmcfg_closest(const char *name, const char *const *candidates, size_t n,
			   size_t max_distance)
{
	const char *best = NULL;
	size_t best_d = max_distance + 1, i;

	for (i = 0; i < n; i++) {
		size_t d = kvmcfg_strdist(name, candidates[i]);

		if (d == 0)
			return NULL;
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}
