"""Static files built for slow links: scripts and stylesheets minified, a content-hashed name
for each file, its gzip and brotli copies made once (at start, kept in the instance folder by
content hash, reused by the next start), and hashed URLs cached by the phone for a year.

Minifying (rjsmin, rcssmin: comments and spaces out, nothing renamed) takes a quarter off what
a phone downloads even after brotli, so the sources keep their comments at no cost on 3G; the
hash names the bytes served, so a change to a comment alone does not make phones fetch again.

``url_for('static', filename='css/app.css')`` gives ``/static/css/app.<10 hex>.css``; that name
is answered with ``Cache-Control: public, max-age=31536000, immutable`` in the best encoding the
browser accepts (br, then gzip, then none). A plain ``/static/css/app.css`` still works, with
``no-cache`` and an ETag, for pages kept from before (and the service worker's own list); so
does a hash this start does not know (a page drawn by an older or newer version of the app
during a deploy): it gets the current file, never cached under that name, rather than a 404
that would leave an old page kept on a phone without its style and scripts.
``url_for('static', filename=..., hashed=False)`` gives the plain name.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import mimetypes
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli  # type: ignore[import-untyped]  # no stubs; one function used
import rcssmin  # type: ignore[import-untyped]  # no stubs; one function used
import rjsmin  # type: ignore[import-untyped]  # no stubs; one function used
from flask import Flask, Response, current_app, send_file

from handbook.core import compression

logger = logging.getLogger(__name__)

#: What a year-long, never-revalidated copy says; only for content-hashed names.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The current file under a name that is not its hash: the browser asks again each time.
REVALIDATE = "no-cache"

#: Each encoding (``compression.ENCODINGS``, in its order) with the suffix of its copy.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
#: Text formats (and SVG) shrink; PNG, ICO, MP3 and fonts are compressed already.
_COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
)
#: A copy worth keeping saves at least this share of the bytes (and a packet's worth).
_MIN_SAVING = 0.1
_MIN_SIZE = 256
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[^./]+)$")

#: Copies this process compressed, by (encoding, digest): a second app in the same process (the
#: tests, the CLI) with an empty cache of its own writes them without compressing again.
_made_here: dict[tuple[str, str], bytes] = {}

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("text/javascript", ".js")


@dataclass(frozen=True)
class Asset:
    """One static file as this start found it: its names, its type and its copies."""

    #: The name under the static folder, ``css/app.css``.
    name: str
    #: The name with the content's hash, ``css/app.0123456789.css``.
    hashed: str
    #: The sha256 of the content (hex), which also names its copies in the cache.
    digest: str
    mimetype: str
    #: ``identity`` and each encoding worth having: the path of its copy in the cache.
    copies: dict[str, Path] = field(default_factory=dict)


@dataclass
class Assets:
    """Every static file by its plain and its hashed name."""

    by_name: dict[str, Asset] = field(default_factory=dict)
    by_hashed: dict[str, Asset] = field(default_factory=dict)
    #: Copies compressed by this start (the rest were found in the cache).
    made: int = 0

    def add(self, asset: Asset) -> None:
        self.by_name[asset.name] = asset
        self.by_hashed[asset.hashed] = asset


def init_app(app: Flask) -> None:
    """Build the table of static files and their copies, then serve and link by hashed name."""
    folder = Path(app.static_folder or "")
    cache = Path(app.config.get("STATIC_CACHE_DIR") or Path(app.instance_path) / "static-cache")
    started = time.perf_counter()
    assets = build(folder, cache)
    logger.info(
        "static files: %d, %d copies compressed now, in %.0f ms",
        len(assets.by_name),
        assets.made,
        (time.perf_counter() - started) * 1000,
    )
    app.extensions["handbook.assets"] = assets
    app.url_defaults(_hashed_name)
    # The rule Flask made for the static folder stays (``/static/<path:filename>``); only its
    # view changes, so url_for, blueprints and the security headers' endpoint check still agree.
    app.view_functions["static"] = serve


def build(folder: Path, cache: Path) -> Assets:
    """Hash every file under ``folder`` and make sure its copies are in ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    assets = Assets()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        name = relative.as_posix()
        data = minified(name, path.read_bytes())
        digest = hashlib.sha256(data).hexdigest()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        asset = Asset(name, _hashed_form(name, digest), digest, mimetype)
        asset.copies["identity"] = _kept(cache / digest, functools.partial(bytes, data), assets)
        if mimetype.startswith(_COMPRESSIBLE) and len(data) >= _MIN_SIZE:
            for encoding, ending in _ENCODINGS:
                copy = _kept(
                    cache / f"{digest}{ending}",
                    functools.partial(_encode, encoding, data, digest),
                    assets,
                )
                if copy.stat().st_size <= len(data) * (1 - _MIN_SAVING):
                    asset.copies[encoding] = copy
        assets.add(asset)
    return assets


