//! Backups, black-box: the real binary backs up to a real S3-protocol server that checks
//! signatures (s3s-fs on loopback) or to a folder, proves each backup by a restore drill, keeps
//! what retention says, and restores — on SQLite, on PostgreSQL, and from one to the other.

mod common;

use std::path::Path;
use std::process::Output;

use common::s3::{stored_keys, S3Server, SECRET_KEY};
use common::{assert_stock_matches_journal, count, demo, Backend, Browser, TestApp, TestDb, DEMO_PASSWORD};
use oc_pizza::db::DbPool;
use reqwest::Method;
use serde_json::json;

const A: &str = "boulogne";

/// A guest orders through the API: (reference, private key).
async fn place(app: &TestApp) -> (String, String) {
    let body = json!({
        "pizzeria": A, "mode": "takeaway", "when": common::next_evening(), "payment": "cash",
        "lines": [{ "pizza": "margherita", "quantity": 2, "note": "bien cuite" }, { "pizza": "reine", "quantity": 1 }],
        "contact": { "name": "Léa Invitée", "email": "lea@exemple.fr", "phone": "06 11 22 33 44" },
    });
    let reply = Browser::new(app).json(Method::POST, "/api/v1/orders", &[], &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let order = reply.json();
    (order["reference"].as_str().expect("reference").into(), order["access_key"].as_str().expect("key").into())
}

/// Three orders, one cancelled (its stock returned): the data a backup must carry.
async fn some_orders(db: &TestDb) -> Vec<(String, String)> {
    let app = TestApp::spawn_with(db, &["--demo"], &[]).await;
    let mut orders = Vec::new();
    for _ in 0..3 {
        orders.push(place(&app).await);
    }
    let (reference, key) = &orders[0];
    let reply = Browser::new(&app)
        .json(
            Method::POST,
            &format!("/api/v1/orders/{reference}/cancel"),
            &[("X-Order-Key", key)],
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    orders
}

/// What must survive a backup and a restore, as text rows that compare across backends.
async fn fingerprint(pool: &DbPool) -> Vec<String> {
    let queries = [
        "SELECT reference || '|' || status || '|' || payment_status || '|' || CAST(total_ttc_cents AS TEXT) || '|' ||
                CAST(version AS TEXT) || '|' || CAST(created_at AS TEXT) FROM orders ORDER BY reference",
        "SELECT o.reference || '|' || l.pizza_name || '|' || CAST(l.quantity AS TEXT) || '|' || CAST(l.unit_price_cents AS TEXT)
         FROM order_lines l JOIN orders o ON o.id = l.order_id ORDER BY 1",
        "SELECT CAST(pizzeria_id AS TEXT) || '|' || CAST(ingredient_id AS TEXT) || '|' || CAST(quantity AS TEXT)
         FROM stock ORDER BY pizzeria_id, ingredient_id",
        "SELECT CAST(id AS TEXT) || '|' || CAST(delta AS TEXT) || '|' || kind || '|' || COALESCE(CAST(order_id AS TEXT), '-')
         FROM stock_movements ORDER BY id",
        "SELECT email || '|' || role || '|' || CASE WHEN active THEN 'active' ELSE 'inactive' END FROM users ORDER BY email",
        "SELECT value FROM app_secrets ORDER BY 1",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let found: Vec<String> = oc_pizza::db_run!(pool, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.push(format!("-- {} rows", found.len()));
        rows.extend(found);
    }
    rows
}

fn envs<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn succeeded(output: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn failed(output: &Output, what: &str) -> String {
    assert!(!output.status.success(), "{what} should have failed:\n{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Destroys the database (a lost disk, a dropped schema): nothing of it is left.
async fn wipe(db: &TestDb) {
    match db.backend {
        Backend::Sqlite => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(db.data_dir().join(format!("oc-pizza.db{suffix}")));
            }
        }
        Backend::Postgres => {
            let pool = db.pool().await;
            common::execute(&pool, "DROP SCHEMA public CASCADE").await;
            common::execute(&pool, "CREATE SCHEMA public").await;
            pool.close().await;
        }
    }
}

async fn restore_drill_through_s3(backend: Backend) {
    let Some(s3) = S3Server::start() else { return };
    let settings = s3.settings(SECRET_KEY);
    let db = TestDb::new(backend).await;
    let orders = some_orders(&db).await;
    let pool = db.pool().await;
    let before = fingerprint(&pool).await;
    pool.close().await;

    let stdout = succeeded(&common::run(&db, &["backup", "run"], &envs(&settings)), "backup run");
    let keys = s3.stored_keys();
    assert_eq!(keys.len(), 1, "one backup in the bucket: {keys:?}");
    let key = &keys[0];
    assert!(stdout.contains(&format!("backup {key} stored in the bucket oc-pizza-backups")), "{stdout}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s3.prefix_dir().join(key).join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(manifest["row_counts"]["orders"], 3);
    assert!(manifest["verified_at"].as_i64().is_some(), "the restore drill passed: {manifest}");
    let expected_native = if backend == Backend::Sqlite { "native.sqlite.zst" } else { "native.pgdump.zst" };
    let files: Vec<&str> =
        manifest["files"].as_array().expect("files").iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(files, ["data.jsonl.zst", expected_native]);
    let listing = succeeded(&common::run(&db, &["backup", "list"], &envs(&settings)), "backup list");
    assert!(listing.lines().any(|line| line.starts_with(key.as_str()) && line.contains(" yes ")), "{listing}");

    wipe(&db).await;
    let stdout = succeeded(&common::run(&db, &["restore", key], &envs(&settings)), "restore");
    assert!(stdout.contains("restored") && stdout.contains("(3 orders)"), "{stdout}");
    assert!(!stdout.contains("safety snapshot"), "nothing to keep in an empty database: {stdout}");
    let pool = db.pool().await;
    assert_eq!(fingerprint(&pool).await, before, "same orders, stock and movements after the restore");
    assert_stock_matches_journal(&pool).await;

    // The restored site works: accounts, guest links (same installation secret), and new
    // orders after the restored ones (identity sequences moved past them).
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let (reference, key_of_guest) = &orders[1];
    let guest = Browser::new(&app);
    let reply = guest.api(Method::GET, &format!("/api/v1/orders/{reference}"), &[("X-Order-Key", key_of_guest)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    Browser::new(&app).sign_in(&demo("manager", A), DEMO_PASSWORD).await;
    place(&app).await;
    drop(app);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM orders").await, 4);

    // Restoring over data keeps a safety snapshot of it first.
    let stdout = succeeded(&common::run(&db, &["restore", key], &envs(&settings)), "restore over data");
    assert!(stdout.contains("safety snapshot of the data before the restore: "), "{stdout}");
    assert_eq!(fingerprint(&pool).await, before);
    let keys = s3.stored_keys();
    assert_eq!(keys.len(), 2, "the backup and the safety snapshot: {keys:?}");
    let safety: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s3.prefix_dir().join(&keys[1]).join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(safety["triggered_by"], "pre_restore");
    assert_eq!(safety["row_counts"]["orders"], 4);
    let runs = count(&pool, "SELECT COUNT(*) FROM backup_runs WHERE status = 'succeeded'").await;
    assert_eq!(runs, 1, "the restore keeps this installation's journal of backups (the safety snapshot's run)");
    pool.close().await;
}

async fn every_table_is_backed_up_or_deliberately_left_out(backend: Backend) {
    let db = TestDb::new(backend).await;
    let pool = db.pool().await;
    pool.migrate().await.expect("migrate");
    let mut covered: Vec<String> = oc_pizza::store::dump::TABLES
        .iter()
        .chain(oc_pizza::store::dump::NOT_BACKED_UP)
        .map(|t| t.to_string())
        .collect();
    covered.sort();
    assert_eq!(oc_pizza::store::dump::schema_tables(&pool).await.expect("tables"), covered);
    pool.close().await;
}

/// Waits until `sql` counts at least `expected` (a background job's work).
async fn wait_for_count(pool: &DbPool, sql: &str, expected: i64, app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while count(pool, sql).await < expected {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {sql}:\n{}", app.log());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn scheduled(settings: &mut Vec<(&'static str, String)>) {
    settings.extend([
        ("OC_PIZZA_BACKUP_SCHEDULE", "0 0 * * *".to_string()),
        ("OC_PIZZA_BACKUP_TIME_ZONE", "Europe/Paris".to_string()),
        ("OC_PIZZA_BACKUP_CATCH_UP_DELAY_SECONDS", "1".to_string()),
    ]);
}

async fn wrong_credentials_are_a_recorded_failure_while_the_site_stays_up(backend: Backend) {
    let Some(s3) = S3Server::start() else { return };
    let db = TestDb::new(backend).await;
    let mut settings = s3.settings("not-the-secret-key");
    scheduled(&mut settings);
    settings.extend([
        ("OC_PIZZA_BACKUP_ATTEMPTS", "2".to_string()),
        ("OC_PIZZA_BACKUP_RETRY_BASE_SECONDS", "1".to_string()),
    ]);
    // Never backed up: the server catches up after boot, fails, retries once, fails again.
    let app = TestApp::spawn_with(&db, &["--demo"], &envs(&settings)).await;
    let pool = db.pool().await;
    wait_for_count(
        &pool,
        "SELECT COUNT(*) FROM backup_runs WHERE status = 'failed' AND triggered_by = 'schedule'",
        2,
        &app,
    )
    .await;
    assert_eq!(app.get("/").await.status(), 200, "the site keeps serving");
    let error = common::scalar_text(&pool, "SELECT error FROM backup_runs WHERE status = 'failed'").await;
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("access refused: check backup_s3_access_key and backup_s3_secret_key")),
        "{error:?}"
    );
    assert!(!app.log().contains("not-the-secret-key"), "the secret is never logged");
    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let page = admin.get("/admin/backups").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Dernier échec") && page.body.contains("access refused"), "{}", page.body);
    assert!(page.body.contains("✖ aucune"), "no success yet");

    let stderr = failed(&common::run(&db, &["backup", "run"], &envs(&settings)), "backup with a wrong secret");
    assert!(stderr.contains("access refused"), "{stderr}");
    assert!(!stderr.contains("not-the-secret-key"), "the secret is never printed: {stderr}");
    assert!(s3.stored_keys().is_empty());
    pool.close().await;
}

async fn a_missed_night_is_caught_up_after_boot_and_admins_can_back_up_now(backend: Backend) {
    let Some(s3) = S3Server::start() else { return };
    let db = TestDb::new(backend).await;
    let mut settings = s3.settings(SECRET_KEY);
    scheduled(&mut settings);
    let app = TestApp::spawn_with(&db, &["--demo"], &envs(&settings)).await;
    let pool = db.pool().await;
    wait_for_count(
        &pool,
        "SELECT COUNT(*) FROM backup_runs WHERE status = 'succeeded' AND triggered_by = 'schedule'",
        1,
        &app,
    )
    .await;
    let keys = s3.stored_keys();
    assert_eq!(keys.len(), 1, "{keys:?}");

    let admin = Browser::new(&app);
    admin.sign_in("admin@demo.ocpizza.fr", DEMO_PASSWORD).await;
    let page = admin.get("/admin/backups").await;
    assert!(page.body.contains(&keys[0]), "the last success is shown: {}", page.body);
    let next = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + chrono::Duration::days(1);
    let tonight = format!("{} à 00:00", next.format("%d/%m/%Y"));
    assert!(page.body.contains(&tonight), "the next run is next local midnight ({tonight}): {}", page.body);
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    let line =
        metrics.lines().find(|l| l.starts_with("oc_pizza_backup_last_success_timestamp_seconds")).expect("metric");
    assert!(!line.ends_with(" 0"), "{line}");

    // "Sauvegarder maintenant": a CSRF-checked POST that runs a manual backup in the background.
    let refused = admin.post_raw("/admin/backups/run", &[], &[]).await;
    assert_eq!(refused.status, 403, "no CSRF token, no backup");
    let reply = admin.submit("/admin/backups/run", &[]).await;
    assert_eq!(reply.redirect_path(), Some("/admin/backups"));
    wait_for_count(
        &pool,
        "SELECT COUNT(*) FROM backup_runs WHERE status = 'succeeded' AND triggered_by = 'manual'",
        1,
        &app,
    )
    .await;
    assert_eq!(s3.stored_keys().len(), 2);
    let page = admin.get("/admin/backups").await;
    assert!(page.body.contains("manuelle") && page.body.contains("planifiée"), "{}", page.body);
    pool.close().await;
}

async fn a_newer_schema_or_a_damaged_file_is_refused_and_dry_run_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    some_orders(&db).await;
    let folder = tempfile::tempdir().expect("backup folder");
    let dir = folder.path().to_string_lossy().into_owned();
    let local = [("OC_PIZZA_BACKUP_DIR", dir.as_str())];
    succeeded(&common::run(&db, &["backup", "run"], &local), "backup run");
    let key = stored_keys(folder.path()).pop().expect("a backup");
    let backup = folder.path().join(&key);
    let pool = db.pool().await;
    place_directly_cancelled_marker(&pool).await;
    let before = fingerprint(&pool).await;

    let stdout = succeeded(&common::run(&db, &["restore", "--dry-run", &key], &local), "dry run");
    assert!(stdout.contains("dry run") && stdout.contains("nothing changed"), "{stdout}");
    assert_eq!(fingerprint(&pool).await, before, "a dry run changes nothing");
    assert_eq!(stored_keys(folder.path()).len(), 1, "and takes no snapshot");

    let manifest_path = backup.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).expect("manifest");
    let mut newer: serde_json::Value = serde_json::from_str(&original).expect("JSON");
    newer["schema_version"] = json!(20991231000001_i64);
    std::fs::write(&manifest_path, newer.to_string()).expect("write");
    let stderr = failed(&common::run(&db, &["restore", &key], &local), "restore of a newer schema");
    assert!(stderr.contains("newer than this program's"), "{stderr}");
    std::fs::write(&manifest_path, &original).expect("write");

    let data = backup.join("data.jsonl.zst");
    let mut bytes = std::fs::read(&data).expect("dump");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&data, bytes).expect("write");
    let stderr = failed(&common::run(&db, &["restore", backup.to_str().expect("path")], &local), "damaged restore");
    assert!(stderr.contains("does not match its manifest"), "{stderr}");
    let stderr = failed(&common::run(&db, &["backup", "verify", &key], &local), "verify a damaged backup");
    assert!(stderr.contains("does not match its manifest"), "{stderr}");
    assert_eq!(fingerprint(&pool).await, before, "refusals change nothing");
    pool.close().await;
}

/// A change after the backup, so that "nothing changed" is told apart from "restored".
async fn place_directly_cancelled_marker(pool: &DbPool) {
    common::execute(pool, "UPDATE orders SET cancel_reason = 'après la sauvegarde' WHERE status = 'cancelled'").await;
}

async fn retention_deletes_exactly_what_it_should(backend: Backend) {
    let Some(s3) = S3Server::start() else { return };
    let db = TestDb::new(backend).await;
    // Earlier backups already in the bucket (from 2025: far from today's), one unverified.
    let fake = |key: &str, verified: bool| {
        let dir = s3.prefix_dir().join(key);
        std::fs::create_dir_all(&dir).expect("folder");
        let manifest = json!({
            "format": "oc-pizza-backup/1", "key": key, "app_version": "0.1.0", "schema_version": 20261125000001_i64,
            "backend": "sqlite", "triggered_by": "schedule", "created_at": 0, "duration_ms": 1,
            "files": [], "row_counts": {}, "verified_at": if verified { json!(1) } else { json!(null) },
        });
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("manifest");
    };
    fake("20250310T120000.000Z", true);
    fake("20250320T120000.000Z", true);
    fake("20250405T120000.000Z", true);
    fake("20250406T120000.000Z", false);
    fake("20250501T120000.000Z", true);
    let mut settings = s3.settings(SECRET_KEY);
    settings.extend([
        ("OC_PIZZA_BACKUP_KEEP_DAILY", "2".to_string()),
        ("OC_PIZZA_BACKUP_KEEP_WEEKLY", "0".to_string()),
        ("OC_PIZZA_BACKUP_KEEP_MONTHLY", "3".to_string()),
    ]);
    let stdout = succeeded(&common::run(&db, &["backup", "run"], &envs(&settings)), "backup run");
    let keys = s3.stored_keys();
    assert_eq!(keys.len(), 3, "{keys:?}\n{stdout}");
    // Days: today's backup and 2025-05-01. Months: this one, May 2025 and April 2025 (its
    // newest verified backup: the unverified one of the 6th counts for nothing). The unverified
    // one goes (a newer backup was verified); March 2025 is past the three months.
    assert_eq!(&keys[..2], ["20250405T120000.000Z", "20250501T120000.000Z"]);
    for gone in ["20250310T120000.000Z", "20250320T120000.000Z", "20250406T120000.000Z"] {
        assert!(stdout.contains(&format!("deleted by retention: {gone}")), "{stdout}");
        assert!(!s3.prefix_dir().join(gone).join("manifest.json").exists(), "{gone} is gone from the bucket");
    }
}

async fn check_config_redacts_the_storage_secrets_and_refuses_unusable_settings(backend: Backend) {
    let Some(s3) = S3Server::start() else { return };
    let db = TestDb::new(backend).await;
    let settings = s3.settings(SECRET_KEY);
    let stdout = succeeded(&common::run(&db, &["check-config"], &envs(&settings)), "check-config");
    let line = |key: &str| stdout.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_default().to_string();
    assert!(line("backup_s3_secret_key").contains("(set, redacted)"), "{stdout}");
    assert!(line("backup_s3_access_key").contains("(set, redacted)"), "{stdout}");
    assert!(!stdout.contains(SECRET_KEY) && !stdout.contains(common::s3::ACCESS_KEY), "{stdout}");
    assert!(line("backup_s3_endpoint").contains(&s3.endpoint), "{stdout}");
    assert!(line("backup_schedule").contains("0 0 * * *") || line("backup_schedule").contains("off"), "{stdout}");

    let refused = common::run(&db, &["check-config"], &[("OC_PIZZA_BACKUP_SCHEDULE", "0 25 * * *")]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("invalid cron expression"));
    let refused = common::run(&db, &["check-config"], &[("OC_PIZZA_BACKUP_STORAGE", "s3")]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs backup_s3_endpoint"));
    let refused = common::run(
        &db,
        &["check-config"],
        &[("OC_PIZZA_BACKUP_STORAGE", "s3"), ("OC_PIZZA_BACKUP_S3_ENDPOINT", "http://s3.example.com")],
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("must be an https:// address"));
}

/// A backup taken while orders keep coming restores to a consistent database: every
/// order with its lines and its stock movements, and stock = sum of movements.
async fn a_backup_taken_during_orders_restores_consistently(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db, &["--demo"], &[]).await;
    let pool = db.pool().await;
    // Plenty of stock (with its restock movements) so that orders keep succeeding.
    common::execute(
        &pool,
        "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
         SELECT pizzeria_id, ingredient_id, 1000000, 'restock', 'test' FROM stock",
    )
    .await;
    common::execute(&pool, "UPDATE stock SET quantity = quantity + 1000000").await;
    let folder = tempfile::tempdir().expect("backup folder");
    let dir = folder.path().to_string_lossy().into_owned();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let app = std::sync::Arc::new(app);
    let orderers: Vec<_> = (0..4)
        .map(|_| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                let mut placed = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    place(&app).await;
                    placed += 1;
                }
                placed
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let output = {
        let mut command = common::command(&db);
        command.args(["backup", "run"]).env("OC_PIZZA_BACKUP_DIR", &dir);
        tokio::task::spawn_blocking(move || command.output().expect("run oc-pizza")).await.expect("backup")
    };
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut placed = 0;
    for orderer in orderers {
        placed += orderer.await.expect("orders");
    }
    succeeded(&output, "backup during orders");
    let key = stored_keys(folder.path()).pop().expect("a backup");
    let total = count(&pool, "SELECT COUNT(*) FROM orders").await;
    assert_eq!(total, placed);

    let restored = TestDb::new(backend).await;
    let stdout =
        succeeded(&common::run(&restored, &["restore", &key], &[("OC_PIZZA_BACKUP_DIR", dir.as_str())]), "restore");
    let copy = restored.pool().await;
    let orders = count(&copy, "SELECT COUNT(*) FROM orders").await;
    assert!(orders > 0 && orders <= total, "{orders} of {total} orders were in the snapshot\n{stdout}");
    assert_stock_matches_journal(&copy).await;
    let without_lines = count(
        &copy,
        "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)",
    )
    .await;
    let without_movements = count(
        &copy,
        "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS
             (SELECT 1 FROM stock_movements m WHERE m.order_id = o.id AND m.kind = 'order')",
    )
    .await;
    let orphan_movements = count(
        &copy,
        "SELECT COUNT(*) FROM stock_movements m WHERE m.kind = 'order'
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = m.order_id)",
    )
    .await;
    assert_eq!((without_lines, without_movements, orphan_movements), (0, 0, 0), "no half-written order");
    copy.close().await;
    pool.close().await;
}

both_backends!(
    restore_drill_through_s3,
    every_table_is_backed_up_or_deliberately_left_out,
    wrong_credentials_are_a_recorded_failure_while_the_site_stays_up,
    a_missed_night_is_caught_up_after_boot_and_admins_can_back_up_now,
    a_newer_schema_or_a_damaged_file_is_refused_and_dry_run_changes_nothing,
    retention_deletes_exactly_what_it_should,
    check_config_redacts_the_storage_secrets_and_refuses_unusable_settings,
    a_backup_taken_during_orders_restores_consistently,
);

/// Several instances on one PostgreSQL: a missed night is caught up by one of them only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_catch_up_once() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let Some(s3) = S3Server::start() else { return };
    let db = TestDb::new(Backend::Postgres).await;
    // Migrated and seeded before both start, so that they boot at the same moment.
    succeeded(&common::run(&db, &["migrate"], &[]), "migrate");
    let mut settings = s3.settings(SECRET_KEY);
    scheduled(&mut settings);
    let settings = envs(&settings);
    let (first, second) =
        tokio::join!(TestApp::spawn_with(&db, &[], &settings), TestApp::spawn_with(&db, &[], &settings));
    let pool = db.pool().await;
    wait_for_count(&pool, "SELECT COUNT(*) FROM backup_runs WHERE status = 'succeeded'", 1, &first).await;
    // Both were due 1 s after boot; give the other every chance to run a second one.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM backup_runs").await, 1, "{}\n{}", first.log(), second.log());
    assert_eq!(s3.stored_keys().len(), 1);
    pool.close().await;
}

/// The appliance's promise: a SQLite installation grows into PostgreSQL with its history,
/// and a PostgreSQL backup comes back into SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_restores_into_postgres_and_back() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let folder = tempfile::tempdir().expect("backup folder");
    let dir = folder.path().to_string_lossy().into_owned();
    let local = [("OC_PIZZA_BACKUP_DIR", dir.as_str())];

    let sqlite = TestDb::new(Backend::Sqlite).await;
    some_orders(&sqlite).await;
    let pool = sqlite.pool().await;
    let from_sqlite = fingerprint(&pool).await;
    pool.close().await;
    succeeded(&common::run(&sqlite, &["backup", "run"], &local), "SQLite backup");
    let sqlite_key = stored_keys(folder.path()).pop().expect("SQLite backup");

    let postgres = TestDb::new(Backend::Postgres).await;
    let path = folder.path().join(&sqlite_key);
    succeeded(&common::run(&postgres, &["restore", path.to_str().expect("path")], &local), "restore into PostgreSQL");
    let pool = postgres.pool().await;
    assert_eq!(fingerprint(&pool).await, from_sqlite, "the SQLite history, now in PostgreSQL");
    assert_stock_matches_journal(&pool).await;
    let app = TestApp::spawn_with(&postgres, &["--demo"], &[]).await;
    place(&app).await;
    drop(app);
    let from_postgres = fingerprint(&pool).await;
    pool.close().await;
    succeeded(&common::run(&postgres, &["backup", "run"], &local), "PostgreSQL backup");
    let postgres_key = stored_keys(folder.path()).pop().expect("PostgreSQL backup");
    assert_ne!(postgres_key, sqlite_key);

    let back = TestDb::new(Backend::Sqlite).await;
    let stdout = succeeded(&common::run(&back, &["restore", &postgres_key], &local), "restore into SQLite");
    assert!(stdout.contains("(4 orders)"), "{stdout}");
    let pool = back.pool().await;
    assert_eq!(fingerprint(&pool).await, from_postgres, "and back into SQLite");
    assert_stock_matches_journal(&pool).await;
    pool.close().await;
    assert!(Path::new(&dir).join(&postgres_key).join("native.pgdump.zst").is_file());
}

