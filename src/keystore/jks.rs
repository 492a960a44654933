// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! JKS and JCEKS, Sun's keystore formats (`sun.security.provider.JavaKeyStore`,
//! `com.sun.crypto.provider.JceKeyStore`). No maintained crate reads them, so this
//! reader is ours: every length is checked against the bytes left before use, and
//! nothing is allocated from a length that was not checked.
//!
//! ```text
//! u32 magic (FEEDFEED | CECECECE), u32 version (1 | 2), u32 count
//! count × { u32 tag, UTF alias, u64 timestamp,
//!   tag 1 (private key): u32 len, EncryptedPrivateKeyInfo, u32 chain length, chain × cert
//!   tag 2 (trusted cert): cert
//!   tag 3 (JCEKS secret key): a Java-serialized SealedObject }
//! cert = [version 2: UTF type "X.509"] u32 len, DER
//! 20 bytes: SHA-1(password as UTF-16BE || "Mighty Aphrodite" || everything before)
//! ```

use std::path::Path;

use aws_lc_rs::digest::{self, Context, SHA1_FOR_LEGACY_USE_ONLY};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use der::asn1::OctetStringRef;
use der::{Decode, Sequence};
use md5::{Digest, Md5};
use pkcs8::spki::AlgorithmIdentifierRef;
use zeroize::{Zeroize, Zeroizing};

use super::certificate::CertificateInfo;
use super::{Entry, MAX_KDF_ITERATIONS, ProtectedKey};
use crate::error::{Error, Result};

const JKS_MAGIC: u32 = 0xFEED_FEED;
const JCEKS_MAGIC: u32 = 0xCECE_CECE;
const TAG_PRIVATE_KEY: u32 = 1;
const TAG_TRUSTED_CERT: u32 = 2;
const TAG_SECRET_KEY: u32 = 3;
const SHA1_LEN: usize = 20;
/// The salt Sun mixes into the integrity digest.
const INTEGRITY_SALT: &[u8] = b"Mighty Aphrodite";
/// `sun.security.provider.KeyProtector`.
const JKS_KEY_PROTECTOR_OID: &str = "1.3.6.1.4.1.42.2.17.1.1";
/// `PBEWithMD5AndTripleDES`, used by `com.sun.crypto.provider.KeyProtector`.
const JCEKS_KEY_PROTECTOR_OID: &str = "1.3.6.1.4.1.42.2.19.1";

/// Parses a JKS or JCEKS file: structure first, then the integrity digest with the
/// store password, and only then the entries' certificates and key parameters.
pub(crate) fn parse(path: &Path, bytes: &[u8], store_password: &str) -> Result<Vec<Entry>> {
    let (raw, signed_len) = locate_entries(path, bytes)?;
    let stored_digest = Reader {
        path,
        bytes,
        pos: signed_len,
    }
    .take(SHA1_LEN)?;

    let computed = integrity_digest(store_password, &bytes[..signed_len]);
    if computed.as_ref() != stored_digest {
        return Err(Error::KeystorePassword {
            path: path.display().to_string(),
            detail: "; or the file was modified after it was written".to_owned(),
        });
    }

    raw.into_iter().map(|e| e.into_entry(path)).collect()
}

/// Rewrites the integrity digest of a structurally readable JKS or JCEKS file for
/// `store_password`, dropping anything after it, so that a fuzzer's mutations reach
/// the entry parsers instead of stopping at the digest. `None` when the structure
/// cannot be read (the digest's position is then unknown).
#[cfg(feature = "fuzzing")]
pub(crate) fn with_valid_digest(bytes: &[u8], store_password: &str) -> Option<Vec<u8>> {
    let (_, signed_len) = locate_entries(Path::new("fuzz"), bytes).ok()?;
    let mut fixed = bytes[..signed_len].to_vec();
    fixed.extend_from_slice(integrity_digest(store_password, &fixed).as_ref());
    Some(fixed)
}

/// Reads the header and locates every entry, without interpreting any; returns them
/// and the length of the part the integrity digest covers.
fn locate_entries<'a>(path: &'a Path, bytes: &'a [u8]) -> Result<(Vec<RawEntry<'a>>, usize)> {
    let mut r = Reader {
        path,
        bytes,
        pos: 0,
    };
    let magic = r.u32()?;
    let jceks = match magic {
        JKS_MAGIC => false,
        JCEKS_MAGIC => true,
        _ => {
            return Err(Error::format(
                path,
                "not a JKS or JCEKS file (wrong magic number)",
            ));
        }
    };
    let version = r.u32()?;
    if !(version == 2 || (version == 1 && !jceks)) {
        return Err(Error::format(
            path,
            format!("unsupported keystore version {version}"),
        ));
    }
    let count = r.u32()?;
    let mut raw = Vec::new();
    for _ in 0..count {
        raw.push(r.entry(version, jceks)?);
    }
    Ok((raw, r.pos))
}

