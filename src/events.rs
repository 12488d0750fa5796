// SPDX-License-Identifier: GPL-2.0

//! Attribution: a bounded log of the GUP calls some scope matched, and counts
//! of them per file-system type and per GUP caller.
//!
//! Both are written from the hooks, on any CPU at once, so neither takes a
//! lock nor allocates: the log is a ring of fixed slots, each guarded by its
//! own sequence number (the newest event overwrites the oldest, and the
//! overwritten ones are counted as dropped); the tables claim an entry per
//! name once and then only bump atomic counts. Kernel-independent, so the
//! host tests it.

use crate::policy::Scope;
use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

/// What happened to a call some scope matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Refused with `-EFAULT` (enforce, and the selected scope matched).
    Refused = 0,
    /// Audit mode: the selected scope matched, the call went on.
    WouldRefuse = 1,
    /// Only a wider scope than the selected one matched: allowed.
    Allowed = 2,
    /// Let through by the uid allow-list.
    ExemptUid = 3,
    /// Let through by the file-system allow-list.
    ExemptFs = 4,
    /// Let through by the cgroup allow-list.
    ExemptCgroup = 5,
}

impl Outcome {
    const ALL: [Outcome; 6] = [
        Outcome::Refused,
        Outcome::WouldRefuse,
        Outcome::Allowed,
        Outcome::ExemptUid,
        Outcome::ExemptFs,
        Outcome::ExemptCgroup,
    ];

    /// The name shown in the event log.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Refused => "refused",
            Outcome::WouldRefuse => "would_refuse",
            Outcome::Allowed => "allowed",
            Outcome::ExemptUid => "exempt_uid",
            Outcome::ExemptFs => "exempt_fs",
            Outcome::ExemptCgroup => "exempt_cgroup",
        }
    }

    /// Let through by an allow-list?
    pub const fn exempt(self) -> bool {
        matches!(
            self,
            Outcome::ExemptUid | Outcome::ExemptFs | Outcome::ExemptCgroup
        )
    }
}

/// One logged call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `ktime_get_mono_fast_ns()` at the call (CLOCK_MONOTONIC, NMI-safe).
    pub time_ns: u64,
    /// Thread id and name of the caller.
    pub pid: u32,
    /// `current->comm`, NUL-padded.
    pub comm: [u8; 16],
    /// File-system type of the mapped file, NUL-padded.
    pub fs: [u8; 16],
    /// `s_dev` of that file system (kernel encoding: major << 20 | minor).
    pub dev: u32,
    /// Inode number of the mapped file.
    pub ino: u64,
    /// Return address in the GUP caller (0: not found on the stack).
    pub caller: u64,
    /// Return address in the GUP entry point it called (0: not found).
    pub entry: u64,
    /// The call's `gup_flags`, as the kernel passed them.
    pub gup_flags: u64,
    /// The request bits (`GG_REQ_*`), for decoding.
    pub req: u32,
    /// Did the call come through GUP-fast (and fall back to the slow path)?
    pub fast: bool,
    /// The narrowest scope that matched (every wider one matched too).
    pub scope: u8,
    /// What happened, as [`Outcome`] `as u8`.
    pub outcome: u8,
}

impl Event {
    /// The narrowest matching scope.
    pub fn scope(&self) -> Scope {
        Scope::from_u32(self.scope.into()).unwrap_or(Scope::WIDEST)
    }

    /// What happened.
    pub fn outcome(&self) -> Outcome {
        Outcome::ALL
            .into_iter()
            .find(|o| *o as u8 == self.outcome)
            .unwrap_or(Outcome::Allowed)
    }
}

const WORDS: usize = 11;

fn name_words(name: &[u8; 16]) -> [u64; 2] {
    let (lo, hi) = name.split_at(8);
    [
        u64::from_le_bytes(lo.try_into().unwrap_or_default()),
        u64::from_le_bytes(hi.try_into().unwrap_or_default()),
    ]
}

fn words_name(w: [u64; 2]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let (lo, hi) = out.split_at_mut(8);
    lo.copy_from_slice(&w[0].to_le_bytes());
    hi.copy_from_slice(&w[1].to_le_bytes());
    out
}

