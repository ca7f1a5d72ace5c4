"""Tokens at rest: Fernet-encrypted (cryptography) when ``NEWSBOT_SECRET_KEY`` is set, else as given.

An encrypted value is stored as ``fernet:<token>``, so one database may hold both kinds (a key set
after the first installs encrypts every later write, and still reads the earlier plain ones). A
stored value that is encrypted cannot be read without the key: that raises StoreError naming the
setting, never the value.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from bot.errors import StoreError

PREFIX = "fernet:"


class TokenCipher:
    """``seal`` before writing a token, ``open`` after reading it. ``key`` None: no encryption."""

    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(key.encode()) if key else None

    @property
    def encrypting(self) -> bool:
        return self._fernet is not None

    def seal(self, token: str | None) -> str | None:
        if token is None or self._fernet is None:
            return token
        return PREFIX + self._fernet.encrypt(token.encode()).decode()

    def open(self, stored: str | None) -> str | None:
        if stored is None or not stored.startswith(PREFIX):
            return stored
        if self._fernet is None:
            raise StoreError("a stored Slack token is encrypted: set NEWSBOT_SECRET_KEY to the key it used")
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise StoreError(
                "a stored Slack token cannot be decrypted with NEWSBOT_SECRET_KEY (a different key?)"
            ) from None
