use maud::{html, Markup};
use rocket::http::Status;

use super::layout::{page as layout, Nav};

/// A friendly page for an error status; `detail` says what was wrong with the request.
/// A server error shows the request's id, for the customer to quote. The header is the
/// visitor's (a signed-in manager sees their own navigation).
pub fn page(nav: &Nav, status: Status, detail: Option<&str>, request_id: Option<&str>) -> Markup {
    let reference = request_id.filter(|id| status.code >= 500 && !id.is_empty());
    let (title, explanation) = match status.code {
        400 | 422 => ("Requête invalide", "Les informations envoyées ne sont pas valides."),
        401 => ("Connexion requise", "Connectez-vous pour accéder à cette page."),
        403 => ("Accès refusé", "Vous n'avez pas accès à cette page."),
        404 => ("Page introuvable", "La page demandée n'existe pas ou n'existe plus."),
        503 => ("Service momentanément indisponible", "Le service est momentanément indisponible. Réessayez dans un instant."),
        code if code >= 500 => (
            "Erreur du serveur",
            "Une erreur inattendue s'est produite de notre côté. L'équipe technique est prévenue ; réessayez dans un instant.",
        ),
        _ => ("Requête refusée", "Cette requête n'a pas pu aboutir."),
    };
    layout(
        title,
        nav,
        html! {
            section.error-page {
                h1 { (title) }
                p { (explanation) }
                @if let Some(detail) = detail { p.error-detail role="alert" { (detail) } }
                p { a href="/" { "Revenir à l'accueil" } }
                @if let Some(id) = reference {
                    p.error-reference { "Référence de l'incident : " code data-request-id { (id) } " — citez-la si vous nous contactez." }
                }
                p.error-code { "Code " (status.code) }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_page_shows_the_request_id_and_other_pages_do_not() {
        let page = page(&Nav::default(), Status::InternalServerError, None, Some("4f2a9c")).into_string();
        assert!(page.contains("Référence de l'incident") && page.contains("4f2a9c"), "{page}");
        let not_found = super::page(&Nav::default(), Status::NotFound, None, Some("4f2a9c")).into_string();
        assert!(!not_found.contains("4f2a9c"));
    }
}
