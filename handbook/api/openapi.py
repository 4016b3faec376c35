"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand next to the routes; a test checks that every API route is described here and
that real responses match these schemas, and ``tests/test_schemathesis.py`` sends requests
generated from it to every operation.
"""

from __future__ import annotations

from typing import Any

from handbook.comments.operations import MAX_BODY
from handbook.core.inputs import MAX_ID

#: Notifications one request may list.
MAX_NOTIFICATIONS = 200

_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
#: Every id: larger ones name nothing (the routes answer 404 without asking the database).
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
    "AgendaItem": {
        "type": "object",
        "required": ["id", "position", "title"],
        "properties": {
            "id": {"type": "integer"},
            "position": {"type": "integer"},
            "title": {"type": "string"},
        },
    },
    "Document": {
        "type": "object",
        "required": ["id", "title", "kind", "status", "progress", "published", "file_url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "filename": {"type": "string"},
            "kind": {"enum": ["pdf", "docx", "txt"]},
            "size": {"type": "integer"},
            "meeting_id": {"type": ["integer", "null"]},
            "agenda_item_id": {"type": ["integer", "null"]},
            "organization_id": {"type": "integer"},
            "reach": {"enum": ["self", "subtree"]},
            "status": {"enum": ["queued", "processing", "ready", "failed"]},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "error": {"type": ["string", "null"]},
            "page_count": {"type": "integer"},
            "publish_at": _NULLABLE_TIME,
            "published": {"type": "boolean"},
            "file_url": {"type": "string"},
        },
    },
    "Meeting": {
        "type": "object",
        "required": ["id", "organization", "title", "kind", "starts_at", "agenda", "published"],
        "properties": {
            "id": {"type": "integer"},
            "organization": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "title": {"type": "string"},
            "kind": {"enum": ["regular", "thematic"]},
            "starts_at": {"type": "string", "format": "date-time"},
            "place": {"type": "string"},
            "reach": {"enum": ["self", "subtree"]},
            "publish_at": _NULLABLE_TIME,
            "published": {"type": "boolean"},
            "cancelled_at": _NULLABLE_TIME,
            "cancel_reason": {"type": ["string", "null"]},
            "agenda": {"type": "array", "items": {"$ref": "#/components/schemas/AgendaItem"}},
            "documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
        },
    },
    "Page": {
        "type": "object",
        "required": ["number", "blocks"],
        "properties": {
            "number": {"type": "integer"},
            "ocr": {"type": "boolean"},
            "blocks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["n", "kind", "text"],
                    "properties": {
                        "n": {"type": "integer", "description": "paragraph number, anchor #p-n"},
                        "kind": {"enum": ["heading", "paragraph"]},
                        "level": {"type": "integer"},
                        "text": {"type": "string"},
                    },
                },
            },
        },
    },
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "payload", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "payload": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "read_at": _NULLABLE_TIME,
        },
    },
    "Comment": {
        "type": "object",
        "required": [
            "id",
            "version",
            "document",
            "author",
            "body",
            "created_at",
            "hidden",
            "deleted",
        ],
        "properties": {
            "id": {"type": "integer"},
            "version": {"type": "integer"},
            "meeting": {"type": "integer"},
            "document": {"type": ["integer", "null"]},
            "agenda_item": {"type": ["integer", "null"]},
            "paragraph": {"type": ["integer", "null"], "description": "the #p-n anchor"},
            "parent": {"type": ["integer", "null"]},
            "author": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "body": {
                "type": ["string", "null"],
                "description": "null when deleted, or hidden for anyone but its author",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "edited": {"type": "boolean"},
            "deleted": {"type": "boolean"},
            "hidden": {"type": "boolean"},
            "hidden_reason": {"type": ["string", "null"]},
            "disposition": {"enum": ["none", "accepted", "explain"]},
            "client_id": {"type": ["string", "null"]},
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "full_name", "memberships", "unread_notifications", "csrf_token"],
        "properties": {
            "id": {"type": "integer"},
            "full_name": {"type": "string"},
            "phone": {"type": ["string", "null"]},
            "memberships": {"type": "array", "items": {"type": "object"}},
            "unread_notifications": {"type": "integer"},
            "csrf_token": {"type": "string"},
        },
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


#: Every operation may answer these.
_ERRORS = {
    "400": _error("Yêu cầu không hợp lệ (kể cả thiếu mã CSRF khi đã đăng nhập)"),
    "401": _error("Chưa đăng nhập"),
    "403": _error("Không có quyền"),
    "404": _error("Không tìm thấy (hoặc không được xem)"),
}
#: Only some do.
_CONFLICT = {"409": _error("Góp ý đã bị xóa hoặc ẩn nên không sửa, xóa được nữa")}
_TOO_FAST = {"429": _error("Gửi góp ý quá nhanh; thử lại sau ít phút")}
_TOO_LARGE = {"413": _error("Tệp quá lớn")}


def _op(
    summary: str,
    ok: dict[str, Any],
    *,
    status: str = "200",
    body: dict[str, Any] | None = None,
    params: tuple[str, ...] = (),
    query: dict[str, dict[str, Any]] | None = None,
    also: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One operation: its success answer, the errors every operation may give, and ``also``
    (other answers only it gives)."""
    parameters: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True, "schema": _ID} for p in params
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in (query or {}).items()
    ]
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {status: ok, **(also or {}), **_ERRORS},
        "parameters": parameters,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _json_body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"application/json": {"schema": schema}}


