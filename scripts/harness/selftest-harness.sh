#!/usr/bin/env bash
# Break things on purpose and check that the harness turns red and names the
# cause, one class of failure per check: a failing guest test; kselftest
# programs that bail out, run fewer rows than planned, more rows than
# tests/guest/plans.txt says, or exit non-zero; a suite that does not exist;
# a WARNING in dmesg; a task hung past the hung-task timeout; a module that
# leaks (kmemleak); a guest that panics; one line of every kernel report
# format scripts/harness/check-dmesg.sh claims to catch, and a missing log; a row
# lost on one side of the export's equivalence, or on both; a failed run that
# must not be cached; a Debian package that cannot be installed. Needs a
# kernel from build-kernel.sh (GG_KROOT, default: the current one) and the
# test programs in $GG_RUN/bin. Prints TAP.
set -uo pipefail
. "$(dirname "$0")/common.sh"
kroot=${GG_KROOT:-$GG_CACHE/kernel/current}
out=$GG_RUN/harness
rm -rf "$out" && mkdir -p "$out"
n=0 fails=0
check() { # check DESC CMD...
	n=$((n + 1))
	if "${@:2}"; then echo "ok $n harness: $1"; else echo "not ok $n harness: $1"; fails=$((fails + 1)); fi
}
has() { grep -q -- "$2" "$1"; } # has FILE REGEX

# inject_boot DIR LABEL SUITE...: boots the stock kernel with those suites
# into DIR, then judges it as scripts/test.sh does (DIR.checks); sets status.
inject_boot() {
	local dir=$1 label=$2
	shift 2
	"$GG_ROOT/qemu/run-vm.sh" "$kroot/stock/bzImage" "$dir" -- \
		"GG_SUITES='$*' $GG_ROOT/tests/guest/run.sh stock $GG_RUN/bin $GG_ROOT/gupguard.ko $dir" >"$dir.run-vm.log" 2>&1
	status=$?
	"$GG_ROOT/scripts/harness/check-guest.sh" "$dir" "$status" "$label" >"$dir.checks" 2>&1
}

# --- boot 1: everything but the panic, then the harness's verdict on it -----
b1=$out/boot
inject_boot "$b1" injected inject_fail inject_bail inject_plan inject_rows inject_exit inject_nosuch \
	nosuch inject_warn inject_hang inject_leak
r=$b1/results.tap
check "the injected boot ran to its end (exit $status: its tests failed) with its TAP plan" \
	bash -c "grep -q '^1\.\.[0-9]' '$r' && grep -q '^# guest: ' '$r' && grep -q '^ok - injected: guest run completed' '$b1.checks' && [ $status = 1 ]"
check "a failing guest test is reported as not ok, and its suite's KTAP subtest too" \
	bash -c "grep -q '^  not ok 1 injected: a failing guest test' '$r' && grep -q '^not ok [0-9]* inject_fail ' '$r'"
check "a kselftest program that bails out (with its totals) is not ok, named" \
	bash -c "grep -q '^ *not ok .*injected bail: gg_ktap_fault did not run to its end' '$r' &&
		grep -q '^ *#   bailed out: Bail out! injected: a bail-out' '$r' && grep -q '^ *#   exit code 1, wanted 0' '$r'"
check "a program that runs fewer rows than it planned is not ok, named" \
	bash -c "grep -q '^ *not ok .*injected plan mismatch: 2 pass, 0 fail' '$r' && grep -q '^ *#   ran 2 rows of the 3 it planned' '$r' &&
		grep -q '^ *#   says: Planned tests != run tests (3 != 2)' '$r'"
check "a program that runs more rows than plans.txt says is not ok, named" \
	bash -c "grep -q '^ *not ok .*injected row count: 4 pass' '$r' && grep -q '^ *#   ran 4 rows, plans.txt says 3' '$r'"
check "a program whose rows all pass but that exits 3 is not ok, named" \
	bash -c "grep -q '^ *not ok .*injected exit code: 3 pass' '$r' && grep -q '^ *#   exit code 3, wanted 0' '$r'"
