#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The fleet-box soak (scripts/fleetbox-soak.sh): make a plan, judge a run.

    soak-check.py plan --reloads N --seed S >plan.txt
    soak-check.py check SERIAL_LOG [--rss-bound KIB] [--heap-bound KIB] [--summary FILE]

`check` compares the scenario's own log (what it loaded, what sysfs read
at each sync point) with kvmcfgd's alert lines between the "SYNC N"
markers. At every sync point the set of open policy alerts, replayed from
new/resolved/changed, must equal the set of params that sysfs shows out of
policy: a param out of policy with no open alert is a missed alert, an open
alert for a param in policy is a missed resolve. A flash load (kvm loaded
wrong and removed at once) must have raised a "new" for each wrong param
before the next sync. No reload may alert a param unverified because
/dev/kvm was missing (kvm.ko loads before the vendor module that creates
it; kvmcfgd's probes wait for it). fds must not grow; VmRSS may grow by at most
--rss-bound KiB, the malloc heap (when the log has it) by at most
--heap-bound KiB. Exits 1 on any of these, 2 on a broken run.
"""
import argparse
import random
import re
import sys

POLICY = {"kvm.tdp_mmu": "Y", "kvm.mmio_caching": "Y", "kvm_amd.npt": "Y"}


def make_plan(n, seed):
    rng = random.Random(seed)
    for i in range(1, n + 1):
        mode = rng.choices(["straight", "visible", "flash", "slow"], [40, 30, 15, 15])[0]
        if i == n:
            mode, vals = "straight", (1, 1, 1)  # end in policy: every alert must resolve
        elif rng.random() < 0.4:
            vals = (1, 1, 1)
        else:
            vals = tuple(rng.randint(0, 1) for _ in range(3))
        print(i, mode, *vals)


def sections(text):
    return {m.group(1): m.group(2) for m in
            re.finditer(r"@@SECTION (.+?)@@\n(.*?)@@ENDSECTION@@", text, re.S)}


def field(line, key):
    m = re.search(r" %s=(\"(?:[^\"\\]|\\.)*\"|\S*)" % key, line)
    return m.group(1).strip('"') if m else None


def check(args):
    text = open(args.log, encoding="utf-8", errors="replace").read().replace("\r", "")
    if not re.search(r"@@KVMCFG-END rc=0@@", text):
        print("soak: the box did not finish the scenario (no '@@KVMCFG-END rc=0@@')")
        print(text[-3000:])
        return 2
    sec = sections(text)
    if "soak-log" not in sec or "alerts" not in sec:
        print("soak: sections soak-log/alerts missing")
        return 2
    syncs, flashes, loads, problems = {}, {}, [], []
    for line in sec["soak-log"].splitlines():
        w = line.split()
        if w and w[0] == "sync" and len(w) >= 4:
            kv = dict(x.split("=", 1) for x in w[4:] if "=" in x)
            syncs[int(w[1])] = {"idx": int(w[2]), "label": w[3], **kv}
        elif w and w[0] == "flash":
            kv = dict(x.split("=", 1) for x in w[2:])
            flashes[int(w[1])] = kv
        elif w and w[0] == "load":
            kv = dict(x.split("=", 1) for x in w[3:])
            loads.append((int(w[1]), w[2], kv))
            if kv.get("rc") != "0":
                problems.append(f"reload {w[1]}: modprobe failed ({line})")
        elif line.strip():
            problems.append(f"scenario: {line}")

    # Replay the daemon's alerts, interval by interval.
    events = {}  # sync n -> list of (event, ident, rule, actual) before marker n
    cur, n_alerts = [], {"new": 0, "resolved": 0, "changed": 0}
    derived = {"new": 0, "resolved": 0, "changed": 0}
    no_device = 0
    for line in sec["alerts"].splitlines():
        if "KIND=unverified" in line and "cannot open /dev/kvm" in line:
            no_device += 1
            if no_device == 1:
                problems.append("a probe ran while /dev/kvm was missing: " + line[:300])
        if line.startswith("SYNC "):
            events[int(line.split()[1])] = cur
            cur = []
            continue
        ev, mod, par, rule = (field(line, k) for k in ("EVENT", "MODULE", "PARAM", "RULE"))
        cur.append((ev, f"{mod}.{par}" if par else mod, rule, field(line, "ACTUAL")))
    tail = cur
    open_, open_derived = set(), set()
    need_new = need_res = missed_alert = missed_resolve = extra_pairs = 0
    wrong_loads = wrong_params = fresh = carried = 0
    flash_wrong = flash_caught = flash_open = 0
    prev_wrong = set()
    order = sorted(syncs)
    if order != list(range(1, len(order) + 1)) or set(events) != set(order):
        problems.append(f"sync points {order[:3]}..{order[-3:]} and markers "
                        f"{sorted(events)[:3]}..{sorted(events)[-3:]} do not line up")
    for n in order:
        s = syncs[n]
        wrong = {p for p, v in POLICY.items() if s.get(p, "-") not in ("-", v)}
        news = set()
        for ev, ident, rule, actual in events.get(n, []):
            if rule != "policy":
                derived[ev] = derived.get(ev, 0) + 1
                (open_derived.add if ev == "new" else
                 open_derived.discard if ev == "resolved" else (lambda _: None))(ident)
                continue
            n_alerts[ev] = n_alerts.get(ev, 0) + 1
            if ev == "new":
                if ident in open_:
                    problems.append(f"sync {n}: 'new' for {ident}, already open")
                open_.add(ident)
                news.add(ident)
            elif ev == "resolved":
                if ident not in open_:
                    problems.append(f"sync {n}: 'resolved' for {ident}, not open")
                open_.discard(ident)
            elif ev == "changed":
                if ident not in open_:
                    problems.append(f"sync {n}: 'changed' for {ident}, not open")
        if s["label"] == "loaded" and n > 1 and wrong:
            wrong_loads += 1
            wrong_params += len(wrong)
            # Alerted afresh in this interval, or still open from the load
            # before (no check saw the module unloaded in between).
            fresh += len(wrong & news)
            carried += len(wrong - news)
        need_new += len(wrong - prev_wrong)
        need_res += len(prev_wrong - wrong)
        for p in sorted(wrong - open_):
            missed_alert += 1
            problems.append(f"sync {n} (reload {s['idx']}, {s['label']}): {p}="
                            f"{s.get(p)} out of policy, no open alert")
        for p in sorted(open_ - wrong):
            missed_resolve += 1
            problems.append(f"sync {n} (reload {s['idx']}, {s['label']}): alert for {p} "
                            f"still open, sysfs reads {s.get(p)}")
        if s["label"] == "loaded" and s["idx"] in flashes:
            fl = flashes[s["idx"]]
            fw = {p for p, k in (("kvm.tdp_mmu", "tdp_mmu"), ("kvm.mmio_caching", "mmio_caching"))
                  if fl.get(k) == "0"}
            # A mismatch already open before the flash needs no new alert
            # unless a check saw kvm unloaded in between: judged only at syncs.
            flash_open += bool(fw & prev_wrong)
            fw -= prev_wrong
            if fw:
                flash_wrong += 1
                if fw <= news:
                    flash_caught += 1
                else:
                    problems.append(f"flash load {s['idx']} ({fl}): no 'new' alert for "
                                    f"{sorted(fw - news)}")
        # Each miss is counted once: from here on, judge against the truth.
        open_ = set(wrong)
        prev_wrong = wrong
    if tail:
        problems.append(f"{len(tail)} alert(s) after the last sync point: {tail[:5]}")
    if open_derived:
        problems.append(f"derived-rule alerts still open at the end: {sorted(open_derived)}")
    extra_pairs = n_alerts["new"] - need_new

    first, last = syncs[order[0]], syncs[order[-1]]
    fd0, fd1 = int(first["fds"]), int(last["fds"])
    rss0, rss1 = int(first["rss"]), int(last["rss"])
    fdmax = max(int(s["fds"]) for s in syncs.values())
    rssmax = max(int(s["rss"]) for s in syncs.values())
    # Where VmRSS moved (sync, reload, KiB): a steady leak steps often, a
    # one-off fault-in once.
    rss_steps, prev = [], None
    for n in order:
        r = int(syncs[n]["rss"])
        if prev is not None and r != prev:
            rss_steps.append((n, syncs[n]["idx"], r - prev))
        prev = r
    if fd1 > fd0 or fdmax > fd0 + 2:
        problems.append(f"fds grew: {fd0} -> {fd1} (max {fdmax})")
    if rss1 - rss0 > args.rss_bound:
        problems.append(f"VmRSS grew {rss1 - rss0} KiB (> {args.rss_bound}): {rss0} -> {rss1}")
    heap_line = []
    if "heap" in first:
        # The malloc heap alone: warm-up growth is a few pages, a leak or an
        # allocator creep is more (docs/reliability.md, the RSS step).
        heap0, heap1 = int(first["heap"]), int(last["heap"])
        heapmax = max(int(s["heap"]) for s in syncs.values())
        heap_line = [f"kvmcfgd heap KiB: {heap0} -> {heap1} (max {heapmax})"]
        if heapmax - heap0 > args.heap_bound:
            problems.append(f"heap grew {heapmax - heap0} KiB (> {args.heap_bound}): "
                            f"{heap0} -> max {heapmax}")
    m = re.search(r"soak-seconds=([\d.]+) ([\d.]+)", text)
    secs = float(m.group(2)) - float(m.group(1)) if m else float("nan")
    ex = re.search(r"kvmcfgd-exit=(\d+)", text)
    if not ex or ex.group(1) != "0":
        problems.append(f"kvmcfgd exit: {ex.group(1) if ex else 'none'}")
    modes = {}
    for _, mode, _ in loads:
        modes[mode] = modes.get(mode, 0) + 1
    summary = [
        f"reloads: {len(loads)} ({', '.join(f'{k} {v}' for k, v in sorted(modes.items()))})",
        f"sync points: {len(order)}",
        f"wrong loads (out of policy after the reload): {wrong_loads}, {wrong_params} wrong params: "
        f"{fresh} alerted in their reload, {carried} with the alert still open from the load before",
        f"flash loads with a param newly out of policy: {flash_wrong}, alerted: {flash_caught} "
        f"(and {flash_open} whose wrong param was already alerted)",
        f"policy alerts: new {n_alerts['new']} (needed {need_new}), "
        f"resolved {n_alerts['resolved']} (needed {need_res}), changed {n_alerts['changed']}",
        f"extra new/resolved pairs (a check between rmmod and modprobe, or a flash): {extra_pairs}",
        f"derived-rule alerts: new {derived['new']}, resolved {derived['resolved']}, "
        f"changed {derived['changed']}",
        f"missed alerts: {missed_alert}, missed resolves: {missed_resolve}",
        f"unverified alerts for a missing /dev/kvm: {no_device}",
        f"kvmcfgd fds: {fd0} -> {fd1} (max {fdmax}); VmRSS KiB: {rss0} -> {rss1} (max {rssmax})",
        *([f"kvmcfgd RssAnon KiB: {first['anon']} -> {last['anon']}, RssFile KiB: "
           f"{first['file']} -> {last['file']}, RssShmem KiB: {first.get('shmem')} -> {last.get('shmem')}; "
           f"VmRSS steps (sync, reload, KiB): {rss_steps}"] if "anon" in first else []),
        *heap_line,
        f"soak wall time in the box: {secs:.0f} s",
        f"problems: {len(problems)}",
    ]
    print("\n".join(summary))
    for p in problems[:50]:
        print("  " + p)
    if args.summary:
        with open(args.summary, "w") as f:
            f.write("\n".join(summary + ["  " + p for p in problems[:50]]) + "\n")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--reloads", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    c = sub.add_parser("check")
    c.add_argument("log")
    c.add_argument("--rss-bound", type=int, default=256)
    c.add_argument("--heap-bound", type=int, default=64)
    c.add_argument("--summary")
    args = ap.parse_args()
    if args.cmd == "plan":
        make_plan(args.reloads, args.seed)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