impl Event {
    fn encode(&self) -> [u64; WORDS] {
        let [c0, c1] = name_words(&self.comm);
        let [f0, f1] = name_words(&self.fs);
        [
            self.time_ns,
            u64::from(self.pid) | u64::from(self.dev) << 32,
            self.ino,
            self.caller,
            self.entry,
            self.gup_flags,
            u64::from(self.req)
                | u64::from(self.fast) << 32
                | u64::from(self.scope) << 40
                | u64::from(self.outcome) << 48,
            c0,
            c1,
            f0,
            f1,
        ]
    }

    fn decode(w: &[u64; WORDS]) -> Self {
        Event {
            time_ns: w[0],
            pid: w[1] as u32,
            dev: (w[1] >> 32) as u32,
            ino: w[2],
            caller: w[3],
            entry: w[4],
            gup_flags: w[5],
            req: w[6] as u32,
            fast: (w[6] >> 32) & 1 != 0,
            scope: (w[6] >> 40) as u8,
            outcome: (w[6] >> 48) as u8,
            comm: words_name([w[7], w[8]]),
            fs: words_name([w[9], w[10]]),
        }
    }
}

struct Slot {
    /// `2 * index + 1` while event `index` is written, `2 * index + 2` after.
    seq: AtomicU64,
    words: [AtomicU64; WORDS],
}

// Array repeats of atomics go through constants: rustc 1.63 (Linux 6.1)
// has no inline `const {}` blocks.
#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);

impl Slot {
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Slot = Slot {
        seq: AtomicU64::new(0),
        words: [ZERO; WORDS],
    };
}

/// The last `N` events, lock-free. Memory is fixed: `N` slots of 96 bytes.
///
/// A writer claims its slot by moving the slot's sequence from even (free)
/// to odd; if the slot is still being written by a writer `N` events behind
/// (only possible with `N` writers in flight) or already taken by a newer
/// one, the event is given up and counted as lost, never torn. Readers skip
/// a slot that is not exactly the event they expect.
pub struct EventLog<const N: usize> {
    /// Index of the next event.
    head: AtomicU64,
    /// Events before this index were cleared.
    start: AtomicU64,
    /// Events given up because their slot was busy.
    lost: AtomicU64,
    slots: [Slot; N],
}

impl<const N: usize> EventLog<N> {
    /// An empty log.
    pub const fn new() -> Self {
        EventLog {
            head: AtomicU64::new(0),
            start: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            slots: [Slot::EMPTY; N],
        }
    }

    /// Appends `e`, overwriting the oldest event when full.
    pub fn push(&self, e: &Event) {
        let index = self.head.fetch_add(1, Ordering::Relaxed);
        let slot = match self.slots.get((index % N as u64) as usize) {
            Some(slot) => slot,
            None => return,
        };
        let mine = 2 * index + 1;
        let mut seq = slot.seq.load(Ordering::Relaxed);
        loop {
            if seq % 2 == 1 || seq > mine {
                self.lost.fetch_add(1, Ordering::Relaxed);
                return;
            }
            match slot
                .seq
                .compare_exchange_weak(seq, mine, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => seq = now,
            }
        }
        fence(Ordering::Release);
        for (w, v) in slot.words.iter().zip(e.encode()) {
            w.store(v, Ordering::Relaxed);
        }
        slot.seq.store(2 * index + 2, Ordering::Release);
    }

    /// Events logged since the last clear; how many of those the log no
    /// longer holds (the oldest, overwritten); how many were given up since
    /// the module was loaded (their slot was busy).
    pub fn totals(&self) -> (u64, u64, u64) {
        let logged = self.head.load(Ordering::Relaxed) - self.start.load(Ordering::Relaxed);
        (
            logged,
            logged.saturating_sub(N as u64),
            self.lost.load(Ordering::Relaxed),
        )
    }

