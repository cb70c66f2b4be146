//! Survey estimators: weighted means and proportions with standard errors
//! by Taylor linearisation over strata and primary sampling units (PSUs),
//! the Korn–Graubard confidence interval with design degrees of freedom,
//! and the Wilson interval when there is no design information.
//!
//! The variance is the with-replacement approximation at the first stage,
//! as R's `survey` package computes by default (`svydesign(ids, strata,
//! weights)` without finite population corrections); it is checked against
//! that package in `tests/oracle.rs`.

/// One respondent (or roster member) as the estimators see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation<'a> {
    /// The value: 0 or 1 for a proportion.
    pub value: f64,
    pub weight: f64,
    pub stratum: &'a str,
    pub psu: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub standard_error: f64,
    /// Observations used (unweighted n).
    pub n: usize,
    /// Design degrees of freedom: PSUs minus strata.
    pub degrees_of_freedom: f64,
}

/// A PSU's summed linearised scores, and whether the domain appears in it.
type PsuTotal<'a> = (&'a str, f64, bool);

impl Estimate {
    /// p(1−p)/SE², capped at n (DOMAIN §4); n when the SE is zero.
    pub fn effective_n(&self) -> f64 {
        let p = self.estimate;
        let variance = self.standard_error.powi(2);
        let n = self.n as f64;
        if variance > 0.0 {
            (p * (1.0 - p) / variance).min(n)
        } else {
            n
        }
    }
}

/// The weighted mean of `observations` (a proportion when values are 0/1)
/// and its linearised standard error. `None` without observations or weight.
pub fn mean(observations: &[Observation<'_>]) -> Option<Estimate> {
    mean_in_domain(observations, |_| true)
}

/// The mean over the units `in_domain` admits (women, a district, an age
/// band) with the whole design kept: units outside the domain contribute
/// zero to the variance but their PSUs still count, as in R's `svyby`.
/// Degrees of freedom count the PSUs and strata the domain appears in.
pub fn mean_in_domain(
    observations: &[Observation<'_>],
    in_domain: impl Fn(usize) -> bool,
) -> Option<Estimate> {
    let mut total_weight = 0.0;
    let mut weighted_sum = 0.0;
    let mut n = 0;
    for (i, o) in observations.iter().enumerate() {
        if in_domain(i) {
            total_weight += o.weight;
            weighted_sum += o.weight * o.value;
            n += 1;
        }
    }
    if n == 0 || total_weight <= 0.0 {
        return None;
    }
    let estimate = weighted_sum / total_weight;
    // Linearised scores summed per PSU, PSUs grouped by stratum; each PSU
    // remembers whether the domain appears in it.
    let mut strata: Vec<(&str, Vec<PsuTotal<'_>>)> = Vec::new();
    for (i, o) in observations.iter().enumerate() {
        let member = in_domain(i);
        let score = if member {
            o.weight * (o.value - estimate) / total_weight
        } else {
            0.0
        };
        let psus = match strata.iter_mut().position(|(s, _)| *s == o.stratum) {
            Some(at) => &mut strata[at].1,
            None => {
                strata.push((o.stratum, Vec::new()));
                &mut strata.last_mut().expect("just pushed").1
            }
        };
        match psus.iter_mut().find(|(p, _, _)| *p == o.psu) {
            Some((_, total, seen)) => {
                *total += score;
                *seen |= member && o.weight > 0.0;
            }
            None => psus.push((o.psu, score, member && o.weight > 0.0)),
        }
    }
    let mut variance = 0.0;
    let (mut domain_psus, mut domain_strata) = (0usize, 0usize);
    for (_, psus) in &strata {
        let seen = psus.iter().filter(|(_, _, seen)| *seen).count();
        domain_psus += seen;
        domain_strata += usize::from(seen > 0);
        let n_h = psus.len();
        if n_h < 2 {
            // A stratum with one PSU contributes nothing it can measure.
            continue;
        }
        let mean_h = psus.iter().map(|(_, z, _)| z).sum::<f64>() / n_h as f64;
        let spread: f64 = psus.iter().map(|(_, z, _)| (z - mean_h).powi(2)).sum();
        variance += n_h as f64 / (n_h as f64 - 1.0) * spread;
    }
    Some(Estimate {
        estimate,
        standard_error: variance.sqrt(),
        n,
        degrees_of_freedom: domain_psus as f64 - domain_strata as f64,
    })
}

/// Korn–Graubard's interval for a proportion (R `svyciprop(method = "beta")`):
/// a Clopper–Pearson interval on the effective sample size, adjusted for the
/// design's degrees of freedom. `level` is e.g. 0.95.
pub fn korn_graubard(estimate: &Estimate, level: f64) -> Option<(f64, f64)> {
    let p = estimate.estimate;
    let variance = estimate.standard_error.powi(2);
    if !(0.0..=1.0).contains(&p) || estimate.n < 2 || estimate.degrees_of_freedom < 1.0 {
        return None;
    }
    let alpha = 1.0 - level;
    let mut effective_n = if variance > 0.0 {
        p * (1.0 - p) / variance
    } else {
        estimate.n as f64
    };
    let ratio = student_t_quantile(alpha / 2.0, estimate.n as f64 - 1.0)
        / student_t_quantile(alpha / 2.0, estimate.degrees_of_freedom);
    effective_n *= ratio * ratio;
    let successes = effective_n * p;
    let lower = if successes <= 0.0 {
        0.0
    } else {
        beta_quantile(alpha / 2.0, successes, effective_n * (1.0 - p) + 1.0)
    };
    let upper = if successes >= effective_n {
        1.0
    } else {
        beta_quantile(1.0 - alpha / 2.0, successes + 1.0, effective_n * (1.0 - p))
    };
    Some((lower, upper))
}

/// Wilson's score interval for `successes` of `n` (simple random sampling).
pub fn wilson(successes: f64, n: f64, level: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let z = -normal_quantile((1.0 - level) / 2.0);
    let p = successes / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((centre - half, centre + half))
}

/// The standard normal quantile (Acklam's rational approximation refined
/// by one Halley step on erfc: |error| < 1e-15).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    // The Student t quantile with huge degrees of freedom is the normal's.
    student_t_quantile(p, 1e12)
}

/// The Student t quantile with `df` degrees of freedom, through the inverse
/// regularised incomplete beta function.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    let tail = p.min(1.0 - p);
    let x = beta_quantile(2.0 * tail, df / 2.0, 0.5);
    let t = (df * (1.0 - x) / x).sqrt();
    if p < 0.5 { -t } else { t }
}

/// The quantile of the Beta(a, b) distribution, by bisection on the
/// regularised incomplete beta function (to machine precision).
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if regularized_incomplete_beta(middle, a, b) < p {
            low = middle;
        } else {
            high = middle;
        }
        if high - low < 1e-16 {
            break;
        }
    }
    0.5 * (low + high)
}

/// I_x(a, b), by Lentz's continued fraction (Numerical Recipes' `betacf`).
pub fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(x, a, b) / a
    } else {
        1.0 - front * continued_fraction(1.0 - x, b, a) / b
    }
}

fn continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let away_from_zero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / away_from_zero(1.0 - qab * x / qap);
    let mut h = d;
    // One step of Lentz's method for the next coefficient; returns the factor.
    let advance = |coefficient: f64, c: &mut f64, d: &mut f64| {
        *d = 1.0 / away_from_zero(1.0 + coefficient * *d);
        *c = away_from_zero(1.0 + coefficient / *c);
        *d * *c
    };
    for m in 1..10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        h *= advance(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let step = advance(
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
            &mut c,
            &mut d,
        );
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}