/// Large files go up in parts (S3 multipart upload) and come back identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_are_uploaded_in_parts() {
    use oc_pizza::backup::storage::Storage;
    use oc_pizza::config::backup::StorageTarget;
    let Some(s3) = S3Server::start() else { return };
    let target = StorageTarget::S3 {
        endpoint: s3.endpoint.clone(),
        region: "fr-par".into(),
        bucket: common::s3::BUCKET.into(),
        access_key: common::s3::ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
        prefix: common::s3::PREFIX.into(),
    };
    let storage = Storage::open(&target, 5).expect("storage");
    let folder = tempfile::tempdir().expect("folder");
    // 12 MiB that do not compress: three parts of 5, 5 and 2 MiB.
    let mut bytes = vec![0u8; 12 << 20];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for byte in bytes.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    let local = folder.path().join("big");
    std::fs::write(&local, &bytes).expect("write");
    let key = "20261126T000000.000Z";
    storage.upload(&local, key, "big.bin").await.expect("multipart upload");
    let stored = std::fs::read(s3.prefix_dir().join(key).join("big.bin")).expect("stored object");
    assert!(stored == bytes, "the server holds the same 12 MiB");
    let back = folder.path().join("back");
    storage.download(key, "big.bin", &back).await.expect("download");
    assert!(std::fs::read(&back).expect("read") == bytes, "and gives them back");

    // The same with a wrong secret: refused by the server's signature check.
    let wrong = match target {
        StorageTarget::S3 { endpoint, region, bucket, access_key, prefix, .. } => {
            StorageTarget::S3 { endpoint, region, bucket, access_key, secret_key: "wrong".into(), prefix }
        }
        other => other,
    };
    let refused = Storage::open(&wrong, 5).expect("storage").upload(&local, key, "again.bin").await;
    let message = refused.expect_err("a wrong secret is refused").to_string();
    assert!(message.contains("access refused"), "{message}");
}

/// PostgreSQL's native snapshot needs pg_dump: its absence is a clear, recorded failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_pg_dump_is_a_clear_failure() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    succeeded(&common::run(&db, &["migrate"], &[]), "migrate");
    let folder = tempfile::tempdir().expect("backup folder");
    let dir = folder.path().to_string_lossy().into_owned();
    let envs = [("OC_PIZZA_BACKUP_DIR", dir.as_str()), ("OC_PIZZA_BACKUP_PG_DUMP", "/nonexistent/pg_dump")];
    let stderr = failed(&common::run(&db, &["backup", "run"], &envs), "backup without pg_dump");
    assert!(
        stderr.contains("/nonexistent/pg_dump is not installed") && stderr.contains("postgresql-client"),
        "{stderr}"
    );
    assert!(stored_keys(folder.path()).is_empty());
    let pool = db.pool().await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM backup_runs WHERE status = 'failed'").await, 1);
    pool.close().await;
}
