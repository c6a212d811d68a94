//! tlog-proof receipts, parsed and verified as `vrs receipt verify` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_core::note::Verifiers;
use vrs_core::receipt::Receipt;

const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = Receipt::parse(text) {
        let verifiers = Verifiers::from_vkeys([VKEY]).expect("vkey");
        let _ = r.verify(b"entry", &verifiers);
        let _ = Receipt::parse(&r.to_text());
    }
});
