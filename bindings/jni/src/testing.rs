// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Test-only entry points (cargo feature `testing`, never in release artifacts): they
//! provoke a panic and each core error at the boundary, so that the Java tests can
//! check what arrives on their side, and hand over the core's lists of configuration
//! keys and token fields for the parity test.

use jni::EnvUnowned;
use jni::objects::{JClass, JObjectArray, JString};
use jni::sys::jint;
use sfjwt::{AccessToken, Error, ErrorCode};

use crate::boundary::{JniError, boundary};
use crate::string_array;

/// `void testingPanic()`: panics, to prove that a panic becomes a Java exception.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testingPanic<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
) {
    boundary(env, |_env| -> Result<(), JniError> {
        panic!("deliberate panic from Native.testingPanic()")
    })
}

/// `void testingError(int value)`: throws a sample core error with that C value,
/// to prove that every code maps to the Java constant of the same name.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testingError<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    value: jint,
) {
    boundary(env, |_env| {
        let code = ErrorCode::ALL
            .into_iter()
            .find(|code| i64::from(code.value()) == i64::from(value))
            .ok_or_else(|| JniError::Bridge(format!("no error code has the value {value}")))?;
        Err(JniError::Core(sample_error(code)))
    })
}

/// `String[] testingConfigKeys()`: `sfjwt::config::KEYS`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testingConfigKeys<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JObjectArray<'local, JString<'local>> {
    boundary(env, |env| string_array(env, &sfjwt::config::KEYS))
}

/// `String[] testingTokenFields()`: `sfjwt::AccessToken::FIELDS`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testingTokenFields<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JObjectArray<'local, JString<'local>> {
    boundary(env, |env| string_array(env, &AccessToken::FIELDS))
}

/// One core error per code, with the fields a Java test checks.
fn sample_error(code: ErrorCode) -> Error {
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
