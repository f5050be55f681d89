"""Calling the explorer's Dash callbacks over HTTP as the browser does (used by the integration tests)."""

from __future__ import annotations

import json

from tests.helpers import callback_body, post_callback


def dependency(client, output_part: str) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    matches = [d for d in deps if output_part in d["output"] and not d.get("clientside_function")]
    assert len(matches) == 1, [d["output"] for d in matches]
    return matches[0]


def call(client, token, output_part: str, values: dict, triggered: list[str] | None = None):
    """POST one callback; `values` maps "id.property" to the value the browser would send."""
    dep = dependency(client, output_part)
    body = callback_body(dep)

    def fill(items):
        out = []
        for item in items:
            ident = item["id"] if isinstance(item["id"], str) else json.dumps(item["id"], sort_keys=True)
            key = f"{ident}.{item['property']}"
            if ident.startswith("{"):  # pattern-matching ALL: a list of matching components
                out.append(values.get(key, []))
            else:
                out.append({**item, "value": values.get(key)})
        return out

    body["inputs"] = fill(dep["inputs"])
    body["state"] = fill(dep["state"])
    body["changedPropIds"] = triggered or []
    return post_callback(client, body, token if isinstance(token, str) else client.get_cookie("_csrf_token").value)


def response(resp) -> dict:
    assert resp.status_code == 200, resp.data[:500]
    return resp.get_json()["response"]


def texts(component) -> str:
    """All text inside a serialised Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list):
        return " ".join(texts(c) for c in component)
    if isinstance(component, dict):
        props = component.get("props", component)
        return texts(props.get("children", "")) if isinstance(props, dict) else ""
    return ""
