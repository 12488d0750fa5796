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
say "gup_pin $f    # without gupguard: the kernel lets it through"
"$bin/gup_pin" "$f"
say "insmod gupguard.ko"
insmod "$ko" || exit 2
say "gup_pin $f"
"$bin/gup_pin" "$f"
refused=$?
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
[ "$refused" = 1 ]
