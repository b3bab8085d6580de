//! The one place where failures become HTTP responses.
//!
//! Each handler's return type says which shape its errors take:
//! back-channel endpoints (token, userinfo, revocation, checktoken) return
//! [`JsonError`] — an OAuth JSON body, `Cache-Control: no-store`, and
//! `WWW-Authenticate` when the client must authenticate; browser pages
//! return [`PageError`] — an HTML error page in the page's language (code,
//! plain message, occurrence id, a next step when one is safe), or an OAuth
//! error redirect to a *trusted* redirect URI (RFC 9207 `iss` included).
//! Both get their facts (code, status, OAuth error, messages) from the
//! catalogue in `relais_core::error`, and both have a `From<StoreError>`,
//! so `?` on a store call gives the right shape by type.
//!
//! The operators' admin API returns [`AdminError`]: JSON with the code and
//! a message that names the field at fault (operators, unlike citizens or
//! services, are told what exactly was wrong with their document).
//!
//! Rejections of the request itself (bad form, bad query, oversized or
//! slow body, bad path) come through the extractors of [`crate::extract`],
//! whose rejection types are these errors. The abuse guard's refusals and
//! the router's unknown routes and methods, made before any handler, take
//! the shape of the route they refuse ([`crate::abuse::RouteClass`]).

mod admin;
mod json;
mod page;

pub use admin::AdminError;

/// Put in the extensions of every error response, so the request metrics
/// count errors by code (`relais_errors_total{code}`).
#[derive(Debug, Clone, Copy)]
pub struct ErrorCodeTag(pub relais_core::ErrorCode);
pub use json::JsonError;
pub use page::{with_params, ErrorPageFrame, PageError};
