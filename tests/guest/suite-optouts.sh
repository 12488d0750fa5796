#!/bin/bash
# Suite optouts: the allow lists let exactly the matching pins through, and
# only on what a task cannot choose for itself.
#   suite-optouts.sh FLAVOUR BINDIR MODULE.ko OUTDIR (tests/guest/run.sh runs it)
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"
guest_args "$@"

# expect_pin LABEL WANT(0 pinned|1 refused) COUNTER DELTA CMD...: one run of
# CMD (gup_pin, maybe through setpriv), its exit code and the change of one counter.
expect_pin() {
	local label=$1 want=$2 key=$3 delta=$4 before rc
	shift 4
	before=$(counter "$key")
	"$@" >/dev/null 2>"$out/expect_pin.err"
	rc=$?
	tap_check "$flavour: $label -> $rc (want $want), $key +$(($(counter "$key") - before)) (want +$delta)" \
		test "$rc/$(($(counter "$key") - before))" = "$want/$delta"
	[ "$rc" = 2 ] && tap_attach "$out/expect_pin.err"
}

GG_UID=4242 NOBODY=65534

# as_user UID [CGROUP] CMD...: CMD as an unprivileged task of UID, moved into
# CGROUP (a path under $CG, or - to stay) by root before dropping privileges.
as_user() {
	local uid=$1 cg=$2
	shift 2
	in_cgroup "$cg" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		--inh-caps=-all --bounding-set=-all "$@"
}

# in_cgroup CGROUP CMD...: CMD in CGROUP (a path under $CG; - to stay).
in_cgroup() {
	local cg=$1
	shift
	if [ "$cg" = - ]; then "$@"; else
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG$cg" "$@"
	fi
}

# A file on FS that the unprivileged users may map writable.
user_file() {
	local f=$MNT/$1/optout-$2
	: >"$f" && chmod 666 "$f" && echo "$f"
}

setup_cgroups() {
	mount_cgroup2 || return 1
	rmdir "$CG/gg-allowed/inner" "$CG/gg-allowed" "$CG/gg-other" 2>/dev/null
	mkdir -p "$CG/gg-allowed/inner" "$CG/gg-other"
}

