#!/usr/bin/env bash
# The VM half of the export's proof: a kernel carrying an exported patch,
# booted without the module, must give every row of the oracle, matrix and
# callers suites the outcome the same row had on the patch's base with the
# module in enforce at the patch's scope; legacy+longterm must also behave as
# stock does. On 6.1 (lts61+SCOPE, the backport series) there is no oracle:
# 6.1's gup_test lacks what upstream's gup_longterm needs. Rows are matched by their description; a row missing on either
# side, or another outcome, fails and is named with both outcomes.
#
#   scripts/harness/check-equivalence.sh RUNDIR BASE+SCOPE [REFSCOPE]
#
# REFSCOPE (default SCOPE) compares with the module at another scope instead:
# the test command's negative control, which must find rows that differ.
# RUNDIR holds one directory of raw test outputs per flavour (tests/guest/run.sh
# OUTDIR). Prints TAP.
set -uo pipefail
run=$1 flavour=$2
base=${flavour%+*} scope=${3:-${flavour#*+}}
n=0 fail=0 rows=0
echo "TAP version 13"

# rows FILE: "description<TAB>outcome" for every row of a TAP file. gup_matrix
# and gup_callers rows end in ": worked", ": refused" or ": failed (errno)"
# (then, on a failing row, what was wanted); gup_longterm rows follow their
# "# [RUN] description" line and their outcome is ok, not ok or skip.
rows() {
	awk '
		/^# \[RUN\] / { run = substr($0, 9); next }
		!/^(not )?ok [0-9]+/ { next }
		{
			st = /^not ok/ ? "not ok" : "ok"
			line = $0
			sub(/^(not )?ok [0-9]+ /, "", line)
			if (line ~ /^# SKIP /) { sub(/^# SKIP /, "", line); st = "skip" }
			else if (line ~ / # SKIP/) { sub(/ # SKIP.*/, "", line); st = "skip" }
			if (run != "") { print run "\t" st; run = ""; next }
			if (st == "skip") { sub(/: [^:]*$/, "", line); print line "\tskip"; next }
			if (match(line, /: (worked|refused|failed \([^)]*\))(;.*)?$/)) {
				out = substr(line, RSTART + 2)
				sub(/;.*/, "", out)
				print substr(line, 1, RSTART - 1) "\t" out
			} else {
				print line "\t?"
			}
		}' "$1" | sort
}

# plan_rows KEY: the rows tests/guest/plans.txt (GG_PLANS) says the program
# runs for KEY ("PROGRAM SERIES FS"); empty if it has no entry.
plans=${GG_PLANS:-$(dirname "$0")/../../tests/guest/plans.txt}
plan_rows() { awk -v k="$1" '!/^#/ && NF >= 5 && $1 " " $2 " " $3 == k { print $4 }' "$plans"; }

# compare LABEL PATCHED-FILE REFERENCE-FILE KEY: every row of both files,
# as many as plans.txt says for KEY on each side, each with an outcome the
# same on both sides; a row whose outcome cannot be read fails.
compare() {
	local label=$1 a=$2 b=$3 key=$4 diffs total want ta tb unread
	n=$((n + 1))
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		fail=$((fail + 1))
		echo "not ok $n $label: missing output ($([ -s "$a" ] || echo "$a ")$([ -s "$b" ] || echo "$b"))"
		return
	fi
	want=$(plan_rows "$key")
	ta=$(rows "$a" | wc -l) tb=$(rows "$b" | wc -l)
	total=$ta
	diffs=$(join -t $'\t' -a1 -a2 -e '(no such row)' -o 0,1.2,2.2 <(rows "$a") <(rows "$b") |
		awk -F'\t' '$2 != $3 || $2 == "?"')
	if [ -z "$want" ]; then
		fail=$((fail + 1))
		echo "not ok $n $label: no entry for \"$key\" in $plans ($ta and $tb rows)"
	elif [ "$ta/$tb" != "$want/$want" ]; then
		fail=$((fail + 1))
		echo "not ok $n $label: $ta rows on $flavour, $tb on the reference; plans.txt says $want"
		[ -n "$diffs" ] && echo "$diffs" | head -20 | awk -F'\t' -v f="$flavour" '{ printf "#   %s: %s on %s, %s on the reference\n", $1, $2, f, $3 }'
	elif [ -z "$diffs" ]; then
		rows=$((rows + total))
		echo "ok $n $label: $total rows, every outcome equal"
	else
		fail=$((fail + 1))
		unread=$(echo "$diffs" | awk -F'\t' '$2 == "?"' | grep -c .)
		echo "not ok $n $label: $(echo "$diffs" | grep -c .) of $total rows differ ($unread whose outcome cannot be read)"
		echo "$diffs" | head -20 | awk -F'\t' -v f="$flavour" '{ printf "#   %s: %s on %s, %s on the reference\n", $1, $2, f, $3 }'
	fi
}

# The kernel series of a flavour (the row counts differ between them).
series=6.12
case $base in lts61*) series=6.1 ;; esac

# against REFERENCE-LABEL REFDIR MATRIX-CFG ORACLE-TAG
against() {
	local ref=$1 rdir=$2 cfg=$3 otag=$4 fs
	for fs in tmpfs ext4 xfs btrfs; do
		[ "$series" = 6.1 ] || compare "$flavour = $ref: gup_longterm on $fs" "$run/$flavour/oracle-nomod-$fs.tap" "$rdir/oracle-$otag-$fs.tap" \
			"gup_longterm $series $fs"
		compare "$flavour = $ref: gup_matrix on $fs" "$run/$flavour/matrix-none-$fs.tap" "$rdir/matrix-$cfg-$fs.tap" \
			"gup_matrix $series $fs"
		compare "$flavour = $ref: gup_callers on $fs" "$run/$flavour/callers-none-$fs.tap" "$rdir/callers-$cfg-$fs.tap" \
			"gup_callers $series $fs"
	done
}

otag=enforce.$scope
[ "$scope" = longterm ] && otag=enforce
against "$base + gupguard enforce, scope $scope" "$run/$base" "enforce.$scope" "$otag"
# The exporter regenerates upstream's rule on legacy: exactly stock.
[ "$flavour" = legacy+longterm ] && [ "$scope" = longterm ] && against "stock" "$run/stock" none nomod
echo "# $flavour: $rows rows compared, $fail of $n comparisons differ"
echo "1..$n"
[ "$fail" = 0 ]
