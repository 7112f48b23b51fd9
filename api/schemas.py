"""The API's response bodies (pydantic, through django-ninja): the OpenAPI schema is made
from these. Field names are Danish, as the open-data download's; amounts are strings with a
decimal point (kr. and øre, exact), dates ISO 8601."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class Problem(Schema):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(description="Altid about:blank: status og titel siger, hvad der er galt.")
    title: str = Field(description="Fejlens art på dansk.")
    status: int = Field(description="HTTP-statuskoden.")
    detail: str = Field(description="Hvad der er galt, på dansk.")
    instance: str = Field(description="Stien der blev spurgt på.")
    errors: dict[str, list[str]] | None = Field(
        None, description="Ved 400: de ugyldige parametre med hver sin fejlmeddelelse."
    )


class Organisation(Schema):
    navn: str = Field(description="Organisationens navn.")
    noegle: str = Field(description="Organisationens kortnavn, som søgningen bruger.")
    cvr: str | None = Field(description="CVR-nummer, eller null.")


class Municipality(Schema):
    navn: str = Field(description="Kommunens navn.")
    noegle: str = Field(description="Kortnavnet, som parameteren kommune tager.")
    kode: str | None = Field(description="Kommunekoden, eller null.")


class Paragraph(Schema):
    kode: str = Field(description="Fx 'SEL § 108'.")
    noegle: str = Field(description="Fx '§ 108': værdien, som parameteren paragraf tager.")


class TargetGroup(Schema):
    navn: str
    noegle: str = Field(description="Værdien, som parameteren maalgruppe tager.")


class CurrentTariff(Schema):
    """The year's latest published tariff, as the search shows it."""

    takstaar: int = Field(description="Taksten gælder for dette år.")
    version: int = Field(description="Takstens version (en rettelse er en ny version).")
    takst: str = Field(description="Taksten i kr., som den er oplyst.")
    enhed: str = Field(description="day (pr. døgn) eller month (pr. måned).")
    moms_inkluderet: bool = Field(description="Om taksten er inklusive moms.")
    maanedspris: str = Field(description="Månedsprisen i kr. (en døgntakst × 365 / 12).")
    maanedspris_ekskl_moms: str = Field(
        description="Den sammenlignelige pris: månedspris uden moms, som søgningen sorterer på."
    )
    aendring_pct: str | None = Field(description="Ændring fra sidste år i procent.")
    over_pl: bool = Field(description="Ændringen er større end årets PL-sats.")


class Offer(Schema):
    id: int
    navn: str
    leverandoer: Organisation
    beliggenhedskommune: Municipality
    lovgrundlag: list[Paragraph]
    maalgrupper: list[TargetGroup]
    alder_fra: int
    alder_til: int
    pladser: int
    ledige_pladser: int | None = Field(description="Seneste indberetning, eller null.")
    ledige_opgjort: date | None = Field(description="Dagen de ledige pladser er opgjort.")
    takst: CurrentTariff | None = Field(description="Årets offentliggjorte takst, eller null.")
    url: str = Field(description="Tilbuddets side i portalen.")


class OfferPage(Schema):
    antal: int = Field(description="Antal tilbud på denne side.")
    next: str | None = Field(description="Adressen på næste side, eller null på den sidste.")
    tilbud: list[Offer]


class AddOn(Schema):
    navn: str
    pris: str | None = Field(description="Prisen i kr., null ved individuel pris.")
    enhed: str = Field(description="hour, day, month, km eller individual.")
    bemaerkning: str


class DeclarationAnswer(Schema):
    spoergsmaal: str = Field(description="Spørgsmålets nøgle.")
    spoergsmaal_tekst: str
    svar: str = Field(description="included, extra eller not_offered.")
    svar_tekst: str = Field(description="Svaret på dansk.")
    svarmulighed: str | None = Field(description="Den valgte svarmulighed, hvis spørgsmålet har.")
    pris: str | None
    enhed: str
    bemaerkning: str


class TariffVersion(Schema):
    takstaar: int
    version: int
    offentliggjort: datetime | None
    takst: str
    enhed: str
    moms_inkluderet: bool
    maanedspris: str
    maanedspris_ekskl_moms: str
    belaegning_pct: str = Field(description="Budgetteret belægning i procent.")
    begrundelse_for_rettelse: str = Field(description="Tom for version 1.")
    tillaegsydelser: list[AddOn]
    deklaration: list[DeclarationAnswer] = Field(
        description="Ydelsesdeklarationen som den var, da denne version blev offentliggjort."
    )


