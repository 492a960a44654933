// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The process-wide token cache: one login serves every caller with the same login
//! URL, issuer, subject, audience and key, for `token_ttl_secs`.
//!
//! Salesforce allows 3,600 logins per user per hour; an ETL job that logs in per
//! request reaches that fast. Single-flight: when many threads ask at once on a cold
//! cache, one logs in and the others wait for its token.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::oauth::AccessToken;

/// What makes two clients share a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    pub login_url: String,
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    /// SHA-256 of the signing key's public key.
    pub key_fingerprint: Vec<u8>,
}

struct Cached {
    token: Arc<AccessToken>,
    fresh_until: Instant,
}

/// The cache entry of one key; clients hold it directly, so a warm `token()` costs
/// one uncontended read lock.
#[derive(Default)]
pub(crate) struct Slot {
    token: RwLock<Option<Cached>>,
    /// Held while logging in, so that one thread logs in and the rest wait.
    login: Mutex<()>,
}

static SLOTS: LazyLock<Mutex<HashMap<CacheKey, Arc<Slot>>>> = LazyLock::new(Default::default);

/// The process-wide slot for `key`.
pub(crate) fn slot(key: CacheKey) -> Arc<Slot> {
    let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    slots.entry(key).or_default().clone()
}

impl Slot {
    /// The cached token if still fresh, else the result of `login`, run by one
    /// caller at a time.
    pub fn get_or_login(
        &self,
        ttl: Duration,
        login: impl FnOnce() -> Result<AccessToken>,
    ) -> Result<Arc<AccessToken>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _gate = self.login.lock().unwrap_or_else(PoisonError::into_inner);
        // Another caller may have logged in while this one waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let token = Arc::new(login()?);
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            token: token.clone(),
            fresh_until: Instant::now() + ttl,
        });
        Ok(token)
    }

    /// Forgets the token.
    pub fn invalidate(&self) {
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Forgets `stale` only if it is still the cached token: a caller that saw a
    /// session expire must not throw away the fresh token another caller just got.
    pub fn invalidate_if_current(&self, stale: &Arc<AccessToken>) {
        let mut cached = self.token.write().unwrap_or_else(PoisonError::into_inner);
        if cached
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.token, stale))
        {
            *cached = None;
        }
    }

    fn fresh(&self) -> Option<Arc<AccessToken>> {
        let cached = self.token.read().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|c| Instant::now() < c.fresh_until)
            .map(|c| c.token.clone())
    }
}
