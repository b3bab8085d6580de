//! The browser's device, as the connection e-mail rule sees it: a
//! long-lived random cookie, and two records in the ephemeral store (keys
//! hashed, so the store never holds the cookie's value): the identities
//! seen on the device, and whether this identity was seen there before.

use crate::cookies;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use relais_core::connection_mail::DeviceState;
use relais_core::token_digest::stored_key;
use relais_store::StoreError;
use serde::{Deserialize, Serialize};

/// A device is remembered for a year.
pub const DEVICE_TTL_SECS: u64 = 365 * 86_400;
/// Identities remembered per device (a family computer, a library's).
const MAX_IDENTITIES: usize = 8;

pub fn cookie_name(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_device"
    } else {
        "__Host-relais_device"
    }
}

#[derive(Serialize, Deserialize, Default)]
struct DeviceRecord {
    /// Digests of the identities that logged in from the device.
    identities: Vec<String>,
}

/// The request's device id, or a new one with the cookie that sets it.
pub fn device_id(app: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    let name = cookie_name(app.settings.sandbox);
    match cookies::read_cookie(headers, name).filter(|v| v.len() >= 32) {
        Some(id) => (id.to_owned(), None),
        None => {
            let id = app.random.token(32);
            let cookie = cookies::set_cookie(name, &id, DEVICE_TTL_SECS, app.settings.sandbox);
            (id, cookie)
        }
    }
}

/// What the device was for this identity before this login; then records
/// the login.
pub async fn observe(
    app: &AppState,
    device: &str,
    identity_hash: &str,
) -> Result<DeviceState, StoreError> {
    let device_key = stored_key("dev", device);
    let mut record: DeviceRecord = app.load(&device_key).await?.unwrap_or_default();
    let me = stored_key("ident", identity_hash);
    let trusted = record.identities.contains(&me);
    let shared = record.identities.iter().any(|i| *i != me);
    if !trusted {
        record.identities.push(me);
        if record.identities.len() > MAX_IDENTITIES {
            record.identities.remove(0);
        }
        app.save(&device_key, &record, DEVICE_TTL_SECS).await?;
    }
    Ok(DeviceState {
        trusted_for_identity: trusted,
        shared,
    })
}
