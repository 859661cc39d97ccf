"""The nginx example of docs/operations.md (``deploy/nginx/hos-avtal.conf``), run as it is in
front of a real ``hos-avtal serve``: TLS, the redirect, one request id in both logs, the body
limit, and no path or query string in nginx's log. Needs Debian's nginx and openssl (skipped
with a reason elsewhere; mandatory in CI, which installs them)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from test_serve_processes import Served, serving
from test_web_page import _free_port, _missing

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "hos-avtal.conf"
PNR = "19121212-1212"

pytestmark = pytest.mark.slow


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[str, str, Path, Served]]:
    """(https URL, http URL, nginx's access log, the server behind it)."""
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).exists() or openssl is None:
        _missing("nginx or openssl is not installed (apt-get install nginx-light): proxy test skipped")
    assert openssl is not None
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    with serving(str(tmp_path / "runs.sqlite")) as served:
        api_port = served.url.rsplit(":", 1)[1]
        https_port, http_port, log = _free_port(), _free_port(), tmp_path / "access.log"
        site = (
            CONFIG.read_text()
            .replace("127.0.0.1:8000", f"127.0.0.1:{api_port}")
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("/etc/ssl/hos-avtal/fullchain.pem", str(cert))
            .replace("/etc/ssl/hos-avtal/privkey.pem", str(key))
            .replace("/var/log/nginx/hos-avtal.access.log", str(log))
        )
        (tmp_path / "site.conf").write_text(site)
        temps = [(name, tmp_path / name) for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
        (tmp_path / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {tmp_path / 'nginx.pid'};\n"
            f"error_log {tmp_path / 'error.log'} warn;\nevents {{}}\nhttp {{\n"
            + "".join(f"  {name}_temp_path {path};\n" for name, path in temps)
            + f"  include {tmp_path / 'site.conf'};\n}}\n"
        )  # fmt: skip
        process = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            url = f"https://127.0.0.1:{https_port}"
            trusted = ssl.create_default_context(cafile=str(cert))
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"{url}/v1/health", verify=trusted, timeout=1)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"nginx did not start: {process.communicate()[1]}")
                    time.sleep(0.1)
            yield url, f"http://127.0.0.1:{http_port}", log, served
        finally:
            process.terminate()
            process.wait(timeout=20)
    # `served` was stopped by `serving`: its log is complete now.


def test_the_nginx_example_serves_the_api_over_tls_with_one_request_id_in_both_logs(
    proxied: tuple[str, str, Path, Served], tmp_path: Path
) -> None:
    url, plain, log, served = proxied
    cert = ssl.create_default_context(cafile=str(tmp_path / "fullchain.pem"))
    with httpx.Client(base_url=url, verify=cert, headers=served.auth("analyst")) as client:
        health = client.get("/v1/health")
        assert health.status_code == 200
        request_id = health.headers["x-request-id"]
        assert len(request_id) == 32  # nginx's own $request_id, kept by the API
        assert health.headers["strict-transport-security"].startswith("max-age=")
        refused = client.get(f"/v1/municipalities/{PNR}", params={"pnr": PNR})
        assert refused.status_code in (404, 422)
        too_big = client.post("/v1/betalningsansvar/calculate", content=b"x" * (22 * 2**20),
                              headers={"Content-Type": "application/json"})  # fmt: skip
        assert too_big.status_code == 413
        metrics = client.get("/metrics")  # from loopback: let through, and the key decides
        assert metrics.status_code == 403
    redirect = httpx.get(f"{plain}/v1/health", follow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["location"].startswith("https://")
    time.sleep(0.5)  # nginx writes its log line after the answer
    written = log.read_text()
    assert request_id in written
    assert "19121212" not in written
    assert "/v1/" not in written
    _code, lines = served.stop()
    assert request_id in {line.get("request_id") for line in lines}
    assert "19121212" not in json.dumps(lines)
