#![no_main]
//! See `rootio::fuzz_harness::basket`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rootio::fuzz_harness::basket(data));
