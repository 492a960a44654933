// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Random and structural corruption of every keystore fixture: each mutated input is
//! opened, inspected and asked for its signing key inside `catch_unwind`; it must end
//! in a keystore error code (never INTERNAL, never a panic) or in a usable key.
//!
//! Deterministic: every random mutation has its own xorshift seed, printed with any
//! failure. JKS and JCEKS inputs are also tried with the integrity digest recomputed,
//! so the mutation reaches the entry parsers instead of stopping at the digest; PKCS#12
//! and PEM inputs are also mutated at the DER level (lengths, tags, integers) so that
//! the ASN.1 parsers see well-formed-looking garbage.
//!
//! Reproduce one failure: the label names the fixture, the mutation kind and its seed
//! or offset; `apply(kind, seed, bytes)` rebuilds a random one.

mod common;

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime};

use common::*;
use sfjwt::{AssertionSigner, Claims, ErrorCode, Keystore, KeystoreFormat, KeystoreType};

/// The codes a corrupt keystore may end in.
const ALLOWED: [ErrorCode; 7] = [
    ErrorCode::KeystoreFormat,
    ErrorCode::KeystorePassword,
    ErrorCode::KeyPassword,
    ErrorCode::AliasNotFound,
    ErrorCode::NotAPrivateKey,
    ErrorCode::UnsupportedKey,
    ErrorCode::Config,
];

/// JCEKS key decryption runs 200,000 MD5 rounds per salt half: only this many
/// opened JCEKS inputs per fixture and pass get `signing_key`.
const JCEKS_SIGN_SAMPLE: usize = 6;

// ---------------------------------------------------------------------------------
// Panic capture

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics inside the checked region are recorded, not printed; any other panic
/// (a failed assertion) goes to the default hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            } else {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------------
// Running one input

struct Tally {
    name: &'static str,
    tried: usize,
    opened: usize,
    signed: usize,
    sign_budget: Option<usize>,
    failures: Vec<String>,
    started: Instant,
}

enum Reached {
    Rejected,
    Opened,
    Signed,
}

impl Tally {
    fn new(name: &'static str) -> Tally {
        install_panic_hook();
        Tally {
            name,
            tried: 0,
            opened: 0,
            signed: 0,
            sign_budget: None,
            failures: Vec::new(),
            started: Instant::now(),
        }
    }

    fn check(&mut self, f: &Fixture, label: &str, bytes: &[u8]) {
        self.tried += 1;
        let try_key = self.sign_budget.is_none_or(|b| b > 0);
        CAPTURING.with(|c| c.set(true));
        let result = panic::catch_unwind(AssertUnwindSafe(|| exercise(f, bytes, try_key)));
        CAPTURING.with(|c| c.set(false));
        match result {
            Ok(Ok(reached)) => {
                if !matches!(reached, Reached::Rejected) {
                    self.opened += 1;
                    if try_key && let Some(b) = self.sign_budget.as_mut() {
                        *b -= 1;
                    }
                }
                if matches!(reached, Reached::Signed) {
                    self.signed += 1;
                }
            }
            Ok(Err(problem)) => self.failures.push(format!(
                "{} [{label}] ({} bytes): {problem}",
                f.file,
                bytes.len()
            )),
            Err(_) => {
                let message = LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "(no message)".to_owned());
                self.failures.push(format!(
                    "{} [{label}] ({} bytes): PANIC {message}",
                    f.file,
                    bytes.len()
                ));
            }
        }
    }

    fn finish(self, min_inputs: usize) {
        println!(
            "{}: {} mutated inputs tried, {} opened, {} gave a key that signed, in {:.1?}",
            self.name,
            self.tried,
            self.opened,
            self.signed,
            self.started.elapsed()
        );
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} mutated inputs misbehaved; first ones:\n{}",
            self.name,
            self.failures.len(),
            self.tried,
            self.failures
                .iter()
                .take(25)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(
            self.tried >= min_inputs,
            "{}: only {} inputs",
            self.name,
            self.tried
        );
    }
}

