#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every reference to one of our man pages names its section (suite 'docs').

Usage: check-man-refs.py DOCS_DIR

The pages are docs/man/NAME.SECTION.scd; a reference is NAME(N) in a man
page or a Markdown file under DOCS_DIR (scdoc's *NAME*(N) included). Prints
each wrong one as file:line and exits 1.
"""
import os
import re
import sys

docs = sys.argv[1]
pages = {}
for f in os.listdir(f"{docs}/man"):
    m = re.fullmatch(r"(.+)\.(\d)\.scd", f)
    if m:
        pages[m[1]] = m[2]
ref = re.compile(r"(?<![\w.-])\*?(" + "|".join(re.escape(p) for p in pages) + r")\*?\((\d)\)")
bad = []
for root, _, files in os.walk(docs):
    for f in files:
        if not f.endswith((".scd", ".md")):
            continue
        path = os.path.join(root, f)
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                for m in ref.finditer(line):
                    if m[2] != pages[m[1]]:
                        bad.append(f"{path}:{n}: {m[1]}({m[2]}) is {m[1]}({pages[m[1]]})")
print("\n".join(bad) or f"{len(pages)} pages, every reference has the right section")
sys.exit(1 if bad else 0)
