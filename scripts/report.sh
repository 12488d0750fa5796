#!/usr/bin/env bash
# What would each gupguard scope refuse, and whom would it break? Reads the
# module's debugfs files on this machine (the test VM, or any machine with
# gupguard loaded) and prints one table per view.
#
#   scripts/report.sh [--events N] [DIR]
#
# DIR is the debugfs directory (default /sys/kernel/debug/gupguard). Run a
# workload with the module in audit mode first (echo audit > DIR/mode; echo 0
# > DIR/counters to start from zero): audit sends every covered GUP-fast call
# to the slow path, so each scope's column is complete. Columns: calls each
# scope would refuse (longterm = upstream's rule, pin, get), calls refused,
# calls let through by an allow-list. --events N also lists the newest N
# logged calls.
set -euo pipefail
events=0
while [ $# -gt 0 ]; do
	case $1 in
	--events) events=${2:?--events needs a number}; shift 2 ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "report.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
case $events in '' | *[!0-9]*) echo "report.sh: --events needs a number, not '$events'" >&2; exit 2 ;; esac
dir=${1:-/sys/kernel/debug/gupguard}
for f in mode scope counters by_fs by_caller events; do
	[ -r "$dir/$f" ] || { echo "report.sh: cannot read $dir/$f (is gupguard loaded, debugfs mounted, and are you root?)" >&2; exit 1; }
done

counter() { awk -v k="$1" '$1 == k { print $2 }' "$dir/counters"; }
read -r logged overwritten lost < <(awk 'NR == 1 { print $3, $5, $7 }' "$dir/events")

echo "gupguard report: mode $(cat "$dir/mode"), scope $(cat "$dir/scope")"
echo "slow-path calls examined $(counter slow_examined); GUP-fast calls examined $(counter fast_examined), sent to the slow path $(counter fast_diverted)"
echo "logged calls (any scope matched) $logged; the log holds the newest, $overwritten overwritten, $lost lost"
echo

# table TITLE FILE: a debugfs aggregate file as an aligned table, rows with the
# same name (two CPUs meeting a new name at once) added up, biggest first.
table() {
	awk -v title="$1" '
		NR == 1 { for (i = 3; i <= NF; i++) col[i - 1] = $i; ncol = NF - 1; next }
		{ if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
		  for (i = 2; i <= NF; i++) v[$1, i] += $i }
		END {
			w = length(title) < 5 ? 5 : length(title)
			for (r = 1; r <= n; r++) if (length(order[r]) > w) w = length(order[r])
			printf "%-" w "s", title
			for (i = 2; i <= ncol; i++) printf " %9s", col[i]
			printf "\n"
			# Biggest "get" column (every scope'"'"'s calls) first.
			for (r = 1; r <= n; r++) for (s = r + 1; s <= n; s++)
				if (v[order[s], 4] + v[order[s], 6] > v[order[r], 4] + v[order[r], 6]) {
					t = order[r]; order[r] = order[s]; order[s] = t }
			for (r = 1; r <= n; r++) {
				printf "%-" w "s", order[r]
				for (i = 2; i <= ncol; i++) { printf " %9d", v[order[r], i]; tot[i] += v[order[r], i] }
				printf "\n"
			}
			printf "%-" w "s", "total"
			for (i = 2; i <= ncol; i++) printf " %9d", tot[i]
			printf "\n"
		}' "$2"
}

echo "== what each scope would refuse, by GUP caller =="
table caller "$dir/by_caller"
echo
echo "== the same calls by file-system type =="
table fs "$dir/by_fs"
if [ "$events" -gt 0 ]; then
	echo
	echo "== the newest $events logged calls =="
	awk -v n="$events" 'NR == 2 { sub(/^# /, ""); print; next }
		NR > 2 { line[NR] = $0 } END { for (i = (NR - n > 2 ? NR - n + 1 : 3); i <= NR; i++) print line[i] }' "$dir/events"
fi
