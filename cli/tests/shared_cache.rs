// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `token_cache_dir` across processes: `sfjwt token` processes sharing one directory
//! share one login; a killed lock holder blocks nobody; a waiter gives up at its own
//! deadline; damaged entries are replaced; unsafe directories are refused.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sfjwt_emulator::{Fault, FaultAction};
use support::*;

/// `sfjwt token --json` for USER against `org`, sharing `dir`.
fn token_command(org: &Org, dir: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sfjwt"));
    command
        .args(["token", "--json", "--subject", USER, "--issuer", ISSUER])
        .args(["--login-url", &org.emulator.base_url()])
        .arg("--ca-file")
        .arg(&org.ca_file)
        .arg("--keystore-path")
        .arg(fixture("jks-same.jks"))
        .arg("--token-cache-dir")
        .arg(dir)
        .args(["--retries", "0"])
        .args(extra)
        .env_remove("SFJWT_TOKEN_CACHE_DIR")
        .env("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn token(org: &Org, dir: &Path) -> Output {
    token_command(org, dir, &[]).output().expect("sfjwt runs")
}

fn access_token(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["access_token"].as_str().expect("a token").to_owned()
}

fn entries(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    listing
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect()
}

fn is_locked(lock: &Path) -> bool {
    let file = std::fs::OpenOptions::new().write(true).open(lock).unwrap();
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// What a run printed: with `--json`, errors go to stdout.
fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn the_entry(dir: &Path, extension: &str) -> PathBuf {
    let found = entries(dir, extension);
    assert_eq!(found.len(), 1, "one .{extension} file in {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn sixteen_processes_started_together_log_in_once() {
    let org = start(default_org_config());
    // The login takes a second, so that every process asks while it runs.
    org.emulator
        .set_faults(vec![Fault::token(1, FaultAction::Delay { ms: 1000 })]);
    let cache = TempDir::new("shared-16");
    let dir = cache.0.join("tokens");
    let children: Vec<Child> = (0..16)
        .map(|_| token_command(&org, &dir, &[]).spawn().expect("spawn sfjwt"))
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|child| access_token(&child.wait_with_output().expect("sfjwt ends")))
        .collect();
    assert_eq!(org.emulator.login_count(), 1, "one login for 16 processes");
    assert!(tokens.iter().all(|t| t == &tokens[0]), "one token for all");

    // The entry is encrypted: the token is nowhere in the directory.
    let entry = std::fs::read(the_entry(&dir, "token")).unwrap();
    assert!(
        !entry
            .windows(tokens[0].len())
            .any(|w| w == tokens[0].as_bytes())
    );

    assert_eq!(access_token(&token(&org, &dir)), tokens[0]);
    assert_eq!(
        org.emulator.login_count(),
        1,
        "a later process reads it too"
    );
}

#[test]
fn a_damaged_or_foreign_entry_is_replaced_by_a_new_login() {
    let org = start(default_org_config());
    let cache = TempDir::new("shared-damaged");
    let dir = cache.0.join("tokens");
    access_token(&token(&org, &dir));
    let entry = the_entry(&dir, "token");
    let good = std::fs::read(&entry).unwrap();

    let mut tampered = good.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let mut old_format = good.clone();
    old_format[..8].copy_from_slice(b"SFJWTTC0");
    let mut foreign = good[..20].to_vec();
    foreign.extend(std::iter::repeat_n(0x5a, good.len() - 20));
    let damaged: [(&str, Vec<u8>); 5] = [
        ("tampered", tampered),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("foreign", foreign),
        ("old format", old_format),
        ("empty", Vec::new()),
    ];
    for (number, (what, bytes)) in damaged.into_iter().enumerate() {
        std::fs::write(&entry, bytes).unwrap();
        access_token(&token(&org, &dir));
        assert_eq!(
            org.emulator.login_count(),
            number + 2,
            "a {what} entry is not trusted"
        );
        access_token(&token(&org, &dir));
        assert_eq!(
            org.emulator.login_count(),
            number + 2,
            "the {what} entry was replaced by a good one"
        );
    }
}

#[test]
fn a_lock_holder_killed_mid_login_blocks_nobody() {
    let org = start(default_org_config());
    // The first login hangs for a minute: its process is killed meanwhile.
    org.emulator
        .set_faults(vec![Fault::token(1, FaultAction::Delay { ms: 60_000 })]);
    let cache = TempDir::new("shared-killed");
    let dir = cache.0.join("tokens");
    let mut holder = token_command(&org, &dir, &["--timeout-secs", "120"])
        .spawn()
        .expect("spawn sfjwt");
    // The holder holds the lock while its login hangs: its token request has reached
    // the emulator (and used up the delay, so that the next login is not delayed too).
    let asked = Instant::now();
    while org.emulator.faults_pending() > 0
        || !entries(&dir, "lock")
            .first()
            .is_some_and(|lock| is_locked(lock))
    {
        assert!(
            asked.elapsed() < Duration::from_secs(30),
            "no login under the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.kill().expect("kill the lock holder");
    holder.wait().expect("reap it");

    let started = Instant::now();
    access_token(&token(&org, &dir));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the next process did not wait for the dead one: {:?}",
        started.elapsed()
    );
    assert_eq!(org.emulator.login_count(), 1);
}

#[test]
fn a_waiter_gives_up_at_its_own_deadline_with_timeout() {
    let org = start(default_org_config());
    let cache = TempDir::new("shared-deadline");
    let dir = cache.0.join("tokens");
    access_token(&token(&org, &dir));
    std::fs::remove_file(the_entry(&dir, "token")).unwrap();

    // Another process holds the lock and never finishes its login.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(the_entry(&dir, "lock"))
        .unwrap();
    lock.lock().unwrap();
    let started = Instant::now();
    let waiter = token_command(&org, &dir, &["--timeout-secs", "2"])
        .output()
        .expect("sfjwt runs");
    let waited = started.elapsed();
    let printed = printed(&waiter);
    assert_eq!(waiter.status.code(), Some(21), "TIMEOUT: {printed}");
    assert!(printed.contains("another process's login"), "{printed}");
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    assert_eq!(org.emulator.login_count(), 1, "the waiter never logged in");

    drop(lock);
    access_token(&token(&org, &dir));
    assert_eq!(org.emulator.login_count(), 2, "the lock is free again");
}

#[cfg(unix)]
#[test]
fn a_directory_others_can_change_or_that_is_not_a_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let org = start(default_org_config());
    let cache = TempDir::new("shared-unsafe");
    let refused = |dir: &Path, why: &str| {
        let out = token(&org, dir);
        let printed = printed(&out);
        assert_eq!(out.status.code(), Some(1), "CONFIG: {printed}");
        assert!(
            printed.contains("token_cache_dir") && printed.contains(why),
            "{printed}"
        );
    };

    let open = cache.0.join("open");
    std::fs::create_dir(&open).unwrap();
    for (mode, who) in [(0o777, "every user"), (0o770, "its group")] {
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(mode)).unwrap();
        refused(&open, who);
    }
    refused(&cache.write("a-file", "x"), "not a directory");

    // A directory of another user, where this user can create it (as root).
    let foreign = cache.0.join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o700)).unwrap();
    if std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).is_ok() {
        refused(&foreign, "belongs to user id 65534");
    }
    assert_eq!(org.emulator.login_count(), 0);
}
