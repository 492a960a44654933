// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The process-wide token cache: one login serves every caller with the same login
//! URL, issuer, subject, audience and key, for `token_ttl_secs`.
//!
//! Salesforce allows 3,600 logins per user per hour; an ETL job that logs in per
//! request reaches that fast. Single-flight: when many threads ask at once on a cold
//! cache, one logs in and the others wait for its token.
//!
//! With `token_cache_dir`, [`shared`] stands behind it: one login per identity for
//! every process on the machine.

mod process;
pub(crate) mod shared;

use std::sync::{Arc, Weak};
use std::time::Duration;

use aws_lc_rs::digest;

use crate::config::{Config, KeystoreSource};
use crate::error::Result;
use crate::events::event;
use crate::keystore::SigningKey;
use crate::oauth::{AccessToken, TokenId};
use process::{CacheKey, Slot};
use shared::{Identity, SharedCache};

/// How long a failed login answers for the logins that would follow it. Callers that
/// waited for a login get its result, errors included; for this long after a failure,
/// callers get that failure again instead of a new login, so that an outage or a
/// refusal costs one login per back-off, not one per thread (each counts against
/// Salesforce's 3,600 logins per user per hour). [`Slot::invalidate`] ends it early.
pub const FAILED_LOGIN_BACKOFF: Duration = Duration::from_secs(1);

/// A client's token cache: its identity's slot in the process and, with
/// `token_cache_dir`, the shared file behind it. With `token_cache=false` it holds
/// nothing and every call logs in.
pub(crate) struct TokenCache {
    /// `None` with `token_cache=false`.
    slot: Option<Arc<Slot>>,
    /// The cross-process cache behind the slot, with `token_cache_dir`.
    shared: Option<SharedCache>,
    /// How long a token is trusted (`token_ttl_secs`).
    ttl: Duration,
    /// `<subject> at <login_url>`, for the trace events.
    identity: String,
}

impl TokenCache {
    /// The cache of `config`'s identity signing with `key`; `lock_wait` bounds the wait
    /// for another process's login (the longest a token request can take).
    pub fn open(config: &Config, key: &SigningKey, lock_wait: Duration) -> Result<TokenCache> {
        let key_fingerprint = digest::digest(&digest::SHA256, key.public_key_der())
            .as_ref()
            .to_vec();
        let shared = match (&config.token_cache_dir, config.token_cache) {
            (Some(dir), true) => Some(SharedCache::open(
                dir,
                &Identity {
                    login_url: &config.login_url,
                    issuer: &config.issuer,
                    subject: &config.subject,
                    audience: &config.audience,
                    key_fingerprint: &key_fingerprint,
                },
                &key.secret_for(shared::KEY_LABEL)?,
                lock_wait,
            )?),
            _ => None,
        };
        let slot = config.token_cache.then(|| {
            process::slot(CacheKey {
                login_url: config.login_url.clone(),
                issuer: config.issuer.clone(),
                subject: config.subject.clone(),
                audience: config.audience.clone(),
                key_fingerprint,
                connection_fingerprint: connection_fingerprint(config),
            })
        });
        Ok(TokenCache {
            slot,
            shared,
            ttl: Duration::from_secs(config.token_ttl_secs),
            identity: format!("{} at {}", config.subject, config.login_url),
        })
    }

    /// The cached token while it is fresh, else the result of `login`, run once for all
    /// concurrent callers (see [`Slot::get_or_login`]); the shared file's token serves
    /// too, and gets the new one.
    pub fn get_or_login(
        &self,
        login: impl FnOnce() -> Result<AccessToken>,
    ) -> Result<Arc<AccessToken>> {
        let Some(slot) = &self.slot else {
            return login().map(Arc::new);
        };
        let mut missed = false;
        let token = slot.get_or_login(|| {
            missed = true;
            event!(Trace, "token cache miss for {}", self.identity);
            match &self.shared {
                Some(shared) => shared.get_or_login(self.ttl, login),
                None => login().map(|token| (token, self.ttl)),
            }
        });
        if !missed {
            event!(Trace, "token cache hit for {}", self.identity);
        }
        token
    }

    /// Whether `token` is still the one the cache hands out (see [`Slot::is_current`]);
    /// always false with `token_cache=false`.
    pub fn is_current(&self, token: &Weak<AccessToken>) -> bool {
        self.slot
            .as_ref()
            .is_some_and(|slot| slot.is_current(token))
    }

    /// Forgets the cached token, whichever it is, and a failed login's back-off.
    pub fn invalidate(&self) {
        if let Some(slot) = &self.slot {
            slot.invalidate();
        }
        if let Some(shared) = &self.shared {
            shared.forget();
        }
    }

    /// Forgets the cached token only if it is still `token`, in the process and in the
    /// shared file.
    pub fn invalidate_if_current(&self, token: TokenId) {
        let forgotten = self
            .slot
            .as_ref()
            .and_then(|slot| slot.invalidate_if_current(token));
        if let (Some(forgotten), Some(shared)) = (forgotten, &self.shared) {
            shared.forget_if(&forgotten);
        }
    }
}

impl Drop for TokenCache {
    /// The last client of an identity takes its cached token with it.
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            process::release(slot);
        }
    }
}

/// SHA-256 of the settings that decide whether a login can succeed besides the identity
/// (client certificate, trusted CAs, proxy), so that a client whose login fails for its
/// own network settings does not hand that failure to a client with other ones.
fn connection_fingerprint(config: &Config) -> Vec<u8> {
    let mut context = digest::Context::new(&digest::SHA256);
    let client_cert = config
        .client_cert
        .as_ref()
        .map(|c| (c.source.name(), c.key_alias.as_deref()));
    let settings = format!(
        "{}\0{:?}\0{:?}\0",
        config.mutual_tls, client_cert, config.ca_file
    );
    context.update(settings.as_bytes());
    if let Some(KeystoreSource::Data(data)) = config.client_cert.as_ref().map(|c| &c.source) {
        context.update(data.bytes());
    }
    if let Some(proxy_url) = &config.proxy_url {
        context.update(proxy_url.expose().as_bytes());
    }
    context.finish().as_ref().to_vec()
}
