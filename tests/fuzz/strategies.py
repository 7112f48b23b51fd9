"""Hypothesis strategies for what a person (or a script) can put in a form field: text of
every kind, numbers written every way, dates in odd formats, valid and invalid choices,
and files. One strategy per Django form field, built from the field itself."""

from __future__ import annotations

import io

from django import forms
from hypothesis import strategies as st

# --- Text ------------------------------------------------------------------------------------

# Any unicode but lone surrogates (a browser cannot send those as UTF-8).
UNICODE = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)

TRICKY_TEXT = [
    "\x00",
    "a\x00b",
    "\x00" * 5,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ request.user }}",
    "{% debug %}",
    "%(value)s",
    "%s %d %%",
    "' OR 1=1 --",
    "'; DROP TABLE offers_tariff; --",
    "1; SELECT pg_sleep(0)",
    "\\",
    "\u202eevil\u202c",  # right-to-left override
    "שלום עולם",
    "مرحبا بالعالم",
    "æøå ÆØÅ",
    "\ufeffBOM",
    "\u200b\u200d",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀",
    "\r\n\t ",
    "   ",
    "",
    "../../etc/passwd",
    "null",
    "None",
    '=HYPERLINK("http://x")',
]
CPR_LIKE = ["010190-1234", "0101901234", "CPR 010190-1234", "311299-9999", "01.01.90-1234"]
NUMBER_TEXT = [
    "0",
    "-0",
    "-1",
    "+5",
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "sNaN",
    "1.234,56",
    "1.234",
    "1.234.567,89",
    "1,5",
    "1,234,567",
    "12,345",
    "0,001",
    "99999999999999999999999999999999",
    "-99999999999999999999999999999999",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "1_000",
    "0x1F",
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # full-width digits
    " 42 ",
    "42 kr.",
    "100 %",
    "2026",
    "2.026",
    "3.14",
]
# Fixed on purpose (ok-fixed-date): texts that are or are not dates whatever the day, such as
# 29 February in a year without one and in a year with one.
DATE_TEXT = [
    "2026-13-45",
    "2026-02-29",
    "2024-02-29",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2026-01-01",
    "1899-12-31",
    "31.12.2026",
    "31/12/2026",
    "12/31/2026",
    "2026-12-01T25:61",
    "2026-12-01T10:00",
    "2026-12-01 10:00",
    "0001-01-01T00:00",
    "0001-01-01 00:30",
    "9999-12-31T23:59",
    "9999-12-31 23:59",
    "2026-W05",
    "i går",
    "1.1.1",
    "2026-1-1",
]


@st.composite
def long_text(draw):
    piece = draw(st.sampled_from(["x", "æ", "010190-1234 ", "<b>", "\x00", "ab cd "]))
    return piece * draw(st.integers(min_value=201, max_value=20_000))


TEXT = st.one_of(
    UNICODE,
    st.sampled_from(TRICKY_TEXT),
    st.sampled_from(CPR_LIKE),
    st.sampled_from(NUMBER_TEXT),
    st.sampled_from(DATE_TEXT),
    long_text(),
    st.tuples(st.sampled_from(TRICKY_TEXT + CPR_LIKE), UNICODE).map("".join),
)

NUMBERS = st.one_of(
    st.sampled_from(NUMBER_TEXT),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=-5, max_value=3000).map(str),
    st.integers(min_value=20, max_value=400).map(lambda n: "9" * n),  # very long numbers
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3).map(
        lambda d: f"{d:,}".replace(",", "X").replace(".", ",").replace("X", ".")
    ),
    UNICODE,
)


def _datetime_text(value) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}"


DATES = st.one_of(
    st.sampled_from(DATE_TEXT),
    st.dates().map(lambda d: d.isoformat()),  # year 1 to 9999: valid to Django
    st.dates().map(lambda d: f"{d.day}.{d.month}.{d.year}"),
    st.datetimes().map(_datetime_text),
    st.integers(min_value=-99_999, max_value=99_999).map(lambda y: f"{y}-06-15"),
    st.integers(min_value=-99_999, max_value=99_999).map(lambda y: f"{y}-06-15T12:00"),
    UNICODE,
)

BOOLEANS = st.sampled_from(["on", "", "true", "false", "0", "1", "off", "\x00", "ja"])


# --- Files -----------------------------------------------------------------------------------


def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def tiny_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


FILE_NAMES = [
    "fil.pdf",
    "billede.png",
    "foto.jpg",
    "dokument.docx",
    "ark.xlsx",
    "takster.csv",
    "uden-endelse",
    "../../etc/passwd",
    "æøå ÆØÅ.pdf",
    "a\x00b.pdf",
    "<script>.pdf",
    "x" * 300 + ".pdf",
    ".pdf",
    "FIL.PDF",
]


