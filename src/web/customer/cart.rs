//! The cart: add to it from a menu, change quantities and notes, remove, empty.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::crypto;
use crate::db::Db;
use crate::domain::fields::FieldErrors;
use crate::domain::orders::{self as rules};
use crate::domain::pricing::{self, PricedLine};
use crate::store::carts::{self, AddRefusal, Cart, CartLine};
use crate::store::menu;
use crate::store::{catalogue, pizzerias};
use crate::views::ordering::CartPage;
use crate::web::cart_cookie;
use crate::web::csrf::{CsrfForm, NoFields, Page};
use crate::web::intake::Ordering;
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![add_to_cart, cart, update_line, remove_line, clear_cart]
}

pub(crate) async fn current_cart(db: &Db, cookies: &CookieJar<'_>) -> Result<Option<(Cart, Vec<CartLine>)>> {
    let Some(token) = cart_cookie::token(cookies) else { return Ok(None) };
    let Some(cart) = carts::find(db, &crypto::token_digest(&token)).await? else { return Ok(None) };
    let lines = carts::lines(db, cart.id).await?;
    Ok(Some((cart, lines)))
}

pub(crate) fn priced(lines: &[CartLine]) -> Vec<PricedLine> {
    lines
        .iter()
        .map(|l| PricedLine { unit_price_cents: l.unit_price_cents, vat_rate_bp: l.vat_rate_bp, quantity: l.quantity })
        .collect()
}

#[derive(FromForm)]
struct AddForm {
    #[field(default = String::new())]
    pizzeria: String,
    #[field(default = String::new())]
    pizza: String,
    #[field(default = String::new())]
    quantity: String,
    #[field(default = String::new())]
    note: String,
}

#[post("/cart/add", data = "<form>")]
async fn add_to_cart(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    form: CsrfForm<AddForm>,
) -> Result<Flash<Redirect>> {
    let form = form.0;
    let pizzeria = pizzerias::find_active_by_slug(db, form.pizzeria.trim())
        .await?
        .ok_or_else(|| Error::BadRequest("Cette pizzeria n'existe pas ou ne prend plus de commandes.".into()))?;
    let menu_page = format!("/pizzerias/{}/menu", pizzeria.slug);
    let Some((pizza_id, pizza_name)) = menu::pizza_by_slug(db, form.pizza.trim()).await? else {
        return Ok(Flash::error(Redirect::to(menu_page), "Cette pizza n'est pas à la carte."));
    };
    // Back to the pizza itself: on a phone the menu is long.
    let back = Redirect::to(format!("{menu_page}#pizza-{}", form.pizza.trim()));
    let quantity = match rules::quantity(&form.quantity) {
        Ok(quantity) => quantity,
        Err(message) => return Ok(Flash::error(back, message)),
    };
    let note = match rules::kitchen_note(&form.note) {
        Ok(note) => note,
        Err(message) => return Ok(Flash::error(back, message)),
    };
    let items = menu::for_pizzeria(db, pizzeria.id, settings.few_left_threshold).await?;
    match items.iter().find(|item| item.pizza_id == pizza_id) {
        Some(item) if item.makeable >= quantity => {}
        Some(item) if item.makeable > 0 => {
            return Ok(Flash::error(back, format!("Il ne reste de quoi faire que {} « {pizza_name} ».", item.makeable)))
        }
        _ => return Ok(Flash::error(back, format!("« {pizza_name} » est épuisée dans cette pizzeria."))),
    }
    let token = cart_cookie::ensure(cookies, settings);
    let added = carts::add(db, &crypto::token_digest(&token), pizzeria.id, pizza_id, quantity, &note).await?;
    Ok(match added {
        Ok(()) => Flash::success(back, format!("{quantity} × « {pizza_name} » ajoutée(s) au panier.")),
        Err(AddRefusal::OtherPizzeria(_)) => Flash::error(
            back,
            "Votre panier contient déjà des pizzas d'une autre pizzeria : commandez-les ou videz le panier d'abord.",
        ),
        Err(AddRefusal::TooManyLines) => {
            Flash::error(back, format!("{} lignes au plus par commande.", rules::MAX_LINES))
        }
        Err(AddRefusal::TooMany) => {
            Flash::error(back, format!("{} pizzas identiques au plus par ligne.", rules::MAX_QUANTITY_PER_LINE))
        }
    })
}

