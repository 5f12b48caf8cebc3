//! The password rule: long enough, not a well-known password, not the e-mail address.

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");
pub const MIN_CHARACTERS: usize = 10;
/// Hashing cost grows with length; nobody types more than this.
pub const MAX_CHARACTERS: usize = 200;

fn is_common(password: &str) -> bool {
    let lowered = password.to_lowercase();
    COMMON_PASSWORDS.lines().filter(|line| !line.starts_with('#')).any(|common| common == lowered)
}

/// `Ok` when `password` may be used by the account `email`; otherwise why not, in French.
pub fn check(password: &str, email: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_CHARACTERS {
        return Err(format!("Le mot de passe doit compter au moins {MIN_CHARACTERS} caractères."));
    }
    if length > MAX_CHARACTERS {
        return Err(format!("Le mot de passe doit compter au plus {MAX_CHARACTERS} caractères."));
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(c)) {
        return Err("Ce mot de passe est trop facile à deviner.".into());
    }
    if is_common(password) {
        return Err("Ce mot de passe fait partie des plus courants : choisissez-en un autre.".into());
    }
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let lowered = password.to_lowercase();
    if !email.is_empty() && (lowered == email || lowered == local) {
        return Err("Le mot de passe ne doit pas reprendre votre adresse e-mail.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_shipped_and_holds_thousands() {
        let count = COMMON_PASSWORDS.lines().filter(|line| !line.starts_with('#')).count();
        assert!(count > 1500, "{count}");
    }

    #[test]
    fn good_passwords_pass() {
        assert_eq!(check("pizza-demo-2026", "x@ocpizza.fr"), Ok(()));
        assert_eq!(check("quatre fromages au feu de bois", "x@ocpizza.fr"), Ok(()));
        assert_eq!(check("éàùçôêëïüœ", "x@ocpizza.fr"), Ok(()));
    }

    #[test]
    fn short_common_and_personal_passwords_fail() {
        assert!(check("court", "").unwrap_err().contains("au moins 10"));
        assert!(check("123456789", "").is_err());
        assert!(check("1234567890", "").unwrap_err().contains("plus courants"));
        assert!(check("AZERTYUIOP", "").unwrap_err().contains("plus courants"));
        assert!(check("motdepasse", "").is_err());
        assert!(check("aaaaaaaaaaaa", "").is_err());
        assert!(check("camille.dupont", "Camille.Dupont@exemple.fr").unwrap_err().contains("e-mail"));
        assert!(check(&"x1".repeat(101), "").unwrap_err().contains("au plus"));
    }
}
