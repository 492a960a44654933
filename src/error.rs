// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The one error type of sfjwt and its stable codes.
//!
//! Every binding maps [`Error`] to its language with one exhaustive `match` on
//! [`Error::code`], so adding a code breaks their builds instead of turning into
//! "unknown". Messages name the file, key or alias concerned and say what to do;
//! they never contain a password, key, assertion or token.

use std::fmt;
use std::path::Path;

/// Stable error codes, shared by every language (design.md). The numbers are the C
/// values and the CLI's exit codes; they are never renumbered or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    /// A missing or invalid setting; the message names the key.
    Config = 1,
    /// The keystore file is missing or unreadable.
    KeystoreIo = 10,
    /// Not a recognised keystore, or corrupt or truncated.
    KeystoreFormat = 11,
    /// Wrong store password: the integrity check failed.
    KeystorePassword = 12,
    /// The alias is absent; the message lists the aliases present.
    AliasNotFound = 13,
    /// The alias names a trusted-certificate entry, not a private key.
    NotAPrivateKey = 14,
    /// Wrong key password.
    KeyPassword = 15,
    /// Not an RSA key of at least 2048 bits.
    UnsupportedKey = 16,
    /// A bug, including a panic caught at a language boundary.
    Internal = 99,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::Config,
        ErrorCode::KeystoreIo,
        ErrorCode::KeystoreFormat,
        ErrorCode::KeystorePassword,
        ErrorCode::AliasNotFound,
        ErrorCode::NotAPrivateKey,
        ErrorCode::KeyPassword,
        ErrorCode::UnsupportedKey,
        ErrorCode::Internal,
    ];

    /// The name used in every language (`KEYSTORE_PASSWORD`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Config => "CONFIG",
            ErrorCode::KeystoreIo => "KEYSTORE_IO",
            ErrorCode::KeystoreFormat => "KEYSTORE_FORMAT",
            ErrorCode::KeystorePassword => "KEYSTORE_PASSWORD",
            ErrorCode::AliasNotFound => "ALIAS_NOT_FOUND",
            ErrorCode::NotAPrivateKey => "NOT_A_PRIVATE_KEY",
            ErrorCode::KeyPassword => "KEY_PASSWORD",
            ErrorCode::UnsupportedKey => "UNSUPPORTED_KEY",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// The C value, also the CLI's exit code.
    pub fn value(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in sfjwt.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A missing or invalid setting.
    #[error("invalid setting '{key}': {reason}")]
    Config {
        /// The configuration key, as written in a `.properties` file.
        key: String,
        /// What is wrong and what is expected.
        reason: String,
    },

    /// The keystore file cannot be read.
    #[error("cannot read keystore file {path}: {reason}")]
    KeystoreIo {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },

    /// Not a keystore of a known format, or corrupt.
    #[error("{path} is not a usable keystore: {reason}")]
    KeystoreFormat {
        /// The file.
        path: String,
        /// What was found, and where.
        reason: String,
    },

    /// The store password failed the integrity check.
    #[error(
        "wrong keystore password for {path} (the integrity check failed{detail}); \
         use the password chosen when the keystore was exported"
    )]
    KeystorePassword {
        /// The file.
        path: String,
        /// Format-specific detail, empty or starting with "; ".
        detail: String,
    },

    /// No entry has this alias.
    #[error("alias '{alias}' not found in {path}; the keystore holds: {}", list_or_none(.aliases))]
    AliasNotFound {
        /// The file.
        path: String,
        /// The alias asked for.
        alias: String,
        /// The aliases present.
        aliases: Vec<String>,
    },

    /// The alias names a trusted certificate, or the store has no private key.
    #[error("{path}: {reason}")]
    NotAPrivateKey {
        /// The file.
        path: String,
        /// Which entry, and what to do.
        reason: String,
    },

    /// The key password does not decrypt the entry.
    #[error(
        "wrong key password for entry '{alias}' in {path}; set key_password \
         (it defaults to the keystore password)"
    )]
    KeyPassword {
        /// The file.
        path: String,
        /// The entry.
        alias: String,
    },

    /// The key cannot sign RS256.
    #[error(
        "entry '{alias}' in {path} holds {found}; Salesforce needs an RSA key of at least \
         2048 bits (RS256): create a new certificate in Setup > Certificate and Key Management"
    )]
    UnsupportedKey {
        /// The file.
        path: String,
        /// The entry.
        alias: String,
        /// What the entry holds ("an EC key", "a 1024-bit RSA key").
        found: String,
    },

    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `a, b, c`, or `(none)`.
pub(crate) fn list_or_none(aliases: &[String]) -> String {
    if aliases.is_empty() {
        "(none)".to_owned()
    } else {
        aliases.join(", ")
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Config { .. } => ErrorCode::Config,
            Error::KeystoreIo { .. } => ErrorCode::KeystoreIo,
            Error::KeystoreFormat { .. } => ErrorCode::KeystoreFormat,
            Error::KeystorePassword { .. } => ErrorCode::KeystorePassword,
            Error::AliasNotFound { .. } => ErrorCode::AliasNotFound,
            Error::NotAPrivateKey { .. } => ErrorCode::NotAPrivateKey,
            Error::KeyPassword { .. } => ErrorCode::KeyPassword,
            Error::UnsupportedKey { .. } => ErrorCode::UnsupportedKey,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    pub(crate) fn config(key: &str, reason: impl Into<String>) -> Error {
        Error::Config {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn format(path: &Path, reason: impl Into<String>) -> Error {
        Error::KeystoreFormat {
            path: path.display().to_string(),
            reason: reason.into(),
        }
    }
}

/// `Result` with sfjwt's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
