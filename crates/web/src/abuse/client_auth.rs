//! The defences around a client's secret, shared by the steps that
//! authenticate a service (token, revocation) or a data provider
//! (checktoken): a locked-out client is refused as locked whatever it
//! presented (a data provider's lock is read before its secret is looked
//! at; a service's once its credentials are checked, yet before any answer,
//! in the token step's own trip), each
//! failure is counted (slowed down, then locked out, with an event), and an
//! authenticated client is charged its own budget.

use super::client_ip::ClientIp;
use super::policy::Decision;
use super::rate::LimitClass;
use crate::error::JsonError;
use crate::metrics::Metrics;
use crate::state::AppState;
use relais_core::event::EventKind;
use relais_core::ErrorCode;

/// Who failed to authenticate: named in the lockout event accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Service,
    DataProvider,
}

/// Refuses a client locked out from this IP.
///
/// `also` names an entry the step reads once the client is authenticated
/// (the token step's code, the data provider's access token): it is read
/// in the same trip to the ephemeral store as the lock, one round trip to
/// Redis instead of two, and answered. It is read, never taken, and left
/// unused until the caller has authenticated the client.
pub async fn refuse_if_locked(
    app: &AppState,
    client_id: &str,
    ip: ClientIp,
    also: Option<&str>,
) -> Result<Option<Vec<u8>>, JsonError> {
    let (locked, also) = app
        .abuse
        .lockout
        .locked_reading(client_id, ip, also)
        .await?;
    match locked {
        Some(left) => Err(locked_out(app, left)),
        None => Ok(also),
    }
}

/// The answer to a client locked out for `left` more seconds (counted).
pub fn locked_out(app: &AppState, left: u64) -> JsonError {
    Metrics::bump(&app.metrics.clients_locked_out);
    JsonError::new(
        ErrorCode::ClientLockedOut,
        "locked out after repeated failed authentications",
    )
    .retry_after(left)
}

/// Counts a failed authentication and returns `refusal` once its cost is
/// paid: held back past a few failures, the client locked out from this IP
/// (with an event) past more.
pub async fn failed(
    app: &AppState,
    client_id: &str,
    ip: ClientIp,
    caller: Caller,
    refusal: JsonError,
) -> JsonError {
    let failure = match app.abuse.lockout.failed(client_id, ip).await {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    if let Some(secs) = failure.locked_for {
        tracing::warn!(
            lock_secs = secs,
            "client locked out after repeated failed authentications"
        );
        let mut e = app.event(EventKind::FcClientLockedOut);
        let who: String = client_id.chars().take(64).collect();
        match caller {
            Caller::Service => e.sp_id = Some(who),
            Caller::DataProvider => e.dp_id = Some(who),
        }
        e.ip = Some(ip.text());
        e.error = Some(ErrorCode::ClientLockedOut.code().to_owned());
        app.events.emit(e);
    }
    if !failure.delay.is_zero() {
        tokio::time::sleep(failure.delay).await;
    }
    refusal
}

/// The per-client budget of the back channel, charged once the client is
/// authenticated (so nobody can spend another client's budget).
pub async fn charge_budget(app: &AppState, client_id: &str) -> Result<(), JsonError> {
    if !app.abuse.policy.rate_limits {
        return Ok(());
    }
    match app
        .abuse
        .rate
        .check(LimitClass::BackchannelClient, client_id)
        .await
    {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after_secs } => {
            Metrics::bump(&app.metrics.rate_limited);
            Err(
                JsonError::new(ErrorCode::RateLimited, "rate limit of this client")
                    .retry_after(retry_after_secs),
            )
        }
    }
}
