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
    /// Manage accounts (the first admin of a fresh installation, for instance).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a one-time password is generated,
    /// printed once, and must be changed at the first login.
    Add {
        /// customer, counter, pizzaiolo, driver, manager or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        /// The pizzeria's slug (staff roles only), e.g. paris-bastille.
        #[arg(long)]
        pizzeria: Option<String>,
        /// Full name shown in the application (defaults to the e-mail address).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
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
        Command::User(UserCommand::Add { role, email, pizzeria, name, password_stdin }) => {
            config.validate()?;
            crate::app::ensure_data_dir(&config.settings.data_dir)?;
            let url = config.settings.effective_database_url();
            let request = crate::accounts::NewAccountRequest { role, email, pizzeria, name, password_stdin };
            let _boot_lock = BootLock::acquire(&url).await?;
            let db = DbPool::connect(&url, &PoolSettings { max_connections: 2, ..Default::default() }).await?;
            let result = async {
                crate::app::prepare_database(&db, false).await?;
                crate::accounts::add_user(&db, request).await
            }
            .await;
            db.close().await;
            let created = result?;
            println!("account created: {} ({}), id {}", created.email, created.role.as_str(), created.id);
            if let Some(password) = created.one_time_password {
                println!("one-time password (shown once, to be changed at first login): {password}");
            }
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
