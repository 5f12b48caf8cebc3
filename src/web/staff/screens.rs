//! What the live staff screens (kitchen, delivery, counter) share: which pizzeria a screen
//! shows, the one route that moves an order from any of them, and the event stream that
//! tells a screen to re-read its queue.

use maud::Markup;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::{self, FlashMessage, FromRequest};
use rocket::response::stream::{Event as SseEvent, EventStream};
use rocket::response::{Flash, Redirect};
use rocket::tokio::sync::broadcast::error::RecvError;
use rocket::{post, routes, Either, Request, Route, Shutdown};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::money;
use crate::domain::orders::{self as rules, Reach, Status as OrderStatus};
use crate::domain::requote;
use crate::domain::roles::Role;
use crate::domain::workflow::{self, Mover};
use crate::live::{self, Event};
use crate::store::order_moves::{self, MoveRequest};
use crate::store::pizzerias;
use crate::store::screens::{self, Ticket, Wanted};
use crate::store::users::AuthUser;
use crate::web::auth::StaffMember;
use crate::web::csrf::{CsrfForm, Page};
use crate::{unix_now, views, Error, Result};

pub use crate::views::screens::{buttons, Here, Screen};

pub fn routes() -> Vec<Route> {
    routes![move_order]
}

/// `Ok(here)`, or every pizzeria, for an admin to choose from. Staff asking for another
/// pizzeria than theirs are refused.
pub async fn resolve(db: &Db, user: &AuthUser, asked: Option<&str>) -> Result<std::result::Result<Here, Vec<Here>>> {
    let all: Vec<Here> =
        pizzerias::directory(db).await?.into_iter().map(|(id, slug, name)| Here { id, slug, name }).collect();
    let take = |wanted: &dyn Fn(&Here) -> bool| all.iter().find(|p| wanted(p)).cloned().ok_or(Error::NotFound);
    match (user.pizzeria_id, asked.filter(|s| !s.is_empty())) {
        (Some(own), asked) => {
            let here = take(&|p| p.id == own)?;
            match asked {
                Some(slug) if slug != here.slug => Err(Error::Forbidden),
                _ => Ok(Ok(here)),
            }
        }
        (None, Some(slug)) => Ok(Ok(take(&|p| p.slug == slug)?)),
        (None, None) => Ok(Err(all)),
    }
}

/// Which tickets a screen shows.
fn wanted(screen: Screen, now: i64) -> Wanted<'static> {
    use OrderStatus::*;
    match screen {
        Screen::Kitchen => Wanted {
            statuses: &[Placed, Preparing],
            // A cancelled order stays on screen a while, flagged, so nobody keeps making it.
            cancelled_since: Some(now - 20 * 60),
            hide_unpaid_online: true,
        },
        Screen::Delivery => {
            Wanted { statuses: &[Ready, OutForDelivery], cancelled_since: None, hide_unpaid_online: true }
        }
        Screen::Counter => Wanted {
            statuses: &[Placed, Preparing, Ready, OutForDelivery],
            cancelled_since: None,
            hide_unpaid_online: false,
        },
    }
}

/// The tickets `screen` shows at `pizzeria_id` to `user`.
pub async fn tickets(db: &Db, screen: Screen, pizzeria_id: i64, user: &AuthUser) -> Result<Vec<Ticket>> {
    let mut found = screens::tickets(db, pizzeria_id, wanted(screen, unix_now())).await?;
    if screen == Screen::Kitchen {
        // The queue in the order the kitchen must start it: by latest start, which keeps the
        // promise (by when it is wanted for what was taken without capacity limits).
        let (capacity, _) = crate::store::capacity::for_pizzeria(db, pizzeria_id).await?;
        for ticket in &mut found {
            let started = ticket.status() != OrderStatus::Placed;
            let oven = (ticket.first_quarter, ticket.last_quarter);
            ticket.deadline = requote::kitchen_deadline(started, oven, capacity.lead_minutes);
        }
        found.sort_by_key(|t| {
            let latest_start = t.first_quarter.map(|q| q - capacity.lead_minutes * 60);
            (latest_start.unwrap_or_else(|| t.due_at()), t.id)
        });
    }
    if screen == Screen::Delivery {
        found.retain(|t| t.mode() == rules::Mode::Delivery);
        // A driver sees what is left to take and what they carry, not their colleagues' rounds.
        if user.role == Role::Driver {
            found.retain(|t| t.status() == OrderStatus::Ready || t.driver_id == Some(user.id));
        }
        // What is on the road first, then what waits, the earliest first.
        found.sort_by_key(|t| (t.status() != OrderStatus::OutForDelivery, t.due_at()));
    }
    if screen == Screen::Counter {
        // Orders waiting at the counter first.
        found.sort_by_key(|t| (!(t.status() == OrderStatus::Ready && t.mode() == rules::Mode::Takeaway), t.due_at()));
    }
    Ok(found)
}

