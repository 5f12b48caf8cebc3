//! The event streams on a port of their own (`events_port`): a lean HTTP/1.1 server for the
//! same `…/events` URLs as the main port, built to hold thousands of screens at once.
//!
//! Through Rocket and hyper an open stream keeps about 36 KiB (hyper's read buffer, the
//! connection's and the request's tasks, Rocket's request): 5 000 screens took 217 MiB. Here
//! a stream is one small task: the request head is read and checked with the same rules as
//! the main port (`web::auth::identify`, `may_enter`, `screens::resolve`, `orders::reach`),
//! its buffer dropped, then only events are written. Nginx sends `location ~ /events$` to this
//! port; the main port still serves the same URLs (one port is enough for a small setup).
//!
//! The answer to a stream is the stream alone, ended by closing the connection (no
//! keep-alive, no chunked encoding), which `EventSource` and Nginx both read. The first
//! event, `hello`, says the stream is live (the screen re-reads its queue); then `change`
//! for an order it follows, `resync` when events may have been lost, a comment every 30 s to
//! keep proxies from closing an idle stream.

use std::sync::Arc;
use std::time::Duration;

use rocket::tokio;
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::{TcpListener, TcpStream};
use rocket::tokio::sync::broadcast::error::RecvError;
use rocket::tokio::sync::watch;

use crate::db::Db;
use crate::domain::roles::may_enter;
use crate::live::{self, Event, Published};
use crate::web::auth::{identify, Credential, Identity, Visitor, SESSION_COOKIE};
use crate::web::refusal::Refusal;
use crate::web::staff::screens;
use crate::Error;

mod request;
use request::{Refused, Request, Target};

/// A request head longer than this is refused (431): ours are a few hundred bytes.
const MAX_HEAD: usize = 8 * 1024;
/// A client that has not sent its whole head by then is dropped.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that does not take an event within this time is dropped (its socket buffer is
/// full: it has stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
const HEARTBEAT: Duration = Duration::from_secs(30);

const STREAM_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
X-Accel-Buffering: no\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nevent:hello\ndata:live\n\n";
// The frames are written as Rocket's `EventStream` writes them: both ports answer alike.
const RESYNC: &[u8] = b"event:resync\ndata:{}\n\n";
const KEEP_ALIVE: &[u8] = b":\n";

/// What the server needs for every stream: the database (who is asking) and the key of the
/// private session cookie (Rocket's secret key).
pub struct EventServer {
    db: Db,
    cookie_key: cookie::Key,
}

impl EventServer {
    /// `secret_key` is Rocket's 64-byte master key (what `rocket::Config` gives as
    /// `secret_key`, generated or configured); `None` for anything else.
    pub fn new(db: Db, secret_key: &[u8]) -> Option<EventServer> {
        (secret_key.len() == 64).then(|| EventServer { db, cookie_key: cookie::Key::from(secret_key) })
    }

