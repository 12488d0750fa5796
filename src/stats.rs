// SPDX-License-Identifier: GPL-2.0

//! gupguard's counters, bumped from the hooks, shown and reset through
//! debugfs. Every GUP call bumps one, on every CPU: a single shared atomic
//! would be one cache line taken by every I/O on the machine. So, as the
//! kernel's own vmstat does, each CPU counts in its own slot ([`Slots`]: the
//! shim's per-CPU array in the module, plain atomics on the host), a read
//! sums the slots, and a reset does not write them: it records the sum as
//! the new zero. No kernel dependencies, so the host tests the format.

use crate::policy::Scope;
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// The counters, in debugfs order; the names are the stable names there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// `check_vma_flags()` calls seen (every mode but `off`).
    SlowExamined,
    /// Slow-path calls refused with `-EFAULT` (`enforce`).
    SlowRefused,
    /// Slow-path calls `enforce` would have refused (`audit`).
    SlowWouldRefuse,
    /// GUP-fast calls seen (every mode but `off`).
    FastExamined,
    /// GUP-fast calls cut short at a folio the slow path must judge.
    FastDiverted,
    /// Audit mode: slow-path calls each scope would have refused, all at once.
    WouldRefuseLongterm,
    /// See `WouldRefuseLongterm`.
    WouldRefusePin,
    /// See `WouldRefuseLongterm`.
    WouldRefuseGet,
    /// Calls the policy matched but the file-system opt-out let through.
    ExemptFs,
    /// Calls the policy matched but the uid opt-out let through.
    ExemptUid,
    /// Calls the policy matched but the cgroup opt-out let through.
    ExemptCgroup,
}

/// How many counters there are: the length of a [`Slots`] array.
pub const NR_COUNTS: usize = 11;

impl Count {
    /// Every counter, in the order debugfs shows them.
    pub const ALL: [Count; NR_COUNTS] = [
        Count::SlowExamined,
        Count::SlowRefused,
        Count::SlowWouldRefuse,
        Count::FastExamined,
        Count::FastDiverted,
        Count::WouldRefuseLongterm,
        Count::WouldRefusePin,
        Count::WouldRefuseGet,
        Count::ExemptFs,
        Count::ExemptUid,
        Count::ExemptCgroup,
    ];

    /// The name in debugfs.
    pub const fn name(self) -> &'static str {
        match self {
            Count::SlowExamined => "slow_examined",
            Count::SlowRefused => "slow_refused",
            Count::SlowWouldRefuse => "slow_would_refuse",
            Count::FastExamined => "fast_examined",
            Count::FastDiverted => "fast_diverted",
            Count::WouldRefuseLongterm => "would_refuse_longterm",
            Count::WouldRefusePin => "would_refuse_pin",
            Count::WouldRefuseGet => "would_refuse_get",
            Count::ExemptFs => "exempt_fs",
            Count::ExemptUid => "exempt_uid",
            Count::ExemptCgroup => "exempt_cgroup",
        }
    }

    /// The audit counter of `scope`.
    pub const fn would_refuse(scope: Scope) -> Count {
        match scope {
            Scope::LongTerm => Count::WouldRefuseLongterm,
            Scope::Pin => Count::WouldRefusePin,
            Scope::Get => Count::WouldRefuseGet,
        }
    }
}

/// Where the counts live. `inc` is called from the hooks, on any CPU, in any
/// context, and must not block; `sum` adds up every CPU's count since load.
pub trait Slots: Sync {
    /// Adds one to `c` on this CPU.
    fn inc(&self, c: Count);
    /// The total of `c` over every CPU; wraps, never panics.
    fn sum(&self, c: Count) -> u64;
}

/// Shared atomics: the host tests' slots, one cache line for every CPU.
#[cfg(test)]
pub struct AtomicSlots([AtomicU64; NR_COUNTS]);

#[cfg(test)]
impl AtomicSlots {
    /// All at zero.
    pub const fn new() -> Self {
        #[allow(clippy::declare_interior_mutable_const)]
        const ZERO: AtomicU64 = AtomicU64::new(0);
        AtomicSlots([ZERO; NR_COUNTS])
    }
}

