// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The Rust driver of `make soak` (bench/soak/run.py): THREADS threads call
//! `Client::token()` and a REST call (`Client::get_json`) in a loop against the emulator
//! for SECS seconds, while run.py injects faults. Each call is timed against its
//! deadline; failures are counted by code; the process's RSS, open descriptors and
//! threads are sampled at the end of the first minute (or of the first half of a shorter
//! run) and at the end. It prints one JSON summary line.
//!
//! `cargo run -p sfjwt-bench --example soak -- PROPERTIES SECS THREADS PAUSE_MS DEADLINE_MS`

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use sfjwt::{Client, Config};

/// What every worker adds to.
#[derive(Default)]
struct Tally {
    calls: AtomicU64,
    ok: AtomicU64,
    late: AtomicU64,
    slowest_ms: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Tally {
    fn record<T>(&self, started: Instant, deadline: Duration, outcome: sfjwt::Result<T>) {
        let took = started.elapsed();
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.slowest_ms.fetch_max(
            u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        if took > deadline {
            self.late.fetch_add(1, Ordering::Relaxed);
        }
        match outcome {
            Ok(_) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                *self
                    .errors
                    .lock()
                    .unwrap()
                    .entry(e.code().name().to_owned())
                    .or_default() += 1;
            }
        }
    }
}

/// RSS in KiB, open descriptors and threads of this process, from /proc.
fn footprint() -> serde_json::Value {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    json!({"rss_kib": field("VmRSS:"), "fds": fds, "threads": field("Threads:")})
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [properties, secs, threads, pause_ms, deadline_ms] = &args[..] else {
        eprintln!("usage: soak PROPERTIES SECS THREADS PAUSE_MS DEADLINE_MS");
        std::process::exit(2);
    };
    let number = |text: &str| text.parse::<u64>().expect("a whole number");
    let duration = Duration::from_secs(number(secs));
    let pause = Duration::from_millis(number(pause_ms));
    let deadline = Duration::from_millis(number(deadline_ms));
    let config = Config::from_properties(Path::new(properties)).expect("soak settings");
    let client = Arc::new(Client::new(config).expect("soak client"));
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));

    let workers: Vec<_> = (0..number(threads))
        .map(|_| {
            let (client, tally, stop) = (client.clone(), tally.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    tally.record(started, deadline, client.token());
                    let started = Instant::now();
                    let limits = client.get_json("/services/data/v62.0/limits");
                    tally.record(started, deadline, limits);
                    std::thread::sleep(pause);
                }
            })
        })
        .collect();

    let first_sample_at = (duration / 2).min(Duration::from_secs(60));
    std::thread::sleep(first_sample_at);
    let first = footprint();
    std::thread::sleep(duration.saturating_sub(first_sample_at));
    let last = footprint();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("worker");
    }
    let errors = tally.errors.lock().unwrap().clone();
    println!(
        "{}",
        json!({
            "surface": "rust",
            "calls": tally.calls.load(Ordering::Relaxed),
            "ok": tally.ok.load(Ordering::Relaxed),
            "late": tally.late.load(Ordering::Relaxed),
            "slowest_ms": tally.slowest_ms.load(Ordering::Relaxed),
            "errors": errors,
            "first_sample_secs": first_sample_at.as_secs(),
            "first": first,
            "last": last,
        })
    );
}