fn integrity_digest(password: &str, data: &[u8]) -> digest::Digest {
    let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    let password = utf16_be(password);
    ctx.update(&password);
    ctx.update(INTEGRITY_SALT);
    ctx.update(data);
    ctx.finish()
}

/// Java's `char[]` password as the bytes Sun hashes: UTF-16 big-endian.
fn utf16_be(password: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(password.encode_utf16().flat_map(u16::to_be_bytes).collect())
}

/// An entry whose bytes are located but not yet interpreted.
enum RawEntry<'a> {
    PrivateKey {
        alias: String,
        protected: &'a [u8],
        chain: Vec<&'a [u8]>,
    },
    TrustedCert {
        alias: String,
        cert: &'a [u8],
    },
}

impl RawEntry<'_> {
    fn into_entry(self, path: &Path) -> Result<Entry> {
        match self {
            RawEntry::PrivateKey {
                alias,
                protected,
                chain,
            } => {
                let key = protected_key(path, &alias, protected)?;
                let certificate = chain
                    .first()
                    .map(|der| CertificateInfo::from_der(path, der))
                    .transpose()?;
                Ok(Entry::private_key(alias, key, certificate))
            }
            RawEntry::TrustedCert { alias, cert } => Ok(Entry::trusted_certificate(
                alias,
                CertificateInfo::from_der(path, cert)?,
            )),
        }
    }
}

/// `EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }`, read
/// loosely because Sun's algorithm OIDs are unknown to the pkcs8 crate.
#[derive(Sequence)]
struct EncryptedKeyInfo<'a> {
    algorithm: AlgorithmIdentifierRef<'a>,
    data: &'a OctetStringRef,
}

/// `PBEParameter ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER }`.
#[derive(Sequence)]
struct PbeParameter<'a> {
    salt: &'a OctetStringRef,
    iterations: u32,
}

fn protected_key(path: &Path, alias: &str, der: &[u8]) -> Result<ProtectedKey> {
    let bad = |what: String| Error::format(path, format!("private key entry '{alias}': {what}"));
    let info = EncryptedKeyInfo::from_der(der).map_err(|e| bad(format!("malformed ({e})")))?;
    let data = info.data.as_bytes();
    match info.algorithm.oid.to_string().as_str() {
        JKS_KEY_PROTECTOR_OID => {
            // salt || at least one byte of key || check digest
            if data.len() <= 2 * SHA1_LEN {
                return Err(bad("protected key too short".to_owned()));
            }
            Ok(ProtectedKey::JksKeyProtector(data.to_vec()))
        }
        JCEKS_KEY_PROTECTOR_OID => {
            let params = info
                .algorithm
                .parameters
                .ok_or_else(|| bad("PBE parameters missing".to_owned()))?
                .decode_as::<PbeParameter<'_>>()
                .map_err(|e| bad(format!("malformed PBE parameters ({e})")))?;
            let salt: [u8; 8] = params
                .salt
                .as_bytes()
                .try_into()
                .map_err(|_| bad("PBE salt is not 8 bytes".to_owned()))?;
            if params.iterations == 0 || params.iterations > MAX_KDF_ITERATIONS {
                return Err(bad(format!(
                    "implausible iteration count {}",
                    params.iterations
                )));
            }
            if data.is_empty() || data.len() % 8 != 0 {
                return Err(bad(
                    "ciphertext is not a whole number of DES blocks".to_owned()
                ));
            }
            Ok(ProtectedKey::JceksKeyProtector {
                salt,
                iterations: params.iterations,
                ciphertext: data.to_vec(),
            })
        }
        other => Err(bad(format!("unsupported key protection algorithm {other}"))),
    }
}

/// Sun's `KeyProtector.recover`: a SHA-1 keystream seeded by a 20-byte salt, and a
/// SHA-1 check digest of the plaintext. Returns `None` when the password is wrong.
pub(crate) fn decrypt_key_protector(blob: &[u8], password: &str) -> Option<Zeroizing<Vec<u8>>> {
    let (salt, rest) = blob.split_at_checked(SHA1_LEN)?;
    let (encrypted, check) = rest.split_at_checked(rest.len().checked_sub(SHA1_LEN)?)?;
    let password = utf16_be(password);

    let mut plain = Zeroizing::new(encrypted.to_vec());
    let mut stream = Zeroizing::new(salt.to_vec());
    for chunk in plain.chunks_mut(SHA1_LEN) {
        let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
        ctx.update(&password);
        ctx.update(&stream);
        stream.copy_from_slice(ctx.finish().as_ref());
        for (byte, key) in chunk.iter_mut().zip(stream.iter()) {
            *byte ^= key;
        }
    }

    let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(&password);
    ctx.update(&plain);
    (ctx.finish().as_ref() == check).then_some(plain)
}

