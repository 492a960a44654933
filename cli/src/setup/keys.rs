// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The key, its self-signed certificate and the keystore that holds them.
//!
//! The PKCS#12 file uses what `openssl pkcs12 -export -legacy` writes and Java 8u60
//! (Talend's runtime) reads: PBEWithSHA1And3-KeyTripleDES-CBC for the key bag and the
//! certificate bag, and an HMAC-SHA1 MAC. Java reads PBES2/AES PKCS#12 files only from
//! 8u301 on. The PEM file holds the key as an encrypted PKCS#8 (PBES2: PBKDF2-SHA256,
//! AES-256-CBC, what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes) and the certificate.

use std::path::Path;

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use pkcs8::PrivateKeyInfoRef;
use pkcs8::pkcs5::pbes2;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, KeyUsagePurpose, PKCS_RSA_SHA256,
    RsaKeySize, SerialNumber,
};
use sfjwt::{Error, Keystore, KeystoreType, Password};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Salesforce refuses certificate files larger than this (the upload limit of the
/// External Client App and connected app pages).
pub const MAX_CERTIFICATE_BYTES: usize = 4096;

/// Key-derivation rounds of the PKCS#12 bags and MAC: JDK 12+'s default for its own
/// PKCS#12 files, which Java 8 and OpenSSL read as they read any count.
const PKCS12_ITERATIONS: u32 = 10_000;

/// PBKDF2-SHA256 rounds of the PEM key.
const PEM_ITERATIONS: u32 = 100_000;

/// The keystore formats `sfjwt setup` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreType {
    Pkcs12,
    Pem,
}

impl StoreType {
    pub fn parse(text: &str) -> Result<StoreType, Error> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pkcs12" | "p12" => Ok(StoreType::Pkcs12),
            "pem" => Ok(StoreType::Pem),
            _ => Err(Error::config(
                "keystore_type",
                format!(
                    "'{}' cannot be written; sfjwt setup writes pkcs12 (read by Java 8u60+, \
                     keytool, openssl and sfjwt) or pem; for a JKS, convert the PKCS#12 with \
                     keytool -importkeystore",
                    text.trim()
                ),
            )),
        }
    }

    /// The name in `keystore_type=`.
    pub fn key(self) -> &'static str {
        match self {
            StoreType::Pkcs12 => "pkcs12",
            StoreType::Pem => "pem",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            StoreType::Pkcs12 => "p12",
            StoreType::Pem => "pem",
        }
    }

    fn core_type(self) -> KeystoreType {
        match self {
            StoreType::Pkcs12 => KeystoreType::Pkcs12,
            StoreType::Pem => KeystoreType::Pem,
        }
    }
}

/// What the certificate says.
pub struct CertificateRequest<'a> {
    pub key_bits: u32,
    pub common_name: &'a str,
    pub validity_days: u32,
}

/// A new key and its certificate.
pub struct Identity {
    /// PKCS#8 DER of the private key.
    key_pkcs8: Zeroizing<Vec<u8>>,
    pub certificate_der: Vec<u8>,
    pub certificate_pem: String,
}

