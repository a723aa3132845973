"""``manage.py grant_app_role ROLE``: the PostgreSQL role the application connects as.

Run it as the tables' owner after every ``migrate`` (docker-compose's ``migrate`` service does). The
role may read and write every table but owns none, so it can neither alter nor disable the event
log's triggers; on the event log it may only read and append.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from accounts.models import Event

APPEND_ONLY_TABLES = (Event._meta.db_table,)


def grant_statements(role: str, database: str, schema: str) -> list[sql.Composed]:
    who, db, ns = sql.Identifier(role), sql.Identifier(database), sql.Identifier(schema)
    statements = [
        sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(who),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, who),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ns, who),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(ns, who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(ns, who),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(ns, who),
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(sql.SQL("REVOKE UPDATE, DELETE ON {}.{} FROM {}").format(ns, sql.Identifier(table), who))
    return statements


class Command(BaseCommand):
    help = "创建或更新应用程序连接数据库所用的角色：可读写各表但不拥有任何表，事件日志只可读取和追加（须以表的所有者运行）"

    def add_arguments(self, parser):
        parser.add_argument("role", help="应用程序的数据库角色名，如 zhicheng_app")
        parser.add_argument("--password-env", metavar="VAR",
                            help="从该环境变量读取口令；角色不存在时以此口令创建（可登录）")

    def handle(self, *args, role, password_env=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role 只用于 PostgreSQL（SQLite 没有数据库角色）")
        password = os.environ.get(password_env, "") if password_env else ""
        if password_env and not password:
            raise CommandError(f"环境变量 {password_env} 未设置，无法设置角色 {role} 的口令")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            if role == owner:
                raise CommandError(f"应用程序角色不能是表的所有者 {owner}：请另起一个角色名")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            exists = cursor.fetchone() is not None
            if not exists:
                cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            if password:
                cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tableowner = %s", [schema, role]
            )
            owned = [row[0] for row in cursor.fetchall()]
            if owned:
                raise CommandError(f"角色 {role} 拥有数据表（{'、'.join(owned)}），不能作为应用程序角色")
            for statement in grant_statements(role, database, schema):
                cursor.execute(statement)
        self.stdout.write(f"数据库角色 {role} 已{'更新' if exists else '创建'}：可读写 {schema} 中的表，"
                          f"事件日志只可读取和追加，不拥有任何表。")
