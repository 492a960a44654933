// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The emulator over real HTTPS on loopback, with assertions signed by the real core.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use common::*;
use reqwest::blocking::{Client, Response};
use reqwest::{Identity, StatusCode};
use serde_json::{Value, json};
use sfjwt::{AssertionSigner, Claims, ErrorCode};
use sfjwt_emulator::{
    ADMIN_HEADER, ConnectedApp, Emulator, EmulatorConfig, Fault, FaultAction, Field, SObjectData,
    StartOptions, User,
};

const ORG_ID: &str = "00D000000000001AAA";
const APP: &str = "3MVG9test";
const ADMIN_APP: &str = "3MVG9admin";
const NO_API_APP: &str = "3MVG9noapi";
/// An app holding `pem-pkcs8.pem`'s certificate, for assertions that openssl signs.
const PEM_APP: &str = "3MVG9pem";
const SITE: &str = "https://acme.my.site.com";

fn user(name: &str, edit: impl FnOnce(&mut User)) -> User {
    let mut user = User::new(name);
    edit(&mut user);
    user
}

fn config() -> EmulatorConfig {
    let mut admin_app = ConnectedApp::new(ADMIN_APP, app_certificate());
    admin_app.admin_approved_only = true;
    admin_app.assigned_users = vec!["assigned@example.com".to_owned()];
    let mut no_api_app = ConnectedApp::new(NO_API_APP, app_certificate());
    no_api_app.scopes = vec!["refresh_token".to_owned(), "offline_access".to_owned()];
    EmulatorConfig {
        apps: vec![
            ConnectedApp::new(APP, app_certificate()),
            admin_app,
            no_api_app,
            ConnectedApp::new(PEM_APP, read("certs/pem-pkcs8.pem-pkcs8.crt")),
        ],
        users: vec![
            User::new(USER),
            user("new@example.com", |u| u.approved = false),
            user("gone@example.com", |u| u.active = false),
            user("far@example.com", |u| u.ip_restricted = true),
            // Admin approval stands in for the user's own.
            user("assigned@example.com", |u| u.approved = false),
        ],
        extra_audiences: vec![SITE.to_owned()],
        ..EmulatorConfig::default()
    }
}

fn sign(iss: &str, sub: &str, aud: &str, lifetime: u32, now: SystemTime) -> String {
    sign_with(signer(), iss, sub, aud, lifetime, now)
}

fn sign_with(
    signer: &AssertionSigner,
    iss: &str,
    sub: &str,
    aud: &str,
    lifetime: u32,
    now: SystemTime,
) -> String {
    let claims = Claims::new(iss, sub, aud, lifetime, now).expect("claims");
    signer.sign(&claims).expect("signs").as_str().to_owned()
}

/// An assertion for PEM_APP with `claims` as they are, signed by `openssl dgst`: what a
/// client that is not sfjwt sends.
fn openssl_assertion(claims: &Value) -> String {
    use base64::Engine;
    use std::io::Write;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signing_input = format!(
        "{}.{}",
        b64(br#"{"alg":"RS256"}"#),
        b64(claims.to_string().as_bytes())
    );
    let mut openssl = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(fixture("pem-pkcs8.pem"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl runs");
    openssl
        .stdin
        .take()
        .expect("stdin")
        .write_all(signing_input.as_bytes())
        .expect("written");
    let signature = openssl.wait_with_output().expect("openssl signs");
    assert!(signature.status.success());
    format!("{signing_input}.{}", b64(&signature.stdout))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn good_assertion() -> String {
    sign(APP, USER, LOGIN, 180, SystemTime::now())
}

fn login(client: &Client, emulator: &Emulator) -> String {
    let (status, body) = json_of(post_token(client, &emulator.base_url(), &good_assertion()));
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

fn get(client: &Client, url: &str, token: Option<&str>) -> Response {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().expect("answered")
}

fn post_json(client: &Client, url: &str, body: &Value) -> Response {
    client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .expect("answered")
}

fn temp_path(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    std::env::temp_dir().join(format!(
        "sfjwt-emulator-{}-{nanos}-{name}",
        std::process::id()
    ))
}

#[test]
fn a_good_assertion_gets_a_token() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let before = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    let response = post_token(&client, &base, &good_assertion());
    let date = response
        .headers()
        .get("date")
        .expect("Date header")
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(date.ends_with(" GMT"), "{date}");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("application/json")
    );
    let (status, body) = json_of(response);
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().expect("access_token");
    assert!(token.starts_with(&format!("{ORG_ID}!")), "{token}");
    assert!(token.len() > 40);
    assert_eq!(body["instance_url"], json!(base));
    assert_eq!(
        body["id"],
        json!(format!("{base}/id/{ORG_ID}/005000000000001AAA"))
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "api");
    let issued_at: u128 = body["issued_at"]
        .as_str()
        .expect("issued_at is a string")
        .parse()
        .expect("milliseconds");
    assert!(issued_at >= before && issued_at < before + 60_000);
    assert!(!body["signature"].as_str().expect("signature").is_empty());
    assert!(body.get("refresh_token").is_none());
    assert_eq!(emulator.login_count(), 1);

    // Another token for the same user is a different token.
    assert_ne!(login(&client, &emulator), token);
    assert_eq!(emulator.login_count(), 2);
}

#[test]
fn other_accepted_audiences_and_admin_approval() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let now = SystemTime::now();
    for assertion in [
        sign(APP, USER, "https://test.salesforce.com", 180, now),
        sign(APP, USER, SITE, 180, now),
        // Salesforce sets no bound on exp: an hour ahead is accepted.
        sign(APP, USER, LOGIN, 3600, now),
        sign(ADMIN_APP, "assigned@example.com", LOGIN, 180, now),
    ] {
        let (status, body) = json_of(post_token(&client, &base, &assertion));
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(emulator.login_count(), 4);
}

#[test]
fn exp_and_prn_as_other_clients_send_them_are_accepted() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let now = unix_now();
    let cases = [
        // Salesforce's doc example and simple-salesforce: exp as a string of digits.
        json!({"iss": PEM_APP, "sub": USER, "aud": LOGIN, "exp": (now + 180).to_string()}),
        // The Salesforce CLI: Date.now() + 300, in milliseconds.
        json!({"iss": PEM_APP, "sub": USER, "aud": LOGIN, "exp": (now * 1000 + 300)}),
        // Talend's article: 600 s.
        json!({"iss": PEM_APP, "sub": USER, "aud": LOGIN, "exp": now + 600}),
        // The legacy prn for sub.
        json!({"iss": PEM_APP, "prn": USER, "aud": LOGIN, "exp": now + 180}),
    ];
    for claims in &cases {
        let (status, body) = json_of(post_token(&client, &base, &openssl_assertion(claims)));
        assert_eq!(status, StatusCode::OK, "{claims}: {body}");
    }
    assert_eq!(emulator.login_count(), cases.len());

    let (status, body) = json_of(post_token(
        &client,
        &base,
        &openssl_assertion(&json!({"iss": PEM_APP, "sub": USER, "aud": LOGIN, "exp": "soon"})),
    ));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_description"], "invalid assertion");
}

#[test]
fn a_bound_on_exp_is_there_for_tests_that_set_one() {
    let emulator = start(EmulatorConfig {
        max_assertion_lifetime_secs: Some(300),
        ..config()
    });
    let client = client(&emulator);
    let base = emulator.base_url();
    let now = SystemTime::now();
    let (status, _) = json_of(post_token(
        &client,
        &base,
        &sign(APP, USER, LOGIN, 299, now),
    ));
    assert_eq!(status, StatusCode::OK);
    let (status, body) = json_of(post_token(
        &client,
        &base,
        &sign(APP, USER, LOGIN, 3600, now),
    ));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_description"], "invalid assertion");
}

#[test]
fn each_refusal_has_salesforce_error_and_description() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let now = SystemTime::now();
    let other_key = load_signer("jks-multi.jks", Some("first"));
    let cases = [
        ("not.a.jwt".to_owned(), "invalid_grant", "invalid assertion"),
        (String::new(), "invalid_grant", "invalid assertion"),
        (
            sign("3MVG9unknown", USER, LOGIN, 180, now),
            "invalid_client_id",
            "client identifier invalid",
        ),
        (
            sign_with(&other_key, APP, USER, LOGIN, 180, now),
            "invalid_grant",
            "invalid assertion",
        ),
        (
            sign(APP, USER, "https://acme.my.salesforce.com", 180, now),
            "invalid_grant",
            "audience is invalid",
        ),
        (
            sign(APP, USER, LOGIN, 60, now - Duration::from_secs(120)),
            "invalid_grant",
            "expired authorization code",
        ),
        (
            // exp far ahead does not hide the user's missing approval.
            sign(APP, "new@example.com", LOGIN, 3600, now),
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        (
            sign(APP, "nobody@example.com", LOGIN, 180, now),
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        (
            sign(APP, "new@example.com", LOGIN, 180, now),
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        (
            sign(ADMIN_APP, USER, LOGIN, 180, now),
            "invalid_app_access",
            "user is not admin approved to access this app",
        ),
        (
            sign(APP, "gone@example.com", LOGIN, 180, now),
            "invalid_grant",
            "inactive user",
        ),
        (
            sign(APP, "far@example.com", LOGIN, 180, now),
            "invalid_grant",
            "ip restricted",
        ),
        (
            sign(NO_API_APP, USER, LOGIN, 180, now),
            "invalid_request",
            "the connected app must require a refresh_token scope",
        ),
    ];
    for (assertion, error, description) in &cases {
        let response = post_token(&client, &base, assertion);
        assert!(response.headers().contains_key("date"));
        let (status, body) = json_of(response);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{description}: {body}");
        assert_eq!(
            body,
            json!({"error": error, "error_description": description})
        );
    }
    assert_eq!(emulator.login_count(), 0);
    let log = emulator.log();
    assert_eq!(log.len(), cases.len());
    assert_eq!(
        log[2].outcome,
        "invalid_client_id: client identifier invalid"
    );
    assert_eq!(log[2].consumer_key.as_deref(), Some("3MVG9unknown"));
    assert_eq!(log[10].username.as_deref(), Some("gone@example.com"));
}

#[test]
fn wrong_grant_type_body_or_method() {
    let emulator = start(config());
    let client = client(&emulator);
    let url = format!("{}/services/oauth2/token", emulator.base_url());
    let unsupported =
        json!({"error": "unsupported_grant_type", "error_description": "grant type not supported"});

    let password_grant = client
        .post(&url)
        .form(&[("grant_type", "password"), ("assertion", &good_assertion())])
        .send()
        .expect("answered");
    assert_eq!(
        json_of(password_grant),
        (StatusCode::BAD_REQUEST, unsupported.clone())
    );

    let json_body = client
        .post(&url)
        .header("content-type", "application/json")
        .body(json!({"grant_type": JWT_BEARER, "assertion": good_assertion()}).to_string())
        .send()
        .expect("answered");
    assert_eq!(json_of(json_body), (StatusCode::BAD_REQUEST, unsupported));

    let (status, body) = json_of(get(&client, &url, None));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");

    let no_assertion = client
        .post(&url)
        .form(&[("grant_type", JWT_BEARER)])
        .send()
        .expect("answered");
    assert_eq!(
        json_of(no_assertion),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": "invalid assertion"})
        )
    );

    let huge = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type={JWT_BEARER}&assertion={}",
            "a".repeat(70 * 1024)
        ))
        .send()
        .expect("answered");
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Chunked, so without a Content-Length to judge by.
    let huge_chunked = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::blocking::Body::new(std::io::Cursor::new(
            format!(
                "grant_type={JWT_BEARER}&assertion={}",
                "a".repeat(70 * 1024)
            )
            .into_bytes(),
        )))
        .send()
        .expect("answered");
    assert_eq!(huge_chunked.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Not UTF-8, not a JWT: an OAuth error, not a crash.
    let garbage = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            [
                format!("grant_type={JWT_BEARER}&assertion=").as_bytes(),
                &[0xff, 0xfe, b'.', 0x80, b'.', 0x00],
            ]
            .concat(),
        )
        .send()
        .expect("answered");
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    assert_eq!(emulator.login_count(), 0);
}

