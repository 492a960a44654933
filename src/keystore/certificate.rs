// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! X.509 certificates as the connected app shows them: subject, validity, fingerprints.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;
use der::Reader;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::objects::{oid_registry, oid2abbrev};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::AlgorithmIdentifier;

use super::SigningKey;
use super::algorithms::algorithm_name;
use crate::error::{Error, Result};

/// Certificates expiring sooner than this earn a warning.
const EXPIRY_WARNING: Duration = Duration::from_secs(30 * 24 * 3600);

/// A certificate of a keystore entry, parsed once when the keystore is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The DER encoding.
    pub der: Vec<u8>,
    /// Subject, RFC 4514 form (`CN=..., O=...`).
    pub subject: String,
    /// Issuer, same form.
    pub issuer: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// SHA-1 fingerprint, uppercase hex pairs joined by colons.
    pub sha1: String,
    /// SHA-256 fingerprint, same form.
    pub sha256: String,
    /// Public key algorithm: `RSA`, `EC`, `DSA`, `Ed25519`, or the OID.
    pub key_algorithm: String,
    /// Public key size in bits, when known.
    pub key_bits: Option<u32>,
}

impl CertificateInfo {
    /// Parses a DER certificate found in the keystore at `path`.
    pub(crate) fn from_der(path: &Path, der: &[u8]) -> Result<CertificateInfo> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| Error::format(path, format!("a certificate cannot be parsed ({e})")))?;
        let (key_algorithm, key_bits) = describe_public_key(&cert);
        Ok(CertificateInfo {
            der: der.to_vec(),
            subject: distinguished_name(cert.subject()),
            issuer: distinguished_name(cert.issuer()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            sha1: fingerprint(&digest::SHA1_FOR_LEGACY_USE_ONLY, der),
            sha256: fingerprint(&digest::SHA256, der),
            key_algorithm,
            key_bits,
        })
    }

    /// `not_before` in RFC 3339.
    pub fn not_before_rfc3339(&self) -> String {
        rfc3339(self.not_before)
    }

    /// `not_after` in RFC 3339.
    pub fn not_after_rfc3339(&self) -> String {
        rfc3339(self.not_after)
    }
}

/// Warnings for a signing key whose certificate expired or expires within 30 days, or
/// that has no certificate to tell.
pub(crate) fn certificate_warnings(key: &SigningKey, now: SystemTime) -> Vec<String> {
    let Some(cert) = key.certificate() else {
        return vec![
            "the keystore has no certificate for the key: its expiry cannot be checked".to_owned(),
        ];
    };
    let not_after = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(cert.not_after.unix_timestamp()).unwrap_or(0));
    match not_after.duration_since(now) {
        Err(_) => vec![format!(
            "the signing certificate {} expired on {}: Salesforce may refuse it; create a new \
             certificate and upload it to the app (External Client App or connected app)",
            cert.subject,
            cert.not_after_rfc3339()
        )],
        Ok(left) if left < EXPIRY_WARNING => vec![format!(
            "the signing certificate {} expires on {} (in {} days): renew it and upload the new \
             certificate to the app (External Client App or connected app)",
            cert.subject,
            cert.not_after_rfc3339(),
            left.as_secs() / 86_400
        )],
        Ok(_) => Vec::new(),
    }
}

/// A name as Java and keytool print it (RFC 4514): most specific RDN first,
/// `CN=..., OU=..., O=..., C=...`.
fn distinguished_name(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|attr| {
                    let oid = attr.attr_type();
                    let label = oid2abbrev(oid, oid_registry())
                        .map(str::to_owned)
                        .unwrap_or_else(|_| oid.to_id_string());
                    let value = attr
                        .as_str()
                        .map(escape_rfc4514)
                        .unwrap_or_else(|_| "#…".to_owned());
                    format!("{label}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(", ")
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Formatting fails only for years outside 0..=9999, which X.509 cannot encode.
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn fingerprint(algorithm: &'static digest::Algorithm, der: &[u8]) -> String {
    let hash = digest::digest(algorithm, der);
    let mut out = String::with_capacity(hash.as_ref().len() * 3);
    for (i, byte) in hash.as_ref().iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{byte:02X}");
    }
    out
}

fn describe_public_key(cert: &X509Certificate<'_>) -> (String, Option<u32>) {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".to_owned(), Some(unsigned_bits(rsa.modulus))),
        Ok(PublicKey::EC(point)) => ("EC".to_owned(), ec_bits(point.data().len())),
        Ok(PublicKey::DSA(_)) => ("DSA".to_owned(), dsa_bits(&spki.algorithm)),
        _ => (
            algorithm_name(&spki.algorithm.algorithm.to_id_string()),
            None,
        ),
    }
}

/// The size of DSA's prime `p`, from `Dss-Parms ::= SEQUENCE { p, q, g INTEGER }`.
fn dsa_bits(algorithm: &AlgorithmIdentifier<'_>) -> Option<u32> {
    let params = algorithm.parameters.as_ref()?;
    // `data` is the SEQUENCE's content: p comes first, q and g follow.
    let mut reader = der::SliceReader::new(params.data).ok()?;
    let p: der::asn1::UintRef<'_> = reader.decode().ok()?;
    Some(unsigned_bits(p.as_bytes()))
}

/// Bits of a big-endian unsigned integer, ignoring leading zero bytes.
fn unsigned_bits(bytes: &[u8]) -> u32 {
    let significant: &[u8] = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    (significant.len() as u32 - 1) * 8 + (8 - significant[0].leading_zeros())
}

/// Curve size from an uncompressed point (`04 || X || Y`).
fn ec_bits(point_len: usize) -> Option<u32> {
    match point_len {
        65 => Some(256),
        97 => Some(384),
        133 => Some(521),
        _ => None,
    }
}
