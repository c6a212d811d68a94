//! `vrs pki`: a DEVELOPMENT federation PKI on disk.
//!
//! Layout of `vrs pki init --federation DIR` (every private key mode 0600):
//!
//! ```text
//! DIR/README.txt                      what this is (DEVELOPMENT ONLY) and the layout
//! DIR/ca/ca.crt ca.key ca.crl         the development CA, and an empty CRL
//! DIR/nodes/<STATE>/                  one per State: what `vrs-node` needs next to its
//!   node-signing.key node.vkey        vrs-node.toml (the node's checkpoint key, and its
//!   tls/node.crt node.key ca.crt ca.crl   verifier key for peers and auditors), and
//!   peers.toml                        the [[peers]] of the other States, to append to it
//! DIR/federation.keys                 every node's verifier key, "STATE VKEY" per line
//! DIR/clients/<state>-admin/          client.crt client.key
//! DIR/clients/<state>-fp1/            client.crt client.key signing.key signing.key.pub
//! DIR/clients/<secretariat>/          client.crt client.key
//! DIR/vrs.toml                        a client profile for each identity and node, and
//!                                     keys_file = "federation.keys" for every profile
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use vrs_client::keyfile;
use vrs_client::pki::{DEV_MARKER, DevCa, Identity, write_private, write_public};
use vrs_core::note::NoteSigner;

use super::UsageError;

use clap::{Args, Subcommand};

/// Name of the development CA (in its common name, with "DEVELOPMENT ONLY").
pub const CA_NAME: &str = "vrs dev federation";

fn check_state(s: &str) -> Result<(), UsageError> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) && vrs_core::codes::is_country(s) {
        Ok(())
    } else {
        Err(UsageError(format!(
            "{s:?} is not an ISO 3166-1 alpha-3 country code (e.g. AUS)"
        )))
    }
}

fn mkdir(p: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))
}

/// The node signing key file, as `vrs-node init` writes it.
fn node_key_text(signer: &NoteSigner) -> String {
    super::notekey::key_file_text(
        signer,
        &format!("vrs node signing key (Ed25519) for checkpoints and releases. {DEV_MARKER}."),
    )
}

fn write_identity(ca: &DevCa, id: &Identity, dir: &Path) -> anyhow::Result<()> {
    mkdir(dir)?;
    ca.issue(id)?
        .write(&dir.join("client.crt"), &dir.join("client.key"))?;
    Ok(())
}

/// The name of the roster key `vrs pki init` makes.
const ROSTER_KEY_NAME: &str = "vrs.local/roster/1";

fn toml_str(s: &str) -> String {
    format!("{s:?}")
}

