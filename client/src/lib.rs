//! The Salama web client. The Leptos form renderer arrives with the web-form
//! issue; until then this crate only proves that the shared rules build into
//! the client's dependency graph for `wasm32-unknown-unknown`.

pub use salama_shared as rules;
