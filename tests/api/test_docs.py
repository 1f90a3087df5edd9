import re

from openapi_spec_validator import validate

NOT_API = {"static", "openapi.json", "docs", "swagger_assets.static", "api-docs.openapi_json",
           "api-docs.openapi_swagger_ui", "asyncapi_json"}


def api_paths(app):
    """Every REST path the app routes, in OpenAPI spelling ({name} for <converter:name>)."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_API or rule.endpoint.startswith("api-docs.") or rule.rule.startswith("/docs"):
            continue
        if rule.endpoint.startswith("web_"):  # pages for browsers (app/web), not API

            continue
        paths.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
    return paths


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/openapi.json")

    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_openapi_document_lists_every_route(client, app):
    spec = client.get("/openapi.json").get_json()

    assert api_paths(app) - {"/socket.io/"} <= set(spec["paths"])
    for path in ("/auth/login", "/conversations/{conversation_id}/messages", "/messages/{message_id}/read",
                 "/messages/search", "/health/ready"):
        assert path in spec["paths"]


def test_openapi_document_describes_request_schemas_and_bearer_auth(client):
    spec = client.get("/openapi.json").get_json()

    send = spec["paths"]["/conversations/{conversation_id}/messages"]["post"]
    body_schema = send["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "content" in spec["components"]["schemas"][body_schema]["properties"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/auth/login"]["post"]["security"] == []


def test_swagger_ui_loads_its_assets_from_our_own_server(client):
    response = client.get("/docs")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "swagger-ui" in html
    assert "//" not in re.sub(r"<!--.*?-->", "", html, flags=re.S).replace("/openapi.json", "")
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        assert client.get(asset).status_code == 200, asset


def test_cors_allows_configured_origins_only(make_app):
    http = make_app({"CORS_ORIGINS": ["https://chat.example.com"]}).test_client()

    allowed = http.get("/health", headers={"Origin": "https://chat.example.com"})
    other = http.get("/health", headers={"Origin": "https://evil.example.net"})

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://chat.example.com"
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_preflight_for_an_allowed_origin(make_app):
    http = make_app({"CORS_ORIGINS": ["https://chat.example.com"]}).test_client()

    response = http.options("/conversations", headers={"Origin": "https://chat.example.com",
                                                       "Access-Control-Request-Method": "POST",
                                                       "Access-Control-Request-Headers": "Authorization"})

    assert response.headers["Access-Control-Allow-Origin"] == "https://chat.example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
