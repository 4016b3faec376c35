"""Vietnamese normalisers on administrative text: ours against the ones on PyPI.

Every normaliser reads the same realistic sentences from Party and State documents; the expected
readings were written by hand (alternatives after "||" are other readings a careful human reader
would also accept). Outputs are compared after lower-casing, dropping punctuation and folding
regional variants that are equally right (see ``canonical``). Prints, per normaliser, exact-match
accuracy per sentence and token accuracy (1 - word error rate), then our lines per second.

Run: .venv/bin/python bench/normalize.py            (ours only, if the others are not installed)
     /path/to/venv-with-others/bin/python bench/normalize.py [--show-errors NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may reach the internet

from tts.normalize import normalize_line  # noqa: E402

Y23 = "hai nghìn không trăm hai mươi ba"
Y24 = "hai nghìn không trăm hai mươi tư"
CASES = f"""
Sáng 29/3, Đảng ủy xã tổ chức hội nghị sơ kết quý I.
= Sáng ngày hai mươi chín tháng ba, Đảng ủy xã tổ chức hội nghị sơ kết quý một.
| Sáng hai mươi chín tháng ba, Đảng ủy xã tổ chức hội nghị sơ kết quý một.
Năm 2023, toàn huyện kết nạp 105 đảng viên mới.
= Năm {Y23}, toàn huyện kết nạp một trăm linh năm đảng viên mới.
Tỉnh xếp thứ 27/63 tỉnh, thành phố về chỉ số DTI.
= Tỉnh xếp thứ hai mươi bảy trên sáu mươi ba tỉnh, thành phố về chỉ số đê tê i.
Tỷ lệ hồ sơ trực tuyến đạt 92,71%.
= Tỷ lệ hồ sơ trực tuyến đạt chín mươi hai phẩy bảy mươi mốt phần trăm.
Triển khai Đề án 06 ngày 25/02/2023 của Thủ tướng Chính phủ.
= Triển khai Đề án không sáu ngày hai mươi lăm tháng hai năm {Y23} của Thủ tướng Chính phủ.
Thực hiện Nghị quyết Đại hội XIII của Đảng.
= Thực hiện Nghị quyết Đại hội mười ba của Đảng.
| Thực hiện Nghị quyết Đại hội lần thứ mười ba của Đảng.
Ban Chấp hành Trung ương Đảng khóa XIII họp Hội nghị lần thứ 8.
= Ban Chấp hành Trung ương Đảng khóa mười ba họp Hội nghị lần thứ tám.
Chủ tịch UBND huyện dự và chỉ đạo hội nghị.
= Chủ tịch ủy ban nhân dân huyện dự và chỉ đạo hội nghị.
Kỳ họp thứ 7 HĐND tỉnh khóa XVI, nhiệm kỳ 2021 - 2026.
= Kỳ họp thứ bảy hội đồng nhân dân tỉnh khóa mười sáu, nhiệm kỳ hai nghìn không trăm hai mươi mốt
  đến hai nghìn không trăm hai mươi sáu.
Giai đoạn 2022 – 2025, xã phấn đấu đạt chuẩn NTM nâng cao.
= Giai đoạn hai nghìn không trăm hai mươi hai đến hai nghìn không trăm hai mươi lăm, xã phấn đấu
  đạt chuẩn nông thôn mới nâng cao.
Hội nghị bắt đầu lúc 7h30 tại hội trường UBND xã.
= Hội nghị bắt đầu lúc bảy giờ ba mươi phút tại hội trường ủy ban nhân dân xã.
Thời gian: 14:00 ngày 15/8/2024.
= Thời gian: mười bốn giờ ngày mười lăm tháng tám năm {Y24}.
Mức đóng góp quỹ 500.000đ mỗi năm.
= Mức đóng góp quỹ năm trăm nghìn đồng mỗi năm.
Hỗ trợ mỗi hộ nghèo 1,5 triệu đồng.
= Hỗ trợ mỗi hộ nghèo một phẩy năm triệu đồng.
Tổng kinh phí xây dựng nhà văn hóa là 2 tỷ đồng.
= Tổng kinh phí xây dựng nhà văn hóa là hai tỷ đồng.
Thành lập 1.356 tổ công nghệ số cộng đồng với hơn 10.000 thành viên.
= Thành lập một nghìn ba trăm năm mươi sáu tổ công nghệ số cộng đồng với hơn mười nghìn thành
  viên.
