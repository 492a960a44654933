// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What the emulator's test binaries share: the fixtures, the key every test app's
//! certificate belongs to, an emulator per test and an HTTPS client that trusts its CA.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::blocking::{Client, ClientBuilder, Response};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use reqwest::{Certificate, StatusCode};
use serde_json::Value;
use sfjwt::{AssertionSigner, KeystoreType};
use sfjwt_emulator::{ADMIN_HEADER, Emulator, EmulatorConfig, StartOptions};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const LOGIN: &str = "https://login.salesforce.com";
pub const USER: &str = "etl@example.com";

pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(path)
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(fixture(path)).expect("fixture readable")
}

pub fn load_signer(keystore: &str, alias: Option<&str>) -> AssertionSigner {
    let store = sfjwt::Keystore::open(&fixture(keystore), KeystoreType::Auto, "changeit1")
        .expect("keystore opens");
    AssertionSigner::new(store.signing_key(alias, "changeit1").expect("key"))
}

/// The key of `jks-same.jks`, whose certificate every test app holds unless told.
pub fn signer() -> &'static AssertionSigner {
    static SIGNER: OnceLock<AssertionSigner> = OnceLock::new();
    SIGNER.get_or_init(|| load_signer("jks-same.jks", None))
}

pub fn app_certificate() -> String {
    read("certs/jks-same.talend_certificate.crt")
}

pub fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config, StartOptions::default()).expect("emulator starts")
}

/// A client that trusts the emulator's CA alone, for every name its certificate holds
/// (`localhost` resolves as the system does: ::1 first where listed, which the emulator
/// does not listen on, then 127.0.0.1), and follows no redirect.
pub fn client_builder(emulator: &Emulator) -> ClientBuilder {
    let ca = Certificate::from_pem(emulator.ca_pem().as_bytes()).expect("CA parses");
    Client::builder()
        .tls_certs_only([ca])
        .redirect(Policy::none())
        .timeout(Duration::from_secs(20))
}

pub fn client(emulator: &Emulator) -> Client {
    client_builder(emulator).build().expect("client builds")
}

/// A client whose every request carries this run's admin secret, for `/__emulator/`.
pub fn admin_client(emulator: &Emulator) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        ADMIN_HEADER,
        HeaderValue::from_str(emulator.admin_secret()).expect("a header value"),
    );
    client_builder(emulator)
        .default_headers(headers)
        .build()
        .expect("client builds")
}

pub fn post_token(client: &Client, base: &str, assertion: &str) -> Response {
    client
        .post(format!("{base}/services/oauth2/token"))
        .form(&[("grant_type", JWT_BEARER), ("assertion", assertion)])
        .send()
        .expect("token request answered")
}

pub fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.text().expect("body");
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, value)
}
