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
    /// Take, list and verify backups (storage from the backup_* settings).
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Guests' private order links.
    #[command(subcommand)]
    GuestLinks(GuestLinksCommand),
    /// Replace the database's data with a backup's. Stop the service first.
    Restore {
        /// A backup key from `backup list`, a downloaded backup folder, or a data.jsonl.zst file.
        source: String,
        /// Say what would happen, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not back up the current data first (when the storage is out of reach).
        #[arg(long)]
        no_safety_snapshot: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuestLinksCommand {
    /// Replace the secret guest links derive from (after a backup leaked, for instance):
    /// links already sent keep working during the grace period, then stop. Restart the
    /// service (every instance) afterwards.
    Rotate {
        /// Days the old links keep working (default: guest_link_rotation_grace_days).
        #[arg(long)]
        grace_days: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up now: snapshot, upload, restore drill, retention.
    Run,
    /// The stored backups, oldest first.
    List,
    /// Run the restore drill on a stored backup again.
    Verify { key: String },
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
            // Dropped when serving ends: what is queued for Sentry is flushed then.
            let _errors = crate::reporting::init(&config.settings.sentry);
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
            crate::config::ensure_data_dir(&config.settings.data_dir)?;
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
            crate::config::ensure_data_dir(&config.settings.data_dir)?;
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
        Command::GuestLinks(GuestLinksCommand::Rotate { grace_days }) => {
            config.validate()?;
            let grace_days = grace_days.unwrap_or(config.settings.security.guest_link_rotation_grace_days);
            if !(0..=365).contains(&grace_days) {
                return Err(crate::Error::Config("--grace-days must be between 0 and 365".into()));
            }
            let url = config.settings.effective_database_url();
            let db = DbPool::connect(&url, &PoolSettings { max_connections: 2, ..Default::default() }).await?;
            let result = async {
                crate::app::prepare_database(&db, false).await?;
                let until = crate::unix_now() + grace_days * 86_400;
                crate::store::app_secrets::rotate_installation_secret(&db, until).await
            }
            .await;
            db.close().await;
            let open = result?;
            println!(
                "guest-link secret replaced: links sent before keep working {grace_days} day(s), then stop \
                 ({open} guest order(s) still open). Restart the service now (systemctl restart oc-pizza)."
            );
            Ok(())
        }
        Command::Backup(command) => {
            config.validate()?;
            let backups = open_backups(&config).await?;
            let outcome = run_backup_command(&backups, command).await;
            backups.close().await;
            outcome
        }
        Command::Restore { source, dry_run, no_safety_snapshot } => {
            config.validate()?;
            let backups = open_backups(&config).await?;
            let outcome = backups.restore(&source, dry_run, !no_safety_snapshot).await;
            backups.close().await;
            print_restore(&outcome?);
            Ok(())
        }
        Command::CheckConfig => {
            let rows = config.describe();
            let width = rows.iter().map(|(key, _, _)| key.len()).max().unwrap_or(0);
            for (key, value, source) in &rows {
                println!("{key:width$} = {value:40}  # {source}");
            }
            config.validate()?;
            for warning in config.warnings() {
                println!("warning: {warning}");
            }
            println!("configuration is valid");
            Ok(())
        }
    }
}

async fn open_backups(config: &Config) -> Result<crate::backup::Backups> {
    crate::config::ensure_data_dir(&config.settings.data_dir)?;
    let url = config.settings.effective_database_url();
    let db = DbPool::connect(&url, &PoolSettings { max_connections: 4, ..Default::default() }).await?;
    match crate::backup::Backups::new(db.clone(), &config.settings) {
        Ok(backups) => Ok(backups),
        Err(error) => {
            db.close().await;
            Err(error)
        }
    }
}

async fn run_backup_command(backups: &crate::backup::Backups, command: BackupCommand) -> Result<()> {
    let time_zone = backups.settings().time_zone();
    let local = |epoch: i64| {
        chrono::DateTime::from_timestamp(epoch, 0)
            .map(|at| at.with_timezone(&time_zone).format("%Y-%m-%d %H:%M:%S %Z").to_string())
            .unwrap_or_default()
    };
    match command {
        BackupCommand::Run => {
            backups.db().migrate().await?;
            let report = backups
                .run(crate::backup::Trigger::Manual, None)
                .await?
                .ok_or_else(|| crate::Error::Backup("another backup is running; try again later".into()))?;
            let orders = report.manifest.row_counts.get("orders").copied().unwrap_or(0);
            println!("backup {} stored in the {}", report.manifest.key, backups.storage().location());
            println!(
                "  {} bytes compressed, {orders} orders; backup {:.1} s, verification {:.1} s",
                report.manifest.total_size(),
                report.backup_ms as f64 / 1000.0,
                report.verify_ms as f64 / 1000.0
            );
            for key in &report.deleted {
                println!("  deleted by retention: {key}");
            }
        }
        BackupCommand::List => {
            println!("{:24}  {:25}  {:>12}  {:11}  {:9}  backend", "key", "taken", "bytes", "trigger", "verified");
            for (key, manifest) in backups.storage().manifests().await? {
                match manifest {
                    Some(m) => println!(
                        "{key:24}  {:25}  {:>12}  {:11}  {:9}  {}",
                        local(m.created_at),
                        m.total_size(),
                        m.triggered_by,
                        if m.verified_at.is_some() { "yes" } else { "no" },
                        m.backend
                    ),
                    None => println!("{key:24}  (no readable manifest: an interrupted upload)"),
                }
            }
        }
        BackupCommand::Verify { key } => {
            let started = std::time::Instant::now();
            let manifest = backups.verify(&key).await?;
            println!(
                "backup {} verified in {:.1} s: checksums, restore drill, integrity and row counts ({} orders)",
                manifest.key,
                started.elapsed().as_secs_f64(),
                manifest.row_counts.get("orders").copied().unwrap_or(0)
            );
        }
    }
    Ok(())
}

fn print_restore(report: &crate::backup::RestoreReport) {
    let orders = |rows: &std::collections::BTreeMap<String, i64>| rows.get("orders").copied().unwrap_or(0);
    match &report.manifest {
        Some(m) => println!(
            "backup {} ({} database, oc-pizza {}, schema {}): {} orders",
            m.key,
            m.backend,
            m.app_version,
            m.schema_version,
            orders(&m.row_counts)
        ),
        None => println!("dump file {} (no manifest: no checksum to check it against)", report.source),
    }
    if report.dry_run {
        println!(
            "dry run: the current data ({} orders) would be backed up first, then replaced by the backup's; nothing changed",
            orders(&report.current_rows)
        );
        return;
    }
    if let Some(key) = &report.safety_snapshot {
        println!("safety snapshot of the data before the restore: {key}");
    }
    let total: i64 = report.restored_rows.values().sum();
    println!("restored {total} rows ({} orders); integrity checks passed", orders(&report.restored_rows));
}