def minified(name: str, data: bytes) -> bytes:
    """The file as phones get it: a script or stylesheet without comments and spaces (files
    already minified, ``*.min.js``, as they are)."""
    if name.endswith(".min.js") or name.endswith(".min.css"):
        return data
    if name.endswith(".js"):
        return bytes(rjsmin.jsmin(data))
    if name.endswith(".css"):
        return bytes(rcssmin.cssmin(data))
    return data


def _hashed_form(name: str, digest: str) -> str:
    """``css/app.css`` → ``css/app.0123456789.css`` (the hash before the last suffix)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        return f"{name}.{digest[:10]}"
    return f"{stem}.{digest[:10]}.{suffix}"


def _kept(path: Path, make: Callable[[], bytes], assets: Assets) -> Path:
    """``path`` if an earlier start made it, else ``make()`` written there (atomically: two
    processes starting at once each write aside, then rename over the same content)."""
    if path.exists():
        return path
    data = make()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_bytes(data)
    tmp.replace(path)
    if path.suffix in (".br", ".gz"):
        assets.made += 1  # written here (compressed now, or by an earlier app of this process)
    return path


def _encode(encoding: str, data: bytes, digest: str) -> bytes:
    """The strongest settings: this runs once per file content, never per request."""
    made = _made_here.get((encoding, digest))
    if made is None:
        if encoding == "br":
            made = bytes(brotli.compress(data, quality=11))
        else:  # mtime=0: the same content gives the same bytes whichever process makes it
            made = gzip.compress(data, compresslevel=9, mtime=0)
        _made_here[(encoding, digest)] = made
    return made


def _hashed_name(endpoint: str, values: dict[str, Any]) -> None:
    """url_for's hook: a static file known at start is linked by its hashed name, unless the
    caller asks for the plain one (``hashed=False``)."""
    if endpoint != "static":
        return
    if not values.pop("hashed", True):
        return
    asset = current_app.extensions["handbook.assets"].by_name.get(values.get("filename"))
    if asset is not None:
        values["filename"] = asset.hashed


def serve(filename: str) -> Response:
    """The static folder's view: hashed names for a year, anything else revalidated."""
    assets: Assets = current_app.extensions["handbook.assets"]
    asset = assets.by_hashed.get(filename)
    if asset is not None:
        return _send(asset, IMMUTABLE)
    asset = assets.by_name.get(filename) or assets.by_name.get(_unhashed(filename))
    if asset is not None:
        return _send(asset, REVALIDATE)
    # Not there at start (added since, or never): Flask's own answer, a file or a 404.
    return current_app.send_static_file(filename)


def _unhashed(filename: str) -> str:
    """``css/app.0123456789.css`` → ``css/app.css`` (an older or newer build's name)."""
    match = _HASHED.match(filename)
    return f"{match['stem']}{match['suffix']}" if match else ""


def _send(asset: Asset, cache_control: str) -> Response:
    encoding = compression.preferred(asset.copies) or "identity"
    response = send_file(
        asset.copies[encoding],
        mimetype=asset.mimetype,
        # Strong, and one per encoding: the bytes differ (RFC 9110 §8.8.3).
        etag=asset.digest[:20] if encoding == "identity" else f"{asset.digest[:20]}-{encoding}",
        conditional=True,
    )
    response.headers["Cache-Control"] = cache_control
    # Said for downloads and ranges; a stylesheet or script needs neither (3G pays per byte).
    for header in ("Content-Disposition", "Last-Modified", "Accept-Ranges"):
        response.headers.pop(header, None)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    if len(asset.copies) > 1:
        response.vary.add("Accept-Encoding")
    return response
