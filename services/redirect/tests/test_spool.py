from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hop_redirect.spool import ClickSpool, SpoolOpened, SpoolState

OPENED: list[ClickSpool] = []


@pytest.fixture(autouse=True)
def close_spools() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def open_spool(path: Path, **overrides: int) -> ClickSpool:
    values = {"max_events": 1000, "max_bytes": 2**20, "segment_bytes": 100} | overrides
    spool = ClickSpool(path, **values)
    spool.open()
    OPENED.append(spool)
    return spool


def events(count: int, start: int = 0) -> list[bytes]:
    return [f'{{"id":"{i:032d}"}}'.encode() for i in range(start, start + count)]


def test_spool_reads_oldest_first_across_segments_and_releases_them(tmp_path: Path) -> None:
    spool = open_spool(tmp_path)
    assert spool.append(events(5)) == []
    assert spool.append(events(5, 5)) == []
    assert len(list(spool.path.glob("*.seg"))) > 1
    assert spool.read(7) == events(7)
    spool.release(events(7))
    assert spool.read(100) == events(3, 7)
    spool.release(events(3, 7))
    assert spool.state == SpoolState(0, 0)
    assert spool.read(10) == []
    assert len(list(spool.path.glob("*.seg"))) == 1


def test_spool_reopened_resumes_after_the_last_release(tmp_path: Path) -> None:
    spool = open_spool(tmp_path)
    spool.append(events(6))
    spool.release(spool.read(4))
    spool.close()
    again = open_spool(tmp_path)
    assert again.path == spool.path
    assert len(again) == 2
    assert again.read(10) == events(2, 4)


def test_spool_torn_tail_is_cut_and_appends_continue(tmp_path: Path) -> None:
    spool = open_spool(tmp_path, segment_bytes=2**20)
    spool.append(events(3))
    spool.close()
    segment = next(spool.path.glob("*.seg"))
    with segment.open("ab") as file:
        file.write(b"\x00\x00\x01\x00\xde\xad")  # a header, then a crash before its payload
    again = open_spool(tmp_path, segment_bytes=2**20)
    assert len(again) == 3
    again.append(events(1, 3))
    assert again.read(10) == events(4)


def test_spool_corrupt_record_ends_what_recovery_keeps(tmp_path: Path) -> None:
    spool = open_spool(tmp_path, segment_bytes=2**20)
    spool.append(events(3))
    spool.close()
    segment = next(spool.path.glob("*.seg"))
    data = bytearray(segment.read_bytes())
    data[-3] ^= 0xFF
    segment.write_bytes(bytes(data))
    assert open_spool(tmp_path).read(10) == events(2)


def test_spool_over_budget_returns_what_did_not_fit(tmp_path: Path) -> None:
    by_events = open_spool(tmp_path / "events", max_events=4)
    assert by_events.append(events(6)) == events(2, 4)
    record = 8 + len(events(1)[0])
    by_bytes = open_spool(tmp_path / "bytes", max_bytes=3 * record)
    assert by_bytes.append(events(5)) == events(2, 3)
    assert by_bytes.state == SpoolState(3, 3 * record)


def test_spool_two_processes_never_share_a_slot(tmp_path: Path) -> None:
    first = open_spool(tmp_path)
    second = open_spool(tmp_path)
    assert (first.path.name, second.path.name) == ("0", "1")
    first.close()
    assert open_spool(tmp_path).path.name == "0"


def test_spool_without_a_free_slot_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hop_redirect._spool_files.MAX_SLOTS", 1)
    open_spool(tmp_path)
    with pytest.raises(OSError, match="in use"):
        open_spool(tmp_path)


def test_spool_budget_over_the_free_space_is_lowered_to_it(tmp_path: Path) -> None:
    stat = os.statvfs(tmp_path)
    free = stat.f_bavail * stat.f_frsize
    spool = open_spool(tmp_path, max_events=2**40, max_bytes=2**62)
    assert 0 < spool.max_bytes <= free
    assert spool.max_events == 2**40 * spool.max_bytes // 2**62
    halves = open_spool(tmp_path / "shared", max_bytes=2**62, disk_share=2)
    assert halves.max_bytes <= free // 2 + 2**20


def test_spool_budget_under_the_free_space_is_kept(tmp_path: Path) -> None:
    spool = open_spool(tmp_path, max_events=10, max_bytes=2**20)
    assert (spool.max_events, spool.max_bytes) == (10, 2**20)


def test_spool_orphaned_slot_is_adopted_oldest_slot_first(tmp_path: Path) -> None:
    first, second = open_spool(tmp_path), open_spool(tmp_path)
    first.append(events(3))
    second.append(events(2, 3))
    first.close()
    second.close()
    alone = ClickSpool(tmp_path, max_events=1000, max_bytes=2**20, segment_bytes=100)
    opened = alone.open()
    OPENED.append(alone)
    assert opened == SpoolOpened(recovered=3, adopted=2, over_budget=0)
    assert alone.read(10) == events(5)
    assert open_spool(tmp_path).path.name == "1"
    assert len(OPENED[-1]) == 0


def test_spool_orphaned_slot_over_the_budget_reports_what_did_not_fit(tmp_path: Path) -> None:
    first, orphan = open_spool(tmp_path), open_spool(tmp_path)
    orphan.append(events(4))
    first.close()
    orphan.close()
    small = ClickSpool(tmp_path, max_events=3, max_bytes=2**20, segment_bytes=100)
    OPENED.append(small)
    assert small.open() == SpoolOpened(recovered=0, adopted=3, over_budget=1)


def test_spool_lost_segment_reads_short_and_discard_forgets_the_count(tmp_path: Path) -> None:
    spool = open_spool(tmp_path, segment_bytes=2**20)
    spool.append(events(4))
    for segment in spool.path.glob("*.seg"):
        segment.unlink()
    assert spool.read(10) == []
    assert spool.discard() == 4
    assert spool.state == SpoolState(0, 0)
    assert spool.append(events(1)) == []
    spool.close()
    assert open_spool(tmp_path).read(10) == events(1)


def test_spool_not_opened_refuses_writes_with_a_clear_error(tmp_path: Path) -> None:
    spool = ClickSpool(tmp_path, max_events=10, max_bytes=2**20, segment_bytes=100)
    with pytest.raises(OSError, match="is not open"):
        spool.append(events(1))
