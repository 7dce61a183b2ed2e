"""docker-compose.yml publishes only nginx, configured from docs/deploy/nginx.conf, in front of the API
(no Docker engine runs here, so the file itself is what we check)."""

from __future__ import annotations

from typing import Any

import yaml

from tests.live import ROOT
from tests.nginx import PLACEHOLDERS

TEMPLATE_MOUNT = "./docs/deploy/nginx.conf:/etc/nginx/templates/default.conf.template:ro"


def services() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"])


def test_only_nginx_is_published_and_only_on_loopback() -> None:
    published = {name: service["ports"] for name, service in services().items() if "ports" in service}

    assert list(published) == ["nginx"]
    assert all(port.startswith("127.0.0.1:") for port in published["nginx"])


def test_nginx_renders_the_shipped_template_with_every_placeholder_set() -> None:
    nginx = services()["nginx"]

    assert TEMPLATE_MOUNT in nginx["volumes"]
    assert set(nginx["environment"]) >= PLACEHOLDERS
    assert nginx["environment"]["TASKAPI_UPSTREAM"] == "api:8000"  # the image's PORT


def test_nginx_and_the_api_share_one_body_limit() -> None:
    found = services()

    assert found["nginx"]["environment"]["MAX_BODY_BYTES"] == found["api"]["environment"]["MAX_BODY_BYTES"]
    assert found["nginx"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_no_instructions_publish_gunicorns_port_to_clients() -> None:
    for name in ("README.md", "docs/deploy.md", "Dockerfile", "docker-compose.yml"):
        text = (ROOT / name).read_text()
        assert "-p 8000:8000" not in text and '"8000:8000"' not in text, name
