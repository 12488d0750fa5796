// SPDX-License-Identifier: GPL-2.0

//! The debugfs files: what a read of each shows and what a write to each
//! does (`GG_FILE_*`). The shim owns the files; it calls here.

use crate::allow;
use crate::attribution::{self, name_bytes, BY_CALLER, BY_FS, EVENTS, LOG_EVENTS};
use crate::debugfs::SeqFile;
use crate::events::{self, NameTable, Tally};
use crate::kcompat::prelude::*;
use crate::optouts::{self, ALLOW_CGROUP, ALLOW_FS, ALLOW_UID};
use crate::settings::{self, MODE, SCOPE};
use crate::shim;
use crate::stats;
use crate::STATS;
use core::fmt::Write;

/// Shows a file; `-EINVAL` for a file there is not, `-EBUSY` for a list
/// being replaced.
pub(crate) fn show(file: u32, out: &mut SeqFile) -> c_int {
    // SeqFile never reports an error (seq_file handles overflow itself).
    let _ = match file {
        shim::GG_FILE_MODE => writeln!(out, "{}", MODE.get().name()),
        shim::GG_FILE_SCOPE => writeln!(out, "{}", SCOPE.get().name()),
        shim::GG_FILE_ALLOW_FS => return show_set(out, &ALLOW_FS),
        shim::GG_FILE_ALLOW_UID => return show_set(out, &ALLOW_UID),
        shim::GG_FILE_ALLOW_CGROUP => return show_set(out, &ALLOW_CGROUP),
        shim::GG_FILE_EVENTS => show_events(out),
        shim::GG_FILE_BY_FS => show_table(out, "fs", &BY_FS),
        shim::GG_FILE_BY_CALLER => show_table(out, "caller", &BY_CALLER),
        shim::GG_FILE_COUNTERS => STATS.render(out),
        _ => return EINVAL.to_errno(),
    };
    0
}

/// A write: `0` to `counters` resets them (and the event log and the per-fs
/// and per-caller counts), a name to `mode` or `scope` switches it, a list
/// replaces an `allow_*` set. Anything else fails (`-EINVAL`; `-ENOENT` for
/// a cgroup that does not exist) and changes nothing.
pub(crate) fn store(file: u32, input: &[u8]) -> c_int {
    match file {
        shim::GG_FILE_MODE => settings::set(shim::GG_PARAM_MODE, input),
        shim::GG_FILE_SCOPE => settings::set(shim::GG_PARAM_SCOPE, input),
        shim::GG_FILE_ALLOW_FS => optouts::replace(&ALLOW_FS, input, &allow::FS),
        shim::GG_FILE_ALLOW_UID => optouts::replace(&ALLOW_UID, input, &allow::UID),
        shim::GG_FILE_ALLOW_CGROUP => optouts::replace(&ALLOW_CGROUP, input, &optouts::CGROUP),
        shim::GG_FILE_COUNTERS if stats::is_reset(input) => {
            STATS.reset();
            attribution::reset();
            0
        }
        _ => EINVAL.to_errno(),
    }
}

/// Shows an opt-out list, one entry per line, as it was written.
fn show_set(out: &mut SeqFile, set: &allow::KeySet) -> c_int {
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

/// `gup_flags` as the names of the bits the policy reads.
fn show_req(out: &mut SeqFile, req: u32) -> core::fmt::Result {
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
fn show_word(out: &mut SeqFile, name: &[u8]) -> core::fmt::Result {
    let name = name_bytes(name);
    if name.is_empty() {
        return out.write_str("-");
    }
    for &b in name {
        out.write_char(if b.is_ascii_graphic() { b as char } else { '?' })?;
    }
    Ok(())
}

fn show_events(out: &mut SeqFile) -> core::fmt::Result {
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
    out: &mut SeqFile,
    what: &str,
    table: &NameTable<KW, N>,
) -> core::fmt::Result {
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
