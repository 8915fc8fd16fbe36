//! `apiforge`: see `cli.rs` for the commands and `app.rs` for what they do.

use std::process::ExitCode;

use clap::Parser;

/// Requests allocate many small short-lived buffers; glibc's malloc spent ~13%
/// of the server's CPU on them in the PostgreSQL benchmark (README, Performance).
/// Built without transparent huge pages (`no_thp`): with them, its arenas
/// tripled the peak RSS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Blocking work is password hashing and file access (SQLite reads run on
/// threads of their own, one per connection: `query::sqlite`). Tokio's
/// default of 512 let idle threads pile up under load (70+ on the SQLite
/// benchmark), each holding allocator pages.
const MAX_BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    let cli = apiforge::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("apiforge: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(apiforge::app::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apiforge: {e}");
            ExitCode::FAILURE
        }
    }
}
