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
    /// DNS, connect or reset.
    Network = 20,
    /// Connect or response timeout.
    Timeout = 21,
    /// TLS handshake or certificate verification failure.
    Tls = 22,
    /// The token endpoint refused the assertion.
    AuthRejected = 30,
    /// Unexpected HTTP status or a body that is not JSON.
    Http = 31,
    /// Malformed or incomplete JSON from Salesforce.
    Protocol = 32,
    /// A REST call failed after login.
    Api = 33,
    /// A bug, including a panic caught at a language boundary.
    Internal = 99,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::Config,
        ErrorCode::KeystoreIo,
        ErrorCode::KeystoreFormat,
        ErrorCode::KeystorePassword,
        ErrorCode::AliasNotFound,
        ErrorCode::NotAPrivateKey,
        ErrorCode::KeyPassword,
        ErrorCode::UnsupportedKey,
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::Tls,
        ErrorCode::AuthRejected,
        ErrorCode::Http,
        ErrorCode::Protocol,
        ErrorCode::Api,
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
            ErrorCode::Network => "NETWORK",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Tls => "TLS",
            ErrorCode::AuthRejected => "AUTH_REJECTED",
            ErrorCode::Http => "HTTP",
            ErrorCode::Protocol => "PROTOCOL",
            ErrorCode::Api => "API",
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
#[derive(Debug, Clone, thiserror::Error, serde::Serialize, serde::Deserialize)]
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

    /// DNS failure, connection refused or reset.
    #[error("network error talking to {url}: {reason}")]
    Network {
        /// The URL (never with credentials).
        url: String,
        /// What failed.
        reason: String,
    },

    /// No connection or no answer in time.
    #[error(
        "timed out talking to {url}: {reason}; raise connect_timeout_secs / timeout_secs if the network is slow"
    )]
    Timeout {
        /// The URL.
        url: String,
        /// Which timeout.
        reason: String,
    },

    /// TLS handshake or certificate verification failed.
    #[error("TLS failure talking to {url}: {reason}")]
    Tls {
        /// The URL.
        url: String,
        /// What failed, and the fix.
        reason: String,
    },

    /// Salesforce refused the assertion.
    #[error("{0}")]
    AuthRejected(Box<Rejection>),

    /// An HTTP status or body that is not what Salesforce sends.
    #[error("unexpected HTTP {status} from {url}{}{}", if .excerpt.is_empty() { "" } else { ": " }, .excerpt)]
    Http {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body, made printable.
        excerpt: String,
    },

    /// JSON that is malformed or lacks a field.
    #[error("malformed answer from {url}: {reason}")]
    Protocol {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },

    /// A REST call failed after login.
    #[error("Salesforce API call {url} failed with HTTP {status} {error_code}: {message}")]
    Api {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Salesforce's `errorCode`.
        error_code: String,
        /// Salesforce's `message`.
        message: String,
    },

    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A refusal from the token endpoint: Salesforce's words and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rejection {
    /// Salesforce's `error` (`invalid_grant`, ...).
    pub error: String,
    /// Salesforce's `error_description` (`user hasn't approved this consumer`, ...).
    pub error_description: String,
    /// The HTTP status (400).
    pub http_status: u16,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Salesforce refused the login (HTTP {}): {}: {}. Fix: {}",
            self.http_status, self.error, self.error_description, self.hint
        )
    }
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
            Error::Network { .. } => ErrorCode::Network,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::Tls { .. } => ErrorCode::Tls,
            Error::AuthRejected(_) => ErrorCode::AuthRejected,
            Error::Http { .. } => ErrorCode::Http,
            Error::Protocol { .. } => ErrorCode::Protocol,
            Error::Api { .. } => ErrorCode::Api,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Salesforce's refusal, for AUTH_REJECTED.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Error::AuthRejected(rejection) => Some(rejection),
            _ => None,
        }
    }

    /// The configuration key a CONFIG error is about.
    pub fn config_key(&self) -> Option<&str> {
        match self {
            Error::Config { key, .. } => Some(key),
            _ => None,
        }
    }

    /// Salesforce's REST `errorCode` (`INVALID_SESSION_ID`, ...), for API errors.
    pub fn api_error_code(&self) -> Option<&str> {
        match self {
            Error::Api { error_code, .. } => Some(error_code),
            _ => None,
        }
    }

    /// The HTTP status involved, if any.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::AuthRejected(r) => Some(r.http_status),
            Error::Http { status, .. } | Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `--json` form shared by the CLI and the connection report: `{"code",
    /// "message", "salesforce_error", "salesforce_error_description", "http_status", "hint"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let rejection = self.rejection();
        serde_json::json!({
            "code": self.code().name(),
            "message": self.to_string(),
            "salesforce_error": rejection.map(|r| r.error.as_str()),
            "salesforce_error_description": rejection.map(|r| r.error_description.as_str()),
            "http_status": self.http_status(),
            "hint": rejection.map(|r| r.hint.as_str()),
        })
    }

    /// A CONFIG error naming the setting `key` (also what the emulator and the CLI use
    /// for their own settings).
    pub fn config(key: &str, reason: impl Into<String>) -> Error {
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
