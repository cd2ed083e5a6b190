//! How a mapping turns a 7-bit MIDI value into a control value.
//!
//! Context: any (arithmetic).

/// The shape between a mapping's two ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Curve {
    /// Evenly from `min` to `max`.
    Linear,
    /// By equal ratios from `min` to `max` (both non-zero and of one sign): for
    /// frequencies and gains.
    Exponential,
    /// Through these points, evenly spaced over the MIDI range, straight lines between
    /// them; `min` and `max` scale the points (0 is `min`, 1 is `max`).
    Table(Vec<f32>),
}

/// A control value range and the curve across it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMap {
    /// The value MIDI 0 gives.
    pub min: f32,
    /// The value MIDI 127 gives.
    pub max: f32,
    /// The shape between them.
    pub curve: Curve,
}

impl ValueMap {
    /// A map from `min` to `max`, checked: finite ends, for an exponential curve non-zero
    /// ends of one sign, for a table at least two finite points.
    pub fn new(min: f32, max: f32, curve: Curve) -> Result<ValueMap, String> {
        if !min.is_finite() || !max.is_finite() {
            return Err(format!("the range {min} to {max} is not finite"));
        }
        match &curve {
            Curve::Exponential if min == 0.0 || max == 0.0 || (min < 0.0) != (max < 0.0) => {
                return Err(format!("an exponential curve needs non-zero ends of one sign, got {min} and {max}"))
            }
            Curve::Table(points) if points.len() < 2 => {
                return Err(format!("a table needs at least 2 points, got {}", points.len()))
            }
            Curve::Table(points) if points.iter().any(|p| !p.is_finite()) => {
                return Err("a table's points must be finite".into())
            }
            _ => {}
        }
        Ok(ValueMap { min, max, curve })
    }

    /// The value for a 7-bit MIDI value (0 to 127).
    ///
    /// ```
    /// use oscine::midi::{Curve, ValueMap};
    /// let exp = ValueMap::new(20.0, 20_000.0, Curve::Exponential).unwrap();
    /// assert_eq!(exp.value(0), 20.0);
    /// assert!((exp.value(127) - 20_000.0).abs() < 0.1);
    /// ```
    pub fn value(&self, midi: u8) -> f32 {
        self.at(f32::from(midi.min(127)) / 127.0)
    }

    /// The value at `x`, 0 to 1 across the range.
    pub fn at(&self, x: f32) -> f32 {
        let x = x.clamp(0.0, 1.0);
        match &self.curve {
            Curve::Linear => self.min + (self.max - self.min) * x,
            Curve::Exponential => self.min * (self.max / self.min).powf(x),
            Curve::Table(points) => {
                let place = x * (points.len() - 1) as f32;
                let k = (place.floor() as usize).min(points.len() - 2);
                let frac = place - k as f32;
                let point = points[k] + (points[k + 1] - points[k]) * frac;
                self.min + (self.max - self.min) * point
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_exponential_and_table_curves_meet_their_ends_and_shape_the_middle() {
        let linear = ValueMap::new(-1.0, 1.0, Curve::Linear).unwrap();
        assert_eq!((linear.value(0), linear.value(127)), (-1.0, 1.0));
        assert!((linear.at(0.5)).abs() < 1e-6);
        let exp = ValueMap::new(100.0, 10_000.0, Curve::Exponential).unwrap();
        assert!((exp.at(0.5) - 1000.0).abs() < 0.01, "{}", exp.at(0.5));
        let table = ValueMap::new(0.0, 10.0, Curve::Table(vec![0.0, 1.0, 0.5])).unwrap();
        assert_eq!(table.value(0), 0.0);
        assert!((table.at(0.5) - 10.0).abs() < 1e-5);
        assert!((table.at(0.75) - 7.5).abs() < 1e-5);
        assert!((table.value(127) - 5.0).abs() < 1e-5);
    }

    #[test]
    fn unusable_ranges_are_refused() {
        assert!(ValueMap::new(0.0, 1.0, Curve::Exponential).is_err());
        assert!(ValueMap::new(-1.0, 1.0, Curve::Exponential).is_err());
        assert!(ValueMap::new(0.0, f32::INFINITY, Curve::Linear).is_err());
        assert!(ValueMap::new(0.0, 1.0, Curve::Table(vec![1.0])).is_err());
        assert!(ValueMap::new(0.0, 1.0, Curve::Table(vec![1.0, f32::NAN])).is_err());
    }
}
