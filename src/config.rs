// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Configuration: one set of keys for `.properties` files, `SFJWT_*` environment
//! variables, the builder, and every language binding (design.md).
//!
//! [`ConfigBuilder::set`] is the single place where a key's text becomes a typed
//! value, so every surface validates the same way and names the same key.

use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keystore::{Keystore, KeystoreType, SigningKey};

/// Salesforce production login; the default audience.
pub const DEFAULT_AUDIENCE: &str = "https://login.salesforce.com";

/// Salesforce sandbox login; the generic audience of a sandbox's My Domain.
pub const SANDBOX_AUDIENCE: &str = "https://test.salesforce.com";

/// Every configuration key, in the order of design.md.
pub const KEYS: [&str; 26] = [
    "issuer",
    "subject",
    "audience",
    "login_url",
    "my_domain",
    "expiration_secs",
    "keystore_path",
    "keystore_base64",
    "keystore_type",
    "keystore_password",
    "key_alias",
    "key_password",
    "mutual_tls",
    "client_cert_path",
    "client_cert_base64",
    "client_cert_password",
    "client_cert_alias",
    "ca_file",
    "proxy_url",
    "connect_timeout_secs",
    "timeout_secs",
    "retries",
    "api_version",
    "token_cache",
    "token_ttl_secs",
    "token_cache_dir",
];

/// The environment variable for a key: `SFJWT_` and the key in upper case.
pub fn env_var_name(key: &str) -> String {
    format!("SFJWT_{}", key.to_ascii_uppercase())
}

/// A password: zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Password {
        Password(Zeroizing::new(password.into()))
    }

    /// The password text, for handing to a keystore reader.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A proxy URL, which may carry credentials (`http://user:password@host:port`):
/// zeroized on drop, and `Debug` shows it with the password redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(Zeroizing<String>);

impl ProxyUrl {
    /// The URL as given, credentials included, for handing to the HTTP client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("<redacted>"));
                }
                write!(f, "ProxyUrl({url})")
            }
            Err(_) => f.write_str("ProxyUrl(<unparsable>)"),
        }
    }
}

/// The largest keystore taken as data, as for a file: real ones are a few kilobytes.
pub const MAX_KEYSTORE_BYTES: usize = crate::files::MAX_SECRET_FILE_BYTES as usize;

fn too_large(len: usize) -> String {
    format!(
        "{len} bytes is more than a keystore can be (at most {} MiB; real ones are a few kilobytes)",
        MAX_KEYSTORE_BYTES / (1024 * 1024)
    )
}

/// A keystore handed over as bytes instead of a file: the contents of
/// `keystore_base64` (a secret store's environment variable), Python's `keystore_data`,
/// Java's `keystoreData`, C's `sfjwt_config_set_keystore_data`. Wiped on drop; `Debug`
/// shows where it came from and its length, never the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct KeystoreData {
    origin: String,
    bytes: Zeroizing<Vec<u8>>,
}

impl KeystoreData {
    /// Bytes from `origin`: what messages name (`SFJWT_KEYSTORE_BASE64`, `keystoreData`).
    pub fn new(origin: impl Into<String>, bytes: &[u8]) -> KeystoreData {
        KeystoreData {
            origin: origin.into(),
            bytes: Zeroizing::new(bytes.to_vec()),
        }
    }

    /// Decodes base64 text (standard or URL-safe alphabet, padded or not); whitespace
    /// is skipped, so the line-wrapped output of `base64 keystore.jks` is fine.
    fn from_base64(key: &str, origin: &str, text: &str) -> Result<KeystoreData, String> {
        use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
        use base64::{DecodeError, Engine};
        // Every 4 characters make 3 bytes; whitespace aside, a longer text decodes to
        // more than a keystore can be.
        if text.len() / 4 * 3 > MAX_KEYSTORE_BYTES * 2 {
            return Err(too_large(text.len() / 4 * 3));
        }
        // Capacity up front, as below: a growing String would leave unwiped copies.
        let mut compact = Zeroizing::new(String::with_capacity(text.len()));
        compact.extend(text.chars().filter(|c| !c.is_ascii_whitespace()));
        if compact.len() / 4 * 3 > MAX_KEYSTORE_BYTES {
            return Err(too_large(compact.len() / 4 * 3));
        }
        // Capacity up front: growing the buffer would leave unwiped copies behind.
        let mut bytes = Zeroizing::new(Vec::with_capacity(base64::decoded_len_estimate(
            compact.len(),
        )));
        let engine = if compact.contains(['-', '_']) {
            URL_SAFE_PAD_INDIFFERENT
        } else {
            STANDARD_PAD_INDIFFERENT
        };
        engine
            .decode_vec(compact.as_bytes(), &mut bytes)
            .map_err(|error| {
                // Never the offending character: the text is a secret.
                let what = match error {
                    DecodeError::InvalidByte(offset, _) => {
                        format!("a character that is not base64 at offset {offset}")
                    }
                    DecodeError::InvalidLength(_) => "a length that base64 cannot have".to_owned(),
                    DecodeError::InvalidLastSymbol { .. } | DecodeError::InvalidPadding => {
                        "a wrong last character or padding".to_owned()
                    }
                };
                let from = if origin == key {
                    String::new()
                } else {
                    format!(" from {origin}")
                };
                format!(
                    "the text{from} is not base64 ({what}); give the keystore file's contents \
                     encoded with `base64 keystore.jks`"
                )
            })?;
        Ok(KeystoreData {
            origin: origin.to_owned(),
            bytes,
        })
    }

