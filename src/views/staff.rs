//! Staff pages whose features land with later work: the guard in front of each is real.

use maud::{html, Markup};

use super::layout::{page, Nav};

pub fn coming_soon(nav: &Nav, title: &str, pizzeria: Option<&str>, what: &str) -> Markup {
    page(
        title,
        nav,
        html! {
            h1 { (title) }
            @if let Some(pizzeria) = pizzeria { p.lead { (pizzeria) } }
            p { (what) }
            p.note { "Cet écran sera disponible prochainement." }
        },
    )
}
