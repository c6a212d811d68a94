//! DSSE envelopes signed with Ed25519.
//!
//! The signature covers `PAE(payloadType, payload)`:
//! `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`. The payload bytes are
//! carried and stored as they are and verified before anything parses them. The
//! `keyid` of a signature is a hint only: the caller decides which public key must
//! have signed, and [`Envelope::verify`] accepts the envelope only if a signature
//! verifies under that key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

/// Most signatures an envelope may carry; more is refused before any verification.
pub const MAX_SIGNATURES: usize = 8;

/// Errors from decoding or verifying an envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The payload type is not the one expected.
    #[error("payload type is {found:?}, expected {expected:?}")]
    PayloadType {
        /// The type expected.
        expected: String,
        /// The type found.
        found: String,
    },
    /// The envelope carries no signature.
    #[error("envelope carries no signature")]
    NoSignature,
    /// The envelope carries more than [`MAX_SIGNATURES`] signatures.
    #[error("envelope carries {0} signatures, at most {MAX_SIGNATURES} are allowed")]
    TooManySignatures(usize),
    /// No signature verifies under the given key.
    #[error("no signature verifies under the expected key")]
    BadSignature,
    /// The DSSE JSON form could not be decoded.
    #[error("invalid DSSE JSON: {0}")]
    Json(String),
    /// The protobuf form could not be decoded.
    #[error("invalid envelope encoding: {0}")]
    Decode(String),
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Key hint; never a security decision.
    pub keyid: String,
    /// Ed25519 signature bytes.
    pub sig: Vec<u8>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The signed bytes, exactly as the signer produced them.
    pub payload: Vec<u8>,
    /// Media type of the payload.
    pub payload_type: String,
    /// Signatures over `PAE(payload_type, payload)`.
    pub signatures: Vec<Signature>,
}

/// DSSE pre-authentication encoding of `payload_type` and `payload`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let t = payload_type.as_bytes();
    let (lt, lp) = (t.len().to_string(), payload.len().to_string());
    let mut out = Vec::with_capacity(10 + lt.len() + t.len() + lp.len() + payload.len());
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(lt.as_bytes());
    out.push(b' ');
    out.extend_from_slice(t);
    out.push(b' ');
    out.extend_from_slice(lp.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// An Ed25519 signing key with the key id it is known by.
pub struct SigningKey {
    key: Ed25519KeyPair,
    /// Key id placed in signatures as a hint.
    pub keyid: String,
}

impl SigningKey {
    /// A key from its 32-byte seed.
    pub fn from_seed(keyid: impl Into<String>, seed: &[u8]) -> Result<Self, EnvelopeError> {
        let key = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| EnvelopeError::Decode("Ed25519 seed must be 32 bytes".into()))?;
        Ok(Self {
            key,
            keyid: keyid.into(),
        })
    }

    /// A fresh key from the operating system's CSPRNG; returns the key and its seed.
    pub fn generate(keyid: impl Into<String>) -> (Self, [u8; 32]) {
        let rng = ring::rand::SystemRandom::new();
        let seed: [u8; 32] = ring::rand::generate(&rng)
            .map(|s: ring::rand::Random<[u8; 32]>| s.expose())
            .unwrap_or_else(|_| panic!("the operating system's CSPRNG failed"));
        match Self::from_seed(keyid, &seed) {
            Ok(k) => (k, seed),
            Err(_) => unreachable!("a 32-byte seed is always valid"),
        }
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.key.public_key().as_ref());
        out
    }

    /// Signs `msg` (raw Ed25519).
    pub fn sign_raw(&self, msg: &[u8]) -> Vec<u8> {
        self.key.sign(msg).as_ref().to_vec()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("keyid", &self.keyid)
            .finish_non_exhaustive()
    }
}

impl Envelope {
    /// Signs `payload` as `payload_type` with `key`.
    pub fn sign(payload_type: &str, payload: Vec<u8>, key: &SigningKey) -> Self {
        let sig = key.sign_raw(&pae(payload_type, &payload));
        Self {
            payload,
            payload_type: payload_type.to_owned(),
            signatures: vec![Signature {
                keyid: key.keyid.clone(),
                sig,
            }],
        }
    }

