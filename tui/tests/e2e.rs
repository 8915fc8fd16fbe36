//! End to end, as an admin would: the real `apiforge-tui` in a pseudo-terminal
//! (80×24, read back through a vt100 parser the way a terminal draws it)
//! against a real `apiforge serve` started here, in a temporary data folder
//! on a free port. One Enter logs in, the guided flow makes a role and a key,
//! the key is read off the screen, and the REST and GraphQL endpoints answer
//! 200 with rows when called with it from outside the console.
//!
//! Every wait has a deadline and prints the screen when it passes; both
//! processes are killed when the test ends, passed or failed ([`Procs`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::{Value, json};

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "e2e-secret-password";
const ROWS: u16 = 24;
const COLS: u16 = 80;
/// How long one screen may take to show what the test waits for.
const WAIT: Duration = Duration::from_secs(30);

/// The two processes, killed when dropped: a failing assertion unwinds
/// through here, so nothing is left running.
#[derive(Default)]
struct Procs {
    server: Option<Child>,
    tui: Option<Box<dyn portable_pty::Child + Send + Sync>>,
}

impl Drop for Procs {
    fn drop(&mut self) {
        if let Some(mut tui) = self.tui.take() {
            let _ = tui.kill();
            let _ = tui.wait();
        }
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

/// What the terminal keeps besides the screen: the clipboard (OSC 52).
#[derive(Default)]
struct Clipboard {
    copied: Vec<String>,
}

impl vt100::Callbacks for Clipboard {
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _ty: &[u8], data: &[u8]) {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) {
            self.copied
                .push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
}

/// The terminal the console runs in.
struct Term {
    parser: Arc<Mutex<vt100::Parser<Clipboard>>>,
    writer: Box<dyn Write + Send>,
    /// Keys sent so far (each press counts one).
    keys: usize,
}

impl Term {
    fn screen(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    fn copied(&self) -> Vec<String> {
        self.parser
            .lock()
            .map(|p| p.callbacks().copied.clone())
            .unwrap_or_default()
    }

    /// Sends one key as the terminal encodes it.
    fn press(&mut self, bytes: &str) {
        self.writer
            .write_all(bytes.as_bytes())
            .and_then(|()| self.writer.flush())
            .unwrap_or_else(|e| panic!("cannot type into the console: {e}"));
        self.keys += 1;
    }

    /// Types `text`, one key per character, as a person would.
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(&c.to_string());
        }
    }

    /// Waits until the screen shows what `ready` looks for.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > until {
                panic!("waited {WAIT:?} for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `apiforge` next to `apiforge-tui` in the same target folder, built first
/// when missing (`cargo test --workspace` builds it anyway).
fn server_binary() -> PathBuf {
    let tui = PathBuf::from(env!("CARGO_BIN_EXE_apiforge-tui"));
    let server = tui.with_file_name(format!("apiforge{}", std::env::consts::EXE_SUFFIX));
    if !server.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "apiforge", "--bin", "apiforge"])
            .status()
            .unwrap_or_else(|e| panic!("cannot run cargo to build apiforge: {e}"));
        assert!(status.success(), "building apiforge failed");
    }
    server
}

/// Starts `apiforge serve` on a port the system picks and returns its URL,
/// read from the log line that says where it listens.
fn start_server(procs: &mut Procs, data: &Path) -> String {
    let mut child = Command::new(server_binary())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("APIFORGE_DATA_DIR", data)
        .env("APIFORGE_ADMIN_EMAIL", EMAIL)
        .env("APIFORGE_ADMIN_PASSWORD", PASSWORD)
        .env("APIFORGE_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start apiforge serve: {e}"));
    let (tx, rx) = mpsc::channel::<String>();
    for out in [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    procs.server = Some(child);
    let until = Instant::now() + WAIT;
    let mut log = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        let Ok(line) = rx.recv_timeout(left) else {
            break;
        };
        if let Some(at) = line.find("apiforge listening addr=") {
            let addr = line[at + "apiforge listening addr=".len()..].trim();
            return format!("http://{addr}");
        }
        log.push(line);
    }
    panic!(
        "apiforge serve did not say where it listens; its log:\n{}",
        log.join("\n")
    );
}

/// One call to the server from outside the console.
fn http(
    rt: &tokio::runtime::Runtime,
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|e| panic!("http client: {e}"));
        let mut req = client.request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    })
}

