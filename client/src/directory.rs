//! Directories of competent authorities as a node sends them, opened for a person: under
//! the origin's key pinned in the profile (as releases are, [`crate::region`]), or
//! decoded only when the profile pins none (the node took it under the origin's roster
//! key; the page and the CLI say which). One opener for `vrs directory` and the web
//! workspace.

use vrs_core::directory::Directory;
use vrs_core::note::NoteVerifier;
use vrs_proto::v1 as pb;

use crate::profile::Profile;
use crate::region::{Check, key_label};

/// Opens one signed directory the node sent. `Err` is the reason to refuse it.
pub fn open(p: &Profile, s: &pb::SignedDirectory) -> Result<(Directory, Check), String> {
    let env = vrs_core::wire::envelope_from_pb(
        s.envelope
            .clone()
            .ok_or_else(|| "the node sent no envelope".to_owned())?,
    );
    let (d, check) = match p.origin_key(&s.state) {
        Some(vkey) => {
            let key = NoteVerifier::parse(vkey).map_err(|e| format!("pinned key: {e}"))?;
            let d = vrs_core::directory::open_directory(&env, key.public_key()).map_err(|e| {
                format!(
                    "it does not verify under {}'s pinned key {}: {e}",
                    s.state,
                    key_label(vkey)
                )
            })?;
            (d, Check::Verified(key_label(vkey)))
        }
        None => {
            if env.payload_type != vrs_proto::DIRECTORY_PAYLOAD_TYPE {
                return Err(format!("its payload type is {:?}", env.payload_type));
            }
            let d = vrs_core::wire::decode_directory(&env.payload)
                .map_err(|e| format!("it is not a valid directory: {e}"))?;
            (d, Check::Unpinned)
        }
    };
    if d.state != s.state || d.version != s.version {
        return Err(format!(
            "it is the directory of {} version {}, not {} version {} as listed",
            d.state, d.version, s.state, s.version
        ));
    }
    Ok((d, check))
}
