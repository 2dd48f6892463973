/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdio.h>

/*
 * open_memstream() for the daemon's per-check text (log lines, the metrics
 * textfile, STATUS=, derived-rule values): the same contract (*@buf is a
 * NUL-terminated string of *@len bytes, valid after every write, fflush()
 * and fclose(); the caller frees it), but the buffer starts at
 * KVMCFG_MEMSTREAM_START bytes and doubles, and the stream has no stdio
 * buffer of its own.
 *
 * glibc's open_memstream() starts every stream at 8 KiB. A daemon that
 * builds a few short strings per check then asks malloc for an 8 KiB block
 * several times a check; once the heap is cut into smaller holes, each one
 * is carved from the top and the remainder, after the shrink at fclose(),
 * is a new hole. Over a reload soak that made kvmcfgd's heap creep without
 * any leak (docs/reliability.md).
 *
 * A failed allocation fails the write (ferror()) and makes fclose() return
 * EOF with errno ENOMEM; *@buf then still holds what was written before.
 * Write-only: no seeking, no ftell() promise.
 */
#define KVMCFG_MEMSTREAM_START 256

FILE *kvmcfg_memstream_open(char **buf, size_t *len);
