#!/usr/bin/env bash
# The harness's own checks on one guest run (tests/guest/run.sh OUTDIR), as
# TAP lines: the run completed (results.tap holds its top-level plan and
# exactly as many top-level results: the setup and one per suite, each
# suite's rows a KTAP subtest; and qemu/run-vm.sh's exit code, given, is 0,
# or 1 with a failed result among them), the kernel log
# holds no report (scripts/harness/check-dmesg.sh), kmemleak found nothing. Exits 1
# if any is not ok. scripts/test.sh counts these; scripts/harness/selftest-harness.sh
# checks that each turns red when it should.
#   scripts/harness/check-guest.sh OUTDIR EXIT LABEL
set -u
out=$1 status=$2 label=$3
here=$(dirname "$0")
bad=0
tap=$out/results.tap
plan=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$tap" 2>/dev/null | tail -1)
results=$(grep -cE '^(not )?ok [0-9]+' "$tap" 2>/dev/null)
failed=$(grep -cE '^not ok [0-9]+' "$tap" 2>/dev/null)
# Completed: the plan printed and met; the guest exits 1 exactly when a
# result failed (those count on their own).
if [ -n "$plan" ] && [ "$plan" = "${results:-0}" ] && [ "$plan" -gt 0 ] &&
	{ [ "$status" = 0 ] || { [ "$status" = 1 ] && [ "${failed:-0}" -gt 0 ]; }; }; then
	echo "ok - $label: guest run completed ($plan tests)"
else
	echo "not ok - $label: guest run did not complete cleanly (exit $status, plan ${plan:-none}, ${results:-0} tests)"
	# A suite's rows reach results.tap when it ends: those of the one
	# that was running are in its own file.
	last=$(ls -t "$out"/suite-*.tap 2>/dev/null | head -1)
	if [ -n "$last" ] && ! grep -q "^ *# Subtest: $(basename "$last" .tap | sed 's/^suite-//')$" "$tap"; then
		echo "#   unfinished: $(basename "$last"), its last rows:"
		tail -5 "$last" | sed 's/^/#     /'
	fi
	bad=1
fi
if reports=$("$here/check-dmesg.sh" "$out/dmesg.txt" "$out/console.log"); then
	echo "ok - $label: no kernel report in dmesg"
else
	echo "not ok - $label: kernel reported a problem"
	echo "$reports" | sed 's/^/#   /'
	bad=1
fi
if [ -e "$out/kmemleak-absent" ]; then
	echo "ok - $label: kmemleak # SKIP not in this kernel (CONFIG_DEBUG_KMEMLEAK)"
elif [ -s "$out/kmemleak-not-scanned" ]; then
	echo "ok - $label: kmemleak # SKIP not scanned: $(head -1 "$out/kmemleak-not-scanned")"
elif [ ! -e "$out/kmemleak.txt" ]; then
	echo "not ok - $label: no kmemleak.txt (the guest did not scan)"
	bad=1
elif [ -s "$out/kmemleak.txt" ]; then
	echo "not ok - $label: kmemleak found leaks"
	head -30 "$out/kmemleak.txt" | sed 's/^/#   /'
	bad=1
else
	echo "ok - $label: kmemleak found nothing"
fi
exit $bad
