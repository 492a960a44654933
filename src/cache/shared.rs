// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The cross-process token cache (`token_cache_dir`): one login per identity and TTL
//! for every process on the machine (Spark workers, job JVMs, a multiprocessing pool).
//!
//! One file per identity, `<id>.token`, written atomically and readable only by its
//! owner, holds the token encrypted and authenticated with AES-256-GCM under a key
//! derived (HKDF-SHA256) from the signing key's RS256 signature of [`KEY_LABEL`]: only
//! a process holding that key can read an entry or forge one, and every encoding of
//! one key (a JKS and a PEM of it) reads the same entries. Anything else found there (tampered, truncated,
//! foreign, of another format) is ignored and replaced.
//!
//! Single flight across processes: `<id>.lock`, locked with the operating system's
//! file lock (`flock` on Unix, `LockFileEx` on Windows), which the OS releases when its
//! holder dies. The process that holds it logs in and writes the file; the others wait
//! for the lock, up to the longest time a login of their own could take, and read it.

mod dir;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::{constant_time, digest, hkdf};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::cache::FAILED_LOGIN_BACKOFF;
use crate::error::{Error, Result};
use crate::events::event;
use crate::oauth::{AccessToken, Session};

/// The first bytes of an entry; another value is another (older) format, ignored.
const MAGIC: &[u8; 8] = b"SFJWTTC2";
/// Entries are a few hundred bytes; a larger file is not one.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
/// How often a waiter tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(20);
const KEY_SALT: &[u8] = b"sfjwt token cache v1";
/// What the signing key signs to make the secret the entries' key comes from.
pub(crate) const KEY_LABEL: &[u8] = b"sfjwt token cache key v2";
const KEY: &str = "token_cache_dir";

/// The who and where of a login that decide which token serves it.
pub(crate) struct Identity<'a> {
    pub login_url: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audience: &'a str,
    /// SHA-256 of the signing key's public key.
    pub key_fingerprint: &'a [u8],
}

impl Identity<'_> {
    fn digest(&self) -> digest::Digest {
        let mut context = digest::Context::new(&digest::SHA256);
        for part in [
            self.login_url.as_bytes(),
            self.issuer.as_bytes(),
            self.subject.as_bytes(),
            self.audience.as_bytes(),
            self.key_fingerprint,
        ] {
            // Length-prefixed, so that no two identities make the same bytes.
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part);
        }
        context.finish()
    }
}

/// One identity's entry in `token_cache_dir`.
pub(crate) struct SharedCache {
    dir: dir::CacheDir,
    /// `<id>`, the stem of the entry's files.
    name: String,
    token_name: String,
    lock_name: String,
    key: RandomizedNonceKey,
    /// The magic and the identity's digest: an entry moved to another identity's file
    /// does not decrypt.
    aad: Vec<u8>,
    /// How long a waiter waits for the lock: the longest a login of its own could take.
    lock_wait: Duration,
    /// For the TIMEOUT error of a waiter.
    token_url: String,
}

/// What an entry holds, encrypted: the last login's token, or its failure. Times are
/// milliseconds since the Unix epoch: a wall clock, which every process reads alike.
#[derive(Serialize, Deserialize)]
enum Entry {
    Token {
        session: Session,
        written_ms: u64,
        /// Until when the writer trusts the token; a reader trusts it no longer than
        /// its own `token_ttl_secs` after `written_ms`.
        fresh_until_ms: u64,
    },
    /// A failed login, answered to the processes that come within
    /// [`FAILED_LOGIN_BACKOFF`] of it instead of a login of their own each.
    Failure { error: Error, until_ms: u64 },
}

