// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile policy files through kvmcfg_policy_load(): whoever can write a policy
 * decides what kvmcfgd accepts, and whatever sits in policy.d is read on
 * every reload. Each case must end in a clear error naming the file (and
 * the line where there is one), never in a crash, a hang or a policy built
 * from half the input:
 *   - a world-writable or group-writable main file, drop-in or drop-in
 *     directory, and a file owned by another user (sshd's StrictModes),
 *     each accepted again with KVMCFG_POLICY_INSECURE=1;
 *   - a very long line (read whole), a NUL byte, a file over the size limit;
 *   - a symlink loop in policy.d (and policy.d itself a loop), a dangling
 *     symlink, a FIFO named *.conf (used to block the loader forever).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-run.h"
#include "fake-sysfs.h"
#include "policy.h"

static char *dir;
static char main_path[1100], dropins[1100];

static void setup(void)
{
	unsetenv("KVMCFG_POLICY_INSECURE");
	dir = fake_sysfs_new();
	snprintf(main_path, sizeof(main_path), "%s/policy.conf", dir);
	snprintf(dropins, sizeof(dropins), "%s/policy.d", dir);
	fake_sysfs_put(dir, "policy.conf", "[kvm]\ntdp_mmu = Y\n", 0644);
	fake_sysfs_put(dir, "policy.d/10-ok.conf", "[kvm]\nhalt_poll_ns = any\n", 0644);
}

static void teardown(void)
{
	unsetenv("KVMCFG_POLICY_INSECURE");
	/* The FIFO and loops are plain directory entries: rm -rf copes. */
	fake_sysfs_free(dir);
}

static char *path_in(const char *rel)
{
	static char p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return p;
}

/*
 * Load main_path with policy.d and expect @want; on failure the first error
 * must name @file (a path relative to the test dir) at @line and contain
 * @needle. Returns the number of rules on success.
 */
static size_t load_expect(int want, const char *file, unsigned line, const char *needle)
{
	const char *dirs[] = { dropins, NULL };
	PolicyError err = {};
	Policy *p = NULL;
	size_t n;
	int r;

	r = kvmcfg_policy_load(&p, main_path, dirs, &err);
	ck_assert_msg(r == want, "kvmcfg_policy_load: %d, want %d; errors:\n%s", r, want, err.text);
	if (r < 0) {
		ck_assert_ptr_null(p);
		ck_assert_uint_ge(err.n_errors, 1);
		ck_assert_str_eq(err.file, path_in(file));
		ck_assert_uint_eq(err.line, line);
		ck_assert_msg(strstr(err.message, needle), "message '%s' lacks '%s'", err.message,
			      needle);
		return 0;
	}
	ck_assert_uint_eq(err.n_errors, 0);
	n = kvmcfg_policy_n_rules(p);
	kvmcfg_policy_free(p);
	return n;
}

START_TEST(baseline)
{
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
}
END_TEST

static const struct {
	const char *rel;
	mode_t mode;
	const char *needle;
} insecure_modes[] = {
	{ "policy.conf", 0666, "writable by every user (mode 0666)" },
	{ "policy.d/10-ok.conf", 0646, "writable by every user (mode 0646)" },
	{ "policy.d", 0777, "insecure policy directory: writable by every user" },
	{ "policy.d", 01777, "writable by every user (mode 1777)" },
};

START_TEST(world_writable_refused)
{
	const char *rel = insecure_modes[_i].rel;

	ck_assert_int_eq(chmod(path_in(rel), insecure_modes[_i].mode), 0);
	load_expect(-EPERM, rel, 0, insecure_modes[_i].needle);
	load_expect(-EPERM, rel, 0, "KVMCFG_POLICY_INSECURE=1");

	/* The override is exactly "1"; anything else keeps the check. */
	setenv("KVMCFG_POLICY_INSECURE", "yes", 1);
	load_expect(-EPERM, rel, 0, insecure_modes[_i].needle);
	setenv("KVMCFG_POLICY_INSECURE", "1", 1);
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
}
END_TEST

START_TEST(group_writable_refused)
{
	/* Group-writable is fine for group root (as for sshd), not for another group. */
	ck_assert_int_eq(chmod(main_path, 0664), 0);
	if (getegid() == 0) {
		ck_assert_int_eq(chown(main_path, -1, 0), 0);
		ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
	}
	if (chown(main_path, -1, 65534) < 0) {
		fprintf(stderr, "SKIP group case: chown to gid 65534 needs root\n");
		return;
	}
	load_expect(-EPERM, "policy.conf", 0, "writable by group 65534 (mode 0664)");
}
END_TEST

START_TEST(foreign_owner_refused)
{
	if (geteuid() != 0) {
		/* Without root no file can belong to someone else here. */
		fprintf(stderr, "SKIP foreign owner: chown to another uid needs root\n");
		return;
	}
	ck_assert_int_eq(chown(path_in("policy.d/10-ok.conf"), 65534, -1), 0);
	load_expect(-EPERM, "policy.d/10-ok.conf", 0, "owned by uid 65534, not root");
	ck_assert_int_eq(chown(path_in("policy.d/10-ok.conf"), 0, -1), 0);
	ck_assert_int_eq(chown(dropins, 65534, -1), 0);
	load_expect(-EPERM, "policy.d", 0, "insecure policy directory: owned by uid 65534");
	setenv("KVMCFG_POLICY_INSECURE", "1", 1);
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
}
END_TEST

/*
 * Issue 19 item 1: StrictModes walks the path. With policy.conf root-owned
 * and 0644 in a directory another user owned, that user swapped it for a
 * symlink to an empty root-owned file and "mismatch" became "ok".
 */
START_TEST(parent_dir_refused)
{
	char want[2048];

	/* Sticky and root-owned (/tmp) is fine; world-writable without the sticky bit is not. */
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	snprintf(want, sizeof(want), "directory %s is writable by every user (mode 0777)", dir);
	load_expect(-EPERM, "policy.conf", 0, want);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP foreign-owned parent: chown to another uid needs root\n");
		return;
	}
	/* The attack: a root-owned file in a directory uid 65534 owns, then a symlink. */
	fake_sysfs_put(dir, "evil/policy.conf", "[kvm]\ntdp_mmu = Y\n", 0644);
	fake_sysfs_put(dir, "empty.conf", "", 0644);
	ck_assert_int_eq(chown(path_in("evil"), 65534, 65534), 0);
	snprintf(main_path, sizeof(main_path), "%s", path_in("evil/policy.conf"));
	snprintf(want, sizeof(want), "directory %s is owned by uid 65534, not root", path_in("evil"));
	load_expect(-EPERM, "evil/policy.conf", 0, want);
	ck_assert_int_eq(unlink(main_path), 0);
	ck_assert_int_eq(symlink(path_in("empty.conf"), main_path), 0);
	load_expect(-EPERM, "evil/policy.conf", 0, want);
	/* A group other than root that may write a parent is refused too. */
	ck_assert_int_eq(chown(path_in("evil"), 0, 65534), 0);
	ck_assert_int_eq(chmod(path_in("evil"), 0775), 0);
	snprintf(want, sizeof(want), "directory %s is writable by group 65534 (mode 0775)",
		 path_in("evil"));
	load_expect(-EPERM, "evil/policy.conf", 0, want);
	/* Drop-in directories are walked the same way. */
	snprintf(main_path, sizeof(main_path), "%s/policy.conf", dir);
	fake_sysfs_put(dir, "evil/policy.d/10-x.conf", "[kvm]\nhalt_poll_ns = any\n", 0644);
	snprintf(dropins, sizeof(dropins), "%s", path_in("evil/policy.d"));
	load_expect(-EPERM, "evil/policy.d", 0, want);
	setenv("KVMCFG_POLICY_INSECURE", "1", 1);
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
}
END_TEST

