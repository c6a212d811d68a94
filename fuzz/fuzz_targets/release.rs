//! Releases as a peer or a secretariat receives them: the envelope, then the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_core::envelope::Envelope;

fuzz_target!(|data: &[u8]| {
    let _ = vrs_core::wire::decode_release(data);
    if let Ok(env) = Envelope::from_entry_bytes(data) {
        let _ = vrs_core::release::open_release(&env, &[0u8; 32]);
        let _ = vrs_core::wire::decode_release(&env.payload);
    }
    if let Ok(r) = vrs_core::wire::decode_release(data) {
        let _ = vrs_core::release::export_json(std::slice::from_ref(&r));
        let _ = vrs_core::release::export_csv(std::slice::from_ref(&r));
        let _ = vrs_core::release::export_sdmx_csv(std::slice::from_ref(&r));
    }
});
