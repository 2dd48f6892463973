#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A fake apt-get and apt-cache (by the name it is called as) for
test-debian-kernel.sh: just the calls scripts/debian-kernel.sh makes, over
a fake archive.

$FAKE_APT_REPO/SUITE/packages lists "NAME VERSION [DEPENDS,...]" per line,
and $FAKE_APT_REPO/SUITE/NAME.deb is the package. The sources are
-o Dir::Etc::sourcelist=FILE if given, else $APT_ETC/sources.list (the
"machine's"); "apt-get update" copies each source's packages into the lists
directory (-o Dir::State::Lists=DIR, else $FAKE_APT_LISTS), and apt-cache
reads only the lists. Every call is logged to $FAKE_APT_LOG.
"""
import os
import shutil
import sys


def options(argv):
    opts, rest = {}, []
    it = iter(argv)
    for a in it:
        if a == "-o":
            k, _, v = next(it).partition("=")
            opts[k] = v
        elif a.startswith("-"):
            continue
        else:
            rest.append(a)
    return opts, rest


def sources(opts):
    path = opts.get("Dir::Etc::sourcelist") or os.path.join(os.environ["APT_ETC"], "sources.list")
    out = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0] != "deb":
                continue
            if w[1].startswith("["):
                w = [w[0]] + w[w.index(next(x for x in w if x.endswith("]"))) + 1:]
            out.append((w[1], w[2]))
    return out


def lists_dir(opts):
    return opts.get("Dir::State::Lists") or os.environ["FAKE_APT_LISTS"]


def known(opts):
    """name -> (version, depends, uri, suite) from the lists."""
    pk = {}
    d = lists_dir(opts)
    for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not fn.endswith(".packages"):
            continue
        uri, suite = open(os.path.join(d, fn + ".src")).read().split()
        for line in open(os.path.join(d, fn)):
            w = line.split()
            if w:
                pk[w[0]] = (w[1], w[2].split(",") if len(w) > 2 else [], uri, suite)
    return pk


def main():
    tool = os.path.basename(sys.argv[0])
    opts, rest = options(sys.argv[1:])
    with open(os.environ["FAKE_APT_LOG"], "a") as log:
        log.write(f"{tool} {' '.join(sys.argv[1:])} cwd={os.getcwd()}\n")
    repo = os.environ["FAKE_APT_REPO"]
    if tool == "apt-get" and rest[:1] == ["update"]:
        d = lists_dir(opts)
        os.makedirs(d, exist_ok=True)
        rc = 0
        for i, (uri, suite) in enumerate(sources(opts)):
            src = os.path.join(repo, suite, "packages")
            if not os.path.exists(src):
                if suite.endswith(("-updates", "-security")):
                    continue  # pockets a fake suite need not have
                print(f"E: The repository '{uri} {suite} Release' does not have a Release file.",
                      file=sys.stderr)
                rc = 100
                continue
            shutil.copy(src, os.path.join(d, f"{i}.packages"))
            with open(os.path.join(d, f"{i}.packages.src"), "w") as f:
                f.write(f"{uri} {suite}\n")
        return rc
    pk = known(opts)
    if tool == "apt-cache" and rest[:1] == ["depends"]:
        name = rest[1].split("=")[0]
        if name not in pk:
            return 100
        print(name)
        for d in pk[name][1]:
            print(f"  Depends: {d}")
        return 0
    if tool == "apt-cache" and rest[:1] == ["policy"]:
        name = rest[1]
        if name not in pk:
            return 0
        ver, _, uri, suite = pk[name]
        print(f"{name}:\n  Installed: (none)\n  Candidate: {ver}\n  Version table:\n"
              f"     {ver} 500\n        500 {uri} {suite}/main amd64 Packages")
        return 0
    if tool == "apt-get" and rest[:1] == ["download"]:
        for spec in rest[1:]:
            name, _, ver = spec.partition("=")
            if name not in pk or pk[name][0] != ver:
                print(f"E: Version '{ver}' for '{name}' was not found", file=sys.stderr)
                return 100
            _, _, uri, suite = pk[name]
            fn = f"{name}_{ver}_amd64.deb"
            if "--print-uris" in sys.argv:
                print(f"'{uri}/pool/{fn}' {fn} 1 SHA256:0")
            else:
                shutil.copy(os.path.join(repo, suite, name + ".deb"), fn)
        return 0
    print(f"fake-apt: {tool} {rest} is not faked", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
