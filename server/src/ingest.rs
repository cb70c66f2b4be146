//! Group commit: concurrent submissions are written by one task in batches,
//! one transaction (one disk flush) per batch. Each request still waits for
//! the commit that holds its submission before it is acknowledged, so a 2xx
//! always means durable; batching only shares the flush.

use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::store::{Inserted, NewSubmission, Store, StoreError, StoreResult, SubmissionFacts};

/// Largest batch: bounds a transaction's size and the wait of its first member.
const MAX_BATCH: usize = 256;

/// A submission handed to the writer.
pub struct Pending {
    pub submission_id: Uuid,
    pub survey_id: String,
    pub survey_version: u32,
    pub channel: &'static str,
    pub content_sha256: String,
    pub body: axum::body::Bytes,
    pub facts: SubmissionFacts,
}

impl Pending {
    fn as_new(&self) -> NewSubmission<'_> {
        NewSubmission {
            submission_id: self.submission_id,
            survey_id: &self.survey_id,
            survey_version: self.survey_version,
            channel: self.channel,
            content_sha256: &self.content_sha256,
            body: &self.body,
            facts: &self.facts,
        }
    }
}

struct Job {
    pending: Pending,
    reply: oneshot::Sender<StoreResult<Inserted>>,
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task; it ends when the last `Writer` is dropped.
    pub fn start(store: Store) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_batches(store, queue));
        Self { jobs }
    }

    /// Stores the submission; resolves after its batch has committed.
    pub async fn insert(&self, pending: Pending) -> StoreResult<Inserted> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { pending, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Corrupt("the submission writer has stopped".into())
}

async fn write_batches(store: Store, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let news: Vec<NewSubmission<'_>> = batch.iter().map(|job| job.pending.as_new()).collect();
        match store.insert_submissions(&news).await {
            Ok(results) => {
                drop(news);
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            // One bad row fails the whole transaction: retry each alone so
            // only the bad one is refused.
            Err(error) => {
                tracing::warn!(error = %error, size = news.len(), "batch failed; writing one by one");
                drop(news);
                for job in batch.drain(..) {
                    let result = store.insert_submission(&job.pending.as_new()).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}
