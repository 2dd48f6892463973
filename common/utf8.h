/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one UTF-8 rule in kvmcfg. Every writer that turns outside bytes (a
 * param value, a test's output, a policy line) into text asks this check
 * and replaces what it rejects with U+FFFD: the JSON escaper
 * (json-out.h), the Prometheus label escaper (prom-escape.h), the
 * daemon's log writer, kvmcfgctl's table cells and the runner's XML writer.
 * One rule means a byte string is text or not text the same way in every
 * report of the same run.
 *
 * A sequence is accepted when it is well-formed UTF-8 (RFC 3629, Unicode
 * Table 3-7) and its character can appear in every format we write:
 *   - overlong forms (C0, C1, E0 80..9F, F0 80..8F leads) are rejected: a
 *     second spelling of '/' or '"' is how filters get bypassed;
 *   - surrogates U+D800..U+DFFF (ED A0..BF) are rejected: not characters;
 *   - values past U+10FFFF (F4 90.., F5..FF) are rejected;
 *   - a sequence cut short by the end of the input is rejected;
 *   - U+FFFE and U+FFFF are rejected. They are well-formed, but XML 1.0's
 *     Char production excludes them and the JUnit report shares this check;
 *     taking them out everywhere keeps the rule the same for all writers.
 *   - The other 64 noncharacters (U+FDD0..U+FDEF, U+nFFFE/U+nFFFF in planes
 *     1..16) are accepted: JSON, the Prometheus format, the journal and XML
 *     all allow them, and Unicode (Corrigendum #9) permits them in
 *     interchange, so replacing them would only lose text.
 *   - NUL is accepted as a one-byte sequence, like every other ASCII byte:
 *     U+0000 is valid UTF-8. Control characters are the writers' business,
 *     since each format treats them differently (JSON writes \u0000, XML
 *     drops it, the NUL-terminated writers never see it).
 * Pure: no I/O, no logging.
 */
#pragma once

#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER, what writers put in place of a rejected byte. */
#define KVMCFG_UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * Length of the accepted UTF-8 sequence at @s (1-4), or 0 if the bytes
 * there are not one by the rule above. @avail > 0 bytes may be read.
 */
size_t kvmcfg_utf8_seq_len(const unsigned char *s, size_t avail);
