# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of gupguard, like any Rust-for-Linux module:
#   make KDIR=<kernel build dir> LLVM=1
# KDIR defaults to the harness's own test kernel (scripts/harness/build-kernel.sh).

GUPGUARD_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/gupguard
KDIR ?= $(GUPGUARD_CACHE)/kernel/current/build
LLVM ?= 1
# The module must be built by the rustc that built the kernel: Debian's
# rustc-web (rustup's toolchains have no rust-src), and bindgen-cli >= 0.65.
RUSTC ?= /usr/bin/rustc
BINDGEN ?= $(firstword $(wildcard $(GUPGUARD_CACHE)/tools/bin/bindgen) bindgen)
KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) RUSTC=$(RUSTC) BINDGEN=$(BINDGEN)

default:
	$(KMAKE) modules

clean:
	$(KMAKE) clean

# 6.12's `make M=... rust-analyzer` breaks in O= build trees (it looks for
# rust/Makefile in the build dir), so run its generator the way rust/Makefile does.
SYSROOT = $(shell $(RUSTC) --print sysroot)
rust-analyzer:
	$(KDIR)/source/scripts/generate_rust_analyzer.py --cfgs='core=--cfg=no_fp_fmt_parse' \
		2024 $(realpath $(KDIR)/source) $(realpath $(KDIR)) $(SYSROOT) \
		$(SYSROOT)/lib/rustlib/src/rust/library >rust-project.json
	scripts/harness/rust-project.py rust-project.json $(CURDIR)/src/gupguard_main.rs

.PHONY: default clean rust-analyzer
