// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What the emulated org holds: connected apps, users, limits; read from JSON or built
//! in code, then checked once by [`Org::new`] so that requests never meet a bad setting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Deserialize;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::data::{self, SObject, SObjectData, SObjectFile};
use super::faults::Fault;
use sfjwt::{Error, Result};

/// The emulated org. `Default` is an org with no apps and no users; build one in code
/// or read it with [`EmulatorConfig::from_file`] (see the module docs for the JSON).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "ConfigFile")]
pub struct EmulatorConfig {
    /// The 18-character org id: prefix of access tokens and part of the `id` URL.
    pub org_id: String,
    /// The newest REST API version listed by `/services/data/` (`"62.0"`).
    pub newest_api_version: String,
    /// How far in the future `exp` may lie; `None` (the default) sets no bound, as
    /// Salesforce: its docs say 3 minutes, but it accepts the Salesforce CLI's `exp` in
    /// milliseconds. A bound is there for tests that want one.
    pub max_assertion_lifetime_secs: Option<u64>,
    /// How far the emulated server's clock runs ahead of this machine's (negative:
    /// behind). It moves the `exp` checks and the `Date` header, so that a client's
    /// clock-offset diagnosis can be tested.
    pub clock_skew_secs: i64,
    /// Successful logins allowed per user per rolling hour (Salesforce: 3,600).
    pub login_rate_limit_per_hour: u32,
    /// Audiences accepted besides login and test (Experience Cloud site URLs).
    pub extra_audiences: Vec<String>,
    /// Connected apps, by consumer key.
    pub apps: Vec<ConnectedApp>,
    /// Users of the org.
    pub users: Vec<User>,
    /// PEM certificates the mutual-TLS port accepts, compared byte for byte.
    pub mtls_certificates: Vec<String>,
    /// Faults planned from the start (see [`Fault`]).
    pub faults: Vec<Fault>,
    /// Objects and records the REST API serves, besides (or instead of) the default
    /// Accounts and Contacts.
    pub objects: Vec<SObjectData>,
}

impl Default for EmulatorConfig {
    fn default() -> EmulatorConfig {
        EmulatorConfig {
            org_id: DEFAULT_ORG_ID.to_owned(),
            newest_api_version: DEFAULT_API_VERSION.to_owned(),
            max_assertion_lifetime_secs: None,
            clock_skew_secs: 0,
            login_rate_limit_per_hour: DEFAULT_LOGIN_RATE_LIMIT,
            extra_audiences: Vec::new(),
            apps: Vec::new(),
            users: Vec::new(),
            mtls_certificates: Vec::new(),
            faults: Vec::new(),
            objects: Vec::new(),
        }
    }
}

impl EmulatorConfig {
    /// Reads a JSON configuration. `certificate_file` and `mtls_certificates_files` are
    /// relative to the directory of `path`.
    pub fn from_file(path: &Path) -> Result<EmulatorConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(
                "config",
                format!("cannot read emulator config {}: {e}", path.display()),
            )
        })?;
        let file: ConfigFile = serde_json::from_str(&text).map_err(|e| {
            Error::config(
                "config",
                format!("{} is not a valid emulator config: {e}", path.display()),
            )
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        file.resolve(base)
    }
}

/// A connected app with "Use digital signatures".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "ConnectedAppFile")]
pub struct ConnectedApp {
    /// The consumer key (the JWT `iss`).
    pub consumer_key: String,
    /// The uploaded certificate, PEM; in JSON either `certificate_pem` or
    /// `certificate_file`.
    pub certificate_pem: String,
    /// "Admin approved users are pre-authorized": only `assigned_users` may log in.
    pub admin_approved_only: bool,
    /// Users whose profile or permission set is assigned to the app.
    pub assigned_users: Vec<String>,
    /// OAuth scopes; without `api` every login fails with `invalid_request`.
    pub scopes: Vec<String>,
}

