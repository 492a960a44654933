// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! RS256 assertions signed with every format's key, verified against the
//! certificate by jsonwebtoken and — independently of this crate's readers — by
//! `openssl dgst -sha256 -verify` on the public key openssl extracts from the
//! certificate file that keytool/openssl exported.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sfjwt::{AssertionSigner, Claims, Config, ErrorCode, Keystore, KeystoreType, SigningKey};

const ISS: &str = "3MVG9_consumer.key-for_tests";
const SUB: &str = "integration.user@example.com";
const AUD: &str = "https://login.salesforce.com";

fn key_for(f: &Fixture, s: &Signer) -> SigningKey {
    Keystore::open(&f.path(), KeystoreType::Auto, f.store_password)
        .and_then(|ks| ks.signing_key(s.needs_alias.then_some(s.alias), f.key_password))
        .unwrap_or_else(|e| panic!("{}: {e}", f.file))
}

fn key_from(file: &str, alias: &str) -> SigningKey {
    let f = fixture_info(file);
    Keystore::open(&f.path(), KeystoreType::Auto, f.store_password)
        .and_then(|ks| ks.signing_key(Some(alias), f.key_password))
        .unwrap_or_else(|e| panic!("{file}/{alias}: {e}"))
}

/// The public key PEM of a fixture, taken by openssl from outside this crate: from
/// the exported certificate, or from the key file itself when there is no certificate.
fn outside_public_key(f: &Fixture, s: &Signer) -> String {
    match s.cert {
        Some(cert) => openssl_pubkey_pem(&cert_file(cert)),
        None => {
            let out = std::process::Command::new("openssl")
                .args(["pkey", "-pubout", "-in"])
                .arg(f.path())
                .output()
                .expect("run openssl pkey");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        }
    }
}

struct Jwt {
    header: Vec<u8>,
    claims: serde_json::Value,
    signing_input: String,
    signature: Vec<u8>,
}

fn split(jwt: &str) -> Jwt {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "three dot-separated parts: {jwt}");
    for part in &parts {
        assert!(!part.is_empty(), "empty part in {jwt}");
        assert!(
            part.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "not unpadded base64url: {part}"
        );
    }
    let claims_json = b64url_decode(parts[1]);
    Jwt {
        header: b64url_decode(parts[0]),
        claims: serde_json::from_slice(&claims_json)
            .unwrap_or_else(|e| panic!("claims are not JSON ({e}): {claims_json:?}")),
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature: b64url_decode(parts[2]),
    }
}

fn validation(sub: &str) -> Validation {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[AUD]);
    v.set_issuer(&[ISS]);
    v.sub = Some(sub.to_owned());
    v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    v.leeway = 0;
    v
}

