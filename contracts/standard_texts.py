"""The clause structure of KL's standard contracts, version 2.0 (October 2023), for the three
templates. The texts are SHORT SUMMARIES in the portal's own words, marked as such, for the
secretariat to replace with KL's official wording. Numbers, titles and whether a municipality
may change a clause follow the structure described in DOMAIN.md.

The terms of a contract (tariff, PL regulation, payment, follow-up, notice) are written into
their clauses from here (TERMS, below)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from partnership import formats

SUMMARY_NOTE = (
    "Resumé skrevet af portalen. Sekretariatet erstatter teksten med KL's officielle ordlyd "
    "fra standardkontrakten version 2.0 (oktober 2023)."
)

PLAN = {
    "adults_inside": "borgerens indsatsplan",
    "adults_outside": "borgerens indsatsplan",
    "children": "barnets plan eller ungeplanen",
}

TITLES = {
    "adults_inside": "Standardkontrakt for køb af pladser i tilbud omfattet af rammeaftalen (voksne)",
    "adults_outside": "Standardkontrakt for køb af pladser uden for rammeaftalen (voksne)",
    "children": "Standardkontrakt for anbringelse af børn og unge",
}


def clauses(kind: str) -> list[tuple[str, str, str, bool]]:
    """(number, title, text, changeable) for a template kind."""
    plan = PLAN[kind]
    return [
        (
            "1",
            "Parterne",
            "Kontrakten indgås mellem køber (handlekommunen) og leverandøren af tilbuddet. "
            "Parternes kontaktpersoner fremgår af kontraktens forside.",
            False,
        ),
        (
            "2",
            "Ydelsen og sammenhængen med planen",
            f"Leverandøren leverer de ydelser, der er beskrevet i tilbuddets ydelsesdeklaration, med "
            f"udgangspunkt i {plan}. Ændringer i behovet aftales skriftligt.",
            True,
        ),
        (
            "3",
            "Takst og tillægsydelser",
            "Betalingen sker efter den aftalte offentliggjorte takst. Tillægsydelser og individuelle "
            "priser betales kun, når de er aftalt i kontrakten.",
            True,
        ),
        (
            "4",
            "Prisregulering",
            "Taksten reguleres automatisk hvert år med den pris- og lønfremskrivning, der er fastsat "
            "for året. Anden regulering kræver skriftlig aftale.",
            True,
        ),
        (
            "5",
            "Betaling",
            "Køber betaler månedsvis forud efter faktura. Betalingsfristen er højst 30 dage efter "
            "modtagelse af korrekt faktura.",
            True,
        ),
        (
            "6",
            "Opfølgning og statusmøder",
            f"Parterne følger op på indsatsen og {plan} mindst hver sjette måned og holder statusmøde "
            "efter behov.",
            True,
        ),
        (
            "7",
            "Dokumentation",
            "Leverandøren dokumenterer indsatsen og borgerens progression og stiller dokumentationen "
            "til rådighed for køber.",
            True,
        ),
        (
            "8",
            "Opsigelse",
            "Kontrakten kan opsiges af begge parter med tre måneders varsel til udgangen af en måned.",
            True,
        ),
        (
            "9",
            "Lukning af pladser og efterregulering",
            "Ved lukning af pladser eller ophør gør parterne betalingen op, og der foretages "
            "efterregulering efter de faktiske forhold.",
            True,
        ),
        (
            "10",
            "Misligholdelse",
            "Væsentlig misligholdelse giver den anden part ret til at hæve kontrakten efter skriftligt "
            "påkrav med rimelig frist.",
            False,
        ),
        (
            "11",
            "Tvister",
            "Uenighed søges løst ved forhandling. Kan den ikke løses, afgøres den efter dansk ret ved "
            "købers hjemting.",
            False,
        ),
    ]


# --- The structured terms written into their clauses ----------------------------------------
#
# The one source of the sentences a contract's terms put into its clauses. Each term has a
# phrase, written from its value; the template's clause holds the phrase for the standard
# value (the tariff's bare "den aftalte offentliggjorte takst"). A contract's clause is the
# template's text with each phrase written from the contract's value, and its standard text
# the same with the standard values (and the contract's own tariff, which has no standard):
# a term other than the standard is a changed clause, a deviation with a reason, counted
# like any other. A changed term writes its clause again (contracts.services.update_terms);
# a clause edited by hand must keep its terms' phrases (contracts.services.change_clause).

NUMBER_WORDS = {
    1: "en",
    2: "to",
    3: "tre",
    4: "fire",
    5: "fem",
    6: "seks",
    7: "syv",
    8: "otte",
    9: "ni",
    10: "ti",
    11: "elleve",
    12: "tolv",
}
ORDINAL_WORDS = {
    2: "anden",
    3: "tredje",
    4: "fjerde",
    5: "femte",
    6: "sjette",
    7: "syvende",
    8: "ottende",
    9: "niende",
    10: "tiende",
    11: "ellevte",
    12: "tolvte",
}


def tariff_phrase(tariff: Any) -> str:
    """Clause 3: the agreed tariff, written out (none: the template's bare words)."""
    if tariff is None:
        return "den aftalte offentliggjorte takst"
    return (
        f"den aftalte offentliggjorte takst ({tariff.year}, version {tariff.version}: "
        f"{formats.kr(tariff.price)} {tariff.get_unit_display()})"
    )


def pl_phrase(automatic: bool) -> str:
    """Clause 4: yearly PL regulation or not."""
    return (
        "Taksten reguleres automatisk hvert år"
        if automatic
        else ("Taksten reguleres ikke automatisk hvert år")
    )


def payment_phrase(value: tuple[str, int]) -> str:
    """Clause 5: in advance or in arrears, and the days to pay."""
    timing, days = value
    when = "bagud" if timing == "arrears" else "forud"
    unit = "dag" if days == 1 else "dage"
    return f"månedsvis {when} efter faktura. Betalingsfristen er højst {days} {unit}"


def followup_phrase(months: int) -> str:
    """Clause 6: how often the parties follow up."""
    if months == 1:
        return "mindst hver måned"
    if months in ORDINAL_WORDS:
        return f"mindst hver {ORDINAL_WORDS[months]} måned"
    return f"mindst hver {months}. måned"


def notice_phrase(months: int) -> str:
    """Clause 8: the notice period."""
    if months == 0:
        return "uden varsel"
    if months == 1:
        return "med en måneds varsel"
    return f"med {NUMBER_WORDS.get(months, str(months))} måneders varsel"


# The value a contract holds for a term: the tariff itself, or one or two fields.
def _tariff(c: Any) -> Any:
    return c.tariff if getattr(c, "tariff_id", None) else None


def _payment(c: Any) -> tuple[str, int]:
    return (c.payment_timing, c.payment_days)


def _followup(c: Any) -> int:
    # No interval agreed: the standard contract's own applies.
    return c.followup_interval_months or STANDARD_FOLLOWUP_MONTHS


STANDARD_FOLLOWUP_MONTHS = 6
# The tariff has no standard value: every contract names its own.
OWN_VALUE = object()


@dataclass(frozen=True)
class Term:
    key: str
    clause: str
    label: str  # Danish, in a sentence: "opsigelsesvarslet"
    field: str  # the form field its errors go to
    value: Callable[[Any], Any]
    phrase: Callable[[Any], str]
    standard: Any

    @property
    def has_standard(self) -> bool:
        return self.standard is not OWN_VALUE


TERMS = (
    Term("tariff", "3", "taksten", "tariff", _tariff, tariff_phrase, OWN_VALUE),
    Term(
        "automatic_pl",
        "4",
        "prisreguleringen",
        "automatic_pl",
        lambda c: c.automatic_pl,
        pl_phrase,
        True,
    ),
    Term("payment", "5", "betalingen", "payment_days", _payment, payment_phrase, ("advance", 30)),
    Term(
        "followup",
        "6",
        "opfølgningen",
        "followup_interval_months",
        _followup,
        followup_phrase,
        STANDARD_FOLLOWUP_MONTHS,
    ),
    Term(
        "notice",
        "8",
        "opsigelsesvarslet",
        "notice_months",
        lambda c: c.notice_months,
        notice_phrase,
        3,
    ),
)
TERM_CLAUSES = {t.clause for t in TERMS}
# The clauses whose deviation can come from a term (the tariff has no standard).
DEVIATING_TERM_CLAUSES = sorted({t.clause for t in TERMS if t.has_standard}, key=int)

Values = dict[str, Any]


def terms_of(number: str) -> list[Term]:
    return [t for t in TERMS if t.clause == number]


def values(contract: Any) -> Values:
    """The contract's terms as they stand."""
    return {t.key: t.value(contract) for t in TERMS}


def standard_values(contract: Any) -> Values:
    """The standard contract's terms, with the contract's own tariff."""
    return {t.key: (t.standard if t.has_standard else t.value(contract)) for t in TERMS}


def template_values() -> Values:
    """The terms as a template's clause text holds them."""
    return {t.key: (t.standard if t.has_standard else None) for t in TERMS}


def rewrite(text: str, number: str, old: Values, new: Values) -> str:
    """The clause's text with each of its terms' phrases written from the new values."""
    for term in terms_of(number):
        before, after = term.phrase(old[term.key]), term.phrase(new[term.key])
        if before != after:
            text = text.replace(before, after, 1)
    return text


def clause_texts(template_text: str, number: str, contract: Any) -> tuple[str, str]:
    """(standard text, text) of a new contract's clause from its template clause."""
    base = template_values()
    return (
        rewrite(template_text, number, base, standard_values(contract)),
        rewrite(template_text, number, base, values(contract)),
    )


def missing_terms(
    text: str, number: str, contract: Any, standard_text: str | None = None
) -> list[tuple[Term, str]]:
    """The terms of the clause whose phrase (as the contract's terms write it) the text
    lacks, each with that phrase. With the clause's standard text: only the terms it holds
    (a template version that words a term otherwise cannot have it written in)."""
    now, standard = values(contract), standard_values(contract)
    return [
        (t, t.phrase(now[t.key]))
        for t in terms_of(number)
        if t.phrase(now[t.key]) not in text
        and (standard_text is None or t.phrase(standard[t.key]) in standard_text)
    ]


def template_lacks(number: str, text: str) -> list[Term]:
    """The terms a template's clause text does not hold in the standard wording: a new
    template version must keep them (or the contract's terms cannot be written into it)."""
    base = template_values()
    return [t for t in terms_of(number) if t.phrase(base[t.key]) not in text]
