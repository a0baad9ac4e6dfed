//! The grants beyond client_credentials over real HTTP: the authorization code flow through
//! the HTML login and consent pages (PAR, PKCE S256, cookie session, redirect with code, state
//! and iss), the refresh token and pre-authorized code grants, and the binding rules of
//! draft-10 §Refresh token binding / §Binding of OAuth protocol artifacts and RFC 9449 §10,
//! each in both modes.
mod common;

use common::flow::*;
use common::*;
use serde_json::json;

const INVALID_GRANT: Expect = Expect::Reject(400, "invalid_grant");
const INVALID_REQUEST: Expect = Expect::Reject(400, "invalid_request");
const MODES: [Mode; 2] = [Mode::Normal, Mode::Combined];

/// A named request variant and what a conforming server answers.
type FormCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, Expect);
type EditCase = (&'static str, fn(&mut Case), Expect);

async fn server() -> TestServer {
    TestServer::start(base_config()).await
}

fn other(mode: Mode) -> Mode {
    match mode {
        Mode::Normal => Mode::Combined,
        Mode::Combined => Mode::Normal,
    }
}

#[tokio::test]
async fn metadata_announces_the_grants() {
    let srv = server().await;
    let md = srv.metadata().await;
    assert_eq!(md["authorization_endpoint"], json!(srv.url("/authorize")));
    assert_eq!(
        md["grant_types_supported"],
        json!([
            "client_credentials",
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        ])
    );
    assert_eq!(md["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(md["require_pushed_authorization_requests"], json!(true));
    assert_eq!(
        md["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    srv.stop().await;
}

#[tokio::test]
async fn code_flow_through_the_pages_in_each_mode() {
    let srv = server().await;
    for mode in MODES {
        let (verifier, challenge) = pkce();
        let uri = push(&srv, mode, &CLIENT, &challenge, &Push::default())
            .await
            .unwrap_or_else(|r| panic!("{mode:?} PAR: {}", r.describe()));
        let q = user_step(&srv, &uri, true).await.expect("user step");
        // RFC 6749 §4.1.2 state echoed; RFC 9207 iss.
        assert_eq!(param(&q, "state"), Some("af0ifjsldkj"));
        assert_eq!(param(&q, "iss"), Some(srv.issuer.as_str()));
        let code = Code {
            code: param(&q, "code").expect("code").to_owned(),
            verifier,
        };
        let r = redeem(&srv, mode, &CLIENT, &code, None).await;
        check(&r, OK, &format!("{mode:?} code redemption"));
        assert!(
            r.json["refresh_token"].is_string(),
            "{mode:?}: refresh token"
        );
        let want = if mode == Mode::Combined {
            "DPoP"
        } else {
            "Bearer"
        };
        assert_eq!(r.json["token_type"], want);
    }
    srv.stop().await;
}

#[tokio::test]
async fn client_credentials_issues_no_refresh_token() {
    let srv = server().await;
    let r = token(
        &srv,
        Mode::Normal,
        &CLIENT,
        &[("grant_type", "client_credentials")],
        None,
    )
    .await;
    check(&r, OK, "client_credentials");
    // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."
    assert!(r.json.get("refresh_token").is_none());
    let r = token(
        &srv,
        Mode::Normal,
        &CLIENT,
        &[("grant_type", "password")],
        None,
    )
    .await;
    check(
        &r,
        Expect::Reject(400, "unsupported_grant_type"),
        "password",
    );
    srv.stop().await;
}

#[tokio::test]
async fn code_is_single_use_and_reuse_revokes_its_refresh_token() {
    let srv = server().await;
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &Push::default()).await;
    let first = redeem(&srv, Mode::Normal, &CLIENT, &code, None).await;
    check(&first, OK, "first redemption");
    let rt = first.json["refresh_token"].as_str().unwrap().to_owned();
    let second = redeem(&srv, Mode::Normal, &CLIENT, &code, None).await;
    check(
        &second,
        INVALID_GRANT,
        "second redemption (RFC 6749 §4.1.2)",
    );
    let r = refresh(&srv, Mode::Normal, &CLIENT, &rt).await;
    check(
        &r,
        INVALID_GRANT,
        "refresh token of a reused code is revoked",
    );
    srv.stop().await;
}

#[tokio::test]
async fn code_and_pre_authorized_code_expire() {
    let mut cfg = base_config();
    cfg.grants.code_ttl = 1;
    cfg.grants.pre_authorized_code_ttl = 1;
    let srv = TestServer::start(cfg).await;
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &Push::default()).await;
    let pre = mint(&srv, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, None).await,
        INVALID_GRANT,
        "expired code",
    );
    check(
        &pre_authorized(&srv, Mode::Normal, &CLIENT, &pre).await,
        INVALID_GRANT,
        "expired pre-authorized code",
    );
    srv.stop().await;
}

#[tokio::test]
async fn code_request_checks() {
    let srv = server().await;
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &Push::default()).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", code.verifier.as_str()),
    ];
    let with = |k: &'static str, v: Option<&'static str>| {
        let mut f: Vec<(&str, &str)> = base.iter().copied().filter(|(n, _)| *n != k).collect();
        if let Some(v) = v {
            f.push((k, v));
        }
        f
    };
    let other_verifier = "a".repeat(43);
    let cases: Vec<FormCase> = vec![
        (
            "redirect_uri differs",
            with("redirect_uri", Some("https://client.example.com/other")),
            INVALID_GRANT,
        ),
        (
            "redirect_uri missing",
            with("redirect_uri", None),
            INVALID_REQUEST,
        ),
        (
            "code_verifier missing",
            with("code_verifier", None),
            INVALID_REQUEST,
        ),
        (
            "code_verifier too short",
            with("code_verifier", Some("abc")),
            INVALID_REQUEST,
        ),
        (
            "code unknown",
            with("code", Some("not-a-code")),
            INVALID_GRANT,
        ),
        ("code missing", with("code", None), INVALID_REQUEST),
        (
            "code_verifier wrong",
            {
                let mut f = with("code_verifier", None);
                f.push(("code_verifier", other_verifier.as_str()));
                f
            },
            INVALID_GRANT,
        ),
    ];
    for (what, form, expect) in cases {
        let r = token(&srv, Mode::Normal, &CLIENT, &form, None).await;
        check(&r, expect, what);
    }
    // A failed attempt does not use the code up: the right request still works.
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, None).await,
        OK,
        "after failures",
    );
    srv.stop().await;
}

