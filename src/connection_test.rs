// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The diagnostic behind "Test connection": load key → sign assertion → token
//! request → identity → API versions, each step timed; a failure names the step,
//! Salesforce's error and the fix.

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use serde_json::json;

use crate::assertion::{AssertionSigner, Claims};
use crate::client::{Client, TokenAttempt};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::files;
use crate::keystore::{SigningKey, certificate_warnings};

/// Salesforce documents assertions valid for at most 3 minutes.
const DOCUMENTED_MAX_EXPIRATION_SECS: u32 = 180;

/// One step of the test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `load key`, `sign assertion`, `token request`, `identity`, `API versions`.
    pub name: &'static str,
    /// Whether it succeeded.
    pub ok: bool,
    /// How long it took.
    pub duration: Duration,
    /// What it found, or the error.
    pub detail: String,
}

/// The outcome of a connection test.
#[derive(Debug)]
pub struct ConnectionReport {
    /// Every step passed.
    pub ok: bool,
    /// The steps run, in order; the test stops at the first failure.
    pub steps: Vec<Step>,
    /// Things that work today but need attention (certificate expiry, ...).
    pub warnings: Vec<String>,
    /// The failure, if any.
    pub error: Option<Error>,
    /// The REST API version in use.
    pub api_version: Option<String>,
    /// The org's instance URL.
    pub instance_url: Option<String>,
}

// Written here rather than in client.rs, so that the client does not depend on the
// test that drives it.
impl Client {
    /// Runs the diagnostic connection test with this client's configuration.
    pub fn test_connection(&self) -> ConnectionReport {
        run(self.config())
    }
}

/// Runs the connection test for `config`. It never uses the token cache: the point
/// is to try a real login.
pub fn run(config: &Config) -> ConnectionReport {
    let mut report = ConnectionReport {
        ok: false,
        steps: Vec::new(),
        warnings: Vec::new(),
        error: None,
        api_version: None,
        instance_url: None,
    };
    if config.expiration_secs > DOCUMENTED_MAX_EXPIRATION_SECS {
        report.warnings.push(format!(
            "expiration_secs is {}; Salesforce documents at most {DOCUMENTED_MAX_EXPIRATION_SECS}",
            config.expiration_secs
        ));
    }
    report.warnings.extend(file_warnings(config));
    let outcome = run_steps(config, &mut report);
    report.ok = outcome.is_ok();
    report.error = outcome.err();
    report
}

fn run_steps(config: &Config, report: &mut ConnectionReport) -> Result<()> {
    let key = report.step("load key", || {
        let key = config.keystore.signing_key()?;
        Ok((describe_key(config, &key), key))
    })?;
    report
        .warnings
        .extend(certificate_warnings(&key, SystemTime::now()));

    let signer = AssertionSigner::new(key);
    let assertion = report.step("sign assertion", || {
        let assertion = signer.sign(&Claims::for_config(config, SystemTime::now())?)?;
        let then = match &config.alternative_audience {
            Some(alternative) => format!(" (then {alternative}, if Salesforce refuses it)"),
            None => String::new(),
        };
        let detail = format!(
            "RS256, iss {}, sub {}, aud {}{then}, expires in {} s",
            config.issuer, config.subject, config.audience, config.expiration_secs
        );
        Ok((detail, assertion))
    })?;

    let client = Client::with_signer(config.clone(), signer)?;
    let token = report.step_with("token request", || {
        let mut attempts = Vec::new();
        let result = client.login_recording(Some(assertion), &mut attempts);
        (token_detail(config, &attempts, &result), result)
    })?;
    report.instance_url = Some(token.instance_url().to_owned());

    report.step("identity", || {
        let info: UserInfo = client.get_with(&token, "/services/oauth2/userinfo")?;
        Ok((identity_detail(&info, token.user_id(), token.org_id()), ()))
    })?;

    let version = report.step("API versions", || {
        let versions: Vec<ApiVersion> =
            client.get_public(token.instance_url(), "/services/data/")?;
        choose_api_version(
            &versions,
            config.api_version.as_deref(),
            token.instance_url(),
        )
    })?;
    report.api_version = Some(version);
    Ok(())
}

