// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! [`Client`]: one configuration, its parsed key, its HTTP connections and its token
//! cache. Thread-safe; share one per job.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use crate::assertion::{Assertion, AssertionSigner, Claims};
use crate::cache::TokenCache;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::event;
use crate::keystore::certificate_warnings;
use crate::oauth::{self, AccessToken, HintContext, Http, TokenId};

/// Logs in to Salesforce with the JWT Bearer flow and keeps the token.
pub struct Client {
    config: Config,
    signer: AssertionSigner,
    http: Http,
    cache: TokenCache,
    /// The configured alternative audience was the one accepted last: later logins
    /// send it first, so that a client pays for the wrong first choice once.
    alternative_first: AtomicBool,
}

/// One token request of a login, for the connection test's report.
#[derive(Debug, Clone)]
pub(crate) struct TokenAttempt {
    /// The `aud` sent.
    pub audience: String,
    /// How long the request took.
    pub duration: Duration,
    /// `token`, or the refusal (`HTTP 400 app_not_found: …`) or error.
    pub outcome: String,
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
        if key.certificate().is_some() {
            for warning in certificate_warnings(&key, SystemTime::now()) {
                event!(Warn, "{warning}");
            }
        }
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
        let cache = TokenCache::open(&config, signer.key(), http.longest_send())?;
        Ok(Client {
            config,
            signer,
            http,
            cache,
            alternative_first: AtomicBool::new(false),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A freshly signed assertion, for the audience the next login sends first.
    pub fn assertion(&self) -> Result<Assertion> {
        self.sign_for(self.audience_order().0)
    }

    /// The audiences of the next login, in the order tried: the configured ones, the
    /// alternative first once it is the one Salesforce accepted.
    fn audience_order(&self) -> (&str, Option<&str>) {
        let first = self.config.audience.as_str();
        match self.config.alternative_audience.as_deref() {
            Some(alternative) if self.alternative_first.load(Ordering::Relaxed) => {
                (alternative, Some(first))
            }
            alternative => (first, alternative),
        }
    }

    fn sign_for(&self, audience: &str) -> Result<Assertion> {
        let config = &self.config;
        self.signer.sign(&Claims::new(
            &config.issuer,
            &config.subject,
            audience,
            config.expiration_secs,
            SystemTime::now(),
        )?)
    }

    /// A token: the cached one while it is fresh, else a new login (one login for
    /// all concurrent callers; those that waited get its result, errors included, and
    /// a failure answers again for [`crate::FAILED_LOGIN_BACKOFF`]). With
    /// `token_cache_dir`, the token another process wrote there serves too.
    pub fn token(&self) -> Result<Arc<AccessToken>> {
        self.cache.get_or_login(|| self.login())
    }

    /// Whether `token` (from [`Client::token`]) is still the one the cache hands out:
    /// fresh, not invalidated, not replaced. Contention-free, for bindings that keep a
    /// converted copy of the token and return it again while this holds; always false
    /// with `token_cache=false`.
    pub fn is_current(&self, token: &Weak<AccessToken>) -> bool {
        self.cache.is_current(token)
    }

    /// Forgets the cached token, whichever it is, and a failed login's back-off; the
    /// next [`Client::token`] logs in. After an HTTP 401, prefer
    /// [`Client::invalidate_if_current`].
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }

    /// Forgets the cached token only if it is still `token` (an [`AccessToken::token_id`]):
    /// what to call when Salesforce answers HTTP 401 `INVALID_SESSION_ID` with that token.
    /// When many threads see the same session expire, the first one's call forgets it and
    /// the others' leave alone the fresh token that one of them got meanwhile.
    pub fn invalidate_if_current(&self, token: TokenId) {
        self.cache.invalidate_if_current(token);
    }

    /// GETs `path` (`/services/data/v62.0/limits`) on the instance with the token;
    /// an expired session is answered by one new login and one retry. Only an absolute
    /// path on the instance is accepted (CONFIG otherwise), so that the token never goes
    /// to another host (`.evil.com/x`, `@evil.com/x`, `//evil.com/x`).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let token = self.token()?;
        check_instance_path(token.instance_url(), path)?;
        match self.get_with(&token, path) {
            Err(e) if oauth::is_invalid_session_error(&e) => {
                self.invalidate_if_current(token.token_id());
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
        self.login_recording(None, &mut Vec::new())
    }

    /// One login, bypassing the cache, with `signed` (an assertion already signed for
    /// the first audience) if given; each token request is added to `attempts`.
    pub(crate) fn login_recording(
        &self,
        signed: Option<Assertion>,
        attempts: &mut Vec<TokenAttempt>,
    ) -> Result<AccessToken> {
        let (login_url, subject) = (&self.config.login_url, &self.config.subject);
        event!(Debug, "logging in to {login_url} as {subject}");
        let started = Instant::now();
        let result = self.exchange(signed, attempts);
        let millis = started.elapsed().as_millis();
        match &result {
            Ok(token) => event!(
                Info,
                "logged in to {login_url} as {subject} in {millis} ms (instance {})",
                token.instance_url()
            ),
            Err(error) => event!(
                Warn,
                "login to {login_url} as {subject} failed after {millis} ms: [{}] {error}",
                error.code()
            ),
        }
        result
    }

    /// The token request with the first audience and, only when Salesforce refuses
    /// that audience (`app_not_found`, `audience is invalid`) and another is
    /// configured, once with the other: an External Client App wants the My Domain as
    /// `aud`, a connected app login or test, and only the server knows which it holds.
    /// Any other refusal is final. When both audiences are refused, the first answer
    /// is the one reported.
    fn exchange(
        &self,
        signed: Option<Assertion>,
        attempts: &mut Vec<TokenAttempt>,
    ) -> Result<AccessToken> {
        let (first, second) = self.audience_order();
        let assertion = match signed {
            Some(assertion) => assertion,
            None => self.sign_for(first)?,
        };
        let result = self.request_token(first, second, &assertion, attempts);
        let second = match (&result, second) {
            (Err(error), Some(second)) if oauth::is_audience_refusal(error) => second,
            _ => return result,
        };
        event!(
            Info,
            "{} refused aud {first}; trying aud {second} once",
            self.config.login_url
        );
        let retried = self
            .sign_for(second)
            .and_then(|assertion| self.request_token(second, None, &assertion, attempts));
        match retried {
            Ok(token) => {
                let alternative = self.config.alternative_audience.as_deref() == Some(second);
                self.alternative_first.store(alternative, Ordering::Relaxed);
                Ok(token)
            }
            Err(error) if oauth::is_audience_refusal(&error) => result,
            Err(error) => Err(error),
        }
    }

    /// One token request with `assertion` (signed for `audience`), recorded in
    /// `attempts`; `then` is the audience tried next if this one is refused.
    fn request_token(
        &self,
        audience: &str,
        then: Option<&str>,
        assertion: &Assertion,
        attempts: &mut Vec<TokenAttempt>,
    ) -> Result<AccessToken> {
        let started = Instant::now();
        let result = oauth::request_token(
            &self.http,
            &self.config.login_url,
            assertion,
            &self.hint_context(audience, then, assertion),
        );
        attempts.push(TokenAttempt {
            audience: audience.to_owned(),
            duration: started.elapsed(),
            outcome: match &result {
                Ok(_) => "token".to_owned(),
                Err(error) => match error.rejection() {
                    Some(r) => format!(
                        "HTTP {} {}: {}",
                        r.http_status, r.error, r.error_description
                    ),
                    None => format!("{}: {error}", error.code()),
                },
            },
        });
        result
    }

    fn hint_context(
        &self,
        audience: &str,
        then: Option<&str>,
        assertion: &Assertion,
    ) -> HintContext {
        let certificate = self.signer.key().certificate();
        HintContext {
            issuer: self.config.issuer.clone(),
            subject: self.config.subject.clone(),
            audience: audience.to_owned(),
            other_audience: then.map(str::to_owned),
            my_domain: self.config.my_domain.clone(),
            audience_set: self.config.my_domain.is_some()
                && self.config.alternative_audience.is_none(),
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
