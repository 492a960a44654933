// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The in-process part of the token cache: one [`Slot`] per identity, shared by every
//! client of that identity, with single-flight logins and a failed login's back-off.

use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{
    Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError, RwLock, RwLockWriteGuard, Weak,
};
use std::time::{Duration, Instant};

use super::FAILED_LOGIN_BACKOFF;
use crate::error::{Error, Result};
use crate::events::HeldRecords;
use crate::oauth::{AccessToken, TokenId};

/// What makes two clients share a token and a login: the identity, and the network
/// settings that decide whether a login gets through.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct CacheKey {
    pub login_url: String,
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    /// SHA-256 of the signing key's public key.
    pub key_fingerprint: Vec<u8>,
    /// SHA-256 of the client certificate, CA and proxy settings.
    pub connection_fingerprint: Vec<u8>,
}

struct Cached {
    token: Arc<AccessToken>,
    fresh_until: Instant,
}

/// The cache entry of one key; clients hold it directly, so a warm `token()` costs
/// one uncontended read lock. It lives while a client holds it: when the last client
/// of an identity goes, the slot and its token go too.
#[derive(Default)]
pub(super) struct Slot {
    token: RwLock<Option<Cached>>,
    /// A copy of what `token` holds, for [`Slot::is_current`]: the address of the cached
    /// token (null when none) and the end of its freshness in [`EPOCH`] nanoseconds.
    /// Written with `token`, under its write lock; read without any lock.
    current: AtomicPtr<AccessToken>,
    fresh_until_nanos: AtomicU64,
    /// The login in flight, if any, and the last failure.
    flight: Mutex<Flight>,
    /// Signalled when a login ends.
    landed: Condvar,
}

#[derive(Default)]
struct Flight {
    /// A caller is logging in; the others wait for its result.
    running: bool,
    /// Logins ended so far, so that a waiter knows that the one it waited for ended.
    ended: u64,
    /// The last login's failure, answered until the instant with it.
    failure: Option<(Error, Instant)>,
}

/// The origin of `fresh_until_nanos`.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn nanos_since_epoch(instant: Instant) -> u64 {
    u64::try_from(instant.saturating_duration_since(*EPOCH).as_nanos()).unwrap_or(u64::MAX)
}

/// The slots of the identities that have a client. Weak, so that a slot dies with the
/// last client holding it; [`release`] then removes its entry.
static SLOTS: LazyLock<Mutex<HashMap<CacheKey, Weak<Slot>>>> = LazyLock::new(Default::default);

fn slots() -> MutexGuard<'static, HashMap<CacheKey, Weak<Slot>>> {
    SLOTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The process-wide slot for `key`, shared with every live client of that identity.
pub(super) fn slot(key: CacheKey) -> Arc<Slot> {
    let mut slots = slots();
    if let Some(slot) = slots.get(&key).and_then(Weak::upgrade) {
        return slot;
    }
    let slot = Arc::new(Slot::default());
    slots.insert(key, Arc::downgrade(&slot));
    slot
}

/// A client lets go of its slot. The last one drops it (its token is wiped unless a
/// caller still holds it) and its entry, under the map's lock, so that no other
/// thread revives the slot meanwhile.
pub(super) fn release(slot: Arc<Slot>) {
    let mut slots = slots();
    drop(slot);
    slots.retain(|_, slot| slot.strong_count() > 0);
}

/// Ends the flight when the login ends, however it ends (a panic included), so that
/// waiters never wait for a login that no one runs.
struct Landing<'a> {
    slot: &'a Slot,
    failure: Option<Error>,
}

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        let mut flight = self.slot.flight();
        flight.running = false;
        flight.ended = flight.ended.wrapping_add(1);
        flight.failure = self
            .failure
            .take()
            .map(|e| (e, Instant::now() + FAILED_LOGIN_BACKOFF));
        drop(flight);
        self.slot.landed.notify_all();
    }
}