    /// Where the bytes came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The keystore's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for KeystoreData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeystoreData({}, {} bytes)",
            self.origin,
            self.bytes.len()
        )
    }
}

/// Where a keystore's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeystoreSource {
    /// A file (`keystore_path`, `client_cert_path`).
    File(PathBuf),
    /// Bytes handed over (`keystore_base64`, `client_cert_base64`, a binding's data call).
    Data(KeystoreData),
}

impl KeystoreSource {
    /// What messages call it: the file's path, or `keystore from <origin>`.
    pub fn name(&self) -> String {
        match self {
            KeystoreSource::File(path) => path.display().to_string(),
            KeystoreSource::Data(data) => format!("keystore from {}", data.origin),
        }
    }

    /// The file, for a keystore read from one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            KeystoreSource::File(path) => Some(path),
            KeystoreSource::Data(_) => None,
        }
    }
}

/// Where a key comes from: a keystore, its passwords and the entry's alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoreSettings {
    /// The keystore file or data (`keystore_path` or `keystore_base64`).
    pub source: KeystoreSource,
    /// Its format (`keystore_type`).
    pub keystore_type: KeystoreType,
    /// The store password (`keystore_password`), possibly empty.
    pub store_password: Password,
    /// The entry to use (`key_alias`); `None` means the only private-key entry.
    pub key_alias: Option<String>,
    /// The key password (`key_password`); defaults to the store password.
    pub key_password: Password,
}

impl KeystoreSettings {
    /// Opens the keystore and checks its integrity.
    pub fn open(&self) -> Result<Keystore> {
        let password = self.store_password.expose();
        match &self.source {
            KeystoreSource::File(path) => Keystore::open(path, self.keystore_type, password),
            KeystoreSource::Data(data) => Keystore::from_bytes(
                Path::new(&self.source.name()),
                data.bytes(),
                self.keystore_type,
                password,
            ),
        }
    }

    /// Opens the keystore and decrypts the signing key.
    pub fn signing_key(&self) -> Result<SigningKey> {
        self.open()?
            .signing_key(self.key_alias.as_deref(), self.key_password.expose())
    }
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The app's consumer key (`iss`): an External Client App's or a connected app's.
    pub issuer: String,
    /// The Salesforce username (`sub`).
    pub subject: String,
    /// The `aud` claim of the first token request: `audience` when set, else the My
    /// Domain when `my_domain` is set, else login.
    pub audience: String,
    /// The one other `aud` tried, once, when the first is refused for its audience
    /// (`app_not_found`, `audience is invalid`): set only with `my_domain` and no
    /// `audience` — login or test when the first is the My Domain (see
    /// [`Config::audiences`]).
    pub alternative_audience: Option<String>,
    /// Base URL the token request goes to (My Domain, GovCloud, port 8443); no trailing `/`.
    pub login_url: String,
    /// The org's My Domain (`https://acme.my.salesforce.com`), normalized to an origin.
    pub my_domain: Option<String>,
    /// Assertion lifetime in seconds, 1..=3600.
    pub expiration_secs: u32,
    /// The signing key.
    pub keystore: KeystoreSettings,
    /// Present a client certificate in TLS.
    pub mutual_tls: bool,
    /// The mTLS identity when it is not the signing key's entry.
    pub client_cert: Option<KeystoreSettings>,
    /// Extra trusted root certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// HTTP(S) proxy; credentials may be in the URL.
    pub proxy_url: Option<ProxyUrl>,
    /// Connect timeout in seconds.
    pub connect_timeout_secs: u64,
    /// Whole-request timeout in seconds.
    pub timeout_secs: u64,
    /// Retries on network errors, 5xx and 429.
    pub retries: u32,
    /// REST API version for the connection test (`62.0`); `None` means the newest.
    pub api_version: Option<String>,
    /// Reuse tokens inside the process.
    pub token_cache: bool,
    /// How long a cached token is trusted, in seconds.
    pub token_ttl_secs: u64,
    /// The cross-process token cache's directory; `None` keeps tokens in the process.
    pub token_cache_dir: Option<PathBuf>,
    /// Files other than keystores that a password came from (password files,
    /// `.properties` files), whose permissions the connection test checks.
    pub secret_files: Vec<PathBuf>,
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads a `.properties` file and validates it.
    pub fn from_properties(path: &Path) -> Result<Config> {
        ConfigBuilder::from_properties_file(path)?.build()
    }

