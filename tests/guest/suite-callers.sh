# shellcheck shell=bash
# shellcheck disable=SC2154 # set by run.sh for every suite: bin flavour kernel_scope out series
# Suite callers: tests/gup_callers.c in each module configuration. Sourced by run.sh.

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

suite_callers() {
	tap_diag "suite callers: io_uring, O_DIRECT, process_vm_writev, vmsplice, /proc/pid/mem"
	in_each_config callers_in
}
