//! The update rules, grouped by the state they keep.

mod adam;

pub use adam::{Adam, AdamState};
