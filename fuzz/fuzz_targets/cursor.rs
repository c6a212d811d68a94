//! Manifest cursors and page tokens that pullers send back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(seq) = vrs_node::sync::parse_cursor(text) {
        assert_eq!(
            vrs_node::sync::parse_cursor(&vrs_node::sync::cursor_token(seq)),
            Some(seq)
        );
    }
});
