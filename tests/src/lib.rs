//! Cross-crate integration and property suites; the tests live in `tests/`.
