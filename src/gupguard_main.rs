// SPDX-License-Identifier: GPL-2.0

//! gupguard: refuse long-term writable GUP pins of dirty-tracked file mappings
//! (upstream's 6.5+ rule in `check_vma_flags()` and GUP-fast) on any kernel.
//!
//! The C shim (`shim.c`) probes the real GUP path and reads kernel structures;
//! everything it learns comes here as plain bits, the decision is
//! [`policy::decide`], and the counters are [`stats::Stats`]. Functions named
//! `gg_rs_*` are called by the shim from probe context: they do not sleep,
//! allocate, or panic.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use kcompat::prelude::*;

// `allow`, `policy` and `stats` are also the host crate's public API (src/host.rs).
#[allow(unreachable_pub)]
mod allow;
mod debugfs;
#[allow(unreachable_pub)]
mod events;
mod kcompat;
#[allow(unreachable_pub)]
mod policy;
#[path = "../rust-bindings/shim.rs"]
mod shim;
#[allow(unreachable_pub)]
mod stats;

use events::{Event, EventLog, NameTable, Outcome, Tally};
use policy::{Mode, Request, Scope, Verdict, Vma};
use stats::Count;

kcompat::gg_module! {
    type: GupGuard,
    name: "gupguard",
    author: "gupguard developers",
    description: "Refuse long-term writable GUP pins of dirty-tracked file mappings",
    license: "GPL",
}

/// A run-time setting kept as its `u32` value in a static, so that module
/// parameters can set it before `init` runs and probes read it lock-free.
trait Setting: Copy + Sized + 'static {
    const DEFAULT: Self;
    fn to_u32(self) -> u32;
    fn from_u32(v: u32) -> Option<Self>;
    fn parse(input: &[u8]) -> Option<Self>;
}

impl Setting for Mode {
    const DEFAULT: Self = Mode::Enforce;
    fn to_u32(self) -> u32 {
        self as u32
    }
    fn from_u32(v: u32) -> Option<Self> {
        Mode::from_u32(v)
    }
    fn parse(input: &[u8]) -> Option<Self> {
        Mode::parse(input)
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
    fn parse(input: &[u8]) -> Option<Self> {
        Scope::parse(input)
    }
}

struct Knob<T> {
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

