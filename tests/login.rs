// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Token exchange, errors with fixes, the cache and the connection test, against the
//! emulator over real HTTPS on loopback.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sfjwt::{Client, ErrorCode};
use sfjwt_emulator::{ConnectedApp, EmulatorConfig, Fault, FaultAction, User};
use support::*;

fn client(builder: sfjwt::ConfigBuilder) -> Client {
    Client::new(builder.build().expect("valid config")).expect("client")
}

#[test]
fn logs_in_with_every_keystore_format() {
    // (keystore, store password, key password, certificate of the signing entry)
    let formats = [
        (
            "jks-same.jks",
            "changeit1",
            None,
            "jks-same.talend_certificate",
        ),
        (
            "jks-diffkey.jks",
            "changeit1",
            Some("keypass2"),
            "jks-diffkey.sfdc",
        ),
        ("jceks.jceks", "changeit1", Some("keypass2"), "jceks.sfdc"),
        ("p12-keytool.p12", "changeit1", None, "p12-keytool.sfdc"),
        ("p12-openssl.p12", "changeit1", None, "p12-openssl.sfdc"),
        ("p12-legacy.p12", "changeit1", None, "p12-legacy.sfdc"),
        ("pem-pkcs8.pem", "", None, "pem-pkcs8.pem-pkcs8"),
        ("pem-pkcs1.key", "", None, "pem-pkcs1.pem-pkcs1"),
        (
            "pem-encrypted.pem",
            "",
            Some("keypass2"),
            "pem-encrypted.pem-encrypted",
        ),
    ];
    let apps = formats
        .iter()
        .map(|(file, _, _, cert)| ConnectedApp::new(format!("key-{file}"), certificate(cert)))
        .collect();
    let org = start(EmulatorConfig {
        apps,
        users: vec![User::new(USER)],
        ..EmulatorConfig::default()
    });
    for (file, store, key, _) in formats {
        let mut b = org.builder_for(file, store);
        b.set("issuer", &format!("key-{file}")).unwrap();
        if let Some(key) = key {
            b.set("key_password", key).unwrap();
        }
        if file == "jceks.jceks" {
            b.set("key_alias", "sfdc").unwrap();
        }
        let token = client(b).token().unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(token.access_token().starts_with("00D"), "{file}");
        assert_eq!(token.instance_url(), org.emulator.base_url());
        assert_eq!(token.token_type(), "Bearer");
        assert!(token.id().contains("/id/"), "{}", token.id());
        assert!(token.org_id().is_some() && token.user_id().is_some());
    }
    assert_eq!(org.emulator.login_count(), formats.len());
}

#[test]
fn connection_test_reports_every_step() {
    let org = start(default_org_config());
    let report = client(org.builder()).test_connection();
    assert!(report.ok, "{report}");
    let names: Vec<_> = report.steps.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "load key",
            "sign assertion",
            "token request",
            "identity",
            "API versions"
        ]
    );
    assert!(report.steps.iter().all(|s| s.ok));
    assert_eq!(report.api_version.as_deref(), Some("62.0"));
    let text = report.to_string();
    assert!(text.contains("PASSED") && text.contains(USER), "{text}");
    let json = report.to_json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["steps"].as_array().unwrap().len(), 5);
    assert!(json["steps"][0]["duration_ms"].is_u64());
}

