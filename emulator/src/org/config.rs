// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What the emulated org holds: its My Domain, connected apps, External Client Apps,
//! users, limits; read from JSON or built in code, then checked once by [`Org::new`] so
//! that requests never meet a bad setting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Deserialize;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::faults::Fault;
use super::metadata::AppMetadata;
use super::objects::{SObjectData, SObjectFile};
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
    /// The org's My Domain, a host name (`"localhost"` by default). Requests whose
    /// `Host` is this name are My Domain requests; every other host (127.0.0.1 among
    /// them) stands for the generic login hosts, login and test.salesforce.com.
    pub my_domain: String,
    /// External Client Apps, installed in this org: reached only through its My Domain.
    pub external_client_apps: Vec<ExternalClientApp>,
    /// Users of the org.
    pub users: Vec<User>,
    /// PEM certificates the mutual-TLS port accepts, compared byte for byte.
    pub mtls_certificates: Vec<String>,
    /// Faults planned from the start (see [`Fault`]).
    pub faults: Vec<Fault>,
    /// Objects and records the REST API serves, besides (or instead of) the default
    /// Accounts and Contacts.
    pub objects: Vec<SObjectData>,
    /// The most records the org holds, every object together: a create beyond it is
    /// refused with `STORAGE_LIMIT_EXCEEDED`, as an org out of data storage is.
    pub max_records: usize,
    /// The most sessions held at once: a login beyond it ends the oldest session, whose
    /// token then gets `INVALID_SESSION_ID`, as an expired one.
    pub max_sessions: usize,
    /// How many requests the in-memory log ([`Emulator::log`](crate::Emulator::log),
    /// `GET /__emulator/log`) keeps, the oldest dropped first; the log file keeps all.
    pub request_log_capacity: usize,
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
            my_domain: DEFAULT_MY_DOMAIN.to_owned(),
            external_client_apps: Vec::new(),
            users: Vec::new(),
            mtls_certificates: Vec::new(),
            faults: Vec::new(),
            objects: Vec::new(),
            max_records: DEFAULT_MAX_RECORDS,
            max_sessions: DEFAULT_MAX_SESSIONS,
            request_log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
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

    /// Adds the External Client Apps of a Salesforce DX source tree (see
    /// [`AppMetadata::load`]). Their permission sets still have to be given to users:
    /// see [`EmulatorConfig::assign_permission_sets`].
    pub fn with_app_metadata(mut self, dir: &Path) -> Result<EmulatorConfig> {
        let metadata = AppMetadata::load(dir)?;
        self.external_client_apps.extend(metadata.apps);
        Ok(self)
    }

    /// Gives `username` these permission sets (Salesforce's "assign the permission
    /// set" step), adding the user, active and approved, when the org has none of
    /// that name. A user already there keeps its other settings.
    pub fn assign_permission_sets(&mut self, username: &str, permission_sets: &[String]) {
        let index = match self.users.iter().position(|u| u.username == username) {
            Some(index) => index,
            None => {
                self.users.push(User::new(username));
                self.users.len() - 1
            }
        };
        let user = &mut self.users[index];
        for set in permission_sets {
            if !user
                .permission_sets
                .iter()
                .any(|held| held.eq_ignore_ascii_case(set))
            {
                user.permission_sets.push(set.clone());
            }
        }
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

/// Who may log in through an External Client App: its OAuth policy "Permitted Users".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermittedUsers {
    /// "All users can self-authorize" (metadata `AllSelfAuthorized`): the user's own
    /// approval decides, as for a connected app.
    #[default]
    AllUsers,
    /// "Admin approved users are pre-authorized" (`AdminApprovedPreAuthorized`): only
    /// users holding one of the app's permission sets may log in.
    AdminApproved,
}

