// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! External Client Apps on a My Domain: `my_domain` alone logs in to an ECA and to a
//! connected app, with at most two token requests for a login and one once the client
//! knows which audience the app takes. The emulator tells its My Domain
//! (`https://localhost:<port>`) from the generic login host (`https://127.0.0.1:<port>`)
//! by host name, as Salesforce does.

mod support;

use sfjwt::{Client, ConfigBuilder, ErrorCode};
use sfjwt_emulator::{ConnectedApp, EmulatorConfig, ExternalClientApp, PermittedUsers, User};
use support::{Org, STORE_PASSWORD, USER, certificate, fixture, start};

const ECA: &str = "3MVG9externalClientApp";
const CONNECTED_APP: &str = "3MVG9connectedApp";
const PERMISSION_SET: &str = "sfjwt_integration";

/// An org with an ECA and a connected app holding the same certificate, USER (holding
/// the ECA's permission set) and `plain@example.com` (holding none).
fn org() -> Org {
    let pem = certificate("jks-same.talend_certificate");
    start(EmulatorConfig {
        apps: vec![ConnectedApp::new(CONNECTED_APP, pem.clone())],
        external_client_apps: vec![
            ExternalClientApp {
                permitted_users: PermittedUsers::AdminApproved,
                permission_sets: vec![PERMISSION_SET.to_owned()],
                ..ExternalClientApp::new(ECA, pem.clone())
            },
            ExternalClientApp {
                jwt_bearer_flow_enabled: false,
                ..ExternalClientApp::new("3MVG9jwtOff", pem)
            },
        ],
        users: vec![
            User {
                permission_sets: vec![PERMISSION_SET.to_owned()],
                ..User::new(USER)
            },
            User::new("plain@example.com"),
        ],
        ..EmulatorConfig::default()
    })
}

/// Only `my_domain`, `issuer`, `subject` and a keystore (and the emulator's CA): no
/// `login_url`, no `audience`.
fn my_domain_only(org: &Org, issuer: &str) -> ConfigBuilder {
    let mut builder = ConfigBuilder::default();
    for (key, value) in [
        ("my_domain", org.emulator.my_domain_url().as_str()),
        ("issuer", issuer),
        ("subject", USER),
        (
            "keystore_path",
            &fixture("jks-same.jks").display().to_string(),
        ),
        ("keystore_password", STORE_PASSWORD),
        ("ca_file", &org.ca_file.display().to_string()),
        ("retries", "0"),
    ] {
        builder.set(key, value).expect("valid setting");
    }
    builder
}

/// The token requests the emulator saw so far: (host, aud outcome) pairs.
fn token_requests(org: &Org) -> Vec<(String, String)> {
    org.emulator
        .log()
        .into_iter()
        .filter(|entry| entry.path == "/services/oauth2/token")
        .map(|entry| (entry.host.clone(), entry.outcome.clone()))
        .collect()
}

#[test]
fn my_domain_alone_logs_in_to_an_external_client_app_with_one_request_per_login() {
    let org = org();
    let client = Client::new(my_domain_only(&org, ECA).build().unwrap()).unwrap();
    let token = client.token().expect("logs in to the ECA");
    assert_eq!(token.instance_url(), org.emulator.my_domain_url());
    assert_eq!(token_requests(&org).len(), 1, "{:?}", token_requests(&org));
    assert!(token_requests(&org)[0].0.starts_with("localhost"));

    client.invalidate();
    client.token().expect("logs in again");
    assert_eq!(token_requests(&org).len(), 2, "{:?}", token_requests(&org));
}

#[test]
fn the_same_settings_log_in_to_a_connected_app_with_two_requests_then_one() {
    let org = org();
    let client = Client::new(my_domain_only(&org, CONNECTED_APP).build().unwrap()).unwrap();
    let token = client.token().expect("logs in to the connected app");
    assert_eq!(token.instance_url(), org.emulator.my_domain_url());
    let requests = token_requests(&org);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[0].1.contains("audience is invalid"),
        "{requests:?}"
    );
    assert_eq!(requests[1].1, "token_issued", "{requests:?}");

    // The client remembers that login worked: each later login is one request.
    for logins in 1..=2 {
        client.invalidate();
        client.token().expect("logs in again");
        assert_eq!(
            token_requests(&org).len(),
            2 + logins,
            "{:?}",
            token_requests(&org)
        );
    }
    // The assertion it signs now names login as audience.
    let assertion = client.assertion().unwrap();
    let claims = assertion.as_str().split('.').nth(1).unwrap();
    let claims = base64_url(claims);
    assert!(
        claims.contains(r#""aud":"https://login.salesforce.com""#),
        "{claims}"
    );
}

