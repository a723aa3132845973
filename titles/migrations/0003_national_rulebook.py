"""The national default rulebook (ELIGIBILITY.md's default table and the calendar rules), version 1.

The numbers are frozen in national_rulebook_v1.json beside this file, so that later changes of the
code's defaults do not rewrite history; the bureau edits them as new versions in the admin.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).with_name("national_rulebook_v1.json")


def load(apps, schema_editor):
    RulebookVersion = apps.get_model("titles", "RulebookVersion")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    RulebookVersion.objects.get_or_create(
        region_code="", year=None, version=1,
        defaults={"name": data["eligibility"]["name"], "status": "active", "eligibility": data["eligibility"],
                  "calendar": data["calendar"], "source": "专业技术人员职称评价基本标准（工程系列），ELIGIBILITY.md 默认规则库"},
    )


class Migration(migrations.Migration):
    dependencies = [("titles", "0002_catalogue_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
