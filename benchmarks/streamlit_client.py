"""A Streamlit session without a browser: Streamlit's own websocket protocol (protobuf BackMsg and ForwardMsg on
/_stcore/stream), spoken the way its frontend speaks it, so that one process can play dozens of users.

What the browser does and this client does too: fetch the page's HTML (and the two small endpoints the frontend
calls first), keeping the cookies a proxy sets (sticky sessions); open the websocket with them; ask for a script
run with the address's query string, the page and the state of every widget changed so far; declare the cached
messages it already holds; follow the query string the app writes back. What it does not do: draw anything.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
TIMEZONE, LOCALE = "Europe/Paris", "fr-FR"


class ServerError(Exception):
    """The server refused, closed the connection or answered with an error status."""


@dataclass
class Widget:
    kind: str                     # selectbox | date_input | tabs | expander
    id: str
    label: str
    options: list[str] = field(default_factory=list)   # selectbox options, tab labels
    value: str | bool | None = None                     # what is shown (expanded, current tab) when known


@dataclass
class Run:
    """One script run as the client saw it."""
    seconds: float
    messages: int = 0
    bytes: int = 0
    exceptions: int = 0           # Streamlit exception boxes (a traceback the app did not catch)
    errors: list[str] = field(default_factory=list)     # st.error messages (the app's French error pages)
    status: int | None = None


class StreamlitSession:
    """One browser tab on a Streamlit app: `open` a page, then `rerun` with widget changes or another page."""

    def __init__(self, base_url: str, timeout: float = 30.0, keep_elements: bool = False):
        self.base_url = base_url.rstrip("/")
        self.keep_elements = keep_elements
        self.elements: list = []                 # the last run's elements, when kept (tests read them)
        self.timeout = timeout
        self.http = httpx.AsyncClient(timeout=timeout)
        self.ws = None
        self.pages: dict[str, str] = {}         # url path ("" for the default page) -> page script hash
        self.page_hash = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}     # label (id for tabs and expanders) -> widget of the last run
        self.states: dict[str, WidgetState] = {}  # widget id -> state the user set (sent with every rerun)
        self.cached: set[str] = set()            # hashes of cacheable messages received (the frontend's cache)
        self.session_id = ""

    async def open(self, path: str, query: str) -> Run:
        """What a new tab does: GET the page (its cookies), GET health and host-config, open the websocket, run."""
        start = time.perf_counter()
        url = f"{self.base_url}/{path}" + (f"?{query}" if query else "")
        for target in (url, f"{self.base_url}/_stcore/health", f"{self.base_url}/_stcore/host-config"):
            try:
                response = await self.http.get(target)
            except httpx.TimeoutException as exc:
                raise TimeoutError(str(exc)) from exc
            except httpx.HTTPError as exc:
                raise ServerError(f"{type(exc).__name__} on {target}: {exc}") from exc
            if response.status_code >= 400:
                raise ServerError(f"HTTP {response.status_code} on {target}")
        ws_url = "ws" + self.base_url[len("http"):] + "/_stcore/stream"
        cookies = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        try:
            self.ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout,
                                    additional_headers={"Cookie": cookies} if cookies else None)
        except (OSError, WebSocketException) as exc:
            raise ServerError(f"websocket refused: {exc}") from exc
        self.query_string = query
        run = await self._run(page_name=path)
        run.seconds = time.perf_counter() - start
        return run

    async def rerun(self, changes: dict[str, str | bool | list[str]] | None = None, page: str | None = None) -> Run:
        """A widget change (widget id -> new value) or a page change (its url path), as the frontend sends it."""
        for widget_id, value in (changes or {}).items():
            self.states[widget_id] = widget_state(widget_id, value)
        return await self._run(page_hash=self.pages[page] if page is not None else self.page_hash)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.aclose()

    def widget(self, label: str) -> Widget | None:
        return self.widgets.get(label)

    def metrics(self) -> dict[str, str]:
        """Label -> value of the last run's st.metric elements (kept with keep_elements=True)."""
        return {e.metric.label: e.metric.body for e in self.elements if e.WhichOneof("type") == "metric"}

    @property
    def current_page(self) -> str:
        return next((path for path, page_hash in self.pages.items() if page_hash == self.page_hash), "")

    async def _run(self, page_hash: str = "", page_name: str = "") -> Run:
        message = BackMsg()
        client_state = message.rerun_script
        client_state.query_string = self.query_string
        client_state.page_script_hash = page_hash
        client_state.page_name = page_name
        client_state.widget_states.widgets.extend(self.states.values())
        client_state.cached_message_hashes.extend(sorted(self.cached))
        client_state.context_info.timezone = TIMEZONE
        client_state.context_info.locale = LOCALE
        start = time.perf_counter()
        try:
            await self.ws.send(message.SerializeToString())
            run = await asyncio.wait_for(self._receive(), self.timeout)
        except WebSocketException as exc:
            raise ServerError(f"websocket closed: {exc}") from exc
        run.seconds = time.perf_counter() - start
        return run

    async def _receive(self) -> Run:
        """Read messages until the script run is finished (a rerun the app asks for itself is followed)."""
        run = Run(0.0)
        self.widgets = {}
        self.elements = []
        containers: dict[tuple[int, ...], Widget] = {}
        while True:
            data = await self.ws.recv()
            run.messages += 1
            run.bytes += len(data)
            message = ForwardMsg()
            message.ParseFromString(data)
            if message.metadata.cacheable and message.hash:
                self.cached.add(message.hash)
            kind = message.WhichOneof("type")
            if kind == "delta":
                self._delta(message, run, containers)
            elif kind == "new_session":
                self.session_id = message.new_session.initialize.session_id
            elif kind == "navigation":
                self.pages = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
                self.page_hash = message.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "script_finished" and message.script_finished in DONE:
                run.status = message.script_finished
                self.states = {i: s for i, s in self.states.items() if i in {w.id for w in self.widgets.values()}}
                return run

    def _delta(self, message: ForwardMsg, run: Run, containers: dict) -> None:
        delta = message.delta
        path = tuple(message.metadata.delta_path)
        if delta.WhichOneof("type") == "new_element":
            element = delta.new_element
            kind = element.WhichOneof("type")
            if self.keep_elements:
                self.elements.append(element)
            if kind == "exception":
                run.exceptions += 1
            elif kind == "alert" and element.alert.format == Alert.ERROR:
                run.errors.append(element.alert.body[:200])
            elif kind == "selectbox":
                box = element.selectbox
                self.widgets[box.label] = Widget("selectbox", box.id, box.label, list(box.options))
            elif kind == "date_input":
                self.widgets[element.date_input.label] = Widget("date_input", element.date_input.id,
                                                                element.date_input.label)
        elif delta.WhichOneof("type") == "add_block":
            block = delta.add_block
            kind = block.WhichOneof("type")
            if kind == "tab_container" and block.tab_container.id:
                tabs = Widget("tabs", block.tab_container.id, "")
                containers[path] = tabs
                self.widgets[tabs.id] = tabs
            elif kind == "tab" and path[:-1] in containers:
                containers[path[:-1]].options.append(block.tab.label)
            elif kind == "expandable" and block.expandable.id:
                self.widgets[block.expandable.id] = Widget("expander", block.expandable.id, block.expandable.label,
                                                           value=bool(block.expandable.expanded))


def widget_state(widget_id: str, value: str | bool | list[str]) -> WidgetState:
    """The state the frontend sends: a selectbox's or a tab's label as a string, a date input's ISO dates as a
    string array, an expander's open state as a bool."""
    state = WidgetState(id=widget_id)
    if isinstance(value, bool):
        state.bool_value = value
    elif isinstance(value, str):
        state.string_value = value
    else:
        state.string_array_value.data.extend(value)
    return state

