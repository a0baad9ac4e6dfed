//! Reading the forms of a login or consent page: enough HTML to find `<form>` elements and the
//! controls a browser would submit (HTML Living Standard §4.10.21.4, "constructing the entry
//! list"), and nothing more. Login pages are small and server-generated; a full HTML5 parser
//! would add a large dependency for no gain here. Tags are matched case-insensitively,
//! comments and `<script>`/`<style>` bodies are skipped, character references are decoded.

/// One form of a page.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Form {
    pub action: Option<String>,
    /// Upper case; `GET` when absent (the HTML default).
    pub method: String,
    pub id: Option<String>,
    pub name: Option<String>,
    /// Successful controls in document order (name, value): inputs, selects, textareas,
    /// checked checkboxes and radios. Submit buttons are not here.
    pub fields: Vec<(String, String)>,
    /// Submit buttons (name, value), in document order; the name may be empty.
    pub submits: Vec<(String, String)>,
    /// Names of `type=password` inputs: their values are redacted in recorded exchanges.
    pub passwords: Vec<String>,
}

impl Form {
    pub fn has_field(&self, name: &str) -> bool {
        self.fields.iter().any(|(n, _)| n == name)
    }

    /// Does this form answer to `sel` (a text its action, id or name contains)?
    pub fn matches(&self, sel: &str) -> bool {
        [&self.action, &self.id, &self.name]
            .into_iter()
            .flatten()
            .any(|v| v.contains(sel))
    }

    /// A one-line description for error messages.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self
            .fields
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(self.submits.iter().map(|(n, _)| n.as_str()))
            .filter(|n| !n.is_empty())
            .collect();
        format!(
            "<form method={} action={:?}> with fields [{}]",
            self.method,
            self.action.as_deref().unwrap_or(""),
            names.join(", ")
        )
    }
}

/// A start tag: its lower-cased name and attributes (names lower-cased, values decoded).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    /// Byte offset just after the tag's `>`.
    end: usize,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|(n, _)| n == name)
    }
}

/// Every form of the page, in document order.
pub fn forms(html: &str) -> Vec<Form> {
    let mut out: Vec<Form> = Vec::new();
    let mut current: Option<Form> = None;
    let mut select: Option<(String, Option<String>, Option<String>)> = None; // name, selected, first
    let mut pos = 0;
    let lower = html.to_ascii_lowercase();
    while let Some(i) = html[pos..].find('<').map(|i| i + pos) {
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            pos = lower[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        if let Some(close) = rest.strip_prefix("</") {
            let name: String = close
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            match name.as_str() {
                "form" => {
                    if let Some(f) = current.take() {
                        out.push(f);
                    }
                }
                "select" => {
                    if let (Some(f), Some((n, sel, first))) = (current.as_mut(), select.take()) {
                        if let Some(v) = sel.or(first) {
                            f.fields.push((n, v));
                        }
                    }
                }
                _ => {}
            }
            pos = html[i..].find('>').map_or(html.len(), |e| i + e + 1);
            continue;
        }
        let Some(tag) = parse_tag(html, i) else {
            pos = i + 1;
            continue;
        };
        pos = tag.end;
        match tag.name.as_str() {
            "script" | "style" => {
                let endtag = format!("</{}", tag.name);
                pos = lower[pos..].find(&endtag).map_or(html.len(), |e| pos + e);
            }
            "form" => {
                if let Some(f) = current.take() {
                    out.push(f);
                }
                current = Some(Form {
                    action: tag.attr("action").map(String::from),
                    method: tag.attr("method").unwrap_or("get").to_ascii_uppercase(),
                    id: tag.attr("id").map(String::from),
                    name: tag.attr("name").map(String::from),
                    ..Form::default()
                });
            }
            "input" if current.is_some() && !tag.has("disabled") => {
                let f = current.as_mut().expect("checked");
                let name = tag.attr("name").unwrap_or("").to_string();
                let ty = tag.attr("type").unwrap_or("text").to_ascii_lowercase();
                match ty.as_str() {
                    "submit" | "image" => f
                        .submits
                        .push((name, tag.attr("value").unwrap_or("").to_string())),
                    "button" | "reset" | "file" => {}
                    "password" if !name.is_empty() => {
                        f.passwords.push(name.clone());
                        f.fields
                            .push((name, tag.attr("value").unwrap_or("").to_string()));
                    }
                    "checkbox" | "radio" if tag.has("checked") && !name.is_empty() => {
                        f.fields
                            .push((name, tag.attr("value").unwrap_or("on").to_string()));
                    }
                    "checkbox" | "radio" => {}
                    _ if !name.is_empty() => f
                        .fields
                        .push((name, tag.attr("value").unwrap_or("").to_string())),
                    _ => {}
                }
            }
            "button" if current.is_some() && !tag.has("disabled") => {
                let ty = tag.attr("type").unwrap_or("submit").to_ascii_lowercase();
                if ty == "submit" {
                    current.as_mut().expect("checked").submits.push((
                        tag.attr("name").unwrap_or("").to_string(),
                        tag.attr("value").unwrap_or("").to_string(),
                    ));
                }
            }
            "textarea" if current.is_some() => {
                let end = lower[pos..]
                    .find("</textarea")
                    .map_or(html.len(), |e| pos + e);
                if let Some(name) = tag.attr("name").filter(|n| !n.is_empty()) {
                    current
                        .as_mut()
                        .expect("checked")
                        .fields
                        .push((name.to_string(), decode(&html[pos..end])));
                }
                pos = end;
            }
            "select" if current.is_some() && !tag.has("disabled") => {
                select = tag
                    .attr("name")
                    .map(|n| (n.to_string(), None, None))
                    .filter(|(n, _, _)| !n.is_empty());
            }
            "option" => {
                if let Some((_, sel, first)) = select.as_mut() {
                    // Without a value attribute the option's text is its value; text values
                    // are rare on login pages and read up to the next tag.
                    let v = match tag.attr("value") {
                        Some(v) => v.to_string(),
                        None => decode(html[pos..].split('<').next().unwrap_or("").trim()),
                    };
                    if tag.has("selected") && sel.is_none() {
                        *sel = Some(v.clone());
                    }
                    first.get_or_insert(v);
                }
            }
            _ => {}
        }
    }
    if let Some(f) = current.take() {
        out.push(f);
    }
    out
}

/// Parses the start tag at `at` (which holds `<`); None when it is not one.
fn parse_tag(html: &str, at: usize) -> Option<Tag> {
    let b = html.as_bytes();
    let mut i = at + 1;
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    if i == start || !b[start].is_ascii_alphabetic() {
        return None;
    }
    let name = html[start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some(Tag {
                name,
                attrs,
                end: i + 1,
            });
        }
        let ns = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let aname = html[ns..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                let ve = html[vs..].find(q as char).map(|e| vs + e)?;
                value = decode(&html[vs..ve]);
                i = ve + 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = decode(&html[vs..i]);
            }
        }
        if !aname.is_empty() {
            attrs.push((aname, value));
        }
    }
}

