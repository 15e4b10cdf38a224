okta_macros::integration!("tests/ui/duplicate_name.yaml");

fn main() {}