#[tokio::test]
async fn code_redeemed_by_another_client_is_rejected() {
    let srv = server().await;
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &Push::default()).await;
    let mut case = Case::valid_as(&srv, Mode::Normal, Ep::Token, &CLIENT).await;
    case.att().claims["sub"] = json!(POP_ONLY_CLIENT);
    case.form = vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), code.code.clone()),
        ("redirect_uri".into(), REDIRECT_URI.into()),
        ("code_verifier".into(), code.verifier.clone()),
    ];
    check(&srv.send(&case).await, INVALID_GRANT, "another client");
    srv.stop().await;
}

/// draft-10 §Binding of OAuth protocol artifacts: the code is bound to the instance key used
/// at PAR, whatever the modes at PAR and at the token endpoint.
#[tokio::test]
async fn code_bound_to_the_instance_of_the_par_request() {
    let srv = server().await;
    for par_mode in MODES {
        for token_mode in MODES {
            let code = code_flow(&srv, par_mode, &CLIENT, &Push::default()).await;
            let r = redeem(&srv, token_mode, &INSTANCE_B, &code, None).await;
            check(
                &r,
                INVALID_GRANT,
                &format!("PAR {par_mode:?}, redeemed by another instance in {token_mode:?}"),
            );
        }
    }
    // Same key, the other mode. After a normal-mode PAR the code is bound to the instance
    // key only, so a combined-mode redemption with that key is accepted.
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &Push::default()).await;
    check(
        &redeem(&srv, Mode::Combined, &CLIENT, &code, None).await,
        OK,
        "normal PAR, combined redemption, same key",
    );
    // After a combined-mode PAR the DPoP proof at PAR also binds the code to the DPoP key
    // (RFC 9449 §10.1: "as if the contained public key's thumbprint was provided using
    // dpop_jkt"), so normal mode needs a DPoP proof with that key next to the PoP.
    let code = code_flow(&srv, Mode::Combined, &CLIENT, &Push::default()).await;
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, None).await,
        INVALID_GRANT,
        "combined PAR, normal redemption without DPoP",
    );
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, Some(&CLIENT)).await,
        OK,
        "combined PAR, normal redemption with a DPoP proof of the same key",
    );
    srv.stop().await;
}

