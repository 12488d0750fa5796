// SPDX-License-Identifier: GPL-2.0

//! Prints `src/policy.rs`'s rule for one scope as the table that
//! `tests/host/predicate.c` prints for an exported patch's C, so that the two
//! can be compared line by line (`scripts/test.sh` does).
//!
//!   policy-table longterm|pin|get

use gupguard::policy::{
    decide, fast_covered, fast_folio_needs_slow_path, Folio, Mode, Request, Scope, Verdict, Vma,
};

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    let Some(scope) = Scope::parse(arg.as_bytes()) else {
        eprintln!("usage: policy-table longterm|pin|get");
        std::process::exit(2);
    };
    for r in 0..16u32 {
        let req = Request::from_bits(r);
        for v in 0..64u32 {
            let vma = Vma::from_bits(v);
            let refused = decide(Mode::Enforce, scope, req, vma) == Verdict::Refuse;
            println!("slow {r} {v} {}", u8::from(refused));
        }
        // GUP-fast: what the module's return check keeps on GUP-fast (the
        // rest goes to the slow path, which decides with the VMA).
        for kind in ["anon", "shmem", "file", "hugetlb"] {
            let folio = Folio {
                anon: kind == "anon",
                shmem: kind == "shmem",
                hugetlb: kind == "hugetlb",
            };
            let stays =
                !fast_covered(Mode::Enforce, scope, req) || !fast_folio_needs_slow_path(folio);
            println!("fast {r} {kind} {}", u8::from(stays));
        }
    }
}
