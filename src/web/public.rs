use maud::Markup;
use rocket::{get, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::store::{menu, pizzerias};
use std::collections::HashMap;

use rocket::http::CookieJar;
use rocket::request::FlashMessage;

use crate::domain::fields;
use crate::views::public::{MenuExtras, PostcodeAnswer};
use crate::web::auth::Visitor;
use crate::web::csrf::Page;
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![home, pizzeria_menu]
}

#[get("/?<postcode>")]
async fn home(db: &Db, visitor: &Visitor, postcode: Option<&str>) -> Result<Markup> {
    let mut pizzerias = pizzerias::list_active(db).await?;
    let typed = postcode.map(str::trim).filter(|p| !p.is_empty());
    let answer = match typed.map(|p| (p, fields::postcode(p))) {
        None => PostcodeAnswer::None,
        Some((typed, Err(_))) => PostcodeAnswer::Invalid(typed),
        Some((_, Ok(code))) => {
            // Those that deliver there first; the order is otherwise kept (by name).
            pizzerias.sort_by_key(|p| !p.delivery_postcodes.contains(&code));
            let any = pizzerias.iter().any(|p| p.delivery_postcodes.contains(&code));
            let code = typed.unwrap_or_default();
            PostcodeAnswer::Known(code, any)
        }
    };
    Ok(views::public::home(&visitor.nav(), &pizzerias, &answer))
}

#[get("/pizzerias/<slug>/menu")]
async fn pizzeria_menu(
    db: &Db,
    page: Page<'_>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    flash: Option<FlashMessage<'_>>,
    slug: &str,
) -> Result<Markup> {
    let pizzeria = pizzerias::find_active_by_slug(db, slug).await?.ok_or(Error::NotFound)?;
    let items = menu::for_pizzeria(db, pizzeria.id, settings.few_left_threshold).await?;
    let elsewhere = if items.iter().any(|item| !item.availability.can_order()) {
        menu::makeable_elsewhere(db, pizzeria.id).await?
    } else {
        HashMap::new()
    };
    let cart_count = crate::web::cart::cart_size(db, cookies).await?;
    let extras = MenuExtras {
        csrf: &page.csrf,
        elsewhere: &elsewhere,
        flash: flash.as_ref().map(|f| (f.kind() != "success", f.message())),
        cart_count,
    };
    Ok(views::public::menu(&page.nav(), &pizzeria, &items, &extras))
}
