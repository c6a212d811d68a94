//! Randomness and the exact discrete Laplace sampler of the noise policy, in integer
//! arithmetic (no floating point).

use super::*;

/// A source of uniformly random 64-bit words.
pub trait Rng {
    /// The next uniformly random word.
    fn next_u64(&mut self) -> u64;
}

impl<R: Rng + ?Sized> Rng for &mut R {
    fn next_u64(&mut self) -> u64 {
        (**self).next_u64()
    }
}

/// The operating system's CSPRNG (ring's `SystemRandom`), read 256 bytes at a time.
/// The only generator production code uses; it has no seed and cannot be given one.
pub struct SystemRng {
    rng: ring::rand::SystemRandom,
    buf: [u8; 256],
    pos: usize,
}

impl SystemRng {
    /// A generator over the operating system's CSPRNG.
    pub fn new() -> SystemRng {
        SystemRng {
            rng: ring::rand::SystemRandom::new(),
            buf: [0; 256],
            pos: 256,
        }
    }
}

impl Default for SystemRng {
    fn default() -> Self {
        SystemRng::new()
    }
}

impl fmt::Debug for SystemRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemRng").finish_non_exhaustive()
    }
}

impl Rng for SystemRng {
    /// Panics if the operating system's CSPRNG fails (as key generation does): noise
    /// cannot be drawn without it, and a release must not be made with weaker noise.
    fn next_u64(&mut self) -> u64 {
        if self.pos + 8 > self.buf.len() {
            if self.rng.fill(&mut self.buf).is_err() {
                panic!("the operating system's CSPRNG failed");
            }
            self.pos = 0;
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.buf[self.pos..self.pos + 8]);
        // Used bytes are not left behind in memory.
        self.buf[self.pos..self.pos + 8].fill(0);
        self.pos += 8;
        u64::from_le_bytes(word)
    }
}

/// A uniform integer in `0..n` (`n >= 1`), by rejection: exact.
pub(super) fn uniform_below<R: Rng + ?Sized>(rng: &mut R, n: u128) -> u128 {
    if n <= 1 {
        return 0;
    }
    if let Ok(n64) = u64::try_from(n) {
        // Accept words in the largest multiple of n below 2^64.
        let reject_below = n64.wrapping_neg() % n64;
        loop {
            let r = rng.next_u64();
            if r >= reject_below {
                return u128::from(r % n64);
            }
        }
    }
    let reject_below = n.wrapping_neg() % n;
    loop {
        let r = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
        if r >= reject_below {
            return r % n;
        }
    }
}

/// Bernoulli(`num/den`), exactly (`den >= 1`; a probability above 1 is 1).
pub(super) fn bernoulli<R: Rng + ?Sized>(rng: &mut R, num: u128, den: u128) -> bool {
    uniform_below(rng, den) < num
}

/// Bernoulli(exp(−`num/den`)) for a rational γ = `num/den` ≥ 0, exactly, with integer
/// arithmetic only (Canonne, Kamath and Steinke 2020, Algorithm 1). `den = 0` counts as
/// γ = ∞ (always false).
pub fn bernoulli_exp_neg<R: Rng + ?Sized>(rng: &mut R, num: u128, den: u128) -> bool {
    if den == 0 {
        return false;
    }
    if num <= den {
        // γ ∈ [0, 1]: K = first k with Bernoulli(γ/k) = 0; true iff K is odd.
        let mut k: u128 = 1;
        loop {
            let Some(d) = den.checked_mul(k) else {
                // γ/k < 2^-64 here: with probability 1 − 2^-64 the draw is 0 anyway.
                return k % 2 == 1;
            };
            if !bernoulli(rng, num, d) {
                return k % 2 == 1;
            }
            k += 1;
        }
    }
    // γ > 1: exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)).
    for _ in 0..num / den {
        if !bernoulli_exp_neg(rng, 1, 1) {
            return false;
        }
    }
    bernoulli_exp_neg(rng, num % den, den)
}

/// A draw of the discrete Laplace law of scale `t/s` (`t, s >= 1`): P(x) ∝
/// exp(−|x|·s/t), exactly (Canonne, Kamath and Steinke 2020, Algorithm 2).
pub(super) fn discrete_laplace_ts<R: Rng + ?Sized>(rng: &mut R, t: u128, s: u128) -> i64 {
    loop {
        let u = uniform_below(rng, t);
        if !bernoulli_exp_neg(rng, u, t) {
            continue;
        }
        let mut v: u128 = 0;
        while bernoulli_exp_neg(rng, 1, 1) {
            v += 1;
        }
        let x = u.saturating_add(t.saturating_mul(v));
        let y = x / s;
        let negative = bernoulli(rng, 1, 2);
        if negative && y == 0 {
            continue;
        }
        let y = i64::try_from(y).unwrap_or(i64::MAX);
        return if negative { -y } else { y };
    }
}

/// Discrete Laplace noise of scale Δ/ε: P(x) = (1 − p)/(1 + p) · p^|x| with
/// p = exp(−ε/Δ), drawn exactly from `rng` (no floating point). Δ = 0 gives 0.
pub fn discrete_laplace<R: Rng + ?Sized>(rng: &mut R, epsilon: Epsilon, delta: u32) -> i64 {
    if delta == 0 {
        return 0;
    }
    // Scale Δ/ε = Δ·den/num.
    let t = u128::from(delta) * u128::from(epsilon.den());
    let s = u128::from(epsilon.num());
    discrete_laplace_ts(rng, t, s)
}
