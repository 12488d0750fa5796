#!/bin/bash
# Runs inside the test VM (booted by qemu/run-vm.sh): mounts the scratch disks
# and runs every suite of one kernel flavour, each a KTAP subtest of one
# stream in OUTDIR/results.tap (the console mixes in kernel messages).
#
#   run.sh FLAVOUR BINDIR MODULE.ko OUTDIR
#
# FLAVOUR is stock (6.12 refuses long-term writable file pins itself), legacy
# (it does not), lts61 (Linux 6.1 LTS: a real kernel without the rule), or
# BASE+SCOPE (a base with an exported patch); lib.sh (guest_args) says what
# each implies and which suites it runs; GG_SUITES="NAME ..." picks others.
# OUTDIR receives dmesg.txt and the raw test outputs.
set -u
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"
exec >"$out/results.tap" 2>&1

read -ra guest_plan <<<"${GG_SUITES:-$suites}"
ktap_begin $((1 + ${#guest_plan[@]}))
tap_diag "gupguard guest suite: flavour $flavour, kernel $(uname -r), $(nproc) cpus"
setup_guest
for s in "${guest_plan[@]}"; do run_suite "$s"; done
finish_guest
