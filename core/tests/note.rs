//! Signed notes, checkpoints and cosignatures (vrs_core::note).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use proptest::prelude::*;
use vrs_core::note::{
    self, Checkpoint, CosignatureSigner, KeyError, MAX_SIGNATURES, NoteError, NoteSigner,
    NoteVerifier, SignatureType, Verifiers,
};
use vrs_core::sha256;

// The example of golang.org/x/mod/sumdb/note (package doc and note_test.go).
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                          then you don't know what your problem is.\n\
                          \n\
                          \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn peter() -> Verifiers {
    Verifiers::from_vkeys([PETER_VKEY]).expect("Peter's key parses")
}

fn verifiers(vs: &[NoteVerifier]) -> Verifiers {
    Verifiers::from_verifiers(vs.iter().cloned()).expect("distinct keys")
}

/// Byte-level variants of `s` with the byte at `i` changed, that are still UTF-8.
fn mutations(s: &str, i: usize) -> Vec<String> {
    [0x01u8, 0x02, 0x20, 0x40, 0x80]
        .iter()
        .map(|x| {
            let mut b = s.as_bytes().to_vec();
            b[i] ^= x;
            b
        })
        .chain(std::iter::once({
            let mut b = s.as_bytes().to_vec();
            b[i] = b[i].wrapping_add(1);
            b
        }))
        .filter_map(|b| String::from_utf8(b).ok())
        .collect()
}

fn checkpoint(size: u64) -> Checkpoint {
    Checkpoint {
        origin: "vrs.example/state/AUS".to_owned(),
        size,
        root: sha256(b"some root"),
        extensions: vec![],
    }
}

// ---------------------------------------------------------------- Go vector

#[test]
fn go_vector_is_the_documented_bytes() {
    assert_eq!(PETER_NOTE, format!("{TEXT}\n{PETER_SIG}"));
}

#[test]
fn go_vector_accepted() {
    let n = note::open_note(PETER_NOTE, &peter()).expect("Go example verifies");
    assert_eq!(n.text, TEXT);
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.verified[0].signature.name, "PeterNeumann");
    assert_eq!(n.verified[0].signature.key_id, 0xc74f20a3);
    assert_eq!(n.verified[0].signature_type, SignatureType::Ed25519);
    assert!(n.unverified.is_empty());
}

#[test]
fn go_vector_rejected_after_any_single_byte_change() {
    let v = peter();
    let mut tried = 0;
    for i in 0..PETER_NOTE.len() {
        for m in mutations(PETER_NOTE, i) {
            tried += 1;
            assert!(
                note::open_note(&m, &v).is_err(),
                "accepted with byte {i} changed: {m:?}"
            );
        }
    }
    assert!(tried > 2 * PETER_NOTE.len());
}

#[test]
fn go_signer_key_reproduces_the_vector() {
    let s = NoteSigner::from_signer_key(PETER_SKEY).expect("Go signer key parses");
    assert_eq!(s.name(), "PeterNeumann");
    assert_eq!(s.key_id(), 0xc74f20a3);
    assert_eq!(s.verifier_key(), PETER_VKEY);
    assert_eq!(s.signer_key(), PETER_SKEY);
    // Ed25519 is deterministic: the same bytes as Go's note.Sign.
    assert_eq!(note::sign_note(TEXT, &[&s]).expect("signs"), PETER_NOTE);
}

#[test]
fn go_doubly_signed_note() {
    let msg = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let n = note::open_note(&msg, &peter()).expect("Peter verifies");
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.unverified.len(), 1);
    assert_eq!(n.unverified[0].name, "EnochRoot");
    assert_eq!(n.unverified[0].key_id, 0xaf0cfe78);

    let both = Verifiers::from_vkeys([PETER_VKEY, ENOCH_VKEY]).expect("keys parse");
    let n = note::open_note(&msg, &both).expect("both verify");
    assert_eq!(n.verified.len(), 2);
    assert_eq!(n.verified[1].signature.name, "EnochRoot");
    assert!(n.unverified.is_empty());

    assert_eq!(
        note::open_note(&msg, &Verifiers::new()),
        Err(NoteError::NoVerifiedSignature)
    );
}

