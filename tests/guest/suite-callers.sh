#!/bin/bash
# Suite callers: tests/gup_callers.c in each module configuration.
#   suite-callers.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
# shellcheck source=tests/guest/workloads.sh
. "${0%/*}/workloads.sh"
guest_args "$@"

suite_callers() {
	tap_diag "suite callers: io_uring, O_DIRECT, process_vm_writev, vmsplice, /proc/pid/mem"
	in_each_config callers_in
}

suite_callers
suite_end
