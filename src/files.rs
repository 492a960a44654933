// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Files that hold secrets (keystores, password files, `.properties` files with a
//! password): read with a size cap into memory that is wiped, and checked for
//! permissions that let other users read them.

use std::io::{self, Read};
use std::path::Path;

use zeroize::Zeroizing;

/// The largest keystore, password or `.properties` file read. Real ones are a few
/// kilobytes; the cap keeps a wrong path (a disk image, /dev/zero) from exhausting memory.
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The whole file, or `Ok(None)` when it is larger than [`MAX_SECRET_FILE_BYTES`]. The
/// buffer is allocated at the file's size up front so that growing it leaves no
/// unwiped copy behind, and it is wiped when dropped.
pub(crate) fn read_capped(path: &Path) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let file = std::fs::File::open(path)?;
    let size = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_SECRET_FILE_BYTES);
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        usize::try_from(size).unwrap_or(0).saturating_add(1),
    ));
    file.take(MAX_SECRET_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_SECRET_FILE_BYTES).then_some(bytes))
}

/// A warning when `what` at `path`, which holds a secret, can be read by users other
/// than its owner.
pub(crate) fn readable_by_others(what: &str, path: &Path) -> Option<String> {
    let mode = mode(path)?;
    (mode & 0o044 != 0).then(|| {
        format!(
            "{what} {} can be read by {} (mode {:o}): run chmod 600 on it",
            path.display(),
            if mode & 0o004 != 0 {
                "every user"
            } else {
                "its group"
            },
            mode & 0o777
        )
    })
}

/// A warning when `what` at `path`, which decides whom sfjwt trusts, can be changed by
/// users other than its owner and group.
pub(crate) fn writable_by_others(what: &str, path: &Path) -> Option<String> {
    let mode = mode(path)?;
    (mode & 0o002 != 0).then(|| {
        format!(
            "{what} {} can be changed by every user (mode {:o}): run chmod o-w on it",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(unix)]
fn mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode())
}

/// Windows grants access by ACL, which file modes do not describe.
#[cfg(not(unix))]
fn mode(_path: &Path) -> Option<u32> {
    None
}
