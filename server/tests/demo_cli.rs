//! `apiforge serve --demo`, the real binary: the login lines it prints work when
//! pasted into a shell (first run, later runs, a configured admin), a failed
//! login says so instead of filling `$TOKEN` with an error, and logs written to
//! a pipe carry no colour codes.
//!
//! The lines are run with `sh -c` and call `curl`. Without curl the tests print
//! SKIPPED and pass, unless `APIFORGE_REQUIRE_BACKENDS=1` (CI) makes that a failure.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The last line of the demo's printed block.
const BLOCK_END: &str = "The demo data is a copy at";

/// Settings a developer's shell might hold, removed so that only the test's apply.
const CLEARED: [&str; 12] = [
    "APIFORGE_ADMIN_EMAIL",
    "APIFORGE_ADMIN_PASSWORD",
    "APIFORGE_BIND",
    "APIFORGE_CONFIG",
    "APIFORGE_DATABASE_URL",
    "APIFORGE_DATA_DIR",
    "APIFORGE_DEMO",
    "APIFORGE_LOG",
    "APIFORGE_LOG_FORMAT",
    "APIFORGE_RATE_LIMIT",
    "APIFORGE_SECRET",
    "NO_COLOR",
];

/// A folder removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "apiforge-demo-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `apiforge serve --demo` with its stdout collected.
struct Demo {
    child: Child,
    /// The thread draining stdout; it ends with the process.
    reader: Option<std::thread::JoinHandle<()>>,
    /// Everything written to stdout so far, as bytes (logs included).
    stdout: Arc<Mutex<Vec<u8>>>,
    /// The printed block, from `apiforge demo:` to its last line.
    block: Vec<String>,
}

impl Demo {
    fn start(data_dir: &Path, env: &[(&str, &str)]) -> Demo {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_apiforge"));
        cmd.args(["serve", "--demo", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in CLEARED {
            cmd.env_remove(var);
        }
        cmd.env("APIFORGE_LOG", "info");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let sink = Arc::clone(&stdout);
        // Drains stdout for the whole run, so that logging never blocks the server.
        let reader_thread = std::thread::spawn(move || {
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().extend_from_slice(&line);
                let _ = tx.send(String::from_utf8_lossy(&line).trim_end().to_owned());
                line.clear();
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let errors = Arc::new(Mutex::new(String::new()));
        let err_sink = Arc::clone(&errors);
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            err_sink.lock().unwrap().push_str(&s);
        });
        let mut block = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    if line.starts_with("apiforge demo:") || !block.is_empty() {
                        block.push(line.clone());
                    }
                    if line.starts_with(BLOCK_END) {
                        break;
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "the demo did not print its block ({e}); stdout: {}; stderr: {}",
                        String::from_utf8_lossy(&stdout.lock().unwrap()),
                        errors.lock().unwrap()
                    );
                }
            }
        }
        Demo {
            child,
            reader: Some(reader_thread),
            stdout,
            block,
        }
    }

    fn text(&self) -> String {
        self.block.join("\n")
    }

    /// The lines of step `n.` (without the heading), as a script.
    fn step(&self, n: usize) -> Vec<String> {
        let start = format!("{n}. ");
        let at = self
            .block
            .iter()
            .position(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("no step {n} in:\n{}", self.text()));
        self.block[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("   "))
            .map(|l| l[3..].to_owned())
            .collect()
    }

    /// The printed login lines followed by the first printed API call.
    fn script(&self) -> String {
        let mut lines = self.step(1);
        lines.push(self.step(2)[0].clone());
        lines.join("\n")
    }

    /// Waits (up to 30 s) until stdout holds `needle`.
    fn wait_for(&self, needle: &str) {
        for _ in 0..300 {
            if String::from_utf8_lossy(&self.stdout.lock().unwrap()).contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "no '{needle}' in: {}",
            String::from_utf8_lossy(&self.stdout.lock().unwrap())
        );
    }

    /// Stops the server; returns all it wrote to stdout.
    fn stop(mut self) -> Vec<u8> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.stdout.lock().unwrap().clone()
    }
}

/// Runs `script` with `sh -c`, then prints `$TOKEN`; returns (TOKEN, stdout, stderr).
fn sh(script: &str, env: &[(&str, &str)]) -> (String, String, String) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{script}\nprintf '\\nTOKEN=%s\\n' \"$TOKEN\""));
    for var in CLEARED {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let token = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("TOKEN="))
        .unwrap_or_default()
        .to_owned();
    (token, stdout, stderr)
}

