//! Scoring: verdicts → scores and the failure that explains them.
