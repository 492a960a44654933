// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The cross-process token cache (`token_cache_dir`): one login per identity and TTL
//! for every process on the machine (Spark workers, job JVMs, a multiprocessing pool).
//!
//! One file per identity, `<id>.token`, written atomically and readable only by its
//! owner, holds the token encrypted and authenticated with AES-256-GCM under a key
//! derived (HKDF-SHA256) from the signing private key: only a process holding that
//! key can read an entry or forge one. Anything else found there (tampered, truncated,
//! foreign, of another format) is ignored and replaced.
//!
//! Single flight across processes: `<id>.lock`, locked with the operating system's
//! file lock (`flock` on Unix, `LockFileEx` on Windows), which the OS releases when its
//! holder dies. The process that holds it logs in and writes the file; the others wait
//! for the lock, up to the longest time a login of their own could take, and read it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::{constant_time, digest, hkdf};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::events::event;
use crate::oauth::{AccessToken, Session};

/// The first bytes of an entry; another value is another (older) format, ignored.
const MAGIC: &[u8; 8] = b"SFJWTTC1";
/// Entries are a few hundred bytes; a larger file is not one.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
/// How often a waiter tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(20);
const KEY_SALT: &[u8] = b"sfjwt token cache v1";
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
    token_path: PathBuf,
    lock_path: PathBuf,
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
    /// this user can change. `pkcs8` is the signing key, from which the entry's key
    /// is derived.
    pub fn open(
        dir: &Path,
        identity: &Identity<'_>,
        pkcs8: &[u8],
        lock_wait: Duration,
    ) -> Result<SharedCache> {
        prepare_dir(dir)?;
        let digest = identity.digest();
        let name: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut key_bytes = Zeroizing::new([0u8; 32]);
        hkdf::Salt::new(hkdf::HKDF_SHA256, KEY_SALT)
            .extract(pkcs8)
            .expand(&[digest.as_ref()], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut key_bytes[..]))
            .map_err(|_| Error::config(KEY, "cannot derive the token cache's key"))?;
        let key = RandomizedNonceKey::new(&AES_256_GCM, &key_bytes[..])
            .map_err(|_| Error::config(KEY, "cannot derive the token cache's key"))?;
        let mut aad = MAGIC.to_vec();
        aad.extend_from_slice(digest.as_ref());
        Ok(SharedCache {
            token_path: dir.join(format!("{name}.token")),
            lock_path: dir.join(format!("{name}.lock")),
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
            event!(
                Trace,
                "token from the shared cache {}",
                self.token_path.display()
            );
            return Ok(found);
        }
        let _lock = self.lock()?;
        // Another process may have logged in while this one waited.
        if let Some(found) = self.read() {
            event!(
                Trace,
                "token from the shared cache {}, after waiting for another process's login",
                self.token_path.display()
            );
            return Ok(found);
        }
        event!(Trace, "shared cache miss: {}", self.token_path.display());
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
            let _ = std::fs::remove_file(&self.token_path);
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
        let file = File::open(&self.token_path).ok()?;
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
        // Under the lock, so that one writer at a time uses the temporary name.
        let temporary = self
            .token_path
            .with_extension(format!("{}.tmp", std::process::id()));
        let mut file = owner_only(OpenOptions::new().write(true).create(true).truncate(true))
            .open(&temporary)?;
        let written = file
            .write_all(MAGIC)
            .and_then(|()| file.write_all(nonce.as_ref()))
            .and_then(|()| file.write_all(&in_out))
            .and_then(|()| std::fs::rename(&temporary, &self.token_path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }

    /// The lock, held until the file is dropped; TIMEOUT once `lock_wait` has passed.
    fn lock(&self) -> Result<File> {
        let file = owner_only(OpenOptions::new().write(true).create(true))
            .open(&self.lock_path)
            .map_err(|e| {
                Error::config(
                    KEY,
                    format!("cannot open {}: {e}", self.lock_path.display()),
                )
            })?;
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
                            self.lock_path.display()
                        ),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::config(
                        KEY,
                        format!("cannot lock {}: {e}", self.lock_path.display()),
                    ));
                }
            }
        }
    }
}

#[cfg(unix)]
fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(0o600)
}

#[cfg(not(unix))]
fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    options
}

