"""/openapi.json: a valid OpenAPI document that lists exactly the routes and methods the app serves."""

from __future__ import annotations

import re

import falcon.testing
from openapi_spec_validator import validate

from taskapi.app import TaskApp
from taskapi.openapi.document import UNDOCUMENTED, served_routes

SAMPLE_PATH_VALUES = {
    "task_id": "019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e",
    "list_id": "019a5f3a-11b2-7c4d-8e5f-6a7b8c9d0e1f",
    "subscription_id": "019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e",
    "delivery_id": "019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e",
}
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def test_openapi_document_is_valid_and_public(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/openapi.json")  # no Authorization header

    assert result.status_code == 200
    assert result.headers["Content-Type"] == "application/json"
    validate(result.json)


def _served(app: TaskApp) -> set[tuple[str, str]]:
    return {
        (re.sub(r"{(\w+)(?::[^}]*)?}", r"{\1}", template), method.lower())
        for template, _resource, responders in served_routes(app.routes)
        for method in responders
    }


def test_every_served_route_and_method_is_documented(app: TaskApp, client: falcon.testing.TestClient) -> None:
    paths = client.simulate_get("/openapi.json").json["paths"]
    documented = {(path, method) for path, item in paths.items() for method in item if method in HTTP_METHODS}

    assert _served(app) - documented == set()
    undocumented = [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method, op in item.items()
        if isinstance(op, dict) and op.get(UNDOCUMENTED)
    ]
    assert undocumented == [], "add an `openapi` entry for these responders"


def test_every_documented_operation_is_routed_to_a_responder(
    app: TaskApp, client: falcon.testing.TestClient
) -> None:
    paths = client.simulate_get("/openapi.json").json["paths"]
    for path, item in paths.items():
        concrete = re.sub(r"{(\w+)}", lambda m: SAMPLE_PATH_VALUES[m.group(1)], path)
        found = app._router.find(concrete)
        assert found is not None, f"{path} is documented but not routed"
        resource, method_map, _params, _template = found
        for method in item.keys() & HTTP_METHODS:
            responder = method_map[method.upper()]
            assert getattr(responder, "__self__", None) is resource, f"{method.upper()} {path} is not served"


def test_authenticated_operations_declare_bearer_and_401(client: falcon.testing.TestClient) -> None:
    document = client.simulate_get("/openapi.json").json
    assert document["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path.startswith("/api/v1") and method in HTTP_METHODS:
                assert "security" not in op, f"{method} {path} must inherit the bearer requirement"
                assert "401" in op["responses"] and "503" in op["responses"]


def test_write_operations_document_conditional_and_idempotency_headers(
    client: falcon.testing.TestClient,
) -> None:
    paths = client.simulate_get("/openapi.json").json["paths"]

    def headers(path: str, method: str) -> set[str]:
        return {p["$ref"].rsplit("/", 1)[1] for p in paths[path][method]["parameters"] if "$ref" in p}

    assert {"IfMatch"} <= headers("/api/v1/tasks/{task_id}", "put")
    assert {"IfMatch"} <= headers("/api/v1/tasks/{task_id}", "patch")
    assert {"IfNoneMatch"} <= headers("/api/v1/tasks/{task_id}", "get")
    assert {"IdempotencyKey"} <= headers("/api/v1/tasks", "post")
    assert "412" in paths["/api/v1/tasks/{task_id}"]["put"]["responses"]
    patch_body = paths["/api/v1/tasks/{task_id}"]["patch"]["requestBody"]["content"]["application/json"]
    assert patch_body["schema"]["$ref"].endswith("/TaskPatch")


def test_patch_schema_requires_nothing_and_input_requires_title(client: falcon.testing.TestClient) -> None:
    schemas = client.simulate_get("/openapi.json").json["components"]["schemas"]

    assert schemas["TaskInput"]["required"] == ["title"]
    assert "required" not in schemas["TaskPatch"]


def test_docs_page_is_public_and_uses_local_assets(client: falcon.testing.TestClient) -> None:
    page = client.simulate_get("/docs")
    bundle = client.simulate_get("/docs/assets/swagger-ui-bundle.js")

    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "https://" not in page.text and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert client.simulate_get("/docs/init.js").text.count('url: "/openapi.json"') == 1


def test_list_parameters_are_documented_comma_separated(client: falcon.testing.TestClient) -> None:
    parameters = client.simulate_get("/openapi.json").json["paths"]["/api/v1/tasks"]["get"]["parameters"]
    by_name = {p["name"]: p for p in parameters if "name" in p}

    assert {
        "q",
        "completed",
        "priority",
        "tags",
        "sort_by",
        "sort_order",
        "limit",
        "offset",
        "cursor",
    } <= set(by_name)
    assert by_name["tags"]["style"] == "form" and by_name["tags"]["explode"] is False
