#!/usr/bin/env bash
# Install everything gupguard needs on a Debian 12 machine, idempotently.
set -euo pipefail
. "$(dirname "$0")/harness/common.sh"

DEB_PACKAGES=(
	"linux-source-$GG_KERNEL_SERIES" "linux-source-$GG_LTS61_SERIES"
	rustc-web rust-web-src
	clang lld llvm libclang-dev
	make flex bison bc libelf-dev libssl-dev cpio kmod xz-utils rsync python3-venv
	qemu-system-x86 udev busybox-static
	e2fsprogs xfsprogs btrfs-progs
	liburing-dev pkg-config shellcheck
	# The real clients of the harm and clients suites (run in the guest, whose root is this one).
	fio rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest libibverbs-dev iproute2 util-linux
)
# For scripts/harness/selftest-harness.sh, which checks that a missing package is named.
read -ra extra <<<"${GG_EXTRA_DEB_PACKAGES:-}"
DEB_PACKAGES+=("${extra[@]}")

missing=()
for p in "${DEB_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	gg_log "installing Debian packages: ${missing[*]}"
	[ "$(id -u)" = 0 ] || gg_die "need root to install Debian packages (${missing[*]})"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || gg_die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		gg_die "apt-get install failed for: ${missing[*]}"
else
	gg_log "Debian packages: all ${#DEB_PACKAGES[@]} present"
fi

mkdir -p "$GG_CACHE" "$GG_TOOLS"

if [ "$("$GG_TOOLS/bin/bindgen" --version 2>/dev/null)" != "bindgen $GG_BINDGEN_VERSION" ]; then
	gg_log "installing bindgen-cli $GG_BINDGEN_VERSION from crates.io (a few minutes)"
	command -v cargo >/dev/null || gg_die "cargo not found (needed to install bindgen-cli)"
	cargo install --quiet --locked --root "$GG_TOOLS" --version "$GG_BINDGEN_VERSION" bindgen-cli ||
		gg_die "cargo install bindgen-cli $GG_BINDGEN_VERSION failed"
else
	gg_log "bindgen $GG_BINDGEN_VERSION present"
fi

if [ "$("$GG_VENV/bin/vng" --version 2>/dev/null | awk '{print $NF}')" != "$GG_VIRTME_NG_VERSION" ]; then
	gg_log "installing virtme-ng $GG_VIRTME_NG_VERSION from PyPI"
	python3 -m venv "$GG_VENV" || gg_die "python3 -m venv failed"
	"$GG_VENV/bin/pip" install --quiet --disable-pip-version-check "virtme-ng==$GG_VIRTME_NG_VERSION" ||
		gg_die "pip install virtme-ng==$GG_VIRTME_NG_VERSION failed"
else
	gg_log "virtme-ng $GG_VIRTME_NG_VERSION present"
fi

# The lts61 flavour's rustc 1.63 and bindgen 0.60, beside rustc-web.
bash "$GG_ROOT/scripts/harness/toolchain-lts61.sh" || gg_die "the Linux 6.1 Rust toolchain could not be set up"
gg_log "Linux 6.1 toolchain: $("$GG_LTS61_TOOLS/bin/rustc" --version), $("$GG_LTS61_TOOLS/bin/bindgen" --version)"

# Sanity checks that name what is wrong.
for t in clang ld.lld llvm-ar qemu-system-x86_64 mkfs.ext4 mkfs.xfs mkfs.btrfs vng bindgen; do
	command -v "$t" >/dev/null || gg_die "tool '$t' missing after bootstrap"
done
/usr/bin/rustc --version | grep -q . || gg_die "/usr/bin/rustc (rustc-web) does not run"
for v in "$GG_KERNEL_SERIES" "$GG_LTS61_SERIES"; do
	ls /usr/src/linux-source-$v.tar.* >/dev/null 2>&1 ||
		gg_die "/usr/src/linux-source-$v.tar.* missing (package linux-source-$v)"
done
gg_log "toolchain: $(/usr/bin/rustc --version), $(bindgen --version), $(clang --version | head -1), vng $(vng --version | awk '{print $NF}')"
