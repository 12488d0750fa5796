# shellcheck shell=bash
# shellcheck disable=SC2154 # set by run.sh for every suite: bin flavour ko
# Suite robustness: bad input, wrong probe targets, load/unload under load.
# Sourced by run.sh.

# write_fails_einval FILE VALUE: one write(2) of VALUE must fail with EINVAL.
write_fails_einval() {
	local err
	err=$(printf '%s' "$2" 2>&1 >"$1") && return 1
	[[ "$err" == *"Invalid argument"* ]]
}

suite_robustness() {
	local bad refused v long ok
	local cycles=${GG_ROBUST_CYCLES:-10}
	tap_diag "suite robustness: bad input everywhere, load failures, $cycles load/unload cycles"
	module_loaded && module_unload
	module_load || { tap_not_ok "$flavour: insmod"; return; }
	echo audit >"$DBG/mode"
	long=$(head -c 300 /dev/zero | tr '\0' a)
	for bad in $'\n' "bogus" "Enforce" "enforce " " audit" $'audit\n\n' "1" "$long"; do
		for f in "$DBG/mode" /sys/module/gupguard/parameters/mode; do
			v=$(printf '%q' "$bad")
			[ ${#v} -gt 24 ] && v="${v:0:20}...(${#bad} bytes)"
			ok=1
			write_fails_einval "$f" "$bad" || ok=0
			[ "$(<"$DBG/mode")" = audit ] || ok=0
			if [ $ok = 1 ]; then tap_ok "$flavour: write $v to ${f#/sys/} rejected, mode unchanged"; else
				tap_not_ok "$flavour: write $v to ${f#/sys/}: accepted or mode changed to $(<"$DBG/mode")"; fi
		done
	done
	echo pin >"$DBG/scope"
	for bad in $'\n' "Pin" "pin " "longterm,pin" "all" "$long"; do
		for f in "$DBG/scope" /sys/module/gupguard/parameters/scope; do
			v=$(printf '%q' "$bad")
			[ ${#v} -gt 24 ] && v="${v:0:20}...(${#bad} bytes)"
			if write_fails_einval "$f" "$bad" &&
				[ "$(<"$DBG/scope")/$(</sys/module/gupguard/parameters/scope)" = pin/pin ]; then
				tap_ok "$flavour: write $v to ${f#/sys/} rejected, scope unchanged (debugfs and sysfs)"
			else
				tap_not_ok "$flavour: write $v to ${f#/sys/}: accepted or scope changed to $(<"$DBG/scope")"
			fi
		done
	done
	echo longterm >/sys/module/gupguard/parameters/scope
	echo enforce >"$DBG/mode"
	"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
	refused=$(counter slow_refused)
	for bad in $'\n' "1" "00" "reset" " 0" $'0\n\n' "$long"; do
		v=$(printf '%q' "$bad")
		[ ${#v} -gt 24 ] && v="${v:0:20}...(${#bad} bytes)"
		if write_fails_einval "$DBG/counters" "$bad" && [ "$(counter slow_refused)" -ge "$refused" ] && [ "$refused" -ge 1 ]; then
			tap_ok "$flavour: write $v to gupguard/counters rejected, counters kept"
		else
			tap_not_ok "$flavour: write $v to gupguard/counters accepted or counters reset"
		fi
	done
	echo 0 >"$DBG/counters"
	tap_check "$flavour: writing 0 to counters resets them" test "$(counter slow_refused)" = 0
	module_unload

	local dm
	dm=$(dmesg | wc -l)
	for p in mode scope; do
		if ! insmod "$ko" "$p=bogus" 2>/dev/null && ! module_loaded; then
			tap_ok "$flavour: insmod $p=bogus fails, module not loaded"
		else
			tap_not_ok "$flavour: insmod $p=bogus"
			module_loaded && module_unload
		fi
	done
	# Probe targets: only this kernel's own GUP functions, from the module's
	# table. Each of these would read the wrong memory if it were probed.
	local own_slow own_fast wrong
	read -r own_slow own_fast < <(probe_targets)
	for wrong in "slow_probe=vfs_read" "fast_probe=vfs_read" "slow_probe=$own_fast" \
		"fast_probe=$own_slow" "slow_probe=__get_user_pages" "fast_probe=internal_get_user_pages_fast" \
		"fast_probe=lockless_pages_from_mm" "fast_probe=gup_fast" "slow_probe=check_vma_flags.constprop.0" \
		"slow_probe=gg_no_such_symbol" "fast_probe=$(head -c 200 /dev/zero | tr '\0' x)"; do
		local p=${wrong%%=*} v=${wrong#*=} rc
		# Each kernel has one GUP-fast name (renamed in 6.10): its own is no wrong one.
		[ "$wrong" = "fast_probe=$own_fast" ] && continue
		dm=$(dmesg | wc -l)
		insmod "$ko" "$wrong" 2>/dev/null
		rc=$?
		if [ "$rc" != 0 ] && ! module_loaded &&
			dmesg | tail -n +"$((dm + 1))" | grep -qF "$p=${v:0:64}: not a GUP function whose arguments the hook knows" &&
			dmesg | tail -n +"$((dm + 1))" | grep -q "accepted: $([ "$p" = slow_probe ] && echo "$own_slow" || echo "$own_fast")"; then
			tap_ok "$flavour: insmod $p=${v:0:40} refused, names the symbol and what is accepted"
		else
			tap_not_ok "$flavour: insmod $p=${v:0:40}: exit $rc, loaded $(module_loaded && echo yes || echo no)"
			dmesg | tail -n +"$((dm + 1))" | tap_attach /dev/stdin
			module_loaded && module_unload
		fi
	done
	# The kernel is unharmed: vfs_read() works, and the module still loads
	# (naming its own targets explicitly) and refuses.
	tap_check "$flavour: read(2) after the refused loads" test "$(head -c 4 /proc/version)" = Linu
	if module_load "slow_probe=$own_slow" "fast_probe=$own_fast"; then
		"$bin/gup_pin" "$MNT/ext4/pin-one" >/dev/null
		tap_check "$flavour: loaded with slow_probe=$own_slow fast_probe=$own_fast, refuses" test $? = 1
		module_unload
	else
		tap_not_ok "$flavour: insmod slow_probe=$own_slow fast_probe=$own_fast"
	fi
	tap_check "$flavour: no debugfs directory left after failed loads" test ! -e "$DBG"

	# Load/unload cycles with pins in flight, so unload meets running probes
	# (a few: the soak suite runs many more under a mixed load, with checks),
	# and mode writes racing both: off removes the probes, another mode puts
	# them back, and neither may outlive the module.
	local stop=/tmp/gg-stop2 results=/tmp/gg-results2 pid fpid fails=0
	rm -f "$stop" "$results"
	pin_loop "$stop" "$results" &
	pid=$!
	(while [ ! -e "$stop" ]; do
		# (sysfs only: an open debugfs file holds the module, and rmmod
		# would fail "in use"; a parameter write can meet the exit itself.)
		for m in off enforce audit off; do
			echo "$m" >/sys/module/gupguard/parameters/mode
		done 2>/dev/null
	done) &
	fpid=$!
	for _ in $(seq 1 "$cycles"); do
		module_load || { fails=$((fails + 1)); continue; }
		[ -e "$DBG/counters" ] || fails=$((fails + 1))
		module_unload || fails=$((fails + 1))
		[ -e "$DBG" ] && fails=$((fails + 1))
	done
	touch "$stop"
	wait "$pid" "$fpid"
	tap_check "$flavour: $cycles insmod/rmmod cycles under a pinning workload and racing mode writes ($(wc -l <"$results") pins): $fails failures, $(probes_placed) hooks left" \
		test "$fails/$(probes_placed)" = 0/0
}
