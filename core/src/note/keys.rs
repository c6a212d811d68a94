//! Keys of signed notes: names and key ids, verifier keys (`name+id+key`), the
//! verifier set of a reader, and the note and cosignature signers.

use super::*;

/// Whether `name` is a valid key name: non-empty, without Unicode spaces, `+`, or ASCII
/// control characters (the last cannot appear in a note anyway).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c < '\u{20}')
}

/// The key ID of a key: the first four bytes, big-endian, of
/// SHA-256(name || 0x0A || signature type || public key).
pub fn key_id(name: &str, signature_type: SignatureType, public_key: &[u8; 32]) -> u32 {
    let mut buf = Vec::with_capacity(name.len() + 2 + public_key.len());
    buf.extend_from_slice(name.as_bytes());
    buf.push(b'\n');
    buf.push(signature_type.id());
    buf.extend_from_slice(public_key);
    let h = sha256(&buf);
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// The parts of a `name+hex(key ID)+base64(type || key)` string, checked for shape only.
pub(super) struct KeyParts<'a> {
    name: &'a str,
    key_id: u32,
    signature_type: SignatureType,
    key: [u8; 32],
}

pub(super) fn parse_key_parts(s: &str) -> Result<KeyParts<'_>, KeyError> {
    let (name, rest) = s
        .split_once('+')
        .ok_or(KeyError::Malformed("missing '+'"))?;
    let (id_hex, key_b64) = rest
        .split_once('+')
        .ok_or(KeyError::Malformed("missing '+'"))?;
    if !is_valid_key_name(name) {
        return Err(KeyError::InvalidName);
    }
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed("key ID is not 8 hex digits"));
    }
    let key_id =
        u32::from_str_radix(id_hex, 16).map_err(|_| KeyError::Malformed("key ID is not hex"))?;
    let raw = BASE64
        .decode(key_b64)
        .map_err(|_| KeyError::Malformed("key is not base64"))?;
    let (&alg, key) = raw.split_first().ok_or(KeyError::Malformed("empty key"))?;
    let signature_type = SignatureType::from_id(alg).ok_or(KeyError::UnknownAlgorithm(alg))?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| KeyError::Malformed("key is not 32 bytes"))?;
    Ok(KeyParts {
        name,
        key_id,
        signature_type,
        key,
    })
}

pub(super) fn format_key(
    name: &str,
    key_id: u32,
    signature_type: SignatureType,
    key: &[u8; 32],
) -> String {
    let mut raw = Vec::with_capacity(1 + key.len());
    raw.push(signature_type.id());
    raw.extend_from_slice(key);
    format!("{name}+{key_id:08x}+{}", BASE64.encode(raw))
}

/// A public key that verifies note signatures: an Ed25519 key of signature type `0x01`
/// (log signatures) or `0x04` (witness cosignatures), with its name and key ID.
#[derive(Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    signature_type: SignatureType,
    public_key: [u8; 32],
}

impl NoteVerifier {
    /// A verifier for `public_key` under `name` with the given signature type.
    pub fn new(
        name: &str,
        signature_type: SignatureType,
        public_key: [u8; 32],
    ) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        Ok(NoteVerifier {
            name: name.to_owned(),
            key_id: key_id(name, signature_type, &public_key),
            signature_type,
            public_key,
        })
    }

    /// Parses a verifier key `name+hex(key ID)+base64(type || public key)`, checking the
    /// name, the type byte (`0x01` or `0x04`), the key length and the key ID.
    pub fn parse(vkey: &str) -> Result<Self, KeyError> {
        let parts = parse_key_parts(vkey)?;
        let v = NoteVerifier::new(parts.name, parts.signature_type, parts.key)?;
        if v.key_id != parts.key_id {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(v)
    }

    /// The verifier key string, `name+hex(key ID)+base64(type || public key)`.
    pub fn to_vkey(&self) -> String {
        format_key(
            &self.name,
            self.key_id,
            self.signature_type,
            &self.public_key,
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type.
    pub fn signature_type(&self) -> SignatureType {
        self.signature_type
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// Whether `sig` (a signature line's bytes after the key ID) is a valid signature of
    /// the note text `msg` by this key.
    ///
    /// For type `0x01`, `sig` is an Ed25519 signature over `msg`. For type `0x04`, `sig`
    /// is a big-endian u64 timestamp (at most 2^63 - 1) followed by an Ed25519 signature
    /// over `cosignature/v1\ntime <timestamp>\n` followed by `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let key = UnparsedPublicKey::new(&ED25519, &self.public_key);
        match self.signature_type {
            SignatureType::Ed25519 => sig.len() == ED25519_SIG_LEN && key.verify(msg, sig).is_ok(),
            SignatureType::CosignatureV1 => {
                let Some((timestamp, ed_sig)) = split_timestamped(sig) else {
                    return false;
                };
                timestamp <= MAX_TIMESTAMP
                    && key
                        .verify(&cosigned_message(timestamp, msg), ed_sig)
                        .is_ok()
            }
        }
    }
}

impl fmt::Debug for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NoteVerifier")
            .field(&self.to_vkey())
            .finish()
    }
}