#[test]
fn the_hourly_login_limit_applies_per_user() {
    let emulator = start(EmulatorConfig {
        login_rate_limit_per_hour: 2,
        ..config()
    });
    let client = client(&emulator);
    login(&client, &emulator);
    login(&client, &emulator);
    let (status, body) = json_of(post_token(&client, &emulator.base_url(), &good_assertion()));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "login rate exceeded"})
    );
    // Another user still logs in.
    let other = sign(
        ADMIN_APP,
        "assigned@example.com",
        LOGIN,
        180,
        SystemTime::now(),
    );
    assert_eq!(
        post_token(&client, &emulator.base_url(), &other).status(),
        StatusCode::OK
    );
}

fn assert_invalid_session(response: Response) {
    let (status, body) = json_of(response);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
}

#[test]
fn userinfo_needs_a_valid_token() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let url = format!("{base}/services/oauth2/userinfo");
    assert_invalid_session(get(&client, &url, None));
    assert_invalid_session(get(&client, &url, Some("00D000000000001!made-up")));

    let token = login(&client, &emulator);
    let (status, body) = json_of(get(&client, &url, Some(&token)));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["sub"],
        json!(format!("{base}/id/{ORG_ID}/005000000000001AAA"))
    );
    assert_eq!(body["user_id"], "005000000000001AAA");
    assert_eq!(body["organization_id"], ORG_ID);
    assert_eq!(body["preferred_username"], USER);
    assert_eq!(body["email"], USER);
    assert!(body["name"].is_string());

    emulator.revoke_tokens();
    assert_invalid_session(get(&client, &url, Some(&token)));
    assert_eq!(
        emulator.log().last().expect("logged").outcome,
        "invalid_session_id"
    );
}

