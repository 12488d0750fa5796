// SPDX-License-Identifier: GPL-2.0

//! Host build of gupguard's kernel-independent parts, for `cargo test`.
//! The module compiles the same files as modules of its own crate.

#![no_std]
// The kernel's statics are built by `const fn new()`; `Default` is not const.
#![allow(clippy::new_without_default)]

#[cfg(test)]
extern crate std;

pub mod allow;
pub mod events;
pub mod policy;
pub mod stats;
