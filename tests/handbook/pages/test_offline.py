"""The service worker and the offline page are served to anyone, and carry nothing personal."""

from __future__ import annotations

from tests.conftest import login


def test_the_service_worker_is_served_from_the_root_uncached(client) -> None:
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        assert b"caches.open(PAGES)" in response.data


def test_the_offline_page_is_the_same_for_everyone(client, tree) -> None:
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200
    login(client, tree.member_b1)
    signed_in = client.get("/offline")
    assert signed_in.status_code == 200
    html = signed_in.get_data(as_text=True)
    assert "Đang mất kết nối" in html and 'id="kept"' in html
    assert "csrf" not in html and tree.member_b1.full_name not in html
    assert signed_in.data == anonymous.data  # kept once in the worker's shared cache
