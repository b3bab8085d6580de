//! The limits an operator configures (`[limits]`), with defaults sized for
//! a national service: generous enough for a carrier-grade NAT putting
//! thousands of citizens behind one address, tight enough that one client
//! cannot fill a node's memory or guess a secret.

use std::net::IpAddr;

/// At most `hits` in any `per_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub hits: u32,
    pub per_secs: u64,
}

/// What charging a budget answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Limited { retry_after_secs: u64 },
}

/// Failed client authentications, counted per client and IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// From this many failures in the window, each failure is answered late.
    pub slow_after: u32,
    /// At this many failures in the window, the client is locked out from
    /// that IP for `lock_secs`.
    pub lock_after: u32,
    pub window_secs: u64,
    pub lock_secs: u64,
    /// Added per failure past `slow_after` (capped at 5 s).
    pub delay_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbusePolicy {
    /// Rate limits on or off (the lockout and the size and concurrency
    /// bounds always apply).
    pub rate_limits: bool,
    /// Every page a browser visits, per client IP.
    pub pages_per_ip: Budget,
    /// New login flows (`/authorize`), per client IP: each keeps state for
    /// the interaction's lifetime, so this bounds what one IP can pin.
    pub flows_per_ip: Budget,
    /// Token, userinfo, revocation and checktoken, per client IP.
    pub backchannel_per_ip: Budget,
    /// Token, revocation and checktoken, per authenticated client.
    pub backchannel_per_client: Budget,
    pub lockout: LockoutPolicy,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Requests handled at once by the node; more are shed with 503.
    pub max_in_flight: usize,
    pub max_uri_bytes: usize,
    /// All header names and values together.
    pub max_header_bytes: usize,
    /// How long a request body may take to arrive.
    pub body_timeout: std::time::Duration,
}

impl Default for AbusePolicy {
    fn default() -> Self {
        AbusePolicy {
            rate_limits: true,
            pages_per_ip: Budget {
                hits: 600,
                per_secs: 60,
            },
            flows_per_ip: Budget {
                hits: 3_000,
                per_secs: 1_800,
            },
            backchannel_per_ip: Budget {
                hits: 12_000,
                per_secs: 60,
            },
            backchannel_per_client: Budget {
                hits: 12_000,
                per_secs: 60,
            },
            lockout: LockoutPolicy {
                slow_after: 5,
                lock_after: 20,
                window_secs: 900,
                lock_secs: 900,
                delay_ms: 500,
            },
            trusted_proxies: Vec::new(),
            max_in_flight: 2_048,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            body_timeout: std::time::Duration::from_secs(10),
        }
    }
}
