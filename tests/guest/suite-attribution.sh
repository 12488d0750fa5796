#!/bin/bash
# Suite attribution: the event log, per-fs and per-caller counts, the report.
#
#   suite-attribution.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

# fs_row FS: that file system's row of by_fs, "-" if none.
fs_row() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; f = 1 } END { if (!f) print "-" }' "$DBG/by_fs"; }

suite_attribution() {
	local fs row c want lines first last logged
	tap_diag "suite attribution: event log, counts per fs and per caller, scripts/report.sh"
	module_loaded && module_unload
	module_load mode=audit || { tap_not_ok "$flavour: insmod mode=audit"; return; }
	echo 0 >"$DBG/counters"
	# The real-caller workload, in audit mode: its own checks, then who it hit.
	callers_in audit-for-report audit longterm
	"$here/../../scripts/report.sh" --events 9 >"$out/report.txt" 2>&1
	local rc=$? rtot rfs ruring rev
	# The report must say what the module counted: its caller table's totals
	# are the would-refuse counters, its fs table has a row per dirty-tracked
	# fs and none for tmpfs, io_uring's caller is named, 9 events are listed.
	rtot=$(awk '/^== what each scope/ { t = 1 } t && $1 == "total" { print $2, $3, $4; exit }' "$out/report.txt")
	rfs=$(awk '/^== the same calls by file-system/ { t = 1; next } t && /^==/ { t = 0 }
		t && NR > 1 && $1 != "fs" && $1 != "total" && NF > 1 { print $1 }' "$out/report.txt" | sort | tr '\n' ' ')
	ruring=$(awk '/^== what each scope/ { t = 1; next } /^== the same/ { t = 0 } t && $1 ~ /^io_/ { print $1; exit }' "$out/report.txt")
	rev=$(awk '/^== the newest 9 logged calls/ { t = 1; next } t && !/^seq / && NF' "$out/report.txt" | wc -l)
	tap_check "$flavour: scripts/report.sh (exit $rc): totals ${rtot:-none} (counters $(counter would_refuse_longterm) $(counter would_refuse_pin) $(counter would_refuse_get)), fs rows ${rfs:-none}, io_uring caller ${ruring:-none}, $rev events" \
		test "$rc/$rtot/$rfs/$rev" = "0/$(counter would_refuse_longterm) $(counter would_refuse_pin) $(counter would_refuse_get)/btrfs ext4 xfs /9" -a -n "$ruring"
	tap_attach "$out/report.txt"
	# Per fs: io_uring (long-term pin), O_DIRECT and process_vm_writev (pins),
	# a /proc/pid/mem write into the shared mapping (FOLL_GET) on each
	# dirty-tracked fs; nothing on tmpfs or memfd, nor for private mappings.
	# On 6.1, O_DIRECT takes references (a get), and io_uring pins on the slow path.
	local want_fs="1 3 4 0 0" uring_path="fast" uring_entry=pin_user_pages_fast
	local pvw_entry=pin_user_pages_remote
	# (6.1's pin_user_pages() and pin_user_pages_remote() tail-call into GUP:
	# the outermost GUP frame on the stack is the one they call.)
	[ "$series" = 6.1 ] && want_fs="1 2 4 0 0" uring_path=slow uring_entry=__gup_longterm_locked \
		pvw_entry=__get_user_pages_remote
	for fs in "${DIRTY_FS[@]}"; do
		row=$(fs_row "$fs")
		tap_check "$flavour: by_fs $fs: longterm pin get refused exempt = $row (want $want_fs)" test "$row" = "$want_fs"
	done
	tap_check "$flavour: by_fs has no tmpfs row" test "$(fs_row tmpfs)" = -
	# Two bookkeepings of the same calls agree.
	want="$(counter would_refuse_longterm) $(counter would_refuse_pin) $(counter would_refuse_get)"
	row=$(awk 'NR > 1 { l += $2; p += $3; g += $4 } END { print l + 0, p + 0, g + 0 }' "$DBG/by_caller")
	tap_check "$flavour: by_caller totals $row = would_refuse counters $want" test "$row" = "$want"
	# Each real caller attributed to its own subsystem, none unresolved.
	for c in 'io_uring:^io_' 'O_DIRECT:^(iov_iter|__iov_iter|bio_iov)' 'process_vm_writev:process_vm' \
		'/proc/pid/mem:(access_remote_vm|mem_rw)'; do
		row=$(awk -v re="${c#*:}" 'NR > 1 && $1 ~ re { print $1, $2, $3, $4 }' "$DBG/by_caller" | head -1)
		tap_check "$flavour: ${c%%:*} attributed to a caller: ${row:-none}" test -n "$row"
	done
	tap_check "$flavour: no unresolved caller" test -z "$(awk 'NR > 1 && ($1 == "?" || $1 == "(other)")' "$DBG/by_caller")"
	# The event of io_uring's long-term pin on ext4, fully decoded.
	row=$(grep ' ext4 .* longterm would_refuse io_' "$DBG/events" | head -1)
	tap_check "$flavour: io_uring event: ${row:-none}" \
		bash -c '[[ "$1" =~ \ gup_callers\ '$uring_path'\ WRITE\|PIN\|LONGTERM\ 0x[0-9a-f]+\ ext4\ [0-9]+:[0-9]+\ [0-9]+\ longterm\ would_refuse\ io_.*\ '$uring_entry'$ ]]' _ "$row"
	# Matched by the pin scope only: allowed under the selected longterm scope.
	row=$(grep ' ext4 .* process_vm' "$DBG/events" | head -1)
	tap_check "$flavour: process_vm_writev event: ${row:-none}" \
		bash -c '[[ "$1" =~ \ slow\ WRITE\|PIN\|REMOTE\ .*\ pin\ allowed\ process_vm.*\ '$pvw_entry'$ ]]' _ "$row"

	# Enforce and an allow-list: refused and exempt calls are logged as such.
	echo 0 >"$DBG/counters"
	echo enforce >"$DBG/mode"
	echo xfs >"$DBG/allow_fs"
	"$bin/gup_pin" "$MNT/ext4/attr" >/dev/null
	"$bin/gup_pin" "$MNT/xfs/attr" >/dev/null
	tap_check "$flavour: enforce: by_fs ext4 $(fs_row ext4), xfs $(fs_row xfs) (want 1 1 1 1 0, 0 0 0 0 1)" \
		test "$(fs_row ext4)/$(fs_row xfs)" = "1 1 1 1 0/0 0 0 0 1"
	tap_check "$flavour: enforce: events say refused and exempt_fs" \
		test "$(awk 'NR > 2 { print $8, $12 }' "$DBG/events" | tr '\n' ' ')" = "ext4 refused xfs exempt_fs "
	echo >"$DBG/allow_fs"

	# The log is bounded: the newest 128 kept, the rest counted.
	echo 0 >"$DBG/counters"
	"$bin/gup_pin" --repeat 70 "$MNT/ext4/attr" >/dev/null
	"$bin/gup_pin" --repeat 70 --fast "$MNT/ext4/attr" >/dev/null
	read -r logged < <(awk 'NR == 1 { print $3, $5, $7, $9 }' "$DBG/events")
	lines=$(awk 'NR > 2' "$DBG/events" | wc -l)
	first=$(awk 'NR == 3 { print $1 }' "$DBG/events")
	last=$(tail -1 "$DBG/events" | awk '{ print $1 }')
	# seq counts from the module's load, across clears.
	tap_check "$flavour: 140 refusals: log says '$logged', holds $lines events, seq $first..$last (want 140 12 0 128, 128 in a row)" \
		test "$logged/$lines/$((last - first + 1))" = "140 12 0 128/128/128"
	tap_check "$flavour: fast ones logged as fast: $(grep -c ' fast WRITE' "$DBG/events") of 128 (want 70)" \
		test "$(grep -c ' fast WRITE|PIN|LONGTERM ' "$DBG/events")" = 70
	echo 0 >"$DBG/counters"
	tap_check "$flavour: writing 0 to counters clears the log and the tables" \
		test "$(awk 'NR == 1 { print $3 }' "$DBG/events")/$(wc -l <"$DBG/by_fs")/$(wc -l <"$DBG/by_caller")" = "0/1/1"
	module_unload
}

suite_attribution
suite_end
