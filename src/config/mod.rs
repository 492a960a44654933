// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Configuration: one set of keys for `.properties` files, `SFJWT_*` environment
//! variables, the builder, and every language binding (design.md).
//!
//! [`ConfigBuilder::set`] is the single place where a key's text becomes a typed
//! value, so every surface validates the same way and names the same key.

mod properties;
mod secrets;
mod values;

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keystore::{Keystore, KeystoreType, SigningKey};

use properties::decode_properties;
pub use properties::{parse_properties, read_properties};
use secrets::too_large;
pub use secrets::{KeystoreData, MAX_KEYSTORE_BYTES, Password, ProxyUrl};
pub use values::my_domain_origin;
pub(crate) use values::parse_url;
use values::{
    generic_audience, mutual_tls_url, parse_api_version, parse_bool, parse_my_domain, parse_opt,
    parse_proxy_url, parse_range,
};

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

/// The one-time consumer approval URL (setup step 4) on the login host `base`:
/// `<base>/services/oauth2/authorize?client_id=...&redirect_uri=<base>/services/oauth2/success&response_type=code`
pub fn authorize_url(base: &str, consumer_key: &str) -> String {
    let base = base.trim_end_matches('/');
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "{base}/services/oauth2/authorize?client_id={}&redirect_uri={}&response_type=code",
        encode(consumer_key),
        encode(&format!("{base}/services/oauth2/success")),
    )
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
            KeystoreSource::Data(data) => format!("keystore from {}", data.origin()),
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

/// The keys whose value is, or may carry, a password or a key: kept wiped and
/// redacted on every surface (Java keeps them as `char[]`; its parity test checks
/// its list against this one).
pub const SECRET_KEYS: [&str; 6] = [
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

    /// A configuration from its sources, in the one order of every surface: the
    /// `.properties` file if any, then the `SFJWT_*` variables that `env` finds
    /// (`|name| std::env::var(name).ok()` for the process's), then the explicit values
    /// (flags, keyword arguments, builder calls). A later source wins.
    pub fn from_sources<'a>(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        explicit: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ConfigBuilder> {
        let mut builder = match file {
            Some(path) => ConfigBuilder::from_properties_file(path)?,
            None => ConfigBuilder::default(),
        };
        builder.apply_env_from(env)?;
        for (key, value) in explicit {
            builder.set(key, value)?;
        }
        Ok(builder)
    }

    /// Reads a `.properties` file (Java's format).
    pub fn from_properties_file(path: &Path) -> Result<ConfigBuilder> {
        let mut builder = ConfigBuilder::default();
        builder.apply_properties_file(path)?;
        Ok(builder)
    }

    /// Adds the keys of a `.properties` file to what is set; the file's keys win. On
    /// an error nothing is changed. The file is UTF-8, or ISO-8859-1 when it is not
    /// valid UTF-8, as Java 9+ reads properties resource bundles. A file that sets a password is noted for the
    /// connection test's permission check.
    pub fn apply_properties_file(&mut self, path: &Path) -> Result<&mut Self> {
        let text = decode_properties(&read_secret_file("config", path)?);
        let mut updated = self.clone();
        updated.apply_properties(&text)?;
        if parse_properties(&text)
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
        Ok(authorize_url(base, &issuer))
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
                data.origin()
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

#[cfg(test)]
mod tests {
    use super::*;
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
    fn sources_apply_the_file_then_the_environment_then_explicit_values() {
        let path =
            std::env::temp_dir().join(format!("sfjwt-sources-{}.properties", std::process::id()));
        std::fs::write(&path, "issuer=file\nsubject=file\nkeystore_path=file.jks\n").unwrap();
        let env = |name: &str| {
            matches!(name, "SFJWT_SUBJECT" | "SFJWT_KEYSTORE_PATH").then(|| "env".to_owned())
        };
        let builder =
            ConfigBuilder::from_sources(Some(&path), env, [("keystore_path", "explicit.jks")]);
        std::fs::remove_file(&path).unwrap();
        let config = builder.unwrap().build().unwrap();
        assert_eq!(
            (config.issuer.as_str(), config.subject.as_str()),
            ("file", "env")
        );
        assert_eq!(
            config.keystore.source.path(),
            Some(Path::new("explicit.jks"))
        );
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
}
