//! DPoP on the back channel (RFC 9449): reads the `DPoP` header of a
//! request, verifies the proof ([`relais_oidc::dpop`]) for this method and
//! URL (and access token, at resource endpoints), and spends its `jti`
//! once across nodes (`put_new` in the ephemeral store, for the proof's
//! validity window).

use crate::sole_header::{sole_header, SoleHeader};
use crate::state::AppState;
use axum::http::HeaderMap;
use relais_core::token_digest::stored_key;
use relais_oidc::dpop::{self, DpopProof, IAT_WINDOW_SECS};
use relais_store::StoreError;

/// Why a proof is refused (said in the log and the error's detail).
#[derive(Debug)]
pub enum DpopRefusal {
    Invalid(String),
    Store(StoreError),
}

/// The request's verified proof, or `None` when it carries no `DPoP` header.
pub async fn proof(
    app: &AppState,
    headers: &HeaderMap,
    method: &str,
    url: &str,
    access_token: Option<&str>,
) -> Result<Option<DpopProof>, DpopRefusal> {
    let value = match sole_header(headers, "dpop") {
        SoleHeader::Absent => return Ok(None),
        SoleHeader::Once(v) => v,
        SoleHeader::Repeated => {
            return Err(DpopRefusal::Invalid("more than one DPoP header".into()))
        }
    };
    let text = value
        .to_str()
        .map_err(|_| DpopRefusal::Invalid("DPoP header is not text".into()))?;
    let now = app.clock.now_secs();
    let checked = dpop::verify_proof(text.trim(), method, url, access_token, now)
        .map_err(|e| DpopRefusal::Invalid(e.to_string()))?;
    let key = stored_key("dpop", &format!("{}\u{0}{}", checked.jkt, checked.jti));
    let ttl = u64::try_from(2 * IAT_WINDOW_SECS).unwrap_or(120);
    if !app
        .stores
        .ephemeral
        .put_new(&key, b"", ttl)
        .await
        .map_err(DpopRefusal::Store)?
    {
        return Err(DpopRefusal::Invalid("DPoP proof jti already used".into()));
    }
    Ok(Some(checked))
}
