#!/bin/bash
# Suite oracle: upstream's gup_longterm without and with gupguard.
#   suite-oracle.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"

# run_gup_longterm FS TAG: runs gup_longterm from $MNT/FS into $out/TAG.tap
# and returns its exit code; writes the failing rows ("<desc> ... with
# <backing>") to $out/TAG.failed.
run_gup_longterm() {
	local fs=$1 tag=$2 log=$out/$2.tap rc
	# vng's /tmp is an overlay, which gup_longterm's tmpfile() rows skip as an
	# unknown file system. Give it a real tmpfs, but only in a mount namespace
	# of its own: the module, the programs and OUTDIR may live under /tmp
	# (a clone there), so the binary is exec'ed through an fd opened before.
	(cd "$MNT/$fs" && unshare -m sh -c 'mount -t tmpfs gg-tmp /tmp && exec /proc/self/fd/3' \
		3<"$bin/gup_longterm") >"$log" 2>&1
	rc=$?
	awk '/^# \[RUN\] / { row = substr($0, 9); next }
		/^not ok [0-9]+/ { print row }' "$log" >"$out/$tag.failed"
	return "$rc"
}

# The rows a kernel without any check fails: shared R/W long-term pins of the
# file gup_longterm creates in its working directory on a dirty-tracked fs.
expected_legacy_failures() {
	cat <<-'ROWS'
	R/W longterm GUP pin in MAP_SHARED file mapping ... with local tmpfile
	R/W longterm GUP-fast pin in MAP_SHARED file mapping ... with local tmpfile
	io_uring fixed buffer with MAP_SHARED file mapping ... with local tmpfile
	ROWS
}


# hugetlb_state: the huge page pool as /proc/meminfo tells it, on one line.
hugetlb_state() {
	awk '/^HugePages_(Total|Free|Rsvd|Surp):/ { printf "%s%s %s", sep, $1, $2; sep = ", " }' /proc/meminfo
}

# wait_hugetlb_pool: up to 30 s for every reserved 2 MB page to be free and
# unreserved again, so that one run's pages are not the next one's shortage.
# A pool that never settles (pages someone keeps) is waited for only once.
pool_settles=1
wait_hugetlb_pool() {
	local _
	[ "$pool_settles" = 1 ] || return 0
	for _ in $(seq 1 300); do
		awk '/^HugePages_Total:/ { t = $2 } /^HugePages_Free:/ { f = $2 }
			/^HugePages_Rsvd:/ { r = $2 } END { exit !(t == f && r == 0) }' /proc/meminfo && return 0
		sleep 0.1
	done
	pool_settles=0
	return 1
}

# hugetlb_short LOG: the 2 MB hugetlb rows a run skipped for want of free
# huge pages (plans.txt expects that skip only for the 1 GB rows).
hugetlb_short() {
	awk '/^# \[RUN\] / { row = substr($0, 9); next }
		/^ok [0-9]+ .*# SKIP need more free huge pages/ && row ~ /\(2048 kB\)/ { print row }' "$1"
}

# oracle_check TAG FS EXPECT_FAILS(0|1) LABEL: one gup_longterm run, ok iff
# exactly the expected rows failed and the run was complete (ktap_verdict).
# A run that still finds the 2 MB pool short (heavy load on the host) is
# said in a diagnostic with the pool's state and run once more.
oracle_check() {
	local tag=$1 fs=$2 expect_fails=$3 label=$4 log=$out/$1.tap rc want nwant why pass fail skip short
	wait_hugetlb_pool || tap_diag "$label: huge page pool not settled before gup_longterm on $fs: $(hugetlb_state)"
	run_gup_longterm "$fs" "$tag"
	rc=$?
	short=$(hugetlb_short "$log")
	if [ -n "$short" ]; then
		tap_diag "$label: gup_longterm on $fs skipped for want of free huge pages: $(tr '\n' ';' <<<"$short") pool now: $(hugetlb_state); running it again"
		cp "$log" "$out/$tag.short.tap"
		wait_hugetlb_pool
		[ -e "$DBG/counters" ] && echo 0 >"$DBG/counters"
		run_gup_longterm "$fs" "$tag"
		rc=$?
	fi
	want=""
	[ "$expect_fails" = 1 ] && want=$(expected_legacy_failures)
	nwant=$(grep -c . <<<"$want")
	why=$(ktap_verdict "$log" "$rc" "$((nwant > 0 ? 1 : 0))" "gup_longterm $series $fs")
	skip=$(grep -c '^ok [0-9]* .*# SKIP' "$log")
	pass=$(($(grep -c '^ok [0-9]' "$log") - skip))
	fail=$(grep -c '^not ok [0-9]' "$log")
	if [ "$(sort "$out/$tag.failed")" = "$(sort <<<"$want" | sed '/^$/d')" ] && [ -z "$why" ]; then
		tap_ok "$label: gup_longterm on $fs: $pass pass, $fail fail, $skip skip, as expected"
	else
		tap_not_ok "$label: gup_longterm on $fs: $pass pass, $fail fail, $skip skip; wanted the $nwant expected failing rows and a complete run"
		tap_attach "$out/$tag.failed"
		[ -n "$why" ] && echo "$why" | tap_attach /dev/stdin
	fi
}

