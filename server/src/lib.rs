//! The Salama server: it re-validates every submission with the shared rules,
//! stores it durably and exactly once, and serves surveys and aggregates.

pub mod aggregate;
pub mod app;
pub mod auth;
pub mod boot;
pub mod client_address;
pub mod cross_site;
pub mod doctor;
pub mod error;
pub mod facts;
pub mod ingest;
pub mod json;
pub mod limits;
pub mod multipart;
pub mod openapi;
pub mod publishing;
pub mod results;
pub mod retention;
pub mod routes;
pub mod screen_reads;
pub mod seed;
pub mod shape;
pub mod skipped;
pub use salama_shared::spelling;
pub mod state;
pub mod store;
pub mod xlsform;

pub use app::app;
pub use state::{AppState, Config};
