//! The `abca-conformance` binary: the command line over the engine library.
mod cli;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("abca-conformance: error: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = rt.block_on(cli::main(cli));
    std::process::exit(code);
}
