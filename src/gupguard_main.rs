// SPDX-License-Identifier: GPL-2.0

//! gupguard: refuse long-term writable GUP pins of dirty-tracked file mappings
//! (upstream's 6.5+ rule in `check_vma_flags()` and GUP-fast) on any kernel.
//!
//! The C shim (`tramp.S`, `hooks.c`, `arming.c` and others) hooks the GUP path
//! and reads kernel structures; everything it learns comes here as plain bits.
//! This file is the module and the shim's entry points (`gg_rs_*`); each
//! concern has a file of its own:
//!
//! - [`decide`]: one slow-path or GUP-fast call, decided by [`policy`];
//! - [`settings`]: mode and scope; [`optouts`]: the allow lists ([`allow`]);
//! - [`attribution`]: the event log and per-fs and per-caller counts
//!   ([`events`]); the counters are [`stats`], in the shim's per-CPU slots;
//! - [`render`]: what each debugfs file shows and takes.
//!
//! The `gg_rs_*` functions called from the hooks do not sleep,
//! allocate, or panic.

use kcompat::prelude::*;

// `allow`, `events`, `policy` and `stats` are also the host crate's public API
// (src/host.rs).
#[allow(unreachable_pub)]
mod allow;
mod attribution;
mod debugfs;
mod decide;
#[allow(unreachable_pub)]
mod events;
mod kcompat;
mod optouts;
#[allow(unreachable_pub)]
mod policy;
mod render;
mod settings;
#[path = "../rust-bindings/shim.rs"]
mod shim;
#[allow(unreachable_pub)]
mod stats;

use policy::Mode;
use settings::{MODE, SCOPE};
use stats::Count;

kcompat::gg_module! {
    type: GupGuard,
    name: "gupguard",
    author: "gupguard developers",
    description: "Refuse long-term writable GUP pins of dirty-tracked file mappings",
    license: "GPL",
}

static STATS: stats::Stats<PerCpuSlots> = stats::Stats::new(PerCpuSlots);

/// The counters' slots: the shim's per-CPU array (see stats.rs for why).
struct PerCpuSlots;

impl stats::Slots for PerCpuSlots {
    fn inc(&self, c: Count) {
        // SAFETY: no preconditions; the shim bounds-checks the index and
        // bumps this CPU's slot with one per-CPU instruction, in any context.
        unsafe { shim::gg_shim_count(c as u32) }
    }

    fn sum(&self, c: Count) -> u64 {
        // SAFETY: no preconditions; plain reads of every CPU's slot.
        unsafe { shim::gg_shim_count_sum(c as u32) }
    }
}

// The shim's per-CPU array has a slot for every counter.
const _: () = assert!(stats::NR_COUNTS == shim::GG_NR_COUNTS as usize);

/// Whether the hooks should be registered: not in `off`. Asked by the shim
/// under its lock (`gg_shim_hooks_sync()`).
#[no_mangle]
pub extern "C" fn gg_rs_armed() -> bool {
    MODE.get() != Mode::Off
}

/// Slow path: one `check_vma_flags()` call. Returns a `GG_SLOW_*` verdict.
///
/// # Safety
///
/// `facts` is null or points to initialised facts that stay valid and
/// unchanged for the call (the shim's own, on its stack).
#[no_mangle]
pub unsafe extern "C" fn gg_rs_slow(facts: *const shim::gg_slow_facts) -> c_int {
    if facts.is_null() {
        return shim::GG_SLOW_ALLOW as c_int;
    }
    // SAFETY: not null, and valid for the call (the contract above).
    decide::slow(unsafe { &*facts })
}

/// GUP-fast: which folios may this request (`GG_REQ_*`) keep (a mask over the
/// `GG_FOLIO_*` combinations).
#[no_mangle]
pub extern "C" fn gg_rs_fast(req: u32) -> u32 {
    decide::fast(req)
}

/// Slow path: the `GG_REQ_*` bits every request some scope covers has (the
/// trampoline's test before it calls anything).
#[no_mangle]
pub extern "C" fn gg_rs_slow_need() -> u32 {
    decide::slow_need()
}

/// Slow path: the `GG_VMA_*` bits every VMA some scope would refuse a request
/// on has (the shim's test before it asks for a decision).
#[no_mangle]
pub extern "C" fn gg_rs_slow_vma_need() -> u32 {
    decide::slow_vma_need()
}

/// GUP-fast: the `GG_REQ_*` bits every request the policy covers now has
/// (the trampoline's test before it calls anything).
#[no_mangle]
pub extern "C" fn gg_rs_fast_need() -> u32 {
    decide::fast_need()
}

/// GUP-fast: a covered call was sent, whole or from a folio on, to the slow path.
#[no_mangle]
pub extern "C" fn gg_rs_fast_cut() {
    STATS.inc(Count::FastDiverted);
}

/// A `mode=` or `scope=` module parameter, at load time or through sysfs.
///
/// # Safety
///
/// `val` is null or a NUL-terminated string valid for the call (what the
/// kernel hands `kernel_param_ops.set`).
#[no_mangle]
pub unsafe extern "C" fn gg_rs_param_set(id: u32, val: *const c_char) -> c_int {
    if val.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: not null, NUL-terminated and valid for the call (the contract above).
    let val = unsafe { CStr::from_char_ptr(val) };
    settings::set(id, val.as_bytes())
}

