okta_macros::integration!("tests/ui/path_placeholder.yaml");

fn main() {}
