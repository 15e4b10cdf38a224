//! The `app.integrations.okta` namespace and the fresh global environment
//! each run gets.
//!
//! Scripts never see the state's real globals table. Every run gets a new
//! environment: a copy of the globals, with its own copies of the library
//! tables and new namespace proxies. Whatever a script changes there, such
//! as `string.upper = nil`, `setmetatable(_G, ...)` or `rawset` on a
//! namespace, is gone when the next run starts.

/// Lua chunk that takes `(tools_by_account, default_name, lua_path)` and
/// returns a function that builds new read-only namespace proxies. A proxy
/// raises an error naming the path and the closest names for an unknown
/// key, and `pairs` on it does not expose the table behind it.
pub(crate) const NAMESPACE_CHUNK: &str = r#"
local tools_by_account, default_name, lua_path = ...
local error, next, tostring, setmetatable, ipairs = error, next, tostring, setmetatable, ipairs
local sort, concat = table.sort, table.concat
local min, max, huge = math.min, math.max, math.huge

local function names_of(tools)
    local names = {}
    for name in next, tools do names[#names + 1] = name end
    sort(names)
    return names
end

local function distance(a, b)
    local previous = {}
    for j = 0, #b do previous[j] = j end
    for i = 1, #a do
        local current = { [0] = i }
        for j = 1, #b do
            local cost = (a:sub(i, i) == b:sub(j, j)) and 0 or 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        end
        previous = current
    end
    return previous[#b]
end

local function closest(key, names, best, best_distance)
    for _, name in ipairs(names) do
        local d = distance(key, name)
        if d < best_distance then
            best, best_distance = { name }, d
        elseif d == best_distance then
            best[#best + 1] = name
        end
    end
    return best, best_distance
end

local function unknown(path, key, functions, accounts)
    key = tostring(key)
    local best, best_distance = closest(key, functions, {}, huge)
    if accounts then best, best_distance = closest(key, accounts, best, best_distance) end
    local hint = ""
    if best_distance <= max(2, #key // 3) then
        hint = " Did you mean " .. concat(best, " or ") .. "?"
    end
    local message = path .. "." .. key .. " does not exist." .. hint ..
        " Available: " .. concat(functions, ", ") .. "."
    if accounts then
        message = message .. " Accounts: " .. concat(accounts, ", ") .. "."
    end
    error(message .. " Read the reference with docs.read(\"okta\").", 3)
end

local function read_only(path, contents, functions, accounts)
    local function iterate(_, key)
        return next(contents, key)
    end
    return setmetatable({}, {
        __index = function(_, key)
            local value = contents[key]
            if value == nil then unknown(path, key, functions, accounts) end
            return value
        end,
        __newindex = function(_, key)
            error(path .. " is read-only; cannot set " .. tostring(key), 2)
        end,
        __pairs = function(proxy) return iterate, proxy, nil end,
        __metatable = "locked",
    })
end

local account_names = names_of(tools_by_account)
local function_names = names_of(tools_by_account[default_name])
local names_by_account = {}
for name, tools in next, tools_by_account do
    names_by_account[name] = names_of(tools)
end

return function()
    local root = {}
    for name, tools in next, tools_by_account do
        root[name] = read_only(lua_path .. "." .. name, tools, names_by_account[name])
    end
    for key, fn in next, tools_by_account[default_name] do
        root[key] = fn
    end
    return read_only(lua_path, root, function_names, account_names)
end
"#;

/// Lua chunk that takes `(globals, new_namespace, integration, load)` and
/// returns a function that builds one run's environment. `load` is the
/// sandbox's text-only `load`, or the state's own one without the sandbox.
/// In the environment it defaults to that environment, so a loaded chunk
/// cannot reach the real globals either.
pub(crate) const ENVIRONMENT_CHUNK: &str = r##"
local globals, new_namespace, integration, load = ...
local next, type, select, rawget = next, type, select, rawget
local LIBRARIES = { "string", "table", "math", "utf8", "coroutine", "os", "json", "regex", "docs" }

local function copy(source)
    local target = {}
    for key, value in next, source do target[key] = value end
    return target
end

local function copy_table(source, key)
    local value = rawget(source, key)
    if type(value) == "table" then return copy(value) end
    return {}
end

return function()
    local env = copy(globals)
    env._G = env
    for _, name in next, LIBRARIES do
        if type(rawget(globals, name)) == "table" then
            env[name] = copy_table(globals, name)
        end
    end

    local app = copy_table(globals, "app")
    local integrations = copy_table(app, "integrations")
    integrations[integration] = new_namespace()
    app.integrations = integrations
    env.app = app

    if load then
        env.load = function(chunk, name, mode, ...)
            if select("#", ...) > 0 then return load(chunk, name, mode, ...) end
            return load(chunk, name, mode, env)
        end
    end
    return env
end
"##;
