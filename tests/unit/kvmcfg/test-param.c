// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the module-parameter reader, against a temporary sysfs tree. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "open-beneath.h"
#include "param.h"
#include "check-run.h"

static char root[] = "/tmp/kvmcfg-param-XXXXXX";
static int root_fd = -1;

static void put(const char *rel, const void *data, size_t len, mode_t mode)
{
	char path[4096], *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	chmod(path, mode);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	put("module/kvm/parameters/tdp_mmu", "Y\n", 2, 0444);
	put("module/kvm/parameters/mmio_caching", "N\n", 2, 0444);
	put("module/kvm/parameters/halt_poll_ns", "200000\n", 7, 0444);
	put("module/kvm/parameters/nx_huge_pages", "auto\n", 5, 0444);
	put("module/kvm/parameters/secret", "x\n", 2, 0000);
	put("module/kvm/parameters/binary", "a\0b\n", 4, 0444);
	put("module/kvm/parameters/empty", "", 0, 0444);
	put("module/kvm/parameters/twonl", "v\n\n", 3, 0444);
	put("module/kvm_amd/uevent", "", 0, 0444); /* loaded, no parameters dir */
	root_fd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(root_fd, 0);
}

static void teardown(void)
{
	char cmd[4200];

	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(root, "/tmp/kvmcfg-param-XXXXXX");
}

static void expect_value(const char *module, const char *param, const char *want)
{
	char *v = NULL;

	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, module, param, &v), 0);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(read_values)
{
	char *v = NULL;

	expect_value("kvm", "tdp_mmu", "Y");
	expect_value("kvm", "mmio_caching", "N");
	expect_value("kvm", "halt_poll_ns", "200000");
	expect_value("kvm", "nx_huge_pages", "auto");
	expect_value("kvm", "empty", "");
	/* Only one trailing newline is the kernel's; the rest is value. */
	expect_value("kvm", "twonl", "v\n");
	ck_assert_int_eq(kvmcfg_param_read(root, "kvm", "tdp_mmu", &v), 0);
	ck_assert_str_eq(v, "Y");
	free(v);
}
END_TEST

START_TEST(distinct_errors)
{
	char *v = (char *)"untouched";

	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm_intel", "ept", &v), -ENODEV);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm", "no_such", &v), -ENOENT);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm_amd", "npt", &v), -ENOENT);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm", "binary", &v), -EBADMSG);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm", "../x", &v), -EINVAL);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "..", "x", &v), -EINVAL);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "", "x", &v), -EINVAL);
	ck_assert_int_eq(kvmcfg_param_read("/nonexistent-root", "kvm", "x", &v), -ENOENT);
	/* Output untouched on failure. */
	ck_assert_str_eq(v, "untouched");
}
END_TEST

