//! The heavy pool: plans and speed reports run on blocking threads, at
//! most one per core, so they never take the async threads that answer
//! `/api/health`, `/api/fit`, `/api/models` and `/api/hardware`.
//!
//! Admission is tower's (see [`crate::api`]): a global concurrency limit of
//! workers + queue behind a load shedder, so a request beyond the queue is
//! answered 503 with `Retry-After` at once instead of waiting. Here, a
//! worker slot is a semaphore permit moved *into* the blocking task, so a
//! computation whose request was abandoned still counts until it stops:
//! the pool cannot grow past its workers however many clients give up.
//!
//! Cancellation: each computation gets a [`Cancel`] token that a drop guard
//! sets when the request's future is dropped — the timeout layer fired or
//! the client hung up — and the planner polls it in its loops.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use rigsize_plan::Cancel;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Bounded workers for heavy requests; cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct HeavyPool {
    workers: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    size: usize,
}

/// Sets the token when the request's future is dropped before finishing.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Counts a running computation for as long as it holds its worker slot.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(n: &Arc<AtomicUsize>) -> Running {
        n.fetch_add(1, Ordering::SeqCst);
        Running(n.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HeavyPool {
    pub fn new(workers: usize) -> HeavyPool {
        let size = workers.max(1);
        HeavyPool {
            workers: Arc::new(Semaphore::new(size)),
            running: Arc::default(),
            size,
        }
    }

    /// Workers: how many heavy computations may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Heavy computations running now (including abandoned ones that have
    /// not yet seen their cancellation).
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Runs `f` on a blocking thread once a worker is free. Dropping the
    /// returned future cancels `f`'s token.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Cancel) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let cancel = Cancel::new();
        let _guard = CancelOnDrop(cancel.clone());
        let permit = self.workers.clone().acquire_owned().await.map_err(|_| {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping")
        })?;
        let running = self.running.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = (permit, Running::start(&running));
            f(&cancel)
        })
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error while computing: {e}; please report it"),
            )
        })?
    }
}