/// The token step's detail: the token, or the error; with two token requests (the
/// alternative audience), each one's audience, answer and time before it.
fn token_detail(
    config: &Config,
    attempts: &[TokenAttempt],
    result: &Result<crate::AccessToken>,
) -> String {
    let outcome = match result {
        Ok(token) => format!(
            "{} token for {}, scope {}",
            token.token_type(),
            token.instance_url(),
            token.scope().unwrap_or("(not stated)")
        ),
        Err(error) => error.to_string(),
    };
    match (attempts, result) {
        ([_], Ok(_)) => format!("POST {}/services/oauth2/token: {outcome}", config.login_url),
        ([_] | [], Err(_)) => outcome,
        _ => {
            let tried = attempts
                .iter()
                .map(|a| {
                    format!(
                        "aud {}: {} ({} ms)",
                        a.audience,
                        a.outcome,
                        a.duration.as_millis()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "POST {}/services/oauth2/token {} times: {tried}; {outcome}",
                config.login_url,
                attempts.len()
            )
        }
    }
}

/// The identity step's detail; the ids fall back to those in the token's `id` URL.
pub(crate) fn identity_detail(
    info: &UserInfo,
    token_user_id: Option<&str>,
    token_org_id: Option<&str>,
) -> String {
    format!(
        "user {} ({}), org {}",
        info.preferred_username.as_deref().unwrap_or("?"),
        info.user_id.as_deref().or(token_user_id).unwrap_or("?"),
        info.organization_id
            .as_deref()
            .or(token_org_id)
            .unwrap_or("?"),
    )
}

/// The version to use (`wanted`, else the newest the org lists) and the step's detail.
pub(crate) fn choose_api_version(
    versions: &[ApiVersion],
    wanted: Option<&str>,
    instance_url: &str,
) -> Result<(String, String)> {
    let newest = versions
        .iter()
        .filter_map(|v| v.number().map(|n| (n, &v.version)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v.clone())
        .ok_or_else(|| Error::Protocol {
            url: format!("{instance_url}/services/data/"),
            reason: "the org lists no API version".to_owned(),
        })?;
    let using = match wanted {
        None => newest.clone(),
        Some(wanted) if versions.iter().any(|v| v.version == wanted) => wanted.to_owned(),
        Some(wanted) => {
            return Err(Error::config(
                "api_version",
                format!("{wanted} is not offered by this org; the newest is {newest}"),
            ));
        }
    };
    Ok((
        format!(
            "{} versions, newest {newest}, using {using}",
            versions.len()
        ),
        using,
    ))
}

/// `/services/oauth2/userinfo`, the fields the identity step shows.
#[derive(Deserialize)]
pub(crate) struct UserInfo {
    preferred_username: Option<String>,
    user_id: Option<String>,
    organization_id: Option<String>,
}

/// One element of `/services/data/`.
#[derive(Deserialize)]
pub(crate) struct ApiVersion {
    version: String,
}

impl ApiVersion {
    /// The version as a number, for a `major.minor` of digits only (`62.0`): `f64`'s
    /// parser alone also takes `610`, `1e3`, `inf` and `NaN`, which would then be chosen
    /// as "the newest" although no REST path or `api_version` can use them (found by
    /// the api_versions fuzz target).
    fn number(&self) -> Option<f64> {
        let (major, minor) = self.version.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(major) && digits(minor)) {
            return None;
        }
        self.version.parse().ok()
    }
}

impl ConnectionReport {
    /// Runs one step, recording its name, outcome, duration and detail (the error's
    /// message when it fails).
    fn step<T>(
        &mut self,
        name: &'static str,
        run: impl FnOnce() -> Result<(String, T)>,
    ) -> Result<T> {
        self.step_with(name, || match run() {
            Ok((detail, value)) => (detail, Ok(value)),
            Err(e) => (e.to_string(), Err(e)),
        })
    }

    /// Runs one step whose detail `run` writes for either outcome.
    fn step_with<T>(
        &mut self,
        name: &'static str,
        run: impl FnOnce() -> (String, Result<T>),
    ) -> Result<T> {
        let start = Instant::now();
        let (detail, outcome) = run();
        self.steps.push(Step {
            name,
            ok: outcome.is_ok(),
            duration: start.elapsed(),
            detail,
        });
        outcome
    }

    /// The step that failed, if any.
    pub fn failed_step(&self) -> Option<&Step> {
        self.steps.iter().find(|s| !s.ok)
    }

    /// The `--json` form: `{"ok", "steps": [{"name","ok","duration_ms","detail"}],
    /// "warnings", "api_version", "instance_url", "error": {...} | null}`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "ok": self.ok,
            "steps": self.steps.iter().map(|s| json!({
                "name": s.name,
                "ok": s.ok,
                "duration_ms": s.duration.as_millis() as u64,
                "detail": s.detail,
            })).collect::<Vec<_>>(),
            "warnings": self.warnings,
            "api_version": self.api_version,
            "instance_url": self.instance_url,
            "error": self.error.as_ref().map(Error::to_json),
        })
    }
}

impl fmt::Display for ConnectionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failed_step() {
            None if self.ok => writeln!(f, "Connection test PASSED")?,
            None => writeln!(f, "Connection test FAILED")?,
            Some(step) => writeln!(f, "Connection test FAILED at step \"{}\"", step.name)?,
        }
        for step in &self.steps {
            writeln!(
                f,
                "  [{}] {:<15} {:>6} ms  {}",
                if step.ok { "ok" } else { "FAIL" },
                step.name,
                step.duration.as_millis(),
                step.detail
            )?;
        }
        if let Some(error) = &self.error {
            writeln!(
                f,
                "Error {} ({}): {error}",
                error.code(),
                error.code().value()
            )?;
            if let Some(rejection) = error.rejection() {
                writeln!(
                    f,
                    "  Salesforce said: {}: {} (HTTP {})",
                    rejection.error, rejection.error_description, rejection.http_status
                )?;
                writeln!(f, "  How to fix: {}", rejection.hint)?;
            }
        }
        for warning in &self.warnings {
            writeln!(f, "Warning: {warning}")?;
        }
        if let Some(version) = &self.api_version {
            writeln!(f, "API version: {version}")?;
        }
        Ok(())
    }
}

fn describe_key(config: &Config, key: &SigningKey) -> String {
    let mut detail = format!(
        "entry '{}' of {}, RSA {} bits",
        key.alias(),
        config.keystore.source.name(),
        key.bits()
    );
    if let Some(cert) = key.certificate() {
        detail.push_str(&format!(
            ", certificate {} (SHA-1 {})",
            cert.subject, cert.sha1
        ));
    }
    detail
}

/// Files that other users can read (a keystore, a password) or change (the CAs trusted).
fn file_warnings(config: &Config) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(path) = config.keystore.source.path() {
        warnings.extend(files::readable_by_others("keystore", path));
    }
    if let Some(path) = config.client_cert.as_ref().and_then(|c| c.source.path()) {
        warnings.extend(files::readable_by_others(
            "client certificate keystore",
            path,
        ));
    }
    for file in &config.secret_files {
        warnings.extend(files::readable_by_others(
            "the file holding a password",
            file,
        ));
    }
    if let Some(ca_file) = &config.ca_file {
        warnings.extend(files::writable_by_others("ca_file", ca_file));
    }
    warnings
}
