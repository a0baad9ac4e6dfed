//! The authorization code flow over real HTTP, driven like a user agent: PAR with a Client
//! Instance, the login and consent pages read as HTML (forms found, hidden fields kept),
//! a hand-written cookie jar, and the final 302 to the redirect URI read for `code`.
//! Also token requests for the code, refresh and pre-authorized grants.
use super::*;

/// A random PKCE pair (RFC 7636 §4.1-4.2, S256).
pub fn pkce() -> (String, String) {
    let verifier = b64(&rand::random::<[u8; 32]>());
    let challenge = b64(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref());
    (verifier, challenge)
}

/// RFC 7638 thumbprint of a test key's public JWK (EC and OKP keys).
pub fn jkt(key: &TestKey) -> String {
    let j = &key.public_jwk;
    let canon = match j["kty"].as_str() {
        Some("EC") => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            j["crv"].as_str().unwrap(),
            j["x"].as_str().unwrap(),
            j["y"].as_str().unwrap()
        ),
        Some("OKP") => format!(
            r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
            j["crv"].as_str().unwrap(),
            j["x"].as_str().unwrap()
        ),
        other => panic!("no thumbprint for kty {other:?} in tests"),
    };
    b64(ring::digest::digest(&ring::digest::SHA256, canon.as_bytes()).as_ref())
}

/// What a PAR request carries beyond the defaults.
#[derive(Clone, Default)]
pub struct Push {
    /// `dpop_jkt` form parameter (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
    /// In normal mode, an independent DPoP proof signed by this key (RFC 9449 §10.1).
    pub independent_dpop: Option<&'static TestKey>,
    pub scope: Option<&'static str>,
}

/// PAR by the instance holding `key`: Ok(request_uri) or the rejection.
pub async fn push(
    srv: &TestServer,
    mode: Mode,
    key: &'static TestKey,
    challenge: &str,
    opts: &Push,
) -> Result<String, Resp> {
    let mut case = Case::valid_as(srv, mode, Ep::Par, key).await;
    case.set_form("code_challenge", challenge);
    if let Some(j) = &opts.dpop_jkt {
        case.set_form("dpop_jkt", j);
    }
    if let Some(s) = opts.scope {
        case.set_form("scope", s);
    }
    if let Some(k) = opts.independent_dpop {
        case.add_independent_dpop(srv, k).await;
    }
    let r = srv.send(&case).await;
    if r.status != 201 {
        return Err(r);
    }
    Ok(r.json["request_uri"]
        .as_str()
        .expect("request_uri")
        .to_owned())
}

/// A minimal user agent: no automatic redirects, a cookie jar by hand.
pub struct Browser {
    http: reqwest::Client,
    jar: Vec<(String, String)>,
}

/// A page as the user agent saw it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// A form read from a page: its action and every named input with its value.
#[derive(Debug, Clone)]
pub struct HtmlForm {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The form whose action ends with `action_suffix`, with its `<input>` fields (names and
/// values; submit buttons are left out, the caller adds the one it "clicks").
pub fn find_form(html: &str, action_suffix: &str) -> Option<HtmlForm> {
    let mut rest = html;
    while let Some(i) = rest.find("<form") {
        let after = &rest[i..];
        let tag_end = after.find('>')?;
        let tag = &after[..tag_end];
        let close = after.find("</form>").unwrap_or(after.len());
        let inner = &after[tag_end..close];
        if let Some(action) = attr(tag, "action").filter(|a| a.ends_with(action_suffix)) {
            let mut fields = vec![];
            let mut r = inner;
            while let Some(j) = r.find("<input") {
                let t = &r[j..];
                let e = t.find('>').unwrap_or(t.len());
                let input = &t[..e];
                if let Some(n) = attr(input, "name") {
                    fields.push((n, attr(input, "value").unwrap_or_default()));
                }
                r = &t[e..];
            }
            return Some(HtmlForm { action, fields });
        }
        rest = &after[close..];
    }
    None
}

impl Default for Browser {
    fn default() -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .expect("reqwest client"),
            jar: vec![],
        }
    }
}

