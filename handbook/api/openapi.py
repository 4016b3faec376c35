"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand next to the routes; a test checks that every API route is described here and
that real responses match these schemas.
"""

from __future__ import annotations

from typing import Any

_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

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


_ERRORS = {
    "400": _json(_ref("Error"), "Yêu cầu không hợp lệ"),
    "401": _json(_ref("Error"), "Chưa đăng nhập"),
    "403": _json(_ref("Error"), "Không có quyền"),
    "404": _json(_ref("Error"), "Không tìm thấy (hoặc không được xem)"),
}


def _op(
    summary: str,
    ok: dict[str, Any],
    *,
    status: str = "200",
    body: dict[str, Any] | None = None,
    params: list[str] = (),
) -> dict[str, Any]:  # type: ignore[assignment]
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {status: ok, **_ERRORS},
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
            for p in params
        ],
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


_PUBLISH_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {
                "publish_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "omit to publish now",
                }
            },
        }
    }
}


_COMMENT_LIST = _json(
    {
        "type": "object",
        "properties": {
            "document": {"type": ["integer", "null"]},
            "agenda_item": {"type": ["integer", "null"]},
            "comments": {"type": "array", "items": _ref("Comment")},
            "changed": {"type": "array", "items": _ref("Comment")},
            "now": {"type": "string", "format": "date-time"},
        },
    }
)
_COMMENT_STORED = _json(
    {"type": "object", "properties": {"comment": _ref("Comment"), "created": {"type": "boolean"}}},
    "Đã lưu",
)


def _new_comment(*, paragraph: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "client_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        "body": {"type": "string", "maxLength": 5000},
        "parent": {"type": "integer"},
    }
    if paragraph:
        properties["paragraph"] = {"type": "integer"}
    schema = {"type": "object", "required": ["client_id", "body"], "properties": properties}
    return {"application/json": {"schema": schema}}


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sổ tay Đảng viên điện tử API",
            "version": "1",
            "description": "Session cookie sign-in; writes send the CSRF token from /me in "
            "the X-CSRFToken header. Errors: {error: {status, message}} in Vietnamese.",
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
                            "properties": {"meetings": {"type": "array", "items": _ref("Meeting")}},
                        }
                    ),
                    params=["org_id"],
                ),
                "post": _op(
                    "Tạo buổi sinh hoạt",
                    _json(_ref("Meeting"), "Đã tạo"),
                    status="201",
                    params=["org_id"],
                    body={
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "starts_at"],
                                "properties": {
                                    "title": {"type": "string", "maxLength": 300},
                                    "kind": {"enum": ["regular", "thematic"]},
                                    "starts_at": {"type": "string", "format": "date-time"},
                                    "place": {"type": "string"},
                                    "agenda": {"type": "array", "items": {"type": "string"}},
                                    "reach": {"enum": ["self", "subtree"]},
                                },
                            }
                        }
                    },
                ),
            },
            "/meetings/{meeting_id}": {
                "get": _op(
                    "Buổi sinh hoạt, chương trình và tài liệu",
                    _json(_ref("Meeting")),
                    params=["meeting_id"],
                ),
            },
            "/meetings/{meeting_id}/publish": {
                "post": _op(
                    "Công bố (ngay hoặc hẹn giờ)",
                    _json(_ref("Meeting")),
                    params=["meeting_id"],
                    body=_PUBLISH_BODY,
                ),
            },
            "/meetings/{meeting_id}/documents": {
                "post": _op(
                    "Tải lên một tài liệu (PDF, DOCX, TXT)",
                    _json(_ref("Document"), "Đã nhận; đang đọc nội dung"),
                    status="201",
                    params=["meeting_id"],
                    body={
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "agenda_item_id": {"type": "integer"},
                                    "title": {"type": "string"},
                                },
                            }
                        }
                    },
                ),
            },
            "/documents/{document_id}": {
                "get": _op(
                    "Tài liệu và trạng thái xử lý", _json(_ref("Document")), params=["document_id"]
                ),
            },
            "/documents/{document_id}/pages": {
                "get": _op(
                    "Nội dung theo trang và đoạn",
                    _json(
                        {
                            "type": "object",
                            "properties": {
                                "document": _ref("Document"),
                                "pages": {"type": "array", "items": _ref("Page")},
                            },
                        }
                    ),
                    params=["document_id"],
                ),
            },
            "/documents/{document_id}/publish": {
                "post": _op(
                    "Công bố tài liệu",
                    _json(_ref("Document")),
                    params=["document_id"],
                    body=_PUBLISH_BODY,
                ),
            },
            "/documents/{document_id}/comments": {
                "get": _op(
                    "Góp ý về tài liệu: tất cả, hoặc sau ?after=<id> và đổi từ ?since=<lúc>",
                    _COMMENT_LIST,
                    params=["document_id"],
                ),
                "post": _op(
                    "Gửi góp ý (lặp lại cùng client_id không tạo bản thứ hai: trả 200)",
                    _COMMENT_STORED,
                    status="201",
                    params=["document_id"],
                    body=_new_comment(paragraph=True),
                ),
            },
            "/agenda-items/{item_id}/comments": {
                "get": _op("Góp ý về một nội dung chương trình", _COMMENT_LIST, params=["item_id"]),
                "post": _op(
                    "Góp ý về một nội dung chương trình (lặp lại client_id: trả 200)",
                    _COMMENT_STORED,
                    status="201",
                    params=["item_id"],
                    body=_new_comment(paragraph=False),
                ),
            },
            "/comments/{comment_id}": {
                "patch": _op(
                    "Sửa góp ý của mình (trong 15 phút)",
                    _json(_ref("Comment")),
                    params=["comment_id"],
                    body={
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["body"],
                                "properties": {"body": {"type": "string"}},
                            }
                        }
                    },
                ),
                "delete": _op(
                    "Xóa góp ý của mình (trong 15 phút)",
                    _json(_ref("Comment")),
                    params=["comment_id"],
                ),
            },
            "/comments/{comment_id}/hide": {
                "post": _op(
                    "Ẩn góp ý (bí thư), kèm lý do",
                    _json(_ref("Comment")),
                    params=["comment_id"],
                    body={
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"reason": {"type": "string"}},
                            }
                        }
                    },
                ),
            },
            "/comments/{comment_id}/disposition": {
                "post": _op(
                    "Đánh dấu đã tiếp thu / cần giải trình (bí thư)",
                    _json(_ref("Comment")),
                    params=["comment_id"],
                    body={
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["value"],
                                "properties": {"value": {"enum": ["none", "accepted", "explain"]}},
                            }
                        }
                    },
                ),
            },
            "/notifications": {
                "get": _op(
                    "Thông báo gần đây",
                    _json(
                        {
                            "type": "object",
                            "properties": {
                                "notifications": {"type": "array", "items": _ref("Notification")},
                                "unread": {"type": "integer"},
                            },
                        }
                    ),
                ),
            },
            "/notifications/read": {
                "post": _op(
                    "Đánh dấu đã xem tất cả",
                    _json(
                        {
                            "type": "object",
                            "properties": {
                                "marked": {"type": "integer"},
                                "unread": {"type": "integer"},
                            },
                        }
                    ),
                ),
            },
            "/openapi.json": {
                "get": {
                    "summary": "Tài liệu này",
                    "security": [],
                    "responses": {"200": {"description": "OK"}},
                }
            },
        },
    }
