"""Django's PostgreSQL backend with a health check that costs no round trip (issue 14).

Kept connections are checked before a request's first query (``CONN_HEALTH_CHECKS``), so that the first
request after a database restart reconnects instead of failing. Django checks by sending ``SELECT 1``: a
round trip to PostgreSQL on every request, one of the four a signed-in page made. A connection the server
has closed (a restart, ``pg_terminate_backend``, a failover) leaves something to read on its socket: the
server's goodbye message or the end of the stream. So the socket is polled first, without waiting: nothing
to read means the connection is as it was left, and usable; anything to read (or a connection psycopg
already knows is broken) falls back to Django's ``SELECT 1``, which decides.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper


def _readable(fileno: int) -> bool:
    poller = select.poll()
    poller.register(fileno, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            if not _readable(connection.fileno()):
                return True
        except (OSError, ValueError):
            return False
        return super().is_usable()
