//! Start-up, written once. `salama serve`, the test servers and the
//! benchmarks all start here, so a test runs the server production runs:
//! the default questionnaire seeded, facts back-filled, the first
//! administrator created, aggregation facts warmed in the background.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use crate::auth::NewUser;
use crate::store::{Store, StoreError};
use crate::{AppState, Config, app};

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `anyhow` inside: the first administrator is created as any user is.
    #[error("creating the first administrator: {0:#}")]
    FirstAdmin(anyhow::Error),
    #[error("listening on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// A server ready to serve: its store is seeded and back-filled, and
/// its aggregation facts are being loaded.
pub struct Server {
    state: AppState,
    router: axum::Router,
    first_admin: Option<NewUser>,
    warmed: watch::Receiver<bool>,
}

impl Server {
    /// Everything before the first request: seeds what a new installation
    /// starts with, runs a back-fill a migration (or an interrupted
    /// rebuild) left pending, starts the hourly pass that destroys raw data
    /// kept past its retention date, and starts loading aggregation facts
    /// so the first table after a restart does not wait for a million rows.
    pub async fn prepare(store: Store, config: Config) -> Result<Server, BootError> {
        crate::seed::publish_default_questionnaire(&store).await?;
        crate::facts::backfill_if_pending(&store).await?;
        let first_admin = crate::seed::first_admin(&store)
            .await
            .map_err(BootError::FirstAdmin)?;
        crate::retention::spawn_passes(store.clone());
        let state = AppState::new(store, config);
        let (done, warmed) = watch::channel(false);
        let warming = state.clone();
        tokio::spawn(async move {
            warming.cubes().warm(warming.store()).await;
            let _ = done.send(true);
        });
        Ok(Server {
            router: app(state.clone()),
            state,
            first_admin,
            warmed,
        })
    }

    pub fn store(&self) -> &Store {
        self.state.store()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The administrator created by this start, if it was the first: the
    /// credentials exist nowhere else, for the caller to show once.
    pub fn take_first_admin(&mut self) -> Option<NewUser> {
        self.first_admin.take()
    }

    /// Returns once the aggregation facts loaded at start are in memory
    /// (or could not be loaded, which the warm-up logs).
    pub async fn warmed(&self) {
        // An error means the warm-up task is gone, finished or not.
        let _ = self.warmed.clone().wait_for(|done| *done).await;
    }

    /// Serves on `listener` until `shutdown` completes, then lets requests
    /// in flight finish.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), BootError> {
        axum::serve(
            listener,
            self.router
                .clone()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(BootError::Serve)
    }

    /// Serves in the background on a free port of 127.0.0.1, as tests and
    /// benchmarks do.
    pub async fn serve_on_free_port(&self) -> Result<Serving, BootError> {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        self.serve_in_background(listener)
    }

    /// Serves on `listener` in a task of its own until the returned
    /// handle stops it or is dropped.
    pub fn serve_in_background(&self, listener: TcpListener) -> Result<Serving, BootError> {
        let address = listener.local_addr().map_err(BootError::Serve)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let router = self.router.clone();
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
            if let Err(error) = served {
                tracing::error!(%error, "serving stopped");
            }
        });
        Ok(Serving {
            address,
            stop,
            task,
        })
    }
}

/// Binds `address` (port 0 for any free one).
pub async fn listen(address: SocketAddr) -> Result<TcpListener, BootError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| BootError::Listen { address, source })
}

/// A server serving in the background.
pub struct Serving {
    address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Serving {
    /// Where it serves.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops taking connections and waits up to `grace` for requests in
    /// flight; connections still open after that are dropped.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(());
        let abort = self.task.abort_handle();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            abort.abort();
        }
    }
}
