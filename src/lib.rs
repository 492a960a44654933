// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! sfjwt logs ETL jobs in to Salesforce with the OAuth 2.0 JWT Bearer flow.
//!
//! The flow, module by module: [`config`] (the keys of every surface) →
//! [`keystore`] (JKS, JCEKS, PKCS#12, PEM) → [`assertion`] (the RS256 JWT).
//! Errors carry the stable codes of [`ErrorCode`].

pub mod assertion;
pub mod config;
pub mod error;
pub mod keystore;

pub use assertion::{Assertion, AssertionSigner, Claims};
pub use config::{Config, ConfigBuilder, KeystoreSettings, Password};
pub use error::{Error, ErrorCode, Result};
pub use keystore::{EntryInfo, EntryKind, Keystore, KeystoreFormat, KeystoreType, SigningKey};
