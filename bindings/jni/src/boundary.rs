// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The one boundary every entry point goes through: [`boundary`] runs the body with
//! an [`Env`], catches panics, and resolves the outcome with [`ThrowJava`], which
//! turns a core error into a thrown `dev.sfjwt.SfJwtException` and anything else
//! (a bridge bug, a failed JNI call, a panic) into an unchecked
//! `IllegalStateException`. Nothing unwinds into the JVM.

use std::any::Any;
use std::fmt;

use jni::errors::ErrorPolicy;
use jni::objects::{JObject, JThrowable, JValue};
use jni::strings::{JNIStr, JNIString};
use jni::{Env, EnvUnowned, jni_sig, jni_str};
use sfjwt::ErrorCode;
use sfjwt_bridge::panic_text;

/// What can go wrong inside an entry point.
pub(crate) enum JniError {
    /// A core error: becomes `dev.sfjwt.SfJwtException` with its code.
    Core(sfjwt::Error),
    /// A JNI call failed (often with a Java exception already pending, which then wins).
    Jni(jni::errors::Error),
    /// The Java side broke the bridge's contract (closed handle, mismatched arrays):
    /// a bug, becomes `IllegalStateException`.
    Bridge(String),
}

impl From<sfjwt::Error> for JniError {
    fn from(error: sfjwt::Error) -> JniError {
        JniError::Core(error)
    }
}

impl From<jni::errors::Error> for JniError {
    fn from(error: jni::errors::Error) -> JniError {
        JniError::Jni(error)
    }
}

impl fmt::Display for JniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JniError::Core(e) => write!(f, "{}: {e}", e.code()),
            JniError::Jni(e) => write!(f, "JNI call failed: {e}"),
            JniError::Bridge(reason) => f.write_str(reason),
        }
    }
}

/// Runs one entry point's body: converts arguments, calls the core, converts back.
/// An `Err` or a panic becomes a pending Java exception and `T::default()` is
/// returned to the JVM, which then throws.
pub(crate) fn boundary<'local, T, F>(mut env: EnvUnowned<'local>, body: F) -> T
where
    T: Default,
    F: FnOnce(&mut Env<'local>) -> Result<T, JniError>,
{
    crate::logging::install();
    env.with_env(body).resolve::<ThrowJava>()
}

/// Our [`ErrorPolicy`]: throw the matching Java exception, return the default value.
pub(crate) struct ThrowJava;

impl<T: Default> ErrorPolicy<T, JniError> for ThrowJava {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut (),
        error: JniError,
    ) -> jni::errors::Result<T> {
        throw(env, &error);
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut (),
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let text = panic_text(payload);
        throw_illegal_state(env, &format!("sfjwt native code panicked (a bug): {text}"));
        Ok(T::default())
    }
}

/// Makes `error` the pending Java exception, unless one is pending already (a JNI
/// call that failed because Java threw, e.g. an `OutOfMemoryError`: that one wins).
fn throw(env: &mut Env<'_>, error: &JniError) {
    if env.exception_check() {
        return;
    }
    match error {
        JniError::Core(core) => match new_sfjwt_exception(env, core) {
            Ok(exception) => {
                // `throw` reports `Err(JavaException)` on success: the exception is
                // now pending, which is the point.
                let _ = env.throw(&exception);
            }
            Err(failure) => {
                if !env.exception_check() {
                    throw_illegal_state(
                        env,
                        &format!("sfjwt could not build SfJwtException ({failure}) for: {error}"),
                    );
                }
            }
        },
        JniError::Jni(_) | JniError::Bridge(_) => {
            throw_illegal_state(env, &format!("sfjwt bridge error (a bug): {error}"));
        }
    }
}

fn throw_illegal_state(env: &mut Env<'_>, message: &str) {
    // `throw_new` reports `Err(JavaException)` once the exception is pending.
    let _ = env.throw_new(
        jni_str!("java/lang/IllegalStateException"),
        JNIString::new(message),
    );
    if !env.exception_check() {
        // Even the exception could not be created: fall back to a message-less one so
        // the Java caller still sees a failure instead of a default value.
        let _ = env.throw_new_void(jni_str!("java/lang/IllegalStateException"));
    }
}

/// The Java constant of each core code: the exhaustive `match` that breaks this
/// crate's build when the core gains a code.
fn java_code(code: ErrorCode) -> &'static JNIStr {
    match code {
        ErrorCode::Config => jni_str!("CONFIG"),
        ErrorCode::KeystoreIo => jni_str!("KEYSTORE_IO"),
        ErrorCode::KeystoreFormat => jni_str!("KEYSTORE_FORMAT"),
        ErrorCode::KeystorePassword => jni_str!("KEYSTORE_PASSWORD"),
        ErrorCode::AliasNotFound => jni_str!("ALIAS_NOT_FOUND"),
        ErrorCode::NotAPrivateKey => jni_str!("NOT_A_PRIVATE_KEY"),
        ErrorCode::KeyPassword => jni_str!("KEY_PASSWORD"),
        ErrorCode::UnsupportedKey => jni_str!("UNSUPPORTED_KEY"),
        ErrorCode::Network => jni_str!("NETWORK"),
        ErrorCode::Timeout => jni_str!("TIMEOUT"),
        ErrorCode::Tls => jni_str!("TLS"),
        ErrorCode::AuthRejected => jni_str!("AUTH_REJECTED"),
        ErrorCode::Http => jni_str!("HTTP"),
        ErrorCode::Protocol => jni_str!("PROTOCOL"),
        ErrorCode::Api => jni_str!("API"),
        ErrorCode::Internal => jni_str!("INTERNAL"),
    }
}

/// `new SfJwtException(code, message, salesforceError, salesforceErrorDescription,
/// httpStatus, hint, apiErrorCode)`; absent fields are `null`, an absent status 0.
/// Core messages never carry a secret, so they cross as they are.
pub(crate) fn new_sfjwt_exception<'local>(
    env: &mut Env<'local>,
    error: &sfjwt::Error,
) -> jni::errors::Result<JThrowable<'local>> {
    let code = env
        .get_static_field(
            jni_str!("dev/sfjwt/ErrorCode"),
            java_code(error.code()),
            jni_sig!("Ldev/sfjwt/ErrorCode;"),
        )?
        .l()?;
    let rejection = error.rejection();
    let message = env.new_string(error.to_string())?;
    let salesforce_error = optional_string(env, rejection.map(|r| r.error.as_str()))?;
    let description = optional_string(env, rejection.map(|r| r.error_description.as_str()))?;
    let hint = optional_string(env, rejection.map(|r| r.hint.as_str()))?;
    let api_error_code = optional_string(env, error.api_error_code())?;
    let exception = env.new_object(
        jni_str!("dev/sfjwt/SfJwtException"),
        jni_sig!(
            "(Ldev/sfjwt/ErrorCode;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;Ljava/lang/String;)V"
        ),
        &[
            JValue::Object(&code),
            JValue::Object(&message),
            JValue::Object(&salesforce_error),
            JValue::Object(&description),
            JValue::Int(error.http_status().map_or(0, i32::from)),
            JValue::Object(&hint),
            JValue::Object(&api_error_code),
        ],
    )?;
    env.cast_local::<JThrowable>(exception)
}

/// A Java `String`, or `null` for `None`.
pub(crate) fn optional_string<'local>(
    env: &mut Env<'local>,
    value: Option<&str>,
) -> jni::errors::Result<JObject<'local>> {
    match value {
        Some(text) => Ok(env.new_string(text)?.into()),
        None => Ok(JObject::null()),
    }
}
