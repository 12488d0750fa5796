#!/bin/bash
# The main job, inside the legacy test kernel or Linux 6.1: the hole, then
# gupguard closing it.
#   demo.sh BINDIR MODULE.ko OUTDIR
set -u
bin=$1 ko=$2 out=$3
# The console mixes in kernel messages: the transcript goes to a file.
exec >"$out/demo.txt" 2>&1
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mkdir -p /tmp/ext4 && mount "$(blkid -L gg-ext4)" /tmp/ext4 || exit 2
f=/tmp/ext4/data
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "kernel $(uname -r) ($(case $(uname -r) in 6.1.*) echo "Linux 6.1 LTS" ;; *) echo "legacy flavour" ;; esac): no upstream check), $f on $(findmnt -no FSTYPE /tmp/ext4)"
# The harm first: 6.12 through io_uring's registered buffers; 6.1's io_uring
# refuses file buffers itself, so there an RDMA memory region on Soft-RoCE.
via=io_uring
case $(uname -r) in 6.1.*)
	via=rdma
	ip link add gg-rxe type dummy && ip addr add 10.77.0.1/24 dev gg-rxe && ip link set gg-rxe up &&
		rdma link add rxe0 type rxe netdev gg-rxe || exit 2
	# Its IPv4 GID follows the address through a workqueue.
	for _ in $(seq 50); do
		grep -qs ffff:0a4d:0001 /sys/class/infiniband/rxe0/ports/1/gids/* && break
		sleep 0.1
	done
	;;
esac
say "gup_harm --via $via --dir /tmp/ext4 ...   # a write through a long-term pin, then fsync, then read the disk"
"$bin/gup_harm" --via "$via" --dir /tmp/ext4 --fs ext4 --expect lost | grep -E '^# harm|^(not )?ok'
lost=${PIPESTATUS[0]}
say "gup_pin $f    # without gupguard: the kernel lets it through"
"$bin/gup_pin" "$f"
say "insmod gupguard.ko"
insmod "$ko" || exit 2
say "gup_pin $f"
"$bin/gup_pin" "$f"
refused=$?
say "gup_harm --via $via --dir /tmp/ext4 ...   # the same with gupguard: the registration fails, the data stays"
"$bin/gup_harm" --via "$via" --dir /tmp/ext4 --fs ext4 --expect refused | grep -E '^# harm|^(not )?ok'
kept=${PIPESTATUS[0]}
say "gup_pin --fast $f"
"$bin/gup_pin" --fast "$f"
say "gup_pin --private $f    # private mappings stay allowed"
"$bin/gup_pin" --private "$f"
say "cat /sys/kernel/debug/gupguard/counters"
cat /sys/kernel/debug/gupguard/counters
say "cat /sys/kernel/debug/gupguard/events    # who was refused, and through which path"
cat /sys/kernel/debug/gupguard/events
say "dmesg | grep gupguard:"
dmesg | grep gupguard:
rmmod gupguard
dmesg >"$out/dmesg.txt"
[ "$refused/$lost/$kept" = 1/0/0 ]
