//! The authorize request parser: any query string, through the same steps
//! as `GET /authorize` (parameters, client and redirect, every rule).
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_core::authorize::{check_client, client_and_redirect, validate, RawParams};
use relais_core::partner::ServiceProvider;
use relais_core::Platform;
use std::sync::OnceLock;

fn service() -> &'static ServiceProvider {
    static SP: OnceLock<ServiceProvider> = OnceLock::new();
    SP.get_or_init(|| {
        ServiceProvider::public(
            "sp",
            "org",
            "Service",
            "secret-secret-secret-secret-00",
            vec!["https://sp.example/cb".into()],
            &["openid", "profile", "email", "birth", "amr"],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let pairs: Vec<(String, String)> = relais_core_form(data);
    let Ok(raw) = RawParams::parse(&pairs) else {
        return;
    };
    // The fuzzer finds the registered client and redirect in the corpus.
    if let Ok((_, redirect)) = client_and_redirect(&raw) {
        let _ = check_client(Some(service()), redirect);
    }
    for platform in [Platform::Standard, Platform::Plus] {
        let _ = validate(&raw, service(), platform, &|s| s == "data_scope");
    }
});

/// `application/x-www-form-urlencoded` pairs, as the web layer decodes them.
fn relais_core_form(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.replace('+', " "))
        })
        .collect()
}
