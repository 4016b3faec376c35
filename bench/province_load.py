"""Filling the province's database (bench/province.py): people and the tree, then meetings,
documents with their pages and tracks, comments, all by COPY; then what members did with them
(read receipts, listening, notifications) by INSERT ... SELECT inside PostgreSQL, which is
faster than shipping millions of rows from Python.

Foreign-key triggers are off for the load (``session_replication_role = replica``: the rows are
consistent by construction) and the secondary indexes are dropped first and built again after,
from their saved definitions, so the schema ends exactly as the migrations made it.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bench import province_rows as rows
from bench import province_text as words
from bench.province_rows import line

#: The tables filled here (the others stay empty, as on a new deployment).
TABLES = (
    "organizations",
    "users",
    "memberships",
    "devices",
    "meetings",
    "agenda_items",
    "documents",
    "document_pages",
    "audio_tracks",
    "comments",
    "read_receipts",
    "listen_progress",
    "notifications",
)
#: Vietnam is UTC+7 all year: a meeting at 08:00 local is 01:00 UTC.
VN = timedelta(hours=7)


@dataclass(frozen=True)
class Shape:
    communes: int
    branches: int
    members: int
    meetings: int
    documents: int
    comments: int
    bench_login: str
    password_hash: str
    now: datetime


@dataclass
class Meeting:
    id: int
    org: int
    starts_at: datetime
    publish_at: datetime | None
    secretary: int
    audience: list[int]
    agenda: list[int] = field(default_factory=list)
    #: (document id, paragraphs)
    documents: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class World:
    """What later phases need from earlier ones."""

    branch_members: dict[int, list[int]] = field(default_factory=dict)
    commune_branches: dict[int, list[int]] = field(default_factory=dict)
    committee: dict[int, int] = field(default_factory=dict)  # commune → an officer
    bench_branch: int = 0
    meetings: list[Meeting] = field(default_factory=list)


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, lines: Iterator[str]) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for chunk in rows.chunks(lines):
            copy.write(chunk)
            count += chunk.count("\n")
    return count


def _months(now: datetime, offset: int) -> tuple[int, int]:
    index = now.year * 12 + now.month - 1 + offset
    return index // 12, index % 12 + 1


def people(conn: psycopg.Connection[Any], shape: Shape, rng: random.Random, world: World) -> None:
    """The tree (province → communes → branches), the members, their roles and phones."""
    org_lines = [line(1, words.PROVINCE, "province", None, "/1/", 0, shape.now)]
    communes = list(range(2, shape.communes + 2))
    for commune_id, name in zip(communes, rows.commune_names(shape.communes, rng), strict=True):
        org_lines.append(line(commune_id, name, "commune", 1, f"/1/{commune_id}/", 1, shape.now))
    next_id = shape.communes + 2
    per_commune = shape.branches // shape.communes
    branches: list[int] = []
    for index, commune_id in enumerate(communes):
        count = per_commune + (1 if index < shape.branches % shape.communes else 0)
        world.commune_branches[commune_id] = []
        for name in rows.branch_names(count, rng):
            org_lines.append(
                line(
                    next_id, name, "branch", commune_id, f"/1/{commune_id}/{next_id}/", 2, shape.now
                )
            )
            world.commune_branches[commune_id].append(next_id)
            branches.append(next_id)
            next_id += 1
    _copy(
        conn, "organizations", "id, name, kind, parent_id, path, depth, created_at", iter(org_lines)
    )

    # Branches differ in size (8 to 60 members in life): members fall into them by weight.
    weights = [rng.uniform(0.4, 1.6) for _ in branches]
    world.bench_branch = branches[len(branches) // 2]
    for branch in branches:
        world.branch_members[branch] = []
    member_ids = list(range(2, shape.members + 2))
    for user_id, branch in zip(
        member_ids, rng.choices(branches, weights, k=shape.members), strict=True
    ):
        world.branch_members[branch].append(user_id)
    for branch in branches:  # every branch has a secretary and a few members
        while len(world.branch_members[branch]) < 4:
            donor = max(world.branch_members, key=lambda b: len(world.branch_members[b]))
            world.branch_members[branch].append(world.branch_members[donor].pop())
    bench_user = world.branch_members[world.bench_branch][3]

    created = shape.now - timedelta(days=720)
    user_lines = [
        line(
            1,
            "admin",
            None,
            "Quản trị hệ thống",
            shape.password_hash,
            False,
            True,
            True,
            1,
            False,
            created,
            None,
        )
    ]
    for user_id in member_ids:
        phone = shape.bench_login if user_id == bench_user else f"091{user_id:07d}"
        last = shape.now - timedelta(hours=rng.randint(1, 24 * 60)) if rng.random() < 0.85 else None
        user_lines.append(
            line(
                user_id,
                None,
                phone,
                rows.person(rng),
                shape.password_hash,
                False,
                True,
                False,
                1,
                rng.random() < 0.08,
                created,
                last,
            )
        )
    _copy(
        conn,
        "users",
        "id, username, phone, full_name, password_hash, must_change_password, active, is_admin,"
        " session_version, large_text, created_at, last_login_at",
        iter(user_lines),
    )

    membership_lines = []
    membership_id = 1
    for branch in branches:
        for position, user_id in enumerate(world.branch_members[branch]):
            role = "secretary" if position == 0 else "member"
            membership_lines.append(line(membership_id, user_id, branch, role, created))
            membership_id += 1
    # Each commune's committee: secretaries of its first branches; the province's: a few of those.
    for commune_id, its_branches in world.commune_branches.items():
        for branch in its_branches[:5]:
            officer = world.branch_members[branch][0]
            world.committee.setdefault(commune_id, officer)
            membership_lines.append(line(membership_id, officer, commune_id, "committee", created))
            membership_id += 1
    for commune_id in communes[:5]:
        membership_lines.append(
            line(membership_id, world.committee[commune_id], 1, "committee", created)
        )
        membership_id += 1
    _copy(
        conn,
        "memberships",
        "id, user_id, organization_id, role, created_at",
        iter(membership_lines),
    )
    _copy(conn, "devices", _DEVICE_COLUMNS, _devices(member_ids, shape, rng))


_DEVICE_COLUMNS = (
    "id, user_id, secret_hash, name, user_agent, address, remember, created_at, last_seen_at,"
    " expires_at, revoked_at"
)
_PHONES = (
    (
        "Chrome Mobile trên Samsung SM-A105F",
        "Mozilla/5.0 (Linux; Android 11; SM-A105F) Chrome/124.0 Mobile",
    ),
    (
        "Chrome Mobile trên Xiaomi Redmi 9A",
        "Mozilla/5.0 (Linux; Android 10; M2006C3LG) Chrome/123.0 Mobile",
    ),
    (
        "Cốc Cốc trên OPPO A5s",
        "Mozilla/5.0 (Linux; Android 9; CPH1909) coc_coc_browser/125.0 Mobile",
    ),
    ("Safari trên iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1"),
)


def _devices(member_ids: list[int], shape: Shape, rng: random.Random) -> Iterator[str]:
    """Most members signed in on one phone, some on two, a few never."""
    device_id = 1
    for user_id in member_ids:
        draw = rng.random()
        for _ in range(0 if draw < 0.05 else 2 if draw > 0.85 else 1):
            name, agent = rng.choice(_PHONES)
            seen = shape.now - timedelta(hours=rng.randint(1, 24 * 90))
            yield line(
                device_id,
                user_id,
                f"{rng.getrandbits(256):064x}",
                name,
                agent,
                f"113.160.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                True,
                seen - timedelta(days=rng.randint(0, 200)),
                seen,
                seen + timedelta(days=30),
                None,
            )
            device_id += 1


def meetings(conn: psycopg.Connection[Any], shape: Shape, rng: random.Random, world: World) -> None:
    """Branch meetings monthly (the last still ahead), committees' meetings to their subtrees;
    agenda items; documents' rows go in after their pages (``documents``)."""
    meeting_lines: list[str] = []
    agenda_lines: list[str] = []
    meeting_id = agenda_id = 1

    def add(
        org: int,
        offset: int,
        day: int,
        secretary: int,
        audience: list[int],
        reach: str,
        title: str,
        kind: str,
        agenda: list[str],
        draft: bool,
    ) -> None:
        nonlocal meeting_id, agenda_id
        year, month = _months(shape.now, offset)
        starts = datetime(year, month, day, 8, tzinfo=shape.now.tzinfo) - VN
        publish = None if draft else min(starts - timedelta(days=7), shape.now - timedelta(days=1))
        cancelled = publish is not None and starts < shape.now and rng.random() < 0.01
        meeting_lines.append(
            line(
                meeting_id,
                org,
                title,
                kind,
                starts,
                "Nhà văn hóa thôn",
                reach,
                publish,
                publish,
                starts - timedelta(days=2) if cancelled else None,
                "Hoãn do mưa lũ, chi bộ sẽ báo lịch mới." if cancelled else "",
                secretary,
                (publish or shape.now) - timedelta(days=2),
                secretary if publish else None,
                starts - timedelta(days=1)
                if publish and starts - timedelta(days=1) < shape.now
                else None,
            )
        )
        meeting = Meeting(meeting_id, org, starts, publish, secretary, audience)
        for position, item in enumerate(agenda, 1):
            agenda_lines.append(line(agenda_id, meeting_id, position, item))
            meeting.agenda.append(agenda_id)
            agenda_id += 1
        world.meetings.append(meeting)
        meeting_id += 1

    for branch, members in world.branch_members.items():
        draft_last = branch != world.bench_branch and rng.random() < 0.15
        for offset in range(-(shape.meetings - 2), 2):
            year, month = _months(shape.now, offset)
            thematic = month % 3 == 0
            title = (
                f"Sinh hoạt chuyên đề: {rng.choice(words.THEMES)}"
                if thematic
                else f"Sinh hoạt chi bộ thường kỳ tháng {month}/{year}"
            )
            agenda = rng.sample(words.AGENDA, rng.randint(4, 6))
            add(
                branch,
                offset,
                3 + branch % 8,
                members[0],
                members,
                "self",
                title,
                "thematic" if thematic else "regular",
                agenda,
                draft_last and offset == 1,
            )
    for commune, branches in world.commune_branches.items():
        audience = [u for b in branches for u in world.branch_members[b]]
        for offset in range(-21, 1, 3):
            add(
                commune,
                offset,
                20,
                world.committee[commune],
                audience,
                "subtree",
                "Hội nghị học tập, quán triệt nghị quyết của Đảng ủy xã",
                "thematic",
                words.AGENDA[1:3],
                False,
            )
    everyone = [u for members in world.branch_members.values() for u in members]
    for offset in (-18, -12, -6, 0):
        add(
            1,
            offset,
            25,
            world.committee[2],
            everyone,
            "subtree",
            "Hội nghị trực tuyến học tập nghị quyết của Tỉnh ủy",
            "thematic",
            words.AGENDA[1:2],
            False,
        )
    _copy(
        conn,
        "meetings",
        "id, organization_id, title, kind, starts_at, place, reach, publish_at, notified_at,"
        " cancelled_at, cancel_reason, created_by_id, created_at, published_by_id, reminded_at",
        iter(meeting_lines),
    )
    _copy(conn, "agenda_items", "id, meeting_id, position, title", iter(agenda_lines))


