//! Cooperative cancellation: a caller (the web server) hands the planner a
//! [`Cancel`] and flips it — or lets its deadline pass — to stop a plan early.
//! The planner checks it between candidates and between model combinations,
//! so a cancelled plan returns [`PlanError::Cancelled`] within one step.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::error::PlanError;

/// A cancellation flag, optionally with a deadline. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Cancel {
    /// A token that is never cancelled unless [`Cancel::cancel`] is called.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// A token that also cancels itself once `deadline` has passed. The
    /// caller reads the clock; the planner only compares against it.
    pub fn with_deadline(deadline: Instant) -> Cancel {
        Cancel {
            flag: Arc::default(),
            deadline: Some(deadline),
        }
    }

    /// Asks every holder of this token (and its clones) to stop.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `Err(PlanError::Cancelled)` once cancelled.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.is_cancelled() {
            Err(PlanError::Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn clones_share_the_flag() {
        let c = Cancel::new();
        let d = c.clone();
        assert!(c.check().is_ok());
        d.cancel();
        assert!(matches!(c.check(), Err(PlanError::Cancelled)));
    }

    #[test]
    fn a_past_deadline_cancels() {
        let c = Cancel::with_deadline(Instant::now() - Duration::from_millis(1));
        assert!(c.is_cancelled());
        let far = Cancel::with_deadline(Instant::now() + Duration::from_secs(3600));
        assert!(!far.is_cancelled());
    }
}
