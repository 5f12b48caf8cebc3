//! How an error of the application answers a page request: its status and a French page
//! with the request's id; a server error is logged and reported first. (Here rather than
//! beside `Error`: it needs the web layer's telemetry and the views.)

use rocket::response::{self, Responder};
use rocket::Request;

use crate::Error;

impl<'r> Responder<'r, 'static> for Error {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let status = self.status();
        if status.code >= 500 {
            let request_id = super::telemetry::request_id(request);
            // The path without its query (a guest key), scrubbed (a reset link's token).
            let path = crate::reporting::scrub_text(request.uri().path().as_str());
            match self {
                Error::Busy(_) => {
                    crate::metrics::count_refusal("hashing_busy");
                    tracing::warn!(error = %self, path, request_id, "request turned away")
                }
                _ => tracing::error!(error = %self, path, request_id, "request failed"),
            }
            super::telemetry::record_failure(request, &self);
        }
        let message = match &self {
            Error::BadRequest(message) => Some(message.as_str()),
            Error::Busy(message) => Some(*message),
            _ => None,
        };
        let request_id = super::telemetry::request_id(request);
        // The visitor as the request's guards found them (signed out if none ran).
        let nav = request.local_cache(super::auth::Visitor::default).nav();
        let page = crate::views::errors::page(&nav, status, message, Some(request_id));
        response::Response::build_from(page.respond_to(request)?).status(status).ok()
    }
}
