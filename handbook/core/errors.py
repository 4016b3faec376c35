"""Every error answered in Vietnamese with the right status: a page, or JSON for the API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from handbook.core import db
from handbook.core.templating import human_size

logger = logging.getLogger(__name__)

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Vui lòng đăng nhập để tiếp tục.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc tài liệu bạn cần.",
    405: "Thao tác này không được hỗ trợ.",
    413: "Tệp tải lên quá lớn.",
    429: "Bạn thao tác quá nhanh. Vui lòng chờ một lát rồi thử lại.",
    500: "Hệ thống gặp sự cố. Vui lòng thử lại sau ít phút.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(status: int, message: str | None = None) -> tuple[Response | str, int]:
    message = message or MESSAGES.get(status, MESSAGES[400])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error={"status": status, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def _csrf_error(_error: CSRFError) -> tuple[Response | str, int]:
    return render_error(
        400, "Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại."
    )


def _http_error(error: HTTPException) -> Response | tuple[Response | str, int]:
    status = error.code or 500
    if status < 400:
        return error.get_response()
    message = MESSAGES.get(status)
    if status == 413 and request.max_content_length:
        message = f"Tệp tải lên quá lớn (tối đa {human_size(request.max_content_length)})."
    return render_error(status, message)


def _unexpected_error(error: Exception) -> tuple[Response | str, int]:
    if isinstance(error, HTTPException):  # pragma: no cover - handled above
        return _http_error(error)  # type: ignore[return-value]
    logger.error("unhandled error on %s", request.path, exc_info=error)
    db.session.rollback()
    return render_error(InternalServerError.code)
