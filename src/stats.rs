// SPDX-License-Identifier: GPL-2.0

//! gupguard's counters: lock-free atomics bumped from the probes, shown and
//! reset through debugfs. No kernel dependencies, so the host tests the format.

use crate::policy::Scope;
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// One event counter. Relaxed atomics: the counters order nothing.
pub struct Counter(AtomicU64);

impl Counter {
    /// A counter at zero.
    pub const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }

    /// Adds one; wraps instead of panicking (it never gets there in practice).
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// Every counter, by path. Field names are the stable names in debugfs.
pub struct Stats {
    /// `check_vma_flags()` calls seen (every mode but `off`).
    pub slow_examined: Counter,
    /// Slow-path calls refused with `-EFAULT` (`enforce`).
    pub slow_refused: Counter,
    /// Slow-path calls `enforce` would have refused (`audit`).
    pub slow_would_refuse: Counter,
    /// `gup_fast()` calls seen (every mode but `off`).
    pub fast_examined: Counter,
    /// GUP-fast calls sent to the slow path because the policy covers them.
    pub fast_diverted: Counter,
    /// Audit mode: slow-path calls each scope would have refused, all at once.
    pub would_refuse_longterm: Counter,
    /// See `would_refuse_longterm`.
    pub would_refuse_pin: Counter,
    /// See `would_refuse_longterm`.
    pub would_refuse_get: Counter,
    /// Calls the policy matched but the file-system opt-out let through.
    pub exempt_fs: Counter,
    /// Calls the policy matched but the uid opt-out let through.
    pub exempt_uid: Counter,
    /// Calls the policy matched but the cgroup opt-out let through.
    pub exempt_cgroup: Counter,
}

impl Stats {
    /// All counters at zero.
    pub const fn new() -> Self {
        Stats {
            slow_examined: Counter::new(),
            slow_refused: Counter::new(),
            slow_would_refuse: Counter::new(),
            fast_examined: Counter::new(),
            fast_diverted: Counter::new(),
            would_refuse_longterm: Counter::new(),
            would_refuse_pin: Counter::new(),
            would_refuse_get: Counter::new(),
            exempt_fs: Counter::new(),
            exempt_uid: Counter::new(),
            exempt_cgroup: Counter::new(),
        }
    }

    /// The audit counter of `scope`.
    pub fn would_refuse(&self, scope: Scope) -> &Counter {
        match scope {
            Scope::LongTerm => &self.would_refuse_longterm,
            Scope::Pin => &self.would_refuse_pin,
            Scope::Get => &self.would_refuse_get,
        }
    }

    fn all(&self) -> [(&'static str, &Counter); 11] {
        [
            ("slow_examined", &self.slow_examined),
            ("slow_refused", &self.slow_refused),
            ("slow_would_refuse", &self.slow_would_refuse),
            ("fast_examined", &self.fast_examined),
            ("fast_diverted", &self.fast_diverted),
            ("would_refuse_longterm", &self.would_refuse_longterm),
            ("would_refuse_pin", &self.would_refuse_pin),
            ("would_refuse_get", &self.would_refuse_get),
            ("exempt_fs", &self.exempt_fs),
            ("exempt_uid", &self.exempt_uid),
            ("exempt_cgroup", &self.exempt_cgroup),
        ]
    }

    /// Sets every counter to zero.
    pub fn reset(&self) {
        for (_, c) in self.all() {
            c.reset();
        }
    }

    /// Writes `name value` lines, one per counter, in a fixed order, then
    /// the `extra` lines (probe misses, which the shim owns).
    pub fn render(&self, out: &mut impl fmt::Write, extra: &[(&str, u64)]) -> fmt::Result {
        for (name, c) in self.all() {
            writeln!(out, "{name} {}", c.get())?;
        }
        for (name, v) in extra {
            writeln!(out, "{name} {v}")?;
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
        let s = Stats::new();
        s.slow_examined.inc();
        s.slow_examined.inc();
        s.fast_diverted.inc();
        s.would_refuse(Scope::LongTerm).inc();
        s.would_refuse(Scope::LongTerm).inc();
        let mut out = String::new();
        s.render(&mut out, &[("slow_probe_missed", 7)]).unwrap();
        assert_eq!(
            out,
            "slow_examined 2\nslow_refused 0\nslow_would_refuse 0\nfast_examined 0\n\
             fast_diverted 1\nwould_refuse_longterm 2\nwould_refuse_pin 0\n\
             would_refuse_get 0\nexempt_fs 0\nexempt_uid 0\nexempt_cgroup 0\n\
             slow_probe_missed 7\n"
        );
        s.reset();
        let mut out = String::new();
        s.render(&mut out, &[]).unwrap();
        assert!(out.lines().all(|l| l.ends_with(" 0")), "{out}");
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
