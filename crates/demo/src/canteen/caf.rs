//! The canteen's call to the CAF's family-quotient API, with the access
//! token Relais issued (the data provider checks it at `/checktoken`).

use serde_json::Value;

/// The family quotient as the CAF returned it.
#[derive(Clone)]
pub struct Quotient {
    pub value: u32,
    pub month: String,
}

/// Calls the CAF API with the Relais access token; `Err` is the Fluent id of
/// the reason shown to the parent.
pub async fn fetch_quotient(
    http: &reqwest::Client,
    caf_url: &str,
    access_token: &str,
) -> Result<Quotient, &'static str> {
    let r = http
        .get(caf_url)
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|_| "canteen-caf-unreachable")?;
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    match status {
        200 => {
            let value = body
                .get("quotient_familial")
                .and_then(Value::as_u64)
                .ok_or("canteen-caf-incomplete")?;
            Ok(Quotient {
                value: u32::try_from(value).unwrap_or(u32::MAX),
                month: body
                    .get("mois_reference")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            })
        }
        404 => Err("canteen-caf-no-file"),
        403 => Err("canteen-caf-forbidden"),
        _ => Err("canteen-caf-failed"),
    }
}
