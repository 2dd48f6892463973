#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""kvmcfgctl integration tests: the real binary against fake sysfs trees.

Each test builds a /sys/module tree in a temporary directory, runs
kvmcfgctl on it and asserts the exit code (0 ok, 1 mismatch, 2 policy error
or bad usage, 3 cannot read), the human table and the JSON document.

    test-kvmcfgctl.py KVMCFGCTL DEFAULT_POLICY
"""
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CTL = None
DEFAULT_POLICY = None
FAKE_KO = None  # an object with a .modinfo section, for a fake modules directory

# A healthy Intel host as the default policy expects it.
INTEL_OK = {
    "kvm": {
        "tdp_mmu": "Y", "mmio_caching": "Y", "halt_poll_ns": "200000",
        "nx_huge_pages": "never", "force_emulation_prefix": "N",
        "enable_vmware_backdoor": "N", "ignore_msrs": "N", "eager_page_split": "Y",
    },
    "kvm_intel": {
        "ept": "Y", "unrestricted_guest": "Y", "enable_apicv": "Y", "nested": "N",
        "vmentry_l1d_flush": "not required",
    },
}

AMD_OK = {
    "kvm": dict(INTEL_OK["kvm"]),
    "kvm_amd": {"npt": "1", "avic": "0", "sev": "N", "sev_es": "N", "nested": "1"},
}


class Tree:
    """A fake sysfs root: {module: {param: value}}; values get the kernel's newline."""

    def __init__(self, modules):
        self.root = tempfile.mkdtemp(prefix="kvmcfgctl-test-")
        os.chmod(self.root, 0o755)  # tests drop to nobody
        os.mkdir(os.path.join(self.root, "module"))
        for module, params in modules.items():
            for param, value in params.items():
                self.set(module, param, value)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def set(self, module, param, value, mode=0o444, raw=False):
        d = self.path("module", module, "parameters")
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, param)
        if os.path.exists(p):
            os.chmod(p, 0o644)
        data = value if raw else (value + "\n").encode()
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(p, mode)

    def write(self, rel, text):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o644)
        return p

    def remove(self):
        shutil.rmtree(self.root)


def run(*args, user=None):
    kw = {}
    if user is not None:
        kw["preexec_fn"] = lambda: (os.setgid(user), os.setuid(user))
    p = subprocess.run([CTL, *args], capture_output=True, text=True, timeout=30, **kw)
    # Sanitizers exit 1 like a mismatch would: make their reports fail the test.
    for marker in ("Sanitizer", "runtime error:"):
        if marker in p.stderr:
            raise AssertionError(f"kvmcfgctl {args}: {p.stderr}")
    return p.returncode, p.stdout, p.stderr


class Base(unittest.TestCase):
    modules = INTEL_OK

    def setUp(self):
        self.tree = Tree(self.modules)

    def tearDown(self):
        self.tree.remove()

    def check(self, *extra, policy=None):
        return run("check", "--policy", policy or DEFAULT_POLICY, "--sysfs-root",
                   self.tree.root, *extra)

    def check_json(self, *extra, policy=None):
        rc, out, err = self.check("--json", *extra, policy=policy)
        doc = json.loads(out)
        self.assertEqual(doc["schema"], "kvmcfg-findings/1")
        self.assertEqual(doc["checked"], len(doc["findings"]))
        self.assertEqual(doc["problems"], sum(
            f["kind"] not in ("ok", "skipped") for f in doc["findings"]))
        return rc, doc, err

    def policy(self, text, name="p.conf"):
        return self.tree.write(name, text)

    @staticmethod
    def find(doc, module, param=None, rule=None):
        hits = [f for f in doc["findings"] if f["module"] == module and f["param"] == param
                and (rule is None or f["rule"] == rule)]
        if not hits:
            raise AssertionError(f"no finding for {module}.{param} in {doc['findings']}")
        return hits[0]