    /// The audiences a login may send, in order: [`Config::audience`], then
    /// [`Config::alternative_audience`] if any.
    pub fn audiences(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.audience.as_str()).chain(self.alternative_audience.as_deref())
    }
}

/// Collects settings from any source; [`ConfigBuilder::build`] validates the whole.
#[derive(Debug, Clone, Default)]
pub struct ConfigBuilder {
    issuer: Option<String>,
    subject: Option<String>,
    audience: Option<String>,
    login_url: Option<String>,
    my_domain: Option<String>,
    expiration_secs: Option<u32>,
    keystore_path: Option<PathBuf>,
    keystore_data: Option<KeystoreData>,
    keystore_type: Option<KeystoreType>,
    keystore_password: Option<Password>,
    key_alias: Option<String>,
    key_password: Option<Password>,
    mutual_tls: Option<bool>,
    client_cert_path: Option<PathBuf>,
    client_cert_data: Option<KeystoreData>,
    client_cert_password: Option<Password>,
    client_cert_alias: Option<String>,
    ca_file: Option<PathBuf>,
    proxy_url: Option<ProxyUrl>,
    connect_timeout_secs: Option<u64>,
    timeout_secs: Option<u64>,
    retries: Option<u32>,
    api_version: Option<String>,
    token_cache: Option<bool>,
    token_ttl_secs: Option<u64>,
    token_cache_dir: Option<PathBuf>,
    secret_files: Vec<PathBuf>,
}

/// The keys whose value is, or may carry, a password or a key.
const SECRET_KEYS: [&str; 6] = [
    "keystore_password",
    "key_password",
    "client_cert_password",
    "proxy_url",
    "keystore_base64",
    "client_cert_base64",
];

