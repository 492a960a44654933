// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Fault tolerance: the client against every fault plan of the emulator. Each fault
//! ends in a bounded retry and success, or in the documented error code, within the
//! time the configuration allows, and leaves no thread behind:
//!
//! | fault | retries | outcome |
//! |---|---|---|
//! | N×503, then the endpoint | N | success after N retries |
//! | N×503 | N-1 | HTTP (31), status 503 |
//! | 429 with `Retry-After: 1` | 1 | success, after waiting ≥ 1 s |
//! | connection dropped mid-response (`cut`) | 1 | success; twice: NETWORK (20) |
//! | connection dropped before any response (`drop`) | 1 | success; twice: NETWORK (20) |
//! | stall beyond `timeout_secs` (`delay`) | 1 | success; twice: TIMEOUT (21) |
//! | oversized 200 body (`oversized`) | 2 | HTTP (31) at once, not retried |
//! | HTML maintenance page (`html`, 503) | 1 | success; 3 times with 2 retries: HTTP (31) |
//! | 200 with truncated JSON (`malformed`) | 2 | PROTOCOL (32) at once, not retried |
//!
//! Elapsed time is bounded by `(retries + 1) × timeout_secs + backoff + Retry-After +
//! slack`: a bound, not a speed target. Threads are counted from `/proc/self/status`
//! before and after each call, and every call runs on a thread of its own that must
//! return within the bound. The scenarios run one after the other from a single test,
//! [`fault_plans`], so that no other test's threads are counted.

mod support;

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sfjwt::{Client, Error, ErrorCode};
use sfjwt_emulator::{ADMIN_HEADER, Fault, FaultAction};
use support::*;

/// Slack on top of the configured time, for a loaded machine.
const SLACK: Duration = Duration::from_secs(3);
/// The client's first backoff; it doubles per retry, jittered below the full value.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(8);
/// How long idle worker threads get to end after a call.
const THREADS_SETTLE: Duration = Duration::from_secs(15);

