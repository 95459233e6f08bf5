//! Temporary outputs: files (and folders) that become outputs only when complete, and that an
//! interrupted run must not leave behind.
//!
//! Every output is first written as `DIR/.NAME.PID.N.tmp` and renamed to `DIR/NAME` when
//! complete, so a reader never sees half a file. The paths of the temporaries alive in this
//! process are kept in a registry: a signal handler (the CLI's, on Ctrl-C or SIGTERM) calls
//! [`remove_all`] before the process exits, and [`create`] refuses new ones afterwards.
//!
//! A process killed outright (SIGKILL, a power cut) cannot clean up. Its temporaries carry its
//! process id: the next [`create`] of the same output in the same folder removes those whose
//! process no longer runs (checked through `/proc/PID`, so only where `/proc` exists).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static CLOSED: AtomicBool = AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The temporary name of output `name` for process `pid`, attempt `n`.
fn temporary_name(name: &str, pid: u32, n: u64) -> String {
    format!(".{name}.{pid}.{n}.tmp")
}

/// Create `dir/.name.PID.N.tmp` exclusively and register it; first remove the temporaries of
/// `name` that processes no longer running left in `dir`.
pub fn create(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    remove_stale(dir, name);
    create_with(dir, name, |tmp| {
        OpenOptions::new().write(true).create_new(true).open(tmp)
    })
}

/// Create a temporary folder `dir/.name.PID.N.tmp` and register it (for outputs written as
/// several files and moved into place together).
pub fn create_dir(dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    remove_stale(dir, name);
    create_with(dir, name, |p| std::fs::create_dir(p)).map(|(p, ())| p)
}

fn create_with<T>(
    dir: &Path,
    name: &str,
    make: impl Fn(&Path) -> std::io::Result<T>,
) -> std::io::Result<(PathBuf, T)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(temporary_name(name, std::process::id(), n));
        // Registered before it exists, so that an interruption between the two removes it.
        {
            let mut l = live();
            if CLOSED.load(Ordering::SeqCst) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "the run was interrupted",
                ));
            }
            l.push(tmp.clone());
        }
        match make(&tmp) {
            Ok(t) => return Ok((tmp, t)),
            Err(e) => {
                forget(&tmp);
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("could not create a temporary file")))
}

/// Forget a temporary that was renamed into place or removed.
pub fn forget(tmp: &Path) {
    live().retain(|p| p != tmp);
}

/// Rename a temporary into place and forget it.
pub fn persist(tmp: &Path, path: &Path) -> std::io::Result<()> {
    std::fs::rename(tmp, path)?;
    forget(tmp);
    Ok(())
}

/// Remove a temporary (file or folder) and forget it.
pub fn discard(tmp: &Path) {
    if tmp.is_dir() {
        let _ = std::fs::remove_dir_all(tmp);
    } else {
        let _ = std::fs::remove_file(tmp);
    }
    forget(tmp);
}

/// Remove every temporary of this process and refuse new ones: for a signal handler, just
/// before the process exits. Returns how many were removed.
pub fn remove_all() -> usize {
    let mut l = live();
    CLOSED.store(true, Ordering::SeqCst);
    let n = l.len();
    for p in l.drain(..) {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(&p);
        } else {
            let _ = std::fs::remove_file(&p);
        }
    }
    n
}

/// Remove `dir/.name.PID.N.tmp` of processes that no longer run.
fn remove_stale(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('.') else {
            continue;
        };
        let (Ok(pid), true) = (pid.parse::<u32>(), n.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let p = e.path();
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(&p);
            } else {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("rootio-tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // A process id above Linux's maximum (4 194 304) never runs.
        let dead = dir.join(temporary_name("skim.root", 99_999_999, 0));
        let alive = dir.join(temporary_name("skim.root", 1, 0)); // init always runs
        let other = dir.join(temporary_name("other.root", 99_999_999, 0));
        for p in [&dead, &alive, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let (tmp, _f) = create(&dir, "skim.root").unwrap();
        assert!(!dead.exists() && alive.exists() && other.exists() && tmp.exists());
        assert!(live().contains(&tmp));
        persist(&tmp, &dir.join("skim.root")).unwrap();
        assert!(!live().contains(&tmp));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
