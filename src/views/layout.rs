use maud::{html, Markup, Render, DOCTYPE};

use crate::assets;
use crate::domain::roles::{may_enter, Area, Role};

/// What the header shows of the visitor: their name, their areas and a logout button.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub user: Option<NavUser>,
    /// Pizzas in the visitor's cart: the header links to the cart with this count.
    pub cart_count: i64,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub role: Role,
    /// For the logout form.
    pub csrf: String,
}

/// The staff screens a role sees in the header, with their entry page.
fn area_links(role: Role) -> Vec<(&'static str, &'static str)> {
    [
        (Area::Counter, "/staff/orders", "Comptoir"),
        (Area::Counter, "/staff/orders/new", "Prise de commande"),
        (Area::Kitchen, "/kitchen", "Cuisine"),
        (Area::Delivery, "/delivery", "Livraisons"),
    ]
    .into_iter()
    .filter(|(area, _, _)| role.is_staff() && may_enter(role, *area))
    .map(|(_, href, label)| (href, label))
    .collect()
}

/// The management pages a role reaches from the header's second line: a pizzeria's
/// (managers and admins), then the group's (admins).
fn management_links(role: Role) -> Vec<(&'static str, &'static str)> {
    let pizzeria = [
        ("/manage/dashboard", "Tableau de bord"),
        ("/manage/stock", "Stock"),
        ("/manage/menu", "Carte"),
        ("/manage/capacity", "Capacité"),
        ("/manage/users", "Équipe"),
    ];
    let group = [
        ("/admin/stock", "Stock du groupe"),
        ("/admin/users", "Comptes"),
        ("/admin/pizzerias", "Pizzerias"),
        ("/admin/backups", "Sauvegardes"),
    ];
    match role {
        Role::Admin => pizzeria.into_iter().filter(|(href, _)| *href != "/manage/users").chain(group).collect(),
        role if role.is_staff() && may_enter(role, Area::Manage) => pizzeria.to_vec(),
        _ => Vec::new(),
    }
}

/// The frame of every page: skip link, header, main content, footer.
pub fn page(title: &str, nav: &Nav, content: impl Render) -> Markup {
    page_with_head(title, nav, html! {}, content)
}

/// [`page`] with more in the `<head>` (a live screen's fallback refresh).
pub fn page_with_head(title: &str, nav: &Nav, head: Markup, content: impl Render) -> Markup {
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
                (head)
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
                            // Customers and visitors always see their cart; staff once it holds something.
                            @if nav.cart_count > 0 || nav.user.as_ref().is_none_or(|u| !u.role.is_staff()) {
                                li { a.cart-link href="/cart" {
                                    "Panier"
                                    @if nav.cart_count > 0 { " (" (nav.cart_count) span.visually-hidden { " pizza(s)" } ")" }
                                } }
                            }
                            @match &nav.user {
                                Some(user) => {
                                    @for (href, label) in area_links(user.role) {
                                        li { a href=(href) { (label) } }
                                    }
                                    li { a href="/account" { "Mon compte" span.visually-hidden { " (" (user.name) ")" } } }
                                    li {
                                        form.inline method="post" action="/logout" {
                                            input type="hidden" name="csrf_token" value=(user.csrf);
                                            button.link type="submit" { "Se déconnecter" }
                                        }
                                    }
                                }
                                None => {
                                    li { a href="/login" { "Se connecter" } }
                                    li { a href="/register" { "Créer un compte" } }
                                }
                            }
                        }
                    }
                    @if let Some(user) = &nav.user {
                        @let links = management_links(user.role);
                        @if !links.is_empty() {
                            nav.area-nav aria-label="Gestion" {
                                ul { @for (href, label) in links { li { a href=(href) { (label) } } } }
                            }
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
