// SPDX-License-Identifier: GPL-2.0

//! Host build of gupguard's kernel-independent parts, for `cargo test`.
//! The module compiles the same files as modules of its own crate.

#![no_std]

#[cfg(test)]
extern crate std;

pub mod allow;
pub mod events;
pub mod policy;
pub mod stats;
