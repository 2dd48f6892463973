// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "table.h"
#include "text-filter.h"

/* Cells longer than this are cut with "..." so one odd value cannot wreck the
 * layout; the last column (an origin, say) is never cut, nothing follows it. */
#define CELL_MAX 64

struct Table {
	size_t n_cols, n_rows; /* rows include the header */
	char **cells;	       /* n_rows * n_cols */
};

Table *table_free(Table *t)
{
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
	return NULL;
}

/*
 * Values are outside input and go to a terminal. Keep one row per line and
 * nothing a terminal acts on: "N\rY" would display as "Y", an escape
 * sequence could rewrite what was printed before. The one output filter
 * (text-filter.h) in one-line mode: controls become visible escapes.
 * Cut first, then filtered: the escapes show in full.
 */
static char *cell_new(const char *c, bool cut)
{
	_cleanup_free_ char *raw = NULL;

	if (cut && strlen(c) > CELL_MAX) {
		raw = malloc(CELL_MAX + 1);
		if (!raw)
			return NULL;
		memcpy(raw, c, CELL_MAX - 3);
		strcpy(raw + CELL_MAX - 3, "...");
		c = raw;
	}
	return kvmcfg_text_filter_dup(c, KVMCFG_TEXT_ONE_LINE);
}

int table_add(Table *t, const char *const *cells)
{
	char **v = realloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(*v));
	size_t i;

	if (!v)
		return -ENOMEM;
	t->cells = v;
	v += t->n_rows * t->n_cols;
	for (i = 0; i < t->n_cols; i++) {
		v[i] = cell_new(cells[i] ? cells[i] : "-", i + 1 < t->n_cols);
		if (!v[i]) {
			while (i--)
				free(v[i]);
			return -ENOMEM;
		}
	}
	t->n_rows++;
	return 0;
}

int table_new(Table **ret, const char *const *header)
{
	Table *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	while (header[t->n_cols])
		t->n_cols++;
	r = table_add(t, header);
	if (r < 0)
		return table_free(t), r;
	*ret = t;
	return 0;
}

size_t table_rows(const Table *t)
{
	return t->n_rows - 1;
}

void table_print(const Table *t, FILE *out)
{
	size_t w[16] = {}, r, c;

	for (r = 0; r < t->n_rows; r++)
		for (c = 0; c < t->n_cols && c < 16; c++) {
			size_t len = strlen(t->cells[r * t->n_cols + c]);

			if (len > w[c])
				w[c] = len;
		}
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < t->n_cols; c++) {
			const char *cell = t->cells[r * t->n_cols + c];

			if (c + 1 == t->n_cols)
				fprintf(out, "%s\n", cell);
			else
				fprintf(out, "%-*s  ", (int)(c < 16 ? w[c] : 0), cell);
		}
	}
}
