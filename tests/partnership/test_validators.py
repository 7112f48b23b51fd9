import pytest
from django.core.exceptions import ValidationError

from partnership.validators import cvr_is_valid, looks_like_cpr, refuse_cpr, validate_cvr


@pytest.mark.parametrize("cvr", ["12354495", "12354991", "12433573"])
def test_valid_cvr_numbers_pass(cvr):
    assert cvr_is_valid(cvr)
    validate_cvr(cvr)


@pytest.mark.parametrize(
    "cvr,message",
    [
        ("12354496", "kontrolcifferet passer ikke"),
        ("1234567", "præcis 8 cifre"),
        ("1234567a", "præcis 8 cifre"),
        ("", "præcis 8 cifre"),
    ],
)
def test_invalid_cvr_numbers_say_why_in_danish(cvr, message):
    with pytest.raises(ValidationError) as exc:
        validate_cvr(cvr)
    assert message in " ".join(exc.value.messages)


@pytest.mark.parametrize(
    "text", ["Sag 010203-1234", "0102031234", "borger 311299 1234", "ref:241126-4321."]
)
def test_cpr_like_text_is_refused(text):
    assert looks_like_cpr(text)
    with pytest.raises(ValidationError) as exc:
        refuse_cpr(text)
    assert "CPR-nummer" in exc.value.messages[0]


@pytest.mark.parametrize(
    "text", ["SAG-2026-00123", "12345678901", "Tlf. 12 34 56 78", "321399-1234", ""]
)
def test_ordinary_text_is_not_taken_for_cpr(text):
    assert not looks_like_cpr(text)
    refuse_cpr(text)
