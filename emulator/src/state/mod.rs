// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What the requests share while the emulator runs: the checked org, its sessions, the
//! store and its cursors, the fault plan, the request log and the counters.

pub(crate) mod log;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use crate::org::config::Org;
use crate::org::faults::{Fault, FaultAction, FaultPlan};
use crate::store::cursors::Cursors;
use crate::store::{SObject, Store};
use log::{LogEntry, RequestLog};

/// A logged-in session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) username: String,
    pub(crate) user_id: String,
    pub(crate) id_url: String,
}

/// The sessions held, by token, and their tokens oldest first (each token is random
/// and issued once, so the two always hold the same tokens).
#[derive(Debug, Default)]
struct Sessions {
    by_token: HashMap<String, Session>,
    order: VecDeque<String>,
}

/// Everything the requests share.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) org: Org,
    sessions: Mutex<Sessions>,
    logins: Mutex<HashMap<String, VecDeque<Instant>>>,
    login_count: AtomicUsize,
    api_calls: AtomicU64,
    /// Completed TLS handshakes (on every port): one per connection a client opened.
    handshakes: AtomicU64,
    faults: Mutex<FaultPlan>,
    log: RequestLog,
    /// The org's records (seeded, then written by REST calls), and the open query
    /// cursors over them.
    store: RwLock<Store>,
    cursors: Mutex<Cursors>,
    /// This run's secret, which every admin request must carry (see [`ADMIN_HEADER`](crate::ADMIN_HEADER)).
    admin_secret: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data stays consistent across a panic in another request (each update is a
    // single insert or removal), so poisoning is not a reason to stop serving.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    pub(crate) fn new(
        org: Org,
        objects: Vec<SObject>,
        faults: Vec<Fault>,
        log: RequestLog,
        admin_secret: String,
    ) -> State {
        let max_records = org.max_records;
        State {
            org,
            sessions: Mutex::default(),
            logins: Mutex::new(HashMap::new()),
            login_count: AtomicUsize::new(0),
            api_calls: AtomicU64::new(0),
            handshakes: AtomicU64::new(0),
            faults: Mutex::new(FaultPlan::new(faults)),
            log,
            store: RwLock::new(Store::new(objects, max_records)),
            cursors: Mutex::default(),
            admin_secret,
        }
    }

    /// Holds a new session, ending the oldest beyond `max_sessions`.
    pub(crate) fn add_session(&self, token: String, session: Session) {
        let mut sessions = lock(&self.sessions);
        sessions.order.push_back(token.clone());
        sessions.by_token.insert(token, session);
        while sessions.by_token.len() > self.org.max_sessions {
            let Some(oldest) = sessions.order.pop_front() else {
                break;
            };
            sessions.by_token.remove(&oldest);
        }
        self.login_count.fetch_add(1, Ordering::Relaxed);
    }

    /// The session of a bearer token; counts as an API call.
    pub(crate) fn session(&self, token: &str) -> Option<Session> {
        let session = lock(&self.sessions).by_token.get(token).cloned()?;
        self.api_calls.fetch_add(1, Ordering::Relaxed);
        Some(session)
    }

    pub(crate) fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store, to write; a write is checked before it changes anything, so a panic
    /// cannot leave it half done.
    pub(crate) fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn cursors(&self) -> MutexGuard<'_, Cursors> {
        lock(&self.cursors)
    }

    pub(crate) fn api_calls(&self) -> u64 {
        self.api_calls.load(Ordering::Relaxed)
    }

    pub(crate) fn logins(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        lock(&self.logins)
    }

    pub(crate) fn login_count(&self) -> usize {
        self.login_count.load(Ordering::Relaxed)
    }

    pub(crate) fn count_handshake(&self) {
        self.handshakes.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn tls_handshakes(&self) -> u64 {
        self.handshakes.load(Ordering::Relaxed)
    }

    /// Invalidates every token; returns how many there were.
    pub(crate) fn revoke_tokens(&self) -> usize {
        let mut sessions = lock(&self.sessions);
        let count = sessions.by_token.len();
        *sessions = Sessions::default();
        count
    }

    pub(crate) fn faults_pending(&self) -> u32 {
        lock(&self.faults).pending()
    }

    /// The planned fault for a request to `path`, used up once.
    pub(crate) fn take_fault(&self, path: &str) -> Option<FaultAction> {
        lock(&self.faults).take(path)
    }

    pub(crate) fn set_faults(&self, faults: Vec<Fault>) {
        *lock(&self.faults) = FaultPlan::new(faults);
    }

    pub(crate) fn record(&self, entry: LogEntry) {
        self.log.record(entry);
    }

    pub(crate) fn log(&self) -> Vec<LogEntry> {
        self.log.entries()
    }

    pub(crate) fn admin_secret(&self) -> &str {
        &self.admin_secret
    }
}
