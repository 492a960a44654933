// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt test-connection`, `token`, `authorize-url` and `emulator` as processes.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

fn sfjwt(org: &Org, args: &[&str]) -> Output {
    sfjwt_at(org, &org.emulator.base_url(), args)
}

fn sfjwt_at(org: &Org, base: &str, args: &[&str]) -> Output {
    let keystore = fixture("jks-same.jks").display().to_string();
    let ca = org.ca_file.display().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sfjwt"));
    command
        .args(args)
        .args([
            "--login-url",
            base,
            "--ca-file",
            &ca,
            "--keystore-path",
            &keystore,
        ])
        .args(["--issuer", ISSUER, "--retries", "0"])
        .env_remove("SFJWT_SUBJECT")
        .env("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)
        .stdin(Stdio::null());
    command.output().expect("sfjwt runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn test_connection_passes_and_exits_zero() {
    let org = start(default_org_config());
    let out = sfjwt(&org, &["test-connection", "--subject", USER]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = text(&out);
    for step in [
        "load key",
        "sign assertion",
        "token request",
        "identity",
        "API versions",
        "PASSED",
    ] {
        assert!(report.contains(step), "{report}");
    }
}

#[test]
fn an_unapproved_user_exits_30_with_salesforces_error_and_the_fix() {
    let org = start(default_org_config());
    let out = sfjwt(&org, &["test-connection", "--subject", "new@example.com"]);
    assert_eq!(out.status.code(), Some(30), "{}", text(&out));
    let report = text(&out);
    assert!(
        report.contains("invalid_grant: user hasn't approved this consumer"),
        "{report}"
    );
    assert!(
        report.contains("How to fix: ") && report.contains("/services/oauth2/authorize?client_id="),
        "{report}"
    );

    let out = sfjwt(
        &org,
        &["test-connection", "--subject", "new@example.com", "--json"],
    );
    assert_eq!(out.status.code(), Some(30));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(json["ok"], false);
    let error = &json["error"];
    assert_eq!(error["code"], "AUTH_REJECTED");
    assert_eq!(error["salesforce_error"], "invalid_grant");
    assert_eq!(
        error["salesforce_error_description"],
        "user hasn't approved this consumer"
    );
    assert_eq!(error["http_status"], 400);
    assert!(error["hint"].as_str().unwrap().contains("approve"));
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps.last().unwrap()["name"], "token request");
    assert_eq!(steps.last().unwrap()["ok"], false);
    for step in steps {
        assert!(step["duration_ms"].is_u64() && step["detail"].is_string());
    }
}

#[test]
fn token_prints_the_token_response_as_json() {
    let org = start(default_org_config());
    let out = sfjwt(&org, &["token", "--subject", USER, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["access_token", "instance_url", "id", "token_type", "scope"] {
        assert!(json[key].is_string(), "{key} in {json}");
    }
    assert_eq!(json["instance_url"], org.emulator.base_url());
}

#[test]
fn network_failures_exit_with_their_codes() {
    let org = start(default_org_config());
    // A port nothing listens on: bind one, then free it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = sfjwt_at(
        &org,
        &format!("https://127.0.0.1:{closed}"),
        &["token", "--subject", USER],
    );
    assert_eq!(out.status.code(), Some(20), "{}", text(&out));
}

#[test]
fn authorize_url_is_the_one_time_approval_url() {
    let out = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args([
            "authorize-url",
            "--issuer",
            "3MVG9abc",
            "--audience",
            "https://test.salesforce.com",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "https://test.salesforce.com/services/oauth2/authorize?client_id=3MVG9abc&redirect_uri=\
         https%3A%2F%2Ftest.salesforce.com%2Fservices%2Foauth2%2Fsuccess&response_type=code"
    );
    // When it is needed at all, on stderr: stdout stays the URL alone.
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(note.contains("needs no approval"), "{note}");
    assert!(
        note.contains("Admin approved users are pre-authorized"),
        "{note}"
    );

    // With a My Domain, the URL is on it: External Client Apps are found only there.
    let out = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args([
            "authorize-url",
            "--issuer",
            "3MVG9abc",
            "--my-domain",
            "acme.my.salesforce.com",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let url = String::from_utf8_lossy(&out.stdout);
    assert!(
        url.starts_with(
            "https://acme.my.salesforce.com/services/oauth2/authorize?client_id=3MVG9abc"
        ),
        "{url}"
    );
}

/// `--my-domain` alone (no `--login-url`, no `--audience`) logs in to the emulator's
/// External Client App; an explicit generic audience exits 30 with the hint naming
/// `my_domain`, after one token request.
#[test]
fn my_domain_logs_in_to_an_external_client_app_and_a_generic_audience_is_explained() {
    let org = start(default_org_config());
    let keystore = fixture("jks-same.jks").display().to_string();
    let ca = org.ca_file.display().to_string();
    let my_domain = org.emulator.my_domain_url();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sfjwt"))
            .args([
                "test-connection",
                "--my-domain",
                &my_domain,
                "--issuer",
                ECA_ISSUER,
            ])
            .args([
                "--subject",
                USER,
                "--ca-file",
                &ca,
                "--keystore-path",
                &keystore,
            ])
            .args(["--retries", "0"])
            .args(extra)
            .env("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)
            .stdin(Stdio::null())
            .output()
            .expect("sfjwt runs")
    };
    let out = run(&[]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(printed.contains("Connection test PASSED"), "{printed}");
    assert!(printed.contains(&format!("aud {my_domain}")), "{printed}");

    let requests = || {
        org.emulator
            .log()
            .iter()
            .filter(|e| e.path == "/services/oauth2/token")
            .count()
    };
    let before = requests();
    let out = run(&["--audience", "https://login.salesforce.com"]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(30), "{printed}");
    assert!(printed.contains("app_not_found"), "{printed}");
    assert!(
        printed.contains("External client app is not installed in this org"),
        "{printed}"
    );
    assert!(printed.contains("remove audience"), "{printed}");
    assert_eq!(requests() - before, 1);
}

/// `sfjwt emulator` as other languages' tests run it: port files (the TLS one written
/// last), the CA file, a request log, a mutual-TLS port, and a clean stop on SIGTERM.
#[test]
fn the_emulator_process_serves_and_stops_cleanly_on_sigterm() {
    let dir = TempDir::new("emulator-cli");
    std::fs::copy(
        fixture("certs/jks-same.talend_certificate.crt"),
        dir.0.join("app.crt"),
    )
    .unwrap();
    std::fs::copy(
        fixture("certs/pem-pkcs8.pem-pkcs8.crt"),
        dir.0.join("client.crt"),
    )
    .unwrap();
    let config = dir.write(
        "org.json",
        format!(
            r#"{{"apps":[{{"consumer_key":"{ISSUER}","certificate_file":"app.crt"}}],"users":[{{"username":"{USER}"}}],"mtls_certificates_files":["client.crt"]}}"#
        ),
    );
    let (port_file, mtls_port_file, ca_file, log_file) = (
        dir.0.join("port"),
        dir.0.join("mtls-port"),
        dir.0.join("ca.pem"),
        dir.0.join("log.jsonl"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .arg("emulator")
        .arg("--config")
        .arg(&config)
        .args(["--port", "0", "--port-file"])
        .arg(&port_file)
        .args(["--mtls-port", "0", "--mtls-port-file"])
        .arg(&mtls_port_file)
        .arg("--ca-out")
        .arg(&ca_file)
        .arg("--log")
        .arg(&log_file)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !port_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the emulator did not write its port file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let port = std::fs::read_to_string(&port_file).unwrap();
    assert_eq!(port, port.trim(), "the port file holds the digits alone");
    let url = format!("https://127.0.0.1:{port}");
    let mtls_port = std::fs::read_to_string(&mtls_port_file).expect("written before the port file");
    assert!(
        mtls_port.parse::<u16>().is_ok() && mtls_port != port,
        "{mtls_port}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .args([
            "test-connection",
            "--login-url",
            &url,
            "--issuer",
            ISSUER,
            "--subject",
            USER,
        ])
        .arg("--ca-file")
        .arg(&ca_file)
        .arg("--keystore-path")
        .arg(fixture("jks-same.jks"))
        .env("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let log = std::fs::read_to_string(&log_file).unwrap();
    assert!(log.lines().count() >= 3, "{log}");
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("JSON lines");
    }

    // SIGTERM, as service managers and test runners stop it.
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the emulator did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(0));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "emulator listening on {url} (mutual TLS on https://127.0.0.1:{mtls_port})"
        )),
        "{stderr}"
    );
    assert!(log.contains("token_issued"), "{log}");
}

/// The connection test warns of a password file that other users can read, and of a
/// keystore they can read; neither warning appears once both are 0600.
#[cfg(unix)]
#[test]
fn test_connection_warns_of_a_password_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let org = start(default_org_config());
    let dir = TempDir::new("cli-modes");
    let keystore = dir.write("job.jks", std::fs::read(fixture("jks-same.jks")).unwrap());
    let password = dir.write("store.pass", format!("{STORE_PASSWORD}\n"));
    let run = |mode: u32| {
        for path in [&keystore, &password] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let output = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
            .args(["test-connection", "--subject", USER, "--issuer", ISSUER])
            .args(["--login-url", &org.emulator.base_url()])
            .args(["--ca-file", &org.ca_file.display().to_string()])
            .args(["--keystore-path", &keystore.display().to_string()])
            .args(["--keystore-password-file", &password.display().to_string()])
            .env_remove("SFJWT_KEYSTORE_PASSWORD")
            .stdin(Stdio::null())
            .output()
            .expect("sfjwt runs");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        text(&output)
    };
    let shared = run(0o644);
    for expected in [
        format!(
            "Warning: keystore {} can be read by every user (mode 644)",
            keystore.display()
        ),
        format!(
            "{} can be read by every user (mode 644): run chmod 600",
            password.display()
        ),
    ] {
        assert!(shared.contains(&expected), "{expected}\nnot in:\n{shared}");
    }
    let private = run(0o600);
    assert!(!private.contains("can be read by"), "{private}");
}

#[test]
fn demo_logs_in_shares_one_login_and_ends_with_a_query() {
    let out = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
        .arg("demo")
        .stdin(Stdio::null())
        .output()
        .expect("sfjwt runs");
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    for part in [
        "PASSED",
        "External Client App",
        "aud https://localhost:",
        "threads asked for a token at once -> 1 login(s)",
        "REST query: SELECT Name, Industry, BillingCity FROM Account ORDER BY Name -> 5 records",
        "Acme Corporation",
        "Stark Industries",
    ] {
        assert!(printed.contains(part), "{part} in {printed}");
    }
}

#[test]
fn verbose_flags_log_the_login_on_stderr_and_never_the_token() {
    let org = start(default_org_config());
    let out = sfjwt(&org, &["token", "--subject", USER, "-v"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let body: serde_json::Value = serde_json::from_str(&stdout).expect("only the JSON on stdout");
    let token = body["access_token"].as_str().expect("a token");
    let login = format!(
        "sfjwt info: logged in to {} as {USER} in ",
        org.emulator.base_url()
    );
    assert!(stderr.contains(&login), "{stderr}");
    assert!(!stderr.contains("sfjwt debug:"), "-v is info: {stderr}");
    assert!(!stderr.contains(token), "the token on stderr");

    let out = sfjwt(&org, &["token", "--subject", USER, "--log-level", "debug"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "sfjwt debug: logging in to {} as {USER}",
            org.emulator.base_url()
        )),
        "{stderr}"
    );

    // By default only warnings: a refused login is one, a successful one is not.
    let out = sfjwt(&org, &["token", "--subject", USER]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let out = sfjwt(&org, &["token", "--subject", "new@example.com"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sfjwt warn: login to ") && stderr.contains("[AUTH_REJECTED]"),
        "{stderr}"
    );
    let out = sfjwt(
        &org,
        &[
            "token",
            "--subject",
            "new@example.com",
            "--log-level",
            "off",
        ],
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("sfjwt warn"),
        "off is off"
    );
}
