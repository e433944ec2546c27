//! winserve
fn main() {}
