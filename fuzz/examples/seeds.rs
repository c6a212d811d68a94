//! Writes the small seed corpora under `corpus/<target>/` (committed; rerun to
//! regenerate): `cargo +nightly run --example seeds` in `fuzz/`.

use std::path::Path;

use vrs_core::aggregate::{Period, TableId, Tables};
use vrs_core::disclosure::{Policy, SystemRng};
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_core::merkle::{self, MemStore};
use vrs_core::note::{Checkpoint, NoteSigner, sign_checkpoint};
use vrs_core::receipt::Receipt;
use vrs_core::release::{ReleaseCheckpoint, ReleaseMeta, build_release};
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Iso3, RecordType, Timestamp};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("corpus").join(target);
    std::fs::create_dir_all(&dir).expect("corpus dir");
    std::fs::write(dir.join(name), bytes).expect("seed");
}

fn main() {
    let (key, _) = SigningKey::generate("hcg-piraeus-01-k1");
    for kind in [
        RecordType::Movement,
        RecordType::Smuggler,
        RecordType::Fee,
        RecordType::Document,
        RecordType::Case,
    ] {
        let r = examples::example(kind, &ExampleParams::default());
        let env = Envelope::sign(
            vrs_proto::REPORT_PAYLOAD_TYPE,
            vrs_core::wire::encode_report(&r),
            &key,
        );
        write("report", &format!("{kind:?}.entry"), &env.to_entry_bytes());
        write("report", &format!("{kind:?}.payload"), &env.payload);
        write("report", &format!("{kind:?}.json"), env.to_json().as_bytes());
    }

    let (signer, _) = NoteSigner::generate("vrs.example/state/GRC").expect("signer");
    let mut tree = MemStore::new();
    for i in 0..5u8 {
        tree.push(merkle::leaf_hash(&[i]));
    }
    let cp = Checkpoint {
        origin: signer.name().to_owned(),
        size: 5,
        root: merkle::root(&tree, 5).expect("root"),
        extensions: vec![],
    };
    let note = sign_checkpoint(&cp, &[&signer]).expect("note");
    write("note", "checkpoint", note.as_bytes());
    write(
        "note",
        "peter",
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n".as_bytes(),
    );
    write("note", "vkey", signer.verifier_key().as_bytes());

    let receipt = Receipt {
        extra: None,
        index: 2,
        proof: merkle::inclusion_proof(&tree, 2, 5).expect("proof"),
        checkpoint_note: note.clone(),
    };
    write("receipt", "receipt.tlog-proof", receipt.to_text().as_bytes());

    let line = signer.cosigner().cosign(&cp, 1_780_000_000).expect("cosign");
    let cosigned = vrs_core::note::add_cosignatures(&note, &[&line]).expect("add");
    write("cosignature", "line-and-note", format!("{line}\n{cosigned}").as_bytes());

    let meta = ReleaseMeta {
        origin: Iso3::new("GRC").expect("iso"),
        table: TableId::Movements,
        period: Period::parse("2026-M03").expect("period"),
        version: 1,
        code_list_version: vrs_core::codes::CODE_LIST_VERSION.into(),
        checkpoint: ReleaseCheckpoint::from_note(note).expect("checkpoint"),
        computed_at: Timestamp::from_unix_seconds(1_780_000_000).expect("time"),
        reciprocity: Default::default(),
    };
    let release = build_release(
        meta,
        Policy::Threshold { k: 5 },
        &Tables::default(),
        None,
        &mut SystemRng::new(),
    )
    .expect("release");
    let payload = vrs_core::wire::encode_release(&release);
    write("release", "payload", &payload);
    let env = Envelope::sign(vrs_proto::RELEASE_PAYLOAD_TYPE, payload, &key);
    write("release", "envelope", &env.to_entry_bytes());

    for seq in [0u64, 1, 1000, u64::MAX] {
        write("cursor", &format!("seq-{seq}"), vrs_node::sync::cursor_token(seq).as_bytes());
    }

    for f in ["movement.json", "reports.ndjson", "fees.csv"] {
        let text = std::fs::read(Path::new("../deploy/examples").join(f)).expect("example");
        write("bulk", f, &text);
    }
    let node = std::fs::read("../deploy/federation/aus/vrs-node.toml").expect("config");
    write("config", "vrs-node.toml", &node);
    write(
        "config",
        "client.toml",
        b"default_profile = \"a\"\n[profiles.a]\nendpoint = \"https://localhost:7401\"\nca = \"ca.crt\"\ncert = \"c.crt\"\nkey = \"c.key\"\n",
    );
}
