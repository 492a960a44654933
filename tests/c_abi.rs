// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The C ABI, tested from C: compiles the programs of `tests/c/` and the example
//! `bindings/c/examples/test_connection.c` with `gcc -Wall -Wextra -Werror` against
//! the committed `include/sfjwt.h`, links them to `libsfjwt`, and runs each under
//! valgrind and, compiled again with `-fsanitize=address -fno-omit-frame-pointer`,
//! under AddressSanitizer with LeakSanitizer (`ASAN_OPTIONS=detect_leaks=1`), each
//! run against an emulator of its own, checking the emulator's login count from
//! here. Prints one line per case and a closing `N passed, N failed`.
//!
//! `make c-test` builds the library with `--features testing`, copies it to a
//! directory of its own and runs this test with:
//!
//! - `SFJWT_C_LIB_DIR`: that directory (`libsfjwt.so`, `libsfjwt.so.0`). Without
//!   it the test only says how to run it: a plain `cargo test` cannot build the
//!   library with the `testing` feature.
//! - `SFJWT_C_VALGRIND=0` to run without valgrind (default: with; a missing
//!   valgrind fails the test).
//! - `SFJWT_C_ASAN_FLAGS`: the AddressSanitizer compiler flags (default
//!   `-fsanitize=address -fno-omit-frame-pointer`).
//! - `SFJWT_C_ASAN=0` to skip the AddressSanitizer runs (default: with). Any
//!   AddressSanitizer or LeakSanitizer report fails the run; `tests/c/lsan.supp`
//!   lists the suppressions, each with the reason it is not a leak.
//! - `CC` for the compiler (default `gcc`).

mod support;

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sfjwt_emulator::{Fault, FaultAction};
use support::{ECA_ISSUER, ISSUER, STORE_PASSWORD, USER, fixture};

/// The test programs and the logins each must cause.
const PROGRAMS: [(&str, RangeInclusive<usize>); 9] = [
    ("test_success", 10..=10),
    ("test_errors", 0..=0),
    ("test_null", 0..=0),
    ("test_threads", 1..=1),
    ("test_panic", 0..=0),
    // Each round: two tokens (from the shared cache or a login) and a connection
    // test (always a login).
    (
        "test_stress",
        STRESS_THREADS..=STRESS_THREADS * 3 * STRESS_ROUNDS_NATIVE,
    ),
    ("test_secrets", 0..=0),
    ("test_my_domain", 4..=4),
    ("test_logging", 2..=2),
];

/// `THREADS` of test_stress.c, and its rounds per thread (fewer under valgrind).
const STRESS_THREADS: usize = 8;
const STRESS_ROUNDS_NATIVE: usize = 10;
const STRESS_ROUNDS_VALGRIND: usize = 2;

/// The access token the emulator hands test_secrets.c (see `prepare`).
const CANARY_TOKEN: &str = "00DCanary-Token-Secret-3141!AQcanary";

/// How a program runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Valgrind,
    Native,
    AddressSanitizer,
}

const ASAN_FLAGS: &str = "-fsanitize=address -fno-omit-frame-pointer";

const UNAPPROVED_USER: &str = "new@example.com";
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// One checked fact: a C test case, or a property of a run.
struct Case {
    name: String,
    outcome: Result<(), String>,
}

impl Case {
    fn new(name: impl Into<String>, outcome: Result<(), String>) -> Case {
        Case {
            name: name.into(),
            outcome,
        }
    }
}

struct Setup {
    root: PathBuf,
    lib_dir: PathBuf,
    work: PathBuf,
    cc: String,
    valgrind: bool,
    asan: bool,
    asan_flags: Vec<String>,
}

