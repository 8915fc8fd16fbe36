//! `apiforge-tui`: the terminal UI for admins, a client of the admin API over HTTP.
//!
//! The screens (services, roles, apps and keys, the guided flow) arrive with their
//! issue; for now the binary states its usage so that scripts and packaging can rely
//! on its name and flags.

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "apiforge-tui",
    version,
    about = "Terminal UI for apiforge admins (screens arrive in a later release)"
)]
struct Args {
    /// Base URL of the apiforge server, e.g. http://127.0.0.1:8080
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
}

fn main() {
    let args = Args::parse();
    println!(
        "apiforge-tui will manage the server at {}.\n\
         The screens (Services, Roles, Apps & API keys) are not built yet; until then use the\n\
         admin API: POST {}/api/v2/system/admin/session, then /api/v2/system/service.",
        args.url, args.url
    );
}