/// Decodes the character references a server-generated page uses: the five XML ones,
/// `&nbsp;`, and numeric ones. Anything else stays as written.
pub fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(semi) = after.find(';').filter(|n| *n <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_login_page() {
        let page = r#"<!DOCTYPE html><html><head><script>var x = "<form>";</script></head>
        <body><!-- <form action="/fake"> -->
        <FORM method="post" action="/interaction/a&amp;b/login" autocomplete=off>
          <input type="hidden" name="prompt" value="login"/>
          <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
          <input type=password name='password'>
          <input type="checkbox" name="remember" value="yes" checked>
          <input type="checkbox" name="spam">
          <input type="text" name="off" disabled value="x">
          <select name="lang"><option value="en">English</option><option value="fr" selected>Fr</option></select>
          <textarea name="note">a &lt; b</textarea>
          <button type="submit" class="login login-submit">Sign-in</button>
        </form>
        <form action="/other"><button name="approve" value="yes">OK</button><button type="button">x</button></form>
        </body></html>"#;
        let f = forms(page);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[0].method, "POST");
        assert_eq!(f[0].action.as_deref(), Some("/interaction/a&b/login"));
        assert_eq!(
            f[0].fields,
            vec![
                ("prompt".into(), "login".into()),
                ("login".into(), "".into()),
                ("password".into(), "".into()),
                ("remember".into(), "yes".into()),
                ("lang".into(), "fr".into()),
                ("note".into(), "a < b".into()),
            ]
        );
        assert_eq!(f[0].submits, vec![("".into(), "".into())]);
        assert_eq!(f[0].passwords, vec!["password".to_string()]);
        assert!(f[0].matches("/login") && !f[0].matches("/consent"));
        assert_eq!(f[1].method, "GET");
        assert_eq!(f[1].submits, vec![("approve".into(), "yes".into())]);
    }

    #[test]
    fn decodes_references_and_survives_broken_markup() {
        assert_eq!(decode("a&amp;b&#x41;&#66;&bogus;&"), "a&bAB&bogus;&");
        assert!(forms("<form action='x'><input name=\"unterminated").len() <= 1);
        assert!(forms("<<<>>></form><input name=a>").is_empty());
    }
}
