//! List tools in Lua: page tables, resume cursors and the `all` option.

use okta_e2e::{Harness, start_org};
use okta_mock::{Collection, Seed};
use okta_runtime::Policy;
use serde_json::json;

fn generated(users: usize) -> Harness {
    Harness::attach(
        start_org(Seed::Generated {
            users,
            groups: 0,
            apps: 0,
        }),
        Policy::default(),
    )
}

#[test]
fn page_table_reports_truncation() {
    let harness = generated(450);
    let outcome = harness.run_ok("local users, page = app.integrations.okta.list_users({ limit = 10 }) return #users, page.truncated, page.next ~= nil, page.pages");
    assert_eq!(
        outcome.result,
        vec![json!(10), json!(true), json!(true), json!(1)]
    );
    let outcome = harness.run_ok("local users, page = app.integrations.okta.list_users({ all = true }) return #users, page.truncated, page.next, page.pages");
    assert_eq!(
        outcome.result,
        vec![json!(450), json!(false), json!(null), json!(3)]
    );
}

#[test]
fn all_stops_at_max_items() {
    let harness = generated(450);
    harness.server.clear_requests();
    let outcome = harness.run_ok("local users, page = app.integrations.okta.list_users({ all = true, max_items = 300 }) return #users, page.truncated");
    assert_eq!(outcome.result, vec![json!(300), json!(true)]);
    assert_eq!(harness.server.requests().len(), 2);
}

#[test]
fn resume_cursor_continues_without_gaps() {
    let harness = generated(450);
    harness.server.org().set_page_size(Collection::Users, 50);
    // 120 stops inside the third page of 50; the cursor must resume there.
    let outcome = harness.run_ok(
        r#"local okta = app.integrations.okta
           local seen, order = {}, {}
           local users, page = okta.list_users({ limit = 120 })
           local calls = 1
           while true do
             for _, user in ipairs(users) do
               assert(not seen[user.id], "duplicate " .. user.id)
               seen[user.id] = true
               order[#order + 1] = user.id
             end
             if not page.next then break end
             users, page = okta.list_users({ limit = 120, after = page.next })
             calls = calls + 1
           end
           return #order, calls"#,
    );
    assert_eq!(outcome.result, vec![json!(450), json!(4)]);
    let all = harness.server.org().users();
    assert_eq!(all.len(), 450);
}

#[test]
fn resume_matches_single_walk_order() {
    let harness = generated(230);
    harness.server.org().set_page_size(Collection::Users, 50);
    let outcome = harness.run_ok(
        r#"local okta = app.integrations.okta
           local everyone = okta.list_users({ all = true })
           local first, page = okta.list_users({ limit = 75 })
           local rest = okta.list_users({ all = true, after = page.next })
           local joined = {}
           for _, user in ipairs(first) do joined[#joined + 1] = user.id end
           for _, user in ipairs(rest) do joined[#joined + 1] = user.id end
           for i, user in ipairs(everyone) do
             if joined[i] ~= user.id then return false, i end
           end
           return #joined == #everyone, #everyone"#,
    );
    assert_eq!(outcome.result, vec![json!(true), json!(230)]);
}
