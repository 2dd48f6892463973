// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "uevent.h"

/* Kernel events are at most UEVENT_BUFFER_SIZE (2048) bytes; leave room. */
#define UEVENT_DATAGRAM_MAX 8192
/*
 * Per wakeup: a uevent storm must not starve timers and signals. The socket
 * stays readable, so the loop comes straight back for the rest.
 */
#define UEVENT_DRAIN_MAX 256

static const char *field_value(const char *field, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(field, key, n) == 0 && field[n] == '=')
		return field + n + 1;
	return NULL;
}

static int parse_seqnum(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EBADMSG;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

int uevent_parse(const char *buf, size_t len, Uevent *ret)
{
	Uevent u = { 0 };
	const char *p = buf, *end = buf + len, *at, *nul;
	size_t action_len;

	if (len >= 8 && memcmp(buf, "libudev", 8) == 0)
		return -EPROTONOSUPPORT;
	nul = memchr(p, '\0', len);
	if (!nul)
		return -EBADMSG;
	at = memchr(p, '@', (size_t)(nul - p));
	if (!at || at == p || at[1] != '/')
		return -EBADMSG;
	action_len = (size_t)(at - p);
	u.devpath = at + 1;

	for (p = nul + 1; p < end; p = nul + 1) {
		const char *v;

		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			return -EBADMSG; /* unterminated last field */
		if (nul == p)
			continue; /* tolerate padding */
		if (!memchr(p, '=', (size_t)(nul - p)))
			return -EBADMSG;
		if ((v = field_value(p, "ACTION"))) {
			if (strlen(v) != action_len || memcmp(v, buf, action_len) != 0)
				return -EBADMSG;
			u.action = v;
		} else if ((v = field_value(p, "DEVPATH"))) {
			if (strcmp(v, u.devpath) != 0)
				return -EBADMSG;
		} else if ((v = field_value(p, "SUBSYSTEM"))) {
			u.subsystem = v;
		} else if ((v = field_value(p, "SEQNUM"))) {
			if (parse_seqnum(v, &u.seqnum) < 0)
				return -EBADMSG;
		}
	}
	/*
	 * The header's action is not NUL-terminated; the kernel always repeats
	 * it as ACTION=, and that copy is what we hand out.
	 */
	if (!u.action)
		return -EBADMSG;
	*ret = u;
	return 0;
}

UeventModuleAction uevent_module_action(const Uevent *u, const char **ret_module)
{
	const char *name;
	UeventModuleAction a;

	if (!u->subsystem || strcmp(u->subsystem, "module") != 0)
		return UEVENT_MODULE_NONE;
	if (strcmp(u->action, "add") == 0)
		a = UEVENT_MODULE_ADD;
	else if (strcmp(u->action, "remove") == 0)
		a = UEVENT_MODULE_REMOVE;
	else
		return UEVENT_MODULE_NONE;
	if (strncmp(u->devpath, "/module/", 8) != 0)
		return UEVENT_MODULE_NONE;
	name = u->devpath + 8;
	if (!*name || strchr(name, '/'))
		return UEVENT_MODULE_NONE;
	if (ret_module)
		*ret_module = name;
	return a;
}

bool uevent_is_kvm_device_add(const Uevent *u)
{
	return strcmp(u->action, "add") == 0 &&
	       strcmp(u->devpath, "/devices/virtual/misc/kvm") == 0;
}

/* Four header bytes as classic BPF loads them (network order). */
#define W(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

int uevent_socket_attach_filter(int fd)
{
	/*
	 * Pass "add@/module/...", "remove@/module/..." and the one device
	 * event the probes wait for, "add@/devices/virtual/misc/kvm". Every VM
	 * created or destroyed sends change@/devices/virtual/misc/kvm, and a
	 * busy host sends many device events: without this, each would wake
	 * the daemon (and could fill the queue and cost real module events).
	 * Jump offsets count from the next instruction: TARGET - (pc + 1).
	 */
	enum { DEV = 6, REMOVE = 19, ACCEPT = 28, REJECT = 29 };
	struct sock_filter ins[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('a', 'd', 'd', '@'), 0, REMOVE - 2),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('/', 'm', 'o', 'd'), 0, DEV - 4),
		/* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 8),
		/* 5 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('u', 'l', 'e', '/'), ACCEPT - 6, REJECT - 6),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('/', 'd', 'e', 'v'), 0, REJECT - 7),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 8),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('i', 'c', 'e', 's'), 0, REJECT - 9),
		/* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('/', 'v', 'i', 'r'), 0, REJECT - 11),
		/* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('t', 'u', 'a', 'l'), 0, REJECT - 13),
		/* 13 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 20),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('/', 'm', 'i', 's'), 0, REJECT - 15),
		/* 15 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 24),
		/* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('c', '/', 'k', 'v'), 0, REJECT - 17),
		/* 17 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 28),
		/* 18: "m" and the header's NUL, so misc/kvmX does not pass */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'm' << 8, ACCEPT - 19, REJECT - 19),
		/* 19 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('r', 'e', 'm', 'o'), 0, REJECT - 20),
		/* 20 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
		/* 21 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('v', 'e', '@', '/'), 0, REJECT - 22),
		/* 22 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 8),
		/* 23 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, W('m', 'o', 'd', 'u'), 0, REJECT - 24),
		/* 24 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		/* 25 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ('l' << 8) | 'e', 0, REJECT - 26),
		/* 26 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14),
		/* 27 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, '/', ACCEPT - 28, REJECT - 28),
		/* 28 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		/* 29 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = ELEMENTSOF(ins), .filter = ins };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

int uevent_socket_open(int *ret_fd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int one = 1, size = 1024 * 1024, r;
	_cleanup_close_ int fd = -1;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	/* A burst of module loads must not overflow the queue; FORCE needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return -errno;
	r = uevent_socket_attach_filter(fd);
	if (r < 0)
		return r;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Only the kernel (port 0, uid 0) may tell us that a module was loaded. */
static bool from_kernel(const struct msghdr *mh, const struct sockaddr_nl *sa)
{
	struct cmsghdr *c;

	if (mh->msg_namelen != sizeof(*sa) || sa->nl_family != AF_NETLINK || sa->nl_pid != 0)
		return false;
	for (c = CMSG_FIRSTHDR((struct msghdr *)mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			const struct ucred *cred = (const struct ucred *)CMSG_DATA(c);

			return cred->uid == 0;
		}
	}
	return false;
}

int uevent_socket_drain(int fd, bool kernel_only, UeventHandler handler, void *userdata)
{
	char buf[UEVENT_DATAGRAM_MAX];
	char control[CMSG_SPACE(sizeof(struct ucred))];
	int handled = 0, n_read;

	for (n_read = 0; n_read < UEVENT_DRAIN_MAX; n_read++) {
		struct sockaddr_nl sa = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &sa,
			.msg_namelen = sizeof(sa),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control,
			.msg_controllen = sizeof(control),
		};
		Uevent u;
		ssize_t n;

		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return handled;
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			continue;
		if (kernel_only && !from_kernel(&mh, &sa))
			continue;
		if (uevent_parse(buf, (size_t)n, &u) < 0)
			continue;
		handler(&u, userdata);
		handled++;
	}
	return handled;
}