Toàn xã có 636/686 hồ sơ được giải quyết đúng hạn.
= Toàn xã có sáu trăm ba mươi sáu trên sáu trăm tám mươi sáu hồ sơ được giải quyết đúng hạn.
Diện tích trồng rừng mới đạt 250 ha.
= Diện tích trồng rừng mới đạt hai trăm năm mươi héc ta.
Năng suất lúa bình quân 6,2 tấn/ha.
= Năng suất lúa bình quân sáu phẩy hai tấn trên héc ta.
Tuyến đường dài 12 km, mặt đường rộng 5 m.
= Tuyến đường dài mười hai ki lô mét, mặt đường rộng năm mét.
Nhà văn hóa thôn rộng 150 m2.
= Nhà văn hóa thôn rộng một trăm năm mươi mét vuông.
Thu nhập bình quân đạt 45 triệu đồng/người/năm.
= Thu nhập bình quân đạt bốn mươi lăm triệu đồng trên người trên năm.
| Thu nhập bình quân đạt bốn mươi lăm triệu đồng một người một năm.
Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị.
= Thực hiện Nghị quyết số năm mươi bảy nghị quyết trung ương của Bộ Chính trị.
| Thực hiện Nghị quyết số năm mươi bảy en quy tê vê kép của Bộ Chính trị.
| Thực hiện Nghị quyết số năm mươi bảy của Bộ Chính trị.
Quyết định số 1234/QĐ-UBND ngày 10/5/2023 của UBND tỉnh.
= Quyết định số một nghìn hai trăm ba mươi tư quyết định ủy ban nhân dân ngày mười tháng năm năm
  {Y23} của ủy ban nhân dân tỉnh.
| Quyết định số một nghìn hai trăm ba mươi tư ngày mười tháng năm năm {Y23} của ủy ban nhân dân
  tỉnh.
