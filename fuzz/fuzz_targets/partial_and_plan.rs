#![no_main]
//! See `engine::fuzz_harness::partial_and_plan`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| engine::fuzz_harness::partial_and_plan(data));