#[cfg(test)]
impl Slots for AtomicSlots {
    fn inc(&self, c: Count) {
        if let Some(a) = self.0.get(c as usize) {
            a.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn sum(&self, c: Count) -> u64 {
        self.0
            .get(c as usize)
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }
}

/// The counters: their slots, and the sums at the last reset.
pub struct Stats<S: Slots> {
    slots: S,
    zero: [AtomicU64; NR_COUNTS],
}

impl<S: Slots> Stats<S> {
    /// Counters over `slots`, which start at zero.
    pub const fn new(slots: S) -> Self {
        // As in allow.rs: rustc 1.63 has no inline `const {}` blocks.
        #[allow(clippy::declare_interior_mutable_const)]
        const ZERO: AtomicU64 = AtomicU64::new(0);
        Stats {
            slots,
            zero: [ZERO; NR_COUNTS],
        }
    }

    /// Adds one to `c`.
    pub fn inc(&self, c: Count) {
        self.slots.inc(c);
    }

    /// `c` since the last reset.
    pub fn get(&self, c: Count) -> u64 {
        let zero = self
            .zero
            .get(c as usize)
            .map_or(0, |z| z.load(Ordering::Relaxed));
        self.slots.sum(c).wrapping_sub(zero)
    }

    /// Sets every counter to zero: increments before this call are gone,
    /// every later one counts; the slots themselves are never written.
    pub fn reset(&self) {
        for c in Count::ALL {
            if let Some(z) = self.zero.get(c as usize) {
                z.store(self.slots.sum(c), Ordering::Relaxed);
            }
        }
    }

    /// Writes `name value` lines, one per counter, in a fixed order.
    pub fn render(&self, out: &mut impl fmt::Write) -> fmt::Result {
        for c in Count::ALL {
            writeln!(out, "{} {}", c.name(), self.get(c))?;
        }
        Ok(())
    }
}

/// Is `input` a request to reset the counters? Only `0`, with an optional newline.
pub fn is_reset(input: &[u8]) -> bool {
    crate::policy::strip_newline(input) == b"0"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    #[test]
    fn render_is_one_name_value_pair_per_line() {
        let s = Stats::new(AtomicSlots::new());
        s.inc(Count::SlowExamined);
        s.inc(Count::SlowExamined);
        s.inc(Count::FastDiverted);
        s.inc(Count::would_refuse(Scope::LongTerm));
        s.inc(Count::would_refuse(Scope::LongTerm));
        let mut out = String::new();
        s.render(&mut out).unwrap();
        assert_eq!(
            out,
            "slow_examined 2\nslow_refused 0\nslow_would_refuse 0\nfast_examined 0\n\
             fast_diverted 1\nwould_refuse_longterm 2\nwould_refuse_pin 0\n\
             would_refuse_get 0\nexempt_fs 0\nexempt_uid 0\nexempt_cgroup 0\n"
        );
        s.reset();
        let mut out = String::new();
        s.render(&mut out).unwrap();
        assert!(out.lines().all(|l| l.ends_with(" 0")), "{out}");
    }

    #[test]
    fn names_are_in_debugfs_order_and_indices_match() {
        for (i, c) in Count::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c:?}");
        }
        let s = Stats::new(AtomicSlots::new());
        for c in Count::ALL {
            s.inc(c);
            assert_eq!(s.get(c), 1, "{c:?} counts in its own slot");
        }
    }

    /// Slots that already hold counts (other CPUs' increments before a reset).
    struct Preloaded(AtomicSlots);
    impl Slots for Preloaded {
        fn inc(&self, c: Count) {
            self.0.inc(c);
        }
        fn sum(&self, c: Count) -> u64 {
            self.0.sum(c)
        }
    }

    #[test]
    fn reset_is_exact_and_leaves_the_slots_alone() {
        let slots = Preloaded(AtomicSlots::new());
        for _ in 0..5 {
            slots.inc(Count::FastExamined);
        }
        let s = Stats::new(slots);
        assert_eq!(s.get(Count::FastExamined), 5);
        s.reset();
        assert_eq!(s.get(Count::FastExamined), 0);
        assert_eq!(
            s.slots.sum(Count::FastExamined),
            5,
            "slots are never written"
        );
        s.inc(Count::FastExamined);
        s.inc(Count::FastExamined);
        assert_eq!(
            s.get(Count::FastExamined),
            2,
            "every increment after the reset"
        );
        s.reset();
        s.reset();
        assert_eq!(s.get(Count::FastExamined), 0);
    }

    #[test]
    fn a_wrapped_slot_still_counts_from_the_reset() {
        let s = Stats::new(AtomicSlots::new());
        s.slots.0[Count::SlowRefused as usize].store(u64::MAX - 1, Ordering::Relaxed);
        s.reset();
        for _ in 0..4 {
            s.inc(Count::SlowRefused);
        }
        assert_eq!(s.get(Count::SlowRefused), 4);
    }

    #[test]
    fn only_zero_resets() {
        assert!(is_reset(b"0"));
        assert!(is_reset(b"0\n"));
        for bad in [&b""[..], b"00", b"1", b" 0", b"0 ", b"0\n\n", b"reset"] {
            assert!(!is_reset(bad), "{bad:?}");
        }
    }
}
