#!/bin/bash
# Suite harm: the data loss the rule exists for, end to end (tests/gup_harm.c),
# through io_uring and through an RDMA memory region on Soft-RoCE, on each
# dirty-tracked fs. Lost where the kernel lacks the rule and gupguard is not
# loaded; kept (the registration refused) where the kernel has the rule or
# gupguard enforces it; in audit, lost and logged.
#   suite-harm.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

# harm_case FS VIA EXPECT LABEL: one gup_harm run, its KTAP row and its
# "harm:" line as ours.
harm_case() {
	local fs=$1 via=$2 expect=$3 label=$4 log=$out/harm-$5-$2-$1.tap rc line
	"$bin/gup_harm" --dir "$MNT/$fs" --fs "$fs" --via "$via" --expect "$expect" --device $RXE >"$log" 2>&1
	rc=$?
	line=$(sed -n 's/^# harm: //p' "$log")
	if [ "$rc" = 0 ] && [ -z "$(ktap_verdict "$log" "$rc" 0 "gup_harm $series $fs")" ]; then
		tap_ok "$flavour, $label: $via on $fs, expected $expect: $line"
	else
		tap_not_ok "$flavour, $label: $via on $fs, expected $expect (exit $rc): ${line:-no harm line}"
		ktap_verdict "$log" "$rc" 0 "gup_harm $series $fs" | tap_attach /dev/stdin
		tap_attach "$log"
	fi
}

suite_harm() {
	local fs via expect
	tap_diag "suite harm: writes through a long-term pin of a shared file, lost or kept"
	module_loaded && module_unload
	if ! rdma_up && [ "$flavour" = custom ]; then
		tap_skip "$flavour: the harm suite" "no Soft-RoCE on this kernel (CONFIG_RDMA_RXE, CONFIG_DUMMY)"
		return
	elif [ ! -e "/sys/class/infiniband/$RXE" ] || ! rxe_gid_index >/dev/null; then
		tap_not_ok "$flavour: Soft-RoCE: rdma link add $RXE type rxe netdev gg-rxe"
		tap_attach "$out/rdma-link.txt"
		return
	fi
	tap_ok "$flavour: Soft-RoCE device $RXE on a dummy netdev, RoCE v2 GID index $(rxe_gid_index)"
	for fs in "${DIRTY_FS[@]}"; do
		for via in io_uring rdma; do
			expect=lost
			[ "$kernel_refuses" = 1 ] && expect=refused
			# 6.1's io_uring pins, then refuses any file buffer but shmem itself;
			# with the rule backported the pin fails first (EFAULT).
			[ "$via" = io_uring ] && [ "$series" = 6.1 ] && [ "$kernel_refuses" = 0 ] && expect=eopnotsupp
			harm_case "$fs" "$via" "$expect" "no module" nomod
		done
	done
	[ "${patched:-0}" = 1 ] && return
	module_load mode=enforce || { tap_not_ok "$flavour: insmod"; return; }
	for fs in "${DIRTY_FS[@]}"; do
		for via in io_uring rdma; do
			echo 0 >"$DBG/counters"
			harm_case "$fs" "$via" refused "gupguard enforce" enforce
			# Refused by gupguard, not by the kernel: counted, with its caller.
			if [ "$kernel_refuses" = 0 ]; then
				local want_caller='^io_'
				[ "$via" = rdma ] && want_caller='^ib_umem_get'
				tap_check "$flavour, gupguard enforce: $via on $fs refused by gupguard: slow_refused $(counter slow_refused), caller $(awk 'NR > 1 && $5 > 0 { print $1 }' "$DBG/by_caller" | tr '\n' ' ')" \
					test "$(counter slow_refused)" -ge 1 -a -n "$(awk -v re="$want_caller" 'NR > 1 && $1 ~ re && $5 > 0' "$DBG/by_caller")"
			fi
		done
	done
	# Audit: the registration goes through (the harm happens), and is logged.
	echo audit >"$DBG/mode"
	echo 0 >"$DBG/counters"
	expect=lost
	[ "$kernel_refuses" = 1 ] && expect=refused
	harm_case ext4 rdma "$expect" "gupguard audit" audit
	tap_check "$flavour, gupguard audit: the RDMA registration on ext4 logged as would_refuse by ib_umem_get: $(grep -m1 ' ib_umem_get' "$DBG/events" | awk '{ print $8, $11, $12, $13 }')" \
		test -n "$(grep ' ext4 .* longterm would_refuse ib_umem_get' "$DBG/events")"
	module_unload
}

suite_harm
suite_end