/// `vrs pki init`.
pub fn init(
    dir: &Path,
    states: &[String],
    secretariat: Option<&str>,
    base_port: u16,
    origin_prefix: &str,
) -> anyhow::Result<()> {
    for s in states {
        check_state(s)?;
    }
    let mut sorted = states.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != states.len() {
        return Err(UsageError("--states lists a State twice".into()).into());
    }
    if let Some(id) = secretariat {
        Identity::secretariat(id)
            .validate()
            .map_err(|e| UsageError(format!("--secretariat: {e}")))?;
    }
    if usize::from(base_port) + states.len() > usize::from(u16::MAX) {
        return Err(UsageError("--base-port leaves no room for every node".into()).into());
    }
    if dir.join("ca").join("ca.key").exists() {
        bail!(
            "{} already holds a federation (ca/ca.key); refusing to overwrite it",
            dir.display()
        );
    }

    let ca = DevCa::new(CA_NAME)?;
    let ca_dir = dir.join("ca");
    mkdir(&ca_dir)?;
    write_public(&ca_dir.join("ca.crt"), ca.cert_pem())?;
    write_private(&ca_dir.join("ca.key"), ca.key_pem())?;
    let crl = ca.crl_pem(&[])?;
    write_public(&ca_dir.join("ca.crl"), &crl)?;

    let mut profiles = String::new();
    let mut summary = String::new();
    // (State, endpoint, verifier key) of every node, for peers.toml and federation.keys.
    let mut members: Vec<(String, String, String)> = Vec::new();
    for (i, state) in states.iter().enumerate() {
        let lower = state.to_ascii_lowercase();
        let port = usize::from(base_port) + i + 1;
        let node_dir = dir.join("nodes").join(state);
        let tls = node_dir.join("tls");
        mkdir(&tls)?;
        ca.issue(&Identity::node(state))?
            .write(&tls.join("node.crt"), &tls.join("node.key"))?;
        write_public(&tls.join("ca.crt"), ca.cert_pem())?;
        write_public(&tls.join("ca.crl"), &crl)?;
        let origin = format!("{origin_prefix}{state}");
        let (signer, _) = NoteSigner::generate(&origin).map_err(|e| {
            UsageError(format!(
                "--origin-prefix: {origin:?} is not a key name: {e}"
            ))
        })?;
        write_private(&node_dir.join("node-signing.key"), &node_key_text(&signer))?;
        write_public(
            &node_dir.join("node.vkey"),
            &format!("{}\n", signer.verifier_key()),
        )?;

        let admin = format!("{lower}-admin");
        write_identity(
            &ca,
            &Identity::admin(state),
            &dir.join("clients").join(&admin),
        )?;
        let fp = format!("{lower}-fp1");
        let fp_dir = dir.join("clients").join(&fp);
        write_identity(&ca, &Identity::focal_point(state, &fp), &fp_dir)?;
        keyfile::generate(&fp_dir.join("signing.key"), &format!("{fp}-k1"))?;

        let endpoint = format!("https://localhost:{port}");
        members.push((state.clone(), endpoint.clone(), signer.verifier_key()));
        let vkey_file = format!("nodes/{state}/node.vkey");
        let mut profile = |name: &str, client: &str, signing: bool| {
            let _ = writeln!(profiles, "[profiles.{name}]");
            let _ = writeln!(profiles, "endpoint = {}", toml_str(&endpoint));
            let _ = writeln!(profiles, "ca = \"ca/ca.crt\"");
            let _ = writeln!(profiles, "cert = \"clients/{client}/client.crt\"");
            let _ = writeln!(profiles, "key = \"clients/{client}/client.key\"");
            if signing {
                let _ = writeln!(profiles, "signing_key = \"clients/{client}/signing.key\"");
            }
            let _ = writeln!(profiles, "vkey_file = {}\n", toml_str(&vkey_file));
        };
        profile(&admin, &admin, false);
        profile(&fp, &fp, true);
        if let Some(sec) = secretariat {
            let sec_lower = sec.to_ascii_lowercase();
            profile(&format!("{sec_lower}-{lower}"), &sec_lower, false);
        }
        let _ = writeln!(
            summary,
            "  {state}: node files in {} (port {port} in the profiles), log origin {origin}\n\
             \x20      verifier key {}\n\
             \x20      profiles {admin} (admin) and {fp} (focal point, key {fp}-k1)",
            node_dir.display(),
            signer.verifier_key()
        );
    }
    if let Some(sec) = secretariat {
        write_identity(
            &ca,
            &Identity::secretariat(sec),
            &dir.join("clients").join(sec.to_ascii_lowercase()),
        )?;
        let _ = writeln!(
            summary,
            "  secretariat {sec}: profiles {}-<state>",
            sec.to_ascii_lowercase()
        );
    }

    write_federation(dir, &members)?;
    let config = dir.join("vrs.toml");
    std::fs::write(
        &config,
        format!(
            "# Client profiles of a {DEV_MARKER} federation made by `vrs pki init`.\n\
             # Paths are relative to this file. Use: vrs --config {} --profile NAME …\n\n\
             # Releases are verified under their origin's key, pinned here for every profile.\n\
             keys_file = \"federation.keys\"\n\n{profiles}",
            config.display()
        ),
    )
    .with_context(|| format!("cannot write {}", config.display()))?;
    std::fs::write(
        dir.join("README.txt"),
        format!(
            "{DEV_MARKER}: a throw-away federation PKI made by `vrs pki init`.\n\
             NOT FOR PRODUCTION: the CA key sits unencrypted next to everything it signed.\n\
             See deploy/PKI.md for a production PKI.\n\n\
             ca/                 the development CA (ca.key is secret) and an empty CRL\n\
             nodes/<STATE>/      node-signing.key (secret), node.vkey, tls/: put vrs-node.toml here,\n\
             \x20                   with peers.toml (the other nodes as [[peers]]) appended\n\
             federation.keys     every node's verifier key (\"STATE VKEY\"), for verifying releases\n\
             clients/<name>/     client.crt, client.key (secret), signing.key (secret, focal points)\n\
             vrs.toml            client profiles: vrs --config vrs.toml --profile NAME …\n"
        ),
    )
    .context("cannot write README.txt")?;

    println!(
        "wrote a {DEV_MARKER} federation PKI in {} — NOT for production",
        dir.display()
    );
    print!("{summary}");
    println!(
        "  client profiles: {} (releases verified under the keys in {})",
        config.display(),
        dir.join("federation.keys").display()
    );
    println!("  every private key is mode 0600; the CA key is ca/ca.key");
    println!(
        "next: put a vrs-node.toml in each nodes/<STATE>/ (see deploy/federation/) with \
         nodes/<STATE>/peers.toml appended, start the nodes, then register each focal \
         point's key:\n  vrs --config {} --profile <state>-admin keys register --focal-point <state>-fp1 {}/clients/<state>-fp1/signing.key.pub",
        config.display(),
        dir.display()
    );
    Ok(())
}

