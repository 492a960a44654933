// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! JNI entry points of sfjwt, declared by the package-private class `dev.sfjwt.Native`
//! and loaded from the jar by `dev.sfjwt.internal.NativeLibrary`.
//!
//! Each `Java_*` function converts its arguments, calls one core function and
//! converts the result back, inside [`boundary::boundary`]: a core [`sfjwt::Error`]
//! becomes a thrown `dev.sfjwt.SfJwtException`, a panic or a bridge bug an
//! `IllegalStateException` carrying the panic text. Nothing unwinds into the JVM.
//!
//! # Configuration
//!
//! Settings cross as one `SalesforceJwtConfig.NativeSettings`, whose array fields this
//! crate reads: key/value pairs, the design.md keys, each handed to
//! [`ConfigBuilder::set`]: plain values as `String[]`, secrets (the passwords and the
//! proxy URL) as `char[][]` decoded here into zeroized strings, keystores given as bytes
//! as `byte[][]` copied into zeroized buffers (the Java side wipes its arrays
//! afterwards), and the files a password came from as `String[]`.
//!
//! # Handles
//!
//! A client is a `Box<JavaClient>` whose address travels as a Java `long`. Only the
//! sealed package `dev.sfjwt` can call the native methods, and it does so through its
//! `NativeHandle`, which frees a handle exactly once and never uses it while or after
//! it is freed (a read-write lock around every call), so a handle that reaches this
//! crate is either 0 (refused) or live.

#![deny(missing_docs, clippy::undocumented_unsafe_blocks)]

mod boundary;
mod convert;
mod logging;
#[cfg(feature = "testing")]
mod testing;

use jni::objects::{Global, JByteArray, JClass, JObject, JObjectArray, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::{Env, EnvUnowned};
use sfjwt::{Client, TokenId};
use sfjwt_bridge::TokenCopy;

use boundary::{JniError, boundary, optional_string};
use convert::{config, new_access_token, new_connection_report, string_array};
use zeroize::Zeroizing;

/// `long clientNew(NativeSettings settings)`: builds the configuration, loads the key
/// and returns the client's handle.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientNew<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    settings: JObject<'local>,
) -> jlong {
    boundary(env, |env| {
        let config = config(env, &settings)?;
        let client = JavaClient {
            client: Client::new(config)?,
            java_token: TokenCopy::default(),
        };
        Ok(Box::into_raw(Box::new(client)) as jlong)
    })
}

/// `void clientFree(long handle)`: frees a handle from `clientNew`; 0 is a no-op.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientFree<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    boundary(env, |_env| {
        if handle != 0 {
            // SAFETY: a non-zero handle is the `Box::into_raw` result of `clientNew`,
            // and NativeHandle frees it exactly once, after every call using it ended.
            drop(unsafe { Box::from_raw(handle as *mut JavaClient) });
        }
        Ok(())
    })
}

/// `AccessToken clientToken(long handle)`: the cached token or a new login.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientToken<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObject<'local> {
    boundary(env, |env| client(handle)?.token(env))
}

/// `void clientInvalidate(long handle)`: forgets the cached token.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientInvalidate<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    boundary(env, |_env| {
        client(handle)?.client.invalidate();
        Ok(())
    })
}

/// `void clientInvalidateIfCurrent(long handle, long tokenId)`: forgets the cached token
/// if it is still the one with that id.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientInvalidateIfCurrent<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    token_id: jlong,
) {
    boundary(env, |_env| {
        // The id crossed as a Java long: the same 64 bits.
        let token_id = TokenId::from_u64(token_id as u64);
        client(handle)?.client.invalidate_if_current(token_id);
        Ok(())
    })
}

/// `String clientMyDomain(long handle)`: the configured My Domain as an origin
/// (`https://acme.my.salesforce.com`), or null: besides the instance, where the token
/// may go.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientMyDomain<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObject<'local> {
    boundary(env, |env| {
        let my_domain = client(handle)?.client.config().my_domain.as_deref();
        Ok(optional_string(env, my_domain)?)
    })
}

/// `ConnectionReport clientTestConnection(long handle)`: the diagnostic with the
/// client's configuration.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_clientTestConnection<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObject<'local> {
    boundary(env, |env| {
        let report = client(handle)?.client.test_connection();
        new_connection_report(env, &report)
    })
}