check "a suite that does not exist is not ok, named (a suite file, a case of suite-inject.sh)" \
	bash -c "grep -q '^not ok [0-9]* nosuch # no such suite: nosuch' '$r' && grep -q '^  not ok 1 no such suite: inject_nosuch' '$r'"
check "a WARNING in the kernel log is found and shown" \
	bash -c "grep -q '^not ok - injected: kernel reported a problem' '$b1.checks' &&
		grep -q 'WARNING: CPU: 0 PID: .* at injected' '$b1.checks'"
check "a task hung past the timeout (a write to a frozen ext4) is reported by the kernel and found" \
	has "$b1.checks" 'INFO: task .* blocked for more than [0-9]* seconds'
check "a module that leaks is reported by kmemleak (two scans) and fails the boot, naming the allocation" \
	bash -c "grep -q '^not ok - injected: kmemleak found leaks' '$b1.checks' && grep -q 'gg_leak_some' '$b1/kmemleak.txt'"

# --- boot 2: a panic ----------------------------------------------------------
b2=$out/panic
inject_boot "$b2" panicked inject_panic
check "a guest panic is reported as a dead guest (exit $status) and fails the boot" \
	bash -c "[ $status = 125 ] && grep -q 'guest died before its command finished' '$b2.run-vm.log' &&
		grep -q 'Kernel panic' '$b2/console.log' && grep -q '^not ok - panicked: guest run did not complete' '$b2.checks'"

# --- the kernel log scan: one line of each format, as the kernel prints it ---
fmt=$out/formats
mkdir -p "$fmt"
clean="[    1.000000] gupguard: loaded (mode enforce, scope longterm)"
echo "$clean" >"$fmt/clean.log"
check "a clean kernel log passes the scan" "$GG_ROOT/scripts/harness/check-dmesg.sh" "$fmt/clean.log"
# scan_red LOG NEEDLE: the scan fails LOG, and what it prints names NEEDLE.
scan_red() { ! "$GG_ROOT/scripts/harness/check-dmesg.sh" "$1" >"$1.out" && grep -qF -- "$2" "$1.out"; }
check "a missing kernel log fails the scan, named" scan_red "$fmt/no-such.log" "no-such.log is missing"
i=0
while IFS= read -r line; do
	[ -z "$line" ] && continue
	i=$((i + 1))
	printf '%s\n[    2.000000] %s\n' "$clean" "$line" >"$fmt/$i.log"
	check "the scan catches: ${line:0:70}" scan_red "$fmt/$i.log" "${line:0:40}"
done <<'FORMATS'
BUG: kernel NULL pointer dereference, address: 0000000000000008
kernel BUG at mm/gup.c:1234!
WARNING: CPU: 1 PID: 120 at mm/gup.c:1000 check_vma_flags+0x10/0x20
Oops: general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN NOPTI
Kernel panic - not syncing: Fatal exception
BUG: KASAN: slab-use-after-free in gg_events_read+0x20/0x30 [gupguard]
UBSAN: array-index-out-of-bounds in mm/gup.c:42:3
WARNING: possible circular locking dependency detected
WARNING: possible recursive locking detected
WARNING: inconsistent lock state
WARNING: suspicious RCU usage
rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
rcu: INFO: rcu_preempt self-detected stall on CPU
INFO: rcu_tasks detected stalls on tasks:
INFO: task gup_pin:123 blocked for more than 60 seconds.
watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [gup_pin:99]
BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 31s!
BUG: sleeping function called from invalid context at mm/gup.c:1
BUG: scheduling while atomic: gup_pin/99/0x00000002
refcount_t: underflow; use-after-free.
list_add corruption. prev->next should be next (ffff888003a1b000), but was ffff888003a1b100. (prev=ffff888003a1b200).
list_del corruption, ffff888003a1b000->next is LIST_POISON1 (dead000000000100)
Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: gg_x+0x1/0x2
FORMATS

