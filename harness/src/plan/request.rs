//! A request before it is rendered: header fields that hold token drafts (so mutations can
//! still change them), the form, method and URL.
use crate::client::keys::KeySet;
use crate::client::token::TokenDraft;
use crate::exchange::WireRequest;
use crate::scenario::{Mode, TokenKind};
use crate::types::FieldNameCase;

pub const ATTESTATION: &str = "OAuth-Client-Attestation";
pub const POP: &str = "OAuth-Client-Attestation-PoP";
pub const DPOP: &str = "DPoP";

pub fn field_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Attestation => ATTESTATION,
        TokenKind::Pop => POP,
        TokenKind::Dpop => DPOP,
    }
}

#[derive(Clone, Debug)]
pub enum FieldValue {
    /// Boxed: a draft is a few hundred bytes, the other variants a few words.
    Token(Box<TokenDraft>),
    Raw(String),
    /// One field line holding a comma-separated list (RFC 9110 §5.3).
    Joined(Vec<FieldValue>),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub value: FieldValue,
}

#[derive(Clone, Debug)]
pub struct RequestDraft {
    pub mode: Mode,
    pub method: String,
    pub url: String,
    pub fields: Vec<Field>,
    pub form: Vec<(String, String)>,
    pub name_case: FieldNameCase,
}

impl RequestDraft {
    /// The first token of `kind` in the request (inside a comma list too): the one token
    /// mutations apply to.
    pub fn token_mut(&mut self, kind: TokenKind) -> Option<&mut TokenDraft> {
        fn find(v: &mut FieldValue, kind: TokenKind) -> Option<&mut TokenDraft> {
            match v {
                FieldValue::Token(t) if t.kind == kind => Some(&mut **t),
                FieldValue::Joined(vs) => vs.iter_mut().find_map(|v| find(v, kind)),
                _ => None,
            }
        }
        self.fields
            .iter_mut()
            .find_map(|f| find(&mut f.value, kind))
    }

    pub fn token(&self, kind: TokenKind) -> Option<&TokenDraft> {
        fn find(v: &FieldValue, kind: TokenKind) -> Option<&TokenDraft> {
            match v {
                FieldValue::Token(t) if t.kind == kind => Some(&**t),
                FieldValue::Joined(vs) => vs.iter().find_map(|v| find(v, kind)),
                _ => None,
            }
        }
        self.fields.iter().find_map(|f| find(&f.value, kind))
    }

    /// Sets a form parameter (every occurrence: a repeated one becomes a single one), or
    /// removes it with `None`.
    pub fn set_form(&mut self, name: &str, value: Option<String>) {
        let first = self.form.iter().position(|(n, _)| n == name);
        match (first, value) {
            (Some(i), Some(v)) => {
                self.form[i].1 = v;
                let mut seen = 0;
                self.form.retain(|(n, _)| {
                    seen += usize::from(n == name);
                    n != name || seen == 1
                });
            }
            (Some(_), None) => self.form.retain(|(n, _)| n != name),
            (None, Some(v)) => self.form.push((name.to_string(), v)),
            (None, None) => {}
        }
    }

    /// Signs every token and lays the request out as it goes on the wire.
    pub fn render(&self, keys: &KeySet) -> WireRequest {
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        for f in &self.fields {
            headers.push((f.name.clone(), render_value(&f.value, keys)));
        }
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (n, v) in &self.form {
            ser.append_pair(n, v);
        }
        WireRequest {
            method: self.method.clone(),
            url: self.url.clone(),
            headers,
            body: ser.finish(),
            name_case: self.name_case,
        }
    }
}

pub fn render_value(v: &FieldValue, keys: &KeySet) -> String {
    match v {
        FieldValue::Token(t) => t.render(keys),
        FieldValue::Raw(s) => s.clone(),
        FieldValue::Joined(vs) => vs
            .iter()
            .map(|v| render_value(v, keys))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
