"""A local stand-in for the model hub that faster-whisper fetches models from by name (through huggingface_hub).

It answers the three requests a download makes, as recorded against huggingface_hub 2.x: the repository's
revision (`/api/models/OWNER/NAME/revision/main`), its file list (`/api/models/OWNER/NAME/tree/COMMIT`), and
each file (`HEAD` and `GET /OWNER/NAME/resolve/COMMIT/FILE`, with the ETag and commit headers the client
keys its cache by). Point huggingface_hub at it with HF_ENDPOINT, set before it is imported.
"""

from __future__ import annotations

import hashlib
import json
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from local_server import LocalServer

COMMIT = "c0ffee" + "0" * 34


class FakeHub(LocalServer):
    """Serves the files of `folder` as the model repository `repo`; `requests` lists the paths asked for."""

    def __init__(self, folder: Path, repo: str = "Systran/faster-whisper-base"):
        files = {p.name: p for p in sorted(Path(folder).iterdir()) if p.is_file() and not p.name.startswith(".")}
        etags = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}
        hub = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                self.answer(body=False)

            def do_GET(self) -> None:
                self.answer(body=True)

            def answer(self, body: bool) -> None:
                hub.requests.append(self.path)
                path = self.path.split("?")[0]
                if path == f"/api/models/{repo}/revision/main":
                    return self.json({"id": repo, "sha": COMMIT, "siblings": [{"rfilename": n} for n in files]}, body)
                if path == f"/api/models/{repo}/tree/{COMMIT}":
                    return self.json([{"type": "file", "path": n, "size": p.stat().st_size, "oid": etags[n][:40]}
                                      for n, p in files.items()], body)
                found = re.fullmatch(rf"/{re.escape(repo)}/resolve/(?:main|{COMMIT})/(.+)", path)
                if found and found.group(1) in files:
                    data = files[found.group(1)].read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("ETag", f'"{etags[found.group(1)]}"')
                    self.send_header("X-Repo-Commit", COMMIT)
                    self.end_headers()
                    if body:
                        self.wfile.write(data)
                    return
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def json(self, value, body: bool) -> None:
                data = json.dumps(value).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

        super().__init__(Handler)
