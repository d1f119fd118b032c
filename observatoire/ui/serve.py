"""`python -m observatoire.ui.serve [streamlit options]`: `streamlit run app.py`, app.py being the only router.

Streamlit treats a `pages/` folder beside the main script as its legacy multipage mode until `st.navigation` has
run once, so the first visit of a deep link (`/carte`) on a fresh server would run `pages/carte.py` without
app.py (no sidebar, no sign-in check). Saying before the first session that app.py routes makes every visit go
through app.py, once.
"""
from __future__ import annotations

import sys

# Imported before any session runs: plotly's JSON encoder reads PIL.Image from sys.modules without importing it, and
# a chart serialised while another session was importing Pillow met a half-initialised module (`make loadtest`,
# 100 users: « partially initialized module 'PIL.Image' »).
import PIL.Image  # noqa: F401
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli
from streamlit.web.server.starlette import starlette_app

from observatoire import session
from observatoire.base.settings import ROOT
from observatoire.present import plotly_library

APP = ROOT / "app.py"


def close_metrics() -> None:
    """With sign-in configured, no /_stcore/metrics: it would tell anyone the cache sizes per function and the size
    of each session's state. (Behind the shipped reverse proxy, the proxy blocks it too.)"""
    original = starlette_app.create_metrics_routes

    def routes(*args, **kwargs):  # called once the server has read its configuration (secrets files included)
        return [] if session.auth_configured() else original(*args, **kwargs)

    starlette_app.create_metrics_routes = routes


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    address = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--server.address"), None)
    warning = session.open_bind_warning(address, session.auth_configured())
    if warning:
        print(warning, file=sys.stderr)
    PagesManager.uses_pages_directory = False
    close_metrics()
    plotly_library.install_bundle()  # Streamlit serves static/ only if the folder exists when it starts
    return cli.main(["run", str(APP), *argv], standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main())
