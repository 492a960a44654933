// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The C ABI, tested from C: compiles the programs of `tests/c/` and the example
//! `bindings/c/examples/test_connection.c` with `gcc -Wall -Wextra -Werror` against
//! the committed `include/sfjwt.h`, links them to `libsfjwt`, and runs each under
//! valgrind against an emulator of its own, checking the emulator's login count
//! from here. Prints one line per case and a closing `N passed, N failed`.
//!
//! `make c-test` builds the library with `--features testing`, copies it to a
//! directory of its own and runs this test with:
//!
//! - `SFJWT_C_LIB_DIR`: that directory (`libsfjwt.so`, `libsfjwt.so.0`). Without
//!   it the test only says how to run it: a plain `cargo test` cannot build the
//!   library with the `testing` feature.
//! - `SFJWT_C_VALGRIND=0` to run without valgrind (default: with; a missing
//!   valgrind fails the test).
//! - `CC` for the compiler (default `gcc`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{ISSUER, STORE_PASSWORD, USER, fixture};

/// The test programs and the logins each must cause.
const PROGRAMS: [(&str, usize); 5] = [
    ("test_success", 3),
    ("test_errors", 0),
    ("test_null", 0),
    ("test_threads", 1),
    ("test_panic", 0),
];

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
            programs.push((name, logins));
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
        for (name, logins) in programs {
            handles.push(scope.spawn(move || run_program(setup, name, logins, setup.valgrind)));
            // Valgrind runs one thread at a time: the threads test also runs natively,
            // where its 16 threads really race for the login.
            if name == "test_threads" && setup.valgrind {
                handles.push(scope.spawn(move || run_program(setup, name, logins, false)));
            }
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
    valgrind: Result<String, String>,
}

impl Run {
    fn transcript(&self) -> String {
        format!(
            "exit status: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `program` (under valgrind unless disabled) with `env`, in `dir`.
fn run(valgrind: bool, dir: &Path, program: &Path, args: &[&Path], env: &[(&str, String)]) -> Run {
    let valgrind_log = dir.join("valgrind.log");
    let mut command = if valgrind {
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
        valgrind: if valgrind {
            valgrind_verdict(&read(&valgrind_log))
        } else {
            Ok("not run".to_owned())
        },
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

/// Runs test program `name` (under valgrind when `valgrind`) and checks its cases,
/// its exit status, valgrind's verdict and the emulator's login count.
fn run_program(setup: &Setup, name: &'static str, logins: usize, valgrind: bool) -> Vec<Case> {
    let label = if valgrind || !setup.valgrind {
        name.to_owned()
    } else {
        format!("{name} (without valgrind)")
    };
    let (org, dir, properties) = org(setup, &label.replace([' ', '(', ')'], "_"), USER);
    let env = [
        ("SFJWT_TEST_ISSUER", ISSUER.to_owned()),
        ("SFJWT_TEST_SUBJECT", USER.to_owned()),
        ("SFJWT_TEST_STORE_PASSWORD", STORE_PASSWORD.to_owned()),
        ("SFJWT_TEST_LOGIN_URL", org.emulator.base_url()),
        ("SFJWT_TEST_CA_FILE", org.ca_file.display().to_string()),
        (
            "SFJWT_TEST_FIXTURES",
            setup.root.join("tests/fixtures").display().to_string(),
        ),
        ("SFJWT_TEST_PROPERTIES", properties.display().to_string()),
        ("SFJWT_TEST_WORK_DIR", dir.display().to_string()),
    ];
    let run = run(valgrind, &dir, &setup.work.join(name), &[], &env);
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
    if valgrind {
        cases.push(Case::new(
            format!("{name}: valgrind clean"),
            run.valgrind
                .clone()
                .map(|summary| println!("{name}: valgrind {summary}")),
        ));
    }
    let seen = org.emulator.login_count();
    cases.push(Case::new(
        format!("{name}: {logins} login(s) at the emulator"),
        if seen == logins {
            Ok(())
        } else {
            Err(format!(
                "the emulator issued {seen} token(s)\n{}",
                org.log_text()
            ))
        },
    ));
    cases
}

fn run_example(setup: &Setup, subject: &str, exit: i32, expected: &str) -> Vec<Case> {
    let label = format!("example-{}", subject.replace(['@', '.'], "_"));
    let (_org, dir, properties) = org(setup, &label, subject);
    let run = run(
        setup.valgrind,
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
            run.valgrind
                .clone()
                .map(|summary| println!("{label}: valgrind {summary}")),
        ));
    }
    cases
}
