#!/usr/bin/env bash
# Build (or reuse) the test kernels from Debian's 6.12 source:
#   stock  - 6.12 as shipped (refuses long-term writable file pins itself),
#            plus qemu/patches/tcg-*.patch (a workaround for the emulator)
#            and harness-*.patch (gup_test reports a failed pin's errno):
#            harness-only, in every flavour, touching no GUP code
#   legacy - stock plus qemu/patches/legacy-*.patch (the pre-6.5 behaviour)
#   legacy+longterm, stock+pin, stock+get - a base plus the patch
#            scripts/export-patch.sh writes for that scope (the export's
#            equivalence proof boots these without the module)
# The build tree is keyed on everything that affects it; every kernel but
# stock is an incremental rebuild of the same tree (mm/gup.o and the link),
# keyed additionally on its patches, and the tree is left matching stock.
#   lts61  - with the argument "lts61": Debian's 6.1 LTS source, a real
#            kernel without the rule, built by the 6.1 Rust toolchain
#            (scripts/harness/toolchain-lts61.sh), with the same fragments plus
#            qemu/config/lts61/*.config and the same tcg patches
#   lts61+longterm - lts61 plus the 6.1 series scripts/export-patch.sh
#            writes (upstream's rule backported: mm/mmap.c, mm/internal.h,
#            mm/gup.c, so every mm/ object that includes internal.h rebuilds)
#   bench  - with the argument "bench": stock and legacy 6.12 without the
#            debug options (qemu/config/bench/ instead of debug.config), for
#            scripts/bench.sh only; in their own cache directory
# Prints the cache directory (the kernel "kdir" root) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=${1:-6.12}
case $series in
6.12)
	series_pkg=$GG_KERNEL_SERIES kmake_cmd=("${GG_KMAKE[@]}")
	fragments=("$GG_ROOT"/qemu/config/*.config)
	cache=$GG_CACHE/kernel rustc=/usr/bin/rustc bindgen=$GG_TOOLS/bin/bindgen
	# The patched kernels (below): legacy, and BASE:SCOPE for each export.
	variants=(legacy) exports=(legacy:longterm stock:pin stock:get)
	;;
bench)
	series_pkg=$GG_KERNEL_SERIES kmake_cmd=("${GG_KMAKE[@]}")
	fragments=("$GG_ROOT"/qemu/config/gupguard.config "$GG_ROOT"/qemu/config/bench/*.config)
	cache=$GG_CACHE/kernel-bench rustc=/usr/bin/rustc bindgen=$GG_TOOLS/bin/bindgen
	variants=(legacy) exports=()
	;;
lts61)
	series_pkg=$GG_LTS61_SERIES kmake_cmd=("${GG_LTS61_KMAKE[@]}")
	fragments=("$GG_ROOT"/qemu/config/*.config "$GG_ROOT"/qemu/config/lts61/*.config)
	cache=$GG_CACHE/kernel-lts61 rustc=$GG_LTS61_TOOLS/bin/rustc bindgen=$GG_LTS61_TOOLS/bin/bindgen
	variants=() exports=(lts61:longterm)
	;;
*) gg_die "unknown kernel series '$series' (6.12, bench or lts61)" ;;
esac

# Bump when this recipe changes in a way that changes the output.
RECIPE=1

patches=("$GG_ROOT"/qemu/patches/legacy-*.patch)
tcg_patches=("$GG_ROOT"/qemu/patches/tcg-*.patch "$GG_ROOT"/qemu/patches/harness-*.patch)
tcg_key=$(cat "${tcg_patches[@]}" | sha256sum | cut -c1-16)
srcpkg=linux-source-$series_pkg
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || gg_die "package $srcpkg not installed (run scripts/bootstrap.sh)"
toolchain="$("$rustc" --version)|$("$bindgen" --version)|$(clang --version | head -1)|$(vng --version)"

base_key=$( { echo "recipe=$RECIPE src=$srcver tc=$toolchain"; cat "${fragments[@]}"; } | sha256sum | cut -c1-16)
dir=$cache/$base_key
src=$dir/src build=$dir/build
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

if [ ! -f "$src/.unpacked" ]; then
	gg_log "unpacking $srcpkg $srcver"
	rm -rf "$src" && mkdir -p "$src"
	tar -xf /usr/src/$srcpkg.tar.xz -C "$src" --strip-components=1
	sha256sum "$src/mm/gup.c" >"$src/.gup.c.sha256"
	touch "$src/.unpacked"
fi
# A build killed while a patch was applied leaves mm/gup.c patched: every
# patch below is made against, and applied to, the file as shipped.
if ! sha256sum --status -c "$src/.gup.c.sha256" 2>/dev/null; then
	gg_log "mm/gup.c is not as shipped (an interrupted build?): restoring it"
	tar -xf /usr/src/$srcpkg.tar.xz -C "$src" --strip-components=1 --wildcards --no-wildcards-match-slash '*/mm/gup.c'
	sha256sum "$src/mm/gup.c" >"$src/.gup.c.sha256"
fi

# The emulator workarounds stay applied in the tree (every flavour has
# them); a changed set is swapped in, and only what it touches is rebuilt.
applied=$src/.gg-tcg-applied
if ! cmp -s "$applied" <(cat "${tcg_patches[@]}"); then
	if [ -s "$applied" ]; then
		patch -d "$src" -p1 -R -s <"$applied" || gg_die "cannot take the old tcg patches out of $src"
	fi
	: >"$applied"
	cat "${tcg_patches[@]}" | patch -d "$src" -p1 -s --dry-run >/dev/null ||
		gg_die "qemu/patches/{tcg,harness}-*.patch do not apply to $srcpkg $srcver"
	cat "${tcg_patches[@]}" | patch -d "$src" -p1 -s
	cat "${tcg_patches[@]}" >"$applied"
fi
stock=$dir/stock-$tcg_key

# Every file a patched kernel changes, as shipped: taken from the source
# package before the first patch touches it, put back after each patched
# build, and here (a build killed half-way leaves its patches applied). The
# tcg and harness patches never touch these files (checked below), so the
# shipped file is stock's.
pristine=$dir/pristine
restore_pristine() {
	local f
	[ -d "$pristine" ] || return 0
	while IFS= read -r f; do
		cmp -s "$pristine/$f" "$src/$f" || cp "$pristine/$f" "$src/$f"
	done < <(cd "$pristine" && find . -type f ! -name '*.new')
}
restore_pristine

# The patched kernels: NAME=patch files, the base's first. An exported patch
# is made here from the exporter (no commit message: only its diff matters).
declare -A variant_patches variant_key
variant_patches[legacy]="${patches[*]}"
largs=()
for lp in "${patches[@]}"; do largs+=(--legacy-patch "$lp"); done
mkdir -p "$dir/exports"
for pair in "${exports[@]}"; do
	base=${pair%:*} scope=${pair#*:}
	p=$dir/exports/$base-$scope.patch
	variants+=("$base+$scope")
	python3 "$GG_ROOT/scripts/export/export_patch.py" --scope "$scope" --base "$base" --src "$src" \
		"${largs[@]}" -o "$p.new" >/dev/null || gg_die "the exporter failed for $scope on $base"
	mv "$p.new" "$p"
	if [ "$base" = legacy ]; then
		variant_patches[$base+$scope]="${patches[*]} $p"
	else
		variant_patches[$base+$scope]=$p
	fi
done
for v in "${variants[@]}"; do
	# shellcheck disable=SC2086 # a list of paths without blanks
	# (The diffs only: a series' later commit messages are not part of it.)
	variant_key[$v]=$( { echo "$tcg_key"; awk 'FNR == 1 || /^From [0-9a-f]+ / { d = 0 }
		/^diff --git|^--- a\// { d = 1 } d' ${variant_patches[$v]} 2>/dev/null |
		grep -v '^index \|^-- $\|^[0-9.]*$'; } | sha256sum | cut -c1-16)
done

# "current" is what `make` without KDIR builds against.
publish() {
	local v
	for v in "${variants[@]}"; do ln -sfn "$v-${variant_key[$v]}" "$dir/$v"; done
	# (A tree of an older recipe has a real directory there.)
	[ -L "$dir/stock" ] || rm -rf "$dir/stock"
	ln -sfn "stock-$tcg_key" "$dir/stock"
	# (The 6.1 kernel is its series' stock: named after its flavour too.)
	[ "$series" = lts61 ] && ln -sfn "stock-$tcg_key" "$dir/lts61"
	ln -sfn "$base_key" "$cache/current"
	echo "$dir"
}
all_cached() {
	local v
	[ -f "$stock/bzImage" ] || return 1
	for v in "${variants[@]}"; do [ -f "$dir/$v-${variant_key[$v]}/bzImage" ] || return 1; done
}

if all_cached; then
	gg_log "kernels cached in $dir (stock${variants[*]:+ + ${variants[*]}})"
	publish
	exit 0
fi

kmake() { "${kmake_cmd[@]}" -C "$src" O="$build" -j"$GG_JOBS" "$@"; }

if [ ! -f "$build/.config.gupguard" ]; then
	gg_log "checking the Rust toolchain (make rustavailable)"
	kmake rustavailable >"$dir/rustavailable.log" 2>&1 ||
		gg_die "Rust toolchain not usable for $series: $(tail -5 "$dir/rustavailable.log")"
	gg_log "configuring: virtme-ng base + ${fragments[*]##*/}"
	mkdir -p "$build"
	(cd "$src" && vng --kconfig -- O="$build" LLVM=1 >"$dir/kconfig.log" 2>&1) ||
		gg_die "vng --kconfig failed: $(tail -5 "$dir/kconfig.log")"
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$build" "$build/.config" "${fragments[@]}" >>"$dir/kconfig.log" 2>&1) ||
		gg_die "merge_config.sh failed: see $dir/kconfig.log"
	kmake olddefconfig >>"$dir/kconfig.log" 2>&1 || gg_die "olddefconfig failed: see $dir/kconfig.log"
	# Every option the fragments ask for must survive olddefconfig (the
	# last fragment that names an option decides it, as in merge_config.sh).
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
	done < <(cat "${fragments[@]}" | awk '{ k = $0; sub(/^# /, "", k); sub(/[= ].*/, "", k) }
		k ~ /^CONFIG_/ { last[k] = $0; order[++n] = k } END { for (i = 1; i <= n; i++)
		if (!seen[order[i]]++) print last[order[i]] }')
	((${#bad[@]} == 0)) || gg_die "kernel config lacks requested options (unmet dependencies?): ${bad[*]}"
	touch "$build/.config.gupguard"
fi

if [ ! -f "$stock/bzImage" ]; then
	gg_log "building the stock kernel in $build (about 20 min from scratch on 2 cores; log: $dir/build-stock.log)"
	start=$SECONDS
	kmake bzImage modules >"$dir/build-stock.log" 2>&1 ||
		gg_die "kernel build failed: $(grep -m5 -E 'error|Error' "$dir/build-stock.log")"
	mkdir -p "$stock"
	cp "$build/arch/x86/boot/bzImage" "$build/System.map" "$stock/"
	gg_log "stock kernel built in $((SECONDS - start)) s"
fi

# Each patched kernel: apply, rebuild (mm/gup.o and the link), put the
# source back. The build tree is brought back to stock once, at the end.
built=0
for v in "${variants[@]}"; do
	vdir=$dir/$v-${variant_key[$v]}
	[ -f "$vdir/bzImage" ] && continue
	read -ra vp <<<"${variant_patches[$v]}"
	gg_log "building the $v kernel: stock + ${vp[*]##*/} (incremental)"
	start=$SECONDS
	applied=()
	status=0
	while IFS= read -r f; do
		[ -f "$pristine/$f" ] && continue
		sed -n 's|^+++ b/||p' "${tcg_patches[@]}" | grep -qxF "$f" &&
			gg_die "$f is changed by a tcg/harness patch and by the $v kernel's: keep them apart"
		mkdir -p "$(dirname "$pristine/$f")"
		tar -xOf "/usr/src/$srcpkg.tar.xz" --wildcards --no-wildcards-match-slash "*/$f" >"$pristine/$f.new" &&
			[ -s "$pristine/$f.new" ] && mv "$pristine/$f.new" "$pristine/$f" ||
			gg_die "cannot take $f from $srcpkg"
	done < <(sed -n 's|^+++ b/||p' "${vp[@]}" | sort -u)
	for p in "${vp[@]}"; do
		patch -d "$src" -p1 --dry-run -s <"$p" >/dev/null && patch -d "$src" -p1 -s <"$p" ||
			{ gg_log "patch $p does not apply to $srcpkg $srcver (+ ${applied[*]##*/})"; status=1; break; }
		applied+=("$p")
	done
	built=1
	[ "$status" = 0 ] && { kmake bzImage >"$dir/build-$v.log" 2>&1 || status=$?; }
	# Put the sources back to stock whatever happened.
	restore_pristine
	((status == 0)) || gg_die "$v kernel build failed: $(grep -m5 -E 'error|Error' "$dir/build-$v.log" 2>/dev/null)"
	# The patch must build without a new warning (all that is rebuilt is its own).
	! grep -E 'warning:' "$dir/build-$v.log" || gg_die "$v kernel builds with warnings (see above)"
	cmp -s "$build/arch/x86/boot/bzImage" "$stock/bzImage" && gg_die "$v kernel is identical to stock: its patches had no effect"
	mkdir -p "$vdir"
	cp "$build/arch/x86/boot/bzImage" "$build/System.map" "$vdir/"
	gg_log "$v kernel built in $((SECONDS - start)) s"
done
if [ "$built" = 1 ]; then
	# Leave the build tree matching the stock sources it now holds.
	gg_log "bringing the build tree back to stock (incremental)"
	kmake bzImage >"$dir/build-restore.log" 2>&1 || gg_die "restoring the stock build failed: see $dir/build-restore.log"
fi

# Keep the two newest trees; each is several GB.
find "$cache" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn |
	tail -n +3 | while read -r _ old; do
	gg_log "pruning old kernel tree $old"
	rm -rf "$old"
done
publish
