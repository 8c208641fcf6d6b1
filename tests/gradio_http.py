"""Gradio's HTTP API without gradio_client: for bodies its client cannot send (NaN, lone surrogates).

    POST {server}gradio_api/call/{api}  {"data": [...]}  -> {"event_id": ...}
    GET  {server}gradio_api/call/{api}/{event_id}        -> server-sent events, last one complete or error
"""

import json
import urllib.request


def call(server, api, data, timeout=120):
    """-> ("complete", outputs) or ("error", the gr.Error message). json.dumps writes NaN and \\udcff as given."""
    body = json.dumps({"data": data}).encode("ascii")
    request = urllib.request.Request(f"{server}gradio_api/call/{api}", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        event_id = json.load(r)["event_id"]
    event, payload = None, None
    with urllib.request.urlopen(f"{server}gradio_api/call/{api}/{event_id}", timeout=timeout) as r:
        for raw in r:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event in ("complete", "error"):
                payload = json.loads(line[len("data: "):])
                break
    if event == "error" and isinstance(payload, dict):
        payload = payload.get("error")
    return event, payload
