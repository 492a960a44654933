// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! PKCS#12, through p12-keystore: Java 17 keytool's and OpenSSL 3's defaults (PBES2,
//! HMAC-SHA-256), OpenSSL's `-legacy` (3DES, RC2-40, SHA-1 MAC), files without a MAC
//! and unencrypted files.

use std::path::Path;

use p12_keystore::error::Error as P12Error;
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
use zeroize::Zeroizing;

use super::certificate::CertificateInfo;
use super::{Entry, ProtectedKey};
use crate::error::{Error, Result};

/// Parses a PKCS#12 file. The store password both verifies the MAC (when there is one)
/// and decrypts the bags; PKCS#12 has no separate key password.
pub(crate) fn parse(path: &Path, bytes: &[u8], store_password: &str) -> Result<Vec<Entry>> {
    // Relaxed keeps a key whose certificate is missing: it can still sign.
    let store = KeyStore::from_pkcs12(bytes, store_password, Pkcs12ImportPolicy::Relaxed)
        .map_err(|e| map_error(path, e))?;
    let mut entries = Vec::new();
    for (alias, entry) in store.entries() {
        match entry {
            KeyStoreEntry::PrivateKeyChain(chain) => {
                let certificate = chain
                    .certs()
                    .first()
                    .map(|c| CertificateInfo::from_der(path, c.as_der()))
                    .transpose()?;
                let key = ProtectedKey::Plain(Zeroizing::new(chain.key().as_der().to_vec()));
                entries.push(Entry::private_key(alias.clone(), key, certificate));
            }
            KeyStoreEntry::Certificate(cert) => {
                let certificate = CertificateInfo::from_der(path, cert.as_der())?;
                entries.push(Entry::trusted_certificate(alias.clone(), certificate));
            }
            // Secret-key bags cannot sign; they are left out of the listing.
            KeyStoreEntry::Secret(_) => {}
        }
    }
    Ok(entries)
}

fn map_error(path: &Path, error: P12Error) -> Error {
    match error {
        P12Error::MacError(_) => Error::KeystorePassword {
            path: path.display().to_string(),
            detail: String::new(),
        },
        // Without a MAC, a wrong password shows up as undecryptable bags.
        P12Error::UnpadError | P12Error::Pkcs5Error(_) | P12Error::InvalidPrivateKey => {
            Error::KeystorePassword {
                path: path.display().to_string(),
                detail: "; the encrypted contents could not be decrypted".to_owned(),
            }
        }
        P12Error::UnsupportedEncryptionScheme
        | P12Error::UnsupportedMacAlgorithm
        | P12Error::UnsupportedContentType
        | P12Error::UnsupportedCertificateType => Error::format(
            path,
            format!(
                "PKCS#12 feature not supported ({error}); re-export it with keytool or openssl defaults"
            ),
        ),
        P12Error::IoError(_)
        | P12Error::DerError(_)
        | P12Error::InvalidVersion
        | P12Error::X509Error(_)
        | P12Error::InvalidLength
        | P12Error::InvalidParameters
        | P12Error::InvalidData => Error::format(path, format!("corrupt PKCS#12 file ({error})")),
    }
}
