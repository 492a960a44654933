// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The keystore readers against the fixtures made by the real keytool and openssl:
//! formats, entries, fingerprints (checked against keytool's own listing in
//! `fingerprints.tsv` and dates against openssl), signing keys (checked against the
//! certificates openssl extracted), and every keystore error code.

mod common;

use std::path::Path;
use std::time::SystemTime;

use common::*;
use sfjwt::{
    AssertionSigner, Claims, Config, EntryInfo, EntryKind, Error, ErrorCode, Keystore,
    KeystoreType, SigningKey,
};

fn open(file: &str, store_password: &str) -> sfjwt::Result<Keystore> {
    Keystore::open(&fixture(file), KeystoreType::Auto, store_password)
}

fn open_ok(file: &str) -> Keystore {
    let f = fixture_info(file);
    open(file, f.store_password).unwrap_or_else(|e| panic!("{file} does not open: {e}"))
}

/// Asserts the code, that the message names `file`, and that it carries no password;
/// returns the message.
#[track_caller]
fn expect_error<T: std::fmt::Debug>(
    result: sfjwt::Result<T>,
    code: ErrorCode,
    file: &str,
) -> String {
    let err = match result {
        Ok(v) => panic!("{file}: expected {code}, got Ok({v:?})"),
        Err(e) => e,
    };
    let message = err.to_string();
    assert_eq!(err.code(), code, "{file}: {message}");
    assert!(
        message.contains(file),
        "{file}: the {code} message does not name the file: {message}"
    );
    assert_no_secret(&message);
    assert_no_secret(&format!("{err:?}"));
    message
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [STORE_PASSWORD, KEY_PASSWORD, WRONG_PASSWORD] {
        assert!(
            !text.contains(secret),
            "a password ({secret}) leaked: {text}"
        );
    }
}

/// Key algorithm and size of every entry, from the README's table (P-256 = 256 bits).
fn expected_key(file: &str, alias: &str) -> (&'static str, Option<u32>) {
    match (file, alias) {
        ("jks-multi.jks", "ec_key") | ("jks-ec.jks", _) | ("pem-ec.pem", _) => ("EC", Some(256)),
        ("jks-rsa1024.jks", _) => ("RSA", Some(1024)),
        // The DSA size is checked on its own, in `dsa_key_size_is_reported`.
        ("jks-dsa.jks", _) => ("DSA", None),
        _ => ("RSA", Some(2048)),
    }
}

// ---------------------------------------------------------------------------------
// Formats

#[test]
fn every_fixture_opens_with_auto_and_forced_type_and_refuses_other_types() {
    for f in FIXTURES {
        let path = f.path();
        let auto = Keystore::open(&path, KeystoreType::Auto, f.store_password)
            .unwrap_or_else(|e| panic!("{}: auto: {e}", f.file));
        assert_eq!(auto.format(), f.format, "{}: detected format", f.file);
        assert_eq!(auto.path(), path.as_path());

        let forced = Keystore::open(&path, f.forced_type(), f.store_password)
            .unwrap_or_else(|e| panic!("{}: forced {:?}: {e}", f.file, f.forced_type()));
        assert_eq!(forced.format(), f.format, "{}: forced format", f.file);
        assert_eq!(forced.inspect(), auto.inspect(), "{}", f.file);

        for other in ALL_FORCED_TYPES {
            if other == f.forced_type() {
                continue;
            }
            let msg = expect_error(
                Keystore::open(&path, other, f.store_password),
                ErrorCode::KeystoreFormat,
                f.file,
            );
            assert!(
                msg.contains(f.format.name()),
                "{}: forced {other:?}: the message should say what the file is: {msg}",
                f.file
            );
        }
    }
}

#[test]
fn from_bytes_reads_what_open_reads() {
    for f in FIXTURES {
        let bytes = f.bytes();
        let from_bytes =
            Keystore::from_bytes(&f.path(), &bytes, KeystoreType::Auto, f.store_password)
                .unwrap_or_else(|e| panic!("{}: from_bytes: {e}", f.file));
        assert_eq!(from_bytes.format(), f.format, "{}", f.file);
        let opened = open_ok(f.file).inspect();
        let in_memory = from_bytes.inspect();
        // from_bytes does not look for sibling certificate files.
        if matches!(f.file, "pem-pkcs1.key" | "pem-encrypted.pem") {
            assert_eq!(in_memory.len(), 1);
            assert_eq!(in_memory[0].alias, opened[0].alias);
            assert_eq!(
                in_memory[0].sha1, None,
                "{}: no sibling lookup in memory",
                f.file
            );
            assert!(
                opened[0].sha1.is_some(),
                "{}: sibling found by open",
                f.file
            );
        } else {
            assert_eq!(in_memory, opened, "{}", f.file);
        }
    }
}

