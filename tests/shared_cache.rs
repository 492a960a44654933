// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `token_cache_dir` as clients see it: a client whose in-process slot is its own (as a
//! client of another process has) reads the token another one wrote, and an expired
//! session is forgotten only by the client that still holds it.

mod support;

use std::sync::Arc;

use sfjwt::{AccessToken, Client};
use support::*;

/// Two clients of one identity with slots of their own, as in two processes: the
/// second trusts the same CA from another file, which gives it another slot.
fn two_clients(org: &Org, dir: &std::path::Path) -> (Client, Client) {
    let ca_copy = org.dir.write("ca-copy.pem", org.emulator.ca_pem());
    let cache_dir = dir.display().to_string();
    let first = with(org.builder(), &[("token_cache_dir", &cache_dir)]);
    let second = with(
        org.builder(),
        &[
            ("token_cache_dir", &cache_dir),
            ("ca_file", &ca_copy.display().to_string()),
        ],
    );
    (
        Client::new(first.build().unwrap()).unwrap(),
        Client::new(second.build().unwrap()).unwrap(),
    )
}

fn same(a: &Arc<AccessToken>, b: &Arc<AccessToken>) -> bool {
    a.access_token() == b.access_token()
}

#[test]
fn a_client_of_another_slot_reads_the_token_instead_of_logging_in() {
    let org = start(default_org_config());
    let dir = TempDir::new("shared-read");
    let (first, second) = two_clients(&org, &dir.0.join("tokens"));
    let written = first.token().unwrap();
    let read = second.token().unwrap();
    assert!(same(&written, &read));
    assert_ne!(written.token_id(), read.token_id(), "a token id per client");
    assert_eq!(org.emulator.login_count(), 1);
}

#[test]
fn an_expired_session_is_forgotten_once_and_the_new_token_is_shared() {
    let org = start(default_org_config());
    let dir = TempDir::new("shared-expired");
    let (first, second) = two_clients(&org, &dir.0.join("tokens"));
    let old = first.token().unwrap();
    assert!(same(&old, &second.token().unwrap()));
    org.emulator.revoke_tokens();

    // The first client sees the 401, forgets the entry and logs in again.
    first.get_json("/services/oauth2/userinfo").unwrap();
    assert_eq!(org.emulator.login_count(), 2);
    let new = first.token().unwrap();
    assert!(!same(&old, &new));

    // The second still holds the old token in its slot: its 401 must not throw away
    // the new entry, which it reads instead of logging in.
    second.get_json("/services/oauth2/userinfo").unwrap();
    assert!(same(&new, &second.token().unwrap()));
    assert_eq!(org.emulator.login_count(), 2, "no third login");
}

#[test]
fn invalidate_forgets_the_shared_entry_too() {
    let org = start(default_org_config());
    let dir = TempDir::new("shared-invalidate");
    let (first, second) = two_clients(&org, &dir.0.join("tokens"));
    let old = first.token().unwrap();
    first.invalidate();
    second.invalidate();
    let new = second.token().unwrap();
    assert!(!same(&old, &new));
    assert_eq!(org.emulator.login_count(), 2);
}

#[test]
fn without_the_in_process_cache_the_directory_is_not_used() {
    let org = start(default_org_config());
    let dir = TempDir::new("shared-off");
    let tokens = dir.0.join("tokens");
    let config = with(
        org.builder(),
        &[
            ("token_cache_dir", &tokens.display().to_string()),
            ("token_cache", "false"),
        ],
    );
    let client = Client::new(config.build().unwrap()).unwrap();
    client.token().unwrap();
    client.token().unwrap();
    assert_eq!(org.emulator.login_count(), 2);
    assert!(!tokens.exists());
}

/// `cmd` with `args`, its stdout; the test's own tools (keytool, openssl).
fn run(cmd: &str, args: &[&str], dir: &std::path::Path) -> Vec<u8> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn two_encodings_of_one_key_share_the_entry() {
    let org = start(default_org_config());
    let dir = TempDir::new("shared-encodings");
    let cache_dir = dir.0.join("tokens").display().to_string();
    // The fixture's key, exported by keytool and openssl, with its other valid private
    // exponent (tests/support/other_exponent.py): other bytes, the same key.
    let jks = fixture("jks-same.jks").display().to_string();
    let pass = format!("pass:{STORE_PASSWORD}");
    #[rustfmt::skip]
    run("keytool", &["-importkeystore", "-srckeystore", &jks, "-srcstorepass", STORE_PASSWORD,
        "-destkeystore", "k.p12", "-deststoretype", "PKCS12", "-deststorepass", STORE_PASSWORD,
        "-noprompt"], &dir.0);
    #[rustfmt::skip]
    run("openssl", &["pkcs12", "-in", "k.p12", "-passin", &pass, "-nocerts", "-nodes",
        "-out", "k.pem"], &dir.0);
    run(
        "openssl",
        &[
            "pkey",
            "-in",
            "k.pem",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "k.der",
        ],
        &dir.0,
    );
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/other_exponent.py");
    let other = run("python3", &[&script.display().to_string(), "k.der"], &dir.0);
    assert_ne!(std::fs::read(dir.0.join("k.der")).unwrap(), other);
    dir.write("other.der", &other);
    #[rustfmt::skip]
    run("openssl", &["rsa", "-inform", "DER", "-in", "other.der", "-traditional",
        "-out", "other.pem"], &dir.0);
    let pem_path = dir.0.join("other.pem").display().to_string();

    let from_jks = Client::new(
        with(org.builder(), &[("token_cache_dir", &cache_dir)])
            .build()
            .unwrap(),
    )
    .unwrap();
    let written = from_jks.token().unwrap();
    // The last client of the identity gone, its slot goes: the next reads the file.
    drop(from_jks);
    let from_pem = Client::new(
        with(
            org.builder(),
            &[
                ("token_cache_dir", &cache_dir),
                ("keystore_path", &pem_path),
                ("keystore_type", "PEM"),
                ("keystore_password", ""),
            ],
        )
        .build()
        .unwrap(),
    )
    .unwrap();
    assert!(same(&written, &from_pem.token().unwrap()));
    assert_eq!(
        org.emulator.login_count(),
        1,
        "the PEM client read the JKS client's entry"
    );
}
