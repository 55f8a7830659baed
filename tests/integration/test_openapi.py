"""/openapi.json documents every route: a French summary, the schema of its answer, the bearer
scheme and the error answers with their {code, message, details} shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def spec(api_client: TestClient) -> dict[str, Any]:
    response = api_client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def test_every_route_documents_the_schema_of_its_answer(spec: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(spec):
        ok = {c: r for c, r in op["responses"].items() if c.startswith("2")}
        schemas = [
            media.get("schema")
            for response in ok.values()
            for media in response.get("content", {}).values()
        ]
        if not any(schemas):
            missing.append(f"{method} {path}")
    assert not missing


def test_every_route_has_a_french_summary(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        summary = op.get("summary", "")
        generated = op["operationId"].split("_api_v1")[0].replace("_", " ").title()
        assert summary and summary != generated, f"{method} {path}: {summary!r}"


def test_protected_routes_use_the_bearer_scheme_and_document_their_errors(
    spec: dict[str, Any],
) -> None:
    assert spec["components"]["securitySchemes"]["jeton"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["jeton"]["description"],
    }
    error = {"$ref": "#/components/schemas/Erreur"}
    for method, path, op in operations(spec):
        if not path.startswith("/api/v1"):
            continue
        assert op.get("security") == [{"jeton": []}], f"{method} {path}"
        for status in ("401", "403", "404", "409", "413", "422", "429"):
            content = op["responses"][status]["content"]["application/json"]
            assert content["schema"] == error, f"{method} {path} {status}"
    erreur = spec["components"]["schemas"]["Erreur"]
    assert set(erreur["properties"]) == {"code", "message", "details"}


def test_job_answers_are_the_union_of_the_kinds_figures(spec: dict[str, Any]) -> None:
    job = spec["paths"]["/api/v1/jobs/{job_id}"]["get"]["responses"]["200"]["content"]
    schema = job["application/json"]["schema"]
    refs = {s["$ref"].rsplit("/", 1)[1] for s in schema.get("anyOf", [schema])}
    assert {"ImportFigures", "JobFigures"} <= refs