@st.composite
def uploads(draw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = draw(
        st.one_of(
            st.just(b""),
            st.binary(max_size=2048),
            st.just(tiny_png()),
            st.just(tiny_pdf()),
            st.just(b"%PDF-1.7\n" + b"not really a pdf"),
            st.just(tiny_png()[:20]),  # a truncated image
            st.just(b"PK\x03\x04" + b"\x00" * 30),  # a broken zip (docx/xlsx)
            st.just(b"GIF89a\x01\x00\x01\x00"),
        )
    )
    name = draw(st.sampled_from(FILE_NAMES))
    content_type = draw(
        st.sampled_from(
            ["application/pdf", "image/png", "application/octet-stream", "text/plain", ""]
        )
    )
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Choices ---------------------------------------------------------------------------------


def _choice_values(field) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an option group
            values += [str(v) for v, _label in label]
        else:
            values.append(str(getattr(value, "value", value)))
    return values


def _model_values(field) -> list[str]:
    key = field.to_field_name or "pk"
    return [str(v) for v in field.queryset.values_list(key, flat=True)[:50]]


def _junk_choice():
    return st.one_of(TEXT, NUMBERS)


def choice_strategy(field) -> st.SearchStrategy:
    if isinstance(field, forms.ModelChoiceField):
        valid = _model_values(field)
    else:
        valid = _choice_values(field)
    options = [_junk_choice()]
    if valid:
        options.insert(0, st.sampled_from(valid))
    single = st.one_of(*options)
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(single, max_size=6)
    return single


# --- One field -------------------------------------------------------------------------------


def boundaries(field: forms.Field) -> list[str]:
    """Values at the edges of what the field accepts, where bugs live: the first and last
    day Python knows, the limits of the field and one past them, a text of exactly its
    maximum length and one longer."""
    if isinstance(field, forms.DateTimeField):
        return ["0001-01-01T00:10", "0001-01-01 00:10", "9999-12-31T23:59", "9999-12-31 23:00"]
    if isinstance(field, forms.DateField):
        return ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30", "2024-02-29"]
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        values = ["0", "-1", "2147483647", "2147483648", "-2147483649", "9" * 30]
        for limit in (field.min_value, field.max_value):
            if limit is not None:
                values += [str(limit), str(limit - 1), str(limit + 1)]
        digits = getattr(field, "max_digits", None)
        places = getattr(field, "decimal_places", None) or 0
        if digits:
            values += ["9" * (digits - places), "9" * (digits - places + 1)]
        return values
    if isinstance(field, forms.CharField) and field.max_length:
        return ["x" * field.max_length, "æ" * (field.max_length + 1), "\x00", CPR_LIKE[0]]
    return []


def field_strategy(field: forms.Field) -> st.SearchStrategy:
    """What may arrive for this field: mostly values of its own kind, sometimes anything."""
    if isinstance(field, forms.FileField):
        return uploads()
    if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        own = choice_strategy(field)
    elif isinstance(field, forms.BooleanField | forms.NullBooleanField):
        own = BOOLEANS
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        own = NUMBERS
    elif isinstance(field, forms.DateField | forms.DateTimeField | forms.TimeField):
        own = DATES
    elif isinstance(field, forms.EmailField):
        own = st.one_of(
            st.emails().map(str),
            st.tuples(UNICODE, st.sampled_from(["@portal.example", "@", "@@x"])).map("".join),
        )
    elif isinstance(field, forms.URLField):
        own = st.one_of(
            st.sampled_from(
                ["https://teams.example/x", "javascript:alert(1)", "http://", "ftp://x", "//x"]
            ),
            st.tuples(st.just("https://"), UNICODE).map("".join),
        )
    else:
        own = TEXT
    edges = boundaries(field)
    if edges:
        return st.one_of(st.sampled_from(edges), own, TEXT)
    return st.one_of(own, own, TEXT)


MISSING = object()


def form_data(fields: dict[str, forms.Field], prefix: str = "") -> st.SearchStrategy:
    """A dict of POST/GET data for these fields; any field may be left out."""

    def key(name: str) -> str:
        return f"{prefix}-{name}" if prefix else name

    parts = {
        key(name): st.one_of(field_strategy(field), st.just(MISSING))
        for name, field in fields.items()
    }
    return st.fixed_dictionaries(parts).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING}
    )


@st.composite
def one_odd(draw, fields: dict[str, forms.Field], prefix: str, valid: dict):
    """The valid data with up to three fields made up or left out."""
    data = {name: value() if callable(value) else value for name, value in valid.items()}
    odd = st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True)
    for name in draw(odd):
        left_out = draw(st.integers(0, 4)) == 4  # 0, the usual draw, keeps it
        value = MISSING if left_out else draw(field_strategy(fields[name]))
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    return {(f"{prefix}-{name}" if prefix else name): value for name, value in data.items()}


def submissions(fields: dict[str, forms.Field], prefix: str = "", valid: dict | None = None):
    """Anything for every field, or (when the form's valid data is known) valid data with
    up to three fields made up or left out: the second reaches the service behind the
    form with one odd value at a time."""
    anything = form_data(fields, prefix)
    if not valid:
        return anything
    return st.one_of(one_odd(fields, prefix, valid), one_odd(fields, prefix, valid), anything)


def fresh(valid: dict, prefix: str = "") -> dict:
    """The valid data as it is posted (files made anew: an upload is read once)."""
    return {
        (f"{prefix}-{name}" if prefix else name): value() if callable(value) else value
        for name, value in valid.items()
    }
