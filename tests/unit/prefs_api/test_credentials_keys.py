"""MultiFernet key rotation of the credentials cipher and its settings."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from ledgerbridge_common.prefs_client import BillcomCredentials, QboCredentials
from prefs_api.adapters.crypto import CredentialCipher, CredentialsError
from prefs_api.settings import Settings

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
BILL = BillcomCredentials(username="ap@acme.example", password="pw", organization_id="00801", dev_key="dk")
QBO = QboCredentials(client_id="c", client_secret="s")


def test_the_current_key_seals_and_every_configured_key_opens():
    sealed_old = CredentialCipher(OLD).seal(BILL, QBO)
    rotated = CredentialCipher(NEW, [OLD])
    assert rotated.open(sealed_old) == (BILL, QBO)
    assert not rotated.is_current(sealed_old)
    sealed_new = rotated.seal(BILL, QBO)
    assert rotated.is_current(sealed_new)
    assert CredentialCipher(NEW).open(sealed_new) == (BILL, QBO)
    assert CredentialCipher(NEW).open(rotated.reseal(sealed_old)) == (BILL, QBO)
    with pytest.raises(CredentialsError):
        CredentialCipher(NEW).open(sealed_old)


def test_oauth_state_signed_before_a_rotation_still_verifies():
    state = CredentialCipher(OLD).sign({"connection_id": "c1"})
    assert CredentialCipher(NEW, [OLD]).verify(state, ttl_seconds=60) == {"connection_id": "c1"}


def test_previous_keys_must_be_fernet_keys():
    settings = Settings(prefs_credentials_key=NEW, prefs_credentials_previous_keys=f"{OLD}, {NEW}")
    assert settings.previous_credentials_keys() == [OLD, NEW]
    with pytest.raises(ValidationError):
        Settings(prefs_credentials_key=NEW, prefs_credentials_previous_keys=f"{OLD},not-a-key")
