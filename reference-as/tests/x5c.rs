//! x5c chain validation (reference-as/src/x5c.rs): each chain check rejects its bad chain,
//! and the fault that bends it lets that chain through.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use reference_as::x5c::{leaf_key, parse_pem_certificates, trust_anchors, Leniency, X5cError};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn ca(name: &str, issuer: Option<(&Certificate, &KeyPair)>) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = match issuer {
        None => p.self_signed(&key).unwrap(),
        Some((c, k)) => p.signed_by(&key, c, k).unwrap(),
    };
    (cert, key)
}

fn leaf(
    issuer: (&Certificate, &KeyPair),
    from_days: i64,
    to_days: i64,
    usages: Vec<KeyUsagePurpose>,
) -> Certificate {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, "attester");
    let t = time::OffsetDateTime::now_utc();
    p.not_before = t + time::Duration::seconds(from_days * DAY);
    p.not_after = t + time::Duration::seconds(to_days * DAY);
    p.key_usages = usages;
    // basicConstraints CA=false; rcgen writes no extensions at all (not even key usage) for a
    // leaf without one.
    p.is_ca = IsCa::ExplicitNoCa;
    p.signed_by(&key, issuer.0, issuer.1).unwrap()
}

fn x5c(certs: &[&Certificate]) -> Value {
    json!(certs
        .iter()
        .map(|c| STANDARD.encode(c.der()))
        .collect::<Vec<_>>())
}

struct Pki {
    root: Certificate,
    inter: Certificate,
    inter_key: KeyPair,
}

fn pki() -> Pki {
    let (root, root_key) = ca("root", None);
    let (inter, inter_key) = ca("intermediate", Some((&root, &root_key)));
    Pki {
        root,
        inter,
        inter_key,
    }
}

fn check(p: &Pki, chain: &Value, lenient: Leniency) -> Result<(), X5cError> {
    let anchors = trust_anchors(&[p.root.der().to_vec()]).unwrap();
    leaf_key(chain, &anchors, now(), lenient).map(|_| ())
}

fn good_leaf(p: &Pki) -> Certificate {
    leaf(
        (&p.inter, &p.inter_key),
        -1,
        30,
        vec![KeyUsagePurpose::DigitalSignature],
    )
}

#[test]
fn a_valid_chain_gives_the_leaf_key() {
    let p = pki();
    let l = good_leaf(&p);
    check(&p, &x5c(&[&l, &p.inter]), Leniency::default()).unwrap();
    // the trust anchor included as well is still a valid path
    check(&p, &x5c(&[&l, &p.inter, &p.root]), Leniency::default()).unwrap();
    // a leaf without key usage extension may sign
    let bare = leaf((&p.inter, &p.inter_key), -1, 30, vec![]);
    check(&p, &x5c(&[&bare, &p.inter]), Leniency::default()).unwrap();
}

#[test]
fn pem_trust_anchors_load() {
    let p = pki();
    let pem = format!("{}{}", p.root.pem(), p.inter.pem());
    assert_eq!(parse_pem_certificates(&pem).unwrap().len(), 2);
    assert!(parse_pem_certificates("nothing here").is_err());
}

#[test]
fn missing_intermediate_and_untrusted_anchor_fail_path_validation() {
    let p = pki();
    let l = good_leaf(&p);
    let missing = x5c(&[&l]);
    assert!(matches!(
        check(&p, &missing, Leniency::default()),
        Err(X5cError::Path(_))
    ));
    let (rogue, rogue_key) = ca("rogue", None);
    let l2 = leaf(
        (&rogue, &rogue_key),
        -1,
        30,
        vec![KeyUsagePurpose::DigitalSignature],
    );
    let untrusted = x5c(&[&l2]);
    assert!(matches!(
        check(&p, &untrusted, Leniency::default()),
        Err(X5cError::Path(_))
    ));
    let lenient = Leniency {
        no_path_validation: true,
        ..Default::default()
    };
    check(&p, &missing, lenient).unwrap();
    check(&p, &untrusted, lenient).unwrap();
}

#[test]
fn wrong_order_is_refused_unless_the_leaf_is_searched_for() {
    let p = pki();
    let l = good_leaf(&p);
    let reversed = x5c(&[&p.inter, &l]);
    assert!(check(&p, &reversed, Leniency::default()).is_err());
    let lenient = Leniency {
        leaf_anywhere: true,
        ..Default::default()
    };
    check(&p, &reversed, lenient).unwrap();
}

#[test]
fn validity_period_is_checked() {
    let p = pki();
    let expired = leaf(
        (&p.inter, &p.inter_key),
        -30,
        -1,
        vec![KeyUsagePurpose::DigitalSignature],
    );
    let future = leaf(
        (&p.inter, &p.inter_key),
        1,
        30,
        vec![KeyUsagePurpose::DigitalSignature],
    );
    let lenient = Leniency {
        validity_not_checked: true,
        ..Default::default()
    };
    for l in [&expired, &future] {
        let chain = x5c(&[l, &p.inter]);
        assert!(matches!(
            check(&p, &chain, Leniency::default()),
            Err(X5cError::Path(_))
        ));
        check(&p, &chain, lenient).unwrap();
    }
}

#[test]
fn key_usage_without_digital_signature_is_refused() {
    let p = pki();
    let l = leaf(
        (&p.inter, &p.inter_key),
        -1,
        30,
        vec![KeyUsagePurpose::KeyEncipherment],
    );
    let chain = x5c(&[&l, &p.inter]);
    assert_eq!(
        check(&p, &chain, Leniency::default()),
        Err(X5cError::KeyUsage)
    );
    let lenient = Leniency {
        key_usage_not_checked: true,
        ..Default::default()
    };
    check(&p, &chain, lenient).unwrap();
}

#[test]
fn malformed_elements_are_refused_unless_skipped() {
    let p = pki();
    let l = good_leaf(&p);
    let mut chain = x5c(&[&l, &p.inter]);
    chain.as_array_mut().unwrap().push(json!("%%% not base64"));
    assert_eq!(
        check(&p, &chain, Leniency::default()),
        Err(X5cError::NotBase64(2))
    );
    let mut not_der = x5c(&[&l, &p.inter]);
    not_der
        .as_array_mut()
        .unwrap()
        .push(json!(STANDARD.encode(b"not a certificate")));
    assert!(matches!(
        check(&p, &not_der, Leniency::default()),
        Err(X5cError::NotDer(2, _))
    ));
    let lenient = Leniency {
        skip_undecodable: true,
        ..Default::default()
    };
    check(&p, &chain, lenient).unwrap();
    check(&p, &not_der, lenient).unwrap();
    for bad in [json!([]), json!("abc"), json!([1])] {
        assert_eq!(
            check(&p, &bad, Leniency::default()),
            Err(X5cError::NotAnArray)
        );
    }
}