/// An External Client App with OAuth, the kind of app Salesforce lets orgs create since
/// Spring '26. Unlike a connected app it is installed in one org only, so Salesforce
/// finds it only through that org's My Domain (see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ExternalClientAppFile")]
pub struct ExternalClientApp {
    /// The app's API name, when known (loaded from metadata): shown in messages.
    pub name: Option<String>,
    /// The consumer key (the JWT `iss`).
    pub consumer_key: String,
    /// The certificate of the JWT Bearer flow, PEM; in JSON either `certificate_pem`
    /// or `certificate_file`. May be empty when the flow is not enabled.
    pub certificate_pem: String,
    /// Flow Enablement → "Enable JWT Bearer Flow".
    pub jwt_bearer_flow_enabled: bool,
    /// The OAuth policy's permitted users.
    pub permitted_users: PermittedUsers,
    /// The permission sets that pre-authorize users of an admin-approved app.
    pub permission_sets: Vec<String>,
    /// OAuth scopes; without `api` every login fails with `invalid_request`.
    pub scopes: Vec<String>,
    /// The `error` answered while the JWT Bearer flow is not enabled. Salesforce
    /// publishes no body for this case, so it is configurable; see
    /// [`JWT_DISABLED_ERROR`].
    pub jwt_disabled_error: String,
    /// The `error_description` answered while the JWT Bearer flow is not enabled.
    pub jwt_disabled_error_description: String,
}

/// The default `error` of a login through an External Client App whose JWT Bearer flow
/// is off. No Salesforce body for this case is published. With the flow off the app
/// holds no certificate (Salesforce: the certificate "enables the JWT Bearer flow"), so
/// the assertion's signature cannot be verified, and an unverifiable signature is what
/// Salesforce answers `invalid_grant` / `invalid assertion` to; the connected-app
/// analogue (no "Use digital signatures") is reported in the field as a failed
/// signature check too.
pub const JWT_DISABLED_ERROR: &str = "invalid_grant";
/// The default `error_description` beside [`JWT_DISABLED_ERROR`].
pub const JWT_DISABLED_ERROR_DESCRIPTION: &str = "invalid assertion";

impl ExternalClientApp {
    /// An app with the JWT Bearer flow on, the default scopes, open to every approved
    /// user ("All users can self-authorize").
    pub fn new(consumer_key: impl Into<String>, certificate_pem: impl Into<String>) -> Self {
        ExternalClientApp {
            name: None,
            consumer_key: consumer_key.into(),
            certificate_pem: certificate_pem.into(),
            jwt_bearer_flow_enabled: true,
            permitted_users: PermittedUsers::AllUsers,
            permission_sets: Vec::new(),
            scopes: default_scopes(),
            jwt_disabled_error: JWT_DISABLED_ERROR.to_owned(),
            jwt_disabled_error_description: JWT_DISABLED_ERROR_DESCRIPTION.to_owned(),
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
    /// The permission sets assigned to the user (names), which pre-authorize it for
    /// admin-approved External Client Apps.
    #[serde(default)]
    pub permission_sets: Vec<String>,
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
            permission_sets: Vec::new(),
        }
    }
}

const DEFAULT_ORG_ID: &str = "00D000000000001AAA";
const DEFAULT_API_VERSION: &str = "62.0";
const DEFAULT_LOGIN_RATE_LIMIT: u32 = 3600;
const DEFAULT_MY_DOMAIN: &str = "localhost";
const DEFAULT_MAX_RECORDS: usize = 100_000;
const DEFAULT_MAX_SESSIONS: usize = 10_000;
const DEFAULT_REQUEST_LOG_CAPACITY: usize = 10_000;

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
    #[serde(default = "default_my_domain")]
    my_domain: String,
    #[serde(default)]
    external_client_apps: Vec<ExternalClientAppFile>,
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
    #[serde(default = "default_max_records")]
    max_records: usize,
    #[serde(default = "default_max_sessions")]
    max_sessions: usize,
    #[serde(default = "default_request_log_capacity")]
    request_log_capacity: usize,
}

fn default_max_records() -> usize {
    DEFAULT_MAX_RECORDS
}

fn default_max_sessions() -> usize {
    DEFAULT_MAX_SESSIONS
}

