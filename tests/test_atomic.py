"""saddle.atomic.atomic_write: the target is replaced whole or not at all, and no temporary file is left behind."""

import pytest

from saddle.atomic import atomic_write


def test_atomic_write_replaces_the_target_and_creates_its_folder(tmp_path):
    target = tmp_path / "a" / "b" / "file.txt"
    assert atomic_write(target, lambda tmp: tmp.write_text("first")) == target
    atomic_write(target, lambda tmp: tmp.write_text("second"))
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half written")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["file.txt"]
