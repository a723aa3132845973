"""Working days against the official 2025/2026 schedules and the WORKING_DAYS contract's cases."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from accounts.models import Event
from tests.commands import run_command
from titles.models import WorkingDaySchedule
from titles.selectors import add_working_days, count_working_days, publicity_end
from titles.workdays import WorkingDayCalendar, YearNotCovered, parse_schedule

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT.parent / "shared" / "cases" / "working_days"
LIB = WorkingDayCalendar()


def d(text):
    return date.fromisoformat(text)


# --- the official schedules (国务院办公厅 2025 and 2026 holiday notices) -------------------------

@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2025-01-26", True),  # Sunday, make-up day for Spring Festival
        ("2025-01-28", False), ("2025-02-04", False),  # Spring Festival 01-28..02-04
        ("2025-02-08", True),  # Saturday make-up
        ("2025-09-28", True),  # Sunday make-up for National Day
        ("2025-10-01", False), ("2025-10-08", False),  # National Day + Mid-Autumn 10-01..10-08
        ("2025-10-11", True),  # Saturday make-up
        ("2026-02-14", True), ("2026-02-15", False), ("2026-02-23", False), ("2026-02-28", True),
        ("2026-09-20", True), ("2026-10-01", False), ("2026-10-07", False), ("2026-10-08", True),
        ("2026-10-10", True), ("2026-10-11", False),
    ],
)
def test_official_schedule(day, workday):
    assert LIB.is_workday(d(day)) is workday


def test_add_working_days_across_the_2025_spring_festival():
    assert LIB.add(d("2025-01-27"), 1) == d("2025-02-05")
    assert LIB.add(d("2025-01-24"), 1) == d("2025-01-26")  # the make-up Sunday counts
    assert LIB.add(d("2025-02-07"), 1) == d("2025-02-08")


def test_add_working_days_across_the_2025_national_day():
    assert LIB.add(d("2025-09-26"), 1) == d("2025-09-28")
    assert LIB.add(d("2025-09-30"), 1) == d("2025-10-09")
    assert LIB.add(d("2025-09-30"), 3) == d("2025-10-11")


def test_add_and_count_across_the_2026_spring_festival_and_national_day():
    assert LIB.add(d("2026-02-13"), 1) == d("2026-02-14")
    assert LIB.add(d("2026-02-14"), 1) == d("2026-02-24")
    assert LIB.count(d("2026-02-09"), d("2026-03-01")) == 5 + 1 + 4 + 1  # 02-09..13, 02-14, 02-24..27, 02-28
    assert LIB.count(d("2026-10-01"), d("2026-10-10")) == 3
    assert LIB.publicity_end(d("2026-09-28"), 5) == d("2026-10-09")
    assert LIB.publicity_end(d("2026-10-01"), 5) == d("2026-10-13")  # day 1 is 10-08; 10-10 is a make-up day


def test_edges():
    assert LIB.add(d("2026-10-03"), 0) == d("2026-10-03")
    assert LIB.count(d("2026-05-02"), d("2026-05-01")) == 0
    assert LIB.publicity_end(d("2026-06-01"), 1) == d("2026-06-01")
    with pytest.raises(ValueError):
        LIB.add(d("2026-01-01"), -1)
    with pytest.raises(YearNotCovered) as info:
        LIB.add(d("2026-12-30"), 5)
    assert info.value.year == 2027 and "2027" in str(info.value)
    with pytest.raises(YearNotCovered):
        LIB.is_workday(d("2003-05-01"))


def test_stored_schedule_covers_a_new_year_and_overrides_the_library():
    schedule = parse_schedule(2027, ["2027-01-01"], ["2027-02-20"])
    calendar = WorkingDayCalendar({2027: schedule})
    assert calendar.is_workday(d("2027-02-20")) and not calendar.is_workday(d("2027-01-01"))
    assert calendar.add(d("2026-12-31"), 1) == d("2027-01-04")
    override = WorkingDayCalendar({2026: parse_schedule(2026, ["2026-06-01"], [])})
    assert not override.is_workday(d("2026-06-01"))
    assert not override.is_workday(d("2026-10-10"))  # the bureau's word replaces the library's year


@pytest.mark.parametrize(
    ("holidays", "workdays", "field"),
    [
        (["2028-01-01"], [], "holidays"),
        (["2027-13-01"], [], "holidays"),
        ([], ["2027-02-22"], "workdays"),  # a Monday is no make-up day
        (["2027-02-20"], ["2027-02-20"], "workdays"),
        ("2027-01-01", [], "holidays"),
    ],
)
def test_bad_schedules_name_the_field(holidays, workdays, field):
    from titles.workdays import ScheduleInvalid

    with pytest.raises(ScheduleInvalid) as info:
        parse_schedule(2027, holidays, workdays)
    assert info.value.field == field


# --- the command, through the contract's example lines ---------------------------------------

def _run(words):
    code, out, err = run_command("working_days", *words)
    return code, out.strip(), err.strip()


def _case_lines():
    lines = [line for line in (CASES_DIR / "cases.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines, "no working-day cases found"
    return lines


@pytest.mark.django_db
def test_contract_cases_in_order():
    for line in _case_lines():
        args, expected = (part.strip() for part in line.split("=>"))
        words = args.replace("{dir}", str(CASES_DIR)).split()
        code, out, err = _run(words)
        if expected == "exit 2":
            assert (code, out) == (2, ""), line
            assert err and "\n" not in err, line
        else:
            assert (code, out) == (0, expected), f"{line}: {err}"


@pytest.mark.django_db
def test_load_keeps_history_and_logs_the_event(tmp_path):
    path = tmp_path / "y2027.json"
    path.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": []}))
    assert _run(["load", str(path)])[:2] == (0, "loaded 2027")
    assert _run(["is", "2027-02-20"])[1] == "holiday"
    path.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-02-20"]}))
    assert _run(["load", str(path)])[:2] == (0, "loaded 2027")
    assert _run(["is", "2027-02-20"])[1] == "workday"
    entry = WorkingDaySchedule.objects.get(year=2027)
    assert entry.history.count() == 2
    assert Event.objects.filter(action="store_holiday_schedule").count() == 2
    assert add_working_days(d("2027-02-19"), 1) == d("2027-02-20")
    assert count_working_days(d("2027-02-20"), d("2027-02-21")) == 1
    assert publicity_end(d("2027-02-20"), 2) == d("2027-02-22")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "words",
    [
        [], ["add"], ["add", "2026-02-30", "1"], ["add", "2026-01-01", "-1"], ["add", "2026-01-01", "x"],
        ["publicity", "2026-01-01", "0"], ["is", "2027-03-01"], ["count", "2026-12-01", "2027-01-05"],
        ["frobnicate", "2026-01-01"], ["load", "/nonexistent.json"], ["is", "20260101"],
    ],
)
def test_bad_input_exits_2_with_one_chinese_line(words):
    code, out, err = _run(words)
    assert code == 2 and out == "" and err.startswith("错误：") and "\n" not in err


@pytest.mark.django_db
def test_bad_file_is_refused_and_nothing_is_stored(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01", "2028-01-01"], "workdays": []}))
    code, out, err = _run(["load", str(path)])
    assert code == 2 and "2028-01-01" in err
    assert not WorkingDaySchedule.objects.exists()


def test_real_process_exit_codes(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    result = subprocess.run([sys.executable, "manage.py", "working_days", "is", "2027-03-01"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and result.stdout == "" and "2027" in result.stderr
    result = subprocess.run([sys.executable, "manage.py", "working_days", "add", "2026-09-28", "5"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "2026-10-10")


@pytest.mark.django_db
def test_admin_entry_goes_through_the_service_and_bad_dates_are_refused(admin_client):
    response = admin_client.post("/admin/titles/workingdayschedule/add/", {
        "year": 2027, "holidays": '["2027-01-01"]', "workdays": '["2027-02-22"]', "source": "测试"})
    assert response.status_code == 200 and "本来就是工作日" in response.content.decode()
    assert not WorkingDaySchedule.objects.exists()
    response = admin_client.post("/admin/titles/workingdayschedule/add/", {
        "year": 2027, "holidays": '["2027-01-01"]', "workdays": '["2027-02-20"]', "source": "国办发明电"})
    assert response.status_code == 302
    assert WorkingDaySchedule.objects.get(year=2027).workdays == ["2027-02-20"]
    assert Event.objects.filter(action="store_holiday_schedule").count() == 1
    assert add_working_days(d("2027-02-19"), 1) == d("2027-02-20")
