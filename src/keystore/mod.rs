// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Keystores: the JKS that Salesforce's "Export to Keystore" produces, JCEKS, PKCS#12
//! and PEM files.
//!
//! Opening a keystore checks its integrity with the store password and lists its
//! entries without decrypting any key; [`Keystore::signing_key`] then decrypts one
//! private-key entry with the key password and checks that it can sign RS256.

mod algorithms;
mod certificate;
mod jks;
mod pem;
mod pkcs12;
mod private_key;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result, list_or_none};

pub use certificate::CertificateInfo;
pub(crate) use certificate::certificate_warnings;
pub use private_key::SigningKey;

/// The keystore format asked for (`keystore_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeystoreType {
    /// Recognise the format from the file's first bytes.
    #[default]
    Auto,
    /// Java KeyStore (magic `FEEDFEED`).
    Jks,
    /// Java Cryptography Extension KeyStore (magic `CECECECE`).
    Jceks,
    /// PKCS#12 (`.p12`, `.pfx`).
    Pkcs12,
    /// PEM private key, with its certificate in the same or a sibling file.
    Pem,
}

impl FromStr for KeystoreType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(KeystoreType::Auto),
            "jks" => Ok(KeystoreType::Jks),
            "jceks" => Ok(KeystoreType::Jceks),
            "pkcs12" | "p12" | "pfx" => Ok(KeystoreType::Pkcs12),
            "pem" => Ok(KeystoreType::Pem),
            other => Err(format!(
                "'{other}' is not a keystore type; use auto, jks, jceks, pkcs12 or pem"
            )),
        }
    }
}

/// The format a keystore was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeystoreFormat {
    /// Java KeyStore.
    Jks,
    /// Java Cryptography Extension KeyStore.
    Jceks,
    /// PKCS#12.
    Pkcs12,
    /// PEM.
    Pem,
}

impl KeystoreFormat {
    /// The lowercase name (`jks`, `jceks`, `pkcs12`, `pem`).
    pub fn name(self) -> &'static str {
        match self {
            KeystoreFormat::Jks => "jks",
            KeystoreFormat::Jceks => "jceks",
            KeystoreFormat::Pkcs12 => "pkcs12",
            KeystoreFormat::Pem => "pem",
        }
    }

    /// Recognises the format from the first bytes, as `keystore_type=auto` does.
    fn detect(bytes: &[u8]) -> Option<KeystoreFormat> {
        match bytes {
            [0xFE, 0xED, 0xFE, 0xED, ..] => Some(KeystoreFormat::Jks),
            [0xCE, 0xCE, 0xCE, 0xCE, ..] => Some(KeystoreFormat::Jceks),
            // A DER SEQUENCE: PKCS#12's PFX is the only DER keystore we read.
            [0x30, ..] => Some(KeystoreFormat::Pkcs12),
            _ if pem::looks_like_pem(bytes) => Some(KeystoreFormat::Pem),
            _ => None,
        }
    }
}

impl fmt::Display for KeystoreFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A private key with its certificate chain.
    PrivateKey,
    /// A trusted certificate, without a key.
    TrustedCertificate,
}

impl EntryKind {
    /// The name used in `--json` output (`private_key`, `trusted_certificate`).
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::PrivateKey => "private_key",
            EntryKind::TrustedCertificate => "trusted_certificate",
        }
    }
}

/// A private key as stored, before the key password is applied.
pub(crate) enum ProtectedKey {
    /// JKS: Sun's proprietary `KeyProtector` (SHA-1 keystream).
    JksKeyProtector(Vec<u8>),
    /// JCEKS: PBEWithMD5AndTripleDES.
    JceksKeyProtector {
        salt: [u8; 8],
        iterations: u32,
        ciphertext: Vec<u8>,
    },
    /// PKCS#8 `EncryptedPrivateKeyInfo` (PEM `ENCRYPTED PRIVATE KEY`).
    EncryptedPkcs8(Vec<u8>),
    /// PKCS#8 `PrivateKeyInfo`, already in the clear (PKCS#12 after the store
    /// password, unencrypted PEM).
    Plain(Zeroizing<Vec<u8>>),
}

/// One entry of a keystore.
pub struct Entry {
    alias: String,
    kind: EntryKind,
    certificate: Option<CertificateInfo>,
    key: Option<ProtectedKey>,
}