#[test]
fn data_lists_versions_and_serves_limits() {
    let emulator = start(EmulatorConfig {
        newest_api_version: "62.0".to_owned(),
        ..config()
    });
    let client = client(&emulator);
    let base = emulator.base_url();

    let (status, versions) = json_of(get(&client, &format!("{base}/services/data/"), None));
    assert_eq!(status, StatusCode::OK);
    let versions = versions.as_array().expect("array");
    assert!(versions.len() >= 3);
    assert_eq!(
        versions.last(),
        Some(&json!({"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}))
    );
    let numbers: Vec<f64> = versions
        .iter()
        .map(|v| {
            v["version"]
                .as_str()
                .expect("version")
                .parse()
                .expect("number")
        })
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");

    let limits = format!("{base}/services/data/v62.0/limits");
    assert_invalid_session(get(&client, &limits, None));
    let token = login(&client, &emulator);
    let (status, body) = json_of(get(&client, &limits, Some(&token)));
    assert_eq!(status, StatusCode::OK);
    assert!(body["DailyApiRequests"]["Max"].is_u64());

    let (status, body) = json_of(get(
        &client,
        &format!("{base}/services/data/v99.0/limits"),
        Some(&token),
    ));
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    );

    let (status, body) = json_of(get(&client, &format!("{base}/no/such/path"), None));
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");

    emulator.revoke_tokens();
    assert_invalid_session(get(&client, &limits, Some(&token)));
}

#[test]
fn every_version_from_31_has_its_resources_limits_and_tooling_query() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let (_, versions) = json_of(get(&client, &format!("{base}/services/data/"), None));
    let versions: Vec<&str> = versions
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["version"].as_str().expect("version"))
        .collect();
    assert_eq!(versions.first(), Some(&"31.0"));
    assert!(versions.contains(&"50.0"), "jsforce's default version");

    let token = login(&client, &emulator);
    for version in ["v31.0", "v50.0", "v62.0"] {
        let (status, body) = json_of(get(
            &client,
            &format!("{base}/services/data/{version}"),
            Some(&token),
        ));
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["limits"], format!("/services/data/{version}/limits"));
        let (status, _) = json_of(get(
            &client,
            &format!("{base}/services/data/{version}/limits"),
            Some(&token),
        ));
        assert_eq!(status, StatusCode::OK);
        let (status, body) = json_of(get(
            &client,
            &format!("{base}/services/data/{version}/tooling/query?q=SELECT+Id+FROM+ApexClass"),
            Some(&token),
        ));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (body["totalSize"].as_u64(), body["done"].as_bool()),
            (Some(0), Some(true))
        );
    }
    assert_invalid_session(get(&client, &format!("{base}/services/data/v62.0"), None));
}

/// GETs `query?q=<soql>` (or `path` as it is, for a `nextRecordsUrl`) with the token.
fn soql(
    client: &Client,
    base: &str,
    token: &str,
    resource: &str,
    soql: Option<&str>,
) -> (StatusCode, Value) {
    let mut url = url::Url::parse(&format!("{base}{resource}")).expect("a URL");
    if let Some(soql) = soql {
        url.query_pairs_mut().append_pair("q", soql);
    }
    let request = client
        .get(url)
        .bearer_auth(token)
        .header("Sforce-Query-Options", "batchSize=200");
    json_of(request.send().expect("answered"))
}

#[test]
fn queries_page_through_configured_records_and_refuse_as_salesforce_does() {
    let invoices = SObjectData {
        name: "Invoice__c".to_owned(),
        fields: vec![
            Field::new("Name", "string"),
            Field::new("Amount__c", "double"),
        ],
        records: (1..=450)
            .map(
                |n| match json!({"Name": format!("INV-{n:04}"), "Amount__c": n}) {
                    Value::Object(record) => record,
                    _ => unreachable!(),
                },
            )
            .collect(),
    };
    let emulator = start(EmulatorConfig {
        objects: vec![invoices],
        ..config()
    });
    let client = client(&emulator);
    let base = emulator.base_url();
    let token = login(&client, &emulator);
    let query = "/services/data/v62.0/query";

    let (status, page) = soql(
        &client,
        &base,
        &token,
        query,
        Some("SELECT Name FROM Invoice__c ORDER BY Name"),
    );
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (page["totalSize"].as_u64(), page["done"].as_bool()),
        (Some(450), Some(false))
    );
    let mut names: Vec<String> = Vec::new();
    let mut page = page;
    loop {
        for record in page["records"].as_array().expect("records") {
            assert_eq!(record["attributes"]["type"], "Invoice__c");
            assert!(
                record["attributes"]["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("/services/data/v62.0/sobjects/Invoice__c/a02")
            );
            names.push(record["Name"].as_str().expect("Name").to_owned());
        }
        let Some(next) = page["nextRecordsUrl"].as_str().map(str::to_owned) else {
            break;
        };
        let (status, next_page) = soql(&client, &base, &token, &next, None);
        assert_eq!(status, StatusCode::OK, "{next_page}");
        // A locator serves once.
        assert_eq!(
            soql(&client, &base, &token, &next, None).0,
            StatusCode::BAD_REQUEST
        );
        page = next_page;
    }
    assert_eq!(page["done"], true);
    let expected: Vec<String> = (1..=450).map(|n| format!("INV-{n:04}")).collect();
    assert_eq!(
        names, expected,
        "every record once, in order, in pages of 200"
    );

    let (status, body) = soql(
        &client,
        &base,
        &token,
        "/services/data/v50.0/queryAll",
        Some("SELECT COUNT() FROM Invoice__c WHERE Amount__c > 400 OR Name LIKE 'INV-000%'"),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["totalSize"].as_u64(),
            body["records"].as_array().map(Vec::len)
        ),
        (Some(59), Some(0))
    );
    let (_, body) = soql(
        &client,
        &base,
        &token,
        query,
        Some("SELECT Name, Industry FROM Account WHERE Industry IN ('Energy') LIMIT 5"),
    );
    assert_eq!(body["records"][0]["Name"], "Globex");

    for (soql_text, code) in [
        (Some("SELECT FROM Account"), "MALFORMED_QUERY"),
        (Some("SELECT Nope FROM Account"), "INVALID_FIELD"),
        (Some("SELECT Id FROM Nope__c"), "INVALID_TYPE"),
        (None, "MALFORMED_QUERY"),
    ] {
        let (status, body) = soql(&client, &base, &token, query, soql_text);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{soql_text:?}: {body}");
        assert_eq!(body[0]["errorCode"], code, "{body}");
        assert!(body[0]["message"].is_string());
    }
    let (status, body) = soql(
        &client,
        &base,
        &token,
        &format!("{query}/01g000000000999-200"),
        None,
    );
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_QUERY_LOCATOR"))
    );
    emulator.revoke_tokens();
    assert_invalid_session(get(
        &client,
        &format!("{base}{query}?q=SELECT+Id+FROM+Account"),
        Some(&token),
    ));
}

#[test]
fn records_come_from_json_and_csv_files_beside_the_config() {
    let dir = temp_path("objects");
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("app.crt"), app_certificate()).expect("cert");
    std::fs::write(
        dir.join("invoices.csv"),
        "Name,Amount__c,Paid__c\nINV-1,10.5,true\n\"INV-2, late\",,false\n",
    )
    .expect("csv");
    std::fs::write(
        dir.join("projects.json"),
        r#"[{"Name": "Apollo"}, {"Name": "Gemini"}]"#,
    )
    .expect("json");
    let path = dir.join("emulator.json");
    std::fs::write(
        &path,
        json!({
            "apps": [{"consumer_key": APP, "certificate_file": "app.crt"}],
            "users": [{"username": USER}],
            "objects": [
                {"name": "Invoice__c", "fields": ["Name", {"name": "Amount__c", "type": "double"},
                                                  {"name": "Paid__c", "type": "boolean"}],
                 "records_file": "invoices.csv"},
                {"name": "Project__c", "fields": ["Name"], "records_file": "projects.json"}
            ]
        })
        .to_string(),
    )
    .expect("config");
    let config = EmulatorConfig::from_file(&path).expect("config reads");
    std::fs::write(dir.join("broken.csv"), "Amount__c\nlots\n").expect("csv");
    std::fs::write(&path, json!({"objects": [{"name": "Invoice__c", "fields": [{"name": "Amount__c", "type": "double"}], "records_file": "broken.csv"}]}).to_string()).expect("config");
    let broken = EmulatorConfig::from_file(&path).expect_err("refused");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        broken.to_string().contains("'lots' is not a double"),
        "{broken}"
    );

    let emulator = start(config);
    let client = client(&emulator);
    let base = emulator.base_url();
    let token = login(&client, &emulator);
    let query = "/services/data/v62.0/query";
    let (_, body) = soql(
        &client,
        &base,
        &token,
        query,
        Some("SELECT Name, Amount__c, Paid__c FROM Invoice__c WHERE Paid__c = false"),
    );
    assert_eq!(body["records"][0]["Name"], "INV-2, late");
    assert_eq!(body["records"][0]["Amount__c"], Value::Null);
    let (_, body) = soql(
        &client,
        &base,
        &token,
        query,
        Some("SELECT Name FROM Invoice__c WHERE Amount__c = 10.5"),
    );
    assert_eq!(body["totalSize"], 1);
    let (_, body) = soql(
        &client,
        &base,
        &token,
        query,
        Some("SELECT Name FROM Project__c ORDER BY Name DESC"),
    );
    assert_eq!(body["records"][0]["Name"], "Gemini");
}