_DOCUMENT_COLUMNS = (
    "id, organization_id, meeting_id, agenda_item_id, reach, title, filename, kind, blob_sha256,"
    " size, status, progress, claimed_at, claimed_by, error_code, error_message, page_count,"
    " publish_at, notified_at, created_by_id, created_at, published_by_id"
)
_AUDIO_COLUMNS = (
    "id, document_id, status, progress, requested_engine, engine, voice, fell_back, blob_sha256,"
    " duration, size, timings, error_message, claimed_at, claimed_by, created_at,"
    " sentences_done, sentences_total, early_size, early_duration, early_timings"
)


def documents(
    pages_conn: psycopg.Connection[Any],
    audio_conn: psycopg.Connection[Any],
    shape: Shape,
    rng: random.Random,
    world: World,
) -> dict[str, int]:
    """Each meeting's documents, their pages (on one connection) and their read-aloud tracks
    (on another, at the same time: a track's timing map is as long as the text)."""
    pool = rows.TextPool(rng)
    document_lines: list[str] = []
    counts = {"documents": 0, "pages": 0}
    page_id = 1

    def tracks_and_pages() -> Iterator[tuple[str, str]]:
        nonlocal page_id
        document_id = 1
        for meeting in world.meetings:
            per_meeting = shape.documents if meeting.org in world.branch_members else 3
            year, month = meeting.starts_at.year, meeting.starts_at.month
            titles = list(words.DOCUMENT_TITLES[:2]) + rng.sample(words.DOCUMENT_TITLES[2:], 8)
            for index in range(per_meeting):
                title = titles[index % len(titles)].format(m=month, y=year)
                page_lines, sentences, paragraphs = rows.document_pages(
                    pool, rng, document_id, title, page_id
                )
                page_id += len(page_lines)
                meeting.documents.append((document_id, paragraphs))
                kind = "pdf" if rng.random() < 0.7 else "docx"
                item = meeting.agenda[index % len(meeting.agenda)] if rng.random() < 0.7 else None
                uploaded = (meeting.publish_at or shape.now) - timedelta(hours=rng.randint(2, 72))
                reach = "self" if meeting.org in world.branch_members else "subtree"
                document_lines.append(
                    line(
                        document_id,
                        meeting.org,
                        meeting.id,
                        item,
                        reach,
                        title,
                        f"tai-lieu-{document_id}.{kind}",
                        kind,
                        f"{rng.getrandbits(256):064x}",
                        len(page_lines) * rng.randint(40_000, 90_000),
                        "ready",
                        100,
                        uploaded,
                        "worker:1",
                        None,
                        None,
                        len(page_lines),
                        meeting.publish_at,
                        meeting.publish_at,
                        meeting.secretary,
                        uploaded,
                        None,
                    )
                )
                duration = sum(0.065 * len(s) + 0.7 for s in sentences)
                timings = rows.Raw(rows.timing_map(sentences, duration))
                track = line(
                    document_id,
                    document_id,
                    "ready",
                    100,
                    "auto",
                    "espeak",
                    "vi",
                    False,
                    f"{rng.getrandbits(256):064x}",
                    round(duration, 3),
                    int(duration * 6000),
                    timings,
                    None,
                    uploaded,
                    "worker:1",
                    uploaded,
                    len(sentences),
                    len(sentences),
                    0,
                    0.0,
                    None,
                )
                counts["pages"] += len(page_lines)
                counts["documents"] += 1
                document_id += 1
                yield "".join(page_lines), track

    with (
        pages_conn.cursor() as pages_cur,
        pages_cur.copy(
            "COPY document_pages (id, document_id, number, blocks, ocr, folded) FROM STDIN"
        ) as page_copy,
        audio_conn.cursor() as audio_cur,
        audio_cur.copy(f"COPY audio_tracks ({_AUDIO_COLUMNS}) FROM STDIN") as audio_copy,
    ):
        page_buffer: list[str] = []
        audio_buffer: list[str] = []
        size = 0
        for pages, track in tracks_and_pages():
            page_buffer.append(pages)
            audio_buffer.append(track)
            size += len(pages) + len(track)
            if size > 8 << 20:
                page_copy.write("".join(page_buffer))
                audio_copy.write("".join(audio_buffer))
                page_buffer, audio_buffer, size = [], [], 0
        page_copy.write("".join(page_buffer))
        audio_copy.write("".join(audio_buffer))
    _copy(pages_conn, "documents", _DOCUMENT_COLUMNS, iter(document_lines))
    return counts


