# shellcheck shell=bash
# shellcheck disable=SC2154 # bin flavour kernel_scope out series: guest_args (lib.sh) sets them first
# What more than one suite runs (tests/guest/suite-*.sh source this after
# lib.sh): the pin loop (modes, robustness), the callers program in a module
# configuration (callers, attribution), the module configurations of matrix
# and callers, and Soft-RoCE (harm, clients).

# A background workload: long-term writable pins of an ext4 file, slow and
# fast, in a loop until $1 exists. Each result (0 pinned, 1 refused, 2 error)
# is appended to $2.
pin_loop() {
	local stop=$1 results=$2 f=$MNT/ext4/pin-loop fast=
	while [ ! -e "$stop" ]; do
		"$bin/gup_pin" $fast "$f" >/dev/null 2>&1
		echo $? >>"$results"
		fast=$([ -z "$fast" ] && echo --fast)
	done
}

# Real callers of GUP (tests/gup_callers.c) in every mode and scope: which
# would each policy break? Controls on memfd run in the same program.
callers_in() { # callers_in CFG MODE SCOPE
	local fs log
	for fs in "${DIRTY_FS[@]}" tmpfs; do
		log=$out/callers-$1-$fs.tap
		"$bin/gup_callers" --dir "$MNT/$fs" --fs "$fs" --kernel-refuses "$kernel_scope" \
			--series "$series" --module "$2" --scope "$3" >"$log" 2>&1
		summarize_ktap "$log" "$flavour, module $1: gup_callers on $fs" $? "gup_callers $series $fs"
	done
}

# rdma_up: a Soft-RoCE device rxe0 on a dummy netdev with an IPv4 address
# (RoCE v2 GIDs come from the netdev's addresses; rxe loops back traffic
# between its own QPs). Loopback too, for perftest's TCP handshake.
RXE=rxe0
rdma_up() {
	: >"$out/rdma-link.txt"
	if [ ! -e /sys/class/infiniband/$RXE ]; then
		{ ip link set lo up && ip link add gg-rxe type dummy && ip addr add 10.77.0.1/24 dev gg-rxe &&
			ip link set gg-rxe up && rdma link add $RXE type rxe netdev gg-rxe; } >>"$out/rdma-link.txt" 2>&1 ||
			return 1
	fi
	# The GIDs follow the netdev's addresses through a workqueue: wait.
	local i
	for ((i = 0; i < 100; i++)); do
		rxe_gid_index >/dev/null && [ -e /dev/infiniband/uverbs0 ] && return 0
		sleep 0.1
	done
	ls -l /sys/class/infiniband/$RXE/ports/1/gids/ /dev/infiniband >>"$out/rdma-link.txt" 2>&1
	return 1
}

# rxe_gid_index: the index of rxe0's RoCE v2 GID of 10.77.0.1.
rxe_gid_index() {
	local g
	for g in /sys/class/infiniband/$RXE/ports/1/gids/*; do
		[ "$(cat "$g" 2>/dev/null)" = 0000:0000:0000:0000:0000:ffff:0a4d:0001 ] && echo "${g##*/}" && return
	done
	return 1
}

# Module configurations the matrix and the callers run in: "none" (not
# loaded) or mode.scope. Audit keeps the would-refuse counters of every scope
# whatever the scope knob says, so audit.get answers for all three; "off" is
# the modes suite's (nothing examined).
MATRIX_CONFIGS=(none enforce.longterm enforce.pin enforce.get audit.get)

# in_each_config FN: calls FN CFG MODE SCOPE with the module loaded (or not)
# as each of MATRIX_CONFIGS says.
in_each_config() {
	local cfg mode scope
	for cfg in "${MATRIX_CONFIGS[@]}"; do
		# A patched kernel is compared without the module only.
		[ "${patched:-0}" = 1 ] && [ "$cfg" != none ] && continue
		mode=${cfg%.*} scope=${cfg#*.}
		[ "$cfg" = none ] && scope=longterm
		module_loaded && module_unload
		if [ "$mode" != none ] && ! module_load mode="$mode" scope="$scope"; then
			tap_not_ok "$flavour: insmod mode=$mode scope=$scope"
			continue
		fi
		"$1" "$cfg" "$mode" "$scope"
	done
	module_loaded && module_unload
}
