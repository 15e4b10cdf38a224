"""Drive the fake Okta org with the official Okta Python SDK.

Usage:
    python interop.py config KEY_PEM        print the okta-mock config that
                                            registers the service app
    python interop.py BASE_URL TOKEN KEY_PEM run the checks

The org must be the demo org served with at most 10 users per page, started
with the printed config. Every step asserts what the SDK returned; the first
failure ends the run with a traceback and a non-zero exit code.
"""

import asyncio
import json
import os
import sys
import time

# The SDK refuses http org URLs unless its testing option allows them.
os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"

from okta.client import Client as OktaClient  # noqa: E402
from okta.models import CreateUserRequest, UpdateUserRequest  # noqa: E402
from okta.pagination import PaginationHelper  # noqa: E402
from jwcrypto import jwk  # noqa: E402

JOHN_ID = "00u1a2b3c4d5e6f7g8h9"
ENGINEERING_ID = "00g1a2b3c4d5e6f7g8h9"
SERVICE_CLIENT_ID = "0oainteropservice001"
SERVICE_KEY_ID = "interop-rsa"
SERVICE_SCOPES = ["okta.users.read", "okta.groups.read"]


def service_config(key_pem):
    """Returns the okta-mock config that registers the service app."""
    public = jwk.JWK.from_pem(key_pem).export_public(as_dict=True)
    public["kid"] = SERVICE_KEY_ID
    client = {
        "clientId": SERVICE_CLIENT_ID,
        "jwks": [public],
        "scopes": SERVICE_SCOPES,
        "requireDpop": True,
    }
    # Single-app reads get a tiny bucket in short windows, so a second read
    # meets a real 429 that the SDK must wait out using Date and
    # X-Rate-Limit-Reset.
    rate_limits = {"limit": 100000, "window": 2, "perRoute": {"/api/v1/apps/{id}": 1}}
    return {"oauthClients": [client], "rateLimits": rate_limits}


PASSED = []


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    PASSED.append(message)
    print(f"ok: {message}")


def status_name(status):
    return getattr(status, "value", status)


def group_name(group):
    # GroupProfile is an anyOf wrapper, and the matching model has the fields.
    profile = group.profile.actual_instance or group.profile
    return profile.name


async def list_all_users(client):
    users, response, error = await client.list_users(limit=10)
    check(error is None, f"first page of users has no error ({error})")
    pages = [users]
    cursor = PaginationHelper.extract_next_cursor(response.headers)
    while cursor:
        users, response, error = await client.list_users(limit=10, after=cursor)
        check(error is None, f"page {len(pages) + 1} of users has no error ({error})")
        pages.append(users)
        cursor = PaginationHelper.extract_next_cursor(response.headers)
    return pages


async def check_service_app(base_url, key_pem):
    client = OktaClient({
        "orgUrl": base_url,
        "authorizationMode": "PrivateKey",
        "clientId": SERVICE_CLIENT_ID,
        "scopes": SERVICE_SCOPES,
        "privateKey": key_pem.decode(),
        "kid": SERVICE_KEY_ID,
        "dpopEnabled": True,
    })
    users, _, error = await client.list_users(limit=3)
    check(error is None and len(users) == 3, f"a DPoP service app lists users with okta.users.read ({error})")
    groups, _, error = await client.list_groups(limit=2)
    check(error is None and len(groups) == 2, f"a DPoP service app lists groups with okta.groups.read ({error})")
    apps, _, error = await client.list_applications()
    check(apps is None and "E0000006" in str(error), f"without okta.apps.read the app list is refused ({error})")


