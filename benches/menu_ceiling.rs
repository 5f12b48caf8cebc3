//! The machine's ceiling for the menu benchmark: fetches the menu page once from the running
//! server, then serves exactly those bytes (same headers that matter: content type, length)
//! from a bare hyper HTTP/1 server on loopback, with no database, template or cookie work.
//! `benches/menu-load.sh` loads both with wrk in the same run and prints the ratio.
//!
//! Usage: cargo bench --bench menu_ceiling -- PAGE_URL PORT

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (Some(url), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: menu_ceiling PAGE_URL PORT");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("a port number");
    oc_pizza::tls::install_crypto_provider();
    let client = oc_pizza::tls::http_client().build().expect("HTTP client");
    let page = client.get(&url).send().await.expect("the menu page").bytes().await.expect("its bytes");
    let page = Bytes::from(page.to_vec());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await.expect("bind");
    eprintln!("menu_ceiling: serving {} bytes on 127.0.0.1:{port}", page.len());
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let page = page.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_: Request<hyper::body::Incoming>| {
                let page = page.clone();
                async move {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "text/html; charset=utf-8")
                            .body(Full::new(page))
                            .expect("a response"),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