#[test]
fn go_bad_messages_rejected() {
    let bad = [
        TEXT.to_owned(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n{PETER_SIG}\n"),
        format!("{TEXT}\r\n{PETER_SIG}"),
        format!(
            "{TEXT}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ),
        format!("{TEXT}\n\u{2014} PeterNeumann\n"),
        format!("{TEXT}\n\u{2014} PeterNeumann \n"),
        format!("{TEXT}\n\u{2014} PeterNeumann AAAAAA==\n"),
        String::new(),
        "\n\n".to_owned(),
    ];
    for m in &bad {
        assert!(
            matches!(note::open_note(m, &peter()), Err(NoteError::Malformed(_))),
            "{m:?}"
        );
    }
}

#[test]
fn too_many_signatures_rejected() {
    let ok = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES));
    let n = note::open_note(&ok, &peter()).expect("100 signatures accepted");
    assert_eq!(n.verified.len(), 1, "repeated signatures are listed once");

    let bad = format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1));
    assert_eq!(
        note::open_note(&bad, &peter()),
        Err(NoteError::TooManySignatures)
    );
    assert_eq!(
        note::open_note(&bad, &Verifiers::new()),
        Err(NoteError::TooManySignatures)
    );
}

#[test]
fn invalid_signature_from_known_key_rejects_note() {
    let (a, b) = PETER_SIG.split_at(60);
    let msg = format!("{TEXT}\n{a}ABCD{b}");
    assert_eq!(
        note::open_note(&msg, &peter()),
        Err(NoteError::InvalidSignature {
            name: "PeterNeumann".to_owned(),
            key_id: 0xc74f20a3
        })
    );
    // Even next to a valid signature.
    let msg = format!("{TEXT}\n{PETER_SIG}{a}ABCD{b}");
    assert!(matches!(
        note::open_note(&msg, &peter()),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn unknown_key_with_known_name_or_id_is_ignored() {
    // Same name, other key ID; and same key ID, other name.
    let other_id = PETER_SIG.replace("x08g", "xxxx");
    let other_name = PETER_SIG.replace("PeterNeumann", "PeterNeuman");
    let msg = format!("{TEXT}\n{other_id}{other_name}{PETER_SIG}");
    let n = note::open_note(&msg, &peter()).expect("Peter verifies");
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.unverified.len(), 2);
}

// ---------------------------------------------------------------- keys

#[test]
fn key_id_is_sha256_of_name_newline_type_key() {
    let v = NoteVerifier::parse(PETER_VKEY).expect("parses");
    assert_eq!(
        note::key_id("PeterNeumann", SignatureType::Ed25519, v.public_key()),
        0xc74f20a3
    );

    let (s, _) = NoteSigner::generate("vrs.example/state/AUS").expect("generates");
    let mut buf = b"vrs.example/state/AUS\n\x01".to_vec();
    buf.extend_from_slice(s.public_key());
    let h = sha256(&buf);
    assert_eq!(s.key_id(), u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
}

#[test]
fn verifier_key_round_trip() {
    let v = NoteVerifier::parse(PETER_VKEY).expect("parses");
    assert_eq!(v.name(), "PeterNeumann");
    assert_eq!(v.key_id(), 0xc74f20a3);
    assert_eq!(v.signature_type(), SignatureType::Ed25519);
    assert_eq!(v.to_vkey(), PETER_VKEY);
    assert_eq!(v.to_string(), PETER_VKEY);
    assert_eq!(PETER_VKEY.parse::<NoteVerifier>(), Ok(v.clone()));
    let again = NoteVerifier::new("PeterNeumann", SignatureType::Ed25519, *v.public_key())
        .expect("valid name");
    assert_eq!(again, v);
    // Upper-case hex is accepted (as Go does) and formatted back in lower case.
    let upper = NoteVerifier::parse(&PETER_VKEY.replace("c74f20a3", "C74F20A3")).expect("parses");
    assert_eq!(upper.to_vkey(), PETER_VKEY);
}

#[test]
fn verifier_key_manglings_rejected() {
    // As Go's TestNewVerifier: every proper substring, every byte incremented.
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let s = &PETER_VKEY[i..j];
            assert!(NoteVerifier::parse(s).is_err(), "{s:?}");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        let s = String::from_utf8(m).expect("ASCII");
        assert!(NoteVerifier::parse(&s).is_err(), "{s:?}");
    }
    // Wrong key length and unknown algorithm, each with a matching key ID (from Go).
    assert!(matches!(
        NoteVerifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(KeyError::Malformed(_))
    ));
    assert_eq!(
        NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::UnknownAlgorithm(0x65))
    );
}

#[test]
fn malformed_verifier_keys_rejected() {
    let key = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    let cases: &[(String, KeyError)] = &[
        (format!("+c74f20a3+{key}"), KeyError::InvalidName),
        (
            format!("Peter Neumann+c74f20a3+{key}"),
            KeyError::InvalidName,
        ),
        (
            format!("Peter\u{a0}Neumann+c74f20a3+{key}"),
            KeyError::InvalidName,
        ),
        (
            format!("Peter\tNeumann+c74f20a3+{key}"),
            KeyError::InvalidName,
        ),
        (
            format!("PeterNeumann+c74f20a4+{key}"),
            KeyError::KeyIdMismatch,
        ),
        (
            format!("PeterNeumann+c74f20a+{key}"),
            KeyError::Malformed("key ID is not 8 hex digits"),
        ),
        (
            format!("PeterNeumann++c74f20a+{key}"),
            KeyError::Malformed("key ID is not 8 hex digits"),
        ),
        (
            format!("PeterNeumann+c74f20a3x+{key}"),
            KeyError::Malformed("key ID is not 8 hex digits"),
        ),
        (
            format!("PeterNeumann+c74f20a3+{key}="),
            KeyError::Malformed("key is not base64"),
        ),
        (
            "PeterNeumann+c74f20a3+".to_owned(),
            KeyError::Malformed("empty key"),
        ),
        (
            "PeterNeumann+c74f20a3".to_owned(),
            KeyError::Malformed("missing '+'"),
        ),
        (
            "PeterNeumann".to_owned(),
            KeyError::Malformed("missing '+'"),
        ),
        (String::new(), KeyError::Malformed("missing '+'")),
    ];
    for (k, want) in cases {
        assert_eq!(NoteVerifier::parse(k).as_ref().err(), Some(want), "{k:?}");
    }
}

#[test]
fn signer_key_manglings_rejected() {
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let s = &PETER_SKEY[i..j];
            assert!(NoteSigner::from_signer_key(s).is_err(), "{s:?}");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        let s = String::from_utf8(m).expect("ASCII");
        assert!(NoteSigner::from_signer_key(&s).is_err(), "{s:?}");
    }
}

