// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The `sfjwt` binary: `keystore inspect` and `assertion` on every fixture, passwords
//! from the environment, a password file or a `.properties` file, the documented
//! exit codes, no prompt without a terminal, and no password ever printed.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::Value;

/// The result of one CLI run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for "never printed" checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `sfjwt args...` with stdin from /dev/null, no inherited `SFJWT_*` variable, the
/// given variables set, and a 60 s deadline (a prompt would hang: that fails the test).
pub fn run_cli<S: AsRef<std::ffi::OsStr>>(args: &[S], env: &[(&str, &str)]) -> Run {
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfjwt"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SFJWT_") {
            cmd.env_remove(&name);
        }
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    let child = cmd.spawn().expect("spawn sfjwt");
    let output = wait_with_deadline(child, Duration::from_secs(60), &shown);
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn wait_with_deadline(mut child: std::process::Child, limit: Duration, args: &[String]) -> Output {
    use std::io::Read;
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait sfjwt") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sfjwt {args:?} did not finish within {limit:?} (waiting for a prompt?)");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    }
}

const ISS: &str = "3MVG9_cli_consumer_key";
const SUB: &str = "cli.user@example.com";

const ENTRY_KEYS: [&str; 10] = [
    "alias",
    "kind",
    "key_algorithm",
    "key_bits",
    "subject",
    "issuer",
    "not_before",
    "not_after",
    "sha1",
    "sha256",
];

fn path_str(path: &Path) -> String {
    path.display().to_string()
}

/// The password variables for a fixture (none when the password is empty).
fn password_env(f: &Fixture) -> Vec<(&'static str, &'static str)> {
    let mut env = Vec::new();
    if !f.store_password.is_empty() {
        env.push(("SFJWT_KEYSTORE_PASSWORD", f.store_password));
    }
    if f.key_password != f.store_password && !f.key_password.is_empty() {
        env.push(("SFJWT_KEY_PASSWORD", f.key_password));
    }
    env
}

#[track_caller]
fn assert_no_password(run: &Run) {
    let all = run.all_output();
    for secret in [STORE_PASSWORD, KEY_PASSWORD, WRONG_PASSWORD] {
        assert!(!all.contains(secret), "password {secret} printed: {all}");
    }
}

#[track_caller]
fn assert_success(run: &Run, what: &str) {
    assert_eq!(run.code, Some(0), "{what}: {run:?}");
    assert_no_password(run);
}

fn kind_name(kind: sfjwt::EntryKind) -> &'static str {
    kind.name()
}

// ---------------------------------------------------------------------------------
// keystore inspect

#[test]
fn inspect_json_on_every_fixture() {
    for f in FIXTURES {
        let path = path_str(&f.path());
        let run = run_cli(
            &["keystore", "inspect", "--json", "--keystore-path", &path],
            &password_env(&f),
        );
        assert_success(&run, f.file);
        assert!(run.stderr.is_empty(), "{}: stderr {}", f.file, run.stderr);
        let body: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", f.file, run.stdout));
        assert_eq!(body["format"], f.format.name(), "{}", f.file);
        let entries = body["entries"].as_array().expect("entries array");
        assert!(!entries.is_empty(), "{}", f.file);
        for entry in entries {
            let object = entry.as_object().expect("entry object");
            for key in ENTRY_KEYS {
                assert!(
                    object.contains_key(key),
                    "{}: entry lacks {key}: {entry}",
                    f.file
                );
            }
        }
        let references = references_for(f.file);
        if f.file == "pem-nocert.pem" {
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0]["alias"], "pem-nocert");
            assert_eq!(entries[0]["key_algorithm"], "RSA");
            assert_eq!(entries[0]["key_bits"], 2048);
            assert!(entries[0]["sha1"].is_null());
            continue;
        }
        assert_eq!(
            entries.len(),
            references.len(),
            "{}: {}",
            f.file,
            run.stdout
        );
        for r in references {
            let e = entries
                .iter()
                .find(|e| e["alias"] == r.alias.as_str())
                .unwrap_or_else(|| panic!("{}: no entry {}", f.file, r.alias));
            assert_eq!(e["kind"], kind_name(r.kind), "{} {}", f.file, r.alias);
            assert_eq!(e["sha1"], r.sha1.as_str(), "{} {}", f.file, r.alias);
            assert_eq!(e["sha256"], r.sha256.as_str(), "{} {}", f.file, r.alias);
            assert_eq!(e["subject"], r.subject.as_str(), "{} {}", f.file, r.alias);
            assert_eq!(e["issuer"], r.subject.as_str(), "{} {}", f.file, r.alias);
            let from = parse_rfc3339_utc(e["not_before"].as_str().expect("not_before"));
            let to = parse_rfc3339_utc(e["not_after"].as_str().expect("not_after"));
            assert!(from < to);
            assert!(e["key_algorithm"].is_string());
        }
    }
}

