//! The SQLite and PostgreSQL migrations describe the same schema: same tables, same
//! columns (type family and nullability), same keys, foreign keys, unique and CHECK
//! constraints.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Backend, TestDb};
use oc_pizza::db::DbPool;

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// column → (type family, NOT NULL)
    columns: BTreeMap<String, (String, bool)>,
    primary_key: BTreeSet<String>,
    /// (columns, referenced table, referenced columns)
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>)>,
    unique: BTreeSet<Vec<String>>,
    checks: usize,
}

fn type_family(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" | "smallint" => "integer".into(),
        "text" | "character varying" => "text".into(),
        "boolean" => "boolean".into(),
        other => other.into(),
    }
}

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> BTreeMap<String, Table> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut schema = BTreeMap::new();
    for (name, sql) in tables {
        let mut table = Table::default();
        let columns: Vec<(String, String, bool, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("columns");
        for (column, declared, not_null, pk) in columns {
            if pk > 0 {
                table.primary_key.insert(column.clone());
            }
            table.columns.insert(column, (type_family(&declared), not_null || pk > 0));
        }
        let fks: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1) ORDER BY id, seq")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("foreign keys");
        let mut grouped: BTreeMap<i64, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
        for (id, target, from, to) in fks {
            let entry = grouped.entry(id).or_insert_with(|| (Vec::new(), target, Vec::new()));
            entry.0.push(from);
            entry.2.push(to);
        }
        table.foreign_keys = grouped.into_values().collect();
        let indexes: Vec<(String, String)> =
            sqlx::query_as("SELECT name, origin FROM pragma_index_list($1) WHERE \"unique\" = 1")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("indexes");
        for (index, origin) in indexes {
            if origin == "pk" {
                continue;
            }
            let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&index)
                .fetch_all(pool)
                .await
                .expect("index columns");
            table.unique.insert(columns.into_iter().map(|(c,)| c).collect());
        }
        table.checks = sql.to_ascii_uppercase().matches("CHECK (").count();
        schema.insert(name, table);
    }
    schema
}

async fn postgres_schema(pool: &sqlx::PgPool) -> BTreeMap<String, Table> {
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    let mut schema: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, data_type, nullable) in columns {
        schema.entry(table).or_default().columns.insert(column, (type_family(&data_type), nullable == "NO"));
    }
    // Constraints with their columns in key order.
    // (table, kind, columns, referenced table, referenced columns)
    type ConstraintRow = (String, String, Vec<String>, Option<String>, Option<Vec<String>>);
    let constraints: Vec<ConstraintRow> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.contype::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
                CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text END,
                CASE WHEN c.contype = 'f' THEN ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) END
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND c.contype IN ('p', 'f', 'u', 'c') AND c.conrelid::regclass::text <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("constraints");
    for (table, kind, columns, target, target_columns) in constraints {
        let entry = schema.entry(table).or_default();
        match kind.as_str() {
            "p" => entry.primary_key.extend(columns),
            "f" => {
                entry.foreign_keys.insert((columns, target.unwrap_or_default(), target_columns.unwrap_or_default()));
            }
            "u" => {
                entry.unique.insert(columns);
            }
            _ => entry.checks += 1,
        }
    }
    // Unique indexes created with CREATE UNIQUE INDEX rather than a constraint.
    let indexes: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND i.indisunique AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .expect("unique indexes");
    for (table, columns) in indexes {
        schema.entry(table).or_default().unique.insert(columns);
    }
    schema
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let sqlite_db = TestDb::new(Backend::Sqlite).await;
    let postgres_db = TestDb::new(Backend::Postgres).await;
    let (sqlite, postgres) = (sqlite_db.pool().await, postgres_db.pool().await);
    sqlite.migrate().await.expect("SQLite migrations");
    postgres.migrate().await.expect("PostgreSQL migrations");
    let (DbPool::Sqlite(sqlite_pool), DbPool::Postgres(postgres_pool)) = (&sqlite, &postgres) else {
        panic!("backends")
    };
    let sqlite_schema = sqlite_schema(sqlite_pool).await;
    let postgres_schema = postgres_schema(postgres_pool).await;

    let sqlite_tables: Vec<_> = sqlite_schema.keys().collect();
    let postgres_tables: Vec<_> = postgres_schema.keys().collect();
    assert_eq!(sqlite_tables, postgres_tables, "same tables");
    assert!(sqlite_tables.len() >= 20, "the whole data model is there: {sqlite_tables:?}");
    for (name, table) in &sqlite_schema {
        assert_eq!(Some(table), postgres_schema.get(name), "table {name}: SQLite (left) and PostgreSQL (right) differ");
    }
    sqlite.close().await;
    postgres.close().await;
}

/// The schema holds the invariants the database can hold, on both backends.
async fn the_schema_refuses_bad_rows(backend: Backend) {
    let db = TestDb::new(backend).await;
    let pool = db.pool().await;
    pool.migrate().await.expect("migrations");
    oc_pizza::db::seed::apply_once(&pool).await.expect("seed");
    let refused = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let result = oc_pizza::db_run!(&pool, |p| sqlx::query(sql).execute(p).await.map(|_| ()));
            assert!(result.is_err(), "the database accepted: {sql}");
        }
    };
    refused("UPDATE stock SET quantity = -1").await;
    refused("UPDATE pizzas SET price_cents = 0").await;
    refused("INSERT INTO users (email, password_hash, full_name, role) VALUES ('a@b.fr', 'x', 'A', 'pizzaiolo')").await;
    refused("INSERT INTO users (email, password_hash, full_name, role) VALUES ('a@b.fr', 'x', 'A', 'chef')").await;
    refused("INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind) VALUES (999, 999, 5, 'restock')")
        .await;
    refused("INSERT INTO ingredient_allergens (ingredient_id, allergen) SELECT id, 'pineapple' FROM ingredients").await;
    refused(
        "INSERT INTO orders (reference, pizzeria_id, customer_name, customer_phone, channel, mode, status, payment_method,
             payment_status, total_ht_cents, total_vat_cents, total_ttc_cents)
         SELECT 'R1', id, 'A', '0600000000', 'web', 'delivery', 'placed', 'cash', 'unpaid', 100, 10, 110 FROM pizzerias",
    )
    .await;
    pool.close().await;
}

both_backends!(the_schema_refuses_bad_rows);

/// Each payment rule's SQL condition, evaluated by the database for every combination of
/// payment method, payment state and order status, accepts exactly the rows its pure rule
/// accepts.
async fn payment_conditions_in_sql_follow_their_rules(backend: Backend) {
    use oc_pizza::store::payment_rules::{self, PaymentRule};
    let db = TestDb::new(backend).await;
    let pool = db.pool().await;
    let rows = payment_rules::all_rows();
    assert_eq!(rows.len(), 3 * 3 * 7);
    for rule in PaymentRule::ALL {
        let in_sql = payment_rules::evaluate(&pool, rule, &rows).await.expect("evaluated");
        let by_rule: Vec<i64> = (0..rows.len() as i64).filter(|&i| rule.holds(rows[i as usize])).collect();
        assert!(!by_rule.is_empty(), "{rule:?} accepts some row");
        assert_eq!(in_sql, by_rule, "{rule:?}: {}", rule.sql("t"));
    }
    pool.close().await;
}

both_backends!(payment_conditions_in_sql_follow_their_rules);