#[test]
fn generated_keys_round_trip() {
    let (s, seed) = NoteSigner::generate("vrs.example/state/AUS").expect("generates");
    let again = NoteSigner::from_seed("vrs.example/state/AUS", &seed).expect("from seed");
    assert_eq!(again.public_key(), s.public_key());
    assert_eq!(again.key_id(), s.key_id());
    let parsed = NoteSigner::from_signer_key(&s.signer_key()).expect("signer key parses");
    assert_eq!(parsed.verifier(), s.verifier());
    assert_eq!(
        NoteVerifier::parse(&s.verifier_key()).expect("vkey parses"),
        s.verifier()
    );
    // The seed is in the signer key, base64(0x01 || seed).
    let b64 = s
        .signer_key()
        .splitn(5, '+')
        .last()
        .map(str::to_owned)
        .unwrap_or_default();
    let raw = BASE64.decode(b64).expect("base64");
    assert_eq!(raw[0], 0x01);
    assert_eq!(&raw[1..], &seed);
    // Debug never shows the seed.
    let dbg = format!("{s:?}");
    assert!(!dbg.contains(&BASE64.encode(seed)) && !dbg.contains(&vrs_core::hex(&seed)));

    let (other, other_seed) = NoteSigner::generate("vrs.example/state/AUS").expect("generates");
    assert_ne!(seed, other_seed);
    assert_ne!(other.public_key(), s.public_key());
}

#[test]
fn signer_names_validated() {
    let seed = [7u8; 32];
    for name in ["", "a b", "a+b", "a\nb", "a\u{2003}b"] {
        assert_eq!(
            NoteSigner::from_seed(name, &seed).err(),
            Some(KeyError::InvalidName),
            "{name:?}"
        );
        assert_eq!(
            CosignatureSigner::from_seed(name, &seed).err(),
            Some(KeyError::InvalidName)
        );
    }
}

