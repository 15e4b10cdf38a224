-- Lists every user of the org one page of 200 at a time, keeping only a
-- count, so the script's memory stays at about one page however large the
-- org is. `cargo xtask bench` runs it with `okta-lua --json` against the
-- fake org and compares it with the Rust client and the Okta Python SDK.
local okta = app.integrations.okta

local count = 0
local pages = 0
local users, page = okta.list_users({ limit = 200 })
while true do
    count = count + #users
    pages = pages + 1
    if not page.next then
        break
    end
    users, page = okta.list_users({ limit = 200, after = page.next })
end
return { users = count, pages = pages }