/// A keystore or a file holding a password that other users can read, or a ca_file that
/// they can change, is reported (the files' modes are set here: git does not keep them).
#[cfg(unix)]
#[test]
fn connection_test_warns_of_secret_files_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let chmod = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let org = start(default_org_config());
    let dir = TempDir::new("modes");
    let keystore = dir.write("job.jks", std::fs::read(fixture("jks-same.jks")).unwrap());
    let password = dir.write("store.pass", format!("{STORE_PASSWORD}\n"));
    let properties = dir.write(
        "job.properties",
        format!("keystore_password={STORE_PASSWORD}\n"),
    );
    for path in [&keystore, &password, &properties] {
        chmod(path, 0o600);
    }
    chmod(&org.ca_file, 0o644);
    let settings = |builder: &mut sfjwt::ConfigBuilder| {
        builder
            .set("keystore_path", &keystore.display().to_string())
            .unwrap()
            .set_from_file("keystore_password", &password)
            .unwrap()
            .apply_properties_file(&properties)
            .unwrap();
    };
    let mut private = org.builder();
    settings(&mut private);
    let report = sfjwt::connection_test::run(&private.build().unwrap());
    assert!(report.ok, "{report}");
    assert_eq!(report.warnings, Vec::<String>::new());

    chmod(&keystore, 0o644);
    chmod(&password, 0o640);
    chmod(&properties, 0o604);
    chmod(&org.ca_file, 0o666);
    let mut shared = org.builder();
    settings(&mut shared);
    let report = sfjwt::connection_test::run(&shared.build().unwrap());
    assert!(report.ok, "{report}");
    let warnings = report.warnings.join("\n");
    for expected in [
        format!(
            "keystore {} can be read by every user (mode 644)",
            keystore.display()
        ),
        format!("{} can be read by its group (mode 640)", password.display()),
        format!(
            "{} can be read by every user (mode 604)",
            properties.display()
        ),
        format!(
            "ca_file {} can be changed by every user (mode 666)",
            org.ca_file.display()
        ),
    ] {
        assert!(
            warnings.contains(&expected),
            "{expected}\nnot in:\n{warnings}"
        );
    }
    assert!(report.to_string().contains("chmod 600"), "{report}");
}

/// Password and `.properties` files are read with the keystores' 16 MiB cap.
#[test]
fn an_oversized_password_or_properties_file_is_refused() {
    let dir = TempDir::new("huge");
    let huge = dir.write("huge", vec![b'a'; 16 * 1024 * 1024 + 1]);
    let err = sfjwt::ConfigBuilder::default()
        .set_from_file("keystore_password", &huge)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
    let err = sfjwt::ConfigBuilder::from_properties_file(&huge).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config);
    assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
}

/// (subject, expected error, expected description, words of the hint)
#[test]
fn every_refusal_is_auth_rejected_with_salesforces_words_and_a_fix() {
    let org = start(default_org_config());
    let cases = [
        (
            "new@example.com",
            "invalid_grant",
            "user hasn't approved this consumer",
            "services/oauth2/authorize?client_id=",
        ),
        (
            "nobody@example.com",
            "invalid_grant",
            "user hasn't approved this consumer",
            "approve",
        ),
        (
            "gone@example.com",
            "invalid_grant",
            "inactive user",
            "active user",
        ),
        ("far@example.com", "invalid_grant", "ip restricted", "IP"),
    ];
    for (subject, error, description, hint) in cases {
        let b = with(org.builder(), &[("subject", subject)]);
        let err = client(b).token().expect_err(subject);
        assert_eq!(err.code(), ErrorCode::AuthRejected, "{subject}: {err}");
        let rejection = err.rejection().expect("rejection");
        assert_eq!(
            (
                rejection.error.as_str(),
                rejection.error_description.as_str()
            ),
            (error, description)
        );
        assert_eq!(rejection.http_status, 400);
        assert!(
            rejection.hint.contains(hint),
            "{subject}: {}",
            rejection.hint
        );
        assert!(err.to_string().contains(description), "{err}");
    }
}