_PUBLISH_BODY = _json_body(
    {
        "publish_at": {
            "type": "string",
            "format": "date-time",
            "description": "omit to publish now",
        }
    }
)

_COMMENT_QUERY: dict[str, dict[str, Any]] = {
    "after": {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_ID,
        "description": "only comments with a larger id (the last one the client has)",
    },
    "since": {
        "type": "string",
        "format": "date-time",
        "description": "also those edited, hidden or deleted after this time (the last `now`)",
    },
}
_COMMENT_LIST = _json(
    {
        "type": "object",
        "required": ["document", "agenda_item", "comments", "changed", "now"],
        "properties": {
            "document": _NULLABLE_ID,
            "agenda_item": _NULLABLE_ID,
            "comments": {"type": "array", "items": _ref("Comment")},
            "changed": {"type": "array", "items": _ref("Comment")},
            "now": {"type": "string", "format": "date-time"},
        },
    }
)
_COMMENT_STORED = {
    "type": "object",
    "required": ["comment", "created"],
    "properties": {"comment": _ref("Comment"), "created": {"type": "boolean"}},
}
#: What edit, delete, hide and disposition answer: the Socket.IO ack's ``comment``, wrapped
#: the same way as a new comment, so one client code path reads all of them.
_COMMENT_CHANGED = _json(
    {"type": "object", "required": ["comment"], "properties": {"comment": _ref("Comment")}}
)
_BODY = {"type": "string", "minLength": 1, "maxLength": MAX_BODY}


def _new_comment(*, paragraph: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "client_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        "body": _BODY,
        "parent": _ID,
    }
    if paragraph:
        properties["paragraph"] = {
            "type": "integer",
            "minimum": 1,
            "maximum": 10**6,
            "description": "n of the #p-n anchor",
        }
    return _json_body(properties, ("client_id", "body"))


