//! Secondary suppression that holds across a table and every margin of it
//! (DOMAIN §4, issue #18).
//!
//! A table over dimensions D (sex × age band × area, say, and the period
//! or area a filter selects) is published together with its margins: every
//! table over a subset of D is something an analyst can ask for on its
//! own, and the grand total is in all of them. A value withheld in one of
//! these tables must not follow from the values shown in all of them.
//!
//! The pattern is worked out once per lattice, the smaller margins first,
//! each margin's pattern fixed before the tables above it are solved. So a
//! margin is withheld the same way whether it is asked for alone or seen
//! as the margin of a bigger table, and two tables that share a margin
//! agree on it. Each table then hides further cells of its own until no
//! sensitive value anywhere in its lattice is determined by the shown
//! values: checked exactly, by linear algebra over the integers modulo a
//! 61-bit prime, on the equations "a margin cell is the sum of the cells
//! above it". A sensitive value is determined exactly when its unit vector
//! lies in the row space of those equations restricted to the withheld
//! values, that is when it is a pivot of the reduced row echelon form with
//! no free column in its row.
//!
//! Counts are the measure: a cell's unweighted n for estimates (its
//! weighted sums follow the same equations, so the same pattern protects
//! them), and each reported category's count.

/// More dimensions than a table can have (three breakdowns and two filters).
pub const MAX_DIMENSIONS: usize = 6;

/// Withheld values one connected block of equations may hold before the
/// exact check is given up for that block and every cell of the table in
/// it is withheld instead: bounds the cost by the limits, not the data.
pub const MAX_UNKNOWNS: usize = 3000;

/// Rounds of adding complementary cells before the table falls back to
/// withholding every cell around what is still exposed.
const MAX_ROUNDS: usize = 64;

/// The tables over every subset of a set of dimensions. A subset is a bit
/// mask over the dimensions; its cells are numbered in mixed radix with the
/// first dimension slowest, as the full table's are.
#[derive(Clone, Debug)]
pub struct Lattice {
    sizes: Vec<usize>,
}

impl Lattice {
    /// `sizes`: how many values each dimension has (at least one each).
    pub fn new(sizes: Vec<usize>) -> Self {
        assert!(sizes.len() <= MAX_DIMENSIONS, "too many dimensions");
        Self {
            sizes: sizes.into_iter().map(|size| size.max(1)).collect(),
        }
    }

    pub fn dimensions(&self) -> usize {
        self.sizes.len()
    }

    /// The mask of the full table.
    pub fn full(&self) -> usize {
        (1 << self.sizes.len()) - 1
    }

    pub fn masks(&self) -> usize {
        1 << self.sizes.len()
    }

    /// Cells of the table over `mask`.
    pub fn len(&self, mask: usize) -> usize {
        self.dims(mask).map(|d| self.sizes[d]).product()
    }

    fn dims(&self, mask: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.sizes.len()).filter(move |d| mask & (1 << d) != 0)
    }

    /// Each dimension's value in cell `index` of `mask`'s table (zero for
    /// dimensions outside the mask).
    pub fn coordinates(&self, mask: usize, index: usize) -> Vec<usize> {
        let mut coordinates = vec![0; self.sizes.len()];
        let mut rest = index;
        for d in self.dims(mask).collect::<Vec<_>>().into_iter().rev() {
            coordinates[d] = rest % self.sizes[d];
            rest /= self.sizes[d];
        }
        coordinates
    }

    /// The cell of `mask`'s table holding `coordinates`.
    pub fn index(&self, mask: usize, coordinates: &[usize]) -> usize {
        self.dims(mask)
            .fold(0, |index, d| index * self.sizes[d] + coordinates[d])
    }

    /// Every margin's counts from the full table's (`full.len()` must be
    /// `self.len(self.full())`).
    pub fn margins(&self, full: &[u64]) -> Vec<Vec<u64>> {
        let mut tables: Vec<Vec<u64>> = (0..self.masks()).map(|m| vec![0; self.len(m)]).collect();
        for (cell, &count) in full.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let coordinates = self.coordinates(self.full(), cell);
            for (mask, table) in tables.iter_mut().enumerate() {
                table[self.index(mask, &coordinates)] += count;
            }
        }
        tables
    }

    /// Masks in the order they are solved: fewer dimensions first.
    fn order(&self) -> Vec<usize> {
        let mut masks: Vec<usize> = (0..self.masks()).collect();
        masks.sort_by_key(|&mask| (mask.count_ones(), mask));
        masks
    }
}

