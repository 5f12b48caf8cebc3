use clap::Parser;
use tracing_subscriber::EnvFilter;

#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[rocket::main]
async fn main() -> std::process::ExitCode {
    oc_pizza::tls::install_crypto_provider();
    let cli = oc_pizza::cli::Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("OC_PIZZA_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr);
    // One JSON object per line for a log shipper; text (coloured on a terminal) otherwise.
    if std::env::var("OC_PIZZA_LOG_FORMAT").is_ok_and(|format| format.trim().eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
    match oc_pizza::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("oc-pizza: error: {error}");
            std::process::ExitCode::from(error.exit_code())
        }
    }
}
