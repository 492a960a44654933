// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Secrets audit (issue 8), the Rust and CLI surfaces: every CLI command and every
//! error path runs with distinctive secrets, and none of them appears where it must
//! not:
//!
//! - the store and key passwords of a keystore made here by `keytool` (a JKS with a
//!   separate key password), wrong guesses of both, a proxy password;
//! - the private key (its PKCS#8 base64, extracted with `keytool` and `openssl`);
//! - every access token (the emulator's start with `<org id>!`; one canary token is
//!   served through a fault plan) and every assertion (a JWT starts with `eyJ`).
//!
//! Checked: stdout and stderr of every command (with and without `--json`), the
//! emulator's stderr and request log file, and in-process the `Display` and `Debug`
//! of errors, configurations, clients, keystores, keys, tokens and reports. The
//! `token` command's stdout is the one place a token may appear, the `assertion`
//! command's stdout the one place a JWT may appear.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sfjwt::{Client, ConfigBuilder, ErrorCode, Keystore, KeystoreType};
use sfjwt_emulator::{ADMIN_HEADER, ConnectedApp, EmulatorConfig, User, admin_secret_file};
use support::TempDir;

const STORE_SECRET: &str = "Zx9-Store-Secret-7781";
const KEY_SECRET: &str = "Qw4-Key-Secret-2290";
const WRONG_STORE: &str = "Wr0ng-Store-Guess-4417";
const WRONG_KEY: &str = "Wr0ng-Key-Guess-6650";
const PROXY_SECRET: &str = "Pr0xy-Secret-5531";
const CANARY_TOKEN: &str = "00DCanary-Token-Secret-3141!AQcanary";
const ALIAS: &str = "audit_key";
const ISSUER: &str = "3MVG9auditConsumerKey";
const USER: &str = "audit@example.com";
const UNAPPROVED: &str = "new@example.com";
/// The emulator's default org id: every token it issues starts with it and `!`.
const TOKEN_PREFIX: &str = "00D000000000001AAA!";
/// The base64 of `{"` — the start of every JWT header.
const JWT_PREFIX: &str = "eyJ";

/// A JKS made by keytool with distinctive passwords, its certificate and the
/// base64 lines of its private key.
struct AuditKeystore {
    dir: TempDir,
    jks: PathBuf,
    certificate: PathBuf,
    key_lines: Vec<String>,
}

