//! The rules of a Salama survey, shared unchanged by the browser client (compiled
//! to WebAssembly) and the server: the survey schema, the expression language,
//! definition checks, submission validation and the default questionnaire.
//!
//! No I/O lives here, so the same code can run on both sides of the wire.

pub mod aggregate;
pub mod api;
pub mod assignment_upload;
pub mod audit;
pub mod check;
pub mod csv_cell;
pub mod date;
pub mod default_survey;
pub mod design_upload;
pub mod disclosure;
pub mod estimate;
pub mod expr;
pub mod facts;
pub mod field_error;
pub mod form;
pub mod json;
pub mod language;
// The server's export only (see `raw_value` in Cargo.toml).
#[cfg(not(target_arch = "wasm32"))]
pub mod microdata;
mod names;
pub mod number;
#[cfg(feature = "openapi")]
mod openapi;
pub mod pairing;
pub mod publication;
pub mod query;
pub mod release;
pub mod response_rate;
pub mod retention;
pub mod review;
pub mod sample;
pub mod schema;
pub mod selection;
pub mod spelling;
pub mod submission;
pub mod suppression;
pub mod text;
pub mod validate;
pub mod visit;
pub mod words;

pub use check::{Problem, ProblemCode};
pub use default_survey::community_safety;
pub use field_error::{FieldError, FieldErrorCode};
pub use schema::Survey;
pub use submission::Submission;
pub use validate::{ValidSubmission, validate};
pub use words::Word;
