//! The real peers of the notification tests: an SMTP server (aiosmtpd, in Python, on
//! loopback) whose received messages the test reads, and an SMS gateway (a small HTTP
//! server here) that checks the bearer token and records the bodies.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SINK_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");

/// A message as the SMTP server received it (parsed by Python's email package).
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    pub received_at: f64,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub message_id: String,
    pub content_type: String,
    pub text: Option<String>,
    pub html: Option<String>,
}

impl Mail {
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or_default()
    }

    pub fn html(&self) -> &str {
        self.html.as_deref().unwrap_or_default()
    }
}

/// A Python with aiosmtpd, or `None` (said; a failure in CI).
fn python() -> Option<&'static str> {
    let found = ["python3", "/usr/bin/python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        let message =
            "mail test skipped: install aiosmtpd (`pip install aiosmtpd` or Debian's python3-aiosmtpd; .ci/run does)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("{message}");
    }
    found
}

/// A loopback port free now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    folder: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server on `port` (a port chosen earlier, for a server that was "down").
    pub async fn start_on(port: u16) -> Option<SmtpServer> {
        let python = python()?;
        let folder = tempfile::Builder::new().prefix("oc-pizza-mail-").tempdir().expect("mail folder");
        let child = Command::new(python)
            .arg(SINK_SCRIPT)
            .arg(port.to_string())
            .arg(folder.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        let server = SmtpServer { port, child, folder };
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(server)
    }

    pub async fn start() -> Option<SmtpServer> {
        SmtpServer::start_on(free_port()).await
    }

    /// The settings that send the app's mail here.
    pub fn env(port: u16) -> Vec<(&'static str, String)> {
        vec![
            ("OC_PIZZA_SMTP_HOST", "127.0.0.1".into()),
            ("OC_PIZZA_SMTP_PORT", port.to_string()),
            ("OC_PIZZA_SMTP_SECURITY", "none".into()),
            ("OC_PIZZA_MAIL_FROM", "OC Pizza <commandes@ocpizza.test>".into()),
            ("OC_PIZZA_PUBLIC_URL", "https://pizza.test".into()),
        ]
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Mail> {
        self.received_where(|_| true)
    }

    /// The messages received so far that `keep` keeps, oldest first.
    pub fn received_where(&self, keep: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .expect("mail folder")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| serde_json::from_str(&std::fs::read_to_string(path).expect("mail file")).expect("mail JSON"))
            .filter(|mail| keep(mail))
            .collect()
    }

    /// Waits until at least `count` messages arrived (or `within` passed) and returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Mail> {
        self.wait_for_where(count, within, |_| true).await
    }

    /// Waits until `keep` keeps at least `count` messages (or `within` passed); those messages.
    pub async fn wait_for_where(&self, count: usize, within: Duration, keep: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received_where(&keep);
            if received.len() >= count || Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SMS gateway: answers 200 to a request with the right bearer token (and records its
/// JSON body), 401 otherwise.
pub struct SmsGateway {
    pub url: String,
    pub token: String,
    pub bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    pub refused: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmsGateway {
    pub async fn start() -> SmsGateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the SMS gateway");
        let url = format!("http://127.0.0.1:{}/sms", listener.local_addr().expect("address").port());
        let token = "gateway-secret-token".to_string();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let (expected, seen, denied) = (format!("Bearer {token}"), bodies.clone(), refused.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let (expected, seen, denied) = (expected.clone(), seen.clone(), denied.clone());
                tokio::spawn(async move {
                    let Some((headers, body)) = read_request(&mut socket).await else { return };
                    let authorised = headers.lines().any(|line| {
                        line.split_once(':').is_some_and(|(name, value)| {
                            name.eq_ignore_ascii_case("authorization") && value.trim() == expected
                        })
                    });
                    let status = if authorised {
                        if let Ok(json) = serde_json::from_slice(&body) {
                            seen.lock().expect("bodies").push(json);
                        }
                        "200 OK"
                    } else {
                        *denied.lock().expect("refused") += 1;
                        "401 Unauthorized"
                    };
                    let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        SmsGateway { url, token, bodies, refused, task }
    }

    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("OC_PIZZA_SMS_GATEWAY_URL", self.url.clone()), ("OC_PIZZA_SMS_GATEWAY_TOKEN", self.token.clone())]
    }

    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().expect("bodies").clone()
    }

    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            let bodies = self.bodies();
            if bodies.len() >= count || Instant::now() > deadline {
                return bodies;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP/1.1 request: (head, body by Content-Length).
pub async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some((head, buffer[head_end..].to_vec()))
}
