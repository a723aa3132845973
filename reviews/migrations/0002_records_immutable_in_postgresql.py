"""On PostgreSQL the database itself refuses to change decisions and material verifications."""

from django.db import migrations

TABLES = ("reviews_decision", "reviews_materialverification")
FORWARD = "".join(f"""
DROP TRIGGER IF EXISTS {t}_immutable ON {t};
CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t}
    FOR EACH ROW EXECUTE FUNCTION declarations_immutable();
""" for t in TABLES)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {t}_immutable ON {t};\n" for t in TABLES)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial"), ("declarations", "0002_versions_immutable_in_postgresql")]
    operations = [migrations.RunPython(forward, backward)]