#[test]
fn c_programs() {
    let Some(lib_dir) = std::env::var_os("SFJWT_C_LIB_DIR").map(PathBuf::from) else {
        println!(
            "c_abi: SFJWT_C_LIB_DIR is not set; `make c-test` builds libsfjwt with the \
             `testing` feature and runs the C tests"
        );
        return;
    };
    let setup = Setup {
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        lib_dir: std::fs::canonicalize(&lib_dir)
            .unwrap_or_else(|e| panic!("SFJWT_C_LIB_DIR={}: {e}", lib_dir.display())),
        work: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c_abi"),
        cc: std::env::var("CC").unwrap_or_else(|_| "gcc".to_owned()),
        valgrind: std::env::var("SFJWT_C_VALGRIND").map_or(true, |v| v != "0"),
        asan: std::env::var("SFJWT_C_ASAN").map_or(true, |v| v != "0"),
        asan_flags: std::env::var("SFJWT_C_ASAN_FLAGS")
            .unwrap_or_else(|_| ASAN_FLAGS.to_owned())
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    };
    if setup.valgrind {
        let found = Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "valgrind is not installed: install it (apt-get install valgrind) or set \
             SFJWT_C_VALGRIND=0 to run the C tests without it"
        );
    }
    let _ = std::fs::remove_dir_all(&setup.work);
    std::fs::create_dir_all(&setup.work).expect("create the work directory");

    let mut cases = Vec::new();
    cases.push(Case::new(
        "header compiles as C++",
        header_compiles_as_cpp(&setup),
    ));

    // Compile everything first (cheap), then run in parallel (valgrind is slow).
    let mut programs = Vec::new();
    for (name, logins) in PROGRAMS {
        let source = setup.root.join("tests/c").join(format!("{name}.c"));
        let outcome = compile(&setup, &source, name, &["-std=c11", "-DSFJWT_TESTING"]);
        let ok = outcome.is_ok();
        cases.push(Case::new(format!("{name}: compiles"), outcome));
        if ok {
            programs.push((name, logins.clone(), mode_of(&setup)));
        }
        if setup.asan {
            let mut flags = vec!["-std=c11", "-DSFJWT_TESTING"];
            flags.extend(setup.asan_flags.iter().map(String::as_str));
            let outcome = compile(&setup, &source, &format!("{name}-asan"), &flags);
            let ok = outcome.is_ok();
            cases.push(Case::new(
                format!("{name}: compiles with AddressSanitizer"),
                outcome,
            ));
            if ok {
                programs.push((name, logins, Mode::AddressSanitizer));
            }
        }
    }
    let example = setup.root.join("bindings/c/examples/test_connection.c");
    let example_outcome = compile(
        &setup,
        &example,
        "test_connection",
        &["-std=c99", "-Wpedantic"],
    );
    let example_built = example_outcome.is_ok();
    cases.push(Case::new(
        "example test_connection: compiles",
        example_outcome,
    ));

    let results: Vec<Vec<Case>> = std::thread::scope(|scope| {
        let setup = &setup;
        let mut handles = Vec::new();
        for (name, logins, mode) in programs {
            // Valgrind runs one thread at a time: the threads tests also run natively
            // (and under AddressSanitizer), where their threads really race.
            if mode == Mode::Valgrind && (name == "test_threads" || name == "test_stress") {
                let logins = logins.clone();
                handles.push(scope.spawn(move || run_program(setup, name, logins, Mode::Native)));
            }
            handles.push(scope.spawn(move || run_program(setup, name, logins, mode)));
        }
        if example_built {
            handles
                .push(scope.spawn(move || run_example(setup, USER, 0, "Connection test PASSED")));
            handles.push(scope.spawn(move || {
                run_example(
                    setup,
                    UNAPPROVED_USER,
                    30,
                    "user hasn't approved this consumer",
                )
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("runner thread"))
            .collect()
    });
    cases.extend(results.into_iter().flatten());

    let mut passed = 0;
    let mut failed = 0;
    for case in &cases {
        match &case.outcome {
            Ok(()) => {
                passed += 1;
                println!("ok - {}", case.name);
            }
            Err(why) => {
                failed += 1;
                println!("FAIL - {}\n{}", case.name, indent(why));
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0, "C tests failed (see above)");
}

fn mode_of(setup: &Setup) -> Mode {
    if setup.valgrind {
        Mode::Valgrind
    } else {
        Mode::Native
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn compile(setup: &Setup, source: &Path, name: &str, extra: &[&str]) -> Result<(), String> {
    let output = Command::new(&setup.cc)
        .args(extra)
        .args(["-Wall", "-Wextra", "-Werror", "-g", "-pthread"])
        .arg("-I")
        .arg(setup.root.join("include"))
        .arg("-I")
        .arg(setup.root.join("tests/c"))
        .arg(source)
        .arg("-o")
        .arg(setup.work.join(name))
        .arg("-L")
        .arg(&setup.lib_dir)
        .arg(format!("-Wl,-rpath,{}", setup.lib_dir.display()))
        .arg("-lsfjwt")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", setup.cc))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed:\n{}{}",
            setup.cc,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// `include/sfjwt.h` is usable from C++ as well (cbindgen's `cpp_compat`).
fn header_compiles_as_cpp(setup: &Setup) -> Result<(), String> {
    let source = setup.work.join("header_check.cpp");
    std::fs::write(
        &source,
        "#include \"sfjwt.h\"\nint main() { return sfjwt_error_code(nullptr); }\n",
    )
    .map_err(|e| e.to_string())?;
    let output = Command::new("g++")
        .args(["-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(setup.root.join("include"))
        .arg(&source)
        .output();
    match output {
        Err(e) => Err(format!("cannot run g++: {e}")),
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).into_owned()),
    }
}

/// An emulator with the app of `jks-same.jks` and the approved and unapproved
/// users, plus a directory with its CA and a `conn.properties` for `subject`.
fn org(setup: &Setup, label: &str, subject: &str) -> (support::Org, PathBuf, PathBuf) {
    let org = support::start(support::default_org_config());
    let dir = setup.work.join(format!("{label}.run"));
    std::fs::create_dir_all(&dir).expect("create the run directory");
    let properties = dir.join("conn.properties");
    std::fs::write(
        &properties,
        format!(
            "# written by tests/c_abi.rs\nissuer={ISSUER}\nsubject={subject}\nlogin_url={}\n\
             keystore_path={}\nkeystore_password={STORE_PASSWORD}\nkey_alias=talend_certificate\n\
             ca_file={}\nretries=0\n",
            org.emulator.base_url(),
            fixture("jks-same.jks").display(),
            org.ca_file.display()
        ),
    )
    .expect("write conn.properties");
    (org, dir, properties)
}

/// What a finished run printed and how it ended.
struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    /// Valgrind's or the sanitizers' verdict.
    checker: Result<String, String>,
}

impl Run {
    fn transcript(&self) -> String {
        format!(
            "exit status: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `program` in `mode` with `env`, in `dir` (an AddressSanitizer build is
/// `program` with `-asan` appended).
fn run(
    mode: Mode,
    root: &Path,
    dir: &Path,
    program: &Path,
    args: &[&Path],
    env: &[(&str, String)],
) -> Run {
    let valgrind_log = dir.join("valgrind.log");
    let mut command = if mode == Mode::AddressSanitizer {
        let mut program = program.as_os_str().to_owned();
        program.push("-asan");
        let mut command = Command::new(program);
        command.env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:exitcode=86",
        );
        let suppressions = root.join("tests/c/lsan.supp");
        if suppressions.exists() {
            command.env(
                "LSAN_OPTIONS",
                format!(
                    "suppressions={}:print_suppressions=0",
                    suppressions.display()
                ),
            );
        }
        command
    } else if mode == Mode::Valgrind {
        let mut command = Command::new("valgrind");
        command
            .args([
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--show-leak-kinds=definite",
            ])
            .arg(format!("--log-file={}", valgrind_log.display()))
            .arg(program);
        command
    } else {
        Command::new(program)
    };
    // The programs find libsfjwt through their rpath (the staged copy under test); cargo
    // puts its own target directory, which holds other builds of libsfjwt.so.0, on
    // LD_LIBRARY_PATH, which the loader would search first.
    command.env_remove("LD_LIBRARY_PATH");
    for proxy in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    let stdout_path = dir.join("stdout.txt");
    let stderr_path = dir.join("stderr.txt");
    let mut child = command
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        match child.try_wait().expect("wait for the C program") {
            Some(status) => break status.code(),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    Run {
        status,
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
        checker: match mode {
            Mode::Valgrind => valgrind_verdict(&read(&valgrind_log)),
            Mode::AddressSanitizer => sanitizer_verdict(status, &read(&stderr_path)),
            Mode::Native => Ok("not run".to_owned()),
        },
    }
}

/// AddressSanitizer's and LeakSanitizer's verdict: Ok when neither reported anything.
fn sanitizer_verdict(status: Option<i32>, stderr: &str) -> Result<String, String> {
    let reported = stderr.contains("ERROR: AddressSanitizer")
        || stderr.contains("ERROR: LeakSanitizer")
        || stderr.contains("SUMMARY: AddressSanitizer")
        || stderr.contains("LeakSanitizer has encountered a fatal error")
        || stderr.contains("runtime error:");
    if reported || status == Some(86) {
        Err(format!(
            "exit status {status:?}\n--- sanitizer output\n{stderr}"
        ))
    } else {
        Ok("no AddressSanitizer or LeakSanitizer report".to_owned())
    }
}

/// Valgrind's summary: Ok when it reports no error (definite leaks count as errors).
fn valgrind_verdict(log: &str) -> Result<String, String> {
    let line = |prefix: &str| {
        log.lines().find_map(|l| {
            l.split_once(prefix)
                .map(|(_, rest)| format!("{prefix}{rest}"))
        })
    };
    let summary = line("ERROR SUMMARY:").ok_or_else(|| format!("no valgrind summary:\n{log}"))?;
    let leaks = line("definitely lost:").unwrap_or_else(|| "definitely lost: 0 bytes".to_owned());
    if summary.starts_with("ERROR SUMMARY: 0 errors") {
        Ok(format!("{summary}; {leaks}"))
    } else {
        Err(format!("{summary}; {leaks}\n--- valgrind log\n{log}"))
    }
}

/// What a program needs from its emulator beyond the defaults: the fault plan
/// and environment of test_secrets.c, the rounds of test_stress.c.
fn prepare(name: &str, mode: Mode, org: &support::Org) -> Vec<(&'static str, String)> {
    match name {
        "test_secrets" => {
            let base = org.emulator.base_url();
            let body = serde_json::json!({
                "access_token": CANARY_TOKEN,
                "instance_url": base,
                "id": format!("{base}/id/00D000000000001AAA/005000000000001AAA"),
                "token_type": "Bearer",
                "scope": "api",
                "issued_at": "1700000000000",
            });
            org.emulator.set_faults(vec![Fault::token(
                1000,
                FaultAction::Status {
                    status: 200,
                    retry_after_secs: None,
                    body: Some(body.to_string()),
                },
            )]);
            vec![("SFJWT_TEST_CANARY_TOKEN", CANARY_TOKEN.to_owned())]
        }
        "test_stress" => {
            let rounds = if mode == Mode::Valgrind {
                STRESS_ROUNDS_VALGRIND
            } else {
                STRESS_ROUNDS_NATIVE
            };
            vec![("SFJWT_TEST_STRESS_ITERATIONS", rounds.to_string())]
        }
        _ => Vec::new(),
    }
}

/// Runs test program `name` in `mode` and checks its cases, its exit status,
/// valgrind's or the sanitizers' verdict and the emulator's login count.
fn run_program(
    setup: &Setup,
    name: &'static str,
    logins: RangeInclusive<usize>,
    mode: Mode,
) -> Vec<Case> {
    let label = match mode {
        Mode::Valgrind => name.to_owned(),
        Mode::Native if !setup.valgrind => name.to_owned(),
        Mode::Native => format!("{name} (without valgrind)"),
        Mode::AddressSanitizer => format!("{name} (AddressSanitizer)"),
    };
    let (org, dir, properties) = org(setup, &label.replace([' ', '(', ')'], "_"), USER);
    let mut env = vec![
        ("SFJWT_TEST_ISSUER", ISSUER.to_owned()),
        ("SFJWT_TEST_SUBJECT", USER.to_owned()),
        ("SFJWT_TEST_STORE_PASSWORD", STORE_PASSWORD.to_owned()),
        ("SFJWT_TEST_LOGIN_URL", org.emulator.base_url()),
        ("SFJWT_TEST_MY_DOMAIN", org.emulator.my_domain_url()),
        ("SFJWT_TEST_ECA_ISSUER", ECA_ISSUER.to_owned()),
        ("SFJWT_TEST_CA_FILE", org.ca_file.display().to_string()),
        (
            "SFJWT_TEST_FIXTURES",
            setup.root.join("tests/fixtures").display().to_string(),
        ),
        ("SFJWT_TEST_PROPERTIES", properties.display().to_string()),
        ("SFJWT_TEST_WORK_DIR", dir.display().to_string()),
    ];
    env.extend(prepare(name, mode, &org));
    let run = run(mode, &setup.root, &dir, &setup.work.join(name), &[], &env);
    let name = label;

    let mut cases = Vec::new();
    for line in run.stdout.lines() {
        if let Some(case) = line.strip_prefix("ok - ") {
            cases.push(Case::new(format!("{name}: {case}"), Ok(())));
        } else if let Some(case) = line.strip_prefix("FAIL - ") {
            cases.push(Case::new(format!("{name}: {case}"), Err(run.transcript())));
        }
    }
    let closing = run
        .stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_owned();
    let finished = if run.status == Some(0) && closing.ends_with(" 0 failed") {
        Ok(())
    } else {
        Err(run.transcript())
    };
    cases.push(Case::new(format!("{name}: exits 0 ({closing})"), finished));
    let checker = match mode {
        Mode::Valgrind => Some("valgrind"),
        Mode::AddressSanitizer => Some("AddressSanitizer"),
        Mode::Native => None,
    };
    if let Some(checker) = checker {
        cases.push(Case::new(
            format!("{name}: {checker} clean"),
            run.checker
                .clone()
                .map(|summary| println!("{name}: {checker}: {summary}")),
        ));
    }
    let seen = org.emulator.login_count();
    let expected = if logins.start() == logins.end() {
        logins.start().to_string()
    } else {
        format!("{}..={}", logins.start(), logins.end())
    };
    cases.push(Case::new(
        format!("{name}: {expected} login(s) at the emulator"),
        if logins.contains(&seen) {
            Ok(())
        } else {
            Err(format!(
                "the emulator issued {seen} token(s)\n{}",
                org.log_text()
            ))
        },
    ));
    if let Some(expected) = token_requests(name_of(&name)) {
        let seen = org
            .emulator
            .log()
            .iter()
            .filter(|entry| entry.path == "/services/oauth2/token")
            .count();
        cases.push(Case::new(
            format!("{name}: {expected} token requests at the emulator"),
            if seen == expected {
                Ok(())
            } else {
                Err(format!("{seen} token requests\n{}", org.log_text()))
            },
        ));
    }
    cases
}

/// The token requests a program makes, where it counts them (test_my_domain.c: an ECA
/// login, a connected app's two then one, an explicit generic audience refused once, a
/// connection test's two).
fn token_requests(program: &str) -> Option<usize> {
    (program == "test_my_domain").then_some(7)
}

/// The program of a run's label (`test_x (AddressSanitizer)` → `test_x`).
fn name_of(label: &str) -> &str {
    label.split(' ').next().unwrap_or(label)
}

fn run_example(setup: &Setup, subject: &str, exit: i32, expected: &str) -> Vec<Case> {
    let label = format!("example-{}", subject.replace(['@', '.'], "_"));
    let (_org, dir, properties) = org(setup, &label, subject);
    let run = run(
        mode_of(setup),
        &setup.root,
        &dir,
        &setup.work.join("test_connection"),
        &[&properties],
        &[],
    );
    let outcome = if run.status != Some(exit) {
        Err(format!("expected exit status {exit}\n{}", run.transcript()))
    } else if !run.stdout.contains(expected) {
        Err(format!(
            "expected the report to contain {expected:?}\n{}",
            run.transcript()
        ))
    } else {
        Ok(())
    };
    let name = format!("example test_connection: {subject} exits {exit}");
    let mut cases = vec![Case::new(name.clone(), outcome)];
    if setup.valgrind {
        cases.push(Case::new(
            format!("{name}: valgrind clean"),
            run.checker
                .clone()
                .map(|summary| println!("{label}: valgrind {summary}")),
        ));
    }
    cases
}
