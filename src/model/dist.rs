//! Probability distributions of times to failure and times to repair.
//!
//! Every parameter is in hours. Constructors check their arguments, so a
//! [`Distribution`] that exists is always valid to sample from.

use rand::Rng;
use rand_distr::{Distribution as _, Exp1, Gamma, LogNormal, Weibull};
use statrs::function::gamma::gamma as gamma_fn;

/// Why a distribution's parameters were rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A parameter must be finite and strictly positive.
    #[error("{name} must be a finite number greater than 0 (got {value})")]
    NotPositive { name: &'static str, value: f64 },
    /// A parameter must be finite and at least zero.
    #[error("{name} must be a finite number of at least 0 (got {value})")]
    Negative { name: &'static str, value: f64 },
    /// A parameter that may have either sign must still be finite.
    #[error("{name} must be a finite number (got {value})")]
    NotFinite { name: &'static str, value: f64 },
    /// The uniform distribution needs `min < max`.
    #[error("min ({min}) must be smaller than max ({max})")]
    EmptyRange { min: f64, max: f64 },
}

fn positive(name: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ParamError::NotPositive { name, value })
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ParamError::Negative { name, value })
    }
}

fn finite(name: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ParamError::NotFinite { name, value })
    }
}

/// The family and parameters of a [`Distribution`], as read back with
/// [`Distribution::parameters`]. Any values can be written here; only
/// [`Distribution::new`] turns them into a distribution, and only when they
/// are valid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parameters {
    /// Exponential with the given mean \[h\].
    Exponential { mean: f64 },
    /// Weibull with shape `k` and scale `lambda` \[h\].
    Weibull { shape: f64, scale: f64 },
    /// Lognormal: `ln T ~ Normal(mu, sigma)`, `mu` in ln-hours.
    LogNormal { mu: f64, sigma: f64 },
    /// Gamma with shape `k` and scale `theta` \[h\].
    Gamma { shape: f64, scale: f64 },
    /// Uniform on `[min, max]` \[h\].
    Uniform { min: f64, max: f64 },
    /// Always the same value \[h\].
    Fixed { value: f64 },
}

/// A distribution of a positive duration \[h\].
///
/// Invariant: its [`Parameters`] are valid (every parameter finite; means,
/// shapes, scales and `sigma` greater than 0; `0 <= min < max`; a fixed
/// value at least 0), so sampling from it, or compiling a model that uses
/// it, never fails. The field is private: every constructor checks.
#[derive(Clone, PartialEq)]
pub struct Distribution(Parameters);

impl std::fmt::Debug for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Distribution {
    /// The distribution with these parameters.
    ///
    /// # Errors
    /// When a parameter is not finite, one that must be positive is not
    /// (a mean, shape, scale, `sigma` or `max`), one that must be at least 0
    /// is not (`min`, a fixed value), or `min >= max`.
    pub fn new(parameters: Parameters) -> Result<Self, ParamError> {
        match parameters {
            Parameters::Exponential { mean } => {
                positive("mean", mean)?;
            }
            Parameters::Weibull { shape, scale } | Parameters::Gamma { shape, scale } => {
                positive("shape", shape)?;
                positive("scale", scale)?;
            }
            Parameters::LogNormal { mu, sigma } => {
                // `sigma` first: from a mean and sd far apart, an infinite
                // `sigma` is the cause of an infinite `mu`.
                positive("sigma", sigma)?;
                finite("mu", mu)?;
            }
            Parameters::Uniform { min, max } => {
                let min = non_negative("min", min)?;
                let max = positive("max", max)?;
                if min >= max {
                    return Err(ParamError::EmptyRange { min, max });
                }
            }
            Parameters::Fixed { value } => {
                non_negative("value", value)?;
            }
        }
        Ok(Self(parameters))
    }

    /// The family and parameters (valid: see [`Distribution`]).
    pub fn parameters(&self) -> &Parameters {
        &self.0
    }

