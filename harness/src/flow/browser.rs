//! The user step of an authorization code flow, automated: a small user agent over the run's
//! [`Http`] (so rate limits, the deadline and the circuit breaker apply) with a cookie jar,
//! that loads the authorization URL, runs the target file's declarative login steps (find a
//! form, fill named fields, submit), and follows redirects until the redirect URI appears with
//! the authorization response (RFC 6749 §4.1.2). Or, for servers that need a real browser, a
//! command that gets the authorization URL and prints the final redirect URL.
//!
//! Only the target's own host is contacted; the redirect URI is recognised, never fetched.
//! Every step has a timeout; a step that does not match the page is an error showing the page.
use super::html::{self, Form};
use super::FlowError;
use crate::exchange::Exchange;
use crate::exchange::{Http, Reply, WireRequest};
use crate::target::grant::{LoginConfig, LoginStep};
use std::time::Duration;

/// Redirects followed after one load or submission before giving up.
const MAX_REDIRECTS: usize = 10;
/// How much of a page an error message shows.
const PAGE_EXCERPT: usize = 1500;

/// Cookies of one user session (RFC 6265, the parts a login needs: host-only cookies, path
/// scoping, deletion by `Max-Age=0`; `Expires` is not parsed, such cookies live for the flow).
#[derive(Clone, Debug, Default)]
pub struct Jar {
    cookies: Vec<Cookie>,
}

#[derive(Clone, Debug)]
struct Cookie {
    host: String,
    path: String,
    name: String,
    value: String,
}

