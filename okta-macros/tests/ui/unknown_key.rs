okta_macros::integration!("tests/ui/unknown_key.yaml");

fn main() {}
