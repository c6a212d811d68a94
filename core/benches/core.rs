//! Benchmarks of vrs-core. One function per area, all in the `benches` group;
//! run one area with `cargo bench -p vrs-core --bench core -- <area>`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vrs_core::merkle::{
    MemStore, consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency,
    verify_inclusion,
};

/// RFC 9162 log maths over an in-memory tree of a million leaves.
fn merkle_benches(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    const RAGGED: u64 = 999_999;
    const MID: u64 = 500_000;
    // Built once, outside every timed loop.
    let store: MemStore = (0..N).map(|i| leaf_hash(&i.to_be_bytes())).collect();

    let mut g = c.benchmark_group("merkle");
    g.bench_function("root/1000000", |b| b.iter(|| root(&store, black_box(N))));
    g.bench_function("root/999999", |b| {
        b.iter(|| root(&store, black_box(RAGGED)))
    });
    g.bench_function("inclusion_proof/500000@1000000", |b| {
        b.iter(|| inclusion_proof(&store, black_box(MID), black_box(N)))
    });
    g.bench_function("inclusion_proof/500000@999999", |b| {
        b.iter(|| inclusion_proof(&store, black_box(MID), black_box(RAGGED)))
    });
    g.bench_function("consistency_proof/500000->999999", |b| {
        b.iter(|| consistency_proof(&store, black_box(MID), black_box(RAGGED)))
    });

    let leaf = leaf_hash(&MID.to_be_bytes());
    let ragged_root = root(&store, RAGGED).expect("root of a well-formed store");
    let proof =
        inclusion_proof(&store, MID, RAGGED).expect("inclusion proof of a well-formed store");
    g.bench_function("verify_inclusion/500000@999999", |b| {
        b.iter(|| {
            verify_inclusion(
                black_box(&leaf),
                MID,
                RAGGED,
                black_box(&proof),
                &ragged_root,
            )
        })
    });
    let mid_root = root(&store, MID).expect("root of a well-formed store");
    let proof =
        consistency_proof(&store, MID, RAGGED).expect("consistency proof of a well-formed store");
    g.bench_function("verify_consistency/500000->999999", |b| {
        b.iter(|| verify_consistency(MID, RAGGED, &mid_root, &ragged_root, black_box(&proof)))
    });
    g.finish();
}

/// Envelope verification against a bare ring Ed25519 verify of the same PAE bytes,
/// in the same run, for a report-sized payload.
fn envelope_benches(c: &mut Criterion) {
    use ring::signature::{ED25519, UnparsedPublicKey};
    use vrs_core::envelope::{Envelope, SigningKey, pae};

    let key = SigningKey::from_seed("bench", &[42u8; 32]).expect("seed");
    let payload = vec![0x5a_u8; 600];
    let env = Envelope::sign(vrs_proto::REPORT_PAYLOAD_TYPE, payload, &key);
    let public = key.public_key();
    let msg = pae(&env.payload_type, &env.payload);
    let sig = env.signatures[0].sig.clone();
    let mut g = c.benchmark_group("envelope");
    g.bench_function("ring_verify_bare", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&ED25519, black_box(&public))
                .verify(black_box(&msg), black_box(&sig))
                .expect("verifies")
        })
    });
    g.bench_function("envelope_verify", |b| {
        b.iter(|| {
            black_box(&env)
                .verify(vrs_proto::REPORT_PAYLOAD_TYPE, black_box(&public))
                .expect("verifies")
        })
    });
    g.finish();
}

criterion_group!(benches, merkle_benches, envelope_benches);
criterion_main!(benches);
