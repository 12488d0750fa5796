# shellcheck shell=bash
# shellcheck disable=SC2154 # set by run.sh for every suite: bin flavour kernel_scope out series
# Suite matrix: tests/gup_matrix.c in each module configuration. Sourced by run.sh.

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