    /// Exponential distribution with mean `mean` \[h\].
    ///
    /// # Errors
    /// When `mean` is not finite and positive.
    pub fn exponential(mean: f64) -> Result<Self, ParamError> {
        Self::new(Parameters::Exponential { mean })
    }

    /// Weibull distribution from its shape and scale \[h\].
    ///
    /// # Errors
    /// When either parameter is not finite and positive.
    pub fn weibull_scale(shape: f64, scale: f64) -> Result<Self, ParamError> {
        Self::new(Parameters::Weibull { shape, scale })
    }

    /// Weibull distribution from its shape and mean \[h\]:
    /// `scale = mean / Γ(1 + 1/shape)`.
    ///
    /// # Errors
    /// When either parameter is not finite and positive, or the scale they
    /// give is not (`NotPositive` naming `scale`).
    pub fn weibull_mean(shape: f64, mean: f64) -> Result<Self, ParamError> {
        let shape = positive("shape", shape)?;
        let mean = positive("mean", mean)?;
        let scale = mean / gamma_fn(1.0 + 1.0 / shape);
        Self::weibull_scale(shape, scale)
    }

    /// Lognormal distribution from the mean and standard deviation of the
    /// duration itself \[h\]: `sigma² = ln(1 + sd²/mean²)`, `mu = ln mean - sigma²/2`.
    ///
    /// # Errors
    /// When either parameter is not finite and positive, or they are so far
    /// apart that `sigma` is not (`NotPositive` naming `sigma`: infinite
    /// when `sd` is far above `mean`; 0 only when `sd/mean` is below about
    /// 1e-154, its square underflowing: `ln(1 + x)` is taken as `ln_1p(x)`,
    /// so a nearly fixed duration keeps its small sigma).
    pub fn lognormal_mean_sd(mean: f64, sd: f64) -> Result<Self, ParamError> {
        let mean = positive("mean", mean)?;
        let sd = positive("sd", sd)?;
        let sigma2 = (sd / mean).powi(2).ln_1p();
        Self::new(Parameters::LogNormal {
            mu: mean.ln() - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
        })
    }

    /// Lognormal distribution from its median \[h\] and the standard deviation
    /// `sigma` of `ln T`.
    ///
    /// # Errors
    /// When either parameter is not finite and positive.
    pub fn lognormal_median_sigma(median: f64, sigma: f64) -> Result<Self, ParamError> {
        let median = positive("median", median)?;
        Self::new(Parameters::LogNormal {
            mu: median.ln(),
            sigma,
        })
    }

    /// Gamma distribution from its shape and mean \[h\].
    ///
    /// # Errors
    /// When either parameter is not finite and positive, or the scale
    /// `mean / shape` is not (`NotPositive` naming `scale`).
    pub fn gamma_mean(shape: f64, mean: f64) -> Result<Self, ParamError> {
        let shape = positive("shape", shape)?;
        let mean = positive("mean", mean)?;
        Self::new(Parameters::Gamma {
            shape,
            scale: mean / shape,
        })
    }

    /// Uniform distribution on `[min, max]` \[h\].
    ///
    /// # Errors
    /// When `min` is negative, `max` not positive, or `min >= max`.
    pub fn uniform(min: f64, max: f64) -> Result<Self, ParamError> {
        Self::new(Parameters::Uniform { min, max })
    }

    /// A fixed duration \[h\]; zero is allowed (an instantaneous step).
    ///
    /// # Errors
    /// When `value` is negative or not finite.
    pub fn fixed(value: f64) -> Result<Self, ParamError> {
        Self::new(Parameters::Fixed { value })
    }

    /// The mean duration \[h\].
    pub fn mean(&self) -> f64 {
        match self.0 {
            Parameters::Exponential { mean } => mean,
            Parameters::Weibull { shape, scale } => scale * gamma_fn(1.0 + 1.0 / shape),
            Parameters::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Parameters::Gamma { shape, scale } => shape * scale,
            Parameters::Uniform { min, max } => (min + max) / 2.0,
            Parameters::Fixed { value } => value,
        }
    }