/// The process's thread count, from `/proc/self/status`; `None` off Linux.
fn threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Waits for the thread count to come back to `baseline` (worker pools idle out).
fn assert_no_thread_left(baseline: Option<usize>, what: &str) {
    let Some(baseline) = baseline else { return };
    let deadline = Instant::now() + THREADS_SETTLE;
    loop {
        let now = threads().expect("thread count");
        if now <= baseline {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {now} threads {} s after the call, {baseline} before",
            THREADS_SETTLE.as_secs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The longest the client may take: every attempt timing out, every backoff at its
/// full value, every `Retry-After` waited for, plus slack.
fn bound(retries: u32, timeout_secs: u64, retry_after: Duration) -> Duration {
    let backoff: Duration = (0..retries)
        .map(|attempt| (BACKOFF_BASE * 2u32.pow(attempt)).min(BACKOFF_MAX))
        .sum();
    Duration::from_secs(timeout_secs) * (retries + 1) + backoff + retry_after + SLACK
}

/// What one call under faults gave.
struct Outcome<T> {
    result: Result<T, Error>,
    elapsed: Duration,
}

/// Runs `call` with a client for `retries` and `timeout_secs` under `faults`, on a
/// thread of its own that must return within [`bound`]; then checks the elapsed time
/// and that no thread is left.
fn under_faults<T: Send + 'static>(
    org: &Org,
    faults: Vec<Fault>,
    retries: u32,
    timeout_secs: u64,
    retry_after: Duration,
    call: impl FnOnce(&Client) -> Result<T, Error> + Send + 'static,
) -> Outcome<T> {
    let limit = bound(retries, timeout_secs, retry_after);
    let config = with(
        org.builder(),
        &[
            ("retries", &retries.to_string()),
            ("timeout_secs", &timeout_secs.to_string()),
            ("connect_timeout_secs", "2"),
            ("token_cache", "false"),
        ],
    )
    .build()
    .expect("valid configuration");
    org.emulator.set_faults(faults.clone());
    let baseline = threads();
    let (sender, receiver) = mpsc::channel();
    let start = Instant::now();
    let worker = std::thread::spawn(move || {
        let client = Client::new(config).expect("client");
        let result = call(&client);
        drop(client);
        let _ = sender.send(result);
    });
    let result = receiver
        .recv_timeout(limit + Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("the call under {faults:?} did not return within {limit:?}"));
    let elapsed = start.elapsed();
    worker.join().expect("the calling thread ends");
    assert!(
        elapsed <= limit,
        "under {faults:?}: {elapsed:?}, more than the bound {limit:?}"
    );
    assert_no_thread_left(baseline, &format!("{faults:?}"));
    Outcome { result, elapsed }
}

/// A login under `faults`.
fn login(
    org: &Org,
    faults: Vec<Fault>,
    retries: u32,
    timeout_secs: u64,
    retry_after: Duration,
) -> Outcome<()> {
    under_faults(org, faults, retries, timeout_secs, retry_after, |client| {
        client.token().map(|token| {
            assert!(token.access_token().starts_with("00D"));
        })
    })
}

fn expect_error(outcome: &Outcome<()>, code: ErrorCode, what: &str) -> String {
    match &outcome.result {
        Ok(()) => panic!("{what}: logged in, expected {code}"),
        Err(e) => {
            assert_eq!(e.code(), code, "{what}: {e}");
            e.to_string()
        }
    }
}

fn expect_success(outcome: &Outcome<()>, what: &str) {
    if let Err(e) = &outcome.result {
        panic!("{what}: {e} [{}]", e.code());
    }
}

/// The outcomes the emulator logged for the token endpoint, oldest first.
fn token_outcomes(org: &Org) -> Vec<String> {
    org.emulator
        .log()
        .iter()
        .filter(|e| e.path == "/services/oauth2/token")
        .map(|e| e.outcome.clone())
        .collect()
}

/// Every scenario, in order, each with an emulator of its own.
#[test]
fn fault_plans() {
    let scenarios: [(&str, fn()); 11] = [
        (
            "n_503_then_success_and_one_503_too_many",
            n_503_then_success_and_one_503_too_many,
        ),
        (
            "retry_after_on_429_is_waited_for",
            retry_after_on_429_is_waited_for,
        ),
        (
            "a_connection_cut_mid_response_is_retried",
            a_connection_cut_mid_response_is_retried,
        ),
        (
            "a_connection_dropped_before_the_response_is_retried",
            a_connection_dropped_before_the_response_is_retried,
        ),
        (
            "a_stall_beyond_timeout_secs_times_out_and_is_retried",
            a_stall_beyond_timeout_secs_times_out_and_is_retried,
        ),
        (
            "an_oversized_body_is_refused_without_retry",
            an_oversized_body_is_refused_without_retry,
        ),
        (
            "an_html_maintenance_page_is_retried_then_reported",
            an_html_maintenance_page_is_retried_then_reported,
        ),
        (
            "truncated_json_is_a_protocol_error_without_retry",
            truncated_json_is_a_protocol_error_without_retry,
        ),
        (
            "the_connection_test_survives_faults_after_login",
            the_connection_test_survives_faults_after_login,
        ),
        (
            "cut_sends_headers_and_part_of_the_body_then_closes",
            cut_sends_headers_and_part_of_the_body_then_closes,
        ),
        (
            "oversized_sends_a_200_bigger_than_the_client_cap",
            oversized_sends_a_200_bigger_than_the_client_cap,
        ),
    ];
    for (name, scenario) in scenarios {
        let start = Instant::now();
        scenario();
        println!(
            "fault plan {name}: ok ({:.1} s)",
            start.elapsed().as_secs_f64()
        );
    }
}

fn status(status: u16, retry_after_secs: Option<u64>) -> FaultAction {
    FaultAction::Status {
        status,
        retry_after_secs,
        body: None,
    }
}

fn n_503_then_success_and_one_503_too_many() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(3, status(503, None))],
        3,
        5,
        Duration::ZERO,
    );
    expect_success(&outcome, "3×503, 3 retries");
    assert_eq!(
        token_outcomes(&org),
        ["fault: 503", "fault: 503", "fault: 503", "token_issued"]
    );
    // Three backoffs of at least half their full value: 125 + 250 + 500 ms.
    assert!(
        outcome.elapsed >= Duration::from_millis(875),
        "{outcome_elapsed:?}",
        outcome_elapsed = outcome.elapsed
    );

    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(3, status(503, None))],
        2,
        5,
        Duration::ZERO,
    );
    let message = expect_error(&outcome, ErrorCode::Http, "3×503, 2 retries");
    assert!(message.contains("503"), "{message}");
    assert_eq!(token_outcomes(&org), ["fault: 503"; 3]);
    assert_eq!(org.emulator.login_count(), 0);
}

