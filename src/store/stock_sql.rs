//! The stock journal's one writer, and the SQL shared by the writes that move stock (orders,
//! their moves, the stock screens): multi-row statements, and the lock / journal / release
//! steps as macros so that one body serves both backends inside `db_run!`.
//!
//! Every movement — an order, a cancellation, waste, a reception, an inventory, a transfer
//! — is written by [`write_journal!`]: the journal's lines and the stock rows they change,
//! in the same transaction. The one exception in form is the placement of an order, a
//! single batched statement for speed (`order_writes::placement_sql`): it is made of the
//! same two pieces, [`JOURNAL_INSERT`] and [`stock_update_sql_at`].

/// `($first, $first+1, …)` groups of `width` numbered placeholders, `rows` times.
pub(crate) fn value_rows(first: usize, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|row| {
            let cells: Vec<String> = (0..width).map(|col| format!("${}", first + row * width + col)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// `UPDATE stock` by a different amount per ingredient, in one statement. Parameters:
/// `$1` pizzeria, `$2` now, then (ingredient, delta) pairs.
pub(crate) fn stock_update_sql(count: usize) -> String {
    stock_update_sql_at(StockUpdate { pizzeria: 1, now: 2, first_pair: 3, count, sign: '+' })
}

/// Where [`stock_update_sql_at`] finds its parameters, and whether it adds or takes the
/// amounts.
pub(crate) struct StockUpdate {
    pub pizzeria: usize,
    pub now: usize,
    /// The first (ingredient, amount) pair's ingredient; its amount follows.
    pub first_pair: usize,
    pub count: usize,
    pub sign: char,
}

pub(crate) fn stock_update_sql_at(update: StockUpdate) -> String {
    let StockUpdate { pizzeria, now, first_pair, count, sign } = update;
    let cases: String =
        (0..count).map(|i| format!(" WHEN ${} THEN ${}", first_pair + 2 * i, first_pair + 1 + 2 * i)).collect();
    let ids: Vec<String> = (0..count).map(|i| format!("${}", first_pair + 2 * i)).collect();
    format!(
        "UPDATE stock SET quantity = quantity {sign} CASE ingredient_id{cases} END, updated_at = ${now}
         WHERE pizzeria_id = ${pizzeria} AND ingredient_id IN ({})",
        ids.join(", ")
    )
}

/// Locks the stock rows of these ingredients in ingredient order and returns their
/// quantities (a missing row is no stock).
macro_rules! lock_stock {
    ($tx:expr, $lock:expr, $pizzeria_id:expr, $ingredients:expr) => {{
        let ingredients: Vec<i64> = $ingredients;
        let mut held: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
        if !ingredients.is_empty() {
            let sql = format!(
                "SELECT ingredient_id, quantity FROM stock WHERE pizzeria_id = $1 AND ingredient_id IN ({})
                 ORDER BY ingredient_id{}",
                $crate::store::stock_sql::placeholders(2, ingredients.len()),
                $lock
            );
            let mut select = sqlx::query_as::<_, (i64, i64)>(&sql).bind($pizzeria_id);
            for id in &ingredients {
                select = select.bind(*id);
            }
            held.extend(select.fetch_all(&mut *$tx).await?);
        }
        held
    }};
}

/// Adds `deltas` (ingredient → signed quantity) to the stock, in one statement.
macro_rules! apply_stock {
    ($tx:expr, $pizzeria_id:expr, $deltas:expr, $now:expr) => {{
        let deltas: Vec<(i64, i64)> = $deltas;
        if !deltas.is_empty() {
            let sql = $crate::store::stock_sql::stock_update_sql(deltas.len());
            let mut update = sqlx::query(&sql).bind($pizzeria_id).bind($now);
            for (ingredient_id, delta) in &deltas {
                update = update.bind(*ingredient_id).bind(*delta);
            }
            update.execute(&mut *$tx).await?;
        }
    }};
}

/// What the order holds now, per ingredient (the opposite of the sum of its movements).
macro_rules! held_by_order {
    ($tx:expr, $order_id:expr) => {{
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT ingredient_id, CAST(-SUM(delta) AS BIGINT) FROM stock_movements
             WHERE order_id = $1 GROUP BY ingredient_id HAVING SUM(delta) < 0 ORDER BY ingredient_id",
        )
        .bind($order_id)
        .fetch_all(&mut *$tx)
        .await?;
        rows
    }};
}

/// The head of every write to the journal: eight values a line, in this order.
pub(crate) const JOURNAL_INSERT: &str =
    "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, order_id, user_id, note, created_at) VALUES";

/// Writes movements (`&[domain::stock::Movement]`) to the journal and their sum to the
/// stock rows, inside the caller's transaction: one statement for the lines, one per
/// pizzeria for the rows (the schema's `CHECK (quantity >= 0)` refuses a negative stock;
/// the callers check first, so that it never has to).
macro_rules! write_journal {
    ($tx:expr, $movements:expr, $now:expr) => {{
        let movements: &[$crate::domain::stock::Movement] = $movements;
        if !movements.is_empty() {
            let sql = format!(
                "{} {}",
                $crate::store::stock_sql::JOURNAL_INSERT,
                $crate::store::stock_sql::value_rows(1, movements.len(), 8)
            );
            let mut insert = sqlx::query(&sql);
            for movement in movements {
                insert = insert
                    .bind(movement.pizzeria_id)
                    .bind(movement.ingredient_id)
                    .bind(movement.delta)
                    .bind(movement.kind.as_str())
                    .bind(movement.order_id)
                    .bind(movement.user_id)
                    .bind(&movement.note)
                    .bind($now);
            }
            insert.execute(&mut *$tx).await?;
            let changes = $crate::domain::stock::stock_changes(movements);
            let mut pizzerias: Vec<i64> = changes.iter().map(|(pizzeria, _, _)| *pizzeria).collect();
            pizzerias.dedup();
            for pizzeria in pizzerias {
                let deltas: Vec<(i64, i64)> = changes
                    .iter()
                    .filter(|c| c.0 == pizzeria)
                    .map(|(_, ingredient, delta)| (*ingredient, *delta))
                    .collect();
                $crate::store::stock_sql::apply_stock!($tx, pizzeria, deltas, $now);
            }
        }
    }};
}

/// `held` (ingredient, quantity) of an order as movements of `kind`, signed by `sign`.
pub(crate) fn order_movements(
    pizzeria_id: i64,
    order_id: i64,
    held: &[(i64, i64)],
    kind: crate::domain::stock::MovementKind,
    sign: i64,
    user_id: Option<i64>,
    note: &str,
) -> Vec<crate::domain::stock::Movement> {
    held.iter()
        .map(|(ingredient_id, quantity)| crate::domain::stock::Movement {
            pizzeria_id,
            ingredient_id: *ingredient_id,
            delta: sign * quantity,
            kind,
            order_id: Some(order_id),
            user_id,
            note: note.to_string(),
        })
        .collect()
}

/// Gives back what the order holds, journaled as `cancellation` movements.
macro_rules! release {
    ($tx:expr, $pizzeria_id:expr, $order_id:expr, $held:expr, $user_id:expr, $note:expr, $now:expr) => {{
        let back = $crate::store::stock_sql::order_movements(
            $pizzeria_id,
            $order_id,
            $held,
            $crate::domain::stock::MovementKind::Cancellation,
            1,
            $user_id,
            $note,
        );
        $crate::store::stock_sql::write_journal!($tx, &back, $now);
    }};
}

/// Gives every pizzeria a stock row at zero for every ingredient it lacks (a new pizzeria, a
/// new ingredient). SQLite needs the `WHERE` to read `ON CONFLICT` as an upsert after a SELECT.
pub(crate) const ZERO_STOCK_ROWS: &str = "INSERT INTO stock (pizzeria_id, ingredient_id, quantity, low_threshold)
     SELECT p.id, i.id, 0, 0 FROM pizzerias p CROSS JOIN ingredients i WHERE TRUE
     ON CONFLICT (pizzeria_id, ingredient_id) DO NOTHING";

pub(crate) use {apply_stock, held_by_order, lock_stock, release, write_journal};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_sql() {
        assert_eq!(value_rows(1, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        let sql = stock_update_sql(2);
        assert!(sql.contains("CASE ingredient_id WHEN $3 THEN $4 WHEN $5 THEN $6 END"), "{sql}");
        assert!(sql.contains("ingredient_id IN ($3, $5)"), "{sql}");
    }
}
