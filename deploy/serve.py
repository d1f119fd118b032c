"""`python -m deploy.serve --workers n` (`make serve WORKERS=n`): n app processes behind nginx at one address.

Python runs one script at a time per process (the GIL): one process serves one core. Each process here is the
app's own launcher (`observatoire.ui.serve`) on a local port (127.0.0.1 only); nginx, from Debian's package,
listens on HOST:PORT with the configuration deploy/nginx.conf (sticky sessions by cookie, websockets, static files
compressed once, /_stcore/metrics kept inside). A process that stops is started again; Ctrl-C stops everything.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import streamlit

from observatoire.present.plotly_library import install_bundle

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
RUN_DIR = ROOT / ".serve"
WORKER_PORT = 8601
STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static"
COMPRESSED = (".js", ".css", ".svg", ".json", ".html", ".map")
NGINX_PATHS = ("nginx", "/usr/sbin/nginx")


class NginxMissing(Exception):
    """nginx is not installed (Debian: apt-get install nginx; `make serve` does it when run as root)."""


def nginx_binary() -> str:
    for candidate in NGINX_PATHS:
        found = shutil.which(candidate)
        if found:
            return found
    raise NginxMissing("nginx est absent : installez-le (sudo apt-get install nginx) ; `make serve` le fait "
                       "quand il est lancé en root.")


def render(ports: list[int], listen: str, run_dir: Path, static_root: Path, user: str | None = None) -> str:
    """deploy/nginx.conf with its {{ names }} filled for processes on 127.0.0.1 at `ports`."""
    names = [f"worker_{i + 1}" for i in range(len(ports))]
    every = "".join(f"        server 127.0.0.1:{port};\n" for port in ports)
    upstreams = [f"    upstream any_worker {{\n        least_conn;\n{every}    }}"]
    for name, port in zip(names, ports):
        backups = "".join(f"        server 127.0.0.1:{other} backup;\n" for other in ports if other != port)
        upstreams.append(f"    upstream {name} {{\n        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n"
                         f"{backups}    }}")
    values = {
        "run_dir": str(run_dir),
        "user": f"user {user};" if user else "",
        "upstreams": "\n".join(upstreams),
        "known": "\n".join(f"        {name} {name};" for name in names),
        # The last address tried is the one that answered ("127.0.0.1:8601, 127.0.0.1:8602" after a failover).
        "served": "\n".join(f'        "~127\\.0\\.0\\.1:{port}$" {name};' for name, port in zip(names, ports)),
        "listen": listen,
        "static_root": str(static_root),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    missing = set(re.findall(r"\{\{ (\w+) \}\}", text)) - set(values)
    if missing:
        raise KeyError(f"deploy/nginx.conf names values serve.py does not fill: {sorted(missing)}")
    return re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], text)


def static_copy(run_dir: Path) -> Path:
    """A tree nginx serves Streamlit's frontend and the charts' Plotly library from: links to the files, each text
    file beside its gzip (compressed once per version, at the best level, rather than at each request)."""
    bundle = install_bundle()  # the charts' Plotly library (observatoire/ui/figures.py), served at app/static/
    root = run_dir / f"static-{streamlit.__version__}-{bundle.stem.split('.')[0]}"
    done = root / ".done"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    source = STREAMLIT_STATIC / "static"
    for path in source.rglob("*"):
        if not path.is_file():
            continue
        target = root / "static" / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
        if path.suffix in COMPRESSED:
            target.with_name(target.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 9, mtime=0))
    target = root / "app" / "static" / bundle.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(bundle)
    target.with_name(bundle.name + ".gz").write_bytes(gzip.compress(bundle.read_bytes(), 9, mtime=0))
    done.touch()
    return root


def nginx_user() -> str | None:
    """Started as root, nginx's workers run as Debian's www-data; otherwise as whoever starts it."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("www-data")
        return "www-data"
    except KeyError:
        return "nobody"


def reachable_by_others(path: Path) -> bool:
    """nginx's workers (www-data when nginx is started as root) read the static copy and write their temporary
    files under the run folder: every folder above it must let others through."""
    return all(folder.stat().st_mode & 0o001 for folder in [path, *path.parents])


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process stopped ({process.returncode}) before answering, see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s, see {log}")


@dataclass
class Worker:
    port: int
    log: Path
    env: dict
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "observatoire.ui.serve", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self) -> None:
        wait_for(f"http://127.0.0.1:{self.port}/_stcore/health", self.process, self.log)


@dataclass
class Running:
    url: str
    workers: list[Worker]
    nginx: subprocess.Popen
    run_dir: Path

    def processes(self) -> dict[str, int]:
        """Name -> pid of every process serving, for memory and CPU reports."""
        named = {f"processus {i + 1} (port {w.port})": w.process.pid for i, w in enumerate(self.workers)}
        return {**named, "nginx (maître)": self.nginx.pid, **{f"nginx (travailleur {i + 1})": pid
                                                                 for i, pid in enumerate(nginx_workers(self.nginx))}}


