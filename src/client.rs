// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! [`Client`]: one configuration, its parsed key, its HTTP connections and its slot
//! in the token cache. Thread-safe; share one per job.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;

use crate::assertion::{Assertion, AssertionSigner, Claims};
use crate::cache::{self, CacheKey, Slot};
use crate::config::Config;
use crate::connection_test::{self, ConnectionReport};
use crate::error::{Error, Result};
use crate::oauth::{self, AccessToken, HintContext, Http};

/// Logs in to Salesforce with the JWT Bearer flow and keeps the token.
pub struct Client {
    config: Config,
    signer: AssertionSigner,
    http: Http,
    /// `None` with `token_cache=false`.
    slot: Option<Arc<Slot>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Reads the keystore, decrypts the key once, and sets up HTTPS (with the client
    /// certificate when `mutual_tls` is on).
    pub fn new(config: Config) -> Result<Client> {
        let key = config.keystore.signing_key()?;
        Client::with_signer(config, AssertionSigner::new(key))
    }

    /// A client over an already loaded key (the connection test loads it as a step).
    pub(crate) fn with_signer(config: Config, signer: AssertionSigner) -> Result<Client> {
        let http = if !config.mutual_tls {
            Http::new(&config, None)?
        } else if let Some(client_cert) = &config.client_cert {
            Http::new(&config, Some(&client_cert.signing_key()?))?
        } else {
            Http::new(&config, Some(signer.key()))?
        };
        let slot = config.token_cache.then(|| {
            cache::slot(CacheKey {
                login_url: config.login_url.clone(),
                issuer: config.issuer.clone(),
                subject: config.subject.clone(),
                audience: config.audience.clone(),
                key_fingerprint: digest::digest(&digest::SHA256, signer.key().public_key_der())
                    .as_ref()
                    .to_vec(),
            })
        });
        Ok(Client {
            config,
            signer,
            http,
            slot,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A freshly signed assertion.
    pub fn assertion(&self) -> Result<Assertion> {
        self.signer
            .sign(&Claims::for_config(&self.config, SystemTime::now())?)
    }

    /// A token: the cached one while it is fresh, else a new login (one login for
    /// all concurrent callers).
    pub fn token(&self) -> Result<Arc<AccessToken>> {
        match &self.slot {
            Some(slot) => slot
                .get_or_login(Duration::from_secs(self.config.token_ttl_secs), || {
                    self.login()
                }),
            None => self.login().map(Arc::new),
        }
    }

    /// Whether `token` (from [`Client::token`]) is still the one the cache hands out:
    /// fresh, not invalidated, not replaced. Contention-free, for bindings that keep a
    /// converted copy of the token and return it again while this holds; always false
    /// with `token_cache=false`.
    pub fn is_current(&self, token: &Weak<AccessToken>) -> bool {
        self.slot
            .as_ref()
            .is_some_and(|slot| slot.is_current(token))
    }

    /// Forgets the cached token; the next [`Client::token`] logs in.
    pub fn invalidate(&self) {
        if let Some(slot) = &self.slot {
            slot.invalidate();
        }
    }

    /// Runs the diagnostic connection test with this client's configuration.
    pub fn test_connection(&self) -> ConnectionReport {
        connection_test::run(&self.config)
    }

    /// GETs `path` (`/services/data/v62.0/limits`) on the instance with the token;
    /// an expired session is answered by one new login and one retry. Only an absolute
    /// path on the instance is accepted (CONFIG otherwise), so that the token never goes
    /// to another host (`.evil.com/x`, `@evil.com/x`, `//evil.com/x`).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let token = self.token()?;
        check_instance_path(token.instance_url(), path)?;
        match self.get_with(&token, path) {
            Err(e) if oauth::is_invalid_session(&e) => {
                if let Some(slot) = &self.slot {
                    slot.invalidate_if_current(&token);
                }
                let token = self.token()?;
                self.get_with(&token, path)
            }
            other => other,
        }
    }

    pub(crate) fn get_with<T: serde::de::DeserializeOwned>(
        &self,
        token: &AccessToken,
        path: &str,
    ) -> Result<T> {
        let url = format!("{}{path}", token.instance_url());
        oauth::get_json(&self.http, &url, Some(token))
    }

    pub(crate) fn get_public<T: serde::de::DeserializeOwned>(
        &self,
        instance_url: &str,
        path: &str,
    ) -> Result<T> {
        oauth::get_json(&self.http, &format!("{instance_url}{path}"), None)
    }

    /// One login, bypassing the cache.
    pub(crate) fn login(&self) -> Result<AccessToken> {
        let assertion = self.assertion()?;
        self.login_with(&assertion)
    }

    pub(crate) fn login_with(&self, assertion: &Assertion) -> Result<AccessToken> {
        oauth::request_token(
            &self.http,
            &self.config.login_url,
            assertion,
            &self.hint_context(assertion),
        )
    }

    fn hint_context(&self, assertion: &Assertion) -> HintContext {
        let certificate = self.signer.key().certificate();
        HintContext {
            issuer: self.config.issuer.clone(),
            subject: self.config.subject.clone(),
            audience: self.config.audience.clone(),
            expires_at: assertion.expires_at(),
            expiration_secs: self.config.expiration_secs,
            sha1: certificate.map(|c| c.sha1.clone()),
            sha256: certificate.map(|c| c.sha256.clone()),
        }
    }
}

/// Whether `path`, appended to the instance URL, stays on the instance: it must start
/// with `/` (else `.evil.com/x` or `@evil.com/x` would change the host), and the URL it
/// makes must have the instance's scheme, host and port.
fn check_instance_path(instance_url: &str, path: &str) -> Result<()> {
    let refused = |why: &str| {
        Error::config(
            "path",
            format!(
                "must be an absolute path on the instance, like /services/data/v62.0/limits: {why}"
            ),
        )
    };
    if !path.starts_with('/') {
        return Err(refused("it does not start with /"));
    }
    let joined = format!("{instance_url}{path}");
    match (url::Url::parse(instance_url), url::Url::parse(&joined)) {
        (Ok(instance), Ok(url)) if instance.origin() == url.origin() => Ok(()),
        _ => Err(refused("it leads off the instance")),
    }
}
