//! What may be published (DOMAIN §4): flags for estimates under the DHS/MICS
//! convention or NCHS's standards for proportions, and minimum cell sizes
//! with complementary suppression for count tables. The server applies
//! them for everyone; a suppressed value is left out, not merely marked.

use serde::{Deserialize, Serialize};

use crate::estimate::Estimate;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Ok,
    /// Shown in parentheses: use with caution.
    Caution,
    /// Not shown ("*").
    Suppressed,
    /// No case at all ("–").
    Empty,
}

impl Flag {
    /// The flag's name, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Ok => "ok",
            Flag::Caution => "caution",
            Flag::Suppressed => "suppressed",
            Flag::Empty => "empty",
        }
    }

    /// What a printed table shows for a proportion with this flag (DHS/MICS
    /// convention): the percentage, in parentheses when to be used with
    /// caution, `*` when suppressed, `–` when there is no case.
    pub fn shown_as(self, estimate: Option<f64>) -> String {
        match (self, estimate) {
            (Flag::Ok, Some(estimate)) => format!("{:.1}", estimate * 100.0),
            (Flag::Caution, Some(estimate)) => format!("({:.1})", estimate * 100.0),
            (Flag::Empty, _) => "–".to_owned(),
            _ => "*".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Under 25 unweighted cases suppressed, 25–49 with caution.
    #[default]
    DhsMics,
    /// Parker et al. (2017), NCHS data presentation standards for proportions.
    Nchs,
}

/// The DHS/MICS flag for an estimate over `unweighted_n` cases.
pub fn dhs_mics(unweighted_n: usize) -> Flag {
    match unweighted_n {
        0 => Flag::Empty,
        1..=24 => Flag::Suppressed,
        25..=49 => Flag::Caution,
        _ => Flag::Ok,
    }
}

/// NCHS: suppress when the effective n is under 30; show when the 95% CI is
/// at most 5 points wide; otherwise suppress when it is 30 points or wider,
/// or wider than 130% of the estimate; flag for review when the design has
/// fewer than 8 degrees of freedom.
pub fn nchs(estimate: &Estimate, interval: (f64, f64)) -> Flag {
    if estimate.n == 0 {
        return Flag::Empty;
    }
    if estimate.effective_n() < 30.0 {
        return Flag::Suppressed;
    }
    let width = interval.1 - interval.0;
    if width > 0.05 {
        let relative = if estimate.estimate > 0.0 {
            width / estimate.estimate
        } else {
            f64::INFINITY
        };
        if width >= 0.30 || relative > 1.30 {
            return Flag::Suppressed;
        }
    }
    if estimate.degrees_of_freedom < 8.0 {
        Flag::Caution
    } else {
        Flag::Ok
    }
}

/// Which cells of a count table (rows × columns, with row and column totals
/// published) to withhold: every cell under `minimum` but above zero, and
/// then, while some row or column has exactly one withheld cell (which its
/// total would give away), the smallest other non-zero cell there too.
pub fn suppress_counts(table: &[Vec<u64>], minimum: u64) -> Vec<Vec<bool>> {
    let mut hidden: Vec<Vec<bool>> = table
        .iter()
        .map(|row| {
            row.iter()
                .map(|&count| count > 0 && count < minimum)
                .collect()
        })
        .collect();
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    let lines = (0..table.len())
        .map(|r| (0..columns).map(|c| (r, c)).collect::<Vec<_>>())
        .chain((0..columns).map(|c| (0..table.len()).map(|r| (r, c)).collect()));
    let lines: Vec<Vec<(usize, usize)>> = lines.collect();
    loop {
        let mut changed = false;
        for line in &lines {
            let cells = line.iter().copied().filter(|&(r, c)| c < table[r].len());
            let withheld = cells.clone().filter(|&(r, c)| hidden[r][c]).count();
            if withheld != 1 {
                continue;
            }
            let complement = cells
                .filter(|&(r, c)| !hidden[r][c] && table[r][c] > 0)
                .min_by_key(|&(r, c)| table[r][c]);
            if let Some((r, c)) = complement {
                hidden[r][c] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(p: f64, se: f64, n: usize, df: f64) -> Estimate {
        Estimate {
            estimate: p,
            standard_error: se,
            n,
            degrees_of_freedom: df,
        }
    }

    #[test]
    fn dhs_mics_thresholds() {
        assert_eq!(dhs_mics(0), Flag::Empty);
        assert_eq!(dhs_mics(24), Flag::Suppressed);
        assert_eq!(dhs_mics(25), Flag::Caution);
        assert_eq!(dhs_mics(49), Flag::Caution);
        assert_eq!(dhs_mics(50), Flag::Ok);
    }

    #[test]
    fn nchs_rules() {
        // Effective n = 0.25 / 0.0001 = 2500 capped at 400.
        let precise = estimate(0.5, 0.01, 400, 30.0);
        assert_eq!(nchs(&precise, (0.48, 0.52)), Flag::Ok);
        assert_eq!(
            nchs(&precise, (0.35, 0.66)),
            Flag::Suppressed,
            "31 points wide"
        );
        let rare = estimate(0.05, 0.01, 400, 30.0);
        assert_eq!(
            nchs(&rare, (0.01, 0.12)),
            Flag::Suppressed,
            "relative width 220%"
        );
        let few_psus = estimate(0.5, 0.01, 400, 6.0);
        assert_eq!(nchs(&few_psus, (0.48, 0.52)), Flag::Caution);
        let thin = estimate(0.5, 0.1, 400, 30.0);
        assert!(thin.effective_n() < 30.0);
        assert_eq!(nchs(&thin, (0.3, 0.7)), Flag::Suppressed);
    }

    /// Whether some withheld cell is the only one withheld in its row or column.
    fn recoverable(hidden: &[Vec<bool>]) -> bool {
        let rows = hidden
            .iter()
            .any(|row| row.iter().filter(|h| **h).count() == 1);
        let columns = (0..hidden.first().map_or(0, Vec::len))
            .any(|c| hidden.iter().filter(|row| row[c]).count() == 1);
        rows || columns
    }

    #[test]
    fn small_cells_are_hidden_with_complements_so_totals_give_nothing_away() {
        let table = vec![vec![3, 40, 55], vec![60, 2, 48], vec![70, 65, 80]];
        let hidden = suppress_counts(&table, 5);
        assert!(hidden[0][0] && hidden[1][1], "primary cells");
        assert!(!recoverable(&hidden), "{hidden:?}");
        // Zeros are published as zeros; a table of large counts loses nothing.
        let plain = suppress_counts(&[vec![0, 50], vec![60, 70]], 5);
        assert!(plain.iter().flatten().all(|h| !h));
    }

    #[test]
    fn complements_hold_on_many_tables() {
        let mut seed = 12_345u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % 30
        };
        for _ in 0..500 {
            let rows = 2 + (next() % 4) as usize;
            let columns = 2 + (next() % 4) as usize;
            let table: Vec<Vec<u64>> = (0..rows)
                .map(|_| (0..columns).map(|_| next()).collect())
                .collect();
            let hidden = suppress_counts(&table, 5);
            for (row, flags) in table.iter().zip(&hidden) {
                for (count, hide) in row.iter().zip(flags) {
                    if *count > 0 && *count < 5 {
                        assert!(hide, "{table:?}");
                    }
                }
            }
            // A lone withheld cell may remain only where nothing else could
            // be withheld beside it (the rest of its row or column is zeros).
            for (r, flags) in hidden.iter().enumerate() {
                if flags.iter().filter(|h| **h).count() == 1 {
                    let others = (0..columns)
                        .filter(|&c| !flags[c] && table[r][c] > 0)
                        .count();
                    assert_eq!(others, 0, "row {r}: {table:?} {hidden:?}");
                }
            }
            for c in 0..columns {
                if (0..rows).filter(|&r| hidden[r][c]).count() == 1 {
                    let others = (0..rows)
                        .filter(|&r| !hidden[r][c] && table[r][c] > 0)
                        .count();
                    assert_eq!(others, 0, "column {c}: {table:?} {hidden:?}");
                }
            }
        }
    }
}
