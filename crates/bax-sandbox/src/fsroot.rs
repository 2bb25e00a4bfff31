//! File access inside an instance's root from the host, without ever leaving it.
//!
//! The instance root is a host directory the app controls: it can plant symlinks
//! (`/app/db.sqlite3 -> /etc/shadow`) hoping that a host-side read or write
//! follows them. Every path is therefore resolved with `openat2(2)` and
//! `RESOLVE_IN_ROOT`, which makes the kernel treat the instance root as `/` for
//! the whole walk (absolute symlinks and `..` stay inside it), and with
//! `RESOLVE_NO_MAGICLINKS` (no `/proc/self/fd` tricks).

use std::ffi::CString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

fn openat2(dir: &OwnedFd, path: &Path, flags: i32, mode: u32) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let flags = OFlags::from_bits_retain((flags | libc::O_CLOEXEC) as u32);
    let mode = if flags.contains(OFlags::CREATE) {
        Mode::from_bits_retain(mode)
    } else {
        Mode::empty()
    };
    Ok(rustix::fs::openat2(
        dir,
        path,
        flags,
        mode,
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    )?)
}

/// A handle on an instance root.
#[derive(Debug)]
pub struct Root {
    path: PathBuf,
    fd: OwnedFd,
    owner: (u32, u32),
}

fn relative(path: &Path) -> io::Result<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(n) => out.push(n),
            Component::ParentDir => out.push(".."),
            Component::Prefix(_) => {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad path"))
            }
        }
    }
    Ok(out)
}

