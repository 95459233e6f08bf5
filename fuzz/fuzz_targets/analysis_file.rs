#![no_main]
//! See `engine::fuzz_harness::analysis_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| engine::fuzz_harness::analysis_file(data));
