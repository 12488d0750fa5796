#!/usr/bin/env bash
# Fail (exit 1) if a kernel log holds any report of the kernel's own
# detectors, as the test kernels print them (qemu/config/debug.config turns
# them on); print the offending lines. A log that is missing fails too.
# kmemleak is judged from its own report (scripts/harness/check-guest.sh): its
# "N new suspected memory leaks" line also follows the scan that clears
# what boot left.
#   scripts/harness/check-dmesg.sh LOGFILE...
# scripts/harness/selftest-harness.sh feeds one line of each format through it.
set -u
patterns=(
	# oops, BUG() and WARN(), and what follows them
	'BUG:' 'kernel BUG at' 'WARNING:' 'Oops' 'Kernel panic' 'general protection fault' 'Call Trace:'
	# KASAN ("BUG: KASAN: ..."), UBSAN ("UBSAN: array-index-out-of-bounds in ...")
	'KASAN' 'UBSAN:'
	# lockdep (its reports start with "WARNING: ..." too)
	'possible circular locking' 'possible recursive locking' 'inconsistent lock state'
	'suspicious RCU usage'
	# RCU stalls ("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
	# "... self-detected stall on CPU", "INFO: rcu_tasks detected stalls on tasks:")
	'detected stalls on' 'self-detected stall'
	# hung tasks ("INFO: task NAME:PID blocked for more than N seconds.");
	# soft lockups and workqueue lockups print "BUG: ..."
	'blocked for more than'
	# might_sleep() and the scheduler
	'sleeping function called from invalid context' 'scheduling while atomic'
	# refcount_t, DEBUG_LIST, the stack protector
	'refcount_t:' 'list_add corruption' 'list_del corruption' 'stack-protector'
)
args=()
for p in "${patterns[@]}"; do args+=(-e "$p"); done
bad=0
hits=$(mktemp)
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "kernel log $f is missing: nothing to check is a failure"
		bad=1
		continue
	fi
	if grep -n -F "${args[@]}" "$f" >"$hits"; then
		echo "kernel report in $f:"
		head -20 "$hits" | sed 's/^/    /'
		bad=1
	fi
done
rm -f "$hits"
exit $bad
