//! Token lifecycle through the real binary: the admin token is the file's and no other
//! (replacing the file and restarting retires the old one), `admin rotate-token` refuses
//! while the server holds the database and retires the old token, revocations survive a
//! restart.

mod common;

use common::*;
use serde_json::json;

fn status(s: &Server, token: &str) -> u16 {
    s.get("/v1/tokens", Some(token)).status().as_u16()
}

#[test]
fn admin_tokens_are_retired_by_the_file_and_by_rotation() {
    let s = Server::start();
    let first = s.admin_token();
    let partner = s.post("/v1/tokens", Some(&first), &json!({"role": "partner"}));
    let partner: serde_json::Value = partner.json().unwrap();
    let r = s
        .client
        .delete(s.url(&format!("/v1/tokens/{}", partner["id"].as_str().unwrap())))
        .bearer_auth(&first)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);

    // Offline rotation refuses while the server runs, and changes nothing.
    let data = s.data();
    let (code, _, err) = run_cli(&["admin", "rotate-token", "--data", data.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("stop the server"), "{err}");
    assert_eq!(s.admin_token(), first);
    assert_eq!(status(&s, &first), 200);

    // Replacing the file and restarting retires the old token.
    let dir = s.kill_keep_dir();
    let file = dir.path().join("data/admin.token");
    let second = "zt_a_replacement_admin_token_written_by_the_operator";
    std::fs::write(&file, format!("{second}\n")).unwrap();
    let s = Server::start_with(dir, None, "440100", &[]);
    assert_eq!(status(&s, second), 200);
    let (code, p) = problem(s.get("/v1/tokens", Some(&first)));
    assert_eq!(code, 401);
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
    // A revocation made through the API survived the restart.
    assert_eq!(status(&s, partner["token"].as_str().unwrap()), 401);

    // Offline rotation with the server stopped: a new file, 0600; the old token answers 401.
    let dir = s.kill_keep_dir();
    let data = dir.path().join("data");
    let (code, out, err) = run_cli(&["admin", "rotate-token", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let third = std::fs::read_to_string(&file).unwrap().trim().to_string();
    assert_ne!(third, second);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let s = Server::start_with(dir, None, "440100", &[]);
    assert_eq!(status(&s, &third), 200);
    assert_eq!(status(&s, second), 401);
    assert_eq!(status(&s, &first), 401);

    // Putting a retired token back in the file is refused at start.
    let mut s = s;
    s.stop();
    std::fs::write(&file, format!("{second}\n")).unwrap();
    let (code, _, err) = run_cli(&[
        "serve",
        "--data",
        s.data().to_str().unwrap(),
        "--certs",
        s.certs().to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("rotate-token"), "{err}");
}

/// Request fields are parsed into their types at the edge; a bad one is a 422 naming it.
#[test]
fn typed_request_fields_name_the_field() {
    let s = Server::start();
    let admin = s.admin_token();
    let tax = s.role_token("tax");
    for (path, token, body, field) in [
        ("/v1/tokens", &admin, json!({"role": "admin"}), "role"),
        ("/v1/tokens", &admin, json!({"role": 7}), "role"),
        (
            "/v1/tax/invoicing-rights",
            &tax,
            json!({"uscc": "91440101MA59XXXXX1"}),
            "uscc",
        ),
        (
            "/v1/signatures/validate",
            &admin,
            json!({"document_sha256": "xyz", "signature": "a.b.c"}),
            "document_sha256",
        ),
    ] {
        let (code, p) = problem(s.post(path, Some(token), &body));
        assert_eq!(
            (code, p["field"].as_str()),
            (422, Some(field)),
            "{path} {body}: {p}"
        );
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.starts_with(&format!("{field}: ")), "{detail}");
        assert!(!detail.contains(&format!("{field}: {field}")), "{detail}");
    }
}
