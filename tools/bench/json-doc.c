// SPDX-License-Identifier: GPL-2.0-only
/* Typed look-ups in a parsed result document (see json-doc.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-doc.h"
#include "json-out.h"
#include "sample-stats.h"

struct json_object *bench_json_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

const char *bench_json_get_string(struct json_object *o, const char *key)
{
	struct json_object *v = bench_json_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

bool bench_json_number(struct json_object *v, double *ret)
{
	if (!v ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*ret = json_object_get_double(v);
	return isfinite(*ret);
}

bool bench_json_get_number(struct json_object *o, const char *key, double *ret)
{
	return bench_json_number(bench_json_get(o, key), ret);
}

bool bench_json_get_estimate(struct json_object *o, struct bench_estimate *ret)
{
	*ret = (struct bench_estimate){ 0 };
	return bench_json_get_number(o, "median", &ret->value) &&
	       bench_json_get_number(o, "ci_lo", &ret->lo) &&
	       bench_json_get_number(o, "ci_hi", &ret->hi);
}

struct json_object *bench_json_find_path(struct json_object *paths, const char *name)
{
	size_t i, n;

	if (!paths || !json_object_is_type(paths, json_type_array))
		return NULL;
	n = json_object_array_length(paths);
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(paths, i);
		const char *s = bench_json_get_string(p, "name");

		if (s && strcmp(s, name) == 0)
			return p;
	}
	return NULL;
}

int bench_json_positive_array(struct json_object *a, size_t min_n, double **ret, size_t *n)
{
	size_t i, len;
	double *v;

	if (!a || !json_object_is_type(a, json_type_array))
		return -EBADMSG;
	len = json_object_array_length(a);
	if (len < min_n || len == 0)
		return -EBADMSG;
	v = calloc(len, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (!bench_json_number(json_object_array_get_idx(a, i), &v[i]) || !(v[i] > 0)) {
			free(v);
			return -EBADMSG;
		}
	}
	*ret = v;
	*n = len;
	return 0;
}

int bench_json_add_null(struct json_object *o, const char *key)
{
	return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

int bench_json_add_num(struct json_object *o, const char *key, double v)
{
	return isfinite(v) ? kvmcfg_json_add(o, key, json_object_new_double(v)) :
			     bench_json_add_null(o, key);
}

int bench_json_append_num(struct json_object *a, double v)
{
	if (isfinite(v))
		return kvmcfg_json_append(a, json_object_new_double(v));
	return json_object_array_add(a, NULL) < 0 ? -ENOMEM : 0;
}

int bench_json_add_str(struct json_object *o, const char *key, const char *s)
{
	return s ? kvmcfg_json_add(o, key, kvmcfg_json_new_string(s)) : bench_json_add_null(o, key);
}

struct json_object *bench_json_built(struct json_object *o, int r)
{
	if (r) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
