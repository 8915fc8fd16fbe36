//! `apiforge-tui --url URL`: the runtime. It owns the terminal and the network;
//! everything else is the app's (`App::update` and `App::draw`).

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use apiforge_tui::action::{Action, Effect};
use apiforge_tui::app::{App, Start, TICKS_PER_SECOND};
use apiforge_tui::client::{Client, calls};
use apiforge_tui::osc52;
use apiforge_tui::theme::Theme;
use clap::Parser;
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind};
use crossterm::execute;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

#[derive(Debug, Parser)]
#[command(
    name = "apiforge-tui",
    version,
    about = "Terminal console for apiforge admins"
)]
struct Args {
    /// Base URL of the apiforge server.
    #[arg(long, env = "APIFORGE_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Prefills the login's email.
    #[arg(long, env = "APIFORGE_EMAIL", default_value = "")]
    email: String,
}

/// How long quitting waits for the server to end the session.
const LOGOUT_WAIT: Duration = Duration::from_secs(2);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    // The password only from the environment: a flag would show in `ps`.
    let password = std::env::var("APIFORGE_PASSWORD").unwrap_or_default();
    let client = match Client::new() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("apiforge-tui: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut app = App::new(
        Theme::from_env(),
        Start {
            url: args.url,
            email: args.email,
            password,
        },
    );
    // ratatui::init sets raw mode, the alternate screen and a panic hook that
    // restores the terminal before the message prints.
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = run(&mut terminal, &mut app, &client).await;
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    // The token dies with the process anyway; ending the session on the
    // server too means a copy of it (a core dump, a swap page) is worth
    // nothing. A server that does not answer quickly is not waited for.
    if let Some(token) = app.session.token() {
        let _ = tokio::time::timeout(
            LOGOUT_WAIT,
            client.run(&app.session.url, Some(token), calls::logout()),
        )
        .await;
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apiforge-tui: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    client: &Client,
) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    // Terminal input blocks, so it has a thread of its own.
    let input = tx.clone();
    std::thread::spawn(move || {
        loop {
            let action = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Action::Key(k),
                Ok(Event::Paste(text)) => Action::Paste(text),
                Ok(Event::Resize(w, h)) => Action::Resize(w, h),
                Ok(_) => continue,
                Err(_) => break,
            };
            if input.send(action).is_err() {
                break;
            }
        }
    });
    let ticks = tx.clone();
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval(Duration::from_millis(1000 / u64::from(TICKS_PER_SECOND)));
        loop {
            every.tick().await;
            if ticks.send(Action::Tick).is_err() {
                break;
            }
        }
    });
    let mut running: HashMap<u64, AbortHandle> = HashMap::new();
    terminal.draw(|f| app.draw(f))?;
    while let Some(action) = rx.recv().await {
        if let Action::Loaded { id, .. } = &action {
            running.remove(id);
        }
        for effect in app.update(action) {
            match effect {
                Effect::Send {
                    id,
                    base,
                    token,
                    call,
                } => {
                    let (client, back) = (client.clone(), tx.clone());
                    let task = tokio::spawn(async move {
                        let answer = client.run(&base, token.as_deref(), *call).await;
                        let _ = back.send(Action::Loaded { id, answer });
                    });
                    running.insert(id, task.abort_handle());
                }
                Effect::Abort(id) => {
                    if let Some(task) = running.remove(&id) {
                        task.abort();
                    }
                }
                Effect::Copy(text) => {
                    let mut out = std::io::stdout();
                    out.write_all(osc52::sequence(&text).as_bytes())?;
                    out.flush()?;
                }
                Effect::Quit => return Ok(()),
            }
        }
        terminal.draw(|f| app.draw(f))?;
    }
    Ok(())
}