Căn cứ Nghị định 13/2023/NĐ-CP của Chính phủ.
= Căn cứ Nghị định mười ba năm {Y23} nghị định chính phủ của Chính phủ.
| Căn cứ Nghị định mười ba năm {Y23} của Chính phủ.
Liên hệ đồng chí Bí thư qua số 0912 345 678.
= Liên hệ đồng chí Bí thư qua số không chín một hai ba bốn năm sáu bảy tám.
Đường dây nóng: 0987654321.
= Đường dây nóng: không chín tám bảy sáu năm bốn ba hai một.
Đồng chí Nguyễn Văn Hùng, Bí thư Chi bộ, chủ trì hội nghị.
= Đồng chí Nguyễn Văn Hùng, Bí thư Chi bộ, chủ trì hội nghị.
Chương II quy định về tổ chức bộ máy.
= Chương hai quy định về tổ chức bộ máy.
Phần I: Kết quả thực hiện nhiệm vụ năm 2023.
= Phần một: Kết quả thực hiện nhiệm vụ năm {Y23}.
Mục III. Phương hướng, nhiệm vụ năm 2024.
= Mục ba. Phương hướng, nhiệm vụ năm {Y24}.
Đây là năm thứ 2 liên tiếp chi bộ đạt danh hiệu trong sạch, vững mạnh.
= Đây là năm thứ hai liên tiếp chi bộ đạt danh hiệu trong sạch, vững mạnh.
Chi bộ xếp thứ 1 trong khối các chi bộ nông thôn.
= Chi bộ xếp thứ nhất trong khối các chi bộ nông thôn.
Phiên họp lần thứ 4 của Ban Chỉ đạo.
= Phiên họp lần thứ tư của Ban Chỉ đạo.
Tham gia BHYT đạt 95,5% dân số.
= Tham gia bảo hiểm y tế đạt chín mươi lăm phẩy năm phần trăm dân số.
Giữ vững QP-AN, đảm bảo ANTT trên địa bàn.
= Giữ vững quốc phòng an ninh, đảm bảo an ninh trật tự trên địa bàn.
Phát triển KT-XH gắn với xây dựng hệ thống chính trị.
= Phát triển kinh tế xã hội gắn với xây dựng hệ thống chính trị.
Đẩy mạnh CCHC, giải quyết TTHC trên môi trường mạng.
= Đẩy mạnh cải cách hành chính, giải quyết thủ tục hành chính trên môi trường mạng.
Ứng dụng CNTT trong sinh hoạt chi bộ.
= Ứng dụng công nghệ thông tin trong sinh hoạt chi bộ.
Phối hợp với MTTQ và các đoàn thể chính trị - xã hội.
= Phối hợp với mặt trận tổ quốc và các đoàn thể chính trị xã hội.
Hội nghị tiếp xúc cử tri của ĐBQH tỉnh.
= Hội nghị tiếp xúc cử tri của đại biểu quốc hội tỉnh.
Thành ủy TP Yên Bái ban hành kế hoạch.
= Thành ủy thành phố Yên Bái ban hành kế hoạch.
Đoàn công tác làm việc tại TP. HCM từ 5-7 ngày.
= Đoàn công tác làm việc tại thành phố Hồ Chí Minh từ năm đến bảy ngày.
Xây dựng HTX kiểu mới, hỗ trợ hộ DTTS.
= Xây dựng hợp tác xã kiểu mới, hỗ trợ hộ dân tộc thiểu số.
Trường THCS và THPT trên địa bàn đạt chuẩn quốc gia.
= Trường trung học cơ sở và trung học phổ thông trên địa bàn đạt chuẩn quốc gia.
Hội CCB, HND, HPN và ĐTN xã.
= Hội cựu chiến binh, hội nông dân, hội phụ nữ và đoàn thanh niên xã.
Kích hoạt tài khoản định danh điện tử VNeID mức 2.
= Kích hoạt tài khoản định danh điện tử vê en e ai đi mức hai.
Tập đoàn VNPT và Viettel hỗ trợ lắp đặt sóng 4G.
= Tập đoàn vê en pê tê và Viettel hỗ trợ lắp đặt sóng bốn giê.
| Tập đoàn vê en pê tê và Viettel hỗ trợ lắp đặt sóng bốn gờ.
Xác định chuyển đổi số (CĐS) là nhiệm vụ trọng tâm; các mô hình CĐS được nhân rộng.
= Xác định chuyển đổi số là nhiệm vụ trọng tâm; các mô hình chuyển đổi số được nhân rộng.
Ủy ban nhân dân (UBND) xã triển khai kế hoạch; UBND xã báo cáo kết quả.
= Ủy ban nhân dân xã triển khai kế hoạch; ủy ban nhân dân xã báo cáo kết quả.
Chỉ tiêu tăng trưởng kinh tế từ 7-8%.
= Chỉ tiêu tăng trưởng kinh tế từ bảy đến tám phần trăm.
Sinh hoạt chi bộ định kỳ vào ngày 5 hằng tháng.
= Sinh hoạt chi bộ định kỳ vào ngày năm hằng tháng.
| Sinh hoạt chi bộ định kỳ vào ngày mồng năm hằng tháng.
Báo cáo kết quả tháng 12/2023 và phương hướng tháng 1/2024.
= Báo cáo kết quả tháng mười hai năm {Y23} và phương hướng tháng một năm {Y24}.
Hạ tầng mạng truyền số liệu chuyên dùng cấp II.
= Hạ tầng mạng truyền số liệu chuyên dùng cấp hai.
Kết quả xếp loại: 12 chi bộ hoàn thành tốt, 3 chi bộ hoàn thành.
= Kết quả xếp loại: mười hai chi bộ hoàn thành tốt, ba chi bộ hoàn thành.
- Tăng cường công tác kiểm tra, giám sát;
= Tăng cường công tác kiểm tra, giám sát;
a) Nâng cao chất lượng sinh hoạt chi bộ;
= a, Nâng cao chất lượng sinh hoạt chi bộ;
| Nâng cao chất lượng sinh hoạt chi bộ;
Công tác phát triển đảng viên, v.v.
= Công tác phát triển đảng viên, vân vân.
Đảng ủy & chính quyền cùng vào cuộc.
= Đảng ủy và chính quyền cùng vào cuộc.
Dân số toàn xã là 1.005 người, tăng 1,2% so với cùng kỳ.
= Dân số toàn xã là một nghìn không trăm linh năm người, tăng một phẩy hai phần trăm so với cùng
  kỳ.
