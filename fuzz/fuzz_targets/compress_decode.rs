//! gzip, deflate and brotli decoders: no panic, bounded output, and the same result however
//! the input is cut.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weir_fuzz::compress::check_decoders(data));