_COMMENT_COLUMNS = (
    "id, meeting_id, document_id, paragraph, agenda_item_id, parent_id, author_id, client_id,"
    " body, created_at, edited_at, deleted_at, hidden_at, hidden_reason, hidden_by_id,"
    " disposition, version"
)


def comments(conn: psycopg.Connection[Any], shape: Shape, rng: random.Random, world: World) -> int:
    """Discussion before each meeting: most on the draft resolution and the report, a fifth on
    agenda items, a third replies; the meeting ahead is discussed most."""
    published = [m for m in world.meetings if m.publish_at is not None and m.documents]
    weights = [4.0 if m.starts_at > shape.now else 1.0 for m in published]
    unit = shape.comments / sum(weights)

    def generate() -> Iterator[str]:
        comment_id = 1
        for meeting, weight in zip(published, weights, strict=True):
            expected = unit * weight
            count = int(expected) + (rng.random() < expected % 1)
            end = min(meeting.starts_at + timedelta(days=1), shape.now)
            span = max((end - meeting.publish_at).total_seconds(), 60)  # type: ignore[operator]
            moments = sorted(rng.random() * span for _ in range(count))
            tops: dict[tuple[str, int], list[tuple[int, int | None]]] = {}
            doc_weights = [
                6 if i == 0 else 3 if i == 1 else 1 for i in range(len(meeting.documents))
            ]
            for seconds in moments:
                created = meeting.publish_at + timedelta(seconds=seconds)  # type: ignore[operator]
                author = rng.choice(meeting.audience)
                if rng.random() < 0.2:
                    target: tuple[str, int] = ("agenda", rng.choice(meeting.agenda))
                    paragraph = None
                else:
                    document, paragraphs = rng.choices(meeting.documents, doc_weights)[0]
                    target = ("document", document)
                    paragraph = rng.randint(1, paragraphs) if rng.random() < 0.5 else None
                earlier = tops.setdefault(target, [])
                parent = None
                if earlier and rng.random() < 0.3:
                    parent, paragraph = rng.choice(earlier)
                    body = rng.choice(words.REPLIES)
                else:
                    earlier.append((comment_id, paragraph))
                    body = rng.choice(words.COMMENTS)
                draw = rng.random()
                edited = created + timedelta(minutes=3) if draw < 0.05 else None
                deleted = created + timedelta(hours=1) if 0.05 <= draw < 0.07 else None
                hidden = created + timedelta(hours=2) if 0.07 <= draw < 0.08 else None
                past = meeting.starts_at < shape.now
                disposition = (
                    "accepted"
                    if past and draw > 0.7
                    else "explain"
                    if past and draw > 0.65
                    else "none"
                )
                yield line(
                    comment_id,
                    meeting.id,
                    target[1] if target[0] == "document" else None,
                    paragraph,
                    target[1] if target[0] == "agenda" else None,
                    parent,
                    author,
                    f"{rng.getrandbits(64):016x}",
                    body,
                    created,
                    edited,
                    deleted,
                    hidden,
                    "Nội dung không phù hợp" if hidden else "",
                    meeting.secretary if hidden else None,
                    disposition,
                    2 if edited else 1,
                )
                comment_id += 1

    return _copy(conn, "comments", _COMMENT_COLUMNS, generate())


