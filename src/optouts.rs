// SPDX-License-Identifier: GPL-2.0

//! Opt-outs: file-system types, real uids and cgroup-v2 subtrees whose pins
//! are let through. Never task names: any task can take any name. The lists
//! themselves are [`crate::allow`]; this is their kernel side.

use crate::allow;
use crate::events::Outcome;
use crate::kcompat::prelude::*;
use crate::shim;
use crate::stats::Count;
use crate::STATS;

pub(crate) static ALLOW_FS: allow::KeySet = allow::KeySet::new();
pub(crate) static ALLOW_UID: allow::KeySet = allow::KeySet::new();
pub(crate) static ALLOW_CGROUP: allow::KeySet = allow::KeySet::new();

/// cgroup-v2 paths; the key is the cgroup's id and level, from the kernel.
pub(crate) const CGROUP: allow::Kind = allow::Kind {
    syntax: allow::is_cgroup_path,
    key: cgroup_key,
};

fn cgroup_key(word: &[u8]) -> core::result::Result<allow::Key, allow::SetError> {
    let mut path = [0u8; allow::TEXT_MAX];
    // A word is shorter than the write it came in (< GG_WRITE_MAX): room for the NUL.
    path.get_mut(..word.len())
        .ok_or(allow::SetError::Invalid)?
        .copy_from_slice(word);
    let (mut id, mut level) = (0u64, 0u32);
    // SAFETY: `path` is NUL-terminated (zero-filled past `word`); `id` and
    // `level` are valid out pointers. Called from a debugfs write, which may sleep.
    let ret = unsafe { shim::gg_shim_cgroup_lookup(path.as_ptr().cast(), &mut id, &mut level) };
    if ret != 0 {
        return Err(allow::SetError::Lookup(ret));
    }
    Ok([id, u64::from(level)])
}

/// Replaces a list with the one written; on any error it is unchanged.
pub(crate) fn replace(set: &allow::KeySet, input: &[u8], kind: &allow::Kind) -> c_int {
    match set.replace(input, kind) {
        Ok(()) => 0,
        Err(allow::SetError::Invalid) => EINVAL.to_errno(),
        Err(allow::SetError::Busy) => EBUSY.to_errno(),
        Err(allow::SetError::Lookup(errno)) => errno,
    }
}

/// Which opt-out, if any, lets this call through. File system first, then
/// uid, then cgroup: the first that matches is the one counted.
pub(crate) fn exemption(d: &shim::gg_slow_details) -> Option<Outcome> {
    if ALLOW_FS.contains(allow::pack_c(&d.fstype)) {
        STATS.inc(Count::ExemptFs);
        Some(Outcome::ExemptFs)
    } else if ALLOW_UID.contains([u64::from(d.uid), 0]) {
        STATS.inc(Count::ExemptUid);
        Some(Outcome::ExemptUid)
    } else if ALLOW_CGROUP.any(|[id, level]| {
        // SAFETY: a plain query about `current`, under RCU inside the shim.
        unsafe { shim::gg_shim_current_in_cgroup(id, level as u32) }
    }) {
        STATS.inc(Count::ExemptCgroup);
        Some(Outcome::ExemptCgroup)
    } else {
        None
    }
}
