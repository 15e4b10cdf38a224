-- Adds every user of the org to the group named "Benchmark", one
-- add_user_to_group call per user, and counts how each call ended.
-- `cargo xtask bench` runs it with `okta-lua --force --json` against a fake
-- org with a rate limit in every bucket, to see whether the client keeps
-- under the limit without letting a 429 reach the script.
local okta = app.integrations.okta

local groups = okta.list_groups({ q = "Benchmark" })
assert(#groups == 1, "expected one group named Benchmark, found " .. #groups)
local group_id = groups[1].id
local users = okta.list_users({ all = true, max_items = 100000 })

local added, unchanged, rate_limited, failed = 0, 0, 0, 0
local first_error = nil
for _, user in ipairs(users) do
    local ok, result = pcall(okta.add_user_to_group, { groupId = group_id, userId = user.id })
    if ok and result.changed then
        added = added + 1
    elseif ok then
        unchanged = unchanged + 1
    elseif type(result) == "table" and result.status == 429 then
        rate_limited = rate_limited + 1
    else
        failed = failed + 1
        first_error = first_error or tostring(type(result) == "table" and result.message or result)
    end
end
return {
    calls = #users,
    added = added,
    unchanged = unchanged,
    rate_limited = rate_limited,
    failed = failed,
    first_error = first_error,
}