/* Issue 19 item 5: the documented bounds, rejected with file:line. */
START_TEST(too_many_rules)
{
	size_t n = KVMCFG_POLICY_RULES_MAX + 2, i, len = 0;
	char *text = malloc(n * 24 + 16);
	PolicyError err = {};
	Policy *p = NULL;

	ck_assert_ptr_nonnull(text);
	len += sprintf(text, "[kvm]\n");
	for (i = 0; i < n; i++)
		len += sprintf(text + len, "p%zu = Y\n", i);
	ck_assert_int_eq(kvmcfg_policy_parse(&p, text, "big.conf", &err), -EINVAL);
	ck_assert_uint_eq(err.n_errors, 1);
	ck_assert_uint_eq(err.line, KVMCFG_POLICY_RULES_MAX + 2);
	ck_assert_ptr_nonnull(strstr(err.message, "more than 100000 rules, the limit"));
	/* Exactly the limit is fine. */
	text[len - strlen("p100000 = Y\np100001 = Y\n")] = '\0';
	kvmcfg_policy_error_reset(&err);
	ck_assert_int_eq(kvmcfg_policy_parse(&p, text, "big.conf", &err), 0);
	ck_assert_uint_eq(kvmcfg_policy_n_rules(p), KVMCFG_POLICY_RULES_MAX);
	kvmcfg_policy_free(p);
	free(text);
}
END_TEST

START_TEST(too_many_dropins)
{
	char name[64];
	int i;

	for (i = 0; i < KVMCFG_POLICY_DROPINS_MAX; i++) {
		snprintf(name, sizeof(name), "policy.d/x%04d.conf", i);
		fake_sysfs_put(dir, name, "", 0644);
	}
	/* 10-ok.conf and 1000 more. */
	load_expect(-E2BIG, "policy.d", 0, "more than 1000 drop-ins, the limit");
	ck_assert_int_eq(unlink(path_in("policy.d/x0000.conf")), 0);
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 2);
}
END_TEST