impl fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

impl FromStr for NoteVerifier {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NoteVerifier::parse(s)
    }
}

/// Splits a cosignature's bytes into timestamp and Ed25519 signature.
pub(super) fn split_timestamped(sig: &[u8]) -> Option<(u64, &[u8])> {
    if sig.len() != TIMESTAMP_LEN + ED25519_SIG_LEN {
        return None;
    }
    let (ts, ed_sig) = sig.split_at(TIMESTAMP_LEN);
    let ts: [u8; TIMESTAMP_LEN] = ts.try_into().ok()?;
    Some((u64::from_be_bytes(ts), ed_sig))
}

/// The Ed25519 cosigned message: `cosignature/v1\ntime <t>\n` followed by `body`.
pub(super) fn cosigned_message(timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut m = format!("{COSIGNATURE_HEADER}\ntime {timestamp}\n").into_bytes();
    m.extend_from_slice(body);
    m
}

/// A set of known verifier keys, looked up by (key name, key ID).
#[derive(Debug, Clone, Default)]
pub struct Verifiers {
    keys: BTreeMap<(String, u32), NoteVerifier>,
}

impl Verifiers {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding `verifiers`; fails on two different keys with the same name and ID.
    pub fn from_verifiers(
        verifiers: impl IntoIterator<Item = NoteVerifier>,
    ) -> Result<Self, KeyError> {
        let mut set = Self::new();
        for v in verifiers {
            set.add(v)?;
        }
        Ok(set)
    }

    /// A set parsed from verifier key strings (see [`NoteVerifier::parse`]).
    pub fn from_vkeys<S: AsRef<str>>(vkeys: impl IntoIterator<Item = S>) -> Result<Self, KeyError> {
        let mut set = Self::new();
        for k in vkeys {
            set.add(NoteVerifier::parse(k.as_ref())?)?;
        }
        Ok(set)
    }

    /// Adds a verifier. Adding the same key twice is a no-op; adding a different key with
    /// the same name and key ID fails with [`KeyError::Duplicate`].
    pub fn add(&mut self, verifier: NoteVerifier) -> Result<(), KeyError> {
        let k = (verifier.name.clone(), verifier.key_id);
        match self.keys.get(&k) {
            Some(existing) if *existing == verifier => Ok(()),
            Some(_) => Err(KeyError::Duplicate {
                name: k.0,
                key_id: k.1,
            }),
            None => {
                self.keys.insert(k, verifier);
                Ok(())
            }
        }
    }

    /// The verifier with this name and key ID, if known.
    pub fn get(&self, name: &str, key_id: u32) -> Option<&NoteVerifier> {
        self.keys.get(&(name.to_owned(), key_id))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, ordered by (name, key ID).
    pub fn iter(&self) -> impl Iterator<Item = &NoteVerifier> {
        self.keys.values()
    }
}

/// Ed25519 key material shared by the two signer types.
pub(super) struct KeyMaterial {
    name: String,
    key_id: u32,
    signature_type: SignatureType,
    seed: [u8; 32],
    public_key: [u8; 32],
    pair: Ed25519KeyPair,
}

impl KeyMaterial {
    fn from_seed(
        name: &str,
        signature_type: SignatureType,
        seed: &[u8; 32],
    ) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| KeyError::Rejected)?;
        let public_key: [u8; 32] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| KeyError::Rejected)?;
        Ok(KeyMaterial {
            name: name.to_owned(),
            key_id: key_id(name, signature_type, &public_key),
            signature_type,
            seed: *seed,
            public_key,
            pair,
        })
    }

    fn generate(name: &str, signature_type: SignatureType) -> Result<(Self, [u8; 32]), KeyError> {
        let mut seed = [0u8; 32];
        SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| KeyError::Rng)?;
        Ok((Self::from_seed(name, signature_type, &seed)?, seed))
    }

    fn from_signer_key(skey: &str, signature_type: SignatureType) -> Result<Self, KeyError> {
        let rest = skey
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or(KeyError::Malformed("missing PRIVATE+KEY+ prefix"))?;
        let parts = parse_key_parts(rest)?;
        if parts.signature_type != signature_type {
            return Err(KeyError::WrongAlgorithm {
                expected: signature_type.id(),
                found: parts.signature_type.id(),
            });
        }
        let m = Self::from_seed(parts.name, signature_type, &parts.key)?;
        if m.key_id != parts.key_id {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(m)
    }

    fn signer_key(&self) -> String {
        format!(
            "{PRIVATE_KEY_PREFIX}{}",
            format_key(&self.name, self.key_id, self.signature_type, &self.seed)
        )
    }

    fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            signature_type: self.signature_type,
            public_key: self.public_key,
        }
    }

    fn sign(&self, msg: &[u8]) -> [u8; ED25519_SIG_LEN] {
        let mut out = [0u8; ED25519_SIG_LEN];
        out.copy_from_slice(self.pair.sign(msg).as_ref());
        out
    }

    fn fmt_debug(&self, kind: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(kind)
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// An Ed25519 note signer (signature type `0x01`): a log's key.
///
/// Its `Debug` output shows name and key ID only, never the seed.
pub struct NoteSigner(KeyMaterial);

impl NoteSigner {
    /// The cosigner (tlog-cosignature, type 0x04) with the same name and Ed25519 key:
    /// a node witnesses its peers' logs with the key it signs its own log with. The two
    /// signature types have different key IDs and domain-separated messages.
    pub fn cosigner(&self) -> CosignatureSigner {
        match KeyMaterial::from_seed(&self.0.name, SignatureType::CosignatureV1, &self.0.seed) {
            Ok(k) => CosignatureSigner(k),
            Err(_) => unreachable!("the name and seed were valid for the log key"),
        }
    }

    /// The signer for a 32-byte Ed25519 seed under `name`.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        KeyMaterial::from_seed(name, SignatureType::Ed25519, seed).map(NoteSigner)
    }

    /// A new signer with a seed from the system random number generator; returns the
    /// signer and its seed (to be stored secretly).
    pub fn generate(name: &str) -> Result<(Self, [u8; 32]), KeyError> {
        KeyMaterial::generate(name, SignatureType::Ed25519).map(|(m, s)| (NoteSigner(m), s))
    }

    /// Parses a signer key `PRIVATE+KEY+name+hex(key ID)+base64(0x01 || seed)` (Go's
    /// `note.NewSigner` format), checking the key ID.
    pub fn from_signer_key(skey: &str) -> Result<Self, KeyError> {
        KeyMaterial::from_signer_key(skey, SignatureType::Ed25519).map(NoteSigner)
    }

    /// The secret signer key string, `PRIVATE+KEY+name+hex(key ID)+base64(0x01 || seed)`.
    pub fn signer_key(&self) -> String {
        self.0.signer_key()
    }

    /// The verifier key string, `name+hex(key ID)+base64(0x01 || public key)`.
    pub fn verifier_key(&self) -> String {
        self.verifier().to_vkey()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        self.0.verifier()
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.0.key_id
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.0.public_key
    }

    /// The Ed25519 signature of `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.0.sign(msg)
    }
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_debug("NoteSigner", f)
    }
}