#[test]
fn the_identity_url_of_the_token_answers_for_its_user() {
    let emulator = start(config());
    let client = client(&emulator);
    let (status, body) = json_of(post_token(&client, &emulator.base_url(), &good_assertion()));
    assert_eq!(status, StatusCode::OK);
    let token = body["access_token"].as_str().expect("token");
    let id = body["id"].as_str().expect("id");
    assert_invalid_session(get(&client, id, None));
    let (status, identity) = json_of(get(&client, id, Some(token)));
    assert_eq!(status, StatusCode::OK, "{identity}");
    assert_eq!(identity["id"], id);
    assert_eq!(identity["username"], USER);
    assert_eq!(identity["organization_id"], ORG_ID);
    assert!(id.ends_with(identity["user_id"].as_str().expect("user_id")));
    assert!(
        identity["urls"]["rest"]
            .as_str()
            .expect("urls")
            .contains("/services/data/v")
    );

    let other = format!("{}/id/{ORG_ID}/005000000000999AAA", emulator.base_url());
    assert_eq!(
        get(&client, &other, Some(token)).status(),
        StatusCode::NOT_FOUND
    );
}

#[test]
fn faults_answer_as_planned_then_are_used_up() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let token_once = |action| vec![Fault::token(1, action)];

    emulator.set_faults(token_once(FaultAction::Status {
        status: 503,
        retry_after_secs: Some(7),
        body: None,
    }));
    let response = post_token(&client, &base, &good_assertion());
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "7");
    assert!(response.headers().contains_key("date"));
    // Used up: the next request is answered normally.
    assert_eq!(
        post_token(&client, &base, &good_assertion()).status(),
        StatusCode::OK
    );

    emulator.set_faults(token_once(FaultAction::Html));
    let response = post_token(&client, &base, &good_assertion());
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("text/html")
    );
    assert!(response.text().expect("body").contains("<html>"));

    emulator.set_faults(token_once(FaultAction::Malformed));
    let response = post_token(&client, &base, &good_assertion());
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().expect("body");
    assert_eq!(body, r#"{"access_token":"00D"#);
    assert!(serde_json::from_str::<Value>(&body).is_err());

    emulator.set_faults(token_once(FaultAction::Empty));
    let response = post_token(&client, &base, &good_assertion());
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().expect("body"), "");

    emulator.set_faults(token_once(FaultAction::Delay { ms: 400 }));
    let started = Instant::now();
    assert_eq!(
        post_token(&client, &base, &good_assertion()).status(),
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(400));

    emulator.set_faults(token_once(FaultAction::Redirect {
        location: "https://login.example.invalid/".to_owned(),
    }));
    let response = post_token(&client, &base, &good_assertion());
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()["location"],
        "https://login.example.invalid/"
    );

    emulator.set_faults(token_once(FaultAction::Drop));
    // A fresh connection, so that no pooled-connection retry can hide the drop.
    let fresh = client_builder(&emulator).build().expect("client");
    let dropped = fresh
        .post(format!("{base}/services/oauth2/token"))
        .form(&[("grant_type", JWT_BEARER), ("assertion", &good_assertion())])
        .send();
    assert!(dropped.is_err(), "{dropped:?}");

    // A prefix limits the fault to its paths, and `times` counts uses.
    emulator.set_faults(vec![Fault {
        path_prefix: "/services/data".to_owned(),
        times: 2,
        action: FaultAction::Status {
            status: 500,
            retry_after_secs: None,
            body: Some("oops".to_owned()),
        },
    }]);
    assert_eq!(
        post_token(&client, &base, &good_assertion()).status(),
        StatusCode::OK
    );
    let versions = format!("{base}/services/data/");
    for _ in 0..2 {
        let response = get(&client, &versions, None);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.text().expect("body"), "oops");
    }
    assert_eq!(get(&client, &versions, None).status(), StatusCode::OK);

    let outcomes: Vec<String> = emulator.log().into_iter().map(|e| e.outcome).collect();
    for expected in [
        "fault: 503",
        "fault: html",
        "fault: malformed",
        "fault: empty",
        "fault: delay 400 ms, then token_issued",
        "fault: redirect",
        "fault: drop",
        "fault: 500",
    ] {
        assert!(
            outcomes.iter().any(|o| o == expected),
            "{expected} in {outcomes:?}"
        );
    }
    let drop_entry = emulator
        .log()
        .into_iter()
        .find(|e| e.outcome == "fault: drop")
        .expect("logged");
    assert_eq!(drop_entry.status, 0);
}

#[test]
fn faults_from_the_config_apply_from_the_start() {
    let faults: Vec<Fault> =
        serde_json::from_value(json!([{"times": 1, "action": {"kind": "html"}}])).expect("faults");
    let emulator = start(EmulatorConfig { faults, ..config() });
    let client = client(&emulator);
    let base = emulator.base_url();
    assert_eq!(
        post_token(&client, &base, &good_assertion()).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        post_token(&client, &base, &good_assertion()).status(),
        StatusCode::OK
    );
}

#[test]
fn admin_endpoints_control_faults_tokens_and_log() {
    let emulator = start(config());
    let client = admin_client(&emulator);
    let base = emulator.base_url();
    let token = login(&client, &emulator);

    let response = post_json(
        &client,
        &format!("{base}/__emulator/faults"),
        &json!([
            {"path_prefix": "/services/", "times": 5, "action": {"kind": "status", "status": 502}}
        ]),
    );
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        get(&client, &format!("{base}/services/data/"), None).status(),
        StatusCode::BAD_GATEWAY
    );
    // Admin paths are never faulted.
    let (status, log) = json_of(get(&client, &format!("{base}/__emulator/log"), None));
    assert_eq!(status, StatusCode::OK);
    let log = log.as_array().expect("array");
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["outcome"], "token_issued");
    assert_eq!(log[0]["username"], USER);
    assert_eq!(log[0]["consumer_key"], APP);
    assert_eq!(log[0]["port_kind"], "tls");
    assert_eq!(log[1]["status"], 502);

    // An empty plan clears the faults.
    let response = post_json(&client, &format!("{base}/__emulator/faults"), &json!([]));
    assert_eq!(response.status(), StatusCode::OK);
    let userinfo = format!("{base}/services/oauth2/userinfo");
    assert_eq!(
        get(&client, &userinfo, Some(&token)).status(),
        StatusCode::OK
    );

    let response = client
        .post(format!("{base}/__emulator/revoke"))
        .send()
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert_invalid_session(get(&client, &userinfo, Some(&token)));

    for bad in [
        json!({"not": "an array"}),
        json!([{"action": {"kind": "status", "status": 42}}]),
        json!([{"action": {"kind": "explode"}}]),
    ] {
        let response = post_json(&client, &format!("{base}/__emulator/faults"), &bad);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        get(&client, &format!("{base}/__emulator/nothing"), None).status(),
        StatusCode::NOT_FOUND
    );
}

