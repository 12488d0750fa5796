#!/usr/bin/env bash
# The Rust toolchain of the lts61 flavour (Linux 6.1 LTS), idempotently:
# Debian's rustc 1.63 + rust-src 1.63 and bindgen 0.60, the versions 6.1
# accepts. They conflict with rustc-web (the 6.12 toolchain), so they are
# unpacked into $GG_TOOLS/lts61 rather than installed, beside it; wrappers in
# its bin/ set the library path the unpacked rustc needs.
# Prints nothing; run by scripts/bootstrap.sh.
set -euo pipefail
. "$(dirname "$0")/common.sh"

prefix=$GG_LTS61_TOOLS
want="$GG_LTS61_RUST_PACKAGES"
[ "$(cat "$prefix/.packages" 2>/dev/null)" = "$want" ] && [ -x "$prefix/bin/rustc" ] &&
	"$prefix/bin/rustc" --version >/dev/null 2>&1 && exit 0

gg_log "unpacking the Linux 6.1 Rust toolchain into $prefix: $want"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -ra pkgs <<<"$want"
(cd "$tmp" && apt-get download -qq "${pkgs[@]}" >/dev/null 2>&1) ||
	(cd "$tmp" && apt-get update -qq && apt-get download -qq "${pkgs[@]}") ||
	gg_die "apt-get download failed for: $want"
rm -rf "$prefix.new" && mkdir -p "$prefix.new/bin"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$prefix.new/root" || gg_die "dpkg -x $deb failed"; done
root=$prefix/root
for t in rustc rustdoc bindgen; do
	[ -x "$prefix.new/root/usr/bin/$t" ] || gg_die "$t missing from the unpacked packages"
	cat >"$prefix.new/bin/$t" <<-EOF
		#!/bin/sh
		# rustc 1.63 unpacked beside rustc-web: its libraries are not on the system path.
		LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} exec $root/usr/bin/$t "\$@"
	EOF
	chmod +x "$prefix.new/bin/$t"
done
rm -rf "$prefix" && mv "$prefix.new" "$prefix"
echo "$want" >"$prefix/.packages"
"$prefix/bin/rustc" --version >/dev/null || gg_die "the unpacked rustc does not run"
[ "$("$prefix/bin/rustc" --print sysroot)" = "$root/usr" ] || gg_die "unexpected sysroot of the unpacked rustc"
[ -d "$root/usr/lib/rustlib/src/rust/library/core" ] || gg_die "rust-src (core's source) missing from $root"
