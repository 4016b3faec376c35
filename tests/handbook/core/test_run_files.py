"""A run's own files: named by ``claims.run_tag``, cleared at once when their process is gone.

A server killed while it reads a document aloud leaves its half-written MP3 behind; the run that
takes the track over after the restart must clear it then (the process is gone), yet never the
files of a run that stalled past its lease and may still write (its process lives): those wait
until they have not been written for a lease.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from handbook.audio.storage import remove_stale
from handbook.core import claims


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_runs_files_go_at_once_a_live_or_foreign_runs_stay(tmp_path: Path) -> None:
    mark = claims._host_mark()
    dead, alive = _dead_pid(), os.getppid()
    names = {
        "killed": f"1.a1b2c3d4-{mark}-{dead}.mp3",
        "killed_tmp": f".1.a1b2c3d4-{mark}-{dead}.mp3.x1y2.tmp",
        "alive": f"1.b1b2c3d4-{mark}-{alive}.mp3",
        "mine": f"1.c1b2c3d4-{mark}-{os.getpid()}.mp3",
        "other_host": f"1.d1b2c3d4-{'000000' if mark != '000000' else '111111'}-{dead}.mp3",
        "untagged": "1.mp3",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"ID3")
    assert claims.run_gone(names["killed"]) and claims.run_gone(names["killed_tmp"])
    assert not any(claims.run_gone(names[k]) for k in ("alive", "mine", "other_host", "untagged"))

    remove_stale(tmp_path, "1.*.mp3", 3600, claims.run_gone)
    remove_stale(tmp_path, ".1.*.tmp", 3600, claims.run_gone)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(names[k] for k in ("alive", "mine", "other_host", "untagged"))

    # Once not written for the lease, any run's file goes (a stalled run's, another host's).
    old = time.time() - 7200
    for name in left:
        os.utime(tmp_path / name, (old, old))
    remove_stale(tmp_path, "1.*.mp3", 3600, claims.run_gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.mp3"]  # not the pattern's