impl Identity {
    /// Makes the RSA key and the self-signed SHA-256 with RSA certificate.
    pub fn generate(request: &CertificateRequest<'_>) -> Result<Identity, Error> {
        let size = match request.key_bits {
            2048 => RsaKeySize::_2048,
            3072 => RsaKeySize::_3072,
            4096 => RsaKeySize::_4096,
            other => return Err(Error::Internal(format!("unchecked key size {other}"))),
        };
        let key_pair = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size)
            .map_err(|e| Error::Internal(format!("cannot generate the RSA key: {e}")))?;
        // A few minutes back, so that a server whose clock is slightly behind
        // does not see a certificate from the future.
        let now = OffsetDateTime::now_utc();

        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, request.common_name);
        params.distinguished_name = name;
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(i64::from(request.validity_days));
        params.serial_number = Some(SerialNumber::from(random_serial()?));
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let certificate = params
            .self_signed(&key_pair)
            .map_err(|e| Error::Internal(format!("cannot sign the certificate: {e}")))?;
        let key_pkcs8 = Zeroizing::new(key_pair.serialize_der());
        drop(key_pair);
        let certificate_der = certificate.der().to_vec();
        Ok(Identity {
            key_pkcs8,
            certificate_pem: pem_text("CERTIFICATE", &certificate_der),
            certificate_der,
        })
    }

    /// The keystore file's bytes.
    pub fn keystore(
        &self,
        store: StoreType,
        alias: &str,
        password: &Password,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        match store {
            StoreType::Pkcs12 => self.pkcs12(alias, password),
            StoreType::Pem => self.pem(password),
        }
    }

    fn pkcs12(&self, alias: &str, password: &Password) -> Result<Zeroizing<Vec<u8>>, Error> {
        let p12_error = |e: p12_keystore::error::Error| {
            Error::Internal(format!("cannot write the PKCS#12 keystore: {e}"))
        };
        let key = PrivateKey::from_der(&self.key_pkcs8).map_err(p12_error)?;
        let certificate = Certificate::from_der(&self.certificate_der).map_err(p12_error)?;
        // OpenSSL's localKeyID: the SHA-1 of the certificate, which ties the key bag
        // to its certificate bag.
        let local_key_id = digest(&SHA1_FOR_LEGACY_USE_ONLY, &self.certificate_der)
            .as_ref()
            .to_vec();
        let chain = PrivateKeyChain::new(local_key_id, key, [certificate]);
        let mut store = KeyStore::new();
        store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
        let bytes = store
            .writer(password.expose())
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .encryption_iterations(PKCS12_ITERATIONS)
            .mac_algorithm(MacAlgorithm::HmacSha1)
            .mac_iterations(PKCS12_ITERATIONS)
            .write()
            .map_err(p12_error)?;
        Ok(Zeroizing::new(bytes))
    }

    fn pem(&self, password: &Password) -> Result<Zeroizing<Vec<u8>>, Error> {
        let pkcs8_error = |e: pkcs8::Error| Error::Internal(format!("cannot encrypt the key: {e}"));
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        fill_random(&mut salt)?;
        fill_random(&mut iv)?;
        let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PEM_ITERATIONS, &salt, iv)
            .map_err(|e| pkcs8_error(e.into()))?;
        let info = PrivateKeyInfoRef::try_from(self.key_pkcs8.as_slice()).map_err(pkcs8_error)?;
        let encrypted = info
            .encrypt_with_params(params, password.expose().as_bytes())
            .map_err(pkcs8_error)?;
        let mut text = Zeroizing::new(pem_text("ENCRYPTED PRIVATE KEY", encrypted.as_bytes()));
        text.push_str(&self.certificate_pem);
        Ok(Zeroizing::new(text.as_bytes().to_vec()))
    }
}

/// Opens the keystore bytes with sfjwt's own reader, as a later login will, and
/// decrypts the key: a file that sfjwt cannot use is never written.
pub fn verify(
    name: &Path,
    bytes: &[u8],
    store: StoreType,
    alias: &str,
    password: &Password,
    identity: &Identity,
) -> Result<sfjwt::EntryInfo, Error> {
    let keystore = Keystore::from_bytes(name, bytes, store.core_type(), password.expose())?;
    let key = keystore.signing_key(Some(alias), password.expose())?;
    let same_certificate = key
        .certificate()
        .is_some_and(|c| c.der == identity.certificate_der);
    if !same_certificate {
        return Err(Error::Internal(
            "the written keystore does not hold the new certificate".to_owned(),
        ));
    }
    keystore
        .inspect()
        .into_iter()
        .find(|entry| entry.alias.eq_ignore_ascii_case(alias))
        .ok_or_else(|| Error::Internal("the written keystore lost its entry".to_owned()))
}

fn pem_text(label: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der.to_vec()), config)
}

fn fill_random(buffer: &mut [u8]) -> Result<(), Error> {
    aws_lc_rs::rand::fill(buffer)
        .map_err(|_| Error::Internal("the system random generator failed".to_owned()))
}

/// 16 random bytes, positive and of full length as RFC 5280 asks of a serial number.
fn random_serial() -> Result<Vec<u8>, Error> {
    let mut serial = vec![0u8; 16];
    fill_random(&mut serial)?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}
