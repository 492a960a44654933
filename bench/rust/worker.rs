// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The Rust side of `make bench` (bench/run.py): a long-lived release process that
//! answers one measurement per line on stdin with one JSON line on stdout, so that the
//! orchestrator can interleave it with its reference (openssl, Java, PyJWT) round by
//! round while this process stays warm.
//!
//! It starts an in-process emulator for the token and login rows. Commands:
//!
//! ```text
//! sign SECS                  RS256 assertions per second from a loaded key (one thread)
//! load FORMAT SECS           keystore open + key decryption, ns per load
//! token THREADS SECS         warm-cache Client::token(), ns per call
//! reftoken THREADS SECS      a hand-rolled RwLock<(Arc<token>, expiry)> cache, ns per call
//! logins THREADS             cold cache, THREADS concurrent token() → logins the emulator counted
//! handshakes N               N sequential uncached logins on one Client → TLS handshakes
//! quit
//! ```
//!
//! Run by hand: `cargo bench -p sfjwt-bench --bench worker -- --worker FIXTURES_DIR WORK_DIR`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant, SystemTime};

mod common;

use common::FORMATS;
use serde_json::{Value, json};
use sfjwt::{AssertionSigner, Claims, Client, Config, Keystore, KeystoreType};
use sfjwt_emulator::{ConnectedApp, Emulator, EmulatorConfig, StartOptions, User};

const APP: &str = "3MVG9bench";
const USER: &str = "etl@example.com";
const AUDIENCE: &str = "https://login.salesforce.com";
/// How many calls a thread makes between two looks at the clock.
const BATCH: u64 = 256;

struct Bench {
    fixtures: PathBuf,
    work: PathBuf,
    signer: AssertionSigner,
    /// Serves the warm-cache client; the login rows start emulators of their own, so
    /// that each begins with a cold cache (the cache is keyed by login URL).
    emulator: Emulator,
    warm: Client,
}

fn emulator_config(fixtures: &Path) -> EmulatorConfig {
    let certificate =
        std::fs::read_to_string(fixtures.join("certs/jks-same.talend_certificate.crt"))
            .expect("fixture certificate");
    EmulatorConfig {
        apps: vec![ConnectedApp::new(APP, certificate)],
        users: vec![User::new(USER)],
        login_rate_limit_per_hour: 1_000_000,
        ..EmulatorConfig::default()
    }
}

impl Bench {
    fn new(fixtures: PathBuf, work: PathBuf) -> Bench {
        std::fs::create_dir_all(&work).expect("work directory");
        let signer = AssertionSigner::new(
            Keystore::open(
                &fixtures.join("jks-same.jks"),
                KeystoreType::Auto,
                "changeit1",
            )
            .and_then(|k| k.signing_key(None, "changeit1"))
            .expect("fixture key"),
        );
        let emulator = Emulator::start(emulator_config(&fixtures), StartOptions::default())
            .expect("emulator starts");
        let warm = new_client(&fixtures, &work, &emulator, true);
        warm.token().expect("first login");
        Bench {
            fixtures,
            work,
            signer,
            emulator,
            warm,
        }
    }

    fn client(&self, emulator: &Emulator, cache: bool) -> Client {
        new_client(&self.fixtures, &self.work, emulator, cache)
    }
    fn run(&mut self, words: &[&str]) -> Value {
        let number = |i: usize| -> f64 {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("argument {i} of {words:?}"))
        };
        match words.first().copied() {
            Some("sign") => self.sign(Duration::from_secs_f64(number(1))),
            Some("load") => load(&self.fixtures, words[1], Duration::from_secs_f64(number(2))),
            Some("token") => {
                let client = &self.warm;
                per_call(
                    number(1) as usize,
                    Duration::from_secs_f64(number(2)),
                    || {
                        std::hint::black_box(client.token().expect("cached token"));
                    },
                )
            }
            Some("reftoken") => {
                let token = self.warm.token().expect("cached token");
                let cache = RwLock::new(Some((token, Instant::now() + Duration::from_secs(900))));
                per_call(
                    number(1) as usize,
                    Duration::from_secs_f64(number(2)),
                    || {
                        let guard = cache.read().expect("not poisoned");
                        let hit = guard
                            .as_ref()
                            .filter(|(_, until)| Instant::now() < *until)
                            .map(|(t, _)| t.clone());
                        std::hint::black_box(hit);
                    },
                )
            }
            Some("logins") => self.logins(number(1) as usize),
            Some("handshakes") => self.handshakes(number(1) as usize),
            other => json!({ "error": format!("unknown command {other:?}") }),
        }
    }

    fn sign(&self, duration: Duration) -> Value {
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < duration {
            let claims = Claims::new(APP, USER, AUDIENCE, 180, SystemTime::now()).expect("claims");
            std::hint::black_box(self.signer.sign(&claims).expect("signs"));
            count += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        json!({ "ops_per_s": count as f64 / secs, "count": count })
    }

    /// `threads` callers at once on a cold cache, then the same without the cache.
    fn logins(&mut self, threads: usize) -> Value {
        let mut counts = Vec::new();
        for cache in [true, false] {
            let emulator =
                Emulator::start(emulator_config(&self.fixtures), StartOptions::default())
                    .expect("emulator starts");
            let client = self.client(&emulator, cache);
            let barrier = Barrier::new(threads);
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(|| {
                        barrier.wait();
                        client.token().expect("token");
                    });
                }
            });
            counts.push(token_requests(&emulator));
        }
        json!({ "threads": threads, "logins": counts[0], "reference_logins": counts[1] })
    }

    /// `n` uncached logins on one client, then `n` logins each on a new client.
    fn handshakes(&mut self, n: usize) -> Value {
        let emulator = Emulator::start(emulator_config(&self.fixtures), StartOptions::default())
            .expect("emulator starts");
        let client = self.client(&emulator, false);
        let start = Instant::now();
        for _ in 0..n {
            client.token().expect("login");
        }
        let reused_ms = start.elapsed().as_secs_f64() * 1e3 / n as f64;
        let handshakes = emulator.tls_handshakes();
        let logins = token_requests(&emulator);
        drop(client);

        let fresh = Emulator::start(emulator_config(&self.fixtures), StartOptions::default())
            .expect("emulator starts");
        let clients: Vec<Client> = (0..n).map(|_| self.client(&fresh, false)).collect();
        let start = Instant::now();
        for client in &clients {
            client.token().expect("login");
        }
        let fresh_ms = start.elapsed().as_secs_f64() * 1e3 / n as f64;
        json!({
            "logins": logins,
            "handshakes": handshakes,
            "ms_per_login": reused_ms,
            "reference_handshakes": fresh.tls_handshakes(),
            "reference_ms_per_login": fresh_ms,
        })
    }
}

