// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `token_cache_dir`, opened once and then used only through its handle.
//!
//! On Unix every component of the path is opened in turn without following a
//! symbolic link that another user could have planted, and checked: each ancestor
//! belongs to root or this user and no one else can change it (a sticky directory
//! such as /tmp excepted, where others cannot rename or delete what is not theirs),
//! and the directory itself is this user's alone. Every later operation is relative
//! to the directory's handle, so that swapping the path afterwards changes nothing;
//! files are opened without following links, without blocking on a FIFO, and only
//! when they are regular files of this user's; temporary files have unguessable
//! names and are created exclusively.
//!
//! On Windows access is decided by ACLs, which sfjwt does not check: the README says
//! to keep the directory under the user's own profile.

use std::io;

const KEY: &str = "token_cache_dir";

/// An unguessable suffix for a temporary file's name.
fn random_suffix() -> io::Result<String> {
    let mut bytes = [0u8; 12];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| io::Error::other("no random bytes"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
pub(super) use unix::CacheDir;

#[cfg(not(unix))]
pub(super) use portable::CacheDir;

#[cfg(unix)]
mod unix {
    use std::collections::VecDeque;
    use std::ffi::{CStr, CString, OsStr, OsString};
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::{Component, Path, PathBuf};

    use super::{KEY, random_suffix};
    use crate::error::{Error, Result};

    /// How many symbolic links a path may go through, as Linux's own limit.
    const MAX_LINKS: usize = 40;

    /// The directory, by handle; `path` only for messages.
    pub(in crate::cache) struct CacheDir {
        fd: OwnedFd,
        path: PathBuf,
    }

    fn c_name(name: &OsStr) -> io::Result<CString> {
        CString::new(name.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    }

    fn cvt(result: libc::c_int) -> io::Result<libc::c_int> {
        if result < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(result)
        }
    }

    fn open_at(dir: libc::c_int, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
        // SAFETY: `name` is NUL-terminated; the mode is read only with O_CREAT, and
        // then is the owner-only mode. A non-negative result is a new descriptor that
        // nothing else owns.
        let fd = cvt(unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC, 0o600) })?;
        // SAFETY: see above.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    fn stat_of(fd: &OwnedFd) -> io::Result<libc::stat> {
        // SAFETY: an all-zero `stat` is a valid value for fstat to overwrite.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open; `stat` is a valid out-pointer.
        cvt(unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) })?;
        Ok(stat)
    }

    fn is(stat: &libc::stat, kind: libc::mode_t) -> bool {
        stat.st_mode & libc::S_IFMT == kind
    }

    fn this_user() -> libc::uid_t {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    impl CacheDir {
        /// Opens the directory, creating what is missing (0700); CONFIG naming
        /// `token_cache_dir` when a component is not safe to trust.
        pub fn open(path: &Path) -> Result<CacheDir> {
            let unusable = |why: String| Error::config(KEY, format!("{}: {why}", path.display()));
            let absolute = std::path::absolute(path).map_err(|e| unusable(e.to_string()))?;
            let user = this_user();
            let root = c"/";
            let mut fd = open_at(libc::AT_FDCWD, root, libc::O_DIRECTORY | libc::O_RDONLY)
                .map_err(|e| unusable(e.to_string()))?;
            let mut walked = PathBuf::from("/");
            let mut pending: VecDeque<OsString> = names(&absolute);
            let mut links = 0;
            while let Some(name) = pending.pop_front() {
                let last = pending.is_empty();
                let c = c_name(&name).map_err(|_| unusable("a NUL byte in the path".into()))?;
                let flags = libc::O_DIRECTORY | libc::O_RDONLY | libc::O_NOFOLLOW;
                let next = match open_at(fd.as_raw_fd(), &c, flags) {
                    Ok(next) => next,
                    Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                        // SAFETY: `fd` is an open directory; `c` is NUL-terminated.
                        let made = cvt(unsafe { libc::mkdirat(fd.as_raw_fd(), c.as_ptr(), 0o700) });
                        match made {
                            // Another process may have made it meanwhile.
                            Err(e) if e.raw_os_error() != Some(libc::EEXIST) => {
                                return Err(unusable(format!(
                                    "cannot create {}: {e}",
                                    walked.join(&name).display()
                                )));
                            }
                            _ => {}
                        }
                        open_at(fd.as_raw_fd(), &c, flags).map_err(|e| {
                            unusable(format!("{}: {e}", walked.join(&name).display()))
                        })?
                    }
                    Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
                        let target = trusted_link(&fd, &c, user).map_err(|why| {
                            unusable(format!("{}: {why}", walked.join(&name).display()))
                        })?;
                        links += 1;
                        if links > MAX_LINKS {
                            return Err(unusable("too many symbolic links".into()));
                        }
                        let target = PathBuf::from(target);
                        for part in names(&target).into_iter().rev() {
                            pending.push_front(part);
                        }
                        if target.is_absolute() {
                            fd = open_at(libc::AT_FDCWD, root, libc::O_DIRECTORY | libc::O_RDONLY)
                                .map_err(|e| unusable(e.to_string()))?;
                            walked = PathBuf::from("/");
                        }
                        continue;
                    }
                    Err(e) => {
                        return Err(unusable(format!("{}: {e}", walked.join(&name).display())));
                    }
                };
                walked.push(&name);
                let stat = stat_of(&next).map_err(|e| unusable(e.to_string()))?;
                if last {
                    check_own(&stat, user).map_err(unusable)?;
                } else {
                    check_ancestor(&stat, user)
                        .map_err(|why| unusable(format!("{}: {why}", walked.display())))?;
                }
                fd = next;
            }
            if walked == Path::new("/") {
                return Err(unusable(
                    "the root directory cannot be a token cache".into(),
                ));
            }
            Ok(CacheDir { fd, path: absolute })
        }

        pub fn path(&self) -> &Path {
            &self.path
        }

        /// The regular file `name` of this user's, for reading; `None` when there is
        /// none, or something else (a link, a FIFO, another user's file) is there.
        pub fn open_entry(&self, name: &str) -> Option<File> {
            let c = c_name(OsStr::new(name)).ok()?;
            let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK;
            let fd = open_at(self.fd.as_raw_fd(), &c, flags).ok()?;
            own_regular(&fd).ok()?;
            Some(File::from(fd))
        }

        /// The lock file `name`, created (0600) if missing; an error if a link or
        /// anything but this user's regular file is there.
        pub fn open_lock(&self, name: &str) -> io::Result<File> {
            let c = c_name(OsStr::new(name))?;
            let flags = libc::O_RDWR | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_NONBLOCK;
            let fd = open_at(self.fd.as_raw_fd(), &c, flags)?;
            own_regular(&fd)?;
            Ok(File::from(fd))
        }

        /// A new file (0600) named `<prefix>.<random>.tmp`, which did not exist.
        pub fn create_temporary(&self, prefix: &str) -> io::Result<(File, String)> {
            let name = format!("{prefix}.{}.tmp", random_suffix()?);
            let c = c_name(OsStr::new(&name))?;
            let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
            let fd = open_at(self.fd.as_raw_fd(), &c, flags)?;
            Ok((File::from(fd), name))
        }

        /// Renames `from` to `to` within the directory, replacing `to`.
        pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
            let (from, to) = (c_name(OsStr::new(from))?, c_name(OsStr::new(to))?);
            let dir = self.fd.as_raw_fd();
            // SAFETY: both names are NUL-terminated and `dir` is open.
            cvt(unsafe { libc::renameat(dir, from.as_ptr(), dir, to.as_ptr()) }).map(drop)
        }

        pub fn remove(&self, name: &str) -> io::Result<()> {
            let c = c_name(OsStr::new(name))?;
            // SAFETY: `c` is NUL-terminated and the directory is open.
            cvt(unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) }).map(drop)
        }
    }

    /// The path's names in order; `/` and `.` add nothing.
    fn names(path: &Path) -> VecDeque<OsString> {
        path.components()
            .filter_map(|c| match c {
                Component::Normal(name) => Some(name.to_owned()),
                Component::ParentDir => Some(OsString::from("..")),
                Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
            })
            .collect()
    }

    /// Where the symbolic link `name` in `dir` points, if root or this user made it:
    /// only they could have, in a directory that passed [`check_ancestor`], except in
    /// a sticky one, where anyone may plant a link.
    fn trusted_link(
        dir: &OwnedFd,
        name: &CStr,
        user: libc::uid_t,
    ) -> std::result::Result<OsString, String> {
        // SAFETY: an all-zero `stat` is a valid value for fstatat to overwrite.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `dir` is open, `name` NUL-terminated, `stat` a valid out-pointer.
        cvt(unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                name.as_ptr(),
                &mut stat,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        })
        .map_err(|e| e.to_string())?;
        if !is(&stat, libc::S_IFLNK) {
            return Err("not a directory".into());
        }
        if stat.st_uid != 0 && stat.st_uid != user {
            return Err(format!(
                "a symbolic link of user id {}, not followed: use a directory of your own",
                stat.st_uid
            ));
        }
        let mut target = vec![0u8; libc::PATH_MAX as usize];
        // SAFETY: `target` has room for `target.len()` bytes; readlinkat writes at most that.
        let length = unsafe {
            libc::readlinkat(
                dir.as_raw_fd(),
                name.as_ptr(),
                target.as_mut_ptr().cast(),
                target.len(),
            )
        };
        let length = usize::try_from(length).map_err(|_| io::Error::last_os_error().to_string())?;
        target.truncate(length);
        Ok(OsString::from_vec(target))
    }

    /// An ancestor: root's or this user's, and no one else can rename what it holds.
    fn check_ancestor(stat: &libc::stat, user: libc::uid_t) -> std::result::Result<(), String> {
        if stat.st_uid != 0 && stat.st_uid != user {
            return Err(format!(
                "belongs to user id {}, who could replace the token cache; use a directory whose parents only root or you can change",
                stat.st_uid
            ));
        }
        let mode = stat.st_mode & 0o7777;
        if mode & 0o022 != 0 && mode & libc::S_ISVTX as libc::mode_t == 0 {
            return Err(format!(
                "can be changed by {} (mode {:o}), who could replace the token cache; use a directory whose parents only root or you can change",
                writers(mode),
                mode & 0o777
            ));
        }
        Ok(())
    }

    /// The directory itself: this user's, and only this user can change it.
    fn check_own(stat: &libc::stat, user: libc::uid_t) -> std::result::Result<(), String> {
        if stat.st_uid != user {
            return Err(format!(
                "belongs to user id {}, not to this user ({user}); use a directory of your own",
                stat.st_uid
            ));
        }
        let mode = stat.st_mode & 0o777;
        if mode & 0o022 != 0 {
            return Err(format!(
                "can be changed by {} (mode {mode:o}): run chmod 700 on it",
                writers(mode)
            ));
        }
        Ok(())
    }

    fn writers(mode: libc::mode_t) -> &'static str {
        if mode & 0o002 != 0 {
            "every user"
        } else {
            "its group"
        }
    }

    fn own_regular(fd: &OwnedFd) -> io::Result<()> {
        let stat = stat_of(fd)?;
        if !is(&stat, libc::S_IFREG) || stat.st_uid != this_user() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "not a regular file of this user's",
            ));
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod portable {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::path::{Path, PathBuf};

    use super::{KEY, random_suffix};
    use crate::error::{Error, Result};

    /// The directory, by path.
    pub(in crate::cache) struct CacheDir {
        path: PathBuf,
    }

    impl CacheDir {
        pub fn open(path: &Path) -> Result<CacheDir> {
            std::fs::create_dir_all(path).map_err(|e| {
                Error::config(KEY, format!("{}: cannot create it: {e}", path.display()))
            })?;
            Ok(CacheDir {
                path: path.to_owned(),
            })
        }

        pub fn path(&self) -> &Path {
            &self.path
        }

        pub fn open_entry(&self, name: &str) -> Option<File> {
            let file = File::open(self.path.join(name)).ok()?;
            file.metadata().ok()?.is_file().then_some(file)
        }

        pub fn open_lock(&self, name: &str) -> io::Result<File> {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(self.path.join(name))
        }

        pub fn create_temporary(&self, prefix: &str) -> io::Result<(File, String)> {
            let name = format!("{prefix}.{}.tmp", random_suffix()?);
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.path.join(&name))?;
            Ok((file, name))
        }

        pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
            std::fs::rename(self.path.join(from), self.path.join(to))
        }

        pub fn remove(&self, name: &str) -> io::Result<()> {
            std::fs::remove_file(self.path.join(name))
        }
    }
}
