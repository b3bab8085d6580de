//! A login step's records read, or written, in one trip to the ephemeral
//! store.
//!
//! A step reads its session and its interaction (and, for a form, the
//! form's CSRF grant) before it can decide anything, and ends by writing
//! what it changed: the rotated session, the interaction, the `ready:`
//! marker or the code. Called one by one, each is a round trip to Redis in
//! a federation that runs several nodes; [`RecordWrites`] and
//! [`AppState::interaction_for_form`] send each group as one
//! [`EphemeralStore::batch`](relais_store::EphemeralStore::batch). The
//! checks stay in the order the step made them one by one, so a request
//! gets the same answer either way.

use crate::compact;
use crate::error::PageError;
use crate::flow::{
    attempt_record_key, csrf_key, csrf_verdict, interaction_record_key, session_record_key,
    BrowserSession, CsrfGrant, Interaction, InteractionStep,
};
use crate::metrics::store_op::StoreOp;
pub use crate::record_writes::RecordWrites;
use crate::state::AppState;
use axum::http::HeaderMap;
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_store::{EphemeralOp, StoreError};

/// What a step's form brought along with its session and interaction.
pub struct FormStep {
    pub session: BrowserSession,
    pub interaction: Interaction,
    /// The CSRF grant's verdict, checked by the step after its own checks
    /// of the interaction (the order of the answers one by one).
    pub csrf: Result<(), PageError>,
    /// Whether the writes sent behind the grant's take went in
    /// ([`AppState::interaction_for_form_writing`]).
    pub wrote: bool,
}

/// What the IdP callback reads ([`AppState::callback_records`]).
pub struct CallbackRecords {
    pub session: BrowserSession,
    /// The IdP attempt the state names, taken.
    pub attempt: Option<Vec<u8>>,
    /// The interaction the state's prefix names, as read.
    named: Option<(String, Option<Vec<u8>>)>,
}

/// What a page with a form reads, and the form's new token.
pub struct PageStep {
    pub session: BrowserSession,
    pub interaction: Interaction,
    /// The token the page's form carries (its grant's store key is
    /// `stored_key("csrf", …)`, for a step that ends up showing no form).
    pub csrf: String,
}