#: Who a publication reaches, as SQL over ``{table} x`` with ``x.organization_id`` and
#: ``x.reach``: a branch's own members, or every branch member below a committee. Split in
#: two so the big side is a hash join; only a committee's few publications take the LIKE.
_AUDIENCE = """
    SELECT x.id AS publication, ms.user_id FROM {table} x
    JOIN memberships ms ON ms.organization_id = x.organization_id
    WHERE x.reach = 'self'
    UNION ALL
    SELECT x.id, ms.user_id FROM {table} x
    JOIN organizations o ON o.id = x.organization_id
    JOIN organizations mo ON mo.path LIKE o.path || '%%' AND mo.kind = 'branch'
    JOIN memberships ms ON ms.organization_id = mo.id
    WHERE x.reach = 'subtree'
"""

#: What members did, made inside PostgreSQL from the rows above. ``now`` is the generation's.
ACTIVITY = {
    # Most members open their branch's documents; fewer a committee's; the one ahead less yet.
    "read receipts": """
        INSERT INTO read_receipts (user_id, document_id, first_read_at, last_read_at)
        SELECT a.user_id, d.id, t.at, t.at + random() * interval '3 days'
        FROM (AUDIENCE(documents)) a
        JOIN documents d ON d.id = a.publication
        JOIN meetings m ON m.id = d.meeting_id
        CROSS JOIN LATERAL (SELECT d.publish_at + random()
            * (LEAST(m.starts_at, %(now)s) - d.publish_at) AS at) t
        WHERE d.publish_at <= %(now)s
          AND random() < CASE WHEN d.reach = 'subtree' THEN 0.3
                              WHEN m.starts_at > %(now)s THEN 0.35 ELSE 0.6 END
    """,
    # Some listen instead or as well; six in ten of those to the end.
    "listening progress": """
        INSERT INTO listen_progress (user_id, document_id, position, heard, completed_at,
                                     updated_at)
        SELECT a.user_id, d.id, t.duration * f.done, t.duration * f.done,
               CASE WHEN f.done >= 0.9 THEN d.publish_at + interval '1 day' END,
               d.publish_at + interval '1 day'
        FROM (AUDIENCE(documents)) a
        JOIN documents d ON d.id = a.publication
        JOIN audio_tracks t ON t.document_id = d.id
        CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.6 THEN 1.0
                                        ELSE random() END AS done) f
        WHERE d.publish_at <= %(now)s
          AND random() < CASE WHEN d.reach = 'subtree' THEN 0.05 ELSE 0.12 END
    """,
    # Each publication told its audience once (not the one who published); read, except lately.
    "notifications: publications": """
        WITH titles AS (
            SELECT meeting_id, json_agg(title ORDER BY id) AS titles
            FROM documents GROUP BY meeting_id
        ), told AS (
            SELECT m.id, m.publish_at, m.starts_at, m.published_by_id, json_build_object(
                'meeting', m.id, 'title', m.title, 'starts_at', m.starts_at,
                'when', to_char(m.starts_at + interval '7 hours', 'HH24"h"MI, DD/MM/YYYY'),
                'place', m.place, 'organization', o.name, 'url', '/meetings/' || m.id,
                'documents', coalesce(t.titles, '[]'::json)) AS payload
            FROM meetings m
            JOIN organizations o ON o.id = m.organization_id
            LEFT JOIN titles t ON t.meeting_id = m.id
            WHERE m.notified_at IS NOT NULL
        )
        INSERT INTO notifications (user_id, kind, payload, dedupe_key, created_at, read_at)
        SELECT a.user_id, 'meeting.published', m.payload, 'meeting:' || m.id || ':published',
               m.publish_at,
               CASE WHEN m.starts_at > %(now)s - interval '30 days' AND random() < 0.5 THEN NULL
                    ELSE m.publish_at + random() * interval '3 days' END
        FROM (AUDIENCE(meetings)) a
        JOIN told m ON m.id = a.publication
        WHERE a.user_id <> m.published_by_id
    """,
    # A reply tells the author of the comment it answers.
    "notifications: replies": """
        INSERT INTO notifications (user_id, kind, payload, dedupe_key, created_at, read_at)
        SELECT p.author_id, 'comment.reply',
               json_build_object('title', u.full_name || ' trả lời góp ý của bạn',
                                 'comment', c.id, 'excerpt', left(c.body, 140),
                                 'url', '/documents/' || c.document_id || '#c-' || c.id),
               'comment:' || c.id || ':reply', c.created_at,
               CASE WHEN random() < 0.8 THEN c.created_at + interval '1 day' END
        FROM comments c
        JOIN comments p ON p.id = c.parent_id
        JOIN users u ON u.id = c.author_id
        WHERE p.author_id <> c.author_id
    """,
}