// ---------------------------------------------------------------------------------
// Inspection, against keytool's listing

fn sorted_entries(keystore: &Keystore) -> Vec<EntryInfo> {
    let mut entries = keystore.inspect();
    entries.sort_by(|a, b| a.alias.cmp(&b.alias));
    entries
}

#[test]
fn inspect_matches_keytool_fingerprints_for_every_fixture() {
    let references = references();
    // Every line of the reference listing belongs to a fixture we test.
    for r in &references {
        assert!(
            FIXTURES.iter().any(|f| f.file == r.file),
            "fingerprints.tsv names {} which is not in the fixture table",
            r.file
        );
    }
    let mut compared = 0;
    for f in FIXTURES {
        let entries = sorted_entries(&open_ok(f.file));
        let mut expected: Vec<&Reference> =
            references.iter().filter(|r| r.file == f.file).collect();
        expected.sort_by(|a, b| a.alias.cmp(&b.alias));

        if f.file == "pem-nocert.pem" {
            // No certificate anywhere, hence no reference line: a key entry without
            // certificate details, described from the unencrypted key itself.
            assert!(expected.is_empty());
            assert_eq!(entries.len(), 1);
            let e = &entries[0];
            assert_eq!(e.alias, "pem-nocert");
            assert_eq!(e.kind, EntryKind::PrivateKey);
            assert_eq!(e.key_algorithm.as_deref(), Some("RSA"));
            assert_eq!(e.key_bits, Some(2048));
            for (name, v) in [
                ("subject", &e.subject),
                ("issuer", &e.issuer),
                ("not_before", &e.not_before),
                ("not_after", &e.not_after),
                ("sha1", &e.sha1),
                ("sha256", &e.sha256),
            ] {
                assert_eq!(v, &None, "pem-nocert {name}");
            }
            continue;
        }

        let aliases: Vec<&str> = entries.iter().map(|e| e.alias.as_str()).collect();
        let expected_aliases: Vec<&str> = expected.iter().map(|r| r.alias.as_str()).collect();
        assert_eq!(aliases, expected_aliases, "{}: aliases", f.file);

        for (e, r) in entries.iter().zip(&expected) {
            let ctx = format!("{} / {}", f.file, e.alias);
            assert_eq!(e.kind, r.kind, "{ctx}: kind");
            assert_eq!(e.sha1.as_deref(), Some(r.sha1.as_str()), "{ctx}: SHA-1");
            assert_eq!(
                e.sha256.as_deref(),
                Some(r.sha256.as_str()),
                "{ctx}: SHA-256"
            );
            assert_eq!(
                e.subject.as_deref(),
                Some(r.subject.as_str()),
                "{ctx}: subject"
            );
            // Every fixture certificate is self-signed.
            assert_eq!(
                e.issuer.as_deref(),
                Some(r.subject.as_str()),
                "{ctx}: issuer"
            );
            let (alg, bits) = expected_key(f.file, &e.alias);
            assert_eq!(
                e.key_algorithm.as_deref(),
                Some(alg),
                "{ctx}: key algorithm"
            );
            if alg != "DSA" {
                assert_eq!(e.key_bits, bits, "{ctx}: key size");
            }
            let from = parse_rfc3339_utc(e.not_before.as_deref().expect("not_before"));
            let to = parse_rfc3339_utc(e.not_after.as_deref().expect("not_after"));
            assert!(from < to, "{ctx}: validity");
            compared += 1;
        }
    }
    assert_eq!(
        compared,
        references.len(),
        "every reference line was compared"
    );
}