impl ConfigBuilder {
    /// Sets one key from its text form, as found in a `.properties` file, an
    /// environment variable or a binding call. An empty value clears the key.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        self.set_from(key, value, key)
    }

    /// Sets a keystore from its bytes: `key` is `keystore_base64` or
    /// `client_cert_base64`, whose decoded form `data` is, and `origin` is what
    /// messages call it (`keystore_data`, `keystoreData(byte[])`). Empty data clears it.
    pub fn set_data(&mut self, key: &str, data: &[u8], origin: &str) -> Result<&mut Self> {
        if data.len() > MAX_KEYSTORE_BYTES {
            return Err(Error::config(key, too_large(data.len())));
        }
        let data = (!data.is_empty()).then(|| KeystoreData::new(origin, data));
        match key {
            "keystore_base64" => self.keystore_data = data,
            "client_cert_base64" => self.client_cert_data = data,
            _ => {
                return Err(Error::config(
                    key,
                    "only keystore_base64 and client_cert_base64 take bytes",
                ));
            }
        }
        Ok(self)
    }

    /// [`ConfigBuilder::set`], with `origin` (the key, or the environment variable it
    /// came from) naming keystore data in later messages.
    fn set_from(&mut self, key: &str, value: &str, origin: &str) -> Result<&mut Self> {
        let text = value.trim();
        let string = || (!text.is_empty()).then(|| text.to_owned());
        let path = || (!text.is_empty()).then(|| PathBuf::from(text));
        // Passwords keep their spaces: they are the user's exact characters.
        let password = || (!value.is_empty()).then(|| Password::new(value));
        match key {
            "issuer" => self.issuer = string(),
            "subject" => self.subject = string(),
            "audience" => self.audience = parse_opt(key, text, parse_url)?,
            "login_url" => self.login_url = parse_opt(key, text, parse_url)?,
            "my_domain" => self.my_domain = parse_opt(key, text, parse_my_domain)?,
            "expiration_secs" => {
                self.expiration_secs = parse_opt(key, text, |s| parse_range(s, 1, 3600))?
            }
            "keystore_path" => self.keystore_path = path(),
            "keystore_base64" => {
                self.keystore_data =
                    parse_opt(key, text, |s| KeystoreData::from_base64(key, origin, s))?
            }
            "keystore_type" => self.keystore_type = parse_opt(key, text, str::parse)?,
            "keystore_password" => self.keystore_password = password(),
            "key_alias" => self.key_alias = string(),
            "key_password" => self.key_password = password(),
            "mutual_tls" => self.mutual_tls = parse_opt(key, text, parse_bool)?,
            "client_cert_path" => self.client_cert_path = path(),
            "client_cert_base64" => {
                self.client_cert_data =
                    parse_opt(key, text, |s| KeystoreData::from_base64(key, origin, s))?
            }
            "client_cert_password" => self.client_cert_password = password(),
            "client_cert_alias" => self.client_cert_alias = string(),
            "ca_file" => self.ca_file = path(),
            "proxy_url" => self.proxy_url = parse_opt(key, text, parse_proxy_url)?,
            "connect_timeout_secs" => {
                self.connect_timeout_secs = parse_opt(key, text, |s| parse_range(s, 1, 600))?
            }
            "timeout_secs" => {
                self.timeout_secs = parse_opt(key, text, |s| parse_range(s, 1, 3600))?
            }
            "retries" => self.retries = parse_opt(key, text, |s| parse_range(s, 0, 10))?,
            "api_version" => self.api_version = parse_opt(key, text, parse_api_version)?,
            "token_cache" => self.token_cache = parse_opt(key, text, parse_bool)?,
            "token_ttl_secs" => {
                self.token_ttl_secs = parse_opt(key, text, |s| parse_range(s, 1, 86_400))?
            }
            "token_cache_dir" => self.token_cache_dir = path(),
            _ => {
                return Err(Error::config(
                    key,
                    format!("unknown key; the keys are: {}", KEYS.join(", ")),
                ));
            }
        }
        Ok(self)
    }

    /// Sets a key, consuming and returning the builder, for chained Rust code:
    /// `Config::builder().with("issuer", "3MVG...")?.with(...)`.
    pub fn with(mut self, key: &str, value: &str) -> Result<Self> {
        self.set(key, value)?;
        Ok(self)
    }

    /// Reads a `.properties` file (Java's format).
    pub fn from_properties_file(path: &Path) -> Result<ConfigBuilder> {
        let mut builder = ConfigBuilder::default();
        builder.apply_properties_file(path)?;
        Ok(builder)
    }

    /// Adds the keys of a `.properties` file to what is set; the file's keys win. On
    /// an error nothing is changed. A file that sets a password is noted for the
    /// connection test's permission check.
    pub fn apply_properties_file(&mut self, path: &Path) -> Result<&mut Self> {
        let bytes = read_secret_file("config", path)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::config("config", format!("{} is not UTF-8 text", path.display()))
        })?;
        let mut updated = self.clone();
        updated.apply_properties(text)?;
        if parse_properties(text)
            .iter()
            .any(|(key, _)| SECRET_KEYS.contains(&key.as_str()))
        {
            updated.note_secret_file(path);
        }
        *self = updated;
        Ok(self)
    }

    /// Sets `key` to the first line of the file at `path` (a password file, as
    /// `--keystore-password-file` names), which is noted for the connection test's
    /// permission check.
    pub fn set_from_file(&mut self, key: &str, path: &Path) -> Result<&mut Self> {
        let bytes = read_secret_file(key, path)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::config(key, format!("{} is not UTF-8 text", path.display())))?;
        self.set(key, text.lines().next().unwrap_or_default())?;
        self.note_secret_file(path);
        Ok(self)
    }

    /// Notes that a password came from the file at `path`, for a binding that reads
    /// the file itself (Java reads `.properties` files with `java.util.Properties`).
    pub fn note_secret_file(&mut self, path: &Path) -> &mut Self {
        if !self.secret_files.iter().any(|p| p == path) {
            self.secret_files.push(path.to_owned());
        }
        self
    }

    /// Applies the pairs of a `.properties` text; later keys win.
    pub fn apply_properties(&mut self, text: &str) -> Result<&mut Self> {
        for (key, value) in parse_properties(text) {
            self.set(&key, &value)?;
        }
        Ok(self)
    }

    /// Applies the `SFJWT_*` variables of the process environment.
    pub fn apply_env(&mut self) -> Result<&mut Self> {
        self.apply_env_from(|name| std::env::var(name).ok())
    }

    /// Applies `SFJWT_*` variables looked up through `lookup` (for tests and embedders).
    pub fn apply_env_from(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<&mut Self> {
        for key in KEYS {
            let name = env_var_name(key);
            if let Some(value) = lookup(&name) {
                let value = Zeroizing::new(value);
                self.set_from(key, &value, &name)?;
            }
        }
        Ok(self)
    }

    /// The one-time consumer approval URL (setup step 4) for `issuer`: on the My Domain
    /// when `my_domain` is set (External Client Apps are found only there), else on the
    /// audience's login host (login or test).
    pub fn authorize_url(&self) -> Result<String> {
        let issuer = required(&self.issuer, "issuer", "the app's consumer key")?;
        let base = self
            .my_domain
            .as_deref()
            .or(self.audience.as_deref())
            .unwrap_or(DEFAULT_AUDIENCE);
        Ok(crate::oauth::authorize_url(base, &issuer))
    }

    /// The keystore settings alone, for commands that need no login (`keystore inspect`).
    pub fn build_keystore(&self) -> Result<KeystoreSettings> {
        let source = keystore_source("keystore_path", &self.keystore_path, &self.keystore_data)?
            .ok_or_else(|| {
                Error::config(
                    "keystore_path",
                    "missing; set it to the keystore exported from Salesforce \
                 (or keystore_base64 to its contents)",
                )
            })?;
        let store_password = self.keystore_password.clone().unwrap_or_default();
        Ok(KeystoreSettings {
            source,
            keystore_type: self.keystore_type.unwrap_or_default(),
            key_password: self
                .key_password
                .clone()
                .unwrap_or_else(|| store_password.clone()),
            store_password,
            key_alias: self.key_alias.clone(),
        })
    }

    /// Validates everything and fills in the defaults.
    pub fn build(&self) -> Result<Config> {
        let issuer = required(&self.issuer, "issuer", "the app's consumer key")?;
        let subject = required(&self.subject, "subject", "the Salesforce username")?;
        let keystore = self.build_keystore()?;
        let mutual_tls = self.mutual_tls.unwrap_or(false);
        let (audience, alternative_audience) = match (&self.audience, &self.my_domain) {
            (Some(audience), _) => (audience.clone(), None),
            (None, Some(my_domain)) => (my_domain.clone(), Some(generic_audience(my_domain))),
            (None, None) => (DEFAULT_AUDIENCE.to_owned(), None),
        };
        let login_url = match (&self.login_url, &self.my_domain) {
            (Some(login_url), _) => login_url.clone(),
            (None, Some(my_domain)) if mutual_tls => mutual_tls_url(my_domain),
            (None, Some(my_domain)) => my_domain.clone(),
            (None, None) => audience.clone(),
        };
        let client_cert = keystore_source(
            "client_cert_path",
            &self.client_cert_path,
            &self.client_cert_data,
        )?
        .map(|source| {
            let password = self.client_cert_password.clone().unwrap_or_default();
            KeystoreSettings {
                source,
                keystore_type: KeystoreType::Auto,
                key_password: password.clone(),
                store_password: password,
                key_alias: self.client_cert_alias.clone(),
            }
        });
        Ok(Config {
            issuer,
            subject,
            audience,
            alternative_audience,
            login_url,
            my_domain: self.my_domain.clone(),
            expiration_secs: self.expiration_secs.unwrap_or(180),
            keystore,
            mutual_tls,
            client_cert,
            ca_file: self.ca_file.clone(),
            proxy_url: self.proxy_url.clone(),
            connect_timeout_secs: self.connect_timeout_secs.unwrap_or(10),
            timeout_secs: self.timeout_secs.unwrap_or(30),
            retries: self.retries.unwrap_or(2),
            api_version: self.api_version.clone(),
            token_cache: self.token_cache.unwrap_or(true),
            token_ttl_secs: self.token_ttl_secs.unwrap_or(900),
            token_cache_dir: self.token_cache_dir.clone(),
            secret_files: self.secret_files.clone(),
        })
    }
}

