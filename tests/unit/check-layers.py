#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The layers point down (docs/architecture.md).

    common/  <-  lib/{kvmcfg,vm,probe}  <-  kvmcfgd/, tools/, selftests/, fuzz/

Every #include "..." in common/ and lib/ must resolve to a header in its own
layer or a lower one: a header that exists only in a higher layer is a
violation, named with file:line. System headers (<...>) and the kernel's
kselftest headers are outside the tree and always allowed.

usage: check-layers.py SOURCE_ROOT [--self-test]
"""
import os
import re
import sys
import tempfile

LAYERS = {
    "common": 0,
    "lib": 1,
    "kvmcfgd": 2,
    "tools": 2,
    "selftests": 2,
    "fuzz": 2,
    "tests": 2,
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(rel):
    return LAYERS.get(rel.split(os.sep, 1)[0])


def headers_by_name(root):
    """basename -> set of layers that hold a header of that name."""
    found = {}
    for top in LAYERS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith(".h"):
                    rel = os.path.relpath(os.path.join(dirpath, f), root)
                    found.setdefault(f, set()).add(LAYERS[top])
    return found


def violations(root):
    headers = headers_by_name(root)
    bad = []
    for top in ("common", "lib"):
        own = LAYERS[top]
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".S")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        inc = m.group(1)
                        if "/" in inc:
                            target = os.path.normpath(os.path.join(dirpath, inc))
                            tl = layer_of(os.path.relpath(target, root))
                            layers = {tl} if tl is not None else set()
                        else:
                            layers = headers.get(os.path.basename(inc), set())
                        if layers and min(layers) > own:
                            bad.append(f"{rel}:{n}: includes \"{inc}\", which lives only in a "
                                       f"higher layer than {top}/")
    return bad


def self_test():
    """The check itself must be able to fail."""
    with tempfile.TemporaryDirectory() as d:
        for sub in ("common", "lib/kvmcfg", "kvmcfgd/src"):
            os.makedirs(os.path.join(d, sub))
        open(os.path.join(d, "kvmcfgd/src/manager.h"), "w").close()
        open(os.path.join(d, "lib/kvmcfg/policy.h"), "w").close()
        with open(os.path.join(d, "lib/kvmcfg/policy.c"), "w") as f:
            f.write('#include "policy.h"\n#include "manager.h"\n')
        with open(os.path.join(d, "common/utf8.c"), "w") as f:
            f.write('#include <stdio.h>\n#include "policy.h"\n')
        got = violations(d)
        assert len(got) == 2, got
        assert got[0].startswith("common/utf8.c:2:"), got
        assert got[1].startswith("lib/kvmcfg/policy.c:2:"), got


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    self_test()
    bad = violations(sys.argv[1])
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} include(s) point up a layer", file=sys.stderr)
        return 1
    print("layers: every include in common/ and lib/ points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