#[test]
fn validity_matches_openssl_for_every_certificate() {
    for (f, s) in signing_fixtures() {
        let Some(cert) = s.cert else { continue };
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-startdate", "-enddate", "-in"])
            .arg(cert_file(cert))
            .output()
            .expect("run openssl");
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {text}"))
                .to_owned()
        };
        let keystore = open_ok(f.file);
        let entry = keystore
            .inspect()
            .into_iter()
            .find(|e| e.alias == s.alias)
            .unwrap();
        let not_before = parse_rfc3339_utc(entry.not_before.as_deref().unwrap());
        let not_after = parse_rfc3339_utc(entry.not_after.as_deref().unwrap());
        assert_eq!(
            not_before,
            parse_openssl_time(&field("notBefore=")),
            "{}",
            f.file
        );
        assert_eq!(
            not_after,
            parse_openssl_time(&field("notAfter=")),
            "{}",
            f.file
        );
        let days = if f.file == "jks-expiring.jks" {
            10
        } else {
            3650
        };
        assert_eq!(
            not_after - not_before,
            days * 86_400,
            "{}: validity days",
            f.file
        );
    }
}

#[test]
fn expiring_certificate_is_valid_for_less_than_30_days() {
    let entries = open_ok("jks-expiring.jks").inspect();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.alias, "soon");
    let from = parse_rfc3339_utc(e.not_before.as_deref().unwrap());
    let to = parse_rfc3339_utc(e.not_after.as_deref().unwrap());
    assert!(to > from);
    assert!(to - from <= 30 * 86_400, "{e:?}");
    assert_eq!(to - from, 10 * 86_400, "keytool -validity 10");
}

#[test]
fn dsa_key_size_is_reported() {
    // keytool -list -v says "2048-bit DSA key"; inspect should show the size too.
    let entries = open_ok("jks-dsa.jks").inspect();
    assert_eq!(entries[0].key_algorithm.as_deref(), Some("DSA"));
    assert_eq!(entries[0].key_bits, Some(2048), "{:?}", entries[0]);
}

// ---------------------------------------------------------------------------------
// Signing keys

fn signing_key(f: &Fixture, s: &Signer) -> SigningKey {
    let keystore = open_ok(f.file);
    let alias = s.needs_alias.then_some(s.alias);
    keystore
        .signing_key(alias, f.key_password)
        .unwrap_or_else(|e| panic!("{}: signing key: {e}", f.file))
}

#[test]
fn every_rsa_fixture_yields_a_2048_bit_key_matching_its_certificate() {
    let mut count = 0;
    for (f, s) in signing_fixtures() {
        let key = signing_key(&f, &s);
        assert_eq!(key.bits(), 2048, "{}", f.file);
        assert_eq!(key.alias(), s.alias, "{}", f.file);
        let debug = format!("{key:?}");
        assert!(debug.contains("2048") && debug.contains(s.alias), "{debug}");

        let Some(cert) = s.cert else {
            assert!(key.certificate().is_none(), "{}: no certificate", f.file);
            count += 1;
            continue;
        };
        // The certificate the key came with is the one keytool/openssl exported.
        let info = key
            .certificate()
            .unwrap_or_else(|| panic!("{}: certificate missing", f.file));
        let der = cert_der(&cert_file(cert));
        assert_eq!(info.der, der, "{}: certificate DER", f.file);
        let reference = reference(f.file, s.alias);
        assert_eq!(info.sha1, reference.sha1, "{}", f.file);
        assert_eq!(info.sha256, reference.sha256, "{}", f.file);

        // The decrypted private key is the certificate's key: the RSAPublicKey is the
        // tail of the SubjectPublicKeyInfo openssl extracts from the certificate.
        let spki = pem_blocks(&openssl_pubkey_pem(&cert_file(cert)))
            .into_iter()
            .find(|(label, _)| label == "PUBLIC KEY")
            .unwrap()
            .1;
        let public = key.public_key_der();
        assert!(
            public.len() > 256 && public[0] == 0x30,
            "{}: RSAPublicKey DER",
            f.file
        );
        assert!(
            spki.ends_with(public),
            "{}: the key does not match the certificate's public key",
            f.file
        );
        count += 1;
    }
    assert_eq!(count, 15);
}

