//! Compile-fail tests: each bad manifest under `tests/ui/` must stop the
//! build with the message in the `.stderr` file next to it, which names the
//! manifest file, the line and column, and the tool and field.
//!
//! Run with `TRYBUILD=overwrite` to write new `.stderr` files after an
//! intended change to a message.

#[test]
fn bad_manifests_fail_to_compile() {
    // trybuild compiles each case in its own crate under `target/`, so the
    // macro would resolve `tests/ui/...` there. This variable points it back
    // at this crate.
    // SAFETY: this is the only test in the binary, and no other thread reads
    // or writes the environment while it is set.
    unsafe {
        std::env::set_var("OKTA_MACROS_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR"));
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