/// Which cells of each margin are withheld, and which of them for their
/// own sake (the rest protect those).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pattern {
    pub hidden: Vec<Vec<bool>>,
    pub sensitive: Vec<Vec<bool>>,
    /// Sensitive cells that no further withholding in the lattice could
    /// protect: only when a cell holds exactly the same units as a shown
    /// cell of another margin, which then is as sensitive and withheld
    /// too. Kept for the tests; empty in practice.
    pub exposed: Vec<(usize, usize)>,
}

/// Works out the pattern for `counts` (every margin's, from
/// [`Lattice::margins`]): a non-zero count `is_sensitive` is withheld, and
/// complementary cells until none of them can be derived. With `floor`,
/// every cell withheld there is withheld here too (and stays sensitive):
/// a stricter request never shows a value the policy's own table hides,
/// so the two cannot be combined.
pub fn protect(
    lattice: &Lattice,
    counts: &[Vec<u64>],
    is_sensitive: impl Fn(u64) -> bool,
    floor: Option<&Pattern>,
) -> Pattern {
    let masks = lattice.masks();
    let mut pattern = Pattern {
        hidden: (0..masks).map(|m| vec![false; lattice.len(m)]).collect(),
        sensitive: (0..masks).map(|m| vec![false; lattice.len(m)]).collect(),
        exposed: Vec::new(),
    };
    for mask in lattice.order() {
        for (cell, &count) in counts[mask].iter().enumerate() {
            let sensitive = count > 0
                && (is_sensitive(count) || floor.is_some_and(|f| f.sensitive[mask][cell]));
            pattern.sensitive[mask][cell] = sensitive;
            pattern.hidden[mask][cell] = sensitive || floor.is_some_and(|f| f.hidden[mask][cell]);
        }
        solve(lattice, counts, mask, &mut pattern);
    }
    pattern
}

/// Adds complementary cells to `top`'s table until no sensitive cell of
/// its lattice is determined.
fn solve(lattice: &Lattice, counts: &[Vec<u64>], top: usize, pattern: &mut Pattern) {
    let withhold_all = |pattern: &mut Pattern| {
        pattern.hidden[top]
            .iter_mut()
            .for_each(|hidden| *hidden = true);
    };
    let mut given_up: Vec<(usize, usize)> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let Some(found) = determined(lattice, top, pattern) else {
            // Too many withheld values to check within the limits: the
            // table is mostly small cells; withholding all of it leaves
            // only its margins, which were checked on their own.
            withhold_all(pattern);
            return;
        };
        let exposed: Vec<(usize, usize)> = found
            .into_iter()
            .filter(|&(mask, cell)| {
                pattern.sensitive[mask][cell] && !given_up.contains(&(mask, cell))
            })
            .collect();
        if exposed.is_empty() {
            break;
        }
        let mut added = false;
        for &(mask, cell) in &exposed {
            match complement(lattice, counts, top, pattern, mask, cell) {
                Some(chosen) => {
                    pattern.hidden[top][chosen] = true;
                    added = true;
                }
                None => given_up.push((mask, cell)),
            }
        }
        if !added {
            break;
        }
    }
    // Whatever is still derivable after the rounds: withhold every cell of
    // this table over it, then record what even that cannot protect.
    let Some(found) = determined(lattice, top, pattern) else {
        withhold_all(pattern);
        return;
    };
    let still: Vec<(usize, usize)> = found
        .into_iter()
        .filter(|&(mask, cell)| pattern.sensitive[mask][cell])
        .collect();
    if still.is_empty() {
        return;
    }
    for &(mask, cell) in &still {
        for chosen in fibre(lattice, top, mask, cell) {
            pattern.hidden[top][chosen] = true;
        }
    }
    let exposed = |pattern: &Pattern| {
        determined(lattice, top, pattern).map(|found| {
            found
                .into_iter()
                .filter(|&(mask, cell)| pattern.sensitive[mask][cell])
                .collect::<Vec<_>>()
        })
    };
    // Still derivable: this table shows nothing more at all; what even
    // that leaves derivable is recorded (a cell holding exactly the units
    // of a shown cell of another margin, which is then as sensitive).
    if exposed(pattern).is_none_or(|found| !found.is_empty()) {
        withhold_all(pattern);
        if let Some(found) = exposed(pattern) {
            for found in found {
                if !pattern.exposed.contains(&found) {
                    pattern.exposed.push(found);
                }
            }
        }
    }
}