#[test]
fn an_explicit_generic_audience_against_an_eca_fails_after_one_request_naming_my_domain() {
    let org = org();
    let mut builder = my_domain_only(&org, ECA);
    builder
        .set("audience", "https://login.salesforce.com")
        .unwrap();
    let error = Client::new(builder.build().unwrap())
        .unwrap()
        .token()
        .expect_err("an ECA refuses a generic audience");
    assert_eq!(error.code(), ErrorCode::AuthRejected, "{error}");
    let rejection = error.rejection().unwrap();
    assert_eq!(rejection.error, "app_not_found");
    assert_eq!(
        rejection.error_description,
        "External client app is not installed in this org"
    );
    assert!(rejection.hint.contains("my_domain"), "{}", rejection.hint);
    assert!(
        rejection.hint.contains("remove audience"),
        "{}",
        rejection.hint
    );
    assert_eq!(token_requests(&org).len(), 1, "{:?}", token_requests(&org));

    // Through the generic host, as the Talend article's setup logs in, the hint says to
    // set my_domain.
    let org_config = org.builder();
    let mut builder = org_config;
    builder.set("issuer", ECA).unwrap();
    let error = Client::new(builder.build().unwrap())
        .unwrap()
        .token()
        .expect_err("an ECA is not found at the generic host");
    let rejection = error.rejection().unwrap();
    assert_eq!(rejection.error, "app_not_found");
    assert!(
        rejection.hint.contains("Set my_domain"),
        "{}",
        rejection.hint
    );
    assert_eq!(token_requests(&org).len(), 2);
}

#[test]
fn other_refusals_are_never_retried_with_the_other_audience() {
    let org = org();
    // Not permitted by the ECA's policy: refused once, with the ECA wording.
    let mut builder = my_domain_only(&org, ECA);
    builder.set("subject", "plain@example.com").unwrap();
    let error = Client::new(builder.build().unwrap())
        .unwrap()
        .token()
        .expect_err("not a permitted user");
    assert_eq!(error.code(), ErrorCode::AuthRejected);
    let hint = &error.rejection().unwrap().hint;
    assert!(hint.contains("permission set"), "{hint}");
    assert!(hint.contains("External Client App"), "{hint}");
    assert_eq!(token_requests(&org).len(), 1, "{:?}", token_requests(&org));

    // Unknown consumer key: one request.
    let error = Client::new(my_domain_only(&org, "3MVG9unknown").build().unwrap())
        .unwrap()
        .token()
        .expect_err("unknown consumer key");
    assert_eq!(error.rejection().unwrap().error, "invalid_client_id");
    assert_eq!(token_requests(&org).len(), 2, "{:?}", token_requests(&org));
}

#[test]
fn the_connection_test_reports_each_token_request_with_its_audience() {
    let org = org();
    let config = my_domain_only(&org, CONNECTED_APP).build().unwrap();
    let report = sfjwt::connection_test::run(&config);
    assert!(report.ok, "{report}");
    let step = report
        .steps
        .iter()
        .find(|s| s.name == "token request")
        .unwrap();
    let my_domain = org.emulator.my_domain_url();
    assert!(
        step.detail.contains(&format!(
            "aud {my_domain}: HTTP 400 invalid_grant: audience is invalid"
        )),
        "{}",
        step.detail
    );
    assert!(
        step.detail
            .contains("aud https://login.salesforce.com: token"),
        "{}",
        step.detail
    );
    let sign = report
        .steps
        .iter()
        .find(|s| s.name == "sign assertion")
        .unwrap();
    assert!(
        sign.detail.contains(&format!(
            "aud {my_domain} (then https://login.salesforce.com"
        )),
        "{}",
        sign.detail
    );

    // An ECA not installed at all (JWT Bearer Flow off): both audiences tried, and the
    // report says which.
    let config = my_domain_only(&org, "3MVG9jwtOff").build().unwrap();
    let report = sfjwt::connection_test::run(&config);
    assert!(!report.ok);
    let error = report.error.as_ref().unwrap();
    assert_eq!(error.code(), ErrorCode::AuthRejected, "{error}");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url claims");
    String::from_utf8(bytes).expect("UTF-8 claims")
}