/// A request_uri pushed by instance A, authorized after instance B pushed its own: the code
/// stays A's (the binding comes from the PAR request behind the request_uri).
#[tokio::test]
async fn request_uri_binding_is_per_request() {
    let srv = server().await;
    for mode in MODES {
        let (verifier, challenge) = pkce();
        let uri_a = push(&srv, mode, &CLIENT, &challenge, &Push::default())
            .await
            .map_err(|r| r.describe())
            .unwrap();
        let (_, challenge_b) = pkce();
        push(&srv, mode, &INSTANCE_B, &challenge_b, &Push::default())
            .await
            .map_err(|r| r.describe())
            .unwrap();
        let q = user_step(&srv, &uri_a, true).await.unwrap();
        let code = Code {
            code: param(&q, "code").unwrap().to_owned(),
            verifier,
        };
        check(
            &redeem(&srv, mode, &INSTANCE_B, &code, None).await,
            INVALID_GRANT,
            &format!("{mode:?}: B redeems A's code"),
        );
        check(
            &redeem(&srv, mode, &CLIENT, &code, None).await,
            OK,
            &format!("{mode:?}: A redeems its code"),
        );
    }
    srv.stop().await;
}

/// RFC 9449 §10: the DPoP proof at the token endpoint must use the key named by dpop_jkt.
#[tokio::test]
async fn dpop_jkt_binds_the_code() {
    let srv = server().await;
    let bound = |k: &TestKey| Push {
        dpop_jkt: Some(jkt(k)),
        ..Push::default()
    };
    // Normal mode: dpop_jkt alone at PAR (draft-11 §5: a client binding the code with
    // dpop_jkt without a DPoP proof uses normal mode).
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &bound(&OTHER)).await;
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, None).await,
        INVALID_GRANT,
        "dpop_jkt, no DPoP proof",
    );
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, Some(&CLIENT_ED)).await,
        INVALID_GRANT,
        "dpop_jkt, DPoP proof of another key",
    );
    let r = redeem(&srv, Mode::Normal, &CLIENT, &code, Some(&OTHER)).await;
    check(&r, OK, "dpop_jkt, DPoP proof of that key");
    assert_eq!(r.json["token_type"], "DPoP");
    // Combined mode: the combined proof's key is the instance key; a dpop_jkt naming another
    // key cannot be satisfied.
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &bound(&OTHER)).await;
    check(
        &redeem(&srv, Mode::Combined, &CLIENT, &code, None).await,
        INVALID_GRANT,
        "combined-mode proof whose key differs from dpop_jkt",
    );
    let code = code_flow(&srv, Mode::Normal, &CLIENT, &bound(&CLIENT)).await;
    check(
        &redeem(&srv, Mode::Combined, &CLIENT, &code, None).await,
        OK,
        "combined-mode proof with the dpop_jkt key",
    );
    // An independent DPoP proof at PAR binds like dpop_jkt (RFC 9449 §10.1).
    let code = code_flow(
        &srv,
        Mode::Normal,
        &CLIENT,
        &Push {
            independent_dpop: Some(&OTHER),
            ..Push::default()
        },
    )
    .await;
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, None).await,
        INVALID_GRANT,
        "DPoP at PAR, none at the token endpoint",
    );
    check(
        &redeem(&srv, Mode::Normal, &CLIENT, &code, Some(&OTHER)).await,
        OK,
        "DPoP at PAR and at the token endpoint, same key",
    );
    srv.stop().await;
}

#[tokio::test]
async fn par_checks_pkce_and_dpop_jkt() {
    let srv = server().await;
    let (_, challenge) = pkce();
    let cases: Vec<EditCase> = vec![
        (
            "no code_challenge",
            |c| c.form.retain(|(k, _)| k != "code_challenge"),
            INVALID_REQUEST,
        ),
        (
            "no method",
            |c| c.form.retain(|(k, _)| k != "code_challenge_method"),
            INVALID_REQUEST,
        ),
        (
            "plain",
            |c| c.set_form("code_challenge_method", "plain"),
            INVALID_REQUEST,
        ),
        (
            "bad challenge",
            |c| c.set_form("code_challenge", "short"),
            INVALID_REQUEST,
        ),
        (
            "bad dpop_jkt",
            |c| c.set_form("dpop_jkt", "nope"),
            INVALID_REQUEST,
        ),
    ];
    for (what, m, expect) in cases {
        let mut case = Case::valid(&srv, Mode::Normal, Ep::Par).await;
        m(&mut case);
        check(&srv.send(&case).await, expect, what);
    }
    // RFC 9449 §10.1: dpop_jkt and a DPoP proof at PAR naming different keys.
    for mode in MODES {
        let mut case = Case::valid(&srv, mode, Ep::Par).await;
        case.set_form("code_challenge", &challenge);
        case.set_form("dpop_jkt", &jkt(&OTHER));
        if mode == Mode::Normal {
            case.add_independent_dpop(&srv, &CLIENT).await;
        }
        check(
            &srv.send(&case).await,
            INVALID_REQUEST,
            &format!("{mode:?}: dpop_jkt != DPoP key"),
        );
    }
    srv.stop().await;
}