/// The keystore named by a path key or given as data; CONFIG when both are set.
fn keystore_source(
    path_key: &str,
    path: &Option<PathBuf>,
    data: &Option<KeystoreData>,
) -> Result<Option<KeystoreSource>> {
    match (path, data) {
        (Some(path), Some(data)) => Err(Error::config(
            path_key,
            format!(
                "both {path_key} ({}) and the keystore from {} are set; set one",
                path.display(),
                data.origin
            ),
        )),
        (Some(path), None) => Ok(Some(KeystoreSource::File(path.clone()))),
        (None, Some(data)) => Ok(Some(KeystoreSource::Data(data.clone()))),
        (None, None) => Ok(None),
    }
}

/// A file holding a secret, capped as keystores are; CONFIG naming `key` otherwise.
fn read_secret_file(key: &str, path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    crate::files::read_capped(path)
        .map_err(|e| Error::config(key, format!("cannot read {}: {e}", path.display())))?
        .ok_or_else(|| {
            Error::config(
                key,
                format!(
                    "{} is larger than 16 MiB: not a settings or password file",
                    path.display()
                ),
            )
        })
}

fn required(value: &Option<String>, key: &str, what: &str) -> Result<String> {
    value
        .clone()
        .ok_or_else(|| Error::config(key, format!("missing; set it to {what}")))
}