impl Browser {
    fn cookie_header(&self) -> Option<String> {
        (!self.jar.is_empty()).then(|| {
            self.jar
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    async fn page(&mut self, rb: reqwest::RequestBuilder) -> Page {
        let rb = match self.cookie_header() {
            Some(c) => rb.header("cookie", c),
            None => rb,
        };
        let r = rb.send().await.expect("page request");
        for sc in r.headers().get_all("set-cookie") {
            let sc = sc.to_str().expect("set-cookie ascii");
            let (pair, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (n, v) = pair.split_once('=').expect("cookie pair");
            self.jar.retain(|(k, _)| k != n.trim());
            if !attrs.contains("Max-Age=0") {
                self.jar.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        Page {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.text().await.expect("page body"),
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let rb = self.http.get(url);
        self.page(rb).await
    }

    /// Submits `form` (relative action resolved against `base`) with `extra` fields set.
    pub async fn submit(&mut self, base: &str, form: &HtmlForm, extra: &[(&str, &str)]) -> Page {
        let mut fields = form.fields.clone();
        for (k, v) in extra {
            fields.retain(|(n, _)| n != k);
            fields.push(((*k).to_owned(), (*v).to_owned()));
        }
        let url = url::Url::parse(base)
            .and_then(|b| b.join(&form.action))
            .expect("form action");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish();
        let rb = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.page(rb).await
    }

    pub fn has_cookie(&self) -> bool {
        !self.jar.is_empty()
    }
}

/// The user step: authorization endpoint → login page → consent page → 302 with the code.
/// Returns the redirect's query parameters.
pub async fn user_step(
    srv: &TestServer,
    request_uri: &str,
    approve: bool,
) -> Result<Vec<(String, String)>, String> {
    let mut b = Browser::default();
    let url = format!(
        "{}/authorize?{}",
        srv.issuer,
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", CLIENT_ID)
            .append_pair("request_uri", request_uri)
            .finish()
    );
    let login_page = b.get(&url).await;
    if login_page.status != 200 {
        return Err(format!(
            "authorize: {} {}",
            login_page.status, login_page.body
        ));
    }
    let login = find_form(&login_page.body, "/login").ok_or("no login form")?;
    let user = &srv.config.grants.user;
    let consent_page = b
        .submit(
            &url,
            &login,
            &[("username", &user.username), ("password", &user.password)],
        )
        .await;
    if consent_page.status != 200 {
        return Err(format!(
            "login: {} {}",
            consent_page.status, consent_page.body
        ));
    }
    let consent = find_form(&consent_page.body, "/consent").ok_or("no consent form")?;
    let button = if approve { "approve" } else { "deny" };
    let done = b.submit(&url, &consent, &[(button, button)]).await;
    if done.status != 302 {
        return Err(format!("consent: {} {}", done.status, done.body));
    }
    let location = done.location().ok_or("302 without Location")?;
    let loc = url::Url::parse(&location).map_err(|e| e.to_string())?;
    let base = format!("{}{}", loc.origin().ascii_serialization(), loc.path());
    if base != REDIRECT_URI {
        return Err(format!("redirected to {location}, not the redirect URI"));
    }
    Ok(loc
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

pub fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// An issued code and the PKCE verifier that goes with it.
pub struct Code {
    pub code: String,
    pub verifier: String,
}

/// PAR by `key` in `mode`, then the user step: a code bound to that instance.
pub async fn code_flow(srv: &TestServer, mode: Mode, key: &'static TestKey, opts: &Push) -> Code {
    let (verifier, challenge) = pkce();
    let request_uri = push(srv, mode, key, &challenge, opts)
        .await
        .unwrap_or_else(|r| panic!("PAR rejected: {}", r.describe()));
    let q = user_step(srv, &request_uri, true).await.expect("user step");
    Code {
        code: param(&q, "code").expect("code in redirect").to_owned(),
        verifier,
    }
}

/// A token request of the instance holding `key` in `mode` with the grant `form`.
/// `dpop_key` adds an independent DPoP proof in normal mode.
pub async fn token(
    srv: &TestServer,
    mode: Mode,
    key: &'static TestKey,
    form: &[(&str, &str)],
    dpop_key: Option<&'static TestKey>,
) -> Resp {
    let mut case = Case::valid_as(srv, mode, Ep::Token, key).await;
    case.form.clear();
    for (k, v) in form {
        case.set_form(k, v);
    }
    if let Some(k) = dpop_key {
        case.add_independent_dpop(srv, k).await;
    }
    srv.send(&case).await
}

pub async fn redeem(
    srv: &TestServer,
    mode: Mode,
    key: &'static TestKey,
    code: &Code,
    dpop_key: Option<&'static TestKey>,
) -> Resp {
    token(
        srv,
        mode,
        key,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code.code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &code.verifier),
        ],
        dpop_key,
    )
    .await
}

pub async fn refresh(srv: &TestServer, mode: Mode, key: &'static TestKey, rt: &str) -> Resp {
    token(
        srv,
        mode,
        key,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        None,
    )
    .await
}

pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// A pre-authorized code from the test-only minting endpoint.
pub async fn mint(srv: &TestServer, client_id: Option<&str>) -> String {
    let mut rb = srv.http.post(srv.url("/test/pre-authorized-code"));
    if let Some(c) = client_id {
        rb = rb.form(&[("client_id", c)]);
    }
    let r = rb.send().await.expect("mint request");
    assert_eq!(r.status(), 200, "minting endpoint");
    let v: Value = r.json().await.expect("mint json");
    v["pre-authorized_code"]
        .as_str()
        .expect("pre-authorized_code")
        .to_owned()
}

pub async fn pre_authorized(
    srv: &TestServer,
    mode: Mode,
    key: &'static TestKey,
    code: &str,
) -> Resp {
    token(
        srv,
        mode,
        key,
        &[
            ("grant_type", PRE_AUTHORIZED_GRANT),
            ("pre-authorized_code", code),
        ],
        None,
    )
    .await
}

/// A refresh token of the instance `key`, from a code flow in `mode`.
pub async fn refresh_token_of(srv: &TestServer, mode: Mode, key: &'static TestKey) -> String {
    let code = code_flow(srv, mode, key, &Push::default()).await;
    let r = redeem(srv, mode, key, &code, None).await;
    assert!(r.ok(), "code redemption: {}", r.describe());
    r.json["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}
