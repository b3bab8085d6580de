//! The audit trail: every administrative change is an `ADMIN_ACTION`
//! business event (durable) naming who did what to which object.

use super::kind::Kind;
use crate::state::AppState;
use relais_core::event::EventKind;

/// Records an administrative change (durably, before answering).
pub async fn audit(app: &AppState, actor: &str, action: &str, kind: Kind, id: &str) {
    let mut e = app.event(EventKind::AdminAction);
    e.actor = Some(actor.to_owned());
    e.reason = Some(action.to_owned());
    match kind {
        Kind::Service => e.sp_id = Some(id.to_owned()),
        Kind::IdentityProvider => e.idp_id = Some(id.to_owned()),
        Kind::DataProvider => e.dp_id = Some(id.to_owned()),
    }
    app.events.record(vec![e]).await;
}
