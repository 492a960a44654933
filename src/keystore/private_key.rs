// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! From a protected key entry to an RSA key pair that can sign RS256.

use std::fmt;
use std::path::Path;

use aws_lc_rs::signature::RsaKeyPair;
use der::Decode;
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef, pkcs5};
use zeroize::Zeroizing;

use super::algorithms::{RSA_OID, algorithm_name};
use super::certificate::CertificateInfo;
use super::{MAX_KDF_ITERATIONS, ProtectedKey, jks};
use crate::error::{Error, Result};

/// Salesforce accepts RS256 with RSA keys of 2048 bits or more.
pub const MIN_RSA_BITS: u32 = 2048;

/// A decrypted RSA private key, parsed once, ready to sign RS256 assertions.
///
/// The key material lives in aws-lc, which clears it when freed; `Debug` shows only
/// the alias and the size.
pub struct SigningKey {
    alias: String,
    key_pair: RsaKeyPair,
    /// Kept for presenting the key as a TLS client identity (mutual TLS).
    pkcs8: Zeroizing<Vec<u8>>,
    certificate: Option<CertificateInfo>,
}

impl SigningKey {
    pub(crate) fn from_pkcs8(
        path: &Path,
        alias: &str,
        pkcs8: &[u8],
        certificate: Option<CertificateInfo>,
    ) -> Result<SigningKey> {
        let unsupported = |found: String| Error::UnsupportedKey {
            path: path.display().to_string(),
            alias: alias.to_owned(),
            found,
        };
        let info = PrivateKeyInfoRef::from_der(pkcs8).map_err(|e| {
            Error::format(
                path,
                format!("entry '{alias}' holds no valid PKCS#8 key ({e})"),
            )
        })?;
        let oid = info.algorithm.oid.to_string();
        if oid != RSA_OID {
            return Err(unsupported(format!(
                "{} key",
                article(&algorithm_name(&oid))
            )));
        }
        // aws-lc refuses keys under 2048 bits itself; the certificate tells the size.
        let too_small = |bits: Option<u32>| match bits {
            Some(bits) => unsupported(format!("a {bits}-bit RSA key")),
            None => unsupported(format!("an RSA key under {MIN_RSA_BITS} bits")),
        };
        let key_pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| match e.description_() {
            "TooSmall" => too_small(certificate.as_ref().and_then(|c| c.key_bits)),
            _ => unsupported(format!("an RSA key that cannot be used ({e})")),
        })?;
        let bits = key_pair.public_modulus_len() as u32 * 8;
        if bits < MIN_RSA_BITS {
            return Err(too_small(Some(bits)));
        }
        Ok(SigningKey {
            alias: alias.to_owned(),
            key_pair,
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            certificate,
        })
    }

    /// The alias of the entry the key came from.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.key_pair.public_modulus_len() as u32 * 8
    }

    /// The entry's certificate, when the keystore has one.
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.certificate.as_ref()
    }

    /// The public key as a DER `RSAPublicKey`, for verifying signatures.
    pub fn public_key_der(&self) -> &[u8] {
        use aws_lc_rs::signature::KeyPair;
        self.key_pair.public_key().as_ref()
    }

    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    pub(crate) fn key_pair(&self) -> &RsaKeyPair {
        &self.key_pair
    }

    /// A secret that only a holder of this key can make, the same whatever encoding
    /// the key came in (PKCS#8 with or without attributes, PKCS#1, any keystore): its
    /// RS256 signature of `label`, which RSASSA-PKCS1-v1_5 makes deterministic.
    pub(crate) fn secret_for(&self, label: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let mut signature = Zeroizing::new(vec![0u8; self.key_pair.public_modulus_len()]);
        self.key_pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                label,
                &mut signature,
            )
            .map_err(|_| Error::config("token_cache_dir", "cannot derive the token cache's key"))?;
        Ok(signature)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alias", &self.alias)
            .field("bits", &self.bits())
            .field("key", &"<redacted>")
            .finish()
    }
}

