use clap::Parser;

fn main() {
    let cli = abca_conformance::cli::Cli::parse();
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
    let code = rt.block_on(abca_conformance::cli::main(cli));
    std::process::exit(code);
}
