#![no_main]
//! See `rootio::fuzz_harness::open_walk`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rootio::fuzz_harness::open_walk(data));