#[test]
fn tls_handshakes_count_connections_not_requests() {
    let emulator = start(config());
    let base = emulator.base_url();
    assert_eq!(emulator.tls_handshakes(), 0);

    // A client that keeps its connection alive shakes hands once for many requests.
    let first = client(&emulator);
    let token = login(&first, &emulator);
    for _ in 0..3 {
        let response = get(
            &first,
            &format!("{base}/services/oauth2/userinfo"),
            Some(&token),
        );
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(emulator.tls_handshakes(), 1);

    // A second client opens a second connection.
    let second = admin_client(&emulator);
    let (status, stats) = json_of(get(&second, &format!("{base}/__emulator/stats"), None));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["handshakes"], 2, "{stats}");
    assert_eq!(stats["logins"], 1, "{stats}");
    assert_eq!(stats["api_calls"], 3, "{stats}");

    // A connection that never completes its handshake is not counted.
    let raw = std::net::TcpStream::connect(("127.0.0.1", emulator.port())).expect("connects");
    drop(raw);
    let (_, stats) = json_of(get(&second, &format!("{base}/__emulator/stats"), None));
    assert_eq!(stats["handshakes"], 2, "{stats}");
    assert_eq!(emulator.tls_handshakes(), 2);
}

#[test]
fn the_log_never_holds_credentials() {
    let log_file = temp_path("log.jsonl");
    let emulator = Emulator::start(
        config(),
        StartOptions {
            log_file: Some(log_file.clone()),
            ..StartOptions::default()
        },
    )
    .expect("starts");
    let client = client(&emulator);
    let assertion = good_assertion();
    let (status, body) = json_of(post_token(&client, &emulator.base_url(), &assertion));
    assert_eq!(status, StatusCode::OK);
    let token = body["access_token"].as_str().expect("token");
    let signature = body["signature"].as_str().expect("signature");
    get(
        &client,
        &format!("{}/services/oauth2/userinfo", emulator.base_url()),
        Some(token),
    );
    let bad = sign(APP, "gone@example.com", LOGIN, 180, SystemTime::now());
    post_token(&client, &emulator.base_url(), &bad);

    let log = emulator.log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[1].outcome, "rest_ok");
    assert_eq!(log[1].username.as_deref(), Some(USER));
    assert!(!log[0].client_certificate);
    assert!(
        log.iter()
            .all(|e| !e.time.is_empty() && !e.method.is_empty())
    );
    emulator.shutdown();

    let file = std::fs::read_to_string(&log_file).expect("log file written");
    let _ = std::fs::remove_file(&log_file);
    let lines: Vec<Value> = file
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["outcome"], "invalid_grant: inactive user");
    let in_memory = serde_json::to_string(&log).expect("serializes");
    for text in [&file, &in_memory] {
        assert!(!text.contains(token));
        assert!(!text.contains(signature));
        for secret in [&assertion, &bad] {
            assert!(!text.contains(secret.as_str()));
            let jws_signature = secret.rsplit('.').next().expect("three parts");
            assert!(!text.contains(jws_signature));
        }
    }
}

/// Key and certificate of a PEM fixture, in one buffer for `Identity::from_pem`.
fn identity(pem: &str) -> Identity {
    Identity::from_pem(pem.as_bytes()).expect("identity")
}

#[test]
fn the_mutual_tls_port_accepts_only_listed_certificates() {
    let allowed = read("pem-pkcs8.pem");
    let emulator = Emulator::start(
        EmulatorConfig {
            mtls_certificates: vec![read("certs/pem-pkcs8.pem-pkcs8.crt")],
            ..config()
        },
        StartOptions {
            mtls_port: Some(0),
            ..StartOptions::default()
        },
    )
    .expect("starts");
    let mtls = emulator.mtls_base_url().expect("mTLS port");
    assert_ne!(mtls, emulator.base_url());

    let anonymous = client(&emulator);
    let refused = anonymous
        .get(format!("{mtls}/services/data/"))
        .send()
        .and_then(|r| r.text());
    assert!(refused.is_err(), "{refused:?}");

    let stranger = client_builder(&emulator)
        .identity(identity(&(read("pem-pkcs1.key") + &read("pem-pkcs1.crt"))))
        .build()
        .expect("client");
    let refused = stranger
        .get(format!("{mtls}/services/data/"))
        .send()
        .and_then(|r| r.text());
    assert!(refused.is_err(), "{refused:?}");

    let trusted = client_builder(&emulator)
        .identity(identity(&allowed))
        .build()
        .expect("client");
    let (status, body) = json_of(post_token(&trusted, &mtls, &good_assertion()));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["instance_url"], json!(mtls));
    let token = body["access_token"].as_str().expect("token");
    let (status, _) = json_of(get(
        &trusted,
        &format!("{mtls}/services/oauth2/userinfo"),
        Some(token),
    ));
    assert_eq!(status, StatusCode::OK);

    let entry = &emulator.log()[0];
    assert_eq!(entry.port_kind, "mtls");
    assert!(entry.client_certificate);
    assert_eq!(entry.outcome, "token_issued");
    // The plain port still serves clients without a certificate.
    assert_eq!(
        post_token(&anonymous, &emulator.base_url(), &good_assertion()).status(),
        StatusCode::OK
    );
}

#[test]
fn configuration_files_and_bad_configurations() {
    let dir = temp_path("config");
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("demo.crt"), app_certificate()).expect("cert written");
    let path = dir.join("emulator.json");
    std::fs::write(
        &path,
        json!({
            "org_id": "00D000000000002AAA",
            "newest_api_version": "61.0",
            "max_assertion_lifetime_secs": 300,
            "apps": [{"consumer_key": "3MVG9demo", "certificate_file": "demo.crt"}],
            "users": [
                {"username": "etl@example.com", "user_id": "005000000000042AAA"},
                {"username": "new@example.com", "approved": false},
                {"username": "gone@example.com", "active": false}
            ],
            "mtls_certificates_files": ["demo.crt"],
            "faults": []
        })
        .to_string(),
    )
    .expect("config written");
    let from_file = EmulatorConfig::from_file(&path).expect("config reads");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(from_file.mtls_certificates, vec![app_certificate()]);
    let emulator = start(from_file);
    let client = client(&emulator);
    let assertion = sign("3MVG9demo", USER, LOGIN, 180, SystemTime::now());
    let (status, body) = json_of(post_token(&client, &emulator.base_url(), &assertion));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["id"],
        json!(format!(
            "{}/id/00D000000000002AAA/005000000000042AAA",
            emulator.base_url()
        ))
    );
    let (_, versions) = json_of(get(
        &client,
        &format!("{}/services/data/", emulator.base_url()),
        None,
    ));
    assert_eq!(
        versions
            .as_array()
            .and_then(|v| v.last())
            .map(|v| &v["version"]),
        Some(&json!("61.0"))
    );

    let missing = EmulatorConfig::from_file(Path::new("/nonexistent/emulator.json"));
    assert_eq!(missing.expect_err("missing file").code(), ErrorCode::Config);

    let refused = |config: EmulatorConfig, options: StartOptions| {
        Emulator::start(config, options)
            .expect_err("refused")
            .code()
    };
    let with_app = |pem: String| EmulatorConfig {
        apps: vec![ConnectedApp::new(APP, pem)],
        ..EmulatorConfig::default()
    };
    assert_eq!(
        refused(
            with_app("not a certificate".to_owned()),
            StartOptions::default()
        ),
        ErrorCode::Config
    );
    assert_eq!(
        refused(
            with_app(read("certs/jks-ec.ec_only.crt")),
            StartOptions::default()
        ),
        ErrorCode::Config
    );
    assert_eq!(
        refused(
            EmulatorConfig {
                newest_api_version: "v62".to_owned(),
                ..EmulatorConfig::default()
            },
            StartOptions::default()
        ),
        ErrorCode::Config
    );
    assert_eq!(
        refused(
            config(),
            StartOptions {
                mtls_port: Some(0),
                ..StartOptions::default()
            }
        ),
        ErrorCode::Config
    );
    let taken = start(config());
    assert_eq!(
        refused(
            config(),
            StartOptions {
                port: taken.port(),
                ..StartOptions::default()
            }
        ),
        ErrorCode::Internal
    );
}