class IntelHost(Base):
    def test_default_policy_passes(self):
        rc, out, err = self.check()
        self.assertEqual(rc, 0, out + err)
        self.assertIn("verdict: ok", out)
        rc, doc, _ = self.check_json()
        self.assertEqual(rc, 0)
        self.assertEqual(doc["verdict"], "ok")
        f = self.find(doc, "kvm", "tdp_mmu")
        self.assertEqual(f["kind"], "ok")
        self.assertEqual(f["actual"], "Y")
        self.assertTrue(f["origin"]["file"].endswith("default.conf"))
        self.assertGreater(f["origin"]["line"], 0)
        self.assertEqual(self.find(doc, "kvm_amd")["kind"], "skipped")
        self.assertEqual(self.find(doc, "kvm", "tdp_mmu", "tdp-mmu-requires-tdp")["kind"], "ok")

    def test_ept_off_with_stale_tdp_mmu(self):
        """The 6.1 case: kvm_intel loaded with ept=N, kvm.tdp_mmu still reads Y."""
        self.tree.set("kvm_intel", "ept", "N")
        rc, out, _ = self.check()
        self.assertEqual(rc, 1)
        self.assertIn("DERIVED", out)
        self.assertIn("MISMATCH", out)
        self.assertIn("verdict: mismatch", out)
        self.assertIn("kvm.tdp_mmu=Y requires kvm_intel.ept=Y or kvm_amd.npt=Y", out)
        rc, doc, _ = self.check_json()
        self.assertEqual(rc, 1)
        d = self.find(doc, "kvm", "tdp_mmu", "tdp-mmu-requires-tdp")
        self.assertEqual(d["kind"], "derived")
        self.assertEqual(d["origin"], {"file": "derived", "line": 0})
        e = self.find(doc, "kvm_intel", "ept")
        self.assertEqual((e["kind"], e["expected"], e["actual"]), ("mismatch", "Y", "N"))

    def test_wrong_mmu(self):
        self.tree.set("kvm", "tdp_mmu", "N")
        rc, doc, _ = self.check_json()
        self.assertEqual(rc, 1)
        hits = [f for f in doc["findings"] if f["param"] == "tdp_mmu" and f["kind"] == "mismatch"]
        self.assertEqual(len(hits), 1)
        self.assertEqual(hits[0]["severity"], "critical")

    def test_warn_severity_still_fails_info_does_not(self):
        self.tree.set("kvm", "ignore_msrs", "Y")
        rc, doc, _ = self.check_json()
        self.assertEqual(rc, 1)
        self.assertEqual(self.find(doc, "kvm", "ignore_msrs")["severity"], "warn")
        p = self.policy("[kvm]\nignore_msrs = N @info\n")
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(rc, 0)
        self.assertEqual(self.find(doc, "kvm", "ignore_msrs")["kind"], "mismatch")

    def test_odd_values(self):
        self.tree.set("kvm", "tdp_mmu", "maybe")
        self.tree.set("kvm", "halt_poll_ns", "")
        self.tree.set("kvm", "binary", b"a\0b\n", raw=True)
        p = self.policy("[kvm]\ntdp_mmu = Y\nhalt_poll_ns = >= 0\nbinary = any\n"
                        "nx_huge_pages = N | never\n")
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(rc, 1)
        self.assertEqual(self.find(doc, "kvm", "tdp_mmu")["actual"], "maybe")
        self.assertEqual(self.find(doc, "kvm", "halt_poll_ns")["actual"], "")
        self.assertEqual(self.find(doc, "kvm", "halt_poll_ns")["kind"], "mismatch")
        b = self.find(doc, "kvm", "binary")
        self.assertEqual((b["kind"], b["status"], b["severity"]), ("unreadable", "EBADMSG", "info"))
        self.assertEqual(self.find(doc, "kvm", "nx_huge_pages")["kind"], "ok")
        # Junk in an asserted param: cannot read, exit 3.
        p = self.policy("[kvm]\nbinary = Y\n", "q.conf")
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(rc, 3)
        self.assertEqual(doc["verdict"], "unreadable")

    def test_hostile_values(self):
        """Bytes a charp param may hold: JSON stays UTF-8, show stays one line per
        row with nothing a terminal would act on."""
        values = {
            "esc": b"\x1b]0;pwned\x07\x1b[2J",
            "cr": b"N\rY",
            "nl": b"N\nkvm  tdp_mmu  Y",
            "high": b"\xff\xfe caf\xc3\xa9 \xc2\x9b31m",
        }
        for k, v in values.items():
            self.tree.set("kvm", k, v + b"\n", raw=True)
        p = self.policy("[kvm]\n" + "".join("%s = Y\n" % k for k in values))
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(rc, 1)
        for k, v in values.items():
            f = self.find(doc, "kvm", k)
            self.assertEqual((f["kind"], f["actual"]), ("mismatch", v.decode("utf-8", "replace")))
        rc, out, err = run("show", "--policy", p, "--sysfs-root", self.tree.root)
        self.assertEqual(rc, 0, err)
        self.assertFalse(any(c < " " and c != "\n" or "\x7f" <= c < "\xa0" for c in out),
                         repr(out))
        rows = {l.split()[1]: l for l in out.splitlines()[1:] if l.split()[:1] == ["kvm"]}
        self.assertEqual(sorted(k for k in rows if k in values), sorted(values))
        self.assertIn("N\\x0dY", rows["cr"])
        self.assertIn("\\x1b]0;pwned\\x07\\x1b[2J", rows["esc"])
        self.assertIn("\ufffd\ufffd caf\xe9 \\u009b31m", rows["high"])

    # Issue 19 item 2: the attack payload of the review, plus CSI as one C1
    # character (U+009B) and as a raw 8-bit byte.
    PAYLOAD = b"Y\x1b]0;PWNED\x07\x1b[2J\x1b[1;31mFAKE OK"

    def assert_no_raw_controls(self, what, text):
        bad = [c for c in text if (c < " " and c not in "\n") or "\x7f" <= c < "\xa0"]
        self.assertEqual(bad, [], "%s: raw control characters reach the terminal: %r" % (what, text))

    def test_escape_sequences_never_reach_the_terminal(self):
        """check's table and Problems list, show, validate's echo of policy
        values and snapshot's comments print no raw escape, whatever sysfs or
        the policy holds."""
        self.tree.set("kvm", "tdp_mmu", self.PAYLOAD + b"\n", raw=True)
        self.tree.set("kvm", "csi", b"\xc2\x9b2J\x9b2J\n", raw=True)
        p = self.policy("[kvm]\ntdp_mmu = Y\ncsi = N\n")
        rc, out, err = self.check(policy=p)
        self.assertEqual(rc, 1, out + err)
        for what, text in (("check stdout", out), ("check stderr", err)):
            self.assert_no_raw_controls(what, text)
        problems = out.split("Problems:\n", 1)[1].split("\n\nverdict")[0].splitlines()
        self.assertEqual(len(problems), 2, out)  # one line per problem, no forged lines
        self.assertIn("\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[1;31mFAKE OK", problems[1] + problems[0])
        self.assertIn("\\u009b2J\ufffd2J", out)
        rc, out, err = run("show", "--policy", p, "--sysfs-root", self.tree.root)
        self.assertEqual(rc, 0, err)
        self.assert_no_raw_controls("show", out + err)
        self.assertIn("\\x1b]0;PWNED", out)

        # validate echoes policy values in its errors (a rule's value with a
        # control character is an error of its own, naming only the byte).
        bad = self.policy("[kvm]\nRequired = \x1b]0;PWNED\x07\x1b[2J\n"
                          "tdp_mmu = Y\x1b[2J\n[kvm\x1b[31m]\n", "bad.conf")
        rc, out, err = run("validate", bad)
        self.assertEqual(rc, 2, out + err)
        self.assert_no_raw_controls("validate", out + err)
        self.assertIn("\\u001b]0;PWNED", err)
        self.assertIn("section name 'kvm\\u001b[31m'", err)

        # snapshot: a value or a name with an escape in it is left out, named safely.
        fifo = self.tree.path("module", "kvm", "parameters", "x\x1b[2Jy")
        os.mkfifo(fifo)
        rc, out, err = run("snapshot", "--sysfs-root", self.tree.root)
        self.assertEqual(rc, 0, err)
        self.assert_no_raw_controls("snapshot", out + err)
        self.assertIn("# tdp_mmu: value holds control characters, left out", out)
        self.assertIn("# x\\x1b[2Jy: not a parameter name, left out", out)
        snap = self.tree.path("snap.conf")
        rc, out, err = run("snapshot", "--sysfs-root", self.tree.root, "-o", snap)
        self.assertEqual(rc, 0, err)
        with open(snap, "rb") as f:
            self.assertNotIn(b"\x1b", f.read())

    def test_fifo_and_symlink_out_of_the_tree(self):
        """Issue 19 items 3 and 4: a param that is a symlink to a secret
        outside the tree was printed as the "actual" value by root's check
        --json; a FIFO hung check, show and snapshot for ever. Neither is
        read now: both are unreadable, and every command returns."""
        secret = os.path.join(tempfile.mkdtemp(prefix="kvmcfgctl-secret-"), "shadow")
        with open(secret, "w") as f:
            f.write("root:SECRET-HASH:19000:0:99999:7:::\n")
        params = self.tree.path("module", "kvm", "parameters")
        os.unlink(os.path.join(params, "tdp_mmu"))
        os.symlink(secret, os.path.join(params, "tdp_mmu"))
        os.unlink(os.path.join(params, "mmio_caching"))
        os.mkfifo(os.path.join(params, "mmio_caching"))
        p = self.policy("[kvm]\ntdp_mmu = Y\nmmio_caching = Y\n")
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(rc, 3)
        t, m = self.find(doc, "kvm", "tdp_mmu"), self.find(doc, "kvm", "mmio_caching")
        self.assertEqual((t["kind"], t["actual"]), ("unreadable", None))
        self.assertIn(t["status"], ("EXDEV", "ELOOP"))
        self.assertEqual((m["kind"], m["status"], m["actual"]), ("unreadable", "EBADFD", None))
        for args in (("check", "--policy", p), ("show", "--policy", p), ("snapshot",)):
            rc, out, err = run(*args, "--sysfs-root", self.tree.root)  # run() times out at 30 s
            self.assertNotIn("SECRET", out + err, args)
        shutil.rmtree(os.path.dirname(secret))

    def test_json_escapes_c1(self):
        """--json escapes U+009B (CSI) and the other C1 controls, whichever
        JSON writer kvmcfgctl uses."""
        self.tree.set("kvm", "tdp_mmu", b"\xc2\x9b2J\xc2\x85\n", raw=True)
        p = self.policy("[kvm]\ntdp_mmu = Y\n")
        out = subprocess.run([CTL, "check", "--json", "--policy", p, "--sysfs-root",
                              self.tree.root], capture_output=True, timeout=30).stdout
        self.assertNotIn(b"\xc2\x9b", out)
        self.assertNotIn(b"\xc2\x85", out)
        self.assertIn(b"\\u009b", out.lower())
        self.assertEqual(self.find(json.loads(out), "kvm", "tdp_mmu")["actual"], "\x9b2J\x85")

    def test_eacces_as_nobody(self):
        self.tree.set("kvm", "tdp_mmu", "Y", mode=0o000)
        ctl = os.path.join(self.tree.root, "kvmcfgctl")
        shutil.copy(CTL, ctl)  # the build tree may not be reachable for nobody
        os.chmod(ctl, 0o755)
        p = self.policy("[kvm]\ntdp_mmu = Y\nmmio_caching = Y\n")
        user = 65534 if os.geteuid() == 0 else None
        rc = subprocess.run([ctl, "check", "--json", "--policy", p, "--sysfs-root",
                             self.tree.root], capture_output=True, text=True,
                            preexec_fn=(lambda: (os.setgid(user), os.setuid(user)))
                            if user else None)
        self.assertEqual(rc.returncode, 3, rc.stdout + rc.stderr)
        self.assertNotIn("Sanitizer", rc.stderr)
        doc = json.loads(rc.stdout)
        f = self.find(doc, "kvm", "tdp_mmu")
        self.assertEqual((f["kind"], f["status"], f["actual"]), ("unreadable", "EACCES", None))
        self.assertEqual(self.find(doc, "kvm", "mmio_caching")["kind"], "ok")

    def test_dropins_override(self):
        main = self.policy("[kvm]\ntdp_mmu = N\n")
        d = os.path.join(self.tree.root, "policy.d")
        rc, _, _ = run("check", "-p", main, "-d", d, "-r", self.tree.root)
        self.assertEqual(rc, 1)
        self.tree.write("policy.d/50-fix.conf", "[kvm]\ntdp_mmu = Y\n")
        rc, out, _ = run("check", "-p", main, "-d", d, "-r", self.tree.root)
        self.assertEqual(rc, 0, out)
        self.assertIn("50-fix.conf:2", out)

    def test_modprobe_import(self):
        p = self.policy("[Policy]\nImportModprobe = yes\n[kvm]\nhalt_poll_ns = any\n")
        md = os.path.dirname(self.tree.write("modprobe.d/kvm.conf",
                                             "options kvm tdp_mmu=0 halt_poll_ns=1\n"
                                             "options kvm_intel ept=1\n"))
        rc, doc, _ = self.check_json("--modprobe-dir", md, policy=p)
        self.assertEqual(rc, 1)
        f = self.find(doc, "kvm", "tdp_mmu")
        self.assertEqual((f["kind"], f["origin"]["file"]), ("mismatch", "modprobe.d:kvm"))
        self.assertEqual(self.find(doc, "kvm", "halt_poll_ns")["expected"], "any")
        self.assertEqual(self.find(doc, "kvm_intel", "ept")["kind"], "ok")

    def test_show(self):
        rc, out, err = run("show", "--policy", DEFAULT_POLICY, "--sysfs-root", self.tree.root)
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertTrue(lines[0].split() == ["MODULE", "PARAM", "VALUE", "POLICY", "STATUS",
                                             "ORIGIN"], lines[0])
        row = next(l for l in lines if l.split()[:2] == ["kvm_intel", "ept"])
        self.assertEqual(row.split()[2:5], ["Y", "Y", "ok"])
        # A param the policy does not mention is listed with its value.
        row = next(l for l in lines if l.split()[:2] == ["kvm_intel", "vmentry_l1d_flush"])
        self.assertIn("not required", row)
        self.assertIn("kvm_amd", out)  # the policy section, not loaded
        rc, out, _ = run("show", "--no-policy", "--sysfs-root", self.tree.root)
        self.assertEqual(rc, 0)
        self.assertIn("(no policy: values only)", out)

    def test_snapshot_round_trip(self):
        self.tree.set("kvm_intel", "vmentry_l1d_flush", "not required")
        self.tree.set("kvm", "weird", "a|b")
        self.tree.set("kvm", "empty", "")
        self.tree.set("kvm", "semi", "a ; b")       # ';' inside quotes is text
        self.tree.set("kvm", "quoted", 'say "hi"')  # a quote cannot be written
        self.tree.set("kvm", "secret", "x", mode=0o000)
        out_path = os.path.join(self.tree.root, "snap.conf")
        rc, _, err = run("snapshot", "--sysfs-root", self.tree.root, "-o", out_path)
        self.assertEqual(rc, 0, err)
        text = open(out_path).read()
        # Tuning knobs are recorded with their value in a comment; odd values, whose
        # quoting the comment cannot carry, are recorded bare.
        self.assertIn('vmentry_l1d_flush = any ; here not required\n', text)
        self.assertIn('weird = any ; here a|b\n', text)
        self.assertIn('empty = any\n', text)
        self.assertIn('semi = any ; here a ; b\n', text)
        self.assertIn('quoted = any ; here say "hi"\n', text)
        self.assertIn("halt_poll_ns = any ; here 200000\n", text)
        self.assertIn("# Pinned: what a fleet asserts (as the default policy does).\n"
                      "ept = Y\n", text)
        self.assertIn("\ntdp_mmu = Y\n", text)
        rc, out, err = self.check(policy=out_path)
        if os.geteuid() == 0:  # root reads the 0000 file, so it is in the snapshot
            self.assertIn("secret = any ; here x", text)
        self.assertEqual(rc, 0, out + err)
        # A tuning knob changes: recorded, not a problem.
        self.tree.set("kvm", "halt_poll_ns", "0")
        rc, out, _ = self.check(policy=out_path)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"recorded\s+critical\s+kvm\s+halt_poll_ns\s+any\s+0")
        # A pinned param changes and the snapshot catches it.
        self.tree.set("kvm", "ignore_msrs", "Y")
        rc, out, _ = self.check(policy=out_path)
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"MISMATCH\s+critical\s+kvm\s+ignore_msrs\s+N\s+Y")

    def test_snapshot_pins_what_the_default_policy_pins(self):
        """snapshot's list of pinned params and default.conf agree, both ways."""
        for module, params in (("kvm", ["allow_unsafe_mappings"]), ("kvm_amd", ["npt", "avic"])):
            for param in params:
                self.tree.set(module, param, "N")
        rc, out, err = run("snapshot", "--sysfs-root", self.tree.root)
        self.assertEqual(rc, 0, err)
        snap, section = set(), None
        for line in out.splitlines():
            if line.startswith("["):
                section = line.strip("[]")
            elif "=" in line and not line.startswith(("#", "Required")):
                k, v = (x.strip() for x in line.split("=", 1))
                if not v.startswith("any"):
                    snap.add((section, k))
        rc, out, _ = run("validate", "--print", DEFAULT_POLICY)
        self.assertEqual(rc, 0)
        default, section = set(), None
        for line in out.splitlines():
            if line.startswith("["):
                section = line.strip("[]")
            elif "=" in line and line[0].islower():
                k, v = (x.strip() for x in line.split("=", 1))
                module, _, param = k.rpartition(".")
                if not v.startswith("any") and section != "Policy":
                    default.add((module or section, param))
        self.assertEqual(snap, default)