impl Entry {
    /// The alias, as stored (JKS and JCEKS store them lowercased).
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// Private key or trusted certificate.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// The entry's certificate (for a private key, the first of its chain).
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.certificate.as_ref()
    }

    fn private_key(
        alias: String,
        key: ProtectedKey,
        certificate: Option<CertificateInfo>,
    ) -> Entry {
        Entry {
            alias,
            kind: EntryKind::PrivateKey,
            certificate,
            key: Some(key),
        }
    }

    /// The key-derivation rounds its key password costs, where the file sets them
    /// (JCEKS): the fuzz targets skip the expensive ones to keep their pace.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn key_derivation_iterations(&self) -> u32 {
        match &self.key {
            Some(ProtectedKey::JceksKeyProtector { iterations, .. }) => *iterations,
            _ => 0,
        }
    }

    fn trusted_certificate(alias: String, certificate: CertificateInfo) -> Entry {
        Entry {
            alias,
            kind: EntryKind::TrustedCertificate,
            certificate: Some(certificate),
            key: None,
        }
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("alias", &self.alias)
            .field("kind", &self.kind)
            .field("certificate", &self.certificate)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The inspection of one entry: what `sfjwt keystore inspect` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryInfo {
    /// The alias.
    pub alias: String,
    /// `private_key` or `trusted_certificate`.
    pub kind: EntryKind,
    /// `RSA`, `EC`, `DSA`, ... taken from the certificate, or from the key when there
    /// is no certificate and the key is not encrypted.
    pub key_algorithm: Option<String>,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// Certificate subject (RFC 4514 form).
    pub subject: Option<String>,
    /// Certificate issuer.
    pub issuer: Option<String>,
    /// Start of validity, RFC 3339.
    pub not_before: Option<String>,
    /// End of validity, RFC 3339.
    pub not_after: Option<String>,
    /// SHA-1 fingerprint of the certificate, `AB:CD:...` as keytool and Salesforce show it.
    pub sha1: Option<String>,
    /// SHA-256 fingerprint of the certificate.
    pub sha256: Option<String>,
}

/// An opened keystore: its format and entries, keys still protected.
pub struct Keystore {
    path: PathBuf,
    format: KeystoreFormat,
    entries: Vec<Entry>,
}

impl fmt::Debug for Keystore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keystore")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("entries", &self.entries)
            .finish()
    }
}

/// Upper bound on a password-based key derivation's iteration count. Real files use
/// 2,048 (OpenSSL) to 200,000 (JCEKS in Java 17); the file, not the password, sets
/// the count, and a hostile one must not stall a job for minutes.
pub(crate) const MAX_KDF_ITERATIONS: u32 = 5_000_000;

impl Keystore {
    /// Reads and opens the keystore at `path`, checking its integrity with
    /// `store_password`. For PEM files the certificate may also sit in a sibling file
    /// (`key.pem` → `key.crt`, `key.cer`, `key.cert.pem`).
    pub fn open(
        path: &Path,
        keystore_type: KeystoreType,
        store_password: &str,
    ) -> Result<Keystore> {
        let bytes = read_bounded(path)?;
        let format = resolve_format(path, keystore_type, &bytes)?;
        let entries = match format {
            KeystoreFormat::Pem => pem::open_with_siblings(path, &bytes)?,
            _ => parse_entries(path, format, &bytes, store_password)?,
        };
        Ok(Keystore {
            path: path.to_owned(),
            format,
            entries,
        })
    }

    /// Opens a keystore held in memory; `path` only names it in messages. PEM
    /// certificates in sibling files are not looked for.
    pub fn from_bytes(
        path: &Path,
        bytes: &[u8],
        keystore_type: KeystoreType,
        store_password: &str,
    ) -> Result<Keystore> {
        let format = resolve_format(path, keystore_type, bytes)?;
        let entries = parse_entries(path, format, bytes, store_password)?;
        Ok(Keystore {
            path: path.to_owned(),
            format,
            entries,
        })
    }

    /// The file this keystore was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format it was read as.
    pub fn format(&self) -> KeystoreFormat {
        self.format
    }

    /// The entries, in the order of the file.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// What `keystore inspect` shows for each entry.
    pub fn inspect(&self) -> Vec<EntryInfo> {
        self.entries.iter().map(inspect_entry).collect()
    }

    /// Finds the entry to sign with and decrypts it with `key_password`.
    ///
    /// The alias is matched case-insensitively, as Java does. With no alias, the only
    /// private-key entry is used; several are a CONFIG error that lists them. PEM
    /// files have a single entry and ignore the alias.
    pub fn signing_key(&self, alias: Option<&str>, key_password: &str) -> Result<SigningKey> {
        let entry = self.find_signing_entry(alias)?;
        let key = entry.key.as_ref().ok_or_else(|| Error::NotAPrivateKey {
            path: self.path.display().to_string(),
            reason: format!(
                "entry '{}' is a trusted certificate, not a private key; private-key entries: {}",
                entry.alias,
                list_or_none(&self.private_key_aliases())
            ),
        })?;
        let pkcs8 = private_key::decrypt(&self.path, &entry.alias, key, key_password)?;
        SigningKey::from_pkcs8(&self.path, &entry.alias, &pkcs8, entry.certificate.clone())
    }

