import pytest
from django.core.exceptions import ValidationError

from customers.normalise import clean_email, clean_phone, phone_key, text_key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("138 1762 3301", "13817623301"),
        ("+86 138-1762-3301", "13817623301"),
        ("(0086)13817623301", "13817623301"),
        ("8613817623301", "13817623301"),
        ("+86 (138) 1762.3301", "13817623301"),
        ("１３８１７６２３３０１", "13817623301"),  # full-width digits
        ("0512-6688 1200", "051266881200"),
        ("+1 415 555 0134", "+14155550134"),
        ("0065 6123 4567", "+6561234567"),
        ("", ""),
    ],
)
def test_phone_key(typed, key):
    assert phone_key(typed) == key


@pytest.mark.parametrize("bad", ["12345", "138 1762 330", "2381762330１", "phone me", "+0 123"])
def test_clean_phone_refuses_what_is_not_a_number(bad):
    with pytest.raises(ValidationError) as refused:
        clean_phone(bad)
    assert refused.value.code == "bad_phone"


def test_clean_email():
    assert clean_email("  LiuJH@Shenyuan-MFG.cn ") == "liujh@shenyuan-mfg.cn"
    assert clean_email("") == ""
    with pytest.raises(ValidationError) as refused:
        clean_email("liujh@")
    assert refused.value.code == "bad_email"


def test_text_key_folds_width_case_and_spaces():
    assert text_key(" 上海申远 智能制造（集团） ") == text_key("上海申远智能制造(集团)")
    assert text_key("Acme  Corporation") == "acmecorporation"
