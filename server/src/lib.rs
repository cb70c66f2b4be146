//! The Salama server: it re-validates every submission with the shared rules,
//! stores it durably and exactly once, and serves surveys and aggregates.

pub mod store;