class AmdHost(Base):
    modules = AMD_OK

    def test_default_policy_passes(self):
        rc, out, err = self.check()
        self.assertEqual(rc, 0, out + err)

    def test_npt_off(self):
        self.tree.set("kvm_amd", "npt", "0")
        self.tree.set("kvm", "tdp_mmu", "N")
        rc, doc, _ = self.check_json()
        self.assertEqual(rc, 1)
        self.assertEqual(self.find(doc, "kvm_amd", "npt")["kind"], "mismatch")
        # tdp_mmu=N with npt=N is consistent: the derived rule holds.
        self.assertEqual(self.find(doc, "kvm", "tdp_mmu", "tdp-mmu-requires-tdp")["kind"], "ok")

    def test_sev_es_without_mmio_caching(self):
        self.tree.set("kvm_amd", "sev_es", "Y")
        self.tree.set("kvm", "mmio_caching", "N")
        rc, doc, _ = self.check_json()
        self.assertEqual(rc, 1)
        d = self.find(doc, "kvm_amd", "sev_es", "sev-es-requires-mmio-caching")
        self.assertEqual(d["kind"], "derived")
        self.assertEqual(d["actual"], "kvm_amd.sev_es=Y, kvm.mmio_caching=N")


class MissingModules(Base):
    modules = {}

    def test_kvm_not_loaded(self):
        rc, out, _ = self.check()
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"MODULE-MISSING\s+critical\s+kvm\s+-\s+loaded\s+\(not loaded\)")
        rc, doc, _ = self.check_json()
        f = self.find(doc, "kvm")
        self.assertEqual((f["kind"], f["status"], f["param"]), ("module-missing", "ENODEV", None))

    def test_param_missing(self):
        self.tree.set("kvm", "tdp_mmu", "Y")
        p = self.policy("[kvm]\nmmio_caching = Y\nnew_knob = absent\n")
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(rc, 1)
        f = self.find(doc, "kvm", "mmio_caching")
        self.assertEqual((f["kind"], f["status"]), ("param-missing", "ENOENT"))
        self.assertEqual(self.find(doc, "kvm", "new_knob")["kind"], "ok")