/// draft-10 §Refresh token binding: the same key in either mode is accepted, another
/// instance's key or no attestation is not.
#[tokio::test]
async fn refresh_token_bound_to_the_instance_key() {
    let srv = server().await;
    for issued_in in MODES {
        let rt = refresh_token_of(&srv, issued_in, &CLIENT).await;
        for mode in MODES {
            check(
                &refresh(&srv, mode, &INSTANCE_B, &rt).await,
                INVALID_GRANT,
                &format!("issued in {issued_in:?}, another instance refreshes in {mode:?}"),
            );
        }
        let r = refresh(&srv, issued_in, &CLIENT, &rt).await;
        check(&r, OK, &format!("{issued_in:?}: same key, same mode"));
        // Not rotated by default: no new refresh token, the old one stays valid.
        assert!(r.json.get("refresh_token").is_none());
        check(
            &refresh(&srv, other(issued_in), &CLIENT, &rt).await,
            OK,
            &format!("{issued_in:?}: same key, the other mode"),
        );
        let mut case = Case::valid_as(&srv, issued_in, Ep::Token, &CLIENT).await;
        case.att = None;
        case.form = vec![
            ("grant_type".into(), "refresh_token".into()),
            ("refresh_token".into(), rt.clone()),
        ];
        check(
            &srv.send(&case).await,
            INVALID_CLIENT,
            "no client attestation",
        );
    }
    srv.stop().await;
}

