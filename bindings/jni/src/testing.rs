// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Test-only entry points (cargo feature `testing`, never in release artifacts): they
//! provoke a panic and each core error at the boundary, so that the Java tests can
//! check what arrives on their side, and hand over the core's lists of configuration
//! keys and token fields for the parity test.

use jni::EnvUnowned;
use jni::objects::{JClass, JObjectArray, JString};
use jni::sys::jint;
use sfjwt::AccessToken;
use sfjwt_bridge::testing::{code_of_value, sample_error};

use crate::boundary::{JniError, boundary};
use crate::convert::string_array;

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
        let code = code_of_value(i64::from(value))
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

/// `String[] testingSecretKeys()`: `sfjwt::config::SECRET_KEYS`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testingSecretKeys<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JObjectArray<'local, JString<'local>> {
    boundary(env, |env| string_array(env, &sfjwt::config::SECRET_KEYS))
}

/// `String[] testingTokenFields()`: `sfjwt::AccessToken::FIELDS`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testingTokenFields<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JObjectArray<'local, JString<'local>> {
    boundary(env, |env| string_array(env, &AccessToken::FIELDS))
}
