"""/docs: the API's documentation page, with Swagger UI served by the API itself (installed from
npm by the set-up command, like the console's DSFR files): the page fetches nothing outside."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER = Path(__file__).resolve().parent / "static" / "swagger"


def install(app: FastAPI) -> None:
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER, check_dir=False), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — documentation",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
            swagger_ui_parameters={"defaultModelsExpandDepth": 0},
        )