#[derive(FromForm)]
pub struct MoveForm {
    #[field(default = String::new())]
    to: String,
    #[field(default = String::new())]
    version: String,
    #[field(default = String::new())]
    reason: String,
    #[field(default = String::new())]
    method: String,
    #[field(default = String::new())]
    amount: String,
    #[field(default = String::new())]
    screen: String,
}

/// A tap on a screen's button: every staff screen posts here; the state machine decides.
#[post("/staff/orders/<reference>/move", data = "<form>")]
async fn move_order(
    db: &Db,
    staff: StaffMember,
    page: Page<'_>,
    reference: &str,
    form: CsrfForm<MoveForm>,
) -> Result<Either<Flash<Redirect>, (Status, Markup)>> {
    let form = form.0;
    let user = &staff.0;
    let ticket = screens::ticket(db, reference).await?.ok_or(Error::NotFound)?;
    if rules::reach(None, ticket.pizzeria_id, None, Some((user.id, user.role, user.pizzeria_id)))
        != Reach::Granted(rules::Access::Staff)
    {
        return Err(Error::NotFound);
    }
    let screen = Screen::parse(&form.screen).unwrap_or(Screen::Counter);
    let back = match user.pizzeria_id {
        Some(_) => screen.path().to_string(),
        None => {
            let slug = pizzerias::directory(db).await?.into_iter().find(|p| p.0 == ticket.pizzeria_id).map(|p| p.1);
            format!("{}?pizzeria={}", screen.path(), slug.unwrap_or_default())
        }
    };
    let refuse = |status: u16, message: String| {
        Ok(Either::Right((Status::new(status), views::screens::refused(&page.nav(), &message, &back))))
    };
    let Some(to) = OrderStatus::parse(form.to.trim()) else {
        return refuse(400, "Action inconnue : rechargez l'écran.".into());
    };
    let version = match form.version.trim() {
        "" => None,
        typed => match typed.parse::<i64>() {
            Ok(version) => Some(version),
            Err(_) => return refuse(400, "Le formulaire est incomplet : rechargez l'écran.".into()),
        },
    };
    let collected = match (form.method.trim(), form.amount.trim()) {
        ("", "") => None,
        (method, amount) => match (workflow::collected_method(method), money::parse_eur(amount)) {
            (Some(method), Ok(cents)) => Some((method, cents)),
            (None, _) => return refuse(422, "Choisissez le moyen de paiement : espèces ou carte.".into()),
            (_, Err(message)) => return refuse(422, message),
        },
    };
    let request = MoveRequest { to, version, reason: form.reason.chars().take(200).collect(), collected };
    let mover = Mover::Staff { user_id: user.id, role: user.role };
    match order_moves::advance(db, ticket.id, mover, Some(user.id), &request).await? {
        Ok(_) => {
            let done = workflow::move_done(&ticket.reference, to, collected, ticket.total_ttc_cents);
            Ok(Either::Left(Flash::success(Redirect::to(back), done)))
        }
        Err(refusal) => refuse(refusal.http_status(), refusal.message()),
    }
}