def _post_comment(summary: str, params: tuple[str, ...], *, paragraph: bool) -> dict[str, Any]:
    return _op(
        summary,
        _json(_COMMENT_STORED, "Đã lưu"),
        status="201",
        params=params,
        body=_new_comment(paragraph=paragraph),
        also={
            "200": _json(_COMMENT_STORED, "Đã lưu từ trước (cùng client_id): không tạo bản mới"),
            **_TOO_FAST,
        },
    )


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sổ tay Đảng viên điện tử API",
            "version": "1",
            "description": "Session cookie sign-in; writes send the CSRF token from /me in "
            "the X-CSRFToken header (a write without a session answers 401, one without the "
            "token 400). Errors: {error: {status, message}} in Vietnamese.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
        },
        "security": [{"session": []}],
        "paths": {
            "/me": {"get": _op("Tài khoản đang đăng nhập", _json(_ref("Me")))},
            "/organizations/{org_id}/meetings": {
                "get": _op(
                    "Các buổi sinh hoạt của tổ chức",
                    _json(
                        {
                            "type": "object",
                            "required": ["meetings"],
                            "properties": {"meetings": {"type": "array", "items": _ref("Meeting")}},
                        }
                    ),
                    params=("org_id",),
                ),
                "post": _op(
                    "Tạo buổi sinh hoạt",
                    _json(_ref("Meeting"), "Đã tạo"),
                    status="201",
                    params=("org_id",),
                    body=_json_body(
                        {
                            "title": {"type": "string", "minLength": 1, "maxLength": 300},
                            "kind": {"enum": ["regular", "thematic"]},
                            "starts_at": {"type": "string", "format": "date-time"},
                            "place": {"type": "string", "maxLength": 300},
                            "agenda": {"type": "array", "items": {"type": "string"}},
                            "reach": {"enum": ["self", "subtree"]},
                        },
                        ("title", "starts_at"),
                    ),
                ),
            },
            "/meetings/{meeting_id}": {
                "get": _op(
                    "Buổi sinh hoạt, chương trình và tài liệu",
                    _json(_ref("Meeting")),
                    params=("meeting_id",),
                ),
            },
            "/meetings/{meeting_id}/publish": {
                "post": _op(
                    "Công bố (ngay hoặc hẹn giờ)",
                    _json(_ref("Meeting")),
                    params=("meeting_id",),
                    body=_PUBLISH_BODY,
                ),
            },
            "/meetings/{meeting_id}/documents": {
                "post": _op(
                    "Tải lên một tài liệu (PDF, DOCX, TXT)",
                    _json(_ref("Document"), "Đã nhận; đang đọc nội dung"),
                    status="201",
                    params=("meeting_id",),
                    body={
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "agenda_item_id": _ID,
                                    "title": {"type": "string", "maxLength": 300},
                                },
                            }
                        }
                    },
                    also=_TOO_LARGE,
                ),
            },
            "/documents/{document_id}": {
                "get": _op(
                    "Tài liệu và trạng thái xử lý",
                    _json(_ref("Document")),
                    params=("document_id",),
                ),
            },
            "/documents/{document_id}/pages": {
                "get": _op(
                    "Nội dung theo trang và đoạn",
                    _json(
                        {
                            "type": "object",
                            "required": ["document", "pages"],
                            "properties": {
                                "document": _ref("Document"),
                                "pages": {"type": "array", "items": _ref("Page")},
                            },
                        }
                    ),
                    params=("document_id",),
                ),
            },
            "/documents/{document_id}/publish": {
                "post": _op(
                    "Công bố tài liệu",
                    _json(_ref("Document")),
                    params=("document_id",),
                    body=_PUBLISH_BODY,
                ),
            },
            "/documents/{document_id}/comments": {
                "get": _op(
                    "Góp ý về tài liệu: tất cả, hoặc sau ?after=<id> và đổi từ ?since=<lúc>",
                    _COMMENT_LIST,
                    params=("document_id",),
                    query=_COMMENT_QUERY,
                ),
                "post": _post_comment(
                    "Gửi góp ý (lặp lại cùng client_id không tạo bản thứ hai: trả 200)",
                    ("document_id",),
                    paragraph=True,
                ),
            },
            "/agenda-items/{item_id}/comments": {
                "get": _op(
                    "Góp ý về một nội dung chương trình",
                    _COMMENT_LIST,
                    params=("item_id",),
                    query=_COMMENT_QUERY,
                ),
                "post": _post_comment(
                    "Góp ý về một nội dung chương trình (lặp lại client_id: trả 200)",
                    ("item_id",),
                    paragraph=False,
                ),
            },
            "/comments/{comment_id}": {
                "patch": _op(
                    "Sửa góp ý của mình (trong 15 phút)",
                    _COMMENT_CHANGED,
                    params=("comment_id",),
                    body=_json_body({"body": _BODY}, ("body",)),
                    also=_CONFLICT,
                ),
                "delete": _op(
                    "Xóa góp ý của mình (trong 15 phút)",
                    _COMMENT_CHANGED,
                    params=("comment_id",),
                    also=_CONFLICT,
                ),
            },
            "/comments/{comment_id}/hide": {
                "post": _op(
                    "Ẩn góp ý (bí thư), kèm lý do",
                    _COMMENT_CHANGED,
                    params=("comment_id",),
                    body=_json_body(
                        {"reason": {"type": "string", "description": "kept to 500 characters"}}
                    ),
                ),
            },
            "/comments/{comment_id}/disposition": {
                "post": _op(
                    "Đánh dấu đã tiếp thu / cần giải trình (bí thư)",
                    _COMMENT_CHANGED,
                    params=("comment_id",),
                    body=_json_body(
                        {"value": {"enum": ["none", "accepted", "explain"]}}, ("value",)
                    ),
                ),
            },
            "/notifications": {
                "get": _op(
                    "Thông báo gần đây",
                    _json(
                        {
                            "type": "object",
                            "required": ["notifications", "unread"],
                            "properties": {
                                "notifications": {"type": "array", "items": _ref("Notification")},
                                "unread": {"type": "integer", "minimum": 0},
                            },
                        }
                    ),
                    query={
                        "limit": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_NOTIFICATIONS,
                            "description": "how many, newest first (50 by default)",
                        }
                    },
                ),
            },
            "/notifications/read": {
                "post": _op(
                    "Đánh dấu đã xem tất cả",
                    _json(
                        {
                            "type": "object",
                            "required": ["marked", "unread"],
                            "properties": {
                                "marked": {"type": "integer", "minimum": 0},
                                "unread": {"const": 0},
                            },
                        }
                    ),
                ),
            },
            "/openapi.json": {
                "get": {
                    "summary": "Tài liệu này",
                    "security": [],
                    "responses": {"200": _json({"type": "object", "required": ["openapi"]})},
                }
            },
        },
    }
