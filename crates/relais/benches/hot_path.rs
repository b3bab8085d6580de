//! Micro-benchmarks of the login hot path: `cargo bench -p relais`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use relais_core::authorize::{self, RawParams};
use relais_core::partner::ServiceProvider;
use relais_core::pivot::PivotIdentity;
use relais_core::subject::{IdentityHash, PairwiseSub};
use relais_core::{ManualClock, Platform};
use relais_oidc::jose::{self, JwkSet, Signer, Verifier};
use relais_oidc::{JwsAlg, SigningKey};
use relais_store::EphemeralStore;
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;

fn sp() -> ServiceProvider {
    ServiceProvider::public(
        "sp",
        "sp",
        "Service",
        "secret-0123456789",
        vec!["https://sp.example/cb".into()],
        &["profile", "birth", "email"],
    )
}

fn jose_benches(c: &mut Criterion) {
    let es = SigningKey::generate(JwsAlg::ES256, "").unwrap();
    let rs = SigningKey::generate(JwsAlg::RS256, "").unwrap();
    let claims = json!({"iss": "https://relais.example/api/v2", "sub": "a".repeat(66), "aud": "sp", "exp": 1, "iat": 1,
        "nonce": "n".repeat(32), "acr": "eidas1", "auth_time": 1});
    c.bench_function("sign ID token ES256", |b| {
        b.iter(|| jose::sign(black_box(&claims), Signer::Key(&es), None).unwrap())
    });
    c.bench_function("sign ID token RS256", |b| {
        b.iter(|| jose::sign(black_box(&claims), Signer::Key(&rs), None).unwrap())
    });
    let userinfo = json!({"iss": "x", "aud": "sp", "sub": "a".repeat(66), "given_name": "Angela Claire Louise",
        "family_name": "DUBOIS", "birthdate": "1962-08-24", "gender": "female", "birthplace": "75107", "birthcountry": "99100",
        "email": "angela.dubois@example.fr"});
    c.bench_function("sign userinfo ES256", |b| {
        b.iter(|| jose::sign(black_box(&userinfo), Signer::Key(&es), None).unwrap())
    });
    let token = jose::sign(&claims, Signer::Key(&es), None).unwrap();
    let set = JwkSet {
        keys: vec![es.public_jwk(), rs.public_jwk()],
    };
    c.bench_function("verify IdP ID token ES256", |b| {
        b.iter(|| jose::verify(black_box(&token), JwsAlg::ES256, Verifier::Keys(&set)).unwrap())
    });
    let rtoken = jose::sign(&claims, Signer::Key(&rs), None).unwrap();
    c.bench_function("verify IdP ID token RS256", |b| {
        b.iter(|| jose::verify(black_box(&rtoken), JwsAlg::RS256, Verifier::Keys(&set)).unwrap())
    });
}

fn domain_benches(c: &mut Criterion) {
    let claims = json!({"given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24",
        "gender": "female", "birthplace": "75107", "birthcountry": "99100", "email": "angela.dubois@example.fr"});
    let map = claims.as_object().unwrap().clone();
    c.bench_function("pivot identity validation", |b| {
        b.iter(|| PivotIdentity::from_claims(black_box(&map), Platform::Standard).unwrap())
    });
    let id = PivotIdentity::from_claims(&map, Platform::Standard).unwrap();
    c.bench_function("identityHash + pairwise sub", |b| {
        b.iter(|| {
            let h = IdentityHash::of(black_box(&id));
            PairwiseSub::derive("entity", &h, b"platform-secret")
        })
    });
    let params: Vec<(String, String)> = [
        ("client_id", "sp"),
        ("redirect_uri", "https://sp.example/cb"),
        ("response_type", "code"),
        ("scope", "openid profile birth email"),
        ("state", "state-0123456789"),
        ("nonce", "nonce-0123456789abcdefghijkl"),
        ("acr_values", "eidas1"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let sp = sp();
    c.bench_function("authorize parse + validate", |b| {
        b.iter(|| {
            let raw = RawParams::parse(black_box(&params)).unwrap();
            authorize::validate(&raw, &sp, Platform::Standard, &|_| false).unwrap()
        })
    });
}

fn page_benches(c: &mut Criterion) {
    use relais_i18n::{Locale, Tr};
    use relais_web::pages::{self, ChooserPage, IdpButton};
    let idps: Vec<(String, String)> = ["impots", "ameli", "laposte", "mobileconnect", "msa"]
        .iter()
        .map(|i| ((*i).to_owned(), format!("{i} (démo)")))
        .collect();
    c.bench_function("render chooser page", |b| {
        b.iter(|| {
            let page = ChooserPage {
                t: Tr::new(Locale::Fr, "/api/v2/interaction/abc"),
                sp_name: "Service de démonstration",
                banner: None,
                action: "/api/v2/interaction/abc/idp".into(),
                csrf: "csrf-token-0123456789".into(),
                idps: idps
                    .iter()
                    .map(|(id, t)| IdpButton {
                        id: id.clone(),
                        title: t.clone(),
                        enabled: true,
                        reason: std::borrow::Cow::Borrowed(""),
                    })
                    .collect(),
                cancel: "/api/v2/interaction/abc/cancel".into(),
            };
            pages::render(black_box(&page))
        })
    });
}

fn store_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::starting_now());
    let mem = relais_store::memory::MemoryEphemeral::new(clock.clone());
    let value = vec![7u8; 600];
    let mut i = 0u64;
    c.bench_function("ephemeral put+take (memory)", |b| {
        b.iter(|| {
            i += 1;
            let k = format!("code:{i}");
            rt.block_on(async {
                mem.put(&k, &value, 30).await.unwrap();
                mem.take(&k).await.unwrap()
            })
        })
    });
    let path = std::env::temp_dir().join(format!("relais-bench-{}.db", std::process::id()));
    let sqlite = rt
        .block_on(relais_store::sqlite::SqliteStore::open(
            &path.to_string_lossy(),
            clock,
        ))
        .unwrap();
    c.bench_function("ephemeral put+take (sqlite)", |b| {
        b.iter(|| {
            i += 1;
            let k = format!("code:{i}");
            rt.block_on(async {
                sqlite.put(&k, &value, 30).await.unwrap();
                sqlite.take(&k).await.unwrap()
            })
        })
    });
    let _ = std::fs::remove_file(&path);
}

criterion_group!(
    benches,
    jose_benches,
    domain_benches,
    page_benches,
    store_benches
);
criterion_main!(benches);
