// SPDX-License-Identifier: GPL-2.0

//! Opt-outs in the spirit of v1's `FOLL_ALLOW_BROKEN_FILE_MAPPING`, keyed only
//! on what a task cannot choose for itself: the file-system type of the
//! mapping, the task's real uid, and its cgroup-v2 cgroup (or an ancestor).
//! A task name is not among them: any user can give a program any name.
//!
//! Each list is a small set of two-word keys. A debugfs write replaces a set
//! whole; the hooks read it without locks, seqcount style, so they never
//! sleep or spin on a writer. The text a set was written with is kept beside
//! the keys, in the same seqcount, for reading back.

use core::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Longest file-system type name: `sizeof(gg_slow_details.fstype) - 1`.
pub const NAME_MAX: usize = 15;
/// Most entries in one set.
pub const CAPACITY: usize = 8;
/// Room for a set's text: a write is at most 255 bytes, and its canonical
/// form (each word on a line of its own) is at most one byte longer.
pub const TEXT_MAX: usize = 256;

/// What a set holds per entry: a packed name, a uid, a cgroup's id and level.
pub type Key = [u64; 2];

fn pack(name: &[u8]) -> Option<Key> {
    if name.is_empty() || name.len() > NAME_MAX {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes.get_mut(..name.len())?.copy_from_slice(name);
    let (lo, hi) = bytes.split_at(8);
    Some([
        u64::from_le_bytes(lo.try_into().ok()?),
        u64::from_le_bytes(hi.try_into().ok()?),
    ])
}

/// Packs a NUL-terminated (or full) 16-byte name as the shim hands it over.
pub fn pack_c(name: &[u8; 16]) -> Key {
    let len = name
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(16)
        .min(NAME_MAX);
    pack(name.get(..len).unwrap_or_default()).unwrap_or([0, 0])
}

/// Why a write to a set was refused. Every error leaves the set as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetError {
    /// Bad syntax or too many entries (`-EINVAL`).
    Invalid,
    /// Another writer is replacing the set right now (`-EBUSY`).
    Busy,
    /// An entry names nothing that exists (the kernel's errno, e.g. `-ENOENT`).
    Lookup(i32),
}

/// What one kind of list accepts: a word's syntax, checked for every word
/// of a write first, then its key (which may ask the kernel, and sleep).
pub struct Kind {
    /// Is the word well-formed?
    pub syntax: fn(&[u8]) -> bool,
    /// The key of a well-formed word.
    pub key: fn(&[u8]) -> Result<Key, SetError>,
}

/// File-system type names: 1 to [`NAME_MAX`] bytes.
pub const FS: Kind = Kind {
    syntax: |w| pack(w).is_some(),
    key: |w| pack(w).ok_or(SetError::Invalid),
};

fn uid(word: &[u8]) -> Option<u64> {
    if word.is_empty() || word.len() > 10 || !word.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = word.iter().fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
    // u32::MAX is the kernel's invalid uid, which no task has.
    (v < u64::from(u32::MAX)).then_some(v)
}

/// Uids in decimal: digits only, at most `u32::MAX - 1`.
pub const UID: Kind = Kind {
    syntax: |w| uid(w).is_some(),
    key: |w| uid(w).map(|v| [v, 0]).ok_or(SetError::Invalid),
};

/// Is `word` shaped like a cgroup-v2 path (`/`, `/a/b`)? Whether it exists
/// is the kernel's to say (the module's cgroup [`Kind`]).
pub fn is_cgroup_path(word: &[u8]) -> bool {
    word.first() == Some(&b'/')
}

/// A set of up to [`CAPACITY`] keys and the text it was written with.
pub struct KeySet {
    seq: AtomicU32,
    writing: AtomicBool,
    len: AtomicU32,
    keys: [[AtomicU64; 2]; CAPACITY],
    text_len: AtomicU32,
    text: [AtomicU64; TEXT_MAX / 8],
}

// Array repeats of atomics go through constants: rustc 1.63 (Linux 6.1)
// has no inline `const {}` blocks.
#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const ZERO_KEY: [AtomicU64; 2] = [ZERO, ZERO];

impl KeySet {
    /// An empty set.
    pub const fn new() -> Self {
        KeySet {
            seq: AtomicU32::new(0),
            writing: AtomicBool::new(false),
            len: AtomicU32::new(0),
            keys: [ZERO_KEY; CAPACITY],
            text_len: AtomicU32::new(0),
            text: [ZERO; TEXT_MAX / 8],
        }
    }