/// The cells of `top`'s table that sum into cell `cell` of `mask` (a
/// margin of `top`, or `top` itself: the cell alone).
fn fibre(lattice: &Lattice, top: usize, mask: usize, cell: usize) -> Vec<usize> {
    let mut coordinates = lattice.coordinates(mask, cell);
    let free: Vec<usize> = lattice.dims(top & !mask).collect();
    let mut cells = Vec::new();
    loop {
        cells.push(lattice.index(top, &coordinates));
        // Count through the free dimensions like an odometer.
        let mut carried = true;
        for &d in free.iter().rev() {
            coordinates[d] += 1;
            if coordinates[d] < lattice.sizes[d] {
                carried = false;
                break;
            }
            coordinates[d] = 0;
        }
        if carried {
            return cells;
        }
    }
}

/// A shown cell of `top`'s table to withhold so that sensitive cell
/// `cell` of `mask` is no longer determined: in its fibre if `mask` is a
/// margin, else on one of its lines; the smallest non-zero count (the
/// least information lost, while a withheld zero beside a withheld 1
/// still tells that the two hold 1 between them), then the lowest index,
/// so the choice is the same every time. Zeros are taken when nothing
/// else is left: a shown zero says which populations are nested in others
/// (everyone answering in September lives in the north), and two margins
/// shown on their own then subtract into a withheld cell, which only a
/// withheld zero can leave open.
fn complement(
    lattice: &Lattice,
    counts: &[Vec<u64>],
    top: usize,
    pattern: &Pattern,
    mask: usize,
    cell: usize,
) -> Option<usize> {
    let shown = |index: &usize| !pattern.hidden[top][*index];
    let best = |candidates: Vec<usize>| {
        candidates
            .into_iter()
            .filter(shown)
            .min_by_key(|&index| (counts[top][index] == 0, counts[top][index], index))
    };
    if mask != top
        && let Some(found) = best(fibre(lattice, top, mask, cell))
    {
        return Some(found);
    }
    // On the lines through the withheld cells of the fibre (or through the
    // cell itself).
    let hidden_fibre: Vec<usize> = fibre(lattice, top, mask, cell)
        .into_iter()
        .filter(|&index| pattern.hidden[top][index])
        .collect();
    let mut neighbours = Vec::new();
    for &index in &hidden_fibre {
        let coordinates = lattice.coordinates(top, index);
        for d in lattice.dims(top) {
            for value in 0..lattice.sizes[d] {
                if value != coordinates[d] {
                    let mut other = coordinates.clone();
                    other[d] = value;
                    neighbours.push(lattice.index(top, &other));
                }
            }
        }
    }
    best(neighbours)
}

