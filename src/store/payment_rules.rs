//! The payment rules of `domain::orders` as SQL conditions on an `orders` row. Each
//! condition is generated from its pure rule: the rule is asked for every value of the
//! columns it reads, and the condition lists the combinations it accepts. So a change of
//! the rule changes the SQL; `tests/payment_rules.rs` still evaluates each condition on
//! both databases for every combination and compares it with the rule.

use crate::db::DbPool;
use crate::domain::orders::{self, PaymentMethod, PaymentStatus, Status};
use crate::{db_run, Result};

/// A rule some SQL `WHERE` must restate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentRule {
    /// `domain::orders::awaiting_online_payment`: the payment webhook and the expiry job.
    AwaitingOnlinePayment,
    /// `domain::orders::customer_may_modify`: claiming an order to modify it.
    CustomerMayModify,
    /// `domain::orders::kitchen_waits_for_payment`: the kitchen's tickets.
    KitchenWaitsForPayment,
    /// `domain::orders::open_and_unpaid`: a guest's open orders, for the limits.
    OpenAndUnpaid,
}

/// One combination of the three columns the rules read.
type Columns = (PaymentMethod, PaymentStatus, Status);

impl PaymentRule {
    pub const ALL: [PaymentRule; 4] = [
        PaymentRule::AwaitingOnlinePayment,
        PaymentRule::CustomerMayModify,
        PaymentRule::KitchenWaitsForPayment,
        PaymentRule::OpenAndUnpaid,
    ];

    /// The pure rule, for a row with these values.
    pub fn holds(self, (method, payment, status): Columns) -> bool {
        match self {
            PaymentRule::AwaitingOnlinePayment => orders::awaiting_online_payment(method, payment, status),
            PaymentRule::CustomerMayModify => orders::customer_may_modify(status, method),
            PaymentRule::KitchenWaitsForPayment => orders::kitchen_waits_for_payment(method, payment),
            PaymentRule::OpenAndUnpaid => orders::open_and_unpaid(payment, status),
        }
    }

    /// Which of `payment_method`, `payment_status`, `status` the rule reads.
    fn reads(self) -> [bool; 3] {
        match self {
            PaymentRule::AwaitingOnlinePayment => [true, true, true],
            PaymentRule::CustomerMayModify => [true, false, true],
            PaymentRule::KitchenWaitsForPayment => [true, true, false],
            PaymentRule::OpenAndUnpaid => [false, true, true],
        }
    }

    /// The condition, on the columns of `orders` (prefixed with `alias.` unless empty):
    /// the combinations of the columns it reads for which the rule holds, whatever the others.
    pub fn sql(self, alias: &str) -> String {
        let prefix = if alias.is_empty() { String::new() } else { format!("{alias}.") };
        let reads = self.reads();
        let mut accepted: Vec<String> = Vec::new();
        for combination in every_combination() {
            // The rule must hold whatever the columns it does not read hold.
            let read_only = |other: &Columns| {
                (!reads[0] || other.0 == combination.0)
                    && (!reads[1] || other.1 == combination.1)
                    && (!reads[2] || other.2 == combination.2)
            };
            if !every_combination().filter(read_only).all(|c| self.holds(c)) {
                continue;
            }
            let values = [combination.0.as_str(), combination.1.as_str(), combination.2.as_str()];
            let terms: Vec<String> = ["payment_method", "payment_status", "status"]
                .iter()
                .zip(values)
                .zip(reads)
                .filter(|(_, read)| *read)
                .map(|((column, value), _)| format!("{prefix}{column} = '{value}'"))
                .collect();
            let term = format!("({})", terms.join(" AND "));
            if !accepted.contains(&term) {
                accepted.push(term);
            }
        }
        if accepted.is_empty() {
            return "FALSE".into();
        }
        format!("({})", accepted.join(" OR "))
    }
}

fn every_combination() -> impl Iterator<Item = Columns> {
    PaymentMethod::ALL.into_iter().flat_map(|method| {
        PaymentStatus::ALL
            .into_iter()
            .flat_map(move |payment| Status::ALL.into_iter().map(move |status| (method, payment, status)))
    })
}

/// Which of `rows` the database finds the rule's condition true for (their indexes): the
/// test that holds the SQL to its rule.
pub async fn evaluate(db: &DbPool, rule: PaymentRule, rows: &[Columns]) -> Result<Vec<i64>> {
    let values: Vec<String> = (0..rows.len())
        .map(|i| format!("(CAST(${} AS BIGINT), ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
        .collect();
    let sql = format!(
        "WITH t (i, payment_method, payment_status, status) AS (VALUES {})
         SELECT i FROM t WHERE {} ORDER BY i",
        values.join(", "),
        rule.sql("t")
    );
    let matched = db_run!(db, |pool| {
        let mut query = sqlx::query_scalar(&sql);
        for (i, (method, payment, status)) in rows.iter().enumerate() {
            query = query.bind(i as i64).bind(method.as_str()).bind(payment.as_str()).bind(status.as_str());
        }
        query.fetch_all(pool).await?
    });
    Ok(matched)
}

/// Every combination of the three columns, for [`evaluate`].
pub fn all_rows() -> Vec<Columns> {
    every_combination().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_the_rules_combinations() {
        assert_eq!(
            PaymentRule::AwaitingOnlinePayment.sql("o"),
            "((o.payment_method = 'online' AND o.payment_status = 'unpaid' AND o.status = 'placed'))"
        );
        assert_eq!(
            PaymentRule::CustomerMayModify.sql(""),
            "((payment_method = 'cash' AND status = 'placed') OR (payment_method = 'card' AND status = 'placed'))"
        );
        assert_eq!(
            PaymentRule::KitchenWaitsForPayment.sql("o"),
            "((o.payment_method = 'online' AND o.payment_status = 'unpaid'))"
        );
        let open = PaymentRule::OpenAndUnpaid.sql("");
        for status in ["placed", "preparing", "ready", "out_for_delivery"] {
            assert!(open.contains(&format!("(payment_status = 'unpaid' AND status = '{status}')")), "{open}");
        }
        assert!(!open.contains("delivered") && !open.contains("'paid'"), "{open}");
    }

    #[test]
    fn a_rule_never_depends_on_a_column_it_says_it_does_not_read() {
        for rule in PaymentRule::ALL {
            let reads = rule.reads();
            for a in every_combination() {
                for b in every_combination() {
                    let same_read = (!reads[0] || a.0 == b.0) && (!reads[1] || a.1 == b.1) && (!reads[2] || a.2 == b.2);
                    if same_read {
                        assert_eq!(rule.holds(a), rule.holds(b), "{rule:?}: {a:?} vs {b:?}");
                    }
                }
            }
        }
    }
}
