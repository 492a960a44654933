// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! PEM private keys — `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) and
//! `ENCRYPTED PRIVATE KEY` (PKCS#8 with PBES2, decrypted with the key password) — and
//! their certificate, in the same file or in a sibling file.

use std::path::{Path, PathBuf};

use der::Encode;
use der::asn1::{AnyRef, OctetStringRef};
use pkcs8::PrivateKeyInfoRef;
use pkcs8::spki::AlgorithmIdentifierRef;
use zeroize::{Zeroize, Zeroizing};

use super::certificate::CertificateInfo;
use super::{Entry, ProtectedKey, read_bounded};
use crate::error::{Error, Result};

const RSA_ENCRYPTION: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Sibling certificate files tried for `name.ext`, in order.
const SIBLING_EXTENSIONS: [&str; 4] = ["crt", "cer", "cert.pem", "pem"];

pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Parses the file, then looks for the certificate in a sibling file if the file
/// has none.
pub(crate) fn open_with_siblings(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut entries = parse(path, bytes)?;
    if let Some(entry) = entries.first_mut().filter(|e| e.certificate.is_none())
        && let Some(sibling) = sibling_certificate_file(path)
    {
        let sibling_bytes = read_bounded(&sibling)?;
        entry.certificate = first_certificate(&sibling, &sibling_bytes)?;
    }
    Ok(entries)
}

/// Parses a PEM file into its single private-key entry, named after the file.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let blocks = Blocks::parse(path, bytes)?;
    let alias = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "key".to_owned());

    let mut key = None;
    let mut certificate = None;
    for block in blocks.iter() {
        match block.tag() {
            "CERTIFICATE" if certificate.is_none() => {
                certificate = Some(CertificateInfo::from_der(path, block.contents())?);
            }
            "CERTIFICATE" => {}
            tag @ ("PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY")
                if key.is_some() =>
            {
                return Err(Error::format(
                    path,
                    format!("a second private key ({tag}); keep one key per file"),
                ));
            }
            "PRIVATE KEY" => {
                key = Some(ProtectedKey::Plain(Zeroizing::new(
                    block.contents().to_vec(),
                )));
            }
            "RSA PRIVATE KEY" => {
                if block
                    .headers()
                    .get("Proc-Type")
                    .is_some_and(|v| v.contains("ENCRYPTED"))
                {
                    return Err(Error::format(
                        path,
                        "the key uses OpenSSL's legacy PEM encryption; convert it with \
                         `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
                    ));
                }
                key = Some(ProtectedKey::Plain(pkcs1_to_pkcs8(path, block.contents())?));
            }
            "ENCRYPTED PRIVATE KEY" => {
                key = Some(ProtectedKey::EncryptedPkcs8(block.contents().to_vec()));
            }
            "EC PRIVATE KEY" | "DSA PRIVATE KEY" => {
                return Err(Error::UnsupportedKey {
                    path: path.display().to_string(),
                    alias,
                    found: format!(
                        "{} key",
                        if block.tag().starts_with("EC") {
                            "an EC"
                        } else {
                            "a DSA"
                        }
                    ),
                });
            }
            _ => {}
        }
    }

    let Some(key) = key else {
        return Err(if certificate.is_some() {
            Error::NotAPrivateKey {
                path: path.display().to_string(),
                reason: "the file holds certificates but no private key; point keystore_path \
                         at the key file"
                    .to_owned(),
            }
        } else {
            Error::format(path, "no PEM private key (BEGIN PRIVATE KEY) found")
        });
    };
    Ok(vec![Entry::private_key(alias, key, certificate)])
}

/// The decoded blocks of a PEM file, wiped when dropped: a key block is the key in
/// the clear.
struct Blocks(Vec<::pem::Pem>);

impl Blocks {
    fn parse(path: &Path, bytes: &[u8]) -> Result<Blocks> {
        ::pem::parse_many(bytes)
            .map(Blocks)
            .map_err(|e| Error::format(path, format!("malformed PEM ({e})")))
    }

    fn iter(&self) -> impl Iterator<Item = &::pem::Pem> {
        self.0.iter()
    }
}

impl Drop for Blocks {
    fn drop(&mut self) {
        for block in std::mem::take(&mut self.0) {
            block.into_contents().zeroize();
        }
    }
}

/// Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo`.
fn pkcs1_to_pkcs8(path: &Path, pkcs1: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let malformed = |e: der::Error| Error::format(path, format!("malformed RSA PRIVATE KEY ({e})"));
    let info = PrivateKeyInfoRef::new(
        AlgorithmIdentifierRef {
            oid: RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        OctetStringRef::new(pkcs1).map_err(malformed)?,
    );
    info.to_der().map(Zeroizing::new).map_err(malformed)
}

fn sibling_certificate_file(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?;
    SIBLING_EXTENSIONS
        .iter()
        .map(|ext| path.with_file_name(format!("{}.{ext}", stem.to_string_lossy())))
        .find(|candidate| candidate != path && candidate.is_file())
}

fn first_certificate(path: &Path, bytes: &[u8]) -> Result<Option<CertificateInfo>> {
    if !looks_like_pem(bytes) {
        return CertificateInfo::from_der(path, bytes).map(Some);
    }
    let blocks = Blocks::parse(path, bytes)?;
    blocks
        .iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .map(|b| CertificateInfo::from_der(path, b.contents()))
        .transpose()
}
