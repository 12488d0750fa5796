// SPDX-License-Identifier: GPL-2.0

//! What differs between the `kernel` crates gupguard is built against: the one
//! place for it on the Rust side (src/compat.h is the C side's).
//!
//! 6.12's crate has everything used here. 6.1's (the first Rust-for-Linux
//! merge, built by rustc 1.63) has six files: no C string type, no errno but
//! `ENOMEM`, no way to fail a load with any other, no `kernel::ffi`. There the
//! few missing items are defined below, and the module's entry points are C
//! (src/compat61.c) calling [`gg_module!`]'s `gg_rs_init`/`gg_rs_exit`.
//! Kbuild sets `--cfg gg_kernel_6_1` for a 6.1 tree.

/// C types, under the path bindgen's `--ctypes-prefix` names (Kbuild).
pub(crate) mod ffi {
    #[cfg(gg_kernel_6_1)]
    pub(crate) use core::ffi::*;
    /// Names are bytes: 6.12 builds C with `-funsigned-char` and its
    /// `c_char` is `u8`; 6.1's C `char` is signed, of the same size.
    #[cfg(gg_kernel_6_1)]
    #[allow(non_camel_case_types)]
    pub(crate) type c_char = u8;
    #[cfg(not(gg_kernel_6_1))]
    pub(crate) use kernel::ffi::*;
}

/// What the rest of the module takes from the `kernel` crate.
pub(crate) mod prelude {
    pub(crate) use super::ffi::{c_char, c_int};
    #[cfg(gg_kernel_6_1)]
    pub(crate) use super::v6_1::{c_str, to_result, CStr, Result, EBUSY, EINVAL};
    pub(crate) use kernel::pr_info;
    #[cfg(not(gg_kernel_6_1))]
    pub(crate) use kernel::{
        c_str,
        error::{code::EBUSY, code::EINVAL, to_result, Result},
        str::CStr,
    };
}

/// Declares the module: `kernel::module!` and `kernel::Module` where the crate
/// can fail a load with any errno (6.12), C entry points otherwise (6.1).
/// `$type::start()` makes the module's state; dropping it undoes everything.
macro_rules! gg_module {
    // `tt`, not `literal`: `module!` wants the string tokens themselves.
    (type: $type:ident, name: $name:tt, author: $author:tt,
     description: $desc:tt, license: $license:tt $(,)?) => {
        #[cfg(not(gg_kernel_6_1))]
        kernel::prelude::module! {
            type: $type,
            name: $name,
            author: $author,
            description: $desc,
            license: $license,
        }

        #[cfg(not(gg_kernel_6_1))]
        impl kernel::Module for $type {
            fn init(_module: &'static kernel::ThisModule) -> kernel::error::Result<Self> {
                $type::start()
            }
        }

        /// The prefix of this module's `pr_*!` messages (6.1's `module!` makes it).
        #[cfg(gg_kernel_6_1)]
        const __LOG_PREFIX: &[u8] = concat!($name, "\0").as_bytes();

        #[cfg(gg_kernel_6_1)]
        static INSTANCE: $crate::kcompat::v6_1::Instance<$type> =
            $crate::kcompat::v6_1::Instance::new();

        /// 6.1: the C `module_init` (src/compat61.c).
        #[cfg(gg_kernel_6_1)]
        #[no_mangle]
        pub extern "C" fn gg_rs_init() -> $crate::kcompat::ffi::c_int {
            match $type::start() {
                Ok(m) => {
                    INSTANCE.set(m);
                    0
                }
                Err(e) => e.to_errno(),
            }
        }

        /// 6.1: the C `module_exit`.
        #[cfg(gg_kernel_6_1)]
        #[no_mangle]
        pub extern "C" fn gg_rs_exit() {
            INSTANCE.take();
        }
    };
}
pub(crate) use gg_module;

#[cfg(gg_kernel_6_1)]
pub(crate) mod v6_1 {
    //! The items 6.1's `kernel` crate lacks, as 6.12's have them.
    use super::ffi::{c_char, c_int};
    use core::cell::UnsafeCell;

    /// An errno, as 6.12's `kernel::error::Error`.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(crate) struct Error(c_int);

    impl Error {
        pub(crate) fn to_errno(self) -> c_int {
            self.0
        }
    }

    pub(crate) type Result<T = ()> = core::result::Result<T, Error>;

    // The values are bindgen's reading of the kernel's own headers.
    pub(crate) const EINVAL: Error = Error(-(kernel::bindings::EINVAL as c_int));
    pub(crate) const EBUSY: Error = Error(-(kernel::bindings::EBUSY as c_int));

    /// A C function's `0` or negative errno, as a `Result`.
    pub(crate) fn to_result(err: c_int) -> Result {
        if err < 0 {
            Err(Error(err))
        } else {
            Ok(())
        }
    }

    /// A NUL-terminated string, as 6.12's `kernel::str::CStr` (the parts used).
    #[repr(transparent)]
    pub(crate) struct CStr([u8]);

    impl CStr {
        /// # Safety
        ///
        /// `bytes` must end with its only NUL.
        pub(crate) const unsafe fn from_bytes_with_nul_unchecked(bytes: &[u8]) -> &CStr {
            // SAFETY: `CStr` is a transparent `[u8]`.
            unsafe { &*(bytes as *const [u8] as *const CStr) }
        }

        /// # Safety
        ///
        /// `ptr` must point to a NUL-terminated string that outlives `'a`.
        pub(crate) unsafe fn from_char_ptr<'a>(ptr: *const c_char) -> &'a CStr {
            let mut len = 0;
            // SAFETY: the string is NUL-terminated (caller), so every byte up
            // to and including the NUL is readable.
            while unsafe { *ptr.add(len) } != 0 {
                len += 1;
            }
            // SAFETY: `len + 1` bytes end with the NUL just found.
            unsafe {
                Self::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(
                    ptr.cast(),
                    len + 1,
                ))
            }
        }

        /// The bytes before the NUL.
        pub(crate) fn as_bytes(&self) -> &[u8] {
            self.0.split_last().map_or(&[], |(_, b)| b)
        }

        pub(crate) fn as_char_ptr(&self) -> *const c_char {
            self.0.as_ptr().cast()
        }
    }

    /// A `&'static CStr` from a string literal.
    macro_rules! c_str {
        ($s:literal) => {{
            const S: &str = concat!($s, "\0");
            // SAFETY: a literal with a NUL appended (a NUL inside it would
            // only shorten the C string).
            unsafe { $crate::kcompat::v6_1::CStr::from_bytes_with_nul_unchecked(S.as_bytes()) }
        }};
    }
    pub(crate) use c_str;

    /// The module's state between `gg_rs_init` and `gg_rs_exit`, which the
    /// module loader calls once each, one after the other.
    pub(crate) struct Instance<T>(UnsafeCell<Option<T>>);

    // SAFETY: only `gg_rs_init` and `gg_rs_exit` touch it, and the module
    // loader never runs them at the same time (see `set` and `take`).
    unsafe impl<T: Send> Sync for Instance<T> {}

    impl<T> Instance<T> {
        pub(crate) const fn new() -> Self {
            Instance(UnsafeCell::new(None))
        }

        /// From `module_init` only.
        pub(crate) fn set(&self, value: T) {
            // SAFETY: init runs once, before exit and before anything else
            // could reach the instance.
            unsafe { *self.0.get() = Some(value) };
        }

        /// From `module_exit` only: drops the state.
        pub(crate) fn take(&self) {
            // SAFETY: exit runs once, after a successful init, alone.
            drop(unsafe { (*self.0.get()).take() });
        }
    }
}
