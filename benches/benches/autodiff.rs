//! Placeholder until its crate lands; replaced by the crate's own bench.

fn main() {
    ferroflux_benches::print_backend();
}