/// The withheld cells of `top`'s lattice (every margin of `top`, and
/// `top`) that the shown values determine, in the blocks of equations
/// that hold a sensitive cell; `None` when some block of
/// equations holds more than [`MAX_UNKNOWNS`] withheld values.
fn determined(lattice: &Lattice, top: usize, pattern: &Pattern) -> Option<Vec<(usize, usize)>> {
    let submasks: Vec<usize> = (0..lattice.masks()).filter(|&m| m & !top == 0).collect();
    // Unknowns: the withheld cells, zeros included (a withheld zero is not
    // known to be one).
    let mut unknown_of: Vec<Vec<u32>> = Vec::new();
    let mut unknowns: Vec<(usize, usize)> = Vec::new();
    for mask in 0..lattice.masks() {
        let mut ids = Vec::new();
        if submasks.contains(&mask) {
            ids = vec![u32::MAX; lattice.len(mask)];
            for (cell, id) in ids.iter_mut().enumerate() {
                if pattern.hidden[mask][cell] {
                    *id = unknowns.len() as u32;
                    unknowns.push((mask, cell));
                }
            }
        }
        unknown_of.push(ids);
    }
    if unknowns.is_empty() {
        return Some(Vec::new());
    }
    // Equations: for each margin and each dimension it has, a cell of the
    // margin without that dimension is the sum of the cells along it.
    let mut equations: Vec<Vec<u32>> = Vec::new();
    let mut minus: Vec<Option<u32>> = Vec::new();
    for &mask in &submasks {
        for d in lattice.dims(mask) {
            let below = mask & !(1 << d);
            for cell in 0..lattice.len(below) {
                let mut coordinates = lattice.coordinates(below, cell);
                let mut plus = Vec::new();
                for value in 0..lattice.sizes[d] {
                    coordinates[d] = value;
                    let id = unknown_of[mask][lattice.index(mask, &coordinates)];
                    if id != u32::MAX {
                        plus.push(id);
                    }
                }
                let sum = unknown_of[below][cell];
                if plus.is_empty() && sum == u32::MAX {
                    continue;
                }
                equations.push(plus);
                minus.push((sum != u32::MAX).then_some(sum));
            }
        }
    }
    // Blocks of unknowns tied by some equation are solved apart.
    let mut blocks = UnionFind::new(unknowns.len());
    for (plus, sum) in equations.iter().zip(&minus) {
        let mut members = plus.iter().copied().chain(*sum);
        if let Some(first) = members.next() {
            for other in members {
                blocks.join(first as usize, other as usize);
            }
        }
    }
    let mut by_block: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for (at, (plus, sum)) in equations.iter().zip(&minus).enumerate() {
        if let Some(&first) = plus.first().or(sum.as_ref()) {
            by_block
                .entry(blocks.root(first as usize))
                .or_default()
                .push(at);
        }
    }
    let mut size_of = vec![0usize; unknowns.len()];
    // Only blocks holding a sensitive value are worth solving: what the
    // equations fix elsewhere are complements and zeros, shown or not.
    let mut sensitive_in = vec![false; unknowns.len()];
    for (id, &(mask, cell)) in unknowns.iter().enumerate() {
        let root = blocks.root(id);
        size_of[root] += 1;
        sensitive_in[root] |= pattern.sensitive[mask][cell];
    }
    let mut found = Vec::new();
    let mut blocks_sorted: Vec<_> = by_block.into_iter().collect();
    blocks_sorted.sort_by_key(|(root, _)| *root);
    for (root, rows) in blocks_sorted {
        if !sensitive_in[root] {
            continue;
        }
        if size_of[root] > MAX_UNKNOWNS {
            return None;
        }
        let mut echelon = Echelon::default();
        for at in rows {
            let mut row: Vec<(u32, u64)> = equations[at].iter().map(|&id| (id, 1)).collect();
            if let Some(sum) = minus[at] {
                row.push((sum, MODULUS - 1));
            }
            row.sort_unstable();
            echelon.insert(row);
        }
        found.extend(
            echelon
                .determined()
                .into_iter()
                .map(|id| unknowns[id as usize]),
        );
    }
    // Unknowns in no equation at all are free; nothing to add for them.
    Some(found)
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(size: usize) -> Self {
        Self {
            parent: (0..size).collect(),
        }
    }

    fn root(&mut self, mut at: usize) -> usize {
        while self.parent[at] != at {
            self.parent[at] = self.parent[self.parent[at]];
            at = self.parent[at];
        }
        at
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

/// 2^61 − 1: the equations' coefficients stay small integers, so ranks
/// modulo this prime are the ranks over the rationals except for minors
/// that are multiples of it, which tables of this size cannot produce
/// (minors of 0/±1 matrices with at most a few thousand columns per block
/// that arise from sums along lines are tiny in practice; the property
/// tests compare with an exact rational check).
const MODULUS: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(MODULUS)) as u64
}