#[test]
fn verifier_signs_and_verifies_raw_messages() {
    let s = NoteSigner::from_seed("n", &[1u8; 32]).expect("valid");
    let v = s.verifier();
    let mut sig = s.sign(b"hi");
    assert!(v.verify(b"hi", &sig));
    assert!(!v.verify(b"hj", &sig));
    sig[0] ^= 1;
    assert!(!v.verify(b"hi", &sig));
    assert!(!v.verify(b"hi", &sig[..63]));
}

#[test]
fn verifiers_set() {
    let a = NoteSigner::from_seed("a", &[1u8; 32])
        .expect("valid")
        .verifier();
    let b = NoteSigner::from_seed("b", &[2u8; 32])
        .expect("valid")
        .verifier();
    let mut set = Verifiers::new();
    assert!(set.is_empty());
    set.add(a.clone()).expect("new key");
    set.add(a.clone()).expect("same key again is a no-op");
    set.add(b.clone()).expect("new key");
    assert_eq!(set.len(), 2);
    assert_eq!(set.get("a", a.key_id()), Some(&a));
    assert_eq!(set.get("a", b.key_id()), None);
    assert_eq!(set.iter().count(), 2);
}

// ---------------------------------------------------------------- notes

#[test]
fn sign_open_round_trip_with_generated_keys() {
    let (s1, _) = NoteSigner::generate("log.example/one").expect("generates");
    let (s2, _) = NoteSigner::generate("log.example/two").expect("generates");
    let text = "hello\n\nworld, with an empty line\n";
    let msg = note::sign_note(text, &[&s1, &s2]).expect("signs");
    let n = note::open_note(&msg, &verifiers(&[s1.verifier(), s2.verifier()])).expect("opens");
    assert_eq!(n.text, text);
    assert_eq!(n.verified.len(), 2);

    // One known key: the other signature is kept as unverified.
    let n = note::open_note(&msg, &verifiers(&[s2.verifier()])).expect("opens");
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.verified[0].signature.name, "log.example/two");
    assert_eq!(n.unverified.len(), 1);
    assert_eq!(n.unverified[0].name, "log.example/one");
    assert_eq!(n.unverified[0].key_id, s1.key_id());

    // Parse-only agrees.
    let p = note::parse_note(&msg).expect("parses");
    assert_eq!(p.text, text);
    assert_eq!(p.signatures.len(), 2);
}

#[test]
fn note_signed_only_by_unknown_key_rejected() {
    let (s, _) = NoteSigner::generate("log.example/one").expect("generates");
    let (stranger, _) = NoteSigner::generate("log.example/one").expect("generates");
    let msg = note::sign_note("hello\n", &[&stranger]).expect("signs");
    assert_eq!(
        note::open_note(&msg, &verifiers(&[s.verifier()])),
        Err(NoteError::NoVerifiedSignature)
    );
}

#[test]
fn sign_note_rejects_bad_text() {
    let s = NoteSigner::from_seed("n", &[1u8; 32]).expect("valid");
    for text in ["", "abc", "a\tb\n", "a\r\n", "\x00\n"] {
        assert!(
            matches!(note::sign_note(text, &[&s]), Err(NoteError::InvalidText(_))),
            "{text:?}"
        );
    }
    assert!(matches!(
        note::sign_note("a\n", &[]),
        Err(NoteError::InvalidText(_))
    ));
    let many: Vec<&NoteSigner> = std::iter::repeat_n(&s, MAX_SIGNATURES + 1).collect();
    assert_eq!(
        note::sign_note("a\n", &many),
        Err(NoteError::TooManySignatures)
    );
}

#[test]
fn sign_note_signs_once_per_key() {
    let s = NoteSigner::from_seed("n", &[1u8; 32]).expect("valid");
    let msg = note::sign_note("a\n", &[&s, &s]).expect("signs");
    assert_eq!(note::parse_note(&msg).expect("parses").signatures.len(), 1);
}

#[test]
fn signature_line_round_trip() {
    let sig = note::Signature::parse_line(PETER_SIG).expect("parses");
    assert_eq!(sig.name, "PeterNeumann");
    assert_eq!(sig.key_id, 0xc74f20a3);
    assert_eq!(sig.signature.len(), 64);
    assert_eq!(format!("{}\n", sig.to_line()), PETER_SIG);
    assert_eq!(sig.cosignature_timestamp(), None);
}

// ---------------------------------------------------------------- checkpoints

