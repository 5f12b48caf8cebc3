//! What the load generators share: the server's memory, and signing in like a browser.

/// The server's resident memory, in KiB (0 if it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn set_cookies(reply: &reqwest::Response) -> Vec<String> {
    reply
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect()
}

fn csrf_in(body: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let at = body.find(marker)? + marker.len();
    Some(body[at..at + body[at..].find('"')?].to_string())
}

/// Signs in through the login form; returns the session's cookies and its CSRF token.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str, password: &str) -> (String, String) {
    let page = client.get(format!("{base}/login")).send().await.expect("login page");
    let mut cookies = set_cookies(&page);
    let token = csrf_in(&page.text().await.expect("login page body")).expect("a CSRF token");
    let reply = client
        .post(format!("{base}/login"))
        .header("Cookie", cookies.join("; "))
        .form(&[("csrf_token", token.as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .expect("login");
    assert_eq!(reply.status().as_u16(), 303, "login refused");
    cookies.extend(set_cookies(&reply));
    let cookie = cookies.join("; ");
    let page = client.get(format!("{base}/account/password")).header("Cookie", &cookie).send().await.expect("page");
    let token = csrf_in(&page.text().await.expect("page body")).expect("a CSRF token once signed in");
    (cookie, token)
}
