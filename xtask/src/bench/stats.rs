//! Medians, spreads and ratios of repeated measurements.

/// Repeated measurements of one quantity, in the order they were taken.
#[derive(Debug, Clone, Default)]
pub struct Samples(pub Vec<f64>);

impl Samples {
    pub fn push(&mut self, value: f64) {
        self.0.push(value);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    fn sorted(&self) -> Vec<f64> {
        let mut values = self.0.clone();
        values.sort_by(f64::total_cmp);
        values
    }

    /// Returns the median; NaN when there are no samples.
    pub fn median(&self) -> f64 {
        let values = self.sorted();
        let count = values.len();
        match count {
            0 => f64::NAN,
            _ if count % 2 == 1 => values[count / 2],
            _ => (values[count / 2 - 1] + values[count / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    pub fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    /// Returns the ratio of each sample to the sample of `other` taken in
    /// the same round, for the spread of a ratio.
    pub fn ratios_to(&self, other: &Samples) -> Samples {
        Samples(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(mine, theirs)| mine / theirs)
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Samples;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(Samples(vec![3.0, 1.0, 2.0]).median(), 2.0);
        assert_eq!(Samples(vec![4.0, 1.0, 3.0, 2.0]).median(), 2.5);
        assert!(Samples(Vec::new()).median().is_nan());
    }

    #[test]
    fn ratios_pair_rounds() {
        let lua = Samples(vec![2.0, 3.0]);
        let rust = Samples(vec![1.0, 2.0]);
        assert_eq!(lua.ratios_to(&rust).0, vec![2.0, 1.5]);
    }
}
