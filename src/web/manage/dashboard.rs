//! The managers' dashboard (`/manage/dashboard`): today's figures of their pizzeria, live;
//! admins see every pizzeria side by side and pick one. CSV export of a period's orders.

use chrono::Utc;
use chrono_tz::Europe::Paris;
use maud::Markup;
use rocket::http::Header;
use rocket::response::stream::EventStream;
use rocket::{get, routes, Responder, Route, Shutdown, State};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::dashboard::{self, Figures};
use crate::domain::orders::PaymentStatus;
use crate::domain::stock::Level;
use crate::store::dashboard as store;
use crate::store::stock::{self, StockRow};
use crate::views::dashboard::{channel_label, mode_label, Board, DashboardPage};
use crate::web::auth::ManageArea;
use crate::web::csrf::Page;
use crate::web::staff::screens::{resolve, Here};
use crate::{unix_now, views, Error, Result};

pub fn routes() -> Vec<Route> {
    routes![dashboard_page, live, events, export]
}

/// What a pizzeria's board shows.
struct Day {
    figures: Figures,
    best_sellers: Vec<(String, i64)>,
    alerts: Vec<StockRow>,
    refunds: Vec<crate::store::payments::OpenRefund>,
    refusals: Vec<(crate::domain::limits::Limit, i64)>,
    load: Vec<(i64, i64, i64)>,
}

async fn day(db: &Db, settings: &Settings, pizzeria_id: i64) -> Result<Day> {
    let now = unix_now();
    let since = dashboard::start_of_day(now);
    let orders = store::day_orders(db, pizzeria_id, since, settings.preparation_lead_minutes * 60).await?;
    let lines = store::day_lines(db, pizzeria_id, since).await?;
    let mut alerts = stock::levels(db, pizzeria_id).await?;
    alerts.retain(|row| row.level() != Level::Ok);
    alerts.sort_by_key(|row| (row.level() != Level::Out, row.name.clone()));
    let (capacity, _) = crate::store::capacity::for_pizzeria(db, pizzeria_id).await?;
    let booked = crate::store::capacity::booked_between(db, pizzeria_id, since, since + 86_400).await?;
    Ok(Day {
        load: dashboard::oven_load(&capacity, &booked),
        figures: dashboard::figures(&orders, since, now),
        best_sellers: dashboard::best_sellers(&lines, 5),
        alerts,
        refunds: crate::store::payments::open_refunds(db, pizzeria_id).await?,
        refusals: crate::store::rate_limits::refusals_on(db, pizzeria_id, &crate::domain::limits::paris_day(now))
            .await?,
    })
}

fn board<'a>(here: &'a Here, day: &'a Day) -> Board<'a> {
    Board {
        here,
        figures: &day.figures,
        best_sellers: &day.best_sellers,
        alerts: &day.alerts,
        refunds: &day.refunds,
        refusals: &day.refusals,
        load: &day.load,
    }
}

#[get("/manage/dashboard?<pizzeria>")]
async fn dashboard_page(
    db: &Db,
    settings: &State<Settings>,
    user: ManageArea,
    page: Page<'_>,
    pizzeria: Option<&str>,
) -> Result<Markup> {
    match resolve(db, &user.0, pizzeria).await? {
        Ok(here) => {
            let day = day(db, settings, here.id).await?;
            let view = DashboardPage {
                board: board(&here, &day),
                admin: user.0.pizzeria_id.is_none(),
                today: Utc::now().with_timezone(&Paris).format("%Y-%m-%d").to_string(),
            };
            Ok(views::dashboard::page(&page.nav(), &view))
        }
        Err(heres) => {
            let mut days = Vec::new();
            for here in &heres {
                days.push(day(db, settings, here.id).await?);
            }
            let boards: Vec<Board<'_>> = heres.iter().zip(&days).map(|(here, day)| board(here, day)).collect();
            Ok(views::dashboard::overview(&page.nav(), &boards))
        }
    }
}

#[get("/manage/dashboard/live?<pizzeria>")]
async fn live(db: &Db, settings: &State<Settings>, user: ManageArea, pizzeria: Option<&str>) -> Result<Markup> {
    let here =
        resolve(db, &user.0, pizzeria).await?.map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let day = day(db, settings, here.id).await?;
    Ok(views::dashboard::board(&board(&here, &day)))
}

#[get("/manage/dashboard/events?<pizzeria>")]
async fn events(db: &Db, user: ManageArea, pizzeria: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    crate::web::staff::screens::events(db, &user.0, pizzeria, shutdown).await
}

#[derive(Responder)]
#[response(content_type = "text/csv")]
struct Csv {
    body: String,
    disposition: Header<'static>,
}

fn cents(value: i64) -> String {
    crate::domain::money::form_eur(value)
}

/// A CSV cell: `;`, quotes and line breaks quoted.
fn cell(value: &str) -> String {
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The period's orders, one per line, for a French spreadsheet (`;`, decimal comma, BOM).
#[get("/manage/dashboard/orders.csv?<pizzeria>&<from>&<to>")]
async fn export(
    db: &Db,
    user: ManageArea,
    pizzeria: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Csv> {
    let here =
        resolve(db, &user.0, pizzeria).await?.map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    let (Some(start), Some(end)) = (dashboard::day_start(from), dashboard::day_start(to)) else {
        return Err(Error::BadRequest("Indiquez les dates de début et de fin (AAAA-MM-JJ).".into()));
    };
    if end < start || end - start > 366 * 86_400 {
        return Err(Error::BadRequest("La période va du plus ancien au plus récent, un an au plus.".into()));
    }
    let rows = store::export(db, here.id, start, end + 86_400).await?;
    let mut body = String::from(
        "\u{feff}Référence;Date;Canal;Mode;État;Paiement;Payée;Pizzas;Total HT;TVA;Total TTC;Promise;Prête ou livrée;\
         Écart (min)\r\n",
    );
    let local = |time: Option<i64>| {
        time.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.with_timezone(&Paris).format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default()
    };
    for row in &rows {
        let date = local(Some(row.created_at));
        let status = crate::domain::orders::Status::parse(&row.status).map(|s| s.label()).unwrap_or("");
        let fields = [
            row.reference.clone(),
            date,
            channel_label(&row.channel).to_string(),
            mode_label(&row.mode).to_string(),
            status.to_string(),
            row.payment_method.short_label().to_string(),
            match row.payment_status {
                PaymentStatus::Paid => "oui",
                PaymentStatus::Refunded => "remboursée",
                PaymentStatus::Unpaid => "non",
            }
            .to_string(),
            row.lines.clone(),
            cents(row.total_ht_cents),
            cents(row.total_vat_cents),
            cents(row.total_ttc_cents),
            local(row.promised_for),
            local(row.done_at),
            row.promised_for
                .zip(row.done_at)
                .map(|(p, d)| ((d - p) as f64 / 60.0).round().to_string())
                .unwrap_or_default(),
        ];
        body.push_str(&fields.iter().map(|f| cell(f)).collect::<Vec<_>>().join(";"));
        body.push_str("\r\n");
    }
    let name = format!("commandes-{}-{}-{}.csv", here.slug, from.unwrap_or_default(), to.unwrap_or_default());
    Ok(Csv { body, disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{name}\"")) })
}