#[test]
fn keys_of_different_entries_differ() {
    let ks = open_ok("jks-multi.jks");
    let first = ks.signing_key(Some("first"), STORE_PASSWORD).unwrap();
    let second = ks.signing_key(Some("second"), STORE_PASSWORD).unwrap();
    assert_ne!(first.public_key_der(), second.public_key_der());
    assert_eq!(
        first.certificate().unwrap().sha1,
        reference("jks-multi.jks", "first").sha1
    );
    assert_eq!(
        second.certificate().unwrap().sha1,
        reference("jks-multi.jks", "second").sha1
    );
}

// ---------------------------------------------------------------------------------
// File errors

#[test]
fn missing_file_is_keystore_io_naming_the_path() {
    let path = fixture("no-such-keystore.jks");
    let msg = expect_error(
        Keystore::open(&path, KeystoreType::Auto, STORE_PASSWORD),
        ErrorCode::KeystoreIo,
        "no-such-keystore.jks",
    );
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert_eq!(ErrorCode::KeystoreIo.value(), 10);
}

#[test]
fn directory_is_keystore_io() {
    let dir = TempDir::new("dir-as-keystore");
    let path = dir.join("keystore.jks");
    std::fs::create_dir(&path).unwrap();
    expect_error(
        Keystore::open(&path, KeystoreType::Auto, STORE_PASSWORD),
        ErrorCode::KeystoreIo,
        "keystore.jks",
    );
}

#[test]
fn not_a_keystore_is_keystore_format() {
    for ty in [
        KeystoreType::Auto,
        KeystoreType::Jks,
        KeystoreType::Pkcs12,
        KeystoreType::Pem,
    ] {
        expect_error(
            Keystore::open(&fixture("not-a-keystore.txt"), ty, STORE_PASSWORD),
            ErrorCode::KeystoreFormat,
            "not-a-keystore.txt",
        );
    }
    assert_eq!(ErrorCode::KeystoreFormat.value(), 11);
}

#[test]
fn empty_file_is_keystore_format() {
    let dir = TempDir::new("empty");
    let path = dir.write("empty.jks", b"");
    for ty in [KeystoreType::Auto, KeystoreType::Jks, KeystoreType::Pem] {
        let msg = expect_error(
            Keystore::open(&path, ty, STORE_PASSWORD),
            ErrorCode::KeystoreFormat,
            "empty.jks",
        );
        assert!(msg.contains("empty"), "{msg}");
    }
    expect_error(
        Keystore::from_bytes(Path::new("mem.p12"), b"", KeystoreType::Auto, ""),
        ErrorCode::KeystoreFormat,
        "mem.p12",
    );
}

#[test]
fn oversized_file_is_keystore_format() {
    let dir = TempDir::new("huge");
    let mut bytes = vec![0u8; 16 * 1024 * 1024 + 1];
    bytes[..4].copy_from_slice(&[0xFE, 0xED, 0xFE, 0xED]);
    let path = dir.write("huge.jks", &bytes);
    expect_error(
        Keystore::open(&path, KeystoreType::Auto, STORE_PASSWORD),
        ErrorCode::KeystoreFormat,
        "huge.jks",
    );
}

// ---------------------------------------------------------------------------------
// Store password vs key password

#[test]
fn wrong_store_password_is_keystore_password() {
    for file in [
        "jks-same.jks",
        "jks-diffkey.jks",
        "jks-multi.jks",
        "jks-trusted-only.jks",
        "jceks.jceks",
        "jceks-same.jceks",
        "p12-keytool.p12",
        "p12-openssl.p12",
        "p12-legacy.p12",
        "p12-nomac.p12",
    ] {
        for wrong in [WRONG_PASSWORD, "", "changeit", "changeit1 "] {
            expect_error(open(file, wrong), ErrorCode::KeystorePassword, file);
        }
    }
    assert_eq!(ErrorCode::KeystorePassword.value(), 12);
}

#[test]
fn unencrypted_pkcs12_has_no_password_to_check() {
    // No MAC and no encryption: nothing in the file depends on the password, so
    // (as with openssl) any password opens it and the key is usable.
    for password in ["", WRONG_PASSWORD, STORE_PASSWORD] {
        let ks = open("p12-unencrypted.p12", password)
            .unwrap_or_else(|e| panic!("p12-unencrypted with {password:?}: {e}"));
        let key = ks.signing_key(None, password).unwrap();
        assert_eq!(key.bits(), 2048);
        assert_eq!(
            key.certificate().unwrap().sha1,
            reference("p12-unencrypted.p12", "sfdc").sha1
        );
    }
}

