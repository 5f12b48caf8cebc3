//! CSS, JS and icons embedded in the binary, served under `/assets/` with
//! content-hashed URLs (`?v=<hash>`, cached for a year) and ETags (304 on revalidation).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// Hex SHA-256 of each embedded file, computed once.
fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        Assets::iter()
            .filter_map(|path| {
                let file = Assets::get(&path)?;
                let hex: String = file.metadata.sha256_hash().iter().map(|byte| format!("{byte:02x}")).collect();
                Some((path.into_owned(), hex))
            })
            .collect()
    })
}

/// The URL of an embedded asset, versioned by its content so that it can be cached forever.
pub fn url(path: &str) -> String {
    match hashes().get(path) {
        Some(hash) => format!("/assets/{path}?v={}", &hash[..16]),
        None => format!("/assets/{path}"),
    }
}

pub struct IfNoneMatch(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IfNoneMatch {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(IfNoneMatch(request.headers().get_one("If-None-Match").map(str::to_string)))
    }
}

// Short-lived, built once per request: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AssetResponse {
    Body { content: Vec<u8>, content_type: ContentType, etag: String, immutable: bool },
    NotModified { etag: String },
}

impl<'r> Responder<'r, 'static> for AssetResponse {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        match self {
            AssetResponse::Body { content, content_type, etag, immutable } => {
                let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, no-cache" };
                Response::build()
                    .header(content_type)
                    .header(Header::new("ETag", etag))
                    .header(Header::new("Cache-Control", cache))
                    .sized_body(content.len(), std::io::Cursor::new(content))
                    .ok()
            }
            AssetResponse::NotModified { etag } => {
                Response::build().status(Status::NotModified).header(Header::new("ETag", etag)).ok()
            }
        }
    }
}

#[rocket::get("/assets/<path..>?<v>")]
pub fn serve(path: PathBuf, v: Option<&str>, if_none_match: IfNoneMatch) -> Option<AssetResponse> {
    let key = path.to_str()?;
    let file = Assets::get(key)?;
    let hash = hashes().get(key)?;
    let etag = format!("\"{}\"", &hash[..32]);
    if if_none_match.0.as_deref().is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
    {
        return Some(AssetResponse::NotModified { etag });
    }
    let content_type = path
        .extension()
        .and_then(|ext| ext.to_str())
        .and_then(ContentType::from_extension)
        .unwrap_or(ContentType::Binary);
    Some(AssetResponse::Body {
        content: file.data.into_owned(),
        content_type,
        etag,
        immutable: v.is_some_and(|v| hash.starts_with(v) && v.len() >= 8),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn asset_urls_carry_the_content_hash() {
        let url = super::url("css/app.css");
        assert!(url.starts_with("/assets/css/app.css?v="), "{url}");
        assert_eq!(url.len(), "/assets/css/app.css?v=".len() + 16);
        assert_eq!(super::url("missing.css"), "/assets/missing.css");
    }
}
