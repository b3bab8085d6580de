//! The kinds of partner the admin API manages.

/// Which kind of partner a route is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Service,
    IdentityProvider,
    DataProvider,
}

impl Kind {
    /// The audit action's prefix.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::IdentityProvider => "identity_provider",
            Kind::DataProvider => "data_provider",
        }
    }
}