# --- the export's equivalence: rows lost on one side, on both, unreadable ---
eq=$out/equivalence
mkdir -p "$eq/stock" "$eq/stock+pin"
plans=$eq/plans.txt
printf '%s\n' "gup_longterm 6.12 FS 2 0" "gup_matrix 6.12 FS 2 0" "gup_callers 6.12 FS 2 0" >"$eq/plans.in"
: >"$plans"
for fs in tmpfs ext4 xfs btrfs; do
	sed "s/FS/$fs/" "$eq/plans.in" >>"$plans"
	printf '# [RUN] row one ... with %s\nok 1 pinned\n# [RUN] row two ... with %s\nok 2 pinned\n' "$fs" "$fs" \
		>"$eq/stock+pin/oracle-nomod-$fs.tap"
	cp "$eq/stock+pin/oracle-nomod-$fs.tap" "$eq/stock/oracle-enforce.pin-$fs.tap"
	for prog in matrix callers; do
		printf 'ok 1 R/W pin of a file: refused\nok 2 R/O pin of a file: worked\n' >"$eq/stock+pin/$prog-none-$fs.tap"
		cp "$eq/stock+pin/$prog-none-$fs.tap" "$eq/stock/$prog-enforce.pin-$fs.tap"
	done
done
equiv() { GG_PLANS=$plans "$GG_ROOT/scripts/harness/check-equivalence.sh" "$eq" stock+pin >"$eq/$1.tap" 2>&1; }
# equiv_red NAME REGEX: the check fails, and its output names REGEX.
equiv_red() { ! equiv "$1" && grep -q -- "$2" "$eq/$1.tap"; }
check "equivalence: identical fixtures pass" equiv same
sed -i '/R\/O pin/d' "$eq/stock+pin/matrix-none-ext4.tap"
check "equivalence: a row lost on one side fails, named" \
	equiv_red lost1 '^#   R/O pin of a file: (no such row) on stock+pin, worked on the reference'
sed -i '/R\/O pin/d' "$eq/stock/matrix-enforce.pin-ext4.tap"
check "equivalence: the same row lost on both sides fails (row count against plans.txt)" \
	equiv_red lost2 'gup_matrix on ext4: 1 rows on stock+pin, 1 on the reference; plans.txt says 2'
printf 'ok 1 R/W pin of a file: refused\nok 2 R/O pin of a file, outcome lost\n' |
	tee "$eq/stock+pin/matrix-none-ext4.tap" >"$eq/stock/matrix-enforce.pin-ext4.tap"
check "equivalence: a row whose outcome cannot be read fails, even when both sides agree" \
	equiv_red unread '(1 whose outcome cannot be read)'

# --- the results cache: a failed run is never kept ---------------------------
(
	results=$out/cache
	. "$GG_ROOT/scripts/harness/results-cache.sh"
	mkdir -p "$out/cache-run" && echo "not ok 1 x" >"$out/cache-run/results.tap"
	keep_if_passed flavour k1 "$out/cache-run" 1
	! reuse flavour k1 "$out/cache-reused" 2>/dev/null && [ ! -e "$results/flavour-k1" ] || exit 1
	keep_if_passed flavour k1 "$out/cache-run" 0 && reuse flavour k1 "$out/cache-reused" 2>/dev/null || exit 2
	# A later failure under the same key drops the earlier passing run.
	keep_if_passed flavour k1 "$out/cache-run" 1
	[ ! -e "$results/flavour-k1" ]
)
check "a failed run is not kept in the results cache (a passing one is, and a later failure drops it)" test $? = 0

# --- bootstrap: a package apt cannot find must fail it, named ---------------
GG_EXTRA_DEB_PACKAGES=gupguard-no-such-package bash "$GG_ROOT/scripts/bootstrap.sh" >"$out/bootstrap.log" 2>&1
status=$?
check "a missing Debian package fails the bootstrap and is named (exit $status)" \
	bash -c "[ $status != 0 ] && grep -q 'gupguard-no-such-package' '$out/bootstrap.log'"
echo "1..$n"
[ "$fails" = 0 ]
