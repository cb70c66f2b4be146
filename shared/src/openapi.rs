//! Schemas for the types whose JSON is written by hand rather than derived:
//! the API document must describe what serde really writes, a string.

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::date::Timestamp;
use crate::expr::Expression;

fn string(description: &str, format: Option<KnownFormat>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(format.map(SchemaFormat::KnownFormat))
        .description(Some(description))
        .into()
}

impl PartialSchema for Expression {
    fn schema() -> RefOr<Schema> {
        string(
            "An XLSForm-style expression as written, e.g. `${resp_age} >= 18`",
            None,
        )
    }
}

impl ToSchema for Expression {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Expression")
    }
}

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        string(
            "An RFC 3339 timestamp with its offset, e.g. `2026-11-27T09:30:00Z`",
            Some(KnownFormat::DateTime),
        )
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}