#[test]
fn wrong_issuer_audience_and_key_are_told_apart() {
    let org = start(default_org_config());
    let err = client(with(org.builder(), &[("issuer", "3MVG9unknown")]))
        .token()
        .unwrap_err();
    let r = err.rejection().unwrap();
    assert_eq!(
        (r.error.as_str(), r.error_description.as_str()),
        ("invalid_client_id", "client identifier invalid")
    );
    assert!(r.hint.contains("consumer key"));

    let b = with(
        org.builder(),
        &[("audience", "https://acme.my.salesforce.com")],
    );
    let r = client(b).token().unwrap_err().rejection().cloned().unwrap();
    assert_eq!(r.error_description, "audience is invalid");
    assert!(
        r.hint.contains("set my_domain (not audience)"),
        "{}",
        r.hint
    );

    // Signed with another key than the certificate uploaded to the app.
    let b = with(
        org.builder_for("jks-multi.jks", STORE_PASSWORD),
        &[("key_alias", "first")],
    );
    let r = client(b).token().unwrap_err().rejection().cloned().unwrap();
    assert_eq!(r.error_description, "invalid assertion");
    let first = sfjwt::Keystore::open(
        &fixture("jks-multi.jks"),
        sfjwt::KeystoreType::Auto,
        STORE_PASSWORD,
    )
    .unwrap()
    .inspect()
    .into_iter()
    .find(|e| e.alias == "first")
    .unwrap();
    assert!(
        r.hint.contains(first.sha1.as_deref().unwrap()),
        "the hint names the fingerprint: {}",
        r.hint
    );
}

#[test]
fn assertion_lifetime_beyond_the_servers_limit_is_refused() {
    let org = start(EmulatorConfig {
        max_assertion_lifetime_secs: Some(300),
        ..default_org_config()
    });
    let err = client(with(org.builder(), &[("expiration_secs", "3600")]))
        .token()
        .unwrap_err();
    let rejection = err.rejection().unwrap();
    assert_eq!(rejection.error_description, "invalid assertion");
    assert!(
        rejection.hint.contains("expiration_secs is 3600"),
        "{}",
        rejection.hint
    );
    assert!(
        client(with(org.builder(), &[("expiration_secs", "300")]))
            .token()
            .is_ok()
    );
}

#[test]
fn admin_approved_apps_rate_limits_and_scopes_have_their_own_fixes() {
    let mut config = default_org_config();
    config.apps = vec![
        ConnectedApp {
            admin_approved_only: true,
            ..ConnectedApp::new(ISSUER, certificate("jks-same.talend_certificate"))
        },
        ConnectedApp {
            scopes: vec!["web".to_owned()],
            ..ConnectedApp::new(
                "3MVG9noApiScope",
                certificate("jks-same.talend_certificate"),
            )
        },
    ];
    config.login_rate_limit_per_hour = 1;
    let org = start(config);

    let r = client(org.builder())
        .token()
        .unwrap_err()
        .rejection()
        .cloned()
        .unwrap();
    assert_eq!(r.error, "invalid_app_access");
    assert!(r.hint.contains("permission set"), "{}", r.hint);

    let r = client(with(org.builder(), &[("issuer", "3MVG9noApiScope")]))
        .token()
        .unwrap_err()
        .rejection()
        .cloned()
        .unwrap();
    assert_eq!(r.error, "invalid_request");
    assert!(r.hint.contains("offline_access"), "{}", r.hint);

    let mut rate_config = default_org_config();
    rate_config.login_rate_limit_per_hour = 1;
    let org = start(rate_config);
    let uncached = with(org.builder(), &[("token_cache", "false")]);
    let client = client(uncached);
    client.token().expect("first login within the limit");
    let r = client.token().unwrap_err().rejection().cloned().unwrap();
    assert_eq!(r.error_description, "login rate exceeded");
    assert!(r.hint.contains("reuse tokens"), "{}", r.hint);
}

#[test]
fn transient_failures_are_retried_and_give_one_token() {
    let org = start(default_org_config());
    org.emulator.set_faults(vec![Fault::token(
        2,
        FaultAction::Status {
            status: 503,
            retry_after_secs: None,
            body: None,
        },
    )]);
    let c = client(with(org.builder(), &[("retries", "2")]));
    let token = c.token().expect("third attempt succeeds");
    assert!(!token.access_token().is_empty());
    assert_eq!(org.emulator.login_count(), 1);

    org.emulator
        .set_faults(vec![Fault::token(1, FaultAction::Drop)]);
    let c = client(with(
        org.builder(),
        &[("retries", "1"), ("token_cache", "false")],
    ));
    c.token().expect("a dropped connection is retried");
}