    fn find_signing_entry(&self, alias: Option<&str>) -> Result<&Entry> {
        let path = || self.path.display().to_string();
        if self.format == KeystoreFormat::Pem {
            return self
                .entries
                .first()
                .ok_or_else(|| Error::format(&self.path, "no private key found"));
        }
        match alias.map(str::trim).filter(|a| !a.is_empty()) {
            Some(alias) => self
                .entries
                .iter()
                .find(|e| e.alias.to_lowercase() == alias.to_lowercase())
                .ok_or_else(|| Error::AliasNotFound {
                    path: path(),
                    alias: alias.to_owned(),
                    aliases: self.entries.iter().map(|e| e.alias.clone()).collect(),
                }),
            None => {
                let mut keys = self
                    .entries
                    .iter()
                    .filter(|e| e.kind == EntryKind::PrivateKey);
                match (keys.next(), keys.next()) {
                    (Some(only), None) => Ok(only),
                    (None, _) => Err(Error::NotAPrivateKey {
                        path: path(),
                        reason:
                            "the keystore holds no private-key entry, only trusted certificates; \
                                 export the keystore again from Salesforce, with its key"
                                .to_owned(),
                    }),
                    (Some(_), Some(_)) => Err(Error::config(
                        "key_alias",
                        format!(
                            "{} holds several private keys; choose one of: {}",
                            path(),
                            self.private_key_aliases().join(", ")
                        ),
                    )),
                }
            }
        }
    }

    fn private_key_aliases(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::PrivateKey)
            .map(|e| e.alias.clone())
            .collect()
    }
}

/// See [`jks::with_valid_digest`]; for the fuzz targets.
#[cfg(feature = "fuzzing")]
pub(crate) fn jks_with_valid_digest(bytes: &[u8], store_password: &str) -> Option<Vec<u8>> {
    jks::with_valid_digest(bytes, store_password)
}

/// The file's bytes, wiped when dropped: a PEM file holds the key in the clear.
fn read_bounded(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    crate::files::read_capped(path)
        .map_err(|e| Error::KeystoreIo {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?
        .ok_or_else(|| Error::format(path, "larger than 16 MiB: this is not a keystore"))
}

fn resolve_format(
    path: &Path,
    keystore_type: KeystoreType,
    bytes: &[u8],
) -> Result<KeystoreFormat> {
    if bytes.is_empty() {
        return Err(Error::format(path, "the file is empty"));
    }
    let detected = KeystoreFormat::detect(bytes);
    let wanted = match keystore_type {
        KeystoreType::Auto => {
            return detected.ok_or_else(|| {
                Error::format(
                    path,
                    "not a JKS, JCEKS, PKCS#12 or PEM file; export the keystore from \
                     Salesforce again (Setup > Certificate and Key Management > Export to Keystore)",
                )
            });
        }
        KeystoreType::Jks => KeystoreFormat::Jks,
        KeystoreType::Jceks => KeystoreFormat::Jceks,
        KeystoreType::Pkcs12 => KeystoreFormat::Pkcs12,
        KeystoreType::Pem => KeystoreFormat::Pem,
    };
    match detected {
        Some(found) if found == wanted => Ok(wanted),
        Some(found) => Err(Error::format(
            path,
            format!("keystore_type is {wanted} but the file is {found}; set keystore_type=auto"),
        )),
        None => Err(Error::format(path, format!("not a {wanted} file"))),
    }
}

fn parse_entries(
    path: &Path,
    format: KeystoreFormat,
    bytes: &[u8],
    store_password: &str,
) -> Result<Vec<Entry>> {
    match format {
        KeystoreFormat::Jks | KeystoreFormat::Jceks => jks::parse(path, bytes, store_password),
        KeystoreFormat::Pkcs12 => pkcs12::parse(path, bytes, store_password),
        KeystoreFormat::Pem => pem::parse(path, bytes),
    }
}

fn inspect_entry(entry: &Entry) -> EntryInfo {
    let cert = entry.certificate.as_ref();
    let (key_algorithm, key_bits) = match (cert, &entry.key) {
        (Some(cert), _) => (Some(cert.key_algorithm.clone()), cert.key_bits),
        (None, Some(ProtectedKey::Plain(pkcs8))) => private_key::describe(pkcs8),
        (None, _) => (None, None),
    };
    EntryInfo {
        alias: entry.alias.clone(),
        kind: entry.kind,
        key_algorithm,
        key_bits,
        subject: cert.map(|c| c.subject.clone()),
        issuer: cert.map(|c| c.issuer.clone()),
        not_before: cert.map(|c| c.not_before_rfc3339()),
        not_after: cert.map(|c| c.not_after_rfc3339()),
        sha1: cert.map(|c| c.sha1.clone()),
        sha256: cert.map(|c| c.sha256.clone()),
    }
}
