"""The catalogue page's body (/titles/catalogue/): the 27 series with their title names per level and specialties,
and the qualifications the national rulebook in force counts as titles. It changes a few times a year but cost
four queries and ~15 CPU ms to draw (README.md, 速度), so the drawn body is kept in the shared cache
(``accounts.request_cache.cached``) per year and language, under two versions that every change of what it shows
replaces: the catalogue's (a series, specialty or title name saved or deleted) and the rulebooks' (a rulebook
version saved or deleted; ``titles.selectors.kept_rulebook`` follows it too), whoever writes (the admin, the
rulebook services, the demo, the tests' factories: signals below), and both at every ``migrate`` (data
migrations write with ``update()``). Off without a shared cache (``REQUEST_CACHE``): then drawn each time."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts import request_cache

from .eligibility.facts import LEVEL_NAMES
from .models import Level, RulebookVersion, Series, Specialty, TitleName
from .selectors import catalogue, effective_rulebook, rulebooks_version


def version() -> tuple[str, str]:
    return request_cache.scoped("zc:catalogue:v"), rulebooks_version()


def context(year: int) -> dict:
    rows = []
    for series in catalogue():
        names: dict[int | None, dict[str, str]] = {}
        for title in series.title_names.all():
            names.setdefault(title.specialty_id, {})[title.level] = title.name
        specialties = [s for s in series.specialties.all() if s.is_active]
        lines = [{"specialty": s, "titles": [names[s.pk].get(level) or names.get(None, {}).get(level, "—")
                                             for level in Level.values]}
                 for s in specialties if s.pk in names]
        rows.append({"series": series, "titles": [names.get(None, {}).get(level, "—") for level in Level.values],
                     "lines": lines, "specialties": specialties})
    rulebook = effective_rulebook(year=year)
    equivalences = [{"name": name, "series": eq.series, "level": LEVEL_NAMES.get(eq.level, eq.level)}
                    for name, eq in sorted(rulebook.qualification_titles.items())]
    return {"rows": rows, "levels": Level.labels, "equivalences": equivalences, "rulebook": rulebook, "year": year}


def body() -> str:
    """The page's body as HTML, drawn at most once per version, year and language."""
    year = timezone.localdate().year
    key = f"{request_cache.scoped('zc:catalogue')}:{year}:{get_language()}"
    return mark_safe(request_cache.cached(  # our own template's output, escaped as it was drawn
        key, version(), lambda: render_to_string("titles/_catalogue_body.html", context(year))))


def changed(**_kwargs) -> None:
    request_cache.bump(version()[0])


def rulebooks_changed(**_kwargs) -> None:
    request_cache.bump(rulebooks_version())


def migrated(**_kwargs) -> None:
    request_cache.bump_many(version())


def connect() -> None:
    from django.db.models.signals import post_delete, post_migrate, post_save

    for model, receiver in ((Series, changed), (Specialty, changed), (TitleName, changed),
                            (RulebookVersion, rulebooks_changed)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"catalogue_{model.__name__}_save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"catalogue_{model.__name__}_delete")
    post_migrate.connect(migrated, dispatch_uid="catalogue_migrate")
