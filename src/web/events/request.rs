//! What a stream's request head says: the path's target, the query, the credentials, and
//! the refusals answered as plain HTTP.

use crate::domain::roles::Area;
use crate::web::auth::SESSION_COOKIE;
use crate::web::refusal::Refusal;
use crate::Error;

/// Which stream a path asks for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// A staff screen's stream, for the roles that enter `Area`.
    Screen(Area),
    /// `/api/v1/pizzerias/<slug>/events`.
    Pizzeria(String),
    /// `/orders/<reference>/events`.
    Order(String),
}

impl Target {
    pub(super) fn of(path: &str) -> Option<Target> {
        let screen = match path {
            "/kitchen/events" => Some(Area::Kitchen),
            "/delivery/events" => Some(Area::Delivery),
            "/staff/events" => Some(Area::Counter),
            "/manage/stock/events" | "/manage/dashboard/events" => Some(Area::Manage),
            _ => None,
        };
        if let Some(area) = screen {
            return Some(Target::Screen(area));
        }
        let segment = |rest: &str| {
            let value = rest.strip_suffix("/events")?;
            let value = percent_encoding::percent_decode_str(value).decode_utf8().ok()?;
            (!value.is_empty() && !value.contains('/')).then(|| value.into_owned())
        };
        if let Some(rest) = path.strip_prefix("/api/v1/pizzerias/") {
            return segment(rest).map(Target::Pizzeria);
        }
        path.strip_prefix("/orders/").and_then(segment).map(Target::Order)
    }
}

/// The parts of a request head the streams read.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Request {
    pub(super) path: String,
    pub(super) query: String,
    /// The sealed value of the session cookie.
    pub(super) session_cookie: Option<String>,
    pub(super) authorization: Option<String>,
}

impl Request {
    pub(super) fn parse(head: &[u8]) -> Result<Request, Refused> {
        let mut headers = [httparse::EMPTY_HEADER; 48];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) | Err(_) => return Err(Refused::new(400, "Requête illisible.")),
        }
        if parsed.method != Some("GET") {
            return Err(Refused::new(405, "Seule la méthode GET est acceptée ici."));
        }
        let target = parsed.path.unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut request = Request { path: path.to_string(), query: query.to_string(), ..Request::default() };
        for header in parsed.headers.iter() {
            let Ok(value) = std::str::from_utf8(header.value) else { continue };
            if header.name.eq_ignore_ascii_case("authorization") {
                request.authorization = Some(value.to_string());
            } else if header.name.eq_ignore_ascii_case("cookie") {
                let session = cookie::Cookie::split_parse_encoded(value)
                    .filter_map(|cookie| cookie.ok())
                    .find(|cookie| cookie.name() == SESSION_COOKIE);
                if let Some(session) = session {
                    request.session_cookie = Some(session.value().to_string());
                }
            }
        }
        Ok(request)
    }

    /// The first value of a query parameter, decoded.
    pub(super) fn query(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// The main port's refusals, with its wording and status.
impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Refused {
        Refused::new(refusal.status().code, refusal.message())
    }
}

/// A refusal, answered as French text and the connection closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refused {
    pub(super) status: u16,
    pub(super) message: &'static str,
}

impl Refused {
    pub(super) const NOT_FOUND: Refused = Refused::new(404, "Cette page n'existe pas.");

    pub(super) const fn new(status: u16, message: &'static str) -> Refused {
        Refused { status, message }
    }

    pub(super) fn from_error(error: &Error) -> Refused {
        match error {
            Error::NotFound => Refused::NOT_FOUND,
            Error::Forbidden => Refused::new(403, "Cette pizzeria n'est pas la vôtre."),
            error => {
                tracing::error!(%error, "event server: cannot open a stream");
                Refused::new(503, "Service momentanément indisponible : réessayez dans un instant.")
            }
        }
    }

    pub(super) fn answer(&self) -> String {
        let reason = match self.status {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Service Unavailable",
        };
        let allow = if self.status == 405 { "Allow: GET\r\n" } else { "" };
        format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n{allow}\
             Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n{}\n",
            self.status,
            self.message.len() + 1,
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_of_the_main_port_has_its_target() {
        assert_eq!(Target::of("/kitchen/events"), Some(Target::Screen(Area::Kitchen)));
        assert_eq!(Target::of("/delivery/events"), Some(Target::Screen(Area::Delivery)));
        assert_eq!(Target::of("/staff/events"), Some(Target::Screen(Area::Counter)));
        assert_eq!(Target::of("/manage/stock/events"), Some(Target::Screen(Area::Manage)));
        assert_eq!(Target::of("/manage/dashboard/events"), Some(Target::Screen(Area::Manage)));
        assert_eq!(Target::of("/api/v1/pizzerias/boulogne/events"), Some(Target::Pizzeria("boulogne".into())));
        assert_eq!(Target::of("/orders/BOU-7K2M/events"), Some(Target::Order("BOU-7K2M".into())));
        assert_eq!(Target::of("/orders/BOU%2D7K2M/events"), Some(Target::Order("BOU-7K2M".into())));
    }

    /// A stream route added to the main port without its target here would answer 404 on the
    /// events port.

    #[test]
    fn every_stream_route_mounted_on_the_main_port_has_a_target() {
        let rocket = crate::web::mount(rocket::build());
        let streams: Vec<String> = rocket
            .routes()
            .map(|route| route.uri.path().to_string())
            .filter(|path| path.ends_with("/events"))
            .collect();
        assert!(streams.len() >= 7, "{streams:?}");
        for path in streams {
            let concrete: Vec<&str> =
                path.split('/').map(|segment| if segment.starts_with('<') { "x1" } else { segment }).collect();
            assert!(Target::of(&concrete.join("/")).is_some(), "{path} has no target on the events port");
        }
    }

    #[test]
    fn other_paths_have_none() {
        for path in ["/", "/kitchen", "/kitchen/events/", "/orders//events", "/orders/a/b/events", "/menu/events"] {
            assert_eq!(Target::of(path), None, "{path}");
        }
        assert_eq!(Target::of("/orders/a%2Fb/events"), None, "a slash in a reference");
    }

    #[test]
    fn a_head_gives_its_path_query_cookie_and_token() {
        let head = b"GET /kitchen/events?pizzeria=boulogne&x=1 HTTP/1.1\r\nHost: a\r\n\
            Cookie: oc_csrf=1; oc_session=AbC%2Bd%3D%3D; other=2\r\nAuthorization: Bearer t0k\r\n\r\n";
        let request = Request::parse(head).expect("a valid head");
        assert_eq!(request.path, "/kitchen/events");
        assert_eq!(request.query("pizzeria").as_deref(), Some("boulogne"));
        assert_eq!(request.query("key"), None);
        assert_eq!(request.session_cookie.as_deref(), Some("AbC+d=="), "percent-decoded as Rocket does");
        assert_eq!(request.authorization.as_deref(), Some("Bearer t0k"));
    }

    #[test]
    fn a_bad_head_is_refused_with_a_client_error() {
        assert_eq!(Request::parse(b"POST /kitchen/events HTTP/1.1\r\n\r\n").map_err(|r| r.status), Err(405));
        assert_eq!(Request::parse(b"\x01\x02 nonsense\r\n\r\n").map_err(|r| r.status), Err(400));
    }

    #[test]
    fn a_refusal_is_a_complete_http_answer() {
        let answer = Refused::from(Refusal::WrongRole).answer();
        let (head, body) = answer.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{head}");
        assert!(head.contains(&format!("Content-Length: {}", body.len())), "{head}");
        assert_eq!(body, "Votre compte n'a pas accès à cette page.\n");
    }
}