#[test]
fn checkpoint_spec_example_parses() {
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let cp = Checkpoint::parse_body(body).expect("spec example parses");
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20852163);
    assert_eq!(
        BASE64.encode(cp.root),
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    );
    assert!(cp.extensions.is_empty());
    assert_eq!(cp.to_body(), body);
}

#[test]
fn checkpoint_body_round_trip() {
    for cp in [
        checkpoint(0),
        checkpoint(1),
        checkpoint(u64::MAX),
        Checkpoint {
            extensions: vec!["ext one".to_owned(), "— two".to_owned()],
            ..checkpoint(42)
        },
    ] {
        cp.validate().expect("valid");
        let body = cp.to_body();
        assert_eq!(Checkpoint::parse_body(&body), Ok(cp));
    }
    assert_eq!(
        checkpoint(42).to_body(),
        format!(
            "vrs.example/state/AUS\n42\n{}\n",
            BASE64.encode(sha256(b"some root"))
        )
    );
}

#[test]
fn malformed_checkpoint_bodies_rejected() {
    let root = BASE64.encode(sha256(b"r"));
    let root31 = BASE64.encode(&sha256(b"r")[..31]);
    let root33 = BASE64.encode([0u8; 33]);
    let bad = [
        format!("o\n007\n{root}\n"),
        format!("o\n00\n{root}\n"),
        format!("o\n+7\n{root}\n"),
        format!("o\n-1\n{root}\n"),
        format!("o\n 7\n{root}\n"),
        format!("o\n7 \n{root}\n"),
        format!("o\n0x10\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"),
        format!("o\n\n{root}\n"),
        format!("o\n7\n{root31}\n"),
        format!("o\n7\n{root33}\n"),
        format!("o\n7\n{}\n", root.trim_end_matches('=')),
        format!("o\n7\n{}\n", root.replace('=', "")),
        "o\n7\nnot base64!\n".to_owned(),
        "o\n7\n\n".to_owned(),
        "o\n7\n".to_owned(),
        "o\n".to_owned(),
        String::new(),
        format!("\n7\n{root}\n"),
        format!("o\n7\n{root}"),
        format!("o\n7\n{root}\n\n"),
        format!("o\n7\n{root}\next\n\n"),
        format!("o\n7\n{root}\n\next\n"),
        format!("o\t\n7\n{root}\n"),
        format!("o\r\n7\n{root}\n"),
    ];
    for b in &bad {
        assert!(
            matches!(Checkpoint::parse_body(b), Err(NoteError::Checkpoint(_))),
            "{b:?}"
        );
    }
    // Non-canonical base64 (non-zero trailing bits: 'B' is 0b000001 where the last two
    // bits of this character must be zero) is rejected too.
    let noncanonical = format!("{}B=", &root[..root.len() - 2]);
    assert!(matches!(
        Checkpoint::parse_body(&format!("o\n7\n{noncanonical}\n")),
        Err(NoteError::Checkpoint(_))
    ));
}

#[test]
fn invalid_checkpoints_not_signed() {
    let s = NoteSigner::from_seed("o", &[1u8; 32]).expect("valid");
    for cp in [
        Checkpoint {
            origin: String::new(),
            ..checkpoint(1)
        },
        Checkpoint {
            origin: "a\nb".to_owned(),
            ..checkpoint(1)
        },
        Checkpoint {
            extensions: vec![String::new()],
            ..checkpoint(1)
        },
        Checkpoint {
            extensions: vec!["x\n".to_owned()],
            ..checkpoint(1)
        },
    ] {
        assert!(matches!(
            note::sign_checkpoint(&cp, &[&s]),
            Err(NoteError::Checkpoint(_))
        ));
    }
}

#[test]
fn checkpoint_sign_and_open() {
    let (log, _) = NoteSigner::generate("vrs.example/state/AUS").expect("generates");
    let cp = checkpoint(1234);
    let signed = note::sign_checkpoint(&cp, &[&log]).expect("signs");
    assert!(signed.starts_with(&format!(
        "{}\n\u{2014} vrs.example/state/AUS ",
        cp.to_body()
    )));
    let opened = note::open_checkpoint(&signed, &verifiers(&[log.verifier()])).expect("opens");
    assert_eq!(opened.checkpoint, cp);
    assert_eq!(opened.log_signatures().count(), 1);
    assert_eq!(opened.cosignatures().count(), 0);

    // A verified note whose text is not a checkpoint is rejected.
    let not_cp = note::sign_note("hello\n", &[&log]).expect("signs");
    assert!(matches!(
        note::open_checkpoint(&not_cp, &verifiers(&[log.verifier()])),
        Err(NoteError::Checkpoint(_))
    ));
}

