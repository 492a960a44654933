# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""simple-salesforce, from PyPI, against the sfjwt emulator: its own JWT login, then
queries with paging, describes, inserts, updates, deletes and a 200-record load.

Run by interop/clients/run.py in the interop venv, with the emulator's CA in REQUESTS_CA_BUNDLE
and INTEROP_URL, INTEROP_ISSUER, INTEROP_USERNAME, INTEROP_KEY_FILE set. Prints what
each call answered; exits non-zero on the first answer that is not Salesforce's.

simple-salesforce signs its assertion itself (with PyJWT) and always posts it to
https://<domain>.salesforce.com/services/oauth2/token. `ToEmulator`, a requests
transport adapter mounted on that address, sends those requests to the emulator
instead; every later call goes to the `instance_url` the emulator answered, unchanged.
"""

from __future__ import annotations

import os
import sys

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

URL = os.environ["INTEROP_URL"]


class ToEmulator(HTTPAdapter):
    """Sends https://login.salesforce.com/... to the emulator's base URL."""

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        request.url = URL + request.url[len("https://login.salesforce.com") :]
        return super().send(request, **kwargs)


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"simple-salesforce: FAILED: {what}")


def main() -> None:
    session = requests.Session()
    session.mount("https://login.salesforce.com/", ToEmulator())
    sf = Salesforce(
        username=os.environ["INTEROP_USERNAME"],
        consumer_key=os.environ["INTEROP_ISSUER"],
        privatekey_file=os.environ["INTEROP_KEY_FILE"],
        session=session,
        version="59.0",
    )
    check(URL.endswith(sf.sf_instance), f"instance {sf.sf_instance}")
    print(f"login: JWT bearer, instance {sf.sf_instance}, API {sf.sf_version}")

    versions = sf.restful("", method="GET")
    check("sobjects" in versions and "query" in versions, f"v59.0 resources {sorted(versions)}")
    print(f"resources of v59.0: {', '.join(sorted(versions))}")

    page = sf.query("SELECT Id, Name FROM Invoice__c ORDER BY Name", headers={"Sforce-Query-Options": "batchSize=200"})
    pages, names = 1, [r["Name"] for r in page["records"]]
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        pages += 1
        names += [r["Name"] for r in page["records"]]
    check(len(names) == 450 and names == sorted(names) and pages == 3, f"{len(names)} records in {pages} pages")
    print(f"query with paging: {len(names)} Invoice__c records in {pages} pages of 200, {names[0]} .. {names[-1]}")
    every = sf.query_all("SELECT Name FROM Invoice__c WHERE Amount__c >= 100")
    check(every["totalSize"] == 351, f"query_all totalSize {every['totalSize']}")
    print(f"query_all: {every['totalSize']} records with Amount__c >= 100")

    global_describe = sf.describe()
    objects = [o["name"] for o in global_describe["sobjects"]]
    check({"Account", "Contact", "Invoice__c"} <= set(objects), f"sobjects {objects}")
    fields = {f["name"]: f["type"] for f in sf.Invoice__c.describe()["fields"]}
    check(fields == {"Id": "id", "Name": "string", "Amount__c": "double"}, f"fields {fields}")
    print(f"describe: objects {', '.join(objects)}; Invoice__c fields {fields}")

    created = sf.Account.create({"Name": "Interop Ltd", "Industry": "Technology"})
    check(created["success"] and created["id"].startswith("001"), f"create {created}")
    account_id = created["id"]
    status = sf.Account.update(account_id, {"Industry": "Energy", "BillingCity": "Lisbon"})
    check(status == 204, f"update status {status}")
    account = sf.Account.get(account_id)
    check((account["Name"], account["Industry"], account["BillingCity"]) == ("Interop Ltd", "Energy", "Lisbon"), f"get {account}")
    found = sf.query(f"SELECT Name, Industry FROM Account WHERE Id = '{account_id}'")
    check(found["totalSize"] == 1 and found["records"][0]["Industry"] == "Energy", f"query {found}")
    print(f"insert/update/get: Account {account_id} -> {account['Name']}, {account['Industry']}, {account['BillingCity']}")
    check(sf.Account.delete(account_id) == 204, "delete")
    try:
        sf.Account.get(account_id)
        check(False, "a deleted record was found")
    except SalesforceResourceNotFound as error:
        print(f"delete: then get -> {error.status} {error.content[0]['errorCode']}")

    records = [{"attributes": {"type": "Invoice__c"}, "Name": f"LOAD-{n:03}", "Amount__c": n} for n in range(200)]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
    check(len(results) == 200 and all(r["success"] for r in results), "composite/sobjects load")
    count = sf.query("SELECT COUNT() FROM Invoice__c")["totalSize"]
    check(count == 650, f"COUNT() after the load: {count}")
    print(f"composite/sobjects: 200 records created in one call; COUNT() now {count}")

    try:
        sf.query("SELECT Name FROM Invoice__c WHERE")
        check(False, "malformed SOQL was accepted")
    except SalesforceMalformedRequest as error:
        print(f"malformed SOQL -> {error.status} {error.content[0]['errorCode']}")
    print("simple-salesforce: passed")


if __name__ == "__main__":
    main()
