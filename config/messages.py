"""Django's message storage (``FallbackStorage``: the cookie, then the session), built only when a request adds
or reads a message.

``MessageMiddleware`` makes a storage for every request, and Django's cookie storage makes its signer at once,
which derives the signer's key from ``SECRET_KEY`` (an HMAC) whether or not the request has a message. Most
requests have none (the API, redirects, a page whose messages are read from an absent cookie): here the two
storages are made the first time the messages are read or stored, and the cookie's signer the first time a
cookie is read or written with messages in it. What is stored and read, and where, is Django's.

``MESSAGE_STORAGE = "config.messages.FallbackStorage"`` (config/settings.py).
"""

from functools import cached_property

from django.contrib.messages.storage import cookie, fallback, session
from django.contrib.messages.storage.base import BaseStorage
from django.core import signing


class CookieStorage(cookie.CookieStorage):
    def __init__(self, *args, **kwargs):
        BaseStorage.__init__(self, *args, **kwargs)  # Django's, without making the signer yet

    @cached_property
    def signer(self):
        return signing.get_cookie_signer(salt=self.key_salt)


class FallbackStorage(fallback.FallbackStorage):
    storage_classes = (CookieStorage, session.SessionStorage)

    def __init__(self, *args, **kwargs):
        BaseStorage.__init__(self, *args, **kwargs)
        self._storage_arguments = (args, kwargs)
        self._used_storages = set()

    @cached_property
    def storages(self):
        args, kwargs = self._storage_arguments
        return [storage_class(*args, **kwargs) for storage_class in self.storage_classes]