fn retry_after_on_429_is_waited_for() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(1, status(429, Some(1)))],
        1,
        5,
        Duration::from_secs(1),
    );
    expect_success(&outcome, "429 Retry-After: 1");
    assert!(
        outcome.elapsed >= Duration::from_secs(1),
        "Retry-After: 1 not waited for: {:?}",
        outcome.elapsed
    );
    assert_eq!(token_outcomes(&org), ["fault: 429", "token_issued"]);

    // Retries used up: the 429 itself is the answer (HTTP).
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(2, status(429, Some(1)))],
        1,
        5,
        Duration::from_secs(1),
    );
    let message = expect_error(&outcome, ErrorCode::Http, "2×429, 1 retry");
    assert!(message.contains("429"), "{message}");
}

fn a_connection_cut_mid_response_is_retried() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(1, FaultAction::Cut)],
        1,
        5,
        Duration::ZERO,
    );
    expect_success(&outcome, "cut once, 1 retry");
    assert_eq!(token_outcomes(&org), ["fault: cut", "token_issued"]);

    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(2, FaultAction::Cut)],
        1,
        5,
        Duration::ZERO,
    );
    let message = expect_error(&outcome, ErrorCode::Network, "cut twice, 1 retry");
    assert!(message.contains(&org.emulator.base_url()), "{message}");
    assert_eq!(token_outcomes(&org), ["fault: cut", "fault: cut"]);
}

fn a_connection_dropped_before_the_response_is_retried() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(1, FaultAction::Drop)],
        1,
        5,
        Duration::ZERO,
    );
    expect_success(&outcome, "drop once, 1 retry");

    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(2, FaultAction::Drop)],
        1,
        5,
        Duration::ZERO,
    );
    expect_error(&outcome, ErrorCode::Network, "drop twice, 1 retry");
    assert_eq!(org.emulator.login_count(), 0);
}

fn a_stall_beyond_timeout_secs_times_out_and_is_retried() {
    let stall = FaultAction::Delay { ms: 4_000 };
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(1, stall.clone())],
        1,
        1,
        Duration::ZERO,
    );
    expect_success(&outcome, "one stall, 1 retry");
    assert!(
        outcome.elapsed >= Duration::from_secs(1),
        "{:?}",
        outcome.elapsed
    );

    let org = start(default_org_config());
    let outcome = login(&org, vec![Fault::token(2, stall)], 1, 1, Duration::ZERO);
    let message = expect_error(&outcome, ErrorCode::Timeout, "two stalls, 1 retry");
    assert!(message.contains(&org.emulator.base_url()), "{message}");
    // Two attempts of a 1 s timeout each.
    assert!(
        outcome.elapsed >= Duration::from_secs(2),
        "{:?}",
        outcome.elapsed
    );
}

fn an_oversized_body_is_refused_without_retry() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(3, FaultAction::Oversized { bytes: None })],
        2,
        10,
        Duration::ZERO,
    );
    let message = expect_error(&outcome, ErrorCode::Http, "oversized body");
    assert!(message.contains("1024 KiB"), "{message}");
    assert_eq!(
        token_outcomes(&org).len(),
        1,
        "an oversized answer is final"
    );

    // Just over the cap.
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(
            1,
            FaultAction::Oversized {
                bytes: Some(1024 * 1024 + 1),
            },
        )],
        0,
        10,
        Duration::ZERO,
    );
    expect_error(&outcome, ErrorCode::Http, "1 MiB + 1 byte");
}

fn an_html_maintenance_page_is_retried_then_reported() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(1, FaultAction::Html)],
        1,
        5,
        Duration::ZERO,
    );
    expect_success(&outcome, "maintenance once, 1 retry");
    assert_eq!(token_outcomes(&org), ["fault: html", "token_issued"]);

    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(3, FaultAction::Html)],
        2,
        5,
        Duration::ZERO,
    );
    let message = expect_error(&outcome, ErrorCode::Http, "maintenance 3 times, 2 retries");
    assert!(
        message.contains("503") && message.contains("Maintenance"),
        "{message}"
    );
}

fn truncated_json_is_a_protocol_error_without_retry() {
    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(3, FaultAction::Malformed)],
        2,
        5,
        Duration::ZERO,
    );
    expect_error(&outcome, ErrorCode::Protocol, "truncated JSON");
    assert_eq!(token_outcomes(&org), ["fault: malformed"]);

    let org = start(default_org_config());
    let outcome = login(
        &org,
        vec![Fault::token(1, FaultAction::Empty)],
        2,
        5,
        Duration::ZERO,
    );
    expect_error(&outcome, ErrorCode::Protocol, "empty body");
}

