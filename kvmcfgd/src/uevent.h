/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel uevents: the pure parser of one NETLINK_KOBJECT_UEVENT datagram and
 * the socket that receives them. kvmcfgd only cares about modules being
 * loaded and unloaded (SUBSYSTEM=module, ACTION=add/remove), which is when
 * parameters appear with possibly wrong values, and about /dev/kvm being
 * created (add@/devices/virtual/misc/kvm), which the reality probes wait for.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum UeventModuleAction {
	UEVENT_MODULE_NONE, /* not a module load or unload: ignore */
	UEVENT_MODULE_ADD,
	UEVENT_MODULE_REMOVE,
} UeventModuleAction;

/* One parsed uevent; the strings point into the datagram passed to uevent_parse(). */
typedef struct Uevent {
	const char *action;
	const char *devpath;
	const char *subsystem; /* NULL when the event carries none */
	uint64_t seqnum;       /* 0 when the event carries none */
} Uevent;

/*
 * Parse a kernel uevent: "ACTION@DEVPATH\0KEY=VALUE\0...". Returns 0,
 * -EBADMSG when malformed (no '@' header, an unterminated or '='-less field,
 * ACTION=/DEVPATH= disagreeing with the header, a bad SEQNUM), or
 * -EPROTONOSUPPORT for udevd's "libudev" re-broadcasts, which kvmcfgd never
 * trusts. No I/O; @ret is written only on success.
 */
int uevent_parse(const char *buf, size_t len, Uevent *ret);

/*
 * Classify a parsed event. For a module add/remove, *ret_module points at the
 * module name inside devpath ("/module/kvm_amd" -> "kvm_amd").
 */
UeventModuleAction uevent_module_action(const Uevent *u, const char **ret_module);

/* Whether @u is the kernel creating /dev/kvm: add@/devices/virtual/misc/kvm. */
bool uevent_is_kvm_device_add(const Uevent *u);

/*
 * Attach the socket filter that lets only module add/remove events and the
 * add of /dev/kvm through, so other uevents (a VM start sends one) never
 * wake the daemon.
 */
int uevent_socket_attach_filter(int fd);

/* Open a non-blocking, filtered NETLINK_KOBJECT_UEVENT socket bound to the kernel group. */
int uevent_socket_open(int *ret_fd);

typedef void (*UeventHandler)(const Uevent *u, void *userdata);

/*
 * Drain every queued datagram from @fd, calling @handler for each one that
 * parses. With @kernel_only, datagrams not sent by the kernel (netlink port 0)
 * are dropped, so no local user can forge events. Returns the number of
 * datagrams handled, or -ENOBUFS when the kernel dropped events because the
 * queue overflowed (the caller must then re-check everything), or -errno.
 */
int uevent_socket_drain(int fd, bool kernel_only, UeventHandler handler, void *userdata);
