//! Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint), verifier keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_core::note::{NoteVerifier, Verifiers, open_checkpoint, open_note, parse_note};

const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let verifiers = Verifiers::from_vkeys([VKEY]).expect("vkey");
    let _ = parse_note(text);
    let _ = open_note(text, &verifiers);
    let _ = open_checkpoint(text, &verifiers);
    let _ = vrs_core::note::Checkpoint::parse_body(text);
    for line in text.lines() {
        let _ = NoteVerifier::parse(line);
    }
});
