// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Not API: the entry points of the fuzz targets (`fuzz/fuzz_targets/*.rs`) and of
//! their regression tests (`tests/fuzz_regressions.rs`), behind the `fuzzing` feature.
//!
//! Each function takes the fuzzer's bytes, runs the same code sfjwt runs on a file
//! or an answer from Salesforce, and panics when an invariant breaks, which the
//! fuzzer reports as a crash:
//!
//! - the error code is one the input class may end in (never INTERNAL, never a code
//!   of another layer);
//! - a keystore error names the file, and no error message, `Debug` or JSON output
//!   contains a password, or an access token the body carried;
//! - whatever opens can be inspected, and a key that loads can sign.
//!
//! Panics inside the parsers themselves are crashes too, as are allocations the
//! fuzzer's `-malloc_limit_mb` refuses (a length taken from the input unchecked).
//! Each function returns what the input came to, so that a regression test can
//! assert the error code as well as the absence of a crash.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::assertion::{AssertionSigner, Claims};
use crate::config::{ConfigBuilder, parse_properties};
use crate::connection_test::{ApiVersion, UserInfo, choose_api_version, identity_detail};
use crate::error::{Error, ErrorCode};
use crate::keystore::{self, EntryKind, Keystore, KeystoreType};
use crate::oauth::{self, HintContext, http::Response};

/// The store password the keystore targets open with: the fixtures' (tests/fixtures).
pub const STORE_PASSWORD: &str = "changeit1";
/// The fixtures' separate key password, tried when the store password is refused.
pub const KEY_PASSWORD: &str = "keypass2";
/// The name keystore inputs are opened under; every keystore error must mention it.
pub const KEYSTORE_NAME: &str = "fuzz-input.keystore";

/// JCEKS keys derived with more rounds than this are not decrypted by the targets:
/// the fixtures' 200,000 MD5 rounds would cut the fuzzer's pace a hundredfold, and the
/// cost of the rounds is bounded separately (`MAX_KDF_ITERATIONS`, tests/keystore.rs).
const FUZZ_MAX_KDF_ITERATIONS: u32 = 10_000;

/// The codes a hostile keystore may end in.
const KEYSTORE_CODES: [ErrorCode; 7] = [
    ErrorCode::KeystoreFormat,
    ErrorCode::KeystorePassword,
    ErrorCode::KeyPassword,
    ErrorCode::AliasNotFound,
    ErrorCode::NotAPrivateKey,
    ErrorCode::UnsupportedKey,
    // Several private keys and no alias; the targets always name one, but a
    // duplicated alias may still land here.
    ErrorCode::Config,
];
/// The codes a hostile token endpoint answer may end in.
const TOKEN_CODES: [ErrorCode; 3] = [
    ErrorCode::AuthRejected,
    ErrorCode::Http,
    ErrorCode::Protocol,
];
/// The codes a hostile REST answer may end in (CONFIG: `api_version` not offered).
const REST_CODES: [ErrorCode; 4] = [
    ErrorCode::Api,
    ErrorCode::Http,
    ErrorCode::Protocol,
    ErrorCode::Config,
];

/// What a keystore input came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoreOutcome {
    /// Opening it: `Err` holds the code.
    pub open: Result<(), ErrorCode>,
    /// `signing_key` of each private-key entry tried, in file order: `Ok` with the key
    /// size in bits (the key signed an assertion), or the code.
    pub keys: Vec<Result<u32, ErrorCode>>,
}

/// The JKS reader (`keystore_type=jks`). The integrity digest is recomputed for
/// [`STORE_PASSWORD`] when the structure can be read, so that mutations reach the
/// entry parsers instead of ending at the digest.
pub fn jks(data: &[u8]) -> KeystoreOutcome {
    keystore(KeystoreType::Jks, data)
}

/// The JCEKS reader (`keystore_type=jceks`), digest recomputed as for [`jks`].
pub fn jceks(data: &[u8]) -> KeystoreOutcome {
    keystore(KeystoreType::Jceks, data)
}

/// The PKCS#12 reader (`keystore_type=pkcs12`).
pub fn pkcs12(data: &[u8]) -> KeystoreOutcome {
    keystore(KeystoreType::Pkcs12, data)
}

/// The PEM reader (`keystore_type=pem`); sibling certificate files are not looked for.
pub fn pem(data: &[u8]) -> KeystoreOutcome {
    keystore(KeystoreType::Pem, data)
}