fn inverse(a: u64) -> u64 {
    let (mut base, mut exponent, mut result) = (a, MODULUS - 2, 1u64);
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = mul(result, base);
        }
        base = mul(base, base);
        exponent >>= 1;
    }
    result
}

/// Sparse rows in echelon form, each keyed by its leading column (its
/// pivot, with coefficient 1).
#[derive(Default)]
struct Echelon {
    rows: std::collections::BTreeMap<u32, Vec<(u32, u64)>>,
}

/// `row − factor × other`, both sorted by column.
fn subtract(row: &[(u32, u64)], factor: u64, other: &[(u32, u64)]) -> Vec<(u32, u64)> {
    let mut out = Vec::with_capacity(row.len() + other.len());
    let (mut i, mut j) = (0, 0);
    while i < row.len() || j < other.len() {
        let take_row = j >= other.len() || (i < row.len() && row[i].0 < other[j].0);
        let take_other = i >= row.len() || (j < other.len() && other[j].0 < row[i].0);
        if take_row {
            out.push(row[i]);
            i += 1;
        } else if take_other {
            let value = (MODULUS - mul(factor, other[j].1)) % MODULUS;
            if value != 0 {
                out.push((other[j].0, value));
            }
            j += 1;
        } else {
            let value = (row[i].1 + MODULUS - mul(factor, other[j].1)) % MODULUS;
            if value != 0 {
                out.push((row[i].0, value));
            }
            i += 1;
            j += 1;
        }
    }
    out
}

impl Echelon {
    fn insert(&mut self, mut row: Vec<(u32, u64)>) {
        while let Some(&(lead, value)) = row.first() {
            match self.rows.get(&lead) {
                Some(pivot) => row = subtract(&row, value, pivot),
                None => {
                    let scale = inverse(value);
                    let row = row.into_iter().map(|(c, v)| (c, mul(v, scale))).collect();
                    self.rows.insert(lead, row);
                    return;
                }
            }
        }
    }

