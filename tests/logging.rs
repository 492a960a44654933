// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The events sfjwt logs through the `log` facade (what every binding bridges to its
//! language's logging), against the emulator: login start and end, cache hits, retries,
//! the clock-offset and certificate-expiry warnings, and never a secret.

mod support;

use std::sync::{Mutex, Once, OnceLock};
use std::time::Duration;

use log::{Level, Log, Metadata, Record};
use sfjwt::Client;
use sfjwt_emulator::{EmulatorConfig, Fault, FaultAction, User};
use support::*;

/// Every record of the test binary; the tests run in parallel, so each looks only at
/// the records that name its own user.
static RECORDS: Mutex<Vec<(Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        if !sfjwt::is_own_log_record(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        if let Some(client) = REENTRANT.get()
            && message.starts_with("logged in to")
            && message.contains(REENTRANT_USER)
        {
            // What a handler that ships warnings with the job's own client does.
            let nested = client.token().map(|t| t.access_token().to_owned());
            NESTED.lock().unwrap().push(nested);
        }
        RECORDS.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }

    fn flush(&self) {}
}

/// The client a handler calls `token()` on, from inside the login's own record.
static REENTRANT: OnceLock<Client> = OnceLock::new();
const REENTRANT_USER: &str = "reentrant@example.com";
static NESTED: Mutex<Vec<sfjwt::Result<String>>> = Mutex::new(Vec::new());

fn capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&Capture).expect("the only logger of this binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The records that mention `needle`, as (level, message).
fn records_with(needle: &str) -> Vec<(Level, String)> {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, _, message)| message.contains(needle))
        .map(|(level, _, message)| (*level, message.clone()))
        .collect()
}

fn all_messages() -> String {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, message)| message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn org_with_users(users: &[&str], edit: impl FnOnce(&mut EmulatorConfig)) -> Org {
    let mut config = default_org_config();
    config.users.extend(users.iter().map(|u| User::new(*u)));
    edit(&mut config);
    start(config)
}

#[test]
fn a_login_logs_its_start_and_end_and_a_cache_hit_and_no_secret() {
    capture();
    let user = "logged@example.com";
    let org = org_with_users(&[user], |_| {});
    let client = Client::new(with(org.builder(), &[("subject", user)]).build().unwrap()).unwrap();
    let token = client.token().unwrap();
    client.token().unwrap();
    let assertion = client.assertion().unwrap();

    let login_url = org.emulator.base_url();
    let records = records_with(user);
    assert!(
        records.iter().any(|(level, message)| *level == Level::Debug
            && message == &format!("logging in to {login_url} as {user}")),
        "{records:?}"
    );
    let end = records
        .iter()
        .find(|(level, message)| *level == Level::Info && message.starts_with("logged in to"))
        .unwrap_or_else(|| panic!("no login record: {records:?}"));
    assert!(
        end.1.contains(&login_url) && end.1.contains(" ms"),
        "{end:?}"
    );
    for event in ["token cache miss", "token cache hit"] {
        assert!(
            records
                .iter()
                .any(|(level, message)| *level == Level::Trace && message.starts_with(event)),
            "{event}: {records:?}"
        );
    }
    assert!(
        RECORDS
            .lock()
            .unwrap()
            .iter()
            .all(|(_, target, _)| target.starts_with("sfjwt::")),
        "every record's target is a module of sfjwt"
    );

    let all = all_messages();
    for secret in [token.access_token(), assertion.as_str(), STORE_PASSWORD] {
        assert!(!all.contains(secret), "a secret in the log");
    }
}

#[test]
fn a_handler_that_calls_token_during_the_login_gets_the_token_of_that_login() {
    capture();
    let org = org_with_users(&[REENTRANT_USER], |_| {});
    let config = with(org.builder(), &[("subject", REENTRANT_USER)])
        .build()
        .unwrap();
    let client = REENTRANT.get_or_init(|| Client::new(config).unwrap());
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(client.token().map(|t| t.access_token().to_owned()));
    });
    // A guard against a hang only: the login takes milliseconds.
    let outer = outcome
        .recv_timeout(Duration::from_secs(60))
        .expect("token() returned (a handler calling token() must not hang it)")
        .unwrap();
    let nested = std::mem::take(&mut *NESTED.lock().unwrap());
    assert_eq!(nested.len(), 1, "the handler ran once");
    assert_eq!(
        nested[0].as_ref().unwrap(),
        &outer,
        "the same token, no second login"
    );
    assert_eq!(org.emulator.login_count(), 1);
}

#[test]
fn retries_and_failed_logins_are_warnings_with_their_reason() {
    capture();
    let user = "retried@example.com";
    let org = org_with_users(&[user], |_| {});
    org.emulator.set_faults(vec![Fault::token(
        1,
        FaultAction::Status {
            status: 503,
            retry_after_secs: None,
            body: None,
        },
    )]);
    let client = Client::new(
        with(org.builder(), &[("subject", user), ("retries", "1")])
            .build()
            .unwrap(),
    )
    .unwrap();
    client.token().expect("the retry gets the token");
    let url = format!("{}/services/oauth2/token", org.emulator.base_url());
    let retries: Vec<_> = RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, _, message)| {
            message.starts_with(&format!("{url}: HTTP 503; retry 1 of 1 in "))
        })
        .map(|(level, _, _)| *level)
        .collect();
    assert_eq!(retries, vec![Level::Warn]);

    let refused = "not-a-user@example.com";
    let client = Client::new(
        with(org.builder(), &[("subject", refused)])
            .build()
            .unwrap(),
    )
    .unwrap();
    client.token().unwrap_err();
    let failed = records_with(refused);
    assert!(
        failed.iter().any(|(level, message)| *level == Level::Warn
            && message.contains("failed after")
            && message.contains("[AUTH_REJECTED]")),
        "{failed:?}"
    );
}

#[test]
fn a_server_clock_far_ahead_and_an_expiring_certificate_are_warnings() {
    capture();
    let user = "skewed@example.com";
    let org = org_with_users(&[user], |config| config.clock_skew_secs = 150);
    let client = Client::new(with(org.builder(), &[("subject", user)]).build().unwrap()).unwrap();
    client
        .token()
        .expect("150 s is within the assertion's 180 s");
    let login_url = org.emulator.base_url();
    let clock: Vec<_> = records_with(&format!("s behind {login_url}'s"))
        .into_iter()
        .map(|(level, message)| (level, message.split(" s behind").next().unwrap().to_owned()))
        .collect();
    assert!(
        clock.iter().any(|(level, message)| *level == Level::Warn
            && message
                .trim_start_matches("this machine's clock is ")
                .parse::<i64>()
                .is_ok_and(|s| (149..=151).contains(&s))),
        "{clock:?}"
    );

    // Loading a key whose certificate expires within 30 days (or has) warns once per client.
    Client::new(
        with(org.builder(), &[("subject", user)])
            .with(
                "keystore_path",
                &fixture("jks-expiring.jks").display().to_string(),
            )
            .unwrap()
            .build()
            .unwrap(),
    )
    .unwrap();
    let expiring = records_with("the signing certificate");
    assert!(
        expiring
            .iter()
            .any(|(level, message)| *level == Level::Warn && message.contains("expire")),
        "{expiring:?}"
    );
}
