//! The one error type of this crate.

/// Bad input given to an `algo.*` object. The JS binding turns it into a thrown `Error`,
/// which is what Pipy does for the same inputs where Pipy checks them at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlgoError {
    /// A `URLRouter` pattern that cannot be parsed (Pipy: "invalid URL pattern").
    #[error("invalid URL pattern {pattern:?}: {reason}")]
    InvalidPattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A number option that must be finite (or non-negative) was not.
    #[error("invalid {what}: {value}")]
    InvalidNumber {
        /// Which option or argument, e.g. `"weight of target #2"`.
        what: String,
        /// The offending value.
        value: f64,
    },
}

impl AlgoError {
    pub(crate) fn pattern(pattern: &str, reason: &'static str) -> Self {
        AlgoError::InvalidPattern {
            pattern: pattern.to_owned(),
            reason,
        }
    }

    pub(crate) fn number(what: impl Into<String>, value: f64) -> Self {
        AlgoError::InvalidNumber {
            what: what.into(),
            value,
        }
    }
}
