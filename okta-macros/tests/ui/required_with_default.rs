okta_macros::integration!("tests/ui/required_with_default.yaml");

fn main() {}