async fn cart_markup(
    db: &Db,
    settings: &Settings,
    cookies: &CookieJar<'_>,
    page: &Page<'_>,
    notice: Option<&str>,
    errors: &FieldErrors,
) -> Result<Markup> {
    let current = current_cart(db, cookies).await?.filter(|(_, lines)| !lines.is_empty());
    let (ordering, lines) = match &current {
        Some((cart, lines)) => {
            let catalogue = catalogue::current(db).await?;
            (Ordering::load(db, catalogue, cart.pizzeria_id, Vec::new(), settings, false).await?, lines.clone())
        }
        None => (None, Vec::new()),
    };
    let asap = match &ordering {
        Some(ordering) => ordering.asap(db, settings, lines.iter().map(|l| l.quantity).sum(), None).await?,
        None => Vec::new(),
    };
    let prices = priced(&lines);
    let view = CartPage {
        pizzeria: ordering.as_ref().map(|o| &o.details.pizzeria),
        asap,
        lines: &lines,
        breakdown: &pricing::vat_breakdown(&prices),
        totals: pricing::totals(&prices),
        notice,
        errors,
    };
    Ok(views::ordering::cart(&page.nav(), &page.csrf, &view))
}

#[get("/cart")]
async fn cart(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Markup> {
    cart_markup(db, settings, cookies, &page, flash.as_ref().map(FlashMessage::message), &FieldErrors::new()).await
}

#[derive(FromForm)]
struct LineForm {
    #[field(default = String::new())]
    quantity: String,
    #[field(default = String::new())]
    note: String,
}

/// The visitor's own cart, or 404 (someone else's line does not exist for them).
async fn own_cart(db: &Db, cookies: &CookieJar<'_>) -> Result<Cart> {
    Ok(current_cart(db, cookies).await?.ok_or(Error::NotFound)?.0)
}

#[post("/cart/lines/<id>", data = "<form>")]
async fn update_line(
    db: &Db,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    page: Page<'_>,
    id: i64,
    form: CsrfForm<LineForm>,
) -> Result<Either<(Status, Markup), Redirect>> {
    let cart = own_cart(db, cookies).await?;
    let mut errors = FieldErrors::new();
    let quantity = errors.check("quantity", rules::quantity(&form.0.quantity));
    let note = errors.check("note", rules::kitchen_note(&form.0.note));
    let (Some(quantity), Some(note)) = (quantity, note) else {
        return Ok(Either::Left((
            Status::UnprocessableEntity,
            cart_markup(db, settings, cookies, &page, None, &errors).await?,
        )));
    };
    if !carts::update_line(db, cart.id, id, quantity, &note).await? {
        return Err(Error::NotFound);
    }
    Ok(Either::Right(Redirect::to("/cart")))
}

#[post("/cart/lines/<id>/remove", data = "<_form>")]
async fn remove_line(db: &Db, cookies: &CookieJar<'_>, id: i64, _form: CsrfForm<NoFields>) -> Result<Redirect> {
    let cart = own_cart(db, cookies).await?;
    if !carts::remove_line(db, cart.id, id).await? {
        return Err(Error::NotFound);
    }
    Ok(Redirect::to("/cart"))
}

#[post("/cart/clear", data = "<_form>")]
async fn clear_cart(db: &Db, cookies: &CookieJar<'_>, _form: CsrfForm<NoFields>) -> Result<Redirect> {
    if let Some((cart, _)) = current_cart(db, cookies).await? {
        carts::clear(db, cart.id).await?;
    }
    Ok(Redirect::to("/cart"))
}
