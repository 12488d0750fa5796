#!/usr/bin/env bash
# The host half of the export's proof: for each patch the exporter makes
# (longterm on legacy, pin and get on stock; with a 6.1 tree, the 6.1 series
# for each scope), scripts/export-patch.sh must write it, apply it with git am
# and patch -p1 and find checkpatch --strict clean; and the patched kernel's
# own C for the rule (tests/host/predicate.c) must agree with src/policy.rs
# (tests/host/policy_table.rs) on every combination of request and VMA facts,
# and of request and folio kind. Prints TAP.
#   scripts/harness/check-export.sh KERNEL_DIR OUTDIR [LTS61_KERNEL_DIR]
set -uo pipefail
. "$(dirname "$0")/common.sh"
kroot=$1 out=$2 kroot61=${3:-}
mkdir -p "$out"
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n $*"; }
echo "TAP version 13"
(cd "$GG_ROOT" && cargo build --quiet --bin policy-table) || { echo "not ok 1 cargo build policy-table"; exit 1; }
table=$GG_ROOT/target/debug/policy-table
pairs=(legacy:longterm stock:pin stock:get)
[ -n "$kroot61" ] && pairs+=(lts61:longterm lts61:pin lts61:get)
for pair in "${pairs[@]}"; do
	base=${pair%:*} scope=${pair#*:} d=$out/$base-$scope src=$kroot/src
	[ "$base" = lts61 ] && src=$kroot61/src
	rm -rf "$d" && mkdir -p "$d"
	if "$GG_ROOT/scripts/export-patch.sh" --scope "$scope" --base "$base" --src "$src" -o "$d" \
		>"$d/export.log" 2>&1; then
		ok "export $scope on $base: $(cd "$d" && set -- 0*.patch && echo "$# patch(es), $1${2:+ ...}"): applies (git am, patch -p1), checkpatch --strict clean"
	else
		not_ok "export $scope on $base"
		sed 's/^/#   /' "$d/export.log" | tail -20
		continue
	fi
	legacy=()
	for p in "$GG_ROOT"/qemu/patches/legacy-*.patch; do legacy+=(--legacy-patch "$p"); done
	if [ "$base" = lts61 ]; then
		# Each backport names the upstream commit it carries, once.
		bad=$(for p in "$d"/000[123]-*.patch; do
			[ "$(grep -cE '^commit [0-9a-f]{40} upstream\.$' "$p")" = 1 ] || echo "${p##*/}"
		done)
		if [ -z "$bad" ]; then
			ok "$scope on $base: patches 1-3 each name their upstream commit"
		else
			not_ok "$scope on $base: no single 'commit <sha1> upstream.' line in: $bad"
		fi
	fi
	python3 "$GG_ROOT/scripts/export/export_patch.py" --scope "$scope" --base "$base" --src "$src" \
		"${legacy[@]}" -o "$d/again.patch" --predicate "$d/predicate_gen.h" &&
		gcc -Wall -Werror -Wno-unused-function -I"$d" -o "$d/predicate" "$GG_ROOT/tests/host/predicate.c" &&
		"$d/predicate" >"$d/c.txt" && "$table" "$scope" >"$d/policy.txt" || {
		not_ok "$scope on $base: building the host predicate"
		continue
	}
	rows=$(wc -l <"$d/c.txt")
	if [ "$rows" = 1088 ] && cmp -s "$d/c.txt" "$d/policy.txt"; then
		ok "$scope on $base: the patched kernel's C and src/policy.rs agree on all $rows combinations ($(grep -c '^slow .* 1$' "$d/c.txt") slow-path refusals)"
	else
		not_ok "$scope on $base: the patched kernel's C and src/policy.rs differ ($rows rows)"
		diff "$d/c.txt" "$d/policy.txt" | head -10 | sed 's/^/#   /'
	fi
done
echo "1..$n"
[ "$fail" = 0 ]
