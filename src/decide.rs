// SPDX-License-Identifier: GPL-2.0

//! The decisions, from the shim's plain facts: one slow-path call, one
//! GUP-fast call. Called from the hooks: no sleeping, no allocation, no
//! panic.

use crate::attribution;
use crate::events::Outcome;
use crate::kcompat::prelude::*;
use crate::optouts;
use crate::policy::{self, Mode, Request, Scope, Verdict, Vma};
use crate::settings::{MODE, SCOPE};
use crate::shim;
use crate::stats::Count;
use crate::STATS;

// The policy's bits are the shim's.
const _: () = assert!(
    policy::REQ_WRITE == shim::GG_REQ_WRITE
        && policy::REQ_GET == shim::GG_REQ_GET
        && policy::REQ_PIN == shim::GG_REQ_PIN
        && policy::REQ_LONGTERM == shim::GG_REQ_LONGTERM
        && policy::VMA_SHARED == shim::GG_VMA_SHARED
        && policy::VMA_WRITE == shim::GG_VMA_WRITE
        && policy::VMA_ANON == shim::GG_VMA_ANON
        && policy::VMA_PFNMAP == shim::GG_VMA_PFNMAP
        && policy::VMA_WRITENOTIFY_OPS == shim::GG_VMA_WRITENOTIFY_OPS
        && policy::VMA_CAN_WRITEBACK == shim::GG_VMA_CAN_WRITEBACK
        && policy::FOLIO_ANON == shim::GG_FOLIO_ANON
        && policy::FOLIO_SHMEM == shim::GG_FOLIO_SHMEM
        && policy::FOLIO_HUGETLB == shim::GG_FOLIO_HUGETLB
        && policy::FOLIO_KEEP_ALL == shim::GG_FOLIO_KEEP_ALL
        && Count::FastExamined as u32 == shim::GG_COUNT_FAST_EXAMINED
        && Count::SlowExamined as u32 == shim::GG_COUNT_SLOW_EXAMINED
);

/// Slow path: one `check_vma_flags()` call. Returns a `GG_SLOW_*` verdict.
/// A call no scope matches costs flag tests: the VMA is
/// looked at only for a write some scope covers, the task and file only for
/// the calls some scope matches.
pub(crate) fn slow(facts: &shim::gg_slow_facts) -> c_int {
    let mode = MODE.get();
    if mode == Mode::Off {
        return shim::GG_SLOW_ALLOW as c_int;
    }
    // The trampoline counted the call (`slow_examined`) and sent on every
    // one without the bits of `policy::slow_need()`.
    let req = Request::from_bits(facts.req);
    // Decided on gup_flags alone for what no scope covers.
    if !Scope::WIDEST.covers(req) {
        return shim::GG_SLOW_ALLOW as c_int;
    }
    // SAFETY: `vma_ref` is the VMA of the hooked call, which the shim is
    // still handling, under the lock its caller holds.
    let vma = Vma::from_bits(unsafe { shim::gg_shim_vma_bits(facts.vma_ref) });
    // The narrowest scope that would refuse the call.
    let matched = match Scope::ALL.into_iter().find(|s| s.matches(req, vma)) {
        Some(s) => s,
        None => return shim::GG_SLOW_ALLOW as c_int,
    };
    let mut d = shim::gg_slow_details {
        comm: [0; shim::GG_NAME_LEN as usize],
        fstype: [0; shim::GG_NAME_LEN as usize],
        time_ns: 0,
        ino: 0,
        dev: 0,
        pid: 0,
        uid: 0,
    };
    // SAFETY: `vma_ref` is the VMA of the hooked call, which the shim is
    // still handling; `d` is a valid, writable `gg_slow_details`.
    unsafe { shim::gg_shim_slow_details(facts.vma_ref, &mut d) };
    let scope = SCOPE.get();
    // Opt-outs only count where they change something: a call the policy
    // refuses (enforce) or that some scope would refuse (audit).
    let relevant = mode == Mode::Audit || scope.matches(req, vma);
    let exempt = if relevant {
        optouts::exemption(&d)
    } else {
        None
    };
    let outcome = exempt.unwrap_or_else(|| {
        if mode == Mode::Audit {
            // One workload answers "what would each scope have refused?".
            for s in Scope::ALL {
                if s.matches(req, vma) {
                    STATS.inc(Count::would_refuse(s));
                }
            }
        }
        match policy::decide(mode, scope, req, vma) {
            Verdict::Allow => Outcome::Allowed,
            Verdict::Refuse => {
                STATS.inc(Count::SlowRefused);
                Outcome::Refused
            }
            Verdict::WouldRefuse => {
                STATS.inc(Count::SlowWouldRefuse);
                Outcome::WouldRefuse
            }
        }
    });
    attribution::record(facts, &d, matched, outcome);
    match outcome {
        Outcome::Refused => shim::GG_SLOW_REFUSE as c_int,
        Outcome::WouldRefuse => shim::GG_SLOW_AUDIT as c_int,
        _ => shim::GG_SLOW_ALLOW as c_int,
    }
}

/// The folio kinds a covered GUP-fast request keeps, from the policy.
const FAST_KEEP_COVERED: u32 = policy::fast_keep_mask();

/// GUP-fast: which folios may this request keep? A mask over the
/// `GG_FOLIO_*` combinations (bit `b` set: a folio whose bits are `b` stays
/// on GUP-fast). All set for a request no scope covers: the shim then does
/// not look at its return. Computed once per call; the shim applies it per
/// folio. Only calls with every bit of [`fast_need`] get here; the
/// trampoline has counted every call (`fast_examined`).
pub(crate) fn fast(req: u32) -> u32 {
    let mode = MODE.get();
    if mode == Mode::Off {
        return policy::FOLIO_KEEP_ALL;
    }
    if policy::fast_covered(mode, SCOPE.get(), Request::from_bits(req)) {
        FAST_KEEP_COVERED
    } else {
        policy::FOLIO_KEEP_ALL
    }
}

/// The `GG_REQ_*` bits every slow-path request some scope covers has.
pub(crate) fn slow_need() -> u32 {
    policy::slow_need()
}

/// The `GG_VMA_*` bits every VMA some scope would refuse a request on has.
pub(crate) fn slow_vma_need() -> u32 {
    policy::slow_vma_need()
}

/// The `GG_REQ_*` bits every GUP-fast request the policy now covers has.
pub(crate) fn fast_need() -> u32 {
    policy::fast_need(MODE.get(), SCOPE.get())
}
