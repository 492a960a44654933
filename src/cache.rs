// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The process-wide token cache: one login serves every caller with the same login
//! URL, issuer, subject, audience and key, for `token_ttl_secs`.
//!
//! Salesforce allows 3,600 logins per user per hour; an ETL job that logs in per
//! request reaches that fast. Single-flight: when many threads ask at once on a cold
//! cache, one logs in and the others wait for its token.
//!
//! [`TokenCopy`] keeps a binding's converted form of the current token (C strings, a
//! Java or Python object) and hands it out again, without locks, while that token
//! is current.

use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock, RwLockWriteGuard, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

use crate::client::Client;
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
    /// A copy of what `token` holds, for [`Slot::is_current`]: the address of the cached
    /// token (null when none) and the end of its freshness in [`EPOCH`] nanoseconds.
    /// Written with `token`, under its write lock; read without any lock.
    current: AtomicPtr<AccessToken>,
    fresh_until_nanos: AtomicU64,
    /// Held while logging in, so that one thread logs in and the rest wait.
    login: Mutex<()>,
}

/// The origin of `fresh_until_nanos`.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn nanos_since_epoch(instant: Instant) -> u64 {
    u64::try_from(instant.saturating_duration_since(*EPOCH).as_nanos()).unwrap_or(u64::MAX)
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
        self.store(
            &mut self.write(),
            Some(Cached {
                token: token.clone(),
                fresh_until: Instant::now() + ttl,
            }),
        );
        Ok(token)
    }

    /// Forgets the token.
    pub fn invalidate(&self) {
        self.store(&mut self.write(), None);
    }

    /// Forgets `stale` only if it is still the cached token: a caller that saw a
    /// session expire must not throw away the fresh token another caller just got.
    pub fn invalidate_if_current(&self, stale: &Arc<AccessToken>) {
        let mut cached = self.write();
        if cached
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.token, stale))
        {
            self.store(&mut cached, None);
        }
    }

    /// Whether `token` is the cached token and still fresh. It takes no lock and writes
    /// nothing (two atomic loads and the clock), so that it costs the same from any
    /// number of threads: bindings that keep a converted copy of the token ask it on
    /// every call. The weak reference keeps the token's address from being reused
    /// while it is compared, without keeping the token itself (and its secret) alive.
    pub fn is_current(&self, token: &Weak<AccessToken>) -> bool {
        let is_cached = || std::ptr::eq(self.current.load(Ordering::Acquire), token.as_ptr());
        // The address is read again after the freshness: unchanged, it proves that the
        // freshness read was this token's (see `store`).
        is_cached()
            && nanos_since_epoch(Instant::now()) < self.fresh_until_nanos.load(Ordering::Acquire)
            && is_cached()
    }

    fn write(&self) -> RwLockWriteGuard<'_, Option<Cached>> {
        self.token.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the cached token and its lock-free copy, under the write lock.
    fn store(&self, guard: &mut RwLockWriteGuard<'_, Option<Cached>>, cached: Option<Cached>) {
        // The address is cleared, then the freshness written, then the new address: a
        // reader that finds a token's address both before and after it reads the
        // freshness has read that token's own.
        let (address, fresh_until) = match &cached {
            Some(c) => (
                Arc::as_ptr(&c.token).cast_mut(),
                nanos_since_epoch(c.fresh_until),
            ),
            None => (std::ptr::null_mut(), 0),
        };
        self.current.store(std::ptr::null_mut(), Ordering::Release);
        self.fresh_until_nanos.store(fresh_until, Ordering::Release);
        self.current.store(address, Ordering::Release);
        **guard = cached;
    }

    fn fresh(&self) -> Option<Arc<AccessToken>> {
        let cached = self.token.read().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|c| Instant::now() < c.fresh_until)
            .map(|c| c.token.clone())
    }
}

/// The current token in another form: the C strings, Java object or Python object a
/// binding hands out, made once per token and handed out again while that token is
/// current ([`Client::is_current`]). Reading it takes no lock and writes nothing that
/// other threads read, so that a warm call costs the same from any number of threads.
pub struct TokenCopy<T> {
    made: ArcSwapOption<Made<T>>,
}

struct Made<T> {
    /// Weak, for the token's identity only: the core's copy of the token is still
    /// wiped when the cache lets go of it.
    token: Weak<AccessToken>,
    copy: T,
}

impl<T> Default for TokenCopy<T> {
    fn default() -> Self {
        TokenCopy {
            made: ArcSwapOption::empty(),
        }
    }
}

impl<T> TokenCopy<T> {
    /// `read` of the copy made for the token `client.token()` hands out now, or `None`
    /// when there is none yet or that token is no longer current (expired, invalidated,
    /// replaced): then make a new copy from `client.token()` and [`TokenCopy::store`] it.
    pub fn with_current<R>(&self, client: &Client, read: impl FnOnce(&T) -> R) -> Option<R> {
        match &*self.made.load() {
            Some(made) if client.is_current(&made.token) => Some(read(&made.copy)),
            _ => None,
        }
    }

    /// Keeps `copy`, made from `token`, for the calls that follow.
    pub fn store(&self, token: &Arc<AccessToken>, copy: T) {
        self.made.store(Some(Arc::new(Made {
            token: Arc::downgrade(token),
            copy,
        })));
    }
}
