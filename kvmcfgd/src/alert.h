/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an alert says, shared by every channel: the journal MESSAGE_IDs (each
 * explained in docs/catalog/kvmcfg.catalog), the fields of a transition, its
 * one-line message, and the journal entry itself.
 */
#pragma once

#include <stddef.h>

#include "transition.h"

/* Fixed forever: the catalog and people's journalctl filters rely on them. */
#define KVMCFG_MESSAGE_MISMATCH	       "7f3bd14ff61f47d1871992e000f5df85"
#define KVMCFG_MESSAGE_RESOLVED	       "069d321c51a64f82a632f49ca19512a8"
#define KVMCFG_MESSAGE_CHANGED	       "0057e2efbbd040179fe80defc4022a4f"
#define KVMCFG_MESSAGE_POLICY_REJECTED "6ad40dd231334f7d87a66f1b75537861"
#define KVMCFG_MESSAGE_CHECK_FAILED    "9138a7bde1ed45fdb832c69a2fbf5093"
#define KVMCFG_MESSAGE_UEVENT_OVERFLOW "8eb3002888004f8288ebb6b07823229d"
/* Verify=: a param contradicts what a probe saw KVM do (new or changed). */
#define KVMCFG_MESSAGE_CONTRADICTED "2d708668f04f4b308c156622d298efa0"

const char *alert_message_id(TransitionKind k);
/* The MESSAGE_ID of @t's journal entry: KVMCFG_MESSAGE_CONTRADICTED for a
 * new or changed contradiction, else alert_message_id(t->kind). */
const char *alert_message_id_of(const Transition *t);

/* syslog priority for a transition: by severity; a resolution is a notice. */
int alert_priority(const Transition *t);

/*
 * The fields of a transition as a NULL-terminated, malloc'd vector of
 * "<prefix>KEY=value" strings: EVENT, MODULE, PARAM, RULE, EXPECTED, ACTUAL,
 * KIND, SEVERITY, ORIGIN, PREVIOUS_ACTUAL when the actual value changed, and
 * EVIDENCE for a probe's finding (contradicted, unverified).
 * prefix "" for journal fields, "KVMCFG_" for AlertCommand='s environment.
 * Free with strv_free().
 */
int alert_fields(const Transition *t, const char *prefix, char ***ret);

/* "kvm.tdp_mmu mismatch: expected Y, actual N (critical, policy.conf:3)" and the like. */
int alert_message(const Transition *t, char **ret);

/* Emit the transition's journal entry (or its stderr fallback line). */
int alert_journal(const Transition *t);

/*
 * The sd_notify STATUS= line for a verdict ("ok", "mismatch", "unreadable"):
 * the verdict in capitals, the number of problems and the first few of them.
 */
int alert_status(const char *verdict, const MismatchSet *s, char **ret);
