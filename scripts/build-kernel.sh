#!/usr/bin/env bash
# Build (or reuse) the two test kernels from Debian's 6.12 source:
#   stock  - 6.12 as shipped (refuses long-term writable file pins itself)
#   legacy - stock plus qemu/patches/legacy-*.patch (the pre-6.5 behaviour)
# The build tree is keyed on everything that affects it; the legacy kernel is an
# incremental rebuild of the same tree, keyed additionally on the patches.
# Prints the cache directory (the kernel "kdir" root) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# Bump when this recipe changes in a way that changes the output.
RECIPE=1

fragments=("$GG_ROOT"/qemu/config/*.config)
patches=("$GG_ROOT"/qemu/patches/legacy-*.patch)
srcpkg=linux-source-$GG_KERNEL_SERIES
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || gg_die "package $srcpkg not installed (run scripts/bootstrap.sh)"
toolchain="$(/usr/bin/rustc --version)|$("$GG_TOOLS/bin/bindgen" --version)|$(clang --version | head -1)|$(vng --version)"

base_key=$( { echo "recipe=$RECIPE src=$srcver tc=$toolchain"; cat "${fragments[@]}"; } | sha256sum | cut -c1-16)
patch_key=$(cat "${patches[@]}" | sha256sum | cut -c1-16)
dir=$GG_CACHE/kernel/$base_key
src=$dir/src build=$dir/build
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

# "current" is what `make` without KDIR builds against.
publish() {
	ln -sfn "legacy-$patch_key" "$dir/legacy"
	ln -sfn "$base_key" "$GG_CACHE/kernel/current"
	echo "$dir"
}

if [ -f "$dir/stock/bzImage" ] && [ -f "$dir/legacy-$patch_key/bzImage" ]; then
	gg_log "kernels cached in $dir (stock + legacy-$patch_key)"
	publish
	exit 0
fi

kmake() { "${GG_KMAKE[@]}" -C "$src" O="$build" -j"$GG_JOBS" "$@"; }

if [ ! -f "$src/.unpacked" ]; then
	gg_log "unpacking $srcpkg $srcver"
	rm -rf "$src" && mkdir -p "$src"
	tar -xf /usr/src/$srcpkg.tar.xz -C "$src" --strip-components=1
	touch "$src/.unpacked"
fi

if [ ! -f "$build/.config.gupguard" ]; then
	gg_log "checking the Rust toolchain (make rustavailable)"
	kmake rustavailable >"$dir/rustavailable.log" 2>&1 ||
		gg_die "Rust toolchain not usable for $GG_KERNEL_SERIES: $(tail -5 "$dir/rustavailable.log")"
	gg_log "configuring: virtme-ng base + ${fragments[*]##*/}"
	mkdir -p "$build"
	(cd "$src" && vng --kconfig -- O="$build" LLVM=1 >"$dir/kconfig.log" 2>&1) ||
		gg_die "vng --kconfig failed: $(tail -5 "$dir/kconfig.log")"
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$build" "$build/.config" "${fragments[@]}" >>"$dir/kconfig.log" 2>&1) ||
		gg_die "merge_config.sh failed: see $dir/kconfig.log"
	kmake olddefconfig >>"$dir/kconfig.log" 2>&1 || gg_die "olddefconfig failed: see $dir/kconfig.log"
	# Every option a fragment asks for must survive olddefconfig.
	bad=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qxF "$line" "$build/.config" || bad+=("$line") ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			grep -q "^$opt=" "$build/.config" && bad+=("$line")
			;;
		esac
	done < <(cat "${fragments[@]}")
	((${#bad[@]} == 0)) || gg_die "kernel config lacks requested options (unmet dependencies?): ${bad[*]}"
	touch "$build/.config.gupguard"
fi

if [ ! -f "$dir/stock/bzImage" ]; then
	gg_log "building the stock kernel in $build (about 20 min from scratch on 2 cores; log: $dir/build-stock.log)"
	start=$SECONDS
	kmake bzImage modules >"$dir/build-stock.log" 2>&1 ||
		gg_die "kernel build failed: $(grep -m5 -E 'error|Error' "$dir/build-stock.log")"
	mkdir -p "$dir/stock"
	cp "$build/arch/x86/boot/bzImage" "$build/System.map" "$dir/stock/"
	gg_log "stock kernel built in $((SECONDS - start)) s"
fi

leg=$dir/legacy-$patch_key
if [ ! -f "$leg/bzImage" ]; then
	gg_log "building the legacy kernel: stock + ${patches[*]##*/} (incremental)"
	start=$SECONDS
	for p in "${patches[@]}"; do
		patch -d "$src" -p1 --dry-run -s <"$p" >/dev/null || gg_die "patch $p does not apply to $srcpkg $srcver"
	done
	for p in "${patches[@]}"; do patch -d "$src" -p1 -s <"$p"; done
	status=0
	kmake bzImage >"$dir/build-legacy.log" 2>&1 || status=$?
	# Put the tree back to stock whatever happened, so both kernels share it.
	for ((i = ${#patches[@]} - 1; i >= 0; i--)); do patch -d "$src" -p1 -R -s <"${patches[i]}"; done
	((status == 0)) || gg_die "legacy kernel build failed: $(grep -m5 -E 'error|Error' "$dir/build-legacy.log")"
	mkdir -p "$leg"
	cp "$build/arch/x86/boot/bzImage" "$build/System.map" "$leg/"
	# Leave the build tree matching the stock sources it now holds.
	kmake bzImage >>"$dir/build-legacy.log" 2>&1 || gg_die "restoring the stock build failed: see $dir/build-legacy.log"
	cmp -s "$build/arch/x86/boot/bzImage" "$leg/bzImage" && gg_die "legacy kernel is identical to stock: patches had no effect"
	gg_log "legacy kernel built in $((SECONDS - start)) s"
fi

# Keep the two newest trees; each is several GB.
find "$GG_CACHE/kernel" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn |
	tail -n +3 | while read -r _ old; do
	gg_log "pruning old kernel tree $old"
	rm -rf "$old"
done
publish
