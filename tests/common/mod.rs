// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Helpers shared by the integration tests: the fixtures and their reference listing,
//! temporary directories, the CLI binary, the outside verifier (`openssl`), and small
//! std-only codecs (base64, SHA-1) and a deterministic PRNG.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use sfjwt::{EntryKind, KeystoreFormat, KeystoreType};

/// The store password of every fixture but `p12-unencrypted.p12`.
pub const STORE_PASSWORD: &str = "changeit1";
/// The separate key password of `jks-diffkey.jks`, `jceks.jceks` and `pem-encrypted.pem`.
pub const KEY_PASSWORD: &str = "keypass2";
/// A distinctive wrong password, searched for in every output.
pub const WRONG_PASSWORD: &str = "Wr0ng-Pa55-zq";

/// `tests/fixtures` of the workspace (this module is shared by the core's and the CLI's
/// tests, whose manifests sit at different depths).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests").join("fixtures"))
        .find(|dir| dir.is_dir())
        .expect("tests/fixtures in the workspace")
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// `tests/fixtures/certs/<name>`.
pub fn cert_file(name: &str) -> PathBuf {
    fixtures_dir().join("certs").join(name)
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("reading fixture {name}: {e}"))
}

/// What a fixture is and how to open it.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub file: &'static str,
    pub format: KeystoreFormat,
    pub store_password: &'static str,
    pub key_password: &'static str,
    /// Private-key entry that can sign RS256 (alias as stored), with its
    /// `certs/` file, if any.
    pub signer: Option<Signer>,
}

#[derive(Debug, Clone, Copy)]
pub struct Signer {
    pub alias: &'static str,
    /// The `certs/` file name; `None` for `pem-nocert.pem`.
    pub cert: Option<&'static str>,
    /// The alias argument needed (several private keys in the store).
    pub needs_alias: bool,
}

const fn signer(alias: &'static str, cert: &'static str) -> Option<Signer> {
    Some(Signer {
        alias,
        cert: Some(cert),
        needs_alias: false,
    })
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        fixture(self.file)
    }

    pub fn bytes(&self) -> Vec<u8> {
        read_fixture(self.file)
    }

    /// The forced `keystore_type` matching the format.
    pub fn forced_type(&self) -> KeystoreType {
        type_of(self.format)
    }
}

pub fn type_of(format: KeystoreFormat) -> KeystoreType {
    match format {
        KeystoreFormat::Jks => KeystoreType::Jks,
        KeystoreFormat::Jceks => KeystoreType::Jceks,
        KeystoreFormat::Pkcs12 => KeystoreType::Pkcs12,
        KeystoreFormat::Pem => KeystoreType::Pem,
    }
}

pub const ALL_FORCED_TYPES: [KeystoreType; 4] = [
    KeystoreType::Jks,
    KeystoreType::Jceks,
    KeystoreType::Pkcs12,
    KeystoreType::Pem,
];

use KeystoreFormat::{Jceks, Jks, Pem, Pkcs12};

