#!/usr/bin/env bash
# From a policy tried with the module to a patch for mm/gup.c:
#
#   scripts/export-patch.sh --scope longterm|pin|get --base stock|legacy|lts61
#                           [--report FILE [--report-desc TEXT]] [--src DIR] [-o DIR]
#
# Writes DIR/0001-<subject>.patch (default DIR: .), a git format-patch of
# mm/gup.c against the 6.12 source the harness unpacks (base stock: as
# shipped; legacy: without upstream's rule). Base lts61 writes a series
# against Debian's 6.1 source instead: upstream's rule backported in three
# patches (mm/mmap.c, then the slow path, then GUP-fast), plus a fourth for
# scope pin or get. The commit message lists what the rule would refuse, from
# FILE: a scripts/report.sh report of a workload run in audit mode (default:
# the one the harness's attribution suite saved on the legacy kernel, or on
# lts61 for base lts61), described as TEXT. Then it checks every patch:
# scripts/checkpatch.pl --strict, `git am` and `patch -p1` in order on its
# base. Fill in the Signed-off-by: lines.
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

scope="" base="" report="" desc="" src="" outdir=.
while [ $# -gt 0 ]; do
	case $1 in
	--scope) scope=${2:-}; shift 2 ;;
	--base) base=${2:-}; shift 2 ;;
	--report) report=${2:-}; shift 2 ;;
	--report-desc) desc=${2:-}; shift 2 ;;
	--src) src=${2:-}; shift 2 ;;
	-o) outdir=${2:-}; shift 2 ;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) gg_die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ "$scope" =~ ^(longterm|pin|get)$ ]] || gg_die "--scope must be longterm, pin or get"
[[ "$base" =~ ^(stock|legacy|lts61)$ ]] || gg_die "--base must be stock, legacy or lts61"
series=6.12 tree=kernel report_on=legacy
[ "$base" = lts61 ] && series=6.1 tree=kernel-lts61 report_on=lts61
src=${src:-$GG_CACHE/$tree/current/src}
[ -f "$src/mm/gup.c" ] || gg_die "no $series source at $src (run scripts/harness/build-kernel.sh${base/#lts61/ lts61}, or pass --src)"
if [ -z "$report" ]; then
	report=$(ls -t "$GG_CACHE"/results/"$report_on"-*/report.txt "$GG_RUN/$report_on/report.txt" 2>/dev/null | head -1) ||
		true
	[ -n "$report" ] || gg_log "no attribution report found: the commit message will not list what the rule refuses"
	desc=${desc:-"a workload of real GUP callers (io_uring buffer registration, O_DIRECT reads, process_vm_writev(), vmsplice() and /proc/pid/mem writes) on ext4, xfs, btrfs and tmpfs"}
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# am_onto DIR PATCH...: commit DIR's files as a base, then `git am` the patches.
am_onto() {
	local dir=$1
	shift
	(
		cd "$dir" && git init -q && git add -A &&
			git -c user.name=x -c user.email=x@x commit -qm base &&
			git -c user.name=x -c user.email=x@x am -q "$@"
	)
}

if [ "$base" = lts61 ]; then
	mkdir -p "$tmp/final"
	args=(--scope "$scope" --base lts61 --src "$src" -o "$tmp/series.mbox" --series-dir "$tmp/series" --gup-c "$tmp/final")
	[ -n "$report" ] && args+=(--report "$report" --report-desc "${desc:-a workload}")
	python3 "$GG_ROOT/scripts/export/export_patch.py" "${args[@]}"
	# `git am DIR/*.patch` must find this series and nothing else.
	others=""
	for p in "$outdir"/0[0-9][0-9][0-9]-*.patch; do
		[ -e "$p" ] && [ ! -e "$tmp/series/${p##*/}" ] && others+=" ${p##*/}"
	done
	[ -z "$others" ] ||
		gg_die "$outdir holds other numbered patches ($others ): write the series into a directory of its own"
	patches=()
	for p in "$tmp"/series/*.patch; do
		cp "$p" "$outdir/"
		patches+=("$outdir/${p##*/}")
	done
	gg_log "wrote ${#patches[@]} patches to $outdir ($scope rule on 6.1; report: ${report:-none})"
	files=(mm/mmap.c mm/internal.h mm/gup.c)
	for f in "${files[@]}"; do mkdir -p "$tmp/base/${f%/*}" && cp "$src/$f" "$tmp/base/$f"; done
	cp -a "$tmp/base" "$tmp/am"
	for p in "${patches[@]}"; do
		patch -s -p1 -d "$tmp/base" <"$p" || gg_die "patch -p1 does not apply ${p##*/} to 6.1 after the ones before it"
	done
	am_onto "$tmp/am" "${patches[@]}" || gg_die "git am does not apply the series to 6.1"
	for f in "${files[@]}"; do
		cmp -s "$tmp/am/$f" "$tmp/final/${f//\//_}" && cmp -s "$tmp/base/$f" "$tmp/final/${f//\//_}" ||
			gg_die "the series applied to 6.1 gives another $f than the exporter's"
	done
	gg_log "the series applies to 6.1 in order with git am and patch -p1"
	# A backport names its upstream commit as stable-kernel-rules.rst asks
	# ("commit <sha1> upstream."), a form checkpatch's commit-id checks
	# reject (and cannot verify outside a git tree): those two are off.
	(cd "$src" && scripts/checkpatch.pl --strict --ignore GIT_COMMIT_ID,UNKNOWN_COMMIT_ID "${patches[@]}") ||
		gg_die "checkpatch --strict is not clean"
	exit 0
fi
args=(--scope "$scope" --base "$base" --src "$src" -o "$tmp/out.patch" --gup-c "$tmp/gup.c")
for p in "$GG_ROOT"/qemu/patches/legacy-*.patch; do args+=(--legacy-patch "$p"); done
[ -n "$report" ] && args+=(--report "$report" --report-desc "${desc:-a workload}")
python3 "$GG_ROOT/scripts/export/export_patch.py" "${args[@]}"
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
{ am_onto "$tmp/am" "$outdir/$name" && cmp -s "$tmp/am/mm/gup.c" "$tmp/gup.c"; } ||
	gg_die "git am does not apply it to $base, or gives another mm/gup.c"
gg_log "applies to $base with git am and patch -p1"
(cd "$src" && scripts/checkpatch.pl --strict "$outdir/$name") ||
	gg_die "checkpatch --strict is not clean"
