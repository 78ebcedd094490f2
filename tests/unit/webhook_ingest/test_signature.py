import base64

import pytest

from webhook_ingest.signature import matching_secrets, sign, verify

BODY = b'{"eventNotifications":[]}'


def test_a_signature_made_with_the_secret_verifies():
    assert verify(BODY, sign("token-a", BODY), "token-a")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param(sign("token-b", BODY), id="wrong-secret"),
        pytest.param(sign("token-a", BODY + b" "), id="body-changed"),
        pytest.param(sign("token-a", BODY).encode().hex(), id="hex-not-base64"),
        pytest.param("%%%not-base64%%%", id="garbage"),
    ],
)
def test_bad_signatures_do_not_verify(header):
    assert not verify(BODY, header, "token-a")


def test_one_changed_byte_breaks_the_signature():
    changed = bytearray(BODY)
    changed[5] ^= 1
    assert not verify(bytes(changed), sign("token-a", BODY), "token-a")


def test_during_a_rotation_either_secret_matches():
    header = sign("new", BODY)
    assert matching_secrets(BODY, header, ["old", "new"]) == {"new"}
    assert base64.b64decode(header)