fn the_connection_test_survives_faults_after_login() {
    let org = start(default_org_config());
    let faults = vec![
        Fault {
            path_prefix: "/services/oauth2/userinfo".to_owned(),
            times: 1,
            action: FaultAction::Cut,
        },
        Fault {
            path_prefix: "/services/data".to_owned(),
            times: 1,
            action: status(503, None),
        },
    ];
    let outcome = under_faults(&org, faults, 1, 5, Duration::ZERO, |client| {
        Ok(client.test_connection())
    });
    let report = outcome.result.expect("the connection test runs");
    assert!(report.error.is_none(), "{report}");

    // Faults that outlast the retries: the step that met them fails with their code.
    let org = start(default_org_config());
    let faults = vec![Fault {
        path_prefix: "/services/data".to_owned(),
        times: 2,
        action: FaultAction::Oversized { bytes: None },
    }];
    let outcome = under_faults(&org, faults, 1, 5, Duration::ZERO, |client| {
        Ok(client.test_connection())
    });
    let report = outcome.result.expect("the connection test runs");
    let error = report.error.as_ref().expect("the versions step fails");
    assert_eq!(error.code(), ErrorCode::Http, "{report}");
}

// --- The new fault kinds, seen by a plain HTTP client ----------------------------

fn raw_client(org: &Org) -> reqwest::blocking::Client {
    let ca = reqwest::Certificate::from_pem(org.emulator.ca_pem().as_bytes()).expect("CA");
    reqwest::blocking::Client::builder()
        .tls_certs_only([ca])
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

fn post_faults(client: &reqwest::blocking::Client, org: &Org, faults: &Value) -> (u16, Value) {
    let response = client
        .post(format!("{}/__emulator/faults", org.emulator.base_url()))
        .header(ADMIN_HEADER, org.emulator.admin_secret())
        .header("content-type", "application/json")
        .body(faults.to_string())
        .send()
        .expect("admin endpoint answers");
    let status = response.status().as_u16();
    let body = response.bytes().expect("body");
    (status, serde_json::from_slice(&body).expect("JSON"))
}

fn cut_sends_headers_and_part_of_the_body_then_closes() {
    let org = start(default_org_config());
    let client = raw_client(&org);
    let (code, body) = post_faults(&client, &org, &json!([{"action": {"kind": "cut"}}]));
    assert_eq!((code, body), (200, json!({"faults": 1})));

    let mut response = client
        .post(format!("{}/services/oauth2/token", org.emulator.base_url()))
        .form(&[("grant_type", "x")])
        .send()
        .expect("headers arrive");
    assert_eq!(response.status().as_u16(), 200);
    let promised: usize = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Content-Length");
    let mut received = Vec::new();
    let mut chunk = [0u8; 64];
    let error = loop {
        match response.read(&mut chunk) {
            Ok(0) => panic!("the body ended cleanly after {} bytes", received.len()),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) => break e,
        }
    };
    assert!(
        !received.is_empty() && received.len() < promised,
        "{} of {promised} bytes, then {error}",
        received.len()
    );
    assert!(received.starts_with(b"{\"access_token\":"));
    let log = org.emulator.log();
    assert_eq!(log.last().map(|e| e.outcome.as_str()), Some("fault: cut"));
    assert_eq!(log.last().map(|e| e.status), Some(200));
}

fn oversized_sends_a_200_bigger_than_the_client_cap() {
    let org = start(default_org_config());
    let client = raw_client(&org);
    let (code, body) = post_faults(
        &client,
        &org,
        &json!([
            {"action": {"kind": "oversized"}},
            {"path_prefix": "/services/data", "action": {"kind": "oversized", "bytes": 1_048_577}}
        ]),
    );
    assert_eq!((code, body), (200, json!({"faults": 2})));

    let response = client
        .post(format!("{}/services/oauth2/token", org.emulator.base_url()))
        .form(&[("grant_type", "x")])
        .send()
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.bytes().expect("whole body");
    assert_eq!(body.len(), 2 * 1024 * 1024);
    let value: Value = serde_json::from_slice(&body).expect("still JSON");
    assert!(value["access_token"].is_string());

    let response = client
        .get(format!("{}/services/data/", org.emulator.base_url()))
        .send()
        .expect("answered");
    assert_eq!(response.bytes().expect("whole body").len(), 1_048_577);

    // Bigger than the emulator will send: refused when the plan is set.
    let (code, body) = post_faults(
        &client,
        &org,
        &json!([{"action": {"kind": "oversized", "bytes": 1u64 << 40}}]),
    );
    assert_eq!(code, 400, "{body}");
}
