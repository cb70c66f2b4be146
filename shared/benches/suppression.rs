//! Working out what a table withholds (`suppression::protect`) over the
//! lattices the aggregates page asks for: a three-way table (sex × age
//! band × region), the same filtered on a month (the period becomes a
//! dimension), and filtered on a month and an area, with about a third of
//! the cells under the policy's minimum n of 25. The limit the server sets
//! (`MAX_PROTECTED_CELLS`, 5,000) is chosen from these figures.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use salama_shared::suppression::{Lattice, protect};

/// Counts for every cell: a third empty, a third small, a third large,
/// from a fixed xorshift sequence.
fn counts(cells: usize) -> Vec<u64> {
    let mut seed = 99u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..cells)
        .map(|_| match next() % 10 {
            0..=2 => 0,
            3..=5 => 1 + next() % 20,
            _ => 20 + next() % 200,
        })
        .collect()
}

fn suppression(c: &mut Criterion) {
    let mut group = c.benchmark_group("protect (min n 25)");
    group.sample_size(10);
    for (name, sizes) in [
        ("sex x age x region (336 cells)", vec![3, 7, 16]),
        (
            "month x sex x age x region (4,032 cells)",
            vec![12, 3, 7, 16],
        ),
        (
            "month x area x sex x age x region (15,120 cells)",
            vec![12, 10, 3, 7, 6],
        ),
    ] {
        let lattice = Lattice::new(sizes.clone());
        let margins = lattice.margins(&counts(sizes.iter().product()));
        group.bench_function(name, |b| {
            b.iter(|| protect(black_box(&lattice), black_box(&margins), |n| n < 25, None))
        });
    }
    group.finish();
}

criterion_group!(benches, suppression);
criterion_main!(benches);