fn parse_opt<T>(
    key: &str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>> {
    if text.is_empty() {
        return Ok(None);
    }
    parse(text)
        .map(Some)
        .map_err(|reason| Error::config(key, reason))
}

fn parse_range<T>(text: &str, min: T, max: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    match text.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!(
            "'{text}' is not a whole number from {min} to {max}"
        )),
    }
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!("'{text}' is not true or false")),
    }
}

/// An `https://` URL, or `http://` to a loopback address (the emulator); no path,
/// query or trailing slash is kept.
pub(crate) fn parse_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| format!("'{text}' is not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(format!("'{text}' has no host")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a login URL must not carry credentials".to_owned());
    }
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(format!("'{text}' is plain http; Salesforce needs https")),
        other => return Err(format!("'{text}' has scheme {other}; use https")),
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// The origin sfjwt uses for a My Domain given as a host or an https URL (what the
/// `my_domain` key takes), or CONFIG naming `my_domain`: for tools that write the key,
/// such as `sfjwt setup`, so that they accept exactly what a login will.
pub fn my_domain_origin(text: &str) -> Result<String> {
    parse_my_domain(text.trim()).map_err(|reason| Error::config("my_domain", reason))
}

/// The org's My Domain, as a host (`acme.my.salesforce.com`) or an https URL
/// (`https://acme.my.salesforce.com/`), normalized to its origin
/// (`https://acme.my.salesforce.com`). A path, query, fragment or user info means
/// something else was pasted (a Lightning page, a token URL), so it is refused rather
/// than cut off; plain http only to loopback (the emulator).
fn parse_my_domain(text: &str) -> Result<String, String> {
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        format!("'{text}' is not a host or URL ({e}); give it as acme.my.salesforce.com")
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("'{text}' has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a My Domain must not carry a user or password".to_owned());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "'{text}' has a path, query or fragment; give the host alone, as Setup > My \
             Domain shows it (acme.my.salesforce.com)"
        ));
    }
    let origin = url.origin().ascii_serialization();
    parse_url(&origin).map_err(|reason| reason.replace("a login URL", "a My Domain"))
}

/// The generic login host of a My Domain: test.salesforce.com for a sandbox or a
/// scratch org (`acme--uat.sandbox.my.salesforce.com`, `acme--uat.my.salesforce.com`,
/// `….scratch.my.salesforce.com`), login.salesforce.com otherwise.
fn generic_audience(my_domain: &str) -> String {
    let host = url::Url::parse(my_domain)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let sandbox = host
        .split('.')
        .next()
        .is_some_and(|name| name.contains("--"))
        || host.ends_with(".sandbox.my.salesforce.com")
        || host.ends_with(".scratch.my.salesforce.com");
    if sandbox {
        SANDBOX_AUDIENCE
    } else {
        DEFAULT_AUDIENCE
    }
    .to_owned()
}

/// Port 8443 of a My Domain, where Salesforce asks for the client certificate, unless
/// the My Domain names a port of its own.
fn mutual_tls_url(my_domain: &str) -> String {
    match url::Url::parse(my_domain) {
        Ok(mut url) if url.port().is_none() => {
            let _ = url.set_port(Some(8443));
            url.origin().ascii_serialization()
        }
        _ => my_domain.to_owned(),
    }
}