class Usage(Base):
    def test_policy_errors_exit_2_with_file_line(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\ntdp_mmu = N\nFoo = 1\nx = 1..\n")
        rc, out, err = self.check(policy=p)
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")  # never half-applied: nothing checked
        self.assertIn(f"{p}:3: duplicate rule for kvm.tdp_mmu in [kvm] (first at line 2)", err)
        self.assertIn(f"{p}:4: unknown setting 'Foo'", err)
        self.assertIn(f"{p}:5: kvm.x: a range needs two integers", err)
        self.assertIn("policy not applied (3 errors)", err)
        rc, _, err = run("check", "--policy", "/nonexistent.conf", "-r", self.tree.root)
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent.conf: cannot read: No such file or directory", err)

    def test_validate(self):
        rc, out, _ = run("validate", DEFAULT_POLICY)
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"default.conf: ok \(3 sections, \d+ rules\)")
        bad = self.policy("[kvm\n[kvm]\na = \"x\n")
        rc, out, err = run("validate", DEFAULT_POLICY, bad)
        self.assertEqual(rc, 2)
        self.assertIn(f"{bad}:1: missing ']' in section header", err)
        self.assertIn(f"{bad}:3: kvm.a: unterminated quoted text", err)
        rc, out, _ = run("validate", "--print", DEFAULT_POLICY)
        self.assertEqual(rc, 0)
        self.assertIn("[kvm_intel]\nRequired = no\n", out)

    def test_cannot_read_exit_3(self):
        p = self.policy("[kvm]\n")
        rc, _, err = run("check", "-p", p, "-r", "/nonexistent-root")
        self.assertEqual(rc, 3)
        self.assertIn("/nonexistent-root: cannot open sysfs root: No such file", err)
        rc, _, err = run("check", "-p", p, "-r", os.path.join(self.tree.root, "module", "kvm"))
        self.assertEqual(rc, 3)
        self.assertIn("not a sysfs tree (no module/ directory)", err)

    def test_bad_arguments(self):
        cases = [
            (["--bogus", "check"], "unknown option '--bogus'"),
            (["check", "--policy"], "option '--policy' needs an argument"),
            (["frobnicate"], "unknown command 'frobnicate'"),
            (["check", "extra"], "check takes no arguments, got 'extra'"),
            (["validate", "--json", DEFAULT_POLICY], "--json does not apply to validate"),
            (["snapshot", "--policy", DEFAULT_POLICY], "--policy does not apply to snapshot"),
        ]
        for args, msg in cases:
            rc, out, err = run(*args)
            self.assertEqual(rc, 2, args)
            self.assertIn(msg, err, args)
            self.assertIn("kvmcfgctl", err)
        rc, _, err = run()
        self.assertEqual(rc, 2)
        self.assertIn("Usage: kvmcfgctl", err)

    def test_libkmod_not_linked(self):
        """libkmod (and through it libcrypto, zstd, lzma) is dlopen()ed when needed:
        never a NEEDED entry, so --help and check do not pay for loading it."""
        readelf = shutil.which("readelf")
        if not readelf:
            self.skipTest("readelf (binutils) is not installed")
        out = subprocess.run([readelf, "-d", CTL], capture_output=True, text=True).stdout
        needed = [l for l in out.splitlines() if "(NEEDED)" in l]
        self.assertTrue(needed, out)
        for lib in ("libkmod", "libcrypto", "libzstd", "liblzma"):
            self.assertFalse(any(lib in l for l in needed), needed)

    def test_help_and_version(self):
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        for word in ("check", "show", "snapshot", "validate", "--sysfs-root", "--json"):
            self.assertIn(word, out)
        rc, out, _ = run("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^kvmcfgctl \d+\.\d+")


