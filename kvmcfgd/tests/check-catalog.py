#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every MESSAGE_ID kvmcfgd logs has a catalog entry that journalctl accepts.

Usage: check-catalog.py ALERT_H CATALOG

Reads the KVMCFG_MESSAGE_* ids from alert.h, builds a catalog database in a
temporary root with journalctl --update-catalog (the step packages run at
install), and asks journalctl for each id: a missing entry, a malformed file
or an id typed differently in the two places fails here."""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    header, catalog = sys.argv[1], sys.argv[2]
    with open(header, encoding="utf-8") as f:
        ids = dict(re.findall(r'#define (KVMCFG_MESSAGE_\w+)\s+"([0-9a-f]{32})"', f.read()))
    if len(ids) < 6:
        print("FAIL: found only %d message ids in %s" % (len(ids), header))
        return 1
    journalctl = shutil.which("journalctl")
    if not journalctl:
        print("SKIP: journalctl (systemd) is not installed")
        return 77
    with tempfile.TemporaryDirectory(prefix="kvmcfg-catalog-") as root:
        d = os.path.join(root, "usr/lib/systemd/catalog")
        os.makedirs(d)
        shutil.copy(catalog, d)
        subprocess.run([journalctl, "--root=" + root, "--update-catalog"], check=True)
        failed = 0
        for name, mid in sorted(ids.items()):
            p = subprocess.run([journalctl, "--root=" + root, "--dump-catalog", mid],
                               capture_output=True, text=True)
            if p.returncode != 0 or "Subject: " not in p.stdout:
                print("FAIL: %s (%s) has no catalog entry: %s" % (name, mid, p.stderr.strip()))
                failed += 1
            else:
                print("ok: %s %s" % (name, p.stdout.split("Subject: ")[1].split("\n")[0]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
