//! The bulk readers of `vrs submit`: JSON, NDJSON and CSV files of reports.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_client::bulk::{Format, read};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Json, Format::Ndjson, Format::Csv] {
        for record in read(text, format, Some("movement")) {
            if let Ok(v) = record.value {
                let _ = vrs_client::reportjson::from_json(&v, true);
            }
        }
    }
    let _ = vrs_client::bulk::parse_csv(text);
});
