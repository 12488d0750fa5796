#!/usr/bin/env bash
# Print the accelerator the test guests get on this host: "kvm" or "tcg".
# KVM only if it really boots here: /dev/kvm can exist and still hang or
# abort (see shared/TOOLCHAIN.md). Probed once per host boot, with BZIMAGE.
#   qemu/accel.sh BZIMAGE
set -euo pipefail
. "$(dirname "$0")/../scripts/harness/common.sh"
bzimage=$1
kvm_state=$GG_CACHE/accel-$(cat /proc/sys/kernel/random/boot_id)
if [ "${GG_KVM:-auto}" = never ] || [ ! -w /dev/kvm ]; then
	echo tcg
	exit 0
fi
mkdir -p "$GG_CACHE"
exec 8>"$GG_CACHE/kvm-probe.lock"
flock 8
if [ ! -f "$kvm_state" ]; then
	gg_log "probing KVM (30 s at most)"
	if timeout 30 vng --run "$bzimage" --memory 1G --exec true </dev/null >/dev/null 2>&1; then
		echo kvm >"$kvm_state"
	else
		echo tcg >"$kvm_state"
	fi
fi
cat "$kvm_state"