fn run_tool(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (a JDK and OpenSSL are needed): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

impl AuditKeystore {
    fn create() -> AuditKeystore {
        let dir = TempDir::new("secrets");
        let jks = dir.0.join("audit.jks");
        let certificate = dir.0.join("audit.crt");
        let p12 = dir.0.join("audit.p12");
        let path = |p: &Path| p.display().to_string();
        run_tool(
            "keytool",
            &[
                "-genkeypair",
                "-storetype",
                "JKS",
                "-keystore",
                &path(&jks),
                "-storepass",
                STORE_SECRET,
                "-keypass",
                KEY_SECRET,
                "-alias",
                ALIAS,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "365",
                "-dname",
                "CN=audit, OU=sfjwt tests, O=sfjwt, C=US",
            ],
        ); // fmt: long argument lists
        run_tool(
            "keytool",
            &[
                "-exportcert",
                "-rfc",
                "-keystore",
                &path(&jks),
                "-storepass",
                STORE_SECRET,
                "-alias",
                ALIAS,
                "-file",
                &path(&certificate),
            ],
        );
        // The private key, to look for in outputs: JKS → PKCS#12 → PEM.
        run_tool(
            "keytool",
            &[
                "-importkeystore",
                "-srckeystore",
                &path(&jks),
                "-srcstoretype",
                "JKS",
                "-srcstorepass",
                STORE_SECRET,
                "-srckeypass",
                KEY_SECRET,
                "-srcalias",
                ALIAS,
                "-destkeystore",
                &path(&p12),
                "-deststoretype",
                "PKCS12",
                "-deststorepass",
                "export-only-1",
                "-destkeypass",
                "export-only-1",
                "-noprompt",
            ],
        );
        let pem = run_tool(
            "openssl",
            &[
                "pkcs12",
                "-in",
                &path(&p12),
                "-nocerts",
                "-nodes",
                "-passin",
                "pass:export-only-1",
            ],
        );
        let pem = String::from_utf8(pem.stdout).expect("PEM");
        let body: Vec<&str> = pem
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN PRIVATE KEY"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        let key_lines: Vec<String> = body
            .iter()
            .filter(|l| l.len() == 64)
            .map(|l| (*l).to_owned())
            .collect();
        assert!(key_lines.len() > 20, "no private key extracted:\n{pem}");
        std::fs::remove_file(&p12).expect("remove the PKCS#12 copy");
        AuditKeystore {
            dir,
            jks,
            certificate,
            key_lines,
        }
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        self.dir.write(name, contents)
    }
}

/// What must never appear, and what may appear where.
struct Audit {
    secrets: Vec<String>,
    key_lines: Vec<String>,
    /// Access tokens seen so far (the `token` command's output).
    tokens: Vec<String>,
    checked: usize,
}

/// Where a text comes from: whether it may hold a token or a JWT.
#[derive(Clone, Copy, PartialEq, Eq)]
enum May {
    Nothing,
    HoldToken,
    HoldJwt,
}

impl Audit {
    fn new(keystore: &AuditKeystore) -> Audit {
        Audit {
            secrets: [
                STORE_SECRET,
                KEY_SECRET,
                WRONG_STORE,
                WRONG_KEY,
                PROXY_SECRET,
            ]
            .map(str::to_owned)
            .to_vec(),
            key_lines: keystore.key_lines.clone(),
            tokens: vec![CANARY_TOKEN.to_owned()],
            checked: 0,
        }
    }

    /// Fails when `text` (from `what`) holds something it must not.
    fn check(&mut self, what: &str, text: &str, may: May) {
        self.checked += 1;
        for secret in &self.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{what} holds the secret {secret}:\n{text}"
            );
        }
        for line in &self.key_lines {
            assert!(
                !text.contains(line.as_str()),
                "{what} holds private key material:\n{text}"
            );
        }
        if may != May::HoldToken {
            assert!(
                !text.contains(TOKEN_PREFIX),
                "{what} holds an access token:\n{text}"
            );
            for token in &self.tokens {
                assert!(
                    !text.contains(token.as_str()),
                    "{what} holds an access token:\n{text}"
                );
            }
        }
        if may != May::HoldJwt {
            assert!(!text.contains(JWT_PREFIX), "{what} holds a JWT:\n{text}");
        }
    }
}

/// `sfjwt emulator` as a process, with the audit keystore's app.
struct EmulatorProcess {
    child: Child,
    base_url: String,
    /// What `/__emulator/` requests must carry (`<port file>.admin`).
    admin_secret: String,
    ca_file: PathBuf,
    log_file: PathBuf,
    stderr_file: PathBuf,
    http: reqwest::blocking::Client,
}

