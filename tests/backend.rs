//! Throwaway PostgreSQL and MariaDB servers for the end-to-end suite.
//!
//! Each is started once per test process from the installed binaries (initdb /
//! mariadb-install-db into a temporary folder, a free loopback port), loaded with
//! the repo's copy of Chinook, and copied into a fresh database for every test.
//! A watchdog shell holds the read end of a pipe whose write end lives as long as
//! the test process: when the process exits (however it exits), the watchdog
//! stops the server and removes its folder.
//!
//! Without the binaries the tests of that backend print a loud SKIPPED line and
//! pass, unless `APIFORGE_REQUIRE_BACKENDS=1` (set by `.ci/run`), which makes a
//! missing server a failure: CI never skips them.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The database behind the `chinook` service of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MariaDb,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MariaDb => "mariadb",
        }
    }

    /// The service `type` of SPEC.md.
    pub fn service_type(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MariaDb => "mysql",
        }
    }
}

pub const PG_PASSWORD: &str = "pg-secret-pw";
pub const MARIA_USER: &str = "apiforge";
pub const MARIA_PASSWORD: &str = "maria-secret-pw";

/// A running server: where it listens and how to reach it as an administrator.
pub struct Cluster {
    pub backend: Backend,
    pub port: u16,
    dir: PathBuf,
    /// Keeps the watchdog's pipe open for the life of the process.
    _watchdog: Mutex<ChildStdin>,
    /// MariaDB: `CREATE TABLE` statements of the template database, in an order
    /// that can be replayed with foreign-key checks off.
    ddl: Vec<(String, String)>,
    create_lock: Mutex<()>,
}

/// A fresh copy of Chinook on a cluster.
pub struct Database {
    pub name: String,
    /// sea-orm URL, for the harness's own SQL.
    pub url: String,
    /// The `config` of a service over it.
    pub config: serde_json::Value,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn dataset(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/chinook")
        .join(file)
}

fn required() -> bool {
    std::env::var("APIFORGE_REQUIRE_BACKENDS").is_ok_and(|v| v == "1")
}

/// The cluster of `backend`, started on first use; `None` (after a loud line on
/// stderr) when its binaries are not installed and CI did not demand them.
pub fn cluster(backend: Backend) -> Option<&'static Cluster> {
    static PG: OnceLock<Result<Cluster, String>> = OnceLock::new();
    static MARIA: OnceLock<Result<Cluster, String>> = OnceLock::new();
    let slot = match backend {
        Backend::Sqlite => return None,
        Backend::Postgres => PG.get_or_init(start_postgres),
        Backend::MariaDb => MARIA.get_or_init(start_mariadb),
    };
    match slot {
        Ok(c) => Some(c),
        Err(why) if why.starts_with("missing:") && !required() => {
            eprintln!(
                "\n*** SKIPPED: {} tests need {} ({why}); install it or set APIFORGE_REQUIRE_BACKENDS=1 to make this a failure ***\n",
                backend.name(),
                match backend {
                    Backend::Postgres => "PostgreSQL (apt-get install postgresql)",
                    _ => "MariaDB (apt-get install mariadb-server)",
                }
            );
            None
        }
        Err(why) => panic!("could not start the {} server: {why}", backend.name()),
    }
}

