//! Arbitrary bytes through decode → parse → facts, as a module and as a stub: nothing panics
//! and the facts keep the invariants of `../invariants.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|bytes: &[u8]| {
    if let Err(broken) = invariants::check_facts_of_bytes(bytes) {
        panic!("invariant broken: {broken}");
    }
});
