//! Device pairing codes: what the console shows so a phone signs in
//! without anyone typing a password on it. Eight characters from an
//! alphabet without look-alikes (no 0/O, 1/I/L), shown in two groups of
//! four; read back however the person typed them (lower case, spaces,
//! dashes). Shared so the field app checks a code's form before sending it
//! and the server reads it the same way.

use serde::{Deserialize, Serialize};

/// The characters a code is made of: 23 letters and 8 digits, none that
/// reads as another on a phone's screen or a printed sheet.
pub const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Characters in a code: 31^8 ≈ 8.5 × 10^11 codes, against a guesser
/// held to the login rate limit for the minutes one code lives.
pub const CODE_LENGTH: usize = 8;

/// How long a code can be used, in seconds.
pub const LIFETIME_SECONDS: i64 = 15 * 60;

/// Where the field app picks a code up from its address
/// (`/field#pair=K7QM4TXP`): a fragment, which the browser never sends, so
/// the code reaches no server log.
pub const FRAGMENT_PREFIX: &str = "pair=";

/// `POST /api/users/{name}/pairing`: the address the console is served
/// from (`location.origin`), for the QR code's link; without it, the answer
/// has the code alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    #[serde(default)]
    pub origin: Option<String>,
}

/// A pairing code just made, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingCode {
    /// Who the device will act for.
    pub name: String,
    /// As shown: two groups of four (`K7QM-4TXP`).
    pub code: String,
    /// Until when it can be used (UTC, RFC 3339).
    pub expires_at: String,
    /// The field app's address with the code (`/field#pair=K7QM4TXP`).
    pub path: String,
    /// A QR code of `origin` + `path` (SVG), when an origin was given.
    pub qr_svg: Option<String>,
}

/// `POST /api/devices/pair`: a code exchanged for a device token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DevicePairing {
    pub code: String,
    /// How the person names this device ("Samsung A14, team 3").
    #[serde(default)]
    pub label: String,
}

/// A code made of `random` bytes (at least [`CODE_LENGTH`] of them; each
/// picks a character by rejection-free modulo over 31, whose bias of under
/// 1 % per character costs well under a bit of the code's 39.6).
pub fn code_from(random: &[u8]) -> String {
    random
        .iter()
        .take(CODE_LENGTH)
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}

/// `K7QM4TXP` as shown: `K7QM-4TXP`.
pub fn shown(code: &str) -> String {
    let (first, second) = code.split_at(code.len().min(CODE_LENGTH / 2));
    format!("{first}-{second}")
}

/// The code a person typed, in its stored form, if it is one: case,
/// spaces and dashes do not matter, and nothing else is read (at most a
/// few dozen characters are looked at, whatever was sent).
pub fn read(typed: &str) -> Option<String> {
    let mut code = String::with_capacity(CODE_LENGTH);
    for character in typed.chars().take(4 * CODE_LENGTH) {
        match character {
            ' ' | '-' | '\u{a0}' => continue,
            _ => {
                let upper = character.to_ascii_uppercase();
                if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) {
                    return None;
                }
                code.push(upper);
            }
        }
    }
    (code.len() == CODE_LENGTH && typed.chars().count() <= 4 * CODE_LENGTH).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_is_read_however_it_was_typed() {
        assert_eq!(read("K7QM-4TXP").as_deref(), Some("K7QM4TXP"));
        assert_eq!(read(" k7qm 4txp ").as_deref(), Some("K7QM4TXP"));
        assert_eq!(shown("K7QM4TXP"), "K7QM-4TXP");
        for refused in [
            "K7QM-4TX",
            "K7QM-4TXPP",
            "K0QM-4TXP",
            "KIQM-4TXP",
            "K7QM-4TX٣",
            "",
            "K7QM\u{0}4TXP",
        ] {
            assert_eq!(read(refused), None, "{refused:?}");
        }
        assert_eq!(read(&format!("K7QM4TXP{}", " ".repeat(100))), None);
    }

    proptest! {
        #[test]
        fn every_made_code_reads_back(random in proptest::array::uniform8(any::<u8>())) {
            let code = code_from(&random);
            prop_assert_eq!(code.len(), CODE_LENGTH);
            prop_assert_eq!(read(&shown(&code)), Some(code.clone()));
            prop_assert_eq!(read(&code.to_lowercase()), Some(code));
        }

        #[test]
        fn any_text_is_read_without_panic(typed in ".{0,200}") {
            if let Some(code) = read(&typed) {
                prop_assert_eq!(code.len(), CODE_LENGTH);
            }
        }
    }
}
