"""``python -m handbook voices add|list|use|remove``: the administrator installs Piper voices
from files brought to the server (a USB stick on a closed network); nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from handbook.voices.settings import shelf
from tts.voice_files import InstalledVoice, VoiceRefused


@click.group("voices", help="Piper voices on this server (added from files, never downloaded).")
def voices() -> None:
    """The group; each command below is one step an administrator takes."""


@voices.command("add", help="Check a Piper voice (FILE.onnx and FILE.onnx.json) and install it.")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Name to install it under (default: the file's).")
@click.option(
    "--licence", "--license", "licence", default=None,
    help="The voice's licence, when neither its .json nor its MODEL_CARD states it.",
)  # fmt: skip
@click.option(
    "--accept-licence", is_flag=True,
    help="Install although the licence forbids commercial use (the unit has permission).",
)  # fmt: skip
def add(
    model: Path, config: Path | None, name: str | None, licence: str | None, accept_licence: bool
) -> None:
    click.echo("Đang kiểm tra giọng (mở mô hình và đọc thử một câu)…", err=True)
    try:
        voice = shelf().add(
            model,
            config,
            name=name,
            licence=licence,
            accept_licence=accept_licence,
            languages=current_app.config["TTS_VOICE_LANGUAGES"],
        )
    except VoiceRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Đã cài giọng “{voice.name}”: {_describe(voice)}.")
    click.echo(f"sha256 {voice.sha256}")
    active = shelf().active()
    if active is not None and active.name == voice.name:
        click.echo("Từ nay tài liệu được đọc bằng giọng này khi không dùng được giọng Google.")


@voices.command("list", help="List the installed voices (the one in use is marked *).")
def list_voices() -> None:
    installed = shelf().voices()
    if not installed:
        click.echo("Chưa cài giọng Piper nào.")
        return
    active = shelf().active()
    for voice in installed:
        mark = "*" if active is not None and voice.name == active.name else " "
        click.echo(f"{mark} {voice.name}\t{_describe(voice)}\t{voice.sha256[:16]}")


@voices.command("use", help="Read documents with this installed voice.")
@click.argument("name")
def use(name: str) -> None:
    try:
        voice = shelf().use(name)
    except VoiceRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Từ nay tài liệu được đọc bằng giọng “{voice.name}”.")


@voices.command("remove", help="Remove an installed voice (its files and its record).")
@click.argument("name")
def remove(name: str) -> None:
    try:
        voice = shelf().remove(name)
    except VoiceRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Đã gỡ giọng “{voice.name}”.")
    if not shelf().voices():
        click.echo("Không còn giọng Piper nào: khi không có mạng, tài liệu đọc bằng espeak-ng.")


def _describe(voice: InstalledVoice) -> str:
    quality = f", {voice.quality}" if voice.quality else ""
    accepted = " (đã xác nhận được phép dùng)" if voice.licence_accepted else ""
    return (
        f"tiếng {voice.language}{quality}, {voice.sample_rate} Hz, "
        f"{voice.size / 1e6:.1f} MB, giấy phép {voice.licence}{accepted}"
    )
