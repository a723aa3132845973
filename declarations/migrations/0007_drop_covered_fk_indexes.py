# The foreign keys' own indexes that a composite index leading with the same column makes redundant.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from config.migration_ops import drop_indexes_only


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_drop_covered_fk_indexes'),
        ('declarations', '0006_queue_counts'),
        ('titles', '0020_deadline_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_indexes_only([
            migrations.AlterField(
                model_name='declaration',
                name='employer',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='declarations', to='accounts.organisation', verbose_name='申报单位'),
            ),
            migrations.AlterField(
                model_name='declaration',
                name='plan',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='declarations', to='titles.reviewplan', verbose_name='评审方案'),
            ),
            migrations.AlterField(
                model_name='historicaldeclaration',
                name='applicant',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申报人'),
            ),
            migrations.AlterField(
                model_name='historicaldeclaration',
                name='employer',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation', verbose_name='申报单位'),
            ),
            migrations.AlterField(
                model_name='historicaldeclaration',
                name='plan',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='titles.reviewplan', verbose_name='评审方案'),
            ),
            migrations.AlterField(
                model_name='historicaldeclaration',
                name='series',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='titles.series', verbose_name='系列'),
            ),
            migrations.AlterField(
                model_name='historicaldeclaration',
                name='specialty',
                field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='titles.specialty', verbose_name='专业'),
            ),
        ], {
            "declarations_declaration_employer_id_e11508fd": ("declarations_declaration", "employer_id"),
            "declarations_declaration_plan_id_d0810dd6": ("declarations_declaration", "plan_id"),
            "declarations_historicaldeclaration_applicant_id_e4755451": ("declarations_historicaldeclaration", "applicant_id"),
            "declarations_historicaldeclaration_employer_id_b4267fd9": ("declarations_historicaldeclaration", "employer_id"),
            "declarations_historicaldeclaration_plan_id_ba15dc93": ("declarations_historicaldeclaration", "plan_id"),
            "declarations_historicaldeclaration_series_id_fcfea0e6": ("declarations_historicaldeclaration", "series_id"),
            "declarations_historicaldeclaration_specialty_id_06a2cdbb": ("declarations_historicaldeclaration", "specialty_id"),
        }),
    ]