/// A witness's Ed25519 cosigner (signature type `0x04`, tlog-cosignature).
///
/// Its `Debug` output shows name and key ID only, never the seed.
pub struct CosignatureSigner(KeyMaterial);

impl CosignatureSigner {
    /// The cosigner for a 32-byte Ed25519 seed under `name`.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        KeyMaterial::from_seed(name, SignatureType::CosignatureV1, seed).map(CosignatureSigner)
    }

    /// A new cosigner with a seed from the system random number generator; returns the
    /// cosigner and its seed (to be stored secretly).
    pub fn generate(name: &str) -> Result<(Self, [u8; 32]), KeyError> {
        KeyMaterial::generate(name, SignatureType::CosignatureV1)
            .map(|(m, s)| (CosignatureSigner(m), s))
    }

    /// Parses a signer key `PRIVATE+KEY+name+hex(key ID)+base64(0x04 || seed)`, checking
    /// the key ID.
    pub fn from_signer_key(skey: &str) -> Result<Self, KeyError> {
        KeyMaterial::from_signer_key(skey, SignatureType::CosignatureV1).map(CosignatureSigner)
    }

    /// The secret signer key string, `PRIVATE+KEY+name+hex(key ID)+base64(0x04 || seed)`.
    pub fn signer_key(&self) -> String {
        self.0.signer_key()
    }

    /// The verifier key string, `name+hex(key ID)+base64(0x04 || public key)`.
    pub fn verifier_key(&self) -> String {
        self.verifier().to_vkey()
    }

    /// The matching verifier (type `0x04`).
    pub fn verifier(&self) -> NoteVerifier {
        self.0.verifier()
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.0.key_id
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.0.public_key
    }

    /// The cosignature line `— <name> base64(key ID || timestamp || signature)` (without
    /// a trailing newline) for `checkpoint` at `timestamp` (POSIX seconds, at most
    /// 2^63 - 1). The checkpoint must be valid ([`Checkpoint::validate`]).
    pub fn cosign(&self, checkpoint: &Checkpoint, timestamp: u64) -> Result<String, NoteError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::TimestampTooLarge);
        }
        checkpoint.validate()?;
        let body = checkpoint.to_body();
        let ed_sig = self.0.sign(&cosigned_message(timestamp, body.as_bytes()));
        let mut sig = Vec::with_capacity(TIMESTAMP_LEN + ED25519_SIG_LEN);
        sig.extend_from_slice(&timestamp.to_be_bytes());
        sig.extend_from_slice(&ed_sig);
        Ok(Signature {
            name: self.0.name.clone(),
            key_id: self.0.key_id,
            signature: sig,
        }
        .to_line())
    }
}

impl fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_debug("CosignatureSigner", f)
    }
}
