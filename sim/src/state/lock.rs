//! Holding a state file: the lock beside it, who holds it, waiting for it, and the state
//! file's own place when it is reached through a symbolic link.

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::{StateError, temporary_path};

/// How often a run waiting for the lock (`--wait`) tries again.
const WAIT_STEP: Duration = Duration::from_millis(100);

/// How many symbolic links are followed, one to the next, before giving up: as many as
/// Linux follows.
const MAX_LINKS: usize = 40;

/// Holds a state file for one run, from before it is loaded to after it is saved, so that two
/// runs cannot both load it and each save over what the other kept: the second is refused,
/// or waits ([`take_waiting`](Self::take_waiting)).
///
/// The lock is the system's (`flock` on Unix, `LockFileEx` on Windows) on a file beside the
/// state file, `STATE.lock`. The system lets go of it when the process ends, however it
/// ends, so a run that was killed never leaves the state file locked. The file itself stays:
/// removing it while another run may be opening it would let two runs each lock a file of
/// that name. The holder writes in it who it is (process id, command, since when), for the
/// message a refused run gives.
///
/// A state file reached through a symbolic link is held, and saved, where the link leads:
/// the lock is taken beside the file the link names, so that every run of that file, by
/// whatever name, takes the same lock.
#[derive(Debug)]
pub struct StateLock {
    _held: File,
}

/// Where a state file really is: `path` with every symbolic link it names followed (a link
/// to a file not there yet included, so that the first save writes where the link points).
pub(crate) fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(folder) => folder.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links lead to it"
    )))
}

/// The lock file of the state file at `path` (already resolved).
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl StateLock {
    /// Takes the lock of the state file at `path`. Refused when another run holds it, when
    /// the state file is read-only, or when its folder cannot be written (so that a run is
    /// never made that could not be kept). Temporary files an interrupted save left
    /// beside the state file are removed once the lock is held: no other run can be
    /// writing them then.
    pub fn take(path: &Path) -> Result<StateLock, StateError> {
        StateLock::take_waiting(path, Duration::ZERO)
    }

    /// [`take`](Self::take), waiting up to `wait` for a run that holds the lock to let go
    /// of it before refusing.
    pub fn take_waiting(path: &Path, wait: Duration) -> Result<StateLock, StateError> {
        let file = path.display().to_string();
        let not_writable = |reason: String| StateError::NotWritable {
            file: file.clone(),
            reason,
        };
        let target = resolve(path)
            .map_err(|e| not_writable(format!("its path cannot be followed ({e})")))?;
        if fs::metadata(&target).is_ok_and(|m| m.permissions().readonly()) {
            return Err(not_writable("it is read-only".into()));
        }
        let lock = lock_path(&target);
        // A lock file another user left may be read-only to this one; a lock is taken on a
        // file open for reading as well.
        let mut held = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .or_else(|e| match File::open(&lock) {
                Ok(file) => Ok(file),
                Err(_) => Err(e),
            })
            .map_err(|e| not_writable(format!("its folder cannot be written ({e})")))?;
        let deadline = Instant::now() + wait;
        loop {
            match held.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(WAIT_STEP.min(deadline - Instant::now()));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = held.read_to_string(&mut holder);
                    let holder = holder.split_whitespace().collect::<Vec<_>>().join(" ");
                    let waited = if wait.is_zero() {
                        String::new()
                    } else {
                        format!(", and did not let go within {} s", wait.as_secs_f64())
                    };
                    return Err(StateError::InUse {
                        file,
                        lock: lock.display().to_string(),
                        holder: if holder.is_empty() {
                            "a run that did not say who it is".into()
                        } else {
                            holder
                        },
                        waited,
                    });
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(not_writable(format!(
                        "its lock file {} cannot be locked ({e})",
                        lock.display()
                    )));
                }
            }
        }
        // The lock file may be an earlier run's, so opening it proves nothing about the
        // folder: the file a save writes first is tried.
        let probe = temporary_path(&target)
            .and_then(|probe| File::create(&probe).and_then(|_| fs::remove_file(&probe)));
        probe.map_err(|e| not_writable(format!("its folder cannot be written ({e})")))?;
        // Who holds it, for the message of a run refused meanwhile. A lock file that cannot
        // be written (another user's) only loses that message.
        let _ = held
            .set_len(0)
            .and_then(|()| held.rewind())
            .and_then(|()| held.write_all(holder_text().as_bytes()));
        remove_stale_temporaries(&target);
        Ok(StateLock { _held: held })
    }
}

/// Who holds the lock: this process's id, its command line and the time it took the lock
/// (wall-clock time, for people: it is never part of a result).
fn holder_text() -> String {
    let command: Vec<String> = std::env::args().collect();
    let since = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "process {} (`{}`) since {} UTC\n",
        std::process::id(),
        command.join(" "),
        utc_text(since)
    )
}

/// `YYYY-MM-DD hh:mm:ss` of a count of seconds since 1970-01-01 00:00:00 UTC.
fn utc_text(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Howard Hinnant's days-to-civil, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3_600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Removes the temporary files saves of the state file at `path` left when they were cut
/// short (`.NAME.PID.tmp`, and those of its audit log and unfinished run). Only the holder
/// of the lock saves, so every such file is an interrupted save's, whichever process wrote
/// it. What cannot be removed stays, to be tried again by the next run.
fn remove_stale_temporaries(path: &Path) {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let entry_name = entry_name.to_string_lossy();
        if entry_name.starts_with(&prefix)
            && entry_name.ends_with(".tmp")
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::utc_text;

    #[test]
    fn seconds_are_shown_as_a_utc_date_and_time() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_text(1_767_225_599), "2025-12-31 23:59:59");
    }
}
