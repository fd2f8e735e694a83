//! One ES256 verification per signature in a token, for one `POST /v1/verify` (in process).

mod inproc;

use zhengtong::credential::jws::verifications;

/// Signature verifications one `POST /v1/verify` of `token` runs, and its indication.
async fn count(app: &inproc::App, token: &str) -> (u64, String) {
    let before = verifications();
    let (st, b) = inproc::call(
        &app.router,
        "POST",
        "/v1/verify",
        None,
        inproc::verify_body(token),
    )
    .await;
    let n = verifications() - before;
    assert_eq!(st, 200);
    let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
    (n, v["indication"].as_str().unwrap_or("").to_string())
}

// One test, so no other test of this binary verifies at the same time (the counter is global).
#[tokio::test(flavor = "current_thread")]
async fn one_verification_per_signature() {
    let app = inproc::app().await;
    let p = app.presentation.clone();
    assert_eq!(
        count(&app, &p).await,
        (1, "TOTAL_PASSED".into()),
        "presentation"
    );
    let sd = app.sd_jwt.clone();
    assert_eq!(count(&app, &sd).await, (1, "TOTAL_PASSED".into()), "SD-JWT");
    assert_eq!(count(&app, "garbage").await.0, 0, "garbage");
    let i = p.len() - 8; // inside the signature
    let c = if &p[i..=i] == "A" { "B" } else { "A" };
    let forged = format!("{}{c}{}", &p[..i], &p[i + 1..]);
    assert_eq!(
        count(&app, &forged).await.0,
        1,
        "a forged signature is checked once"
    );
}
