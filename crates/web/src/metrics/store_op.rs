//! The store operations a node times, for `relais_store_duration_seconds`.
//!
//! They are a closed set, named by the code that makes them, and a login
//! times seven of them. So each has a slot holding its histogram, filled at
//! its first use from the labelled family (which `/metrics` renders), and
//! found by index after that: no label text written and looked up each
//! time.

use super::histogram::Histogram;
use super::labelled::{LabelText, Labelled};
use std::sync::{Arc, OnceLock};

/// One kind of store operation, by tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    EphemeralGet,
    EphemeralTake,
    EphemeralPut,
    /// One trip with a step's records ([`crate::flow_batch`]).
    EphemeralBatch,
    DurableAppendEvents,
}

impl StoreOp {
    pub const ALL: [StoreOp; 5] = [
        StoreOp::EphemeralGet,
        StoreOp::EphemeralTake,
        StoreOp::EphemeralPut,
        StoreOp::EphemeralBatch,
        StoreOp::DurableAppendEvents,
    ];

    /// Its `tier` and `op` labels.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            StoreOp::EphemeralGet => ("ephemeral", "get"),
            StoreOp::EphemeralTake => ("ephemeral", "take"),
            StoreOp::EphemeralPut => ("ephemeral", "put"),
            StoreOp::EphemeralBatch => ("ephemeral", "batch"),
            StoreOp::DurableAppendEvents => ("durable", "append_events"),
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// Each operation's histogram, once it has been used.
#[derive(Debug, Default)]
pub struct StoreOpSlots([OnceLock<Arc<Histogram>>; StoreOp::ALL.len()]);

impl StoreOpSlots {
    /// The histogram of `op` in `family`, registered there at first use.
    pub fn histogram(&self, op: StoreOp, family: &Labelled<Histogram>) -> Option<&Histogram> {
        let slot = self.0.get(op.slot())?;
        let h = slot.get_or_init(|| {
            let (tier, name) = op.labels();
            family.get(LabelText::of(&[("tier", tier), ("op", name)]).as_str())
        });
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_operation_has_its_own_slot_and_labels() {
        for (i, op) in StoreOp::ALL.iter().enumerate() {
            assert_eq!(op.slot(), i, "{op:?}");
        }
        let mut labels: Vec<_> = StoreOp::ALL.iter().map(|op| op.labels()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), StoreOp::ALL.len());
    }

    #[test]
    fn an_operation_is_counted_under_its_labels_and_only_once_used() {
        let family: Labelled<Histogram> = Labelled::default();
        let slots = StoreOpSlots::default();
        for _ in 0..3 {
            if let Some(h) = slots.histogram(StoreOp::EphemeralBatch, &family) {
                h.observe(Duration::from_micros(40));
            }
        }
        if let Some(h) = slots.histogram(StoreOp::DurableAppendEvents, &family) {
            h.observe(Duration::from_millis(2));
        }
        let snap = family.snapshot();
        let counts: Vec<(&str, u64)> = snap.iter().map(|(k, h)| (k.as_str(), h.count())).collect();
        assert_eq!(
            counts,
            [
                ("tier=\"durable\",op=\"append_events\"", 1),
                ("tier=\"ephemeral\",op=\"batch\"", 3),
            ]
        );
    }
}
