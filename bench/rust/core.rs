// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Key loading per keystore format, and RS256 signing throughput from a loaded key.
//! Run with `cargo bench --bench core`; compare signing with `openssl speed rsa2048`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod common;

use common::FORMATS;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sfjwt::{AssertionSigner, Claims, Keystore, KeystoreType};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

fn key_loading(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_signing_key");
    group.measurement_time(Duration::from_secs(5));
    for (label, file, store_password, key_password) in FORMATS {
        let path = fixture(file);
        let bytes = std::fs::read(&path).expect("fixture present");
        group.bench_function(label, |b| {
            b.iter(|| {
                let keystore =
                    Keystore::from_bytes(&path, &bytes, KeystoreType::Auto, store_password)
                        .expect("opens");
                black_box(keystore.signing_key(None, key_password).expect("decrypts"))
            })
        });
    }
    group.finish();
}

fn signing(c: &mut Criterion) {
    let key = Keystore::open(&fixture("jks-same.jks"), KeystoreType::Auto, "changeit1")
        .and_then(|k| k.signing_key(None, "changeit1"))
        .expect("fixture key");
    let signer = AssertionSigner::new(key);
    let claims = Claims::new(
        "3MVG9demo",
        "etl@example.com",
        "https://login.salesforce.com",
        180,
        SystemTime::now(),
    )
    .expect("claims");
    let mut group = c.benchmark_group("sign_assertion");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rs256_2048", |b| {
        b.iter(|| black_box(signer.sign(&claims).expect("signs")))
    });
    group.finish();
}

criterion_group!(benches, key_loading, signing);
criterion_main!(benches);