async def main(base_url, token, key_pem):
    client = OktaClient({"orgUrl": base_url, "token": token})

    pages = await list_all_users(client)
    everyone = [user for page in pages for user in page]
    ids = [user.id for user in everyone]
    check(len(pages) == 3, f"users span 3 pages of at most 10 (got {[len(page) for page in pages]})")
    check(len(ids) == 26, f"26 users are listed, deactivated ones left out (got {len(ids)})")
    check(len(set(ids)) == len(ids), "no user is listed twice")

    john, _, error = await client.get_user(JOHN_ID)
    check(error is None, f"get_user by id has no error ({error})")
    check(john.profile.first_name == "John", "get_user by id returns John")
    check(john.profile.email == "john.smith@example.com", "John's email is read")
    extra = john.profile.to_dict()
    check(extra.get("costCenterCode") == "CC-100", "a custom profile attribute survives the SDK model")

    by_login, _, error = await client.get_user("john.smith@example.com")
    check(error is None, f"get_user by login has no error ({error})")
    check(by_login.id == JOHN_ID, "get_user by login finds the same user")

    request = CreateUserRequest.from_dict({
        "profile": {
            "firstName": "Sdk",
            "lastName": "Interop",
            "email": "sdk.interop@example.com",
            "login": "sdk.interop@example.com",
            "department": "QA",
        },
        "credentials": {"password": {"value": "Interop-Pass-2024"}},
    })
    created, _, error = await client.create_user(request, activate=True)
    check(error is None, f"create_user has no error ({error})")
    check(status_name(created.status) == "ACTIVE", "a user created with a password is ACTIVE")
    new_id = created.id

    update = UpdateUserRequest.from_dict({"profile": {"title": "Test Engineer"}})
    updated, _, error = await client.update_user(new_id, update)
    check(error is None, f"update_user has no error ({error})")
    check(updated.profile.title == "Test Engineer", "update_user sets the title")
    check(updated.profile.department == "QA", "update_user keeps fields it did not send")

    error = (await client.deactivate_user(new_id))[-1]
    check(error is None, f"deactivate_user has no error ({error})")
    deactivated, _, error = await client.get_user(new_id)
    check(status_name(deactivated.status) == "DEPROVISIONED", "the user is DEPROVISIONED after deactivation")

    groups, _, error = await client.list_groups()
    check(error is None, f"list_groups has no error ({error})")
    names = {group_name(group) for group in groups}
    check({"Everyone", "Engineering", "Domain Users"} <= names, f"groups include Everyone, Engineering and Domain Users ({sorted(names)})")
    types = {status_name(group.type) for group in groups}
    check(types == {"OKTA_GROUP", "APP_GROUP", "BUILT_IN"}, f"all three group types are read ({types})")

    member_id = "00udemouser000000012"
    # Calls without a body return (None, response, error) on success and
    # (response, error) on failure, so the error is always the last item.
    error = (await client.assign_user_to_group(ENGINEERING_ID, member_id))[-1]
    check(error is None, f"assign_user_to_group has no error ({error})")
    members, _, error = await client.list_group_users(ENGINEERING_ID)
    check(error is None, f"list_group_users has no error ({error})")
    check(member_id in {member.id for member in members}, "the added user is a member")

    everyone_id = next(group.id for group in groups if group_name(group) == "Everyone")
    error = (await client.assign_user_to_group(everyone_id, member_id))[-1]
    check(error is not None and "E0000006" in str(error), f"a BUILT_IN group refuses membership changes ({error})")

    apps, _, error = await client.list_applications()
    check(error is None, f"list_applications has no error ({error})")
    labels = {app.label for app in apps}
    check(len(apps) == 7, f"7 applications are listed (got {len(apps)})")
    check({"Slack", "Company Wiki", "Legacy Expenses"} <= labels, f"application labels are read ({sorted(labels)})")
    statuses = {status_name(app.status) for app in apps}
    check(statuses == {"ACTIVE", "INACTIVE"}, f"active and inactive apps are listed ({statuses})")

    wiki_id = "0oademowiki000000001"
    _, _, error = await client.get_application(wiki_id)
    check(error is None, f"get_application reads an app ({error})")
    started = time.monotonic()
    wiki, _, error = await client.get_application(wiki_id)
    waited = time.monotonic() - started
    check(error is None and wiki.label == "Company Wiki", f"get_application succeeds after a 429 ({error})")
    check(waited >= 0.5, f"the SDK waited for the rate-limit reset ({waited:.1f} s)")

    missing, _, error = await client.get_user("00unobody")
    check(missing is None and error is not None and "E0000007" in str(error), f"a missing user is E0000007 ({error})")

    await check_service_app(base_url, key_pem)


if __name__ == "__main__":
    if sys.argv[1] == "config":
        with open(sys.argv[2], "rb") as key_file:
            print(json.dumps(service_config(key_file.read())))
        sys.exit(0)
    try:
        with open(sys.argv[3], "rb") as key_file:
            service_key = key_file.read()
        asyncio.run(main(sys.argv[1], sys.argv[2], service_key))
    except Exception:
        import traceback

        traceback.print_exc()
        print(f"interop: {len(PASSED)} passed, 1 failed")
        sys.exit(1)
    print(f"interop: {len(PASSED)} passed, 0 failed")
