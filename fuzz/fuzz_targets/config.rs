//! The node's configuration file (with environment overrides) and the client's
//! profile file and keys file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let node = dir.path().join("vrs-node.toml");
    std::fs::write(&node, text).expect("write");
    let env = vec![("VRS_NODE_LIMITS_MAX_BATCH".to_owned(), "8".to_owned())];
    // Loading only: `Config::check` creates `data_dir`, which a fuzzer must not do
    // wherever its input points.
    let _ = vrs_node::config::Config::load(&node, env);
    let client = dir.path().join("config.toml");
    std::fs::write(&client, text).expect("write");
    let sel = vrs_client::profile::Selector {
        config: Some(client),
        profile: None,
    };
    let _ = vrs_client::profile::load(&sel, &|_| None);
    let _ = vrs_client::profile::parse_keys_file(text);
});
