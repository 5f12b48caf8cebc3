use clap::Parser;

#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[rocket::main]
async fn main() -> std::process::ExitCode {
    oc_pizza::tls::install_crypto_provider();
    let cli = oc_pizza::cli::Cli::parse();
    oc_pizza::logging::init();
    match oc_pizza::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("oc-pizza: error: {error}");
            std::process::ExitCode::from(error.exit_code())
        }
    }
}