/// A client of `emulator`, its CA written to a file of its own.
fn new_client(fixtures: &Path, work: &Path, emulator: &Emulator, cache: bool) -> Client {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    let ca = work.join(format!("worker-ca-{}-{serial}.pem", emulator.port()));
    std::fs::write(&ca, emulator.ca_pem()).expect("CA written");
    let keystore = fixtures.join("jks-same.jks");
    let settings = [
        ("issuer", APP.to_owned()),
        ("subject", USER.to_owned()),
        ("audience", AUDIENCE.to_owned()),
        ("login_url", emulator.base_url()),
        ("ca_file", ca.to_string_lossy().into_owned()),
        ("keystore_path", keystore.to_string_lossy().into_owned()),
        ("keystore_password", "changeit1".to_owned()),
        ("retries", "0".to_owned()),
        ("token_cache", cache.to_string()),
    ];
    let mut builder = Config::builder();
    for (key, value) in settings {
        builder.set(key, &value).expect("bench setting");
    }
    Client::new(builder.build().expect("bench configuration")).expect("client")
}

/// Successful token requests in the emulator's log.
fn token_requests(emulator: &Emulator) -> usize {
    emulator
        .log()
        .iter()
        .filter(|e| e.path == "/services/oauth2/token" && e.status == 200)
        .count()
}

fn load(fixtures: &Path, format: &str, duration: Duration) -> Value {
    let (_, file, store_password, key_password) = FORMATS
        .iter()
        .find(|(label, ..)| *label == format)
        .unwrap_or_else(|| panic!("unknown format {format}"));
    let path = fixtures.join(file);
    let start = Instant::now();
    let mut count = 0u64;
    while count < 3 || start.elapsed() < duration {
        let keystore =
            Keystore::open(&path, KeystoreType::Auto, store_password).expect("keystore opens");
        std::hint::black_box(keystore.signing_key(None, key_password).expect("key"));
        count += 1;
    }
    let ns = start.elapsed().as_nanos() as f64 / count as f64;
    json!({ "ns": ns, "count": count })
}

/// `threads` threads call `call` for `duration`; the result is core-nanoseconds per
/// call: wall time × the cores the threads could use ÷ calls. On one thread it is the
/// plain latency; on more, it stays flat when calls scale and grows with contention.
fn per_call(threads: usize, duration: Duration, call: impl Fn() + Sync) -> Value {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let total = AtomicU64::new(0);
    let barrier = Barrier::new(threads + 1);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let wall = std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                barrier.wait();
                let mut calls = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..BATCH {
                        call();
                    }
                    calls += BATCH;
                }
                total.fetch_add(calls, Ordering::Relaxed);
            });
        }
        barrier.wait();
        let start = Instant::now();
        std::thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        start
    });
    let wall = wall.elapsed().as_nanos() as f64;
    let calls = total.load(Ordering::Relaxed) as f64;
    let used_cores = threads.min(cores) as f64;
    json!({
        "ns_per_call": wall * used_cores / calls,
        "calls": calls,
        "threads": threads,
        "calls_per_s": calls / wall * 1e9,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(position) = args.iter().position(|a| a == "--worker") else {
        // `cargo bench` runs every bench target: this one is driven by bench/run.py.
        eprintln!("worker: driven by `make bench` (bench/run.py); nothing to do alone");
        return;
    };
    let fixtures = PathBuf::from(&args[position + 1]);
    let work = PathBuf::from(&args[position + 2]);
    let mut bench = Bench::new(fixtures, work);
    let stdout = std::io::stdout();
    println!(
        "{}",
        json!({ "ready": true, "emulator": bench.emulator.base_url() })
    );
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"quit") {
            break;
        }
        let answer = bench.run(&words);
        let mut out = stdout.lock();
        writeln!(out, "{answer}").expect("stdout");
        out.flush().expect("stdout");
    }
}
