//! The request histogram of a method, route template and status, found
//! without writing its label text.
//!
//! Every answer is timed under `method`, `route` and `status`. Writing that
//! label text and looking it up in the labelled family (which `/metrics`
//! renders) cost about 1,800 instructions a request, eight times a login.
//! The triples a node meets are few (its routes × a few statuses), so each
//! one's histogram is kept in a short list at its first request, and later
//! requests find it by comparing the status, the method and the route. The
//! histogram is the family's own: `/metrics` shows what it showed.
//!
//! The list is bounded: a client sending made-up methods to unknown paths
//! makes new triples, and past [`MAX_SLOTS`] they are found as before,
//! through the label text (the family has its own bound).

use super::histogram::Histogram;
use super::labelled::{LabelText, Labelled};
use arc_swap::ArcSwap;
use axum::http::{Method, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// How many triples are kept: far more than a node's routes answer.
pub const MAX_SLOTS: usize = 256;

#[derive(Debug)]
struct Slot {
    status: u16,
    method: Method,
    route: Box<str>,
    histogram: Arc<Histogram>,
}

impl Slot {
    fn is(&self, method: &Method, route: &str, status: u16) -> bool {
        self.status == status && self.method == *method && *self.route == *route
    }
}

/// The triples met so far, each with its histogram.
#[derive(Debug, Default)]
pub struct RequestSlots {
    known: ArcSwap<Vec<Arc<Slot>>>,
}

impl RequestSlots {
    /// Counts an answer of `status` to `method` on `route` that took
    /// `elapsed`, in `family`.
    pub fn observe(
        &self,
        family: &Labelled<Histogram>,
        method: &Method,
        route: &str,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let code = status.as_u16();
        if let Some(slot) = self.known.load().iter().find(|s| s.is(method, route, code)) {
            slot.histogram.observe(elapsed);
            return;
        }
        let histogram = family.get(
            LabelText::of(&[
                ("method", method.as_str()),
                ("route", route),
                ("status", status.as_str()),
            ])
            .as_str(),
        );
        histogram.observe(elapsed);
        self.known.rcu(|known| {
            if known.len() >= MAX_SLOTS || known.iter().any(|s| s.is(method, route, code)) {
                return Arc::clone(known);
            }
            let mut next = Vec::with_capacity(known.len() + 1);
            next.extend(known.iter().cloned());
            next.push(Arc::new(Slot {
                status: code,
                method: method.clone(),
                route: route.into(),
                histogram: Arc::clone(&histogram),
            }));
            Arc::new(next)
        });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.known.load().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(family: &Labelled<Histogram>) -> Vec<(String, u64)> {
        family
            .snapshot()
            .iter()
            .map(|(k, h)| (k.clone(), h.count()))
            .collect()
    }

    #[test]
    fn each_triple_is_counted_under_its_labels_in_the_family() {
        let family: Labelled<Histogram> = Labelled::default();
        let slots = RequestSlots::default();
        let ms = Duration::from_millis(1);
        for _ in 0..3 {
            slots.observe(
                &family,
                &Method::GET,
                "/api/v2/authorize",
                StatusCode::FOUND,
                ms,
            );
        }
        slots.observe(
            &family,
            &Method::POST,
            "/api/v2/authorize",
            StatusCode::FOUND,
            ms,
        );
        slots.observe(
            &family,
            &Method::GET,
            "/api/v2/authorize",
            StatusCode::BAD_REQUEST,
            ms,
        );
        slots.observe(
            &family,
            &Method::GET,
            "/api/v2/token",
            StatusCode::FOUND,
            ms,
        );
        slots.observe(
            &family,
            &Method::GET,
            "a \"quoted\" route",
            StatusCode::OK,
            ms,
        );
        assert_eq!(
            counts(&family),
            [
                (
                    "method=\"GET\",route=\"/api/v2/authorize\",status=\"302\"".to_owned(),
                    3
                ),
                (
                    "method=\"GET\",route=\"/api/v2/authorize\",status=\"400\"".to_owned(),
                    1
                ),
                (
                    "method=\"GET\",route=\"/api/v2/token\",status=\"302\"".to_owned(),
                    1
                ),
                (
                    "method=\"GET\",route=\"a \\\"quoted\\\" route\",status=\"200\"".to_owned(),
                    1
                ),
                (
                    "method=\"POST\",route=\"/api/v2/authorize\",status=\"302\"".to_owned(),
                    1
                ),
            ]
        );
        assert_eq!(slots.len(), 5, "one slot per triple");
    }

    #[test]
    fn past_the_bound_triples_are_still_counted_through_their_labels() {
        let family: Labelled<Histogram> = Labelled::default();
        let slots = RequestSlots::default();
        let ms = Duration::from_millis(1);
        for i in 0..MAX_SLOTS + 10 {
            let method = Method::from_bytes(format!("M{i}").as_bytes()).unwrap();
            slots.observe(&family, &method, "unmatched", StatusCode::NOT_FOUND, ms);
            slots.observe(&family, &method, "unmatched", StatusCode::NOT_FOUND, ms);
        }
        assert_eq!(slots.len(), MAX_SLOTS);
        let all = counts(&family);
        assert_eq!(all.len(), MAX_SLOTS + 10);
        assert!(all.iter().all(|(_, n)| *n == 2), "{all:?}");
    }
}
