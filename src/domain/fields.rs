//! What a form field may hold: names, e-mail addresses, French phone numbers, postal
//! addresses. Each check returns the cleaned value or a French message for the form.

/// The messages of one form, by field name, in the order they were found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// Keeps the cleaned value, or records the message and returns `None`.
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| *name == field).map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(field, message)| (*field, message.as_str()))
    }
}

fn has_control_characters(value: &str) -> bool {
    value.chars().any(char::is_control)
}

/// Trimmed, non-empty unless `optional`, at most `max` characters, no control characters.
pub fn text(value: &str, max: usize, optional: bool) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return if optional { Ok(String::new()) } else { Err("Ce champ est obligatoire.".into()) };
    }
    if value.chars().count() > max {
        return Err(format!("{max} caractères au maximum."));
    }
    if has_control_characters(value) {
        return Err("Ce champ contient des caractères non autorisés.".into());
    }
    Ok(value.to_string())
}

/// Like [`text`], but a multi-line note may keep its line breaks (no other control character).
pub fn note(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim().replace("\r\n", "\n");
    if value.chars().count() > max {
        return Err(format!("{max} caractères au maximum."));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err("Ce champ contient des caractères non autorisés.".into());
    }
    Ok(value)
}

pub fn person_name(value: &str) -> Result<String, String> {
    text(value, 100, false)
}

/// Lower-cased and trimmed; a plausible address (one `@`, a dotted domain, no spaces).
pub fn email(value: &str) -> Result<String, String> {
    let value = value.trim().to_lowercase();
    if value.is_empty() {
        return Err("Indiquez votre adresse e-mail.".into());
    }
    let invalid = || Err("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).".into());
    if value.len() > 254 || has_control_characters(&value) || value.chars().any(char::is_whitespace) {
        return invalid();
    }
    let Some((local, domain)) = value.split_once('@') else { return invalid() };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\']);
    if !domain_ok || !local_ok {
        return invalid();
    }
    Ok(value)
}

/// A French phone number, written `06 12 34 56 78`; `+33 6 …` and `0033 6 …` are accepted.
pub fn french_phone(value: &str) -> Result<String, String> {
    let compact: String = value.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let national = if let Some(rest) = compact.strip_prefix("+33").or_else(|| compact.strip_prefix("0033")) {
        format!("0{rest}")
    } else {
        compact
    };
    let valid = national.len() == 10
        && national.starts_with('0')
        && national.as_bytes()[1] != b'0'
        && national.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err("Indiquez un numéro de téléphone français à 10 chiffres (exemple : 06 12 34 56 78).".into());
    }
    let pairs: Vec<&str> = (0..5).map(|i| &national[i * 2..i * 2 + 2]).collect();
    Ok(pairs.join(" "))
}

pub fn optional_french_phone(value: &str) -> Result<Option<String>, String> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        french_phone(value).map(Some)
    }
}

/// An identifier in addresses (a pizza's or a pizzeria's slug): lowercase letters, digits
/// and `-`, 1 to 64 characters.
pub fn slug(value: &str) -> Result<String, String> {
    identifier(value, b'-', "L'identifiant s'écrit en minuscules, chiffres et tirets (par exemple « saint-denis »).")
}

/// An ingredient's code (in recipes): lowercase letters, digits and `_`, 1 to 64 characters.
pub fn code(value: &str) -> Result<String, String> {
    identifier(value, b'_', "Le code s'écrit en minuscules, chiffres et « _ » (par exemple « origan »).")
}

fn identifier(value: &str, separator: u8, message: &str) -> Result<String, String> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == separator);
    match (valid, value) {
        // The address of the creation form.
        (true, "new") => Err("« new » est réservé : choisissez un autre identifiant.".into()),
        (true, _) => Ok(value.to_string()),
        (false, _) => Err(message.to_string()),
    }
}

pub fn postcode(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_string())
    } else {
        Err("Le code postal compte 5 chiffres (exemple : 75011).".into())
    }
}

/// The last page a list may be asked for (50 rows a page: five million rows).
pub const MAX_PAGE: i64 = 100_000;

