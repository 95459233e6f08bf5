#![no_main]
//! See `rootio::fuzz_harness::remote_reply`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rootio::fuzz_harness::remote_reply(data));
