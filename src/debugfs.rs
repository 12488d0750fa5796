// SPDX-License-Identifier: GPL-2.0

//! A small debugfs directory type in the shape of the upstream Rust debugfs
//! API of later kernels (`Dir` owning its entries, removed on drop), which
//! 6.12 lacks. The file operations themselves are the shim's: each file
//! carries an id, and `gg_rs_show`/`gg_rs_store` dispatch on it.

use crate::kcompat::{ffi::c_void, prelude::*};
use crate::shim;

/// A debugfs directory; removed with everything in it when dropped.
pub(crate) struct Dir(*mut c_void);

// SAFETY: the dentry pointer is only handed back to debugfs, which locks internally.
unsafe impl Send for Dir {}
// SAFETY: `Dir` has no interior state; debugfs calls are thread-safe.
unsafe impl Sync for Dir {}

impl Dir {
    /// Creates `/sys/kernel/debug/<name>`.
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        let mut dir = core::ptr::null_mut();
        // SAFETY: `name` is NUL-terminated and outlives the call; `dir` is a valid out pointer.
        to_result(unsafe { shim::gg_shim_debugfs_dir(name.as_char_ptr(), &mut dir) })?;
        Ok(Dir(dir))
    }

    /// Creates a file in this directory whose reads and writes go to `id`.
    pub(crate) fn file(&self, name: &CStr, mode: u16, id: u32) -> Result {
        // SAFETY: `self.0` is a live directory; `name` is NUL-terminated.
        to_result(unsafe { shim::gg_shim_debugfs_file(self.0, name.as_char_ptr(), mode, id) })
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from `gg_shim_debugfs_dir` and is removed once;
        // debugfs waits for running file operations before it returns.
        unsafe { shim::gg_shim_debugfs_remove(self.0) };
    }
}

/// `core::fmt` output into a `seq_file`, for show callbacks.
pub(crate) struct SeqFile(*mut shim::seq_file);

impl SeqFile {
    /// # Safety
    ///
    /// `m` must be the live `seq_file` of a show callback, used only during it.
    pub(crate) unsafe fn from_raw(m: *mut shim::seq_file) -> Self {
        SeqFile(m)
    }

    /// The `seq_file`, for the shim's own printing (`%pS`).
    pub(crate) fn as_raw(&self) -> *mut shim::seq_file {
        self.0
    }
}

impl core::fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // SAFETY: `self.0` is live for this show callback (see `from_raw`);
        // `s` is valid for `s.len()` bytes. seq_write() copes with overflow
        // itself (seq_read retries with a bigger buffer), so its result is ignored.
        unsafe { shim::seq_write(self.0, s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}