    /// Parses a whitespace-separated list of up to [`CAPACITY`] words of
    /// printable ASCII, of the syntax of `kind`, and looks up their keys.
    /// Nothing (or a newline) is the empty list. Returns the keys, their
    /// number and the canonical text (one word per line).
    pub fn parse(
        input: &[u8],
        kind: &Kind,
    ) -> Result<([Key; CAPACITY], usize, [u8; TEXT_MAX], usize), SetError> {
        let words = || {
            input
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
        };
        // Syntax first, for every word: a lookup (which may sleep) only for
        // lists that are well-formed as a whole.
        if words().count() > CAPACITY
            || !words().all(|w| w.iter().all(|b| b.is_ascii_graphic()) && (kind.syntax)(w))
        {
            return Err(SetError::Invalid);
        }
        let mut keys = [[0u64; 2]; CAPACITY];
        let mut text = [0u8; TEXT_MAX];
        let (mut n, mut t) = (0, 0);
        for word in words() {
            *keys.get_mut(n).ok_or(SetError::Invalid)? = (kind.key)(word)?;
            n += 1;
            let line = text
                .get_mut(t..t + word.len() + 1)
                .ok_or(SetError::Invalid)?;
            let (w, nl) = line.split_at_mut(word.len());
            w.copy_from_slice(word);
            nl.fill(b'\n');
            t += word.len() + 1;
        }
        Ok((keys, n, text, t))
    }