impl ConnectedApp {
    /// An app with the default scopes, open to every approved user.
    pub fn new(consumer_key: impl Into<String>, certificate_pem: impl Into<String>) -> Self {
        ConnectedApp {
            consumer_key: consumer_key.into(),
            certificate_pem: certificate_pem.into(),
            admin_approved_only: false,
            assigned_users: Vec::new(),
            scopes: default_scopes(),
        }
    }
}

/// A user of the org.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The username (the JWT `sub`).
    pub username: String,
    /// Has approved the consumer once (seed step 4).
    #[serde(default = "yes")]
    pub approved: bool,
    /// Not deactivated.
    #[serde(default = "yes")]
    pub active: bool,
    /// Outside the login IP ranges of the profile.
    #[serde(default)]
    pub ip_restricted: bool,
    /// The 18-character user id; generated from the user's position when absent.
    #[serde(default)]
    pub user_id: Option<String>,
}

impl User {
    /// An approved, active, unrestricted user.
    pub fn new(username: impl Into<String>) -> User {
        User {
            username: username.into(),
            approved: true,
            active: true,
            ip_restricted: false,
            user_id: None,
        }
    }
}

const DEFAULT_ORG_ID: &str = "00D000000000001AAA";
const DEFAULT_API_VERSION: &str = "62.0";
const DEFAULT_LOGIN_RATE_LIMIT: u32 = 3600;

fn yes() -> bool {
    true
}

fn default_scopes() -> Vec<String> {
    ["api", "refresh_token", "offline_access"]
        .map(str::to_owned)
        .to_vec()
}

/// The JSON form, whose file references are resolved against a directory.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default = "default_org_id")]
    org_id: String,
    #[serde(default = "default_api_version")]
    newest_api_version: String,
    #[serde(default)]
    max_assertion_lifetime_secs: Option<u64>,
    #[serde(default)]
    clock_skew_secs: i64,
    #[serde(default = "default_login_rate_limit")]
    login_rate_limit_per_hour: u32,
    #[serde(default)]
    extra_audiences: Vec<String>,
    #[serde(default)]
    apps: Vec<ConnectedAppFile>,
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    mtls_certificates: Vec<String>,
    #[serde(default)]
    mtls_certificates_files: Vec<PathBuf>,
    #[serde(default)]
    faults: Vec<Fault>,
    #[serde(default)]
    objects: Vec<SObjectFile>,
}

fn default_org_id() -> String {
    DEFAULT_ORG_ID.to_owned()
}

fn default_api_version() -> String {
    DEFAULT_API_VERSION.to_owned()
}