#[test]
fn retry_after_is_honoured() {
    let org = start(default_org_config());
    org.emulator.set_faults(vec![Fault::token(
        1,
        FaultAction::Status {
            status: 429,
            retry_after_secs: Some(2),
            body: None,
        },
    )]);
    let start = Instant::now();
    client(with(org.builder(), &[("retries", "1")]))
        .token()
        .expect("retried");
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "waited {:?}",
        start.elapsed()
    );
}

#[test]
fn broken_answers_get_their_documented_codes() {
    let org = start(default_org_config());
    let uncached = || client(with(org.builder(), &[("token_cache", "false")]));
    let cases = [
        (FaultAction::Html, ErrorCode::Http),
        (FaultAction::Malformed, ErrorCode::Protocol),
        (FaultAction::Empty, ErrorCode::Protocol),
        (FaultAction::Drop, ErrorCode::Network),
        (
            FaultAction::Redirect {
                location: "https://evil.example/services/oauth2/token".to_owned(),
            },
            ErrorCode::Http,
        ),
    ];
    for (action, code) in cases {
        org.emulator
            .set_faults(vec![Fault::token(1, action.clone())]);
        let err = uncached().token().expect_err("fault");
        assert_eq!(err.code(), code, "{action:?}: {err}");
    }
    let log = org.log_text();
    assert!(!log.contains("evil.example/services/oauth2/token\",\"method\":\"POST"));
}

#[test]
fn a_redirect_is_never_followed() {
    let org = start(default_org_config());
    let target = format!("{}/services/oauth2/token", org.emulator.base_url());
    org.emulator.set_faults(vec![Fault {
        path_prefix: "/services/oauth2/token".to_owned(),
        times: 1,
        action: FaultAction::Redirect { location: target },
    }]);
    let err = client(org.builder()).token().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Http);
    assert!(err.to_string().contains("not followed"), "{err}");
    let posts = org
        .emulator
        .log()
        .iter()
        .filter(|e| e.path == "/services/oauth2/token")
        .count();
    assert_eq!(posts, 1, "the redirect target was not asked");
}

#[test]
fn a_stall_longer_than_timeout_secs_is_a_timeout_on_time() {
    let org = start(default_org_config());
    org.emulator
        .set_faults(vec![Fault::token(1, FaultAction::Delay { ms: 5_000 })]);
    let start = Instant::now();
    let err = client(with(org.builder(), &[("timeout_secs", "1")]))
        .token()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
}

/// `timeout_secs` bounds the whole request: a server that sends its body a byte every
/// 300 ms never lets one read wait a second, and must still be cut off on time.
#[test]
fn a_body_that_drips_in_is_a_timeout_by_the_deadline() {
    let org = start(default_org_config());
    org.emulator.set_faults(vec![Fault::token(
        1,
        FaultAction::Drip { interval_ms: 300 },
    )]);
    let start = Instant::now();
    let err = client(with(
        org.builder(),
        &[("timeout_secs", "2"), ("token_cache", "false")],
    ))
    .token()
    .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

/// During an outage, the callers that waited for a login get its failure, and so do
/// those that come within the back-off: one failed login reaches Salesforce, not one per
/// thread.
#[test]
fn callers_that_waited_share_the_failed_login() {
    let org = start(default_org_config());
    org.emulator.set_faults(vec![Fault::token(
        100,
        FaultAction::Status {
            status: 503,
            retry_after_secs: None,
            body: None,
        },
    )]);
    let client = Arc::new(client(org.builder()));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || client.token().map(|_| ()))
        })
        .collect();
    let codes: Vec<ErrorCode> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap_err().code())
        .collect();
    assert!(codes.iter().all(|c| *c == ErrorCode::Http), "{codes:?}");
    let posts = org
        .emulator
        .log()
        .iter()
        .filter(|e| e.path == "/services/oauth2/token")
        .count();
    assert_eq!(posts, 1, "one failed login for 16 callers");

    // Within the back-off the failure answers again; after it, a new login is tried.
    assert!(client.token().is_err());
    std::thread::sleep(sfjwt::FAILED_LOGIN_BACKOFF + Duration::from_millis(100));
    org.emulator.set_faults(vec![]);
    client.token().expect("a new login after the back-off");
}

