"""The clause structure of KL's standard contracts, version 2.0 (October 2023), for the three
templates. The texts are SHORT SUMMARIES in the portal's own words, marked as such, for the
secretariat to replace with KL's official wording. Numbers, titles and whether a municipality
may change a clause follow the structure described in DOMAIN.md."""

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
