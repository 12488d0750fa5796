// SPDX-License-Identifier: GPL-2.0

//! The run-time settings, mode and scope: set by module parameters (before
//! `init` and through sysfs) and by debugfs writes, read lock-free by the
//! hooks.

use crate::kcompat::prelude::*;
use crate::policy::{Mode, Scope};
use crate::shim;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};

/// A run-time setting kept as its `u32` value in a static, so that module
/// parameters can set it before `init` runs and hooks read it lock-free.
pub(crate) trait Setting: Copy + Sized + 'static {
    const DEFAULT: Self;
    fn to_u32(self) -> u32;
    fn from_u32(v: u32) -> Option<Self>;
}

impl Setting for Mode {
    const DEFAULT: Self = Mode::Enforce;
    fn to_u32(self) -> u32 {
        self as u32
    }
    fn from_u32(v: u32) -> Option<Self> {
        Mode::from_u32(v)
    }
}

impl Setting for Scope {
    const DEFAULT: Self = Scope::LongTerm;
    fn to_u32(self) -> u32 {
        self as u32
    }
    fn from_u32(v: u32) -> Option<Self> {
        Scope::from_u32(v)
    }
}

pub(crate) struct Knob<T> {
    value: AtomicU32,
    _type: PhantomData<T>,
}

impl<T: Setting> Knob<T> {
    const fn new(initial: u32) -> Self {
        Knob {
            value: AtomicU32::new(initial),
            _type: PhantomData,
        }
    }

    pub(crate) fn get(&self) -> T {
        T::from_u32(self.value.load(Ordering::Relaxed)).unwrap_or(T::DEFAULT)
    }

    /// Stores `v`; returns the value it replaced.
    fn replace(&self, v: T) -> T {
        T::from_u32(self.value.swap(v.to_u32(), Ordering::Relaxed)).unwrap_or(T::DEFAULT)
    }

    /// Stores `old` again, if the value is still `new`.
    fn restore(&self, new: T, old: T) {
        let _ = self.value.compare_exchange(
            new.to_u32(),
            old.to_u32(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }
}

pub(crate) static MODE: Knob<Mode> = Knob::new(Mode::DEFAULT as u32);
pub(crate) static SCOPE: Knob<Scope> = Knob::new(Scope::DEFAULT as u32);

/// Sets a parameter (`GG_PARAM_*`) from a written name.
pub(crate) fn set(id: u32, input: &[u8]) -> c_int {
    match id {
        shim::GG_PARAM_MODE => set_mode(input),
        shim::GG_PARAM_SCOPE => set_scope(input),
        _ => EINVAL.to_errno(),
    }
}

/// A parameter's (`GG_PARAM_*`) current value, by name.
pub(crate) fn name(id: u32) -> Option<&'static str> {
    match id {
        shim::GG_PARAM_MODE => Some(MODE.get().name()),
        shim::GG_PARAM_SCOPE => Some(SCOPE.get().name()),
        _ => None,
    }
}

/// Held by a writer of the mode or the scope, from before the store to after
/// the sync: writers one at a time (`gg_shim_settings_lock()`).
struct WriterLock;

impl WriterLock {
    fn take() -> Self {
        // SAFETY: called from a debugfs or sysfs write or a load parameter,
        // which may sleep; released by `Drop`.
        unsafe { shim::gg_shim_settings_lock() };
        WriterLock
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // SAFETY: taken by `WriterLock::take`.
        unsafe { shim::gg_shim_settings_unlock() };
    }
}

/// Stores `new` in `knob` for a writer holding `WriterLock`. From before the
/// store to the sync after it, GUP-fast's trampoline sends every write to the
/// policy; the sync then has the shim test again for what the settings cover
/// (`policy::fast_need`) and arm or disarm the hooks to match. Returns the
/// value replaced and the sync's result.
fn switch<T: Setting>(knob: &Knob<T>, new: T) -> (T, c_int) {
    // SAFETY: a store of one word; callable in any context.
    unsafe { shim::gg_shim_fast_need_widen() };
    let old = knob.replace(new);
    // SAFETY: called from a debugfs or sysfs write, which may sleep.
    (old, unsafe { shim::gg_shim_hooks_sync() })
}

/// Switches the scope.
fn set_scope(input: &[u8]) -> c_int {
    let new = match Scope::parse(input) {
        Some(s) => s,
        None => return EINVAL.to_errno(),
    };
    let _writer = WriterLock::take();
    switch(&SCOPE, new).1
}

/// Switches the mode; the hooks follow (in `off` none is registered: it costs
/// nothing). Before `init` (load parameters) the shim has nothing to sync yet.
fn set_mode(input: &[u8]) -> c_int {
    let new = match Mode::parse(input) {
        Some(m) => m,
        None => return EINVAL.to_errno(),
    };
    let _writer = WriterLock::take();
    let (old, ret) = switch(&MODE, new);
    if ret != 0 {
        // The hooks could not be armed: back to the old mode (off), and the
        // hooks to match again.
        MODE.restore(new, old);
        // SAFETY: called from a debugfs or sysfs write, which may sleep.
        unsafe { shim::gg_shim_hooks_sync() };
    }
    ret
}