    /// Starts the server on `listener` (bound before launch) for this Rocket: its database,
    /// its secret key, its shutdown.
    pub fn start(rocket: &rocket::Rocket<rocket::Orbit>, listener: std::net::TcpListener) {
        let secret_key: Option<Vec<u8>> =
            rocket::figment::Figment::from(rocket.config()).extract_inner("secret_key").ok();
        let server = secret_key.and_then(|key| {
            let db = <Db as rocket_db_pools::Database>::fetch(rocket)?;
            EventServer::new(Db::from_pool((**db).clone()), &key)
        });
        let Some(server) = server else {
            tracing::error!("event server: no database or no secret key; the event streams stay on the main port");
            return;
        };
        let listener = match TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(error) => {
                tracing::error!(%error, "event server: cannot use its socket");
                return;
            }
        };
        let (stop, stopping) = watch::channel(false);
        let shutdown = rocket.shutdown();
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        if let Ok(address) = listener.local_addr() {
            tracing::info!("event streams also on http://{address}");
        }
        tokio::spawn(Arc::new(server).serve(listener, stopping));
    }

    /// Binds the events port before launch, so that a port in use stops the start with a
    /// clear message rather than leaving the screens without events.
    pub fn bind(address: std::net::IpAddr, port: u16) -> crate::Result<std::net::TcpListener> {
        let listener = std::net::TcpListener::bind((address, port))
            .map_err(|e| Error::io(format!("cannot listen on {address}:{port} (events_port)"), e))?;
        listener.set_nonblocking(true).map_err(|e| Error::io("events_port", e))?;
        Ok(listener)
    }

    /// Accepts connections until `shutdown` is true, then ends every stream.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: watch::Receiver<bool>) {
        let mut stop = shutdown.clone();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stopped(&mut stop) => return,
            };
            match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(self.clone().connection(stream, shutdown.clone()));
                }
                // Out of file descriptors, most likely: wait rather than spin.
                Err(error) => {
                    tracing::warn!(%error, "event server: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    async fn connection(self: Arc<Self>, mut stream: TcpStream, shutdown: watch::Receiver<bool>) {
        // Boxed: the reading and the database look-ups hold far more state than the stream
        // needs afterwards, and a task keeps the size of its largest step for its whole life.
        let opened = Box::pin(self.open(&mut stream)).await;
        match opened {
            Ok((follow, viewer)) => stream_events(stream, follow, viewer, shutdown).await,
            Err(Some(refused)) => {
                tracing::info!(status = refused.status, reason = refused.message, "event server: stream refused");
                if write(&mut stream, refused.answer().as_bytes()).await {
                    linger(&mut stream).await;
                }
            }
            Err(None) => {}
        }
    }

    /// Reads the request and decides what it may follow, and for whom (the signed-in user,
    /// whose streams end when their rights change). `Err(None)`: the client went away.
    async fn open(&self, stream: &mut TcpStream) -> Result<(Follow, Option<i64>), Option<Refused>> {
        let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(stream)).await {
            Ok(Ok(Some(head))) => head,
            Ok(Err(refused)) => return Err(Some(refused)),
            Ok(Ok(None)) | Err(_) => return Err(None),
        };
        let request = Request::parse(&head).map_err(Some)?;
        drop(head);
        if crate::web::hostile_urls::is_hostile(&request.path, Some(&request.query)) {
            return Err(Some(Refused::new(400, crate::web::hostile_urls::MESSAGE)));
        }
        let target = Target::of(&request.path).ok_or(Some(Refused::NOT_FOUND))?;
        let session = request.session_cookie.as_deref().and_then(|cookie| self.session_token(cookie));
        let visitor = match identify(&self.db, request.authorization.as_deref(), session.as_deref()).await {
            Identity::Visitor(visitor) => visitor,
            Identity::SessionEnded => Visitor::default(),
        };
        let follow = self.follow(target, &visitor, &request).await.map_err(Some)?;
        Ok((follow, visitor.signed_in().map(|user| user.id)))
    }

    /// The same rules as the main port's routes (`kitchen::events`, `api_staff::events`,
    /// `orders::order_events`, …).
    async fn follow(&self, target: Target, visitor: &Visitor, request: &Request) -> Result<Follow, Refused> {
        match target {
            Target::Screen(area) => {
                let user = match &visitor.user {
                    Some((user, Credential::Session { .. })) => user,
                    // A screen is a page: an API token does not open it.
                    _ => return Err(Refusal::LoginRequired.into()),
                };
                if user.must_change_password {
                    return Err(Refusal::MustChangePassword.into());
                }
                if !may_enter(user.role, area) {
                    return Err(Refusal::WrongRole.into());
                }
                let pizzeria = request.query("pizzeria");
                match screens::resolve(&self.db, user, pizzeria.as_deref()).await {
                    Ok(Ok(here)) => Ok(Follow::Pizzeria(here.id)),
                    Ok(Err(_)) => Err(Refused::new(400, "Choisissez une pizzeria.")),
                    Err(error) => Err(Refused::from_error(&error)),
                }
            }
            Target::Pizzeria(slug) => {
                if visitor.bad_bearer {
                    return Err(Refusal::BadApiToken.into());
                }
                let Some((user, _)) = &visitor.user else { return Err(Refusal::LoginRequired.into()) };
                if user.must_change_password {
                    return Err(Refusal::MustChangePassword.into());
                }
                if !user.role.is_staff() {
                    return Err(Refused::new(403, crate::web::api::staff::STAFF_ONLY));
                }
                match screens::resolve(&self.db, user, Some(&slug)).await {
                    Ok(Ok(here)) => Ok(Follow::Pizzeria(here.id)),
                    Ok(Err(_)) => Err(Refused::NOT_FOUND),
                    Err(error) => Err(Refused::from_error(&error)),
                }
            }
            Target::Order(reference) => {
                let key = request.query("key");
                match crate::web::customer::orders::reach(&self.db, visitor, &reference, key.as_deref()).await {
                    Ok(Some((order, _, _))) => Ok(Follow::Order(order.reference)),
                    Ok(None) => Err(Refusal::LoginRequired.into()),
                    Err(error) => Err(Refused::from_error(&error)),
                }
            }
        }
    }

    /// The session token inside the private cookie, if it was sealed with our key.
    fn session_token(&self, sealed: &str) -> Option<String> {
        let mut jar = cookie::CookieJar::new();
        jar.add_original(cookie::Cookie::new(SESSION_COOKIE, sealed.to_string()));
        jar.private(&self.cookie_key).get(SESSION_COOKIE).map(|cookie| cookie.value().to_string())
    }
}