START_TEST(long_line)
{
	/*
	 * 100 KiB on line 3, inside the size limit: read whole, never split
	 * (the rest of a split line would parse as a line of its own). A long
	 * line is no error now; an error after it still names its line.
	 */
	size_t n = 100 * 1024;
	char *text = malloc(n + 64);

	ck_assert_ptr_nonnull(text);
	strcpy(text, "[kvm]\n; x\nnx_huge_pages = ");
	memset(text + strlen(text), 'y', n);
	strcpy(text + strlen("[kvm]\n; x\nnx_huge_pages = ") + n, "\nept = Y\n");
	fake_sysfs_put(dir, "policy.d/20-long.conf", text, 0644);
	ck_assert_uint_eq(load_expect(0, NULL, 0, NULL), 4);
	strcat(text, "ept = N\n");
	fake_sysfs_put(dir, "policy.d/20-long.conf", text, 0644);
	free(text);
	load_expect(-EINVAL, "policy.d/20-long.conf", 5, "duplicate rule for kvm.ept");
}
END_TEST

/* Valid short lines of @n bytes in all: only the size can be wrong. */
static void put_comments(const char *name, size_t n)
{
	char *text = malloc(n + 1);
	size_t i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < n; i++)
		text[i] = i % 16 == 15 || i == n - 1 ? '\n' : ';';
	text[n] = '\0';
	fake_sysfs_put(dir, name, text, 0644);
	free(text);
}

START_TEST(too_large)
{
	/* The limit itself is fine (the buffer is sized from fstat and grows to it)... */
	put_comments("policy.conf", 1024 * 1024);
	load_expect(0, NULL, 0, NULL);
	/* ...one byte more is not. */
	put_comments("policy.conf", 1024 * 1024 + 1);
	load_expect(-EINVAL, "policy.conf", 0, "larger than 1048576 bytes");
}
END_TEST

START_TEST(nul_byte)
{
	static const char text[] = "[kvm]\nept = Y\ntdp\0_mmu = Y\n";
	int fd = open(path_in("policy.d/30-nul.conf"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	load_expect(-EINVAL, "policy.d/30-nul.conf", 3, "contains a NUL byte");
}
END_TEST

START_TEST(symlink_loop_file)
{
	ck_assert_int_eq(symlink("40-b.conf", path_in("policy.d/40-a.conf")), 0);
	ck_assert_int_eq(symlink("40-a.conf", path_in("policy.d/40-b.conf")), 0);
	load_expect(-ELOOP, "policy.d/40-a.conf", 0, "Too many levels of symbolic links");
}
END_TEST

START_TEST(symlink_loop_dir)
{
	/* policy.d itself a loop: the directory is named, nothing is loaded. */
	ck_assert_int_eq(unlink(path_in("policy.d/10-ok.conf")), 0);
	ck_assert_int_eq(rmdir(dropins), 0);
	ck_assert_int_eq(symlink("policy.d", dropins), 0);
	load_expect(-ELOOP, "policy.d", 0, "Too many levels of symbolic links");
}
END_TEST

START_TEST(dangling_symlink)
{
	ck_assert_int_eq(symlink("/nonexistent/kvmcfg.conf", path_in("policy.d/50-gone.conf")), 0);
	load_expect(-ENOENT, "policy.d/50-gone.conf", 0, "cannot read: No such file");
}
END_TEST

START_TEST(fifo_not_read)
{
	/* open() without O_NONBLOCK would wait for a writer forever. */
	ck_assert_int_eq(mkfifo(path_in("policy.d/60-fifo.conf"), 0644), 0);
	load_expect(-EBADFD, "policy.d/60-fifo.conf", 0, "not a regular file");
}
END_TEST

START_TEST(directory_named_conf)
{
	ck_assert_int_eq(mkdir(path_in("policy.d/70-dir.conf"), 0755), 0);
	load_expect(-EISDIR, "policy.d/70-dir.conf", 0, "is a directory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy-hostile");
	TCase *tc = tcase_create("load");

	/* A hang (the FIFO) fails by timeout instead of blocking CI. */
	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, baseline);
	tcase_add_loop_test(tc, world_writable_refused, 0,
			    sizeof(insecure_modes) / sizeof(insecure_modes[0]));
	tcase_add_test(tc, group_writable_refused);
	tcase_add_test(tc, foreign_owner_refused);
	tcase_add_test(tc, parent_dir_refused);
	tcase_add_test(tc, too_many_rules);
	tcase_add_test(tc, too_many_dropins);
	tcase_add_test(tc, long_line);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, symlink_loop_file);
	tcase_add_test(tc, symlink_loop_dir);
	tcase_add_test(tc, dangling_symlink);
	tcase_add_test(tc, fifo_not_read);
	tcase_add_test(tc, directory_named_conf);
	suite_add_tcase(s, tc);
	return check_run(s);
}
