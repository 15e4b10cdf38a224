"""List every user of an org with the official Okta SDK for Python.

Usage: python list_users.py

Reads the org from OKTA_CLIENT_ORGURL and the API token from
OKTA_CLIENT_TOKEN, as the SDK does. Pages through `GET /api/v1/users` 200
users at a time, following the `after` cursor of each page's `Link` header,
keeps only a count and prints it. `cargo xtask bench` runs it against the
fake org on 127.0.0.1 to compare wall time and peak memory with okta-lua.
"""

import asyncio
import os

# The SDK rejects http org URLs unless this testing option is set; the fake
# org serves plain http on loopback.
os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")

from okta.client import Client as OktaClient  # noqa: E402
from okta.pagination import PaginationHelper  # noqa: E402

PAGE_SIZE = 200


async def count_users(client):
    count = 0
    cursor = None
    while True:
        if cursor is None:
            users, response, error = await client.list_users(limit=PAGE_SIZE)
        else:
            users, response, error = await client.list_users(limit=PAGE_SIZE, after=cursor)
        if error is not None:
            raise RuntimeError(f"listing users failed after {count} users: {error}")
        count += len(users)
        cursor = PaginationHelper.extract_next_cursor(response.headers)
        if not cursor:
            return count


async def main():
    client = OktaClient({
        "orgUrl": os.environ["OKTA_CLIENT_ORGURL"],
        "token": os.environ["OKTA_CLIENT_TOKEN"],
    })
    print(await count_users(client))


if __name__ == "__main__":
    asyncio.run(main())