fn parse_proxy_url(text: &str) -> Result<ProxyUrl, String> {
    // Never echo the URL: it may carry proxy credentials.
    let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(ProxyUrl(Zeroizing::new(text.to_owned()))),
        _ => Err("use http://[user:password@]host:port or https://...".to_owned()),
    }
}

fn parse_api_version(text: &str) -> Result<String, String> {
    let version = text.trim_start_matches(['v', 'V']);
    let valid = version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if valid {
        Ok(version.to_owned())
    } else {
        Err(format!("'{text}' is not an API version like 62.0"))
    }
}

/// Java `.properties` syntax: `#`/`!` comments, `key=value`, `key: value` or
/// `key value`, backslash line continuations and escapes (`\t`, `\n`, `\uXXXX`, ...).
/// Pairs come in file order, duplicates included: applied in turn, the later wins, as
/// in `java.util.Properties`. Values may be passwords, so they are zeroized on drop.
pub fn parse_properties(text: &str) -> Vec<(String, Zeroizing<String>)> {
    let mut pairs = Vec::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let first = first.trim_start();
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // The physical lines of this logical line, then one buffer of their size: a
        // growing one would leave unwiped copies of a password behind.
        let mut parts = vec![first];
        while parts
            .last()
            .is_some_and(|part| ends_with_continuation(part))
        {
            match lines.next() {
                Some(next) => parts.push(next.trim_start()),
                None => break,
            }
        }
        let mut logical = Zeroizing::new(String::with_capacity(
            parts.iter().map(|part| part.len()).sum(),
        ));
        let continued = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let ends = i < continued || ends_with_continuation(part);
            logical.push_str(if ends { &part[..part.len() - 1] } else { part });
        }
        let (key, value) = split_key_value(&logical);
        pairs.push((unescape(key), Zeroizing::new(unescape(value))));
    }
    pairs
}

fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || c.is_whitespace() {
            let key = &line[..i];
            let rest = line[i..].trim_start_matches([' ', '\t', '\x0c']);
            let rest = if c.is_whitespace() {
                rest.strip_prefix(['=', ':']).unwrap_or(rest)
            } else {
                &rest[1..]
            };
            return (key, rest.trim_start_matches([' ', '\t', '\x0c']));
        }
    }
    (line, "")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex = Zeroizing::new(chars.by_ref().take(4).collect::<String>());
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => out.push_str(hex.as_str()),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_follow_java_syntax() {
        let text = "# comment\n! also\nissuer = 3MVG9abc\nsubject:user@example.com\n\
                    keystore_path   /tmp/a\\ b.jks\nkey_alias=multi\\\n    line\n\
                    audience=https\\://test.salesforce.com\nkey_password=p\\u00e4ss\n\
                    issuer=second\nempty=\n";
        let pairs = parse_properties(text);
        let get = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("issuer"), Some("second"));
        assert_eq!(get("subject"), Some("user@example.com"));
        assert_eq!(get("keystore_path"), Some("/tmp/a b.jks"));
        assert_eq!(get("key_alias"), Some("multiline"));
        assert_eq!(get("audience"), Some("https://test.salesforce.com"));
        assert_eq!(get("key_password"), Some("päss"));
        assert_eq!(get("empty"), Some(""));
        assert_eq!(pairs.len(), 8);
    }

    #[test]
    fn defaults_and_validation_name_the_key() {
        let config = Config::builder()
            .with("issuer", "3MVG9")
            .and_then(|b| b.with("subject", "u@example.com"))
            .and_then(|b| b.with("keystore_path", "k.jks"))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(config.audience, DEFAULT_AUDIENCE);
        assert_eq!(config.login_url, DEFAULT_AUDIENCE);
        assert_eq!(config.expiration_secs, 180);
        assert_eq!(
            (
                config.connect_timeout_secs,
                config.timeout_secs,
                config.retries
            ),
            (10, 30, 2)
        );
        assert!(config.token_cache);

        for (key, value) in [
            ("expiration_secs", "0"),
            ("expiration_secs", "3601"),
            ("audience", "http://login.salesforce.com"),
            ("login_url", "ftp://x"),
            ("mutual_tls", "maybe"),
            ("retries", "-1"),
            ("api_version", "sixty"),
            ("keystore_type", "bks"),
            ("nonsense", "1"),
        ] {
            let err = Config::builder().with(key, value).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::Config, "{key}={value}");
            assert!(err.to_string().contains(key), "{err}");
        }
        let err = Config::builder().build().unwrap_err();
        assert!(err.to_string().contains("'issuer'"), "{err}");
    }

    #[test]
    fn passwords_are_redacted_and_key_password_defaults_to_store_password() {
        let mut b = Config::builder();
        b.set("keystore_path", "k.jks").unwrap();
        b.set("keystore_password", " s3cr3t-store ").unwrap();
        let settings = b.build_keystore().unwrap();
        assert_eq!(settings.key_password.expose(), " s3cr3t-store ");
        let debug = format!("{settings:?} {b:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }

    fn built(pairs: &[(&str, &str)]) -> Result<Config> {
        let mut builder = Config::builder();
        for (key, value) in [("issuer", "3MVG9"), ("subject", "u@example.com")]
            .iter()
            .chain([("keystore_path", "k.jks")].iter())
            .chain(pairs)
        {
            builder.set(key, value)?;
        }
        builder.build()
    }

    #[test]
    fn my_domain_is_the_login_url_and_the_first_audience_with_login_or_test_as_second() {
        let config = built(&[("my_domain", "Acme.my.salesforce.com")]).unwrap();
        assert_eq!(
            config.my_domain.as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert_eq!(config.login_url, "https://acme.my.salesforce.com");
        assert_eq!(
            config.audiences().collect::<Vec<_>>(),
            ["https://acme.my.salesforce.com", DEFAULT_AUDIENCE]
        );
        for sandbox in [
            "acme--uat.sandbox.my.salesforce.com",
            "https://acme--uat.my.salesforce.com/",
            "site-1234-dev-ed.scratch.my.salesforce.com",
        ] {
            let config = built(&[("my_domain", sandbox)]).unwrap();
            assert_eq!(
                config.alternative_audience.as_deref(),
                Some(SANDBOX_AUDIENCE),
                "{sandbox}"
            );
        }
        // An explicit audience is sent alone; an explicit login_url still wins.
        let config = built(&[
            ("my_domain", "acme.my.salesforce.com"),
            ("audience", "https://login.salesforce.com"),
            ("login_url", "https://acme.my.salesforce.com:8443"),
        ])
        .unwrap();
        assert_eq!(config.audiences().collect::<Vec<_>>(), [DEFAULT_AUDIENCE]);
        assert_eq!(config.login_url, "https://acme.my.salesforce.com:8443");
        // Mutual TLS goes to port 8443 of the My Domain, unless it names a port.
        let config = built(&[
            ("my_domain", "acme.my.salesforce.com"),
            ("mutual_tls", "true"),
        ])
        .unwrap();
        assert_eq!(config.login_url, "https://acme.my.salesforce.com:8443");
        assert_eq!(config.audience, "https://acme.my.salesforce.com");
        let config = built(&[
            ("my_domain", "https://localhost:9443"),
            ("mutual_tls", "true"),
        ])
        .unwrap();
        assert_eq!(config.login_url, "https://localhost:9443");
        // Without my_domain nothing changes.
        let config = built(&[]).unwrap();
        assert_eq!(config.audiences().collect::<Vec<_>>(), [DEFAULT_AUDIENCE]);
        assert_eq!(config.login_url, DEFAULT_AUDIENCE);
    }

    #[test]
    fn a_my_domain_that_is_not_an_origin_is_a_config_error_naming_it() {
        for bad in [
            "https://acme.my.salesforce.com/lightning/page/home",
            "acme.my.salesforce.com/services/oauth2/token",
            "https://acme.my.salesforce.com?x=1",
            "https://acme.my.salesforce.com/#top",
            "https://user:secret@acme.my.salesforce.com",
            "http://acme.my.salesforce.com",
            "ftp://acme.my.salesforce.com",
            "https://",
            "://",
        ] {
            let error = built(&[("my_domain", bad)]).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::Config, "{bad}");
            assert!(error.to_string().contains("my_domain"), "{bad}: {error}");
            assert!(!error.to_string().contains("secret"), "{error}");
        }
        assert!(built(&[("my_domain", "http://127.0.0.1:8443")]).is_ok());
    }

    #[test]
    fn http_is_allowed_for_loopback_only() {
        assert!(parse_url("http://127.0.0.1:8443").is_ok());
        assert!(parse_url("http://localhost:1/").is_ok());
        assert_eq!(
            parse_url("https://login.salesforce.com/").unwrap(),
            "https://login.salesforce.com"
        );
        assert!(parse_url("http://10.0.0.1").is_err());
    }
}
