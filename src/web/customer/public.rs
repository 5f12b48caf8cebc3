use maud::Markup;
use rocket::{get, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::store::{catalogue, menu_cache};

use rocket::request::FlashMessage;

use crate::domain::fields;
use crate::views::public::{MenuExtras, PostcodeAnswer};
use crate::web::auth::Visitor;
use crate::web::csrf::Page;
use crate::web::intake::Ordering;
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![home, pizzeria_menu]
}

/// A page answered with an `ETag` (a hash of its bytes), and `304 Not Modified` to a
/// browser that already has those bytes. The page depends on the visitor's cookies (their
/// session, CSRF token, cart), hence `Vary: Cookie`; `no-cache` makes the browser ask each
/// time, so a change of availability is never hidden by its cache.
pub struct Revalidated(Markup);

impl<'r> rocket::response::Responder<'r, 'static> for Revalidated {
    fn respond_to(self, request: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        use std::hash::{BuildHasher, Hasher};
        let body = self.0.into_string();
        // A fast hash with a fixed seed: the same bytes give the same tag on every instance of
        // a release (nothing to forge here: a collision only fools the sender's own cache).
        // SipHash cost 4 % of a menu request, a cryptographic digest ten times that.
        let mut hasher = foldhash::fast::FixedState::default().build_hasher();
        hasher.write(body.as_bytes());
        let tag = format!("\"{:016x}-{:x}\"", hasher.finish(), body.len());
        let matches = request
            .headers()
            .get("If-None-Match")
            .flat_map(|value| value.split(','))
            .any(|candidate| candidate.trim().trim_start_matches("W/") == tag);
        let mut response = rocket::Response::build();
        response.raw_header("ETag", tag).raw_header("Cache-Control", "no-cache").raw_header("Vary", "Cookie");
        if matches {
            response.status(rocket::http::Status::NotModified);
        } else {
            response.header(rocket::http::ContentType::HTML).sized_body(body.len(), std::io::Cursor::new(body));
        }
        response.ok()
    }
}

#[get("/?<postcode>")]
async fn home(db: &Db, visitor: &Visitor, postcode: Option<&str>) -> Result<Revalidated> {
    let mut pizzerias = catalogue::current(db).await?.pizzerias.clone();
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
    Ok(Revalidated(views::public::home(&visitor.nav(), &pizzerias, &answer)))
}

#[get("/pizzerias/<slug>/menu")]
async fn pizzeria_menu(
    db: &Db,
    page: Page<'_>,
    settings: &State<Settings>,
    flash: Option<FlashMessage<'_>>,
    slug: &str,
) -> Result<Revalidated> {
    let menu = menu_cache::menu(db, slug, settings.few_left_threshold).await?.ok_or(Error::NotFound)?;
    let now = chrono::Utc::now();
    let catalogue = catalogue::current(db).await?;
    let open_state = catalogue.pizzeria(menu.pizzeria.id).map(|details| details.intake().schedule.open_state(now));
    let ordering = Ordering::load(db, catalogue, menu.pizzeria.id, Vec::new(), settings, false).await?;
    let (rush, asap) = match &ordering {
        Some(ordering) => (ordering.rush.notices(now.timestamp()), ordering.asap(db, settings, 1, None).await?),
        None => (Vec::new(), Vec::new()),
    };
    let extras = MenuExtras {
        csrf: &page.csrf,
        flash: flash.as_ref().map(|f| (f.kind() != "success", f.message())),
        cart_count: page.cart_count,
        opening: open_state.map(|state| (now, state)),
        rush,
        asap,
    };
    let parts =
        menu.rendered.get_or_init(|| views::public::menu_list_parts(&menu.pizzeria, &menu.items, &menu.elsewhere));
    Ok(Revalidated(views::public::menu(&page.nav(), &menu.pizzeria, parts, &extras)))
}
