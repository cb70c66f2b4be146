//! Typing slips: the name an author most likely meant (a survey key, an
//! XLSForm column, an interface word).

/// The candidate `word` is one or two typing slips away from (`relevent`
/// for `relevant`). Short words are left alone: `note` is not a slip of
/// `code`.
pub fn slip_of<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.chars().count() < 4 {
        return None;
    }
    candidates.into_iter().find(|candidate| {
        // Two slips only in a long name.
        let allowed = if candidate.len() >= 7 { 2 } else { 1 };
        candidate.len() >= 4 && edits(word, candidate) <= allowed
    })
}

/// The candidate fewest edits away from `word`, however many: for naming
/// the nearest of a closed set of keys.
pub fn nearest<S: AsRef<str>>(word: &str, candidates: impl IntoIterator<Item = S>) -> Option<S> {
    candidates
        .into_iter()
        .min_by_key(|candidate| edits(word, candidate.as_ref()))
}

/// Levenshtein distance, for short names.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_caught_and_short_words_left_alone() {
        assert_eq!(slip_of("relevent", ["label", "relevant"]), Some("relevant"));
        assert_eq!(slip_of("integr", ["single", "integer"]), Some("integer"));
        assert_eq!(slip_of("note", ["code"]), None);
        assert_eq!(slip_of("colour", ["label"]), None);
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(nearest("colour", ["label", "color"]), Some("color"));
        assert_eq!(nearest::<&str>("x", []), None);
    }
}