/// `boolean isInvalidSession(int status, byte[] body)`: whether an answer to a call made
/// with a token is Salesforce's dead session, by the core's rule.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_isInvalidSession<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    status: jint,
    body: JByteArray<'local>,
) -> jboolean {
    boundary(env, |env| {
        let body = env.convert_byte_array(&body)?;
        // A status outside 0..=65535 is no HTTP status, let alone 401.
        Ok(u16::try_from(status)
            .is_ok_and(|status| sfjwt::oauth::is_invalid_session(status, &body)))
    })
}

/// `String[] parseProperties(byte[] file)`: the pairs of a `.properties` file as the
/// core reads it (its encoding rule and syntax), key and value in turn, so that
/// `SalesforceJwtConfig.fromProperties(Path)` reads a file as every other surface does.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_parseProperties<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    file: JByteArray<'local>,
) -> JObjectArray<'local, JString<'local>> {
    boundary(env, |env| {
        // The file may hold passwords: its bytes are wiped here, as the pairs are.
        let mut signed = Zeroizing::new(vec![0i8; file.len(env)?]);
        file.get_region(env, 0, &mut signed)?;
        let bytes = Zeroizing::new(signed.iter().map(|&b| b as u8).collect::<Vec<u8>>());
        let pairs = sfjwt::config::read_properties(&bytes);
        let items: Vec<&str> = pairs
            .iter()
            .flat_map(|(key, value)| [key.as_str(), value.as_str()])
            .collect();
        string_array(env, &items)
    })
}

/// `ConnectionReport testConnection(NativeSettings settings)`: the diagnostic without a
/// client, so that a keystore problem is a failed "load key" step; only an invalid
/// setting throws.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_sfjwt_Native_testConnection<'local>(
    env: EnvUnowned<'local>,
    _class: JClass<'local>,
    settings: JObject<'local>,
) -> JObject<'local> {
    boundary(env, |env| {
        let config = config(env, &settings)?;
        let report = sfjwt::connection_test::run(&config);
        new_connection_report(env, &report)
    })
}

/// What a client handle points to: the core client, and the Java `AccessToken` made
/// for the core's current token.
struct JavaClient {
    client: Client,
    java_token: TokenCopy<Global<JObject<'static>>>,
}

/// Java threads share a client handle (the `&JavaClient` of [`client`] is used by
/// many at once): a change that made `JavaClient` thread-unsafe must break this build.
const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<JavaClient>();
};

impl JavaClient {
    /// The token as a Java object: the one made before while the core's token is still
    /// current, so that a warm `token()` converts nothing and creates nothing
    /// (`AccessToken` is immutable); a new one as soon as the core's token changes.
    fn token<'local>(&self, env: &mut Env<'local>) -> Result<JObject<'local>, JniError> {
        let java = self.java_token.current_or_make(&self.client, || {
            let token = self.client.token()?;
            let java = new_access_token(env, &token)?;
            Ok::<_, JniError>((token, env.new_global_ref(&java)?))
        })?;
        Ok(env.new_local_ref(&*java)?)
    }
}

/// The live client behind a handle.
fn client<'a>(handle: jlong) -> Result<&'a JavaClient, JniError> {
    if handle == 0 {
        return Err(JniError::Bridge(
            "the client is closed (null handle)".to_owned(),
        ));
    }
    // SAFETY: a non-zero handle is the `Box::into_raw` result of `clientNew`;
    // NativeHandle keeps it alive (not freed) for the whole native call that uses it,
    // and `JavaClient` is `Sync` (asserted at compile time), so shared references from
    // many threads are sound.
    Ok(unsafe { &*(handle as *const JavaClient) })
}

#[cfg(test)]
mod tests {
    /// Every `Java_*` function's body is one call of `boundary`, so no error or panic
    /// can skip the conversion into a Java exception.
    #[test]
    fn every_entry_point_runs_under_the_boundary() {
        let mut entry_points = 0;
        for source in [include_str!("lib.rs"), include_str!("testing.rs")] {
            for item in source.split("extern \"system\" fn ").skip(1) {
                let name = item.split('<').next().unwrap_or_default();
                assert!(name.starts_with("Java_dev_sfjwt_Native_"), "{name}");
                let body = item.split_once('{').map(|(_, body)| body.trim_start());
                assert!(
                    body.is_some_and(|b| b.starts_with("boundary(env, ")),
                    "{name} must run under boundary()"
                );
                entry_points += 1;
            }
        }
        assert_eq!(entry_points, 15);
    }
}