def _sql(text: str) -> str:
    """``AUDIENCE(table)`` in ``ACTIVITY`` replaced by the audience of that table's rows."""
    return re.sub(r"AUDIENCE\((\w+)\)", lambda m: _AUDIENCE.replace("{table}", m.group(1)), text)


def _build(url: str, definitions: list[tuple[str, str, str]]) -> int:
    """Create indexes from their saved definitions, on a connection of their own."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for _, _, definition in definitions:
            conn.execute(definition)
    return len(definitions)


#: Tables complete once their documents are in: their indexes (the pages' search index, the
#: slowest, among them) are built meanwhile, while comments and activity are made.
_EARLY = (
    "organizations",
    "users",
    "memberships",
    "devices",
    "meetings",
    "agenda_items",
    "documents",
    "document_pages",
    "audio_tracks",
)


def generate(url: str, shape: Shape, rng: random.Random) -> list[tuple[str, float]]:
    """Everything, timed by phase."""
    phases: list[tuple[str, float]] = []

    def timed(name: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        phases.append((f"{name} ({result:,})" if isinstance(result, int) else name, seconds))
        print(f"{name}: {seconds:.1f} s", flush=True)

    world = World()
    with psycopg.connect(url, autocommit=True) as ddl:
        saved: list[tuple[str, str, str]] = ddl.execute(
            "SELECT c.relname, t.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
            " WHERE t.relname = ANY(%s) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            (list(TABLES),),
        ).fetchall()
        for name, _, _ in saved:
            ddl.execute(f'DROP INDEX "{name}"')
    main = psycopg.connect(url)
    second = psycopg.connect(url)
    background = ThreadPoolExecutor(max_workers=1)
    try:
        for conn in (main, second):
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET work_mem = '256MB'")
            # lz4, not pglz, for the values TOAST compresses as they are loaded: the load is
            # several times faster; reading a page's few rows back costs microseconds either way.
            conn.execute("SET default_toast_compression = 'lz4'")
        timed("organisations, members, devices", lambda: people(main, shape, rng, world))
        timed("meetings, agenda items", lambda: meetings(main, shape, rng, world))
        timed(
            "documents, pages, audio tracks",
            lambda: documents(main, second, shape, rng, world)["pages"],
        )
        second.commit()
        main.commit()
        started = time.perf_counter()
        early = background.submit(_build, url, [d for d in saved if d[1] in _EARLY])
        timed("comments", lambda: comments(main, shape, rng, world))
        main.commit()
        for name, sql in ACTIVITY.items():
            timed(name, lambda sql=sql: main.execute(_sql(sql), {"now": shape.now}).rowcount)
            main.commit()
        timed(
            "indexes of the activity", lambda: _build(url, [d for d in saved if d[1] not in _EARLY])
        )
        timed("indexes of documents and pages (waiting)", early.result)
        phases.append(("  (those, built in the background for)", time.perf_counter() - started))
    finally:
        background.shutdown()
        main.close()
        second.close()
    with psycopg.connect(url, autocommit=True) as ddl:

        def sequences() -> None:
            for table in TABLES:
                ddl.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                    f" GREATEST((SELECT max(id) FROM {table}), 1))"
                )

        timed("sequences", sequences)
        timed("vacuum analyze", lambda: ddl.execute("VACUUM (ANALYZE)"))
    return phases