fn now_secs(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn every_format_signs_an_assertion_the_certificate_verifies() {
    let mut verified = Vec::new();
    for (f, s) in signing_fixtures() {
        let signer = AssertionSigner::new(key_for(&f, &s));
        let now = SystemTime::now();
        let claims = Claims::new(ISS, SUB, AUD, 300, now).unwrap();
        let assertion = signer.sign(&claims).unwrap();
        let expected_exp = now_secs(now) + 300;
        assert_eq!(assertion.expires_at(), expected_exp, "{}", f.file);
        let jwt = split(assertion.as_str());

        // The documented header, byte for byte.
        assert_eq!(
            String::from_utf8_lossy(&jwt.header),
            r#"{"alg":"RS256"}"#,
            "{}: header",
            f.file
        );
        // Exactly the four claims.
        let object = jwt.claims.as_object().expect("claims object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["aud", "exp", "iss", "sub"], "{}", f.file);
        assert_eq!(object["iss"], ISS);
        assert_eq!(object["sub"], SUB);
        assert_eq!(object["aud"], AUD);
        assert_eq!(
            object["exp"].as_u64(),
            Some(expected_exp),
            "{}: exp = now + 300",
            f.file
        );
        assert_eq!(jwt.signature.len(), 256, "{}: RSA-2048 signature", f.file);

        let public_pem = outside_public_key(&f, &s);

        // (a) jsonwebtoken, with the certificate's public key.
        let key = DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap();
        let data =
            jsonwebtoken::decode::<serde_json::Value>(assertion.as_str(), &key, &validation(SUB))
                .unwrap_or_else(|e| {
                    panic!("{}: jsonwebtoken rejects the assertion: {e:?}", f.file)
                });
        assert_eq!(data.claims, jwt.claims);
        assert_eq!(data.header.alg, Algorithm::RS256);

        // (b) the outside verifier: openssl.
        let (ok, output) =
            openssl_verify(&public_pem, jwt.signing_input.as_bytes(), &jwt.signature);
        assert!(
            ok,
            "{}: openssl does not verify the signature: {output}",
            f.file
        );
        assert!(output.contains("Verified OK"), "{}: {output}", f.file);
        verified.push(f.file);
    }
    assert_eq!(verified.len(), 15, "{verified:?}");
}

#[test]
fn a_signature_does_not_verify_with_another_entrys_certificate() {
    let first = AssertionSigner::new(key_from("jks-multi.jks", "first"));
    let assertion = first
        .sign(&Claims::new(ISS, SUB, AUD, 120, SystemTime::now()).unwrap())
        .unwrap();
    let jwt = split(assertion.as_str());

    let first_pem = openssl_pubkey_pem(&cert_file("jks-multi.first.crt"));
    let second_pem = openssl_pubkey_pem(&cert_file("jks-multi.second.crt"));
    let (ok, output) = openssl_verify(&first_pem, jwt.signing_input.as_bytes(), &jwt.signature);
    assert!(ok && output.contains("Verified OK"), "{output}");

    let (ok, output) = openssl_verify(&second_pem, jwt.signing_input.as_bytes(), &jwt.signature);
    assert!(!ok, "verified with the wrong certificate: {output}");
    assert!(output.contains("Verification failure"), "{output}");

    let second_key = DecodingKey::from_rsa_pem(second_pem.as_bytes()).unwrap();
    let err = jsonwebtoken::decode::<serde_json::Value>(
        assertion.as_str(),
        &second_key,
        &validation(SUB),
    )
    .unwrap_err();
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
}

#[test]
fn tampered_claims_do_not_verify() {
    let signer = AssertionSigner::new(key_from("jks-diffkey.jks", "sfdc"));
    let assertion = signer
        .sign(&Claims::new(ISS, SUB, AUD, 120, SystemTime::now()).unwrap())
        .unwrap();
    let parts: Vec<&str> = assertion.as_str().split('.').collect();
    let pem = openssl_pubkey_pem(&cert_file("jks-diffkey.sfdc.crt"));

    // Same signature over claims naming another user.
    let other_assertion = signer
        .sign(&Claims::new(ISS, "admin@example.com", AUD, 120, SystemTime::now()).unwrap())
        .unwrap();
    let other = split(other_assertion.as_str());
    let forged_input = format!(
        "{}.{}",
        parts[0],
        other.signing_input.split('.').nth(1).unwrap()
    );
    let (ok, output) = openssl_verify(&pem, forged_input.as_bytes(), &b64url_decode(parts[2]));
    assert!(!ok && output.contains("Verification failure"), "{output}");
    let forged = format!("{forged_input}.{}", parts[2]);
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(&forged, &key, &validation("admin@example.com"))
            .is_err()
    );
}

#[test]
fn signatures_are_deterministic_and_match_the_keys_public_der() {
    // RSASSA-PKCS1-v1_5 is deterministic: the same claims give the same JWT.
    let key = key_from("p12-openssl.p12", "sfdc");
    let public = DecodingKey::from_rsa_der(key.public_key_der());
    let signer = AssertionSigner::new(key);
    let claims = Claims::new(ISS, SUB, AUD, 600, SystemTime::now()).unwrap();
    let a = signer.sign(&claims).unwrap();
    let b = signer.sign(&claims).unwrap();
    assert_eq!(a.as_str(), b.as_str());
    jsonwebtoken::decode::<serde_json::Value>(a.as_str(), &public, &validation(SUB)).unwrap();
    // The assertion is a credential: Debug redacts it.
    let debug = format!("{a:?}");
    assert!(
        !debug.contains(a.as_str().split('.').nth(2).unwrap()),
        "{debug}"
    );
}

#[test]
fn claims_with_json_special_characters_round_trip() {
    let sub = "o'brien+\"quoted\"\\back@example.com";
    let iss = "3MVG9\u{e9}\u{1F600}\n";
    let aud = "https://test.salesforce.com";
    let signer = AssertionSigner::new(key_from("p12-keytool.p12", "sfdc"));
    let now = SystemTime::now();
    let jwt = split(
        signer
            .sign(&Claims::new(iss, sub, aud, 60, now).unwrap())
            .unwrap()
            .as_str(),
    );
    assert_eq!(jwt.claims["sub"], sub);
    assert_eq!(jwt.claims["iss"], iss);
    assert_eq!(jwt.claims["aud"], aud);
    assert_eq!(jwt.claims["exp"].as_u64(), Some(now_secs(now) + 60));
    let pem = openssl_pubkey_pem(&cert_file("p12-keytool.sfdc.crt"));
    let (ok, output) = openssl_verify(&pem, jwt.signing_input.as_bytes(), &jwt.signature);
    assert!(ok, "{output}");
}

#[test]
fn expiration_is_bounded_to_1_through_3600_seconds() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for bad in [0, 3601, u32::MAX] {
        let err = Claims::new(ISS, SUB, AUD, bad, now).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config, "{bad}");
        assert_eq!(err.code().value(), 1);
        assert!(err.to_string().contains("expiration_secs"), "{err}");
    }
    assert_eq!(
        Claims::new(ISS, SUB, AUD, 1, now).unwrap().exp,
        1_700_000_001
    );
    assert_eq!(
        Claims::new(ISS, SUB, AUD, 3600, now).unwrap().exp,
        1_700_003_600
    );

    // The same bounds through the configuration.
    for bad in ["0", "3601", "-1", "ten"] {
        let err = Config::builder().with("expiration_secs", bad).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config, "{bad}");
        assert!(err.to_string().contains("expiration_secs"), "{err}");
    }
}

