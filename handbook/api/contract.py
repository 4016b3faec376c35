"""The API's contract, kept by spectree: each view declares the pydantic models of what it
accepts and answers; spectree validates every request with them before the view runs (and, in
tests and debug, every answer before it leaves), and generates ``/api/v1/openapi.json`` from the
same models and the blueprint's rules. Nothing of the description is written by hand.

A refused request is the API's usual 400, ``{"error": {"status", "message"}}`` with a Vietnamese
message naming the field, never spectree's list of English pydantic errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError
from spectree import Response, SpecTree
from spectree.models import InType, SecureType, SecurityScheme, SecuritySchemeData, Server
from spectree.plugins.flask_plugin import FlaskPlugin

from handbook.api.inputs import Query
from handbook.api.schemas import Error
from handbook.core.inputs import MAX_ID, IdConverter

#: Where the blueprint lives; the description's paths are relative to it (its one server).
PREFIX = "/api/v1"
#: Every ``<int:…>`` path parameter: the app's ``int`` converter (IdConverter) takes 1 to MAX_ID
#: only, so larger ids never reach a view (they answer 404).
ID_SCHEMA = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_ID}

NOT_AN_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON."

#: Every operation may answer these.
ERRORS = {
    400: "Yêu cầu không hợp lệ (kể cả thiếu mã CSRF khi đã đăng nhập)",
    401: "Chưa đăng nhập",
    403: "Không có quyền",
    404: "Không tìm thấy (hoặc không được xem)",
}
#: Only some do.
CONFLICT = {409: "Góp ý đã bị xóa hoặc ẩn nên không sửa, xóa được nữa"}
TOO_FAST = {429: "Gửi góp ý quá nhanh; thử lại sau ít phút"}
TOO_LARGE = {413: "Tệp quá lớn"}


class BadRequest(ValueError):
    """A request we cannot use; the message is for the caller, in Vietnamese."""


class _Plugin(FlaskPlugin):
    """spectree's Flask plugin, told what it cannot see: the bounds of the app's ``int``
    converter, the blueprint's prefix, and when answers are worth checking."""

    def parse_path(
        self, route: Any, path_parameter_descriptions: Mapping[str, str] | None
    ) -> tuple[str, list[Any]]:
        assert issubclass(current_app.url_map.converters["int"], IdConverter)
        path, parameters = super().parse_path(route, path_parameter_descriptions)
        for parameter in parameters:
            if parameter["schema"] == {"type": "integer", "format": "int32"}:  # <int:…>
                parameter["schema"] = dict(ID_SCHEMA)
        return path.removeprefix(PREFIX), parameters

    def validate_response(
        self,
        resp: Any,
        resp_model: Response | None,
        skip_validation: bool,
        force_resp_serialize: bool,
    ) -> Any:
        """Answers are checked in tests and debug, where a drift must fail loudly (a 500 that
        lists the mismatch); in production a correct answer is not parsed twice."""
        checking = current_app.testing or current_app.debug
        return super().validate_response(
            resp, resp_model, skip_validation or not checking, force_resp_serialize
        )