impl EmulatorProcess {
    fn start(keystore: &AuditKeystore) -> EmulatorProcess {
        let config = json!({
            "apps": [{"consumer_key": ISSUER, "certificate_file": keystore.certificate}],
            "users": [{"username": USER}, {"username": UNAPPROVED, "approved": false}],
        });
        let config_file = keystore.write("emulator.json", &config.to_string());
        let port_file = keystore.dir.0.join("port");
        let ca_file = keystore.dir.0.join("ca.pem");
        let log_file = keystore.dir.0.join("requests.jsonl");
        let stderr_file = keystore.dir.0.join("emulator.stderr");
        let child = Command::new(env!("CARGO_BIN_EXE_sfjwt"))
            .args(["emulator", "--port", "0"])
            .arg("--config")
            .arg(&config_file)
            .arg("--port-file")
            .arg(&port_file)
            .arg("--ca-out")
            .arg(&ca_file)
            .arg("--log")
            .arg(&log_file)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(keystore.dir.0.join("emulator.stdout")).unwrap())
            .stderr(std::fs::File::create(&stderr_file).unwrap())
            .spawn()
            .expect("sfjwt emulator starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                break port;
            }
            assert!(Instant::now() < deadline, "the emulator wrote no port file");
            std::thread::sleep(Duration::from_millis(20));
        };
        let ca = std::fs::read(&ca_file).expect("CA written before the port");
        let admin_secret = std::fs::read_to_string(admin_secret_file(&port_file))
            .expect("admin secret written before the port");
        let http = reqwest::blocking::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&ca).expect("CA")])
            .timeout(Duration::from_secs(20))
            .build()
            .expect("admin client");
        EmulatorProcess {
            child,
            base_url: format!("https://127.0.0.1:{port}"),
            admin_secret,
            ca_file,
            log_file,
            stderr_file,
            http,
        }
    }

    fn set_faults(&self, faults: &Value) {
        let response = self
            .http
            .post(format!("{}/__emulator/faults", self.base_url))
            .header(ADMIN_HEADER, &self.admin_secret)
            .header("content-type", "application/json")
            .body(faults.to_string())
            .send()
            .expect("admin endpoint answers");
        assert_eq!(response.status().as_u16(), 200, "{faults}");
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CLI run: its arguments, environment and what it printed.
struct Run {
    label: String,
    output: Output,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// The CLI with everything the approved user needs, overridable per run.
struct Cli<'a> {
    keystore: &'a AuditKeystore,
    emulator: &'a EmulatorProcess,
    key_password_file: PathBuf,
    wrong_key_password_file: PathBuf,
}

impl Cli<'_> {
    /// Runs `sfjwt <command> <args>` with the base flags for `command` and `env`.
    fn run(&self, command: &[&str], args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfjwt"));
        cmd.args(command);
        let jks = self.keystore.jks.display().to_string();
        let ca = self.emulator.ca_file.display().to_string();
        let key_password_file = self.key_password_file.display().to_string();
        let mut base = vec![("--keystore-path", jks.as_str())];
        if command != ["keystore", "inspect"] {
            base.extend([
                ("--issuer", ISSUER),
                ("--subject", USER),
                ("--retries", "0"),
                ("--timeout-secs", "5"),
                ("--login-url", self.emulator.base_url.as_str()),
                ("--ca-file", ca.as_str()),
                ("--key-alias", ALIAS),
            ]);
            if !env.iter().any(|(k, _)| *k == "SFJWT_KEY_PASSWORD") {
                base.push(("--key-password-file", key_password_file.as_str()));
            }
        }
        if command != ["demo"] {
            // The run's own flags replace the base ones.
            for (flag, value) in base {
                if !args.contains(&flag) {
                    cmd.args([flag, value]);
                }
            }
        }
        cmd.args(args);
        for (name, _) in std::env::vars() {
            if name.starts_with("SFJWT_") || name.to_ascii_lowercase().ends_with("_proxy") {
                cmd.env_remove(name);
            }
        }
        cmd.env("SFJWT_KEYSTORE_PASSWORD", STORE_SECRET);
        // An empty value removes the variable.
        for (key, value) in env {
            if value.is_empty() {
                cmd.env_remove(key);
            } else {
                cmd.env(key, value);
            }
        }
        let output = cmd.stdin(Stdio::null()).output().expect("sfjwt runs");
        Run {
            label: format!("sfjwt {} {}", command.join(" "), args.join(" ")),
            output,
        }
    }
}

