"""schemathesis against the OpenAPI document over real HTTP (the live server with the demo data): for every
operation, generated requests get no server error, a documented status code and content type, and a body that
matches the schema. Examples are bounded to keep the run within a couple of minutes.

The schema is the document the portal serves (`portal.api.openapi.document`, checked equal to the served one
in test_api.py), loaded at collection time so that each operation is a test of its own.
"""

import schemathesis
from hypothesis import HealthCheck, settings

from portal.api.openapi import document

schema = schemathesis.openapi.from_dict(document("http://127.0.0.1/"))


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_openapi_promises(case, live_server):
    case.call_and_validate(base_url=live_server.url, timeout=30)
