okta_macros::integration!("tests/ui/unknown_type.yaml");

fn main() {}