    /// The pivots whose fully reduced row holds nothing but the pivot: the
    /// unknowns the equations fix.
    fn determined(mut self) -> Vec<u32> {
        let pivots: Vec<u32> = self.rows.keys().rev().copied().collect();
        let mut reduced: std::collections::HashMap<u32, Vec<(u32, u64)>> = Default::default();
        let mut found = Vec::new();
        for pivot in pivots {
            let mut row = self.rows.remove(&pivot).unwrap_or_default();
            // Clear every later pivot column from the row, using rows that
            // are already reduced (later pivots come first).
            loop {
                let next = row
                    .iter()
                    .skip(1)
                    .find(|(column, _)| reduced.contains_key(column))
                    .copied();
                match next {
                    Some((column, value)) => row = subtract(&row, value, &reduced[&column]),
                    None => break,
                }
            }
            if row.len() == 1 {
                found.push(pivot);
            }
            reduced.insert(pivot, row);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent of the elimination above: whether each withheld cell
    /// of the lattice is fixed by the shown ones, by trying to move it
    /// along the null space found with exact rational (i128 fraction-free)
    /// Gaussian elimination on a dense matrix.
    fn determined_by_dense_check(lattice: &Lattice, pattern: &Pattern) -> Vec<(usize, usize)> {
        let mut unknowns = Vec::new();
        for mask in 0..lattice.masks() {
            for cell in 0..lattice.len(mask) {
                if pattern.hidden[mask][cell] {
                    unknowns.push((mask, cell));
                }
            }
        }
        let id = |mask: usize, cell: usize| unknowns.iter().position(|&u| u == (mask, cell));
        let mut rows: Vec<Vec<i128>> = Vec::new();
        for mask in 0..lattice.masks() {
            for d in lattice.dims(mask) {
                let below = mask & !(1 << d);
                for cell in 0..lattice.len(below) {
                    let mut row = vec![0i128; unknowns.len()];
                    let mut coordinates = lattice.coordinates(below, cell);
                    for value in 0..lattice.sizes[d] {
                        coordinates[d] = value;
                        if let Some(at) = id(mask, lattice.index(mask, &coordinates)) {
                            row[at] += 1;
                        }
                    }
                    if let Some(at) = id(below, cell) {
                        row[at] -= 1;
                    }
                    if row.iter().any(|&v| v != 0) {
                        rows.push(row);
                    }
                }
            }
        }
        // Fraction-free elimination to reduced echelon form.
        let columns = unknowns.len();
        let mut pivot_columns: Vec<usize> = Vec::new();
        let mut r = 0;
        for c in 0..columns {
            let Some(p) = (r..rows.len()).find(|&i| rows[i][c] != 0) else {
                continue;
            };
            rows.swap(r, p);
            let pivot = rows[r].clone();
            for (i, row) in rows.iter_mut().enumerate() {
                if i != r && row[c] != 0 {
                    let factor = row[c];
                    for k in 0..columns {
                        row[k] = row[k] * pivot[c] - factor * pivot[k];
                    }
                    let g = row.iter().fold(0i128, |g, &v| gcd(g, v.abs()));
                    if g > 1 {
                        row.iter_mut().for_each(|v| *v /= g);
                    }
                }
            }
            pivot_columns.push(c);
            r += 1;
        }
        pivot_columns
            .iter()
            .zip(&rows)
            .filter(|(c, row)| {
                (0..columns).all(|k| k == **c || pivot_columns.contains(&k) || row[k] == 0)
            })
            .map(|(c, _)| unknowns[*c])
            .collect()
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    fn random_table(seed: &mut u64, sizes: &[usize]) -> Vec<u64> {
        let cells: usize = sizes.iter().product();
        (0..cells)
            .map(|_| match next(seed) % 10 {
                0 | 1 => 0,
                2..=4 => 1 + next(seed) % 4,
                _ => 5 + next(seed) % 60,
            })
            .collect()
    }

    #[test]
    fn a_small_cell_is_protected_in_a_one_way_table_with_its_total() {
        // 100 women, 3 men, 0 unknown: men alone withheld would be the
        // total minus the women.
        let lattice = Lattice::new(vec![3]);
        let counts = lattice.margins(&[100, 3, 0]);
        let pattern = protect(&lattice, &counts, |n| n < 25, None);
        assert_eq!(pattern.hidden[1], vec![true, true, false]);
        assert!(!pattern.hidden[0][0], "the total is shown");
        assert!(pattern.exposed.is_empty());
        assert!(determined_by_dense_check(&lattice, &pattern).is_empty());
    }

    #[test]
    fn no_withheld_sensitive_cell_is_determined_in_random_lattices() {
        let mut seed = 0x5eed_u64;
        for round in 0..150 {
            let dims = 1 + (round % 3);
            let sizes: Vec<usize> = (0..dims)
                .map(|_| 2 + (next(&mut seed) % 4) as usize)
                .collect();
            let lattice = Lattice::new(sizes.clone());
            let counts = lattice.margins(&random_table(&mut seed, &sizes));
            let pattern = protect(&lattice, &counts, |n| n < 5, None);
            let dense = determined_by_dense_check(&lattice, &pattern);
            let exposed: Vec<_> = dense
                .iter()
                .filter(|&&(mask, cell)| pattern.sensitive[mask][cell])
                .collect();
            // The only exposure allowed is what the pattern itself admits.
            for found in &exposed {
                assert!(
                    pattern.exposed.contains(found),
                    "{sizes:?} {counts:?} {pattern:?}"
                );
            }
            for (mask, table) in counts.iter().enumerate() {
                for (cell, &count) in table.iter().enumerate() {
                    if count > 0 && count < 5 {
                        assert!(pattern.hidden[mask][cell]);
                    }
                }
            }
        }
    }

    #[test]
    fn the_modular_check_agrees_with_the_exact_one() {
        let mut seed = 77_u64;
        for round in 0..200 {
            let dims = 1 + (round % 3);
            let sizes: Vec<usize> = (0..dims)
                .map(|_| 2 + (next(&mut seed) % 3) as usize)
                .collect();
            let lattice = Lattice::new(sizes.clone());
            let counts = lattice.margins(&random_table(&mut seed, &sizes));
            // An arbitrary pattern, not a protected one.
            let hidden: Vec<Vec<bool>> = counts
                .iter()
                .map(|t| {
                    t.iter()
                        .map(|_| next(&mut seed).is_multiple_of(3))
                        .collect()
                })
                .collect();
            let pattern = Pattern {
                sensitive: hidden.clone(),
                hidden,
                exposed: Vec::new(),
            };
            let mut modular =
                determined(&lattice, lattice.full(), &pattern).expect("small enough to check");
            let mut exact = determined_by_dense_check(&lattice, &pattern);
            modular.sort_unstable();
            exact.sort_unstable();
            assert_eq!(modular, exact, "{sizes:?}");
        }
    }

    /// Everyone who answered in September lives in the north: the
    /// September total and the north's, each safe on its own, subtract
    /// into the one northerner who answered in October unless zeros of
    /// the period × area table are withheld too.
    #[test]
    fn nested_margins_do_not_subtract_into_a_small_cell() {
        let lattice = Lattice::new(vec![5, 4]);
        let full = vec![
            0, 0, 1, 0, // August: one in the south
            35, 0, 0, 0, // September: the north only
            1, 33, 0, 0, // October: one northerner
            0, 1, 33, 0, // November
            0, 0, 0, 0, // no date
        ];
        let counts = lattice.margins(&full);
        let pattern = protect(&lattice, &counts, |n| n < 25, None);
        assert!(pattern.exposed.is_empty(), "{pattern:?}");
        let exposed: Vec<_> = determined_by_dense_check(&lattice, &pattern)
            .into_iter()
            .filter(|&(mask, cell)| pattern.sensitive[mask][cell])
            .collect();
        assert!(exposed.is_empty(), "{exposed:?}");
        assert!(
            pattern.hidden[3][lattice.index(3, &[2, 0])],
            "October north"
        );
    }

    #[test]
    fn a_stricter_request_hides_everything_the_policy_hides() {
        let mut seed = 4242_u64;
        for _ in 0..50 {
            let sizes = vec![3, 4];
            let lattice = Lattice::new(sizes.clone());
            let counts = lattice.margins(&random_table(&mut seed, &sizes));
            let policy = protect(&lattice, &counts, |n| n < 5, None);
            let stricter = protect(&lattice, &counts, |n| n < 12, Some(&policy));
            for (a, b) in policy
                .hidden
                .iter()
                .flatten()
                .zip(stricter.hidden.iter().flatten())
            {
                assert!(!a || *b);
            }
        }
    }
}
