"""config/prepared.py: a queryset compiled once gives, run with other values, what the queryset gives."""

import pytest
from django.db.models import Count

from accounts.models import Organisation
from config.prepared import PreparedValues
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_prepared_rows_are_the_querysets_rows_for_each_value_and_shape(django_assert_num_queries):
    parent = OrganisationFactory(name="上级")
    children = [OrganisationFactory(name=f"下级{i}", parent=parent) for i in range(3)]

    def build(*values):
        *ids, _count, limit = values
        return (Organisation.objects.filter(pk__in=ids).annotate(n=Count("children")).order_by("name")
                .values("pk", "name", "parent__name", "n")[:limit])

    prepared = PreparedValues(build)
    for ids, limit in (([parent.pk, children[0].pk], 5), ([children[1].pk], 5), ([c.pk for c in children], 2)):
        with django_assert_num_queries(1):
            rows = prepared.rows(*ids, shape=(len(ids), limit))
        assert rows == list(build(*ids, len(ids), limit))
    assert prepared.rows(parent.pk, shape=(1, 5))[0] == {"pk": parent.pk, "name": "上级", "parent__name": None, "n": 3}


def test_an_argument_that_is_not_a_parameter_is_refused():
    prepared = PreparedValues(lambda pk: Organisation.objects.filter(pk__gte=0).values("pk")[:1] if pk else None)
    with pytest.raises(ValueError, match="not parameters"):
        prepared.rows(5)  # built without the argument: the page would ignore it


def test_a_text_argument_is_a_parameter_when_named_in_text_args():
    first = OrganisationFactory(name="甲单位")
    OrganisationFactory(name="乙单位")
    prepared = PreparedValues(lambda name: Organisation.objects.filter(name=name).values("pk"), text_args=(0,))
    assert prepared.rows("甲单位") == [{"pk": first.pk}] and prepared.rows("丙单位") == []
    unnamed = PreparedValues(lambda name: Organisation.objects.filter(name=name).values("pk"))
    with pytest.raises(ValueError, match="not parameters"):  # a number's marker, made text by the field
        unnamed.rows("甲单位")
