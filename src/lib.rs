// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! sfjwt logs ETL jobs in to Salesforce with the OAuth 2.0 JWT Bearer flow.
//!
//! The flow, module by module: [`config`] (the keys of every surface) →
//! [`keystore`] (JKS, JCEKS, PKCS#12, PEM) → [`assertion`] (the RS256 JWT) →
//! [`oauth`] (token exchange over HTTPS) → the token cache → [`connection_test`].
//! [`Client`] ties them together.
//! Errors carry the stable codes of [`ErrorCode`].
//!
//! Events (login start and end, cache hits, retries, clock and certificate warnings;
//! never a secret) go through the `log` facade, each binding bridging them into its
//! language's logging.

pub mod assertion;
mod cache;
mod client;
pub mod config;
pub mod connection_test;
pub mod error;
mod events;
mod files;
// Not API: the entry points of the fuzz targets (fuzz/) and of their regression tests.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod keystore;
pub mod oauth;

pub use assertion::{Assertion, AssertionSigner, Claims};
pub use cache::FAILED_LOGIN_BACKOFF;
pub use client::Client;
pub use config::{
    Config, ConfigBuilder, KeystoreData, KeystoreSettings, KeystoreSource, Password, ProxyUrl,
};
pub use connection_test::{ConnectionReport, Step};
pub use error::{Error, ErrorCode, Rejection, Result};
pub use keystore::{EntryInfo, EntryKind, Keystore, KeystoreFormat, KeystoreType, SigningKey};
pub use oauth::{AccessToken, TokenId};

/// Whether a `log` record is sfjwt's own (its target is a module of this crate): the
/// bindings' loggers forward these and not what dependencies (rustls) log.
pub fn is_own_log_record(metadata: &log::Metadata<'_>) -> bool {
    metadata.target().split("::").next() == Some("sfjwt")
}
