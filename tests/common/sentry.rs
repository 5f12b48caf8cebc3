//! A stand-in for Sentry's ingestion endpoint on loopback: it accepts the envelopes the
//! real `sentry` client posts (DSN `http://key@127.0.0.1:PORT/1`) and keeps their bodies.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

pub struct SentrySink {
    pub dsn: String,
    envelopes: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SentrySink {
    pub async fn start() -> SentrySink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the Sentry sink");
        let dsn = format!("http://0123456789abcdef@127.0.0.1:{}/1", listener.local_addr().expect("address").port());
        let envelopes = Arc::new(Mutex::new(Vec::new()));
        let seen = envelopes.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Some((head, body)) = super::notify::read_request(&mut socket).await else { return };
                    if head.starts_with("POST /api/1/envelope/") {
                        seen.lock().expect("envelopes").push(String::from_utf8_lossy(&body).into_owned());
                    }
                    let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        SentrySink { dsn, envelopes, task }
    }

    /// Every envelope received so far, as text (a JSON header line, then items).
    pub fn envelopes(&self) -> Vec<String> {
        self.envelopes.lock().expect("envelopes").clone()
    }

    /// The event payloads (the JSON objects with an `event_id` and a `platform`: the
    /// envelope's header has an id only, an item's header a type).
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.envelopes()
            .iter()
            .flat_map(|envelope| envelope.lines().map(str::to_string).collect::<Vec<_>>())
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
            .filter(|item| item.get("platform").is_some() && item.get("event_id").is_some())
            .collect()
    }

    /// Waits for an event whose tag `tag` is `value`.
    pub async fn wait_for(&self, tag: &str, value: &str, within: Duration) -> Option<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(event) = self.events().into_iter().find(|e| e["tags"][tag] == value) {
                return Some(event);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SentrySink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
