// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Java values to the core's and back: `NativeSettings` to a validated `Config`, the
//! token and the connection report to their Java objects, string arrays.

use jni::objects::{JByteArray, JCharArray, JObject, JObjectArray, JString, JValue};
use jni::signature::FieldSignature;
use jni::strings::JNIStr;
use jni::sys::jlong;
use jni::{Env, jni_sig, jni_str};
use sfjwt::{AccessToken, Config, ConfigBuilder, ConnectionReport};
use zeroize::Zeroizing;

use crate::boundary::{JniError, optional_string};

/// Applies a `SalesforceJwtConfig.NativeSettings` to a fresh builder and validates the
/// whole.
pub(crate) fn config(env: &mut Env<'_>, settings: &JObject<'_>) -> Result<Config, JniError> {
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
pub(crate) fn paired<A: ExactSizeIterator, B: ExactSizeIterator>(
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
pub(crate) fn field<'local, 'sig>(
    env: &mut Env<'local>,
    settings: &JObject<'_>,
    name: &JNIStr,
    sig: impl AsRef<FieldSignature<'sig>>,
) -> Result<JObject<'local>, JniError> {
    Ok(env.get_field(settings, name, sig)?.l()?)
}

/// A `String[]` field of `settings`, as Rust strings.
pub(crate) fn string_field(
    env: &mut Env<'_>,
    settings: &JObject<'_>,
    name: &JNIStr,
) -> Result<Vec<String>, JniError> {
    let array = field(env, settings, name, jni_sig!("[Ljava/lang/String;"))?;
    let array = env.cast_local::<JObjectArray<JString>>(array)?;
    strings(env, &array)
}

/// The elements of a `String[]`.
pub(crate) fn strings(
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
pub(crate) fn utf16_secret(
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
pub(crate) fn new_access_token<'local>(
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
pub(crate) fn new_connection_report<'local>(
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
        Some(error) => crate::boundary::new_sfjwt_exception(env, error)?.into(),
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