impl Jar {
    /// Stores one `Set-Cookie` value received from `url`.
    pub fn store(&mut self, url: &url::Url, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim().to_string(), value.trim().to_string());
        if name.is_empty() {
            return;
        }
        // RFC 6265 §5.1.4: the default path is the request path up to its last `/`.
        let mut path = match url.path().rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => url.path()[..i].to_string(),
        };
        let mut delete = false;
        for attr in parts {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "path" if v.trim().starts_with('/') => path = v.trim().to_string(),
                "max-age" => delete = v.trim().parse::<i64>().is_ok_and(|n| n <= 0),
                _ => {}
            }
        }
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        self.cookies
            .retain(|c| !(c.host == host && c.path == path && c.name == name));
        if !delete {
            self.cookies.push(Cookie {
                host,
                path,
                name,
                value,
            });
        }
    }

    /// The `Cookie` header for a request to `url`, longest paths first (RFC 6265 §5.4).
    pub fn header(&self, url: &url::Url) -> Option<String> {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| c.host == host && path_matches(url.path(), &c.path))
            .collect();
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        (!matching.is_empty()).then(|| {
            matching
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

fn path_matches(req: &str, cookie: &str) -> bool {
    req == cookie
        || (req.starts_with(cookie)
            && (cookie.ends_with('/') || req[cookie.len()..].starts_with('/')))
}

/// The authorization response, read off the redirect to the redirect URI.
#[derive(Clone, Debug, PartialEq)]
pub struct Redirect {
    pub url: String,
    pub params: Vec<(String, String)>,
}

impl Redirect {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Reads `url` as a redirect to `redirect_uri`; None when it goes elsewhere. Parameters
    /// come from the query, or the fragment (response modes that use it).
    pub fn parse(url: &str, redirect_uri: &str) -> Option<Redirect> {
        let u = url::Url::parse(url).ok()?;
        let r = url::Url::parse(redirect_uri).ok()?;
        let same = u.scheme() == r.scheme()
            && u.host_str() == r.host_str()
            && u.port_or_known_default() == r.port_or_known_default()
            && u.path() == r.path();
        if !same {
            return None;
        }
        let mut params: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        if let Some(f) = u.fragment() {
            params.extend(url::form_urlencoded::parse(f.as_bytes()).into_owned());
        }
        Some(Redirect {
            url: url.to_string(),
            params,
        })
    }
}

/// A page the user agent stopped at.
#[derive(Clone, Debug)]
pub struct Page {
    pub url: url::Url,
    pub status: u16,
    pub body: String,
}

impl Page {
    /// The start of the page, for error messages.
    pub fn excerpt(&self) -> String {
        let body: String = self.body.chars().take(PAGE_EXCERPT).collect();
        let more = if self.body.chars().count() > PAGE_EXCERPT {
            "\n[...]"
        } else {
            ""
        };
        format!(
            "HTTP {} at {}:\n{}{}",
            self.status,
            self.url,
            body.trim(),
            more
        )
    }
}

/// Where a load or a submission ended.
enum Landed {
    Page(Page),
    Redirect(Redirect),
}

/// What the user agent needs to know.
pub struct UserAgent<'a> {
    pub http: &'a Http,
    /// The only host contacted (the issuer's).
    pub host: String,
    pub redirect_uri: &'a str,
    pub step_timeout: Duration,
}

impl UserAgent<'_> {
    /// Runs the user step for `auth_url` with the target's login configuration.
    pub async fn authorize(
        &self,
        login: &LoginConfig,
        auth_url: &str,
        jar: &mut Jar,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Redirect, FlowError> {
        if let Some(argv) = &login.command {
            return self.by_command(argv, auth_url).await;
        }
        let start = url::Url::parse(auth_url)
            .map_err(|e| FlowError::Inconclusive(format!("authorization URL {auth_url}: {e}")))?;
        let mut landed = self
            .timed("load the authorization URL", async {
                self.follow(
                    "user step: load the authorization URL",
                    start,
                    "GET",
                    String::new(),
                    &[],
                    jar,
                    exchanges,
                )
                .await
            })
            .await?;
        for (i, step) in login.steps.iter().enumerate() {
            let page = match landed {
                // The server needed no more of the user (a reused session, no consent asked).
                Landed::Redirect(r) => return Ok(r),
                Landed::Page(p) => p,
            };
            let what = format!("login step {}", i + 1);
            landed = self
                .timed(&what, async {
                    self.step(i + 1, step, &page, jar, exchanges).await
                })
                .await?;
        }
        match landed {
            Landed::Redirect(r) => Ok(r),
            Landed::Page(p) => Err(FlowError::Step {
                step: login.steps.len(),
                why: format!(
                    "after the last login step the server showed a page, not a redirect to {}",
                    self.redirect_uri
                ),
                page: p.excerpt(),
            }),
        }
    }

    async fn timed<T>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = Result<T, FlowError>>,
    ) -> Result<T, FlowError> {
        tokio::time::timeout(self.step_timeout, fut)
            .await
            .unwrap_or_else(|_| {
                Err(FlowError::Inconclusive(format!(
                    "user step: {what} did not finish within {:?}",
                    self.step_timeout
                )))
            })
    }

    /// One declarative step on `page`.
    async fn step(
        &self,
        n: usize,
        step: &LoginStep,
        page: &Page,
        jar: &mut Jar,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Landed, FlowError> {
        let mismatch = |why: String| FlowError::Step {
            step: n,
            why,
            page: page.excerpt(),
        };
        let forms = html::forms(&page.body);
        let form: &Form = match &step.form {
            Some(sel) => forms.iter().find(|f| f.matches(sel)).ok_or_else(|| {
                mismatch(format!(
                    "no form whose action, id or name contains {sel:?} (forms on the page: {})",
                    list(&forms)
                ))
            })?,
            None => forms
                .iter()
                .find(|f| step.fields.keys().all(|k| f.has_field(k)))
                .ok_or_else(|| {
                    mismatch(format!(
                        "no form with the fields {:?} (forms on the page: {})",
                        step.fields.keys().collect::<Vec<_>>(),
                        list(&forms)
                    ))
                })?,
        };
        let mut fields = form.fields.clone();
        for (name, value) in &step.fields {
            let mut found = false;
            for f in fields.iter_mut().filter(|(n, _)| n == name) {
                f.1 = value.clone();
                found = true;
            }
            if !found {
                return Err(mismatch(format!(
                    "the form has no field {name:?}: {}",
                    form.describe()
                )));
            }
        }
        match &step.submit {
            Some(name) => {
                let b = form
                    .submits
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| {
                        mismatch(format!(
                            "the form has no submit button named {name:?}: {}",
                            form.describe()
                        ))
                    })?;
                fields.push(b.clone());
            }
            None => {
                if let Some(b) = form.submits.first().filter(|(n, _)| !n.is_empty()) {
                    fields.push(b.clone());
                }
            }
        }
        let action = match form.action.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => page
                .url
                .join(a)
                .map_err(|e| mismatch(format!("form action {a:?}: {e}")))?,
            None => page.url.clone(),
        };
        let purpose = format!("user step: login step {n}, submit {}", form.describe());
        if form.method == "POST" {
            let body = encode(&fields);
            self.follow(
                &purpose,
                action,
                "POST",
                body,
                &form.passwords,
                jar,
                exchanges,
            )
            .await
        } else {
            let mut u = action;
            u.set_query(Some(&encode(&fields)));
            self.follow(
                &purpose,
                u,
                "GET",
                String::new(),
                &form.passwords,
                jar,
                exchanges,
            )
            .await
        }
    }

    /// Sends, then follows redirects until a page or the redirect URI.
    #[allow(clippy::too_many_arguments)]
    async fn follow(
        &self,
        purpose: &str,
        mut url: url::Url,
        mut method: &str,
        mut body: String,
        secrets: &[String],
        jar: &mut Jar,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Landed, FlowError> {
        for hop in 0..=MAX_REDIRECTS {
            if let Some(r) = Redirect::parse(url.as_str(), self.redirect_uri) {
                return Ok(Landed::Redirect(r));
            }
            if url.host_str().map(str::to_ascii_lowercase) != Some(self.host.clone()) {
                return Err(FlowError::Inconclusive(format!(
                    "the user step leads to {url}, another host than the target's ({}); the \
                     suite only contacts the target's own host: use grant.login.command for \
                     such a login",
                    self.host
                )));
            }
            let mut headers = vec![(
                "Accept".to_string(),
                "text/html,application/xhtml+xml".to_string(),
            )];
            if method == "POST" {
                headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
            if let Some(c) = jar.header(&url) {
                headers.push(("Cookie".into(), c));
            }
            let wire = WireRequest {
                method: method.to_string(),
                url: url.to_string(),
                headers,
                body: body.clone(),
                name_case: Default::default(),
            };
            let label = if hop == 0 {
                purpose.to_string()
            } else {
                format!("{purpose}, redirect {hop}")
            };
            let (mut ex, reply) = self.http.exchange(&label, &wire).await;
            redact(&mut ex, secrets);
            exchanges.push(ex);
            let reply: Reply = reply.map_err(|e| {
                FlowError::Inconclusive(format!("user step: no answer from {url}: {e}"))
            })?;
            for (n, v) in &reply.headers {
                if n.eq_ignore_ascii_case("set-cookie") {
                    jar.store(&url, v);
                }
            }
            let location = reply.header("location");
            match (reply.status, location) {
                (301..=303 | 307 | 308, Some(loc)) => {
                    let next = url.join(loc).map_err(|e| {
                        FlowError::Inconclusive(format!("redirect to {loc:?}: {e}"))
                    })?;
                    // RFC 9110 §15.4: 307/308 keep the method and body; the others become GET.
                    if !matches!(reply.status, 307 | 308) {
                        method = "GET";
                        body = String::new();
                    }
                    url = next;
                }
                _ => {
                    return Ok(Landed::Page(Page {
                        url,
                        status: reply.status,
                        body: String::from_utf8_lossy(&reply.body).into_owned(),
                    }))
                }
            }
        }
        Err(FlowError::Inconclusive(format!(
            "user step: more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// The escape hatch: `argv AUTH_URL` prints the final redirect URL.
    async fn by_command(&self, argv: &[String], auth_url: &str) -> Result<Redirect, FlowError> {
        let mut full = argv.to_vec();
        full.push(auth_url.to_string());
        let out = super::command::run(
            &full,
            &[
                ("ABCA_AUTHORIZATION_URL", auth_url),
                ("ABCA_REDIRECT_URI", self.redirect_uri),
            ],
            self.step_timeout,
        )
        .await
        .map_err(|e| FlowError::Inconclusive(format!("login command: {e}")))?;
        let last = out
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("");
        Redirect::parse(last, self.redirect_uri).ok_or_else(|| {
            FlowError::Inconclusive(format!(
                "login command: its last line {last:?} is not a redirect to {}",
                self.redirect_uri
            ))
        })
    }
}

fn list(forms: &[Form]) -> String {
    if forms.is_empty() {
        "none".into()
    } else {
        forms
            .iter()
            .map(Form::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn encode(fields: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (n, v) in fields {
        s.append_pair(n, v);
    }
    s.finish()
}

/// Password values never reach a report.
fn redact(ex: &mut Exchange, secrets: &[String]) {
    if secrets.is_empty() {
        return;
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(ex.request.body.as_bytes())
        .into_owned()
        .map(|(n, v)| {
            if secrets.contains(&n) {
                (n, "[redacted]".to_string())
            } else {
                (n, v)
            }
        })
        .collect();
    ex.request.body = encode(&pairs);
    if let Ok(mut u) = url::Url::parse(&ex.request.url) {
        if u.query().is_some() {
            let q: Vec<(String, String)> = u
                .query_pairs()
                .into_owned()
                .map(|(n, v)| {
                    if secrets.contains(&n) {
                        (n, "[redacted]".into())
                    } else {
                        (n, v)
                    }
                })
                .collect();
            u.set_query(Some(&encode(&q)));
            ex.request.url = u.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_jar_scopes_by_host_and_path() {
        let mut jar = Jar::default();
        let a = url::Url::parse("http://127.0.0.1:1/interaction/abc").unwrap();
        jar.store(&a, "_interaction=1; path=/interaction/abc; httponly");
        jar.store(&a, "_session=s; path=/; samesite=lax");
        jar.store(&a, "gone=x; path=/; max-age=0");
        let same = url::Url::parse("http://127.0.0.1:1/interaction/abc/login").unwrap();
        assert_eq!(jar.header(&same).unwrap(), "_interaction=1; _session=s");
        let other = url::Url::parse("http://127.0.0.1:1/auth/abc").unwrap();
        assert_eq!(jar.header(&other).unwrap(), "_session=s");
        let prefix = url::Url::parse("http://127.0.0.1:1/interaction/abcd").unwrap();
        assert_eq!(jar.header(&prefix).unwrap(), "_session=s");
        let elsewhere = url::Url::parse("http://localhost:1/").unwrap();
        assert!(jar.header(&elsewhere).is_none());
        jar.store(&a, "_session=gone; path=/; Max-Age=0");
        assert!(jar.header(&other).is_none());
    }

    #[test]
    fn recognises_the_redirect_uri() {
        let r = Redirect::parse(
            "https://client.example.com/cb?code=abc&state=s&iss=http%3A%2F%2Fi",
            "https://client.example.com/cb",
        )
        .unwrap();
        assert_eq!(r.get("code"), Some("abc"));
        assert_eq!(r.get("iss"), Some("http://i"));
        assert!(Redirect::parse(
            "https://client.example.com/cb2?code=a",
            "https://client.example.com/cb"
        )
        .is_none());
        assert!(Redirect::parse(
            "https://client.example.com:8443/cb?code=a",
            "https://client.example.com/cb"
        )
        .is_none());
        let f = Redirect::parse("https://c/cb#code=x", "https://c/cb").unwrap();
        assert_eq!(f.get("code"), Some("x"));
    }
}
