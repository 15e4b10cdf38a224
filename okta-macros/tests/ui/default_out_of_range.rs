okta_macros::integration!("tests/ui/default_out_of_range.yaml");

fn main() {}
