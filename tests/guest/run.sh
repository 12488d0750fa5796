#!/bin/bash
# shellcheck disable=SC2034 # globals the suites read (their files say which)
# Runs inside the test VM (booted by qemu/run-vm.sh): mounts the scratch disks
# and runs every suite for one kernel flavour, printing one flat TAP stream.
#
#   run.sh FLAVOUR BINDIR MODULE.ko OUTDIR
#
# FLAVOUR is stock (6.12 refuses long-term writable file pins itself), legacy
# (it does not), lts61 (Linux 6.1 LTS: a real kernel without the rule), or
# BASE+SCOPE (a base with an exported patch, see below).
# OUTDIR receives dmesg.txt and the raw test outputs.
set -u
flavour=$1 bin=$2 ko=$3 out=$4
here=$(dirname "$0")
. "$here/lib.sh"
# shellcheck source=/dev/null
for f in "$here"/suite-*.sh; do . "$f"; done
# TAP goes to OUTDIR/results.tap: the console mixes in kernel messages.
exec >"$out/results.tap" 2>&1

echo "TAP version 13"
tap_diag "gupguard guest suite: flavour $flavour, kernel $(uname -r), $(nproc) cpus"
setup_guest

# kernel_scope: the scope of the kernel's own rule (none: it refuses
# nothing); kernel_refuses: whether it refuses long-term writable file pins.
# BASE+SCOPE is a base kernel carrying the exported patch for SCOPE: it runs
# only the suites of the export's equivalence proof, without the module.
patched=0 suites="oracle matrix callers attribution optouts modes robustness fuzz harm clients soak"
case $flavour in
# Stock runs what compares the kernel's rule with the module's scopes, the
# mode switches under load beside the kernel's own check, and the benchmark's
# smoke run (one vCPU, beside other boots: it proves the tool, not a
# figure); the rest of the module's machinery (opt-outs, unload races, fuzz,
# soak) is the same code on a kernel that differs from legacy in mm/gup.o
# only, and runs there.
stock) kernel_scope=longterm suites="oracle matrix callers modes harm clients bench" ;;
# 6.1's gup_test lacks what upstream's gup_longterm (the oracle) needs.
lts61+*) kernel_scope=${flavour#*+} patched=1 suites="matrix callers harm" ;;
# The harm suite where a patch adds the long-term rule: pin and get widen a
# rule stock's harm run already shows keeping the data.
*+longterm) kernel_scope=${flavour#*+} patched=1 suites="oracle matrix callers harm" ;;
*+*) kernel_scope=${flavour#*+} patched=1 suites="oracle matrix callers" ;;
lts61) kernel_scope=none suites="matrix callers modes robustness optouts attribution fuzz harm clients soak" ;;
*) kernel_scope=none ;;
esac
# The series, for what GUP's callers do differently (tests/gupguard_test.h).
series=6.12
case $(uname -r) in 6.1.*) series=6.1 ;; esac
kernel_refuses=1
[ "$kernel_scope" = none ] && kernel_refuses=0
# The oracle runs with the module in enforce at these scopes (on stock, the
# references of the pin and get patches; longterm adds nothing to the
# kernel's own rule there).
oracle_scopes=longterm
[ "$flavour" = stock ] && oracle_scopes="pin get"

for s in ${GG_SUITES:-$suites}; do
	if ! declare -F "suite_$s" >/dev/null; then
		tap_not_ok "no such suite: $s (tests/guest/*.sh define suite_NAME)"
		continue
	fi
	t0=$(date +%s) p0=$(last_pid)
	"suite_$s"
	tap_diag "suite $s took $(($(date +%s) - t0)) s, $(($(last_pid) - p0)) processes"
done

finish_guest
