//! The stock page (`/manage/stock`: a pizzeria's manager, admins for any pizzeria): levels
//! and what the stock can still make, live; receptions, waste, inventory counts and
//! thresholds; the journal with its filters.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::stream::EventStream;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, Shutdown, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::stock::{self as rules, amount, Action};
use crate::domain::{dashboard, fields};
use crate::store::stock::{self, JournalFilter};
use crate::store::users::AuthUser;
use crate::views::stock::{JournalQuery, JournalView, StockForm, StockPage};
use crate::web::auth::ManageArea;
use crate::web::csrf::{CsrfForm, Page};
use crate::web::staff::screens::{self, resolve, Here};
use crate::{views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![stock_page, live, events, act]
}

async fn here_or_choose(
    db: &Db,
    user: &AuthUser,
    asked: Option<&str>,
    page: &Page<'_>,
) -> Result<Either<Here, Markup>> {
    Ok(match resolve(db, user, asked).await? {
        Ok(here) => Either::Left(here),
        Err(choices) => Either::Right(views::screens::chooser(&page.nav(), "Stock", &choices, "/manage/stock")),
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    db: &Db,
    settings: &Settings,
    user: &AuthUser,
    page: &Page<'_>,
    here: &Here,
    query: &JournalQuery,
    form: &StockForm,
    notice: Option<&str>,
) -> Result<Markup> {
    let levels = stock::levels(db, here.id).await?;
    let makeable = stock::makeable(db, here.id, &levels).await?;
    let ingredient_id = match query.ingredient.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => stock::ingredient_id(db, code).await?,
        None => None,
    };
    let filter = JournalFilter {
        ingredient_id,
        kind: query.kind.clone().filter(|k| !k.is_empty()),
        from: dashboard::day_start(query.from.as_deref()),
        until: dashboard::day_start(query.to.as_deref()).map(|t| t + 86_400),
        user_id: query.who,
    };
    let page_number = fields::page_number(query.page.as_deref()).map_err(Error::BadRequest)?;
    let (movements, total) = stock::journal(db, here.id, &filter, page_number).await?;
    let movers = stock::movers(db, here.id).await?;
    let view = StockPage {
        here,
        link: here.link(user, "/manage/stock"),
        admin: user.pizzeria_id.is_none(),
        csrf: &page.csrf,
        levels: &levels,
        makeable: &makeable,
        few_left: settings.few_left_threshold,
        form,
        notice,
        journal: JournalView { query, movements: &movements, total, page: page_number, movers: &movers },
    };
    Ok(views::stock::page(&page.nav(), &view))
}

#[get("/manage/stock?<pizzeria>&<query..>")]
async fn stock_page(
    db: &Db,
    settings: &State<Settings>,
    user: ManageArea,
    page: Page<'_>,
    flash: Option<FlashMessage<'_>>,
    pizzeria: Option<&str>,
    query: JournalQuery,
) -> Result<Markup> {
    let here = match here_or_choose(db, &user.0, pizzeria, &page).await? {
        Either::Left(here) => here,
        Either::Right(chooser) => return Ok(chooser),
    };
    let notice = flash.as_ref().map(|f| f.message());
    render(db, settings, &user.0, &page, &here, &query, &StockForm::default(), notice).await
}

/// Levels and what the stock can make, re-read by the page when the stock moves.
#[get("/manage/stock/live?<pizzeria>")]
async fn live(db: &Db, settings: &State<Settings>, user: ManageArea, pizzeria: Option<&str>) -> Result<Markup> {
    let here =
        resolve(db, &user.0, pizzeria).await?.map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let levels = stock::levels(db, here.id).await?;
    let makeable = stock::makeable(db, here.id, &levels).await?;
    Ok(views::stock::live(&levels, &makeable, settings.few_left_threshold))
}

/// Every order event and stock change of the pizzeria moves its stock page.
#[get("/manage/stock/events?<pizzeria>")]
async fn events(db: &Db, user: ManageArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    screens::events(db, &user.0, pizzeria, shutdown).await
}

#[derive(FromForm, Default)]
struct ActForm {
    #[field(default = String::new())]
    pizzeria: String,
    #[field(default = String::new())]
    ingredient: String,
    #[field(default = String::new())]
    action: String,
    #[field(default = String::new())]
    quantity: String,
    #[field(default = String::new())]
    note: String,
}

#[post("/manage/stock", data = "<form>")]
async fn act(
    db: &Db,
    settings: &State<Settings>,
    user: ManageArea,
    page: Page<'_>,
    form: CsrfForm<ActForm>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let here = resolve(db, &user.0, Some(form.pizzeria.as_str()))
        .await?
        .map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let ingredient = stock::ingredient(db, form.ingredient.trim()).await?;
    let parsed = parse_action(&form.action, &form.quantity, &form.note, settings.stock_max_quantity);
    let problem = match (ingredient, parsed) {
        (None, _) => "Choisissez un ingrédient de la liste.".to_string(),
        (_, Err(message)) => message,
        (Some((ingredient_id, name, unit)), Ok(action)) => {
            match stock::apply(db, here.id, ingredient_id, &action, user.0.id).await? {
                Err(message) => message,
                Ok(()) => {
                    let done = match action {
                        Action::Restock { quantity, .. } => {
                            format!("Réception enregistrée : +{}.", amount(quantity, &unit))
                        }
                        Action::Waste { quantity, .. } => format!("Perte enregistrée : −{}.", amount(quantity, &unit)),
                        Action::Inventory { counted } => {
                            format!("Inventaire enregistré : {} en stock.", amount(counted, &unit))
                        }
                        Action::Threshold { value } => format!("Seuil bas fixé à {}.", amount(value, &unit)),
                    };
                    let back = here.link(&user.0, "/manage/stock");
                    return Ok(Either::Right(Flash::success(Redirect::to(back), format!("{name} — {done}"))));
                }
            }
        }
    };
    let shown = StockForm {
        ingredient: form.ingredient.clone(),
        action: form.action.clone(),
        quantity: form.quantity.clone(),
        note: form.note.clone(),
        problem: Some(problem),
    };
    let markup =
        render(db, settings, &user.0, &page, &here, &<JournalQuery as Default>::default(), &shown, None).await?;
    Ok(Either::Left((Status::UnprocessableEntity, markup)))
}

/// An action as typed (form or API), checked: quantities in range, a reason for waste.
pub(crate) fn parse_action(action: &str, quantity: &str, note: &str, max: i64) -> std::result::Result<Action, String> {
    let note = fields::note(note, 200)?;
    match action {
        "restock" => rules::quantity(quantity, 1, max).map(|quantity| Action::Restock { quantity, reference: note }),
        "waste" if note.is_empty() => Err("Indiquez la raison de la perte.".to_string()),
        "waste" => rules::quantity(quantity, 1, max).map(|quantity| Action::Waste { quantity, reason: note }),
        "inventory" => rules::quantity(quantity, 0, max).map(|counted| Action::Inventory { counted }),
        "threshold" => rules::quantity(quantity, 0, max).map(|value| Action::Threshold { value }),
        _ => Err("Choisissez une action : réception, perte, inventaire ou seuil.".to_string()),
    }
}
