# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings the scripts that source this file read
# Shared settings for gupguard's scripts. Sourced, never run.

GG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Build outputs live outside the repo so a fresh clone reuses them.
GG_CACHE=${GUPGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gupguard}
GG_TOOLS=$GG_CACHE/tools
# Test programs, guest outputs and disk images of the last run.
GG_RUN=${GUPGUARD_RUN:-$GG_CACHE/run}
GG_VENV=$GG_CACHE/venv

# Pinned versions of what does not come from Debian.
GG_BINDGEN_VERSION=0.73.2
GG_VIRTME_NG_VERSION=1.42
GG_KERNEL_SERIES=6.12

# rustup's toolchains lack rust-src, so kernel builds use Debian's rustc-web, and
# bindgen-cli from our own tools dir (Debian's bindgen is older than 6.12 accepts).
export PATH=$GG_TOOLS/bin:$GG_VENV/bin:$PATH:$HOME/.cargo/bin
GG_KMAKE=(make LLVM=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc BINDGEN="$GG_TOOLS/bin/bindgen")
GG_JOBS=$(($(nproc) + 1))

gg_log() { printf '\033[1m[gupguard]\033[0m %s\n' "$*" >&2; }
gg_die() { printf '\033[1;31m[gupguard] error:\033[0m %s\n' "$*" >&2; exit 1; }

# The lts61 flavour: Debian's 6.1 LTS source and the Rust toolchain it accepts,
# unpacked beside rustc-web by scripts/harness/toolchain-lts61.sh.
GG_LTS61_SERIES=6.1
GG_LTS61_TOOLS=$GG_TOOLS/lts61
GG_LTS61_RUST_PACKAGES="rustc=1.63.0+dfsg1-2 rust-src=1.63.0+dfsg1-2 libstd-rust-1.63=1.63.0+dfsg1-2 libstd-rust-dev=1.63.0+dfsg1-2 bindgen=0.60.1-2+b2"
GG_LTS61_KMAKE=(make LLVM=1 RUSTC="$GG_LTS61_TOOLS/bin/rustc" RUSTDOC="$GG_LTS61_TOOLS/bin/rustdoc"
	BINDGEN="$GG_LTS61_TOOLS/bin/bindgen" HOSTRUSTC="$GG_LTS61_TOOLS/bin/rustc")