/// Asserts that the script logged in and that the API call after it answered data.
fn assert_works(script: &str, env: &[(&str, &str)]) {
    let (token, stdout, stderr) = sh(script, env);
    assert!(
        !token.is_empty(),
        "no token from:\n{script}\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("\"resource\":["),
        "the call after the login did not answer data:\n{script}\n{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("login failed"), "{stderr}");
}

/// Asserts that the script's login failed loudly: empty `$TOKEN`, the failure line.
fn assert_fails_loudly(script: &str, env: &[(&str, &str)]) {
    let (token, stdout, stderr) = sh(script, env);
    assert!(token.is_empty(), "a token from a failed login: {token}");
    assert!(
        stderr.contains("login failed"),
        "no failure line:\n{script}\n{stdout}\n{stderr}"
    );
}

/// False (after printing SKIPPED) when curl is missing and CI does not require it.
fn have_curl() -> bool {
    let found = Command::new("sh")
        .args(["-c", "command -v curl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("APIFORGE_REQUIRE_BACKENDS").as_deref() != Ok("1"),
            "curl is required (APIFORGE_REQUIRE_BACKENDS=1)"
        );
        eprintln!("SKIPPED: curl is not installed");
    }
    found
}

/// The one line of `script` that starts with `prefix`.
fn line_with<'a>(script: &'a str, prefix: &str) -> &'a str {
    let found: Vec<&str> = script.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "lines starting with {prefix} in:\n{script}");
    found[0]
}

#[test]
fn the_login_lines_work_as_printed_on_the_first_and_a_later_run() {
    if !have_curl() {
        return;
    }
    let dir = TempDir::new();

    // First run: the password is generated and printed.
    let demo = Demo::start(&dir.0, &[]);
    let text = demo.text();
    let header = line_with(&text, "1. Log in as admin@apiforge.local / ");
    let password = header
        .strip_prefix("1. Log in as admin@apiforge.local / ")
        .and_then(|r| r.split_once(' '))
        .map(|(p, _)| p.to_owned())
        .unwrap();
    assert_eq!(password.len(), 16, "{header}");
    let script = demo.script();
    assert!(!script.contains("YOUR_"), "{script}");
    assert_works(&script, &[]);
    demo.stop();

    // Second run on the same data: the password is not known any more.
    let demo = Demo::start(&dir.0, &[]);
    let text = demo.text();
    assert!(
        !text.contains(&password),
        "the password was printed again:\n{text}"
    );
    assert!(!text.contains("YOUR_"), "{text}");
    let script = demo.script();
    let export = line_with(&script, "export APIFORGE_ADMIN_PASSWORD=");
    assert_eq!(
        export,
        "export APIFORGE_ADMIN_PASSWORD='the password printed on the first run'"
    );
    assert!(script.contains("admin@apiforge.local"), "{script}");
    // Pasted without the substitution the login fails, and says so.
    assert_fails_loudly(&script, &[]);
    // With the first line done as it says, everything works.
    let done = script.replace(
        export,
        &format!("export APIFORGE_ADMIN_PASSWORD='{password}'"),
    );
    assert_works(&done, &[]);
    // So does the variable set in the environment, without the export line.
    let without_export = script.replace(export, "");
    assert_works(&without_export, &[("APIFORGE_ADMIN_PASSWORD", &password)]);
    demo.stop();
}

#[test]
fn a_configured_admin_logs_in_with_the_password_from_the_environment() {
    if !have_curl() {
        return;
    }
    let dir = TempDir::new();
    // Characters that break naive quoting in JSON and in sh.
    let password = r#"pa"ss\ w$rd'`!x"#;
    let env = [
        ("APIFORGE_ADMIN_EMAIL", "ops@example.com"),
        ("APIFORGE_ADMIN_PASSWORD", password),
    ];
    let demo = Demo::start(&dir.0, &env);
    let text = demo.text();
    assert!(
        !text.contains(password),
        "the password was printed:\n{text}"
    );
    assert!(!text.contains("YOUR_"), "{text}");
    let script = demo.script();
    assert!(script.contains("ops@example.com"), "{script}");
    assert!(script.contains("$APIFORGE_ADMIN_PASSWORD"), "{script}");
    assert!(
        !script.lines().any(|l| l.starts_with("export ")),
        "{script}"
    );
    assert_works(&script, &[("APIFORGE_ADMIN_PASSWORD", password)]);
    // A wrong or missing password: an empty token and the failure line.
    assert_fails_loudly(&script, &[("APIFORGE_ADMIN_PASSWORD", "wrong password")]);
    assert_fails_loudly(&script, &[]);
    let out = demo.stop();
    assert!(
        !String::from_utf8_lossy(&out).contains(password),
        "the password reached stdout"
    );
}

