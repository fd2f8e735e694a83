//! `X-Verifier-Region` is only a claim unless a partner token vouches for it: anyone can send
//! it, so claimed verifications are counted apart from the cross-region figure, in the
//! indicators (JSON and CSV) and in the metrics (issue 28, item 6).

mod common;

use common::*;
use serde_json::json;

#[test]
fn a_claimed_verifier_region_does_not_inflate_the_cross_region_figure() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let admin = s.admin_token();
    let partner = s.role_token("partner");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(87), "广州地区声明示例有限公司"));
    let qr = s.present(&uscc, &wallet, &cid, None)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let verify = |region: &str, token: Option<&str>| {
        let mut r = s
            .client
            .post(s.url("/v1/verify"))
            .header("X-Verifier-Region", region)
            .json(&json!({"token": qr}));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().unwrap();
        assert_eq!(r.status(), 200);
    };
    // Someone claims Shanghai ten times (once with a token that is not a partner's), a
    // partner vouches for Shanghai once.
    for _ in 0..9 {
        verify("310000", None);
    }
    verify("310000", Some(&auth));
    verify("310000", Some(&partner));

    let ind: serde_json::Value = s
        .get(
            "/v1/indicators?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
            Some(&admin),
        )
        .json()
        .unwrap();
    let v = &ind["verifications"];
    assert_eq!(v["total"], 11, "{v:#}");
    assert_eq!(v["cross_region"], 1, "{v:#}");
    assert_eq!(v["cross_region_claimed"], 10, "{v:#}");
    let sh = v["by_region"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "310000")
        .unwrap();
    assert_eq!(
        (&sh["cross_region"], &sh["cross_region_claimed"]),
        (&json!(1), &json!(10))
    );

    let csv = s
        .get(
            "/v1/indicators?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&format=csv",
            Some(&admin),
        )
        .text()
        .unwrap();
    for row in [
        "verifications.cross_region,,1\r\n",
        "verifications.cross_region_claimed,,10\r\n",
    ] {
        assert!(csv.contains(row), "{row:?} in\n{csv}");
    }
    let metrics = s.get("/v1/metrics", None).text().unwrap();
    assert!(
        metrics.contains(
            "zt_verifications_total{region=\"310000\",indication=\"TOTAL_PASSED\",cross_region=\"true\"} 1"
        ),
        "{metrics}"
    );
}
