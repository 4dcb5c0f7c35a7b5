//! The `zktr` command-line tool.

#![forbid(unsafe_code)]

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Before anything prints: a closed or full stdout never ends in a panic (cli/io.rs).
    cli::io::install_panic_hook();
    let args = cli::Cli::parse();
    cli::init_tracing(args.log_format, args.default_log_filter());
    let code = match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    };
    cli::io::finish(code)
}