    /// Prepares a sampler; sampling from it draws from this distribution.
    pub fn sampler(&self) -> Sampler {
        // The parameters were checked by `new`, so rand_distr cannot refuse them.
        match self.0 {
            Parameters::Exponential { mean } => Sampler::Exponential(mean),
            Parameters::Weibull { shape, scale } => {
                Sampler::Weibull(Weibull::new(scale, shape).expect("checked parameters"))
            }
            Parameters::LogNormal { mu, sigma } => {
                Sampler::LogNormal(LogNormal::new(mu, sigma).expect("checked parameters"))
            }
            Parameters::Gamma { shape, scale } => {
                Sampler::Gamma(Gamma::new(shape, scale).expect("checked parameters"))
            }
            Parameters::Uniform { min, max } => Sampler::Uniform {
                min,
                width: max - min,
            },
            Parameters::Fixed { value } => Sampler::Fixed(value),
        }
    }
}

/// A ready-to-draw form of a [`Distribution`].
#[derive(Debug, Clone)]
pub enum Sampler {
    Exponential(f64),
    Weibull(Weibull<f64>),
    LogNormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Uniform { min: f64, width: f64 },
    Fixed(f64),
}

impl Sampler {
    /// Draws one duration \[h\].
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Self::Exponential(mean) => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Self::Weibull(d) => d.sample(rng),
            Self::LogNormal(d) => d.sample(rng),
            Self::Gamma(d) => d.sample(rng),
            Self::Uniform { min, width } => {
                let u: f64 = rand_distr::StandardUniform.sample(rng);
                min + width * u
            }
            Self::Fixed(v) => *v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_match_the_parameters_they_were_built_from() {
        let cases = [
            (Distribution::exponential(5.0).unwrap(), 5.0),
            (Distribution::weibull_mean(1.3, 30_000.0).unwrap(), 30_000.0),
            (Distribution::lognormal_mean_sd(12.0, 6.0).unwrap(), 12.0),
            (Distribution::gamma_mean(2.5, 8.0).unwrap(), 8.0),
            (Distribution::uniform(2.0, 6.0).unwrap(), 4.0),
            (Distribution::fixed(3.0).unwrap(), 3.0),
        ];
        for (d, mean) in cases {
            assert!(
                (d.mean() - mean).abs() < 1e-9 * mean,
                "{d:?}: {} != {mean}",
                d.mean()
            );
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Distribution::exponential(0.0).is_err());
        assert!(Distribution::exponential(f64::NAN).is_err());
        assert!(Distribution::weibull_mean(-1.0, 3.0).is_err());
        assert!(Distribution::uniform(5.0, 5.0).is_err());
        assert!(Distribution::fixed(-1.0).is_err());
        assert!(Distribution::lognormal_mean_sd(1.0, f64::INFINITY).is_err());
    }

    #[test]
    fn a_bad_law_is_refused_with_an_error_naming_the_parameter() {
        assert_eq!(
            Distribution::new(Parameters::Weibull {
                shape: -1.0,
                scale: 100.0
            }),
            Err(ParamError::NotPositive {
                name: "shape",
                value: -1.0
            })
        );
        let refused = [
            (Parameters::Exponential { mean: 0.0 }, "mean"),
            (
                Parameters::Weibull {
                    shape: 2.0,
                    scale: f64::INFINITY,
                },
                "scale",
            ),
            (
                Parameters::LogNormal {
                    mu: f64::NAN,
                    sigma: 1.0,
                },
                "mu",
            ),
            (Parameters::LogNormal { mu: 1.0, sigma: 0.0 }, "sigma"),
            (
                Parameters::Gamma {
                    shape: 2.0,
                    scale: -3.0,
                },
                "scale",
            ),
            (Parameters::Uniform { min: -1.0, max: 2.0 }, "min"),
            (
                Parameters::Fixed {
                    value: f64::NEG_INFINITY,
                },
                "value",
            ),
        ];
        for (p, name) in refused {
            let e = Distribution::new(p).expect_err("a bad law");
            assert!(e.to_string().starts_with(name), "{p:?}: {e}");
        }
        assert_eq!(
            Distribution::new(Parameters::Uniform { min: 3.0, max: 3.0 }),
            Err(ParamError::EmptyRange { min: 3.0, max: 3.0 })
        );
        let ok = Parameters::Gamma {
            shape: 2.0,
            scale: 4.0,
        };
        assert_eq!(Distribution::new(ok).unwrap().parameters(), &ok);
    }

