//! The browser is the untrusted side: the forged requests.

use super::super::{Browser, Federation, Workspace, raw};

#[tokio::test(flavor = "multi_thread")]
async fn the_workspace_opens_with_its_token_and_refuses_everyone_else() {
    let fed = Federation::start().await;
    let ws = Workspace::start(&fed.fed().join("vrs.toml"), "aus-fp1", &fed.home()).await;
    let port = ws.port;
    let get = |path: &str, host: &str, extra: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n")
    };
    let here = format!("127.0.0.1:{port}");

    // No token, no cookie: refused, and the CSP is on the refusal too.
    let a = raw(port, &get("/", &here, "")).await;
    assert_eq!(a.status, 401, "{a:?}");
    let csp = a.header("content-security-policy").expect("a CSP header");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    // A wrong Host (DNS rebinding), even with the token: refused, and the token not used up.
    let token = ws.url.split("token=").nth(1).expect("token").to_owned();
    let a = raw(
        port,
        &get(
            &format!("/?token={token}"),
            &format!("evil.example:{port}"),
            "",
        ),
    )
    .await;
    assert_eq!(a.status, 421, "{a:?}");

    // The browser opens the printed URL: the token becomes a cookie and the URL is cleaned.
    let b = Browser::start().await;
    ws.open(&b).await;
    let url = b.c.current_url().await.expect("url");
    assert!(
        !url.as_str().contains("token"),
        "the token is cleaned from {url}"
    );
    assert!(
        b.text("#role").await.contains("aus-fp1") || b.text("#role").await.contains("Focal point")
    );
    let cookies = b.c.get_all_cookies().await.expect("cookies");
    let session = cookies
        .iter()
        .find(|c| c.name() == "vrs_session")
        .expect("session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(format!("{:?}", session.same_site()), "Some(Strict)");
    b.shot("home-focal-point").await;

    // The token opened one session: used again, it is refused.
    let a = raw(port, &get(&format!("/?token={token}"), &here, "")).await;
    assert_eq!(a.status, 401, "{a:?}");
    // With the session cookie, a page is served; a POST without the CSRF token is refused.
    let cookie = format!("Cookie: vrs_session={}\r\n", session.value());
    let a = raw(port, &get("/", &here, &cookie)).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(
        a.header("server-timing")
            .is_some_and(|v| v.starts_with("app;dur=")),
        "{a:?}"
    );
    let post = format!(
        "POST /logout HTTP/1.1\r\nHost: {here}\r\n{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let a = raw(port, &post).await;
    assert_eq!(a.status, 403, "{a:?}");
    assert!(a.body.contains("security token"), "{a:?}");
    let a = raw(port, &get("/", &here, &cookie)).await;
    assert_eq!(a.status, 200, "the session survives the forged POST: {a:?}");
    // No secret in the page: neither the cookie's value nor the token nor a key.
    let page = b.c.source().await.expect("source");
    assert!(
        !page.contains(session.value()) && !page.contains(&token),
        "secrets in the page"
    );
    assert!(!page.contains("PRIVATE KEY"));

    b.close().await;
    ws.stop().await;
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listen_address_off_loopback_is_refused() {
    let home = tempfile::tempdir().expect("tmp");
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "[profiles.a]\nendpoint = \"https://127.0.0.1:1\"\n").expect("write");
    let out = common_run(
        home.path(),
        &[
            "--config",
            cfg.to_str().expect("utf-8"),
            "ui",
            "--listen",
            "0.0.0.0:0",
            "--no-open",
        ],
    )
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("loopback only"), "{out:?}");
}

async fn common_run(home: &std::path::Path, args: &[&str]) -> super::super::common::Out {
    super::super::common::run_with(home, &[], args).await
}