#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let dir = TempDir::new();
    let demo = Demo::start(&dir.0, &[]);
    demo.wait_for("apiforge listening");
    let out = demo.stop();
    let text = String::from_utf8_lossy(&out);
    assert!(
        !out.contains(&0x1b),
        "an ANSI escape in piped output: {text:?}"
    );
}

/// Runs `script` with `sh -c`; returns (stdout, stderr).
fn run(script: &str, env: &[(&str, &str)]) -> (String, String) {
    let (_, stdout, stderr) = sh(script, env);
    (stdout, stderr)
}

#[test]
fn the_demo_app_s_key_is_printed_once_works_as_printed_and_never_reaches_the_log() {
    if !have_curl() {
        return;
    }
    let dir = TempDir::new();
    let demo = Demo::start(&dir.0, &[]);
    let text = demo.text();
    let header = line_with(&text, "1. Log in as admin@apiforge.local / ");
    let password = header
        .strip_prefix("1. Log in as admin@apiforge.local / ")
        .and_then(|r| r.split_once(' '))
        .map(|(p, _)| p.to_owned())
        .unwrap();
    let app = demo.step(3);
    let key = app
        .iter()
        .find_map(|l| l.strip_prefix("API_KEY="))
        .unwrap_or_else(|| panic!("no API_KEY line in:\n{text}"))
        .to_owned();
    assert!(key.starts_with("afk_"), "{key}");
    // The printed lines, as pasted: REST rows and GraphQL data with the key.
    let (out, err) = run(&app.join("\n"), &[]);
    assert!(out.contains("\"resource\":[{"), "{out}\n{err}");
    assert!(out.contains("{\"data\":{"), "{out}\n{err}");
    // The key in a query string, and a refused write with it: still not logged.
    let base = text
        .lines()
        .find_map(|l| l.strip_prefix("apiforge demo: service 'chinook' is live at "))
        .unwrap()
        .to_owned();
    let (out, _) = run(
        &format!(
            "curl -s '{base}/_table/Genre?limit=1&api_key={key}'; curl -s -X DELETE -H 'X-Api-Key: {key}' '{base}/_table/Genre/1'"
        ),
        &[],
    );
    assert!(out.contains("\"resource\":[{"), "{out}");
    assert!(
        out.contains("\"code\":403"),
        "a reader may not delete: {out}"
    );
    let all = String::from_utf8_lossy(&demo.stop()).to_string();
    assert_eq!(
        all.matches(key.as_str()).count(),
        1,
        "the key is printed once, in the block, and nowhere else:\n{all}"
    );

    // A later run reuses the app, does not print a key, and says how to get one.
    let demo = Demo::start(&dir.0, &[]);
    let text = demo.text();
    assert!(!text.contains(&key), "{text}");
    let mut script = demo.step(1);
    script.extend(demo.step(3));
    let script = script.join("\n").replace(
        "export APIFORGE_ADMIN_PASSWORD='the password printed on the first run'",
        &format!("export APIFORGE_ADMIN_PASSWORD='{password}'"),
    );
    assert!(script.contains("/rotate"), "{script}");
    let (out, err) = run(&script, &[]);
    assert!(out.contains("\"resource\":[{"), "{script}\n{out}\n{err}");
    // The old key stopped working with the rotation (this run has its own port).
    let base = text
        .lines()
        .find_map(|l| l.strip_prefix("apiforge demo: service 'chinook' is live at "))
        .unwrap()
        .to_owned();
    let (out, _) = run(
        &format!("curl -s -H 'X-Api-Key: {key}' '{base}/_table/Genre?limit=1'"),
        &[],
    );
    assert!(out.contains("\"code\":401"), "{out}");
    demo.stop();
}
