"""On PostgreSQL the database itself refuses to change submitted versions and pledges."""

from django.db import migrations

TABLES = ("declarations_declarationversion", "declarations_pledge")
FORWARD = """
CREATE OR REPLACE FUNCTION declarations_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '已提交的版本和承诺不可修改或删除（%% 第 %% 行）', TG_TABLE_NAME, OLD.id;
END;
$$ LANGUAGE plpgsql;
""" + "".join(f"""
DROP TRIGGER IF EXISTS {t}_immutable ON {t};
CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t}
    FOR EACH ROW EXECUTE FUNCTION declarations_immutable();
""" for t in TABLES)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {t}_immutable ON {t};\n" for t in TABLES) + \
    "DROP FUNCTION IF EXISTS declarations_immutable();\n"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
