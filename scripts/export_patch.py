#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a policy tried with gupguard as a patch to mm/gup.c.

Called by scripts/export-patch.sh, which finds the kernel source and the
attribution report; see there for the options. The patch is made from the
templates in scripts/export/: the scope's slow-path test replaces the one in
writable_file_mapping_allowed() and its GUP-fast test the one in
gup_fast_folio_allowed() (upstream's long-term rule, in both places, is the
`longterm` template). Base `legacy` is 6.12 without upstream's rule, so a
patch on it adds both tests, as upstream did in 6.5.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "export")
SCOPES = ("longterm", "pin", "get")
PLACEHOLDER_SOB = "Signed-off-by: Your Name <you@example.org>"


def die(msg):
    sys.stderr.write("export-patch: %s\n" % msg)
    sys.exit(1)


def template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return f.read()


def replace_once(text, old, new, what):
    n = text.count(old)
    if n != 1:
        die("%s: found %d times in mm/gup.c, expected once (is this the 6.12 source?)" % (what, n))
    return text.replace(old, new)


def patched_gup(stock, scope):
    """Stock 6.12 mm/gup.c with the scope's tests in place of upstream's."""
    text = replace_once(stock, template("slow-longterm.c"), template("slow-%s.c" % scope),
                        "the long-term test of writable_file_mapping_allowed()")
    return replace_once(text, template("fast-longterm.c"), template("fast-%s.c" % scope),
                        "the long-term test of gup_fast_folio_allowed()")