/// A page number from a URL: absent is the first page; anything but a whole number from 1
/// to [`MAX_PAGE`] is refused (an offset computed from 2^63 - 1 would overflow).
pub fn page_number(value: Option<&str>) -> Result<i64, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(1),
        Some(typed) => typed
            .parse::<i64>()
            .ok()
            .filter(|page| (1..=MAX_PAGE).contains(page))
            .ok_or_else(|| format!("Numéro de page invalide : choisissez une page de 1 à {MAX_PAGE}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(slug(" saint-denis "), Ok("saint-denis".into()));
        assert_eq!(code("buffalo_mozzarella"), Ok("buffalo_mozzarella".into()));
        for bad in ["", "Pizza Été", "a b", "new!", &"x".repeat(65)] {
            assert!(slug(bad).is_err() && code(bad).is_err(), "{bad:?}");
        }
        assert!(slug("a_b").is_err() && code("a-b").is_err());
        assert!(slug("new").unwrap_err().contains("réservé"));
    }

    #[test]
    fn emails() {
        assert_eq!(email("  Camille.Client@Exemple.FR "), Ok("camille.client@exemple.fr".into()));
        for bad in [
            "",
            "camille",
            "camille@",
            "@exemple.fr",
            "camille@exemple",
            "ca mille@exemple.fr",
            "camille@exemple..fr",
            "<script>@x.fr",
            "camille@ex\u{7}emple.fr",
            "a@b\n.fr",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
        assert!(email(&format!("{}@exemple.fr", "a".repeat(10_000))).is_err());
    }

    #[test]
    fn french_phones() {
        assert_eq!(french_phone("0612345678"), Ok("06 12 34 56 78".into()));
        assert_eq!(french_phone("06.12.34.56.78"), Ok("06 12 34 56 78".into()));
        assert_eq!(french_phone("+33 6 12 34 56 78"), Ok("06 12 34 56 78".into()));
        assert_eq!(french_phone("0033143556677"), Ok("01 43 55 66 77".into()));
        for bad in ["", "12345", "0012345678", "06123456789", "+44 20 7946 0958", "06 12 34 56 7a", "061234567"] {
            assert!(french_phone(bad).is_err(), "{bad:?}");
        }
        assert_eq!(optional_french_phone("  "), Ok(None));
    }

    #[test]
    fn texts() {
        assert_eq!(person_name("  Léa Dupont "), Ok("Léa Dupont".into()));
        assert!(person_name("").is_err());
        assert!(person_name(&"é".repeat(101)).is_err());
        assert_eq!(person_name(&"é".repeat(100)).map(|n| n.chars().count()), Ok(100));
        assert!(person_name("Léa\u{0}Dupont").is_err());
        // HTML is not refused here: it is stored as typed and escaped when shown.
        assert_eq!(person_name("<b>Léa</b>"), Ok("<b>Léa</b>".into()));
        assert_eq!(text("", 10, true), Ok(String::new()));
        assert_eq!(note("sonnez\r\ndeux fois", 50), Ok("sonnez\ndeux fois".into()));
        assert!(note("a\u{1b}b", 50).is_err());
    }

    #[test]
    fn postcodes() {
        assert_eq!(postcode(" 75011 "), Ok("75011".into()));
        for bad in ["7501", "750111", "75 11", "ABCDE", ""] {
            assert!(postcode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check("email", email("x")), None);
        errors.add("email", "second");
        assert_eq!(errors.check("postcode", postcode("75011")), Some("75011".into()));
        assert!(errors.get("email").is_some_and(|m| m.contains("n'est pas valide")));
        assert_eq!(errors.iter().count(), 1);
    }

    #[test]
    fn page_numbers_are_bounded() {
        assert_eq!(page_number(None), Ok(1));
        assert_eq!(page_number(Some("")), Ok(1));
        assert_eq!(page_number(Some("3")), Ok(3));
        assert_eq!(page_number(Some("100000")), Ok(MAX_PAGE));
        for bad in ["0", "-1", "100001", "2147483648", "9223372036854775807", "9223372036854775808", "deux", "1.5"] {
            assert!(page_number(Some(bad)).is_err(), "{bad}");
        }
    }
}