fn default_login_rate_limit() -> u32 {
    DEFAULT_LOGIN_RATE_LIMIT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectedAppFile {
    consumer_key: String,
    #[serde(default)]
    certificate_pem: Option<String>,
    #[serde(default)]
    certificate_file: Option<PathBuf>,
    #[serde(default)]
    admin_approved_only: bool,
    #[serde(default)]
    assigned_users: Vec<String>,
    #[serde(default = "default_scopes")]
    scopes: Vec<String>,
}

impl ConnectedAppFile {
    fn resolve(self, base: &Path) -> Result<ConnectedApp> {
        let certificate_pem = match (self.certificate_pem, self.certificate_file) {
            (Some(pem), None) => pem,
            (None, Some(file)) => read_text(&base.join(file), "certificate_file")?,
            _ => {
                return Err(Error::config(
                    "certificate_file",
                    format!(
                        "app '{}' needs exactly one of certificate_pem and certificate_file",
                        self.consumer_key
                    ),
                ));
            }
        };
        Ok(ConnectedApp {
            consumer_key: self.consumer_key,
            certificate_pem,
            admin_approved_only: self.admin_approved_only,
            assigned_users: self.assigned_users,
            scopes: self.scopes,
        })
    }
}

impl TryFrom<ConnectedAppFile> for ConnectedApp {
    type Error = Error;

    /// Without a config file to be relative to, files are relative to the working
    /// directory.
    fn try_from(file: ConnectedAppFile) -> Result<ConnectedApp> {
        file.resolve(Path::new(""))
    }
}

impl ConfigFile {
    fn resolve(self, base: &Path) -> Result<EmulatorConfig> {
        let apps = self
            .apps
            .into_iter()
            .map(|app| app.resolve(base))
            .collect::<Result<Vec<_>>>()?;
        let objects = self
            .objects
            .into_iter()
            .map(|object| object.resolve(base))
            .collect::<Result<Vec<_>>>()?;
        let mut mtls_certificates = self.mtls_certificates;
        for file in &self.mtls_certificates_files {
            mtls_certificates.push(read_text(&base.join(file), "mtls_certificates_files")?);
        }
        Ok(EmulatorConfig {
            org_id: self.org_id,
            newest_api_version: self.newest_api_version,
            max_assertion_lifetime_secs: self.max_assertion_lifetime_secs,
            clock_skew_secs: self.clock_skew_secs,
            login_rate_limit_per_hour: self.login_rate_limit_per_hour,
            extra_audiences: self.extra_audiences,
            apps,
            users: self.users,
            mtls_certificates,
            faults: self.faults,
            objects,
        })
    }
}

impl TryFrom<ConfigFile> for EmulatorConfig {
    type Error = Error;

    fn try_from(file: ConfigFile) -> Result<EmulatorConfig> {
        file.resolve(Path::new(""))
    }
}

fn read_text(path: &Path, key: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::config(key, format!("cannot read {}: {e}", path.display())))
}

/// A connected app with its certificate's key parsed.
#[derive(Debug)]
pub(super) struct App {
    pub(super) admin_approved_only: bool,
    pub(super) assigned_users: Vec<String>,
    pub(super) has_api_scope: bool,
    pub(super) public_key: UnparsedPublicKey<Vec<u8>>,
}

/// A user with its id settled.
#[derive(Debug)]
pub(super) struct OrgUser {
    pub(super) username: String,
    pub(super) user_id: String,
    pub(super) approved: bool,
    pub(super) active: bool,
    pub(super) ip_restricted: bool,
}

/// The checked configuration the server runs on.
#[derive(Debug)]
pub(super) struct Org {
    pub(super) org_id: String,
    pub(super) newest_api_major: u32,
    pub(super) max_assertion_lifetime_secs: Option<u64>,
    pub(super) clock_skew_secs: i64,
    pub(super) login_rate_limit_per_hour: u32,
    pub(super) audiences: Vec<String>,
    pub(super) apps: HashMap<String, App>,
    pub(super) users: HashMap<String, OrgUser>,
    pub(super) mtls_certificates: Vec<CertificateDer<'static>>,
    /// Checked, with their ids; the server's store takes them.
    pub(super) objects: Vec<SObject>,
}