def nginx_workers(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    with contextlib.suppress(OSError):
        return [int(pid) for pid in children.read_text().split()]
    return []


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running(workers: int, host: str = "127.0.0.1", port: int | None = None, store: Path | None = None,
            run_dir: Path | None = None, worker_ports: list[int] | None = None):
    """Start `workers` app processes and nginx in front of them; yields Running, stops them all on exit.
    Ports default to free ones (tests, benchmarks); `make serve` gives PORT and 8601, 8602..."""
    binary = nginx_binary()
    run_dir = Path(run_dir or RUN_DIR).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)
    if nginx_user() and not reachable_by_others(run_dir):
        raise RuntimeError(f"{run_dir} : un dossier parent n'est pas traversable par les autres utilisateurs ; "
                           f"les travailleurs de nginx ({nginx_user()}) ne pourraient pas y lire ni y écrire.")
    (run_dir / "tmp").mkdir(exist_ok=True)
    worker_ports = worker_ports or [free_port() for _ in range(workers)]
    port = port or free_port()
    taken = [p for p in worker_ports if not port_free(p)]
    if taken:
        raise RuntimeError(f"port(s) {', '.join(map(str, taken))} déjà utilisé(s) sur 127.0.0.1 : choisissez d'autres "
                           "ports pour les processus (--worker-port).")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if store is not None:
        env["OBSERVATOIRE_DATA"] = str(store)
    pool = [Worker(p, run_dir / f"worker-{p}.log", env) for p in worker_ports]
    nginx = None
    try:
        for worker in pool:
            worker.start()
        static_root = static_copy(run_dir)
        for worker in pool:
            worker.wait()
        conf = run_dir / "nginx.conf"
        conf.write_text(render(worker_ports, listen_address(host, port), run_dir, static_root, nginx_user()),
                        encoding="utf-8")
        checked = subprocess.run([binary, "-t", "-q", "-c", str(conf)], check=False, capture_output=True, text=True)
        if checked.returncode:
            raise RuntimeError(f"nginx refuses {conf}: {checked.stderr.strip()}")
        log = run_dir / "nginx-error.log"
        nginx = subprocess.Popen([binary, "-c", str(conf), "-g", "daemon off;"], stdout=log.open("a"),
                                 stderr=subprocess.STDOUT, start_new_session=True)
        local = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
        url = f"http://{local}:{port}"
        wait_for(f"{url}/_stcore/health", nginx, log)
        current = Running(url, pool, nginx, run_dir)
        (run_dir / "processes.json").write_text(json.dumps({"url": url, "processes": current.processes()},
                                                           ensure_ascii=False, indent=1), encoding="utf-8")
        yield current
    finally:
        _stop(nginx)
        for worker in pool:
            _stop(worker.process)
        with contextlib.suppress(OSError):
            (run_dir / "processes.json").unlink()


def listen_address(host: str, port: int) -> str:
    """nginx's `listen` value: an IPv6 address goes in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def supervise(current: Running, stop: list[bool]) -> None:
    """Start again a process that stopped (its sessions are lost; browsers reconnect); give up on a process that
    stops again and again, and on nginx stopping."""
    restarts: dict[int, list[float]] = {}
    while not stop:
        time.sleep(1)
        if current.nginx.poll() is not None:
            raise RuntimeError(f"nginx stopped ({current.nginx.returncode}), see {current.run_dir}/nginx-error.log")
        for worker in current.workers:
            if worker.process.poll() is None:
                continue
            recent = [t for t in restarts.get(worker.port, []) if time.monotonic() - t < 60] + [time.monotonic()]
            restarts[worker.port] = recent
            if len(recent) > 3:
                raise RuntimeError(f"the process on port {worker.port} keeps stopping, see {worker.log}")
            print(f"Le processus du port {worker.port} s'est arrêté ({worker.process.returncode}) : relancé.",
                  file=sys.stderr, flush=True)
            worker.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="app processes (one per core)")
    parser.add_argument("--host", default="127.0.0.1", help="address nginx listens on")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--worker-port", type=int, default=WORKER_PORT, help="first app process's local port")
    parser.add_argument("--run-dir", type=Path, default=RUN_DIR, help="nginx configuration, logs, static copy")
    parser.add_argument("--render", type=Path, help="only write the nginx configuration to this file")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    ports = [args.worker_port + i for i in range(args.workers)]
    if args.render:
        (args.run_dir / "tmp").mkdir(parents=True, exist_ok=True)
        args.render.write_text(render(ports, listen_address(args.host, args.port), args.run_dir.resolve(),
                                      static_copy(args.run_dir.resolve()), nginx_user()), encoding="utf-8")
        print(f"Configuration écrite dans {args.render} (processus attendus sur 127.0.0.1:{ports[0]}…{ports[-1]}).")
        return 0
    from observatoire import session

    warning = session.open_bind_warning(args.host, session.auth_configured())
    if warning:
        print(warning, file=sys.stderr)
    stop: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        with running(args.workers, args.host, args.port, run_dir=args.run_dir, worker_ports=ports) as current:
            print(f"Observatoire : ouvrez {current.url} ({args.workers} processus derrière nginx ; journaux dans "
                  f"{current.run_dir}). Ctrl-C pour arrêter.", flush=True)
            supervise(current, stop)
    except NginxMissing as missing:
        print(missing, file=sys.stderr)
        return 2
    except RuntimeError as failure:
        print(f"Arrêt : {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