/// Every keystore fixture (all files of tests/fixtures but the README, the script, the
/// reference listing, `not-a-keystore.txt` and the sibling `.crt` files).
#[rustfmt::skip]
pub const FIXTURES: [Fixture; 20] = [
    Fixture { file: "jks-same.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("talend_certificate", "jks-same.talend_certificate.crt") },
    Fixture { file: "jks-diffkey.jks", format: Jks, store_password: STORE_PASSWORD, key_password: KEY_PASSWORD, signer: signer("sfdc", "jks-diffkey.sfdc.crt") },
    Fixture { file: "jks-multi.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: Some(Signer { alias: "first", cert: Some("jks-multi.first.crt"), needs_alias: true }) },
    Fixture { file: "jks-ec.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: None },
    Fixture { file: "jks-rsa1024.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: None },
    Fixture { file: "jks-trusted-only.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: None },
    Fixture { file: "jks-expiring.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("soon", "jks-expiring.soon.crt") },
    Fixture { file: "jks-dsa.jks", format: Jks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: None },
    Fixture { file: "jceks.jceks", format: Jceks, store_password: STORE_PASSWORD, key_password: KEY_PASSWORD, signer: Some(Signer { alias: "sfdc", cert: Some("jceks.sfdc.crt"), needs_alias: false }) },
    Fixture { file: "jceks-same.jceks", format: Jceks, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("sfdc", "jceks-same.sfdc.crt") },
    Fixture { file: "p12-keytool.p12", format: Pkcs12, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("sfdc", "p12-keytool.sfdc.crt") },
    Fixture { file: "p12-openssl.p12", format: Pkcs12, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("sfdc", "p12-openssl.sfdc.crt") },
    Fixture { file: "p12-legacy.p12", format: Pkcs12, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("sfdc", "p12-legacy.sfdc.crt") },
    Fixture { file: "p12-nomac.p12", format: Pkcs12, store_password: STORE_PASSWORD, key_password: STORE_PASSWORD, signer: signer("sfdc", "p12-nomac.sfdc.crt") },
    Fixture { file: "p12-unencrypted.p12", format: Pkcs12, store_password: "", key_password: "", signer: signer("sfdc", "p12-unencrypted.sfdc.crt") },
    Fixture { file: "pem-pkcs8.pem", format: Pem, store_password: "", key_password: "", signer: signer("pem-pkcs8", "pem-pkcs8.pem-pkcs8.crt") },
    Fixture { file: "pem-pkcs1.key", format: Pem, store_password: "", key_password: "", signer: signer("pem-pkcs1", "pem-pkcs1.pem-pkcs1.crt") },
    Fixture { file: "pem-encrypted.pem", format: Pem, store_password: "", key_password: KEY_PASSWORD, signer: signer("pem-encrypted", "pem-encrypted.pem-encrypted.crt") },
    Fixture { file: "pem-nocert.pem", format: Pem, store_password: "", key_password: "", signer: Some(Signer { alias: "pem-nocert", cert: None, needs_alias: false }) },
    Fixture { file: "pem-ec.pem", format: Pem, store_password: "", key_password: "", signer: None },
];

pub fn fixture_info(file: &str) -> Fixture {
    *FIXTURES
        .iter()
        .find(|f| f.file == file)
        .unwrap_or_else(|| panic!("no fixture {file}"))
}

/// Fixtures holding an RSA ≥ 2048 key that signs.
pub fn signing_fixtures() -> impl Iterator<Item = (Fixture, Signer)> {
    FIXTURES.iter().filter_map(|f| f.signer.map(|s| (*f, s)))
}

/// One line of `fingerprints.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub file: String,
    pub alias: String,
    pub kind: EntryKind,
    pub sha1: String,
    pub sha256: String,
    pub subject: String,
}

/// Parses `tests/fixtures/fingerprints.tsv` (no header; tab-separated
/// file, alias, kind, sha1, sha256, subject).
pub fn references() -> Vec<Reference> {
    let text = std::fs::read_to_string(fixture("fingerprints.tsv")).expect("fingerprints.tsv");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                cols.len(),
                6,
                "fingerprints.tsv line has 6 columns: {line:?}"
            );
            let kind = match cols[2] {
                "private_key" => EntryKind::PrivateKey,
                "trusted_cert" => EntryKind::TrustedCertificate,
                other => panic!("unknown kind {other} in fingerprints.tsv"),
            };
            Reference {
                file: cols[0].to_owned(),
                alias: cols[1].to_owned(),
                kind,
                sha1: cols[3].to_owned(),
                sha256: cols[4].to_owned(),
                subject: cols[5].to_owned(),
            }
        })
        .collect()
}

pub fn references_for(file: &str) -> Vec<Reference> {
    references()
        .into_iter()
        .filter(|r| r.file == file)
        .collect()
}

pub fn reference(file: &str, alias: &str) -> Reference {
    references()
        .into_iter()
        .find(|r| r.file == file && r.alias == alias)
        .unwrap_or_else(|| panic!("no fingerprints.tsv line for {file} {alias}"))
}

/// A temporary directory removed on drop (std only).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "sfjwt-test-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------------
// The outside verifier: openssl

/// The SubjectPublicKeyInfo PEM of a certificate, extracted by
/// `openssl x509 -pubkey -noout -in <cert>`.
pub fn openssl_pubkey_pem(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(cert)
        .output()
        .expect("run openssl x509 (is openssl installed?)");
    assert!(
        out.status.success(),
        "openssl x509 -pubkey failed on {}: {}",
        cert.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = String::from_utf8(out.stdout).expect("PEM is ASCII");
    assert!(pem.contains("-----BEGIN PUBLIC KEY-----"), "{pem}");
    pem
}

/// `openssl dgst -sha256 -verify pubkey.pem -signature sig.bin data.txt`: returns
/// (exit success, stdout + stderr).
pub fn openssl_verify(pubkey_pem: &str, data: &[u8], signature: &[u8]) -> (bool, String) {
    let dir = TempDir::new("verify");
    let key = dir.write("pubkey.pem", pubkey_pem);
    let sig = dir.write("sig.bin", signature);
    let data = dir.write("data.txt", data);
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&key)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .expect("run openssl dgst");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

// ---------------------------------------------------------------------------------
// Codecs

/// base64url without padding (a JWT part), strictly: no `+`, `/` or `=`.
pub fn b64url_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap_or_else(|e| panic!("not unpadded base64url ({e}): {text}"))
}

/// The PEM blocks of a text: (label, DER).
pub fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    pem::parse_many(text)
        .expect("PEM")
        .into_iter()
        .map(|block| (block.tag().to_owned(), block.into_contents()))
        .collect()
}

pub fn pem_encode(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

/// The DER of the first certificate of a PEM file.
pub fn cert_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).expect("read certificate");
    pem_blocks(&text)
        .into_iter()
        .find(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| der)
        .unwrap_or_else(|| panic!("no certificate in {}", path.display()))
}

