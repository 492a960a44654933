// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Keystores given as data instead of files (`keystore_base64`, `SFJWT_KEYSTORE_BASE64`,
//! [`ConfigBuilder::set_data`]), against the emulator: every format logs in, errors
//! name the source, bad base64 and a path with data are CONFIG, nothing leaks.

mod support;

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sfjwt::{Client, ConfigBuilder, ErrorCode};
use sfjwt_emulator::{ConnectedApp, EmulatorConfig, StartOptions, User};
use support::*;

/// The org's settings without a keystore path: the test gives the keystore as data.
fn without_path(org: &Org) -> ConfigBuilder {
    with(org.builder(), &[("keystore_path", "")])
}

fn bytes_of(file: &str) -> Vec<u8> {
    std::fs::read(fixture(file)).expect("fixture")
}

/// `base64 file` as the coreutils command prints it: lines of 76 characters.
fn wrapped_base64(bytes: &[u8]) -> String {
    let text = STANDARD.encode(bytes);
    text.as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn every_format_logs_in_from_base64_and_from_bytes() {
    // (keystore, store password, key password, alias, certificate of the signing entry)
    let formats = [
        (
            "jks-same.jks",
            "changeit1",
            "",
            "",
            "jks-same.talend_certificate",
        ),
        ("jceks.jceks", "changeit1", "keypass2", "sfdc", "jceks.sfdc"),
        ("p12-openssl.p12", "changeit1", "", "", "p12-openssl.sfdc"),
        ("pem-pkcs8.pem", "", "", "", "pem-pkcs8.pem-pkcs8"),
    ];
    let org = start(EmulatorConfig {
        apps: formats
            .iter()
            .map(|(file, .., cert)| ConnectedApp::new(format!("key-{file}"), certificate(cert)))
            .collect(),
        users: vec![User::new(USER)],
        ..EmulatorConfig::default()
    });
    for (file, store, key, alias, _) in formats {
        let settings = [
            ("issuer", format!("key-{file}")),
            ("keystore_password", store.to_owned()),
            ("key_password", key.to_owned()),
            ("key_alias", alias.to_owned()),
        ];
        let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();

        // As a secret store's environment variable, wrapped as `base64` prints it.
        let env = HashMap::from([(
            "SFJWT_KEYSTORE_BASE64".to_owned(),
            wrapped_base64(&bytes_of(file)),
        )]);
        let mut from_env = with(without_path(&org), &pairs);
        from_env
            .apply_env_from(|name| env.get(name).cloned())
            .unwrap();
        let token = Client::new(from_env.build().unwrap())
            .and_then(|c| c.token())
            .unwrap_or_else(|e| panic!("{file} from the environment: {e}"));
        assert!(token.access_token().starts_with("00D"), "{file}");

        // As bytes, as the bindings hand them over.
        let mut from_bytes = with(without_path(&org), &pairs);
        from_bytes
            .set_data("keystore_base64", &bytes_of(file), "keystore_data")
            .unwrap();
        let client = Client::new(from_bytes.build().unwrap()).unwrap();
        client
            .token()
            .unwrap_or_else(|e| panic!("{file} from bytes: {e}"));
        let report = client.test_connection();
        assert!(report.ok, "{file} from bytes: {report}");
        assert!(
            report.to_string().contains("keystore from keystore_data"),
            "{report}"
        );
    }
}

#[test]
fn errors_name_the_source_and_never_the_data() {
    let org = start(default_org_config());
    let text = wrapped_base64(&bytes_of("jks-same.jks"));
    let env = HashMap::from([("SFJWT_KEYSTORE_BASE64".to_owned(), text.clone())]);

    let mut wrong_password = with(without_path(&org), &[("keystore_password", "wrong-one")]);
    wrong_password
        .apply_env_from(|name| env.get(name).cloned())
        .unwrap();
    let err = Client::new(wrong_password.build().unwrap()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeystorePassword, "{err}");
    assert!(
        err.to_string()
            .contains("keystore from SFJWT_KEYSTORE_BASE64"),
        "{err}"
    );

    let mut wrong_alias = with(without_path(&org), &[("key_alias", "nope")]);
    wrong_alias
        .set_data(
            "keystore_base64",
            &bytes_of("jks-same.jks"),
            "keystoreData(byte[])",
        )
        .unwrap();
    let err = Client::new(wrong_alias.build().unwrap()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AliasNotFound, "{err}");
    assert!(
        err.to_string()
            .contains("keystore from keystoreData(byte[])"),
        "{err}"
    );

    let mut not_a_keystore = without_path(&org);
    not_a_keystore
        .set(
            "keystore_base64",
            &STANDARD.encode(b"<html>not a keystore</html>"),
        )
        .unwrap();
    let err = Client::new(not_a_keystore.build().unwrap()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeystoreFormat, "{err}");
    assert!(
        err.to_string().contains("keystore from keystore_base64"),
        "{err}"
    );

    // Neither Debug nor an error shows the text or the bytes.
    let mut b = without_path(&org);
    b.apply_env_from(|name| env.get(name).cloned()).unwrap();
    let config = b.build().unwrap();
    let debug = format!("{b:?} {config:?}");
    let first_line = text.lines().next().unwrap();
    assert!(!debug.contains(&first_line[..40]), "{debug}");
    assert!(debug.contains("SFJWT_KEYSTORE_BASE64"), "{debug}");
}

#[test]
fn invalid_base64_and_a_path_with_data_are_config_errors() {
    let org = start(default_org_config());
    // A password pasted where the keystore belongs: CONFIG, and the text never echoed.
    let env = HashMap::from([(
        "SFJWT_KEYSTORE_BASE64".to_owned(),
        "s3cr3t!pa$$word".to_owned(),
    )]);
    let err = without_path(&org)
        .apply_env_from(|name| env.get(name).cloned())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert_eq!(err.config_key(), Some("keystore_base64"));
    let message = err.to_string();
    assert!(message.contains("SFJWT_KEYSTORE_BASE64"), "{message}");
    assert!(
        !message.contains("s3cr3t") && !message.contains('$'),
        "{message}"
    );

    for key in ["keystore_base64", "client_cert_base64"] {
        let err = ConfigBuilder::default()
            .with(key, "not base64 at all")
            .unwrap_err();
        assert_eq!(err.config_key(), Some(key), "{err}");
    }

    // The fixture path is still set by org.builder(): both is refused.
    let mut both = org.builder();
    both.set_data(
        "keystore_base64",
        &bytes_of("jks-same.jks"),
        "keystore_data",
    )
    .unwrap();
    let err = both.build().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config, "{err}");
    assert!(err.to_string().contains("keystore_path"), "{err}");
    assert!(err.to_string().contains("keystore_data"), "{err}");

    let mut client_both = with(
        org.builder(),
        &[(
            "client_cert_path",
            &fixture("jks-same.jks").display().to_string(),
        )],
    );
    client_both
        .set_data(
            "client_cert_base64",
            &bytes_of("jks-same.jks"),
            "clientCertData",
        )
        .unwrap();
    let err = client_both.build().unwrap_err();
    assert_eq!(err.config_key(), Some("client_cert_path"), "{err}");

    // Empty data clears it again.
    let mut cleared = without_path(&org);
    cleared
        .set_data("keystore_base64", &bytes_of("jks-same.jks"), "x")
        .unwrap()
        .set_data("keystore_base64", &[], "x")
        .unwrap();
    assert_eq!(
        cleared.build().unwrap_err().config_key(),
        Some("keystore_path")
    );
}