impl Root {
    pub fn open(path: &Path, owner: (u32, u32)) -> io::Result<Root> {
        let f = File::open(path)?;
        Ok(Root {
            path: path.to_path_buf(),
            fd: OwnedFd::from(f),
            owner,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The user new files and folders are given to.
    pub fn owner(&self) -> (u32, u32) {
        self.owner
    }

    /// Reads a file at `path` as the sandbox sees it (absolute or relative to `/`).
    pub fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let fd = openat2(
            &self.fd,
            &relative(path)?,
            libc::O_RDONLY | libc::O_NOCTTY | libc::O_NONBLOCK,
            0,
        )?;
        let mut f = File::from(fd);
        if !f.metadata()?.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let mut buf = Vec::new();
        (&mut f).take(limit).read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Whether something exists at `path` inside the root.
    pub fn exists(&self, path: &Path) -> bool {
        relative(path)
            .and_then(|p| openat2(&self.fd, &p, libc::O_PATH, 0))
            .is_ok()
    }

    /// Writes a file, creating parent directories, owned by the sandbox user.
    pub fn write(&self, path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
        let rel = relative(path)?;
        let parent = rel.parent().unwrap_or(Path::new(""));
        self.mkdir_all(parent)?;
        let fd = openat2(
            &self.fd,
            &rel,
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_NOFOLLOW,
            mode,
        )?;
        let mut f = File::from(fd);
        f.write_all(data)?;
        chown_fd(&f, self.owner)?;
        Ok(())
    }

    /// Creates directories along `rel` inside the root (like `mkdir -p`).
    pub fn mkdir_all(&self, rel: &Path) -> io::Result<()> {
        let mut cur = PathBuf::new();
        for c in relative(rel)?.components() {
            let name = c.as_os_str();
            let parent = if cur.as_os_str().is_empty() {
                openat2(
                    &self.fd,
                    Path::new("."),
                    libc::O_PATH | libc::O_DIRECTORY,
                    0,
                )?
            } else {
                openat2(&self.fd, &cur, libc::O_PATH | libc::O_DIRECTORY, 0)?
            };
            cur.push(name);
            if name == ".." {
                continue;
            }
            let cname = CString::new(name.as_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
            // SAFETY: mkdirat on a directory fd we own, with a valid C string.
            let r = unsafe { libc::mkdirat(parent.as_raw_fd(), cname.as_ptr(), 0o755) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
            } else {
                let d = openat2(&self.fd, &cur, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
                chown_fd(&File::from(d), self.owner)?;
            }
        }
        Ok(())
    }

    /// Disk space used under `path` inside the root, in bytes, counted like `du`
    /// (allocated blocks, hard links once, symlinks not followed, other mounts skipped).
    pub fn disk_usage(&self, path: &Path) -> u64 {
        let Ok(rel) = relative(path) else { return 0 };
        // Walk the real directory by its host path, refusing any symlink on the way
        // there (the walk itself never follows symlinks and stays on one file system).
        let mut start = self.path.clone();
        for c in rel.components() {
            if c.as_os_str() == ".." {
                return 0;
            }
            start.push(c);
            match fs::symlink_metadata(&start) {
                Ok(m) if !m.file_type().is_symlink() => {}
                _ => return 0,
            }
        }
        let dev = fs::symlink_metadata(&self.path)
            .map(|m| m.dev())
            .unwrap_or(0);
        let mut seen = std::collections::HashSet::new();
        let mut total = 0u64;
        let mut stack = vec![start];
        while let Some(p) = stack.pop() {
            let Ok(m) = fs::symlink_metadata(&p) else {
                continue;
            };
            if m.dev() != dev {
                continue;
            }
            if m.nlink() > 1 && !m.is_dir() && !seen.insert(m.ino()) {
                continue;
            }
            total += m.blocks() * 512;
            if m.is_dir() {
                if let Ok(rd) = fs::read_dir(&p) {
                    stack.extend(rd.flatten().map(|e| e.path()));
                }
            }
        }
        total
    }
}

fn chown_fd(f: &File, (uid, gid): (u32, u32)) -> io::Result<()> {
    // SAFETY: fchown on an fd we own.
    let r = unsafe { libc::fchown(f.as_raw_fd(), uid, gid) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Copies a directory tree (files, directories, symlinks as symlinks; other file
/// types skipped), giving every entry to `owner`. Used for the fresh per-test copy
/// of a built app.
pub fn copy_tree(from: &Path, to: &Path, owner: (u32, u32)) -> io::Result<u64> {
    let mut bytes = 0;
    let m = fs::symlink_metadata(from)?;
    if m.is_dir() {
        fs::create_dir_all(to)?;
        fs::set_permissions(to, m.permissions())?;
        std::os::unix::fs::lchown(to, Some(owner.0), Some(owner.1))?;
        for e in fs::read_dir(from)? {
            let e = e?;
            bytes += copy_tree(&e.path(), &to.join(e.file_name()), owner)?;
        }
    } else if m.is_file() {
        bytes += fs::copy(from, to)?;
        std::os::unix::fs::lchown(to, Some(owner.0), Some(owner.1))?;
    } else if m.file_type().is_symlink() {
        let target = fs::read_link(from)?;
        std::os::unix::fs::symlink(target, to)?;
        std::os::unix::fs::lchown(to, Some(owner.0), Some(owner.1))?;
    }
    Ok(bytes)
}

/// Gives a whole tree to `owner` (without following symlinks).
pub fn chown_tree(path: &Path, owner: (u32, u32)) -> io::Result<()> {
    let m = fs::symlink_metadata(path)?;
    std::os::unix::fs::lchown(path, Some(owner.0), Some(owner.1))?;
    if m.is_dir() {
        for e in fs::read_dir(path)? {
            chown_tree(&e?.path(), owner)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("app")).unwrap();
        let outside = dir.path().join("host-secret");
        fs::write(&outside, "host").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("app/link")).unwrap();
        std::os::unix::fs::symlink("../../host-secret", root.join("app/rel")).unwrap();
        fs::write(root.join("host-secret"), "inside").unwrap();
        let uid = unsafe { libc::getuid() };
        let gid = unsafe { libc::getgid() };
        let r = Root::open(&root, (uid, gid)).unwrap();
        // An absolute symlink resolves inside the root, where no such file exists.
        assert!(r.read(Path::new("/app/link"), 100).is_err());
        // `..` stops at the root: it finds the root's own file, not the host's.
        assert_eq!(r.read(Path::new("/app/rel"), 100).unwrap(), b"inside");
        // Writing through a symlink never touches the host file.
        let _ = r.write(Path::new("/app/link"), b"pwned", 0o644);
        assert_eq!(fs::read_to_string(&outside).unwrap(), "host");
        r.write(Path::new("/deep/new/file.txt"), b"x", 0o644)
            .unwrap();
        assert_eq!(fs::read(root.join("deep/new/file.txt")).unwrap(), b"x");
        assert!(r.exists(Path::new("deep/new")));
        assert!(r.disk_usage(Path::new("/deep")) > 0);
    }
}