suite_oracle() {
	local fs expect sc tag
	tap_diag "suite oracle: upstream gup_longterm without and with gupguard"
	module_loaded && module_unload
	for fs in "${FILESYSTEMS[@]}"; do
		expect=0
		[ "$kernel_refuses" = 0 ] && is_dirty_fs "$fs" && expect=1
		oracle_check "oracle-nomod-$fs" "$fs" "$expect" "$flavour, no module"
	done

	# A patched kernel is compared without the module only.
	[ "${patched:-0}" = 1 ] && return
	for sc in ${oracle_scopes:-longterm}; do
		module_loaded && module_unload
		if ! module_load scope="$sc"; then
			tap_not_ok "$flavour: insmod scope=$sc"
			return
		fi
		tag=enforce.$sc
		[ "$sc" = longterm ] && tag=enforce
		for fs in "${FILESYSTEMS[@]}"; do
			echo 0 >"$DBG/counters"
			oracle_check "oracle-$tag-$fs" "$fs" 0 "$flavour, gupguard enforce, scope $sc"
			oracle_counters "$fs" slow_refused "$flavour, gupguard enforce, scope $sc"
		done
	done
	# (Audit on a kernel that refuses these pins itself says nothing new.)
	[ "$kernel_refuses" = 1 ] && { module_unload; return; }
	echo audit >"$DBG/mode"
	for fs in "${FILESYSTEMS[@]}"; do
		echo 0 >"$DBG/counters"
		expect=0
		[ "$kernel_refuses" = 0 ] && is_dirty_fs "$fs" && expect=1
		oracle_check "oracle-audit-$fs" "$fs" "$expect" "$flavour, gupguard audit"
		oracle_counters "$fs" slow_would_refuse "$flavour, gupguard audit"
	done
	module_unload
}

# After one gup_longterm run: the module saw (and refused, or would have) the
# three shared R/W long-term pins of the local file exactly once each on a
# dirty-tracked fs, and nothing on tmpfs. GUP-fast and io_uring pinned the
# file's pages and the module cut them short, on a dirty-tracked fs of a
# kernel without the rule; where the kernel has it, its own GUP-fast check
# sent them to the slow path first; shmem and hugetlb stayed on GUP-fast.
oracle_counters() {
	local fs=$1 key=$2 label=$3 want=0 got other cut=0 cuts
	is_dirty_fs "$fs" && want=3
	[ "$want" = 3 ] && [ "$kernel_refuses" = 0 ] && cut=1
	got=$(counter "$key")
	cuts=$(counter fast_diverted)
	if [ "$key" = slow_refused ]; then other=$(counter slow_would_refuse); else other=$(counter slow_refused); fi
	if [ "$got" = "$want" ] && [ "$other" = 0 ] && { [ "$cut" = 1 ] && [ "$cuts" -gt 0 ] || [ "$cut$cuts" = 00 ]; }; then
		tap_ok "$label: counters after gup_longterm on $fs: $key $got, fast_diverted $cuts"
	else
		tap_not_ok "$label: counters after gup_longterm on $fs: $key $got, wanted $want; fast_diverted $cuts, wanted $([ "$cut" = 1 ] && echo "> 0" || echo 0)"
		tap_attach "$DBG/counters"
	fi
}

suite_oracle
suite_end