#[test]
fn pem_files_have_no_store_password() {
    // PEM has no integrity check: the store password is not used.
    for file in ["pem-pkcs8.pem", "pem-encrypted.pem", "pem-pkcs1.key"] {
        open(file, WRONG_PASSWORD).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn wrong_key_password_is_key_password_and_the_right_one_works() {
    // (file, store password, wrong key password, right key password)
    let cases = [
        (
            "jks-diffkey.jks",
            STORE_PASSWORD,
            STORE_PASSWORD,
            KEY_PASSWORD,
        ),
        (
            "jks-diffkey.jks",
            STORE_PASSWORD,
            WRONG_PASSWORD,
            KEY_PASSWORD,
        ),
        ("jks-same.jks", STORE_PASSWORD, KEY_PASSWORD, STORE_PASSWORD),
        ("jceks.jceks", STORE_PASSWORD, STORE_PASSWORD, KEY_PASSWORD),
        // Not printable ASCII: Java could not even use it for PBEWithMD5AndTripleDES.
        ("jceks.jceks", STORE_PASSWORD, "k\u{e9}ypass2", KEY_PASSWORD),
        (
            "jceks-same.jceks",
            STORE_PASSWORD,
            KEY_PASSWORD,
            STORE_PASSWORD,
        ),
        ("pem-encrypted.pem", "", "", KEY_PASSWORD),
        ("pem-encrypted.pem", "", STORE_PASSWORD, KEY_PASSWORD),
    ];
    for (file, store, wrong, right) in cases {
        let ks = open(file, store).unwrap_or_else(|e| panic!("{file}: {e}"));
        let msg = expect_error(ks.signing_key(None, wrong), ErrorCode::KeyPassword, file);
        assert!(
            msg.contains("key_password"),
            "{file}: the message names the setting: {msg}"
        );
        let key = ks
            .signing_key(None, right)
            .unwrap_or_else(|e| panic!("{file}: right key password: {e}"));
        assert_eq!(key.bits(), 2048);
    }
    assert_eq!(ErrorCode::KeyPassword.value(), 15);
}

#[test]
fn store_and_key_passwords_are_told_apart() {
    // The key password given as the store password fails the integrity check...
    expect_error(
        open("jks-diffkey.jks", KEY_PASSWORD),
        ErrorCode::KeystorePassword,
        "jks-diffkey.jks",
    );
    expect_error(
        open("jceks.jceks", KEY_PASSWORD),
        ErrorCode::KeystorePassword,
        "jceks.jceks",
    );
    // ...and the store password given as the key password fails the key.
    let ks = open("jks-diffkey.jks", STORE_PASSWORD).unwrap();
    let msg = expect_error(
        ks.signing_key(None, STORE_PASSWORD),
        ErrorCode::KeyPassword,
        "jks-diffkey.jks",
    );
    assert!(msg.contains("sfdc"), "the message names the entry: {msg}");
    assert!(ks.signing_key(None, KEY_PASSWORD).is_ok());
}

#[test]
fn pkcs12_has_no_separate_key_password() {
    for file in [
        "p12-keytool.p12",
        "p12-openssl.p12",
        "p12-legacy.p12",
        "p12-nomac.p12",
    ] {
        let ks = open_ok(file);
        let key = ks
            .signing_key(None, WRONG_PASSWORD)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.bits(), 2048);
    }
}

// ---------------------------------------------------------------------------------
// Aliases

#[test]
fn alias_lookup_is_case_insensitive() {
    let cases = [
        ("jks-diffkey.jks", "SFDC", KEY_PASSWORD, "sfdc"),
        (
            "jks-same.jks",
            "Talend_Certificate",
            STORE_PASSWORD,
            "talend_certificate",
        ),
        (
            "jks-same.jks",
            "TALEND_CERTIFICATE",
            STORE_PASSWORD,
            "talend_certificate",
        ),
        ("jks-multi.jks", "FIRST", STORE_PASSWORD, "first"),
        ("jks-multi.jks", "Second", STORE_PASSWORD, "second"),
        ("jceks.jceks", "Sfdc", KEY_PASSWORD, "sfdc"),
        ("p12-keytool.p12", "SFDC", STORE_PASSWORD, "sfdc"),
        ("p12-openssl.p12", "SFDC", STORE_PASSWORD, "sfdc"),
    ];
    for (file, asked, key_password, stored) in cases {
        let ks = open_ok(file);
        let key = ks
            .signing_key(Some(asked), key_password)
            .unwrap_or_else(|e| panic!("{file} alias {asked}: {e}"));
        assert_eq!(key.alias(), stored, "{file}");
        assert_eq!(
            key.certificate().unwrap().sha1,
            reference(file, stored).sha1,
            "{file} {asked}: the right entry"
        );
    }
}

#[test]
fn keytool_aliases_are_lowercase() {
    // keytool lowercases JKS/JCEKS aliases; `talend_certificate` stays as stored.
    let entries = open_ok("jks-same.jks").inspect();
    assert_eq!(entries[0].alias, "talend_certificate");
}

#[test]
fn missing_alias_lists_the_aliases_present() {
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "jks-multi.jks",
            STORE_PASSWORD,
            &["first", "second", "ec_key", "trusted_ca"],
        ),
        ("jceks.jceks", KEY_PASSWORD, &["sfdc", "trusted_ca"]),
        ("p12-keytool.p12", STORE_PASSWORD, &["sfdc"]),
        ("jks-same.jks", STORE_PASSWORD, &["talend_certificate"]),
    ];
    for (file, key_password, aliases) in cases {
        let ks = open_ok(file);
        let msg = expect_error(
            ks.signing_key(Some("no_such_alias"), key_password),
            ErrorCode::AliasNotFound,
            file,
        );
        assert!(msg.contains("no_such_alias"), "{msg}");
        for alias in aliases {
            assert!(msg.contains(alias), "{file}: {alias} missing from: {msg}");
        }
        match ks.signing_key(Some("no_such_alias"), key_password) {
            Err(Error::AliasNotFound {
                aliases: listed,
                alias,
                ..
            }) => {
                assert_eq!(alias, "no_such_alias");
                let mut listed = listed.clone();
                listed.sort();
                let mut want: Vec<String> = aliases.iter().map(|a| a.to_string()).collect();
                want.sort();
                assert_eq!(listed, want, "{file}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    assert_eq!(ErrorCode::AliasNotFound.value(), 13);
}

#[test]
fn several_private_keys_without_alias_is_config_listing_them() {
    let ks = open_ok("jks-multi.jks");
    let err = ks.signing_key(None, STORE_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert_eq!(err.code().value(), 1);
    let msg = err.to_string();
    assert!(msg.contains("key_alias"), "names the setting: {msg}");
    assert!(msg.contains("jks-multi.jks"), "names the file: {msg}");
    for alias in ["first", "second", "ec_key"] {
        assert!(msg.contains(alias), "{alias} missing from: {msg}");
    }
    assert!(
        !msg.contains("trusted_ca"),
        "a trusted certificate is no choice: {msg}"
    );
}

#[test]
fn the_only_private_key_is_chosen_without_alias() {
    // jceks.jceks also holds a trusted certificate: still a single private key.
    let ks = open_ok("jceks.jceks");
    assert_eq!(ks.signing_key(None, KEY_PASSWORD).unwrap().alias(), "sfdc");
    assert_eq!(
        ks.signing_key(Some("  "), KEY_PASSWORD).unwrap().alias(),
        "sfdc"
    );
}

#[test]
fn trusted_certificates_are_not_private_keys() {
    let cases = [
        ("jks-multi.jks", Some("trusted_ca"), STORE_PASSWORD),
        ("jks-multi.jks", Some("TRUSTED_CA"), STORE_PASSWORD),
        ("jceks.jceks", Some("trusted_ca"), KEY_PASSWORD),
        ("jks-trusted-only.jks", None, STORE_PASSWORD),
        ("jks-trusted-only.jks", Some("only_cert"), STORE_PASSWORD),
    ];
    for (file, alias, key_password) in cases {
        let ks = open_ok(file);
        expect_error(
            ks.signing_key(alias, key_password),
            ErrorCode::NotAPrivateKey,
            file,
        );
    }
    let entries = open_ok("jks-trusted-only.jks").inspect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, EntryKind::TrustedCertificate);
    assert_eq!(ErrorCode::NotAPrivateKey.value(), 14);
}

#[test]
fn non_rsa_and_small_keys_are_unsupported() {
    let cases = [
        ("jks-ec.jks", None, "EC"),
        ("jks-multi.jks", Some("ec_key"), "EC"),
        ("pem-ec.pem", None, "EC"),
        ("jks-dsa.jks", None, "DSA"),
        ("jks-rsa1024.jks", None, "1024-bit"),
    ];
    for (file, alias, what) in cases {
        let f = fixture_info(file);
        let ks = open_ok(file);
        let msg = expect_error(
            ks.signing_key(alias, f.key_password),
            ErrorCode::UnsupportedKey,
            file,
        );
        assert!(
            msg.contains(what),
            "{file}: the message should say {what}: {msg}"
        );
        assert!(
            msg.contains("2048"),
            "{file}: the message says what is needed: {msg}"
        );
    }
    assert_eq!(ErrorCode::UnsupportedKey.value(), 16);
}

// ---------------------------------------------------------------------------------
// PEM specifics

#[test]
fn pem_pkcs1_key_takes_its_certificate_from_the_sibling_crt() {
    let ks = open_ok("pem-pkcs1.key");
    let entries = ks.inspect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].alias, "pem-pkcs1");
    assert_eq!(
        entries[0].subject.as_deref(),
        Some("CN=pem_pkcs1, OU=sfjwt tests, O=sfjwt, C=US")
    );
    let key = ks.signing_key(None, "").unwrap();
    let cert = key.certificate().expect("certificate from pem-pkcs1.crt");
    assert_eq!(cert.der, cert_der(&fixture("pem-pkcs1.crt")));
    assert_eq!(cert.sha1, reference("pem-pkcs1.key", "pem-pkcs1").sha1);

    let ks = open_ok("pem-encrypted.pem");
    let key = ks.signing_key(None, KEY_PASSWORD).unwrap();
    assert_eq!(
        key.certificate()
            .expect("certificate from pem-encrypted.crt")
            .der,
        cert_der(&fixture("pem-encrypted.crt"))
    );
}

#[test]
fn pem_without_certificate_still_signs() {
    let ks = open_ok("pem-nocert.pem");
    let key = ks.signing_key(None, "").unwrap();
    assert!(key.certificate().is_none());
    assert_eq!(key.bits(), 2048);
    let signer = AssertionSigner::new(key);
    let claims = Claims::new(
        "3MVG9",
        "u@example.com",
        "https://login.salesforce.com",
        60,
        SystemTime::now(),
    )
    .unwrap();
    let jwt = signer.sign(&claims).unwrap();
    assert_eq!(jwt.as_str().split('.').count(), 3);
}

#[test]
fn pem_ignores_the_alias() {
    let ks = open_ok("pem-pkcs8.pem");
    let key = ks.signing_key(Some("anything"), "").unwrap();
    assert_eq!(key.alias(), "pem-pkcs8");
}

#[test]
fn pem_certificate_alone_is_not_a_private_key() {
    let msg = expect_error(
        open("pem-pkcs1.crt", ""),
        ErrorCode::NotAPrivateKey,
        "pem-pkcs1.crt",
    );
    assert!(msg.contains("no private key"), "{msg}");
}

// ---------------------------------------------------------------------------------
// Redaction

/// Renderings of a few 16-byte windows of `secret` as Debug would print them.
fn secret_renderings(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for start in [secret.len() / 4, secret.len() / 2, secret.len() * 3 / 4] {
        let w = &secret[start..start + 16];
        let list = format!("{w:?}");
        out.push(list[1..list.len() - 1].to_owned()); // "12, 34, ..."
        out.push(w.iter().map(|b| format!("{b:02x}")).collect());
        out.push(w.iter().map(|b| format!("{b:02X}")).collect());
    }
    out
}

#[test]
fn debug_output_holds_no_password_and_no_key_bytes() {
    let key_der = pem_blocks(&std::fs::read_to_string(fixture("pem-pkcs8.pem")).unwrap())
        .into_iter()
        .find(|(l, _)| l == "PRIVATE KEY")
        .unwrap()
        .1;
    let pem_ks = open_ok("pem-pkcs8.pem");
    let pem_key = pem_ks.signing_key(None, "").unwrap();
    let signer = AssertionSigner::new(pem_ks.signing_key(None, "").unwrap());
    let mut texts = vec![
        format!("{pem_ks:?}"),
        format!("{pem_key:?}"),
        format!("{pem_key:#?}"),
        format!("{signer:?}"),
    ];
    for text in &texts {
        for r in secret_renderings(&key_der) {
            assert!(
                !text.contains(&r),
                "key bytes ({r}) in Debug output: {text}"
            );
        }
    }

    for f in FIXTURES {
        let ks = open_ok(f.file);
        texts.push(format!("{ks:?}"));
        texts.push(format!("{ks:#?}"));
        if let Some(s) = f.signer {
            let key = ks
                .signing_key(s.needs_alias.then_some(s.alias), f.key_password)
                .unwrap();
            texts.push(format!("{key:?}"));
        }
    }

    let mut builder = Config::builder();
    for (k, v) in [
        ("issuer", "3MVG9consumer"),
        ("subject", "user@example.com"),
        (
            "keystore_path",
            &fixture("jks-diffkey.jks").display().to_string(),
        ),
        ("keystore_password", STORE_PASSWORD),
        ("key_password", KEY_PASSWORD),
        (
            "client_cert_path",
            &fixture("p12-keytool.p12").display().to_string(),
        ),
        ("client_cert_password", WRONG_PASSWORD),
    ] {
        builder.set(k, v).unwrap();
    }
    let config = builder.build().unwrap();
    assert_eq!(config.keystore.store_password.expose(), STORE_PASSWORD);
    assert_eq!(config.keystore.key_password.expose(), KEY_PASSWORD);
    texts.push(format!("{builder:?}"));
    texts.push(format!("{config:?}"));
    texts.push(format!("{config:#?}"));
    texts.push(format!("{:?}", config.keystore));
    let key = config.keystore.signing_key().unwrap();
    texts.push(format!("{key:?}"));

    for text in &texts {
        assert_no_secret(text);
    }
}

/// keytool writes version 2; version 1 (JDK 1.1 era) lacks the certificate type
/// strings. Rewriting a keytool file as version 1, with its digest recomputed, must
/// give the same entries.
#[test]
fn jks_version_1_is_read_like_version_2() {
    let v2 = read_fixture("jks-multi.jks");
    let mut at = 12;
    let u32_at = |bytes: &[u8], at: usize| {
        u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
    };
    let u16_at = |bytes: &[u8], at: usize| {
        u16::from_be_bytes(bytes[at..at + 2].try_into().unwrap()) as usize
    };
    let mut v1 = v2[..12].to_vec();
    v1[4..8].copy_from_slice(&1u32.to_be_bytes());
    let copy = |v1: &mut Vec<u8>, at: &mut usize, n: usize| {
        v1.extend_from_slice(&v2[*at..*at + n]);
        *at += n;
    };
    for _ in 0..u32_at(&v2, 8) {
        let tag = u32_at(&v2, at);
        copy(&mut v1, &mut at, 4);
        let alias_len = u16_at(&v2, at);
        copy(&mut v1, &mut at, 2 + alias_len + 8);
        let chain_len = if tag == 1 {
            let key_len = u32_at(&v2, at);
            copy(&mut v1, &mut at, 4 + key_len);
            let n = u32_at(&v2, at);
            copy(&mut v1, &mut at, 4);
            n
        } else {
            1
        };
        for _ in 0..chain_len {
            at += 2 + u16_at(&v2, at); // the "X.509" type string, absent in version 1
            let cert_len = u32_at(&v2, at);
            copy(&mut v1, &mut at, 4 + cert_len);
        }
    }
    assert_eq!(at + 20, v2.len(), "walked the whole file");
    let digest = jks_integrity_digest("changeit1", &v1);
    v1.extend_from_slice(&digest);

    let path = Path::new("jks-multi-v1.jks");
    let read =
        |bytes: &[u8]| Keystore::from_bytes(path, bytes, KeystoreType::Auto, "changeit1").unwrap();
    assert_eq!(read(&v1).inspect(), read(&v2).inspect());
    let key = read(&v1).signing_key(Some("first"), "changeit1").unwrap();
    assert_eq!(key.bits(), 2048);
}
