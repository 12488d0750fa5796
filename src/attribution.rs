// SPDX-License-Identifier: GPL-2.0

//! Attribution: the event log of the calls some scope matched, and their
//! counts per file system and per GUP caller. The structures are
//! [`crate::events`]; this fills them from the shim.

use crate::events::{Event, EventLog, NameTable, Outcome, Tally};
use crate::policy::Scope;
use crate::shim;

/// The last calls some scope matched, and their counts per fs and per caller.
pub(crate) const LOG_EVENTS: usize = 128;
pub(crate) static EVENTS: EventLog<LOG_EVENTS> = EventLog::new();
pub(crate) static BY_FS: NameTable<2, 16> = NameTable::new();
pub(crate) static BY_CALLER: NameTable<6, 32> = NameTable::new();

/// The bytes of a NUL-padded name.
pub(crate) fn name_bytes(name: &[u8]) -> &[u8] {
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    name.get(..len).unwrap_or_default()
}

/// Logs a call some scope matched and adds it to the per-fs and per-caller counts.
pub(crate) fn record(
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
    // SAFETY: `site_ref` is where this call entered the hook, which the
    // shim is still handling; `c` is a valid, writable `gg_caller`.
    unsafe { shim::gg_shim_caller(facts.site_ref, &mut c) };
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

/// Empties the log and the per-fs and per-caller counts.
pub(crate) fn reset() {
    EVENTS.clear();
    BY_FS.reset();
    BY_CALLER.reset();
}
