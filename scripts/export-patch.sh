#!/usr/bin/env bash
# From a policy tried with the module to a patch for mm/gup.c:
#
#   scripts/export-patch.sh --scope longterm|pin|get --base stock|legacy
#                           [--report FILE [--report-desc TEXT]] [--src DIR] [-o DIR]
#
# Writes DIR/0001-<subject>.patch (default DIR: .), a git format-patch of
# mm/gup.c against the 6.12 source the harness unpacks (base stock: as
# shipped; legacy: without upstream's rule). The commit message lists what
# the rule would refuse, from FILE: a scripts/report.sh report of a workload
# run in audit mode (default: the one the harness's attribution suite saved on
# the legacy kernel), described as TEXT ("the gup_callers workload ..."). Then it checks the patch: scripts/checkpatch.pl --strict,
# `git am` and `patch -p1` on its base. Fill in the Signed-off-by: line.
set -euo pipefail
. "$(dirname "$0")/common.sh"

scope= base= report= desc= src= outdir=.
while [ $# -gt 0 ]; do
	case $1 in
	--scope) scope=${2:-}; shift 2 ;;
	--base) base=${2:-}; shift 2 ;;
	--report) report=${2:-}; shift 2 ;;
	--report-desc) desc=${2:-}; shift 2 ;;
	--src) src=${2:-}; shift 2 ;;
	-o) outdir=${2:-}; shift 2 ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) gg_die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ "$scope" =~ ^(longterm|pin|get)$ ]] || gg_die "--scope must be longterm, pin or get"
[[ "$base" =~ ^(stock|legacy)$ ]] || gg_die "--base must be stock or legacy"
src=${src:-$GG_CACHE/kernel/current/src}
[ -f "$src/mm/gup.c" ] || gg_die "no 6.12 source at $src (run scripts/build-kernel.sh, or pass --src)"
if [ -z "$report" ]; then
	report=$(ls -t "$GG_CACHE"/results/legacy-*/report.txt "$GG_RUN/legacy/report.txt" 2>/dev/null | head -1) ||
		true
	[ -n "$report" ] || gg_log "no attribution report found: the commit message will not list what the rule refuses"
	desc=${desc:-"a workload of real GUP callers (io_uring buffer registration, O_DIRECT reads, process_vm_writev(), vmsplice() and /proc/pid/mem writes) on ext4, xfs, btrfs and tmpfs"}
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(--scope "$scope" --base "$base" --src "$src" -o "$tmp/out.patch" --gup-c "$tmp/gup.c")
for p in "$GG_ROOT"/qemu/patches/legacy-*.patch; do args+=(--legacy-patch "$p"); done
[ -n "$report" ] && args+=(--report "$report" --report-desc "${desc:-a workload}")
python3 "$GG_ROOT/scripts/export_patch.py" "${args[@]}"
subject=$(sed -n 's/^Subject: \[PATCH\] //p' "$tmp/out.patch")
name=0001-$(echo "$subject" | tr -c 'A-Za-z0-9\n' - | tr -s - | sed 's/-$//' | cut -c1-52).patch
cp "$tmp/out.patch" "$outdir/$name"
gg_log "wrote $outdir/$name ($scope rule on $base; report: ${report:-none})"

# The patch applies to its base both ways.
mkdir -p "$tmp/base/mm"
cp "$src/mm/gup.c" "$tmp/base/mm/gup.c"
if [ "$base" = legacy ]; then
	for p in "$GG_ROOT"/qemu/patches/legacy-*.patch; do patch -s -p1 -d "$tmp/base" <"$p"; done
fi
cp -a "$tmp/base" "$tmp/am"
patch -s -p1 --dry-run -d "$tmp/base" <"$outdir/$name" || gg_die "patch -p1 does not apply it to $base"
(
	cd "$tmp/am" && git init -q && git add -A &&
		git -c user.name=x -c user.email=x@x commit -qm base &&
		git -c user.name=x -c user.email=x@x am -q "$outdir/$name" &&
		cmp -s mm/gup.c "$tmp/gup.c"
) || gg_die "git am does not apply it to $base, or gives another mm/gup.c"
gg_log "applies to $base with git am and patch -p1"
(cd "$src" && scripts/checkpatch.pl --strict "$outdir/$name") ||
	gg_die "checkpatch --strict is not clean"