#[test]
fn inspect_human_output_lists_aliases_and_fingerprints() {
    for f in FIXTURES {
        let path = path_str(&f.path());
        let run = run_cli(
            &["keystore", "inspect", "--keystore-path", &path],
            &password_env(&f),
        );
        assert_success(&run, f.file);
        assert!(
            run.stdout.contains(f.format.name()),
            "{}: format: {}",
            f.file,
            run.stdout
        );
        assert!(
            run.stdout.contains(f.file),
            "{}: path: {}",
            f.file,
            run.stdout
        );
        let references = references_for(f.file);
        if f.file == "pem-nocert.pem" {
            assert!(run.stdout.contains("pem-nocert"), "{}", run.stdout);
            continue;
        }
        for r in references {
            for needle in [&r.alias, &r.sha1, &r.sha256, &r.subject] {
                assert!(
                    run.stdout.contains(needle.as_str()),
                    "{}: {needle} missing: {}",
                    f.file,
                    run.stdout
                );
            }
        }
    }
    // An entry count the reader can check at a glance.
    let run = run_cli(
        &[
            "keystore",
            "inspect",
            "--keystore-path",
            &path_str(&fixture("jks-multi.jks")),
        ],
        &[("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)],
    );
    assert!(run.stdout.contains("4 entries"), "{}", run.stdout);
}

#[test]
fn inspect_reads_the_password_from_a_file() {
    let dir = TempDir::new("cli-pwfile");
    let pw = dir.write("store.pw", format!("{STORE_PASSWORD}\n"));
    let run = run_cli(
        &[
            "keystore",
            "inspect",
            "--json",
            "--keystore-path",
            &path_str(&fixture("jceks.jceks")),
            "--keystore-password-file",
            &path_str(&pw),
        ],
        &[],
    );
    assert_success(&run, "password file");
    let body: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(body["format"], "jceks");
    assert_eq!(body["entries"].as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------
// assertion

/// Checks that stdout is one JWT line and nothing else, and verifies it with openssl.
#[track_caller]
fn check_assertion_output(
    run: &Run,
    what: &str,
    cert: Option<&str>,
    iss: &str,
    sub: &str,
    secs: u64,
) {
    assert_success(run, what);
    assert!(run.stderr.is_empty(), "{what}: stderr: {}", run.stderr);
    assert!(run.stdout.ends_with('\n'), "{what}: {:?}", run.stdout);
    let line = run.stdout.trim_end_matches('\n');
    assert!(
        !line.contains('\n') && !line.contains(' '),
        "{what}: one line only: {:?}",
        run.stdout
    );
    let parts: Vec<&str> = line.split('.').collect();
    assert_eq!(parts.len(), 3, "{what}: {line}");
    assert_eq!(
        parts[0], "eyJhbGciOiJSUzI1NiJ9",
        "{what}: header {{\"alg\":\"RS256\"}}"
    );
    let claims: Value = serde_json::from_slice(&b64url_decode(parts[1])).unwrap();
    assert_eq!(claims["iss"], iss, "{what}");
    assert_eq!(claims["sub"], sub, "{what}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = claims["exp"].as_u64().expect("exp");
    assert!(
        exp <= now + secs && exp + 60 >= now + secs,
        "{what}: exp {exp}, now {now}"
    );
    if let Some(cert) = cert {
        let pem = openssl_pubkey_pem(&cert_file(cert));
        let input = format!("{}.{}", parts[0], parts[1]);
        let (ok, output) = openssl_verify(&pem, input.as_bytes(), &b64url_decode(parts[2]));
        assert!(ok, "{what}: openssl: {output}");
    }
}

#[test]
fn assertion_on_every_signing_fixture_with_config_file_and_env() {
    let dir = TempDir::new("cli-assertion");
    for (f, s) in signing_fixtures() {
        // .properties: backslashes and colons escaped as Java's format wants.
        let props = format!(
            "# sfjwt test\nissuer = {ISS}\nsubject: {SUB}\nkeystore_path={}\nkey_alias={}\n",
            path_str(&f.path())
                .replace('\\', "\\\\")
                .replace(':', "\\:"),
            s.alias.to_uppercase()
        );
        let config = dir.write(&format!("{}.properties", f.file), props);
        let run = run_cli(
            &["assertion", "--config", &path_str(&config)],
            &password_env(&f),
        );
        check_assertion_output(&run, f.file, s.cert, ISS, SUB, 180);
    }
}

#[test]
fn assertion_with_password_files_and_flags() {
    let dir = TempDir::new("cli-flags");
    let store = dir.write("store.pw", format!("{STORE_PASSWORD}\n"));
    let key = dir.write("key.pw", format!("{KEY_PASSWORD}\nsecond line ignored\n"));
    for (file, cert) in [
        ("jks-diffkey.jks", "jks-diffkey.sfdc.crt"),
        ("jceks.jceks", "jceks.sfdc.crt"),
    ] {
        let run = run_cli(
            &[
                "assertion",
                "--issuer",
                ISS,
                "--subject",
                SUB,
                "--expiration-secs",
                "3600",
                "--keystore-path",
                &path_str(&fixture(file)),
                "--keystore-password-file",
                &path_str(&store),
                "--key-password-file",
                &path_str(&key),
            ],
            &[],
        );
        check_assertion_output(&run, file, Some(cert), ISS, SUB, 3600);
    }
    // Flags win over the file and the environment.
    let config = dir.write(
        "c.properties",
        format!(
            "issuer=from-file\nsubject=from-file@example.com\nkeystore_path={}\n",
            path_str(&fixture("no-such.jks"))
        ),
    );
    let run = run_cli(
        &[
            "assertion",
            "--config",
            &path_str(&config),
            "--issuer",
            "from-flag",
            "--keystore-path",
            &path_str(&fixture("jks-multi.jks")),
            "--key-alias",
            "second",
        ],
        &[
            ("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD),
            ("SFJWT_ISSUER", "from-env"),
        ],
    );
    check_assertion_output(
        &run,
        "flags win",
        Some("jks-multi.second.crt"),
        "from-flag",
        "from-file@example.com",
        180,
    );
}

#[test]
fn assertion_from_environment_alone() {
    let path = path_str(&fixture("p12-legacy.p12"));
    let run = run_cli(
        &["assertion"],
        &[
            ("SFJWT_ISSUER", ISS),
            ("SFJWT_SUBJECT", SUB),
            ("SFJWT_KEYSTORE_PATH", &path),
            ("SFJWT_KEYSTORE_TYPE", "pkcs12"),
            ("SFJWT_EXPIRATION_SECS", "60"),
            ("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD),
        ],
    );
    check_assertion_output(&run, "env", Some("p12-legacy.sfdc.crt"), ISS, SUB, 60);
}

#[test]
fn assertion_json_output() {
    let run = run_cli(
        &[
            "assertion",
            "--json",
            "--issuer",
            ISS,
            "--subject",
            SUB,
            "--keystore-path",
            &path_str(&fixture("jks-same.jks")),
        ],
        &[("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)],
    );
    assert_success(&run, "json");
    let body: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(body["key_alias"], "talend_certificate");
    let jwt = body["assertion"].as_str().unwrap();
    assert_eq!(jwt.split('.').count(), 3);
    let claims: Value =
        serde_json::from_slice(&b64url_decode(jwt.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(body["expires_at"], claims["exp"]);
}

// ---------------------------------------------------------------------------------
// Exit codes

struct Case {
    name: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
    code: i32,
    error: &'static str,
    /// Text the message must contain.
    mentions: Vec<&'static str>,
}

fn assertion_args(file: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "assertion",
        "--issuer",
        ISS,
        "--subject",
        SUB,
        "--keystore-path",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(path_str(&fixture(file)));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn inspect_args(file: &str) -> Vec<String> {
    vec![
        "keystore".into(),
        "inspect".into(),
        "--keystore-path".into(),
        path_str(&fixture(file)),
    ]
}

const STORE_OK: (&str, &str) = ("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD);
const STORE_WRONG: (&str, &str) = ("SFJWT_KEYSTORE_PASSWORD", WRONG_PASSWORD);
const KEY_WRONG: (&str, &str) = ("SFJWT_KEY_PASSWORD", WRONG_PASSWORD);
const KEY_OK: (&str, &str) = ("SFJWT_KEY_PASSWORD", KEY_PASSWORD);

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "wrong store password, inspect JKS",
            args: inspect_args("jks-same.jks"),
            env: vec![STORE_WRONG],
            code: 12,
            error: "KEYSTORE_PASSWORD",
            mentions: vec!["jks-same.jks"],
        },
        Case {
            name: "wrong store password, assertion JCEKS",
            args: assertion_args("jceks.jceks", &[]),
            env: vec![STORE_WRONG, KEY_OK],
            code: 12,
            error: "KEYSTORE_PASSWORD",
            mentions: vec!["jceks.jceks"],
        },
        Case {
            name: "wrong store password, PKCS#12",
            args: assertion_args("p12-keytool.p12", &[]),
            env: vec![STORE_WRONG],
            code: 12,
            error: "KEYSTORE_PASSWORD",
            mentions: vec!["p12-keytool.p12"],
        },
        Case {
            name: "wrong store password, PKCS#12 without MAC",
            args: inspect_args("p12-nomac.p12"),
            env: vec![STORE_WRONG],
            code: 12,
            error: "KEYSTORE_PASSWORD",
            mentions: vec!["p12-nomac.p12"],
        },
        Case {
            name: "wrong key password",
            args: assertion_args("jks-diffkey.jks", &[]),
            env: vec![STORE_OK, KEY_WRONG],
            code: 15,
            error: "KEY_PASSWORD",
            mentions: vec!["jks-diffkey.jks", "sfdc", "key_password"],
        },
        Case {
            name: "key password defaults to the store password",
            args: assertion_args("jks-diffkey.jks", &[]),
            env: vec![STORE_OK],
            code: 15,
            error: "KEY_PASSWORD",
            mentions: vec!["jks-diffkey.jks"],
        },
        Case {
            name: "wrong key password, JCEKS",
            args: assertion_args("jceks.jceks", &[]),
            env: vec![STORE_OK, KEY_WRONG],
            code: 15,
            error: "KEY_PASSWORD",
            mentions: vec!["jceks.jceks"],
        },
        Case {
            name: "wrong key password, encrypted PEM",
            args: assertion_args("pem-encrypted.pem", &[]),
            env: vec![KEY_WRONG],
            code: 15,
            error: "KEY_PASSWORD",
            mentions: vec!["pem-encrypted.pem"],
        },
        Case {
            name: "missing alias",
            args: assertion_args("jks-multi.jks", &["--key-alias", "nope"]),
            env: vec![STORE_OK],
            code: 13,
            error: "ALIAS_NOT_FOUND",
            mentions: vec!["nope", "first", "second", "ec_key", "trusted_ca"],
        },
        Case {
            name: "trusted certificate alias",
            args: assertion_args("jks-multi.jks", &["--key-alias", "trusted_ca"]),
            env: vec![STORE_OK],
            code: 14,
            error: "NOT_A_PRIVATE_KEY",
            mentions: vec!["trusted_ca"],
        },
        Case {
            name: "trusted certificates only",
            args: assertion_args("jks-trusted-only.jks", &[]),
            env: vec![STORE_OK],
            code: 14,
            error: "NOT_A_PRIVATE_KEY",
            mentions: vec!["jks-trusted-only.jks"],
        },
        Case {
            name: "EC key",
            args: assertion_args("jks-ec.jks", &[]),
            env: vec![STORE_OK],
            code: 16,
            error: "UNSUPPORTED_KEY",
            mentions: vec!["EC", "ec_only"],
        },
        Case {
            name: "EC PEM",
            args: assertion_args("pem-ec.pem", &[]),
            env: vec![],
            code: 16,
            error: "UNSUPPORTED_KEY",
            mentions: vec!["EC"],
        },
        Case {
            name: "DSA key",
            args: assertion_args("jks-dsa.jks", &[]),
            env: vec![STORE_OK],
            code: 16,
            error: "UNSUPPORTED_KEY",
            mentions: vec!["DSA"],
        },
        Case {
            name: "RSA 1024",
            args: assertion_args("jks-rsa1024.jks", &[]),
            env: vec![STORE_OK],
            code: 16,
            error: "UNSUPPORTED_KEY",
            mentions: vec!["1024-bit"],
        },
        Case {
            name: "not a keystore, inspect",
            args: inspect_args("not-a-keystore.txt"),
            env: vec![STORE_OK],
            code: 11,
            error: "KEYSTORE_FORMAT",
            mentions: vec!["not-a-keystore.txt"],
        },
        Case {
            name: "not a keystore, assertion",
            args: assertion_args("not-a-keystore.txt", &[]),
            env: vec![STORE_OK],
            code: 11,
            error: "KEYSTORE_FORMAT",
            mentions: vec!["not-a-keystore.txt"],
        },
        Case {
            name: "forced type mismatch",
            args: assertion_args("jks-same.jks", &["--keystore-type", "pkcs12"]),
            env: vec![STORE_OK],
            code: 11,
            error: "KEYSTORE_FORMAT",
            mentions: vec!["jks-same.jks"],
        },
        Case {
            name: "missing file, inspect",
            args: inspect_args("no-such-file.jks"),
            env: vec![STORE_OK],
            code: 10,
            error: "KEYSTORE_IO",
            mentions: vec!["no-such-file.jks"],
        },
        Case {
            name: "missing file, assertion",
            args: assertion_args("no-such-file.p12", &[]),
            env: vec![STORE_OK],
            code: 10,
            error: "KEYSTORE_IO",
            mentions: vec!["no-such-file.p12"],
        },
        Case {
            name: "missing issuer",
            args: vec![
                "assertion".into(),
                "--subject".into(),
                SUB.into(),
                "--keystore-path".into(),
                path_str(&fixture("jks-same.jks")),
            ],
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["issuer"],
        },
        Case {
            name: "missing subject",
            args: vec![
                "assertion".into(),
                "--issuer".into(),
                ISS.into(),
                "--keystore-path".into(),
                path_str(&fixture("jks-same.jks")),
            ],
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["subject"],
        },
        Case {
            name: "missing keystore path",
            args: vec!["keystore".into(), "inspect".into()],
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["keystore_path"],
        },
        Case {
            name: "expiration 0",
            args: assertion_args("jks-same.jks", &["--expiration-secs", "0"]),
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["expiration_secs"],
        },
        Case {
            name: "expiration 3601",
            args: assertion_args("jks-same.jks", &["--expiration-secs", "3601"]),
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["expiration_secs"],
        },
        Case {
            name: "expiration from env",
            args: assertion_args("jks-same.jks", &[]),
            env: vec![STORE_OK, ("SFJWT_EXPIRATION_SECS", "abc")],
            code: 1,
            error: "CONFIG",
            mentions: vec!["expiration_secs"],
        },
        Case {
            name: "unknown keystore type",
            args: assertion_args("jks-same.jks", &["--keystore-type", "bks"]),
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["keystore_type"],
        },
        Case {
            name: "several keys, no alias",
            args: assertion_args("jks-multi.jks", &[]),
            env: vec![STORE_OK],
            code: 1,
            error: "CONFIG",
            mentions: vec!["key_alias", "first", "second", "ec_key"],
        },
    ]
}

#[test]
fn failures_exit_with_the_documented_codes_and_print_no_password() {
    for case in cases() {
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let run = run_cli(&args, &case.env);
        assert_eq!(run.code, Some(case.code), "{}: {run:?}", case.name);
        assert!(
            run.stdout.is_empty(),
            "{}: nothing on stdout: {}",
            case.name,
            run.stdout
        );
        assert!(
            run.stderr.contains(&format!("[{}]", case.error)),
            "{}: stderr names {}: {}",
            case.name,
            case.error,
            run.stderr
        );
        for m in &case.mentions {
            assert!(
                run.stderr.contains(m),
                "{}: stderr should mention {m}: {}",
                case.name,
                run.stderr
            );
        }
        assert_no_password(&run);
    }
}

#[test]
fn json_errors_go_to_stdout_with_the_code_name() {
    for case in cases() {
        let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let at = if args[0] == "keystore" { 2 } else { 1 };
        args.insert(at, "--json");
        let run = run_cli(&args, &case.env);
        assert_eq!(run.code, Some(case.code), "{}: {run:?}", case.name);
        let body: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {run:?}", case.name));
        assert_eq!(body["error"]["code"], case.error, "{}", case.name);
        let message = body["error"]["message"].as_str().expect("message");
        for m in &case.mentions {
            assert!(message.contains(m), "{}: {m} not in {message}", case.name);
        }
        assert_no_password(&run);
    }
}

/// stderr is the one error line: no "Keystore password for ...:" prompt before it.
#[track_caller]
fn assert_no_prompt(run: &Run) {
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(run.stderr.starts_with("error ["), "prompted: {run:?}");
}

#[test]
fn no_prompt_when_stdin_is_not_a_terminal() {
    // No password anywhere and stdin from /dev/null: the empty password is tried and
    // fails at once (run_cli's deadline catches a prompt waiting for input).
    let run = run_cli(&inspect_args("jks-same.jks"), &[]);
    assert_eq!(run.code, Some(12), "{run:?}");
    assert_no_prompt(&run);

    let run = run_cli(&assertion_args("pem-encrypted.pem", &[]), &[]);
    assert_eq!(run.code, Some(15), "{run:?}");
    assert_no_prompt(&run);

    let run = run_cli(&assertion_args("jks-diffkey.jks", &[]), &[STORE_OK]);
    assert_eq!(run.code, Some(15), "{run:?}");
    assert_no_prompt(&run);

    // The empty-password PKCS#12 needs no password at all.
    let run = run_cli(&assertion_args("p12-unencrypted.p12", &[]), &[]);
    check_assertion_output(
        &run,
        "p12-unencrypted",
        Some("p12-unencrypted.sfdc.crt"),
        ISS,
        SUB,
        180,
    );
}

#[test]
fn unreadable_password_file_is_a_config_error() {
    let run = run_cli(
        &[
            "keystore",
            "inspect",
            "--keystore-path",
            &path_str(&fixture("jks-same.jks")),
            "--keystore-password-file",
            &path_str(&fixture("no-such-password-file")),
        ],
        &[],
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("keystore_password"), "{}", run.stderr);
}

/// In a pipeline whose reader has gone (`sfjwt keystore inspect ... | head -0`), the
/// command ends quietly and successfully: no panic, no "Broken pipe".
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    for args in [
        inspect_args("jks-multi.jks"),
        assertion_args("jks-same.jks", &[]),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader); // every write to the pipe now fails with EPIPE
        let output = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
            .args(&args)
            .env("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("sfjwt runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// A proxy password is never taken from a flag value; the message names the safe
/// ways and does not repeat the URL.
#[test]
fn a_proxy_password_in_a_flag_is_refused() {
    let secret = "Pr0xy-Fl4g-S3cret";
    let mut args = assertion_args("jks-same.jks", &[]);
    args.splice(0..1, ["token".to_owned()]);
    args.extend([
        "--login-url".to_owned(),
        "https://127.0.0.1:9".to_owned(),
        "--proxy-url".to_owned(),
        format!("http://etl:{secret}@127.0.0.1:9"),
    ]);
    let run = run_cli(&args, &[STORE_OK]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("proxy_url"), "{}", run.stderr);
    assert!(run.stderr.contains("SFJWT_PROXY_URL"), "{}", run.stderr);
    assert!(!run.all_output().contains(secret), "{run:?}");
}

/// With HTTP_PROXY (and the others) set, a plain-http loopback login URL still goes
/// straight to its server: a proxy would read the assertion in clear text.
#[test]
fn a_loopback_login_url_is_never_sent_to_the_environments_proxy() {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    // Any connection to the "proxy" is a failure; it only counts them.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.local_addr().unwrap().port());
    proxy.set_nonblocking(true).unwrap();
    // A plain-http token endpoint that refuses every login as Salesforce does.
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let answered = std::thread::spawn(move || {
        let (stream, _) = server.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        let body =
            r#"{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}"#;
        write!(
            &stream,
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        first
    });

    let mut args = assertion_args("jks-same.jks", &[]);
    args.splice(0..1, ["token".to_owned()]);
    args.extend([
        "--login-url".to_owned(),
        format!("http://localhost:{port}"),
        "--retries".to_owned(),
        "0".to_owned(),
    ]);
    let run = run_cli(
        &args,
        &[
            STORE_OK,
            ("HTTP_PROXY", &proxy_url),
            ("http_proxy", &proxy_url),
            ("HTTPS_PROXY", &proxy_url),
            ("ALL_PROXY", &proxy_url),
        ],
    );
    assert_eq!(run.code, Some(30), "{run:?}");
    assert!(run.stderr.contains("invalid_grant"), "{}", run.stderr);
    let first = answered.join().unwrap();
    assert!(first.starts_with("POST /services/oauth2/token "), "{first}");
    assert!(proxy.accept().is_err(), "the proxy was connected to");
}

#[test]
fn inspect_and_assertion_take_the_keystore_from_sfjwt_keystore_base64() {
    // As a CI system or Kubernetes hands a secret over: `base64 file`, line-wrapped.
    let encoded = Command::new("base64")
        .arg(fixture("jks-same.jks"))
        .output()
        .expect("coreutils base64");
    assert!(encoded.status.success());
    let text = String::from_utf8(encoded.stdout).unwrap();
    assert!(text.trim_end().contains('\n'), "wrapped lines");
    let env = [
        ("SFJWT_KEYSTORE_BASE64", text.as_str()),
        ("SFJWT_KEYSTORE_PASSWORD", STORE_PASSWORD),
    ];

    let run = run_cli(&["keystore", "inspect"], &env);
    assert_success(&run, "inspect from SFJWT_KEYSTORE_BASE64");
    assert!(
        run.stdout
            .starts_with("Keystore from SFJWT_KEYSTORE_BASE64 (jks), 1 entry"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("talend_certificate"), "{}", run.stdout);

    let run = run_cli(
        &[
            "assertion",
            "--issuer",
            "3MVG9x",
            "--subject",
            "u@example.com",
        ],
        &env,
    );
    assert_success(&run, "assertion from SFJWT_KEYSTORE_BASE64");
    assert_eq!(run.stdout.trim().split('.').count(), 3, "{}", run.stdout);

    // A wrong password names the source; nothing of the keystore is printed.
    let run = run_cli(
        &["keystore", "inspect"],
        &[
            ("SFJWT_KEYSTORE_BASE64", text.as_str()),
            ("SFJWT_KEYSTORE_PASSWORD", "wrong-pass"),
        ],
    );
    assert_eq!(run.code, Some(12), "{}", run.all_output());
    assert!(
        run.stderr.contains("keystore from SFJWT_KEYSTORE_BASE64"),
        "{}",
        run.stderr
    );
    let first_line = text.lines().next().unwrap();
    assert!(
        !run.all_output().contains(first_line),
        "{}",
        run.all_output()
    );

    // Not base64, and a path besides the data: CONFIG (exit 1) naming the key.
    let run = run_cli(
        &["keystore", "inspect"],
        &[("SFJWT_KEYSTORE_BASE64", "%%%% not base64")],
    );
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(run.stderr.contains("keystore_base64"), "{}", run.stderr);
    let run = run_cli(
        &[
            "keystore",
            "inspect",
            "--keystore-path",
            &path_str(&fixture("jks-same.jks")),
        ],
        &env,
    );
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(
        run.stderr.contains("keystore_path") && run.stderr.contains("SFJWT_KEYSTORE_BASE64"),
        "{}",
        run.stderr
    );
}

/// Writes `issuer=<issuer>` with `java.util.Properties.store` to a `Writer` in
/// ISO-8859-1, as Java tools write `.properties` files: é is the one byte 0xE9.
const JAVA_LATIN1_WRITER: &str = r#"
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

public class WriteLatin1 {
    public static void main(String[] args) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("issuer", args[1]);
        try (Writer out = new OutputStreamWriter(new FileOutputStream(args[0]), StandardCharsets.ISO_8859_1)) {
            properties.store(out, "written by Java");
        }
    }
}
"#;

#[test]
fn a_properties_file_is_read_as_utf8_else_as_iso_8859_1() {
    let dir = TempDir::new("properties-encoding");
    let issuer = "3MVG9café";
    let java_written = dir.join("java.properties");
    let java = Command::new("java")
        .arg(dir.write("WriteLatin1.java", JAVA_LATIN1_WRITER))
        .arg(&java_written)
        .arg(issuer)
        .output()
        .expect("run java (is a JDK installed?)");
    assert!(java.status.success(), "{java:?}");
    let latin1 = std::fs::read(&java_written).unwrap();
    assert!(latin1.windows(2).any(|w| w == b"\xe9\n"), "{latin1:?}");
    for file in [
        dir.write("utf8.properties", format!("issuer={issuer}\n")),
        dir.write("latin1.properties", b"issuer=3MVG9caf\xe9\n"),
        java_written,
    ] {
        let run = run_cli(&["authorize-url", "--config", &path_str(&file)], &[]);
        assert_success(&run, &path_str(&file));
        assert!(
            run.stdout.contains("client_id=3MVG9caf%C3%A9&"),
            "{}: {}",
            file.display(),
            run.stdout
        );
    }
}