def _refuse_invalid(
    req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    """spectree's hook after request validation: a refusal becomes our 400.

    spectree reads a JSON body that does not parse, or is not an object, as ``{}``; a view that
    takes JSON says so instead of naming a missing field (or publishing now).
    """
    if _json_but_not_an_object(req):
        raise BadRequest(NOT_AN_OBJECT)
    if isinstance(error, ValidationError):
        raise BadRequest(message_for(error))


def _json_but_not_an_object(req: Any) -> bool:
    view = current_app.view_functions.get(req.endpoint or "")
    contract = spec.get_function_metadata(view) if view is not None else None
    if contract is None or contract.json is None or not req.is_json:
        return False
    return bool(req.get_data(cache=True)) and not isinstance(req.get_json(silent=True), dict)


def _quoted(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` in Vietnamese: ``“a”, “b” hoặc “c”``."""
    return re.sub(r"'([^']*)'", r"“\1”", expected).replace(" or ", " hoặc ")


def _name(loc: tuple[int | str, ...], *, query: bool) -> str:
    """How to name the place of the first error: ``Trường “agenda” (mục 2)``."""
    field = ".".join(str(part) for part in loc if isinstance(part, str))
    items = "".join(f" (mục {part + 1})" for part in loc if isinstance(part, int))
    return f"{'Tham số' if query else 'Trường'} “{field}”{items}"


def message_for(error: ValidationError) -> str:
    """One Vietnamese sentence for the first thing wrong with a request."""
    first = error.errors(include_url=False, include_input=False)[0]
    loc, kind, ctx = first["loc"], first["type"], first.get("ctx") or {}
    if not loc:
        return NOT_AN_OBJECT
    query = error.title in {model.__name__ for model in Query.__subclasses__()}
    name = _name(loc, query=query)
    messages = {
        "missing": f"Thiếu {name[0].lower()}{name[1:]}.",
        "string_type": f"{name} phải là chuỗi ký tự.",
        "string_too_short": f"{name} không được để trống.",
        "string_too_long": f"{name} dài quá {ctx.get('max_length')} ký tự.",
        "string_pattern_mismatch": f"{name} không đúng định dạng.",
        "int_type": f"{name} phải là số nguyên.",
        "int_parsing": f"{name} phải là số nguyên.",
        "greater_than_equal": f"{name} phải từ {ctx.get('ge')} trở lên.",
        "less_than_equal": f"{name} không được lớn hơn {ctx.get('le')}.",
        "list_type": f"{name} phải là danh sách.",
        "model_type": f"{name} phải là một đối tượng JSON.",
        "dict_type": f"{name} phải là một đối tượng JSON.",
        "enum": f"{name} phải là {_quoted(str(ctx.get('expected', '')))}.",
        "literal_error": f"{name} phải là {_quoted(str(ctx.get('expected', '')))}.",
        "moment_format": f"{name} phải là thời điểm ISO 8601 có múi giờ.",
        "moment_zone": f"{name} phải có múi giờ, ví dụ 2026-12-05T19:30:00+07:00.",
        "moment_range": f"{name} nằm ngoài khoảng thời gian cho phép.",
        "file_missing": f"Thiếu tệp ({name[0].lower()}{name[1:]}).",
    }
    return messages.get(kind, f"{name} không hợp lệ.")


def _model_name(model: Any) -> str:
    """Components are named after the models, without spectree's hash of the module."""
    return str(model.__name__)


spec = SpecTree(
    "flask",
    backend=_Plugin,
    # Only the views decorated below: the catch-all 404 and the pages stay out.
    mode="strict",
    annotations=False,
    title="Sổ tay Đảng viên điện tử API",
    version="1",
    description=(
        "Session cookie sign-in; writes send the CSRF token from /me in the X-CSRFToken header "
        "(a write without a session answers 401, one without the token 400). Errors: "
        "{error: {status, message}} in Vietnamese. Generated from the models that validate "
        "each request and answer."
    ),
    servers=[Server(url=PREFIX)],
    security_schemes=[
        SecurityScheme(
            name="session",
            data=SecuritySchemeData(
                type=SecureType.API_KEY, field_in=InType.COOKIE, name="session"
            ),
        )
    ],
    security={"session": []},
    page_templates={},  # no documentation pages: they would load scripts from elsewhere
    before=_refuse_invalid,
    validation_error_status=400,
    validation_error_model=Error,
    naming_strategy=_model_name,
    nested_naming_strategy=lambda _parent, child: child,
)

F = TypeVar("F", bound=Callable[..., Any])


def operation(
    ok: type[BaseModel],
    *,
    status: int = 200,
    description: str = "OK",
    also: Mapping[int, str] | None = None,
    json: type[BaseModel] | None = None,
    query: type[Query] | None = None,
    form: type[BaseModel] | None = None,
    extra_ok: Iterable[tuple[int, str]] = (),
    public: bool = False,
    shaped: Mapping[int, tuple[type[BaseModel], str]] | None = None,
) -> Callable[[F], F]:
    """Declare a view's contract: what it accepts, its success answer (``status``, and
    ``extra_ok`` statuses with the same shape), the errors every operation may give and
    ``also`` (those only it gives), and ``shaped`` errors that answer more than ``Error``
    (a 409 that gives the writer's text back). ``public``: no session needed."""
    codes: dict[str, Any] = {f"HTTP_{status}": (ok, description)}
    codes.update({f"HTTP_{code}": (ok, text) for code, text in extra_ok})
    for code, text in {**({} if public else ERRORS), **(also or {})}.items():
        codes[f"HTTP_{code}"] = (Error, text)
    codes.update({f"HTTP_{code}": answer for code, answer in (shaped or {}).items()})

    def decorate(view: F) -> F:
        validated = spec.validate(
            json=json,
            query=query,
            form=form,
            resp=Response(**codes),
            operation_id=view.__name__,
            security={} if public else None,
        )(view)
        return validated  # type: ignore[no-any-return]

    return decorate


M = TypeVar("M", bound=BaseModel)


def _validated(part: str, model: type[M]) -> M | None:
    value = getattr(getattr(request, "context", None), part, None)
    assert value is None or isinstance(value, model), (part, model)
    return value


def body(model: type[M]) -> M:
    """The JSON body as validated by the view's contract; 400 when the request sent a form."""
    value = _validated("json", model)
    if value is None:
        raise BadRequest(NOT_AN_OBJECT)
    return value


def optional_body(model: type[M]) -> M:
    """The JSON body, or the model's defaults when the request sent none (publish now)."""
    return _validated("json", model) or model()


def query(model: type[M]) -> M:
    """The query string as validated by the view's contract."""
    value = _validated("query", model)
    assert value is not None
    return value


def form(model: type[M]) -> M:
    """The form as validated by the view's contract; 400 when the request sent no form."""
    value = _validated("form", model)
    if value is None:
        raise BadRequest("Thiếu tệp (trường “file”).")
    return value