fn what(found: &Result<(AccessToken, Duration)>) -> &'static str {
    if found.is_ok() {
        "token"
    } else {
        "a failed login"
    }
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl SharedCache {
    /// The entry of `identity` in `dir`, which is created (0700) if missing; CONFIG
    /// naming `token_cache_dir` when it is not a directory of this user's that only
    /// this user can change, or another user could replace it (see [`dir`]). `secret`
    /// is the signing key's signature of [`KEY_LABEL`], from which the entry's key is
    /// derived.
    pub fn open(
        dir: &Path,
        identity: &Identity<'_>,
        secret: &[u8],
        lock_wait: Duration,
    ) -> Result<SharedCache> {
        let dir = dir::CacheDir::open(dir)?;
        let digest = identity.digest();
        let name: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut key_bytes = Zeroizing::new([0u8; 32]);
        hkdf::Salt::new(hkdf::HKDF_SHA256, KEY_SALT)
            .extract(secret)
            .expand(&[digest.as_ref()], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut key_bytes[..]))
            .map_err(|_| Error::config(KEY, "cannot derive the token cache's key"))?;
        let key = RandomizedNonceKey::new(&AES_256_GCM, &key_bytes[..])
            .map_err(|_| Error::config(KEY, "cannot derive the token cache's key"))?;
        let mut aad = MAGIC.to_vec();
        aad.extend_from_slice(digest.as_ref());
        Ok(SharedCache {
            dir,
            token_name: format!("{name}.token"),
            lock_name: format!("{name}.lock"),
            name,
            key,
            aad,
            lock_wait,
            token_url: format!("{}/services/oauth2/token", identity.login_url),
        })
    }

    /// The token in the file while it is fresh (for `ttl` at most), with how long it
    /// stays fresh; else the token of `login`, run under the lock by one process at a
    /// time and written for the others, fresh for `ttl`. A login's failure is written
    /// too, and answered to the processes that come within [`FAILED_LOGIN_BACKOFF`].
    pub fn get_or_login(
        &self,
        ttl: Duration,
        login: impl FnOnce() -> Result<AccessToken>,
    ) -> Result<(AccessToken, Duration)> {
        if let Some(found) = self.read(ttl) {
            event!(
                Trace,
                "{} from the shared cache {}",
                what(&found),
                self.token_path()
            );
            return found;
        }
        let _lock = self.lock()?;
        // Another process may have logged in, or failed to, while this one waited.
        if let Some(found) = self.read(ttl) {
            event!(
                Trace,
                "{} from the shared cache {}, after waiting for another process's login",
                what(&found),
                self.token_path()
            );
            return found;
        }
        event!(Trace, "shared cache miss: {}", self.token_path());
        // What cannot be written is still this process's answer: the cache only saves
        // logins, and the next process to log in tries the write again.
        let now = SystemTime::now();
        match login() {
            Ok(token) => {
                let _ = self.write(&Entry::Token {
                    session: token.session().clone(),
                    written_ms: millis(now),
                    fresh_until_ms: millis(now + ttl),
                });
                Ok((token, ttl))
            }
            Err(error) => {
                let _ = self.write(&Entry::Failure {
                    error: error.clone(),
                    until_ms: millis(SystemTime::now() + FAILED_LOGIN_BACKOFF),
                });
                Err(error)
            }
        }
    }

    /// Deletes the entry if it still holds `stale`: after a 401 with `stale`, without
    /// throwing away the token another process got meanwhile.
    pub fn forget_if(&self, stale: &AccessToken) {
        self.forget_when(|entry| match entry {
            Entry::Token { session, .. } => constant_time::verify_slices_are_equal(
                session.access_token.as_bytes(),
                stale.access_token().as_bytes(),
            )
            .is_ok(),
            Entry::Failure { .. } => false,
        });
    }

    /// Deletes the entry, whichever token or failure it holds.
    pub fn forget(&self) {
        self.forget_when(|_| true);
    }

    /// Best effort: a waiter that cannot get the lock in time leaves the entry, whose
    /// holder is logging in and will replace it.
    fn forget_when(&self, stale: impl FnOnce(&Entry) -> bool) {
        if let Ok(_lock) = self.lock()
            && self.decrypt().is_some_and(|entry| stale(&entry))
        {
            let _ = self.dir.remove(&self.token_name);
        }
    }

    /// The entry's token if it decrypts and is fresh, with its remaining freshness (no
    /// more than `ttl` after it was written), or its recent failure. A token written
    /// "later" than now is not trusted: the clock was stepped back, and its age is
    /// unknown.
    fn read(&self, ttl: Duration) -> Option<Result<(AccessToken, Duration)>> {
        let now = millis(SystemTime::now());
        match self.decrypt()? {
            Entry::Token {
                session,
                written_ms,
                fresh_until_ms,
            } => {
                if written_ms > now {
                    return None;
                }
                let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
                let until = fresh_until_ms.min(written_ms.saturating_add(ttl_ms));
                let remaining = until.checked_sub(now).filter(|&ms| ms > 0)?;
                Some(Ok((
                    AccessToken::from_session(session),
                    Duration::from_millis(remaining),
                )))
            }
            Entry::Failure { error, until_ms } => (now < until_ms).then_some(Err(error)),
        }
    }

    /// The entry, or `None` for a missing, foreign, old, tampered or truncated file.
    fn decrypt(&self) -> Option<Entry> {
        let file = self.dir.open_entry(&self.token_name)?;
        let mut bytes = Zeroizing::new(Vec::with_capacity(1024));
        file.take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        let sealed = bytes.strip_prefix(MAGIC.as_slice())?;
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = Zeroizing::new(ciphertext.to_vec());
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(&self.aad[..]), &mut in_out)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }

    /// Writes the entry, atomically: a reader sees the old entry or the new one.
    fn write(&self, entry: &Entry) -> std::io::Result<()> {
        // Room enough that serializing never reallocates and leaves an unwiped copy.
        let mut in_out = Zeroizing::new(Vec::with_capacity(8192));
        serde_json::to_writer(&mut *in_out, entry)?;
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(&self.aad[..]), &mut *in_out)
            .map_err(|_| std::io::Error::other("cannot encrypt the token"))?;
        let (mut file, temporary) = self.dir.create_temporary(&self.name)?;
        let written = file
            .write_all(MAGIC)
            .and_then(|()| file.write_all(nonce.as_ref()))
            .and_then(|()| file.write_all(&in_out))
            .and_then(|()| self.dir.rename(&temporary, &self.token_name));
        if written.is_err() {
            let _ = self.dir.remove(&temporary);
        }
        written
    }

    fn token_path(&self) -> String {
        self.dir.path().join(&self.token_name).display().to_string()
    }

    fn lock_path(&self) -> String {
        self.dir.path().join(&self.lock_name).display().to_string()
    }

    /// The lock, held until the file is dropped; TIMEOUT once `lock_wait` has passed.
    fn lock(&self) -> Result<LockHeld> {
        let file = self
            .dir
            .open_lock(&self.lock_name)
            .map_err(|e| Error::config(KEY, format!("cannot open {}: {e}", self.lock_path())))?;
        let deadline = Instant::now() + self.lock_wait;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    record_holder(&file);
                    return Ok(LockHeld(file));
                }
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Timeout {
                        url: self.token_url.clone(),
                        reason: match holder(&file) {
                            Some(pid) => format!(
                                "waited {} s for the login of process {pid}, which holds {}: \
                                 if that process is stuck, ending it frees the lock",
                                self.lock_wait.as_secs(),
                                self.lock_path()
                            ),
                            None => format!(
                                "waited {} s for another process's login (it holds {})",
                                self.lock_wait.as_secs(),
                                self.lock_path()
                            ),
                        },
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::config(
                        KEY,
                        format!("cannot lock {}: {e}", self.lock_path()),
                    ));
                }
            }
        }
    }
}

/// The lock, held until dropped. Its file names the holding process only while it is
/// held: emptied before the lock is released, so that a waiter never names a process
/// that is gone.
struct LockHeld(File);

impl Drop for LockHeld {
    fn drop(&mut self) {
        let _ = self.0.set_len(0);
    }
}

/// Writes this process's id into the lock it holds, for the TIMEOUT of a waiter.
fn record_holder(mut file: &File) {
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| write!(file, "{}", std::process::id()));
}

/// The id of the process that holds the lock, if it wrote one (Windows does not let
/// another process read a locked file).
fn holder(mut file: &File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(16).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests;