    fn get(&self) -> T {
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

    /// Sets the value from a written name; `-EINVAL` leaves it unchanged.
    fn set(&self, input: &[u8]) -> c_int {
        match T::parse(input) {
            Some(v) => {
                self.value.store(v.to_u32(), Ordering::Relaxed);
                0
            }
            None => EINVAL.to_errno(),
        }
    }
}

static MODE: Knob<Mode> = Knob::new(Mode::DEFAULT as u32);
static SCOPE: Knob<Scope> = Knob::new(Scope::DEFAULT as u32);
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
/// Opt-outs: file-system types, real uids and cgroup-v2 subtrees whose pins
/// are let through. Never task names: any task can take any name.
static ALLOW_FS: allow::KeySet = allow::KeySet::new();
static ALLOW_UID: allow::KeySet = allow::KeySet::new();
static ALLOW_CGROUP: allow::KeySet = allow::KeySet::new();
/// The last calls some scope matched, and their counts per fs and per caller.
const LOG_EVENTS: usize = 128;
static EVENTS: EventLog<LOG_EVENTS> = EventLog::new();
static BY_FS: NameTable<2, 16> = NameTable::new();
static BY_CALLER: NameTable<6, 32> = NameTable::new();

/// Shows an opt-out list in debugfs, one entry per line, as it was written.
fn show_set(out: &mut debugfs::SeqFile, set: &allow::KeySet) -> c_int {
    use core::fmt::Write;
    let mut text = [0u8; allow::TEXT_MAX];
    match set.text(&mut text) {
        Ok(n) => {
            // Printable ASCII and newlines only (checked on the way in).
            let _ = out.write_str(
                core::str::from_utf8(text.get(..n).unwrap_or_default()).unwrap_or("?\n"),
            );
            0
        }
        Err(_) => EBUSY.to_errno(),
    }
}

/// cgroup-v2 paths; the key is the cgroup's id and level, from the kernel.
const CGROUP: allow::Kind = allow::Kind {
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

fn replace_set(set: &allow::KeySet, input: &[u8], kind: &allow::Kind) -> c_int {
    match set.replace(input, kind) {
        Ok(()) => 0,
        Err(allow::SetError::Invalid) => EINVAL.to_errno(),
        Err(allow::SetError::Busy) => EBUSY.to_errno(),
        Err(allow::SetError::Lookup(errno)) => errno,
    }
}

/// Which opt-out, if any, lets this call through. File system first, then
/// uid, then cgroup: the first that matches is the one counted.
fn exemption(d: &shim::gg_slow_details) -> Option<Outcome> {
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

fn set_knob(id: u32, input: &[u8]) -> c_int {
    match id {
        shim::GG_PARAM_MODE => set_mode(input),
        shim::GG_PARAM_SCOPE => SCOPE.set(input),
        _ => EINVAL.to_errno(),
    }
}

/// Switches the mode, then has the shim arm or disarm the probes to match
/// (in `off` none is registered: it costs nothing). Each write ends with a
/// sync under the shim's lock, so the last one leaves probes and mode agreeing.
/// Before `init` (load parameters) the shim has nothing to sync yet.
fn set_mode(input: &[u8]) -> c_int {
    let new = match Mode::parse(input) {
        Some(m) => m,
        None => return EINVAL.to_errno(),
    };
    let old = MODE.replace(new);
    // SAFETY: called from a debugfs or sysfs write, which may sleep.
    let ret = unsafe { shim::gg_shim_probes_sync() };
    if ret != 0 {
        // The probes could not be armed: back to the old mode (off) unless
        // a later write changed it, and the probes to match again.
        MODE.restore(new, old);
        // SAFETY: as above.
        unsafe { shim::gg_shim_probes_sync() };
    }
    ret
}

/// Whether the probes should be registered: not in `off`. Asked by the shim
/// under its lock (`gg_shim_probes_sync()`).
#[no_mangle]
pub extern "C" fn gg_rs_armed() -> bool {
    MODE.get() != Mode::Off
}

fn request(bits: u32) -> Request {
    let has = |b| bits & b != 0;
    Request {
        write: has(shim::GG_REQ_WRITE),
        get: has(shim::GG_REQ_GET),
        pin: has(shim::GG_REQ_PIN),
        longterm: has(shim::GG_REQ_LONGTERM),
    }
}

fn vma(bits: u32) -> Vma {
    let has = |b| bits & b != 0;
    Vma {
        shared: has(shim::GG_VMA_SHARED),
        writable: has(shim::GG_VMA_WRITE),
        anonymous: has(shim::GG_VMA_ANON),
        pfnmap: has(shim::GG_VMA_PFNMAP),
        writenotify_ops: has(shim::GG_VMA_WRITENOTIFY_OPS),
        can_writeback: has(shim::GG_VMA_CAN_WRITEBACK),
    }
}

/// Slow path: one `check_vma_flags()` call. Returns a `GG_SLOW_*` verdict.
/// A call no scope matches costs flag tests and one counter: the VMA is
/// looked at only for a write some scope covers, the task and file only for
/// the calls some scope matches.
#[no_mangle]
pub extern "C" fn gg_rs_slow(facts: *const shim::gg_slow_facts) -> c_int {
    let mode = MODE.get();
    if mode == Mode::Off || facts.is_null() {
        return shim::GG_SLOW_ALLOW as c_int;
    }
    // SAFETY: the shim passes its own, fully initialised facts for this call.
    let facts = unsafe { &*facts };
    STATS.inc(Count::SlowExamined);
    let req = request(facts.req);
    // Most calls are no write any scope covers: decided on gup_flags alone.
    if !Scope::WIDEST.covers(req) {
        return shim::GG_SLOW_ALLOW as c_int;
    }
    // SAFETY: `vma_ref` is the VMA of the probed call, which the shim is
    // still handling, under the lock its caller holds.
    let vma = vma(unsafe { shim::gg_shim_vma_bits(facts.vma_ref) });
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
    // SAFETY: `vma_ref` is the VMA of the probed call, which the shim is
    // still handling; `d` is a valid, writable `gg_slow_details`.
    unsafe { shim::gg_shim_slow_details(facts.vma_ref, &mut d) };
    let scope = SCOPE.get();
    // Opt-outs only count where they change something: a call the policy
    // refuses (enforce) or that some scope would refuse (audit).
    let relevant = mode == Mode::Audit || scope.matches(req, vma);
    let exempt = if relevant { exemption(&d) } else { None };
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
    record(facts, &d, matched, outcome);
    match outcome {
        Outcome::Refused => shim::GG_SLOW_REFUSE as c_int,
        Outcome::WouldRefuse => shim::GG_SLOW_AUDIT as c_int,
        _ => shim::GG_SLOW_ALLOW as c_int,
    }
}

/// The bytes of a NUL-padded name.
fn name_bytes(name: &[u8]) -> &[u8] {
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    name.get(..len).unwrap_or_default()
}

/// Logs a call some scope matched and adds it to the per-fs and per-caller counts.
fn record(
    facts: &shim::gg_slow_facts,
    d: &shim::gg_slow_details,
    matched: Scope,
    outcome: Outcome,
) {
    let mut c = shim::gg_caller {
        caller: 0,
        entry: 0,
        fast: 0,
        name: [0; shim::GG_CALLER_LEN as usize],
    };
    // SAFETY: `regs_ref` is the probe's registers for this call, which the
    // shim is still handling; `c` is a valid, writable `gg_caller`.
    unsafe { shim::gg_shim_caller(facts.regs_ref, &mut c) };
    let e = Event {
        time_ns: d.time_ns,
        pid: d.pid,
        comm: d.comm,
        fs: d.fstype,
        dev: d.dev,
        ino: d.ino,
        caller: c.caller,
        entry: c.entry,
        gup_flags: facts.gup_flags,
        req: facts.req,
        fast: c.fast != 0,
        scope: matched as u8,
        outcome: outcome as u8,
    };
    EVENTS.push(&e);
    let cols = Tally::columns(&e);
    BY_FS.add(name_bytes(&d.fstype), cols);
    let caller = name_bytes(&c.name);
    BY_CALLER.add(if caller.is_empty() { b"?" } else { caller }, cols);
}

/// `gup_flags` as the names of the bits the policy reads.
fn show_req(out: &mut debugfs::SeqFile, req: u32) -> core::fmt::Result {
    use core::fmt::Write;
    const NAMES: [(u32, &str); 7] = [
        (shim::GG_REQ_WRITE, "WRITE"),
        (shim::GG_REQ_GET, "GET"),
        (shim::GG_REQ_PIN, "PIN"),
        (shim::GG_REQ_LONGTERM, "LONGTERM"),
        (shim::GG_REQ_FORCE, "FORCE"),
        (shim::GG_REQ_REMOTE, "REMOTE"),
        (shim::GG_REQ_FAST_ONLY, "FAST_ONLY"),
    ];
    let mut sep = "";
    for (bit, name) in NAMES {
        if req & bit != 0 {
            write!(out, "{sep}{name}")?;
            sep = "|";
        }
    }
    if sep.is_empty() {
        out.write_str("-")?;
    }
    Ok(())
}

/// A NUL-padded name for a space-separated table: never empty, no spaces.
fn show_word(out: &mut debugfs::SeqFile, name: &[u8]) -> core::fmt::Result {
    use core::fmt::Write;
    let name = name_bytes(name);
    if name.is_empty() {
        return out.write_str("-");
    }
    for &b in name {
        out.write_char(if b.is_ascii_graphic() { b as char } else { '?' })?;
    }
    Ok(())
}

fn show_events(out: &mut debugfs::SeqFile) -> core::fmt::Result {
    use core::fmt::Write;
    let (logged, overwritten, lost) = EVENTS.totals();
    writeln!(
        out,
        "# logged {logged} overwritten {overwritten} lost {lost} capacity {LOG_EVENTS}"
    )?;
    writeln!(
        out,
        "# seq time pid comm path flags gup_flags fs dev ino scope outcome caller entry"
    )?;
    let mut result = Ok(());
    EVENTS.for_each(|seq, e| {
        result = result.and_then(|()| {
            let t = e.time_ns;
            write!(
                out,
                "{seq} {}.{:09} {} ",
                t / 1_000_000_000,
                t % 1_000_000_000,
                e.pid
            )?;
            show_word(out, &e.comm)?;
            write!(out, " {} ", if e.fast { "fast" } else { "slow" })?;
            show_req(out, e.req)?;
            write!(out, " {:#x} ", e.gup_flags)?;
            show_word(out, &e.fs)?;
            write!(
                out,
                " {}:{} {} {} {} ",
                e.dev >> 20,
                e.dev & 0xfffff,
                e.ino,
                e.scope().name(),
                e.outcome().name()
            )?;
            // SAFETY: `out` wraps the live seq_file of this show callback.
            unsafe { shim::gg_shim_seq_symbol(out.as_raw(), e.caller, true) };
            out.write_char(' ')?;
            // SAFETY: as above.
            unsafe { shim::gg_shim_seq_symbol(out.as_raw(), e.entry, false) };
            out.write_char('\n')
        });
    });
    result
}

fn show_table<const KW: usize, const N: usize>(
    out: &mut debugfs::SeqFile,
    what: &str,
    table: &NameTable<KW, N>,
) -> core::fmt::Result {
    use core::fmt::Write;
    write!(out, "# {what}")?;
    for c in Tally::COLUMNS {
        write!(out, " {c}")?;
    }
    out.write_char('\n')?;
    let mut result = Ok(());
    table.for_each(|key, counts| {
        result = result.and_then(|()| {
            let mut name = [0u8; 64];
            let n = events::unpack_name(key, &mut name);
            if n == 0 {
                out.write_str("(other)")?;
            } else {
                show_word(out, name.get(..n).unwrap_or_default())?;
            }
            for c in counts {
                write!(out, " {c}")?;
            }
            out.write_char('\n')
        });
    });
    result
}

/// GUP-fast: which folios may this request keep? A mask over the
/// `GG_FOLIO_*` combinations (bit `b` set: a folio whose bits are `b` stays
/// on GUP-fast). All set for a request no scope covers: the shim then arms
/// no return check. Computed once per call; the shim applies it per folio.
#[no_mangle]
pub extern "C" fn gg_rs_fast(req: u32) -> u32 {
    let mode = MODE.get();
    if mode == Mode::Off {
        return policy::FOLIO_KEEP_ALL;
    }
    STATS.inc(Count::FastExamined);
    if policy::fast_covered(mode, SCOPE.get(), request(req)) {
        FAST_KEEP_COVERED
    } else {
        policy::FOLIO_KEEP_ALL
    }
}

/// The folio kinds a covered GUP-fast request keeps, from the policy.
const FAST_KEEP_COVERED: u32 = policy::fast_keep_mask();
// The policy's folio bits are the shim's.
const _: () = assert!(
    policy::FOLIO_ANON == shim::GG_FOLIO_ANON
        && policy::FOLIO_SHMEM == shim::GG_FOLIO_SHMEM
        && policy::FOLIO_HUGETLB == shim::GG_FOLIO_HUGETLB
        && policy::FOLIO_KEEP_ALL == shim::GG_FOLIO_KEEP_ALL
);

/// GUP-fast: a covered call was sent, whole or from a folio on, to the slow path.
#[no_mangle]
pub extern "C" fn gg_rs_fast_cut() {
    STATS.inc(Count::FastDiverted);
}

/// A `mode=` or `scope=` module parameter, at load time or through sysfs.
#[no_mangle]
pub extern "C" fn gg_rs_param_set(id: u32, val: *const c_char) -> c_int {
    if val.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: the kernel passes a NUL-terminated parameter string that lives
    // for the duration of the call.
    let val = unsafe { CStr::from_char_ptr(val) };
    set_knob(id, val.as_bytes())
}

/// Writes a parameter's current value and a newline into `buf`, the
/// `PAGE_SIZE` buffer of a `kernel_param_ops.get`; returns the length.
#[no_mangle]
pub extern "C" fn gg_rs_param_get(id: u32, buf: *mut c_char) -> c_int {
    let name = match id {
        shim::GG_PARAM_MODE => MODE.get().name(),
        shim::GG_PARAM_SCOPE => SCOPE.get().name(),
        _ => return EINVAL.to_errno(),
    };
    if buf.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: the kernel hands `get` a buffer of `PAGE_SIZE` bytes, and a
    // name plus newline is far shorter.
    let out = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), name.len() + 1) };
    let (text, newline) = out.split_at_mut(name.len());
    text.copy_from_slice(name.as_bytes());
    newline.fill(b'\n');
    // Names are a few bytes: the length always fits.
    (name.len() + 1) as c_int
}

/// Reads of a debugfs file.
#[no_mangle]
pub extern "C" fn gg_rs_show(file: u32, m: *mut shim::seq_file) -> c_int {
    use core::fmt::Write;
    // SAFETY: the shim calls this from its seq_file show callback with that `m`.
    let mut out = unsafe { debugfs::SeqFile::from_raw(m) };
    // SeqFile never reports an error (seq_file handles overflow itself).
    let _ = match file {
        shim::GG_FILE_MODE => writeln!(out, "{}", MODE.get().name()),
        shim::GG_FILE_SCOPE => writeln!(out, "{}", SCOPE.get().name()),
        shim::GG_FILE_ALLOW_FS => return show_set(&mut out, &ALLOW_FS),
        shim::GG_FILE_ALLOW_UID => return show_set(&mut out, &ALLOW_UID),
        shim::GG_FILE_ALLOW_CGROUP => return show_set(&mut out, &ALLOW_CGROUP),
        shim::GG_FILE_EVENTS => show_events(&mut out),
        shim::GG_FILE_BY_FS => show_table(&mut out, "fs", &BY_FS),
        shim::GG_FILE_BY_CALLER => show_table(&mut out, "caller", &BY_CALLER),
        shim::GG_FILE_COUNTERS => {
            // SAFETY: plain reads of the shim's kprobe miss counters.
            let missed = unsafe {
                [
                    shim::gg_shim_probe_missed(shim::GG_PROBE_SLOW),
                    shim::gg_shim_probe_missed(shim::GG_PROBE_FAST),
                    shim::gg_shim_probe_missed(shim::GG_PROBE_FAST_RETURN),
                ]
            };
            STATS.render(
                &mut out,
                &[
                    ("slow_probe_missed", missed[0]),
                    ("fast_probe_missed", missed[1]),
                    ("fast_return_missed", missed[2]),
                ],
            )
        }
        _ => return EINVAL.to_errno(),
    };
    0
}

/// Writes to a debugfs file: `0` to `counters` resets them (and the event log
/// and the per-fs and per-caller counts), a name to `mode` or `scope`
/// switches it, a list replaces an `allow_*` set. Anything else fails
/// (`-EINVAL`; `-ENOENT` for a cgroup that does not exist) and changes nothing.
#[no_mangle]
pub extern "C" fn gg_rs_store(file: u32, buf: *const c_char, len: usize) -> c_int {
    if buf.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: the shim passes its own buffer holding `len` bytes written by the user.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    match file {
        shim::GG_FILE_MODE => set_knob(shim::GG_PARAM_MODE, input),
        shim::GG_FILE_SCOPE => set_knob(shim::GG_PARAM_SCOPE, input),
        shim::GG_FILE_ALLOW_FS => replace_set(&ALLOW_FS, input, &allow::FS),
        shim::GG_FILE_ALLOW_UID => replace_set(&ALLOW_UID, input, &allow::UID),
        shim::GG_FILE_ALLOW_CGROUP => replace_set(&ALLOW_CGROUP, input, &CGROUP),
        shim::GG_FILE_COUNTERS if stats::is_reset(input) => {
            STATS.reset();
            EVENTS.clear();
            BY_FS.reset();
            BY_CALLER.reset();
            0
        }
        _ => EINVAL.to_errno(),
    }
}

// The shim calls the `gg_rs_*` functions through their prototypes in
// gupguard_shim.h: bindgen's reading of those must be exactly our types.
const _: () = {
    let _ = [shim::gg_rs_slow as unsafe extern "C" fn(_) -> _, gg_rs_slow];
    let _ = [shim::gg_rs_fast as unsafe extern "C" fn(_) -> _, gg_rs_fast];
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

/// The registered kprobes; unregistered (and waited for) on drop.
struct Probes;

impl Probes {
    fn register() -> Result<Self> {
        // SAFETY: called once at init; undone by `Drop`.
        to_result(unsafe { shim::gg_shim_probes_register() })?;
        Ok(Probes)
    }
}

impl Drop for Probes {
    fn drop(&mut self) {
        // SAFETY: the probes were registered by `Probes::register`.
        unsafe { shim::gg_shim_probes_unregister() };
    }
}

struct GupGuard {
    // Field order is drop order: stop the probes before removing debugfs.
    _probes: Probes,
    _debugfs: debugfs::Dir,
}

impl GupGuard {
    /// Loads the module: debugfs, then the probes (see `gg_module!`).
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
        let probes = Probes::register()?;
        pr_info!(
            "loaded, mode {}, scope {}\n",
            MODE.get().name(),
            SCOPE.get().name()
        );
        Ok(GupGuard {
            _probes: probes,
            _debugfs: dir,
        })
    }
}

impl Drop for GupGuard {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
