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
mod logging;
#[cfg(feature = "testing")]
mod testing;

use jni::objects::{
    Global, JByteArray, JCharArray, JClass, JObject, JObjectArray, JString, JValue,
};
use jni::signature::FieldSignature;
use jni::strings::JNIStr;
use jni::sys::{jboolean, jint, jlong};
use jni::{Env, EnvUnowned, jni_sig, jni_str};
use sfjwt::{AccessToken, Client, Config, ConfigBuilder, ConnectionReport, TokenId};
use sfjwt_bridge::TokenCopy;
use zeroize::Zeroizing;

use boundary::{JniError, boundary, optional_string};

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
        if let Some(java) = self
            .java_token
            .with_current(&self.client, |java| env.new_local_ref(java))
        {
            return Ok(java?);
        }
        let token = self.client.token()?;
        let java = new_access_token(env, &token)?;
        self.java_token.store(&token, env.new_global_ref(&java)?);
        Ok(java)
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

/// Applies a `SalesforceJwtConfig.NativeSettings` to a fresh builder and validates the
/// whole.
fn config(env: &mut Env<'_>, settings: &JObject<'_>) -> Result<Config, JniError> {
    let mut builder = ConfigBuilder::default();
    let keys = string_field(env, settings, jni_str!("keys"))?;
    let values = string_field(env, settings, jni_str!("values"))?;
    for (key, value) in paired(keys.iter(), values.iter(), "values")? {
        builder.set(key, value)?;
    }
    let secret_keys = string_field(env, settings, jni_str!("secretKeys"))?;
    let secrets = field(env, settings, jni_str!("secrets"), jni_sig!("[[C"))?;
    let secrets = env.cast_local::<JObjectArray<JCharArray>>(secrets)?;
    let secret_count = secrets.len(env)?;
    for (key, index) in paired(secret_keys.iter(), 0..secret_count, "secrets")? {
        let chars = secrets.get_element(env, index)?;
        let secret = utf16_secret(env, &chars, key)?;
        env.delete_local_ref(chars);
        builder.set(key, &secret)?;
    }
    let data_keys = string_field(env, settings, jni_str!("dataKeys"))?;
    let origins = string_field(env, settings, jni_str!("dataOrigins"))?;
    let data = field(env, settings, jni_str!("data"), jni_sig!("[[B"))?;
    let data = env.cast_local::<JObjectArray<JByteArray>>(data)?;
    let data_count = data.len(env)?;
    for ((key, origin), index) in paired(
        paired(data_keys.iter(), origins.iter(), "dataOrigins")?,
        0..data_count,
        "data",
    )? {
        let array = data.get_element(env, index)?;
        let mut signed = Zeroizing::new(vec![0i8; array.len(env)?]);
        array.get_region(env, 0, &mut signed)?;
        env.delete_local_ref(array);
        let bytes = Zeroizing::new(signed.iter().map(|&b| b as u8).collect::<Vec<u8>>());
        builder.set_data(key, &bytes, origin)?;
    }
    for file in string_field(env, settings, jni_str!("secretFiles"))? {
        builder.note_secret_file(std::path::Path::new(&file));
    }
    Ok(builder.build()?)
}

/// The pairs of two sequences that Java built to the same length; a bridge error naming
/// `what` otherwise.
fn paired<A: ExactSizeIterator, B: ExactSizeIterator>(
    a: A,
    b: B,
    what: &str,
) -> Result<std::iter::Zip<A, B>, JniError> {
    if a.len() != b.len() {
        return Err(JniError::Bridge(format!(
            "{} keys but {} {what}",
            a.len(),
            b.len()
        )));
    }
    Ok(a.zip(b))
}

/// A reference field of `settings`.
fn field<'local, 'sig>(
    env: &mut Env<'local>,
    settings: &JObject<'_>,
    name: &JNIStr,
    sig: impl AsRef<FieldSignature<'sig>>,
) -> Result<JObject<'local>, JniError> {
    Ok(env.get_field(settings, name, sig)?.l()?)
}

/// A `String[]` field of `settings`, as Rust strings.
fn string_field(
    env: &mut Env<'_>,
    settings: &JObject<'_>,
    name: &JNIStr,
) -> Result<Vec<String>, JniError> {
    let array = field(env, settings, name, jni_sig!("[Ljava/lang/String;"))?;
    let array = env.cast_local::<JObjectArray<JString>>(array)?;
    strings(env, &array)
}

/// The elements of a `String[]`.
fn strings(
    env: &mut Env<'_>,
    array: &JObjectArray<'_, JString<'_>>,
) -> Result<Vec<String>, JniError> {
    let len = array.len(env)?;
    let mut out = Vec::with_capacity(len);
    for index in 0..len {
        let element = array.get_element(env, index)?;
        out.push(element.try_to_string(env)?);
        env.delete_local_ref(element);
    }
    Ok(out)
}

