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
    let mut strata: Vec<&str> = Vec::new();
    let mut psu_ids: Vec<(usize, &str)> = Vec::new();
    let mut psus: Vec<PsuSums> = Vec::new();
    let mut n = 0;
    for (i, o) in observations.iter().enumerate() {
        let stratum = match strata.iter().position(|s| *s == o.stratum) {
            Some(at) => at,
            None => {
                strata.push(o.stratum);
                strata.len() - 1
            }
        };
        let at = match psu_ids
            .iter()
            .position(|&(s, p)| s == stratum && p == o.psu)
        {
            Some(at) => at,
            None => {
                psu_ids.push((stratum, o.psu));
                psus.push(PsuSums {
                    stratum,
                    sums: vec![(0.0, 0.0)],
                    seen: false,
                });
                psus.len() - 1
            }
        };
        if in_domain(i) {
            n += 1;
            let psu = &mut psus[at];
            psu.sums[0].0 += o.weight * o.value;
            psu.sums[0].1 += o.weight;
            psu.seen |= o.weight > 0.0;
        }
    }
    let mut psus_per_stratum = vec![0; strata.len()];
    for &(stratum, _) in &psu_ids {
        psus_per_stratum[stratum] += 1;
    }
    mean_of_ratios(&psus, &psus_per_stratum, n)
}

/// One PSU's weighted sums for a domain, one pair per component: Σ w·y over
/// the units in the numerator and Σ w over those in the denominator.
#[derive(Clone, Debug, PartialEq)]
pub struct PsuSums {
    /// Index into the design's strata.
    pub stratum: usize,
    pub sums: Vec<(f64, f64)>,
    /// Whether a unit of the domain with a positive weight is in this PSU.
    pub seen: bool,
}

/// The mean of one ratio per component (a proportion when there is one
/// component; SDG 16.7.2 averages two) from per-PSU sums, with the
/// linearised standard error. `psus` lists the PSUs the domain touches;
/// `psus_per_stratum` counts every PSU of the design, for PSUs without the
/// domain still count (they contribute zero, as in R's `svyby`). `n` is the
/// unweighted count reported with the estimate. `None` when a component has
/// no weight in its denominator.
pub fn mean_of_ratios(psus: &[PsuSums], psus_per_stratum: &[usize], n: usize) -> Option<Estimate> {
    let components = psus.first().map_or(0, |psu| psu.sums.len());
    let mut totals = vec![(0.0, 0.0); components];
    for psu in psus {
        for (total, sums) in totals.iter_mut().zip(&psu.sums) {
            total.0 += sums.0;
            total.1 += sums.1;
        }
    }
    let mut variance = RatioVariance::new(&totals, psus_per_stratum.len())?;
    for psu in psus {
        variance.add_psu(psu.stratum, &psu.sums, psu.seen);
    }
    variance.finish(psus_per_stratum, n)
}

/// [`mean_of_ratios`] fed one PSU at a time, for callers that stream
/// millions of units: first the domain's totals, then each PSU's sums.
#[derive(Clone, Debug)]
pub struct RatioVariance {
    ratios: Vec<f64>,
    denominators: Vec<f64>,
    estimate: f64,
    /// Per stratum: Σ z, Σ z², PSUs with the domain seen.
    strata: Vec<(f64, f64, usize)>,
}

impl RatioVariance {
    /// `totals` holds (Σ w·y, Σ w) per component over the whole domain.
    /// `None` when a component has no weight in its denominator.
    pub fn new(totals: &[(f64, f64)], strata: usize) -> Option<Self> {
        if totals.is_empty() || totals.iter().any(|&(_, weight)| weight <= 0.0) {
            return None;
        }
        let ratios: Vec<f64> = totals.iter().map(|(y, x)| y / x).collect();
        let estimate = ratios.iter().sum::<f64>() / ratios.len() as f64;
        Some(Self {
            ratios,
            denominators: totals.iter().map(|&(_, x)| x).collect(),
            estimate,
            strata: vec![(0.0, 0.0, 0); strata],
        })
    }

    pub fn estimate(&self) -> f64 {
        self.estimate
    }

    /// One PSU's sums (as in [`PsuSums`]); PSUs the domain does not touch
    /// may be left out.
    pub fn add_psu(&mut self, stratum: usize, sums: &[(f64, f64)], seen: bool) {
        let k = self.ratios.len() as f64;
        let score = sums
            .iter()
            .zip(&self.ratios)
            .zip(&self.denominators)
            .map(|(((y, x), r), total)| (y - r * x) / total)
            .sum::<f64>()
            / k;
        if let Some(at) = self.strata.get_mut(stratum) {
            at.0 += score;
            at.1 += score * score;
            at.2 += usize::from(seen);
        }
    }

    /// The estimate with its standard error; `psus_per_stratum` counts every
    /// PSU of the design, touched by the domain or not.
    pub fn finish(self, psus_per_stratum: &[usize], n: usize) -> Option<Estimate> {
        if n == 0 {
            return None;
        }
        let mut variance = 0.0;
        let (mut domain_psus, mut domain_strata) = (0usize, 0usize);
        for (&(sum, squares, seen), &n_h) in self.strata.iter().zip(psus_per_stratum) {
            domain_psus += seen;
            domain_strata += usize::from(seen > 0);
            if n_h < 2 {
                // A stratum with one PSU contributes nothing it can measure.
                continue;
            }
            let n_h = n_h as f64;
            // Σ (z − z̄)² over all n_h PSUs, the untouched ones having z = 0.
            let spread = (squares - sum * sum / n_h).max(0.0);
            variance += n_h / (n_h - 1.0) * spread;
        }
        Some(Estimate {
            estimate: self.estimate,
            standard_error: variance.sqrt(),
            n,
            degrees_of_freedom: domain_psus as f64 - domain_strata as f64,
        })
    }
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
    // Newton's method on the distribution function, kept inside a
    // shrinking bracket (bisecting whenever a step would leave it): a few
    // steps instead of fifty bisections, and never lost.
    let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    let (mut low, mut high) = (0.0f64, 1.0f64);
    let mut x = a / (a + b);
    for _ in 0..200 {
        let gap = regularized_incomplete_beta(x, a, b) - p;
        if gap < 0.0 {
            low = x;
        } else {
            high = x;
        }
        let density = ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_beta).exp();
        let newton = x - gap / density;
        let next = if density > 0.0 && newton > low && newton < high {
            newton
        } else {
            0.5 * (low + high)
        };
        if (next - x).abs() <= 1e-15 * x.max(1e-300) || high - low < 1e-16 {
            return next;
        }
        x = next;
    }
    x
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
        // A few ulps: a stricter test can oscillate forever at the last bit.
        if (step - 1.0).abs() < 4.0 * f64::EPSILON {
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
