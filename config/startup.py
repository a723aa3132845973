"""Fail fast, with a clear message, when the settings are malformed or the services unreachable.

Called by ``manage.py`` (for commands that serve or change data), ``wsgi.py``, ``asgi.py`` and the
Celery worker, so a wrong ``DATABASE_URL`` or ``REDIS_URL``, or a web server without collected static
files, stops the process at start (exit code 3, one Chinese line per problem) instead of producing
500 pages later.
"""

import sys
from urllib.parse import urlsplit, urlunsplit


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def settings_or_exit() -> None:
    """Load the settings; a malformed one stops the process with one Chinese line and exit code 3."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - importing the settings module reads every variable
    except (ImproperlyConfigured, ValueError) as exc:
        hint = "" if "README" in str(exc) else "（见 README.md 的“设置”一节）"
        print(f"启动失败：{exc}{hint}", file=sys.stderr)
        sys.exit(3)


def static_problems() -> list[str]:
    """With DEBUG off the pages need the static files' manifest, written by ``collectstatic``."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if isinstance(storage, ManifestFilesMixin) and not storage.manifest_storage.exists(storage.manifest_name):
        return [f"静态文件尚未收集（{storage.location} 中没有 {storage.manifest_name}）："
                "请先运行 python manage.py collectstatic --noinput"]
    return []


def service_problems() -> list[str]:
    """Return one Chinese sentence per unreachable service (empty when all is well)."""
    from django.conf import settings
    from django.db import connections

    problems = []
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any driver error means "cannot start"
        problems.append(
            f"无法连接数据库（DATABASE_URL={_hide_password(settings.DATABASE_URL_DISPLAY)}）：{exc}".strip()
        )
    for alias in getattr(settings, "DATABASE_REPLICAS", ()):
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"无法连接只读副本 {alias}（DATABASE_REPLICA_URLS）：{exc}".strip())
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"无法连接 Redis（REDIS_URL={_hide_password(settings.REDIS_URL)}）：{exc}")
    return problems


def verify_services_or_exit(*, serving: bool = False, web: bool = False) -> None:
    """Exit with code 3 and a Chinese message when a service cannot be reached.

    ``serving`` (wsgi, asgi, Celery worker) also refuses the demo SECRET_KEY outside DEBUG; ``web``
    (wsgi, asgi, runserver) also needs the collected static files when DEBUG is off.
    """
    from django.conf import settings

    problems = service_problems()
    if web:
        problems += static_problems()
    if serving and settings.SECRET_KEY_IS_DEMO and not settings.DEBUG:
        problems.append("未设置 SECRET_KEY：生产环境必须通过环境变量提供")
    if problems:
        for line in problems:
            print(f"启动失败：{line}", file=sys.stderr)
        print("请检查环境变量设置（见 README.md 的“设置”一节）。", file=sys.stderr)
        sys.exit(3)


def ensure_migrated() -> None:
    """For commands that other systems call (check_eligibility, working_days): a fresh embedded SQLite
    database is migrated on first use; a server database that is not migrated stops with a message."""
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections["default"]
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0, interactive=False)
        return
    print("启动失败：数据库尚未初始化或有未执行的迁移，请先运行 python manage.py migrate", file=sys.stderr)
    sys.exit(3)