#[tokio::test]
async fn refresh_token_rotation() {
    let mut cfg = base_config();
    cfg.grants.rotate_refresh_tokens = true;
    let srv = TestServer::start(cfg).await;
    let rt = refresh_token_of(&srv, Mode::Normal, &CLIENT).await;
    let r = refresh(&srv, Mode::Normal, &CLIENT, &rt).await;
    check(&r, OK, "first refresh");
    let new = r.json["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    assert_ne!(new, rt);
    check(
        &refresh(&srv, Mode::Normal, &CLIENT, &rt).await,
        INVALID_GRANT,
        "old token",
    );
    check(
        &refresh(&srv, Mode::Combined, &INSTANCE_B, &new).await,
        INVALID_GRANT,
        "new token, other instance",
    );
    check(
        &refresh(&srv, Mode::Combined, &CLIENT, &new).await,
        OK,
        "new token",
    );
    srv.stop().await;
}

#[tokio::test]
async fn pre_authorized_code_grant() {
    let srv = server().await;
    for mode in MODES {
        let code = mint(&srv, None).await;
        let r = pre_authorized(&srv, mode, &CLIENT, &code).await;
        check(&r, OK, &format!("{mode:?} pre-authorized code"));
        let rt = r.json["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned();
        check(
            &pre_authorized(&srv, mode, &CLIENT, &code).await,
            INVALID_GRANT,
            "pre-authorized code reused",
        );
        check(
            &refresh(&srv, mode, &INSTANCE_B, &rt).await,
            INVALID_GRANT,
            "its refresh token, another instance",
        );
        check(
            &refresh(&srv, mode, &CLIENT, &rt).await,
            OK,
            "its refresh token",
        );
    }
    let code = mint(&srv, Some(POP_ONLY_CLIENT)).await;
    check(
        &pre_authorized(&srv, Mode::Normal, &CLIENT, &code).await,
        INVALID_GRANT,
        "minted for another client",
    );
    let code = mint(&srv, Some(CLIENT_ID)).await;
    check(
        &pre_authorized(&srv, Mode::Normal, &CLIENT, &code).await,
        OK,
        "minted for the client",
    );
    check(
        &token(
            &srv,
            Mode::Normal,
            &CLIENT,
            &[("grant_type", PRE_AUTHORIZED_GRANT)],
            None,
        )
        .await,
        INVALID_REQUEST,
        "no pre-authorized_code",
    );
    srv.stop().await;
}

#[tokio::test]
async fn test_endpoint_can_be_switched_off() {
    let mut cfg = base_config();
    cfg.grants.test_endpoints = false;
    let srv = TestServer::start(cfg).await;
    let r = srv
        .http
        .post(srv.url("/test/pre-authorized-code"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    srv.stop().await;
}

#[tokio::test]
async fn authorization_pages() {
    let srv = server().await;
    let (_, challenge) = pkce();
    let authorize = |client: &str, uri: Option<&str>| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("client_id", client);
        if let Some(u) = uri {
            s.append_pair("request_uri", u);
        }
        format!("{}/authorize?{}", srv.issuer, s.finish())
    };
    // Only pushed requests.
    let mut b = Browser::default();
    let p = b.get(&authorize(CLIENT_ID, None)).await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("request_uri missing"), "{}", p.body);
    assert_eq!(
        p.headers["content-type"].to_str().unwrap(),
        "text/html; charset=utf-8"
    );
    // A request_uri is the pushing client's, and one-time.
    let uri = push(&srv, Mode::Normal, &CLIENT, &challenge, &Push::default())
        .await
        .map_err(|r| r.describe())
        .unwrap();
    let p = b.get(&authorize(POP_ONLY_CLIENT, Some(&uri))).await;
    assert_eq!(p.status, 400, "another client's request_uri");
    let p = b.get(&authorize(CLIENT_ID, Some(&uri))).await;
    assert_eq!(p.status, 200);
    assert!(b.has_cookie(), "the login page starts a cookie session");
    let login = find_form(&p.body, "/login").expect("login form");
    assert!(login.fields.iter().any(|(n, _)| n == "username"));
    assert!(login.fields.iter().any(|(n, _)| n == "password"));
    let p2 = Browser::default()
        .get(&authorize(CLIENT_ID, Some(&uri)))
        .await;
    assert_eq!(p2.status, 400, "request_uri used twice");
    // A wrong password gives the login page again.
    let p = b
        .submit(
            &srv.issuer,
            &login,
            &[("username", "alice"), ("password", "nope")],
        )
        .await;
    assert_eq!(p.status, 401);
    assert!(find_form(&p.body, "/login").is_some());
    // No cookie: no session.
    let p = Browser::default()
        .submit(
            &srv.issuer,
            &login,
            &[("username", "alice"), ("password", "wonderland")],
        )
        .await;
    assert_eq!(p.status, 400, "login without the session cookie");
    // A forged csrf value.
    let mut forged = login.clone();
    forged.fields.retain(|(n, _)| n != "csrf");
    let p = b
        .submit(
            &srv.issuer,
            &forged,
            &[
                ("username", "alice"),
                ("password", "wonderland"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(p.status, 400, "csrf mismatch");
    let p = b
        .submit(
            &srv.issuer,
            &login,
            &[("username", "alice"), ("password", "wonderland")],
        )
        .await;
    assert_eq!(p.status, 200);
    let consent = find_form(&p.body, "/consent").expect("consent form");
    let p = b.submit(&srv.issuer, &consent, &[]).await;
    assert_eq!(p.status, 400, "consent without a button");
    let p = b
        .submit(&srv.issuer, &consent, &[("approve", "approve")])
        .await;
    assert_eq!(p.status, 302);
    let p = b
        .submit(&srv.issuer, &consent, &[("approve", "approve")])
        .await;
    assert_eq!(p.status, 400, "the session ended with the redirect");
    // Deny: access_denied with state and iss.
    let uri = push(&srv, Mode::Normal, &CLIENT, &challenge, &Push::default())
        .await
        .map_err(|r| r.describe())
        .unwrap();
    let q = user_step(&srv, &uri, false).await.unwrap();
    assert_eq!(param(&q, "error"), Some("access_denied"));
    assert_eq!(param(&q, "code"), None);
    assert_eq!(param(&q, "state"), Some("af0ifjsldkj"));
    assert_eq!(param(&q, "iss"), Some(srv.issuer.as_str()));
    srv.stop().await;
}