#[test]
fn the_mutual_tls_keystore_can_be_data_too() {
    let org = start_with(
        EmulatorConfig {
            mtls_certificates: vec![certificate("jks-same.talend_certificate")],
            ..default_org_config()
        },
        StartOptions {
            mtls_port: Some(0),
            ..Default::default()
        },
    );
    let mtls_url = org.emulator.mtls_base_url().expect("mTLS port");
    let mut b = with(
        org.builder(),
        &[
            ("login_url", &mtls_url),
            ("mutual_tls", "true"),
            ("client_cert_password", STORE_PASSWORD),
        ],
    );
    b.set(
        "client_cert_base64",
        &wrapped_base64(&bytes_of("jks-same.jks")),
    )
    .unwrap();
    let token = Client::new(b.build().unwrap())
        .and_then(|c| c.token())
        .expect("accepted with the client certificate given as data");
    assert_eq!(token.instance_url(), mtls_url);
}

#[test]
fn data_larger_than_a_keystore_can_be_is_config_before_any_decoding() {
    let over = sfjwt::config::MAX_KEYSTORE_BYTES + 1;
    let mut builder = ConfigBuilder::default();
    let refused = builder
        .set_data("keystore_base64", &vec![0u8; over], "keystore_data")
        .expect_err("refused");
    assert_eq!(refused.code(), ErrorCode::Config);
    assert_eq!(refused.config_key(), Some("keystore_base64"));
    assert!(
        refused.to_string().contains("more than a keystore can be"),
        "{refused}"
    );

    let text = "QUFB".repeat(over / 3 + 1);
    let refused = builder
        .set("client_cert_base64", &text)
        .expect_err("refused");
    assert_eq!(refused.config_key(), Some("client_cert_base64"));
    assert!(
        refused.to_string().contains("more than a keystore can be"),
        "{refused}"
    );
    // At the cap, the bytes are taken (and are not a keystore, which loading tells).
    builder
        .set_data("keystore_base64", &vec![0u8; over - 1], "keystore_data")
        .expect("at the cap");
}
