#![no_main]
//! See `rootio::fuzz_harness::streamer_info`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rootio::fuzz_harness::streamer_info(data));