    /// Derived parameters out of range were accepted and made `sampler`
    /// (and so `Plan::new`) panic: a Gamma scale `mean / shape` of 0, a
    /// lognormal `sigma` of infinity.
    #[test]
    fn parameters_derived_out_of_range_are_refused() {
        assert_eq!(
            Distribution::gamma_mean(1e300, 1e-300),
            Err(ParamError::NotPositive {
                name: "scale",
                value: 0.0
            })
        );
        assert_eq!(
            Distribution::lognormal_mean_sd(1e-300, 1e300),
            Err(ParamError::NotPositive {
                name: "sigma",
                value: f64::INFINITY
            })
        );
        assert!(matches!(
            Distribution::lognormal_mean_sd(1000.0, 1e-160),
            Err(ParamError::NotPositive { name: "sigma", .. })
        ));
        // A nearly fixed duration is a valid law: sd 1e-8 of the mean gives
        // sigma 1e-8 (ln(1 + x) rounded to 0 refused it).
        let d = Distribution::lognormal_mean_sd(10_000.0, 1e-4).unwrap();
        let Parameters::LogNormal { sigma, .. } = d.parameters() else {
            panic!("{d:?}")
        };
        assert!((sigma / 1e-8 - 1.0).abs() < 1e-9, "{sigma}");
    }

    /// Whatever the numbers, a constructor returns an error or a
    /// distribution that can be sampled: it never panics.
    #[test]
    fn no_parameters_make_a_distribution_that_panics() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let xs = [
            f64::NAN,
            f64::NEG_INFINITY,
            -1.0,
            -0.0,
            0.0,
            5e-324,
            1e-300,
            0.05,
            1.0,
            3.0,
            1e300,
            f64::MAX,
            f64::INFINITY,
        ];
        for &a in &xs {
            for &b in &xs {
                let built = [
                    Distribution::new(Parameters::Exponential { mean: a }),
                    Distribution::new(Parameters::Weibull { shape: a, scale: b }),
                    Distribution::new(Parameters::LogNormal { mu: a, sigma: b }),
                    Distribution::new(Parameters::Gamma { shape: a, scale: b }),
                    Distribution::new(Parameters::Uniform { min: a, max: b }),
                    Distribution::new(Parameters::Fixed { value: a }),
                    Distribution::weibull_mean(a, b),
                    Distribution::lognormal_mean_sd(a, b),
                    Distribution::lognormal_median_sigma(a, b),
                    Distribution::gamma_mean(a, b),
                ];
                for d in built.into_iter().flatten() {
                    let s = d.sampler();
                    let x = s.sample(&mut rng);
                    assert!(x >= 0.0, "{d:?} drew {x}");
                }
            }
        }
    }

    #[test]
    fn sample_means_agree_with_analytic_means() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        for d in [
            Distribution::exponential(5.0).unwrap(),
            Distribution::weibull_mean(0.7, 10.0).unwrap(),
            Distribution::lognormal_mean_sd(12.0, 6.0).unwrap(),
            Distribution::gamma_mean(2.5, 8.0).unwrap(),
            Distribution::uniform(2.0, 6.0).unwrap(),
        ] {
            let s = d.sampler();
            let xs: Vec<f64> = (0..n).map(|_| s.sample(&mut rng)).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (var / n as f64).sqrt();
            assert!(
                (m - d.mean()).abs() < 4.0 * se,
                "{d:?}: sample mean {m}, exact {}, se {se}",
                d.mean()
            );
        }
    }
}
