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

Base `lts61` is Linux 6.1, which lacks the rule: the output is a series
(scripts/export/lts61/) that backports upstream's three 6.5 commits, plus,
for scope pin or get, a fourth patch that widens the rule as on 6.12.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = HERE
SCOPES = ("longterm", "pin", "get")
PLACEHOLDER_SOB = "Signed-off-by: Your Name <you@example.org>"


def die(msg):
    sys.stderr.write("export-patch: %s\n" % msg)
    sys.exit(1)


def template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return f.read()


def replace_once(text, old, new, what, where="mm/gup.c", series="6.12"):
    n = text.count(old)
    if n != 1:
        die("%s: found %d times in %s, expected once (is this the %s source?)" % (what, n, where, series))
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


def message(scope, report, report_name, body=None):
    """The commit message of the patch that sets the rule at scope: its
    template (or body), what the report says it refuses, what it leaves."""
    subject = None
    if body is None:
        subject, _, body = template("message-%s.txt" % scope).partition("\n\n")
        subject = subject.strip()
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
    return subject, "\n".join(out) + "\n"


# --- Linux 6.1: upstream's rule as a backport series -------------------------

LTS61_FILES = ("mm/mmap.c", "mm/internal.h", "mm/gup.c")
LTS61_PREFIX = "PATCH 6.1"
MMAP_DECL = """/*
 * mm/mmap.c
 */
bool vma_needs_dirty_tracking(struct vm_area_struct *vma);

"""
GUP_SECTION = "/*\n * mm/gup.c\n */\n"
PTE_RECHECK = """		if (unlikely(pmd_val(pmd) != pmd_val(*pmdp)) ||
		    unlikely(pte_val(pte) != pte_val(*ptep))) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}
"""
PTE_ALLOWED = """
		if (!folio_fast_pin_allowed(folio, flags)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}
"""
HUGE_RECHECK = """	if (unlikely(%(v)s_val(%(e)s) != %(v)s_val(*%(p)s))) {
		gup_put_folio(folio, refs, flags);
		return 0;
	}
"""
HUGE_ALLOWED = """
	if (!folio_fast_pin_allowed(folio, flags)) {
		gup_put_folio(folio, refs, flags);
		return 0;
	}
"""
# The huge-page walkers: (function, entry type, entry, pointer).
HUGE_WALKERS = (("gup_hugepte", "pte", "pte", "ptep"), ("gup_huge_pmd", "pmd", "orig", "pmdp"),
                ("gup_huge_pud", "pud", "orig", "pudp"), ("gup_huge_pgd", "pgd", "orig", "pgdp"))


def lts61_template(name):
    return template(os.path.join("lts61", name))


def lts61_series(src, scope):
    """The 6.1 files as shipped, and the series: [(subject, body, files)]."""
    shipped = {}
    for path in LTS61_FILES:
        with open(os.path.join(src, path)) as f:
            shipped[path] = f.read()

    def once(text, old, new, what, path):
        return replace_once(text, old, new, what, path, "6.1")

    # 1: vma_needs_dirty_tracking(), out of vma_wants_writenotify().
    mmap = shipped["mm/mmap.c"]
    # Its comment (" *" lines only), then the function to the first "}" that
    # opens a line.
    found = re.findall(r"^/\*\n \* Some shared mappings will want the pages marked read-only\n(?: \*.*\n)*? \*/\n"
                       r"int vma_wants_writenotify\(struct vm_area_struct \*vma, pgprot_t vm_page_prot\)\n"
                       r"\{\n(?:(?!\}\n).*\n)*?\}\n", mmap, re.M)
    if len(found) != 1:
        die("vma_wants_writenotify() with its comment: found %d times in mm/mmap.c, expected once "
            "(is this the 6.1 source?)" % len(found))
    mmap = mmap.replace(found[0], lts61_template("mmap-helpers.c") + lts61_template("mmap-writenotify.c"))
    internal = once(shipped["mm/internal.h"], GUP_SECTION, MMAP_DECL + GUP_SECTION,
                    "the mm/gup.c section", "mm/internal.h")
    files1 = dict(shipped, **{"mm/mmap.c": mmap, "mm/internal.h": internal})

    # 2: the slow path, in check_vma_flags().
    gup = shipped["mm/gup.c"]
    gup = once(gup, "static int check_vma_flags(", lts61_template("gup-slow.c") + "static int check_vma_flags(",
               "check_vma_flags()", "mm/gup.c")
    body = function_body(gup, "check_vma_flags")
    new = body.replace("\tint foreign = (gup_flags & FOLL_REMOTE);\n",
                       "\tint foreign = (gup_flags & FOLL_REMOTE);\n\tbool vma_anon = vma_is_anonymous(vma);\n", 1)
    new = new.replace("\tif (gup_flags & FOLL_ANON && !vma_is_anonymous(vma))\n",
                      "\tif ((gup_flags & FOLL_ANON) && !vma_anon)\n", 1)
    new = new.replace("\tif (write) {\n\t\tif (!(vm_flags & VM_WRITE)) {\n",
                      CHECK_VMA_FLAGS_WRITE + "\n\t\tif (!(vm_flags & VM_WRITE)) {\n", 1)
    if new.count("vma_anon") != 3 or CHECK_VMA_FLAGS_WRITE not in new:
        die("check_vma_flags() in mm/gup.c is not 6.1's as expected")
    gup = gup.replace(body, new)
    files2 = dict(files1, **{"mm/gup.c": gup})

    # 3: GUP-fast, in each walker after its recheck of the entry.
    gup = once(gup, "#include <linux/sched/mm.h>\n", "#include <linux/sched/mm.h>\n#include <linux/shmem_fs.h>\n",
               "the includes", "mm/gup.c")
    gup = once(gup, "static void __maybe_unused undo_dev_pagemap(",
               lts61_template("gup-fast.c") + "static void __maybe_unused undo_dev_pagemap(",
               "undo_dev_pagemap()", "mm/gup.c")
    gup = once(gup, PTE_RECHECK, PTE_RECHECK + PTE_ALLOWED, "gup_pte_range()'s recheck", "mm/gup.c")
    for name, v, e, p in HUGE_WALKERS:
        recheck = HUGE_RECHECK % {"v": v, "e": e, "p": p}
        gup = once(gup, recheck, recheck + HUGE_ALLOWED, "%s()'s recheck" % name, "mm/gup.c")
    files3 = dict(files2, **{"mm/gup.c": gup})

    series = []
    for n, files in ((1, files1), (2, files2), (3, files3)):
        subject, _, body = lts61_template("message-%d.txt" % n).partition("\n\n")
        series.append((subject.strip(), body, files))
    if scope != "longterm":
        # 4: the scope tried with the module, as on 6.12 (stock has the rule).
        gup = once(gup, template("slow-longterm.c"), template("slow-%s.c" % scope),
                   "the long-term test of writable_file_mapping_allowed()", "mm/gup.c")
        gup = once(gup, template("fast-longterm.c"), template("fast-%s.c" % scope),
                   "the long-term test of folio_fast_pin_allowed()", "mm/gup.c")
        subject, _, body = template("message-%s.txt" % scope).partition("\n\n")
        body = body.replace("gup_fast_folio_allowed()", "folio_fast_pin_allowed()")
        series.append((subject.strip(), wrap_paragraphs(body), dict(files3, **{"mm/gup.c": gup})))
    return shipped, series