/// Uppercase hex pairs joined with colons, as keytool prints fingerprints.
pub fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// SHA-1 of the concatenated parts: the JKS/JCEKS integrity digest is recomputed
/// after a mutation so that the mutated structure gets past the integrity check.
pub fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    use aws_lc_rs::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};
    let mut context = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    for part in parts {
        context.update(part);
    }
    context.finish().as_ref().try_into().expect("20 bytes")
}

/// Sun's JKS/JCEKS integrity digest: SHA-1(UTF-16BE password || "Mighty Aphrodite" || data).
pub fn jks_integrity_digest(password: &str, data: &[u8]) -> [u8; 20] {
    let pw: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    sha1(&[&pw, b"Mighty Aphrodite", data])
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_rfc3339_utc(text: &str) -> i64 {
    let bad = || panic!("not an RFC 3339 UTC time: {text}");
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        bad();
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap_or_else(|_| bad());
    days_from_civil(num(0..4), num(5..7) as u32, num(8..10) as u32) * 86_400
        + num(11..13) * 3600
        + num(14..16) * 60
        + num(17..19)
}

/// Seconds since the epoch of openssl's `Nov 28 15:47:50 2025 GMT`.
pub fn parse_openssl_time(text: &str) -> i64 {
    let parts: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "openssl time {text:?}");
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])
    .expect("month") as u32
        + 1;
    let day: u32 = parts[1].parse().expect("day");
    let hms: Vec<i64> = parts[2]
        .split(':')
        .map(|p| p.parse().expect("hms"))
        .collect();
    let year: i64 = parts[3].parse().expect("year");
    assert_eq!(parts[4], "GMT");
    days_from_civil(year, month, day) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

/// xorshift64*: a tiny deterministic PRNG, no `rand` dependency.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A seed derived from a name (FNV-1a), so every fixture has its own stream.
    pub fn for_name(name: &str) -> XorShift {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        XorShift::new(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-enough in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
}
