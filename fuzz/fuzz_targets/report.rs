//! Submissions as the node receives them: the envelope (protobuf and DSSE JSON), then
//! the report payload, decoded and validated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message as _;
use vrs_core::codes::Date;
use vrs_core::envelope::Envelope;

fuzz_target!(|data: &[u8]| {
    let today = Date::new(2026, 12, 1).expect("date");
    if let Ok(env) = Envelope::from_entry_bytes(data) {
        let _ = env.verify(vrs_proto::REPORT_PAYLOAD_TYPE, &[0u8; 32]);
        let _ = vrs_core::wire::decode_report(&env.payload, today);
        let _ = env.to_entry_bytes();
    }
    if let Ok(pb) = vrs_proto::v1::Envelope::decode(data) {
        let _ = vrs_core::wire::envelope_from_pb(pb).to_entry_bytes();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Envelope::from_json(text);
    }
    if let Ok(r) = vrs_core::wire::decode_report(data, today) {
        // What decodes re-encodes and decodes to the same report.
        let again = vrs_core::wire::decode_report(&vrs_core::wire::encode_report(&r), today);
        assert_eq!(again.ok().as_ref(), Some(&r));
    }
});