def wrap_paragraphs(text):
    """text with each paragraph refilled to 72 columns (a renamed function
    can change a line's length)."""
    return "\n\n".join(wrap(p) for p in text.strip().split("\n\n")) + "\n"


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
    return "/* Generated by scripts/export/export_patch.py from mm/vma.c and the patched mm/gup.c. */\n" + \
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


def format_series(shipped, series, prefix, outdir=None):
    """git format-patch of each (subject, body, files) in turn on top of the
    shipped files: the series as one mbox, and numbered files in outdir."""
    with tempfile.TemporaryDirectory() as repo:
        git(repo, "init", "-q")

        def write(files):
            for path, text in files.items():
                os.makedirs(os.path.join(repo, os.path.dirname(path)), exist_ok=True)
                with open(os.path.join(repo, path), "w") as f:
                    f.write(text)

        write(shipped)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        for subject, body, files in series:
            write(files)
            git(repo, "commit", "-q", "-a", "-F", "-", input=subject + "\n\n" + body)
        args = ["format-patch", "--no-signature", "--zero-commit", "--subject-prefix=" + prefix, "HEAD~%d" % len(series)]
        if outdir:
            git(repo, *(args + ["-o", os.path.abspath(outdir)]))
        return git(repo, *(args + ["--stdout"]))


def lts61_main(a):
    shipped, series = lts61_series(a.src, a.scope)
    report = report_tables(a.report, a.scope)
    out = []
    for n, (subject, body, files) in enumerate(series, 1):
        if n == 2:
            # The rule: the report's refusals, when it is the exported scope.
            body = message("longterm", report if a.scope == "longterm" else None, a.report_desc, body)[1]
        elif n == 4:
            body = message(a.scope, report, a.report_desc, body)[1]
        else:
            body = body.rstrip("\n") + "\n\n" + PLACEHOLDER_SOB + "\n"
        out.append((subject, body, files))
    if a.series_dir:
        os.makedirs(a.series_dir, exist_ok=True)
    mbox = format_series(shipped, out, LTS61_PREFIX, a.series_dir)
    with open(a.output, "w") as f:
        f.write(mbox)
    final = out[-1][2]
    if a.predicate:
        parts = [function(final["mm/mmap.c"], n) for n in ("vm_ops_needs_writenotify", "vma_is_shared_writable",
                                                          "vma_fs_can_writeback", "vma_needs_dirty_tracking")]
        parts += [function(final["mm/gup.c"], n) for n in ("writable_file_mapping_allowed",
                                                          "folio_fast_pin_allowed")]
        with open(a.predicate, "w") as f:
            f.write("/* Generated by scripts/export/export_patch.py from the 6.1 series' mm/mmap.c and mm/gup.c. */\n"
                    "#define gup_fast_folio_allowed folio_fast_pin_allowed\n" + "\n".join(parts))
    if a.gup_c:
        for path in LTS61_FILES:
            with open(os.path.join(a.gup_c, path.replace("/", "_")), "w") as f:
                f.write(final[path])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scope", choices=SCOPES, required=True)
    ap.add_argument("--base", choices=("stock", "legacy", "lts61"), required=True)
    ap.add_argument("--src", required=True, help="the unpacked 6.12 source (stock), or 6.1's for lts61")
    ap.add_argument("--legacy-patch", action="append", default=[], help="what makes legacy")
    ap.add_argument("--report", help="a scripts/report.sh report from audit mode")
    ap.add_argument("--report-desc", default="a workload",
                    help="what the report measured, for the commit message")
    ap.add_argument("--gup-c", help="also write the patched mm/gup.c here (lts61: a directory, "
                    "for mm_mmap.c, mm_internal.h and mm_gup.c)")
    ap.add_argument("--series-dir", help="lts61: also write the series as numbered files here")
    ap.add_argument("--predicate", help="also write the rule as C for tests/host/predicate.c")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    if a.base == "lts61":
        lts61_main(a)
        return

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
