//! Money is integer cents (EUR). Shown the French way: "12,50 €".

/// Formats cents as euros with a decimal comma and a non-breaking space before the sign.
pub fn format_eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{},{:02}\u{a0}€", group_thousands(cents / 100), cents % 100)
}

/// A VAT rate in basis points shown as a French percentage: 1000 → "10 %", 550 → "5,5 %".
pub fn format_vat_rate(basis_points: i64) -> String {
    let whole = basis_points / 100;
    let fraction = basis_points % 100;
    if fraction == 0 {
        format!("{whole}\u{a0}%")
    } else if fraction % 10 == 0 {
        format!("{whole},{}\u{a0}%", fraction / 10)
    } else {
        format!("{whole},{fraction:02}\u{a0}%")
    }
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_euros_the_french_way() {
        assert_eq!(format_eur(950), "9,50\u{a0}€");
        assert_eq!(format_eur(1790), "17,90\u{a0}€");
        assert_eq!(format_eur(5), "0,05\u{a0}€");
        assert_eq!(format_eur(12_345_678), "123\u{202f}456,78\u{a0}€");
        assert_eq!(format_eur(-250), "-2,50\u{a0}€");
    }

    #[test]
    fn formats_vat_rates() {
        assert_eq!(format_vat_rate(1000), "10\u{a0}%");
        assert_eq!(format_vat_rate(550), "5,5\u{a0}%");
        assert_eq!(format_vat_rate(2000), "20\u{a0}%");
        assert_eq!(format_vat_rate(210), "2,1\u{a0}%");
        assert_eq!(format_vat_rate(1025), "10,25\u{a0}%");
    }
}
