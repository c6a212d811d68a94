//! The codec of every vrs service: prost, with two differences that make bad input a
//! caller's error. A message that does not decode (a string field that is not UTF-8,
//! truncated or undecodable bytes) is INVALID_ARGUMENT, not tonic's INTERNAL; and a
//! message must be the canonical encoding of what it decodes to (fields in tag order,
//! each once, no unknown fields, minimal varints: what prost and the other standard
//! proto3 encoders write), or it is refused with INVALID_ARGUMENT, so that the bytes
//! a node logs and hashes for a submitted envelope are the bytes the client sent.

use std::marker::PhantomData;

use prost::Message;
use prost::bytes::Buf as _;
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

/// Prost encoding; strict, canonical decoding (see the module documentation).
#[derive(Debug, Clone)]
pub struct StrictCodec<T, U> {
    _pd: PhantomData<(T, U)>,
}

impl<T, U> Default for StrictCodec<T, U> {
    fn default() -> Self {
        Self { _pd: PhantomData }
    }
}

impl<T, U> Codec for StrictCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = StrictDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        StrictDecoder { _pd: PhantomData }
    }
}

/// The decoder of [`StrictCodec`].
#[derive(Debug, Clone)]
pub struct StrictDecoder<U> {
    _pd: PhantomData<U>,
}

/// Short name of a message type, e.g. `SubmitRequest`.
fn name<U>() -> &'static str {
    let full = std::any::type_name::<U>();
    full.rsplit("::").next().unwrap_or(full)
}

/// Decodes `bytes` as `U` and checks that they are its canonical encoding.
pub fn decode_canonical<U: Message + Default>(bytes: &[u8]) -> Result<U, Status> {
    let msg = U::decode(bytes).map_err(|e| {
        Status::invalid_argument(format!("the message is not a valid {}: {e}", name::<U>()))
    })?;
    if msg.encoded_len() != bytes.len() || msg.encode_to_vec() != bytes {
        return Err(Status::invalid_argument(format!(
            "the message is not the canonical protobuf encoding of a {} (fields in tag order, each once, no unknown fields)",
            name::<U>()
        )));
    }
    Ok(msg)
}

impl<U: Message + Default> Decoder for StrictDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        decode_canonical(&bytes).map(Some)
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}
