// SPDX-License-Identifier: GPL-2.0

//! The GUP policy: pure functions of a request and facts about its VMA.
//!
//! Nothing here touches the kernel, so the host's `cargo test` checks the rule
//! as a truth table in milliseconds; the module compiles the same file.

/// What a GUP request asks for (decoded from `gup_flags` by the shim).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `FOLL_WRITE`.
    pub write: bool,
    /// `FOLL_GET`: a plain reference (`get_user_pages*()`).
    pub get: bool,
    /// `FOLL_PIN`: a pin (`pin_user_pages*()`).
    pub pin: bool,
    /// `FOLL_LONGTERM`: the pin may be held indefinitely (RDMA, io_uring, vfio).
    pub longterm: bool,
}

/// Facts about the VMA that `vma_needs_dirty_tracking()` (6.12 mm/mmap.c) reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vma {
    /// `VM_SHARED`.
    pub shared: bool,
    /// `VM_WRITE`.
    pub writable: bool,
    /// `vma_is_anonymous()`: no `vm_ops` at all.
    pub anonymous: bool,
    /// `VM_PFNMAP`: no struct pages, nothing to write back.
    pub pfnmap: bool,
    /// `vm_ops` has `page_mkwrite` or `pfn_mkwrite`: the file system wants write notification.
    pub writenotify_ops: bool,
    /// `vm_file->f_mapping` exists and `mapping_can_writeback()` says yes.
    pub can_writeback: bool,
}

/// A request's bits, as the shim reports them (`GG_REQ_*`) and the host's
/// tables number their rows.
pub const REQ_WRITE: u32 = 1 << 0;
/// See [`REQ_WRITE`].
pub const REQ_GET: u32 = 1 << 1;
/// See [`REQ_WRITE`].
pub const REQ_PIN: u32 = 1 << 2;
/// See [`REQ_WRITE`].
pub const REQ_LONGTERM: u32 = 1 << 3;
/// Every bit a [`Request`] reads.
pub const REQ_ALL: u32 = REQ_WRITE | REQ_GET | REQ_PIN | REQ_LONGTERM;

impl Request {
    /// The request of `bits` (`REQ_*`; other bits are ignored).
    pub const fn from_bits(bits: u32) -> Request {
        Request {
            write: bits & REQ_WRITE != 0,
            get: bits & REQ_GET != 0,
            pin: bits & REQ_PIN != 0,
            longterm: bits & REQ_LONGTERM != 0,
        }
    }
}

/// A VMA's facts as bits, as the shim reports them (`GG_VMA_*`) and the
/// host's tables number their rows.
pub const VMA_SHARED: u32 = 1 << 0;
/// See [`VMA_SHARED`].
pub const VMA_WRITE: u32 = 1 << 1;
/// See [`VMA_SHARED`].
pub const VMA_ANON: u32 = 1 << 2;
/// See [`VMA_SHARED`].
pub const VMA_PFNMAP: u32 = 1 << 3;
/// See [`VMA_SHARED`].
pub const VMA_WRITENOTIFY_OPS: u32 = 1 << 4;
/// See [`VMA_SHARED`].
pub const VMA_CAN_WRITEBACK: u32 = 1 << 5;
/// Every bit a [`Vma`] reads.
pub const VMA_ALL: u32 =
    VMA_SHARED | VMA_WRITE | VMA_ANON | VMA_PFNMAP | VMA_WRITENOTIFY_OPS | VMA_CAN_WRITEBACK;

impl Vma {
    /// The facts of `bits` (`VMA_*`).
    pub const fn from_bits(bits: u32) -> Vma {
        Vma {
            shared: bits & VMA_SHARED != 0,
            writable: bits & VMA_WRITE != 0,
            anonymous: bits & VMA_ANON != 0,
            pfnmap: bits & VMA_PFNMAP != 0,
            writenotify_ops: bits & VMA_WRITENOTIFY_OPS != 0,
            can_writeback: bits & VMA_CAN_WRITEBACK != 0,
        }
    }

    /// `vma_needs_dirty_tracking()`: shared and writable, and the file system
    /// needs write notification or can write back.
    pub const fn needs_dirty_tracking(&self) -> bool {
        if !(self.shared && self.writable) {
            return false;
        }
        if self.writenotify_ops {
            return true;
        }
        !self.pfnmap && self.can_writeback
    }
}

