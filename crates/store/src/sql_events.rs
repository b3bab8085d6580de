//! The business events' rows in SQL, shared by SQLite and PostgreSQL like
//! [`crate::sql`]: each event is a row of the `events` table with its
//! JSON body, written in the transaction (or, on PostgreSQL, the statement)
//! that also adds what it counts to the statistics ([`crate::sql_stats`]).

/// Each event's JSON body, in order.
pub(crate) fn event_bodies(
    events: &[relais_core::event::BusinessEvent],
) -> crate::StoreResult<Vec<String>> {
    events.iter().map(crate::records::event_body).collect()
}

/// What a backend's `append_here` hook gave: `Ok` the batch's outcome if
/// it wrote it its own way (SQLite's event connection,
/// `sqlite/event_batch.rs`); `Err` the bodies and the delta back, for the
/// shared path through sqlx. The bodies are borrowed when the caller
/// serialised its events already ([`crate::SerialisedEvents`]): only a
/// backend that must own them copies them.
pub(crate) type AppendHere<'b> = Result<
    crate::StoreResult<()>,
    (
        std::borrow::Cow<'b, [String]>,
        relais_core::stats::StatsDelta,
    ),
>;

/// Appends `INSERT INTO events … VALUES …` for `events` to `$qb` (rows
/// guarded as [`crate::sql::open_guard`] says, when a guard is given).
macro_rules! push_events_insert {
    ($qb:expr, $events:expr, $bodies:expr) => {
        $crate::sql_events::push_events_insert!($qb, $events, $bodies, None)
    };
    ($qb:expr, $events:expr, $bodies:expr, $guard:expr) => {
        $qb.push("INSERT INTO events (time, event, account_id, sp_id, idp_id, body) ");
        $crate::sql::open_guard(&mut $qb, $guard);
        $qb.push_values($events.iter().zip($bodies), |mut b, (e, body)| {
            b.push_bind(e.time)
                .push_bind(&e.event)
                .push_bind(&e.account_id)
                .push_bind(&e.sp_id)
                .push_bind(&e.idp_id)
                .push_bind(body);
        });
        $crate::sql::close_guard(&mut $qb, $guard);
    };
}
pub(crate) use push_events_insert;