/// Applies the key password to a protected entry, giving PKCS#8 `PrivateKeyInfo` DER.
pub(crate) fn decrypt(
    path: &Path,
    alias: &str,
    key: &ProtectedKey,
    key_password: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    let wrong_password = || Error::KeyPassword {
        path: path.display().to_string(),
        alias: alias.to_owned(),
    };
    match key {
        ProtectedKey::Plain(der) => Ok(der.clone()),
        ProtectedKey::JksKeyProtector(blob) => {
            jks::decrypt_key_protector(blob, key_password).ok_or_else(wrong_password)
        }
        ProtectedKey::JceksKeyProtector {
            salt,
            iterations,
            ciphertext,
        } => {
            if !key_password.chars().all(|c| (' '..='~').contains(&c)) {
                // Java's PBEWithMD5AndTripleDES takes printable ASCII passwords only.
                return Err(wrong_password());
            }
            let plain = jks::decrypt_jceks(salt, *iterations, ciphertext, key_password)
                .ok_or_else(wrong_password)?;
            // The padding check alone lets about one wrong password in 256 through:
            // the plaintext must also be a PKCS#8 structure.
            PrivateKeyInfoRef::from_der(&plain).map_err(|_| wrong_password())?;
            Ok(plain)
        }
        ProtectedKey::EncryptedPkcs8(der) => {
            let info = EncryptedPrivateKeyInfoRef::from_der(der).map_err(|e| {
                Error::format(
                    path,
                    format!(
                        "the encrypted key uses an unsupported scheme ({e}); re-encrypt it with \
                         `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
                    ),
                )
            })?;
            check_work_factor(path, &info.encryption_algorithm)?;
            let document = info
                .decrypt(key_password.as_bytes())
                .map_err(|_| wrong_password())?;
            Ok(Zeroizing::new(document.as_bytes().to_vec()))
        }
    }
}

/// Refuses key derivations that would take minutes or gigabytes: the file, not the
/// password, sets the cost, and a hostile file must not stall a job.
fn check_work_factor(path: &Path, scheme: &pkcs5::EncryptionScheme) -> Result<()> {
    use pkcs5::pbes2::Kdf;
    let iterations = match scheme {
        pkcs5::EncryptionScheme::Pbes1(algorithm) => {
            u32::from(algorithm.parameters.iteration_count)
        }
        pkcs5::EncryptionScheme::Pbes2(parameters) => match &parameters.kdf {
            Kdf::Pbkdf2(pbkdf2) => pbkdf2.iteration_count,
            _ => return Err(unsupported_encryption(path)),
        },
        _ => return Err(unsupported_encryption(path)),
    };
    if iterations > MAX_KDF_ITERATIONS {
        return Err(Error::format(
            path,
            format!("implausible key derivation iteration count {iterations}"),
        ));
    }
    Ok(())
}

/// scrypt (which would let a file ask for gigabytes) and anything newer.
fn unsupported_encryption(path: &Path) -> Error {
    Error::format(
        path,
        "the key's encryption scheme is not supported; re-encrypt it with \
         `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
    )
}

/// Algorithm name and size of an unencrypted PKCS#8 key, for inspection.
pub(crate) fn describe(pkcs8: &[u8]) -> (Option<String>, Option<u32>) {
    let Ok(info) = PrivateKeyInfoRef::from_der(pkcs8) else {
        return (None, None);
    };
    let oid = info.algorithm.oid.to_string();
    let bits = if oid == RSA_OID {
        RsaKeyPair::from_pkcs8(pkcs8)
            .ok()
            .map(|k| k.public_modulus_len() as u32 * 8)
    } else {
        None
    };
    (Some(algorithm_name(&oid)), bits)
}

fn article(name: &str) -> String {
    let vowel_sound = matches!(name.chars().next(), Some('A' | 'E' | 'I' | 'O' | 'U'));
    format!("{} {name}", if vowel_sound { "an" } else { "a" })
}