/// What the module does when the policy matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Mode {
    /// Refuse with `-EFAULT`, as 6.5+ does.
    Enforce = 0,
    /// Count and log what would be refused; refuse nothing.
    Audit = 1,
    /// Look at nothing.
    Off = 2,
}

impl Mode {
    /// Every mode, in the order the documentation lists them.
    pub const ALL: [Mode; 3] = [Mode::Enforce, Mode::Audit, Mode::Off];

    /// The name used in debugfs and the module parameter.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
            Mode::Off => "off",
        }
    }

    /// The mode stored as `v`, if `v` is one.
    pub const fn from_u32(v: u32) -> Option<Mode> {
        match v {
            0 => Some(Mode::Enforce),
            1 => Some(Mode::Audit),
            2 => Some(Mode::Off),
            _ => None,
        }
    }

    /// Parses a mode name as written to debugfs or sysfs: the exact name,
    /// optionally followed by one newline. Anything else is `None`.
    pub fn parse(input: &[u8]) -> Option<Mode> {
        let word = strip_newline(input);
        Mode::ALL.into_iter().find(|m| m.name().as_bytes() == word)
    }
}

/// `input` without one trailing newline, as `echo` writes it.
pub fn strip_newline(input: &[u8]) -> &[u8] {
    match input.split_last() {
        Some((b'\n', rest)) => rest,
        _ => input,
    }
}

/// Which requests a policy covers: the open question of the upstream debate.
/// Each scope covers everything the one before it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Scope {
    /// Upstream's rule since 6.5: long-term pins (`FOLL_PIN | FOLL_LONGTERM`).
    LongTerm = 0,
    /// Every pin, long-term or not: direct I/O, `process_vm_writev()`, …
    Pin = 1,
    /// Pins and plain references (`FOLL_GET`): every GUP write.
    Get = 2,
}

impl Scope {
    /// Every scope, narrowest first.
    pub const ALL: [Scope; 3] = [Scope::LongTerm, Scope::Pin, Scope::Get];

    /// The widest scope: what audit mode must see to count for all of them.
    pub const WIDEST: Scope = Scope::Get;

    /// The name used in debugfs, the module parameter and the counters.
    pub const fn name(self) -> &'static str {
        match self {
            Scope::LongTerm => "longterm",
            Scope::Pin => "pin",
            Scope::Get => "get",
        }
    }

    /// The scope stored as `v`, if `v` is one.
    pub const fn from_u32(v: u32) -> Option<Scope> {
        match v {
            0 => Some(Scope::LongTerm),
            1 => Some(Scope::Pin),
            2 => Some(Scope::Get),
            _ => None,
        }
    }

    /// Parses a scope name, like [`Mode::parse`].
    pub fn parse(input: &[u8]) -> Option<Scope> {
        let word = strip_newline(input);
        Scope::ALL.into_iter().find(|s| s.name().as_bytes() == word)
    }

    /// Does this scope cover the request at all (before looking at the VMA)?
    /// Only writes matter: a read cannot dirty a page behind the fs's back.
    pub const fn covers(self, req: Request) -> bool {
        req.write
            && match self {
                Scope::LongTerm => req.pin && req.longterm,
                Scope::Pin => req.pin,
                Scope::Get => req.pin || req.get,
            }
    }

    /// Would this scope refuse `req` on `vma`? Upstream's `check_vma_flags()`
    /// only asks `writable_file_mapping_allowed()` for non-anonymous VMAs.
    pub const fn matches(self, req: Request, vma: Vma) -> bool {
        self.covers(req) && !vma.anonymous && vma.needs_dirty_tracking()
    }
}

/// The slow path's verdict on one `check_vma_flags()` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Let the kernel carry on with its own checks.
    Allow,
    /// Return `-EFAULT` before the kernel looks.
    Refuse,
    /// Audit mode: allowed, but enforce would have refused it.
    WouldRefuse,
}

/// Decides one slow-path call.
pub const fn decide(mode: Mode, scope: Scope, req: Request, vma: Vma) -> Verdict {
    match mode {
        Mode::Off => Verdict::Allow,
        _ if !scope.matches(req, vma) => Verdict::Allow,
        Mode::Enforce => Verdict::Refuse,
        Mode::Audit => Verdict::WouldRefuse,
    }
}