// ---------------------------------------------------------------- cosignatures

struct Witnessed {
    log: NoteSigner,
    witness: CosignatureSigner,
    cp: Checkpoint,
    line: String,
}

const T: u64 = 1_679_315_147;

fn witnessed() -> Witnessed {
    let log = NoteSigner::from_seed("vrs.example/state/AUS", &[3u8; 32]).expect("valid");
    let witness = CosignatureSigner::from_seed("vrs.example/state/NZL", &[4u8; 32]).expect("valid");
    let cp = checkpoint(20852163);
    let line = witness.cosign(&cp, T).expect("cosigns");
    Witnessed {
        log,
        witness,
        cp,
        line,
    }
}

#[test]
fn cosignature_key_id_uses_type_4() {
    let w = witnessed();
    let mut buf = b"vrs.example/state/NZL\n\x04".to_vec();
    buf.extend_from_slice(w.witness.public_key());
    let h = sha256(&buf);
    assert_eq!(
        w.witness.key_id(),
        u32::from_be_bytes([h[0], h[1], h[2], h[3]])
    );
    assert_eq!(
        w.witness.key_id(),
        note::key_id(
            "vrs.example/state/NZL",
            SignatureType::CosignatureV1,
            w.witness.public_key()
        )
    );
    // The same seed as a log key has another key ID.
    let as_log = NoteSigner::from_seed("vrs.example/state/NZL", &[4u8; 32]).expect("valid");
    assert_eq!(as_log.public_key(), w.witness.public_key());
    assert_ne!(as_log.key_id(), w.witness.key_id());

    // Key strings carry the 0x04 type byte.
    let v = w.witness.verifier();
    assert_eq!(v.signature_type(), SignatureType::CosignatureV1);
    let vkey = w.witness.verifier_key();
    let raw = BASE64
        .decode(vkey.splitn(3, '+').last().unwrap_or_default())
        .expect("base64");
    assert_eq!(raw[0], 0x04);
    assert_eq!(NoteVerifier::parse(&vkey), Ok(v));
    let skey = w.witness.signer_key();
    let again = CosignatureSigner::from_signer_key(&skey).expect("parses");
    assert_eq!(again.verifier(), w.witness.verifier());
    assert_eq!(
        NoteSigner::from_signer_key(&skey).err(),
        Some(KeyError::WrongAlgorithm {
            expected: 0x01,
            found: 0x04
        })
    );
    assert_eq!(
        CosignatureSigner::from_signer_key(&w.log.signer_key()).err(),
        Some(KeyError::WrongAlgorithm {
            expected: 0x04,
            found: 0x01
        })
    );
}

#[test]
fn cosignature_line_layout_and_signed_message() {
    let w = witnessed();
    let b64 = w
        .line
        .strip_prefix("\u{2014} vrs.example/state/NZL ")
        .expect("line prefix");
    let raw = BASE64.decode(b64).expect("base64");
    assert_eq!(raw.len(), 4 + 8 + 64);
    assert_eq!(&raw[..4], &w.witness.key_id().to_be_bytes());
    assert_eq!(&raw[4..12], &T.to_be_bytes());
    // Independently check the signed message with ring.
    let msg = format!("cosignature/v1\ntime {T}\n{}", w.cp.to_body());
    let key =
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, w.witness.public_key());
    key.verify(msg.as_bytes(), &raw[12..])
        .expect("signature over the spec's message");
}

#[test]
fn cosignature_verifies() {
    let w = witnessed();
    let v = w.witness.verifier();
    assert_eq!(note::verify_cosignature(&w.line, &w.cp, &v), Ok(T));
    assert_eq!(
        note::verify_cosignature(&format!("{}\n", w.line), &w.cp, &v),
        Ok(T)
    );
    // Extension lines are covered.
    let ext = Checkpoint {
        extensions: vec!["ext".to_owned()],
        ..w.cp.clone()
    };
    let line = w.witness.cosign(&ext, T).expect("cosigns");
    assert_eq!(note::verify_cosignature(&line, &ext, &v), Ok(T));
    assert!(note::verify_cosignature(&line, &w.cp, &v).is_err());
}

