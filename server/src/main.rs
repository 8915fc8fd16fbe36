//! `apiforge`: see `cli.rs` for the commands and `app.rs` for what they do.

use clap::Parser;

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
