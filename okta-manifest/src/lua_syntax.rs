//! Syntax check of Lua examples, done by compiling them without running.

/// Compiles `code` as a Lua 5.4 chunk and returns the parser's message when
/// it is not valid Lua.
pub fn check(code: &str, name: &str) -> Result<(), String> {
    let lua = mlua::Lua::new();
    match lua.load(code).set_name(format!("={name}")).into_function() {
        Ok(_) => Ok(()),
        Err(mlua::Error::SyntaxError { message, .. }) => Err(message),
        Err(other) => Err(other.to_string()),
    }
}
