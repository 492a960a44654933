// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Test hooks shared by the bindings (cargo feature `testing`, never in release
//! artifacts), as libsignal's `rust/bridge/shared/testing`.

use sfjwt::{Error, ErrorCode};

/// The code whose C value is `value`, if any.
pub fn code_of_value(value: i64) -> Option<ErrorCode> {
    ErrorCode::ALL
        .into_iter()
        .find(|code| i64::from(code.value()) == value)
}

/// One core error per code, with the fields each binding's tests check on their side
/// (C `sfjwt_testing_error`, Java `Native.testingError`, Python `_native._testing_error`).
pub fn sample_error(code: ErrorCode) -> Error {
    let path = || "sample.jks".to_owned();
    let url = || "https://login.salesforce.com/services/oauth2/token".to_owned();
    let reason = || "sample".to_owned();
    match code {
        ErrorCode::Config => Error::Config {
            key: "issuer".to_owned(),
            reason: reason(),
        },
        ErrorCode::KeystoreIo => Error::KeystoreIo {
            path: path(),
            reason: reason(),
        },
        ErrorCode::KeystoreFormat => Error::KeystoreFormat {
            path: path(),
            reason: reason(),
        },
        ErrorCode::KeystorePassword => Error::KeystorePassword {
            path: path(),
            detail: String::new(),
        },
        ErrorCode::AliasNotFound => Error::AliasNotFound {
            path: path(),
            alias: "missing".to_owned(),
            aliases: vec!["talend_certificate".to_owned()],
        },
        ErrorCode::NotAPrivateKey => Error::NotAPrivateKey {
            path: path(),
            reason: reason(),
        },
        ErrorCode::KeyPassword => Error::KeyPassword {
            path: path(),
            alias: "sfdc".to_owned(),
        },
        ErrorCode::UnsupportedKey => Error::UnsupportedKey {
            path: path(),
            alias: "sfdc".to_owned(),
            found: "an EC key".to_owned(),
        },
        ErrorCode::Network => Error::Network {
            url: url(),
            reason: reason(),
        },
        ErrorCode::Timeout => Error::Timeout {
            url: url(),
            reason: reason(),
        },
        ErrorCode::Tls => Error::Tls {
            url: url(),
            reason: reason(),
        },
        ErrorCode::AuthRejected => Error::AuthRejected(Box::new(sfjwt::Rejection {
            error: "invalid_grant".to_owned(),
            error_description: "user hasn't approved this consumer".to_owned(),
            http_status: 400,
            hint: "approve the consumer once".to_owned(),
        })),
        ErrorCode::Http => Error::Http {
            url: url(),
            status: 503,
            excerpt: reason(),
        },
        ErrorCode::Protocol => Error::Protocol {
            url: url(),
            reason: reason(),
        },
        ErrorCode::Api => Error::Api {
            url: url(),
            status: 401,
            error_code: "INVALID_SESSION_ID".to_owned(),
            message: "Session expired or invalid".to_owned(),
        },
        ErrorCode::Internal => Error::Internal(reason()),
    }
}