/// Who `vrs pki issue` issues for (exactly one).
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct Who {
    /// A node of this State.
    #[arg(long, value_name = "STATE")]
    pub node: Option<String>,
    /// The admin of this State's node.
    #[arg(long, value_name = "STATE")]
    pub admin: Option<String>,
    /// A focal point, STATE/ID (also gets a signing key ID-k1).
    #[arg(long, value_name = "STATE/ID")]
    pub focal_point: Option<String>,
    /// A secretariat.
    #[arg(long, value_name = "ID")]
    pub secretariat: Option<String>,
}

/// `vrs pki issue`.
pub fn issue(dir: &Path, who: Who, hosts: &[String], out: Option<&Path>) -> anyhow::Result<()> {
    let (identity, default_dir, files, signing_key): (
        Identity,
        PathBuf,
        (&str, &str),
        Option<String>,
    ) = if let Some(s) = who.node {
        check_state(&s)?;
        let d = dir.join("nodes").join(&s).join("tls");
        (Identity::node(&s), d, ("node.crt", "node.key"), None)
    } else if let Some(s) = who.admin {
        check_state(&s)?;
        let d = dir
            .join("clients")
            .join(format!("{}-admin", s.to_ascii_lowercase()));
        (Identity::admin(&s), d, ("client.crt", "client.key"), None)
    } else if let Some(sf) = who.focal_point {
        let (s, id) = sf
            .split_once('/')
            .ok_or_else(|| UsageError(format!("--focal-point {sf:?}: write STATE/ID")))?;
        check_state(s)?;
        let d = dir.join("clients").join(id);
        (
            Identity::focal_point(s, id),
            d,
            ("client.crt", "client.key"),
            Some(format!("{id}-k1")),
        )
    } else if let Some(id) = who.secretariat {
        let d = dir.join("clients").join(id.to_ascii_lowercase());
        (
            Identity::secretariat(&id),
            d,
            ("client.crt", "client.key"),
            None,
        )
    } else {
        return Err(UsageError("say who the certificate is for".into()).into());
    };
    identity.validate().map_err(|e| UsageError(e.to_string()))?;
    let ca_dir = dir.join("ca");
    let read = |name: &str| {
        let p = ca_dir.join(name);
        std::fs::read_to_string(&p).with_context(|| {
            format!(
                "cannot read {} (is {} a federation made by `vrs pki init`?)",
                p.display(),
                dir.display()
            )
        })
    };
    let ca = DevCa::from_pem(CA_NAME, &read("ca.crt")?, &read("ca.key")?)?;
    let out_dir = out.map(Path::to_path_buf).unwrap_or(default_dir);
    let (crt, key) = (out_dir.join(files.0), out_dir.join(files.1));
    if crt.exists() || key.exists() {
        bail!(
            "{} already exists; choose another directory with --out",
            crt.display()
        );
    }
    mkdir(&out_dir)?;
    let host_refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    ca.issue_with_hosts(&identity, &host_refs)?
        .write(&crt, &key)?;
    println!(
        "issued {identity} ({DEV_MARKER}): {} and {} (mode 0600)",
        crt.display(),
        key.display()
    );
    if let Some(key_id) = signing_key {
        let sk = out_dir.join("signing.key");
        let (_, public) = keyfile::generate(&sk, &key_id)?;
        println!(
            "signing key {key_id}: {} (mode 0600); register {} with `vrs keys register`",
            sk.display(),
            public.display()
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum PkiCmd {
    /// Make a DEVELOPMENT federation PKI: a CA and every certificate and key the nodes,
    /// admins, one focal point per State and the secretariat need, plus a client
    /// configuration with a profile for each. Not for production.
    ///
    /// Example: vrs pki init --federation ./fed --states AUS,IDN,THA --secretariat ROSEAP
    Init {
        /// Directory to create (must not hold a federation already).
        #[arg(long, value_name = "DIR")]
        federation: PathBuf,
        /// States (ISO 3166-1 alpha-3, comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        states: Vec<String>,
        /// Secretariat id (e.g. ROSEAP).
        #[arg(long)]
        secretariat: Option<String>,
        /// The node of the n-th State listens on BASE_PORT + n (1-based) in the profiles.
        #[arg(long, default_value_t = 7400)]
        base_port: u16,
        /// Log origins are ORIGIN_PREFIX + State.
        #[arg(long, default_value = "vrs.example/state/")]
        origin_prefix: String,
    },
    /// Issue one more certificate from the federation's development CA.
    ///
    /// Example: vrs pki issue --federation ./fed --focal-point AUS/aus-fp2
    Issue {
        /// The directory made by `vrs pki init`.
        #[arg(long, value_name = "DIR")]
        federation: PathBuf,
        #[command(flatten)]
        who: Who,
        /// Extra DNS name or IP address of a node certificate (repeatable).
        #[arg(long = "host", requires = "node")]
        hosts: Vec<String>,
        /// Output directory [default: the federation's layout].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

impl PkiCmd {
    /// Runs the command (offline: no profile).
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            PkiCmd::Init {
                federation,
                states,
                secretariat,
                base_port,
                origin_prefix,
            } => init(
                &federation,
                &states,
                secretariat.as_deref(),
                base_port,
                &origin_prefix,
            ),
            PkiCmd::Issue {
                federation,
                who,
                hosts,
                out,
            } => issue(&federation, who, &hosts, out.as_deref()),
        }
    }
}

/// Writes what the nodes of a `vrs pki init` federation share: `federation.keys` (for
/// the clients), a roster key and the roster of the `members` it signed
/// (`roster/roster-1.key`, `.vkey`, `roster.note`), and each node's `peers.toml`: the
/// `[roster]` that pins that key and takes that roster at start, then its peers.
fn write_federation(dir: &Path, members: &[(String, String, String)]) -> anyhow::Result<()> {
    let mut keys = format!(
        "# The verifier keys of the nodes of a {DEV_MARKER} federation (`vrs pki init`),\n\
         # one \"STATE VKEY\" per line: each State's releases must verify under its key.\n"
    );
    for (state, _, vkey) in members {
        let _ = writeln!(keys, "{state} {vkey}");
    }
    write_public(&dir.join("federation.keys"), &keys)?;
    let (keeper, _) = NoteSigner::generate(ROSTER_KEY_NAME)?;
    let roster_dir = dir.join("roster");
    mkdir(&roster_dir)?;
    write_private(
        &roster_dir.join("roster-1.key"),
        &super::notekey::key_file_text(
            &keeper,
            &format!("vrs roster key (Ed25519): signs the federation roster. {DEV_MARKER}."),
        ),
    )?;
    write_public(
        &roster_dir.join("roster-1.vkey"),
        &format!("{}\n", keeper.verifier_key()),
    )?;
    let roster = vrs_core::roster::Roster {
        federation: "vrs.local".into(),
        version: 1,
        issued: vrs_client::today().to_string(),
        members: members
            .iter()
            .map(|(state, endpoint, vkey)| {
                let key = vrs_core::note::NoteVerifier::parse(vkey)?;
                Ok(vrs_core::roster::Member::with_key(
                    state,
                    &key,
                    0,
                    0,
                    vec![endpoint.clone()],
                ))
            })
            .collect::<anyhow::Result<_>>()?,
        secretariats: Vec::new(),
    };
    let note = vrs_core::roster::sign_roster(&roster, &[&keeper])
        .map_err(|e| anyhow::anyhow!("the roster: {e}"))?;
    write_public(&dir.join("roster.note"), &note)?;
    for (state, _, _) in members {
        let mut peers = format!(
            "\n# The roster and the peers of the node of {state} in this {DEV_MARKER} federation\n\
             # (`vrs pki init`): append them to nodes/{state}/vrs-node.toml. A peer's releases and\n\
             # checkpoints must verify under its key in the roster (or its pinned vkey).\n\
             \n[roster]\nkeys_file = \"../../roster/roster-1.vkey\"\nfile = \"../../roster.note\"\n"
        );
        for (peer, endpoint, vkey) in members.iter().filter(|(p, _, _)| p != state) {
            let _ = write!(
                peers,
                "\n[[peers]]\nstate = {}\nendpoint = {}\nvkey = {}\n",
                toml_str(peer),
                toml_str(endpoint),
                toml_str(vkey)
            );
        }
        write_public(&dir.join("nodes").join(state).join("peers.toml"), &peers)?;
    }
    Ok(())
}
