//! The conformance suite's business events: what a backend stores and
//! answers for the dashboard, the citizen's history and the event stream
//! ([`events`]), and the statistics rollup it keeps with them ([`stats`]).

use crate::EventStore;
use relais_core::event::{BusinessEvent, EventKind};

pub async fn events<S: EventStore>(s: &S) {
    let mk = |kind: EventKind, t: i64, acc: &str| {
        let mut e = BusinessEvent::new(kind, t);
        e.account_id = Some(acc.into());
        e.sp_id = Some("sp".into());
        e.claims = Some("given_name family_name".into());
        e
    };
    s.append_events(&[]).await.unwrap();
    s.append_events(&[
        mk(EventKind::FcVerified, 10, "a"),
        mk(EventKind::FcRedirectedToSp, 20, "a"),
        mk(EventKind::FcVerified, 30, "b"),
    ])
    .await
    .unwrap();
    let page = |since, limit| crate::AccountEvents {
        account_id: "a",
        since_millis: since,
        kinds: &[],
        sp_id: None,
        offset: 0,
        limit,
    };
    let got = s.events_for_account(&page(0, 10)).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].time, 20, "newest first");
    assert_eq!(
        got[1],
        mk(EventKind::FcVerified, 10, "a"),
        "events round-trip"
    );
    assert_eq!(s.events_for_account(&page(15, 10)).await.unwrap().len(), 1);
    assert_eq!(s.events_for_account(&page(0, 1)).await.unwrap().len(), 1);
    // A citizen's history: kinds, one service, pages.
    let mut other_sp = mk(EventKind::FcVerified, 40, "a");
    other_sp.sp_id = Some("sp-other".into());
    s.append_events(&[other_sp]).await.unwrap();
    let only = crate::AccountEvents {
        kinds: &["FC_VERIFIED"],
        ..page(0, 10)
    };
    let verified = s.events_for_account(&only).await.unwrap();
    assert_eq!(
        verified.iter().map(|e| e.time).collect::<Vec<_>>(),
        vec![40, 10]
    );
    let one_sp = crate::AccountEvents {
        sp_id: Some("sp-other"),
        ..page(0, 10)
    };
    assert_eq!(s.events_for_account(&one_sp).await.unwrap().len(), 1);
    let second_page = crate::AccountEvents {
        offset: 1,
        ..page(0, 1)
    };
    assert_eq!(
        s.events_for_account(&second_page).await.unwrap()[0].time,
        20
    );
    assert_eq!(s.count_events("FC_VERIFIED").await.unwrap(), 3);
    // The stream, in order, by cursor.
    let first = s.events_after(0, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|(_, e)| e.time).collect::<Vec<_>>(),
        vec![10, 20]
    );
    let rest = s.events_after(first[1].0, 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|(_, e)| e.time).collect::<Vec<_>>(),
        vec![30, 40]
    );
    assert!(rest[0].0 > first[1].0);
    // Retention: events before an instant go, the others stay.
    assert_eq!(s.purge_events_before(25).await.unwrap(), 2);
    let left = s.events_for_account(&page(0, 10)).await.unwrap();
    assert_eq!(left.iter().map(|e| e.time).collect::<Vec<_>>(), vec![40]);
    assert_eq!(s.count_events("FC_VERIFIED").await.unwrap(), 2);
    // The event writer's path: events serialised once, their bodies
    // written as stream lines and stored as they are.
    let mut serialised = crate::SerialisedEvents::default();
    s.append_serialised(&serialised).await.unwrap();
    let sent = [
        mk(EventKind::FcVerified, 50, "c"),
        mk(EventKind::FcRedirectedToSp, 60, "c"),
    ];
    for e in &sent {
        let body = serialised.push(e.clone()).unwrap().to_owned();
        assert_eq!(
            body,
            serde_json::to_string(e).unwrap(),
            "the body is the event's JSON"
        );
    }
    s.append_serialised(&serialised).await.unwrap();
    let c = crate::AccountEvents {
        account_id: "c",
        ..page(0, 10)
    };
    let back = s.events_for_account(&c).await.unwrap();
    assert_eq!(back, vec![sent[1].clone(), sent[0].clone()]);
    assert_eq!(s.count_events("FC_VERIFIED").await.unwrap(), 3);
}

