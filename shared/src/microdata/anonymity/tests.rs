use super::*;

/// Columns of the generated files.
const SEX: usize = 0;
const AGE: usize = 1;
const REGION: usize = 2;
const DISTRICT: usize = 3;
const MONTH: usize = 4;
const SIZE: usize = 5;
const STRATUM: usize = 6;
const ANSWER: usize = 7;

fn identifiers(depth: usize) -> Vec<QuasiIdentifier> {
    vec![
        QuasiIdentifier {
            columns: vec![SEX],
            scale: Scale::Category,
        },
        QuasiIdentifier {
            columns: vec![AGE],
            scale: Scale::Age(AgeScheme::UnAdult),
        },
        QuasiIdentifier {
            columns: vec![REGION, DISTRICT],
            scale: Scale::Area { depth },
        },
        QuasiIdentifier {
            columns: vec![MONTH],
            scale: Scale::Month,
        },
        QuasiIdentifier {
            columns: vec![SIZE],
            scale: Scale::HouseholdSize,
        },
        QuasiIdentifier {
            columns: vec![STRATUM],
            scale: Scale::Design,
        },
    ]
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

type Row = Vec<Cow<'static, str>>;

fn row(sex: &str, age: u32, district: (&str, &str), month: u32, size: u32, stratum: u32) -> Row {
    [
        sex.to_owned(),
        age.to_string(),
        district.0.to_owned(),
        district.1.to_owned(),
        format!("2026-{month:02}"),
        size.to_string(),
        stratum.to_string(),
        "yes".to_owned(),
    ]
    .into_iter()
    .map(Cow::Owned)
    .collect()
}

fn generated(n: usize, seed: u64) -> Vec<Row> {
    let districts = [
        ("north", "north-hills"),
        ("north", "north-river"),
        ("south", "south-coast"),
        ("south", "south-plains"),
    ];
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let district = districts[rng.below(4) as usize];
            row(
                ["female", "male"][rng.below(2) as usize],
                15 + rng.below(80) as u32,
                district,
                1 + rng.below(12) as u32,
                1 + rng.below(12) as u32,
                u32::from(district.0 == "south"),
            )
        })
        .collect()
}

/// Both passes over one row per record, `r0`, `r1`…: the rows released.
fn anonymise(rows: &[Row], identifiers: Vec<QuasiIdentifier>, k: u32) -> (Plan, Vec<Row>) {
    let mut collector = Collector::new(identifiers);
    for (at, row) in rows.iter().enumerate() {
        collector.add(&format!("r{at}"), std::slice::from_ref(row));
    }
    let plan = collector.plan(k);
    let mut released = Vec::new();
    for (at, row) in rows.iter().enumerate() {
        let mut record = vec![row.clone()];
        assert!(plan.release(&format!("r{at}"), &mut record), "r{at}");
        released.extend(record);
    }
    (plan, released)
}

/// Every combination of the quasi-identifiers' columns occurs k times or
/// more among the rows released.
fn assert_k_anonymous(rows: &[Row], identifiers: &[QuasiIdentifier], k: u32) {
    let mut classes: HashMap<Vec<&str>, u32> = HashMap::new();
    for row in rows {
        let key = identifiers
            .iter()
            .flat_map(|i| i.columns.iter().map(|&c| row[c].as_ref()))
            .collect();
        *classes.entry(key).or_default() += 1;
    }
    for (key, count) in &classes {
        assert!(*count >= k, "{key:?} occurs {count} times, fewer than {k}");
    }
}

#[test]
fn generated_files_are_k_anonymous_at_every_k_and_lose_little() {
    for (n, k, seed) in [(3000, 5, 1), (3000, 3, 2), (800, 10, 3), (40, 5, 4)] {
        let rows = generated(n, seed);
        let (plan, released) = anonymise(&rows, identifiers(2), k);
        assert_k_anonymous(&released, &identifiers(2), k);
        assert_eq!(released.len() as u64 + plan.rows_left_out(), n as u64);
        // The answers themselves are never touched.
        assert!(released.iter().all(|row| row[ANSWER] == "yes"));
        let suppressed: u64 = (0..8)
            .filter_map(|c| plan.column(c))
            .map(|(_, s)| s)
            .sum::<u64>();
        if n >= 800 {
            // Generalisation carries the load; suppression stays within
            // the limit's share of rows (one cell or more each).
            assert!(
                plan.rows_left_out() == 0,
                "n={n} k={k}: {} rows left out",
                plan.rows_left_out()
            );
            assert!(
                suppressed as f64 <= n as f64 * SUPPRESSION_LIMIT * 6.0,
                "n={n} k={k}: {suppressed} cells suppressed"
            );
        }
    }
}

#[test]
fn the_same_rows_give_the_same_file() {
    let rows = generated(500, 9);
    let (_, first) = anonymise(&rows, identifiers(2), 5);
    let (_, second) = anonymise(&rows, identifiers(2), 5);
    assert_eq!(first, second);
}

