// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The secret values of a configuration: passwords, a proxy URL that may carry
//! credentials, and keystores handed over as bytes. Each is wiped on drop and redacted
//! in `Debug`.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::Result;

/// A password: zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Password {
        Password(Zeroizing::new(password.into()))
    }

    /// The password text, for handing to a keystore reader.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A proxy URL, which may carry credentials (`http://user:password@host:port`):
/// zeroized on drop, and `Debug` shows it with the password redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(pub(super) Zeroizing<String>);

impl ProxyUrl {
    /// The URL as given, credentials included, for handing to the HTTP client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("<redacted>"));
                }
                write!(f, "ProxyUrl({url})")
            }
            Err(_) => f.write_str("ProxyUrl(<unparsable>)"),
        }
    }
}

/// The largest keystore taken as data, as for a file: real ones are a few kilobytes.
pub const MAX_KEYSTORE_BYTES: usize = crate::files::MAX_SECRET_FILE_BYTES as usize;

pub(super) fn too_large(len: usize) -> String {
    format!(
        "{len} bytes is more than a keystore can be (at most {} MiB; real ones are a few kilobytes)",
        MAX_KEYSTORE_BYTES / (1024 * 1024)
    )
}

/// A keystore handed over as bytes instead of a file: the contents of
/// `keystore_base64` (a secret store's environment variable), Python's `keystore_data`,
/// Java's `keystoreData`, C's `sfjwt_config_set_keystore_data`. Wiped on drop; `Debug`
/// shows where it came from and its length, never the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct KeystoreData {
    origin: String,
    bytes: Zeroizing<Vec<u8>>,
}

impl KeystoreData {
    /// Bytes from `origin`: what messages name (`SFJWT_KEYSTORE_BASE64`, `keystoreData`).
    pub fn new(origin: impl Into<String>, bytes: &[u8]) -> KeystoreData {
        KeystoreData {
            origin: origin.into(),
            bytes: Zeroizing::new(bytes.to_vec()),
        }
    }

    /// Decodes base64 text (standard or URL-safe alphabet, padded or not); whitespace
    /// is skipped, so the line-wrapped output of `base64 keystore.jks` is fine.
    pub(super) fn from_base64(key: &str, origin: &str, text: &str) -> Result<KeystoreData, String> {
        use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
        use base64::{DecodeError, Engine};
        // Every 4 characters make 3 bytes; whitespace aside, a longer text decodes to
        // more than a keystore can be.
        if text.len() / 4 * 3 > MAX_KEYSTORE_BYTES * 2 {
            return Err(too_large(text.len() / 4 * 3));
        }
        // Capacity up front, as below: a growing String would leave unwiped copies.
        let mut compact = Zeroizing::new(String::with_capacity(text.len()));
        compact.extend(text.chars().filter(|c| !c.is_ascii_whitespace()));
        if compact.len() / 4 * 3 > MAX_KEYSTORE_BYTES {
            return Err(too_large(compact.len() / 4 * 3));
        }
        // Capacity up front: growing the buffer would leave unwiped copies behind.
        let mut bytes = Zeroizing::new(Vec::with_capacity(base64::decoded_len_estimate(
            compact.len(),
        )));
        let engine = if compact.contains(['-', '_']) {
            URL_SAFE_PAD_INDIFFERENT
        } else {
            STANDARD_PAD_INDIFFERENT
        };
        engine
            .decode_vec(compact.as_bytes(), &mut bytes)
            .map_err(|error| {
                // Never the offending character: the text is a secret.
                let what = match error {
                    DecodeError::InvalidByte(offset, _) => {
                        format!("a character that is not base64 at offset {offset}")
                    }
                    DecodeError::InvalidLength(_) => "a length that base64 cannot have".to_owned(),
                    DecodeError::InvalidLastSymbol { .. } | DecodeError::InvalidPadding => {
                        "a wrong last character or padding".to_owned()
                    }
                };
                let from = if origin == key {
                    String::new()
                } else {
                    format!(" from {origin}")
                };
                format!(
                    "the text{from} is not base64 ({what}); give the keystore file's contents \
                     encoded with `base64 keystore.jks`"
                )
            })?;
        Ok(KeystoreData {
            origin: origin.to_owned(),
            bytes,
        })
    }

    /// Where the bytes came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The keystore's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for KeystoreData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeystoreData({}, {} bytes)",
            self.origin,
            self.bytes.len()
        )
    }
}
