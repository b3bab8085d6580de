//! Abuse resistance on the request path: who the client is, how much it
//! may ask, and what happens when it asks too much.
//!
//! Every request goes through [`admit`] (in the router's one layer, before its route):
//! its shape is checked first (URI and header sizes, answered 414/431
//! through the catalogue), then the client's IP is resolved
//! ([`ClientIp`], trusting `X-Forwarded-For` only from the configured
//! proxies), then the rate budget of its route class is charged
//! ([`RateLimiter`]: governor in process, or counters in Redis that every
//! node shares), then it takes an in-flight slot (shed with 503 when the
//! node is saturated, never queued without bound). The token, revocation
//! and checktoken steps go through [`client_auth`] around a client's
//! secret: [`Lockout`] is asked before any answer and told about each
//! failure (failures slow the answer down, then lock that client out from
//! that IP for a while), and an authenticated client is charged its own
//! budget.

pub mod client_auth;
mod client_ip;
mod guard;
mod lockout;
mod policy;
mod rate;
mod shared_budget;

pub use client_ip::{ClientIp, CLIENT_IP_HEADER};
pub use guard::{admit, RouteClass};
pub use lockout::{Failure, Lockout};
pub use policy::{AbusePolicy, Budget, Decision, LockoutPolicy};
pub use rate::{LimitClass, RateLimiter};

use tokio::sync::Semaphore;

/// Everything the guard and the client-authenticating steps share.
pub struct Abuse {
    pub policy: AbusePolicy,
    pub rate: RateLimiter,
    pub lockout: Lockout,
    in_flight: std::sync::Arc<Semaphore>,
}

impl Abuse {
    pub fn new(policy: AbusePolicy, rate: RateLimiter, lockout: Lockout) -> Abuse {
        let slots = policy.max_in_flight.max(1);
        Abuse {
            policy,
            rate,
            lockout,
            in_flight: std::sync::Arc::new(Semaphore::new(slots)),
        }
    }
}