    /// Checks the payload type and that one signature verifies under `public_key`
    /// (raw 32-byte Ed25519). Works on the bytes only: nothing is parsed.
    pub fn verify(&self, payload_type: &str, public_key: &[u8]) -> Result<(), EnvelopeError> {
        if self.payload_type != payload_type {
            return Err(EnvelopeError::PayloadType {
                expected: payload_type.to_owned(),
                found: self.payload_type.clone(),
            });
        }
        if self.signatures.is_empty() {
            return Err(EnvelopeError::NoSignature);
        }
        if self.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::TooManySignatures(self.signatures.len()));
        }
        let msg = pae(&self.payload_type, &self.payload);
        let key = UnparsedPublicKey::new(&ED25519, public_key);
        if self
            .signatures
            .iter()
            .any(|s| key.verify(&msg, &s.sig).is_ok())
        {
            Ok(())
        } else {
            Err(EnvelopeError::BadSignature)
        }
    }

    /// The envelope as DSSE JSON (`payload`, `payloadType`, `signatures[{keyid, sig}]`).
    pub fn to_json(&self) -> String {
        let j = JsonEnvelope {
            payload: B64.encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| JsonSignature {
                    keyid: s.keyid.clone(),
                    sig: B64.encode(&s.sig),
                })
                .collect(),
        };
        serde_json::to_string(&j).unwrap_or_else(|_| unreachable!("plain strings serialise"))
    }

    /// An envelope from DSSE JSON.
    pub fn from_json(json: &str) -> Result<Self, EnvelopeError> {
        let j: JsonEnvelope =
            serde_json::from_str(json).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        let payload = B64
            .decode(&j.payload)
            .map_err(|e| EnvelopeError::Json(format!("payload: {e}")))?;
        let signatures = j
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(Signature {
                    keyid: s.keyid,
                    sig: B64
                        .decode(&s.sig)
                        .map_err(|e| EnvelopeError::Json(format!("signatures[{i}].sig: {e}")))?,
                })
            })
            .collect::<Result<_, EnvelopeError>>()?;
        Ok(Self {
            payload,
            payload_type: j.payload_type,
            signatures,
        })
    }

    /// The stored form of the envelope: its protobuf encoding (`vrs.v1.Envelope`, fields
    /// in tag order). These are the log's entry bytes; the receipt proves them.
    pub fn to_entry_bytes(&self) -> Vec<u8> {
        prost::Message::encode_to_vec(&crate::wire::envelope_to_pb(self))
    }

    /// An envelope from its stored form.
    pub fn from_entry_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        crate::wire::envelope_from_entry_bytes(bytes)
            .map_err(|e| EnvelopeError::Decode(e.to_string()))
    }
}

#[derive(Serialize, Deserialize)]
struct JsonEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    #[serde(default)]
    signatures: Vec<JsonSignature>,
}

#[derive(Serialize, Deserialize)]
struct JsonSignature {
    #[serde(default)]
    keyid: String,
    sig: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_test_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn sign_then_verify_and_every_tamper_fails() {
        let (key, _) = SigningKey::generate("k1");
        let env = Envelope::sign("t/x", b"payload bytes".to_vec(), &key);
        assert_eq!(env.verify("t/x", &key.public_key()), Ok(()));
        let (other, _) = SigningKey::generate("k1");
        assert_eq!(
            env.verify("t/x", &other.public_key()),
            Err(EnvelopeError::BadSignature)
        );
        assert!(matches!(
            env.verify("t/y", &key.public_key()),
            Err(EnvelopeError::PayloadType { .. })
        ));
        for i in 0..env.payload.len() {
            let mut bad = env.clone();
            bad.payload[i] ^= 1;
            assert_eq!(
                bad.verify("t/x", &key.public_key()),
                Err(EnvelopeError::BadSignature)
            );
        }
        let mut bad = env.clone();
        bad.signatures[0].sig[10] ^= 0x80;
        assert_eq!(
            bad.verify("t/x", &key.public_key()),
            Err(EnvelopeError::BadSignature)
        );
        let mut none = env.clone();
        none.signatures.clear();
        assert_eq!(
            none.verify("t/x", &key.public_key()),
            Err(EnvelopeError::NoSignature)
        );
        let mut many = env;
        many.signatures = vec![many.signatures[0].clone(); MAX_SIGNATURES + 1];
        assert_eq!(
            many.verify("t/x", &key.public_key()),
            Err(EnvelopeError::TooManySignatures(MAX_SIGNATURES + 1))
        );
    }

    #[test]
    fn keyid_is_only_a_hint() {
        let (key, _) = SigningKey::generate("right");
        let mut env = Envelope::sign("t", b"p".to_vec(), &key);
        env.signatures[0].keyid = "something-else".into();
        assert_eq!(env.verify("t", &key.public_key()), Ok(()));
    }

    #[test]
    fn json_round_trip_and_independent_check() {
        let key = SigningKey::from_seed("kid", &[7u8; 32]).expect("seed");
        let env = Envelope::sign("application/x", b"\x00\x01binary".to_vec(), &key);
        let json = env.to_json();
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["payloadType"], "application/x");
        assert_eq!(v["payload"], B64.encode(b"\x00\x01binary"));
        assert_eq!(v["signatures"][0]["keyid"], "kid");
        // Independent DSSE check: rebuild PAE by hand from the JSON and verify with ring.
        let payload = B64.decode(v["payload"].as_str().expect("s")).expect("b64");
        let sig = B64
            .decode(v["signatures"][0]["sig"].as_str().expect("s"))
            .expect("b64");
        let mut msg = format!("DSSEv1 13 application/x {} ", payload.len()).into_bytes();
        msg.extend_from_slice(&payload);
        UnparsedPublicKey::new(&ED25519, key.public_key())
            .verify(&msg, &sig)
            .expect("independent verify");
        let back = Envelope::from_json(&json).expect("parse");
        assert_eq!(back, env);
        assert!(Envelope::from_json("{\"payload\":\"!!\",\"payloadType\":\"x\"}").is_err());
        assert!(Envelope::from_json("[]").is_err());
    }

    #[test]
    fn entry_bytes_round_trip() {
        let (key, _) = SigningKey::generate("k");
        let env = Envelope::sign("t", b"abc".to_vec(), &key);
        let bytes = env.to_entry_bytes();
        assert_eq!(Envelope::from_entry_bytes(&bytes).expect("decode"), env);
        assert_eq!(env.to_entry_bytes(), bytes, "encoding is deterministic");
        assert!(Envelope::from_entry_bytes(&[0xff, 0xff, 0xff]).is_err());
    }
}
