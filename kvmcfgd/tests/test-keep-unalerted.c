// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for mismatch_set_keep_unalerted(): a transition that reached no
 * alert channel must come back on the next diff, and one that did must not.
 * This is what makes kvmcfgd retry an alert it could not raise (out of
 * memory, a failed journal write) instead of losing it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transition.h"
#include "unit-test.h"

static void add(MismatchSet *s, const char *param, const char *actual)
{
	ck_assert_int_eq(mismatch_set_add(s, &(Mismatch) {
		.module = (char *)"kvm", .param = (char *)param, .rule = (char *)"policy",
		.kind = (char *)"mismatch", .expected = (char *)"Y", .actual = (char *)actual,
		.severity = (char *)"critical", .origin = (char *)"policy.conf:3",
	}), 0);
}

/* before: a=N b=N c=N; now: b=M (changed), c=N (same), d=N (new); a resolved. */
static void build(MismatchSet *before, MismatchSet *now)
{
	*before = (MismatchSet) MISMATCH_SET_INIT;
	*now = (MismatchSet) MISMATCH_SET_INIT;
	add(before, "c", "N");
	add(before, "a", "N");
	add(before, "b", "N");
	add(now, "d", "N");
	add(now, "b", "M");
	add(now, "c", "N");
	ck_assert_int_eq(mismatch_set_seal(before), 0);
	ck_assert_int_eq(mismatch_set_seal(now), 0);
}

/* "a=N,b=M,..." for the snapshot, to compare in one assertion. */
static void render(const MismatchSet *s, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < s->n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s=%s", i ? "," : "", s->v[i].param,
			 s->v[i].actual);
}

/* Run the diff, fail the transitions whose param is in @fail, keep, and render. */
static void run(const char *fail, char *out, size_t size, size_t *ret_again)
{
	MismatchSet before, now;
	Transition *t = NULL, *t2 = NULL;
	bool failed[8] = { 0 };
	size_t n = 0, n2 = 0, i;

	build(&before, &now);
	ck_assert_int_eq(mismatch_set_diff(&before, &now, &t, &n), 0);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++)
		failed[i] = strstr(fail, transition_subject(&t[i])->param) != NULL;
	ck_assert_int_eq(mismatch_set_keep_unalerted(&now, &before, t, failed, n), 0);
	render(&now, out, size);
	/* What the next check (same state as @now had) raises again. */
	{
		MismatchSet again = MISMATCH_SET_INIT;

		add(&again, "d", "N");
		add(&again, "b", "M");
		add(&again, "c", "N");
		ck_assert_int_eq(mismatch_set_seal(&again), 0);
		ck_assert_int_eq(mismatch_set_diff(&now, &again, &t2, &n2), 0);
		mismatch_set_done(&again);
	}
	*ret_again = n2;
	free(t);
	free(t2);
	mismatch_set_done(&before);
	mismatch_set_done(&now);
}

START_TEST(none_failed)
{
	char s[256];
	size_t again;

	run("", s, sizeof(s), &again);
	ck_assert_str_eq(s, "b=M,c=N,d=N");
	ck_assert_uint_eq(again, 0);
}
END_TEST

START_TEST(all_failed)
{
	char s[256];
	size_t again;

	/* Everything as before: a back, b with its old value, d gone. */
	run("abd", s, sizeof(s), &again);
	ck_assert_str_eq(s, "a=N,b=N,c=N");
	ck_assert_uint_eq(again, 3);
}
END_TEST

START_TEST(each_alone)
{
	char s[256];
	size_t again;

	run("a", s, sizeof(s), &again);
	ck_assert_str_eq(s, "a=N,b=M,c=N,d=N");
	ck_assert_uint_eq(again, 1);
	run("b", s, sizeof(s), &again);
	ck_assert_str_eq(s, "b=N,c=N,d=N");
	ck_assert_uint_eq(again, 1);
	run("d", s, sizeof(s), &again);
	ck_assert_str_eq(s, "b=M,c=N");
	ck_assert_uint_eq(again, 1);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		none_failed,
		all_failed,
		each_alone,
		NULL,
	};

	return unit_test_run("keep-unalerted", tests);
}