#[test]
fn cosignature_rejected_after_any_byte_change() {
    let w = witnessed();
    let v = w.witness.verifier();
    for i in 0..w.line.len() {
        for m in mutations(&w.line, i) {
            assert!(
                note::verify_cosignature(&m, &w.cp, &v).is_err(),
                "accepted line with byte {i} changed: {m:?}"
            );
        }
    }
    let body = w.cp.to_body();
    for i in 0..body.len() {
        for m in mutations(&body, i) {
            if let Ok(cp) = Checkpoint::parse_body(&m) {
                assert!(
                    note::verify_cosignature(&w.line, &cp, &v).is_err(),
                    "accepted body with byte {i} changed: {m:?}"
                );
            }
        }
    }
}

#[test]
fn cosignature_wrong_key_or_time() {
    let w = witnessed();
    assert_eq!(
        note::verify_cosignature(&w.line, &w.cp, &w.log.verifier()),
        Err(NoteError::WrongKeyType {
            expected: 0x04,
            found: 0x01
        })
    );
    let other = CosignatureSigner::from_seed("other.example", &[5u8; 32]).expect("valid");
    assert!(matches!(
        note::verify_cosignature(&w.line, &w.cp, &other.verifier()),
        Err(NoteError::KeyMismatch { .. })
    ));
    // Same name, other key: the key ID differs.
    let impostor =
        CosignatureSigner::from_seed("vrs.example/state/NZL", &[6u8; 32]).expect("valid");
    assert!(matches!(
        note::verify_cosignature(&w.line, &w.cp, &impostor.verifier()),
        Err(NoteError::KeyMismatch { .. })
    ));
    assert_eq!(
        w.witness.cosign(&w.cp, 1 << 63),
        Err(NoteError::TimestampTooLarge)
    );
    let max = w.witness.cosign(&w.cp, (1 << 63) - 1).expect("cosigns");
    assert_eq!(
        note::verify_cosignature(&max, &w.cp, &w.witness.verifier()),
        Ok((1 << 63) - 1)
    );
    assert_eq!(
        note::verify_cosignature(
            &w.witness.cosign(&w.cp, 0).expect("cosigns"),
            &w.cp,
            &w.witness.verifier()
        ),
        Ok(0)
    );
}

#[test]
fn cosigned_checkpoint_note() {
    let w = witnessed();
    let signed = note::sign_checkpoint(&w.cp, &[&w.log]).expect("signs");
    let cosigned = note::add_cosignatures(&signed, &[w.line.as_str()]).expect("adds");
    assert_eq!(cosigned, format!("{signed}{}\n", w.line));

    // Log key only: the cosignature is an unknown signature, kept unverified.
    let opened = note::open_checkpoint(&cosigned, &verifiers(&[w.log.verifier()])).expect("opens");
    assert_eq!(opened.cosignatures().count(), 0);
    assert_eq!(opened.note.unverified.len(), 1);
    assert_eq!(opened.note.unverified[0].cosignature_timestamp(), Some(T));

    // Log and witness keys: both verified.
    let both = verifiers(&[w.log.verifier(), w.witness.verifier()]);
    let opened = note::open_checkpoint(&cosigned, &both).expect("opens");
    assert_eq!(opened.checkpoint, w.cp);
    assert_eq!(opened.log_signatures().count(), 1);
    let cosigs: Vec<_> = opened.cosignatures().collect();
    assert_eq!(cosigs.len(), 1);
    assert_eq!(cosigs[0].signature.name, "vrs.example/state/NZL");
    assert_eq!(cosigs[0].timestamp(), Some(T));
    assert_eq!(
        opened.log_signatures().next().and_then(|s| s.timestamp()),
        None
    );

    // Witness key only: no log signature.
    assert_eq!(
        note::open_checkpoint(&cosigned, &verifiers(&[w.witness.verifier()])),
        Err(NoteError::NoLogSignature)
    );

    // Any byte change in the text or in a known key's line is rejected.
    let text_and_log_line = signed.len();
    for i in 0..text_and_log_line {
        for m in mutations(&cosigned, i) {
            assert!(note::open_checkpoint(&m, &both).is_err(), "byte {i}: {m:?}");
        }
    }
    // A changed byte anywhere in the cosignature line never yields a verified
    // cosignature: the note is rejected, or the changed line is from an unknown key.
    for i in signed.len()..cosigned.len() {
        for m in mutations(&cosigned, i) {
            let verified_cosigs = note::open_checkpoint(&m, &both)
                .map(|o| o.cosignatures().count())
                .unwrap_or(0);
            assert_eq!(verified_cosigs, 0, "byte {i}: {m:?}");
        }
    }
}