impl Org {
    /// Checks `config`: certificates parse and hold RSA keys, names are unique, the API
    /// version has the form `NN.0`, and faults are answerable.
    pub(super) fn new(config: &EmulatorConfig) -> Result<Org> {
        let newest_api_major = parse_api_version(&config.newest_api_version)
            .filter(|major| (1..=999).contains(major))
            .ok_or_else(|| {
                Error::config(
                    "newest_api_version",
                    format!("'{}' is not of the form 62.0", config.newest_api_version),
                )
            })?;
        for fault in &config.faults {
            fault.check()?;
        }
        let mut apps = HashMap::new();
        for app in &config.apps {
            let checked = App {
                admin_approved_only: app.admin_approved_only,
                assigned_users: app.assigned_users.clone(),
                has_api_scope: app.scopes.iter().any(|s| s == "api"),
                public_key: rsa_public_key(&app.certificate_pem, &app.consumer_key)?,
            };
            if apps.insert(app.consumer_key.clone(), checked).is_some() {
                return Err(Error::config(
                    "apps",
                    format!("consumer key '{}' appears twice", app.consumer_key),
                ));
            }
        }
        let mut users = HashMap::new();
        for (index, user) in config.users.iter().enumerate() {
            let checked = OrgUser {
                username: user.username.clone(),
                // Salesforce ids: key prefix 005, then a unique part, then the
                // 3-character case-safe suffix.
                user_id: user
                    .user_id
                    .clone()
                    .unwrap_or_else(|| format!("005{:012}AAA", index + 1)),
                approved: user.approved,
                active: user.active,
                ip_restricted: user.ip_restricted,
            };
            if users.insert(user.username.clone(), checked).is_some() {
                return Err(Error::config(
                    "users",
                    format!("username '{}' appears twice", user.username),
                ));
            }
        }
        let mut audiences = vec![
            "https://login.salesforce.com".to_owned(),
            "https://test.salesforce.com".to_owned(),
        ];
        audiences.extend(config.extra_audiences.iter().cloned());
        let mtls_certificates = config
            .mtls_certificates
            .iter()
            .map(|pem| {
                CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
                    Error::config("mtls_certificates", format!("not a PEM certificate: {e}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Org {
            org_id: config.org_id.clone(),
            newest_api_major,
            max_assertion_lifetime_secs: config.max_assertion_lifetime_secs,
            clock_skew_secs: config.clock_skew_secs,
            login_rate_limit_per_hour: config.login_rate_limit_per_hour,
            audiences,
            apps,
            users,
            mtls_certificates,
            objects: data::objects(&config.objects)?,
        })
    }
}

/// `"62.0"` → 62. Salesforce versions always end in `.0`.
pub(super) fn parse_api_version(version: &str) -> Option<u32> {
    let major = version.strip_suffix(".0")?;
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    major.parse().ok()
}

/// The PKCS#1 RSA public key of the first certificate in `pem`, ready to verify RS256.
fn rsa_public_key(pem: &str, consumer_key: &str) -> Result<UnparsedPublicKey<Vec<u8>>> {
    let key = format!("apps[{consumer_key}].certificate");
    let der = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| Error::config(&key, format!("not a PEM certificate: {e}")))?;
    let (_, cert) = X509Certificate::from_der(&der)
        .map_err(|e| Error::config(&key, format!("not an X.509 certificate: {e}")))?;
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(_)) => Ok(UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            spki.subject_public_key.data.to_vec(),
        )),
        _ => Err(Error::config(
            &key,
            "the certificate must hold an RSA key: Salesforce signs with RS256 only",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_parse_only_in_salesforce_form() {
        assert_eq!(parse_api_version("62.0"), Some(62));
        assert_eq!(parse_api_version("62"), None);
        assert_eq!(parse_api_version("v62.0"), None);
        assert_eq!(parse_api_version("+6.0"), None);
        assert_eq!(parse_api_version(".0"), None);
    }

    #[test]
    fn json_defaults_apply() {
        let config: EmulatorConfig = serde_json::from_str(
            r#"{"apps":[{"consumer_key":"k","certificate_pem":"x"}],
                "users":[{"username":"u","approved":false}]}"#,
        )
        .expect("valid JSON");
        assert_eq!(config.org_id, DEFAULT_ORG_ID);
        assert_eq!(config.max_assertion_lifetime_secs, None);
        assert_eq!(config.apps[0].scopes, default_scopes());
        assert!(!config.users[0].approved && config.users[0].active);
    }

    #[test]
    fn an_app_needs_exactly_one_certificate_source() {
        let both =
            r#"{"apps":[{"consumer_key":"k","certificate_pem":"x","certificate_file":"y"}]}"#;
        assert!(serde_json::from_str::<EmulatorConfig>(both).is_err());
        let none = r#"{"apps":[{"consumer_key":"k"}]}"#;
        assert!(serde_json::from_str::<EmulatorConfig>(none).is_err());
    }
}