/// Writes a parameter's current value and a newline into `buf`, the
/// `PAGE_SIZE` buffer of a `kernel_param_ops.get`; returns the length.
///
/// # Safety
///
/// `buf` is null or writable for `PAGE_SIZE` bytes, and nothing else uses it
/// during the call.
#[no_mangle]
pub unsafe extern "C" fn gg_rs_param_get(id: u32, buf: *mut c_char) -> c_int {
    let name = match settings::name(id) {
        Some(name) => name,
        None => return EINVAL.to_errno(),
    };
    if buf.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: not null and `PAGE_SIZE` bytes (the contract above); a name
    // plus newline is far shorter.
    let out = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), name.len() + 1) };
    let (text, newline) = out.split_at_mut(name.len());
    text.copy_from_slice(name.as_bytes());
    newline.fill(b'\n');
    // Names are a few bytes: the length always fits.
    (name.len() + 1) as c_int
}

/// Reads of a debugfs file.
///
/// # Safety
///
/// `m` is the `seq_file` of a seq_file `show` callback that is running, for
/// the call.
#[no_mangle]
pub unsafe extern "C" fn gg_rs_show(file: u32, m: *mut shim::seq_file) -> c_int {
    // SAFETY: a live seq_file inside its show callback (the contract above).
    let mut out = unsafe { debugfs::SeqFile::from_raw(m) };
    render::show(file, &mut out)
}

/// Writes to a debugfs file (see [`render::store`]).
///
/// # Safety
///
/// `buf` is null or holds `len` initialised bytes that stay valid and
/// unchanged for the call (the shim's copy of what the user wrote).
#[no_mangle]
pub unsafe extern "C" fn gg_rs_store(file: u32, buf: *const c_char, len: usize) -> c_int {
    if buf.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: not null, `len` bytes valid for the call (the contract above).
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    render::store(file, input)
}

// The shim calls the `gg_rs_*` functions through their prototypes in
// gupguard_shim.h: bindgen's reading of those must be exactly our types.
const _: () = {
    let _ = [shim::gg_rs_slow as unsafe extern "C" fn(_) -> _, gg_rs_slow];
    let _ = [shim::gg_rs_fast as unsafe extern "C" fn(_) -> _, gg_rs_fast];
    let _ = [
        shim::gg_rs_slow_need as unsafe extern "C" fn() -> _,
        gg_rs_slow_need,
    ];
    let _ = [
        shim::gg_rs_slow_vma_need as unsafe extern "C" fn() -> _,
        gg_rs_slow_vma_need,
    ];
    let _ = [
        shim::gg_rs_fast_need as unsafe extern "C" fn() -> _,
        gg_rs_fast_need,
    ];
    let _ = [
        shim::gg_rs_fast_cut as unsafe extern "C" fn(),
        gg_rs_fast_cut,
    ];
    let _ = [
        shim::gg_rs_show as unsafe extern "C" fn(_, _) -> _,
        gg_rs_show,
    ];
    let _ = [
        shim::gg_rs_store as unsafe extern "C" fn(_, _, _) -> _,
        gg_rs_store,
    ];
    let _ = [
        shim::gg_rs_param_set as unsafe extern "C" fn(_, _) -> _,
        gg_rs_param_set,
    ];
    let _ = [
        shim::gg_rs_param_get as unsafe extern "C" fn(_, _) -> _,
        gg_rs_param_get,
    ];
    let _ = [
        shim::gg_rs_armed as unsafe extern "C" fn() -> _,
        gg_rs_armed,
    ];
};

/// The registered hooks; removed (and waited for) on drop.
struct Hooks;

impl Hooks {
    fn register() -> Result<Self> {
        // SAFETY: called once at init; undone by `Drop`.
        to_result(unsafe { shim::gg_shim_hooks_register() })?;
        Ok(Hooks)
    }
}

impl Drop for Hooks {
    fn drop(&mut self) {
        // SAFETY: the hooks were registered by `Hooks::register`.
        unsafe { shim::gg_shim_hooks_unregister() };
    }
}

struct GupGuard {
    // Field order is drop order: stop the hooks before removing debugfs.
    _hooks: Hooks,
    _debugfs: debugfs::Dir,
}

impl GupGuard {
    /// Loads the module: debugfs, then the hooks (see `gg_module!`).
    fn start() -> Result<Self> {
        let dir = debugfs::Dir::new(c_str!("gupguard"))?;
        dir.file(c_str!("mode"), 0o600, shim::GG_FILE_MODE)?;
        dir.file(c_str!("scope"), 0o600, shim::GG_FILE_SCOPE)?;
        dir.file(c_str!("counters"), 0o600, shim::GG_FILE_COUNTERS)?;
        dir.file(c_str!("allow_fs"), 0o600, shim::GG_FILE_ALLOW_FS)?;
        dir.file(c_str!("allow_uid"), 0o600, shim::GG_FILE_ALLOW_UID)?;
        dir.file(c_str!("allow_cgroup"), 0o600, shim::GG_FILE_ALLOW_CGROUP)?;
        dir.file(c_str!("events"), 0o400, shim::GG_FILE_EVENTS)?;
        dir.file(c_str!("by_fs"), 0o400, shim::GG_FILE_BY_FS)?;
        dir.file(c_str!("by_caller"), 0o400, shim::GG_FILE_BY_CALLER)?;
        let hooks = Hooks::register()?;
        pr_info!(
            "loaded, mode {}, scope {}\n",
            MODE.get().name(),
            SCOPE.get().name()
        );
        Ok(GupGuard {
            _hooks: hooks,
            _debugfs: dir,
        })
    }
}

impl Drop for GupGuard {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
