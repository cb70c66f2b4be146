//! Validations per second of a realistic default-questionnaire interview with
//! a six-member household roster. Target: at least 100,000 per second on one core.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use salama_shared::form::Form;
use salama_shared::{community_safety, sample, validate};

fn validation(c: &mut Criterion) {
    let survey = community_safety();
    let submission = sample::household_interview();
    assert!(
        validate(&survey, &submission).is_ok(),
        "the benchmark interview must be valid"
    );

    let mut group = c.benchmark_group("validate household interview (6 members)");
    group.throughput(Throughput::Elements(1));
    // What the server does per request: index the survey, then validate.
    group.bench_function("validate(&survey, &submission)", |b| {
        b.iter(|| validate(black_box(&survey), black_box(&submission)).is_ok())
    });
    // With the survey index kept between submissions.
    let form = Form::new(&survey);
    group.bench_function("form.validate(&submission)", |b| {
        b.iter(|| form.validate(black_box(&submission)).is_ok())
    });
    group.finish();

    let mut invalid = sample::household_interview();
    invalid.answers["household"][5]["mem_age"] = serde_json::json!(130);
    invalid.answers["saf_2"] = serde_json::json!("quite_safe");
    c.bench_function("validate interview with two errors", |b| {
        b.iter(|| validate(black_box(&survey), black_box(&invalid)).is_err())
    });
}

criterion_group!(benches, validation);
criterion_main!(benches);
