//! The default questionnaire, `community-safety`: the perception-of-security
//! items of DOMAIN.md §2 with their SDG 16 indicators, in English, French and
//! Arabic. Shipped as JSON so it can be read, diffed and re-published as is.

use crate::schema::Survey;

/// The version `community-safety.json` carries: a changed questionnaire is a
/// new version, since published ones are immutable (checked by the tests).
pub const COMMUNITY_SAFETY_VERSION: u32 = 3;

/// The questionnaire as shipped, byte for byte.
pub const COMMUNITY_SAFETY_JSON: &str = include_str!("../surveys/community-safety.json");

/// The default questionnaire. The file is checked by the test suite, so
/// loading it cannot fail in a released build.
pub fn community_safety() -> Survey {
    Survey::from_json(COMMUNITY_SAFETY_JSON)
        .expect("the shipped questionnaire is valid JSON (tested)")
}
