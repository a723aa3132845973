"""``manage.py replay_draw MEETING``: a recorded draw recomputes to its stored result; a tampered one does not."""

import json

import pytest
from django.core.management.base import CommandError
from django.db import connection

from committees.models import Draw
from committees.services import draw_experts
from tests.commands import run_command


def _tamper(draw, column: str, value) -> None:
    """Change a stored draw behind the application's back (the model refuses any change)."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE committees_draw SET {column} = %s WHERE id = %s", [json.dumps(value), draw.pk])


@pytest.fixture
def drawn(ready_meeting, secretary):
    [record] = draw_experts(actor=secretary, meeting_id=ready_meeting.pk)
    return record


def test_a_recorded_draw_replays_to_the_same_experts(drawn, ready_meeting):
    code, out, err = run_command("replay_draw", str(ready_meeting.pk))
    assert code == 0, err
    assert f"抽取记录 {drawn.pk}" in out and "一致" in out and "不一致" not in out and str(drawn.seed) in out


def test_a_changed_result_is_reported(drawn, ready_meeting, experts):
    outsider = next(e.pk for e in experts if e.pk not in drawn.result)
    _tamper(drawn, "result", [*drawn.result[:-1], outsider])
    code, out, err = run_command("replay_draw", str(ready_meeting.pk))
    assert code == 1
    assert "不一致" in out and str(outsider) in out and "1 次与记录不一致" in err


def test_a_changed_snapshot_is_reported(drawn, ready_meeting):
    snapshot = Draw.objects.get(pk=drawn.pk).snapshot
    # hide a chosen expert's employer conflict: pretend they work where an applicant works
    chosen = drawn.result[0]
    for candidate in snapshot["candidates"]:
        if candidate["id"] == chosen:
            candidate["employer_id"] = snapshot["employer_ids"][0]
    _tamper(drawn, "snapshot", snapshot)
    code, out, err = run_command("replay_draw", str(ready_meeting.pk))
    assert code == 1 and "不一致" in out


def test_an_unknown_meeting_or_one_without_draws_is_a_clear_error(ready_meeting):
    with pytest.raises(CommandError, match="尚无抽取记录"):
        run_command("replay_draw", str(ready_meeting.pk))
    with pytest.raises(CommandError, match="没有编号为 x 的评审会议"):
        run_command("replay_draw", "x")