impl AppState {
    /// Runs `ops` as one batch, timed like single operations.
    pub async fn ephemeral_batch(
        &self,
        ops: &[EphemeralOp<'_>],
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let started = std::time::Instant::now();
        let answers = self.stores.ephemeral.batch(ops).await;
        self.metrics
            .store_op(StoreOp::EphemeralBatch, started.elapsed());
        answers
    }

    /// Sends the step's writes, in the order they were gathered: `false`
    /// when a required marker was gone, and nothing after it was written.
    pub async fn write_records(&self, writes: &RecordWrites) -> Result<bool, StoreError> {
        let answers = self.ephemeral_batch(&writes.ops()).await?;
        Ok(writes.markers_held(&answers))
    }

    /// Deletes what `writes` stored, for a step that wrote ahead of its
    /// checks and then refused ([`AppState::interaction_for_form_writing`]).
    /// The refusal is the answer: a failure here is logged, and the
    /// records expire.
    pub async fn undo_writes(&self, writes: &RecordWrites) {
        if let Err(e) = self.write_records(&writes.undone()).await {
            tracing::warn!(error = %e, "a refused step's records not deleted");
        }
    }

    /// Stores a session, sliding its lifetime on Standard.
    pub async fn save_session(&self, s: &mut BrowserSession) -> Result<(), StoreError> {
        let mut writes = RecordWrites::new();
        self.write_session(&mut writes, s)?;
        self.write_records(&writes).await.map(drop)
    }

    pub async fn save_interaction(&self, i: &Interaction) -> Result<(), StoreError> {
        let mut writes = RecordWrites::new();
        self.write_interaction(&mut writes, i)?;
        self.write_records(&writes).await.map(drop)
    }

    /// Adds the session to `writes`, its lifetime slid (on Standard,
    /// within its maximum).
    pub fn write_session(
        &self,
        writes: &mut RecordWrites,
        s: &mut BrowserSession,
    ) -> Result<(), StoreError> {
        let ttl = self.session_ttl(s);
        writes.put(session_record_key(&s.id), s, ttl).map(drop)
    }

    pub fn write_interaction(
        &self,
        writes: &mut RecordWrites,
        i: &Interaction,
    ) -> Result<(), StoreError> {
        writes
            .put(
                interaction_record_key(&i.uid),
                i,
                self.settings.session_ttl_secs,
            )
            .map(drop)
    }

    /// Adds the interaction, marked done, to `writes`. It is kept only so
    /// that a back button or a replayed form gets "already completed"
    /// rather than "expired", which needs its id, its session and its
    /// step: the request's texts and the verified login (which the
    /// session now holds: the identity is kept once) are left out, as
    /// it lives as long as the session. The caller's copy, untouched,
    /// keeps them for the events that follow. A finished interaction is
    /// refused as it is read ([`owned_interaction`]), so nothing reads
    /// what was left out.
    pub fn write_finished_interaction(
        &self,
        writes: &mut RecordWrites,
        i: &Interaction,
    ) -> Result<(), StoreError> {
        self.write_interaction(writes, &i.finished_marker())
    }

    /// The session and the interaction `uid`, read together; the
    /// interaction must belong to the session.
    pub async fn interaction_for(
        &self,
        headers: &HeaderMap,
        uid: &str,
    ) -> Result<(BrowserSession, Interaction), PageError> {
        let (session, interaction, _) = self
            .step_records(
                self.session_id(headers).as_deref(),
                &interaction_key(uid)?,
                &[],
            )
            .await?;
        Ok((session, interaction))
    }

    /// [`AppState::interaction_for`] and a new single-use CSRF token for the
    /// page's `form`, written in the same trip — only beside a live
    /// interaction, so a made-up URL writes nothing.
    pub async fn interaction_for_page(
        &self,
        headers: &HeaderMap,
        uid: &str,
        form: &str,
    ) -> Result<PageStep, PageError> {
        let token = self.random.token(24);
        let key = stored_key("csrf", &token);
        let int_key = interaction_key(uid)?;
        let session_id = self.session_id(headers);
        let grant = session_id
            .clone()
            .map(|session_id| {
                compact::encode(&CsrfGrant {
                    session_id,
                    form: form.to_owned(),
                })
            })
            .transpose()?;
        let extra: Vec<EphemeralOp<'_>> = grant
            .as_deref()
            .map(|value| EphemeralOp::PutIfPresent {
                key: &key,
                value,
                ttl_secs: self.settings.session_ttl_secs,
                if_present: &int_key,
            })
            .into_iter()
            .collect();
        let (session, interaction, _) = match self
            .step_records(session_id.as_deref(), &int_key, &extra)
            .await
        {
            Ok(records) => records,
            Err(refused) => {
                // The token went in beside an interaction this page then
                // refused (finished, or another session's): a refused page
                // leaves nothing behind. Only this path pays the trip.
                if grant.is_some() {
                    if let Err(e) = self.stores.ephemeral.delete(&key).await {
                        // The refusal is the answer; the token expires.
                        tracing::warn!(error = %e, "refused page's form token not deleted");
                    }
                }
                return Err(refused);
            }
        };
        Ok(PageStep {
            session,
            interaction,
            csrf: token,
        })
    }

    /// [`AppState::interaction_for`] and the form's single-use CSRF token
    /// for `form`, taken in the same trip.
    pub async fn interaction_for_form(
        &self,
        headers: &HeaderMap,
        uid: &str,
        csrf: Option<&str>,
        form: &str,
    ) -> Result<FormStep, PageError> {
        self.interaction_for_form_writing(headers, uid, csrf, form, &RecordWrites::new())
            .await
    }

    /// [`AppState::interaction_for_form`], with `writes` in the same trip
    /// behind the CSRF grant's take: they go in only if the form's grant
    /// was there to take (of two submissions of one form, only one
    /// writes), and before the step has checked anything else. So they
    /// must be records nothing can reach until the step answers (an IdP
    /// attempt, keyed by a state only the step's redirect reveals), and a
    /// step that refuses must delete them ([`FormStep::wrote`]).
    pub async fn interaction_for_form_writing(
        &self,
        headers: &HeaderMap,
        uid: &str,
        csrf: Option<&str>,
        form: &str,
        writes: &RecordWrites,
    ) -> Result<FormStep, PageError> {
        let key = csrf_key(csrf);
        let mut extra = Vec::with_capacity(1 + writes.len());
        if let Ok(k) = &key {
            extra.push(EphemeralOp::Require(k));
            extra.extend(writes.ops());
        }
        let records = self
            .step_records(
                self.session_id(headers).as_deref(),
                &interaction_key(uid)?,
                &extra,
            )
            .await;
        let (session, interaction, grant) = match records {
            Ok(records) => records,
            Err(refused) => {
                // The writes may have gone in beside a session or an
                // interaction the step then refused: a refused step leaves
                // nothing behind. Only this path pays the trip.
                if extra.len() > 1 {
                    self.undo_writes(writes).await;
                }
                return Err(refused);
            }
        };
        let wrote = grant.is_some() && !writes.is_empty();
        let csrf = key.and_then(|_| {
            let grant: Option<CsrfGrant> = grant.map(|b| compact::decode(&b)).transpose()?;
            csrf_verdict(grant, &session.id, form)
        });
        Ok(FormStep {
            session,
            interaction,
            csrf,
            wrote,
        })
    }

    /// The IdP callback's records in one trip: the caller's live session,
    /// the attempt `idp:<state>` taken and, when the state starts with its
    /// interaction's id (`<uid>.<random>`, see the chooser), that
    /// interaction; `None` without a live session.
    pub async fn callback_records(
        &self,
        headers: &HeaderMap,
        state: &str,
    ) -> Result<Option<CallbackRecords>, PageError> {
        let Some(sess_key) = self.session_key(headers) else {
            return Ok(None);
        };
        let attempt_key = attempt_record_key(state);
        // A prefix that cannot be an interaction id is not read: the
        // attempt alone then decides, as for any state.
        let named_uid = state
            .split_once('.')
            .map(|(uid, _)| uid)
            .filter(|uid| interaction_key(uid).is_ok());
        let int_key = named_uid.map(interaction_record_key);
        let mut ops = vec![EphemeralOp::Get(&sess_key), EphemeralOp::Take(&attempt_key)];
        ops.extend(int_key.as_deref().map(EphemeralOp::Get));
        let mut answers = self.ephemeral_batch(&ops).await?.into_iter();
        let (session, attempt) = (answers.next().flatten(), answers.next().flatten());
        let named = named_uid.map(|uid| (uid.to_owned(), answers.next().flatten()));
        Ok(self.live_session(session)?.map(|session| CallbackRecords {
            session,
            attempt,
            named,
        }))
    }

    /// The interaction of an IdP attempt, `uid`: the one the callback read
    /// if the state named it, else read now (an attempt made before states
    /// named their interaction).
    pub async fn callback_interaction(
        &self,
        records: &mut CallbackRecords,
        uid: &str,
    ) -> Result<Interaction, PageError> {
        match records.named.take() {
            Some((named, bytes)) if named == uid => owned_interaction(&records.session, bytes),
            _ => self.interaction_of(&records.session, uid).await,
        }
    }

    /// The interaction `uid`, which must belong to `session`.
    async fn interaction_of(
        &self,
        session: &BrowserSession,
        uid: &str,
    ) -> Result<Interaction, PageError> {
        let bytes = self.get_bytes(&interaction_key(uid)?).await?;
        owned_interaction(session, bytes)
    }

    /// The session `session_id` (the cookie's) and the interaction under
    /// `int_key`, which must belong to it, with `extra` in the same trip
    /// (answers the first one's).
    async fn step_records(
        &self,
        session_id: Option<&str>,
        int_key: &str,
        extra: &[EphemeralOp<'_>],
    ) -> Result<(BrowserSession, Interaction, Option<Vec<u8>>), PageError> {
        let sess_key = session_id
            .map(session_record_key)
            .ok_or_else(|| PageError::page(ErrorCode::SessionExpired, "no live session"))?;
        let mut ops = Vec::with_capacity(2 + extra.len());
        ops.extend([EphemeralOp::Get(&sess_key), EphemeralOp::Get(int_key)]);
        ops.extend_from_slice(extra);
        let mut answers = self.ephemeral_batch(&ops).await?.into_iter();
        let (session, interaction, taken) = (answers.next(), answers.next(), answers.next());
        let session = self
            .live_session(session.flatten())?
            .ok_or_else(|| PageError::page(ErrorCode::SessionExpired, "no live session"))?;
        let interaction = owned_interaction(&session, interaction.flatten())?;
        Ok((session, interaction, taken.flatten()))
    }
}

/// The store key of the interaction `uid`, if the id can be one.
fn interaction_key(uid: &str) -> Result<String, PageError> {
    if uid.len() > 64 {
        return Err(PageError::page(
            ErrorCode::SessionExpired,
            "interaction id too long",
        ));
    }
    Ok(interaction_record_key(uid))
}

fn owned_interaction(
    session: &BrowserSession,
    bytes: Option<Vec<u8>>,
) -> Result<Interaction, PageError> {
    let interaction: Interaction = bytes
        .map(|b| compact::decode(&b))
        .transpose()?
        .ok_or_else(|| PageError::page(ErrorCode::SessionExpired, "interaction expired"))?;
    if interaction.session_id != session.id {
        return Err(PageError::page(
            ErrorCode::SessionExpired,
            "interaction of another session",
        ));
    }
    // A finished interaction only answers a back button or a replayed
    // form (or an IdP answer arriving after "back to the service"): no
    // step continues it.
    if interaction.step == InteractionStep::Done {
        return Err(PageError::page(
            ErrorCode::AbnormalNavigation,
            "login already completed",
        ));
    }
    Ok(interaction)
}
