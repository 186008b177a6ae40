"""A loopback stand-in for the Hugging Face Hub, for the publishing tests.

``FakeHub`` answers the requests huggingface_hub makes (read from its source: ``HfApi.create_repo``,
``create_branch``, ``create_commit`` with ``/api/validate-yaml``, ``/preupload`` and the NDJSON ``/commit``;
``snapshot_download``'s ``/revision``, ``/tree`` and ``/resolve`` calls) and records every request, so the tests can
check what was sent, byte for byte. Nothing leaves the loopback interface; the server listens on a free port.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclasses.dataclass
class Request:
    method: str
    path: str
    authorization: str | None
    body: bytes


class FakeHub:
    """Repos with branches and commits (full file trees), and a log of every request and commit."""

    def __init__(self) -> None:
        self.repos: dict[str, dict] = {}  # repo id -> {"private": bool, "branches": {name: commit sha}}
        self.trees: dict[str, dict[str, bytes]] = {}  # commit sha -> {path: content}
        self.commits: list[dict] = []  # {"repo", "revision", "summary", "files": {path: content}}
        self.requests: list[Request] = []
        self.unhandled: list[str] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"hub": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def commit(self, parent: str | None, files: dict[str, bytes]) -> str:
        tree = {**(self.trees[parent] if parent else {}), **files}
        sha = hashlib.sha1(json.dumps([parent, sorted((p, git_blob_id(c)) for p, c in tree.items())]).encode())
        self.trees[sha.hexdigest()] = tree
        return sha.hexdigest()

    def resolve(self, repo: str, revision: str) -> str | None:
        branches = self.repos[repo]["branches"]
        return branches.get(revision) or (revision if revision in self.trees else None)

    def route(self, method: str, path: str, body: bytes) -> tuple[int, dict, bytes]:
        """(status, headers, body) for one request; 404 with the Hub's X-Error-Code where the Hub sends one."""
        if method == "POST" and path == "/api/repos/create":
            return self._create(json.loads(body))
        if method == "POST" and path == "/api/validate-yaml":
            return _json({"errors": [], "warnings": []})
        match = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(branch|preupload|commit|revision|tree)/([^/]+)(/.*)?", path)
        if match:
            return self._api(unquote(match[1]), match[2], unquote(match[3]), body)
        match = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if match and method in ("GET", "HEAD"):
            return self._file(unquote(match[1]), unquote(match[2]), unquote(match[3]))
        self.unhandled.append(f"{method} {path}")
        return _json({"error": "not implemented by FakeHub"}, 404)

    def _create(self, payload: dict) -> tuple[int, dict, bytes]:
        repo = f"{payload['organization']}/{payload['name']}"
        if repo in self.repos:
            # As the Hub answers: create_repo(exist_ok=True) reads the url from this 409 too.
            return _json({"error": "You already created this model repo", "url": f"https://huggingface.co/{repo}"}, 409)
        self.repos[repo] = {"private": payload.get("visibility") == "private",
                            "branches": {"main": self.commit(None, {})}}
        return _json({"url": f"https://huggingface.co/{repo}", "name": repo})

    def _api(self, repo: str, action: str, revision: str, body: bytes) -> tuple[int, dict, bytes]:
        if repo not in self.repos:
            return _json({"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})
        if action == "branch":
            if revision in self.repos[repo]["branches"]:
                return _json({"error": "Reference already exists"}, 409)
            start = json.loads(body or b"{}").get("startingPoint", "main")
            self.repos[repo]["branches"][revision] = self.resolve(repo, start)
            return _json({})
        sha = self.resolve(repo, revision)
        if sha is None:
            return _json({"error": "Invalid rev id"}, 404, {"X-Error-Code": "RevisionNotFound"})
        if action == "preupload":  # every file "regular": its bytes travel inside the commit, no LFS or Xet
            files = json.loads(body)["files"]
            return _json({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                    for f in files]})
        if action == "commit":
            return self._commit(repo, revision, sha, body)
        if action == "revision":
            return _json({"id": repo, "sha": sha, "private": self.repos[repo]["private"],
                          "siblings": [{"rfilename": p} for p in sorted(self.trees[sha])]})
        return _json([{"type": "file", "path": p, "size": len(c), "oid": git_blob_id(c)}
                      for p, c in sorted(self.trees[sha].items())])

    def _commit(self, repo: str, revision: str, sha: str, body: bytes) -> tuple[int, dict, bytes]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(line["value"] for line in lines if line["key"] == "header")
        files = {line["value"]["path"]: base64.b64decode(line["value"]["content"])
                 for line in lines if line["key"] == "file"}
        if len(files) + 1 != len(lines):  # lfsFile, deletions: nothing this project sends
            return _json({"error": f"unexpected operations {[line['key'] for line in lines]}"}, 400)
        new = self.commit(sha, files)
        self.repos[repo]["branches"][revision] = new
        self.commits.append({"repo": repo, "revision": revision, "summary": header["summary"], "files": files})
        return _json({"commitUrl": f"https://huggingface.co/{repo}/commit/{new}", "commitOid": new})

    def _file(self, repo: str, revision: str, name: str) -> tuple[int, dict, bytes]:
        if repo not in self.repos:
            return _json({"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})
        sha = self.resolve(repo, revision)
        if sha is None:
            return _json({"error": "Invalid rev id"}, 404, {"X-Error-Code": "RevisionNotFound"})
        if name not in self.trees[sha]:
            return _json({"error": "Entry not found"}, 404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": sha})
        content = self.trees[sha][name]
        return 200, {"ETag": f'"{git_blob_id(content)}"', "X-Repo-Commit": sha,
                     "Content-Type": "application/octet-stream"}, content


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        with self.hub.lock:
            self.hub.requests.append(Request(self.command, path, self.headers.get("Authorization"), body))
            status, headers, content = self.hub.route(self.command, path, body)
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(content))}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_HEAD = do_POST = _answer

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


def _json(value, status: int = 200, headers: dict | None = None) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(value).encode()