#[test]
fn claims_for_config_use_its_values_and_default_lifetime() {
    let path: PathBuf = fixture("jks-same.jks");
    let config = Config::builder()
        .with("issuer", ISS)
        .and_then(|b| b.with("subject", SUB))
        .and_then(|b| b.with("audience", "https://test.salesforce.com/"))
        .and_then(|b| b.with("keystore_path", &path.display().to_string()))
        .and_then(|b| b.with("keystore_password", STORE_PASSWORD))
        .unwrap()
        .build()
        .unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    let claims = Claims::for_config(&config, now).unwrap();
    assert_eq!(claims.iss, ISS);
    assert_eq!(claims.sub, SUB);
    assert_eq!(claims.aud, "https://test.salesforce.com");
    assert_eq!(claims.exp, 2_000_000_180, "default 180 s");

    let signer = AssertionSigner::new(config.keystore.signing_key().unwrap());
    let jwt = split(
        signer
            .sign(&Claims::for_config(&config, SystemTime::now()).unwrap())
            .unwrap()
            .as_str(),
    );
    assert_eq!(jwt.claims["aud"], "https://test.salesforce.com");
    let pem = openssl_pubkey_pem(&cert_file("jks-same.talend_certificate.crt"));
    assert!(openssl_verify(&pem, jwt.signing_input.as_bytes(), &jwt.signature).0);
}

#[test]
fn one_signer_shared_by_many_threads_signs_valid_assertions() {
    let signer = Arc::new(AssertionSigner::new(key_from(
        "jks-same.jks",
        "talend_certificate",
    )));
    let pem = openssl_pubkey_pem(&cert_file("jks-same.talend_certificate.crt"));
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    const THREADS: usize = 8;
    const PER_THREAD: usize = 25;
    let jwts: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let signer = Arc::clone(&signer);
                scope.spawn(move || {
                    (0..PER_THREAD)
                        .map(|i| {
                            let sub = format!("user{t}-{i}@example.com");
                            let claims =
                                Claims::new(ISS, &sub, AUD, 300, SystemTime::now()).unwrap();
                            (sub, signer.sign(&claims).unwrap().as_str().to_owned())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(jwts.len(), THREADS * PER_THREAD);
    for (sub, jwt) in &jwts {
        let data = jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation(sub))
            .unwrap_or_else(|e| panic!("{sub}: {e:?}"));
        assert_eq!(data.claims["sub"], sub.as_str());
    }
    // A sample through the outside verifier too.
    for (_, jwt) in jwts.iter().step_by(50) {
        let parsed = split(jwt);
        let (ok, output) = openssl_verify(&pem, parsed.signing_input.as_bytes(), &parsed.signature);
        assert!(ok, "{output}");
    }
}
