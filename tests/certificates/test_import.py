"""Historical certificates (002 二(四)): a CSV imported all or nothing, verified like issued ones."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Role
from certificates.models import Certificate
from certificates.services import IMPORT_COLUMNS
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

HEADER = ",".join(IMPORT_COLUMNS)
GOOD = [
    "2015-140400-0001-000012,HK7P3QRT,李明,140402199001010013,工程,土木工程,中级,工程师,长治市工程系列中级评审委员会,"
    "长人社职字〔2015〕9号,2015-12-01,2015-12-20,140400,,",
    "2016-140400-0001-000003,,王芳,,卫生,,assistant,护师,长治市卫生系列初级评审委员会,长人社职字〔2016〕3号,"
    "2016-11-30,2016-12-05,140400,仅在基层医疗卫生机构有效,{username}",
]


def _csv(tmp_path, lines, name="history.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8-sig")
    return str(path)


def test_a_valid_file_imports_every_row_and_they_verify(tmp_path, capsys, org_tree):
    person = user_with_role(Role.APPLICANT, org_tree["employer_a"])
    call_command("import_certificates", _csv(tmp_path, [GOOD[0], GOOD[1].format(username=person.username)]))
    out = capsys.readouterr().out
    assert "已导入 2 张历史证书" in out
    first, second = Certificate.objects.order_by("number")
    assert (first.origin, first.holder_id_masked, first.level, first.pdf.name) == (
        "historical", "140***********0013", "intermediate", "")
    assert second.holder == person and second.level == "assistant" and len(second.verification_code) == 8
    assert f"{second.number},{second.verification_code}" in out  # generated codes are printed for the holders
    page = Client().get(f"/verify/{first.number}/HK7P3QRT/").content.decode()
    assert "证书有效" in page and "李明" in page and "历史证书" in page


def test_any_error_imports_nothing_and_names_row_and_field_in_chinese(tmp_path, capsys):
    Certificate.objects.create(number="2010-140400-0001-000001", verification_code="ABCDEFGH", holder_name="甲",
                               series_name="工程", level="intermediate", title_name="工程师", committee_name="某",
                               approval_document="某", approved_on="2010-12-01", year=2010, region_code="140400",
                               issued_at="2010-12-20T12:00:00+08:00", origin="historical")
    bad = [
        GOOD[0],
        "2010-140400-0001-000001,ABC,,14040219900101001X,工程,,高级,工程师,某委员会,文号,2015-13-01,2015-12-20,1404,,nobody",
        GOOD[0],
    ]
    with pytest.raises(CommandError, match="未导入任何证书"):
        call_command("import_certificates", _csv(tmp_path, bad))
    err = capsys.readouterr().err
    for expected in ("第 3 行 证书编号（number）：证书编号 2010-140400-0001-000001 已存在",
                     "第 3 行 验证码（verification_code）", "第 3 行 姓名（holder_name）：不能为空",
                     "第 3 行 身份证号码（id_number）：身份证号码校验位不正确", "第 3 行 层级（level）：取值无效：高级",
                     "第 3 行 审批日期（approved_on）：应为 YYYY-MM-DD 格式的日期",
                     "第 3 行 行政区划代码（region_code）", "第 3 行 持证人账号（username）：账号 nobody 不存在",
                     "第 4 行 证书编号（number）：证书编号 2015-140400-0001-000012 在文件中重复"):
        assert expected in err, expected
    assert "第 2 行" not in err
    assert Certificate.objects.count() == 1


def test_a_file_with_unknown_columns_or_no_rows_is_refused(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("number,colour\nX,red\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未知的列：colour"):
        call_command("import_certificates", str(path))
    with pytest.raises(CommandError, match="没有证书数据"):
        call_command("import_certificates", _csv(tmp_path, []))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_certificates", str(tmp_path / "absent.csv"))