impl Slot {
    /// The cached token if still fresh, else the result of `login` (a token and how
    /// long it stays fresh), run by one caller at a time: the callers that wait get its
    /// result, its error included, and so do those that come within
    /// [`FAILED_LOGIN_BACKOFF`] of a failure.
    pub fn get_or_login(
        &self,
        login: impl FnOnce() -> Result<(AccessToken, Duration)>,
    ) -> Result<Arc<AccessToken>> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let mut flight = self.flight();
        loop {
            // Another caller may have logged in, or failed to, while this one waited.
            if let Some(token) = self.fresh() {
                return Ok(token);
            }
            if let Some((error, until)) = &flight.failure
                && Instant::now() < *until
            {
                return Err(error.clone());
            }
            if !flight.running {
                break;
            }
            let ended = flight.ended;
            while flight.running && flight.ended == ended {
                flight = self
                    .landed
                    .wait(flight)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        flight.running = true;
        flight.failure = None;
        drop(flight);

        // Dropped after `landing`: the records go out once the flight has landed, so
        // that a log handler calling `token()` finds its token instead of waiting for
        // the flight its own thread runs.
        let _held = HeldRecords::start();
        let mut landing = Landing {
            slot: self,
            failure: None,
        };
        match login() {
            Ok((token, ttl)) => {
                let token = Arc::new(token);
                self.store(
                    &mut self.write(),
                    Some(Cached {
                        token: token.clone(),
                        fresh_until: Instant::now() + ttl,
                    }),
                );
                Ok(token)
            }
            Err(error) => {
                landing.failure = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Forgets the token, and a failed login's back-off.
    pub fn invalidate(&self) {
        self.store(&mut self.write(), None);
        self.flight().failure = None;
    }

    /// Forgets the token `stale` only if it is still the cached one: a caller that saw
    /// a session expire must not throw away the fresh token another caller just got.
    /// Returns the token forgotten, if it was.
    pub fn invalidate_if_current(&self, stale: TokenId) -> Option<Arc<AccessToken>> {
        let mut cached = self.write();
        if cached.as_ref().is_some_and(|c| c.token.token_id() == stale) {
            let forgotten = cached.as_ref().map(|c| c.token.clone());
            self.store(&mut cached, None);
            return forgotten;
        }
        None
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

    fn flight(&self) -> MutexGuard<'_, Flight> {
        self.flight.lock().unwrap_or_else(PoisonError::into_inner)
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

#[cfg(test)]
mod tests {
    use std::sync::Barrier;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn outage() -> Error {
        Error::Network {
            url: "https://login.example.com/services/oauth2/token".to_owned(),
            reason: "connection refused".to_owned(),
        }
    }

    fn key(issuer: &str) -> CacheKey {
        CacheKey {
            login_url: "https://login.example.com".to_owned(),
            issuer: issuer.to_owned(),
            subject: "etl@example.com".to_owned(),
            audience: "https://login.salesforce.com".to_owned(),
            key_fingerprint: vec![1, 2, 3],
            connection_fingerprint: vec![4, 5, 6],
        }
    }

    #[test]
    fn callers_that_waited_for_a_failed_login_get_its_error() {
        let slot = Slot::default();
        let logins = AtomicUsize::new(0);
        let threads = 16;
        let start = Barrier::new(threads);
        let outcomes: Vec<Result<Arc<AccessToken>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        slot.get_or_login(|| {
                            logins.fetch_add(1, Ordering::SeqCst);
                            // Long enough that every thread arrives during the login.
                            std::thread::sleep(Duration::from_millis(300));
                            Err(outage())
                        })
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            logins.load(Ordering::SeqCst),
            1,
            "one login for {threads} callers"
        );
        assert!(outcomes.iter().all(
            |o| matches!(o, Err(Error::Network { reason, .. }) if reason == "connection refused")
        ));
    }

    #[test]
    fn a_failure_is_answered_until_its_back_off_ends_or_the_slot_is_invalidated() {
        let slot = Slot::default();
        let logins = AtomicUsize::new(0);
        let fail = || {
            logins.fetch_add(1, Ordering::SeqCst);
            Err(outage())
        };
        assert!(slot.get_or_login(fail).is_err());
        assert!(slot.get_or_login(fail).is_err());
        assert_eq!(
            logins.load(Ordering::SeqCst),
            1,
            "no new login within the back-off"
        );

        slot.invalidate();
        assert!(slot.get_or_login(fail).is_err());
        assert_eq!(
            logins.load(Ordering::SeqCst),
            2,
            "invalidate ends the back-off"
        );

        std::thread::sleep(FAILED_LOGIN_BACKOFF + Duration::from_millis(50));
        assert!(slot.get_or_login(fail).is_err());
        assert_eq!(
            logins.load(Ordering::SeqCst),
            3,
            "a new login after the back-off"
        );
    }

    #[test]
    fn a_panicking_login_does_not_strand_the_callers_after_it() {
        let slot = Slot::default();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            slot.get_or_login(|| panic!("deliberate"))
        }));
        assert!(panicked.is_err());
        let logins = AtomicUsize::new(0);
        let again = slot.get_or_login(|| {
            logins.fetch_add(1, Ordering::SeqCst);
            Err(outage())
        });
        assert!(again.is_err());
        assert_eq!(logins.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_last_client_of_an_identity_takes_its_slot_away() {
        let first = slot(key("slot-shrink"));
        let second = slot(key("slot-shrink"));
        assert!(Arc::ptr_eq(&first, &second), "one slot per identity");
        release(first);
        assert!(
            slots().contains_key(&key("slot-shrink")),
            "a client still holds it"
        );
        release(second);
        assert!(!slots().contains_key(&key("slot-shrink")));
        let third = slot(key("slot-shrink"));
        assert_eq!(
            Arc::strong_count(&third),
            1,
            "a new slot, not a revived one"
        );
        release(third);
    }
}