class Labels(Base):
    """What the table and the verdict line say must mean what it says."""

    def test_info_is_not_a_problem(self):
        self.tree.set("kvm", "ignore_msrs", "Y")
        p = self.policy("[kvm]\ntdp_mmu = Y\nignore_msrs = N @info\nhalt_poll_ns = any\n")
        rc, out, _ = self.check(policy=p)
        self.assertEqual(rc, 0, out)
        self.assertIn("verdict: ok (5 checked, 0 problems, 1 info)", out)
        self.assertNotIn("Problems:", out)
        self.assertIn("Info (reported, never a problem):\n  info ", out)
        self.tree.set("kvm", "tdp_mmu", "N")
        rc, out, _ = self.check(policy=p)
        self.assertEqual(rc, 1)
        self.assertIn("verdict: mismatch (5 checked, 1 problem, 1 info)", out)
        self.assertIn("Problems:\n  critical ", out)

    def test_any_is_recorded_not_ok(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\nhalt_poll_ns = any\n")
        rc, out, _ = self.check(policy=p)
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"\nrecorded\s+critical\s+kvm\s+halt_poll_ns\s+any\s+200000")
        self.assertRegex(out, r"\nok\s+critical\s+kvm\s+tdp_mmu\s+Y\s+Y")

    def test_missing_vendor_module_hints_required_no(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\n[kvm_amd]\nnpt = Y\n")
        rc, out, _ = self.check(policy=p)
        self.assertEqual(rc, 1)
        self.assertIn("module kvm_amd is required but not loaded (if only some hosts load it, "
                      "say Required = no in [kvm_amd])", out)

    def test_policy_asserting_nothing_is_an_error(self):
        for text in ("", "# all commented out\n# [kvm]\n",
                     "[kvm]\nRequired = no\ntdp_mmu = any\n"):
            p = self.policy(text)
            rc, out, err = run("validate", p)
            self.assertEqual(rc, 2, (text, out))
            self.assertIn(f"{p}: the policy asserts nothing", err)
            rc, out, err = self.check("--json", policy=p)
            self.assertEqual(rc, 2, text)
            self.assertEqual(json.loads(out)["verdict"], "policy-error")
        # A required section alone asserts that its module is loaded.
        rc, out, _ = run("validate", self.policy("[kvm]\n"))
        self.assertEqual(rc, 0, out)

    def test_inline_hash_comment_hint(self):
        p = self.policy("[kvm]\ntdp_mmu = N # off\n")
        rc, _, err = run("validate", p)
        self.assertEqual(rc, 2)
        self.assertIn(f"{p}:2: kvm.tdp_mmu: '#' starts a comment only at the start of a line; "
                      "an inline comment starts with ' ;' (tdp_mmu = N ; ...)", err)


class GateOptions(Base):
    """--quiet, --fail-on and --textfile: what a gate or a host without the daemon needs."""

    def test_quiet(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\nignore_msrs = N @info\nhalt_poll_ns = any\n")
        rc, out, err = self.check("--quiet", policy=p)
        self.assertEqual((rc, out, err), (0, "", ""))
        self.tree.set("kvm", "ignore_msrs", "Y")   # info: still nothing to say
        rc, out, _ = self.check("-q", policy=p)
        self.assertEqual((rc, out), (0, ""))
        self.tree.set("kvm", "tdp_mmu", "N")
        rc, out, _ = self.check("-q", policy=p)
        self.assertEqual(rc, 1)
        self.assertEqual(out.splitlines(), [
            "Problems:",
            f"  critical {p}:2: kvm.tdp_mmu is N, policy wants Y",
            "verdict: mismatch (5 checked, 1 problem, 1 info)"])
        rc, _, err = self.check("-q", "--json", policy=p)
        self.assertEqual(rc, 2)
        self.assertIn("--quiet and --json exclude each other", err)

    def test_fail_on(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\nignore_msrs = N @warn\nmmio_caching = N @info\n")
        self.tree.set("kvm", "ignore_msrs", "Y")
        rc, out, _ = self.check(policy=p)
        self.assertEqual(rc, 1)
        rc, out, _ = self.check("--fail-on=critical", policy=p)
        self.assertEqual(rc, 0, out)
        self.assertIn("verdict: ok (5 checked, 1 problem, 1 info; failing at critical and above)",
                      out)
        rc, doc, _ = self.check_json("--fail-on", "critical", policy=p)
        self.assertEqual((rc, doc["verdict"], doc["fail_on"]), (0, "ok", "critical"))
        # info: the strictest gate fails on an info finding too.
        self.tree.set("kvm", "ignore_msrs", "N")
        rc, _, _ = self.check(policy=p)
        self.assertEqual(rc, 0)
        rc, doc, _ = self.check_json("--fail-on=info", policy=p)
        self.assertEqual((rc, doc["verdict"]), (1, "mismatch"))
        rc, _, err = self.check("--fail-on=sometimes", policy=p)
        self.assertEqual(rc, 2)
        self.assertIn("--fail-on takes critical, warn or info, not 'sometimes'", err)
        rc, _, err = run("validate", "--fail-on=warn", DEFAULT_POLICY)
        self.assertEqual(rc, 2)
        self.assertIn("--fail-on does not apply to validate", err)

    def test_textfile(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\nhalt_poll_ns = 200000 @warn\n")
        out_path = self.tree.path("kvmcfg.prom")
        rc, _, err = self.check("--textfile", out_path, policy=p)
        self.assertEqual(rc, 0, err)
        text = open(out_path).read()
        self.assertIn("\nkvmcfg_ok 1\n", text)
        self.assertIn("\nkvmcfg_check_readable 1\n", text)
        self.assertRegex(text, r"\nkvmcfg_last_check_timestamp_seconds \d{10}\.\d{6}\n")
        self.assertNotIn("kvmcfg_mismatch{", text)
        self.assertNotIn("kvmcfg_checks_total", text)  # the daemon's counters are not ours
        self.tree.set("kvm", "halt_poll_ns", "0")
        rc, _, _ = self.check("--textfile", out_path, "--json", policy=p)
        self.assertEqual(rc, 1)
        text = open(out_path).read()
        self.assertIn('\nkvmcfg_mismatch{module="kvm",param="halt_poll_ns",rule="policy",'
                      'severity="warn"} 1\n', text)
        self.assertIn('\nkvmcfg_mismatch_info{module="kvm",param="halt_poll_ns",rule="policy",'
                      f'kind="mismatch",expected="200000",actual="0",origin="{p}:3"}} 1\n', text)
        self.assertIn("\nkvmcfg_ok 0\n", text)
        self.assertEqual([f for f in os.listdir(self.tree.root) if "prom" in f], ["kvmcfg.prom"])
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rc, _, err = self.check("--textfile", "/nonexistent-dir/x.prom", policy=p)
        self.assertEqual(rc, 3)
        self.assertIn("cannot write /nonexistent-dir/x.prom", err)


class KernelReview(Base):
    """validate and check against what the kernel has: a fake modules directory
    (kvm builtin, kvm_amd a loadable module, not loaded) made with depmod."""

    def modules_dir(self):
        depmod = shutil.which("depmod") or next(
            (p for p in ("/usr/sbin/depmod", "/sbin/depmod") if os.path.exists(p)), None)
        if not depmod:
            self.skipTest("depmod (Debian package kmod) is not installed: no fake modules dir")
        if not FAKE_KO:
            self.skipTest("no fake module object given (meson passes fake-kvm-amd.ko)")
        base = self.tree.path("mods")
        d = os.path.join(base, "lib", "modules", "6.1.0-test")
        os.makedirs(os.path.join(d, "kernel", "arch", "x86", "kvm"))
        shutil.copy(FAKE_KO, os.path.join(d, "kernel", "arch", "x86", "kvm", "kvm-amd.ko"))
        with open(os.path.join(d, "modules.builtin"), "w") as f:
            f.write("kernel/arch/x86/kvm/kvm.ko\n")
        with open(os.path.join(d, "modules.builtin.modinfo"), "wb") as f:
            f.write(b"".join(b"kvm.parmtype=%s\0" % t for t in (
                b"tdp_mmu:bool", b"mmio_caching:bool", b"halt_poll_ns:uint",
                b"min_timer_period_us:uint", b"ignore_msrs:bool", b"nx_huge_pages:charp",
                b"force_emulation_prefix:bool", b"enable_vmware_backdoor:bool")))
        r = subprocess.run([depmod, "-b", base, "6.1.0-test"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Nothing loaded: the host's own /sys must not answer for this kernel.
        os.makedirs(self.tree.path("nosys", "module"))
        return d

    def test_validate_against_modules_dir(self):
        d = self.modules_dir()
        p = self.policy("[kvm]\ntdp_mmmu = Y\nhalt_poll_ns = yes\nmin_timer_period_us = 2OO\n"
                        "ignore_msrs = 2\nallow_unsafe_mappings = N | absent\n"
                        "nx_huge_pages = never\n"
                        "[kvm_amd]\nRequired = no\nnpt = Y\nnptt = 1\nnested = 0..1\n"
                        "[kvm_intell]\nRequired = no\nept = Y\n"
                        "[kvm_intel]\nRequired = no\nept = Y\n")
        nosys = self.tree.path("nosys")
        rc, out, err = run("validate", "--modules-dir", d, "-r", nosys, p)
        self.assertEqual(rc, 2, out + err)
        errors = [l for l in err.splitlines() if re.match(re.escape(p) + r":\d", l)]
        self.assertEqual(errors, [
            f"{p}:2: kvm has no parameter 'tdp_mmmu'; did you mean tdp_mmu? (this kernel: {d})",
            f"{p}:3: kvm.halt_poll_ns is a uint (modinfo): 'yes' can never match "
            "(an unsigned integer param never reads a boolean word)",
            f"{p}:4: kvm.min_timer_period_us is a uint (modinfo): '2OO' can never match "
            "(an integer param never reads text)",
            f"{p}:5: kvm.ignore_msrs is a bool (modinfo): '2' can never match "
            "(a bool reads Y or N)",
            f"{p}:11: kvm_amd has no parameter 'nptt'; did you mean npt? (this kernel: {d})",
            f"{p}:13: unknown module 'kvm_intell'; did you mean kvm_intel?",
        ], err)
        # Not errors: a param of newer kernels the rule allows to be absent, and a
        # vendor module this host does not have at all (a fleet shares policies).
        self.assertIn(f"note: {p}:6: kvm has no parameter 'allow_unsafe_mappings' in this "
                      f"kernel ({d}); the rule accepts that", err)
        self.assertIn(f"note: {p}:16: module kvm_intel is not on this host ({d}): its rules "
                      "are not checked against its parameters here", err)
        self.assertIn(f"{p}: invalid for this kernel (6 errors)", err)
        # The same policy without the mistakes is valid here; Y for a signed int
        # (kvm_amd.nested, as npt was on older kernels) is a boolean by meaning.
        good = self.policy("[kvm]\ntdp_mmu = Y\nhalt_poll_ns = 200000\n"
                           "allow_unsafe_mappings = N | absent\n"
                           "[kvm_amd]\nRequired = no\nnpt = Y\nnested = Y\n"
                           "[kvm_intel]\nRequired = no\nept = Y\n", "good.conf")
        rc, out, err = run("validate", "--modules-dir", d, "-r", nosys, good)
        self.assertEqual(rc, 0, err)
        self.assertIn("ok (3 sections, 6 rules)", out)
        # The default policy is valid against this kernel too.
        rc, out, err = run("validate", "--modules-dir", d, "-r", nosys, DEFAULT_POLICY)
        self.assertEqual(rc, 0, err)

    def test_check_warns_from_sysfs(self):
        p = self.policy("[kvm]\ntdp_mmmu = Y | absent\ntdp_mmu = Y\n[kvm_intell]\n"
                        "Required = no\nept = Y\n")
        rc, out, err = self.check(policy=p)
        # The verdict is the host's: warnings never change it.
        self.assertEqual(rc, 0, out + err)
        self.assertIn(f"warning: {p}:4: unknown module 'kvm_intell'; did you mean kvm_intel?",
                      err)
        rc, doc, _ = self.check_json(policy=p)
        self.assertEqual(doc["warnings"], [{"file": p, "line": 4, "message":
                                            "unknown module 'kvm_intell'; did you mean kvm_intel?"}])
        # A misspelt param of a loaded module: PARAM-MISSING, and the warning says what
        # was meant.
        p = self.policy("[kvm]\ntdp_mmmu = Y\n", "q.conf")
        rc, out, err = self.check(policy=p)
        self.assertEqual(rc, 1)
        self.assertIn(f"warning: {p}:2: kvm has no parameter 'tdp_mmmu'; did you mean tdp_mmu? "
                      "(this kernel: sysfs only: no modules directory given)", err)

    def test_values_no_kernel_prints(self):
        for value, why in ((b"Y\x01", "a control character (byte 0x01)"),
                           (b"\xff", "bytes that are not UTF-8 (byte 0xff)"),
                           (b"\"a\x1b[2Jb\"", "a control character (byte 0x1b)")):
            path = self.tree.path("bytes.conf")
            with open(path, "wb") as f:
                f.write(b"[kvm]\ntdp_mmu = " + value + b"\n")
            rc, _, err = run("validate", path)
            self.assertEqual(rc, 2, value)
            self.assertIn(f"{path}:2: kvm.tdp_mmu: the value has {why}, which no kernel prints",
                          err)
            self.assertNotIn("\x1b", err)


MAN_PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "man",
                        "kvmcfgctl.8.scd")


class JsonGate(Base):
    """check --json writes a document whatever happens: a CI job piping it to jq
    never sees empty input, and the exit code still says what happened."""

    def test_policy_error_is_json(self):
        p = self.policy("[kvm]\ntdp_mmu = Y\ntdp_mmu = N\nFoo = 1\n")
        rc, out, err = self.check("--json", policy=p)
        self.assertEqual(rc, 2)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "policy-error")
        self.assertEqual((doc["checked"], doc["problems"], doc["findings"]), (0, 0, []))
        self.assertEqual(doc["errors_total"], 2)
        self.assertEqual(doc["errors"], [
            {"file": p, "line": 3,
             "message": "duplicate rule for kvm.tdp_mmu in [kvm] (first at line 2)"},
            {"file": p, "line": 4, "message": doc["errors"][1]["message"]}])
        self.assertIn("unknown setting 'Foo'", doc["errors"][1]["message"])
        self.assertIn("policy not applied (2 errors)", err)  # stderr still says it
        rc, out, _ = run("check", "--json", "--policy", "/nonexistent.conf", "-r", self.tree.root)
        self.assertEqual(rc, 2)
        doc = json.loads(out)
        self.assertEqual(doc["errors"], [{"file": "/nonexistent.conf", "line": 0,
                                          "message": "cannot read: No such file or directory"}])

    def test_unreadable_root_is_json(self):
        p = self.policy("[kvm]\n")
        rc, out, _ = run("check", "--json", "-p", p, "-r", "/nonexistent-root")
        self.assertEqual(rc, 3)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "unreadable")
        self.assertEqual(doc["errors"], [{"file": "/nonexistent-root", "line": 0, "message":
                                          "cannot open sysfs root: No such file or directory"}])
        rc, out, _ = run("check", "--json", "-p", p, "-r", self.tree.path("module"))
        self.assertEqual(rc, 3)
        self.assertEqual(json.loads(out)["verdict"], "unreadable")

    def man_example(self):
        text = open(MAN_PAGE).read()
        head = "Gate a CI job on the host's configuration"
        self.assertIn(head, text)
        block = text[text.index(head):].split("```\n")[1]
        return block.replace("\\\\", "\\")  # scdoc's escape for one backslash

    def run_example(self, policy_text):
        """The man page's CI example, as written, with kvmcfgctl pointed at the fake tree."""
        if not shutil.which("jq"):
            self.skipTest("jq (the man page example uses it) is not installed")
        bindir = self.tree.path("bin")
        os.makedirs(bindir, exist_ok=True)
        wrapper = os.path.join(bindir, "kvmcfgctl")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nexec "{os.path.abspath(CTL)}" "$@" --sysfs-root "{self.tree.root}"\n')
        os.chmod(wrapper, 0o755)
        self.tree.write("golden.conf", policy_text)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
        return subprocess.run(["bash", "-c", self.man_example()], cwd=self.tree.root, env=env,
                              capture_output=True, text=True, timeout=30)

    def test_man_page_ci_example(self):
        p = self.run_example("[kvm]\ntdp_mmu = Y\n")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[0], "ok")
        p = self.run_example("[kvm]\ntdp_mmu = N\n")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[0], "mismatch")
        # The case that used to pass: a broken policy fails the job.
        p = self.run_example("[kvm]\ntdp_mmu = \"Y\n")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[0], "policy-error")
        self.assertIn("unterminated quoted text", p.stdout)


if __name__ == "__main__":
    CTL, DEFAULT_POLICY = sys.argv[1], sys.argv[2]
    FAKE_KO = sys.argv[3] if len(sys.argv) > 3 else None
    unittest.main(argv=sys.argv[:1], verbosity=2)
