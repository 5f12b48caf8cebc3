//! Order totals: prices are TTC (what the customer pays), each with its VAT rate; the
//! receipt shows HT, TVA and TTC.
//!
//! Rounding rule (one place, here): lines are grouped by VAT rate; for each rate,
//! HT = TTC × 10 000 / (10 000 + rate), rounded half up to the cent, and TVA = TTC − HT.
//! So TTC is exactly the sum of the prices shown, and TTC = HT + TVA holds to the cent.

use std::collections::BTreeMap;

/// A line as priced at order time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    /// TTC, in cents.
    pub unit_price_cents: i64,
    /// Basis points: 1000 = 10 %.
    pub vat_rate_bp: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub ht_cents: i64,
    pub vat_cents: i64,
    pub ttc_cents: i64,
}

/// One VAT rate's share of the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VatShare {
    pub vat_rate_bp: i64,
    pub totals: Totals,
}

fn share(ttc_cents: i64, vat_rate_bp: i64) -> Totals {
    let denominator = 10_000 + vat_rate_bp;
    // Half up, in integers: (2·a·b + c) / 2c.
    let ht_cents = (2 * ttc_cents * 10_000 + denominator) / (2 * denominator);
    Totals { ht_cents, vat_cents: ttc_cents - ht_cents, ttc_cents }
}

/// The receipt's lines per VAT rate, ascending.
pub fn vat_breakdown(lines: &[PricedLine]) -> Vec<VatShare> {
    let mut by_rate: BTreeMap<i64, i64> = BTreeMap::new();
    for line in lines {
        *by_rate.entry(line.vat_rate_bp).or_default() += line.unit_price_cents * line.quantity;
    }
    by_rate.into_iter().map(|(vat_rate_bp, ttc)| VatShare { vat_rate_bp, totals: share(ttc, vat_rate_bp) }).collect()
}

pub fn totals(lines: &[PricedLine]) -> Totals {
    vat_breakdown(lines).iter().fold(Totals::default(), |sum, share| Totals {
        ht_cents: sum.ht_cents + share.totals.ht_cents,
        vat_cents: sum.vat_cents + share.totals.vat_cents,
        ttc_cents: sum.ttc_cents + share.totals.ttc_cents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(unit_price_cents: i64, vat_rate_bp: i64, quantity: i64) -> PricedLine {
        PricedLine { unit_price_cents, vat_rate_bp, quantity }
    }

    #[test]
    fn ten_percent_vat_on_one_pizza() {
        // 12,50 € TTC at 10 %: 11,36 € HT (11,3636… rounded), 1,14 € TVA.
        assert_eq!(totals(&[line(1250, 1000, 1)]), Totals { ht_cents: 1136, vat_cents: 114, ttc_cents: 1250 });
    }

    #[test]
    fn rounding_is_per_rate_not_per_line() {
        // Three at 9,90 €: 29,70 € TTC → 27,00 € HT exactly, where per-line rounding would
        // give 3 × 9,00 = 27,00 too; 7 at 10,50 € → 73,50 TTC → 66,818… → 66,82 HT.
        assert_eq!(totals(&[line(990, 1000, 3)]), Totals { ht_cents: 2700, vat_cents: 270, ttc_cents: 2970 });
        assert_eq!(totals(&[line(1050, 1000, 7)]).ht_cents, 6682);
        // Two lines of the same rate are added before rounding.
        assert_eq!(totals(&[line(1050, 1000, 3), line(1050, 1000, 4)]), totals(&[line(1050, 1000, 7)]));
    }

    #[test]
    fn half_a_cent_rounds_up() {
        // 1,05 € at 5 %: exactly 1,00 € HT. 0,21 € at 5 %: 0,2 → 0,20. 11 cents at 10 %: 10 HT.
        assert_eq!(totals(&[line(105, 500, 1)]).ht_cents, 100);
        assert_eq!(totals(&[line(11, 1000, 1)]).ht_cents, 10);
        // 0,15 € at 20 %: 12,5 cents HT → 13.
        assert_eq!(totals(&[line(15, 2000, 1)]).ht_cents, 13);
    }

    #[test]
    fn several_rates_are_shown_apart_and_always_add_up() {
        let lines = [line(1250, 1000, 2), line(350, 550, 3), line(400, 2000, 1)];
        let breakdown = vat_breakdown(&lines);
        assert_eq!(breakdown.iter().map(|s| s.vat_rate_bp).collect::<Vec<_>>(), vec![550, 1000, 2000]);
        let all = totals(&lines);
        assert_eq!(all.ttc_cents, 2500 + 1050 + 400);
        assert_eq!(all.ttc_cents, all.ht_cents + all.vat_cents);
        for cents in 1..2000 {
            for rate in [0, 550, 1000, 2000] {
                let t = totals(&[line(cents, rate, 1)]);
                assert_eq!(t.ht_cents + t.vat_cents, cents);
                assert!(t.vat_cents >= 0 && t.ht_cents <= cents);
            }
        }
    }

    #[test]
    fn an_empty_order_costs_nothing() {
        assert_eq!(totals(&[]), Totals::default());
    }
}