#[test]
fn many_threads_on_a_cold_cache_log_in_once() {
    let org = start(default_org_config());
    let client = Arc::new(client(org.builder()));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || client.token().map(|t| t.access_token().to_owned()))
        })
        .collect();
    let tokens: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(org.emulator.login_count(), 1);

    // A second client with the same settings shares the process-wide cache.
    let other = Client::new(org.builder().build().unwrap()).unwrap();
    assert_eq!(other.token().unwrap().access_token(), tokens[0]);
    assert_eq!(org.emulator.login_count(), 1);

    other.invalidate();
    other.token().unwrap();
    assert_eq!(org.emulator.login_count(), 2);
}

#[test]
fn tokens_expire_after_token_ttl_secs_and_without_cache_every_call_logs_in() {
    let org = start(default_org_config());
    let c = client(with(org.builder(), &[("token_ttl_secs", "1")]));
    c.token().unwrap();
    c.token().unwrap();
    assert_eq!(org.emulator.login_count(), 1);
    std::thread::sleep(Duration::from_millis(1_100));
    c.token().unwrap();
    assert_eq!(org.emulator.login_count(), 2);

    let uncached = client(with(org.builder(), &[("token_cache", "false")]));
    uncached.token().unwrap();
    uncached.token().unwrap();
    assert_eq!(org.emulator.login_count(), 4);
}

#[test]
fn is_current_follows_the_cache_exactly() {
    let org = start(default_org_config());
    let c = client(with(org.builder(), &[("token_ttl_secs", "1")]));
    let other = client(with(org.builder(), &[("token_ttl_secs", "1")]));
    let first = c.token().unwrap();
    let weak = Arc::downgrade(&first);
    assert!(
        c.is_current(&weak) && other.is_current(&weak),
        "one slot per identity"
    );

    other.invalidate();
    assert!(!c.is_current(&weak), "invalidated by another client");
    let second = c.token().unwrap();
    assert!(!Arc::ptr_eq(&first, &second));
    assert!(!c.is_current(&weak) && c.is_current(&Arc::downgrade(&second)));

    let stale = Arc::downgrade(&second);
    drop(second);
    std::thread::sleep(Duration::from_millis(1_100));
    assert!(!c.is_current(&stale), "expired after token_ttl_secs");
    let third = c.token().unwrap();
    assert!(c.is_current(&Arc::downgrade(&third)));
    assert_eq!(org.emulator.login_count(), 3);

    let uncached = client(with(org.builder(), &[("token_cache", "false")]));
    let token = uncached.token().unwrap();
    assert!(
        !uncached.is_current(&Arc::downgrade(&token)),
        "token_cache=false keeps nothing"
    );
}

