//! HTTP/1 response decoder: no panic, and the same items however the input is cut.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weir_fuzz::http1::check_responses(data));
