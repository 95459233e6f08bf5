#![no_main]
//! See `engine::fuzz_harness::expression`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| engine::fuzz_harness::expression(data));