    /// Replaces the set with the words of `input` (see [`KeySet::parse`]).
    /// On error the set is unchanged.
    pub fn replace(&self, input: &[u8], kind: &Kind) -> Result<(), SetError> {
        let (keys, n, text, text_len) = Self::parse(input, kind)?;
        if self
            .writing
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(SetError::Busy);
        }
        // Odd while writing: readers retry or give up.
        self.seq.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::Release);
        for (slot, key) in self.keys.iter().zip(keys.iter()) {
            slot[0].store(key[0], Ordering::Relaxed);
            slot[1].store(key[1], Ordering::Relaxed);
        }
        self.len.store(n as u32, Ordering::Relaxed);
        for (slot, chunk) in self.text.iter().zip(text.chunks(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            slot.store(u64::from_le_bytes(w), Ordering::Relaxed);
        }
        self.text_len.store(text_len as u32, Ordering::Relaxed);
        self.seq.fetch_add(1, Ordering::Release);
        self.writing.store(false, Ordering::Release);
        Ok(())
    }

    /// Does `pred` hold for some key? Lock-free; if a writer keeps the set
    /// busy for several tries, the answer is no: an opt-out never applies by
    /// accident.
    pub fn any(&self, mut pred: impl FnMut(Key) -> bool) -> bool {
        for _ in 0..4 {
            let start = self.seq.load(Ordering::Acquire);
            if start & 1 != 0 {
                continue;
            }
            let len = self.len.load(Ordering::Relaxed) as usize;
            let found = self
                .keys
                .iter()
                .take(len)
                .any(|s| pred([s[0].load(Ordering::Relaxed), s[1].load(Ordering::Relaxed)]));
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == start {
                return found;
            }
        }
        false
    }

    /// Is `key` in the set? See [`KeySet::any`].
    pub fn contains(&self, key: Key) -> bool {
        self.any(|k| k == key)
    }

    /// Copies the set's text (one entry per line) into `out`; returns its
    /// length, or `Busy` if writers kept changing it.
    pub fn text(&self, out: &mut [u8; TEXT_MAX]) -> Result<usize, SetError> {
        for _ in 0..1000 {
            let start = self.seq.load(Ordering::Acquire);
            if start & 1 != 0 {
                core::hint::spin_loop();
                continue;
            }
            for (chunk, slot) in out.chunks_mut(8).zip(self.text.iter()) {
                chunk.copy_from_slice(&slot.load(Ordering::Relaxed).to_le_bytes());
            }
            let len = (self.text_len.load(Ordering::Relaxed) as usize).min(TEXT_MAX);
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == start {
                return Ok(len);
            }
        }
        Err(SetError::Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn c(name: &str) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b
    }

    fn text(s: &KeySet) -> Vec<u8> {
        let mut buf = [0u8; TEXT_MAX];
        let n = s.text(&mut buf).unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn replace_and_match() {
        let s = KeySet::new();
        assert!(!s.contains(pack_c(&c("xfs"))));
        s.replace(b"xfs\tbtrfs\n", &FS).unwrap();
        assert!(s.contains(pack_c(&c("xfs"))));
        assert!(s.contains(pack_c(&c("btrfs"))));
        assert!(!s.contains(pack_c(&c("xf"))));
        assert!(!s.contains(pack_c(&c("xfsx"))));
        assert_eq!(text(&s), b"xfs\nbtrfs\n");
        s.replace(b"\n", &FS).unwrap();
        assert!(!s.contains(pack_c(&c("xfs"))));
        assert!(text(&s).is_empty());
    }

    #[test]
    fn bad_input_changes_nothing() {
        let s = KeySet::new();
        s.replace(b"ext4", &FS).unwrap();
        let long = [b'a'; NAME_MAX + 1];
        let nine = b"a b c d e f g h i";
        for bad in [
            &long[..],
            nine,
            b"ext\x01",
            b"\xffxfs",
            b"ok \x7f",
            b"a\x0bb",
        ] {
            assert_eq!(s.replace(bad, &FS), Err(SetError::Invalid), "{bad:?}");
            assert_eq!(text(&s), b"ext4\n");
            assert!(s.contains(pack_c(&c("ext4"))));
        }
        let max = [b'a'; NAME_MAX];
        s.replace(&max, &FS).unwrap();
        assert!(s.contains(pack_c(&c(core::str::from_utf8(&max).unwrap()))));
        s.replace(b"a b c d e f g h", &FS).unwrap();
        assert_eq!(text(&s).iter().filter(|&&b| b == b'\n').count(), CAPACITY);
    }

    #[test]
    fn a_failed_lookup_changes_nothing_and_says_why() {
        let s = KeySet::new();
        let lookup = Kind {
            syntax: is_cgroup_path,
            key: |w| match w {
                b"/ok" | b"/ok/inner" => Ok([w.len() as u64, 1]),
                _ => Err(SetError::Lookup(-2)),
            },
        };
        s.replace(b"/ok", &lookup).unwrap();
        assert_eq!(
            s.replace(b"/ok /missing", &lookup),
            Err(SetError::Lookup(-2))
        );
        // Syntax is checked for the whole list before any lookup.
        assert_eq!(s.replace(b"/missing ok", &lookup), Err(SetError::Invalid));
        assert_eq!(text(&s), b"/ok\n");
        s.replace(b" /ok/inner  /ok ", &lookup).unwrap();
        assert_eq!(text(&s), b"/ok/inner\n/ok\n");
        assert!(s.any(|k| k == [9, 1]));
    }

    #[test]
    fn uids_are_plain_decimal() {
        assert_eq!((UID.key)(b"0"), Ok([0, 0]));
        assert_eq!((UID.key)(b"1000"), Ok([1000, 0]));
        assert_eq!((UID.key)(b"007"), Ok([7, 0]));
        assert_eq!((UID.key)(b"4294967294"), Ok([4294967294, 0]));
        let bad: [&[u8]; 8] = [
            b"",
            b"4294967295",
            b"9999999999",
            b"12345678901",
            b"-1",
            b"+1",
            b"1a",
            b"0x10",
        ];
        for bad in bad {
            assert!(!(UID.syntax)(bad), "{bad:?}");
            assert_eq!((UID.key)(bad), Err(SetError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn the_longest_write_fits() {
        // 255 bytes of one-byte words: 128 words, over capacity.
        let s = KeySet::new();
        let mut w = [b' '; 255];
        for i in (0..255).step_by(2) {
            w[i] = b'a';
        }
        assert_eq!(s.replace(&w, &FS), Err(SetError::Invalid));
        // 8 words filling 255 bytes: the canonical text still fits.
        let s = KeySet::new();
        let mut v = Vec::new();
        for i in 0..8 {
            if i > 0 {
                v.push(b' ');
            }
            v.extend_from_slice(if i < 7 { b"0000000001" } else { b"1" });
        }
        while v.len() < 255 {
            v.push(b'\n');
        }
        s.replace(&v, &UID).unwrap();
        assert_eq!(text(&s).len(), 7 * 11 + 2);
    }

    #[test]
    fn readers_never_see_a_torn_set() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        use std::time::{Duration, Instant};
        // 12-byte names fill both words; a torn read would mix them. The
        // writer flips between two sets until the reader has seen each one
        // many times, so the reads did race real replacements.
        let s = Arc::new(KeySet::new());
        let stop = Arc::new(AtomicBool::new(false));
        let w = {
            let (s, stop) = (s.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let set: &[u8] = if i & 1 == 0 {
                        b"aaaaaaaaXXXX"
                    } else {
                        b"ccccccccYYYY"
                    };
                    while s.replace(set, &FS) == Err(SetError::Busy) {}
                    i += 1;
                }
            })
        };
        let (mut seen_a, mut seen_c) = (0u32, 0u32);
        let deadline = Instant::now() + Duration::from_secs(20);
        while (seen_a < 100 || seen_c < 100) && Instant::now() < deadline {
            assert!(!s.contains(pack_c(&c("aaaaaaaaYYYY"))));
            assert!(!s.contains(pack_c(&c("ccccccccXXXX"))));
            seen_a += u32::from(s.contains(pack_c(&c("aaaaaaaaXXXX"))));
            seen_c += u32::from(s.contains(pack_c(&c("ccccccccYYYY"))));
            let mut buf = [0u8; TEXT_MAX];
            if let Ok(n) = s.text(&mut buf) {
                assert!(
                    matches!(&buf[..n], b"" | b"aaaaaaaaXXXX\n" | b"ccccccccYYYY\n"),
                    "{:?}",
                    &buf[..n]
                );
            }
        }
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
        assert!(seen_a >= 100 && seen_c >= 100, "saw {seen_a} and {seen_c}");
    }
}
