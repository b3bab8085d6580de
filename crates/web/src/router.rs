//! The federation's routes and the layers every request goes through:
//! body size limit (enforced by the extractors of [`crate::extract`]),
//! security headers, catalogue errors for unknown routes (404) and methods
//! (405), and error pages in the browser's language.

use crate::abuse;
use crate::error::ErrorPageFrame;
use crate::extract::MAX_BODY;
use crate::headers::add_security_headers;
use crate::journey::{
    authorize, checktoken, chooser, consent, discovery, idp_callback, logout, par, revocation,
    token, userinfo,
};
use crate::ops;
use crate::pages;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use relais_core::ErrorCode;

async fn css() -> Response {
    let mut r = pages::CSS.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// An unknown route of the federation, answered in the shape of the routes
/// around it: JSON under the admin API, a page elsewhere.
async fn not_found(uri: Uri) -> Response {
    abuse::RouteClass::of(uri.path()).refuse(ErrorCode::NotFound, "no such route", None)
}

/// A method the route does not take (axum adds `Allow`): OAuth JSON on the
/// back channel, the admin API's JSON on it, a page elsewhere. A service
/// sending `GET /token` reads an error it can parse, not a French page. A
/// demo site has neither, so all its routes answer with pages.
async fn method_not_allowed(uri: Uri) -> Response {
    abuse::RouteClass::of(uri.path()).refuse(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route",
        None,
    )
}

/// The federation's routes, without layers (see [`with_layers`]).
/// The federation alone, ready to serve.
pub fn federation_router(app: AppState) -> Router {
    with_federation_layers(federation_routes(app.clone()), &app)
}

pub fn federation_routes(app: AppState) -> Router {
    let space = if app.settings.citizen_space {
        crate::citizen_space::routes()
    } else {
        Router::new()
    };
    let space = if app.settings.partner_space {
        space.merge(crate::partner_space::routes())
    } else {
        space
    };
    let dsfr = match &app.settings.dsfr_dir {
        Some(dir) => Router::new()
            .route("/api/v2/assets/dsfr/{*path}", get(crate::dsfr::serve))
            .with_state(crate::dsfr::DsfrDir(std::sync::Arc::new(dir.clone()))),
        None => Router::new(),
    };
    space
        .route("/accessibilite", get(crate::pages::legal::accessibility))
        .route("/mentions-legales", get(crate::pages::legal::notices))
        .route(
            "/donnees-personnelles",
            get(crate::pages::legal::personal_data),
        )
        .route(
            "/api/v2/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/api/v2/jwks", get(discovery::jwks))
        .route(
            "/api/v2/authorize",
            get(authorize::get).post(authorize::post),
        )
        .route("/api/v2/interaction/{uid}", get(chooser::show))
        .route("/api/v2/interaction/{uid}/idp", post(chooser::choose))
        .route("/api/v2/interaction/{uid}/cancel", get(chooser::cancel))
        .route("/api/v2/idp/callback", get(idp_callback::callback))
        .route(
            "/api/v2/interaction/{uid}/consent",
            get(consent::show).post(consent::accept),
        )
        .route("/api/v2/token", post(token::token))
        .route(
            "/api/v2/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/api/v2/token/revocation", post(revocation::revoke))
        .route("/api/v2/checktoken", post(checktoken::checktoken))
        .route("/api/v2/par", post(par::push))
        .route(
            logout::END_SESSION_PATH,
            get(logout::end_session).post(logout::end_session_posted),
        )
        .route(
            "/api/v2/idp/logout-callback",
            get(logout::idp_logout_callback),
        )
        .route(pages::LOGGED_OUT_PATH, get(logout::logged_out))
        .route("/api/v2/assets/relais.css", get(css))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(crate::admin::routes())
        .merge(crate::operator_space::routes())
        .with_state(app)
        .merge(dsfr)
}

/// The federation's layers: the abuse guard (sizes, client IP, rate
/// limits, in-flight bound; its refusals rendered like any error page),
/// then those of [`with_layers`]. Call once, on the final router of a node.
pub fn with_federation_layers(router: Router, app: &AppState) -> Router {
    finish(router, app.settings.sandbox, Some(app))
}

/// Adds what every response goes through; call once, on the final router
/// of a site that is not the federation (it brings its own fallback).
pub fn with_layers(router: Router, sandbox: bool) -> Router {
    finish(router, sandbox, None)
}

fn finish(router: Router, sandbox: bool, guarded_by: Option<&AppState>) -> Router {
    // The federation answers unknown routes and methods in the shape of
    // the route asked for (a page, OAuth JSON, the admin API's JSON);
    // another site (a demo service) keeps the 404 page of its own look.
    let router = if guarded_by.is_some() {
        router.fallback(not_found)
    } else {
        router
    };
    let router = router.method_not_allowed_fallback(method_not_allowed);
    let frame = Frame {
        sandbox,
        guard: guarded_by.cloned(),
    };
    // One layer, the frame around the body limit: `Router::layer` boxes
    // each route again per layer, and a request pays that box's clone and
    // its future's per layer.
    router.layer(tower_layer::Stack::new(
        DefaultBodyLimit::max(MAX_BODY),
        middleware::from_fn(move |req, next| frame.clone().around(req, next)),
    ))
}

/// What every request of a node goes through, outermost first: the node's
/// page look (a task-local, so that every page, error pages included, is
/// rendered in it), the security headers, the language switch, error pages
/// in the browser's language, and on the federation the abuse guard (its
/// refusals rendered like any error page) and the request metrics of what
/// it admits. One layer rather than one per concern: each `from_fn` layer
/// boxes the request's future and clones the whole stack beneath it on
/// every request.
#[derive(Clone)]
struct Frame {
    sandbox: bool,
    guard: Option<AppState>,
}

impl Frame {
    /// Not an `async fn`, for the reason [`crate::pages::theme::within`]
    /// gives: the request's future is then held once, not twice.
    fn around(
        self,
        req: axum::extract::Request,
        next: middleware::Next,
    ) -> impl std::future::Future<Output = Response> {
        let theme = self.guard.as_ref().map(|app| app.settings.theme);
        crate::pages::theme::within(theme, self.inside(req, next))
    }

    async fn inside(self, mut req: axum::extract::Request, next: middleware::Next) -> Response {
        let mut resp = match relais_i18n::switch::remember_language(&req) {
            Some(redirect) => redirect,
            None => {
                let pages = ErrorPageFrame::of(&req);
                let resp = match &self.guard {
                    Some(app) => match abuse::admit(app, &mut req).await {
                        Ok(_in_flight) => {
                            crate::metrics::http::track(&app.metrics, req, next).await
                        }
                        Err(refusal) => refusal,
                    },
                    None => next.run(req).await,
                };
                pages.render(resp)
            }
        };
        add_security_headers(self.sandbox, &mut resp);
        resp
    }
}