/// from_bytes, then inspect and signing_key (and a signature) if it opened.
/// `Err` describes a violation: an unexpected code or a message without the file.
fn exercise(f: &Fixture, bytes: &[u8], try_key: bool) -> Result<Reached, String> {
    let path = Path::new(f.file);
    let check = |e: sfjwt::Error, step: &str| -> Result<Reached, String> {
        let code = e.code();
        if !ALLOWED.contains(&code) {
            return Err(format!("{step}: {code} ({}): {e}", code.value()));
        }
        let message = e.to_string();
        if code != ErrorCode::Config && !message.contains(f.file) {
            return Err(format!(
                "{step}: {code} message does not name the file: {message}"
            ));
        }
        if message.contains(STORE_PASSWORD) || message.contains(KEY_PASSWORD) {
            return Err(format!("{step}: a password in the message: {message}"));
        }
        Ok(Reached::Rejected)
    };
    let keystore = match Keystore::from_bytes(path, bytes, KeystoreType::Auto, f.store_password) {
        Ok(ks) => ks,
        Err(e) => return check(e, "from_bytes"),
    };
    let entries = keystore.inspect();
    // Debug must work on whatever was read.
    let _ = format!("{keystore:?}{entries:?}");
    if !try_key {
        return Ok(Reached::Opened);
    }
    let alias = f.signer.filter(|s| s.needs_alias).map(|s| s.alias);
    let key = match keystore.signing_key(alias, f.key_password) {
        Ok(key) => key,
        Err(e) => return check(e, "signing_key").map(|_| Reached::Opened),
    };
    let _ = format!("{key:?}");
    let claims = Claims::new(
        "iss",
        "sub",
        "https://login.salesforce.com",
        60,
        SystemTime::now(),
    )
    .expect("valid claims");
    match AssertionSigner::new(key).sign(&claims) {
        Ok(a) if a.as_str().split('.').count() == 3 => Ok(Reached::Signed),
        Ok(a) => Err(format!("malformed assertion {:?}", a.as_str())),
        Err(e) => Err(format!("a key that loaded does not sign: {} {e}", e.code())),
    }
}

// ---------------------------------------------------------------------------------
// Byte-level mutations

#[derive(Debug, Clone, Copy)]
enum Kind {
    Flip,
    Insert,
    Delete,
    Truncate,
    U32,
}

/// One random mutation, entirely determined by `seed`.
fn apply(kind: Kind, seed: u64, bytes: &[u8]) -> Vec<u8> {
    let mut rng = XorShift::new(seed);
    let mut out = bytes.to_vec();
    match kind {
        Kind::Flip => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(out.len());
                out[at] ^= rng.byte() | 1 << rng.below(8);
            }
        }
        Kind::Insert => {
            let at = rng.below(out.len() + 1);
            out.insert(at, rng.byte());
        }
        Kind::Delete => {
            out.remove(rng.below(out.len()));
        }
        Kind::Truncate => {
            out.truncate(rng.below(out.len()));
        }
        Kind::U32 => {
            const VALUES: [u32; 4] = [0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0x0001_0000];
            let at = rng.below(out.len().saturating_sub(3).max(1));
            let value = VALUES[rng.below(VALUES.len())].to_be_bytes();
            for (i, b) in value.iter().enumerate() {
                if let Some(slot) = out.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
    }
    out
}

/// Every truncation of the first 200 bytes, random truncations beyond, and random
/// flips, insertions, deletions and huge u32 values.
fn byte_mutations(file: &str, bytes: &[u8], flips: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for len in 0..bytes.len().min(200) {
        out.push((format!("truncate@{len}"), bytes[..len].to_vec()));
    }
    let mut rng = XorShift::for_name(file);
    for (kind, count) in [
        (Kind::Truncate, 40),
        (Kind::Flip, flips),
        (Kind::Insert, 40),
        (Kind::Delete, 40),
        (Kind::U32, 80),
    ] {
        for _ in 0..count {
            let seed = rng.next_u64();
            let mutated = apply(kind, seed, bytes);
            out.push((format!("{kind:?} seed={seed:#018x}"), mutated));
        }
    }
    out
}