/// Runs `command` with and without `--json`, expects `code`, audits both outputs.
fn audit_run(
    audit: &mut Audit,
    cli: &Cli<'_>,
    command: &[&str],
    args: &[&str],
    env: &[(&str, &str)],
    code: i32,
    stdout_may: May,
) -> Vec<Run> {
    let mut runs = Vec::new();
    for json in [false, true] {
        let mut args = args.to_vec();
        if json {
            args.push("--json");
        }
        let run = cli.run(command, &args, env);
        assert_eq!(
            run.code(),
            Some(code),
            "{}: exit status\n--- stdout\n{}--- stderr\n{}",
            run.label,
            run.stdout(),
            run.stderr()
        );
        audit.check(
            &format!("stdout of {}", run.label),
            &run.stdout(),
            stdout_may,
        );
        audit.check(
            &format!("stderr of {}", run.label),
            &run.stderr(),
            May::Nothing,
        );
        runs.push(run);
    }
    runs
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn no_cli_command_or_error_path_shows_a_secret() {
    let keystore = AuditKeystore::create();
    let emulator = EmulatorProcess::start(&keystore);
    let mut audit = Audit::new(&keystore);
    let cli = Cli {
        keystore: &keystore,
        emulator: &emulator,
        key_password_file: keystore.write("key-password.txt", &format!("{KEY_SECRET}\n")),
        wrong_key_password_file: keystore.write("wrong-key-password.txt", WRONG_KEY),
    };
    let a = &mut audit;

    // Success: each command, with and without --json.
    let inspect = audit_run(a, &cli, &["keystore", "inspect"], &[], &[], 0, May::Nothing);
    assert!(
        inspect[0].stdout().contains(ALIAS),
        "{}",
        inspect[0].stdout()
    );
    let assertions = audit_run(a, &cli, &["assertion"], &[], &[], 0, May::HoldJwt);
    assert!(assertions[0].stdout().starts_with(JWT_PREFIX));
    let tokens = audit_run(a, &cli, &["token"], &[], &[], 0, May::HoldToken);
    for run in &tokens {
        let body: Value = serde_json::from_slice(&run.output.stdout).expect("token JSON");
        let token = body["access_token"].as_str().expect("a token").to_owned();
        assert!(token.starts_with(TOKEN_PREFIX), "{token}");
        a.check(
            &format!("stdout of {}", run.label),
            &run.stdout().replace(&token, ""),
            May::Nothing,
        );
        a.tokens.push(token);
    }
    // The assertion and token outputs hold nothing else.
    for run in &assertions {
        a.check(
            &format!("stdout of {}", run.label),
            &run.stdout(),
            May::HoldJwt,
        );
    }
    let passed = audit_run(a, &cli, &["test-connection"], &[], &[], 0, May::Nothing);
    assert!(
        passed[0].stdout().contains("PASSED"),
        "{}",
        passed[0].stdout()
    );
    audit_run(a, &cli, &["authorize-url"], &[], &[], 0, May::Nothing);

    // The same from a .properties file holding both passwords and a proxy exception.
    let properties = keystore.write(
        "conn.properties",
        &format!(
            "issuer={ISSUER}\nsubject={USER}\nlogin_url={}\nca_file={}\nkeystore_path={}\n\
             keystore_password={STORE_SECRET}\nkey_password={KEY_SECRET}\nkey_alias={ALIAS}\n",
            emulator.base_url,
            emulator.ca_file.display(),
            keystore.jks.display()
        ),
    );
    let config = properties.display().to_string();
    audit_run(
        a,
        &cli,
        &["test-connection"],
        &["--config", &config],
        &[("SFJWT_KEYSTORE_PASSWORD", "")],
        0,
        May::Nothing,
    );

    // Keystore errors.
    let wrong_store = [("SFJWT_KEYSTORE_PASSWORD", WRONG_STORE)];
    for command in [
        &["keystore", "inspect"][..],
        &["assertion"],
        &["token"],
        &["test-connection"],
    ] {
        audit_run(a, &cli, command, &[], &wrong_store, 12, May::Nothing);
    }
    let wrong_key_file = cli.wrong_key_password_file.display().to_string();
    for command in [&["assertion"][..], &["token"], &["test-connection"]] {
        audit_run(
            a,
            &cli,
            command,
            &["--key-password-file", &wrong_key_file],
            &[],
            15,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &[],
            &[("SFJWT_KEY_PASSWORD", WRONG_KEY)],
            15,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &["--key-alias", "no_such_alias"],
            &[],
            13,
            May::Nothing,
        );
    }

    // Refused by Salesforce.
    for command in [&["token"][..], &["test-connection"]] {
        audit_run(
            a,
            &cli,
            command,
            &["--subject", UNAPPROVED],
            &[],
            30,
            May::Nothing,
        );
    }

    // Bad configuration.
    let misspelled = keystore.write(
        "misspelled.properties",
        &format!("issuer={ISSUER}\nkeystore_pasword={STORE_SECRET}\nkey_passwort={KEY_SECRET}\n"),
    );
    let misspelled = misspelled.display().to_string();
    let bad_proxy = format!("ftp://etl:{PROXY_SECRET}@127.0.0.1:1");
    for command in [
        &["assertion"][..],
        &["token"],
        &["test-connection"],
        &["authorize-url"],
    ] {
        audit_run(
            a,
            &cli,
            command,
            &["--expiration-secs", "0"],
            &[],
            1,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &["--config", &misspelled],
            &[],
            1,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &["--key-password-file", "/nonexistent/key-password"],
            &[],
            1,
            May::Nothing,
        );
    }
    for command in [&["token"][..], &["test-connection"]] {
        audit_run(
            a,
            &cli,
            command,
            &["--proxy-url", &bad_proxy],
            &[],
            1,
            May::Nothing,
        );
    }

    // Network and TLS failures.
    let closed = format!("https://127.0.0.1:{}", closed_port());
    let proxy = format!("http://etl:{PROXY_SECRET}@127.0.0.1:{}", closed_port());
    // Loopback targets are never proxied: the proxied runs log in at a name only a
    // proxy could reach.
    let proxied = ["--login-url", "https://emulator.sfjwt.test"];
    let wrong_ca = keystore.certificate.display().to_string();
    for command in [&["token"][..], &["test-connection"]] {
        audit_run(
            a,
            &cli,
            command,
            &["--login-url", &closed],
            &[],
            20,
            May::Nothing,
        );
        // A proxy password is refused as a flag value (CONFIG), taken from the environment.
        audit_run(
            a,
            &cli,
            command,
            &["--proxy-url", &proxy],
            &[],
            1,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &proxied,
            &[("SFJWT_PROXY_URL", &proxy)],
            20,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &proxied,
            &[("HTTPS_PROXY", &proxy)],
            20,
            May::Nothing,
        );
        audit_run(
            a,
            &cli,
            command,
            &["--ca-file", &wrong_ca],
            &[],
            22,
            May::Nothing,
        );
    }

    // Broken answers from the token endpoint.
    let canary_body = json!({
        "access_token": CANARY_TOKEN,
        "instance_url": emulator.base_url,
        "id": format!("{}/id/00D000000000001AAA/005000000000001AAA", emulator.base_url),
        "token_type": "Bearer",
    })
    .to_string();
    let answers: [(Value, i32); 8] = [
        (json!({"kind": "html"}), 31),
        (json!({"kind": "malformed"}), 32),
        (json!({"kind": "empty"}), 32),
        (json!({"kind": "oversized"}), 31),
        (json!({"kind": "cut"}), 20),
        (json!({"kind": "drop"}), 20),
        (
            json!({"kind": "status", "status": 500, "body": "<html>Internal error</html>"}),
            31,
        ),
        (json!({"kind": "delay", "ms": 3000}), 21),
    ];
    for (action, code) in answers {
        for command in [&["token"][..], &["test-connection"]] {
            emulator.set_faults(&json!([{"times": 2, "action": action}]));
            audit_run(
                a,
                &cli,
                command,
                &["--timeout-secs", "1"],
                &[],
                code,
                May::Nothing,
            );
        }
    }
    // A token the emulator does not know: `token` prints it (and nothing else), the
    // connection test's REST calls fail with 401 without repeating it.
    emulator.set_faults(
        &json!([{"times": 10, "action": {"kind": "status", "status": 200, "body": canary_body}}]),
    );
    let canary = audit_run(a, &cli, &["token"], &[], &[], 0, May::HoldToken);
    for run in &canary {
        assert!(run.stdout().contains(CANARY_TOKEN), "{}", run.stdout());
    }
    audit_run(a, &cli, &["test-connection"], &[], &[], 33, May::Nothing);
    emulator.set_faults(&json!([]));

    // `sfjwt demo` (its own org and keystore).
    let demo = cli.run(&["demo"], &[], &[]);
    assert_eq!(demo.code(), Some(0), "{}{}", demo.stdout(), demo.stderr());
    a.check("stdout of sfjwt demo", &demo.stdout(), May::Nothing);
    a.check("stderr of sfjwt demo", &demo.stderr(), May::Nothing);

    // `sfjwt emulator` itself: its output and its request log.
    let log_file = emulator.log_file.clone();
    let stderr_file = emulator.stderr_file.clone();
    let status = emulator.stop();
    assert_eq!(status, Some(0), "the emulator stops cleanly on SIGTERM");
    let log = std::fs::read_to_string(&log_file).expect("request log");
    assert!(
        log.lines().count() > 50,
        "the log holds the requests:\n{log}"
    );
    a.check("the emulator's request log", &log, May::Nothing);
    let stderr = std::fs::read_to_string(&stderr_file).expect("emulator stderr");
    a.check("the emulator's stderr", &stderr, May::Nothing);
    println!(
        "secrets audit: {} outputs checked, no secret found",
        a.checked
    );
}

#[test]
fn debug_and_display_show_no_secret() {
    let keystore = AuditKeystore::create();
    let org = support::start(EmulatorConfig {
        apps: vec![ConnectedApp::new(
            ISSUER,
            std::fs::read_to_string(&keystore.certificate).expect("certificate"),
        )],
        users: vec![User::new(USER)],
        ..EmulatorConfig::default()
    });
    let mut audit = Audit::new(&keystore);
    let proxy = format!("http://etl:{PROXY_SECRET}@127.0.0.1:{}", closed_port());
    let builder = |pairs: &[(&str, &str)]| {
        let mut b = ConfigBuilder::default();
        for (key, value) in [
            ("issuer", ISSUER),
            ("subject", USER),
            ("login_url", &org.emulator.base_url()),
            ("keystore_path", &keystore.jks.display().to_string()),
            ("keystore_password", STORE_SECRET),
            ("key_password", KEY_SECRET),
            ("ca_file", &org.ca_file.display().to_string()),
            ("retries", "0"),
            ("token_cache", "false"),
        ] {
            b.set(key, value).expect("valid setting");
        }
        for (key, value) in pairs {
            b.set(key, value).expect("valid setting");
        }
        b
    };
    let mut check = |what: &str, text: String| audit.check(what, &text, May::Nothing);

    // Success: builder, configuration, keystore, key, client, token, report.
    let b = builder(&[]);
    check("Debug of ConfigBuilder", format!("{b:?}"));
    let config = b.build().expect("configuration");
    check("Debug of Config", format!("{config:?}"));
    let store = Keystore::open(&keystore.jks, KeystoreType::Auto, STORE_SECRET).expect("opens");
    check("Debug of Keystore", format!("{store:?}"));
    check("Debug of inspect()", format!("{:?}", store.inspect()));
    let key = store.signing_key(Some(ALIAS), KEY_SECRET).expect("key");
    check("Debug of SigningKey", format!("{key:?}"));
    let client = Client::new(config).expect("client");
    check("Debug of Client", format!("{client:?}"));
    let assertion = client.assertion().expect("assertion");
    check("Debug of Assertion", format!("{assertion:?}"));
    let token = client.token().expect("token");
    let token_text = token.access_token().to_owned();
    check("Debug of AccessToken", format!("{token:?}"));
    let report = client.test_connection();
    assert!(report.error.is_none(), "{report}");
    check("Display of ConnectionReport", report.to_string());
    check("Debug of ConnectionReport", format!("{report:?}"));
    check("JSON of ConnectionReport", report.to_json().to_string());
    assert!(!format!("{token:?}").contains(&token_text));
    audit.tokens.push(token_text);
    let mut check = |what: &str, text: String| audit.check(what, &text, May::Nothing);

    // Errors: Display, Debug, JSON, and the reports that carry them.
    let cases: Vec<(&str, ConfigBuilder, ErrorCode)> = vec![
        (
            "wrong store password",
            builder(&[("keystore_password", WRONG_STORE)]),
            ErrorCode::KeystorePassword,
        ),
        (
            "wrong key password",
            builder(&[("key_password", WRONG_KEY)]),
            ErrorCode::KeyPassword,
        ),
        (
            "missing alias",
            builder(&[("key_alias", "no_such_alias")]),
            ErrorCode::AliasNotFound,
        ),
        (
            "unreachable proxy",
            builder(&[
                ("proxy_url", &proxy),
                ("login_url", "https://emulator.sfjwt.test"),
            ]),
            ErrorCode::Network,
        ),
        (
            "untrusted server",
            builder(&[("ca_file", &keystore.certificate.display().to_string())]),
            ErrorCode::Tls,
        ),
    ];
    for (what, b, code) in cases {
        // The Debug of settings that hold a proxy URL: debug_of_a_proxy_url_hides_its_password.
        let holds_proxy = what == "unreachable proxy";
        if !holds_proxy {
            check(
                &format!("Debug of ConfigBuilder ({what})"),
                format!("{b:?}"),
            );
        }
        let config = b.build().expect("configuration");
        if !holds_proxy {
            check(&format!("Debug of Config ({what})"), format!("{config:?}"));
        }
        let error = match Client::new(config.clone()) {
            Err(e) => e,
            Ok(client) => {
                if !holds_proxy {
                    check(&format!("Debug of Client ({what})"), format!("{client:?}"));
                }
                client.token().expect_err(what)
            }
        };
        assert_eq!(error.code(), code, "{what}: {error}");
        check(&format!("Display of Error ({what})"), error.to_string());
        check(&format!("Debug of Error ({what})"), format!("{error:?}"));
        check(
            &format!("JSON of Error ({what})"),
            error.to_json().to_string(),
        );
        let report = sfjwt::connection_test::run(&config);
        assert_eq!(
            report.error.as_ref().map(|e| e.code()),
            Some(code),
            "{report}"
        );
        check(
            &format!("Display of ConnectionReport ({what})"),
            report.to_string(),
        );
        check(
            &format!("Debug of ConnectionReport ({what})"),
            format!("{report:?}"),
        );
        check(
            &format!("JSON of ConnectionReport ({what})"),
            report.to_json().to_string(),
        );
    }
    let store_error =
        Keystore::open(&keystore.jks, KeystoreType::Auto, WRONG_STORE).expect_err("wrong");
    check(
        "Debug of a keystore error",
        format!("{store_error:?} {store_error}"),
    );

    // Configuration errors that hold a secret as the value.
    let mut b = ConfigBuilder::default();
    for (key, value) in [
        ("keystore_pasword", STORE_SECRET.to_owned()),
        ("proxy_url", format!("ftp://etl:{PROXY_SECRET}@127.0.0.1:1")),
    ] {
        let error = b.set(key, &value).expect_err(key);
        check(&format!("Display of Error ({key})"), error.to_string());
        check(&format!("Debug of Error ({key})"), format!("{error:?}"));
    }
    let properties = keystore.write(
        "bad.properties",
        &format!("keystore_password={STORE_SECRET}\nkey_passwort={KEY_SECRET}\n"),
    );
    let error = ConfigBuilder::from_properties_file(&properties).expect_err("unknown key");
    check(
        "Display of a .properties error",
        format!("{error} {error:?}"),
    );
}

/// Bug: `Config`, `ConfigBuilder` (derived `Debug`, src/config.rs) and so `Client`
/// print `proxy_url` whole, its password included.
#[test]
fn debug_of_a_proxy_url_hides_its_password() {
    let proxy = format!("http://etl:{PROXY_SECRET}@proxy.example.com:3128");
    let mut b = ConfigBuilder::default();
    for (key, value) in [
        ("issuer", ISSUER),
        ("subject", USER),
        (
            "keystore_path",
            &support::fixture("jks-same.jks").display().to_string(),
        ),
        ("keystore_password", support::STORE_PASSWORD),
        ("proxy_url", &proxy),
    ] {
        b.set(key, value).expect("valid setting");
    }
    let builder_debug = format!("{b:?}");
    assert!(!builder_debug.contains(PROXY_SECRET), "{builder_debug}");
    assert!(
        builder_debug.contains("proxy.example.com"),
        "{builder_debug}"
    );
    let config = b.build().expect("configuration");
    let config_debug = format!("{config:?}");
    assert!(!config_debug.contains(PROXY_SECRET), "{config_debug}");
    let client = Client::new(config).expect("client");
    let client_debug = format!("{client:?}");
    assert!(!client_debug.contains(PROXY_SECRET), "{client_debug}");
}
