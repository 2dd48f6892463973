#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Integration tests: the real kvmcfgd binary against a fake sysfs tree.

Usage: integration-kvmcfgd.py KVMCFGD RECORDER CASE

Each CASE is one meson test, bounded well under 10 s. The daemon runs with
--sysfs-root pointing at a temporary tree that the test changes under it,
a NOTIFY_SOCKET bound here (a datagram socket, as systemd's), a datagram
socketpair as --test-uevent-fd to inject module uevents, and its stderr
captured: there is no journald here, so the daemon's journal entries come as
stderr lines with the same KEY=value fields, which is what these tests read
(if a journal socket does exist, --log-target=stderr forces the same path).
SIGUSR1 ("check now") makes checks happen when the test wants them.
"""
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

MISMATCH = "7f3bd14ff61f47d1871992e000f5df85"
RESOLVED = "069d321c51a64f82a632f49ca19512a8"
CHANGED = "0057e2efbbd040179fe80defc4022a4f"
POLICY_REJECTED = "6ad40dd231334f7d87a66f1b75537861"
CHECK_FAILED = "9138a7bde1ed45fdb832c69a2fbf5093"
CONTRADICTED = "2d708668f04f4b308c156622d298efa0"

KVMCFGD = RECORDER = None
# The vendor policy path this build reads (meson passes it).
VENDOR_POLICY = os.environ.get("KVMCFG_TEST_VENDOR_POLICY")


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def parse_fields(line):
    """KEY=value and KEY="quoted \\"value\\"" pairs of a stderr log line."""
    fields = {}
    for m in re.finditer(r' ([A-Z_][A-Z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)', line):
        v = m.group(2)
        if v.startswith('"'):
            v = re.sub(r'\\x([0-9a-f]{2})', lambda x: chr(int(x.group(1), 16)), v[1:-1])
            v = re.sub(r'\\(.)', lambda x: {"n": "\n", "t": "\t"}.get(x.group(1), x.group(1)), v)
        fields[m.group(1)] = v
    return fields


class Tree:
    """A fake /sys: <root>/module/<m>/parameters/<p>."""

    def __init__(self, base):
        self.root = os.path.join(base, "sys")
        os.makedirs(os.path.join(self.root, "module"))

    def set(self, module, param, value):
        d = os.path.join(self.root, "module", module, "parameters")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, param), "w", encoding="utf-8") as f:
            f.write(value + "\n")

    def unload(self, module):
        d = os.path.join(self.root, "module", module)
        for dirpath, dirnames, filenames in os.walk(d, topdown=False):
            for n in filenames:
                os.unlink(os.path.join(dirpath, n))
            os.rmdir(dirpath)


class Daemon:
    running = []  # every daemon started, killed at the end whatever happened

    def __init__(self, base, args, env=None):
        self.base = base
        self.lines = []
        self.usr1_checks = 0     # SIGUSR1 checks asked for by check_now()
        self.cond = threading.Condition()
        self.notify_path = os.path.join(base, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notifications = []
        self.uevent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        e = dict(os.environ)
        for k in ("JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID"):
            e.pop(k, None)
        e["NOTIFY_SOCKET"] = self.notify_path
        e.update(env or {})
        argv = [KVMCFGD, "--test-uevent-fd=%d" % child.fileno(), "--log-level=debug"]
        # The trees here are fake: the reality probes would judge their values
        # against this host's real KVM. The verify cases ask for them.
        if not any(a.startswith("--verify=") for a in args):
            argv.append("--verify=no")
        if os.path.exists("/run/systemd/journal/socket"):
            argv.append("--log-target=stderr")
        self.proc = subprocess.Popen(argv + args, pass_fds=[child.fileno()], env=e,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        child.close()
        Daemon.running.append(self.proc)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def log(self):
        with self.cond:
            return list(self.lines)

    def wait_log(self, pattern, timeout=4.0, count=1):
        """Wait until @count stderr lines match @pattern; return them."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [l for l in self.lines if rx.search(l)]
                if len(hits) >= count:
                    return hits
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self.reader.is_alive():
                    raise Failure("no %d line(s) matching %r in:\n  %s" %
                                  (count, pattern, "\n  ".join(self.lines)))
                self.cond.wait(left)

    def alerts(self, message_id, param=None):
        out = []
        for l in self.log():
            f = parse_fields(l)
            if f.get("MESSAGE_ID") == message_id and (param is None or f.get("PARAM") == param):
                out.append(f)
        return out

    def wait_notify(self, pred, timeout=4.0):
        end = time.monotonic() + timeout
        for m in self.notifications:
            if pred(m):
                return m
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Failure("no matching notification; got %r" % self.notifications)
            r, _, _ = select.select([self.notify], [], [], left)
            if r:
                m = self.notify.recv(4096).decode()
                self.notifications.append(m)
                if pred(m):
                    return m

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=4.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("kvmcfgd did not stop within %.0fs of SIGTERM" % timeout)
        self.reader.join(2)
        # Keep what it sent before exiting (STOPPING=1), then close.
        self.notify.setblocking(False)
        try:
            while True:
                self.notifications.append(self.notify.recv(4096).decode())
        except BlockingIOError:
            pass
        self.notify.close()
        self.uevent.close()
        return rc


def children(pid):
    """(pid, state) of each child of @pid, from /proc."""
    out = []
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        for c in f.read().split():
            try:
                with open("/proc/%s/stat" % c) as s:
                    out.append((int(c), s.read().rpartition(")")[2].split()[0]))
            except (FileNotFoundError, ProcessLookupError):
                # Reaped between the list and the read: the read of a dying
                # process's stat can fail with ESRCH after the open worked.
                pass
    return out


def wait_no_children(pid, timeout=3.0):
    """Every child exited and was reaped (a zombie left behind fails this)."""
    end = time.monotonic() + timeout
    while children(pid) and time.monotonic() < end:
        time.sleep(0.02)
    check(children(pid) == [], "children left: %r" % children(pid))


def textfile_metrics(path):
    """name{labels} -> value, from the Prometheus textfile."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            key, _, value = line.rstrip("\n").rpartition(" ")
            out[key] = float(value)
    return out


def parse_textfile(path):
    """Samples of the textfile as prometheus_client's parser reads it (fails if invalid)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "parse-textfile.py")
    for py in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([py, "-c", "import prometheus_client"],
                          capture_output=True).returncode == 0:
            break
    else:
        raise Failure("no python3 with prometheus_client (Debian: python3-prometheus-client, "
                      "scripts/deps.sh test installs it)")
    p = subprocess.run([py, script, path], capture_output=True, text=True, timeout=5)
    check(p.returncode == 0, "textfile rejected by prometheus_client: " + p.stderr)
    return [json.loads(l) for l in p.stdout.splitlines()]


def wait_checks(prom, n, timeout=4.0):
    """Wait until the daemon has run at least n checks (kvmcfg_checks_total)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            m = textfile_metrics(prom)
            if m.get("kvmcfg_checks_total", 0) >= n:
                return m
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    raise Failure("fewer than %d checks after %.0fs" % (n, timeout))


def check_now(d, prom):
    """SIGUSR1 and wait for that check to be done; returns the metrics.

    The textfile is written last in a check, but the alert lines reach this
    process through a pipe and a reader thread: on a loaded machine the
    file can be there before the thread has read them. So also wait for the
    check's own debug line, "Check (SIGUSR1): ...", which the daemon writes
    after its alerts. Soft: a check whose debug line could not be written
    (the fault tests fail allocations) is judged by the caller's asserts."""
    n = textfile_metrics(prom)["kvmcfg_checks_total"]
    d.usr1_checks += 1
    d.signal(signal.SIGUSR1)
    m = wait_checks(prom, n + 1)
    try:
        d.wait_log(r"^Check \(SIGUSR1\)", count=d.usr1_checks)
    except Failure:
        pass
    return m


POLICY = """[kvm]
Required=yes
tdp_mmu=Y
mmio_caching=Y

[kvm_amd]
Required=no
npt=Y
"""


def setup(base, policy=POLICY):
    tree = Tree(base)
    tree.set("kvm", "tdp_mmu", "Y")
    tree.set("kvm", "mmio_caching", "Y")
    pol = os.path.join(base, "policy.conf")
    with open(pol, "w", encoding="utf-8") as f:
        f.write(policy)
    prom = os.path.join(base, "kvmcfg.prom")
    args = ["--sysfs-root=" + tree.root, "--policy=" + pol, "--policy-dropins=none",
            "--textfile=" + prom]
    return tree, pol, prom, args


def case_notify(base):
    """READY=1, STATUS= with the verdict, WATCHDOG=1, STOPPING=1, clean exit."""
    tree, _, prom, args = setup(base)
    d = Daemon(base, args + ["--interval=1h"], env={"WATCHDOG_USEC": "300000"})
    d.wait_notify(lambda m: "READY=1" in m.split("\n"))
    d.wait_notify(lambda m: "STATUS=OK: all parameters match the policy" in m)
    # sd_event_set_watchdog() pings at half of WATCHDOG_USEC by itself.
    d.wait_notify(lambda m: "WATCHDOG=1" in m.split("\n"), timeout=2)
    tree.set("kvm", "tdp_mmu", "N")
    check_now(d, prom)
    d.wait_notify(lambda m: "STATUS=MISMATCH: 1 problem: kvm.tdp_mmu=N (expected Y)" in m)
    rc = d.stop()
    check(any("STOPPING=1" in m.split("\n") for m in d.notifications),
          "STOPPING=1 sent: %r" % d.notifications)
    check(rc == 0, "exit status 0 after SIGTERM, got %s" % rc)
    d.wait_log(r"^Received Terminated, stopping\.")


def case_changes(base):
    """A tree that changes under the daemon: one alert per transition, never per check."""
    tree, _, prom, args = setup(base)
    d = Daemon(base, args + ["--interval=1h"])
    wait_checks(prom, 1)
    check(d.alerts(MISMATCH) == [], "no alert while everything matches")

    tree.set("kvm", "tdp_mmu", "N")
    for _ in range(3):
        m = check_now(d, prom)
    new = d.alerts(MISMATCH, "tdp_mmu")
    check(len(new) == 1, "exactly one alert for three checks of one mismatch, got %d" % len(new))
    f = new[0]
    check((f["MODULE"], f["PARAM"], f["EXPECTED"], f["ACTUAL"], f["SEVERITY"]) ==
          ("kvm", "tdp_mmu", "Y", "N", "critical"), "journal fields: %r" % f)
    check(f["ORIGIN"].endswith("policy.conf:3"), "origin names file:line: %r" % f["ORIGIN"])
    check(m['kvmcfg_transitions_total{kind="new"}'] == 1, "new counter 1")
    check(m["kvmcfg_ok"] == 0, "kvmcfg_ok 0 on mismatch")

    # A value that needs escaping, in the journal fields and in the textfile.
    odd = 'a"b\\c d\nline2'
    tree.set("kvm", "mmio_caching", odd)
    check_now(d, prom)
    got = d.alerts(MISMATCH, "mmio_caching")
    check(len(got) == 1 and got[0]["ACTUAL"] == odd, "escaped ACTUAL round-trips: %r" % got)
    with open(prom, encoding="utf-8") as fp:
        text = fp.read()
    check('param="mmio_caching",rule="policy",kind="mismatch",expected="Y",'
          'actual="a\\"b\\\\c d\\nline2"' in text, "textfile label escaped:\n" + text)
    # And the reference parser reads the same value back out of the whole file.
    samples = parse_textfile(prom)
    odd_gauges = [s for s in samples if s["name"] == "kvmcfg_mismatch_info" and
                  s["labels"]["param"] == "mmio_caching"]
    check(len(odd_gauges) == 1 and odd_gauges[0]["labels"]["actual"] == odd and
          odd_gauges[0]["value"] == 1, "prometheus_client parses it back: %r" % odd_gauges)

    # The actual value changes while still wrong: one "changed" alert.
    tree.set("kvm", "tdp_mmu", "maybe")
    check_now(d, prom)
    ch = d.alerts(CHANGED, "tdp_mmu")
    check(len(ch) == 1 and ch[0]["ACTUAL"] == "maybe" and ch[0]["PREVIOUS_ACTUAL"] == "N",
          "changed alert with previous value: %r" % ch)

    # Both back to policy: one resolved each, then quiet.
    tree.set("kvm", "tdp_mmu", "1")      # 1 means Y
    tree.set("kvm", "mmio_caching", "Y")
    check_now(d, prom)
    m = check_now(d, prom)
    res = d.alerts(RESOLVED)
    check(sorted(r["PARAM"] for r in res) == ["mmio_caching", "tdp_mmu"],
          "one resolved per param: %r" % res)
    check(m["kvmcfg_ok"] == 1, "kvmcfg_ok back to 1")
    check(m['kvmcfg_transitions_total{kind="resolved"}'] == 2, "resolved counter 2")
    check(not any(k.startswith("kvmcfg_mismatch{") for k in m), "no mismatch gauges left")
    check(len(d.alerts(MISMATCH)) == 2, "still only the two original alerts")
    parsed = {s["name"]: s["value"] for s in parse_textfile(prom) if not s["labels"]}
    check(parsed.get("kvmcfg_ok") == 1 and parsed.get("kvmcfg_checks_total") == m["kvmcfg_checks_total"],
          "the reference parser agrees: %r" % parsed)
    check(d.stop() == 0, "clean exit")


def case_interval(base):
    """No trigger at all: the interval check finds the change by itself."""
    tree, _, prom, args = setup(base)
    d = Daemon(base, args + ["--interval=300ms"])
    wait_checks(prom, 1)
    tree.set("kvm", "tdp_mmu", "N")
    t0 = time.monotonic()
    d.wait_log(MISMATCH, timeout=3)
    check(time.monotonic() - t0 < 2, "interval check within 2s")
    m = wait_checks(prom, 3)
    check(m["kvmcfg_checks_total"] >= 3, "several interval checks ran")
    check(len(d.alerts(MISMATCH)) == 1, "alerted once across interval checks")
    check(d.stop() == 0, "clean exit")


def wakeups(pid):
    """Context switches of @pid so far: a sleeping process adds none."""
    n = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                n += int(line.split()[1])
    return n


def case_idle(base):
    """No busy polling: between checks the daemon does not wake up at all."""
    tree, _, prom, args = setup(base)
    d = Daemon(base, args + ["--interval=1h"])
    d.wait_notify(lambda m: "READY=1" in m.split("\n"))
    time.sleep(0.2)
    before = wakeups(d.proc.pid)
    time.sleep(1.5)
    after = wakeups(d.proc.pid)
    check(after == before, "woke %d times in 1.5s while idle" % (after - before))
    # And it is alive: a check still runs on request, and that does count.
    check_now(d, prom)
    check(wakeups(d.proc.pid) > after, "a check wakes it (the counter works)")
    check(d.stop() == 0, "clean exit")


def case_reload(base):
    """SIGHUP with a good policy, then a broken one: rejected, file:line logged, old kept."""
    tree, pol, prom, args = setup(base)
    d = Daemon(base, args + ["--interval=1h"])
    d.wait_notify(lambda m: "READY=1" in m.split("\n"))
    check(d.alerts(MISMATCH) == [], "starts clean")

    with open(pol, "w", encoding="utf-8") as f:
        f.write("[kvm]\nRequired=yes\ntdp_mmu=N\n")
    d.signal(signal.SIGHUP)
    d.wait_notify(lambda m: "RELOADING=1" in m.split("\n"))
    d.wait_log(r"^Policy reloaded: 1 rules")
    d.wait_log(MISMATCH)
    f = d.alerts(MISMATCH)[0]
    check(f["PARAM"] == "tdp_mmu" and f["EXPECTED"] == "N" and f["ORIGIN"].endswith(":3"),
          "new policy in force: %r" % f)

    with open(pol, "w", encoding="utf-8") as fp:
        fp.write("[kvm]\nRequired=yes\ntdp_mmu=Y\nthis is not a rule\n")
    d.signal(signal.SIGHUP)
    line = d.wait_log(POLICY_REJECTED)[0]
    check(re.search(r"^Policy rejected: " + re.escape(pol) + r":4: ", line),
          "rejection names file:line: " + line)
    fields = parse_fields(line)
    check(fields["POLICY_FILE"] == pol and fields["POLICY_LINE"] == "4", "fields: %r" % fields)
    d.wait_log(r"^Keeping the previous policy \(1 rules\)")
    m = wait_checks(prom, 3)
    # The broken file said tdp_mmu=Y; had it been applied, the mismatch would resolve.
    check(d.alerts(RESOLVED) == [], "old policy kept: no resolution")
    check(m["kvmcfg_reload_failures_total"] == 1 and m["kvmcfg_reloads_total"] == 2,
          "reload counters")
    check(any(k.startswith('kvmcfg_mismatch{module="kvm",param="tdp_mmu"') for k in m),
          "mismatch still reported under the old policy")
    # Monitoring sees the rejection, and which policy is still in force.
    digest = lambda m: [k for k in m if k.startswith("kvmcfg_policy_info{sha256=")]
    check(m["kvmcfg_reload_failed"] == 1 and m["kvmcfg_policy_rules"] == 1,
          "reload_failed 1, the old policy's 1 rule: %r" % m)
    old = digest(m)
    check(len(old) == 1 and re.fullmatch(r'kvmcfg_policy_info\{sha256="[0-9a-f]{64}"\}', old[0]),
          "policy_info: %r" % old)

    with open(pol, "w", encoding="utf-8") as fp:
        fp.write(POLICY)
    d.signal(signal.SIGHUP)
    d.wait_log(RESOLVED)
    m = wait_checks(prom, 4)
    check(m["kvmcfg_reload_failed"] == 0, "a good reload clears reload_failed")
    check(len(digest(m)) == 1 and digest(m) != old, "new policy, new digest: %r" % digest(m))
    check(d.stop() == 0, "clean exit")


def uevent(action, module, seqnum):
    return ("%s@/module/%s\0ACTION=%s\0DEVPATH=/module/%s\0SUBSYSTEM=module\0SEQNUM=%d\0" %
            (action, module, action, module, seqnum)).encode()


def case_uevent(base):
    """A module loads with a wrong param and is gone again before the settle check:
    the check on the uevent itself still reports it, then it resolves."""
    tree, _, prom, args = setup(base)
    settle = 2.0
    d = Daemon(base, args + ["--interval=1h", "--settle-delay=%dms" % (settle * 1000)])
    wait_checks(prom, 1)
    # Junk and udev re-broadcasts on the socket are ignored, never fatal.
    d.uevent.send(b"garbage")
    d.uevent.send(b"libudev\0\xfe\xed\xca\xfe")

    tree.set("kvm_amd", "npt", "N")
    t0 = time.monotonic()
    d.uevent.send(uevent("add", "kvm_amd", 100))
    d.wait_log(MISMATCH + ".* PARAM=npt ")
    elapsed = time.monotonic() - t0
    check(elapsed < settle, "alert from the immediate check (%.2fs < settle %.1fs)" %
          (elapsed, settle))
    f = d.alerts(MISMATCH, "npt")[0]
    check((f["MODULE"], f["PARAM"], f["ACTUAL"]) == ("kvm_amd", "npt", "N"), "fields %r" % f)
    # kvm.tdp_mmu=Y with npt=N also breaks the derived rule "TDP MMU needs TDP".
    check(any(a.get("KIND") == "derived" for a in d.alerts(MISMATCH, "tdp_mmu")),
          "derived rule alert: %r" % d.alerts(MISMATCH))

    # Unloaded again, well before the settle check runs.
    tree.unload("kvm_amd")
    d.uevent.send(uevent("remove", "kvm_amd", 101))
    d.wait_log(RESOLVED + ".* PARAM=npt ", timeout=settle + 2)
    d.wait_log(RESOLVED + ".* PARAM=tdp_mmu ")
    # Checks: start, the load (at once), then one settle check for the burst;
    # an unload alone waits for the settle check.
    m = wait_checks(prom, 3, timeout=settle + 2)
    check(m["kvmcfg_module_uevents_total"] == 2, "two module uevents counted")
    time.sleep(0.3)
    m = textfile_metrics(prom)
    check(m["kvmcfg_checks_total"] == 3, "one debounced settle check, got %d checks" %
          m["kvmcfg_checks_total"])
    check(d.alerts(MISMATCH, "npt") and len(d.alerts(MISMATCH, "npt")) == 1,
          "one npt alert for the whole load/unload")
    check(d.stop() == 0, "clean exit")


def recorded(outdir):
    out = []
    for n in sorted(os.listdir(outdir)):
        if n.endswith(".json"):
            with open(os.path.join(outdir, n), encoding="utf-8", errors="surrogateescape") as f:
                out.append(json.load(f))
    return out


def wait_recorded(outdir, n, timeout=4.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = recorded(outdir)
        if len(r) >= n:
            return r
        time.sleep(0.02)
    raise Failure("AlertCommand ran %d times, expected %d" % (len(recorded(outdir)), n))


def alert_daemon(base, recorder_args, timeout, tail=""):
    """A daemon whose AlertCommand= is the recorder writing into base/alerts;
    @tail is appended to the command line as written (quotes and all)."""
    tree, _, prom, args = setup(base)
    out = os.path.join(base, "alerts")
    os.mkdir(out)
    cmd = " ".join([sys.executable, RECORDER] + recorder_args + [out]) + tail
    d = Daemon(base, args + ["--interval=1h", "--alert-command=" + cmd,
                             "--alert-timeout=" + timeout])
    wait_checks(prom, 1)
    return tree, prom, out, d


def case_alert_command(base):
    """AlertCommand= gets the finding in its environment, shell metacharacters intact."""
    pwned = os.path.join(base, "pwned")
    tree, prom, out, d = alert_daemon(base, [], "30s", tail=" 'two words' \"a\\\"b\"")
    nasty = "$(touch %s); `touch %s` \"q\" 'x' | * ; \\ & > %s" % (pwned, pwned, pwned)
    tree.set("kvm", "mmio_caching", nasty)
    check_now(d, prom)
    rec = wait_recorded(out, 1)[0]
    env = rec["env"]
    check(env["KVMCFG_ACTUAL"] == nasty, "ACTUAL byte for byte: %r" % env["KVMCFG_ACTUAL"])
    check(env["KVMCFG_EVENT"] == "new" and env["KVMCFG_MODULE"] == "kvm" and
          env["KVMCFG_PARAM"] == "mmio_caching" and env["KVMCFG_EXPECTED"] == "Y" and
          env["KVMCFG_SEVERITY"] == "critical", "env: %r" % env)
    check("mismatch" in env["KVMCFG_MESSAGE"], "KVMCFG_MESSAGE")
    check(rec["argv"] == [RECORDER, out, "two words", 'a"b'],
          "argv split without a shell: %r" % rec["argv"])
    check(rec["leaked"] == [], "service manager variables not passed on: %r" % rec["leaked"])
    check(rec["stdin_is_devnull"], "stdin is /dev/null")
    check(not os.path.exists(pwned), "nothing was run through a shell")

    tree.set("kvm", "mmio_caching", "Y")
    check_now(d, prom)
    recs = wait_recorded(out, 2)
    check(sorted(r["env"]["KVMCFG_EVENT"] for r in recs) == ["new", "resolved"],
          "one run per transition: %r" % [r["env"]["KVMCFG_EVENT"] for r in recs])
    m = check_now(d, prom)
    check(m["kvmcfg_alert_commands_total"] == 2 and m["kvmcfg_alert_command_failures_total"] == 0,
          "alert command counters")
    wait_no_children(d.proc.pid)
    check(d.stop() == 0, "clean exit")


def case_alert_timeout(base):
    """A hanging AlertCommand is killed at its timeout and never blocks the loop."""
    tree, prom, out, d = alert_daemon(base, ["--sleep", "30", "--ignore-term"], "500ms")
    tree.set("kvm", "tdp_mmu", "N")
    check_now(d, prom)
    wait_recorded(out, 1)
    # The command sleeps (and ignores SIGTERM); the daemon keeps checking meanwhile.
    for _ in range(3):
        check_now(d, prom)
    check(children(d.proc.pid) != [], "the command still runs")
    check(not any("SIGKILL" in l for l in d.log()), "checks ran before the command was killed")
    d.wait_log(r"still runs after its timeout, sending SIGTERM", timeout=3)
    d.wait_log(r"ignored SIGTERM, sending SIGKILL", timeout=4)
    d.wait_log(r"was killed by signal Killed after its timeout", timeout=2)
    m = check_now(d, prom)
    check(m["kvmcfg_alert_command_timeouts_total"] == 1, "timeout counted")
    check(m["kvmcfg_alert_command_failures_total"] == 1, "failure counted")
    wait_no_children(d.proc.pid)
    check(d.stop() == 0, "clean exit")


def case_stop_drains(base):
    """SIGTERM while an alert command runs: wait for it (bounded by its timeout), exit 0."""
    tree, prom, out, d = alert_daemon(base, ["--sleep", "1"], "5s")
    tree.set("kvm", "tdp_mmu", "N")
    check_now(d, prom)
    wait_recorded(out, 1)
    t0 = time.monotonic()
    rc = d.stop(timeout=5)
    took = time.monotonic() - t0
    check(rc == 0, "exit 0, got %s" % rc)
    d.wait_log(r"^Waiting for 1 alert command\(s\) to finish\.")
    check(0.3 < took < 4, "stopped once the command finished (%.2fs)" % took)
    check(not any("killed" in l for l in d.log()), "the command was not killed")


def run(argv, timeout=5):
    if not any(a.startswith("--verify=") for a in argv):
        argv = argv + ["--verify=no"]
    p = subprocess.run([KVMCFGD] + argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def case_errors(base):
    """Command line and configuration errors are clear, with file:line; no crash."""
    rc, out, _ = run(["--help"])
    check(rc == 0 and out.startswith("Usage: kvmcfgd"), "--help")
    rc, out, _ = run(["--version"])
    check(rc == 0 and re.match(r"^kvmcfgd \d+\.\d+", out), "--version: %r" % out)
    rc, _, err = run(["--bogus"])
    check(rc == 2 and "--help" in err, "unknown option: %d %r" % (rc, err))
    rc, _, err = run(["--interval=soon"])
    check(rc == 2 and "command line: Interval=soon is not a time span" in err, err)
    rc, _, err = run(["extra"])
    check(rc == 2 and "unexpected argument 'extra'" in err, err)
    conf = os.path.join(base, "kvmcfgd.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[Daemon]\nInterval=5s\nSettleDelay=fast\n")
    rc, _, err = run(["--config=" + conf])
    check(rc == 2 and conf + ":3: SettleDelay=fast is not a time span" in err, err)
    rc, _, err = run(["--config=" + os.path.join(base, "missing.conf")])
    check(rc == 2 and "missing.conf: No such file or directory" in err, err)

    tree, pol, prom, args = setup(base)
    with open(pol, "w", encoding="utf-8") as f:
        f.write("[kvm]\ntdp_mmu=Y\ntdp_mmu=N\n")
    rc, _, err = run(args + ["--log-target=stderr"])
    check(rc == 1 and re.search(r"Policy rejected: " + re.escape(pol) + r":3: ", err),
          "broken policy at start: %d %r" % (rc, err))
    rc, _, err = run(args[:1] + ["--policy=" + os.path.join(base, "nope.conf"),
                                 "--log-target=stderr"])
    check(rc == 1 and "nope.conf" in err, "missing policy: %d %r" % (rc, err))


def case_check_config(base):
    """--check-config (sshd -t): every error of kvmcfgd.conf and of the policy, exit 2;
    exit 0 and a summary when both are good. Relative paths as kvmcfgctl takes them."""
    tree, pol, prom, args = setup(base)
    conf = os.path.join(base, "kvmcfgd.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[Daemon]\nInterval=soon\nSettleDelay=fast\nBogus=1\n"
                "Policy=%s\nPolicyDropins=none\n" % pol)
    with open(pol, "w", encoding="utf-8") as f:
        f.write("[kvm]\ntdp_mmu=Y\ntdp_mmu=N\nx = 1 # c\n")
    rc, out, err = run(["--config=" + conf, "--check-config"])
    check(rc == 2, "exit 2 on errors: %d %r" % (rc, err))
    for want in (conf + ":2: Interval=soon is not a time span",
                 conf + ":3: SettleDelay=fast is not a time span",
                 conf + ":4: unknown key 'Bogus'",
                 pol + ":3: duplicate rule for kvm.tdp_mmu",
                 pol + ":4: kvm.x: '#' starts a comment only at the start of a line",
                 "kvmcfgd: configuration invalid, policy invalid (2 errors)"):
        check(want in err, "%r in:\n%s" % (want, err))
    check(out == "", "nothing on stdout: %r" % out)
    # Nothing ran: no textfile, no check.
    check(not os.path.exists(prom), "--check-config does not start the daemon")

    with open(conf, "w", encoding="utf-8") as f:
        f.write("[Daemon]\nPolicy=%s\nPolicyDropins=none\n" % pol)
    with open(pol, "w", encoding="utf-8") as f:
        f.write(POLICY)
    rc, out, err = run(["--config=" + conf, "--check-config"])
    check(rc == 0 and "kvmcfgd: configuration ok (%s), policy ok (%s: 2 sections, " % (conf, pol)
          in out, "good: %d %r %r" % (rc, out, err))
    # A policy that asserts nothing is refused here as at start.
    with open(pol, "w", encoding="utf-8") as f:
        f.write("# nothing yet\n")
    rc, _, err = run(["--config=" + conf, "--check-config"])
    check(rc == 2 and pol + ": the policy asserts nothing" in err, err)

    # Relative --sysfs-root and --policy: taken from the current directory, as
    # kvmcfgctl takes them (the file still wants absolute paths).
    with open(pol, "w", encoding="utf-8") as f:
        f.write(POLICY)
    p = subprocess.run([KVMCFGD, "--check-config", "--config=" + conf, "--sysfs-root=sys",
                        "--policy=policy.conf"], cwd=base, capture_output=True, text=True,
                       timeout=5)
    check(p.returncode == 0, "relative paths accepted: %r" % p.stderr)
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[Daemon]\nSysfsRoot=sys\n")
    rc, _, err = run(["--config=" + conf, "--check-config", "--policy=" + pol])
    check(rc == 2 and "SysfsRoot=sys is not an absolute path" in err, err)

    # --help names the policy paths this build reads.
    rc, out, _ = run(["--help"])
    m = re.search(r"--policy=FILE\s+main policy file \(default (\S+),\s+else (\S+)\)", out)
    check(m is not None, out)
    check(m.group(1) == "/etc/kvmcfgd/policy.conf" and m.group(2).endswith("/lib/kvmcfgd/policy.conf"),
          "paths: %r" % (m.groups(),))
    check(m.group(2) == VENDOR_POLICY, "--help says %s, the build reads %s"
          % (m.group(2), VENDOR_POLICY))


def case_unreadable_root(base):
    """A sysfs root without module/: the daemon runs, says ERROR, and recovers."""
    tree, _, prom, args = setup(base)
    os.rename(os.path.join(tree.root, "module"), os.path.join(tree.root, "gone"))
    d = Daemon(base, args + ["--interval=1h"])
    d.wait_notify(lambda m: "STATUS=ERROR: cannot check " + tree.root in m)
    d.wait_notify(lambda m: "READY=1" in m.split("\n"))
    line = d.wait_log(CHECK_FAILED)[0]
    check(parse_fields(line).get("SYSFS_ROOT") == tree.root, line)
    m = wait_checks(prom, 1)
    check(m["kvmcfg_check_failures_total"] == 1 and m["kvmcfg_ok"] == 0, "failure in textfile")
    check_now(d, prom)
    check(len(d.alerts(CHECK_FAILED)) == 1, "a lasting failure is logged once")
    os.rename(os.path.join(tree.root, "gone"), os.path.join(tree.root, "module"))
    m = check_now(d, prom)
    check(m["kvmcfg_ok"] == 1, "recovered")
    d.wait_log(r"works again")
    check(d.stop() == 0, "clean exit")


CASES = {
    "notify": case_notify,
    "changes": case_changes,
    "interval": case_interval,
    "idle": case_idle,
    "reload": case_reload,
    "uevent": case_uevent,
    "alert-command": case_alert_command,
    "alert-timeout": case_alert_timeout,
    "stop-drains": case_stop_drains,
    "errors": case_errors,
    "unreadable-root": case_unreadable_root,
    "check-config": case_check_config,
}


def alive(pid):
    """Running (not gone, not a zombie)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False  # gone; a stat read can fail with ESRCH as it goes


def escaping_hook(base, then, double_fork=True):
    """A shell AlertCommand that starts `sleep 1000` in a new session, with a
    double fork (the way a daemon escapes: it is orphaned at once) or as its
    own child (it stays in the command's tree, out of its session), records
    its pid, then runs @then."""
    pidfile = os.path.join(base, "escaped.pid")
    hook = os.path.join(base, "hook.sh")
    with open(hook, "w") as f:
        if double_fork:
            f.write("#!/bin/sh\n"
                    "setsid sh -c 'sleep 1000 & echo $! > %s' </dev/null >/dev/null 2>&1 &\n"
                    "%s\n" % (pidfile, then))
        else:
            f.write("#!/bin/sh\nsetsid sleep 1000 </dev/null >/dev/null 2>&1 &\n"
                    "echo $! > %s\n%s\n" % (pidfile, then))
    os.chmod(hook, 0o755)
    return hook, pidfile


def wait_pidfile(path, timeout=4.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path) as f:
                return int(f.read())
        except (FileNotFoundError, ValueError):
            time.sleep(0.02)
    raise Failure("the hook never wrote %s" % path)


def case_alert_escape(base):
    """Issue 19 item 6: an AlertCommand that calls setsid and double-forks no
    longer outlives its timeout as a root orphan, nor a run that exits 0."""
    for n, (then, timeout, double_fork) in enumerate((("exec sleep 30", "500ms", True),
                                                      ("exec sleep 30", "500ms", False),
                                                      ("sleep 0.5; exit 0", "30s", True))):
        sub = os.path.join(base, str(n))
        os.mkdir(sub)
        tree, _, prom, args = setup(sub)
        hook, pidfile = escaping_hook(sub, then, double_fork)
        d = Daemon(sub, args + ["--interval=1h", "--alert-command=" + hook,
                                "--alert-timeout=" + timeout])
        wait_checks(prom, 1)
        tree.set("kvm", "tdp_mmu", "N")
        check_now(d, prom)
        escaped = wait_pidfile(pidfile)
        end = time.monotonic() + 6
        while alive(escaped) and time.monotonic() < end:
            time.sleep(0.05)
        check(not alive(escaped), "%s: the setsid'd sleep %d outlived its AlertCommand"
              % (then, escaped))
        if double_fork:
            d.wait_log(r"process(es)? an AlertCommand left behind", timeout=2)
        wait_no_children(d.proc.pid)
        rc = d.stop()
        check(rc == 0, "%s: clean exit, got %s:\n%s" % (then, rc, "\n".join(d.log())))


def case_alert_output(base):
    """Issue 19 item 6: an AlertCommand's output is logged up to a cap, the rest dropped."""
    hook = os.path.join(base, "hook.sh")
    with open(hook, "w") as f:
        f.write("#!/bin/sh\necho 'first \033]0;PWNED\007 line'\n"
                "i=0; while [ $i -lt 5000 ]; do echo line $i; i=$((i+1)); done\n")
    os.chmod(hook, 0o755)
    tree, _, prom, args = setup(base)
    d = Daemon(base, args + ["--interval=1h", "--alert-command=" + hook])
    wait_checks(prom, 1)
    tree.set("kvm", "tdp_mmu", "N")
    check_now(d, prom)
    d.wait_log(r"wrote more than 32 lines or 4096 bytes, dropping the rest of its output")
    wait_no_children(d.proc.pid)
    lines = [l for l in d.log() if l.startswith("AlertCommand for kvm.tdp_mmu new: ")]
    check(len(lines) == 32, "32 lines logged, got %d" % len(lines))
    check(lines[0].endswith("first \\x1b]0;PWNED\\x07 line"), "filtered: %r" % lines[0])
    check(not any("\x1b" in l for l in d.log()), "no raw escape in the log")
    check(d.stop() == 0, "clean exit")


def case_fifo_param(base):
    """Issue 19 item 3: a FIFO as a param under the sysfs root used to hang
    the check in open(), and the daemon with it (SIGTERM was never read).
    Now it is an unreadable param, checks go on, and SIGTERM stops it."""
    tree, _, prom, args = setup(base)
    os.unlink(os.path.join(tree.root, "module", "kvm", "parameters", "mmio_caching"))
    os.mkfifo(os.path.join(tree.root, "module", "kvm", "parameters", "mmio_caching"))
    d = Daemon(base, args + ["--interval=1h"], env={"WATCHDOG_USEC": "300000"})
    m = wait_checks(prom, 1)
    check(m["kvmcfg_ok"] == 0, "the FIFO is a problem, not a pass")
    check_now(d, prom)
    d.wait_notify(lambda m: "WATCHDOG=1" in m.split("\n"), timeout=2)
    t0 = time.monotonic()
    check(d.stop() == 0, "clean exit")
    check(time.monotonic() - t0 < 2, "stopped promptly")


# ---- hostile input (issue 8) ----

def set_raw(tree, module, param, value):
    """Write @value (bytes, anything but NUL) as the param, newline-terminated like sysfs."""
    d = os.path.join(tree.root, "module", module, "parameters")
    with open(os.path.join(d, param), "wb") as f:
        f.write(value + b"\n")


def case_hostile_values(base):
    """Param values with newlines, shell syntax, quotes and bytes that are not UTF-8
    reach AlertCommand= byte for byte through its environment only, and stay valid,
    correctly escaped labels in the Prometheus textfile."""
    pwned = os.path.join(base, "pwned").encode()
    values = [
        b"N\n$(touch " + pwned + b")\n`touch " + pwned + b"`",    # newlines + substitution
        b"\xff\xfe caf\xc3\xa9 \x01\x1b[31m \x7f\x80",         # high and control bytes
        b'a"b\\c\\"} 1\nkvmcfg_ok{x="',                          # label/line injection
        b"x" * 3000,                                            # long (sysfs allows 4 KiB)
    ]
    tree, prom, out, d = alert_daemon(base, [], "30s")
    for n, v in enumerate(values):
        set_raw(tree, "kvm", "mmio_caching", v)
        m = check_now(d, prom)
        # Every new or changed mismatch runs the command once.
        recs = wait_recorded(out, n + 1)
        want = os.fsdecode(v)
        got = [r["env"].get("KVMCFG_ACTUAL") for r in recs]
        check(want in got, "value %d byte for byte in KVMCFG_ACTUAL: %r not in %r"
              % (n, want[:80], [g[:80] for g in got if g]))
        samples = parse_textfile(prom)
        check(len([s for s in samples if s["name"] == "kvmcfg_mismatch"]) == 1,
              "one mismatch sample")
        mism = [s for s in samples if s["name"] == "kvmcfg_mismatch_info"]
        check(len(mism) == 1, "one mismatch info sample, got %r" % mism)
        # The writer replaces bytes that are not UTF-8 (one U+FFFD per byte).
        check(mism[0]["labels"]["actual"] == v.decode("utf-8", "replace"),
              "label round trip of value %d: %r" % (n, mism[0]["labels"]["actual"][:80]))
        check(mism[0]["labels"]["param"] == "mmio_caching", "labels: %r" % mism[0]["labels"])
        check(not any(s["name"] == "kvmcfg_ok" and s["labels"] for s in samples),
              "no sample injected through a label")
        check(m["kvmcfg_ok"] == 0, "mismatch counted")
    check(not os.path.exists(pwned), "nothing was run through a shell")
    # sd_notify is newline-separated: a value must not add an assignment of its own.
    d.wait_notify(lambda m: m.startswith("STATUS=MISMATCH") and "x" * 100 in m)
    check(all(l.split("=", 1)[0] in ("READY", "STATUS", "WATCHDOG", "RELOADING", "STOPPING")
              for m in d.notifications for l in m.split("\n") if l),
          "only the daemon's own notify assignments: %r" % [m[:100] for m in d.notifications])
    check(any("$(touch" in m and "\\n" in m for m in d.notifications),
          "the newline value is in STATUS=, escaped")
    wait_no_children(d.proc.pid)
    check(d.stop() == 0, "clean exit")


def case_insecure_policy(base):
    """A world-writable policy or kvmcfgd.conf is refused at start, a policy also on
    reload (old policy kept); KVMCFG_POLICY_INSECURE=1 lifts the check."""
    tree, pol, prom, args = setup(base)
    os.chmod(pol, 0o666)
    rc, _, err = run(args + ["--log-target=stderr"])
    check(rc == 1 and re.search(r"Policy rejected: " + re.escape(pol) +
                                r": refusing insecure policy file: writable by every user", err),
          "world-writable policy at start: %d %r" % (rc, err))
    conf = os.path.join(base, "kvmcfgd.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[Daemon]\nAlertCommand=/bin/true\n")
    os.chmod(conf, 0o666)
    rc, _, err = run(["--config=" + conf])
    check(rc == 2 and conf + ": refusing insecure configuration file: writable by every user"
          in err, "world-writable kvmcfgd.conf (it names a command run as root): %d %r"
          % (rc, err))
    # Each daemon gets a directory of its own for its notify socket.
    first = os.path.join(base, "override")
    os.mkdir(first)
    d = Daemon(first, args + ["--interval=1h"], env={"KVMCFG_POLICY_INSECURE": "1"})
    d.wait_notify(lambda m: "READY=1" in m.split("\n"))
    check(d.stop() == 0, "override: starts and exits cleanly")

    os.chmod(pol, 0o644)
    d = Daemon(base, args + ["--interval=1h"])
    d.wait_notify(lambda m: "READY=1" in m.split("\n"))
    with open(pol, "w", encoding="utf-8") as f:
        f.write("[kvm]\nRequired=yes\ntdp_mmu=N\n")
    os.chmod(pol, 0o646)
    d.signal(signal.SIGHUP)
    line = d.wait_log(POLICY_REJECTED)[0]
    check("refusing insecure policy file" in line and parse_fields(line)["POLICY_FILE"] == pol,
          "reload refused: " + line)
    d.wait_log(r"^Keeping the previous policy")
    m = check_now(d, prom)
    check(m["kvmcfg_ok"] == 1 and m["kvmcfg_reload_failures_total"] == 1,
          "old policy (tdp_mmu=Y) still in force")
    check(d.stop() == 0, "clean exit")


CASES.update({
    "alert-escape": case_alert_escape,
    "alert-output": case_alert_output,
    "fifo-param": case_fifo_param,
    "hostile-values": case_hostile_values,
    "insecure-policy": case_insecure_policy,
})


def host_kvm_tree(base):
    """A fake tree holding this host's real kvm params (the probes run on the
    real /dev/kvm), or exit 77 where there is no usable KVM."""
    real = "/sys/module/kvm/parameters"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK) or not os.path.exists(real + "/tdp_mmu"):
        print("SKIP: no usable /dev/kvm with kvm.tdp_mmu here")
        sys.exit(77)
    tree = Tree(base)
    for p in os.listdir(real):
        try:
            with open(os.path.join(real, p), encoding="utf-8") as f:
                tree.set("kvm", p, f.read().strip())
        except OSError:
            pass
    with open(real + "/tdp_mmu", encoding="utf-8") as f:
        return tree, f.read().strip()


def verify_daemon(base, rules, args, env=None):
    """kvmcfgd with Verify=yes on a fake tree of this host's real kvm params,
    under a policy of [kvm] @rules; returns (tree, textfile path, daemon)."""
    tree, _ = host_kvm_tree(base)
    pol = os.path.join(base, "policy.conf")
    with open(pol, "w", encoding="utf-8") as f:
        f.write("[kvm]\n" + rules)
    prom = os.path.join(base, "kvmcfg.prom")
    d = Daemon(base, ["--sysfs-root=" + tree.root, "--policy=" + pol, "--policy-dropins=none",
                      "--textfile=" + prom, "--interval=1h", "--verify=yes"] + args, env=env)
    return tree, prom, d


def case_verify(base):
    """Verify=yes: a kvm.tdp_mmu that contradicts the probe raises the
    contradiction alert (its own MESSAGE_ID, the evidence) and the metric;
    the honest value resolves both after SIGUSR1; no child is left."""
    tree, honest = host_kvm_tree(base)
    lie = "N" if honest == "Y" else "Y"
    tree.set("kvm", "tdp_mmu", lie)
    pol = os.path.join(base, "policy.conf")
    with open(pol, "w", encoding="utf-8") as f:
        f.write("[kvm]\ntdp_mmu = any\n")
    prom = os.path.join(base, "kvmcfg.prom")
    d = Daemon(base, ["--sysfs-root=" + tree.root, "--policy=" + pol, "--policy-dropins=none",
                      "--textfile=" + prom, "--interval=1h", "--verify=yes"])
    line = d.wait_log(CONTRADICTED, timeout=30)[0]
    f = parse_fields(line)
    check(f.get("PARAM") == "tdp_mmu" and f.get("KIND") == "contradicted" and
          f.get("ACTUAL") == lie and f.get("EVIDENCE"), "contradiction alert: " + line)
    check("kvm.tdp_mmu=%s contradicts what KVM does" % lie in line, "message: " + line)
    # The start check, then the one when the probes reported (textfile written last).
    m = wait_checks(prom, 2, timeout=10)
    check(m.get('kvmcfg_param_contradicted{module="kvm",param="tdp_mmu"}') == 1,
          "kvmcfg_param_contradicted for kvm.tdp_mmu: %r" % m)
    # A module load with the same lie: the verdict is carried (no resolved,
    # no new alert) while the probes run again, started by the settle check
    # of the burst, not mid-burst (kvm alone has no /dev/kvm yet).
    runs = len(d.wait_log(r"^Verify: \d+ probe\(s\) done"))
    d.uevent.send(uevent("add", "kvm", 200))
    d.wait_log(r"^Verify: \d+ probe\(s\) done", count=runs + 1, timeout=30)
    log = d.log()
    load = max(i for i, l in enumerate(log) if l.startswith("Check (module load uevent)"))
    start = max(i for i, l in enumerate(log) if l.startswith("Verify: running"))
    check(start > load and log[start + 1].startswith("Check (settle after module uevent)"),
          "probes restarted by the settle check:\n  " + "\n  ".join(log[load:]))
    check(not d.alerts(RESOLVED, "tdp_mmu") and len(d.alerts(CONTRADICTED)) == 1,
          "the contradiction is carried across the reload: %r" % d.log()[load:])
    tree.set("kvm", "tdp_mmu", honest)
    check_now(d, prom)
    d.wait_log(RESOLVED + ".* PARAM=tdp_mmu ", timeout=30)
    # The check that resolved it writes the textfile after its alert line:
    # four checks had already run, so wait for the metric itself to go.
    end = time.monotonic() + 10
    while True:
        m = textfile_metrics(prom)
        gone = not any(k.startswith("kvmcfg_param_contradicted{") for k in m)
        if gone or time.monotonic() > end:
            break
        time.sleep(0.02)
    check(gone, "contradiction metric gone: %r" % m)
    check(len(d.alerts(CONTRADICTED)) == 1, "one contradiction alert in all")
    wait_no_children(d.proc.pid)
    check(d.stop() == 0, "clean exit")


def case_verify_timeout(base):
    """A probe that does not finish within VerifyTimeout= is killed: its
    param is unverified (alerted as such, never a pass) while the loop stays
    responsive (SIGUSR1 checks complete); no child is left behind."""
    _, prom, d = verify_daemon(base, "tdp_mmu = any\n", ["--verify-timeout=1ms"])
    line = d.wait_log(MISMATCH + ".* PARAM=tdp_mmu .*KIND=unverified", timeout=30)[0]
    check("timed out after 1 ms" in line, "unverified with the reason: " + line)
    m = check_now(d, prom)
    check(m["kvmcfg_ok"] == 0, "an unverified param is not ok")
    wait_no_children(d.proc.pid, timeout=10)
    check(d.stop() == 0, "clean exit")


KVM_DEVICE_ADD = (b"add@/devices/virtual/misc/kvm\0ACTION=add\0DEVPATH=/devices/virtual/misc/kvm\0"
                  b"SUBSYSTEM=misc\0MAJOR=10\0MINOR=232\0DEVNAME=kvm\0SEQNUM=300\0")


def case_verify_device_wait(base):
    """While /dev/kvm is missing (kvm.ko is in, its vendor module not yet) a
    wanted probe run waits instead of alerting every param unverified; the
    add@/devices/virtual/misc/kvm uevent starts it at once, and without that
    uevent the once-a-second look finds the device. The check lines say what
    is pending until the run is done. (KVMCFGD_TEST_KVM_DEVICE stands in for
    /dev/kvm in the wait; the probes themselves use this host's /dev/kvm.)"""
    dev = os.path.join(base, "kvm-device")
    _, _, d = verify_daemon(base, "tdp_mmu = any\n", ["--settle-delay=0"],
                            env={"KVMCFGD_TEST_KVM_DEVICE": dev})
    d.wait_log(r"^Verify: waiting for .*kvm-device \(1/10\)")
    d.wait_log(r"^Check \(start\).*; pending: probes\.$")
    time.sleep(0.3)
    check(not any(l.startswith("Verify: running") for l in d.log()),
          "no probe run while the device is missing:\n  " + "\n  ".join(d.log()))
    open(dev, "w").close()
    t0 = time.monotonic()
    d.uevent.send(KVM_DEVICE_ADD)
    d.wait_log(r"^Verify: .*kvm-device appeared\.$")
    d.wait_log(r"^Verify: running 1 probe")
    took = time.monotonic() - t0
    d.wait_log(r"^Verify: 1 probe\(s\) done", timeout=30)
    d.wait_log(r"^Check \(verify\).*; pending: none\.$", timeout=10)
    check(took < 0.9, "the uevent, not the 1 s look, started the run (%.2f s)" % took)
    check(not d.alerts(MISMATCH), "no alert: %r" % d.alerts(MISMATCH))
    # A module change with the device gone again; it comes back without a
    # uevent (no uevent socket): the once-a-second look starts the run.
    os.unlink(dev)
    d.uevent.send(uevent("add", "kvm", 301))
    d.wait_log(r"^Verify: waiting for .*kvm-device \(1/10\)", count=2)
    open(dev, "w").close()
    d.wait_log(r"^Verify: 1 probe\(s\) done", count=2, timeout=30)
    check(not d.alerts(MISMATCH), "no alert across the reload: %r" % d.alerts(MISMATCH))
    wait_no_children(d.proc.pid, timeout=10)
    check(d.stop() == 0, "clean exit")


def case_verify_churn(base):
    """Module uevents in a burst while probe runs are in flight: each one
    kills the run (its results describe modules that are gone) and starts
    another. A killed run's probe processes (each probe runs in a child of
    the run) must die and be reaped with it: kvmcfgd is a child subreaper,
    so a probe left running would be adopted by it and stay a zombie (and
    keep a VM, and so the module, busy). The last run reports."""
    # An AlertCommand makes kvmcfgd a child subreaper, as deployed.
    hook = os.path.join(base, "hook.sh")
    with open(hook, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(hook, 0o755)
    _, prom, d = verify_daemon(base, "tdp_mmu = any\nmmio_caching = any\n",
                               ["--settle-delay=0", "--alert-command=" + hook])
    d.wait_log(r"^Verify: \d+ probe\(s\) done", timeout=30)
    # Gaps from 1 to 40 ms: some kills land before a probe started, some in one.
    seq = 400
    for i in range(60):
        seq += 1
        d.uevent.send(uevent("add", "kvm", seq))
        time.sleep(0.001 * (1 + (i * 7) % 40))
    # Settled: no new line for half a second, the last check with nothing pending.
    # Its textfile then counts every run the log shows.
    log, n, end = [], -1, time.monotonic() + 30
    while time.monotonic() < end:
        log = d.log()
        checks = [l for l in log if l.startswith("Check (")]
        if len(log) == n and checks and checks[-1].endswith("; pending: none."):
            break
        n = len(log)
        time.sleep(0.5)
    else:
        raise Failure("kvmcfgd did not settle after the burst")
    done = sum(1 for l in log if re.match(r"^Verify: \d+ probe\(s\) done", l))
    killed = sum(1 for l in log if l.startswith("Verify: running")) - done
    check(killed > 0, "no run was killed mid-flight: the burst proved nothing")
    # The metric counts each run by how it ended, the killed ones included.
    m = textfile_metrics(prom)
    runs = {o: m['kvmcfg_verify_runs_total{outcome="%s"}' % o]
            for o in ("completed", "cut_short", "timed_out", "killed")}
    check(runs["killed"] == killed and runs["completed"] >= 1 and
          runs["completed"] + runs["cut_short"] + runs["timed_out"] == done,
          "kvmcfg_verify_runs_total %r: %d killed, %d done in the log" % (runs, killed, done))
    wait_no_children(d.proc.pid, timeout=5)
    check(not d.alerts(MISMATCH), "no alert: %r" % d.alerts(MISMATCH))
    check(d.stop() == 0, "clean exit")
    print("runs killed mid-flight: %d" % killed)


CASES.update({
    "verify-churn": case_verify_churn,
    "verify": case_verify,
    "verify-timeout": case_verify_timeout,
    "verify-device-wait": case_verify_device_wait,
})


def main():
    global KVMCFGD, RECORDER
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        print("usage: %s KVMCFGD RECORDER {%s}" % (sys.argv[0], ",".join(CASES)), file=sys.stderr)
        return 2
    KVMCFGD, RECORDER = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="kvmcfgd-it-") as base:
        try:
            CASES[sys.argv[3]](base)
        except Failure as e:
            print("FAIL %s: %s" % (sys.argv[3], e))
            return 1
        finally:
            # A failed case leaves its daemon running (interval 1h): end it.
            for p in Daemon.running:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    print("PASS %s" % sys.argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