START_TEST(eacces_as_unprivileged)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *v = NULL;

		/* Root reads anything: drop to nobody to see what a user sees. */
		if (geteuid() == 0 && setuid(65534) < 0)
			_exit(2);
		_exit(kvmcfg_param_read_at(root_fd, "kvm", "secret", &v) == -EACCES ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(list_sorted)
{
	char **v = NULL;

	ck_assert_int_eq(kvmcfg_param_list_at(root_fd, "kvm", &v), 0);
	ck_assert_str_eq(v[0], "binary");
	ck_assert_str_eq(v[1], "empty");
	ck_assert_str_eq(v[2], "halt_poll_ns");
	ck_assert_str_eq(v[7], "twonl");
	ck_assert_ptr_null(v[8]);
	strv_free(v);

	ck_assert_int_eq(kvmcfg_param_list_at(root_fd, "kvm_amd", &v), 0);
	ck_assert_ptr_null(v[0]);
	strv_free(v);
	ck_assert_int_eq(kvmcfg_param_list_at(root_fd, "kvm_intel", &v), -ENODEV);
	ck_assert_int_eq(kvmcfg_module_list_at(root_fd, &v), 0);
	ck_assert_str_eq(v[0], "kvm");
	ck_assert_str_eq(v[1], "kvm_amd");
	ck_assert_ptr_null(v[2]);
	strv_free(v);
	ck_assert_int_eq(kvmcfg_module_loaded_at(root_fd, "kvm"), 1);
	ck_assert_int_eq(kvmcfg_module_loaded_at(root_fd, "kvm_intel"), 0);
}
END_TEST

/*
 * More entries than one getdents64() call returns (the reader's buffer is
 * 4 KiB, ~50 of these names): every one listed once, sorted, none lost at
 * a buffer boundary.
 */
START_TEST(list_many)
{
	enum { N = 600 };
	char rel[128], want[N][64], **v = NULL;
	int i;

	for (i = 0; i < N; i++) {
		snprintf(want[i], sizeof(want[i]), "param_with_a_rather_long_name_%04d", i);
		snprintf(rel, sizeof(rel), "module/big/parameters/param_with_a_rather_long_name_%04d", i);
		put(rel, "1\n", 2, 0444);
	}
	ck_assert_int_eq(kvmcfg_param_list_at(root_fd, "big", &v), 0);
	for (i = 0; i < N; i++) {
		ck_assert_ptr_nonnull(v[i]);
		ck_assert_str_eq(v[i], want[i]);
	}
	ck_assert_ptr_null(v[N]);
	strv_free(v);
}
END_TEST

START_TEST(parse_bool)
{
	const char *yes[] = { "Y", "y", "1", "yes", "TRUE", "on" };
	const char *no[] = { "N", "n", "0", "no", "false", "OFF" };
	const char *bad[] = { "", "2", "auto", "Y ", "never", "-1" };
	bool b;
	size_t i;

	for (i = 0; i < 6; i++) {
		b = false;
		ck_assert_int_eq(kvmcfg_parse_bool(yes[i], &b), 0);
		ck_assert(b);
		ck_assert_int_eq(kvmcfg_parse_bool(no[i], &b), 0);
		ck_assert(!b);
		ck_assert_int_eq(kvmcfg_parse_bool(bad[i], &b), -EINVAL);
	}
}
END_TEST

START_TEST(parse_int)
{
	int64_t v = 0;

	ck_assert_int_eq(kvmcfg_parse_int("200000", &v), 0);
	ck_assert_int_eq(v, 200000);
	ck_assert_int_eq(kvmcfg_parse_int("-1", &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(kvmcfg_parse_int("0x7fffff", &v), 0);
	ck_assert_int_eq(v, 0x7fffff);
	ck_assert_int_eq(kvmcfg_parse_int("99999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(kvmcfg_parse_int("", &v), -EINVAL);
	ck_assert_int_eq(kvmcfg_parse_int(" 1", &v), -EINVAL);
	ck_assert_int_eq(kvmcfg_parse_int("1 ", &v), -EINVAL);
	ck_assert_int_eq(kvmcfg_parse_int("Y", &v), -EINVAL);
}
END_TEST


static char *at_root(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

/*
 * Issue 19 item 3: a FIFO under --sysfs-root hung check, show and snapshot
 * (and kvmcfgd) in open(). With no writer, the old O_RDONLY open blocks for
 * ever and the test's timeout fails it; now it is refused without a read.
 */
START_TEST(fifo_refused)
{
	char *v = (char *)"untouched", **names = NULL;
	size_t i;

	ck_assert_int_eq(mkfifo(at_root("module/kvm/parameters/fifo"), 0644), 0);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm", "fifo", &v), -EBADFD);
	ck_assert_str_eq(v, "untouched");
	/* A directory where a value should be is not read either. */
	ck_assert_int_eq(mkdir(at_root("module/kvm/parameters/dir"), 0755), 0);
	ck_assert_int_eq(kvmcfg_param_read_at(root_fd, "kvm", "dir", &v), -EISDIR);
	/* The listing still names it: the check reports it, it does not hide it. */
	ck_assert_int_eq(kvmcfg_param_list_at(root_fd, "kvm", &names), 0);
	for (i = 0; names[i] && strcmp(names[i], "fifo"); i++)
		;
	ck_assert_ptr_nonnull(names[i]);
	strv_free(names);
	/* The other values of the module still read. */
	expect_value("kvm", "tdp_mmu", "Y");
}
END_TEST

/*
 * Issue 19 item 4: a symlink in the fake tree to /etc/shadow made root's
 * kvmcfgctl print the shadow file as an "actual" value. Nothing outside the
 * tree is read, whether the link is absolute, climbs with "..", or is a
 * symlinked module directory; a link that stays inside the tree is followed.
 */
START_TEST(symlink_escape_refused)
{
	char outside[] = "/tmp/kvmcfg-outside-XXXXXX", target[4200], *v = NULL, **names = NULL;
	int fd;

	fd = mkstemp(outside);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "root:SECRET:\n", 13), 13);
	close(fd);
	ck_assert_int_eq(symlink(outside, at_root("module/kvm/parameters/abs")), 0);
	snprintf(target, sizeof(target), "../../../..%s", outside);
	ck_assert_int_eq(symlink(target, at_root("module/kvm/parameters/rel")), 0);
	ck_assert_int_eq(symlink("/tmp", at_root("module/evil")), 0);
	ck_assert_int_eq(symlink("tdp_mmu", at_root("module/kvm/parameters/inside")), 0);

	ck_assert_int_lt(kvmcfg_param_read_at(root_fd, "kvm", "abs", &v), 0);
	ck_assert_int_lt(kvmcfg_param_read_at(root_fd, "kvm", "rel", &v), 0);
	ck_assert_ptr_null(v);
	/* A module directory that points out of the tree is not listed either. */
	ck_assert_int_lt(kvmcfg_param_list_at(root_fd, "evil", &names), 0);
	ck_assert_ptr_null(names);
	ck_assert_int_eq(kvmcfg_module_loaded_at(root_fd, "evil") == 1, 0);

	/* openat2() follows a link that stays in the tree; the fallback walk refuses every link. */
	fd = kvmcfg_open_beneath(root_fd, "module/kvm/parameters/inside", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(kvmcfg_open_beneath_walk(root_fd, "module/kvm/parameters/abs", O_RDONLY),
			 -ELOOP);
	ck_assert_int_eq(kvmcfg_open_beneath_walk(root_fd, "module/evil/x", O_RDONLY), -ELOOP);
	ck_assert_int_eq(kvmcfg_open_beneath_walk(root_fd, "module/../../etc/shadow", O_RDONLY),
			 -EXDEV);
	ck_assert_int_eq(kvmcfg_open_beneath_walk(root_fd, "/etc/shadow", O_RDONLY), -EINVAL);
	ck_assert_int_eq(kvmcfg_open_beneath_walk(root_fd, "module/kvm/none", O_RDONLY), -ENOENT);
	fd = kvmcfg_open_beneath_walk(root_fd, "module/kvm/parameters/tdp_mmu", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(outside);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("param");
	TCase *tc = tcase_create("reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_values);
	tcase_add_test(tc, distinct_errors);
	tcase_add_test(tc, eacces_as_unprivileged);
	tcase_add_test(tc, list_sorted);
	tcase_add_test(tc, list_many);
	tcase_add_test(tc, parse_bool);
	tcase_add_test(tc, parse_int);
	tcase_add_test(tc, fifo_refused);
	tcase_add_test(tc, symlink_escape_refused);
	suite_add_tcase(s, tc);
	return check_run(s);
}