/// Must GUP-fast's pins for this request be looked at? GUP-fast cannot see
/// the VMA, so the folios of every request the scope covers are checked
/// ([`fast_folio_needs_slow_path`]). Audit mode counts for every scope at
/// once, so it checks what the widest scope covers.
pub const fn fast_covered(mode: Mode, scope: Scope, req: Request) -> bool {
    match mode {
        Mode::Off => false,
        Mode::Enforce => scope.covers(req),
        Mode::Audit => Scope::WIDEST.covers(req),
    }
}

/// The `REQ_*` bits every request [`fast_covered`] in `mode` and `scope` has:
/// the trampoline sends a GUP-fast call that lacks one of them straight on,
/// before any policy code runs. All bits where nothing is covered (`off`).
pub const fn fast_need(mode: Mode, scope: Scope) -> u32 {
    let mut need = u32::MAX;
    let mut bits = 0;
    while bits <= REQ_ALL {
        if fast_covered(mode, scope, Request::from_bits(bits)) {
            need &= bits;
        }
        bits += 1;
    }
    need
}

/// The `REQ_*` bits every slow-path request some scope covers has: the
/// trampoline sends a `check_vma_flags()` call that lacks one of them
/// straight on (counted), before any policy code runs.
pub const fn slow_need() -> u32 {
    // Audit covers what the widest scope does: every request some scope covers.
    fast_need(Mode::Audit, Scope::WIDEST)
}

/// The `VMA_*` bits every VMA some scope would refuse a request on has: the
/// shim sends on a covered call on a VMA without one of them (anonymous
/// private memory, say) before it asks for a decision.
pub const fn slow_vma_need() -> u32 {
    let mut need = u32::MAX;
    let mut vma = 0;
    while vma <= VMA_ALL {
        let mut req = 0;
        while req <= REQ_ALL {
            if Scope::WIDEST.matches(Request::from_bits(req), Vma::from_bits(vma)) {
                need &= vma;
            }
            req += 1;
        }
        vma += 1;
    }
    need
}

/// What GUP-fast's check knows of one folio it pinned for a covered request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Folio {
    /// Anonymous memory (KSM included).
    pub anon: bool,
    /// A shmem (tmpfs, memfd, shared anonymous) folio.
    pub shmem: bool,
    /// A hugetlb folio.
    pub hugetlb: bool,
}

/// A folio kind's bits, as the shim reports them (`GG_FOLIO_*`).
pub const FOLIO_ANON: u32 = 1 << 0;
/// See [`FOLIO_ANON`].
pub const FOLIO_SHMEM: u32 = 1 << 1;
/// See [`FOLIO_ANON`].
pub const FOLIO_HUGETLB: u32 = 1 << 2;
/// A [`fast_keep_mask`] that keeps every kind: nothing to check.
pub const FOLIO_KEEP_ALL: u32 = 0xff;

impl Folio {
    /// The folio kind of `bits` (`FOLIO_*`).
    pub const fn from_bits(bits: u32) -> Folio {
        Folio {
            anon: bits & FOLIO_ANON != 0,
            shmem: bits & FOLIO_SHMEM != 0,
            hugetlb: bits & FOLIO_HUGETLB != 0,
        }
    }
}

/// For a covered GUP-fast request, the kinds of folio it keeps, as a mask
/// the shim applies per folio without calling back: bit `b` is set if a
/// folio whose bits are `b` stays on GUP-fast.
pub const fn fast_keep_mask() -> u32 {
    let mut keep = 0;
    let mut bits = 0;
    while bits < 8 {
        if !fast_folio_needs_slow_path(Folio::from_bits(bits)) {
            keep |= 1 << bits;
        }
        bits += 1;
    }
    keep
}

