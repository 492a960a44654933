// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The shared cache's entries, and the directory under attack: a path swapped after
//! it was checked, links and FIFOs where entries go, parents another user can change.

use std::path::PathBuf;

use super::*;

const TTL: Duration = Duration::from_secs(60);
const SECRET: &[u8] = b"not a real signature, but a secret all the same";

fn identity(subject: &str) -> Identity<'_> {
    Identity {
        login_url: "https://login.example.com",
        issuer: "3MVG9-issuer",
        subject,
        audience: "https://login.salesforce.com",
        key_fingerprint: &[7; 32],
    }
}

fn cache(dir: &Path, subject: &str, secret: &[u8]) -> SharedCache {
    SharedCache::open(dir, &identity(subject), secret, Duration::from_secs(5)).unwrap()
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
    let first = cache(&dir, "etl@example.com", SECRET);
    let (written, ttl) = first
        .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
        .unwrap();
    assert_eq!(ttl, Duration::from_secs(60));
    let second = cache(&dir, "etl@example.com", SECRET);
    let (read, remaining) = second
        .get_or_login(Duration::from_secs(60), || panic!("no login expected"))
        .unwrap();
    assert_eq!(read.access_token(), written.access_token());
    assert_eq!(read.instance_url(), written.instance_url());
    assert_eq!(read.scope(), Some("api"));
    assert!(remaining <= Duration::from_secs(60) && remaining > Duration::from_secs(50));
    let on_disk = std::fs::read(first.dir.path().join(&first.token_name)).unwrap();
    assert!(
        !on_disk.windows(9).any(|w| w == b"SESSION-1"),
        "the token is encrypted on disk"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_key_or_identity_cannot_read_the_entry() {
    let dir = temp_dir("foreign");
    let owner = cache(&dir, "etl@example.com", SECRET);
    owner
        .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
        .unwrap();
    let other_key = cache(&dir, "etl@example.com", b"another signing key");
    assert!(other_key.read(TTL).is_none());
    // An entry copied under another identity's name does not decrypt either.
    let other_user = cache(&dir, "other@example.com", SECRET);
    std::fs::copy(
        owner.dir.path().join(&owner.token_name),
        other_user.dir.path().join(&other_user.token_name),
    )
    .unwrap();
    assert!(other_user.read(TTL).is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn forget_if_leaves_a_newer_token_alone() {
    let dir = temp_dir("forget");
    let cache = cache(&dir, "etl@example.com", SECRET);
    let (first, _) = cache
        .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
        .unwrap();
    cache.forget();
    let (second, _) = cache
        .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-2")))
        .unwrap();
    cache.forget_if(&first);
    assert_eq!(
        cache.read(TTL).unwrap().unwrap().0.access_token(),
        second.access_token()
    );
    cache.forget_if(&second);
    assert!(cache.read(TTL).is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A token entry written at `written` (an offset from now), trusted by its writer for
/// `writer_ttl`.
fn write_token(cache: &SharedCache, written: i64, writer_ttl: Duration) {
    let now = SystemTime::now();
    let written = if written < 0 {
        now - Duration::from_secs(written.unsigned_abs())
    } else {
        now + Duration::from_secs(written.unsigned_abs())
    };
    cache
        .write(&Entry::Token {
            session: token("SESSION-1").session().clone(),
            written_ms: millis(written),
            fresh_until_ms: millis(written + writer_ttl),
        })
        .unwrap();
}

#[test]
fn an_expired_entry_is_not_used() {
    let dir = temp_dir("expired");
    let cache = cache(&dir, "etl@example.com", SECRET);
    write_token(&cache, -61, TTL);
    assert!(cache.read(TTL).is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_trusts_an_entry_no_longer_than_its_own_ttl() {
    let dir = temp_dir("reader-ttl");
    let cache = cache(&dir, "etl@example.com", SECRET);
    write_token(&cache, -10, Duration::from_secs(3600));
    let (_, remaining) = cache.read(TTL).unwrap().unwrap();
    assert!(remaining <= TTL - Duration::from_secs(10), "{remaining:?}");
    write_token(&cache, -61, Duration::from_secs(3600));
    assert!(cache.read(TTL).is_none(), "older than this reader's ttl");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_entry_written_after_now_is_not_trusted_after_the_clock_steps_back() {
    let dir = temp_dir("clock-back");
    let cache = cache(&dir, "etl@example.com", SECRET);
    write_token(&cache, 600, TTL);
    assert!(cache.read(TTL).is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn outage() -> Error {
    Error::Network {
        url: "https://login.example.com/services/oauth2/token".to_owned(),
        reason: "connection refused".to_owned(),
    }
}

#[test]
fn a_failed_login_is_answered_to_the_other_processes_until_its_back_off_ends() {
    let dir = temp_dir("failure");
    let first = cache(&dir, "etl@example.com", SECRET);
    let second = cache(&dir, "etl@example.com", SECRET);
    assert!(first.get_or_login(TTL, || Err(outage())).is_err());
    let answered = second
        .get_or_login(TTL, || panic!("no login of its own within the back-off"))
        .err()
        .map(|e| e.to_string());
    assert_eq!(answered, Some(outage().to_string()));
    std::thread::sleep(FAILED_LOGIN_BACKOFF + Duration::from_millis(50));
    let (token, _) = second.get_or_login(TTL, || Ok(token("SESSION-2"))).unwrap();
    assert_eq!(token.access_token(), "SESSION-2");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_process_that_waited_for_a_failing_login_gets_its_failure() {
    let dir = temp_dir("wait-failure");
    let first = &cache(&dir, "etl@example.com", SECRET);
    let second = cache(&dir, "etl@example.com", SECRET);
    let (locked, holding) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            first.get_or_login(TTL, || {
                locked.send(()).unwrap();
                released.recv().unwrap();
                Err(outage())
            })
        });
        holding.recv().unwrap();
        let waiter = scope.spawn(|| second.get_or_login(TTL, || panic!("a second login")));
        // The waiter is waiting for the lock (or about to): the login fails now.
        release.send(()).unwrap();
        let answered = waiter.join().unwrap().err().map(|e| e.code());
        assert_eq!(answered, Some(crate::ErrorCode::Network));
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_waiter_that_times_out_names_the_process_holding_the_lock() {
    let dir = temp_dir("stuck");
    let holder = cache(&dir, "etl@example.com", SECRET);
    let waiter = SharedCache::open(
        &dir,
        &identity("etl@example.com"),
        SECRET,
        Duration::from_millis(100),
    )
    .unwrap();
    let _held = holder.lock().unwrap();
    let timed_out = waiter
        .get_or_login(TTL, || panic!("no login without the lock"))
        .expect_err("TIMEOUT");
    assert_eq!(timed_out.code(), crate::ErrorCode::Timeout);
    let text = timed_out.to_string();
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn the_directory_and_files_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("modes").join("nested");
    let cache = cache(&dir, "etl@example.com", SECRET);
    cache
        .get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(&cache.token_name)), 0o600);
    assert_eq!(mode(&dir.join(&cache.lock_name)), 0o600);

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
    let refused = SharedCache::open(
        &dir,
        &identity("etl@example.com"),
        SECRET,
        Duration::from_secs(1),
    )
    .err()
    .unwrap();
    assert_eq!(refused.config_key(), Some(KEY));
    assert!(refused.to_string().contains("chmod 700"), "{refused}");
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

/// Everything below: what a local user who can write somewhere on the path tries.
#[cfg(unix)]
mod hostile {
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::process::Command;

    use super::*;
    use crate::error::ErrorCode;

    fn base(name: &str) -> PathBuf {
        let base = temp_dir(name);
        std::fs::create_dir_all(&base).unwrap();
        base
    }

    fn login_ok(cache: &SharedCache) -> Result<(AccessToken, Duration)> {
        cache.get_or_login(Duration::from_secs(60), || Ok(token("SESSION-1")))
    }

    fn refusal(dir: &Path) -> Error {
        SharedCache::open(
            dir,
            &identity("etl@example.com"),
            SECRET,
            Duration::from_secs(1),
        )
        .err()
        .expect("refused")
    }

    /// Another local user (nobody), for the tests that need two; they run as root in CI.
    fn as_another_user(script: &str) -> Option<()> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: needs root to act as a second user");
            return None;
        }
        let status = Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "sh",
                "-c",
                script,
            ])
            .status()
            .expect("setpriv runs");
        assert!(status.success(), "{script}");
        Some(())
    }

    #[test]
    fn a_directory_swapped_after_it_was_opened_changes_nothing() {
        let base = base("swap");
        let decoy = base.join("decoy");
        std::fs::create_dir(&decoy).unwrap();
        let path = base.join("tokens");
        let cache = cache(&path, "etl@example.com", SECRET);
        std::fs::rename(&path, base.join("moved")).unwrap();
        symlink(&decoy, &path).unwrap();
        login_ok(&cache).unwrap();
        assert_eq!(
            std::fs::read_dir(&decoy).unwrap().count(),
            0,
            "nothing in the decoy"
        );
        assert!(base.join("moved").join(&cache.token_name).is_file());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_parent_that_every_user_can_change_is_refused() {
        let base = base("open-parent");
        let shared = base.join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let refused = refusal(&shared.join("tokens"));
        assert_eq!(refused.config_key(), Some(KEY));
        let text = refused.to_string();
        assert!(
            text.contains("every user (mode 777)") && text.contains("shared"),
            "{text}"
        );
        // A sticky one (like /tmp) is fine: others cannot rename what is not theirs.
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        login_ok(&cache(&shared.join("tokens"), "etl@example.com", SECRET)).unwrap();
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_temporary_file_planted_as_a_link_is_not_written_through() {
        let base = base("tmp-link");
        let victim = base.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = base.join("tokens");
        let cache = cache(&path, "etl@example.com", SECRET);
        // The name the temporary file had: <id>.<pid>.tmp.
        let guessed = path.join(format!("{}.{}.tmp", cache.name, std::process::id()));
        symlink(&victim, guessed).unwrap();
        symlink(&victim, path.join(&cache.token_name)).unwrap();
        login_ok(&cache).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let entry = std::fs::symlink_metadata(path.join(&cache.token_name)).unwrap();
        assert!(entry.is_file(), "the link was replaced by the entry");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_fifo_in_place_of_the_entry_does_not_block() {
        let base = base("fifo");
        let path = base.join("tokens");
        let cache = cache(&path, "etl@example.com", SECRET);
        let fifo = std::ffi::CString::new(
            path.join(&cache.token_name)
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: `fifo` is NUL-terminated.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let (done, outcome) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(login_ok(&cache).map(|(t, _)| t.access_token().to_owned()));
        });
        // A guard against a hang only.
        let got = outcome
            .recv_timeout(Duration::from_secs(30))
            .expect("get_or_login returned instead of blocking on the FIFO");
        assert_eq!(got.unwrap(), "SESSION-1");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_lock_file_planted_as_a_link_is_refused_and_not_opened() {
        let base = base("lock-link");
        let victim = base.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = base.join("tokens");
        let cache = cache(&path, "etl@example.com", SECRET);
        symlink(&victim, path.join(&cache.lock_name)).unwrap();
        let refused = login_ok(&cache).expect_err("refused");
        assert_eq!(refused.code(), ErrorCode::Config);
        assert!(refused.to_string().contains(&cache.lock_name), "{refused}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_link_another_user_planted_in_a_sticky_directory_is_not_followed() {
        let base = base("planted");
        let sticky = base.join("sticky");
        std::fs::create_dir(&sticky).unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&sticky, std::fs::Permissions::from_mode(0o1777)).unwrap();
        // A directory of this user's that the link would lead the job to write into.
        let victim = base.join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o700)).unwrap();
        let script = format!("ln -s {} {}/tokens", victim.display(), sticky.display());
        if as_another_user(&script).is_none() {
            return;
        }
        let refused = refusal(&sticky.join("tokens"));
        assert_eq!(refused.config_key(), Some(KEY));
        assert!(
            refused
                .to_string()
                .contains("symbolic link of user id 65534"),
            "{refused}"
        );
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_parent_or_a_lock_file_of_another_user_is_refused() {
        let base = base("foreign-parent");
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        let theirs = base.join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).unwrap();
        let script = format!("touch {}/held.lock", theirs.display());
        let chowned = |path: &Path| {
            let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: `c` is NUL-terminated; chown has no other precondition.
            assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
        };
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o777)).unwrap();
        if as_another_user(&script).is_none() {
            return;
        }
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).unwrap();
        chowned(&theirs);
        let refused = refusal(&theirs.join("tokens"));
        assert!(
            refused.to_string().contains("belongs to user id 65534"),
            "{refused}"
        );

        // A lock file another user made (and could hold) in the job's own directory.
        let path = base.join("tokens");
        let cache = cache(&path, "etl@example.com", SECRET);
        std::fs::rename(theirs.join("held.lock"), path.join(&cache.lock_name)).unwrap();
        let refused = login_ok(&cache).expect_err("refused");
        assert_eq!(refused.code(), ErrorCode::Config);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
