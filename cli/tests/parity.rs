// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The parity test of the CLI and the C header: every key of `sfjwt::config::KEYS` is
//! a flag and an `SFJWT_*` variable of every command that takes the configuration, and
//! every field of `sfjwt::AccessToken::FIELDS` has its `sfjwt_token_*` accessor in
//! include/sfjwt.h (C takes every key as a string in `sfjwt_config_set`). Java and
//! Python check their own surfaces in their suites (ParityTest.java, test_parity.py).

use std::process::Command;

use sfjwt::AccessToken;
use sfjwt::config::{KEYS, env_var_name};

/// Keys with no flag of their own, each with its reason.
const NO_FLAG: [(&str, &str); 6] = [
    (
        "keystore_password",
        "a password is never a flag (ps, shell history): --keystore-password-file, the \
         environment or the prompt",
    ),
    (
        "key_password",
        "a password is never a flag: --key-password-file or the environment",
    ),
    (
        "client_cert_password",
        "a password is never a flag: --client-cert-password-file or the environment",
    ),
    (
        "keystore_base64",
        "a keystore's bytes are data, not a flag: SFJWT_KEYSTORE_BASE64 or --config",
    ),
    (
        "client_cert_base64",
        "a keystore's bytes are data, not a flag: SFJWT_CLIENT_CERT_BASE64 or --config",
    ),
    (
        "token_cache",
        "one command is one login: the in-process cache has nothing to reuse",
    ),
];

/// The commands that take the configuration flags.
const COMMANDS: [&[&str]; 5] = [
    &["token"],
    &["assertion"],
    &["test-connection"],
    &["authorize-url"],
    &["keystore", "inspect"],
];

fn help(command: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args(command)
        .arg("--help")
        .output()
        .expect("run sfjwt");
    assert!(output.status.success(), "sfjwt {command:?} --help failed");
    String::from_utf8(output.stdout).expect("UTF-8 help")
}

#[test]
fn every_key_is_a_flag_of_every_configured_command() {
    for (key, _) in NO_FLAG {
        assert!(
            KEYS.contains(&key),
            "NO_FLAG names {key}, which is not a key"
        );
    }
    for command in COMMANDS {
        let help = help(command);
        let missing: Vec<String> = KEYS
            .iter()
            .filter(|key| NO_FLAG.iter().all(|(exempt, _)| exempt != *key))
            .map(|key| format!("--{}", key.replace('_', "-")))
            .filter(|flag| {
                !help
                    .lines()
                    .any(|line| line.trim_start().starts_with(flag.as_str()))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "CLI `sfjwt {}`: no flag for {} (add it to cli/src/cli.rs Settings, or to NO_FLAG in \
             cli/tests/parity.rs with the reason)",
            command.join(" "),
            missing.join(", ")
        );
    }
}

/// The CLI reads the environment through `ConfigBuilder::from_sources`, which walks
/// `KEYS`: one key set only from its variable proves the CLI takes that path.
#[test]
fn every_key_has_its_environment_name() {
    for key in KEYS {
        assert_eq!(
            env_var_name(key),
            format!("SFJWT_{}", key.to_ascii_uppercase())
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args(["authorize-url", "--json"])
        .env("SFJWT_ISSUER", "parity-consumer-key")
        .output()
        .expect("run sfjwt");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("parity-consumer-key"),
        "CLI: SFJWT_ISSUER was not read: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_token_field_has_a_c_accessor() {
    let header = include_str!("../../include/sfjwt.h");
    let missing: Vec<String> = AccessToken::FIELDS
        .iter()
        .map(|field| format!("sfjwt_token_{field}("))
        .filter(|accessor| !header.contains(accessor.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "C header include/sfjwt.h: no token accessor {} (add it to bindings/c/src/client.rs \
         and run `make c-header`)",
        missing.join(", ")
    );
}