#[test]
fn one_respondent_alone_in_a_district_is_hidden_and_the_rest_keep_theirs() {
    let mut rows: Vec<Row> = (0..30)
        .map(|_| row("female", 30, ("north", "north-hills"), 3, 2, 0))
        .collect();
    rows.push(row("female", 30, ("north", "north-river"), 3, 2, 0));
    let (plan, released) = anonymise(&rows, identifiers(2), 5);
    assert_k_anonymous(&released, &identifiers(2), 5);
    assert!(
        released.iter().all(|row| row[DISTRICT] != "north-river"),
        "the lone district never shows"
    );
    // A few cells suppressed are cheaper than every row losing its
    // district, and no row is lost.
    assert_eq!(
        plan.column(DISTRICT).map(|(r, _)| r),
        Some(Released::AreaLevels(2))
    );
    assert!(
        released
            .iter()
            .filter(|row| row[DISTRICT] == "north-hills")
            .count()
            >= 25
    );
    assert_eq!(plan.rows_left_out(), 0);
    assert_eq!(released.len(), 31);
    let kept = released
        .iter()
        .find(|row| row[DISTRICT] == "north-hills")
        .expect("a row keeps its district");
    assert_eq!(kept[AGE], "25-34", "ages in the scheme's bands");
}

#[test]
fn areas_never_show_deeper_than_the_policy_allows() {
    let rows: Vec<Row> = (0..20)
        .map(|_| row("male", 40, ("south", "south-coast"), 5, 3, 1))
        .collect();
    let (plan, released) = anonymise(&rows, identifiers(1), 5);
    assert!(released.iter().all(|row| row[DISTRICT] == WITHHELD));
    assert!(released.iter().all(|row| row[REGION] == "south"));
    assert_eq!(plan.column(REGION), Some((Released::AreaLevels(1), 0)));
}

#[test]
fn identical_respondents_are_released_at_the_finest_level() {
    let rows: Vec<Row> = (0..7)
        .map(|_| row("male", 70, ("south", "south-coast"), 11, 4, 0))
        .collect();
    let (plan, released) = anonymise(&rows, identifiers(2), 5);
    assert_eq!(released.len(), 7);
    assert_eq!(
        (released[0][AGE].as_ref(), released[0][MONTH].as_ref()),
        ("65+", "2026-11"),
        "the top code"
    );
    assert_eq!(plan.column(MONTH), Some((Released::AsAnswered, 0)));
}

#[test]
fn an_empty_survey_gives_an_empty_file() {
    let (plan, released) = anonymise(&[], identifiers(2), 5);
    assert!(released.is_empty());
    assert_eq!(plan.rows_left_out(), 0);
}

#[test]
fn fewer_rows_than_k_are_all_left_out() {
    let rows = generated(4, 5);
    let (plan, released) = anonymise(&rows, identifiers(2), 5);
    assert!(released.is_empty());
    assert_eq!(plan.rows_left_out(), 4);
}

#[test]
fn k_rows_or_more_are_never_left_out_however_different() {
    for n in [5, 6, 9, 13] {
        let rows = generated(n, 40 + n as u64);
        let (plan, released) = anonymise(&rows, identifiers(2), 5);
        assert_k_anonymous(&released, &identifiers(2), 5);
        assert_eq!((plan.rows_left_out(), released.len()), (0, n));
    }
}

#[test]
fn huge_households_are_top_coded() {
    let rows: Vec<Row> = [1, 2, 11, 25, 400, 4_000_000_000]
        .iter()
        .cycle()
        .take(60)
        .enumerate()
        .map(|(at, size)| {
            row(
                "female",
                30,
                ("north", "north-hills"),
                1 + at as u32 % 2,
                *size,
                0,
            )
        })
        .collect();
    let (_, released) = anonymise(&rows, identifiers(2), 5);
    assert_k_anonymous(&released, &identifiers(2), 5);
    let sizes: std::collections::BTreeSet<&str> =
        released.iter().map(|row| row[SIZE].as_ref()).collect();
    assert!(
        sizes
            .iter()
            .all(|size| ["1", "2", "10+", "1-2", "6+", "*"].contains(size)),
        "{sizes:?}"
    );
}

#[test]
fn a_record_that_changed_between_the_passes_is_left_out() {
    let rows = generated(50, 6);
    let mut collector = Collector::new(identifiers(2));
    for (at, row) in rows.iter().enumerate() {
        collector.add(&format!("r{at}"), std::slice::from_ref(row));
    }
    let plan = collector.plan(5);
    let mut changed = vec![rows[0].clone()];
    changed[0][SEX] = Cow::Borrowed("other");
    assert!(!plan.release("r0", &mut changed), "a new answer");
    let mut extra = vec![rows[1].clone(), rows[1].clone()];
    assert!(!plan.release("r1", &mut extra), "a new row");
    assert!(
        !plan.release("r-new", &mut vec![rows[2].clone()]),
        "a new record"
    );
}

#[test]
fn scales_generalise_as_the_codebook_says() {
    let age = Scale::Age(AgeScheme::Sadd);
    assert_eq!(age.release(&["3"], 0), ["0-4"]);
    assert_eq!(age.release(&["3"], 1), ["0-11"]);
    assert_eq!(age.release(&["61"], 1), ["60+"]);
    assert_eq!(age.release(&["-4"], 0), [""]);
    assert_eq!(age.release(&["3"], 2), [WITHHELD]);
    assert_eq!(
        age.describe(1),
        Released::Bands("0-11, 12-59, 60+".to_owned())
    );
    let month = Scale::Month;
    assert_eq!(month.release(&["2026-11"], 1), ["2026-Q4"]);
    assert_eq!(month.release(&["2026-01"], 2), ["2026"]);
    assert_eq!(month.release(&["garbage"], 1), [""]);
    let difficulty = Scale::Difficulty {
        disabled_if: vec!["a_lot".into(), "cannot".into()],
    };
    assert_eq!(
        difficulty.release(&["cannot", "some", ""], 1),
        ["1", "0", ""]
    );
    assert_eq!(Scale::Children.release(&["7"], 1), ["3+"]);
}
