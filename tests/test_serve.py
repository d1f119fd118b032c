"""`make serve WORKERS=n` (deploy/serve.py, deploy/nginx.conf): nginx in front of two app processes keeps each
browser on one process, passes the websocket, compresses the static files and keeps /_stcore/metrics inside."""
from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from benchmarks.streamlit_client import StreamlitSession
from deploy import serve

NGINX = next((found for name in serve.NGINX_PATHS if (found := shutil.which(name))), None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx absent : `make test` l'installe quand il est lancé en "
                                                       "root (apt-get install nginx)")


@pytest.fixture(scope="module")
def deployment(fixture_store_dir):
    # Under /tmp (every folder above traversable): nginx's workers run as www-data when the tests run as root.
    run_dir = Path(tempfile.mkdtemp(prefix="observatoire-serve-"))
    try:
        with serve.running(2, store=fixture_store_dir, run_dir=run_dir) as running:
            yield running
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def active_sessions(port: int) -> int:
    """Sessions open in one app process, from its own metrics (asked directly: nginx refuses them)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/metrics", timeout=5).read().decode()
    return int(float(re.search(r"^active_sessions (\S+)", text, re.MULTILINE).group(1)))


def test_the_configuration_names_every_process_with_the_others_as_backups(tmp_path):
    text = serve.render([9001, 9002, 9003], "0.0.0.0:8080", tmp_path, tmp_path / "static")
    assert "{{" not in text
    assert "listen 0.0.0.0:8080;" in text
    assert re.search(r"upstream any_worker \{\s+least_conn;\s+server 127.0.0.1:9001;\s+server 127.0.0.1:9002;"
                     r"\s+server 127.0.0.1:9003;", text)
    assert re.search(r"upstream worker_2 \{\s+server 127.0.0.1:9002 [^;]*;\s+server 127.0.0.1:9001 backup;"
                     r"\s+server 127.0.0.1:9003 backup;", text)
    assert "worker_3 worker_3;" in text and '"~127\\.0\\.0\\.1:9003$" worker_3;' in text
    assert "location ^~ /_stcore/metrics" in text


@needs_nginx
def test_nginx_accepts_the_rendered_configuration(tmp_path):
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(serve.render([9001, 9002], "127.0.0.1:8080", tmp_path, tmp_path / "static"), encoding="utf-8")
    checked = subprocess.run([NGINX, "-t", "-q", "-c", str(conf)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


@needs_nginx
def test_a_browser_stays_on_the_process_its_cookie_names(deployment):
    first, second = (w.port for w in deployment.workers)

    async def open_sessions(worker: str, count: int) -> list[StreamlitSession]:
        sessions = []
        for _ in range(count):
            session = StreamlitSession(deployment.url)
            session.http.cookies.set("observatoire_worker", worker)
            run = await session.open("", "territoire=departement%3A67&date=2026-03-01")
            assert run.status == 0 and run.exceptions == 0
            sessions.append(session)
        return sessions

    async def scenario():
        sessions = await open_sessions("worker_1", 2) + await open_sessions("worker_2", 1)
        try:
            assert (active_sessions(first), active_sessions(second)) == (2, 1)
            # A rerun goes over the same websocket, to the same process.
            territory = sessions[0].widget("Territoire")
            run = await sessions[0].rerun({territory.id: "Grand Est (région)"})
            assert run.exceptions == 0 and "region%3A44" in sessions[0].query_string
        finally:
            for session in sessions:
                await session.close()

    asyncio.run(scenario())


@needs_nginx
def test_a_new_browser_gets_a_cookie_and_its_websocket_follows_it(deployment):
    ports = {f"worker_{i + 1}": w.port for i, w in enumerate(deployment.workers)}

    async def scenario():
        before = {name: active_sessions(port) for name, port in ports.items()}
        session = StreamlitSession(deployment.url)
        try:
            await session.open("", "")
            worker = session.http.cookies["observatoire_worker"]
            after = {name: active_sessions(port) for name, port in ports.items()}
            assert after[worker] == before[worker] + 1
            assert sum(after.values()) == sum(before.values()) + 1
        finally:
            await session.close()

    asyncio.run(scenario())


@needs_nginx
def test_the_websocket_upgrade_passes_with_the_browsers_origin(deployment):
    """Streamlit accepts a websocket whose Origin is the host asked for: nginx must pass the Host with its port."""
    ws_url = deployment.url.replace("http", "ws") + "/_stcore/stream"

    async def handshake():
        async with connect(ws_url, subprotocols=["streamlit"], origin=deployment.url) as ws:
            return ws.response.status_code, ws.subprotocol

    assert asyncio.run(handshake()) == (101, "streamlit")


@needs_nginx
def test_static_files_are_compressed_and_cached_metrics_stay_inside(deployment):
    index = httpx.get(deployment.url + "/").text
    script = re.search(r"static/js/[^\"']+\.js", index).group(0)
    answer = httpx.get(f"{deployment.url}/{script}", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert "immutable" in answer.headers["cache-control"]
    assert answer.headers["content-type"].startswith("application/javascript")
    # The charts' Plotly library (observatoire/ui/figures.py) too: read from its copy compressed once.
    from observatoire.present.plotly_library import bundle_name

    plotly = httpx.get(f"{deployment.url}/app/static/{bundle_name()}", headers={"Accept-Encoding": "gzip"})
    assert plotly.status_code == 200 and plotly.headers["content-encoding"] == "gzip"
    assert "immutable" in plotly.headers["cache-control"]
    assert int(plotly.headers["content-length"]) < 2_000_000 < len(plotly.content)
    for path in ("/_stcore/metrics", "//_stcore//metrics?format=text", "/_stcore/%6detrics", "/_stcore/metrics/"):
        assert httpx.get(deployment.url + path).status_code == 404, path
    assert httpx.get(f"http://127.0.0.1:{deployment.workers[0].port}/_stcore/metrics").status_code == 200


@needs_nginx
def test_a_stopped_process_sends_its_browsers_to_another(fixture_store_dir):
    run_dir = Path(tempfile.mkdtemp(prefix="observatoire-serve-"))
    try:
        with serve.running(2, store=fixture_store_dir, run_dir=run_dir) as running:
            running.workers[0].process.terminate()
            running.workers[0].process.wait(timeout=20)
            answer = httpx.get(running.url + "/", cookies={"observatoire_worker": "worker_1"})
            assert answer.status_code == 200
            assert answer.cookies["observatoire_worker"] == "worker_2"
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


@needs_nginx
def test_a_port_already_taken_is_said_before_anything_starts(fixture_store_dir):
    import socket

    run_dir = Path(tempfile.mkdtemp(prefix="observatoire-serve-"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with (pytest.raises(RuntimeError, match=f"{taken}.*déjà utilisé"),
              serve.running(1, store=fixture_store_dir, run_dir=run_dir, worker_ports=[taken])):
            pass
    shutil.rmtree(run_dir, ignore_errors=True)


def test_the_app_process_imports_pillow_before_any_session():
    """Sessions run in threads: Pillow imported by one while plotly serialised another's chart failed the page."""
    found = subprocess.run([sys.executable, "-c", "import sys, observatoire.ui.serve; print('PIL.Image' in sys.modules)"],
                           capture_output=True, text=True, check=True, cwd=serve.ROOT)
    assert found.stdout.strip() == "True"