class OfferDetail(Offer):
    takster: list[TariffVersion] = Field(
        description="Alle offentliggjorte takstversioner, nyeste år og version først."
    )


class PLRate(Schema):
    aar: int
    sats_pct: str = Field(description="Den tilladte pris- og lønfremskrivning i procent.")
    note: str


# --- The member part (an organisation's token) --------------------------------------------


class Party(Schema):
    navn: str = Field(description="Organisationens navn.")
    cvr: str | None = Field(description="CVR-nummer, eller null.")


class Contract(Schema):
    id: int
    status: str = Field(description="Kontraktens status (kode), fx active.")
    status_tekst: str = Field(description="Status på dansk.")
    koeber: Party = Field(description="Handlekommunen.")
    leverandoer: Party
    tilbud: str = Field(description="Tilbuddets navn.")
    tilbud_id: int
    startdato: date
    slutdato: date | None
    sagsreference: str | None = Field(
        description=(
            "Kommunens sagsreference; kun med nøglens adgang 'sagsreferencer', ellers null."
        )
    )
    url: str = Field(description="Kontraktens side i portalen.")


class ContractPage(Schema):
    antal: int
    next: str | None = Field(description="Adressen på næste side, eller null på den sidste.")
    kontrakter: list[Contract]


class AgendaItem(Schema):
    nummer: str
    type: str = Field(description="Punktets type på dansk.")
    overskrift: str
    beskrivelse: str


class Meeting(Schema):
    id: int
    titel: str
    forum: str
    status: str = Field(description="Mødets status (kode).")
    status_tekst: str
    starter: datetime
    slutter: datetime
    sted: str
    dagsorden: list[AgendaItem] = Field(
        description="De punkter, organisationen må se (lukkede punkter kun, når de er åbne for den)."
    )
    url: str = Field(description="Mødets side i portalen.")


class MeetingPage(Schema):
    antal: int
    next: str | None = Field(description="Adressen på næste side, eller null på den sidste.")
    moeder: list[Meeting]


# --- Takstudvikling (offers/reports/development.py, the report's own figures) --------------


class DevelopmentRate(Schema):
    aar: int
    sats_pct: str = Field(description="Årets PL-sats i procent.")


class DevelopmentYear(Schema):
    aar: int
    antal_tilbud: int = Field(description="Tilbud med en offentliggjort takst dette år.")
    nedre_kvartil: str = Field(description="Første kvartil af månedsprisen i kr.")
    median: str = Field(description="Medianen af månedsprisen i kr.")
    oevre_kvartil: str = Field(description="Tredje kvartil af månedsprisen i kr.")
    pl_spor: str | None = Field(
        description=(
            "Det første års median fremskrevet med PL-satserne til dette år (kr.), eller null "
            "når perioden ikke har takster i første år."
        )
    )
    median_indeks: str | None = Field(description="Medianen som indeks, første år = 100.")
    pl_indeks: str | None = Field(description="PL-sporet som indeks, første år = 100.")


class DevelopmentRise(Schema):
    tilbud_id: int
    navn: str = Field(description="Tilbuddets navn.")
    leverandoer: str = Field(description="Leverandørens navn.")
    foerste_maanedspris: str = Field(description="Månedsprisen i periodens første år (kr.).")
    sidste_maanedspris: str = Field(description="Månedsprisen i periodens sidste år (kr.).")
    aendring_pct: str = Field(description="Tilbuddets ændring over perioden i procent.")
    tilladt_pct: str = Field(description="Den samlede PL-fremskrivning over perioden i procent.")
    url: str = Field(description="Tilbuddets side i portalen.")


class DevelopmentParagraph(Schema):
    kode: str = Field(description="Fx 'SEL § 108': værdien, som parameteren paragraf tager.")
    noegle: str = Field(description="Fx '§ 108'.")
    betegnelse: str
    aar: list[DevelopmentYear] = Field(description="Årene med takster, ældste først.")
    sammenlignet: int = Field(
        description="Tilbud med en takst i både periodens første og sidste år."
    )
    over_pl: list[DevelopmentRise] = Field(
        description="Tilbud hvis månedspris steg mere end PL-fremskrivningen, største først."
    )


class TariffDevelopment(Schema):
    fra_aar: int
    til_aar: int
    pl_satser: list[DevelopmentRate] = Field(description="PL-satserne i perioden.")
    tilladt_aendring_pct: str = Field(
        description="Den samlede PL-fremskrivning fra første til sidste år i procent."
    )
    lovgrundlag: list[DevelopmentParagraph]
