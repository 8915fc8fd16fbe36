//! `apiforge`: see `cli.rs` for the commands and `app.rs` for what they do.

use clap::Parser;

/// Requests allocate many small short-lived buffers; glibc's malloc spent ~13%
/// of the server's CPU on them in the PostgreSQL benchmark (README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = apiforge::cli::Cli::parse();
    match apiforge::app::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apiforge: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