/// `Keystore::from_bytes` as `kind`, then `inspect`, then `signing_key` and one
/// signature for every private-key entry, with [`STORE_PASSWORD`] and then
/// [`KEY_PASSWORD`].
pub fn keystore(kind: KeystoreType, data: &[u8]) -> KeystoreOutcome {
    let bytes = match kind {
        KeystoreType::Jks | KeystoreType::Jceks => {
            keystore::jks_with_valid_digest(data, STORE_PASSWORD)
                .map_or(Cow::Borrowed(data), Cow::Owned)
        }
        _ => Cow::Borrowed(data),
    };
    let path = Path::new(KEYSTORE_NAME);
    let check = |e: Error| check_keystore_error(data, e);
    let store = match Keystore::from_bytes(path, &bytes, kind, STORE_PASSWORD) {
        Ok(store) => store,
        Err(e) => {
            return KeystoreOutcome {
                open: Err(check(e)),
                keys: Vec::new(),
            };
        }
    };
    // Whatever opened can be shown, in both of `keystore inspect`'s forms.
    let infos = store.inspect();
    assert_eq!(infos.len(), store.entries().len());
    let _ = format!("{store:?}");
    serde_json::to_string(&infos).expect("the inspection serializes");

    let mut keys = Vec::new();
    for entry in store.entries() {
        if entry.kind() != EntryKind::PrivateKey
            || entry.key_derivation_iterations() > FUZZ_MAX_KDF_ITERATIONS
        {
            continue;
        }
        let mut outcome = Err(ErrorCode::KeyPassword);
        for password in [STORE_PASSWORD, KEY_PASSWORD] {
            outcome = match store.signing_key(Some(entry.alias()), password) {
                Ok(key) => Ok(sign(key)),
                Err(e) => Err(check(e)),
            };
            if outcome != Err(ErrorCode::KeyPassword) {
                break;
            }
        }
        keys.push(outcome);
    }
    KeystoreOutcome { open: Ok(()), keys }
}

/// A key that loads must sign: a failure here would surface in a job as a signing
/// error long after the key was accepted.
fn sign(key: crate::keystore::SigningKey) -> u32 {
    let bits = key.bits();
    assert!(bits >= 2048, "a {bits}-bit key was accepted");
    let _ = format!("{key:?}");
    let claims = Claims::new(
        "iss",
        "sub",
        "https://login.salesforce.com",
        60,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    )
    .expect("valid claims");
    let assertion = AssertionSigner::new(key)
        .sign(&claims)
        .unwrap_or_else(|e| panic!("a key that loaded does not sign: {e}"));
    assert_eq!(assertion.as_str().split('.').count(), 3);
    bits
}

fn check_keystore_error(input: &[u8], error: Error) -> ErrorCode {
    let code = check_code(&error, &KEYSTORE_CODES);
    let message = error.to_string();
    if code != ErrorCode::Config {
        assert!(
            message.contains(KEYSTORE_NAME),
            "the message does not name the file: {message}"
        );
    }
    for password in [STORE_PASSWORD, KEY_PASSWORD] {
        assert_no_secret(input, &error, password);
    }
    code
}

/// `.properties` text as `Config::from_properties` reads it: `parse_properties`, then
/// `ConfigBuilder::apply_properties`, then `build`, `build_keystore` and
/// `authorize_url`. Input that is not UTF-8 is skipped: the file reader decodes it as
/// ISO-8859-1, which makes UTF-8 text like any other input.
pub fn properties(data: &[u8]) -> Result<(), ErrorCode> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let pairs = parse_properties(text);
    // The password values that appear nowhere else in the parsed text, nor in what
    // is shown whatever the input (the field names of `Debug`, the list of keys in
    // an "unknown key" message): those must never be shown, whatever goes wrong.
    let skeleton = format!(
        "{:?} {}",
        ConfigBuilder::default(),
        crate::config::KEYS.join(", ")
    );
    let secrets: Vec<&str> = pairs
        .iter()
        .filter(|(key, _)| key.ends_with("password"))
        .map(|(_, value)| value.as_str())
        .filter(|value| value.trim().len() >= 8 && !skeleton.contains(*value))
        .filter(|value| {
            pairs.iter().all(|(k, v)| {
                !k.contains(*value) && (k.ends_with("password") || !v.contains(*value))
            })
        })
        .collect();

    let mut builder = ConfigBuilder::default();
    let outcome = builder
        .apply_properties(text)
        .map(|_| ())
        .and_then(|()| builder.build().map(|_| ()))
        .and_then(|()| builder.build_keystore().map(|_| ()))
        .and_then(|()| builder.authorize_url().map(|_| ()));
    let shown = format!("{builder:?}");
    for secret in &secrets {
        assert!(!shown.contains(secret), "a password in Debug: {shown}");
    }
    outcome.map_err(|error| {
        let code = check_code(&error, &[ErrorCode::Config]);
        assert!(error.config_key().is_some(), "no key named: {error}");
        for secret in &secrets {
            assert!(
                !error.to_string().contains(secret),
                "a password in the message: {error}"
            );
        }
        code
    })
}

