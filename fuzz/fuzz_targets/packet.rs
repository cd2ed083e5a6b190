//! The server's whole packet path: each input is a few datagrams (see
//! `oscine_fuzz::split_datagrams`) sent by one client to a fresh server.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oscine_fuzz::packet(data));