suite_optouts() {
	local lifted f bad v err
	tap_diag "suite optouts: allow_fs, allow_uid, allow_cgroup; task names open nothing"
	module_loaded && module_unload
	module_load || { tap_not_ok "$flavour: insmod"; return; }
	setup_cgroups || { tap_not_ok "$flavour: cgroup2 at $CG"; return; }
	# The kernel's own refusal (stock) is not the module's to lift.
	lifted=$((kernel_refuses))
	# 6.1's io_uring fails a file buffer itself (EOPNOTSUPP, gup_pin's 2) once
	# GUP has let the pin through: the exemption is seen in the counters.
	local lifted_uring=$lifted
	[ "$series" = 6.1 ] && lifted_uring=2
	f=$(user_file ext4 uring)
	# $bin may sit under a directory other users cannot enter (/root).
	local ubin=/tmp/gg-ubin
	mkdir -p "$ubin" && cp "$bin/gup_pin" "$ubin/" && chmod 755 "$ubin" "$ubin/gup_pin"

	# The hole this closes: io_uring needs no privilege, and any task can take
	# any name. Renamed after an allowed task, a task of another uid is refused.
	echo "$GG_UID" >"$DBG/allow_uid"
	tap_check "$flavour: allow_uid reads back" test "$(<"$DBG/allow_uid")" = "$GG_UID"
	expect_pin "uid $GG_UID (allowed), io_uring on ext4" "$lifted_uring" exempt_uid 1 \
		as_user "$GG_UID" - "$ubin/gup_pin" --uring --comm fio "$f"
	expect_pin "uid $NOBODY renamed fio like the allowed task, io_uring on ext4" 1 slow_refused 1 \
		as_user "$NOBODY" - "$ubin/gup_pin" --uring --comm fio "$f"
	expect_pin "uid $NOBODY renamed fio: nothing exempt" 1 exempt_uid 0 \
		as_user "$NOBODY" - "$ubin/gup_pin" --uring --comm fio "$f"
	# Nor can it add itself: debugfs is root's.
	as_user "$NOBODY" - sh -c "echo $NOBODY >$DBG/allow_uid" 2>/dev/null
	tap_check "$flavour: uid $NOBODY cannot write allow_uid: it still reads $(<"$DBG/allow_uid")" \
		test "$(<"$DBG/allow_uid")" = "$GG_UID"
	echo >"$DBG/allow_uid"
	expect_pin "allow_uid cleared: uid $GG_UID refused" 1 slow_refused 1 \
		as_user "$GG_UID" - "$ubin/gup_pin" --uring "$f"

	# cgroup v2: the allowed cgroup and everything below it.
	echo /gg-allowed >"$DBG/allow_cgroup"
	tap_check "$flavour: allow_cgroup reads back" test "$(<"$DBG/allow_cgroup")" = /gg-allowed
	expect_pin "uid $NOBODY in /gg-allowed/inner (below the allowed cgroup)" "$lifted_uring" exempt_cgroup 1 \
		as_user "$NOBODY" /gg-allowed/inner "$ubin/gup_pin" --uring "$f"
	expect_pin "root in /gg-allowed, gup_test pin (slow path)" "$lifted" exempt_cgroup 1 \
		in_cgroup /gg-allowed "$bin/gup_pin" "$f"
	expect_pin "uid $NOBODY in /gg-other, renamed like the allowed task" 1 slow_refused 1 \
		as_user "$NOBODY" /gg-other "$ubin/gup_pin" --uring --comm gup_pin "$f"
	# A task cannot move itself into the allowed cgroup.
	as_user "$NOBODY" /gg-other sh -c "echo \$\$ >$CG/gg-allowed/cgroup.procs" 2>/dev/null
	tap_check "$flavour: uid $NOBODY cannot join /gg-allowed (cgroup.procs is root's)" test $? != 0
	# An entry is the cgroup, not its name: re-created, the path matches nothing.
	rmdir "$CG/gg-allowed/inner" "$CG/gg-allowed" && mkdir -p "$CG/gg-allowed/inner"
	expect_pin "/gg-allowed deleted and re-created: a new cgroup, refused" 1 slow_refused 1 \
		as_user "$NOBODY" /gg-allowed "$ubin/gup_pin" --uring "$f"
	echo /gg-allowed >"$DBG/allow_cgroup"
	expect_pin "/gg-allowed written again: exempt" "$lifted_uring" exempt_cgroup 1 \
		as_user "$NOBODY" /gg-allowed "$ubin/gup_pin" --uring "$f"
	echo >"$DBG/allow_cgroup"

	# File-system types.
	echo "btrfs xfs" >"$DBG/allow_fs"
	tap_check "$flavour: allow_fs reads back" test "$(tr '\n' ' ' <"$DBG/allow_fs")" = "btrfs xfs "
	expect_pin "allow_fs xfs btrfs: xfs" "$lifted" exempt_fs 1 "$bin/gup_pin" "$MNT/xfs/opt"
	expect_pin "allow_fs xfs btrfs: btrfs" "$lifted" exempt_fs 1 "$bin/gup_pin" "$MNT/btrfs/opt"
	expect_pin "allow_fs xfs btrfs: ext4" 1 slow_refused 1 "$bin/gup_pin" "$MNT/ext4/opt"
	# Audit: exempt pins are counted as such, not as would-refuse.
	echo audit >"$DBG/mode"
	expect_pin "audit, allow_fs xfs" "$lifted" would_refuse_longterm 0 "$bin/gup_pin" "$MNT/xfs/opt"
	expect_pin "audit, ext4 not exempt" "$lifted" would_refuse_longterm 1 "$bin/gup_pin" "$MNT/ext4/opt"
	echo enforce >"$DBG/mode"

	# Bad lists: the errno, and every list as it was.
	lists() { echo "$(tr '\n' ' ' <"$DBG/allow_fs")|$(tr '\n' ' ' <"$DBG/allow_uid")|$(tr '\n' ' ' <"$DBG/allow_cgroup")"; }
	echo 1000 >"$DBG/allow_uid"
	echo /gg-other >"$DBG/allow_cgroup"
	for bad in "allow_fs:a b c d e f g h i:Invalid argument" "allow_fs:aaaaaaaaaaaaaaaa:Invalid argument" \
		$'allow_fs:ext\001:Invalid argument' "allow_uid:-1:Invalid argument" "allow_uid:4294967295:Invalid argument" \
		"allow_uid:12ab:Invalid argument" "allow_cgroup:gg-other:Invalid argument" \
		"allow_cgroup:/gg-nope:No such file or directory" "allow_cgroup:/gg-other /gg-nope:No such file or directory" \
		"allow_cgroup:/gg-other/cgroup.procs:Not a directory" "allow_cgroup:/gg-other/..:No such file or directory"; do
		IFS=: read -r f v err <<<"$bad"
		local before
		before=$(lists)
		if got=$(printf '%s' "$v" 2>&1 >"$DBG/$f"); then got=accepted; fi
		if [[ "$got" == *"$err"* ]] && [ "$(lists)" = "$before" ]; then
			tap_ok "$flavour: write $(printf '%q' "$v") to $f: $err, lists unchanged"
		else
			tap_not_ok "$flavour: write $(printf '%q' "$v") to $f: ${got:-?} (want $err), lists $(lists) (were $before)"
		fi
	done
	echo >"$DBG/allow_fs"
	echo >"$DBG/allow_uid"
	echo >"$DBG/allow_cgroup"
	module_unload
}

suite_optouts
suite_end
