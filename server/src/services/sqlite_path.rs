//! Which files a SQLite service may open.
//!
//! An admin names a path; whatever file it leads to becomes readable and
//! writable through the API. The system database (admins' password hashes,
//! service passwords) and the key file that encrypts them live in the data
//! folder, so no path may lead there: files are compared by device and inode
//! after symlinks are resolved, which also catches a hard link made elsewhere.
//! Files in subfolders of the data folder (the demo's copy in `demo/`) are not
//! affected. `sqlite_dirs` narrows the rest to chosen folders.

use std::collections::HashSet;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::Settings;

/// Every SQLite file starts with these 16 bytes; an empty file is a database
/// with no tables, of no use to a service.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Files SQLite keeps beside a database, which hold its recent writes.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Where `--demo` keeps its copies, inside the data folder.
pub const DEMO_SUBDIR: &str = "demo";

#[derive(Debug, thiserror::Error)]
pub enum SqlitePathError {
    #[error(
        "SQLite file '{path}' does not exist: a service must point to an existing database file (apiforge never creates one)"
    )]
    Missing { path: String },
    #[error("SQLite file '{path}' cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("'{path}' is a directory, not a SQLite file")]
    Directory { path: String },
    #[error("'{path}' is not a regular file (a device, pipe or socket), so not a SQLite file")]
    NotAFile { path: String },
    #[error("'{path}' is not a SQLite database (it does not start with SQLite's header)")]
    NotSqlite { path: String },
    #[error(
        "'{path}' is a file of apiforge's data folder '{data_dir}' (where the system database and its key are kept): a service cannot use it; copy the database into another folder"
    )]
    DataFolder { path: String, data_dir: String },
    #[error(
        "'{path}' is apiforge's system database (setting database_url): a service cannot use it"
    )]
    SystemDatabase { path: String },
    #[error(
        "'{path}' is not inside the folders that the setting sqlite_dirs allows for SQLite files ({dirs}): move the file there, or add its folder to sqlite_dirs"
    )]
    OutsideDirs { path: String, dirs: String },
}

/// Checks `path` against the rules above and returns it resolved: open that,
/// not `path`, so that a symlink changed after the check changes nothing.
pub fn check(path: &str, settings: &Settings) -> Result<PathBuf, SqlitePathError> {
    let shown = || path.to_owned();
    let resolved = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SqlitePathError::Missing { path: shown() },
        _ => SqlitePathError::Unreadable {
            path: shown(),
            reason: e.to_string(),
        },
    })?;
    let meta = std::fs::metadata(&resolved).map_err(|e| SqlitePathError::Unreadable {
        path: shown(),
        reason: e.to_string(),
    })?;
    if meta.is_dir() {
        return Err(SqlitePathError::Directory { path: shown() });
    }
    if !meta.is_file() {
        return Err(SqlitePathError::NotAFile { path: shown() });
    }
    let id = (meta.dev(), meta.ino());
    if data_folder_files(&settings.data_dir).contains(&id) {
        return Err(SqlitePathError::DataFolder {
            path: shown(),
            data_dir: settings.data_dir.display().to_string(),
        });
    }
    if system_database_files(settings).contains(&id) {
        return Err(SqlitePathError::SystemDatabase { path: shown() });
    }
    if !settings.sqlite_dirs.is_empty()
        && !allowed_dirs(settings)
            .iter()
            .any(|dir| resolved.starts_with(dir))
    {
        return Err(SqlitePathError::OutsideDirs {
            path: shown(),
            dirs: settings
                .sqlite_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    // Regular files in /proc (`/proc/self/environ`) pass every test above.
    if !has_sqlite_header(&resolved) {
        return Err(SqlitePathError::NotSqlite { path: shown() });
    }
    Ok(resolved)
}

/// The files directly in the data folder, symlinks followed. Read each time:
/// a `-wal` or `-shm` file comes and goes with the system database's use.
fn data_folder_files(data_dir: &Path) -> HashSet<(u64, u64)> {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return HashSet::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::metadata(entry.path()).ok())
        .filter(std::fs::Metadata::is_file)
        .map(|meta| (meta.dev(), meta.ino()))
        .collect()
}

/// The system database's file and its side files, when `database_url` puts it
/// outside the data folder.
fn system_database_files(settings: &Settings) -> HashSet<(u64, u64)> {
    let Some(file) = settings.database_url.as_deref().and_then(sqlite_url_path) else {
        return HashSet::new();
    };
    let mut names = vec![file.clone()];
    names.extend(SIDE_FILES.iter().map(|suffix| {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    }));
    names
        .iter()
        .filter_map(|name| std::fs::metadata(name).ok())
        .map(|meta| (meta.dev(), meta.ino()))
        .collect()
}

/// The file of a `sqlite:` URL (`sqlite://path?mode=rwc`, `sqlite:path`);
/// `None` for other databases and in-memory ones.
fn sqlite_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let file = rest.split(['?', '#']).next().unwrap_or_default();
    if file.is_empty() || file == ":memory:" {
        return None;
    }
    Some(PathBuf::from(percent_decode(file)))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `sqlite_dirs` resolved (a folder that does not exist holds no file), plus
/// the demo's folder when `--demo` is on: its copy is written by apiforge and
/// must load whatever the allow-list says.
fn allowed_dirs(settings: &Settings) -> Vec<PathBuf> {
    let demo = settings.demo.then(|| settings.data_dir.join(DEMO_SUBDIR));
    settings
        .sqlite_dirs
        .iter()
        .chain(demo.as_ref())
        .filter_map(|dir| std::fs::canonicalize(dir).ok())
        .collect()
}

fn has_sqlite_header(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == SQLITE_HEADER)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_url_path("sqlite:///var/lib/a%20b.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/a b.db"))
        );
        assert_eq!(
            sqlite_url_path("sqlite://./data/x.db"),
            Some(PathBuf::from("./data/x.db"))
        );
        assert_eq!(
            sqlite_url_path("sqlite:rel.db"),
            Some(PathBuf::from("rel.db"))
        );
        assert_eq!(sqlite_url_path("sqlite::memory:"), None);
        assert_eq!(sqlite_url_path("postgres://u:p@h/db"), None);
    }
}
