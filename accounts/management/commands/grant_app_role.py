"""``manage.py grant_app_role ROLE``: the PostgreSQL role the application connects as.

Run it as the tables' owner after every ``migrate`` (docker-compose's ``migrate`` service does). The
role may read and write every table but owns none, so it can neither alter nor disable the event
log's triggers; on the event log it may only read and append.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from accounts.models import Event

APPEND_ONLY_TABLES = (Event._meta.db_table,)


def grant_statements(role: str, database: str, schema: str) -> list[sql.Composed]:
    who, db, ns = sql.Identifier(role), sql.Identifier(database), sql.Identifier(schema)
    statements = [
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
                            help="从该环境变量读取口令；角色不存在时以此口令创建（可登录），已存在时不改口令")

    def handle(self, *args, role, password_env=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role 只用于 PostgreSQL（SQLite 没有数据库角色）")
        password = os.environ.get(password_env, "") if password_env else ""
        if password_env and not password:
            raise CommandError(f"环境变量 {password_env} 未设置，无法设置角色 {role} 的口令")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                created, schema = self.grant(cursor, role, password)
        except DatabaseError as exc:
            raise CommandError(f"无法设置角色 {role}：{' '.join(str(exc).split())}。创建角色须以超级用户或有 "
                               f"CREATEROLE 权限的角色运行；也可由数据库管理员先创建角色 {role}，再由表的所有者"
                               f"运行本命令") from None
        self.stdout.write(f"数据库角色 {role} 已{'创建' if created else '更新'}：可读写 {schema} 中的表，"
                          f"事件日志只可读取和追加，不拥有任何表。")

    def grant(self, cursor, role: str, password: str) -> tuple[bool, str]:
        """Create the role if it is missing, check that it is a plain role, grant; (created?, schema)."""
        cursor.execute("SELECT current_user, current_database(), current_schema()")
        owner, database, schema = cursor.fetchone()
        if role == owner:
            raise CommandError(f"应用程序角色不能是表的所有者 {owner}：请另起一个角色名")
        cursor.execute("SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls "
                       "FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
            if password:
                statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
            cursor.execute(statement.format(sql.Identifier(role)))
        elif row[0]:
            raise CommandError(f"角色 {role} 有超级用户、建库、建角色、复制或绕过行级安全的权限，不能作为应用程序角色")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s AND tableowner = %s", [schema, role])
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            raise CommandError(f"角色 {role} 拥有数据表（{'、'.join(owned)}），不能作为应用程序角色")
        for statement in grant_statements(role, database, schema):
            cursor.execute(statement)
        return row is None, schema