/// Sun's `PBEWithMD5AndTripleDES` (`PBES1Core.deriveCipherKey` for DESede): each salt
/// half is hashed `iterations` times with the password, giving a 24-byte key and an
/// 8-byte IV. Returns `None` when the padding is wrong.
pub(crate) fn decrypt_jceks(
    salt: &[u8; 8],
    iterations: u32,
    ciphertext: &[u8],
    password: &str,
) -> Option<Zeroizing<Vec<u8>>> {
    let mut salt = *salt;
    if salt[..4] == salt[4..] {
        // Sun's code means to reverse the first half, but writes `salt[3-1]` instead
        // of `salt[3-i]`; keystores are written with that bug, so we repeat it.
        for i in 0..2 {
            let tmp = salt[i];
            salt[i] = salt[3 - i];
            salt[2] = tmp;
        }
    }

    let mut derived = Zeroizing::new([0u8; 32]);
    for (half, out) in salt.chunks(4).zip(derived.chunks_mut(16)) {
        let mut state = Zeroizing::new(half.to_vec());
        for _ in 0..iterations {
            let mut md5 = Md5::new();
            md5.update(&*state);
            md5.update(password.as_bytes());
            state.zeroize();
            state.extend_from_slice(&md5.finalize());
        }
        out.copy_from_slice(&state);
    }

    let (key, iv) = derived.split_at(24);
    let decryptor = cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv).ok()?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = decryptor.decrypt_padded::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

/// A bounds-checked cursor over the file.
struct Reader<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        match end {
            Some(end) => {
                let slice = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(slice)
            }
            None => Err(Error::format(
                self.path,
                format!(
                    "truncated: {n} bytes expected at offset {} of {}",
                    self.pos,
                    self.bytes.len()
                ),
            )),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `u32`-prefixed byte string.
    fn bytes32(&mut self) -> Result<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    /// `DataOutput.writeUTF`: a `u16` length and modified UTF-8.
    fn utf(&mut self) -> Result<String> {
        let len = self.u16()? as usize;
        let raw = self.take(len)?;
        Ok(decode_modified_utf8(raw))
    }

    fn cert(&mut self, version: u32) -> Result<&'a [u8]> {
        if version == 2 {
            let cert_type = self.utf()?;
            if cert_type != "X.509" {
                return Err(Error::format(
                    self.path,
                    format!("unsupported certificate type '{cert_type}'"),
                ));
            }
        }
        self.bytes32()
    }

    fn entry(&mut self, version: u32, jceks: bool) -> Result<RawEntry<'a>> {
        let tag = self.u32()?;
        let alias = self.utf()?;
        let _timestamp = self.u64()?;
        match tag {
            TAG_PRIVATE_KEY => {
                let protected = self.bytes32()?;
                let chain_len = self.u32()?;
                let mut chain = Vec::new();
                for _ in 0..chain_len {
                    chain.push(self.cert(version)?);
                }
                Ok(RawEntry::PrivateKey {
                    alias,
                    protected,
                    chain,
                })
            }
            TAG_TRUSTED_CERT => Ok(RawEntry::TrustedCert {
                alias,
                cert: self.cert(version)?,
            }),
            // A Java-serialized object with no length prefix: nothing after it can be
            // located without a Java deserializer, so the store cannot be read.
            TAG_SECRET_KEY if jceks => Err(Error::format(
                self.path,
                format!(
                    "entry '{alias}' is a secret-key entry, which sfjwt cannot read; keep the \
                     signing key in a keystore without secret keys (JKS or PKCS#12)"
                ),
            )),
            other => Err(Error::format(
                self.path,
                format!("entry '{alias}' has unknown type {other}"),
            )),
        }
    }
}

/// Java's modified UTF-8: NUL as `C0 80` and characters outside the BMP as two
/// 3-byte surrogates. Plain UTF-8 is the common case; anything else is decoded
/// through UTF-16, replacing what cannot be decoded.
fn decode_modified_utf8(raw: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_owned();
    }
    let mut units = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        let (unit, width) = match b {
            0x00..=0x7F => (u16::from(b), 1),
            0xC0..=0xDF if i + 1 < raw.len() => {
                ((u16::from(b & 0x1F) << 6) | u16::from(raw[i + 1] & 0x3F), 2)
            }
            0xE0..=0xEF if i + 2 < raw.len() => (
                (u16::from(b & 0x0F) << 12)
                    | (u16::from(raw[i + 1] & 0x3F) << 6)
                    | u16::from(raw[i + 2] & 0x3F),
                3,
            ),
            _ => (0xFFFD, 1),
        };
        units.push(unit);
        i += width;
    }
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf8_decodes_nul_and_surrogate_pairs() {
        assert_eq!(decode_modified_utf8(b"plain"), "plain");
        assert_eq!(decode_modified_utf8(&[b'a', 0xC0, 0x80, b'b']), "a\0b");
        // U+1F600 as CESU-8: ED A0 BD ED B8 80
        assert_eq!(
            decode_modified_utf8(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
            "\u{1F600}"
        );
    }

    #[test]
    fn key_protector_rejects_short_blobs_without_panicking() {
        for len in 0..45 {
            let blob = vec![7u8; len];
            assert!(decrypt_key_protector(&blob, "pw").is_none());
        }
    }
}