/// The statistics rollup against a known set of events: what
/// `append_events` adds, and what the queries answer.
pub async fn stats<S: EventStore + crate::StatsStore>(s: &S) {
    use relais_core::stats::Breakdown;
    // Noon in Paris on days of November and December 2026.
    let nov = |day: i64| super::paris_noon(day - 1);
    let dec = |day: i64| nov(31) + (day - 1) * 86_400_000;
    let login = |t: i64, acc: &str, sp: &str, idp: &str, acr: &str| {
        let mut e = BusinessEvent::new(EventKind::FcVerified, t);
        e.account_id = Some(acc.into());
        e.sp_id = Some(sp.into());
        e.idp_id = Some(idp.into());
        e.sp_acr = Some(acr.to_owned().into());
        e
    };
    assert_eq!(relais_core::stats::paris_day(nov(1)), "2026-11-01");
    assert_eq!(relais_core::stats::paris_day(dec(1)), "2026-12-01");
    // (Accounts unseen by the events suite, which runs first.)
    // November: a and b, 4 connections, 2 services; other events do not count.
    s.append_events(&[
        login(nov(1), "s-a", "mairie", "ameli", "eidas1"),
        login(nov(1), "s-a", "mairie", "ameli", "eidas1"),
        login(nov(2), "s-b", "caf", "laposte", "eidas1"),
        BusinessEvent::new(EventKind::FcAuthorizeInitiated, nov(2)),
    ])
    .await
    .unwrap();
    // A second batch the same month: b again (not a new user), a Plus login.
    s.append_events(&[login(nov(30), "s-b", "banque", "impots", "eidas2")])
        .await
        .unwrap();
    // December: a comes back, c is new.
    s.append_events(&[
        login(dec(1), "s-a", "mairie", "ameli", "eidas1"),
        login(dec(2), "s-c", "mairie", "laposte", "eidas1"),
    ])
    .await
    .unwrap();
    let months = s.stats_months("2026-10", "2026-12").await.unwrap();
    let figures: Vec<(&str, u64, u64, u64, u64)> = months
        .iter()
        .map(|m| {
            (
                m.month.as_str(),
                m.connections,
                m.users,
                m.new_users,
                m.active_services,
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![("2026-11", 4, 2, 2, 3), ("2026-12", 2, 2, 1, 1)]
    );
    assert_eq!(
        s.stats_breakdown("2026-11", Breakdown::Service)
            .await
            .unwrap(),
        vec![
            ("mairie".to_owned(), 2),
            ("banque".to_owned(), 1),
            ("caf".to_owned(), 1)
        ]
    );
    assert_eq!(
        s.stats_breakdown("2026-11", Breakdown::Platform)
            .await
            .unwrap(),
        vec![("standard".to_owned(), 3), ("plus".to_owned(), 1)]
    );
    assert_eq!(
        s.stats_breakdown("2026-12", Breakdown::IdentityProvider)
            .await
            .unwrap(),
        vec![("ameli".to_owned(), 1), ("laposte".to_owned(), 1)]
    );
    assert_eq!(
        s.stats_breakdown("2026-11", Breakdown::Day).await.unwrap(),
        vec![
            ("2026-11-01".to_owned(), 2),
            ("2026-11-02".to_owned(), 1),
            ("2026-11-30".to_owned(), 1)
        ]
    );
    assert!(matches!(
        s.stats_months("2026-13", "2026-12").await,
        Err(crate::StoreError::Rejected(_))
    ));
}