/// The first of `names` found on PATH or in the usual server folders.
fn find(names: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"].map(PathBuf::from));
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path().join("bin")).collect();
        versions.sort();
        dirs.extend(versions.into_iter().rev());
    }
    for name in names {
        for d in &dirs {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Runs a command to completion; its output in the error if it fails.
fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{:?} failed: {}{}",
            cmd,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// PostgreSQL refuses to run as root: as root, its commands run as `postgres`.
fn as_pg_user(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A shell that waits for EOF on its stdin, then runs `cleanup`.
fn watchdog(cleanup: &str) -> Result<ChildStdin, String> {
    let mut child: Child = Command::new("sh")
        .args(["-c", &format!("read _ignored; {cleanup}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    child.stdin.take().ok_or_else(|| "watchdog stdin".into())
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{what} did not become ready in {timeout:?}"))
}

fn start_postgres() -> Result<Cluster, String> {
    let (Some(initdb), Some(postgres), Some(psql), Some(pg_ctl)) = (
        find(&["initdb"]),
        find(&["postgres"]),
        find(&["psql"]),
        find(&["pg_ctl"]),
    ) else {
        return Err("missing: initdb, postgres, pg_ctl or psql not found".into());
    };
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("apiforge-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, PG_PASSWORD).map_err(|e| e.to_string())?;
    if root {
        run(Command::new("chown").args(["-R", "postgres"]).arg(&dir))?;
    }
    let data = dir.join("data");
    run(as_pg_user(&initdb, root)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", pwfile.display())))?;
    let port = free_port();
    let log = std::fs::File::create(dir.join("log")).map_err(|e| e.to_string())?;
    if root {
        run(Command::new("chown").args(["postgres"]).arg(dir.join("log")))?;
    }
    as_pg_user(&postgres, root)
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(&dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=400",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("postgres: {e}"))?;
    let stop = format!(
        "{} {} -D {} -m immediate stop; rm -rf {}",
        if root { "runuser -u postgres --" } else { "" },
        pg_ctl.display(),
        data.display(),
        dir.display()
    );
    let guard = watchdog(&stop)?;
    let psql_cmd = |db: &str| {
        let mut c = Command::new(&psql);
        c.arg("-h")
            .arg(&dir)
            .args(["-p", &port.to_string(), "-U", "postgres", "-d", db])
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-X"]);
        c
    };
    wait_until("PostgreSQL", Duration::from_secs(30), || {
        run(psql_cmd("postgres").args(["-c", "SELECT 1"])).is_ok()
    })?;
    run(psql_cmd("postgres")
        .arg("-f")
        .arg(dataset("Chinook_PostgreSql.sql")))?;
    eprintln!("apiforge tests: PostgreSQL started on 127.0.0.1:{port} and loaded with Chinook");
    Ok(Cluster {
        backend: Backend::Postgres,
        port,
        dir,
        _watchdog: Mutex::new(guard),
        ddl: Vec::new(),
        create_lock: Mutex::new(()),
    })
}

fn mariadb_client(dir: &Path) -> Result<Command, String> {
    let client = find(&["mariadb", "mysql"]).ok_or("missing: the mariadb client")?;
    let mut c = Command::new(client);
    c.arg("--no-defaults")
        .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
        .args(["-u", "root", "--batch", "--skip-column-names"]);
    Ok(c)
}

fn start_mariadb() -> Result<Cluster, String> {
    let (Some(install), Some(server)) = (
        find(&["mariadb-install-db", "mysql_install_db"]),
        find(&["mariadbd", "mysqld"]),
    ) else {
        return Err("missing: mariadb-install-db or mariadbd not found".into());
    };
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("apiforge-maria-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let data = dir.join("data");
    let mut cmd = Command::new(&install);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
    if root {
        cmd.arg("--user=root");
    }
    run(&mut cmd)?;
    let port = free_port();
    let log = std::fs::File::create(dir.join("log")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&server);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
        .arg(format!("--port={port}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--max-connections=500",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_bin",
        ]);
    if root {
        cmd.arg("--user=root");
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("mariadbd: {e}"))?;
    let guard = watchdog(&format!(
        "kill -9 {} 2>/dev/null; sleep 0.5; rm -rf {}",
        child.id(),
        dir.display()
    ))?;
    wait_until("MariaDB", Duration::from_secs(60), || {
        mariadb_client(&dir)
            .map(|mut c| run(c.args(["-e", "SELECT 1"])).is_ok())
            .unwrap_or(false)
    })?;
    let sql = format!(
        "DROP USER IF EXISTS ''@'localhost'; \
         CREATE USER '{MARIA_USER}'@'%' IDENTIFIED BY '{MARIA_PASSWORD}'; \
         GRANT ALL PRIVILEGES ON *.* TO '{MARIA_USER}'@'%'; FLUSH PRIVILEGES;"
    );
    run(mariadb_client(&dir)?.args(["-e", &sql]))?;
    let script = std::fs::File::open(dataset("Chinook_MySql.sql")).map_err(|e| e.to_string())?;
    run(mariadb_client(&dir)?.stdin(script))?;
    let tables = run(mariadb_client(&dir)?.args(["-e", "SHOW TABLES FROM Chinook"]))?;
    let mut ddl = Vec::new();
    for t in tables.lines().map(str::trim).filter(|t| !t.is_empty()) {
        let out = run(mariadb_client(&dir)?.args([
            "--raw",
            "-e",
            &format!("SHOW CREATE TABLE `Chinook`.`{t}`"),
        ]))?;
        let create = out
            .split_once('\t')
            .map(|(_, c)| c.trim_end().to_owned())
            .ok_or_else(|| format!("no DDL for {t}: {out}"))?;
        ddl.push((t.to_owned(), create));
    }
    eprintln!("apiforge tests: MariaDB started on 127.0.0.1:{port} and loaded with Chinook");
    Ok(Cluster {
        backend: Backend::MariaDb,
        port,
        dir,
        _watchdog: Mutex::new(guard),
        ddl,
        create_lock: Mutex::new(()),
    })
}

impl Cluster {
    /// A new database holding a pristine copy of Chinook.
    pub fn fresh_chinook(&self) -> Database {
        let name = format!("t{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let _one_at_a_time = self.create_lock.lock().unwrap_or_else(|e| e.into_inner());
        match self.backend {
            Backend::Postgres => {
                self.psql(&format!("CREATE DATABASE {name} TEMPLATE chinook"));
            }
            _ => {
                let mut sql = format!(
                    "CREATE DATABASE `{name}` CHARACTER SET utf8mb4; USE `{name}`; SET FOREIGN_KEY_CHECKS=0;\n"
                );
                for (table, create) in &self.ddl {
                    sql.push_str(create);
                    sql.push_str(";\n");
                    sql.push_str(&format!(
                        "INSERT INTO `{table}` SELECT * FROM `Chinook`.`{table}`;\n"
                    ));
                }
                let mut child = mariadb_client(&self.dir)
                    .unwrap()
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(sql.as_bytes())
                    .unwrap();
                assert!(child.wait().unwrap().success(), "copying Chinook into {name}");
            }
        }
        let config = self.config(&name);
        Database {
            url: self.url(&name),
            name,
            config,
        }
    }

    /// A service `config` for database `name` (which need not exist).
    pub fn config(&self, name: &str) -> serde_json::Value {
        let (user, password) = self.credentials();
        serde_json::json!({
            "host": "127.0.0.1",
            "port": self.port,
            "database": name,
            "username": user,
            "password": password,
        })
    }

    pub fn credentials(&self) -> (&'static str, &'static str) {
        match self.backend {
            Backend::Postgres => ("postgres", PG_PASSWORD),
            _ => (MARIA_USER, MARIA_PASSWORD),
        }
    }

    pub fn url(&self, name: &str) -> String {
        let (user, password) = self.credentials();
        let scheme = match self.backend {
            Backend::Postgres => "postgres",
            _ => "mysql",
        };
        format!("{scheme}://{user}:{password}@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs SQL as the superuser over the local socket (PostgreSQL).
    pub fn psql(&self, sql: &str) -> String {
        let psql = find(&["psql"]).unwrap();
        run(Command::new(psql)
            .arg("-h")
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", "postgres"])
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-X", "-At", "-c", sql]))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs SQL as root over the local socket (MariaDB).
    pub fn mariadb(&self, sql: &str) -> String {
        run(mariadb_client(&self.dir).unwrap().args(["-e", sql])).unwrap_or_else(|e| panic!("{e}"))
    }
}
