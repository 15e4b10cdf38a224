okta_macros::integration!("tests/ui/yaml_syntax.yaml");

fn main() {}
