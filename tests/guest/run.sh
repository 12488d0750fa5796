#!/bin/bash
# Runs inside the test VM (booted by qemu/run-vm.sh): mounts the scratch disks
# and runs every suite for one kernel flavour, printing one flat TAP stream.
#
#   run.sh FLAVOUR BINDIR MODULE.ko OUTDIR
#
# FLAVOUR is stock (6.12 refuses long-term writable file pins itself) or
# legacy (it does not). OUTDIR receives dmesg.txt and the raw test outputs.
set -u
flavour=$1 bin=$2 ko=$3 out=$4
here=$(dirname "$0")
. "$here/lib.sh"
for f in "$here"/suite-*.sh; do . "$f"; done
# TAP goes to OUTDIR/results.tap: the console mixes in kernel messages.
exec >"$out/results.tap" 2>&1

echo "TAP version 13"
tap_diag "gupguard guest suite: flavour $flavour, kernel $(uname -r), $(nproc) cpus"
setup_guest

case $flavour in
stock) kernel_refuses=1 ;;
legacy) kernel_refuses=0 ;;
*) kernel_refuses=0 ;;
esac

for s in ${GG_SUITES:-oracle matrix callers attribution optouts modes robustness fuzz soak bench}; do
	t0=$(date +%s)
	"suite_$s"
	tap_diag "suite $s took $(($(date +%s) - t0)) s"
done

finish_guest
