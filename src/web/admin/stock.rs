//! The group's stock (`/admin/stock`, admins): every ingredient in every pizzeria, and
//! transfers between pizzerias.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::stock::{self as rules, amount};
use crate::store::{pizzerias, stock};
use crate::views::stock::{GroupPage, TransferForm};
use crate::web::auth::AdminArea;
use crate::web::csrf::{CsrfForm, Page};
use crate::{views, Result};

pub fn routes() -> Vec<Route> {
    routes![group_page, transfer]
}

async fn render(db: &Db, page: &Page<'_>, form: &TransferForm, notice: Option<&str>) -> Result<Markup> {
    let pizzerias = pizzerias::directory(db).await?;
    let ingredients = stock::ingredients(db).await?;
    let cells = stock::group(db).await?;
    let view =
        GroupPage { csrf: &page.csrf, pizzerias: &pizzerias, ingredients: &ingredients, cells: &cells, form, notice };
    Ok(views::stock::group(&page.nav(), &view))
}

#[get("/admin/stock")]
async fn group_page(db: &Db, _admin: AdminArea, page: Page<'_>, flash: Option<FlashMessage<'_>>) -> Result<Markup> {
    render(db, &page, &TransferForm::default(), flash.as_ref().map(|f| f.message())).await
}

#[derive(FromForm)]
struct TransferFields {
    #[field(default = String::new())]
    from: String,
    #[field(default = String::new())]
    to: String,
    #[field(default = String::new())]
    ingredient: String,
    #[field(default = String::new())]
    quantity: String,
}

#[post("/admin/stock/transfers", data = "<form>")]
async fn transfer(
    db: &Db,
    settings: &State<Settings>,
    admin: AdminArea,
    page: Page<'_>,
    form: CsrfForm<TransferFields>,
) -> Result<Either<(Status, Markup), Flash<Redirect>>> {
    let form = form.0;
    let directory = pizzerias::directory(db).await?;
    let id_of = |slug: &str| directory.iter().find(|p| p.1 == slug.trim()).map(|p| (p.0, p.2.clone()));
    let problem = match (
        id_of(&form.from),
        id_of(&form.to),
        stock::ingredient(db, form.ingredient.trim()).await?,
        rules::quantity(&form.quantity, 1, settings.stock_max_quantity),
    ) {
        (None, _, _, _) | (_, None, _, _) => "Choisissez les deux pizzerias dans la liste.".to_string(),
        (_, _, None, _) => "Choisissez un ingrédient de la liste.".to_string(),
        (_, _, _, Err(message)) => message,
        (Some(from), Some(to), Some((ingredient, name, unit)), Ok(quantity)) => {
            match stock::transfer(db, (from.0, to.0), ingredient, quantity, admin.0.id).await? {
                Err(message) => message,
                Ok(()) => {
                    let done = format!(
                        "Transfert enregistré : {} de {name}, de {} vers {}.",
                        amount(quantity, &unit),
                        from.1,
                        to.1
                    );
                    return Ok(Either::Right(Flash::success(Redirect::to("/admin/stock"), done)));
                }
            }
        }
    };
    let shown = TransferForm {
        from: form.from,
        to: form.to,
        ingredient: form.ingredient,
        quantity: form.quantity,
        problem: Some(problem),
    };
    Ok(Either::Left((Status::UnprocessableEntity, render(db, &page, &shown, None).await?)))
}
