#!/usr/bin/env bash
# Boot one test kernel under virtme-ng and run the guest suite in it.
#
#   qemu/run-vm.sh BZIMAGE OUTDIR -- GUEST-COMMAND...
#
# Attaches fresh ext4, xfs and btrfs scratch disks (labels gg-ext4, gg-xfs,
# gg-btrfs), reserves 64 huge pages of 2 MB (no 1 GB page: clearing one
# under TCG costs minutes per gup_longterm run, so those rows skip), gives the guest OUTDIR read-write, runs
# GUEST-COMMAND with stdin from /dev/null under a timeout, and copies the
# console to OUTDIR/console.log. Exit code: the guest command's, 124 on
# timeout, or 125 if the guest died (panic) before the command finished.
set -euo pipefail
. "$(dirname "$0")/../scripts/harness/common.sh"

bzimage=$1 outdir=$2
shift 2
[ "${1:-}" = -- ] && shift
[ -f "$bzimage" ] || gg_die "no kernel image $bzimage"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir/guest-exit"
timeout_s=${GG_VM_TIMEOUT:-1500}

# Scratch disks: new every boot, so no test depends on an earlier one.
disks=()
for fs in ext4 xfs btrfs; do
	img=$outdir/disk-$fs.img
	rm -f "$img"
	truncate -s 400M "$img"
	case $fs in
	ext4) mkfs.ext4 -q -F -L gg-ext4 "$img" ;;
	xfs) mkfs.xfs -q -f -L gg-xfs "$img" ;;
	btrfs) mkfs.btrfs -q -f -L gg-btrfs "$img" >/dev/null ;;
	esac || gg_die "mkfs.$fs failed"
	disks+=(--disk "$img")
done

accel=(--disable-kvm)
[ "$("$GG_ROOT/qemu/accel.sh" "$bzimage")" = kvm ] && accel=()
# GG_FAST_INIT=1 (default): boot through qemu/guest-init, which skips udev's
# coldplug and systemd-tmpfiles (~45 s a boot under TCG). vng finds our
# virtme-run first in PATH; it points virtme-ng at a copy of its guest tools
# whose init is that script (the real one beside it).
if [ "${GG_FAST_INIT:-1}" = 1 ]; then
	vtools=$("$GG_VENV/bin/python3" -c 'from virtme import resources; print(resources.find_guest_tools())')
	[ -x "$vtools/bin/virtme-ng-init" ] || gg_die "virtme-ng's guest tools not found (at $vtools)"
	gtools=$GG_CACHE/guest-tools-$(cat "$vtools/bin/virtme-ng-init" "$GG_ROOT/qemu/guest-init" | sha256sum | cut -c1-12)
	# (Two guests can boot at once: scripts/test.sh.)
	exec 7>"$GG_CACHE/guest-tools.lock"
	flock 7
	if [ ! -x "$gtools/bin/virtme-ng-init.real" ]; then
		rm -rf "$gtools.new" && cp -a "$vtools" "$gtools.new" &&
			mv "$gtools.new/bin/virtme-ng-init" "$gtools.new/bin/virtme-ng-init.real" &&
			cp "$GG_ROOT/qemu/guest-init" "$gtools.new/bin/virtme-ng-init" &&
			rm -rf "$gtools" && mv "$gtools.new" "$gtools" || gg_die "cannot set up $gtools"
	fi
	flock -u 7
	export GG_GUEST_TOOLS=$gtools PATH=$GG_ROOT/qemu/bin:$PATH
fi

tcg=()
# GG_VM_ICOUNT=1 (scripts/bench.sh): guest time advances with executed
# instructions (one per ns), so in-guest timings are instruction counts, not
# the host's wall clock; sleep=off lets an idle guest skip ahead. TCG only.
if [ "${GG_VM_ICOUNT:-0}" = 1 ]; then
	[ ${#accel[@]} != 0 ] || gg_die "GG_VM_ICOUNT=1 needs TCG (GG_KVM=never)"
	tcg+=(--qemu-opt=-icount "--qemu-opt=shift=0,sleep=off")
fi
gg_log "booting $(basename "$(dirname "$bzimage")") kernel ($([ ${#accel[@]} = 0 ] && echo KVM || echo TCG)), timeout ${timeout_s}s"

# no5lvl: TCG's CPU offers 5-level paging. identify_cpu() zeroes the boot
# CPU's feature bits before it re-reads them, and in that window KASAN takes
# the 5-level direct map for wild memory: an interrupt there was reported as
# "KASAN: wild-memory-access in do_raw_spin_lock" at ~2.7 s, before any module
# (seen here in 3 boots of ~30). 4-level paging has no such window.
# --force-9p: the root is 9p anyway. vng first tries virtio-fs with the
# first virtiofsd it finds; Debian 12's is QEMU's C daemon, which rejects the
# Rust daemon's options, and vng waits 3.1 s for it before falling back.
# rootflags: vng's own, plus cache=loose: the guest keeps what it read of the
# host's root (read-only here: /tmp, /var and the rest are overlays; the
# guest writes only to OUTDIR, a mount of its own) in its page cache,
# instead of reading every program again over 9p each time it starts one.
# Under TCG that took a boot from 33 s to 13 s and the suites ~20% faster.
rootflags=version=9p2000.L,trans=virtio,access=any,msize=524288,cache=loose
status=0
timeout --foreground -k 10 "$timeout_s" \
	vng --run "$bzimage" "${accel[@]}" "${tcg[@]}" --cpus "${GG_VM_CPUS:-2}" --memory 3G --verbose --force-9p \
	--append "hugepages=64 panic=-1 oops=panic no5lvl rootflags=$rootflags" \
	--rwdir "$outdir" "${disks[@]}" \
	--exec "$*; echo \$? >$outdir/guest-exit" </dev/null >"$outdir/console.log" 2>&1 || status=$?
rm -f "$outdir"/disk-*.img
if [ "$status" = 124 ]; then
	gg_log "guest timed out after ${timeout_s}s; last console lines:"
	tail -20 "$outdir/console.log" >&2
elif [ ! -s "$outdir/guest-exit" ]; then
	gg_log "guest died before its command finished (vng exit $status); last console lines:"
	tail -20 "$outdir/console.log" >&2
	status=125
else
	status=$(cat "$outdir/guest-exit")
fi
exit "$status"