/// Creates the directory (0700) if missing; refuses one that another user owns or
/// that its group or other users can change, where they could replace entries or
/// hold the lock.
#[cfg(unix)]
fn prepare_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let unusable = |why: String| Error::config(KEY, format!("{}: {why}", dir.display()));
    if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(unusable("not a directory".to_owned()));
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| unusable(format!("cannot create it: {e}")))?;
    let metadata = std::fs::metadata(dir).map_err(|e| unusable(e.to_string()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    if metadata.uid() != user {
        return Err(unusable(format!(
            "belongs to user id {}, not to this user ({user}); use a directory of your own",
            metadata.uid()
        )));
    }
    let mode = metadata.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(unusable(format!(
            "can be changed by {} (mode {mode:o}): run chmod 700 on it",
            if mode & 0o002 != 0 {
                "every user"
            } else {
                "its group"
            }
        )));
    }
    Ok(())
}

/// Windows grants access by ACL: a directory under the user's profile is the user's.
#[cfg(not(unix))]
fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::config(KEY, format!("{}: cannot create it: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKCS8: &[u8] = b"not a real key, but key material all the same";

    fn identity(subject: &str) -> Identity<'_> {
        Identity {
            login_url: "https://login.example.com",
            issuer: "3MVG9-issuer",
            subject,
            audience: "https://login.salesforce.com",
            key_fingerprint: &[7; 32],
        }
    }

    fn cache(dir: &Path, subject: &str, pkcs8: &[u8]) -> SharedCache {
        SharedCache::open(dir, &identity(subject), pkcs8, Duration::from_secs(5)).unwrap()
    }

    fn token(secret: &str) -> AccessToken {
        AccessToken::from_session(Session {
            access_token: Zeroizing::new(secret.to_owned()),
            instance_url: "https://acme.my.salesforce.com".to_owned(),
            id: "https://login.example.com/id/00D/005".to_owned(),
            token_type: "Bearer".to_owned(),
            scope: Some("api".to_owned()),
            issued_at: None,
        })
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sfjwt-shared-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_token_written_by_one_cache_is_read_by_another_of_the_same_identity() {
        let dir = temp_dir("roundtrip");
        let first = cache(&dir, "etl@example.com", PKCS8);
        let (written, ttl) = first
            .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
            .unwrap();
        assert_eq!(ttl, Duration::from_secs(60));
        let second = cache(&dir, "etl@example.com", PKCS8);
        let (read, remaining) = second
            .get_or_login(Duration::from_secs(60), || panic!("no login expected"))
            .unwrap();
        assert_eq!(read.access_token(), written.access_token());
        assert_eq!(read.instance_url(), written.instance_url());
        assert_eq!(read.scope(), Some("api"));
        assert!(remaining <= Duration::from_secs(60) && remaining > Duration::from_secs(50));
        let on_disk = std::fs::read(&first.token_path).unwrap();
        assert!(
            !on_disk.windows(9).any(|w| w == b"SESSION-1"),
            "the token is encrypted on disk"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_key_or_identity_cannot_read_the_entry() {
        let dir = temp_dir("foreign");
        let owner = cache(&dir, "etl@example.com", PKCS8);
        owner
            .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
            .unwrap();
        let other_key = cache(&dir, "etl@example.com", b"another signing key");
        assert!(other_key.read().is_none());
        // An entry copied under another identity's name does not decrypt either.
        let other_user = cache(&dir, "other@example.com", PKCS8);
        std::fs::copy(&owner.token_path, &other_user.token_path).unwrap();
        assert!(other_user.read().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn forget_if_leaves_a_newer_token_alone() {
        let dir = temp_dir("forget");
        let cache = cache(&dir, "etl@example.com", PKCS8);
        let (first, _) = cache
            .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
            .unwrap();
        cache.forget();
        let (second, _) = cache
            .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-2")))
            .unwrap();
        cache.forget_if(&first);
        assert_eq!(
            cache.read().unwrap().0.access_token(),
            second.access_token()
        );
        cache.forget_if(&second);
        assert!(cache.read().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_expired_entry_is_not_used() {
        let dir = temp_dir("expired");
        let cache = cache(&dir, "etl@example.com", PKCS8);
        cache
            .write(
                &token("SESSION-1"),
                SystemTime::now() - Duration::from_secs(1),
            )
            .unwrap();
        assert!(cache.read().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_and_files_are_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("modes").join("nested");
        let cache = cache(&dir, "etl@example.com", PKCS8);
        cache
            .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&cache.token_path), 0o600);
        assert_eq!(mode(&cache.lock_path), 0o600);

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
        let refused = SharedCache::open(
            &dir,
            &identity("etl@example.com"),
            PKCS8,
            Duration::from_secs(1),
        )
        .err()
        .unwrap();
        assert_eq!(refused.config_key(), Some(KEY));
        assert!(refused.to_string().contains("chmod 700"), "{refused}");
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