def apply_patch(text, patch_file):
    """text with a unified diff for mm/gup.c applied (patch -p1)."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "mm"))
        with open(os.path.join(d, "mm/gup.c"), "w") as f:
            f.write(text)
        subprocess.run(["patch", "-s", "-p1", "-d", d, "-i", os.path.abspath(patch_file)], check=True)
        with open(os.path.join(d, "mm/gup.c")) as f:
            return f.read()


def report_tables(path, scope):
    """The callers and file systems the report says the scope would refuse."""
    if not path:
        return None
    col = {"longterm": 1, "pin": 2, "get": 3}[scope]
    tables, current = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("== what each scope would refuse, by GUP caller"):
                current = tables.setdefault("caller", [])
            elif line.startswith("== the same calls by file-system type"):
                current = tables.setdefault("fs", [])
            elif line.startswith("=="):
                current = None
            elif current is not None:
                w = line.split()
                if len(w) >= 4 and w[0] not in ("caller", "fs", "total") and w[col].isdigit():
                    if int(w[col]) > 0:
                        current.append((w[0], int(w[col])))
    if "caller" not in tables:
        die("%s does not look like a scripts/report.sh report" % path)
    return tables


def wrap(text):
    return textwrap.fill(" ".join(text.split()), width=72, break_on_hyphens=False)


def message(scope, report, report_name):
    subject, _, body = template("message-%s.txt" % scope).partition("\n\n")
    out = [body.rstrip("\n"), ""]
    if report is not None:
        if report["caller"]:
            out.append(wrap("This refuses the following requests of %s, run with the rule "
                            "in audit mode:" % report_name))
            out.append("")
            out.append("  %-28s %8s" % ("GUP caller", "requests"))
            out += ["  %-28s %8d" % c for c in report["caller"]]
            out.append("")
            out.append("  %-28s %8s" % ("file system", "requests"))
            out += ["  %-28s %8d" % c for c in report["fs"]]
        else:
            out.append(wrap("%s, run with the rule in audit mode, makes no request it "
                            "refuses." % report_name[:1].upper() + report_name[1:]))
        out.append("")
    out.append(wrap("Anonymous and private mappings, shmem, tmpfs and memfd, hugetlbfs, "
                    "mappings that need no dirty tracking and read-only requests are not "
                    "affected%s." % {
                        "longterm": ", nor are short term pins and FOLL_GET references",
                        "pin": ", nor are FOLL_GET references (get_user_pages*())",
                        "get": "",
                    }[scope]))
    out.append("")
    out.append(PLACEHOLDER_SOB)
    return subject.strip(), "\n".join(out) + "\n"


def function(text, name):
    """The definition of C function name in text: its first line to the }."""
    m = re.search(r"^(static )?(inline )?bool %s\(.*?^}\n" % re.escape(name), text, re.M | re.S)
    if not m:
        die("no definition of %s()" % name)
    return m.group(0)


# check_vma_flags()'s use of the rule, which tests/host/predicate.c copies.
CHECK_VMA_FLAGS_WRITE = """	if (write) {
		if (!vma_anon &&
		    !writable_file_mapping_allowed(vma, gup_flags))
			return -EFAULT;
"""


def predicate(src, patched):
    """The patched rule as C for the host: the kernel's functions verbatim."""
    if CHECK_VMA_FLAGS_WRITE not in function_body(patched, "check_vma_flags"):
        die("check_vma_flags() no longer calls writable_file_mapping_allowed() as expected")
    with open(os.path.join(src, "mm/vma.c")) as f:
        vma_c = f.read()
    parts = [function(vma_c, n) for n in ("vm_ops_needs_writenotify", "vma_is_shared_writable",
                                          "vma_fs_can_writeback", "vma_needs_dirty_tracking")]
    parts += [function(patched, n) for n in ("writable_file_mapping_allowed",
                                             "gup_fast_folio_allowed")]
    return "/* Generated by scripts/export_patch.py from mm/vma.c and the patched mm/gup.c. */\n" + \
        "\n".join(parts)


def function_body(text, name):
    m = re.search(r"^static int %s\(.*?^}\n" % re.escape(name), text, re.M | re.S)
    if not m:
        die("no definition of %s()" % name)
    return m.group(0)


def git(repo, *args, **kw):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=repo,
               GIT_AUTHOR_NAME=os.environ.get("GG_AUTHOR_NAME", "Your Name"),
               GIT_AUTHOR_EMAIL=os.environ.get("GG_AUTHOR_EMAIL", "you@example.org"),
               GIT_COMMITTER_NAME="Your Name", GIT_COMMITTER_EMAIL="you@example.org",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    return subprocess.run(["git", "-C", repo] + list(args), check=True, env=env,
                          stdout=subprocess.PIPE, universal_newlines=True, **kw).stdout


def format_patch(base, patched, subject, body):
    """A git format-patch of mm/gup.c from base to patched."""
    with tempfile.TemporaryDirectory() as repo:
        git(repo, "init", "-q")
        os.makedirs(os.path.join(repo, "mm"))
        with open(os.path.join(repo, "mm/gup.c"), "w") as f:
            f.write(base)
        git(repo, "add", "mm/gup.c")
        git(repo, "commit", "-q", "-m", "base")
        with open(os.path.join(repo, "mm/gup.c"), "w") as f:
            f.write(patched)
        git(repo, "commit", "-q", "-a", "-F", "-", input=subject + "\n\n" + body)
        return git(repo, "format-patch", "-1", "--stdout", "--no-signature", "--zero-commit")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scope", choices=SCOPES, required=True)
    ap.add_argument("--base", choices=("stock", "legacy"), required=True)
    ap.add_argument("--src", required=True, help="the unpacked 6.12 source (stock)")
    ap.add_argument("--legacy-patch", action="append", default=[], help="what makes legacy")
    ap.add_argument("--report", help="a scripts/report.sh report from audit mode")
    ap.add_argument("--report-desc", default="a workload",
                    help="what the report measured, for the commit message")
    ap.add_argument("--gup-c", help="also write the patched mm/gup.c here")
    ap.add_argument("--predicate", help="also write the rule as C for tests/host/predicate.c")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()

    with open(os.path.join(a.src, "mm/gup.c")) as f:
        stock = f.read()
    base = stock
    if a.base == "legacy":
        for p in a.legacy_patch:
            base = apply_patch(base, p)
        if base == stock:
            die("the legacy patches changed nothing")
    patched = patched_gup(stock, a.scope)
    if patched == base:
        die("%s already has the %s rule: nothing to export" % (a.base, a.scope))
    report = report_tables(a.report, a.scope)
    subject, body = message(a.scope, report, a.report_desc)
    patch = format_patch(base, patched, subject, body)
    with open(a.output, "w") as f:
        f.write(patch)
    if a.predicate:
        with open(a.predicate, "w") as f:
            f.write(predicate(a.src, patched))
    if a.gup_c:
        with open(a.gup_c, "w") as f:
            f.write(patched)


if __name__ == "__main__":
    main()