/// Must the slow path, which sees the VMA, judge this folio? What upstream's
/// `gup_fast_folio_allowed()` sends there: a folio of a file that is neither
/// shmem nor hugetlb, which might need dirty tracking, and one whose mapping
/// is gone (truncated), which only the slow path can judge.
pub const fn fast_folio_needs_slow_path(f: Folio) -> bool {
    !(f.anon || f.shmem || f.hugetlb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_vma_need_is_what_every_matched_vma_has() {
        let need = slow_vma_need();
        for vma in 0..=VMA_ALL {
            for req in 0..=REQ_ALL {
                for scope in Scope::ALL {
                    if scope.matches(Request::from_bits(req), Vma::from_bits(vma)) {
                        assert_eq!(vma & need, need, "{scope:?} {req:#x} {vma:#x}");
                    }
                }
            }
        }
        assert_eq!(need, VMA_SHARED | VMA_WRITE);
    }

    #[test]
    fn slow_need_is_what_every_covered_request_has() {
        let need = slow_need();
        for bits in 0..=REQ_ALL {
            let req = Request::from_bits(bits);
            for scope in Scope::ALL {
                if scope.covers(req) {
                    assert_eq!(bits & need, need, "{scope:?} {bits:#x}");
                }
            }
        }
        assert_eq!(need, REQ_WRITE);
    }

    #[test]
    fn fast_need_is_what_every_covered_request_has() {
        for mode in Mode::ALL {
            for scope in Scope::ALL {
                let need = fast_need(mode, scope);
                let mut covered = 0;
                for bits in 0..=REQ_ALL {
                    if fast_covered(mode, scope, Request::from_bits(bits)) {
                        assert_eq!(bits & need, need, "{mode:?} {scope:?} {bits:#x}");
                        covered += 1;
                    }
                }
                // Nothing covered in off; otherwise every write a scope covers is.
                assert_eq!(covered == 0, mode == Mode::Off);
                if mode != Mode::Off {
                    assert_ne!(need & REQ_WRITE, 0);
                }
            }
        }
        assert_eq!(
            fast_need(Mode::Enforce, Scope::LongTerm),
            REQ_WRITE | REQ_PIN | REQ_LONGTERM
        );
        assert_eq!(fast_need(Mode::Enforce, Scope::Pin), REQ_WRITE | REQ_PIN);
        assert_eq!(fast_need(Mode::Enforce, Scope::Get), REQ_WRITE);
        assert_eq!(fast_need(Mode::Audit, Scope::LongTerm), REQ_WRITE);
        assert_eq!(fast_need(Mode::Off, Scope::Get), u32::MAX);
    }

    fn requests() -> impl Iterator<Item = Request> {
        (0..16u32).map(Request::from_bits)
    }

    fn vmas() -> impl Iterator<Item = Vma> {
        (0..64u32).map(Vma::from_bits)
    }

    /// Each bit sets its own field and no other: the enumerations above
    /// cover every combination, and the shim's bits mean what they say.
    #[test]
    fn from_bits_one_field_per_bit() {
        let req = |r: Request| [r.write, r.get, r.pin, r.longterm];
        for (i, bit) in [REQ_WRITE, REQ_GET, REQ_PIN, REQ_LONGTERM]
            .into_iter()
            .enumerate()
        {
            let fields = req(Request::from_bits(bit));
            assert_eq!(fields.iter().filter(|&&f| f).count(), 1);
            assert!(fields[i]);
        }
        assert_eq!(Request::from_bits(0), Request::default());
        let vma = |v: Vma| {
            [
                v.shared,
                v.writable,
                v.anonymous,
                v.pfnmap,
                v.writenotify_ops,
                v.can_writeback,
            ]
        };
        let bits = [
            VMA_SHARED,
            VMA_WRITE,
            VMA_ANON,
            VMA_PFNMAP,
            VMA_WRITENOTIFY_OPS,
            VMA_CAN_WRITEBACK,
        ];
        for (i, bit) in bits.into_iter().enumerate() {
            let fields = vma(Vma::from_bits(bit));
            assert_eq!(fields.iter().filter(|&&f| f).count(), 1);
            assert!(fields[i]);
        }
        assert_eq!(Vma::from_bits(0), Vma::default());
    }

    /// 6.12 mm/gup.c and mm/mmap.c transliterated, as the independent oracle.
    fn upstream_refuses(r: Request, v: Vma) -> bool {
        let vma_is_shared_writable = v.shared && v.writable;
        let vm_ops_needs_writenotify = v.writenotify_ops;
        let vma_fs_can_writeback = if v.pfnmap { false } else { v.can_writeback };
        let vma_needs_dirty_tracking = if !vma_is_shared_writable {
            false
        } else if vm_ops_needs_writenotify {
            true
        } else {
            vma_fs_can_writeback
        };
        let writable_file_mapping_allowed = if !(r.pin && r.longterm) {
            true
        } else {
            !vma_needs_dirty_tracking
        };
        r.write && !v.anonymous && !writable_file_mapping_allowed
    }

    #[test]
    fn enforce_matches_upstream_over_the_whole_table() {
        let mut refused = 0;
        for r in requests() {
            for v in vmas() {
                let want = upstream_refuses(r, v);
                let got = decide(Mode::Enforce, Scope::LongTerm, r, v);
                assert_eq!(got == Verdict::Refuse, want, "{r:?} {v:?}");
                assert!(matches!(got, Verdict::Allow | Verdict::Refuse));
                refused += usize::from(want);
            }
        }
        // Sanity: the oracle is not trivially false or true.
        assert!(refused > 0 && refused < 16 * 64);
    }

    #[test]
    fn audit_refuses_nothing_but_reports_exactly_what_enforce_refuses() {
        for r in requests() {
            for v in vmas() {
                let enforce = decide(Mode::Enforce, Scope::LongTerm, r, v);
                let audit = decide(Mode::Audit, Scope::LongTerm, r, v);
                assert_ne!(audit, Verdict::Refuse);
                assert_eq!(audit == Verdict::WouldRefuse, enforce == Verdict::Refuse);
                assert_eq!(decide(Mode::Off, Scope::LongTerm, r, v), Verdict::Allow);
            }
        }
    }

    const PIN_LT_W: Request = Request {
        write: true,
        get: false,
        pin: true,
        longterm: true,
    };

    /// Named rows: what the kernel reports for real mappings.
    #[test]
    fn real_mappings() {
        let ext4_shared = Vma {
            shared: true,
            writable: true,
            writenotify_ops: true,
            can_writeback: true,
            ..Vma::default()
        };
        let ext4_private = Vma {
            shared: false,
            writable: true,
            ..ext4_shared
        };
        let ext4_shared_ro = Vma {
            writable: false,
            ..ext4_shared
        };
        // shmem/memfd/tmpfs and hugetlbfs: no page_mkwrite, noop bdi without writeback.
        let shmem_shared = Vma {
            shared: true,
            writable: true,
            ..Vma::default()
        };
        let anon = Vma {
            writable: true,
            anonymous: true,
            ..Vma::default()
        };
        // A file system with a writeback-capable bdi but no page_mkwrite.
        let writeback_only = Vma {
            writenotify_ops: false,
            ..ext4_shared
        };
        let pfnmap_writeback = Vma {
            pfnmap: true,
            ..writeback_only
        };

        let d = |req, vma| decide(Mode::Enforce, Scope::LongTerm, req, vma);
        assert_eq!(d(PIN_LT_W, ext4_shared), Verdict::Refuse);
        assert_eq!(d(PIN_LT_W, writeback_only), Verdict::Refuse);
        assert_eq!(d(PIN_LT_W, pfnmap_writeback), Verdict::Allow);
        assert_eq!(d(PIN_LT_W, ext4_private), Verdict::Allow);
        assert_eq!(d(PIN_LT_W, ext4_shared_ro), Verdict::Allow);
        assert_eq!(d(PIN_LT_W, shmem_shared), Verdict::Allow);
        assert_eq!(d(PIN_LT_W, anon), Verdict::Allow);
        // Read-only, short-term and FOLL_GET requests are not covered.
        assert_eq!(
            d(
                Request {
                    write: false,
                    ..PIN_LT_W
                },
                ext4_shared
            ),
            Verdict::Allow
        );
        assert_eq!(
            d(
                Request {
                    longterm: false,
                    ..PIN_LT_W
                },
                ext4_shared
            ),
            Verdict::Allow
        );
        let get_lt_w = Request {
            get: true,
            pin: false,
            ..PIN_LT_W
        };
        assert_eq!(d(get_lt_w, ext4_shared), Verdict::Allow);
    }

    #[test]
    fn fast_path_checks_exactly_what_the_scope_covers() {
        // Written out per scope from the flags, not through Scope::covers():
        // a change to either must show here.
        for r in requests() {
            let widest = r.write && (r.pin || r.get);
            for s in Scope::ALL {
                let want = match s {
                    Scope::LongTerm => r.write && r.pin && r.longterm,
                    Scope::Pin => r.write && r.pin,
                    Scope::Get => widest,
                };
                assert_eq!(fast_covered(Mode::Enforce, s, r), want, "{s:?} {r:?}");
                assert_eq!(fast_covered(Mode::Audit, s, r), widest, "{s:?} {r:?}");
                assert!(!fast_covered(Mode::Off, s, r));
            }
        }
        // The count of covered requests out of the 16: 2 (longterm), 4 (pin), 6 (get).
        let n = |s: Scope| {
            requests()
                .filter(|&r| fast_covered(Mode::Enforce, s, r))
                .count()
        };
        assert_eq!(
            [n(Scope::LongTerm), n(Scope::Pin), n(Scope::Get)],
            [2, 4, 6]
        );
    }

    #[test]
    fn keep_mask_drops_only_other_files() {
        // Bit 0: no anon, shmem or hugetlb bit: a page-cache folio of another
        // fs, or one without a mapping. Every other kind is kept.
        assert_eq!(fast_keep_mask(), FOLIO_KEEP_ALL & !1);
        for b in 0..8 {
            assert_eq!(
                fast_keep_mask() & (1 << b) == 0,
                fast_folio_needs_slow_path(Folio::from_bits(b))
            );
        }
    }

    #[test]
    fn fast_path_keeps_anon_shmem_and_hugetlb_and_sends_other_files_on() {
        for b in 0..8u32 {
            let f = Folio {
                anon: b & 1 != 0,
                shmem: b & 2 != 0,
                hugetlb: b & 4 != 0,
            };
            // Written out: a page-cache folio of ext4, xfs, btrfs..., or one
            // truncated under the pin (no mapping: none of the three).
            let other_file = b == 0;
            assert_eq!(fast_folio_needs_slow_path(f), other_file, "{f:?}");
        }
    }

    /// The scopes as the upstream debate put them, written out independently.
    #[test]
    fn scopes_nest_and_cover_what_their_names_say() {
        for r in requests() {
            assert_eq!(Scope::LongTerm.covers(r), r.write && r.pin && r.longterm);
            assert_eq!(Scope::Pin.covers(r), r.write && r.pin);
            assert_eq!(Scope::Get.covers(r), r.write && (r.pin || r.get));
            for v in vmas() {
                let m = |s: Scope| s.matches(r, v);
                assert!(!m(Scope::LongTerm) || m(Scope::Pin), "{r:?} {v:?}");
                assert!(!m(Scope::Pin) || m(Scope::Get), "{r:?} {v:?}");
                // Only the scope differs: the VMA test is upstream's for all.
                assert_eq!(
                    m(Scope::Get),
                    upstream_refuses(
                        Request {
                            longterm: true,
                            pin: r.pin || r.get,
                            ..r
                        },
                        v
                    )
                );
            }
        }
        // A short-term pin of a dirty-tracked shared file: only `pin` and `get`.
        let dio = Request {
            write: true,
            pin: true,
            ..Request::default()
        };
        let ext4 = Vma {
            shared: true,
            writable: true,
            writenotify_ops: true,
            can_writeback: true,
            ..Vma::default()
        };
        assert_eq!(
            decide(Mode::Enforce, Scope::LongTerm, dio, ext4),
            Verdict::Allow
        );
        assert_eq!(
            decide(Mode::Enforce, Scope::Pin, dio, ext4),
            Verdict::Refuse
        );
        // ptrace/`/proc/pid/mem` writes: FOLL_GET | FOLL_FORCE on a private
        // file mapping, never refused (debuggers must keep working).
        let poke = Request {
            write: true,
            get: true,
            ..Request::default()
        };
        let private = Vma {
            shared: false,
            ..ext4
        };
        for s in Scope::ALL {
            assert_eq!(decide(Mode::Enforce, s, poke, private), Verdict::Allow);
        }
        assert_eq!(
            decide(Mode::Enforce, Scope::Get, poke, ext4),
            Verdict::Refuse
        );
    }

    #[test]
    fn scope_parsing_is_strict() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.name().as_bytes()), Some(s));
            assert_eq!(Scope::from_u32(s as u32), Some(s));
        }
        for bad in [&b""[..], b"long", b"LongTerm", b"pin ", b"get\n\n", b"all"] {
            assert_eq!(Scope::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Scope::parse(b"pin\n"), Some(Scope::Pin));
        assert_eq!(Scope::from_u32(3), None);
    }

    #[test]
    fn mode_parsing_is_strict() {
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.name().as_bytes()), Some(m));
            let mut line = std::vec::Vec::from(m.name().as_bytes());
            line.push(b'\n');
            assert_eq!(Mode::parse(&line), Some(m));
            assert_eq!(Mode::from_u32(m as u32), Some(m));
        }
        for bad in [
            &b""[..],
            b"\n",
            b"Enforce",
            b"enforce\n\n",
            b" audit",
            b"audit ",
            b"off\0",
            b"enforc",
            b"enforcee",
            b"1",
        ] {
            assert_eq!(Mode::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Mode::from_u32(3), None);
    }
}
