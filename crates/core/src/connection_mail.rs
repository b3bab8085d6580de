//! When a citizen is told by e-mail that their identity was used: the
//! rule FranceConnect follows, as a pure function. No e-mail for an SSO
//! login on the very service the session already logged in to, nor from a
//! device already trusted for that identity; always from a new device or
//! one several identities use. An operator may send one on every login
//! (`always`) or none (`off`), per platform.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MailPolicy {
    Off,
    /// FranceConnect's rule (the default on Standard).
    #[default]
    NewDevice,
    /// Every login except SSO on the same service (the default on Plus).
    Always,
}

/// What the federation knows of the browser's device for this identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceState {
    /// The device logged in with this identity before.
    pub trusted_for_identity: bool,
    /// Other identities logged in from this device.
    pub shared: bool,
}

pub fn should_send(policy: MailPolicy, sso_same_service: bool, device: DeviceState) -> bool {
    match policy {
        MailPolicy::Off => false,
        _ if sso_same_service => false,
        MailPolicy::Always => true,
        MailPolicy::NewDevice => !device.trusted_for_identity || device.shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW: DeviceState = DeviceState {
        trusted_for_identity: false,
        shared: false,
    };
    const TRUSTED: DeviceState = DeviceState {
        trusted_for_identity: true,
        shared: false,
    };
    const SHARED: DeviceState = DeviceState {
        trusted_for_identity: true,
        shared: true,
    };

    #[test]
    fn franceconnects_rule() {
        use MailPolicy::*;
        assert!(should_send(NewDevice, false, NEW));
        assert!(!should_send(NewDevice, false, TRUSTED));
        assert!(should_send(NewDevice, false, SHARED));
        assert!(
            !should_send(NewDevice, true, NEW),
            "SSO on the same service"
        );
        assert!(should_send(Always, false, TRUSTED));
        assert!(!should_send(Always, true, SHARED));
        assert!(!should_send(Off, false, NEW));
    }
}