/// Reads until the end of the request head. `Ok(None)`: the client closed first.
async fn read_head(stream: &mut TcpStream) -> Result<Option<Vec<u8>>, Refused> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(read) => read,
        };
        head.extend_from_slice(&chunk[..read]);
        if head.len() > MAX_HEAD {
            return Err(Refused::new(431, "En-têtes trop longs."));
        }
        if head.windows(4).any(|window| window == b"\r\n\r\n") {
            return Ok(Some(head));
        }
    }
}

/// Writes the stream until the client leaves, lags too far, the rights of `viewer` change, or
/// the server stops.
async fn stream_events(
    mut stream: TcpStream,
    follow: Follow,
    viewer: Option<i64>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Subscribed before `hello`: whatever happens after the screen re-reads reaches it.
    let mut bus = live::subscribe();
    let _open = live::OpenStream::new();
    if !write(&mut stream, STREAM_HEAD).await {
        return;
    }
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let mut probe = [0u8; 16];
    loop {
        let sent = tokio::select! {
            received = bus.recv() => match received {
                // The screen reconnects and is checked again.
                Ok(published) if viewer.is_some() && published.event.signed_out_user() == viewer => false,
                Ok(published) => match frame(&published, &follow) {
                    Some(frame) => write(&mut stream, frame.as_bytes()).await,
                    None => true,
                },
                // Too slow to keep up: some events are gone, re-read everything.
                Err(RecvError::Lagged(_)) => write(&mut stream, RESYNC).await,
                Err(RecvError::Closed) => false,
            },
            _ = heartbeat.tick() => write(&mut stream, KEEP_ALIVE).await,
            // The client sends nothing after its request: reading tells us when it leaves
            // (0 bytes, an error), without waiting for the next write to fail.
            _ = stream.read(&mut probe) => false,
            _ = stopped(&mut shutdown) => false,
        };
        if !sent {
            return;
        }
    }
}

/// Closes our side and reads what the client still sends for a moment: closing a socket with
/// unread bytes resets it, and the client could lose the answer we just wrote.
async fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 1024];
    let drain = async {
        let mut left: usize = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(read) => left = left.saturating_sub(read),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

async fn write(stream: &mut TcpStream, bytes: &[u8]) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(bytes)).await, Ok(Ok(())))
}

/// What a stream follows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Follow {
    /// Every order of this pizzeria (staff screens, the API).
    Pizzeria(i64),
    /// One order (its tracking page).
    Order(String),
}

impl Follow {
    fn wants(&self, event: &Event) -> bool {
        match self {
            Follow::Pizzeria(id) => event.pizzeria_id == *id,
            Follow::Order(reference) => event.reference == *reference,
        }
    }
}

/// The bytes a stream following `follow` gets for this event, if any.
fn frame(published: &Published, follow: &Follow) -> Option<String> {
    if published.event.is_resync() {
        return Some(String::from_utf8_lossy(RESYNC).into_owned());
    }
    follow
        .wants(&published.event)
        .then(|| format!("id:{}\nevent:change\ndata:{}\n\n", published.event.id, published.json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_gets_its_pizzerias_changes_and_every_resync() {
        let event = |pizzeria_id, reference: &str| {
            let event = Event {
                id: 42,
                kind: "placed".into(),
                pizzeria_id,
                reference: reference.into(),
                status: "placed".into(),
                window: None,
            };
            Published { json: event.to_json(), event }
        };
        let kitchen = Follow::Pizzeria(1);
        let frame_of_one = frame(&event(1, "BOU-1"), &kitchen).expect("its pizzeria's order");
        assert_eq!(frame_of_one, format!("id:42\nevent:change\ndata:{}\n\n", event(1, "BOU-1").json));
        assert_eq!(frame(&event(2, "LEV-1"), &kitchen), None, "another pizzeria's order");
        assert!(frame(&event(2, "LEV-1"), &Follow::Order("LEV-1".into())).is_some());
        assert_eq!(frame(&event(2, "LEV-2"), &Follow::Order("LEV-1".into())), None);
        let resync = Published { event: Event::resync(), json: Event::resync().to_json() };
        assert_eq!(frame(&resync, &kitchen).as_deref(), Some("event:resync\ndata:{}\n\n"));
    }
}
