//! The account store's part of the conformance suite: connections,
//! preferences, retention, `connect`'s one-statement path and refusals,
//! a login's connection stored with its events, and the account read
//! at consent with the events of the login reaching its service.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::records::Account;
use crate::{AccountStore, Connection, EventStore, StatsStore};
use relais_core::event::{BusinessEvent, EventKind};
use relais_core::ErrorCode;

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

/// A login's `FC_VERIFIED` at `t` for the event account `account`: at
/// "mairie" through "ameli", eIDAS 1 (what the statistics count).
pub fn verified_at(account: &str, t: i64) -> BusinessEvent {
    let mut e = BusinessEvent::new(EventKind::FcVerified, t);
    e.account_id = Some(account.into());
    e.sp_id = Some("mairie".into());
    e.idp_id = Some("ameli".into());
    e.sp_acr = Some("eidas1".into());
    e
}

/// `connect_with_events`: a login's connection and its `FC_VERIFIED`
/// event, stored together by a backend that can (or left to the caller),
/// never an event for a connection that is not recorded here. Answers
/// whether the backend stored a new account's events with its connection,
/// for the backend's own test to pin. Runs after [`crate::conformance::stats`]
/// (its own month: January 2027).
pub async fn connect_with_events<S: AccountStore + EventStore + StatsStore>(s: &S) -> bool {
    // Noon in Paris, 5 January 2027.
    let t = super::paris_noon(65);
    let verified = |account: &str| verified_at(account, t);
    let january = || async {
        s.stats_months("2027-01", "2027-01")
            .await
            .unwrap()
            .iter()
            .map(|m| (m.connections, m.users, m.new_users))
            .collect::<Vec<_>>()
    };
    let count = || async { s.count_events("FC_VERIFIED").await.unwrap() };
    let before = count().await;

    // A new account: recorded, and its event with it or not at all.
    let first = s
        .connect_with_events("w1", "ameli", t, &[verified("e-w1")])
        .await
        .unwrap();
    let Connection::Recorded(a) = first.connection else {
        panic!("a new account is refused: {first:?}")
    };
    assert_eq!(
        (a.created_at, a.last_connection, a.last_idp.as_str()),
        (t, t, "ameli")
    );
    let stored = first.events_stored;
    let n = u64::from(stored);
    assert_eq!(count().await, before + n);
    // The same account again, a second connection, not a new user.
    let again = s
        .connect_with_events("w1", "laposte", t + 1, &[verified("e-w1")])
        .await
        .unwrap();
    assert_eq!(again.events_stored, stored, "{again:?}");
    assert!(matches!(again.connection, Connection::Recorded(ref a) if a.last_idp == "laposte"));
    assert_eq!(count().await, before + 2 * n);
    let expected = if stored { vec![(2, 1, 1)] } else { vec![] };
    assert_eq!(january().await, expected);

    // Preferences that refuse nothing: recorded by the checked path, the
    // events left to the caller.
    let mut prefs = s.get_account("w1").await.unwrap().unwrap();
    prefs.known_idps = vec!["ameli".into()];
    s.save_account(&prefs).await.unwrap();
    let checked = s
        .connect_with_events("w1", "ameli", t + 2, &[verified("e-w1")])
        .await
        .unwrap();
    assert!(!checked.events_stored, "{checked:?}");
    assert!(
        matches!(checked.connection, Connection::Recorded(ref a) if a.last_connection == t + 2)
    );
    assert_eq!(count().await, before + 2 * n);

    // A refusing account: untouched, and no event.
    let mut off = s.get_account("w1").await.unwrap().unwrap();
    off.active = false;
    s.save_account(&off).await.unwrap();
    let refused = s
        .connect_with_events("w1", "ameli", t + 3, &[verified("e-w1")])
        .await
        .unwrap();
    assert_eq!(
        (refused.connection, refused.events_stored),
        (Connection::Refused(ErrorCode::AccountDisabled), false)
    );
    assert_eq!(s.get_account("w1").await.unwrap(), Some(off));
    assert_eq!(count().await, before + 2 * n);
    assert_eq!(january().await, expected);
    stored
}

/// `standing_with_events`: the account read at consent with the events of
/// a login reaching its service, stored together by a backend that can
/// (or left to the caller), never an event for a login the account
/// refuses, nor for one whose account the one statement cannot judge.
/// Answers whether the backend stored the events of an account in good
/// standing with its read, for the backend's own test to pin.
pub async fn standing_with_events<S: AccountStore + EventStore>(s: &S) -> bool {
    let t = super::paris_noon(66);
    let reached = |account: &str| {
        [
            EventKind::FcDatatransferConsentIdentity,
            EventKind::FcRedirectedToSp,
        ]
        .map(|kind| {
            let mut e = BusinessEvent::new(kind, t);
            e.account_id = Some(account.into());
            e.sp_id = Some("mairie".into());
            e.idp_id = Some("ameli".into());
            e
        })
    };
    let count = || async { s.count_events("FC_REDIRECTED_TO_SP").await.unwrap() };
    let before = count().await;
    let standing = |refusal, events_stored| crate::StandingWithEvents {
        refusal,
        events_stored,
    };

    // An account in good standing, as its login's callback left it.
    s.record_connection("r1", "ameli", t - 60_000)
        .await
        .unwrap();
    let good = s
        .standing_with_events("r1", "ameli", &reached("e-r1"))
        .await
        .unwrap();
    assert_eq!(good.refusal, None, "{good:?}");
    let stored = good.events_stored;
    let n = u64::from(stored);
    assert_eq!(count().await, before + n);
    if stored {
        let kept = s
            .events_for_account(&crate::AccountEvents {
                account_id: "e-r1",
                since_millis: 0,
                kinds: &[],
                sp_id: None,
                offset: 0,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(kept.len(), 2, "both events, whole: {kept:?}");
    }

    // An account gone since the login began refuses nothing; the events
    // are left to the caller.
    assert_eq!(
        s.standing_with_events("r-gone", "ameli", &reached("e-gone"))
            .await
            .unwrap(),
        standing(None, false)
    );
    // Preferences that refuse nothing here: judged by the account's
    // rules, the events left to the caller.
    let mut prefs = s.get_account("r1").await.unwrap().unwrap();
    prefs.blocked_idps = vec!["laposte".into()];
    s.save_account(&prefs).await.unwrap();
    assert_eq!(
        s.standing_with_events("r1", "ameli", &reached("e-r1"))
            .await
            .unwrap(),
        standing(None, false)
    );
    // The IdP blocked by the citizen since the callback, then the account
    // disabled: refused, and no event.
    assert_eq!(
        s.standing_with_events("r1", "laposte", &reached("e-r1"))
            .await
            .unwrap(),
        standing(Some(ErrorCode::IdpBlockedByUser), false)
    );
    let mut off = s.get_account("r1").await.unwrap().unwrap();
    off.active = false;
    off.blocked_idps.clear();
    s.save_account(&off).await.unwrap();
    assert_eq!(
        s.standing_with_events("r1", "ameli", &reached("e-r1"))
            .await
            .unwrap(),
        standing(Some(ErrorCode::AccountDisabled), false)
    );
    assert_eq!(count().await, before + n);
    assert_eq!(s.get_account("r1").await.unwrap(), Some(off), "only read");
    stored
}
