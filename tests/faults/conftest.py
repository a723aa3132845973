import pytest

from .servers import PrivatePostgres, PrivateRedis, collect_static, site_env


@pytest.fixture(scope="session")
def static_collected():
    """The web server needs the collected static files with DEBUG off (config/startup.py)."""
    collect_static(site_env(database_url="sqlite:///:memory:", redis_url=""))


@pytest.fixture
def private_redis():
    if not PrivateRedis.available():
        pytest.skip("needs the redis-server program")
    from config.celery import app

    server = PrivateRedis()
    broker_url = app.conf.broker_url  # tests point the app at this server; later tests need theirs back
    try:
        yield server
    finally:
        app.conf.broker_url = broker_url
        server.destroy()


@pytest.fixture
def private_postgres():
    if not PrivatePostgres.available():
        pytest.skip("needs PostgreSQL's server programs (initdb, pg_ctl)")
    server = PrivatePostgres()
    try:
        yield server.init()
    finally:
        server.destroy()

