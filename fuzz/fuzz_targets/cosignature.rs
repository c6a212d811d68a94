//! Witness cosignature lines (C2SP tlog-cosignature) and notes that collect them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_core::note::{Checkpoint, NoteVerifier, SignatureType, add_cosignatures, verify_cosignature};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (line, note) = text.split_once('\n').unwrap_or((text, ""));
    let cp = Checkpoint {
        origin: "vrs.test/state/AUS".into(),
        size: 3,
        root: [7; 32],
        extensions: vec![],
    };
    let cosigner =
        NoteVerifier::new("vrs.test/state/IDN", SignatureType::CosignatureV1, [9; 32]);
    if let Ok(v) = cosigner {
        let _ = verify_cosignature(line, &cp, &v);
    }
    let _ = add_cosignatures(note, &[line]);
});
