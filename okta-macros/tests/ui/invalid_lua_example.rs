okta_macros::integration!("tests/ui/invalid_lua_example.yaml");

fn main() {}