#[test]
fn shutdown_stops_listening() {
    let emulator = start(config());
    let client = client(&emulator);
    let url = format!("{}/services/data/", emulator.base_url());
    assert_eq!(get(&client, &url, None).status(), StatusCode::OK);
    let port = emulator.port();
    emulator.shutdown();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Presents `certificate` but signs the handshake with `key`, which reqwest refuses to
/// do: a raw rustls client proves that the server checks possession of the key.
fn raw_mtls_get(emulator: &Emulator, key: &str, certificate: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    use std::sync::Arc;

    use rustls::client::ResolvesClientCert;
    use rustls::sign::CertifiedKey;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

    #[derive(Debug)]
    struct Always(Arc<CertifiedKey>);
    impl ResolvesClientCert for Always {
        fn resolve(&self, _: &[&[u8]], _: &[rustls::SignatureScheme]) -> Option<Arc<CertifiedKey>> {
            Some(self.0.clone())
        }
        fn has_certs(&self) -> bool {
            true
        }
    }

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::from_pem_file(fixture(key)).expect("key");
    let key = provider.key_provider.load_private_key(key).expect("loads");
    let certificate = CertificateDer::from_pem_file(fixture(certificate)).expect("certificate");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(emulator.ca_pem().as_bytes()).expect("CA"))
        .expect("CA added");
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_client_cert_resolver(Arc::new(Always(Arc::new(CertifiedKey::new(
            vec![certificate],
            key,
        )))));
    let server_name = ServerName::try_from("127.0.0.1").expect("name");
    let connection =
        rustls::ClientConnection::new(Arc::new(config), server_name).expect("connection");
    let port = emulator.mtls_port().expect("mTLS port");
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    tls.write_all(b"GET /services/data/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    tls.read_to_string(&mut response)?;
    Ok(response)
}

#[test]
fn the_mutual_tls_port_checks_possession_of_the_key() {
    let emulator = Emulator::start(
        EmulatorConfig {
            mtls_certificates: vec![read("certs/pem-pkcs8.pem-pkcs8.crt")],
            ..config()
        },
        StartOptions {
            mtls_port: Some(0),
            ..StartOptions::default()
        },
    )
    .expect("starts");
    let genuine = raw_mtls_get(&emulator, "pem-pkcs8.pem", "certs/pem-pkcs8.pem-pkcs8.crt")
        .expect("the genuine holder is served");
    assert!(genuine.starts_with("HTTP/1.1 200"), "{genuine}");
    let impostor = raw_mtls_get(&emulator, "pem-pkcs1.key", "certs/pem-pkcs8.pem-pkcs8.crt");
    assert!(impostor.is_err(), "{impostor:?}");
}

/// Sends `method` to `url` with the token and, when given, a JSON body.
fn call(
    client: &Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().expect("answered");
    let status = response.status();
    let text = response.text().expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON")
    };
    (status, body)
}

fn error_code(body: &Value) -> &str {
    body[0]["errorCode"].as_str().unwrap_or_default()
}

#[test]
fn records_are_created_read_updated_and_deleted_by_id() {
    use reqwest::Method;
    let emulator = start(config());
    let client = client(&emulator);
    let token = login(&client, &emulator);
    let accounts = format!(
        "{}/services/data/v62.0/sobjects/Account",
        emulator.base_url()
    );

    let (status, created) = call(
        &client,
        Method::POST,
        &format!("{accounts}/"),
        &token,
        Some(
            &json!({"attributes": {"type": "Account"}, "Name": "Wayne Enterprises",
                     "annualrevenue": "2500000"}),
        ),
    );
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (created["success"].as_bool(), &created["errors"]),
        (Some(true), &json!([]))
    );
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!((id.len(), &id[..3]), (18, "001"));
    let record_url = format!("{accounts}/{id}");

    let (status, record) = call(&client, Method::GET, &record_url, &token, None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["Name"], "Wayne Enterprises");
    assert_eq!(
        record["AnnualRevenue"], 2_500_000.0,
        "a numeric string, stored as the field's type"
    );
    assert_eq!(record["Industry"], Value::Null);
    assert_eq!(
        record["attributes"]["url"],
        format!("/services/data/v62.0/sobjects/Account/{id}")
    );

    let (status, body) = call(
        &client,
        Method::PATCH,
        &record_url,
        &token,
        Some(&json!({"Industry": "Defense"})),
    );
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    // The 15-character form of the id names the same record; `fields` picks fields.
    let (status, record) = call(
        &client,
        Method::GET,
        &format!("{accounts}/{}?fields=industry", &id[..15]),
        &token,
        None,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["Industry"], "Defense");
    assert!(record.get("Name").is_none(), "{record}");
    let query = format!(
        "{}/services/data/v62.0/query?q=SELECT+Name+FROM+Account+WHERE+Industry+%3D+'Defense'",
        emulator.base_url()
    );
    let (_, found) = call(&client, Method::GET, &query, &token, None);
    assert_eq!(found["totalSize"], 1, "a write is seen by later queries");

    // HttpURLConnection cannot send PATCH: a POST with ?_HttpMethod=PATCH stands for it.
    let (status, body) = call(
        &client,
        Method::POST,
        &format!("{record_url}?_HttpMethod=PATCH"),
        &token,
        Some(&json!({"Industry": "Energy"})),
    );
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (_, record) = call(&client, Method::GET, &record_url, &token, None);
    assert_eq!(record["Industry"], "Energy");
    let (status, _) = call(
        &client,
        Method::GET,
        &format!("{record_url}?_HttpMethod=DELETE"),
        &token,
        None,
    );
    assert_eq!(status, StatusCode::OK, "only a POST is overridden");
    let (status, body) = call(
        &client,
        Method::PATCH,
        &record_url,
        &token,
        Some(&json!({"Industry": "Defense"})),
    );
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));

    for (body, code) in [
        (json!({"Nope": 1}), "INVALID_FIELD"),
        (
            json!({"Id": "001000000000001AAA"}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ),
        (json!({"AnnualRevenue": "lots"}), "JSON_PARSER_ERROR"),
        (json!({"Name": ["a list"]}), "JSON_PARSER_ERROR"),
        (json!(["not an object"]), "JSON_PARSER_ERROR"),
    ] {
        for method in [Method::POST, Method::PATCH] {
            let url = if method == Method::POST {
                &accounts
            } else {
                &record_url
            };
            let (status, error) = call(&client, method.clone(), url, &token, Some(&body));
            assert_eq!(
                (status, error_code(&error)),
                (StatusCode::BAD_REQUEST, code),
                "{method} {body}"
            );
        }
    }
    let (status, error) = call(&client, Method::PUT, &record_url, &token, Some(&json!({})));
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        error[0]["message"],
        "HTTP Method 'PUT' not allowed. Allowed are GET,PATCH,DELETE"
    );
    let (status, error) = call(
        &client,
        Method::GET,
        &format!("{record_url}?fields=Nope"),
        &token,
        None,
    );
    assert_eq!(
        (status, error_code(&error)),
        (StatusCode::BAD_REQUEST, "INVALID_FIELD")
    );

    let (status, _) = call(&client, Method::DELETE, &record_url, &token, None);
    assert_eq!(status, StatusCode::NO_CONTENT);
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let (status, error) = call(
            &client,
            method.clone(),
            &record_url,
            &token,
            Some(&json!({})),
        );
        assert_eq!(
            (status, error_code(&error)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{method}"
        );
    }
    for url in [
        format!("{accounts}/not-an-id"),
        format!(
            "{}/services/data/v62.0/sobjects/Nope__c/describe",
            emulator.base_url()
        ),
        format!(
            "{}/services/data/v62.0/sobjects/Nope__c",
            emulator.base_url()
        ),
    ] {
        let (status, error) = call(&client, Method::GET, &url, &token, None);
        assert_eq!(
            (status, error_code(&error)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{url}"
        );
    }
    // Writes need a session as reads do.
    let response = client.post(&accounts).body("{}").send().expect("answered");
    assert_invalid_session(response);
}