#[test]
fn add_cosignatures_replaces_same_key_and_checks_syntax() {
    let w = witnessed();
    let signed = note::sign_checkpoint(&w.cp, &[&w.log]).expect("signs");
    let first = note::add_cosignatures(&signed, std::slice::from_ref(&w.line)).expect("adds");
    let newer = w.witness.cosign(&w.cp, T + 60).expect("cosigns");
    let second = note::add_cosignatures(&first, &[format!("{newer}\n")]).expect("adds");
    assert_eq!(second, format!("{signed}{newer}\n"));
    let both = verifiers(&[w.log.verifier(), w.witness.verifier()]);
    let opened = note::open_checkpoint(&second, &both).expect("opens");
    assert_eq!(
        opened.cosignatures().next().and_then(|s| s.timestamp()),
        Some(T + 60)
    );

    assert!(note::add_cosignatures(&signed, &["not a line"]).is_err());
    assert!(note::add_cosignatures("not a note", &[w.line.as_str()]).is_err());
    let not_cp = note::sign_note("hello\n", &[&w.log]).expect("signs");
    assert!(matches!(
        note::add_cosignatures(&not_cp, &[w.line.as_str()]),
        Err(NoteError::Checkpoint(_))
    ));
    let many: Vec<String> = (0..MAX_SIGNATURES)
        .map(|i| {
            CosignatureSigner::from_seed(&format!("w{i}"), &[9u8; 32])
                .expect("valid")
                .cosign(&w.cp, T)
                .expect("cosigns")
        })
        .collect();
    assert_eq!(
        note::add_cosignatures(&signed, &many),
        Err(NoteError::TooManySignatures)
    );
    assert!(note::add_cosignatures(&signed, &many[1..]).is_ok());
}

// ---------------------------------------------------------------- no panics

fn fragments() -> impl Strategy<Value = String> {
    let frag = prop_oneof![
        Just("\u{2014} ".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just(" ".to_owned()),
        Just("+".to_owned()),
        Just("=".to_owned()),
        Just("PeterNeumann".to_owned()),
        Just("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=".to_owned()),
        Just("AAAAAA==".to_owned()),
        Just("0".to_owned()),
        Just("18446744073709551615".to_owned()),
        "[A-Za-z0-9+/]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(frag, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parsers_never_panic(s in fragments()) {
        let v = peter();
        let _ = note::open_note(&s, &v);
        let _ = note::open_checkpoint(&s, &v);
        let _ = note::parse_note(&s);
        let _ = Checkpoint::parse_body(&s);
        let _ = NoteVerifier::parse(&s);
        let _ = NoteSigner::from_signer_key(&s);
        let _ = CosignatureSigner::from_signer_key(&s);
        let _ = note::Signature::parse_line(&s);
        let _ = note::add_cosignatures(&s, &[s.as_str()]);
    }

    #[test]
    fn random_strings_never_open(s in any::<String>()) {
        prop_assert!(note::open_note(&s, &peter()).is_err());
    }

    #[test]
    fn any_valid_text_round_trips(lines in prop::collection::vec("[^\\x00-\\x1f]{0,20}", 1..6)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let s = NoteSigner::from_seed("n", &[1u8; 32]).expect("valid");
        let msg = note::sign_note(&text, &[&s]).expect("signs");
        let n = note::open_note(&msg, &verifiers(&[s.verifier()])).expect("opens");
        prop_assert_eq!(n.text, text);
    }

    #[test]
    fn checkpoint_round_trips(
        origin in "[^\\x00-\\x1f]{1,30}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        extensions in prop::collection::vec("[^\\x00-\\x1f]{1,10}", 0..3),
    ) {
        let cp = Checkpoint { origin, size, root, extensions };
        prop_assert_eq!(Checkpoint::parse_body(&cp.to_body()), Ok(cp));
    }
}
