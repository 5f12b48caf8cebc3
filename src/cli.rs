//! The command line: `oc-pizza [serve|migrate|check-config]`, `--version`.

use clap::{Parser, Subcommand};

use crate::config::{CliOverrides, Config};
use crate::db::{BootLock, DbPool, PoolSettings};
use crate::Result;

#[derive(Debug, Parser)]
#[command(
    name = "oc-pizza",
    version,
    about = "OC Pizza: commandes, cuisine, livraison et stock d'une chaîne de pizzerias"
)]
pub struct Cli {
    /// Create the demo accounts (refused in the release profile).
    #[arg(long, global = true)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply pending database migrations and the first-boot seed, then exit.
    Migrate,
    /// Print the effective settings and where each one comes from (secrets redacted).
    CheckConfig,
}

pub async fn run(cli: Cli) -> Result<()> {
    let config = Config::load(&CliOverrides { demo: cli.demo })?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            config.validate()?;
            let rocket = crate::app::build(&config)?;
            // Ignition connects to the database, migrates and seeds: one process at a time.
            let boot_lock = BootLock::acquire(&config.settings.effective_database_url()).await?;
            let rocket = rocket.ignite().await.map_err(|e| crate::Error::Startup(e.to_string()))?;
            drop(boot_lock);
            rocket.launch().await.map_err(|e| crate::Error::Startup(e.to_string()))?;
            Ok(())
        }
        Command::Migrate => {
            config.validate()?;
            crate::app::ensure_data_dir(&config.settings.data_dir)?;
            let url = config.settings.effective_database_url();
            let _boot_lock = BootLock::acquire(&url).await?;
            let db = DbPool::connect(&url, &PoolSettings::default()).await?;
            crate::app::prepare_database(&db, config.settings.demo).await?;
            db.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::CheckConfig => {
            let rows = config.describe();
            let width = rows.iter().map(|(key, _, _)| key.len()).max().unwrap_or(0);
            for (key, value, source) in &rows {
                println!("{key:width$} = {value:40}  # {source}");
            }
            config.validate()?;
            println!("configuration is valid");
            Ok(())
        }
    }
}
