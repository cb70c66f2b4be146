//! Per-address rate limits on logging in and on anonymous submissions, so a
//! password cannot be guessed at leisure and a public form cannot be flooded.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// Requests per minute allowed from one address.
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    pub logins_per_minute: NonZeroU32,
    pub submissions_per_minute: NonZeroU32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            logins_per_minute: NonZeroU32::new(10).expect("10 is not zero"),
            submissions_per_minute: NonZeroU32::new(60).expect("60 is not zero"),
        }
    }
}

pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn per_minute(requests: NonZeroU32) -> Self {
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(requests)),
            clock: DefaultClock::default(),
        }
    }

    pub fn check(&self, address: IpAddr) -> Result<(), ApiError> {
        self.limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::RateLimited {
                retry_after_seconds: wait.as_secs().max(1),
            }
        })?;
        // Forget addresses that have not been seen for a while, so the table
        // does not grow without bound under a spray of addresses.
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }
}