fn default_request_log_capacity() -> usize {
    DEFAULT_REQUEST_LOG_CAPACITY
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

fn default_my_domain() -> String {
    DEFAULT_MY_DOMAIN.to_owned()
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

/// The certificate of an app, given inline or as a file; `optional` when the app can
/// do without (an External Client App whose JWT Bearer flow is off).
fn certificate(
    pem: Option<String>,
    file: Option<PathBuf>,
    base: &Path,
    consumer_key: &str,
    optional: bool,
) -> Result<String> {
    match (pem, file) {
        (Some(pem), None) => Ok(pem),
        (None, Some(file)) => read_text(&base.join(file), "certificate_file"),
        (None, None) if optional => Ok(String::new()),
        _ => Err(Error::config(
            "certificate_file",
            format!(
                "app '{consumer_key}' needs exactly one of certificate_pem and certificate_file"
            ),
        )),
    }
}

impl ConnectedAppFile {
    fn resolve(self, base: &Path) -> Result<ConnectedApp> {
        let certificate_pem = certificate(
            self.certificate_pem,
            self.certificate_file,
            base,
            &self.consumer_key,
            false,
        )?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalClientAppFile {
    #[serde(default)]
    name: Option<String>,
    consumer_key: String,
    #[serde(default)]
    certificate_pem: Option<String>,
    #[serde(default)]
    certificate_file: Option<PathBuf>,
    #[serde(default = "yes")]
    jwt_bearer_flow_enabled: bool,
    #[serde(default)]
    permitted_users: PermittedUsers,
    #[serde(default)]
    permission_sets: Vec<String>,
    #[serde(default = "default_scopes")]
    scopes: Vec<String>,
    #[serde(default = "default_jwt_disabled_error")]
    jwt_disabled_error: String,
    #[serde(default = "default_jwt_disabled_error_description")]
    jwt_disabled_error_description: String,
}

fn default_jwt_disabled_error() -> String {
    JWT_DISABLED_ERROR.to_owned()
}

fn default_jwt_disabled_error_description() -> String {
    JWT_DISABLED_ERROR_DESCRIPTION.to_owned()
}

impl ExternalClientAppFile {
    fn resolve(self, base: &Path) -> Result<ExternalClientApp> {
        let certificate_pem = certificate(
            self.certificate_pem,
            self.certificate_file,
            base,
            &self.consumer_key,
            !self.jwt_bearer_flow_enabled,
        )?;
        Ok(ExternalClientApp {
            name: self.name,
            consumer_key: self.consumer_key,
            certificate_pem,
            jwt_bearer_flow_enabled: self.jwt_bearer_flow_enabled,
            permitted_users: self.permitted_users,
            permission_sets: self.permission_sets,
            scopes: self.scopes,
            jwt_disabled_error: self.jwt_disabled_error,
            jwt_disabled_error_description: self.jwt_disabled_error_description,
        })
    }
}

impl TryFrom<ExternalClientAppFile> for ExternalClientApp {
    type Error = Error;

    /// Without a config file to be relative to, files are relative to the working
    /// directory.
    fn try_from(file: ExternalClientAppFile) -> Result<ExternalClientApp> {
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
        let external_client_apps = self
            .external_client_apps
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
            my_domain: self.my_domain,
            external_client_apps,
            users: self.users,
            mtls_certificates,
            faults: self.faults,
            objects,
            max_records: self.max_records,
            max_sessions: self.max_sessions,
            request_log_capacity: self.request_log_capacity,
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

/// An app of either kind with its certificate's key parsed.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) kind: AppKind,
    pub(crate) has_api_scope: bool,
    /// `None` only for an External Client App whose JWT Bearer flow is off.
    pub(crate) public_key: Option<UnparsedPublicKey<Vec<u8>>>,
}

/// What tells the two kinds of app apart at login.
#[derive(Debug)]
pub(crate) enum AppKind {
    Connected {
        admin_approved_only: bool,
        assigned_users: Vec<String>,
    },
    External {
        jwt_bearer_flow_enabled: bool,
        permitted_users: PermittedUsers,
        permission_sets: Vec<String>,
        jwt_disabled_error: String,
        jwt_disabled_error_description: String,
    },
}

/// A user with its id settled.
#[derive(Debug)]
pub(crate) struct OrgUser {
    pub(crate) username: String,
    pub(crate) user_id: String,
    pub(crate) approved: bool,
    pub(crate) active: bool,
    pub(crate) ip_restricted: bool,
    pub(crate) permission_sets: Vec<String>,
}

/// The checked configuration the server runs on.
#[derive(Debug)]
pub(crate) struct Org {
    pub(crate) org_id: String,
    pub(crate) newest_api_major: u32,
    pub(crate) max_assertion_lifetime_secs: Option<u64>,
    pub(crate) clock_skew_secs: i64,
    pub(crate) login_rate_limit_per_hour: u32,
    pub(crate) audiences: Vec<String>,
    /// Lowercase, checked to be a host name.
    pub(crate) my_domain: String,
    /// Connected apps and External Client Apps, by consumer key.
    pub(crate) apps: HashMap<String, App>,
    pub(crate) users: HashMap<String, OrgUser>,
    pub(crate) mtls_certificates: Vec<CertificateDer<'static>>,
    /// At least as many as `objects` hold.
    pub(crate) max_records: usize,
    /// At least 1.
    pub(crate) max_sessions: usize,
    pub(crate) request_log_capacity: usize,
}

impl Org {
    /// Checks `config`: certificates parse and hold RSA keys, names are unique, the API
    /// version has the form `NN.0`, and faults are answerable.
    pub(crate) fn new(config: &EmulatorConfig) -> Result<Org> {
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
        let my_domain = check_my_domain(&config.my_domain)?;
        let max_sessions = Some(config.max_sessions)
            .filter(|&max| max >= 1)
            .ok_or_else(|| Error::config("max_sessions", "must be at least 1"))?;
        let mut apps = HashMap::new();
        for app in &config.apps {
            let checked = App {
                kind: AppKind::Connected {
                    admin_approved_only: app.admin_approved_only,
                    assigned_users: app.assigned_users.clone(),
                },
                has_api_scope: app.scopes.iter().any(|s| s == "api"),
                public_key: Some(rsa_public_key(&app.certificate_pem, &app.consumer_key)?),
            };
            if apps.insert(app.consumer_key.clone(), checked).is_some() {
                return Err(Error::config(
                    "apps",
                    format!("consumer key '{}' appears twice", app.consumer_key),
                ));
            }
        }
        for app in &config.external_client_apps {
            // With the flow off, a certificate may be absent; one that is given must
            // still be good, so that turning the flow on cannot reveal a bad one.
            let public_key = if app.jwt_bearer_flow_enabled || !app.certificate_pem.is_empty() {
                Some(rsa_public_key(&app.certificate_pem, &app.consumer_key)?)
            } else {
                None
            };
            let checked = App {
                kind: AppKind::External {
                    jwt_bearer_flow_enabled: app.jwt_bearer_flow_enabled,
                    permitted_users: app.permitted_users,
                    permission_sets: app.permission_sets.clone(),
                    jwt_disabled_error: app.jwt_disabled_error.clone(),
                    jwt_disabled_error_description: app.jwt_disabled_error_description.clone(),
                },
                has_api_scope: app.scopes.iter().any(|s| s == "api"),
                public_key,
            };
            if apps.insert(app.consumer_key.clone(), checked).is_some() {
                return Err(Error::config(
                    "external_client_apps",
                    format!(
                        "consumer key '{}' appears twice (as a connected app or an External Client App)",
                        app.consumer_key
                    ),
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
                permission_sets: user.permission_sets.clone(),
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
            my_domain,
            apps,
            users,
            mtls_certificates,
            max_records: config.max_records,
            max_sessions,
            request_log_capacity: config.request_log_capacity,
        })
    }
}

/// `"62.0"` → 62. Salesforce versions always end in `.0`.
pub(crate) fn parse_api_version(version: &str) -> Option<u32> {
    let major = version.strip_suffix(".0")?;
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    major.parse().ok()
}

/// `my_domain`, lowercased, once it is a host name: ASCII labels of letters, digits and
/// hyphens. An IP address is refused, since every address stands for the generic
/// login host.
fn check_my_domain(my_domain: &str) -> Result<String> {
    let refuse = |why: &str| {
        Err(Error::config(
            "my_domain",
            format!("'{my_domain}' is not a host name such as acme.my.salesforce.test: {why}"),
        ))
    };
    let name = my_domain.to_ascii_lowercase();
    if name.parse::<std::net::IpAddr>().is_ok() {
        return refuse("an IP address stands for the generic login host");
    }
    if name.is_empty() || name.len() > 253 {
        return refuse("a host name has 1 to 253 characters");
    }
    for label in name.split('.') {
        let good = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !good {
            return refuse("no scheme, port or path; labels of letters, digits and inner hyphens");
        }
    }
    if name
        .rsplit('.')
        .next()
        .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
    {
        return refuse("its last label is all digits, as in an IP address");
    }
    Ok(name)
}

/// The PKCS#1 RSA public key of the first certificate in `pem`, ready to verify RS256.
pub(crate) fn rsa_public_key(pem: &str, consumer_key: &str) -> Result<UnparsedPublicKey<Vec<u8>>> {
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