Thôn có 24 hộ, trong đó 21 hộ tham gia HTX.
= Thôn có hai mươi tư hộ, trong đó hai mươi mốt hộ tham gia hợp tác xã.
Kinh phí 2.500.000.000 đồng từ NSNN.
= Kinh phí hai tỷ năm trăm triệu đồng từ ngân sách nhà nước.
Ngày 3/2/2024 kỷ niệm 94 năm Ngày thành lập Đảng.
= Ngày ba tháng hai năm {Y24} kỷ niệm chín mươi tư năm Ngày thành lập Đảng.
Đ/c Bí thư Chi bộ phát biểu kết luận.
= đồng chí Bí thư Chi bộ phát biểu kết luận.
Thực hiện Chỉ thị 05-CT/TW về học tập và làm theo tư tưởng Hồ Chí Minh.
= Thực hiện Chỉ thị không năm chỉ thị trung ương về học tập và làm theo tư tưởng Hồ Chí Minh.
| Thực hiện Chỉ thị năm chỉ thị trung ương về học tập và làm theo tư tưởng Hồ Chí Minh.
| Thực hiện Chỉ thị số năm về học tập và làm theo tư tưởng Hồ Chí Minh.
Đảng bộ có 1 chi bộ cơ sở và 11 chi bộ trực thuộc.
= Đảng bộ có một chi bộ cơ sở và mười một chi bộ trực thuộc.
Thời gian: từ 7h30 - 11h00, Chủ nhật, 14/4.
= Thời gian: từ bảy giờ ba mươi phút đến mười một giờ, Chủ nhật, ngày mười bốn tháng tư.
| Thời gian: từ bảy giờ ba mươi phút đến mười một giờ, Chủ nhật, mười bốn tháng tư.
"""

#: Readings that differ by region or habit and are equally right; folded before comparison.
VARIANTS = [
    (r"\bngàn\b", "nghìn"), (r"\blẻ\b|\blẽ\b", "linh"), (r"\btỉ\b", "tỷ"),
    (r"\bmươi bốn\b", "mươi tư"), (r"\bphút\b", ""), (r"\bmồng\b", ""), (r"\bkí lô", "ki lô"),
    (r"òa", "oà"), (r"óa", "oá"), (r"ỏa", "oả"), (r"õa", "oã"), (r"ọa", "oạ"),
    (r"òe", "oè"), (r"óe", "oé"), (r"ủy", "uỷ"), (r"úy", "uý"), (r"ùy", "uỳ"), (r"ụy", "uỵ"),
]  # fmt: skip


def load_cases() -> list[tuple[str, list[str]]]:
    """The sentence, then "= reading", "| another accepted reading", "  continued line"."""
    cases: list[tuple[str, list[str]]] = []
    for line in CASES.strip().splitlines():
        if line.startswith("= "):
            cases[-1][1].append(line[2:])
        elif line.startswith("| "):
            cases[-1][1].append(line[2:])
        elif line.startswith("  "):
            cases[-1][1][-1] += " " + line.strip()
        elif line.strip():
            cases.append((line, []))
    return cases


def canonical(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).lower()
    for pattern, replacement in VARIANTS:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"[^\w\s]|_", " ", text).split()


def distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def quiet(fn: Callable[[str], str]) -> Callable[[str], str]:
    """Some normalisers print debugging lines, some from a child process: silence fd 1, 2."""

    def call(text: str) -> str:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                os.dup2(null.fileno(), 2)
                return fn(text)
        finally:
            for fd, copy in enumerate(saved, start=1):
                os.dup2(copy, fd)
                os.close(copy)

    return call


def normalisers() -> dict[str, Callable[[str], str] | str]:
    """Each normaliser by name, or the reason it cannot run here."""
    found: dict[str, Callable[[str], str] | str] = {"ours (tts.normalize)": normalize_line}

    def vinorm() -> Callable[[str], str]:
        from vinorm import TTSnorm

        return TTSnorm

    def vietnormalizer() -> Callable[[str], str]:
        from vietnormalizer import VietnameseNormalizer

        return VietnameseNormalizer().normalize

    def vinormx() -> Callable[[str], str]:
        import vinormx as module

        return module.TTSnorm

    def g2p_hamster() -> Callable[[str], str]:
        from g2p_hamster.t0.pipeline import normalize

        return lambda text: normalize(text)["read_string"]

    def soe_vinorm() -> Callable[[str], str]:
        from soe_vinorm import normalize_text

        normalize_text("Năm 2023.")  # loads its CRF model from the Hugging Face hub
        return normalize_text

    loaders: dict[str, Callable[[], Callable[[str], str]]] = {
        "vinorm 2.0.7": vinorm,
        "vietnormalizer 0.2.3": vietnormalizer,
        "vinormx 1.0.8": vinormx,
        "g2p-hamster 0.2.8 (t0)": g2p_hamster,
        "soe-vinorm 0.3.2": soe_vinorm,
    }
    for name, load in loaders.items():
        try:
            found[name] = quiet(load())
        except Exception as exc:  # noqa: BLE001 - any failure means "cannot run here"
            found[name] = f"cannot run: {type(exc).__name__}: {str(exc)[:90]}"
    return found


def score(
    fn: Callable[[str], str], cases: list[tuple[str, list[str]]]
) -> tuple[float, float, list]:
    exact = edits = words = 0
    errors = []
    for text, expected in cases:
        got = canonical(fn(text))
        best = min((distance(got, canonical(e)), canonical(e)) for e in expected)
        exact += best[0] == 0
        edits += best[0]
        words += len(best[1])
        if best[0]:
            errors.append((text, fn(text)))
    return exact / len(cases), max(0.0, 1 - edits / words), errors


def throughput(lines: list[str], seconds: float = 2.0) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for line in lines:
            normalize_line(line)
        count += len(lines)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", metavar="NAME", help="print the misses of one normaliser")
    parser.add_argument("--text", type=Path, help="also time ours on this UTF-8 file, per line")
    args = parser.parse_args()
    cases = load_cases()
    print(f"{len(cases)} sentences, {sum(len(canonical(e[0])) for _, e in cases)} reference words")
    print(f"{'normaliser':<26} {'exact':>7} {'tokens':>7}")
    for name, fn in normalisers().items():
        if isinstance(fn, str):
            print(f"{name:<26} {fn}")
            continue
        exact, tokens, errors = score(fn, cases)
        print(f"{name:<26} {exact:>7.1%} {tokens:>7.1%}")
        if args.show_errors and args.show_errors.lower() in name.lower():
            for text, got in errors:
                print(f"    {text}\n  → {got}")
    lines = [text for text, _ in cases]
    if args.text:
        lines = [line for line in args.text.read_text(encoding="utf-8").splitlines() if line]
    rate = throughput(lines)
    chars = rate * sum(map(len, lines)) / len(lines)
    print(f"ours: {rate:,.0f} lines/s, {chars:,.0f} characters/s on {len(lines)} lines (one core)")


if __name__ == "__main__":
    main()
