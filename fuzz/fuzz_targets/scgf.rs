//! The SCgf SynthDef reader, and what the server makes of the defs it reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oscine_fuzz::scgf(data));