/// Server-sent events for the screens of one pizzeria (or one order): `change` when an
/// order of theirs changed (the screen re-reads its queue), `resync` when events may have
/// been lost (it re-reads everything). The first event, `hello`, says the stream is live:
/// a screen that (re)connects re-reads its queue then, so it never misses what happened
/// while it was away. Ends cleanly when the server shuts down, and when the rights of
/// `viewer` (the signed-in user who opened it) change: the screen reconnects and is checked
/// again.
pub fn event_stream(
    select: impl Fn(&Event) -> bool + Send + 'static,
    viewer: Option<i64>,
    mut shutdown: Shutdown,
) -> EventStream![] {
    let mut bus = live::subscribe();
    let open = live::OpenStream::new();
    EventStream! {
        let _open = open;
        yield SseEvent::data("live").event("hello");
        loop {
            let received = rocket::tokio::select! {
                received = bus.recv() => received,
                _ = &mut shutdown => break,
            };
            match received {
                Ok(published) if viewer.is_some() && published.event.signed_out_user() == viewer => break,
                Ok(published) if published.event.is_resync() => yield SseEvent::data("{}").event("resync"),
                Ok(published) if select(&published.event) => {
                    let id = published.event.id.to_string();
                    yield SseEvent::data(published.json.clone()).event("change").id(id)
                }
                Ok(_) => {}
                // Too slow to keep up: some events are gone, re-read everything.
                Err(RecvError::Lagged(_)) => yield SseEvent::data("{}").event("resync"),
                Err(RecvError::Closed) => break,
            }
        }
    }
}

/// What a screen's page and its queue read besides who asks: the database, the page's
/// navigation and form token, the settings (a request guard).
pub struct ScreenRequest<'r> {
    db: &'r Db,
    page: Page<'r>,
    settings: &'r Settings,
    /// What the last move said (`move_done`), shown once.
    flash: Option<FlashMessage<'r>>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ScreenRequest<'r> {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let db = rocket::outcome::try_outcome!(req.guard::<&Db>().await);
        let page = rocket::outcome::try_outcome!(req.guard::<Page<'r>>().await);
        let flash = req.guard::<FlashMessage<'r>>().await.succeeded();
        match req.rocket().state::<Settings>() {
            Some(settings) => request::Outcome::Success(ScreenRequest { db, page, settings, flash }),
            None => request::Outcome::Error((Status::InternalServerError, ())),
        }
    }
}

impl ScreenRequest<'_> {
    /// A screen's full page (or, for an admin who has not chosen, the pizzerias to choose from).
    pub async fn page(&self, screen: Screen, user: &AuthUser, asked: Option<&str>) -> Result<Markup> {
        match resolve(self.db, user, asked).await? {
            Err(choices) => Ok(views::screens::chooser(&self.page.nav(), screen.title(), &choices, screen.path())),
            Ok(here) => {
                let notice = self.flash.as_ref().map(|f| f.message());
                self.render(screen, user, here, |view| views::screens::screen_page(&self.page.nav(), view, notice))
                    .await
            }
        }
    }

    /// The queue alone, which the page's script fetches when told that something changed.
    pub async fn queue(&self, screen: Screen, user: &AuthUser, asked: Option<&str>) -> Result<Markup> {
        let here = resolve(self.db, user, asked).await?;
        let here = here.map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
        self.render(screen, user, here, views::screens::queue).await
    }

    /// Reads the screen's tickets at `here` and renders them with `draw`.
    async fn render(
        &self,
        screen: Screen,
        user: &AuthUser,
        here: Here,
        draw: impl FnOnce(&views::screens::ScreenView<'_>) -> Markup,
    ) -> Result<Markup> {
        let found = tickets(self.db, screen, here.id, user).await?;
        Ok(draw(&views::screens::ScreenView::new(screen, &here, user, &self.page.csrf, self.settings, &found)))
    }
}

/// The events of the screen's pizzeria.
pub async fn events(db: &Db, user: &AuthUser, asked: Option<&str>, shutdown: Shutdown) -> Result<EventStream![]> {
    let here = resolve(db, user, asked).await?.map_err(|_| Error::BadRequest("Choisissez une pizzeria.".into()))?;
    Ok(event_stream(move |event| event.pizzeria_id == here.id, Some(user.id), shutdown))
}