/// Threads that log in, invalidate and check `is_current` at once never see a token
/// accepted after it was invalidated.
#[test]
fn is_current_never_accepts_an_invalidated_token() {
    let org = start(default_org_config());
    let c = Arc::new(client(org.builder()));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            // 4 × 100 logins stay under the emulator's 3,600 logins per user per hour.
            std::thread::spawn(move || {
                for _ in 0..100 {
                    let token = c.token().unwrap();
                    let weak = Arc::downgrade(&token);
                    c.invalidate();
                    assert!(!c.is_current(&weak), "an invalidated token passed");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn an_invalid_session_logs_in_once_more_and_retries() {
    let org = start(default_org_config());
    let c = client(org.builder());
    let first = c.get_json("/services/oauth2/userinfo").expect("userinfo");
    assert_eq!(first["preferred_username"], USER);
    org.emulator.revoke_tokens();
    let again = c
        .get_json("/services/oauth2/userinfo")
        .expect("re-login and retry");
    assert_eq!(again["preferred_username"], USER);
    assert_eq!(org.emulator.login_count(), 2);
}

/// A path that would take the bearer token to another host is CONFIG, and no request
/// leaves: `@host:port/...` would make the instance URL user information, `.evil...` a
/// longer host name. Another server on loopback stands for the attacker's.
#[test]
fn get_json_sends_the_token_to_the_instance_only() {
    let org = start(default_org_config());
    let other = start(default_org_config());
    let port = other.emulator.port();
    let c = client(org.builder());
    for path in [
        format!("@127.0.0.1:{port}/services/oauth2/userinfo"),
        format!(":{port}/services/oauth2/userinfo"),
        ".evil.example/services/oauth2/userinfo".to_owned(),
        "services/oauth2/userinfo".to_owned(),
        String::new(),
    ] {
        let error = c.get_json(&path).expect_err(&path);
        assert_eq!(error.code(), ErrorCode::Config, "{path:?}: {error}");
        assert_eq!(error.config_key(), Some("path"), "{path:?}");
    }
    assert!(
        other.emulator.log().is_empty(),
        "the other server was sent a request"
    );
    let own = c
        .get_json("/services/oauth2/userinfo?mail=etl@example.com")
        .expect("a path on the instance, an @ in its query too");
    assert_eq!(own["preferred_username"], USER);
}

#[test]
fn mutual_tls_port_needs_the_client_certificate() {
    let org = support::start_with(
        EmulatorConfig {
            mtls_certificates: vec![certificate("jks-same.talend_certificate")],
            ..default_org_config()
        },
        sfjwt_emulator::StartOptions {
            mtls_port: Some(0),
            ..Default::default()
        },
    );
    let mtls_url = org.emulator.mtls_base_url().expect("mTLS port");
    let without = client(with(org.builder(), &[("login_url", &mtls_url)]));
    let err = without.token().unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::Tls | ErrorCode::Network),
        "{err}"
    );

    let with_cert = client(with(
        org.builder(),
        &[("login_url", &mtls_url), ("mutual_tls", "true")],
    ));
    let token = with_cert.token().expect("accepted with the certificate");
    assert_eq!(token.instance_url(), mtls_url);
    let report = with_cert.test_connection();
    assert!(report.ok, "{report}");
}

#[test]
fn an_untrusted_server_is_a_tls_error() {
    let org = start(default_org_config());
    let other = start(default_org_config());
    // Trusting another emulator's CA is like a corporate proxy's CA missing.
    let b = with(
        org.builder(),
        &[("ca_file", &other.ca_file.display().to_string())],
    );
    let err = client(b).token().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Tls, "{err}");
    assert!(err.to_string().contains("ca_file"), "{err}");
}

#[test]
fn nothing_secret_reaches_errors_logs_or_debug() {
    let org = start(default_org_config());
    let c = client(org.builder());
    let token = c.token().unwrap();
    let assertion = c.assertion().unwrap();
    let secrets = [
        token.access_token().to_owned(),
        assertion.as_str().to_owned(),
        STORE_PASSWORD.to_owned(),
    ];

    let refused = client(with(org.builder(), &[("subject", "new@example.com")]))
        .token()
        .unwrap_err();
    let texts = [
        org.log_text(),
        format!("{c:?}"),
        format!("{token:?}"),
        format!("{assertion:?}"),
        format!("{refused} {refused:?}"),
        c.test_connection().to_string(),
        c.test_connection().to_json().to_string(),
    ];
    for text in &texts {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into: {text}"
            );
        }
    }
}

#[test]
fn an_expired_assertion_reports_the_measured_clock_offset() {
    // The server's clock runs 10 minutes ahead: a 180 s assertion is already expired.
    let org = start(EmulatorConfig {
        clock_skew_secs: 600,
        ..default_org_config()
    });
    let err = client(org.builder()).token().unwrap_err();
    let r = err.rejection().expect("AUTH_REJECTED");
    assert_eq!(r.error_description, "expired authorization code");
    // One second of slack for the request crossing a second boundary.
    assert!(
        r.hint.contains("600 s behind")
            || r.hint.contains("599 s behind")
            || r.hint.contains("601 s behind"),
        "{}",
        r.hint
    );

    let behind = start(EmulatorConfig {
        clock_skew_secs: -30,
        ..default_org_config()
    });
    assert!(
        client(behind.builder()).token().is_ok(),
        "a server behind us still accepts"
    );
}
