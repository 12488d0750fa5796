// SPDX-License-Identifier: GPL-2.0

//! Opt-outs in the spirit of v1's `FOLL_ALLOW_BROKEN_FILE_MAPPING`: small
//! sets of names (task names, file-system types) whose pins gupguard lets
//! through. A debugfs write replaces a set whole; the probes read it without
//! locks, seqcount style, so they never sleep or spin on a writer.

use core::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Longest name: `TASK_COMM_LEN - 1`, and long enough for fs type names.
pub const NAME_MAX: usize = 15;
/// Most names in one set.
pub const CAPACITY: usize = 8;

/// A name as two words, NUL-padded: compared without locks, copied atomically word by word.
type Packed = [u64; 2];

fn pack(name: &[u8]) -> Option<Packed> {
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
pub fn pack_c(name: &[u8; 16]) -> Packed {
    let len = name
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(16)
        .min(NAME_MAX);
    pack(name.get(..len).unwrap_or_default()).unwrap_or([0, 0])
}

/// Why a write to a set was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError {
    /// Bad names or too many of them (`-EINVAL`).
    Invalid,
    /// Another writer is replacing the set right now (`-EBUSY`).
    Busy,
}

/// A set of up to [`CAPACITY`] names.
pub struct NameSet {
    seq: AtomicU32,
    writing: AtomicBool,
    len: AtomicU32,
    names: [[AtomicU64; 2]; CAPACITY],
}

impl NameSet {
    /// An empty set.
    pub const fn new() -> Self {
        const ZERO: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
        NameSet {
            seq: AtomicU32::new(0),
            writing: AtomicBool::new(false),
            len: AtomicU32::new(0),
            names: [ZERO; CAPACITY],
        }
    }

    /// Parses a whitespace-separated list: up to [`CAPACITY`] names of 1 to
    /// [`NAME_MAX`] printable ASCII bytes. Nothing (or a newline) is the empty list.
    pub fn parse(input: &[u8]) -> Result<([Packed; CAPACITY], usize), SetError> {
        let mut out = [[0u64; 2]; CAPACITY];
        let mut n = 0;
        for word in input
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
        {
            if !word.iter().all(|b| b.is_ascii_graphic()) {
                return Err(SetError::Invalid);
            }
            let slot = out.get_mut(n).ok_or(SetError::Invalid)?;
            *slot = pack(word).ok_or(SetError::Invalid)?;
            n += 1;
        }
        Ok((out, n))
    }

    /// Replaces the set with the names in `input` (see [`NameSet::parse`]).
    /// On error the set is unchanged.
    pub fn replace(&self, input: &[u8]) -> Result<(), SetError> {
        let (names, n) = Self::parse(input)?;
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
        for (slot, name) in self.names.iter().zip(names.iter()) {
            slot[0].store(name[0], Ordering::Relaxed);
            slot[1].store(name[1], Ordering::Relaxed);
        }
        self.len.store(n as u32, Ordering::Relaxed);
        self.seq.fetch_add(1, Ordering::Release);
        self.writing.store(false, Ordering::Release);
        Ok(())
    }

    /// Is `name` in the set? Lock-free; if a writer keeps the set busy for
    /// several tries, the answer is no: an opt-out never applies by accident.
    pub fn contains(&self, name: Packed) -> bool {
        for _ in 0..4 {
            let start = self.seq.load(Ordering::Acquire);
            if start & 1 != 0 {
                continue;
            }
            let len = self.len.load(Ordering::Relaxed) as usize;
            let found = self.names.iter().take(len).any(|s| {
                s[0].load(Ordering::Relaxed) == name[0] && s[1].load(Ordering::Relaxed) == name[1]
            });
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == start {
                return found;
            }
        }
        false
    }

    /// Calls `f` with each name in the set, for debugfs reads.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        let len = (self.len.load(Ordering::Acquire) as usize).min(CAPACITY);
        for slot in self.names.iter().take(len) {
            let mut bytes = [0u8; 16];
            let (lo, hi) = bytes.split_at_mut(8);
            lo.copy_from_slice(&slot[0].load(Ordering::Relaxed).to_le_bytes());
            hi.copy_from_slice(&slot[1].load(Ordering::Relaxed).to_le_bytes());
            let n = bytes.iter().position(|&b| b == 0).unwrap_or(16);
            f(bytes.get(..n).unwrap_or_default());
        }
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

    fn names(s: &NameSet) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        s.for_each(|n| v.push(n.to_vec()));
        v
    }

    #[test]
    fn replace_and_match() {
        let s = NameSet::new();
        assert!(!s.contains(pack_c(&c("fio"))));
        s.replace(b"fio ib_write_bw\n").unwrap();
        assert!(s.contains(pack_c(&c("fio"))));
        assert!(s.contains(pack_c(&c("ib_write_bw"))));
        assert!(!s.contains(pack_c(&c("fi"))));
        assert!(!s.contains(pack_c(&c("fiox"))));
        assert_eq!(names(&s), [b"fio".to_vec(), b"ib_write_bw".to_vec()]);
        s.replace(b"\n").unwrap();
        assert!(!s.contains(pack_c(&c("fio"))));
        assert!(names(&s).is_empty());
    }

    #[test]
    fn bad_input_changes_nothing() {
        let s = NameSet::new();
        s.replace(b"ext4").unwrap();
        let long = [b'a'; NAME_MAX + 1];
        let nine = b"a b c d e f g h i";
        for bad in [&long[..], nine, b"ext\x01", b"\xffxfs", b"ok \x7f"] {
            assert_eq!(s.replace(bad), Err(SetError::Invalid), "{bad:?}");
            assert_eq!(names(&s), [b"ext4".to_vec()]);
        }
        let max = [b'a'; NAME_MAX];
        s.replace(&max).unwrap();
        assert!(s.contains(pack_c(&c(core::str::from_utf8(&max).unwrap()))));
        s.replace(b"a b c d e f g h").unwrap();
        assert_eq!(names(&s).len(), CAPACITY);
    }

    #[test]
    fn a_full_comm_matches_its_truncated_name() {
        // current->comm is at most 15 bytes and NUL-terminated.
        let s = NameSet::new();
        s.replace(b"abcdefghijklmno").unwrap();
        assert!(s.contains(pack_c(b"abcdefghijklmno\0")));
    }

    #[test]
    fn readers_never_see_a_torn_name() {
        use std::sync::Arc;
        // 12-byte names fill both words; a torn read would mix them.
        let s = Arc::new(NameSet::new());
        let w = {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..50000 {
                    let set: &[u8] = if i % 2 == 0 {
                        b"aaaaaaaaXXXX"
                    } else {
                        b"ccccccccYYYY"
                    };
                    while s.replace(set) == Err(SetError::Busy) {}
                }
            })
        };
        let mut seen = 0;
        while !w.is_finished() {
            assert!(!s.contains(pack_c(&c("aaaaaaaaYYYY"))));
            assert!(!s.contains(pack_c(&c("ccccccccXXXX"))));
            seen += usize::from(s.contains(pack_c(&c("aaaaaaaaXXXX"))));
        }
        w.join().unwrap();
        // The reader did see real sets, not just empty answers.
        assert!(seen > 0 || s.contains(pack_c(&c("ccccccccYYYY"))));
    }
}