    /// Calls `f(index, event)` for every event still held, oldest first.
    /// Returns how many slots were skipped because a writer was in them.
    pub fn for_each(&self, mut f: impl FnMut(u64, &Event)) -> u64 {
        let head = self.head.load(Ordering::Acquire);
        let first = self
            .start
            .load(Ordering::Relaxed)
            .max(head.saturating_sub(N as u64));
        let mut skipped = 0;
        for index in first..head {
            let slot = match self.slots.get((index % N as u64) as usize) {
                Some(slot) => slot,
                None => continue,
            };
            let seq = slot.seq.load(Ordering::Acquire);
            let mut w = [0u64; WORDS];
            for (v, a) in w.iter_mut().zip(&slot.words) {
                *v = a.load(Ordering::Relaxed);
            }
            fence(Ordering::Acquire);
            if seq != 2 * index + 2 || slot.seq.load(Ordering::Relaxed) != seq {
                skipped += 1;
                continue;
            }
            f(index, &Event::decode(&w));
        }
        skipped
    }

    /// Forgets every event logged so far.
    pub fn clear(&self) {
        self.start
            .store(self.head.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

/// Per-name counts, in the order of [`Tally::COLUMNS`].
pub const COUNTS: usize = 5;

/// What the aggregate tables count for each name.
pub struct Tally;

impl Tally {
    /// Column names of the aggregate files: calls each scope would refuse
    /// (allow-lists aside), calls refused, calls let through by an allow-list.
    pub const COLUMNS: [&'static str; COUNTS] = ["longterm", "pin", "get", "refused", "exempt"];

    /// The columns one event adds to.
    pub fn columns(e: &Event) -> [bool; COUNTS] {
        let o = e.outcome();
        let s = e.scope() as u8;
        [
            !o.exempt() && s <= Scope::LongTerm as u8,
            !o.exempt() && s <= Scope::Pin as u8,
            !o.exempt() && s <= Scope::Get as u8,
            o == Outcome::Refused,
            o.exempt(),
        ]
    }
}

const EMPTY: u32 = 0;
const CLAIMED: u32 = 1;
const READY: u32 = 2;

struct Entry<const KW: usize> {
    state: AtomicU32,
    key: [AtomicU64; KW],
    counts: [AtomicU64; COUNTS],
}

impl<const KW: usize> Entry<KW> {
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW: Self = Entry {
        state: AtomicU32::new(EMPTY),
        key: [ZERO; KW],
        counts: [ZERO; COUNTS],
    };

    fn bump(&self, cols: [bool; COUNTS]) {
        for (c, on) in self.counts.iter().zip(cols) {
            if on {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn key_is(&self, key: &[u64; KW]) -> bool {
        self.key
            .iter()
            .zip(key)
            .all(|(a, k)| a.load(Ordering::Relaxed) == *k)
    }
}

/// Counts per name (file-system type, caller function) for up to `N` names
/// of up to `8 * KW - 1` bytes; later names go to one "other" row.
///
/// An entry is claimed once, by compare-and-swap, and never freed (a reset
/// zeroes the counts). If two CPUs meet a new name at the same instant, it
/// can get two rows: readers add them up.
pub struct NameTable<const KW: usize, const N: usize> {
    entries: [Entry<KW>; N],
    other: Entry<KW>,
}

/// Packs `name` into `KW` little-endian words, NUL-padded (truncated to fit).
pub fn pack_name<const KW: usize>(name: &[u8]) -> [u64; KW] {
    let mut out = [0u64; KW];
    for (i, b) in name.iter().take(8 * KW - 1).enumerate() {
        if let Some(w) = out.get_mut(i / 8) {
            *w |= u64::from(*b) << (8 * (i % 8));
        }
    }
    out
}

/// The bytes of a packed name, up to its first NUL.
pub fn unpack_name<const KW: usize>(words: &[u64; KW], out: &mut [u8]) -> usize {
    let mut n = 0;
    for w in words {
        for b in w.to_le_bytes() {
            if b == 0 {
                return n;
            }
            if let Some(o) = out.get_mut(n) {
                *o = b;
                n += 1;
            }
        }
    }
    n
}

impl<const KW: usize, const N: usize> NameTable<KW, N> {
    /// An empty table.
    pub const fn new() -> Self {
        NameTable {
            entries: [Entry::NEW; N],
            other: Entry::NEW,
        }
    }

    /// Adds the columns of one event to `name`'s row.
    pub fn add(&self, name: &[u8], cols: [bool; COUNTS]) {
        let key = pack_name::<KW>(name);
        for e in &self.entries {
            match e.state.load(Ordering::Acquire) {
                READY if e.key_is(&key) => return e.bump(cols),
                READY | CLAIMED => continue,
                _ => {}
            }
            if e.state
                .compare_exchange(EMPTY, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                // Another CPU claimed it first; its name may be ours.
                if e.state.load(Ordering::Acquire) == READY && e.key_is(&key) {
                    return e.bump(cols);
                }
                continue;
            }
            for (a, k) in e.key.iter().zip(key) {
                a.store(k, Ordering::Relaxed);
            }
            e.bump(cols);
            e.state.store(READY, Ordering::Release);
            return;
        }
        self.other.bump(cols);
    }

    /// Calls `f(name, counts)` for every row with a non-zero count, then for
    /// the "other" row (`name` empty) if it has one.
    pub fn for_each(&self, mut f: impl FnMut(&[u64; KW], [u64; COUNTS])) {
        let counts = |e: &Entry<KW>| {
            let mut c = [0u64; COUNTS];
            for (v, a) in c.iter_mut().zip(&e.counts) {
                *v = a.load(Ordering::Relaxed);
            }
            c
        };
        for e in &self.entries {
            if e.state.load(Ordering::Acquire) != READY {
                continue;
            }
            let mut key = [0u64; KW];
            for (k, a) in key.iter_mut().zip(&e.key) {
                *k = a.load(Ordering::Relaxed);
            }
            let c = counts(e);
            if c.iter().any(|v| *v != 0) {
                f(&key, c);
            }
        }
        let c = counts(&self.other);
        if c.iter().any(|v| *v != 0) {
            f(&[0; KW], c);
        }
    }

    /// Zeroes every count; names stay claimed.
    pub fn reset(&self) {
        for e in self.entries.iter().chain(core::iter::once(&self.other)) {
            for c in &e.counts {
                c.store(0, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn ev(i: u64) -> Event {
        Event {
            time_ns: i,
            pid: i as u32,
            comm: *b"gup_callers\0\0\0\0\0",
            fs: *b"ext4\0\0\0\0\0\0\0\0\0\0\0\0",
            dev: 0x0fe0_0001,
            ino: 12 + i,
            caller: 0xffff_ffff_8100_0000 + i,
            entry: 0xffff_ffff_8200_0000,
            gup_flags: 0x80101,
            req: 0b1101,
            fast: i % 2 == 1,
            scope: (i % 3) as u8,
            outcome: (i % 5) as u8,
        }
    }

    #[test]
    fn events_round_trip() {
        for i in 0..10 {
            let e = ev(i);
            assert_eq!(Event::decode(&e.encode()), e);
        }
    }

    #[test]
    fn log_keeps_the_newest_and_counts_drops() {
        let log = EventLog::<4>::new();
        let seen = |log: &EventLog<4>| {
            let mut v = Vec::new();
            assert_eq!(log.for_each(|i, e| v.push((i, e.time_ns))), 0);
            v
        };
        assert!(seen(&log).is_empty());
        assert_eq!(log.totals(), (0, 0, 0));
        for i in 0..3 {
            log.push(&ev(i));
        }
        assert_eq!(seen(&log), [(0, 0), (1, 1), (2, 2)]);
        for i in 3..10 {
            log.push(&ev(i));
        }
        assert_eq!(seen(&log), [(6, 6), (7, 7), (8, 8), (9, 9)]);
        assert_eq!(log.totals(), (10, 6, 0));
        log.clear();
        assert!(seen(&log).is_empty());
        assert_eq!(log.totals(), (0, 0, 0));
        log.push(&ev(10));
        assert_eq!(seen(&log), [(10, 10)]);
    }

    #[test]
    fn a_slot_being_written_is_skipped() {
        let log = EventLog::<4>::new();
        log.push(&ev(0));
        log.push(&ev(1));
        // A writer of event 1 that has not finished: sequence 2 * 1 + 1.
        log.slots[1].seq.store(3, Ordering::Relaxed);
        let mut v = Vec::new();
        assert_eq!(log.for_each(|i, _| v.push(i)), 1);
        assert_eq!(v, [0]);
    }

    #[test]
    fn concurrent_writers_never_show_a_torn_event() {
        let log = EventLog::<8>::new();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let log = &log;
                s.spawn(move || {
                    for i in 0..20_000u64 {
                        let mut e = ev(0);
                        // Every word derived from one value: a torn read shows.
                        let v = t << 32 | i;
                        e.time_ns = v;
                        e.ino = v;
                        e.caller = v;
                        e.entry = v;
                        e.gup_flags = v;
                        log.push(&e);
                    }
                });
            }
            for _ in 0..2000 {
                log.for_each(|_, e| {
                    assert!(
                        [e.ino, e.caller, e.entry, e.gup_flags]
                            .iter()
                            .all(|w| *w == e.time_ns),
                        "torn: {e:?}"
                    );
                });
            }
        });
        assert_eq!(log.totals().0, 80_000);
    }

    #[test]
    fn tally_columns_follow_the_scope_order() {
        let mut e = ev(0);
        e.scope = Scope::LongTerm as u8;
        e.outcome = Outcome::Refused as u8;
        assert_eq!(Tally::columns(&e), [true, true, true, true, false]);
        e.scope = Scope::Pin as u8;
        e.outcome = Outcome::Allowed as u8;
        assert_eq!(Tally::columns(&e), [false, true, true, false, false]);
        e.scope = Scope::Get as u8;
        e.outcome = Outcome::WouldRefuse as u8;
        assert_eq!(Tally::columns(&e), [false, false, true, false, false]);
        e.outcome = Outcome::ExemptFs as u8;
        assert_eq!(Tally::columns(&e), [false, false, false, false, true]);
    }

    fn rows<const KW: usize, const N: usize>(t: &NameTable<KW, N>) -> Vec<(Vec<u8>, [u64; 5])> {
        let mut v = Vec::new();
        t.for_each(|k, c| {
            let mut buf = [0u8; 64];
            let n = unpack_name(k, &mut buf);
            v.push((buf[..n].to_vec(), c));
        });
        v
    }

    #[test]
    fn table_counts_per_name_and_overflows_into_other() {
        let t = NameTable::<2, 2>::new();
        let lt = [true, true, true, true, false];
        t.add(b"ext4", lt);
        t.add(b"xfs", [false, true, true, false, false]);
        t.add(b"ext4", lt);
        t.add(b"btrfs", [false, false, false, false, true]);
        assert_eq!(
            rows(&t),
            [
                (b"ext4".to_vec(), [2, 2, 2, 2, 0]),
                (b"xfs".to_vec(), [0, 1, 1, 0, 0]),
                (Vec::new(), [0, 0, 0, 0, 1]),
            ]
        );
        t.reset();
        assert!(rows(&t).is_empty());
        t.add(b"xfs", lt);
        assert_eq!(rows(&t), [(b"xfs".to_vec(), [1, 1, 1, 1, 0])]);
    }

    #[test]
    fn long_names_are_truncated_not_rejected() {
        let t = NameTable::<2, 4>::new();
        t.add(b"a_very_long_function_name", [true; 5]);
        assert_eq!(rows(&t)[0].0, b"a_very_long_fun".to_vec());
    }

    #[test]
    fn concurrent_adds_lose_nothing() {
        let t = NameTable::<6, 8>::new();
        let names: [&[u8]; 3] = [b"io_sqe_buffer_register", b"iov_iter_extract_pages", b"x"];
        std::thread::scope(|s| {
            for _ in 0..4 {
                let t = &t;
                s.spawn(move || {
                    for i in 0..30_000 {
                        t.add(names[i % 3], [true, false, false, false, false]);
                    }
                });
            }
        });
        let mut total = [0u64; 3];
        for (name, c) in rows(&t) {
            let i = names.iter().position(|n| *n == &name[..]).unwrap();
            total[i] += c[0];
        }
        assert_eq!(total, [40_000; 3]);
    }
}
