//! The account store's part of the conformance suite: connections,
//! preferences, retention, and `connect`'s one-statement path and refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::records::Account;
use crate::{AccountStore, Connection};

pub async fn accounts<S: AccountStore>(s: &S) {
    assert_eq!(s.get_account("h1").await.unwrap(), None);
    let a = s.record_connection("h1", "idp-a", 1_000).await.unwrap();
    assert!(a.active);
    assert_eq!(
        (a.created_at, a.last_connection, a.last_idp.as_str()),
        (1_000, 1_000, "idp-a")
    );
    let mut a = s.record_connection("h1", "idp-b", 2_000).await.unwrap();
    assert_eq!(
        (a.created_at, a.last_connection, a.last_idp.as_str()),
        (1_000, 2_000, "idp-b")
    );
    a.active = false;
    a.blocked_idps = vec!["idp-c".into()];
    a.block_future_idps = true;
    a.sub_overrides.insert("org".into(), "legacy-sub".into());
    a.known_idps = vec!["idp-a".into(), "idp-b".into()];
    s.save_account(&a).await.unwrap();
    let back = s.get_account("h1").await.unwrap().unwrap();
    assert_eq!(back, a);
    let again = s.record_connection("h1", "idp-a", 3_000).await.unwrap();
    assert!(
        !again.active,
        "a connection never re-enables a disabled account"
    );
    assert_eq!(again.blocked_idps, vec!["idp-c".to_owned()]);
    let other = Account::new("h2", "idp-a", 5);
    s.save_account(&other).await.unwrap();
    assert_eq!(s.get_account("h2").await.unwrap(), Some(other));
    // Retention: accounts unused since an instant are deleted, others kept.
    assert_eq!(s.delete_accounts_unused_since(1_000).await.unwrap(), 1);
    assert_eq!(s.get_account("h2").await.unwrap(), None);
    assert!(s.get_account("h1").await.unwrap().is_some());
    connect(s).await;
}

/// `connect`: one statement for the common case, the refusals of the
/// domain for the others, and a refusing account left as it was.
async fn connect<S: AccountStore>(s: &S) {
    use relais_core::ErrorCode;
    let recorded = |c: Connection| match c {
        Connection::Recorded(a) => a,
        Connection::Refused(code) => panic!("refused: {code:?}"),
    };
    let a = recorded(s.connect("c1", "idp-a", 100).await.unwrap());
    assert_eq!(
        (a.created_at, a.last_connection, a.last_idp.as_str()),
        (100, 100, "idp-a")
    );
    let a = recorded(s.connect("c1", "idp-b", 200).await.unwrap());
    assert_eq!(
        (a.created_at, a.last_connection, a.last_idp.as_str()),
        (100, 200, "idp-b")
    );
    // Preferences that refuse nothing still record (through the checked path).
    let mut prefs = a.clone();
    prefs.sub_overrides.insert("org".into(), "legacy".into());
    prefs.blocked_idps = vec!["idp-x".into()];
    s.save_account(&prefs).await.unwrap();
    let a = recorded(s.connect("c1", "idp-a", 300).await.unwrap());
    assert_eq!((a.last_connection, a.last_idp.as_str()), (300, "idp-a"));
    assert_eq!(
        a.sub_overrides.get("org").map(String::as_str),
        Some("legacy")
    );
    // A blocked IdP and a disabled account are refused, the account untouched.
    assert_eq!(
        s.connect("c1", "idp-x", 400).await.unwrap(),
        Connection::Refused(ErrorCode::IdpBlockedByUser)
    );
    let mut off = s.get_account("c1").await.unwrap().unwrap();
    assert_eq!((off.last_connection, off.last_idp.as_str()), (300, "idp-a"));
    off.active = false;
    off.blocked_idps.clear();
    off.sub_overrides.clear();
    s.save_account(&off).await.unwrap();
    assert_eq!(
        s.connect("c1", "idp-a", 500).await.unwrap(),
        Connection::Refused(ErrorCode::AccountDisabled)
    );
    assert_eq!(s.get_account("c1").await.unwrap(), Some(off));
}
