//! gzip, deflate and brotli: what the encoder writes, our decoder and the reference decoders
//! read back unchanged.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weir_fuzz::compress::check_round_trip(data));
