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

/// Reads an amount typed in euros ("12,50", "12.5", "12", "12,50 €") as cents. At most
/// two decimals, not negative, below a million euros.
pub fn parse_eur(value: &str) -> Result<i64, String> {
    let cleaned: String = value
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    let invalid = || format!("« {} » n'est pas un montant en euros (par exemple 12,50).", value.trim());
    let (whole, fraction) = match cleaned.split_once([',', '.']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (cleaned.as_str(), ""),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let dangling = cleaned.ends_with([',', '.']);
    if dangling
        || !digits(whole)
        || (!fraction.is_empty() && !digits(fraction))
        || fraction.len() > 2
        || whole.len() > 6
    {
        return Err(invalid());
    }
    let euros: i64 = whole.parse().map_err(|_| invalid())?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| invalid())? * 10,
        _ => fraction.parse().map_err(|_| invalid())?,
    };
    Ok(euros * 100 + cents)
}

/// Cents as a form shows them for editing: "12,50".
pub fn form_eur(cents: i64) -> String {
    format!("{},{:02}", cents / 100, cents.unsigned_abs() % 100)
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
    fn reads_typed_amounts() {
        for (typed, cents) in [("12,50", 1250), ("12.5", 1250), ("12", 1200), (" 9,05 € ", 905), ("0,99", 99)] {
            assert_eq!(parse_eur(typed), Ok(cents), "{typed}");
        }
        for bad in ["", "-3", "12,505", "douze", "1e3", "12,", "1234567", ",50"] {
            assert!(parse_eur(bad).is_err(), "{bad:?}");
        }
        assert_eq!(form_eur(1250), "12,50");
        assert_eq!(parse_eur(&form_eur(2305)), Ok(2305));
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
