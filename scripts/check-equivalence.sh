#!/usr/bin/env bash
# The VM half of the export's proof: a kernel carrying an exported patch,
# booted without the module, must give every row of the oracle, matrix and
# callers suites the outcome the same row had on the patch's base with the
# module in enforce at the patch's scope; legacy+longterm must also behave as
# stock does. Rows are matched by their description; a row missing on either
# side, or another outcome, fails and is named with both outcomes.
#
#   scripts/check-equivalence.sh RUNDIR BASE+SCOPE [REFSCOPE]
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

# compare LABEL PATCHED-FILE REFERENCE-FILE
compare() {
	local label=$1 a=$2 b=$3 diffs total
	n=$((n + 1))
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		fail=$((fail + 1))
		echo "not ok $n $label: missing output ($([ -s "$a" ] || echo "$a ")$([ -s "$b" ] || echo "$b"))"
		return
	fi
	total=$(rows "$a" | wc -l)
	diffs=$(join -t $'\t' -a1 -a2 -e '(no such row)' -o 0,1.2,2.2 <(rows "$a") <(rows "$b") |
		awk -F'\t' '$2 != $3')
	if [ -z "$diffs" ] && [ "$total" -gt 0 ]; then
		rows=$((rows + total))
		echo "ok $n $label: $total rows, every outcome equal"
	else
		fail=$((fail + 1))
		echo "not ok $n $label: $(echo "$diffs" | grep -c .) of $total rows differ"
		echo "$diffs" | head -20 | awk -F'\t' -v f="$flavour" '{ printf "#   %s: %s on %s, %s on the reference\n", $1, $2, f, $3 }'
	fi
}

# against REFERENCE-LABEL REFDIR MATRIX-CFG ORACLE-TAG
against() {
	local ref=$1 rdir=$2 cfg=$3 otag=$4 fs
	for fs in tmpfs ext4 xfs btrfs; do
		compare "$flavour = $ref: gup_longterm on $fs" "$run/$flavour/oracle-nomod-$fs.tap" "$rdir/oracle-$otag-$fs.tap"
		compare "$flavour = $ref: gup_matrix on $fs" "$run/$flavour/matrix-none-$fs.tap" "$rdir/matrix-$cfg-$fs.tap"
		compare "$flavour = $ref: gup_callers on $fs" "$run/$flavour/callers-none-$fs.tap" "$rdir/callers-$cfg-$fs.tap"
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
