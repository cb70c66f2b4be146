//! The HTTP API, one module per resource.

pub mod health;
pub mod submissions;
pub mod surveys;
