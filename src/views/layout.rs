use maud::{html, Markup, DOCTYPE};

use crate::assets;

/// The frame of every page: skip link, header, main content, footer.
pub fn page(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · OC Pizza" }
                link rel="stylesheet" href=(assets::url("css/app.css"));
                link rel="icon" type="image/svg+xml" href=(assets::url("icons/favicon.svg"));
                script src=(assets::url("js/app.js")) defer {}
            }
            body {
                a.skip-link href="#contenu" { "Aller au contenu" }
                header.site-header {
                    a.brand href="/" {
                        img src=(assets::url("icons/logo.svg")) alt="" width="36" height="36";
                        span { "OC Pizza" }
                    }
                    nav aria-label="Navigation principale" {
                        ul {
                            li { a href="/" { "Nos pizzerias" } }
                        }
                    }
                }
                main #contenu tabindex="-1" { (content) }
                footer.site-footer {
                    p { "OC Pizza — pizzas à emporter et en livraison, préparées à la commande." }
                }
            }
        }
    }
}
