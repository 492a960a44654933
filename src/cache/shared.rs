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
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::{constant_time, digest, hkdf};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

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

/// What an entry holds, encrypted.
#[derive(Serialize, Deserialize)]
struct Entry {
    session: Session,
    /// Until when the token is trusted, in milliseconds since the Unix epoch: a wall
    /// clock, which every process reads alike.
    fresh_until_ms: u64,
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

    /// The token in the file while it is fresh, with how long it stays fresh; else the
    /// token of `login`, run under the lock by one process at a time and written for
    /// the others, fresh for `ttl`.
    pub fn get_or_login(
        &self,
        ttl: Duration,
        login: impl FnOnce() -> Result<AccessToken>,
    ) -> Result<(AccessToken, Duration)> {
        if let Some(found) = self.read() {
            event!(Trace, "token from the shared cache {}", self.token_path());
            return Ok(found);
        }
        let _lock = self.lock()?;
        // Another process may have logged in while this one waited.
        if let Some(found) = self.read() {
            event!(
                Trace,
                "token from the shared cache {}, after waiting for another process's login",
                self.token_path()
            );
            return Ok(found);
        }
        event!(Trace, "shared cache miss: {}", self.token_path());
        let token = login()?;
        // A token that cannot be written is still good for this process: the cache only
        // saves logins, and the next process to log in tries the write again.
        let _ = self.write(&token, SystemTime::now() + ttl);
        Ok((token, ttl))
    }

    /// Deletes the entry if it still holds `stale`: after a 401 with `stale`, without
    /// throwing away the token another process got meanwhile.
    pub fn forget_if(&self, stale: &AccessToken) {
        self.forget_when(|entry| {
            constant_time::verify_slices_are_equal(
                entry.session.access_token.as_bytes(),
                stale.access_token().as_bytes(),
            )
            .is_ok()
        });
    }

    /// Deletes the entry, whichever token it holds.
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

    /// The entry's token if it decrypts and is fresh, with its remaining freshness.
    fn read(&self) -> Option<(AccessToken, Duration)> {
        let entry = self.decrypt()?;
        let fresh_until = UNIX_EPOCH + Duration::from_millis(entry.fresh_until_ms);
        let remaining = fresh_until.duration_since(SystemTime::now()).ok()?;
        Some((AccessToken::from_session(entry.session), remaining))
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

    /// Writes the token, atomically: a reader sees the old entry or the new one.
    fn write(&self, token: &AccessToken, fresh_until: SystemTime) -> std::io::Result<()> {
        let entry = Entry {
            session: token.session().clone(),
            fresh_until_ms: fresh_until
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        };
        // Room enough that serializing never reallocates and leaves an unwiped copy.
        let mut in_out = Zeroizing::new(Vec::with_capacity(8192));
        serde_json::to_writer(&mut *in_out, &entry)?;
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
    fn lock(&self) -> Result<File> {
        let file = self
            .dir
            .open_lock(&self.lock_name)
            .map_err(|e| Error::config(KEY, format!("cannot open {}: {e}", self.lock_path())))?;

        let deadline = Instant::now() + self.lock_wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Timeout {
                        url: self.token_url.clone(),
                        reason: format!(
                            "waited {} s for another process's login (it holds {})",
                            self.lock_wait.as_secs(),
                            self.lock_path()
                        ),
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

#[cfg(test)]
mod tests;
