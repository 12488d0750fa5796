#!/usr/bin/env bash
# Fail (exit 1) if a kernel log holds any oops, BUG, WARN, KASAN, UBSAN,
# lockdep, RCU-stall, hung-task or kmemleak report; print the offending lines.
#   scripts/check-dmesg.sh LOGFILE...
set -u
patterns=(
	'BUG:' 'kernel BUG at' 'WARNING:' 'Oops' 'Kernel panic' 'general protection fault'
	'Call Trace:' 'KASAN' 'UBSAN' 'possible circular locking' 'possible recursive locking'
	'inconsistent lock state' 'suspicious RCU usage' 'RCU stall' 'self-detected stall'
	'blocked for more than' 'unreferenced object' 'suspected memory leak'
	'sleeping function called from invalid context' 'scheduling while atomic'
	'refcount_t:' 'list_add corruption' 'list_del corruption' 'stack-protector'
)
args=()
for p in "${patterns[@]}"; do args+=(-e "$p"); done
bad=0
for f in "$@"; do
	[ -f "$f" ] || continue
	if grep -n -F "${args[@]}" "$f" >/tmp/gg-dmesg-hits.$$; then
		echo "kernel report in $f:"
		head -20 /tmp/gg-dmesg-hits.$$ | sed 's/^/    /'
		bad=1
	fi
done
rm -f /tmp/gg-dmesg-hits.$$
exit $bad