/// The key as the screen shows it: alone on its line.
fn key_on(screen: &str) -> Option<String> {
    screen
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("afk_") && !l.contains(' '))
        .map(str::to_string)
}

#[test]
fn log_in_run_the_guided_flow_and_call_the_api_with_the_key() {
    let started = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let data = dir.path().join("data");
    // SQLite service files may not be files of the data folder itself: the
    // copy lives beside it.
    let dbs = dir.path().join("dbs");
    std::fs::create_dir_all(&dbs).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let db = dbs.join("chinook.sqlite");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/chinook.sqlite");
    std::fs::copy(&demo, &db).unwrap_or_else(|e| panic!("copy {}: {e}", demo.display()));

    let mut procs = Procs::default();
    let url = start_server(&mut procs, &data);

    // The console, in an 80×24 pseudo-terminal.
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap_or_else(|e| panic!("openpty: {e}"));
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_apiforge-tui"));
    cmd.env("APIFORGE_URL", &url);
    cmd.env("APIFORGE_EMAIL", EMAIL);
    cmd.env("APIFORGE_PASSWORD", PASSWORD);
    cmd.env("TERM", "xterm-256color");
    cmd.cwd(dir.path());
    let tui_started = Instant::now();
    procs.tui = Some(
        pty.slave
            .spawn_command(cmd)
            .unwrap_or_else(|e| panic!("cannot start apiforge-tui: {e}")),
    );
    drop(pty.slave);
    let parser = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
        ROWS.try_into().unwrap_or(std::num::NonZeroU16::MIN),
        COLS.try_into().unwrap_or(std::num::NonZeroU16::MIN),
        0,
        Clipboard::default(),
    )));
    let mut reader = pty
        .master
        .try_clone_reader()
        .unwrap_or_else(|e| panic!("pty reader: {e}"));
    let feed = Arc::clone(&parser);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut p) = feed.lock() {
                p.process(&buf[..n]);
            }
        }
    });
    let mut term = Term {
        parser,
        writer: pty
            .master
            .take_writer()
            .unwrap_or_else(|e| panic!("pty writer: {e}")),
        keys: 0,
    };

    // Login, prefilled from the environment: one Enter.
    term.wait_for("the login", |s| s.contains("Log in") && s.contains(&url));
    term.press("\r");
    let home = term.wait_for("Home, with no service yet", |s| {
        s.contains("Server reachable") && s.contains("No service yet")
    });

    // A SQLite service through the form: n, the name, Tab to the file (sqlite
    // is the type already chosen), the path, Enter. The guided flow follows.
    term.press("n");
    term.wait_for("the service form", |s| s.contains("New service"));
    term.type_text("chinook");
    for _ in 0..4 {
        term.press("\t");
    }
    term.type_text(&db.to_string_lossy());
    let form = term.wait_for("the path typed", |s| s.contains("chinook.sqlite"));
    term.press("\r");
    term.wait_for("the guided flow", |s| {
        s.contains("1 Role") && s.contains("[1 read]")
    });
    // Enter on step 1 makes the role and the key.
    term.press("\r");
    let screen = term.wait_for("the key", |s| {
        s.contains("shown once") && key_on(s).is_some()
    });
    let key = key_on(&screen).unwrap_or_default();
    let keys_to_key = term.keys;
    let time_to_key = tui_started.elapsed();
    assert!(screen.contains("chinook_auto_role"), "{screen}");
    assert!(screen.contains("app chinook_app"), "{screen}");

    // c copies it (OSC 52, which the terminal here records).
    term.press("c");
    term.wait_for("the copy notice", |s| s.contains("copied"));
    let until = Instant::now() + WAIT;
    while !term.copied().contains(&key) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        term.copied().contains(&key),
        "OSC 52 carried the key: {:?}",
        term.copied()
    );

    // Try it: the console calls REST and GraphQL with the key itself.
    term.press("\r");
    let tried = term.wait_for("both calls answered", |s| s.matches("200 OK").count() == 2);
    assert!(tried.contains("For Those About To Rock"), "{tried}");
    assert!(tried.contains("export API_KEY="), "{tried}");
    // What each step showed, for whoever runs this with --nocapture.
    for (step, screen) in [
        ("home", &home),
        ("form", &form),
        ("key", &screen),
        ("try it", &tried),
    ] {
        eprintln!("--- {step}\n{screen}");
    }

    // The key from the screen works from outside the console too.
    let (status, rest) = http(
        &rt,
        reqwest::Method::GET,
        &format!("{url}/api/v2/chinook/_table/Album?limit=3"),
        &[("X-Api-Key", key.as_str())],
        None,
    );
    assert_eq!(status, 200, "REST with the key: {rest}");
    let rows = rest["resource"].as_array().map_or(0, Vec::len);
    assert_eq!(rows, 3, "REST rows: {rest}");
    let (status, gql) = http(
        &rt,
        reqwest::Method::POST,
        &format!("{url}/api/v2/chinook/graphql"),
        &[("X-Api-Key", key.as_str())],
        Some(json!({"query": "{ Album(limit: 3) { AlbumId Title } }"})),
    );
    assert_eq!(status, 200, "GraphQL with the key: {gql}");
    assert!(gql.get("errors").is_none(), "GraphQL errors: {gql}");
    let rows = gql["data"]["Album"].as_array().map_or(0, Vec::len);
    assert_eq!(rows, 3, "GraphQL rows: {gql}");
    // Without it, the same call is refused: the rows above are the key's doing.
    let (status, _) = http(
        &rt,
        reqwest::Method::GET,
        &format!("{url}/api/v2/chinook/_table/Album?limit=3"),
        &[],
        None,
    );
    assert_eq!(status, 401);

    // Run again from Home: the role and app exist, so the flow offers a new
    // key for the app; the old key stops working, the new one works.
    term.press("q");
    term.wait_for("Home again", |s| {
        s.contains("Server reachable") && s.contains("ready")
    });
    term.press("g");
    term.wait_for("the guided flow again", |s| s.contains("[1 read]"));
    term.press("\r");
    term.wait_for("the offer of a new key", |s| {
        s.contains("exists already") && s.contains("Enter issues a new key for app chinook_app")
    });
    term.press("\r");
    let again = term.wait_for("the new key", |s| {
        key_on(s).is_some_and(|k| k != key) && s.contains("made before")
    });
    let new_key = key_on(&again).unwrap_or_default();
    let list = |k: &str| {
        http(
            &rt,
            reqwest::Method::GET,
            &format!("{url}/api/v2/chinook/_table/Album?limit=1"),
            &[("X-Api-Key", k)],
            None,
        )
        .0
    };
    assert_eq!(list(&new_key), 200, "the new key works");
    assert_eq!(list(&key), 401, "the rotated key no longer does");

    // q twice: back to Home, then quit. Quitting ends the session on the
    // server: the audit log's newest entry by the admin is the logout.
    term.press("q");
    term.wait_for("Home before quitting", |s| s.contains("Server reachable"));
    term.press("q");
    let until = Instant::now() + WAIT;
    let exited = loop {
        match procs.tui.as_mut().map(|c| c.try_wait()) {
            Some(Ok(Some(status))) => break Some(status),
            _ if Instant::now() > until => break None,
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let exited =
        exited.unwrap_or_else(|| panic!("q on Home quits; the screen:\n{}", term.screen()));
    assert!(exited.success(), "the console exits cleanly: {exited:?}");
    let (status, login) = http(
        &rt,
        reqwest::Method::POST,
        &format!("{url}/api/v2/system/admin/session"),
        &[],
        Some(json!({"email": EMAIL, "password": PASSWORD})),
    );
    assert_eq!(status, 200, "{login}");
    let bearer = format!(
        "Bearer {}",
        login["session_token"].as_str().unwrap_or_default()
    );
    let (status, audit) = http(
        &rt,
        reqwest::Method::GET,
        &format!("{url}/api/v2/system/audit?limit=5"),
        &[("Authorization", bearer.as_str())],
        None,
    );
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit["resource"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    // Newest first: this login, then the console's logout.
    assert_eq!(actions.get(..2), Some(&["login", "logout"][..]), "{audit}");
    eprintln!(
        "e2e: {keys_to_key} keys from start to a working key ({} of them typing the \
         name and the path) in {:.1} s; the whole test took {:.1} s",
        "chinook".len() + db.to_string_lossy().chars().count(),
        time_to_key.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