#[test]
fn describe_lists_objects_fields_and_relationships() {
    let emulator = start(config());
    let client = client(&emulator);
    let token = login(&client, &emulator);
    let base = format!("{}/services/data/v62.0", emulator.base_url());

    let (status, global) = json_of(get(&client, &format!("{base}/sobjects"), Some(&token)));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(global["maxBatchSize"], 200);
    let names: Vec<&str> = global["sobjects"]
        .as_array()
        .expect("sobjects")
        .iter()
        .map(|o| o["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["Account", "Contact"]);
    assert_eq!(global["sobjects"][1]["keyPrefix"], "003");
    assert_eq!(global["sobjects"][1]["labelPlural"], "Contacts");

    let (status, basic) = json_of(get(
        &client,
        &format!("{base}/sobjects/contact"),
        Some(&token),
    ));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        basic["objectDescribe"]["urls"]["describe"],
        "/services/data/v62.0/sobjects/Contact/describe"
    );

    let (status, contact) = json_of(get(
        &client,
        &format!("{base}/sobjects/Contact/describe"),
        Some(&token),
    ));
    assert_eq!(status, StatusCode::OK);
    let field = |name: &str| {
        contact["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    assert_eq!(
        (
            field("Id")["type"].as_str(),
            field("Id")["createable"].as_bool()
        ),
        (Some("id"), Some(false))
    );
    assert_eq!(field("Email")["type"], "email");
    assert_eq!(field("AccountId")["referenceTo"], json!(["Account"]));
    assert_eq!(field("AccountId")["relationshipName"], "Account");
    assert_eq!(field("FirstName")["label"], "First Name");

    let (_, account) = json_of(get(
        &client,
        &format!("{base}/sobjects/Account/describe"),
        Some(&token),
    ));
    assert_eq!(
        account["childRelationships"],
        json!([{"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts",
                "cascadeDelete": false, "restrictedDelete": false, "deprecatedAndHidden": false}])
    );
    let industry = account["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "Industry")
        .expect("Industry");
    let values: Vec<&str> = industry["picklistValues"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["value"].as_str().expect("a value"))
        .collect();
    assert_eq!(
        values,
        ["Manufacturing", "Energy", "Technology", "Pharmaceuticals"]
    );

    let (status, columns) = json_of(get(
        &client,
        &format!("{base}/query?columns=true&q=SELECT+Name,+AnnualRevenue,+Id+FROM+Account"),
        Some(&token),
    ));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            columns["entityName"].as_str(),
            columns["idSelected"].as_bool()
        ),
        (Some("Account"), Some(true))
    );
    let described: Vec<(&str, &str)> = columns["columnMetadata"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["columnName"].as_str().unwrap(),
                c["apexType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            ("Name", "String"),
            ("AnnualRevenue", "Decimal"),
            ("Id", "Id")
        ]
    );
}

#[test]
fn composite_sobjects_loads_up_to_200_records_all_or_none_or_each() {
    use reqwest::Method;
    let emulator = start(config());
    let client = client(&emulator);
    let token = login(&client, &emulator);
    let base = format!("{}/services/data/v62.0", emulator.base_url());
    let collection = format!("{base}/composite/sobjects");
    let count = |object: &str| {
        let (_, body) = json_of(get(
            &client,
            &format!("{base}/query?q=SELECT+COUNT()+FROM+{object}"),
            Some(&token),
        ));
        body["totalSize"].as_u64().expect("a count")
    };
    let contacts = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("Load {i}")}))
            .collect()
    };

    let (status, results) = call(
        &client,
        Method::POST,
        &collection,
        &token,
        Some(&json!({"allOrNone": true, "records": contacts(200)})),
    );
    assert_eq!(status, StatusCode::OK);
    let results = results.as_array().expect("results").clone();
    assert_eq!(results.len(), 200);
    assert!(
        results
            .iter()
            .all(|r| r["success"] == true
                && r["id"].as_str().is_some_and(|id| id.starts_with("003")))
    );
    assert_eq!(count("Contact"), 206);

    let (status, error) = call(
        &client,
        Method::POST,
        &collection,
        &token,
        Some(&json!({"records": contacts(201)})),
    );
    assert_eq!(
        (status, error_code(&error)),
        (StatusCode::BAD_REQUEST, "EXCEEDED_ID_LIMIT")
    );
    let (status, error) = call(
        &client,
        Method::POST,
        &collection,
        &token,
        Some(&json!({"records": [{"LastName": "No type"}]})),
    );
    assert_eq!(
        (status, error_code(&error)),
        (StatusCode::BAD_REQUEST, "INVALID_TYPE")
    );

    // One bad record: with allOrNone nothing is written, without it the others are.
    let mixed = json!([
        {"attributes": {"type": "Account"}, "Name": "Good"},
        {"attributes": {"type": "Account"}, "Nope": "bad"},
    ]);
    let (_, results) = call(
        &client,
        Method::POST,
        &collection,
        &token,
        Some(&json!({"allOrNone": true, "records": mixed})),
    );
    assert_eq!(
        results[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(results[1]["errors"][0]["statusCode"], "INVALID_FIELD");
    assert!(results[0].get("id").is_none());
    assert_eq!(count("Account"), 5);
    let (_, results) = call(
        &client,
        Method::POST,
        &collection,
        &token,
        Some(&json!({"allOrNone": false, "records": mixed})),
    );
    assert_eq!(
        (
            results[0]["success"].as_bool(),
            results[1]["success"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(count("Account"), 6);
    let good = results[0]["id"].as_str().expect("an id").to_owned();

    let (status, results) = call(
        &client,
        Method::PATCH,
        &collection,
        &token,
        Some(&json!({"records": [
            {"attributes": {"type": "Account"}, "id": good, "Industry": "Retail"},
            {"attributes": {"type": "Account"}, "Industry": "Retail"},
        ]})),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (results[0]["success"].as_bool(), results[0]["id"].as_str()),
        (Some(true), Some(good.as_str()))
    );
    assert_eq!(results[1]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    let (_, record) = json_of(get(
        &client,
        &format!("{base}/sobjects/Account/{good}"),
        Some(&token),
    ));
    assert_eq!(record["Industry"], "Retail");

    let (status, results) = call(
        &client,
        Method::DELETE,
        &format!("{collection}?ids={good},001999999999999AAA,garbage&allOrNone=false"),
        &token,
        None,
    );
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = results
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["errors"][0]["statusCode"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(codes, ["ok", "ENTITY_IS_DELETED", "MALFORMED_ID"]);
    assert_eq!(count("Account"), 5);
    let ids = vec!["001000000000001AAA"; 201].join(",");
    let (status, error) = call(
        &client,
        Method::DELETE,
        &format!("{collection}?ids={ids}"),
        &token,
        None,
    );
    assert_eq!(
        (status, error_code(&error)),
        (StatusCode::BAD_REQUEST, "EXCEEDED_ID_LIMIT")
    );

    // A body past the REST bound: 413 in the REST API's shape, and the server goes on.
    let huge =
        json!({"records": [{"attributes": {"type": "Contact"}, "LastName": "x".repeat(3 << 20)}]});
    let (status, error) = call(&client, Method::POST, &collection, &token, Some(&huge));
    assert_eq!(
        (status, error_code(&error)),
        (StatusCode::PAYLOAD_TOO_LARGE, "EXCEEDED_MAX_SIZE_REQUEST")
    );
    assert_eq!(count("Contact"), 206);
}

/// Issue 25, finding 4: a flat chain of 6,000 `OR` terms is answered (the parser and
/// the matcher take a flat chain without a level per term), and nesting past the
/// depth bound is refused as Salesforce refuses a malformed query, never a crash.
#[test]
fn a_long_or_chain_is_answered_and_deep_nesting_is_a_malformed_query() {
    let emulator = start(config());
    let client = client(&emulator);
    let base = emulator.base_url();
    let token = login(&client, &emulator);
    let query = "/services/data/v62.0/query";

    // Terms this short keep the URL under the 64 KiB that HTTP libraries send.
    let chain = format!(
        "SELECT Name FROM Account WHERE Name = 'Globex'{}",
        " OR Id=1".repeat(6000)
    );
    let (status, body) = soql(&client, &base, &token, query, Some(&chain));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totalSize"], 1, "{body}");
    assert_eq!(body["records"][0]["Name"], "Globex");

    for deep in [
        format!(
            "SELECT Id FROM Account WHERE {}Name = 'x'{}",
            "(".repeat(5000),
            ")".repeat(5000)
        ),
        format!(
            "SELECT Id FROM Account WHERE {}Name = 'x'",
            "NOT ".repeat(5000)
        ),
        format!(
            "SELECT Id FROM Account WHERE {}Name = 'x'{}",
            "(Name = 'y' OR (NOT ".repeat(1000),
            "))".repeat(1000)
        ),
    ] {
        let (status, body) = soql(&client, &base, &token, query, Some(&deep));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY", "{body}");
        assert!(
            body[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("nested too deeply")),
            "{body}"
        );
    }
    // The emulator still serves.
    let (status, _) = soql(
        &client,
        &base,
        &token,
        query,
        Some("SELECT Id FROM Account"),
    );
    assert_eq!(status, StatusCode::OK);
}

/// Issue 25, finding 4: every local user reaches the loopback port, so the admin
/// endpoints answer only requests with this run's secret.
#[test]
fn admin_requests_need_this_runs_secret() {
    let emulator = start(config());
    let base = emulator.base_url();
    let plain = client(&emulator);
    let faults = json!([{"action": {"kind": "status", "status": 503}}]);
    let other_secret = "0".repeat(emulator.admin_secret().len());
    for secret in [None, Some(""), Some("wrong"), Some(other_secret.as_str())] {
        for (method, path) in [
            ("POST", "faults"),
            ("POST", "revoke"),
            ("GET", "log"),
            ("GET", "stats"),
        ] {
            let mut request = plain.request(
                method.parse().expect("a method"),
                format!("{base}/__emulator/{path}"),
            );
            if method == "POST" {
                request = request
                    .header("content-type", "application/json")
                    .body(faults.to_string());
            }
            if let Some(secret) = secret {
                request = request.header(ADMIN_HEADER, secret);
            }
            let (status, body) = json_of(request.send().expect("answered"));
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{path} with {secret:?}: {body}"
            );
            assert_eq!(body["error"], "forbidden", "{body}");
            assert!(
                body["error_description"]
                    .as_str()
                    .is_some_and(|d| d.contains(ADMIN_HEADER) && d.contains(".admin")),
                "{body}"
            );
        }
    }
    // Nothing the refused requests asked for happened.
    assert_eq!(emulator.faults_pending(), 0);
    assert_eq!(
        post_token(&plain, &base, &good_assertion()).status(),
        StatusCode::OK
    );

    let admin = admin_client(&emulator);
    let response = post_json(&admin, &format!("{base}/__emulator/faults"), &faults);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(emulator.faults_pending(), 1);
    let (status, log) = json_of(get(&admin, &format!("{base}/__emulator/log"), None));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        log.as_array().map(Vec::len),
        Some(1),
        "admin requests are not logged: {log}"
    );
    assert_eq!(emulator.admin_secret().len(), 64);
    assert_ne!(
        emulator.admin_secret(),
        start(config()).admin_secret(),
        "new at each start"
    );
}

/// Issue 25, finding 4: the store, the sessions and the in-memory log are bounded, so
/// that a long run or a hostile client cannot grow the emulator without end.
#[test]
fn records_sessions_and_the_log_are_bounded() {
    use reqwest::Method;
    // The default objects hold 11 records: room for two more.
    let emulator = start(EmulatorConfig {
        max_records: 13,
        max_sessions: 2,
        request_log_capacity: 3,
        ..config()
    });
    let client = client(&emulator);
    let tokens: Vec<String> = (0..3).map(|_| login(&client, &emulator)).collect();
    let userinfo = format!("{}/services/oauth2/userinfo", emulator.base_url());
    // A fourth login ends the oldest session, as if it had expired.
    assert_invalid_session(get(&client, &userinfo, Some(&tokens[0])));
    for token in &tokens[1..] {
        assert_eq!(
            get(&client, &userinfo, Some(token)).status(),
            StatusCode::OK
        );
    }
    let token = &tokens[2];

    let data = format!("{}/services/data/v62.0", emulator.base_url());
    let accounts = format!("{data}/sobjects/Account");
    let account = json!({"Name": "Full"});
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, created) = call(&client, Method::POST, &accounts, token, Some(&account));
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_str().expect("an id").to_owned());
    }
    let (status, body) = call(&client, Method::POST, &accounts, token, Some(&account));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "STORAGE_LIMIT_EXCEEDED", "{body}");
    assert_eq!(body[0]["message"], "storage limit exceeded");
    let collection = format!("{data}/composite/sobjects");
    let load = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Account"}, "Name": "One more"}]});
    let (status, results) = call(&client, Method::POST, &collection, token, Some(&load));
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(
        results[0]["errors"][0]["statusCode"], "STORAGE_LIMIT_EXCEEDED",
        "{results}"
    );
    // A delete makes room again.
    let (status, _) = call(
        &client,
        Method::DELETE,
        &format!("{accounts}/{}", ids[0]),
        token,
        None,
    );
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, created) = call(&client, Method::POST, &accounts, token, Some(&account));
    assert_eq!(status, StatusCode::CREATED, "{created}");

    // The newest three requests: the delete, then the create.
    let log = emulator.log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[1].method, "DELETE");
    assert_eq!((log[2].method.as_str(), log[2].status), ("POST", 201));

    for (key, bad) in [
        (
            "max_sessions",
            EmulatorConfig {
                max_sessions: 0,
                ..config()
            },
        ),
        (
            "max_records",
            EmulatorConfig {
                max_records: 10,
                ..config()
            },
        ),
    ] {
        let error = Emulator::start(bad, StartOptions::default()).expect_err("refused");
        assert_eq!(error.code(), ErrorCode::Config, "{error}");
        assert!(error.to_string().contains(key), "{error}");
    }
    let file = temp_path("bounds.json");
    std::fs::write(
        &file,
        r#"{"max_records": 50, "max_sessions": 5, "request_log_capacity": 0}"#,
    )
    .expect("written");
    let read = EmulatorConfig::from_file(&file).expect("the bounds are config keys");
    assert_eq!(
        (
            read.max_records,
            read.max_sessions,
            read.request_log_capacity
        ),
        (50, 5, 0)
    );
    let _ = std::fs::remove_file(file);
}