/// Rewrites the last 20 bytes as the JKS/JCEKS integrity digest of the rest.
fn fix_jks_digest(bytes: &mut [u8], password: &str) {
    if bytes.len() >= 20 {
        let split = bytes.len() - 20;
        let digest = jks_integrity_digest(password, &bytes[..split]);
        bytes[split..].copy_from_slice(&digest);
    }
}

// ---------------------------------------------------------------------------------
// JKS / JCEKS structure

/// Integer fields of a JKS/JCEKS file (offset, width) and the DER blobs it holds.
/// (offset, length) pairs.
type Spans = Vec<(usize, usize)>;

fn jks_layout(bytes: &[u8]) -> (Spans, Spans) {
    let mut fields = Vec::new();
    let mut blobs = Vec::new();
    let be = |at: usize, n: usize| -> usize {
        bytes[at..at + n]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b))
    };
    let version = be(4, 4);
    fields.push((4, 4));
    fields.push((8, 4));
    let count = be(8, 4);
    let mut pos = 12;
    let cert =
        |pos: &mut usize, fields: &mut Vec<(usize, usize)>, blobs: &mut Vec<(usize, usize)>| {
            if version == 2 {
                fields.push((*pos, 2));
                *pos += 2 + be(*pos, 2);
            }
            fields.push((*pos, 4));
            let len = be(*pos, 4);
            blobs.push((*pos + 4, len));
            *pos += 4 + len;
        };
    for _ in 0..count {
        fields.push((pos, 4));
        let tag = be(pos, 4);
        pos += 4;
        fields.push((pos, 2));
        pos += 2 + be(pos, 2);
        pos += 8; // timestamp
        if tag == 1 {
            fields.push((pos, 4));
            let len = be(pos, 4);
            blobs.push((pos + 4, len));
            pos += 4 + len;
            fields.push((pos, 4));
            let chain = be(pos, 4);
            pos += 4;
            for _ in 0..chain {
                cert(&mut pos, &mut fields, &mut blobs);
            }
        } else {
            cert(&mut pos, &mut fields, &mut blobs);
        }
    }
    assert_eq!(pos + 20, bytes.len(), "the layout walk covers the file");
    (fields, blobs)
}

