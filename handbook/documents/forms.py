"""The upload form on a meeting's page (the files go through ``documents/routes.py``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField


class UploadForm(FlaskForm):
    files = MultipleFileField(
        "Tệp tài liệu (PDF, Word .docx, văn bản .txt) hoặc ảnh chụp tài liệu (JPEG, PNG, HEIC)"
    )
    agenda_item = SelectField("Thuộc nội dung", choices=[], validate_choice=False)