/// A `char[]` password as a zeroized string; every copy on the way is wiped.
fn utf16_secret(
    env: &Env<'_>,
    chars: &JCharArray<'_>,
    key: &str,
) -> Result<Zeroizing<String>, JniError> {
    let mut units = Zeroizing::new(vec![0u16; chars.len(env)?]);
    chars.get_region(env, 0, &mut units)?;
    // Capacity for the worst case (3 UTF-8 bytes per UTF-16 unit), so the string
    // never reallocates and leaves an unwiped copy behind.
    let mut text = Zeroizing::new(String::with_capacity(units.len() * 3));
    for decoded in char::decode_utf16(units.iter().copied()) {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                return Err(JniError::Core(sfjwt::Error::Config {
                    key: key.to_owned(),
                    reason: "contains an unpaired UTF-16 surrogate".to_owned(),
                }));
            }
        }
    }
    Ok(text)
}

/// `new dev.sfjwt.AccessToken(tokenId, accessToken, instanceUrl, id, tokenType, scope,
/// issuedAt, orgId, userId)`.
fn new_access_token<'local>(
    env: &mut Env<'local>,
    token: &AccessToken,
) -> Result<JObject<'local>, JniError> {
    let access_token = env.new_string(token.access_token())?;
    let instance_url = env.new_string(token.instance_url())?;
    let id = env.new_string(token.id())?;
    let token_type = env.new_string(token.token_type())?;
    let scope = optional_string(env, token.scope())?;
    let issued_at = optional_string(env, token.issued_at())?;
    let org_id = optional_string(env, token.org_id())?;
    let user_id = optional_string(env, token.user_id())?;
    Ok(env.new_object(
        jni_str!("dev/sfjwt/AccessToken"),
        jni_sig!(
            "(JLjava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V"
        ),
        &[
            // The id crosses as a Java long: the same 64 bits.
            JValue::Long(token.token_id().as_u64() as jlong),
            JValue::Object(&access_token),
            JValue::Object(&instance_url),
            JValue::Object(&id),
            JValue::Object(&token_type),
            JValue::Object(&scope),
            JValue::Object(&issued_at),
            JValue::Object(&org_id),
            JValue::Object(&user_id),
        ],
    )?)
}

/// `new dev.sfjwt.ConnectionReport(ok, stepNames, stepOk, stepMillis, stepDetails,
/// warnings, apiVersion, instanceUrl, error, text)`; `text` is the core's rendering.
fn new_connection_report<'local>(
    env: &mut Env<'local>,
    report: &ConnectionReport,
) -> Result<JObject<'local>, JniError> {
    let names: Vec<&str> = report.steps.iter().map(|s| s.name).collect();
    let details: Vec<&str> = report.steps.iter().map(|s| s.detail.as_str()).collect();
    let warnings: Vec<&str> = report.warnings.iter().map(String::as_str).collect();
    let ok_flags: Vec<bool> = report.steps.iter().map(|s| s.ok).collect();
    let millis: Vec<jlong> = report
        .steps
        .iter()
        .map(|s| jlong::try_from(s.duration.as_millis()).unwrap_or(jlong::MAX))
        .collect();

    let step_names = string_array(env, &names)?;
    let step_details = string_array(env, &details)?;
    let warnings = string_array(env, &warnings)?;
    let step_ok = env.new_boolean_array(ok_flags.len())?;
    step_ok.set_region(env, 0, &ok_flags)?;
    let step_millis = env.new_long_array(millis.len())?;
    step_millis.set_region(env, 0, &millis)?;
    let api_version = optional_string(env, report.api_version.as_deref())?;
    let instance_url = optional_string(env, report.instance_url.as_deref())?;
    let error = match &report.error {
        Some(error) => boundary::new_sfjwt_exception(env, error)?.into(),
        None => JObject::null(),
    };
    let text = env.new_string(report.to_string())?;
    Ok(env.new_object(
        jni_str!("dev/sfjwt/ConnectionReport"),
        jni_sig!(
            "(Z[Ljava/lang/String;[Z[J[Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ldev/sfjwt/SfJwtException;Ljava/lang/String;)V"
        ),
        &[
            JValue::Bool(report.ok),
            JValue::Object(&step_names),
            JValue::Object(&step_ok),
            JValue::Object(&step_millis),
            JValue::Object(&step_details),
            JValue::Object(&warnings),
            JValue::Object(&api_version),
            JValue::Object(&instance_url),
            JValue::Object(&error),
            JValue::Object(&text),
        ],
    )?)
}

/// A `String[]` holding `items`.
pub(crate) fn string_array<'local>(
    env: &mut Env<'local>,
    items: &[&str],
) -> Result<JObjectArray<'local, JString<'local>>, JniError> {
    let array = JObjectArray::<JString>::new(env, items.len(), JString::null())?;
    for (index, item) in items.iter().enumerate() {
        let element = env.new_string(item)?;
        array.set_element(env, index, &element)?;
        env.delete_local_ref(element);
    }
    Ok(array)
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
        assert_eq!(entry_points, 13);
    }
}