fn jks_structural_mutations(f: &Fixture, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let (fields, blobs) = jks_layout(bytes);
    for (at, width) in fields {
        let original = bytes[at..at + width]
            .iter()
            .fold(0u64, |a, b| a << 8 | u64::from(*b));
        let max = if width == 2 { 0xFFFF } else { 0xFFFF_FFFF };
        let values = [
            0,
            1,
            max,
            max >> 1,
            (max >> 1) + 1,
            (original + 1) & max,
            original.wrapping_sub(1) & max,
        ];
        for value in values {
            if value == original {
                continue;
            }
            let mut m = bytes.to_vec();
            let be = value.to_be_bytes();
            m[at..at + width].copy_from_slice(&be[8 - width..]);
            fix_jks_digest(&mut m, f.store_password);
            out.push((format!("field@{at}/{width}={value:#x} +digest"), m));
        }
    }
    // Same-size DER mutations inside the certificates and protected keys.
    let mut rng = XorShift::for_name(&format!("{}-der", f.file));
    for (start, len) in blobs {
        let blob = &bytes[start..start + len];
        let mut candidates: Vec<(String, Vec<u8>)> = der_mutations(blob)
            .into_iter()
            .filter(|(_, m)| m.len() == blob.len())
            .collect();
        sample(&mut candidates, 60, &mut rng);
        for (label, m) in candidates {
            let mut whole = bytes.to_vec();
            whole[start..start + len].copy_from_slice(&m);
            fix_jks_digest(&mut whole, f.store_password);
            out.push((format!("der@{start}: {label} +digest"), whole));
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// DER structure

struct Node {
    tag_at: usize,
    len_at: usize,
    len_octets: usize,
    value_at: usize,
    value_len: usize,
    tag: u8,
}

/// Walks the TLVs of `buf[start..end]`, descending into constructed values and into
/// OCTET/BIT STRINGs that hold DER. Returns false if the range is not DER.
fn der_walk(buf: &[u8], start: usize, end: usize, out: &mut Vec<Node>, depth: u32) -> bool {
    let mut i = start;
    while i < end {
        let tag = buf[i];
        if tag & 0x1F == 0x1F || i + 1 >= end {
            return false;
        }
        let first = buf[i + 1];
        let (value_len, len_octets) = if first < 0x80 {
            (usize::from(first), 1)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 || i + 1 + n >= end {
                return false;
            }
            let len = buf[i + 2..i + 2 + n]
                .iter()
                .fold(0usize, |a, b| a << 8 | usize::from(*b));
            (len, 1 + n)
        };
        let value_at = i + 1 + len_octets;
        if value_at + value_len > end {
            return false;
        }
        out.push(Node {
            tag_at: i,
            len_at: i + 1,
            len_octets,
            value_at,
            value_len,
            tag,
        });
        if depth < 24 && value_len > 0 {
            let inner = match tag {
                t if t & 0x20 != 0 => Some(value_at),
                0x04 => Some(value_at),
                0x03 => Some(value_at + 1),
                _ => None,
            };
            if let Some(inner) = inner {
                let mark = out.len();
                if !der_walk(buf, inner, value_at + value_len, out, depth + 1) {
                    out.truncate(mark);
                    if tag & 0x20 != 0 {
                        return false;
                    }
                }
            }
        }
        i = value_at + value_len;
    }
    true
}

fn encode_len(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![len as u8]
    } else {
        let bytes: Vec<u8> = (len as u64)
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn splice(buf: &[u8], at: usize, remove: usize, insert: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(buf.len() + insert.len());
    out.extend_from_slice(&buf[..at]);
    out.extend_from_slice(insert);
    out.extend_from_slice(&buf[at + remove..]);
    out
}

/// Length, tag and value mutations of every TLV of a DER buffer.
fn der_mutations(der: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut nodes = Vec::new();
    der_walk(der, 0, der.len(), &mut nodes, 0);
    let mut out = Vec::new();
    for n in &nodes {
        let at = n.tag_at;
        let lengths: Vec<Vec<u8>> = vec![
            vec![0x00],
            vec![0x7F],
            vec![0x80],
            vec![0xFF],
            vec![0x81, 0xFF],
            vec![0x82, 0xFF, 0xFF],
            vec![0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            vec![0x84, 0x7F, 0xFF, 0xFF, 0xFF],
            vec![0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            encode_len(n.value_len + 1),
            encode_len(n.value_len.saturating_sub(1)),
        ];
        for len in lengths {
            out.push((
                format!("tlv@{at} len {:02x?}", len),
                splice(der, n.len_at, n.len_octets, &len),
            ));
        }
        // Same-width length changes keep the rest of the file in place.
        if n.len_octets == 1 {
            for len in [
                0u8,
                0x7F,
                n.value_len.wrapping_add(1) as u8 & 0x7F,
                n.value_len.wrapping_sub(1) as u8 & 0x7F,
            ] {
                let mut m = der.to_vec();
                m[n.len_at] = len;
                out.push((format!("tlv@{at} len={len:#x} (same width)"), m));
            }
        }
        for tag in [0x02u8, 0x04, 0x05, 0x06, 0x30, 0x31, 0xA0, 0x00] {
            if tag != n.tag {
                let mut m = der.to_vec();
                m[n.tag_at] = tag;
                out.push((format!("tlv@{at} tag {:#04x}->{tag:#04x}", n.tag), m));
            }
        }
        out.push((
            format!("tlv@{at} value dropped"),
            splice(der, n.len_at, n.len_octets + n.value_len, &[0]),
        ));
        if n.value_len > 0 {
            let v = n.value_at;
            let fills: Vec<(&str, Vec<u8>)> = if n.tag == 0x02 {
                vec![
                    ("all FF (negative)", vec![0xFF; n.value_len]),
                    ("all 00", vec![0x00; n.value_len]),
                    (
                        "max positive",
                        [vec![0x7F], vec![0xFF; n.value_len - 1]].concat(),
                    ),
                    (
                        "min negative",
                        [vec![0x80], vec![0x00; n.value_len - 1]].concat(),
                    ),
                ]
            } else {
                let mut last = der[v..v + n.value_len].to_vec();
                *last.last_mut().unwrap() ^= 0x01;
                vec![("last byte flipped", last)]
            };
            for (what, fill) in fills {
                let mut m = der.to_vec();
                m[v..v + n.value_len].copy_from_slice(&fill);
                out.push((format!("tlv@{at} tag {:#04x} value {what}", n.tag), m));
            }
        }
    }
    out
}

/// Keeps `n` of `items`, chosen by `rng` (partial Fisher–Yates).
fn sample<T>(items: &mut Vec<T>, n: usize, rng: &mut XorShift) {
    for i in 0..n.min(items.len()) {
        let j = i + rng.below(items.len() - i);
        items.swap(i, j);
    }
    items.truncate(n);
}

/// DER mutations of each block of a PEM file, re-encoded as PEM.
fn pem_der_mutations(file: &str, bytes: &[u8], cap: usize) -> Vec<(String, Vec<u8>)> {
    let text = std::str::from_utf8(bytes).expect("PEM fixture is text");
    let blocks = pem_blocks(text);
    let mut rng = XorShift::for_name(&format!("{file}-pem-der"));
    let mut out = Vec::new();
    for (index, (label, der)) in blocks.iter().enumerate() {
        let mut mutations = der_mutations(der);
        sample(&mut mutations, cap / blocks.len(), &mut rng);
        for (what, mutated) in mutations {
            let rebuilt: String = blocks
                .iter()
                .enumerate()
                .map(|(i, (l, d))| pem_encode(l, if i == index { &mutated } else { d }))
                .collect();
            out.push((format!("{label} block: {what}"), rebuilt.into_bytes()));
        }
    }
    out
}

fn fixtures_of(format: KeystoreFormat) -> impl Iterator<Item = Fixture> {
    FIXTURES.into_iter().filter(move |f| f.format == format)
}

// ---------------------------------------------------------------------------------
// The tests, one per format so that they run in parallel

#[test]
fn originals_open_cleanly() {
    // The harness itself: every unmutated fixture opens, and those that sign, sign.
    let mut tally = Tally::new("originals");
    for f in FIXTURES {
        tally.check(&f, "original", &f.bytes());
    }
    assert_eq!(tally.opened, FIXTURES.len());
    assert_eq!(
        tally.signed, 15,
        "every RSA-2048 fixture signs through `exercise`"
    );
    tally.finish(FIXTURES.len());
}

#[test]
fn corrupt_jks_never_panics() {
    let mut tally = Tally::new("JKS");
    for f in fixtures_of(KeystoreFormat::Jks) {
        let bytes = f.bytes();
        for (label, mutated) in byte_mutations(f.file, &bytes, 200) {
            tally.check(&f, &label, &mutated);
            let mut fixed = mutated;
            fix_jks_digest(&mut fixed, f.store_password);
            tally.check(&f, &format!("{label} +digest"), &fixed);
        }
        for (label, mutated) in jks_structural_mutations(&f, &bytes) {
            tally.check(&f, &label, &mutated);
        }
    }
    // Recomputing the digest must have let many mutations through to the entries.
    assert!(tally.opened > 1000, "only {} opened", tally.opened);
    tally.finish(5000);
}

#[test]
fn corrupt_jceks_never_panics() {
    let mut tally = Tally::new("JCEKS");
    for f in fixtures_of(KeystoreFormat::Jceks) {
        let bytes = f.bytes();
        for (pass, digest) in [("raw", false), ("digest", true)] {
            tally.sign_budget = Some(JCEKS_SIGN_SAMPLE);
            for (label, mut mutated) in byte_mutations(f.file, &bytes, 200) {
                if digest {
                    fix_jks_digest(&mut mutated, f.store_password);
                }
                tally.check(&f, &format!("{label} {pass}"), &mutated);
            }
        }
        tally.sign_budget = Some(JCEKS_SIGN_SAMPLE);
        for (label, mutated) in jks_structural_mutations(&f, &bytes) {
            tally.check(&f, &label, &mutated);
        }
    }
    tally.sign_budget = None;
    assert!(tally.opened > 300, "only {} opened", tally.opened);
    tally.finish(1500);
}

#[test]
fn corrupt_pkcs12_never_panics() {
    let mut tally = Tally::new("PKCS#12");
    for f in fixtures_of(KeystoreFormat::Pkcs12) {
        let bytes = f.bytes();
        for (label, mutated) in byte_mutations(f.file, &bytes, 200) {
            tally.check(&f, &label, &mutated);
        }
        // With a MAC nearly every DER mutation stops at the MAC: fewer of them.
        let has_mac = !matches!(f.file, "p12-nomac.p12" | "p12-unencrypted.p12");
        let mut der = der_mutations(&bytes);
        let mut rng = XorShift::for_name(&format!("{}-der", f.file));
        sample(&mut der, if has_mac { 250 } else { 900 }, &mut rng);
        for (label, mutated) in der {
            tally.check(&f, &label, &mutated);
        }
    }
    tally.finish(3000);
}

#[test]
fn corrupt_pem_never_panics() {
    let mut tally = Tally::new("PEM");
    for f in fixtures_of(KeystoreFormat::Pem) {
        let bytes = f.bytes();
        for (label, mutated) in byte_mutations(f.file, &bytes, 200) {
            tally.check(&f, &label, &mutated);
        }
        for (label, mutated) in pem_der_mutations(f.file, &bytes, 500) {
            tally.check(&f, &label, &mutated);
        }
    }
    tally.finish(3000);
}

#[test]
fn not_a_keystore_and_random_noise_never_panic() {
    // The text fixture mutated, plus pure noise behind each magic number.
    let mut tally = Tally::new("noise");
    let text = Fixture {
        file: "not-a-keystore.txt",
        ..fixture_info("jks-same.jks")
    };
    for (label, mutated) in byte_mutations(text.file, &read_fixture(text.file), 50) {
        tally.check(&text, &label, &mutated);
    }
    let mut rng = XorShift::for_name("noise");
    for magic in [
        &[0xFE, 0xED, 0xFE, 0xED][..],
        &[0xCE, 0xCE, 0xCE, 0xCE],
        &[0x30],
        b"-----BEGIN PRIVATE KEY-----\n",
    ] {
        for len in [0usize, 1, 4, 8, 12, 16, 20, 64, 512, 4096] {
            for _ in 0..5 {
                let mut bytes = magic.to_vec();
                bytes.extend((0..len).map(|_| rng.byte()));
                tally.check(&text, &format!("noise after {magic:02x?} ({len})"), &bytes);
            }
        }
    }
    tally.finish(400);
}

// ---------------------------------------------------------------------------------
// Hostile parameters: corrupt files must also fail in bounded time

/// A DER tree, enough to re-encode a structure after growing one value.
enum Der {
    Prim(u8, Vec<u8>),
    Cons(u8, Vec<Der>),
}

fn der_tree(buf: &[u8]) -> Vec<Der> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < buf.len() {
        let tag = buf[i];
        let first = buf[i + 1];
        let (len, octets) = if first < 0x80 {
            (usize::from(first), 1)
        } else {
            let n = usize::from(first & 0x7F);
            (
                buf[i + 2..i + 2 + n]
                    .iter()
                    .fold(0usize, |a, b| a << 8 | usize::from(*b)),
                1 + n,
            )
        };
        let value = &buf[i + 1 + octets..i + 1 + octets + len];
        out.push(if tag & 0x20 != 0 {
            Der::Cons(tag, der_tree(value))
        } else {
            Der::Prim(tag, value.to_vec())
        });
        i += 1 + octets + len;
    }
    out
}

fn der_encode(nodes: &[Der]) -> Vec<u8> {
    let mut out = Vec::new();
    for node in nodes {
        let (tag, value) = match node {
            Der::Prim(tag, value) => (*tag, value.clone()),
            Der::Cons(tag, children) => (*tag, der_encode(children)),
        };
        out.push(tag);
        out.extend(encode_len(value.len()));
        out.extend(value);
    }
    out
}

/// Replaces the first INTEGER equal to `from` with `to`; true if found.
fn replace_integer(nodes: &mut [Der], from: &[u8], to: &[u8]) -> bool {
    nodes.iter_mut().any(|node| match node {
        Der::Prim(0x02, value) if value.as_slice() == from => {
            *value = to.to_vec();
            true
        }
        Der::Cons(_, children) => replace_integer(children, from, to),
        _ => false,
    })
}

/// Runs `signing_key` on a thread and gives up after `limit`.
fn signing_key_within(
    file: &'static str,
    bytes: Vec<u8>,
    password: &'static str,
    limit: Duration,
) -> Option<(sfjwt::Result<u32>, Duration)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        let result = Keystore::from_bytes(Path::new(file), &bytes, KeystoreType::Auto, "")
            .and_then(|ks| ks.signing_key(None, password))
            .map(|k| k.bits());
        let _ = tx.send((result, start.elapsed()));
    });
    rx.recv_timeout(limit).ok()
}

#[test]
fn encrypted_pem_tree_round_trips() {
    // The tree helper itself: re-encoding the unmodified key gives the same bytes,
    // and the fixture's PBKDF2 count is the 2048 replaced below.
    let text = String::from_utf8(read_fixture("pem-encrypted.pem")).unwrap();
    let der = pem_blocks(&text).remove(0).1;
    let mut tree = der_tree(&der);
    assert_eq!(der_encode(&tree), der);
    assert!(replace_integer(&mut tree, &[0x08, 0x00], &[0x08, 0x00]));
    let (result, _) = signing_key_within(
        "pem-encrypted.pem",
        pem_encode("ENCRYPTED PRIVATE KEY", &der_encode(&tree)).into_bytes(),
        KEY_PASSWORD,
        Duration::from_secs(30),
    )
    .expect("the unmodified key decrypts");
    assert_eq!(result.unwrap(), 2048);
}

#[test]
fn encrypted_pem_with_absurd_iteration_count_fails_fast() {
    // PBKDF2 iterationCount 2048 -> 4,294,967,295. JCEKS caps its count at 5,000,000
    // and p12-keystore at 1,000,000; a PEM key must be refused as corrupt, not
    // decrypted for hours.
    let text = String::from_utf8(read_fixture("pem-encrypted.pem")).unwrap();
    let der = pem_blocks(&text).remove(0).1;
    let mut tree = der_tree(&der);
    assert!(replace_integer(
        &mut tree,
        &[0x08, 0x00],
        &[0x00, 0xFF, 0xFF, 0xFF, 0xFF]
    ));
    let hostile = pem_encode("ENCRYPTED PRIVATE KEY", &der_encode(&tree)).into_bytes();
    for password in [KEY_PASSWORD, WRONG_PASSWORD] {
        match signing_key_within(
            "pem-encrypted.pem",
            hostile.clone(),
            password,
            Duration::from_secs(10),
        ) {
            None => panic!(
                "signing_key on a PEM key with 2^32-1 PBKDF2 iterations still runs after 10 s"
            ),
            Some((Ok(bits), _)) => panic!("decrypted a {bits}-bit key with 2^32-1 iterations?"),
            Some((Err(e), took)) => {
                assert_eq!(e.code(), ErrorCode::KeystoreFormat, "{e}");
                assert!(took < Duration::from_secs(5), "{took:?}");
            }
        }
    }
}
