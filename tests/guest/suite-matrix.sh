#!/bin/bash
# Suite matrix: tests/gup_matrix.c in each module configuration.
#   suite-matrix.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

matrix_in() { # matrix_in CFG MODE SCOPE
	local fs log extra
	for fs in "${FILESYSTEMS[@]}"; do
		log=$out/matrix-$1-$fs.tap
		extra=()
		[ "$fs" = tmpfs ] && extra=(--anon)
		"$bin/gup_matrix" --dir "$MNT/$fs" --fs "$fs" "${extra[@]}" --series "$series" \
			--kernel-refuses "$kernel_scope" --module "$2" --scope "$3" >"$log" 2>&1
		summarize_ktap "$log" "$flavour, module $1: gup_matrix on $fs" $? "gup_matrix $series $fs"
	done
}

suite_matrix() {
	tap_diag "suite matrix: every backing x mapping x pin method, results and counter deltas"
	in_each_config matrix_in
}

suite_matrix
suite_end