/// An answer of the token endpoint, interpreted as `oauth::request_token` does. The
/// input is `<status> <content-type> <date> <location> <api_version>\n<body>` (`-` for
/// an absent header, the date in seconds since 1970), or a bare body taken as a 200
/// `application/json`.
pub fn token_response(data: &[u8]) -> Result<(), ErrorCode> {
    let (response, _) = split_response(data, "https://login.salesforce.com/services/oauth2/token");
    let context = HintContext {
        issuer: "3MVG9fuzz".to_owned(),
        subject: "etl@example.com".to_owned(),
        audience: "https://login.salesforce.com".to_owned(),
        expires_at: 1_700_000_180,
        sha1: Some("AA:BB".to_owned()),
        sha256: Some("CC:DD".to_owned()),
        ..HintContext::default()
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let token_in_body = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("access_token")?.as_str().map(str::to_owned))
        // Only a token that is nowhere else in the body: an instance_url that
        // repeats it may rightly be quoted.
        .filter(|t| t.len() >= 8 && occurrences(&response.body, t.as_bytes()) == 1);
    match oauth::token_response(&response, &context, now) {
        Ok(token) => {
            // The token only ever goes to an https (or loopback http) instance.
            let instance = token.instance_url();
            assert_eq!(
                crate::config::parse_url(instance).as_deref(),
                Ok(instance),
                "unusable instance_url accepted"
            );
            let _ = (token.org_id(), token.user_id(), token.authorization());
            let shown = format!("{token:?}");
            let secret = token.access_token();
            let elsewhere = [token.instance_url(), token.id(), token.token_type()]
                .iter()
                .chain(token.scope().iter())
                .chain(token.issued_at().iter())
                .any(|field| field.contains(secret));
            if secret.len() >= 8 && !elsewhere {
                assert!(!shown.contains(secret), "the token in Debug: {shown}");
            }
            Ok(())
        }
        Err(error) => {
            let code = check_code(&error, &TOKEN_CODES);
            if let Some(token) = &token_in_body {
                assert_no_secret(b"", &error, token);
            }
            Err(code)
        }
    }
}

/// An answer of `/services/oauth2/userinfo`, interpreted as the connection test's
/// identity step does (input as for [`token_response`]).
pub fn userinfo(data: &[u8]) -> Result<(), ErrorCode> {
    let url = "https://acme.my.salesforce.com/services/oauth2/userinfo";
    let (response, _) = split_response(data, url);
    match oauth::rest_response::<UserInfo>(url, &response) {
        Ok(info) => {
            let _ = identity_detail(&info, Some("005xx"), Some("00Dxx"));
            let _ = identity_detail(&info, None, None);
            Ok(())
        }
        Err(error) => Err(check_code(&error, &REST_CODES)),
    }
}

/// An answer of `/services/data/`, interpreted as the connection test's API versions
/// step does, with the header's `api_version` as the configured one (input as for
/// [`token_response`]).
pub fn api_versions(data: &[u8]) -> Result<(), ErrorCode> {
    let instance = "https://acme.my.salesforce.com";
    let url = format!("{instance}/services/data/");
    let (response, wanted) = split_response(data, &url);
    let outcome = oauth::rest_response::<Vec<ApiVersion>>(&url, &response).and_then(|versions| {
        let (_, using) = choose_api_version(&versions, wanted.as_deref(), instance)?;
        // The version chosen is one the user could have configured: a REST path
        // segment like 62.0, not whatever text the org listed.
        assert!(
            ConfigBuilder::default().set("api_version", &using).is_ok(),
            "chose an API version that api_version refuses: {using:?}"
        );
        if let Some(wanted) = &wanted {
            assert_eq!(&using, wanted);
        }
        Ok(())
    });
    outcome.map_err(|error| check_code(&error, &REST_CODES))
}

/// Splits a fuzz input into an HTTP answer as `Http::send` returns it, and an
/// `api_version` (see [`token_response`]).
fn split_response(data: &[u8], url: &str) -> (Response, Option<String>) {
    let mut response = Response {
        url: url.to_owned(),
        status: 200,
        date: None,
        location: None,
        content_type: "application/json;charset=UTF-8".to_owned(),
        body: data.to_vec(),
    };
    let Some(newline) = data.iter().position(|&b| b == b'\n') else {
        return (response, None);
    };
    let Ok(header) = std::str::from_utf8(&data[..newline]) else {
        return (response, None);
    };
    let mut fields = header.split(' ');
    let Some(status) = fields
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
    else {
        return (response, None);
    };
    let mut field = || fields.next().filter(|f| *f != "-").map(str::to_owned);
    response.status = status;
    response.content_type = field().unwrap_or_default();
    // Only dates an HTTP `Date` header can carry (years 1970 to 9999).
    response.date = field()
        .and_then(|secs| secs.parse::<u64>().ok())
        .filter(|&secs| secs <= 253_402_300_799)
        .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
    response.location = field();
    let wanted = field();
    response.body = data[newline + 1..].to_vec();
    (response, wanted)
}

fn check_code(error: &Error, allowed: &[ErrorCode]) -> ErrorCode {
    let code = error.code();
    assert!(
        allowed.contains(&code),
        "unexpected code {code} ({}): {error}",
        code.value()
    );
    assert!(!error.to_string().is_empty());
    code
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// `secret` is in none of the error's forms, unless the input itself carries it as
/// text (an alias or a certificate field may legitimately be shown).
fn assert_no_secret(input: &[u8], error: &Error, secret: &str) {
    if occurrences(input, secret.as_bytes()) > 0 {
        return;
    }
    let forms = [
        error.to_string(),
        format!("{error:?}"),
        error.to_json().to_string(),
    ];
    for form in forms {
        assert!(!form.contains(secret), "a secret in an error: {form}");
    }
}
